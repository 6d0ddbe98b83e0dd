/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The storage backends; only lib/storage/storage.c picks among them. */
#ifndef VZ_STORAGE_INTERNAL_H
#define VZ_STORAGE_INTERNAL_H

#include "storage/storage.h"

extern const struct vz_storage_ops vz_storage_simfs_ops;
extern const struct vz_storage_ops vz_storage_overlay_ops;

/* dir/.NAME.suffix beside the private area: same filesystem, so rename is atomic. */
char *storage_sibling(const char *private, const char *suffix);

/* retire and purge for a private area that is one directory (every layout so far). */
int storage_retire_dir(struct vz_storage *s, vz_error_t *err);
int storage_purge_dir(struct vz_storage *s, vz_error_t *err);

#endif
