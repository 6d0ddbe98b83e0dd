/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's console: a pty of the host's devpts whose slave is init's stdin,
 * stdout and stderr and the CT's /dev/console, and whose master a small
 * keeper process holds for as long as init lives (consoled.c). The keeper
 * keeps the newest output in a bounded buffer and serves `vzctl console`
 * on a socket in the run dir; it is in its own session, so it outlives a
 * vzd restart like the CT does, and the new vzd finds it by its socket.
 *
 * The slave belongs to CT root (mode 0620, group tty of the CT). A
 * checkpoint names it as an external tty (CRIU's tty[rdev:dev]); a restore
 * hands CRIU a new console's slave in its place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "ct/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/syscalls.h"
#include "util/xalloc.h"

char *ct_console_socket(const struct vz_ct *ct)
{
	return xasprintf("%s/%s.console", ct->ctx->rundir, ct->id);
}

void ct_console_close(struct ct_console *c)
{
	closep(&c->master);
	closep(&c->slave);
}

int ct_console_make(struct vz_ct *ct, struct ct_console *c, vz_error_t *err)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	uint32_t base, size;
	struct stat st;
	int n, unlock = 0;

	*c = (struct ct_console){.master = -EBADF, .slave = -EBADF};
	if (ct_uid_range(ct, &base, &size, err) < 0)
		return -1;
	/* The devpts at /dev/pts by name: the slave's path is then /dev/pts/N for sure. */
	c->master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->master < 0 || ioctl(c->master, TIOCSPTLCK, &unlock) < 0 ||
	    ioctl(c->master, TIOCGPTN, &n) < 0)
		goto fail;
	c->slave = ioctl(c->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave < 0 || fchown(c->slave, base, base + 5) < 0 || fchmod(c->slave, 0620) < 0 ||
	    fstat(c->slave, &st) < 0)
		goto fail;
	(void)ioctl(c->master, TIOCSWINSZ, &ws);
	snprintf(c->path, sizeof(c->path), "/dev/pts/%d", n);
	snprintf(c->tty_id, sizeof(c->tty_id), "%llx:%llx", (unsigned long long)st.st_rdev,
		 (unsigned long long)st.st_dev);
	return 0;
fail:
	vz_error_make(err, VZ_E_SYSTEM, errno, "CT %s: make its console's pty", ct->id);
	ct_console_close(c);
	return -1;
}

void ct_console_keep(struct vz_ct *ct, struct ct_console *c, pid_t init)
{
	_cleanup_free_ char *path = ct_console_socket(ct);
	_cleanup_close_ int pidfd = vz_pidfd_open(init, 0);
	_cleanup_error_ vz_error_t err = NULL;
	int r;

	if (pidfd < 0)
		r = vz_error_make(&err, VZ_E_SYSTEM, errno, "watch its init");
	else
		r = ct_consoled_start(ct->id, path, c->master, c->slave, pidfd, &err);
	if (r == 0 && vz_state_set(&ct->state, VZ_STATE_CONSOLE, c->tty_id, &err) == 0)
		r = ct_save_state(ct, &err);
	ct_console_close(c);
	/* The CT runs on all the same. */
	if (r < 0)
		vz_warn(ct->ctx, "CT %s runs without a console: %s", ct->id, err->msg);
}

bool ct_console_id_valid(const char *id)
{
	const char *hex = "0123456789abcdef";
	size_t a = strspn(id, hex), b = id[a] == ':' ? strspn(id + a + 1, hex) : 0;

	return a >= 1 && a <= 16 && b >= 1 && b <= 16 && id[a + 1 + b] == '\0';
}

int vz_ct_console_connect(struct vz_ct *ct, int *ret_fd, vz_error_t *err)
{
	_cleanup_free_ char *path = ct_console_socket(ct);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id);
	if (!vz_state_get(&ct->state, VZ_STATE_CONSOLE))
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "CT %s has no console: it was started by a vz without one; "
				     "it gets one at its next start",
				     ct->id);
	if (strlen(path) >= sizeof(sa.sun_path))
		return vz_error_make(err, VZ_E_SYSTEM, ENAMETOOLONG, "console socket '%s'", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno,
				     "CT %s: its console keeper is gone ('%s')", ct->id, path);
	*ret_fd = take_fd(fd);
	return 0;
}
