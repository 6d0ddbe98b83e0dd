/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration channel: one JSON object per line over a pair of fds (the
 * source's ssh process, the destination's ssh session). Each side sends a
 * request and reads the answer; a line longer than VZ_CHAN_MAX, one that
 * is not a JSON object, a timeout and EOF are errors.
 */
#ifndef VZ_MIGRATE_CHAN_H
#define VZ_MIGRATE_CHAN_H

#include "core/error.h"
#include "proto/protocol.h"

#define VZ_CHAN_MAX (1024 * 1024)

struct vz_chan {
	int in, out; /* read from in, write to out (borrowed) */
	char *buf;   /* what was read past the last line */
	size_t len;
};

void vz_chan_init(struct vz_chan *c, int in, int out);
void vz_chan_done(struct vz_chan *c);

int vz_chan_send(struct vz_chan *c, const struct vz_msg *m, vz_error_t *err);
/*
 * The next message, waiting up to timeout_ms (< 0: for ever). EOF is an
 * error with errnum EPIPE, a timeout one with ETIMEDOUT.
 */
struct vz_msg *vz_chan_recv(struct vz_chan *c, int timeout_ms, vz_error_t *err);

#endif
