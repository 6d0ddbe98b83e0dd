/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The storage backends; only lib/storage/storage.c picks among them. */
#ifndef VZ_STORAGE_INTERNAL_H
#define VZ_STORAGE_INTERNAL_H

#include "storage/storage.h"

extern const struct vz_storage_ops vz_storage_simfs_ops;
extern const struct vz_storage_ops vz_storage_overlay_ops;
extern const struct vz_storage_ops vz_storage_ploop_ops;

/* dir/.NAME.suffix beside the private area: same filesystem, so rename is atomic. */
char *storage_sibling(const char *private, const char *suffix);

/* retire and purge for a private area that is one directory (every layout so far). */
int storage_retire_dir(struct vz_storage *s, vz_error_t *err);
int storage_purge_dir(struct vz_storage *s, vz_error_t *err);

/* The disk image of a private area and where it is mounted (image.c). */
char *storage_image_path(const char *private);
char *storage_image_dir(const char *private);
/* Mount the private area's disk image on its directory unless it is mounted. */
int storage_image_mount(const char *private, vz_error_t *err);
/* The same, then the limits of s applied (grown offline if need be): for a mount. */
int storage_image_mount_fit(const struct vz_storage *s, vz_error_t *err);
/*
 * In a staging area: make its disk image for s's limits and mount it.
 * The caller unmounts it (vz_image_umount of storage_image_dir(stage)).
 */
int storage_image_create(const struct vz_storage *s, const char *stage, vz_error_t *err);

/*
 * A staging area beside the private area (storage_sibling): dropped (its
 * image unmounted, its files removed: before a create, and when it fails),
 * or committed (its image unmounted, renamed to private in one step).
 */
void storage_stage_drop(const char *stage);
int storage_stage_commit(const char *stage, const char *private, vz_error_t *err);

/* Bind tree on s->root, with private propagation. */
int storage_bind_root(const struct vz_storage *s, const char *tree, vz_error_t *err);

#endif
