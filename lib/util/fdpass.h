/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passing descriptors over unix sockets (SCM_RIGHTS), one per message with
 * a one-byte tag that says what it is. They return -errno (STYLE rule 10).
 */
#ifndef VZ_UTIL_FDPASS_H
#define VZ_UTIL_FDPASS_H

#include <stddef.h>

/* The tag of a seccomp listener a CT process's sysinfo(2) notifies (lib/view/sysinfo.h). */
#define FD_TAG_SYSINFO 'l'

/* Send fd on a connected socket (or a datagram socket's peer), tagged. */
int fd_send(int sock, char tag, int fd);

/* Send fd to the datagram socket bound at path. */
int fd_send_to(const char *path, char tag, int fd);

/*
 * Receive one message: its fd (CLOEXEC) and tag. -EAGAIN on a nonblocking
 * socket with none queued, -EPIPE at the end, -EPROTO for a message
 * without exactly one fd (whatever it carried is closed).
 */
int fd_recv(int sock, char *ret_tag);

/* A growing set of descriptors owned by whoever holds it. */
struct fdset {
	int *fd;
	size_t n, cap;
};

void fdset_add(struct fdset *s, int fd);
/*
 * Take every message queued on the nonblocking socket sock: the fds tagged
 * tag go into s, any other is closed.
 */
void fdset_recv_all(struct fdset *s, int sock, char tag);
/* Close s->fd[i]; the last one takes its place. */
void fdset_drop(struct fdset *s, size_t i);
/* Close those that poll says hung up (a listener whose processes all ended). */
void fdset_drop_hung_up(struct fdset *s);
/* Close all and free. */
void fdset_clear(struct fdset *s);
/* The set moved out of *s, which is left empty. */
struct fdset fdset_take(struct fdset *s);

/* Bind a nonblocking CLOEXEC datagram socket at path (replacing a stale one), mode 0600. */
int fd_socket_bind(const char *path);

#endif
