/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzctl console CTID: our terminal on the CT's console, as OpenVZ's. vzd
 * hands us a connection to the CT's console keeper, which sends what the
 * console showed lately, then its live output; what we type goes to the
 * console, except the escape: Esc then "." detaches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "term.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define ESC '\033'
/* An Esc with nothing after it this long is a key of its own (vi's): it goes on. */
#define ESC_WAIT_MS 500

static int on_console(struct client *c, const char *event, const struct vz_msg *m, int *fds,
		      size_t nfds, void *data)
{
	int *fd = data;

	(void)c;
	(void)m;
	if (!streq(event, "console") || nfds != 1)
		return -1;
	*fd = fds[0];
	return 0;
}

/* Typed keys to the console; true when they held the escape. */
static bool send_keys(int sock, const char *buf, size_t n, bool *esc)
{
	char out[2 * 4096];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (*esc) {
			*esc = false;
			if (buf[i] == '.')
				return true;
			out[k++] = ESC;
			if (buf[i] == ESC) {
				*esc = true;
				continue;
			}
		} else if (buf[i] == ESC) {
			*esc = true;
			continue;
		}
		out[k++] = buf[i];
	}
	(void)write_all(sock, out, k);
	return false;
}

/* Relay until detach (0), the console's end (1, the CT stopped) or our input's end. */
static int relay(int sock)
{
	struct pollfd p[2] = {{.fd = sock, .events = POLLIN},
			      {.fd = STDIN_FILENO, .events = POLLIN}};
	bool esc = false;

	for (;;) {
		char buf[4096];
		int n = poll(p, 2, esc ? ESC_WAIT_MS : -1);
		ssize_t r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		if (n == 0) {
			esc = false;
			(void)write_all(sock, "\033", 1);
			continue;
		}
		if (p[0].revents && !term_pump(sock, STDOUT_FILENO))
			return 1;
		if (!p[1].revents)
			continue;
		r = read(STDIN_FILENO, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || send_keys(sock, buf, (size_t)r, &esc))
			return 0;
	}
}

int cmd_console(struct client *c, int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	_cleanup_close_ int sock = -EBADF;
	struct term term = {0};
	struct vz_msg *args;
	const struct vz_msg *res;
	int r;

	if (argc < 2)
		return cmd_usage_error("console", "CT ID missing");
	/* OpenVZ's TTYNUM picks one of a CT's ttys; a vz CT has its console only. */
	if (argc > 2)
		return cmd_usage_error("console", "unexpected argument '%s' (a CT has one console)",
				       argv[2]);
	args = vz_msg_new();
	vz_msg_set_str(args, "ctid", argv[1]);
	c->on_event = on_console;
	c->event_data = &sock;
	reply = client_call(c, VZ_OP_CONSOLE, args, &res, &err);
	if (!reply)
		return client_fail(err);
	if (sock < 0) {
		fprintf(stderr, "vzctl console: vzd sent no console\n");
		return 1;
	}
	fprintf(stderr, "Attached to CT %s console (press Esc . to detach)\n", argv[1]);
	term_raw(&term);
	r = relay(sock);
	term_restore(&term);
	fprintf(stderr,
		r ? "\r\nCT %s console closed: the CT stopped\n"
		  : "\r\nDetached from CT %s console\n",
		argv[1]);
	return 0;
}
