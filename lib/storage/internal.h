/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The storage backends; only lib/storage/storage.c picks among them. */
#ifndef VZ_STORAGE_INTERNAL_H
#define VZ_STORAGE_INTERNAL_H

#include "storage/storage.h"

extern const struct vz_storage_ops vz_storage_simfs_ops;

#endif
