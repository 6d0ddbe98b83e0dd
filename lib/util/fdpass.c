/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/fdpass.h"
#include "util/macros.h"
#include "util/xalloc.h"

union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);

	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

static int send_to(int sock, const struct sockaddr_un *to, char tag, int fd)
{
	union fd_cmsg u;
	struct iovec iov = {.iov_base = &tag, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	if (to) {
		mh.msg_name = (void *)to;
		mh.msg_namelen = sizeof(*to);
	}
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int fd_send(int sock, char tag, int fd)
{
	return send_to(sock, NULL, tag, fd);
}

int fd_send_to(const char *path, char tag, int fd)
{
	struct sockaddr_un sa;
	_cleanup_close_ int sock = -EBADF;
	int r = unix_addr(path, &sa);

	if (r < 0)
		return r;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	return send_to(sock, &sa, tag, fd);
}

int fd_recv(int sock, char *ret_tag)
{
	union fd_cmsg u;
	char tag = 0;
	struct iovec iov = {.iov_base = &tag, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	int fd = -1;
	ssize_t n;

	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0 && !mh.msg_controllen)
		return -EPIPE;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	/* A truncated list of fds (MSG_CTRUNC) is closed by the kernel; one is all we take. */
	if (fd < 0 || n != 1)
		return fd >= 0 ? (close(fd), -EPROTO) : -EPROTO;
	*ret_tag = tag;
	return fd;
}

int fd_socket_bind(const char *path)
{
	struct sockaddr_un sa;
	_cleanup_close_ int sock = -EBADF;
	mode_t old;
	int r = unix_addr(path, &sa);

	if (r < 0)
		return r;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -errno;
	(void)unlink(path);
	/* Root's alone from the start: the umask closes the window before a chmod. */
	old = umask(0177);
	r = bind(sock, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return -errno;
	return take_fd(sock);
}

void fdset_add(struct fdset *s, int fd)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->fd = xrealloc(s->fd, s->cap * sizeof(*s->fd));
	}
	s->fd[s->n++] = fd;
}

void fdset_recv_all(struct fdset *s, int sock, char tag)
{
	char got;
	int fd;

	while ((fd = fd_recv(sock, &got)) >= 0 || fd == -EPROTO) {
		if (fd >= 0 && got == tag)
			fdset_add(s, fd);
		else if (fd >= 0)
			(void)close(fd);
	}
}

void fdset_drop(struct fdset *s, size_t i)
{
	(void)close(s->fd[i]);
	s->fd[i] = s->fd[--s->n];
}

void fdset_drop_hung_up(struct fdset *s)
{
	for (size_t i = 0; i < s->n;) {
		struct pollfd p = {.fd = s->fd[i], .events = POLLIN};

		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLNVAL | POLLERR)))
			fdset_drop(s, i);
		else
			i++;
	}
}

void fdset_clear(struct fdset *s)
{
	while (s->n)
		fdset_drop(s, s->n - 1);
	free(s->fd);
	*s = (struct fdset){0};
}

struct fdset fdset_take(struct fdset *s)
{
	struct fdset t = *s;

	*s = (struct fdset){0};
	return t;
}
