/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A checkpoint's directory: CRIU's images and vz's manifest, "vz.dump",
 * written last. The manifest names the CT, carries the settings the CT
 * ran with (its state's network, id range and resource keys: a restore
 * brings those back, not the config's) and lists every image with its
 * size, so that a dump that is of another CT, half copied or truncated is
 * refused with a clear reason before CRIU reads any of it.
 *
 * Trust model: a dump may come from a user's --dumpfile or another host;
 * the manifest is parsed by the config engine (no expansion, size-capped)
 * and every name in it must be a plain file name inside the directory.
 * CRIU reads the images as host root and does what they say, so they must
 * be root's own: the directory, every directory above it, the manifest
 * and each image belong to root and nobody else may write them, and no
 * name on the way is a symlink (check_root_only). The daemon's own dump
 * directories pass as they are made; a --dumpfile that another user could
 * have written, or could still swap, is refused before CRIU opens it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ct/internal.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define MANIFEST "vz.dump"
#define MANIFEST_MAX (1024 * 1024)
#define K_VERSION "VZ_DUMP"
#define K_CTID "VZ_DUMP_CTID"
#define K_FILES "VZ_DUMP_FILES"

/* State keys that describe one run of init, not the CT. */
static bool per_run(const char *key)
{
	return streq(key, VZ_STATE_PID) || streq(key, VZ_STATE_STARTTIME) ||
	       streq(key, VZ_STATE_STARTED);
}

static int copy_setting(const char *key, const char *value, void *data)
{
	if (per_run(key))
		return 0;
	return vz_config_set(data, key, value, NULL);
}

static bool plain_name(const char *s)
{
	if (!*s || streq(s, ".") || streq(s, ".."))
		return false;
	return s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] ==
	       '\0';
}

/* "name:size ..." of every image in dir. */
static char *list_files(const char *dir, vz_error_t *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct dirent *de;
	bool first = true;

	if (!d)
		return vz_error_make(err, VZ_E_CHKPNT, errno, "open '%s'", dir), NULL;
	f = open_memstream(&buf, &len);
	while ((de = readdir(d))) {
		struct stat st;

		if (!plain_name(de->d_name) || streq(de->d_name, MANIFEST) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		fprintf(f, "%s%s:%lld", first ? "" : " ", de->d_name, (long long)st.st_size);
		first = false;
	}
	fclose(f);
	return buf;
}

int ct_dump_seal(struct vz_ct *ct, const char *dir, vz_error_t *err)
{
	_cleanup_(vz_config_freep) struct vz_config *m = vz_config_new_with(NULL);
	_cleanup_free_ char *files = list_files(dir, err);
	_cleanup_free_ char *path = xasprintf("%s/" MANIFEST, dir);

	if (!files)
		return -1;
	(void)vz_config_foreach(ct->state.kv, copy_setting, m);
	if (vz_config_set(m, K_VERSION, "1", err) < 0 ||
	    vz_config_set(m, K_CTID, ct->id, err) < 0 || vz_config_set(m, K_FILES, files, err) < 0)
		return -1;
	if (vz_config_save(m, path, err) < 0)
		return vz_error_recode(err, VZ_E_CHKPNT);
	return 0;
}

bool ct_dump_exists(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/" MANIFEST, dir);

	return path_exists_at(AT_FDCWD, path);
}

/* st (of what) is root's and writable by nobody else; sticky: a directory above may be 1777. */
static int root_only(const char *what, const struct stat *st, bool sticky_ok, vz_error_t *err)
{
	bool others_write = st->st_mode & (S_IWGRP | S_IWOTH);

	if (S_ISLNK(st->st_mode))
		return vz_error_make(err, VZ_E_RESTORE, 0,
				     "'%s' is a symlink: a dump is restored only by its real path",
				     what);
	if (st->st_uid != 0)
		return vz_error_make(err, VZ_E_RESTORE, 0,
				     "'%s' belongs to uid %u, not root: not restored (CRIU would "
				     "run what it says as root)",
				     what, (unsigned)st->st_uid);
	if (others_write && !(sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
		return vz_error_make(
			err, VZ_E_RESTORE, 0,
			"'%s' is writable by others than root (mode %04o): not restored", what,
			(unsigned)(st->st_mode & 07777));
	return 0;
}

/* dir and every directory above it: root's, not a symlink, writable by root alone. */
static int check_root_only(const char *dir, vz_error_t *err)
{
	_cleanup_free_ char *p = xstrdup(dir);
	size_t n = strlen(p);
	struct stat st;

	if (p[0] != '/')
		return vz_error_make(err, VZ_E_RESTORE, 0, "dump '%s': not an absolute path", dir);
	/* "/" (last), then each prefix up to a '/', then the whole: "/a", "/a/b". */
	for (size_t i = 1; i <= n; i++) {
		char c = p[i];

		if ((c != '/' && c != '\0') || p[i - 1] == '/')
			continue;
		p[i] = '\0';
		if (lstat(p, &st) < 0)
			return vz_error_make(err, VZ_E_RESTORE, errno, "dump '%s': stat '%s'", dir,
					     p);
		if (root_only(p, &st, c != '\0', err) < 0)
			return -1;
		p[i] = c;
	}
	return lstat("/", &st) < 0 ? 0 : root_only("/", &st, true, err);
}

/* Every image the manifest lists is there, a regular file of its size, root's alone. */
static int check_files(const char *dir, const char *files, vz_error_t *err)
{
	_cleanup_strv_ char **v = strv_split(files ? files : "", " ");
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return vz_error_make(err, VZ_E_RESTORE, errno, "open '%s'", dir);
	if (strv_length(v) == 0)
		return vz_error_make(err, VZ_E_RESTORE, 0, "dump '%s' lists no images", dir);
	for (char **p = v; *p; p++) {
		char *colon = strrchr(*p, ':'), *end;
		struct stat st;
		long long size;

		if (!colon)
			return vz_error_make(err, VZ_E_RESTORE, 0, "dump '%s': bad manifest", dir);
		*colon = '\0';
		errno = 0;
		size = strtoll(colon + 1, &end, 10);
		if (!plain_name(*p) || errno || *end || size < 0)
			return vz_error_make(err, VZ_E_RESTORE, 0, "dump '%s': bad manifest", dir);
		if (fstatat(dfd, *p, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			return vz_error_make(err, VZ_E_RESTORE, 0,
					     "dump '%s' is incomplete: %s is missing", dir, *p);
		if (st.st_size != size)
			return vz_error_make(err, VZ_E_RESTORE, 0,
					     "dump '%s' is damaged: %s has %lld bytes, not %lld",
					     dir, *p, (long long)st.st_size, size);
		{
			_cleanup_free_ char *what = xasprintf("%s/%s", dir, *p);

			if (root_only(what, &st, false, err) < 0)
				return -1;
		}
	}
	return 0;
}

struct vz_config *ct_dump_check(struct vz_ct *ct, const char *dir, vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/" MANIFEST, dir);
	_cleanup_free_ char *text = NULL;
	_cleanup_(vz_config_freep) struct vz_config *m = NULL;
	const char *id;
	struct stat st;
	size_t len;
	int r;

	if (check_root_only(dir, err) < 0)
		return NULL;
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return vz_error_make(err, VZ_E_RESTORE, 0, "'%s' is not a file", path),
			       NULL;
		if (root_only(path, &st, false, err) < 0)
			return NULL;
	}
	r = read_file_at(AT_FDCWD, path, MANIFEST_MAX, &text, &len);
	if (r == -ENOENT)
		return vz_error_make(err, VZ_E_RESTORE, 0,
				     "'%s' is not a vz dump (no " MANIFEST ")", dir),
		       NULL;
	if (r < 0)
		return vz_error_make(err, VZ_E_RESTORE, -r, "read '%s'", path), NULL;
	m = vz_config_parse_with(NULL, text, len, path, err);
	if (!m)
		return vz_error_recode(err, VZ_E_RESTORE), NULL;
	if (!streq(vz_config_get(m, K_VERSION) ?: "", "1"))
		return vz_error_make(err, VZ_E_RESTORE, 0, "dump '%s': unknown format", dir), NULL;
	id = vz_config_get(m, K_CTID);
	if (!id || !streq(id, ct->id))
		return vz_error_make(err, VZ_E_RESTORE, 0, "dump '%s' is of CT %s, not of CT %s",
				     dir, id ? id : "(none)", ct->id),
		       NULL;
	if (check_files(dir, vz_config_get(m, K_FILES), err) < 0)
		return NULL;
	(void)vz_config_set(m, K_VERSION, NULL, NULL);
	(void)vz_config_set(m, K_CTID, NULL, NULL);
	(void)vz_config_set(m, K_FILES, NULL, NULL);
	return steal_ptr(m);
}
