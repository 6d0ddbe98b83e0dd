/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store of unpacked templates (<root>/template/unpacked) that overlay
 * CTs share as their read-only lower layer. Each entry is named by the
 * sha256 of the tarball it was unpacked from:
 *
 *   unpacked/             0700: nothing of it is reachable by host users
 *     ID/                 0700
 *       root/             the tree, ids unshifted (0..65535)
 *       source            "DEV INO SIZE MTIME_NS PATH": the tarball it is
 *                         the unpacking of, so a create finds it by stat
 *
 * The id is content, not name: a tarball replaced by a new download gets
 * a new entry, and the CTs on the old one keep it; the same content on
 * another host gets the same id (migration asks for it by id). An entry
 * is complete once it has its name (made under a dot name, renamed).
 *
 * Trust model: called by vzd workers under the create lock; tarballs are
 * untrusted and pass vz_template_extract's checks; ids come from the CTs'
 * private areas or a migration source and are checked to be 64 hex digits
 * before they name anything.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/internal.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

#define SOURCE_MAX 8192
/* The ids a template's files may have: root's and the first 65535 users'. */
#define UNPACK_IDS 65536

bool vz_template_unpacked_id_valid(const char *id)
{
	if (!id || strlen(id) != 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

char *vz_template_unpacked_path(const char *store, const char *id)
{
	return xasprintf("%s/%s/root", store, id);
}

static char *source_line(const struct stat *st, const char *tarball)
{
	return xasprintf("%" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %s\n",
			 (uint64_t)st->st_dev, (uint64_t)st->st_ino, (int64_t)st->st_size,
			 (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec, tarball);
}

/* Is entry id (in the open store) the unpacking of the tarball as it is now? */
static bool entry_matches(int sfd, const char *id, const char *line)
{
	_cleanup_free_ char *path = xasprintf("%s/source", id), *have = NULL;

	if (read_file_at(sfd, path, SOURCE_MAX, &have, NULL) < 0)
		return false;
	return streq(have, line);
}

/* The entry whose source is line, by its record: no hashing. */
static char *find_by_source(int sfd, const char *line)
{
	_cleanup_close_ int dfd = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d)
		return NULL;
	(void)take_fd(dfd);
	while ((de = readdir(d)))
		if (vz_template_unpacked_id_valid(de->d_name) &&
		    entry_matches(sfd, de->d_name, line))
			return xstrdup(de->d_name);
	return NULL;
}

static int open_store(const char *store, vz_error_t *err)
{
	int fd;

	if (mkdir_p(store, 0700) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "create '%s'", store);
	fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open '%s'", store);
	/* The trees hold setuid binaries owned by host root: no host user may reach them. */
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0700) < 0) {
		vz_error_make(err, VZ_E_SYSTEM, errno, "protect '%s'", store);
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int write_source(int sfd, const char *dir, const char *line, const char *store,
			vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/source", dir);
	int r = write_file_atomic_at(sfd, path, line, strlen(line), 0600);

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "write '%s/%s'", store, path);
	return 0;
}

/* Unpack into a hidden entry, then give it its name. */
static int unpack_new(int sfd, const char *store, const char *tarball, const char *id,
		      const char *line, vz_error_t *err)
{
	_cleanup_free_ char *stage = xasprintf(".unpack-%s", id);
	_cleanup_free_ char *tree = xasprintf("%s/root", stage);
	_cleanup_close_ int tfd = -EBADF;

	(void)rm_rf_at(sfd, stage);
	if (mkdirat(sfd, stage, 0700) < 0 || mkdirat(sfd, tree, 0755) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "create '%s/%s'", store, tree);
	tfd = openat(sfd, tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (tfd < 0) {
		vz_error_make(err, VZ_E_SYSTEM, errno, "open '%s/%s'", store, tree);
		goto err_remove;
	}
	if (vz_template_extract(tarball, tfd, 0, UNPACK_IDS, err) < 0 ||
	    write_source(sfd, stage, line, store, err) < 0)
		goto err_remove;
	if (fsync(tfd) < 0 || renameat(sfd, stage, sfd, id) < 0) {
		vz_error_make(err, VZ_E_SYSTEM, errno, "store '%s/%s'", store, id);
		goto err_remove;
	}
	return 0;
err_remove:
	(void)rm_rf_at(sfd, stage);
	return -1;
}

char *vz_template_unpack(const char *store, const char *tarball, vz_error_t *err)
{
	_cleanup_close_ int sfd = -EBADF, tar = -EBADF;
	_cleanup_free_ char *line = NULL, *id = NULL;
	char hex[65];
	struct stat st;
	int r;

	tar = open(tarball, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (tar < 0 || fstat(tar, &st) < 0) {
		vz_error_make(err, errno == ENOENT ? VZ_E_TEMPLATE_NOT_FOUND : VZ_E_SYSTEM, errno,
			      "open template '%s'", tarball);
		return NULL;
	}
	sfd = open_store(store, err);
	if (sfd < 0)
		return NULL;
	line = source_line(&st, tarball);
	id = find_by_source(sfd, line);
	if (id)
		return steal_ptr(id);
	r = template_file_sha256(tar, hex);
	if (r < 0) {
		vz_error_make(err, VZ_E_SYSTEM, -r, "read template '%s'", tarball);
		return NULL;
	}
	/* Known content under another file (a copy, the same download again): adopt it. */
	if (path_exists_at(sfd, hex)) {
		if (write_source(sfd, hex, line, store, err) < 0)
			return NULL;
		return xstrdup(hex);
	}
	if (unpack_new(sfd, store, tarball, hex, line, err) < 0)
		return NULL;
	return xstrdup(hex);
}

static bool in_list(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

/* Is the entry still the unpacking of a tarball as it is now? */
static bool entry_current(int sfd, const char *id)
{
	_cleanup_free_ char *path = xasprintf("%s/source", id), *have = NULL, *line = NULL;
	char *tarball;
	struct stat st;

	if (read_file_at(sfd, path, SOURCE_MAX, &have, NULL) < 0)
		return false;
	tarball = strchr(have, '/');
	if (!tarball)
		return false;
	tarball[strcspn(tarball, "\n")] = '\0';
	if (stat(tarball, &st) < 0)
		return false;
	line = source_line(&st, tarball);
	line[strcspn(line, "\n")] = '\0';
	have[strcspn(have, "\n")] = '\0';
	return streq(have, line);
}

int vz_template_unpacked_sweep(const char *store, char *const *keep, vz_error_t *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int sfd, r, rc = 0;

	d = opendir(store);
	if (!d)
		return errno == ENOENT ? 0
				       : vz_error_make(err, VZ_E_SYSTEM, errno, "open '%s'", store);
	sfd = dirfd(d);
	while ((de = readdir(d))) {
		bool stale = strncmp(de->d_name, ".unpack-", 8) == 0;

		if (!stale && (!vz_template_unpacked_id_valid(de->d_name) ||
			       in_list(keep, de->d_name) || entry_current(sfd, de->d_name)))
			continue;
		r = rm_rf_at(sfd, de->d_name);
		if (r < 0 && rc == 0)
			rc = vz_error_make(err, VZ_E_DELETE, -r, "remove '%s/%s'", store,
					   de->d_name);
	}
	return rc;
}

/* A migration's copy of a tree this host lacks lands in .incoming-TAG (TAG: the CTID). */
static char *stage_name(const char *tag)
{
	return xasprintf(".incoming-%s", tag);
}

char *vz_template_unpacked_stage(const char *store, const char *tag, vz_error_t *err)
{
	_cleanup_close_ int sfd = open_store(store, err);
	_cleanup_free_ char *stage = stage_name(tag);

	if (sfd < 0)
		return NULL;
	(void)rm_rf_at(sfd, stage);
	if (mkdirat(sfd, stage, 0700) < 0) {
		vz_error_make(err, VZ_E_SYSTEM, errno, "create '%s/%s'", store, stage);
		return NULL;
	}
	return xasprintf("%s/%s/root", store, stage);
}

int vz_template_unpacked_receive(const char *store, const char *tag, const char *id,
				 vz_error_t *err)
{
	_cleanup_close_ int sfd = open_store(store, err);
	_cleanup_free_ char *stage = stage_name(tag), *tree = xasprintf("%s/root", stage);
	struct stat st;

	if (sfd < 0)
		return -1;
	if (!vz_template_unpacked_id_valid(id))
		return vz_error_make(err, VZ_E_VALUE, 0, "template tree id '%s' is malformed", id);
	if (path_exists_at(sfd, id)) {
		(void)rm_rf_at(sfd, stage);
		return 0;
	}
	if (fstatat(sfd, tree, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return vz_error_make(err, VZ_E_NOPRIVATE, ENOENT,
				     "the template tree %s is neither on this host nor was it sent",
				     id);
	/* No source: no tarball here is its origin, so it goes with its last CT. */
	if (renameat(sfd, stage, sfd, id) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "store '%s/%s'", store, id);
	return 0;
}

void vz_template_unpacked_unstage(const char *store, const char *tag)
{
	_cleanup_free_ char *stage = stage_name(tag);
	_cleanup_close_ int sfd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (sfd >= 0)
		(void)rm_rf_at(sfd, stage);
}
