/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VE_LAYOUT=simfs: the private area is a directory, bind-mounted on the CT
 * root. Trust model: the directory's contents belong to the CT and are not
 * trusted; only its top-level name is ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

static bool simfs_exists(const struct vz_storage *s)
{
	struct stat st;

	return stat(s->private, &st) == 0 && S_ISDIR(st.st_mode);
}

static int simfs_create(struct vz_storage *s, vz_storage_fill_fn fill, void *data, vz_error_t *err)
{
	_cleanup_free_ char *stage = storage_sibling(s->private, "creating");
	_cleanup_close_ int fd = -EBADF;

	(void)rm_rf_at(AT_FDCWD, stage);
	if (mkdir(stage, 0755) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", stage);
	fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "open '%s'", stage);
		goto err_remove;
	}
	if (fill(fd, data, err) < 0)
		goto err_remove;
	/* The private area is the CT's "/": CT root owns it. */
	if (fchown(fd, s->owner, s->owner) < 0 || fchmod(fd, 0755) < 0 ||
	    rename(stage, s->private) < 0) {
		vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", s->private);
		goto err_remove;
	}
	return 0;
err_remove:
	(void)rm_rf_at(AT_FDCWD, stage);
	return -1;
}

static int simfs_mount(struct vz_storage *s, vz_error_t *err)
{
	return storage_bind_root(s, s->private, err);
}

const struct vz_storage_ops vz_storage_simfs_ops = {
	.layout = "simfs",
	.exists = simfs_exists,
	.create = simfs_create,
	.mount = simfs_mount,
	.retire = storage_retire_dir,
	.purge = storage_purge_dir,
};
