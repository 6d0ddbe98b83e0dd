/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command in a CT gets pipes for its stdin, stdout and stderr, never the
 * operator's own fds: vzctl copies between the two while the command runs
 * and stops when it ends. A process the command leaves behind keeps only
 * pipes that nobody reads or feeds any more; it cannot read the operator's
 * terminal or write to it after vzctl has exited. The data still never
 * passes through vzd.
 */
#ifndef VZCTL_RELAY_H
#define VZCTL_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define RELAY_POLLS 3

struct relay {
	int ct[3]; /* the command's ends, sent to vzd: stdin's read end, stdout's and stderr's write
		      ends */
	int to_in; /* our end of its stdin, -1 once closed */
	int from[2];	/* our ends of its stdout and stderr, -1 once closed */
	bool stdin_eof; /* our stdin ended (or is none) */
	size_t in_len, in_off;
	char in_buf[65536];
};

/* Make the pipes; -errno. */
int relay_open(struct relay *r);
/* The command has its ends (vzd took them): close ours of them. */
void relay_sent(struct relay *r);
/* Fill p[0..RELAY_POLLS) with what the relay waits for (fd -1 where nothing). */
void relay_polls(const struct relay *r, struct pollfd *p);
/* Move what p says is ready. */
void relay_step(struct relay *r, const struct pollfd *p);
/* The command ended: copy what it left in its pipes, then close everything. */
void relay_finish(struct relay *r);

#endif
