/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Import of a tarball into the cache as NAME.tar.<ext>: copied into a temp
 * file there, validated (validate.c), then published under its final name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/internal.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int copy_fd(int from, int to)
{
	_cleanup_free_ char *buf = xmalloc(64 * 1024);

	for (;;) {
		ssize_t n = read(from, buf, 64 * 1024);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? template_neg_errno() : 0;
		r = write_all(to, buf, n);
		if (r < 0)
			return r;
	}
}

/* Copy first and check the copy, so the file cannot change between check and use. */
static int import_into(int dfd, int src, int fd, const char *tmp, const char *file,
		       const char *name, vz_error_t *err)
{
	_cleanup_free_ char *final = NULL;
	const char *ext = NULL;
	int r = copy_fd(src, fd);

	if (r < 0)
		return vz_error_make(err, r == -ENOSPC ? VZ_E_NOSPACE : VZ_E_SYSTEM, -r,
				     "template '%s': copy '%s'", name, file);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "template '%s': seek", name);
	if (template_validate_tar(fd, &ext, name, file, err) < 0)
		return -1;
	final = xasprintf("%s%s", name, ext);
	r = template_publish(dfd, fd, tmp, final, false);
	if (r == -EEXIST)
		return vz_error_make(err, VZ_E_VALUE, 0, "template '%s' already exists", name);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "template '%s': store '%s'", name,
				     final);
	return 0;
}

/*
 * Trust model: the contents of file are untrusted; they are only copied and
 * parsed here, and vz_template_extract() polices the entries. The path is
 * opened with the caller's privileges, so vzd must take it only from root.
 */
int vz_template_import(const char *cachedir, const char *file, const char *name, vz_error_t *err)
{
	_cleanup_close_ int src = -EBADF;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang us before the regular-file check. */
	src = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (src < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "template '%s': open '%s'", name,
				     file);
	return vz_template_import_fd(cachedir, src, file, name, err);
}

int vz_template_import_fd(const char *cachedir, int src, const char *file, const char *name,
			  vz_error_t *err)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *tmp = NULL, *existing = NULL;
	struct stat st;
	int r;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	dfd = template_open_cachedir(cachedir, err);
	if (dfd < 0)
		return -1;
	existing = template_find_stem(dfd, name);
	if (existing)
		return vz_error_make(err, VZ_E_VALUE, 0, "template '%s' already exists", name);
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode))
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				     "template '%s': '%s' is not a regular file", name, file);
	tmp = template_open_tmp(dfd, name, &fd);
	if (!tmp)
		return vz_error_make(err, VZ_E_SYSTEM, errno,
				     "template '%s': create temp file in '%s'", name, cachedir);
	r = import_into(dfd, src, fd, tmp, file, name, err);
	if (r < 0)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}
