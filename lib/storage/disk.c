/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The disk image (image.c) of a private area, for every layout that keeps
 * the CT's files in one: private/CTID/root.img, mounted on private/CTID/fs
 * while the CT is mounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <stdio.h>

#include "storage/image.h"
#include "storage/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

char *storage_image_path(const char *private)
{
	return xasprintf("%s/root.img", private);
}

char *storage_image_dir(const char *private)
{
	return xasprintf("%s/fs", private);
}

bool vz_storage_path_has_image(const char *private)
{
	_cleanup_free_ char *img = storage_image_path(private);
	struct stat st;

	return lstat(img, &st) == 0 && S_ISREG(st.st_mode);
}

bool vz_storage_has_image(const struct vz_storage *s)
{
	return vz_storage_path_has_image(s->private);
}

int storage_image_mount(const char *private, vz_error_t *err)
{
	_cleanup_free_ char *img = storage_image_path(private);
	_cleanup_free_ char *dir = storage_image_dir(private);

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_DQ_ON, errno, "create '%s'", dir);
	if (is_mount_point_at(AT_FDCWD, dir))
		return 0;
	return vz_image_mount(img, dir, err);
}

int storage_image_mount_fit(const struct vz_storage *s, vz_error_t *err)
{
	_cleanup_free_ char *img = storage_image_path(s->private);
	_cleanup_free_ char *dir = storage_image_dir(s->private);

	if (is_mount_point_at(AT_FDCWD, dir))
		return 0;
	if (storage_image_mount(s->private, err) < 0)
		return -1;
	if (s->disk_bytes != VZ_STORAGE_UNLIMITED &&
	    vz_image_fit(img, dir, s->disk_bytes, s->disk_inodes, err) < 0) {
		(void)vz_image_umount(dir, NULL);
		return -1;
	}
	return 0;
}

int storage_image_create(const struct vz_storage *s, const char *stage, vz_error_t *err)
{
	_cleanup_free_ char *img = storage_image_path(stage);
	_cleanup_free_ char *dir = storage_image_dir(stage);

	if (mkdir(dir, 0700) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", dir);
	return vz_image_create(img, dir, s->disk_bytes, s->disk_inodes, err);
}

int vz_storage_set_disk(struct vz_storage *s, uint64_t bytes, uint64_t inodes, vz_error_t *err)
{
	_cleanup_free_ char *img = storage_image_path(s->private);
	_cleanup_free_ char *dir = storage_image_dir(s->private);
	bool was_mounted = is_mount_point_at(AT_FDCWD, dir);
	int r;

	if (!vz_storage_has_image(s))
		return vz_error_make(err, VZ_E_DQ_SET, ENOTSUP,
				     "the private area has no disk image of its own (VE_LAYOUT=%s, "
				     "made without DISKSPACE): its disk cannot be limited",
				     s->ops->layout);
	if (!was_mounted && storage_image_mount(s->private, err) < 0)
		return -1;
	/* Nothing uses an image we mounted just now: it may grow offline. */
	r = was_mounted ? vz_image_set_limits(img, dir, bytes, inodes, err)
			: vz_image_fit(img, dir, bytes, inodes, err);
	if (!was_mounted)
		(void)vz_image_umount(dir, r < 0 ? NULL : err);
	return r;
}

int vz_storage_disk_usage(const struct vz_storage *s, struct vz_disk_usage *ret, vz_error_t *err)
{
	_cleanup_free_ char *dir = storage_image_dir(s->private);
	struct vz_image_usage u;

	if (!vz_storage_has_image(s) || !is_mount_point_at(AT_FDCWD, dir))
		return vz_error_make(err, VZ_E_DQ_USAGE, ENOENT, "no mounted disk image in '%s'",
				     s->private);
	if (vz_image_usage(dir, &u, err) < 0)
		return -1;
	*ret = (struct vz_disk_usage){u.bytes_used, u.bytes_limit, u.inodes_used, u.inodes_limit};
	return 0;
}

int vz_storage_image_hold(const char *private, vz_error_t *err)
{
	if (!vz_storage_path_has_image(private))
		return 0;
	return storage_image_mount(private, err);
}

int vz_storage_image_release(const char *private, vz_error_t *err)
{
	_cleanup_free_ char *dir = storage_image_dir(private);

	return vz_image_umount(dir, err);
}

int vz_storage_image_prepare(const char *private, uint64_t bytes, uint64_t inodes, vz_error_t *err)
{
	_cleanup_free_ char *img = storage_image_path(private);
	_cleanup_free_ char *dir = storage_image_dir(private);

	if (mkdir(private, 0700) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", private);
	if (mkdir(dir, 0700) < 0) {
		vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", dir);
		goto fail;
	}
	if (vz_image_create(img, dir, bytes, inodes, err) < 0)
		goto fail;
	return 0;
fail:
	(void)vz_image_umount(dir, NULL);
	(void)rm_rf_at(AT_FDCWD, private);
	return -1;
}

char *const *vz_storage_sync_excludes(void)
{
	static char *const excludes[] = {"/root.img", "/fs/.vz/", "/fs/lost+found/", NULL};

	return excludes;
}

void storage_stage_drop(const char *stage)
{
	_cleanup_free_ char *dir = storage_image_dir(stage);

	(void)vz_image_umount(dir, NULL);
	(void)rm_rf_at(AT_FDCWD, stage);
}

int storage_stage_commit(const char *stage, const char *private, vz_error_t *err)
{
	_cleanup_free_ char *dir = storage_image_dir(stage);

	if (vz_image_umount(dir, err) < 0)
		return -1;
	if (rename(stage, private) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", private);
	return 0;
}

int storage_bind_root(const struct vz_storage *s, const char *tree, vz_error_t *err)
{
	/* Private: the host's shared propagation must not copy CT mounts around. */
	if (mount(tree, s->root, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, s->root, NULL, MS_PRIVATE, NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mount '%s' on '%s'", tree, s->root);
	return 0;
}
