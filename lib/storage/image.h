/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's disk quota: its own ext4 file system in an image file in its
 * private area, loop-mounted (see image.c for why an image and how the
 * limits are held exactly). Only lib/storage uses this directly.
 */
#ifndef VZ_STORAGE_IMAGE_H
#define VZ_STORAGE_IMAGE_H

#include <stdint.h>

#include "core/error.h"

/* No limit on inodes: ext4's default density. */
#define VZ_IMAGE_NO_INODE_LIMIT UINT64_MAX

/* Sizes and use as the CT sees them (vz's own scaffolding left out). */
struct vz_image_usage {
	uint64_t bytes_used, bytes_limit;
	uint64_t inodes_used, inodes_limit;
};

/*
 * Make img (a new sparse file, mode 0600) holding an empty ext4 file system
 * for bytes of data and inodes files, then mount it on dir. The caller
 * fills it and unmounts it.
 */
int vz_image_create(const char *img, const char *dir, uint64_t bytes, uint64_t inodes,
		    vz_error_t *err);

/* Attach img to a loop device and mount its file system on dir (private, nodev). */
int vz_image_mount(const char *img, const char *dir, vz_error_t *err);

/* Unmount dir (detached); the loop device goes with the last user. */
int vz_image_umount(const char *dir, vz_error_t *err);

/*
 * New hard limits for the mounted image at dir: the file system grows (the
 * file and the loop device with it) when the limits need more than it has,
 * and what it has beyond them is held by vz's balloon, so a change takes
 * effect at once, up or down. VZ_E_DQ_SET, changing nothing, when the CT
 * uses more than the new limits.
 */
int vz_image_set_limits(const char *img, const char *dir, uint64_t bytes, uint64_t inodes,
			vz_error_t *err);
/*
 * vz_image_set_limits returns 1 when the file system had to grow but the
 * kernel would not grow it online (ext4 wants CAP_SYS_RESOURCE): the CT
 * then has all the file system has, and the rest comes with vz_image_fit
 * at its next mount. vz_image_fit is for an image just mounted that nothing
 * uses yet: it sets the limits, growing the file system offline if needed.
 */
int vz_image_fit(const char *img, const char *dir, uint64_t bytes, uint64_t inodes,
		 vz_error_t *err);

/* Use and limits of the mounted image at dir. */
int vz_image_usage(const char *dir, struct vz_image_usage *ret, vz_error_t *err);

#endif
