/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: the CT's root is owned by CT root, who may race us with
 * symlinks; the host-root writer resolves the parent directory inside the
 * root and writes a fresh temp file there (O_EXCL|O_NOFOLLOW), then renames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctfile.h"
#include "mount.h"
#include "util/fs.h"
#include "util/xalloc.h"

int vz_ctfile_write(int rootfd, const char *path, const char *content, uid_t owner, vz_error_t *err)
{
	_cleanup_free_ char *dir = xstrdup(path), *tmp = NULL;
	_cleanup_close_ int opath = -EBADF, dfd = -EBADF, fd = -EBADF;
	char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : path;
	char proc[64];
	int r;

	if (slash)
		*slash = '\0';
	opath = slash ? vz_open_in_root(rootfd, dir, O_PATH | O_DIRECTORY)
		      : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (opath < 0)
		return vz_error_make(err, VZ_E_SYSTEM, opath == -1 ? errno : -opath,
				     "open '/%s' in the CT", slash ? dir : "");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", opath);
	dfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open '/%s' in the CT", dir);
	tmp = xasprintf(".%s.vz-%d", name, (int)getpid());
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "write '/%s' in the CT", path);
	r = write_all(fd, content, strlen(content));
	if (r == 0 && fchown(fd, owner, owner) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return vz_error_make(err, VZ_E_SYSTEM, -r, "write '/%s' in the CT", path);
	}
	return 0;
}
