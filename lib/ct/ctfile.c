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
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/ctfile.h"
#include "sandbox/mount.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* The directory of path (inside the root), opened for *at calls; *ret_name is path's last part. */
static int open_parent(int rootfd, const char *path, const char **ret_name, vz_error_t *err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int opath = -EBADF;
	char *slash = strrchr(dir, '/');
	char proc[64];
	int dfd;

	*ret_name = slash ? path + (slash - dir) + 1 : path;
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
	return dfd;
}

int vz_ctfile_write_as(int rootfd, const char *path, const char *content,
		       const struct vz_ctfile_attr *a, vz_error_t *err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	const char *name;
	int r;

	dfd = open_parent(rootfd, path, &name, err);
	if (dfd < 0)
		return -1;
	tmp = xasprintf(".%s.vz-%d", name, (int)getpid());
	(void)unlinkat(dfd, tmp, 0);
	/* Created without any permission: nobody reads a secret before fchmod. */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "write '/%s' in the CT", path);
	r = write_all(fd, content, strlen(content));
	if (r == 0 && fchown(fd, a->uid, a->gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, a->mode) < 0)
		r = -errno;
	if (r == 0 && a->sync && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return vz_error_make(err, VZ_E_SYSTEM, -r, "write '/%s' in the CT", path);
	}
	return 0;
}

int vz_ctfile_write(int rootfd, const char *path, const char *content, uid_t owner, vz_error_t *err)
{
	struct vz_ctfile_attr a = {.uid = owner, .gid = owner, .mode = 0644};

	return vz_ctfile_write_as(rootfd, path, content, &a, err);
}

int vz_ctfile_remove(int rootfd, const char *path, vz_error_t *err)
{
	_cleanup_close_ int dfd = -EBADF;
	const char *name;

	dfd = open_parent(rootfd, path, &name, NULL);
	if (dfd < 0)
		return 0; /* no directory, no file */
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "remove '/%s' in the CT", path);
	return 0;
}

int vz_ctfile_stat(int rootfd, const char *path, struct stat *st)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);

	if (fd < 0)
		return fd;
	return fstat(fd, st) < 0 ? -errno : 0;
}

int vz_ctfile_read(int rootfd, const char *path, size_t max, char **ret)
{
	/*
	 * O_PATH first: an open for reading would block on a fifo the CT
	 * planted there (holding the CT's lock), or act on a device.
	 */
	_cleanup_close_ int fd = vz_open_in_root(rootfd, path, O_PATH);
	struct stat st;

	*ret = NULL;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	/* A fifo or device planted by the CT is not read: treat it as no file. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	/* Through /proc/self/fd: the file that was resolved, not the path again. */
	{
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		return read_file_at(AT_FDCWD, proc, max, ret, NULL);
	}
}

#define HOSTS_MARK "# added by vz"

/* Does line (up to its end) map 127.0.0.1 to localhost? */
static bool localhost_line(const char *l, size_t n)
{
	_cleanup_free_ char *s = xstrndup(l, n);
	char *save = NULL, *ip = strtok_r(s, " \t", &save), *w;

	if (!ip || !streq(ip, "127.0.0.1"))
		return false;
	while ((w = strtok_r(NULL, " \t", &save)) && *w != '#')
		if (streq(w, "localhost"))
			return true;
	return false;
}

char *vz_hosts_update(const char *old, const char *hostname, const char *ip)
{
	char *out = NULL;
	size_t len = 0;
	bool have_localhost = false;
	FILE *f = open_memstream(&out, &len);
	const char *dot = strchr(hostname, '.');

	for (const char *l = old ? old : ""; *l;) {
		size_t n = strcspn(l, "\n");
		bool ours = n >= strlen(HOSTS_MARK) &&
			    !strncmp(l + n - strlen(HOSTS_MARK), HOSTS_MARK, strlen(HOSTS_MARK));

		have_localhost |= localhost_line(l, n);
		if (!ours)
			fprintf(f, "%.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	if (!have_localhost)
		fprintf(f, "127.0.0.1\tlocalhost\n");
	fprintf(f, "%s\t%s", ip ? ip : "127.0.1.1", hostname);
	if (dot)
		fprintf(f, " %.*s", (int)(dot - hostname), hostname);
	fprintf(f, "\t%s\n", HOSTS_MARK);
	fclose(f);
	return out;
}
