/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container identifiers (OpenVZ numeric CTIDs, and names given with
 * --name) and the set of CTs of a root: listing them, walking their
 * configs, the sample configs new ones start from.
 */
#ifndef VZ_CTID_H
#define VZ_CTID_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/ctx.h"
#include "core/error.h"

/* A numeric CTID: 1..2147483647, decimal without sign or leading zeros. */
bool vz_ctid_is_numeric(const char *s);

/* A CT name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, not all digits. */
bool vz_ctid_is_name(const char *s);

/*
 * Check what a user typed as a CT reference: a numeric CTID or a name.
 * Anything else (paths, shell metacharacters, empty) is refused with
 * VZ_E_VALUE and a message quoting it.
 */
int vz_ctid_check(const char *s, vz_error_t *err);

/*
 * Turn a CT reference into the CTID: numbers are returned as they are; a
 * name is looked up in the configs (NAME="..."). VZ_E_NOCONFIG when no CT
 * has that name.
 */
char *vz_ctid_resolve(struct vz_ctx *ctx, const char *ref, vz_error_t *err);

/* CTIDs that have a config, sorted numerically; NULL-terminated. */
char **vz_ct_list_ids(struct vz_ctx *ctx, vz_error_t *err);

/*
 * Call fn for every CT whose config loads (configs that do not are
 * skipped); stops at the first non-zero return and returns it.
 */
int vz_ct_foreach_config(struct vz_ctx *ctx,
			 int (*fn)(const char *id, const struct vz_config *cfg, void *data),
			 void *data);

/* NAME is a valid CT name that no CT but self (may be NULL) has. */
int vz_ct_check_name_free(struct vz_ctx *ctx, const char *name, const char *self, vz_error_t *err);

/* Sample config ve-NAME.conf-sample (conf dir, then data dir); NULL name: empty. */
struct vz_config *vz_ct_load_sample(struct vz_ctx *ctx, const char *name, vz_error_t *err);

#endif
