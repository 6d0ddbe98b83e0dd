/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's private area behind one interface, so that other layouts (a
 * ploop-like image with its own filesystem and quota) fit in beside the
 * directory ones. The layout is OpenVZ's VE_LAYOUT: "simfs" is a directory
 * bind-mounted on the CT root; "overlay" (overlay.c) a per-CT upper layer
 * over the template's shared, unpacked tree.
 *
 * Every backend makes the private area appear, while the CT runs, as the
 * mount at the root path; what lies behind it is the backend's business.
 */
#ifndef VZ_STORAGE_H
#define VZ_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct vz_storage;

/* Fills a new private area: dirfd is its (empty) top directory. */
typedef int (*vz_storage_fill_fn)(int dirfd, void *data, vz_error_t *err);

struct vz_storage_ops {
	const char *layout; /* the VE_LAYOUT value */
	/* Does the private area exist? */
	bool (*exists)(const struct vz_storage *s);
	/*
	 * Make the private area, owned by s->owner, filled by fill (overlay:
	 * layered on the unpacked template s->lower, fill unused); nothing is
	 * left behind on failure, and a half-filled area is never visible
	 * under its final name.
	 */
	int (*create)(struct vz_storage *s, vz_storage_fill_fn fill, void *data, vz_error_t *err);
	/* Mount the private area on the root path (private propagation). */
	int (*mount)(struct vz_storage *s, vz_error_t *err);
	/* Move the private area out of its place in one step (destroy, part 1). */
	int (*retire)(struct vz_storage *s, vz_error_t *err);
	/* Delete what retire moved away (destroy, part 2). */
	int (*purge)(struct vz_storage *s, vz_error_t *err);
};

/* No disk limit: the private area is a directory on the host's file system. */
#define VZ_STORAGE_UNLIMITED UINT64_MAX

struct vz_storage {
	const struct vz_storage_ops *ops;
	char *private; /* where the private area lives */
	char *root;    /* its mount point while the CT runs */
	uid_t owner;   /* host uid of CT root, owner of the area's top directory */
	char *retired; /* where retire put it, until purge */
	/*
	 * create: the hard disk limits (DISKSPACE in bytes, DISKINODES); with a
	 * space limit the CT's files live in its own disk image (image.c).
	 */
	uint64_t disk_bytes, disk_inodes;
	/* overlay only: */
	char *lowers; /* the store of unpacked templates (lib/template/unpack.c) */
	char *lower;  /* create: the id of the unpacked template the CT is made from */
};

/* A handle for layout (NULL: "simfs"); VZ_E_VALUE naming an unknown layout. */
struct vz_storage *vz_storage_new(const char *layout, const char *private, const char *root,
				  uid_t owner, vz_error_t *err);
void vz_storage_free(struct vz_storage *s);
void vz_storage_freep(struct vz_storage **s);
#define _cleanup_storage_ _cleanup_(vz_storage_freep)

/* Is the root path a mount point now? The same for every layout. */
bool vz_storage_mounted(const struct vz_storage *s);

/*
 * The id of the unpacked template an overlay private area (a path) is
 * layered on, or NULL when it has none (another layout, or damaged).
 */
char *vz_storage_read_lower(const char *private);

/*
 * Can this kernel mount VE_LAYOUT=overlay: does overlayfs take a lower
 * layer by fd (fsconfig "lowerdir+", Linux 6.13)? Probed once; the test
 * variable VZ_TEST_NO_FD_LOWER makes it false, for the simfs fallback.
 */
bool vz_storage_overlay_supported(void);

/*
 * Unmount the root path (detached: a CT process's open files do not pin it),
 * then the disk image under it, if any.
 */
int vz_storage_umount(struct vz_storage *s, vz_error_t *err);

/* Does the private area keep the CT's files in its own disk image? */
bool vz_storage_has_image(const struct vz_storage *s);

/*
 * New hard disk limits, live or not: bytes of data and inodes files
 * (VZ_STORAGE_UNLIMITED: no inode limit). Needs a disk image (VZ_E_DQ_SET
 * naming the layout otherwise); refused, changing nothing, below what the
 * CT uses. Returns 1 when a mounted image could not grow online (the CT has
 * what its file system holds; the rest comes at its next mount).
 */
int vz_storage_set_disk(struct vz_storage *s, uint64_t bytes, uint64_t inodes, vz_error_t *err);

/*
 * Migration: a private area with a disk image moves as the files in it,
 * not as the image (the destination makes its own, for the CT's limits,
 * and the final pass sends only what changed). vz_storage_image_hold
 * mounts the image of the private area at path for the copy (a stopped CT's
 * too), vz_storage_image_release unmounts it again (not a mounted CT's:
 * the caller knows), vz_storage_image_prepare makes a new private area
 * with an image for bytes and inodes, mounted, to copy into, and
 * vz_storage_sync_excludes are the rsync patterns, relative to the private
 * area, that must not travel (the image file, vz's own scaffolding in it).
 */
int vz_storage_image_hold(const char *private, vz_error_t *err);
int vz_storage_image_release(const char *private, vz_error_t *err);
int vz_storage_image_prepare(const char *private, uint64_t bytes, uint64_t inodes, vz_error_t *err);
char *const *vz_storage_sync_excludes(void);
bool vz_storage_path_has_image(const char *private);

/* The CT's disk use and limits, from its mounted disk image. */
struct vz_disk_usage {
	uint64_t bytes_used, bytes_limit, inodes_used, inodes_limit;
};
int vz_storage_disk_usage(const struct vz_storage *s, struct vz_disk_usage *ret, vz_error_t *err);

static inline bool vz_storage_exists(const struct vz_storage *s)
{
	return s->ops->exists(s);
}

static inline int vz_storage_create(struct vz_storage *s, vz_storage_fill_fn fill, void *data,
				    vz_error_t *err)
{
	return s->ops->create(s, fill, data, err);
}

/* Mount unless mounted already. */
int vz_storage_mount(struct vz_storage *s, vz_error_t *err);

static inline int vz_storage_retire(struct vz_storage *s, vz_error_t *err)
{
	return s->ops->retire(s, err);
}

static inline int vz_storage_purge(struct vz_storage *s, vz_error_t *err)
{
	return s->ops->purge(s, err);
}

#endif
