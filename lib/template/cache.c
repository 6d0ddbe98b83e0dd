/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The template cache: <root>/template/cache holds rootfs tarballs under
 * OpenVZ's precreated-template names (NAME.tar.gz, NAME-x86_64.tar.xz, ...).
 * Checking names, finding and listing templates, and storing new tarballs
 * there atomically for import.c and busybox.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "template/internal.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Search order of vz_template_find; plain .tar last (vz_template_import makes it). */
static const char *const tar_exts[] = {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tar"};

char *template_machine_name(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return xstrdup("unknown");
	return xstrdup(u.machine);
}

int vz_template_name_check(const char *name, vz_error_t *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 128 || !isalnum((unsigned char)name[0]) || strstr(name, ".."))
		goto bad;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._+-", name[i]))
			goto bad;
	return 0;
bad:
	return vz_error_make(err, VZ_E_VALUE, 0, "invalid template name '%s'", name ? name : "");
}

/* File name in dfd of the first regular NAME.tar.* there is, or NULL. */
char *template_find_stem(int dfd, const char *stem)
{
	for (size_t i = 0; i < ARRAY_SIZE(tar_exts); i++) {
		_cleanup_free_ char *f = xasprintf("%s%s", stem, tar_exts[i]);
		struct stat st;

		if (fstatat(dfd, f, &st, 0) == 0 && S_ISREG(st.st_mode))
			return steal_ptr(f);
	}
	return NULL;
}

/* What follows "NAME-" in a cache name: "41", or "41-MACHINE" of this machine. */
static bool is_release_part(const char *rest, const char *mach)
{
	const char *dash = strchr(rest, '-');

	if (!*rest || dash == rest)
		return false;
	return !dash || streq(dash + 1, mach);
}

/*
 * "fedora" with fedora-40-x86_64 and fedora-41-x86_64 cached: the newest
 * release's file (releases compared as versions), this machine's or one
 * without a machine. NULL when no NAME-RELEASE[-MACHINE] is cached.
 */
static char *newest_release(const char *cachedir, int dfd, const char *name, const char *mach)
{
	_cleanup_strv_ char **all = vz_template_list(cachedir, NULL);
	size_t n = strlen(name);
	const char *best = NULL;

	for (char **p = all; p && *p; p++) {
		if (strncmp(*p, name, n) != 0 || (*p)[n] != '-' ||
		    !is_release_part(*p + n + 1, mach))
			continue;
		if (!best || strverscmp(*p, best) > 0)
			best = *p;
	}
	return best ? template_find_stem(dfd, best) : NULL;
}

char *vz_template_find(const char *cachedir, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *mach = template_machine_name(), *f = NULL, *stem = NULL;
	_cleanup_close_ int dfd = -EBADF;

	if (vz_template_name_check(name, err) < 0)
		return NULL;
	dfd = open(cachedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno != ENOENT) {
		(void)vz_error_make(err, VZ_E_SYSTEM, errno, "open template cache '%s'", cachedir);
		return NULL;
	}
	if (dfd >= 0) {
		stem = xasprintf("%s-%s", name, mach);
		f = template_find_stem(dfd, name);
		if (!f)
			f = template_find_stem(dfd, stem);
		if (!f)
			f = newest_release(cachedir, dfd, name, mach);
	}
	if (!f) {
		(void)vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
				    "template '%s' not found in '%s'", name, cachedir);
		return NULL;
	}
	return xasprintf("%s/%s", cachedir, f);
}

/* Template name of a cache file name, or NULL when it is not one. */
static char *cache_entry_name(int dfd, const char *fname)
{
	size_t len = strlen(fname);
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(tar_exts); i++) {
		size_t elen = strlen(tar_exts[i]);
		_cleanup_free_ char *stem = NULL;

		if (len <= elen || !streq(fname + len - elen, tar_exts[i]))
			continue;
		stem = xstrndup(fname, len - elen);
		if (vz_template_name_check(stem, NULL) < 0)
			return NULL;
		if (fstatat(dfd, fname, &st, 0) < 0 || !S_ISREG(st.st_mode))
			return NULL;
		return steal_ptr(stem);
	}
	return NULL;
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop the duplicates of NAME.tar.gz next to NAME.tar.xz. */
static char **sort_unique(char **v, size_t n)
{
	size_t out = 0;

	qsort(v, n, sizeof(*v), strcmp_ptr);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && streq(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	v[out] = NULL;
	return v;
}

char **vz_template_list(const char *cachedir, vz_error_t *err)
{
	_cleanup_closedir_ DIR *d = opendir(cachedir);
	struct dirent *de;
	size_t n = 0;
	char **v;

	/* A cache that was never created holds no templates. */
	if (!d && errno != ENOENT) {
		(void)vz_error_make(err, VZ_E_SYSTEM, errno, "list templates in '%s'", cachedir);
		return NULL;
	}
	v = xzalloc(sizeof(*v));
	if (!d)
		return v;
	while ((errno = 0, de = readdir(d))) {
		char *name = cache_entry_name(dirfd(d), de->d_name);

		if (!name)
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = name;
	}
	if (errno) {
		v[n] = NULL;
		strv_free(v);
		(void)vz_error_make(err, VZ_E_SYSTEM, errno, "list templates in '%s'", cachedir);
		return NULL;
	}
	return sort_unique(v, n);
}

int template_open_cachedir(const char *cachedir, vz_error_t *err)
{
	int r = mkdir_p(cachedir, 0755), fd;

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "create template cache '%s'", cachedir);
	fd = open(cachedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open template cache '%s'", cachedir);
	return fd;
}

/* A hidden temp file next to final (dot names are never templates); NULL with errno set. */
char *template_open_tmp(int dfd, const char *final, int *ret_fd)
{
	static unsigned int counter;

	for (int i = 0; i < 100; i++) {
		unsigned int n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
		_cleanup_free_ char *name = xasprintf(".%s.%d.%u.tmp", final, (int)getpid(), n);
		int fd =
			openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd >= 0) {
			*ret_fd = fd;
			return steal_ptr(name);
		}
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

/* Make the temp file durable and give it its final name (RENAME_NOREPLACE unless replace). */
int template_publish(int dfd, int fd, const char *tmp, const char *final, bool replace)
{
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		return template_neg_errno();
	if (replace) {
		if (renameat(dfd, tmp, dfd, final) < 0)
			return template_neg_errno();
	} else if (renameat2(dfd, tmp, dfd, final, RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL && errno != ENOSYS)
			return template_neg_errno();
		/* No RENAME_NOREPLACE on this file system: link() never replaces either. */
		if (linkat(dfd, tmp, dfd, final, 0) < 0)
			return template_neg_errno();
		(void)unlinkat(dfd, tmp, 0);
	}
	(void)fsync(dfd);
	return 0;
}
