/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "ct/lock.h"
#include "util/macros.h"

int vz_lock_file(const char *path, const char *what, int timeout_ms, vz_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	int waited = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return vz_error_make(err, VZ_E_LOCKED, errno, "lock %s: open '%s'", what, path);
	for (;;) {
		struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return take_fd(fd);
		if (errno != EWOULDBLOCK && errno != EINTR)
			return vz_error_make(err, VZ_E_LOCKED, errno, "lock %s", what);
		if (waited >= timeout_ms)
			return vz_error_make(err, VZ_E_LOCKED, 0,
					     "%s is locked by another operation", what);
		(void)nanosleep(&ts, NULL);
		waited += 10;
	}
}
