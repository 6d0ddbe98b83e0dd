/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container identifiers: OpenVZ numeric CTIDs, and names given with --name. */
#ifndef VZ_CTID_H
#define VZ_CTID_H

#include <stdbool.h>

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

#endif
