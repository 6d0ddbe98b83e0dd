/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "util/macros.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

int relay_open(struct relay *r)
{
	int p[3][2];

	*r = (struct relay){.ct = {-1, -1, -1}, .to_in = -1, .from = {-1, -1}};
	for (size_t i = 0; i < 3; i++) {
		if (pipe2(p[i], O_CLOEXEC) < 0) {
			int e = errno;

			while (i-- > 0) {
				(void)close(p[i][0]);
				(void)close(p[i][1]);
			}
			return -e;
		}
	}
	/* stdin: the command reads p[0][0]; stdout, stderr: it writes p[1][1], p[2][1]. */
	r->ct[0] = p[0][0];
	r->ct[1] = p[1][1];
	r->ct[2] = p[2][1];
	r->to_in = p[0][1];
	r->from[0] = p[1][0];
	r->from[1] = p[2][0];
	/* Ours never block: a command that stops reading must not stop us. */
	(void)fcntl(r->to_in, F_SETFL, O_NONBLOCK);
	(void)fcntl(r->from[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(r->from[1], F_SETFL, O_NONBLOCK);
	/* A reader that went away (| head) is an EPIPE to handle, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	/* No stdin at all: the command sees its end at once. */
	r->stdin_eof = fcntl(STDIN_FILENO, F_GETFD) < 0;
	if (r->stdin_eof)
		close_fd(&r->to_in);
	return 0;
}

void relay_sent(struct relay *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(r->ct); i++)
		close_fd(&r->ct[i]);
}

void relay_polls(const struct relay *r, struct pollfd *p)
{
	bool buffered = r->in_off < r->in_len;

	/* Our stdin while the buffer is empty; the command's stdin while it is not. */
	p[0] = (struct pollfd){.fd = -1};
	if (r->to_in >= 0 && buffered)
		p[0] = (struct pollfd){.fd = r->to_in, .events = POLLOUT};
	else if (r->to_in >= 0 && !r->stdin_eof)
		p[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	for (size_t i = 0; i < 2; i++)
		p[1 + i] = (struct pollfd){.fd = r->from[i], .events = POLLIN};
}

/* All of buf to fd, waiting while fd (ours, maybe non-blocking) is full. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			(void)poll(&p, 1, -1);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One read of the command's stdout or stderr (i) to ours; false once it is done. */
static bool copy_out(struct relay *r, size_t i)
{
	char buf[65536];
	ssize_t n = read(r->from[i], buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	/* Its end, or ours gone (the command then gets EPIPE, as with our fd). */
	if (n <= 0 || write_all(STDOUT_FILENO + (int)i, buf, (size_t)n) < 0) {
		close_fd(&r->from[i]);
		return false;
	}
	return true;
}

static void feed_in(struct relay *r)
{
	ssize_t n = write(r->to_in, r->in_buf + r->in_off, r->in_len - r->in_off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* The command closed its stdin: what is left is not wanted. */
		close_fd(&r->to_in);
		return;
	}
	r->in_off += (size_t)n;
	if (r->in_off == r->in_len) {
		r->in_off = r->in_len = 0;
		if (r->stdin_eof)
			close_fd(&r->to_in);
	}
}

static void read_in(struct relay *r)
{
	ssize_t n = read(STDIN_FILENO, r->in_buf, sizeof(r->in_buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		r->stdin_eof = true;
		close_fd(&r->to_in);
		return;
	}
	r->in_off = 0;
	r->in_len = (size_t)n;
	feed_in(r);
}

void relay_step(struct relay *r, const struct pollfd *p)
{
	if (p[0].fd >= 0 && p[0].revents) {
		if (p[0].fd == STDIN_FILENO)
			read_in(r);
		else
			feed_in(r);
	}
	for (size_t i = 0; i < 2; i++)
		if (p[1 + i].fd >= 0 && p[1 + i].revents)
			(void)copy_out(r, i);
}

void relay_finish(struct relay *r)
{
	/* What the command wrote before it ended is in the pipes; a leftover's later output is not
	 * waited for. */
	for (size_t i = 0; i < 2; i++)
		while (r->from[i] >= 0 && copy_out(r, i))
			;
	close_fd(&r->to_in);
	close_fd(&r->from[0]);
	close_fd(&r->from[1]);
	relay_sent(r);
}
