/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Talking to vzd: connect, send one request, stream events, get the reply. */
#ifndef VZCTL_CLIENT_H
#define VZCTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "proto/protocol.h"

struct client {
	const char *socket_path;
	int sock;
	bool quiet;   /* no progress lines */
	bool verbose; /* show debug events */
	/* Called for events the generic loop does not print (e.g. "pty"). */
	int (*on_event)(struct client *c, const char *event, const struct vz_msg *m, int *fds,
			size_t nfds, void *data);
	void *event_data;
};

/* Socket path: --socket, then $VZ_SOCKET, then the default. */
const char *client_socket_path(const char *opt);

int client_connect(struct client *c, vz_error_t *err);
void client_close(struct client *c);

/* Send op with args (stolen) and fds. */
int client_send(struct client *c, const char *op, struct vz_msg *args, const int *fds, size_t nfds,
		vz_error_t *err);

/*
 * Read events until the reply: progress goes to stdout, warnings to stderr.
 * Returns the reply (owner: caller); the result object is in *ret_result.
 */
struct vz_msg *client_wait(struct client *c, const struct vz_msg **ret_result, vz_error_t *err);

/* connect + send + wait in one go. */
struct vz_msg *client_call(struct client *c, const char *op, struct vz_msg *args,
			   const struct vz_msg **ret_result, vz_error_t *err);

/* Print err as one line on stderr and return its exit code. */
int client_fail(vz_error_t err);

#endif
