/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VE_LAYOUT=ploop: the CT's whole tree in its own disk image (disk.c,
 * image.c), OpenVZ 7's layout with a plain ext4 image instead of ploop's
 * format (OpenVZ's root.hdd images are not read):
 *
 *   private/CTID/         0700 root
 *     root.img            the ext4 image
 *     fs/                 where it is mounted while the CT is
 *       root/             the CT's "/", owned by CT root
 *       .vz/              vz's balloon (image.c), out of the CT's sight
 *
 * The tree is a subdirectory, bind-mounted on the CT root, so the balloon
 * beside it is not the CT's. Made for kernels whose overlayfs cannot take
 * an idmapped lower layer by fd, where a CT with a disk limit still gets
 * one; it needs DISKSPACE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/image.h"
#include "storage/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

static bool ploop_exists(const struct vz_storage *s)
{
	return vz_storage_has_image(s);
}

/* The tree in the image mounted at dir: root/, CT root's, filled by fill. */
static int fill_tree(const struct vz_storage *s, const char *dir, vz_storage_fill_fn fill,
		     void *data, vz_error_t *err)
{
	_cleanup_close_ int top = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;

	if (top < 0 || mkdirat(top, "root", 0755) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s/root'", dir);
	fd = openat(top, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "open '%s/root'", dir);
	if (fill(fd, data, err) < 0)
		return -1;
	/* The tree is the CT's "/": CT root owns it. */
	if (fchown(fd, s->owner, s->owner) < 0 || fchmod(fd, 0755) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s/root'", dir);
	return 0;
}

static int ploop_create(struct vz_storage *s, vz_storage_fill_fn fill, void *data, vz_error_t *err)
{
	_cleanup_free_ char *stage = storage_sibling(s->private, "creating");
	_cleanup_free_ char *dir = storage_image_dir(stage);

	if (s->disk_bytes == VZ_STORAGE_UNLIMITED)
		return vz_error_make(err, VZ_E_DQ_INIT, EINVAL,
				     "VE_LAYOUT=ploop needs a disk size (DISKSPACE, --diskspace)");
	storage_stage_drop(stage);
	if (mkdir(stage, 0700) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", stage);
	if (storage_image_create(s, stage, err) < 0 || fill_tree(s, dir, fill, data, err) < 0 ||
	    storage_stage_commit(stage, s->private, err) < 0) {
		storage_stage_drop(stage);
		return -1;
	}
	return 0;
}

/* The image is mounted by now (storage.c): bind its tree on the root. */
static int ploop_mount(struct vz_storage *s, vz_error_t *err)
{
	_cleanup_free_ char *dir = storage_image_dir(s->private);
	_cleanup_free_ char *tree = xasprintf("%s/root", dir);
	struct stat st;

	if (lstat(tree, &st) < 0 || !S_ISDIR(st.st_mode))
		return vz_error_make(err, VZ_E_NOPRIVATE, ENOENT,
				     "the disk image of '%s' holds no tree", s->private);
	return storage_bind_root(s, tree, err);
}

const struct vz_storage_ops vz_storage_ploop_ops = {
	.layout = "ploop",
	.exists = ploop_exists,
	.create = ploop_create,
	.mount = ploop_mount,
	.retire = storage_retire_dir,
	.purge = storage_purge_dir,
};
