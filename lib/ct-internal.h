/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the ct*.c files; not part of the API. */
#ifndef VZ_CT_INTERNAL_H
#define VZ_CT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "config.h"
#include "ctx.h"
#include "error.h"

int ct_parse_uid_range(const struct vz_config *cfg, uint32_t *base, uint32_t *size);
struct vz_cgroup *ct_cgroup(struct vz_ctx *ctx, const char *ctid, const char *prefix,
			    vz_error_t *err);
bool ct_is_mounted(struct vz_ctx *ctx, const char *ctid);
int ct_umount(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
/*
 * Take the CT's lock and read its config under it; returns the lock fd.
 * A CT that does not exist is refused (VZ_E_NOCONFIG) without a lock file.
 */
int ct_lock_and_load(struct vz_ctx *ctx, const char *ctid, struct vz_config **ret_cfg,
		     vz_error_t *err);
/*
 * Bring the files vz keeps inside the CT (/etc/hostname, /etc/resolv.conf)
 * in line with cfg; the CT's root must be mounted.
 */
int ct_write_files(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		   vz_error_t *err);
int ct_cleanup_locked(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
int ct_check_name_free(struct vz_ctx *ctx, const char *name, const char *self, vz_error_t *err);
void ct_strv_free(char **v);

#endif
