/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console keeper of one CT (see console.c): it reads the console pty's
 * output into a ring of the newest CONSOLE_KEEP bytes, and serves one
 * attached client at a time on a root-only socket in the run dir: the ring
 * first, then the live output; what the client sends goes to the console.
 * A new client takes the console over from the one before. It ends when
 * the CT's init does.
 *
 * Trust model: the client went through vzd's checks (vzd connects and
 * passes the socket on); the socket file is root's, mode 0600. What the CT
 * writes is bytes the keeper never interprets. A client that does not read
 * for SEND_TIMEOUT is dropped rather than stalling the CT's console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ct/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/ring.h"

#define CONSOLE_KEEP (128 * 1024)
#define SEND_TIMEOUT 5

struct keeper {
	int master, slave, lfd, client, pidfd;
	struct vz_ring ring;
};

static void drop_client(struct keeper *k)
{
	closep(&k->client);
}

static void send_client(struct keeper *k, const char *p, size_t n)
{
	while (k->client >= 0 && n > 0) {
		ssize_t w = send(k->client, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			drop_client(k);
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Console output: into the ring, and to the client. false when there is none left. */
static bool on_output(struct keeper *k)
{
	char buf[4096];
	ssize_t n = read(k->master, buf, sizeof(buf));

	if (n <= 0)
		return false;
	vz_ring_put(&k->ring, buf, (size_t)n);
	send_client(k, buf, (size_t)n);
	return true;
}

static void on_accept(struct keeper *k)
{
	static const char taken[] = "\r\n[vz: another vzctl console attached]\r\n";
	struct timeval tv = {.tv_sec = SEND_TIMEOUT};
	int fd = accept4(k->lfd, NULL, NULL, SOCK_CLOEXEC);
	const char *a, *b;
	size_t na, nb;

	if (fd < 0)
		return;
	send_client(k, taken, sizeof(taken) - 1);
	drop_client(k);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	k->client = fd;
	vz_ring_view(&k->ring, &a, &na, &b, &nb);
	send_client(k, a, na);
	send_client(k, b, nb);
}

/* Keystrokes to the console; those it has no room for are dropped, never waited for. */
static void on_input(struct keeper *k)
{
	char buf[4096];
	ssize_t n = recv(k->client, buf, sizeof(buf), 0);

	if (n <= 0) {
		if (n == 0 || errno != EINTR)
			drop_client(k);
		return;
	}
	(void)!write(k->master, buf, (size_t)n);
}

static VZ_NORETURN void keeper_run(struct keeper *k)
{
	vz_ring_init(&k->ring, CONSOLE_KEEP);
	(void)fcntl(k->master, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[4] = {{.fd = k->master, .events = POLLIN},
				      {.fd = k->lfd, .events = POLLIN},
				      {.fd = k->client, .events = POLLIN},
				      {.fd = k->pidfd, .events = POLLIN}};

		if (poll(p, 4, -1) < 0 && errno != EINTR)
			_exit(1);
		if (p[0].revents)
			(void)on_output(k);
		if (p[1].revents)
			on_accept(k);
		if (p[2].revents && k->client >= 0)
			on_input(k);
		if (p[3].revents) {
			/* Init is gone: what it wrote last still goes to the client. */
			while (on_output(k))
				;
			_exit(0);
		}
	}
}

/* The listening socket at path, root's alone. */
static int listen_at(const char *path, vz_error_t *err)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return vz_error_make(err, VZ_E_SYSTEM, ENAMETOOLONG, "console socket '%s'", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	old = umask(077);
	r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 4) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "console socket '%s'", path);
	return take_fd(fd);
}

int ct_consoled_start(const char *ctid, const char *path, int master, int slave, int pidfd,
		      vz_error_t *err)
{
	struct keeper k = {.master = master, .slave = slave, .client = -1, .pidfd = pidfd};
	char name[16];
	pid_t pid;

	k.lfd = listen_at(path, err);
	if (k.lfd < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		closep(&k.lfd);
		return vz_error_make(err, VZ_E_SYSTEM, errno, "CT %s: fork its console keeper",
				     ctid);
	}
	if (pid > 0) {
		closep(&k.lfd);
		return 0;
	}
	/* Its own session: a signal to vzd's group, or vzd's end, does not reach it. */
	(void)setsid();
	snprintf(name, sizeof(name), "vzcon %s", ctid);
	(void)prctl(PR_SET_NAME, name);
	{
		/* The slave stays open here: a console nobody else holds never hangs up. */
		const int keep[] = {k.master, k.slave, k.lfd, k.pidfd};
		sigset_t none;

		close_fds_from(3, keep, ARRAY_SIZE(keep));
		for (int s = 1; s < NSIG; s++)
			(void)signal(s, SIG_DFL);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
	}
	keeper_run(&k);
}
