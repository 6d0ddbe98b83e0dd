/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ's disk quota keys: DISKSPACE="soft:hard" in 1 KiB blocks (or a
 * size with K/M/G/T), DISKINODES="soft:hard" in inodes, QUOTATIME (the
 * grace period in seconds a CT may stay above its soft limits). Pure
 * parsing; lib/storage enforces the hard limits, vzd watches the soft ones.
 */
#ifndef VZ_RES_DISK_H
#define VZ_RES_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/config.h"
#include "core/error.h"

/* No limit (OpenVZ writes it "unlimited"). */
#define VZ_DISK_UNLIMITED UINT64_MAX
/* OpenVZ's default grace period when QUOTATIME is not set: none. */
#define VZ_DISK_GRACE_DEFAULT 0

struct vz_disk_limits {
	uint64_t space_soft, space_hard;   /* KiB */
	uint64_t inodes_soft, inodes_hard; /* inodes */
	uint64_t grace;			   /* seconds */
};

/*
 * Parse "soft:hard", or "V" meaning V:V. DISKSPACE: a number of KiB or a
 * size (K/M/G/T, rounded up to KiB); DISKINODES: a number; both may be
 * "unlimited". Soft above hard is an error; VZ_E_VALUE names the key.
 */
int vz_disk_parse(const char *key, const char *s, uint64_t *soft, uint64_t *hard, vz_error_t *err);
/* Config table validator of DISKSPACE, DISKINODES and QUOTATIME. */
int vz_disk_validate(const char *key, const char *value, vz_error_t *err);
/* Is key one of them? */
bool vz_disk_is_key(const char *key);
/* The limits in cfg; unset or invalid keys are unlimited. */
void vz_disk_get(const struct vz_config *cfg, struct vz_disk_limits *ret);
/* Does cfg limit the disk at all (a hard DISKSPACE)? */
bool vz_disk_limited(const struct vz_disk_limits *l);

#endif
