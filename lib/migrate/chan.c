/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: the peer is the other host's vz, reached over the provider's
 * SSH trust; its messages are still parsed strictly and size-capped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate/chan.h"
#include "util/fs.h"
#include "util/xalloc.h"

void vz_chan_init(struct vz_chan *c, int in, int out)
{
	*c = (struct vz_chan){.in = in, .out = out};
}

void vz_chan_done(struct vz_chan *c)
{
	c->buf = mfree(c->buf);
	c->len = 0;
}

int vz_chan_send(struct vz_chan *c, const struct vz_msg *m, vz_error_t *err)
{
	_cleanup_free_ char *text = vz_msg_dump(m, false);
	_cleanup_free_ char *line = xasprintf("%s\n", text);

	if (write_all(c->out, line, strlen(line)) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno == EPIPE ? EPIPE : errno,
				     "migration channel: send");
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read what is there into the buffer, waiting up to the deadline. */
static int fill(struct vz_chan *c, long long deadline, vz_error_t *err)
{
	struct pollfd p = {.fd = c->in, .events = POLLIN};
	char chunk[4096];
	ssize_t n;
	int r;

	do {
		int left = deadline < 0 ? -1 : (int)(deadline - now_ms());

		if (deadline >= 0 && left < 0)
			left = 0;
		r = poll(&p, 1, left);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return vz_error_make(err, VZ_E_SYSTEM, ETIMEDOUT,
				     "migration channel: no answer in time");
	n = r < 0 ? -1 : read(c->in, chunk, sizeof(chunk));
	if (n < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "migration channel: receive");
	if (n == 0)
		return vz_error_make(err, VZ_E_SYSTEM, EPIPE, "migration channel: closed");
	c->buf = xrealloc(c->buf, c->len + (size_t)n + 1);
	memcpy(c->buf + c->len, chunk, (size_t)n);
	c->len += (size_t)n;
	return 0;
}

struct vz_msg *vz_chan_recv(struct vz_chan *c, int timeout_ms, vz_error_t *err)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	char *nl;

	while (!(c->len && (nl = memchr(c->buf, '\n', c->len)))) {
		if (c->len > VZ_CHAN_MAX)
			return vz_error_make(err, VZ_E_PROTOCOL, EMSGSIZE,
					     "migration channel: message too large"),
			       NULL;
		if (fill(c, deadline, err) < 0)
			return NULL;
	}
	{
		size_t n = (size_t)(nl - c->buf);
		struct vz_msg *m = vz_msg_parse(c->buf, n, err);

		memmove(c->buf, nl + 1, c->len - n - 1);
		c->len -= n + 1;
		return m;
	}
}
