/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Picks the backend of a layout and holds what every layout shares: the
 * root path is a mount point while the CT runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "storage/image.h"
#include "storage/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

static const struct vz_storage_ops *const backends[] = {
	&vz_storage_simfs_ops,
	&vz_storage_overlay_ops,
	&vz_storage_ploop_ops,
};

struct vz_storage *vz_storage_new(const char *layout, const char *private, const char *root,
				  uid_t owner, vz_error_t *err)
{
	struct vz_storage *s;

	if (!layout)
		layout = vz_storage_simfs_ops.layout;
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (!streq(backends[i]->layout, layout))
			continue;
		s = xzalloc(sizeof(*s));
		s->ops = backends[i];
		s->private = xstrdup(private);
		s->root = xstrdup(root);
		s->owner = owner;
		s->disk_bytes = s->disk_inodes = VZ_STORAGE_UNLIMITED;
		return s;
	}
	vz_error_make(err, VZ_E_VALUE, 0,
		      "VE_LAYOUT '%s' is not supported here (simfs, overlay and ploop are)",
		      layout);
	return NULL;
}

void vz_storage_free(struct vz_storage *s)
{
	if (!s)
		return;
	free(s->private);
	free(s->root);
	free(s->retired);
	free(s->lower);
	free(s->lowers);
	free(s);
}

void vz_storage_freep(struct vz_storage **s)
{
	vz_storage_free(*s);
	*s = NULL;
}

bool vz_storage_mounted(const struct vz_storage *s)
{
	return is_mount_point_at(AT_FDCWD, s->root);
}

int vz_storage_mount(struct vz_storage *s, vz_error_t *err)
{
	if (!s->ops->exists(s)) {
		_cleanup_free_ char *hdd = xasprintf("%s/root.hdd", s->private);

		if (path_exists_at(AT_FDCWD, hdd))
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "'%s' is an OpenVZ ploop image, which vz cannot read: "
					     "copy its files into a new CT",
					     hdd);
		return vz_error_make(err, VZ_E_NOPRIVATE, ENOENT, "private area '%s' not found",
				     s->private);
	}
	if (vz_storage_mounted(s))
		return 0;
	if (mkdir(s->root, 0755) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_NEW_ROOT, errno, "create '%s'", s->root);
	if (vz_storage_has_image(s) && storage_image_mount_fit(s, err) < 0)
		return -1;
	if (s->ops->mount(s, err) < 0) {
		_cleanup_free_ char *dir = storage_image_dir(s->private);

		(void)vz_image_umount(dir, NULL);
		return -1;
	}
	return 0;
}

int vz_storage_umount(struct vz_storage *s, vz_error_t *err)
{
	_cleanup_free_ char *dir = storage_image_dir(s->private);

	if (vz_storage_mounted(s) && umount2(s->root, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return vz_error_make(err, VZ_E_UMOUNT, errno, "unmount '%s'", s->root);
	return vz_image_umount(dir, err);
}
