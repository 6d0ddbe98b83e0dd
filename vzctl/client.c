/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "core/ctx.h"
#include "util/xalloc.h"

const char *client_socket_path(const char *opt)
{
	const char *env = getenv("VZ_SOCKET");

	if (opt)
		return opt;
	return env && *env ? env : VZ_DEFAULT_SOCKET;
}

int client_connect(struct client *c, vz_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(c->socket_path) >= sizeof(sa.sun_path))
		return vz_error_make(err, VZ_E_VALUE, 0, "socket path '%s' is too long",
				     c->socket_path);
	memcpy(sa.sun_path, c->socket_path, strlen(c->socket_path) + 1);
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return vz_error_make(err, VZ_E_DAEMON, errno, "socket");
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		closep(&c->sock);
		/* vzd runs; it is the socket's (or its directory's) mode that says no. */
		if (e == EACCES || e == EPERM)
			return vz_error_make(err, VZ_E_ACCES, 0,
					     "cannot connect to vzd at '%s': permission denied "
					     "(vzd serves root and its group)",
					     c->socket_path);
		return vz_error_make(err, VZ_E_DAEMON, e,
				     "cannot reach vzd at '%s' (is vzd running?)", c->socket_path);
	}
	return 0;
}

void client_close(struct client *c)
{
	closep(&c->sock);
}

/*
 * vzd refuses some peers (permission, too busy) with a reply and a hangup
 * before it reads their request: that reply, not EPIPE, is the answer.
 */
static bool explain_hangup(struct client *c, vz_error_t *err)
{
	_cleanup_msg_ struct vz_msg *m =
		vz_proto_recv(c->sock, VZ_PROTO_MAX_REPLY, NULL, NULL, NULL);
	const struct vz_msg *res;
	const char *event;
	vz_error_t why = NULL;

	if (!m || vz_proto_parse_reply(m, &event, &res, &why) == 0)
		return false;
	vz_error_release(err);
	*err = why;
	return true;
}

int client_send(struct client *c, const char *op, struct vz_msg *args, const int *fds, size_t nfds,
		vz_error_t *err)
{
	_cleanup_msg_ struct vz_msg *req = vz_proto_request(op, 1, args);

	if (vz_proto_send(c->sock, req, fds, nfds, err) < 0) {
		if (vz_error_errno(*err) == EPIPE && explain_hangup(c, err))
			return -1;
		return vz_error_wrap(err, "send request to vzd");
	}
	return 0;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		(void)close(fds[i]);
}

struct vz_msg *client_wait(struct client *c, const struct vz_msg **ret_result, vz_error_t *err)
{
	for (;;) {
		int fds[VZ_PROTO_MAX_FDS];
		size_t nfds = VZ_PROTO_MAX_FDS;
		const char *event;
		struct vz_msg *m = vz_proto_recv(c->sock, VZ_PROTO_MAX_REPLY, fds, &nfds, err);

		if (!m) {
			if (vz_error_errno(*err) == EPIPE) {
				vz_error_release(err);
				vz_error_make(err, VZ_E_DAEMON, 0,
					      "vzd closed the connection without an answer");
			}
			return NULL;
		}
		if (vz_proto_parse_reply(m, &event, ret_result, err) < 0) {
			close_fds(fds, nfds);
			vz_msg_free(m);
			return NULL;
		}
		if (!event)
			return m;
		if (streq(event, "progress") && !c->quiet)
			printf("%s\n", vz_msg_get_str(m, "msg") ?: "");
		else if (streq(event, "warning"))
			fprintf(stderr, "Warning: %s\n", vz_msg_get_str(m, "msg") ?: "");
		else if (c->on_event && c->on_event(c, event, m, fds, nfds, c->event_data) == 0)
			nfds = 0; /* the handler took the fds */
		fflush(stdout);
		close_fds(fds, nfds);
		vz_msg_free(m);
	}
}

struct vz_msg *client_call(struct client *c, const char *op, struct vz_msg *args,
			   const struct vz_msg **ret_result, vz_error_t *err)
{
	struct vz_msg *r;

	if (client_connect(c, err) < 0) {
		vz_msg_free(args);
		return NULL;
	}
	if (client_send(c, op, args, NULL, 0, err) < 0) {
		client_close(c);
		return NULL;
	}
	r = client_wait(c, ret_result, err);
	client_close(c);
	return r;
}

int client_fail(vz_error_t err)
{
	fflush(stdout);
	fprintf(stderr, "%s\n", err && err->msg ? err->msg : "unknown error");
	return err && err->code ? err->code : VZ_E_SYSTEM;
}
