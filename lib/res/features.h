/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FEATURES, OpenVZ's per-CT switches: "name:on name:off ..." (vzctl set
 * --features name:on|off, which changes the named ones and keeps the
 * rest). vz's names are those of what a CT lacks by default and an
 * operator may grant it:
 *   io_uring   io_uring_setup, io_uring_enter and io_uring_register (the
 *              CT's seccomp filter refuses them otherwise).
 * OpenVZ's own names (sysfs, nfs, nfsd, sit, ipip, ipgre, ppp, bridge)
 * switched features of its kernel: a config from OpenVZ keeps them, and
 * they change nothing here (vzctl set says so).
 */
#ifndef VZ_RES_FEATURES_H
#define VZ_RES_FEATURES_H

#include <stdbool.h>

#include "core/error.h"

/* A FEATURES value: known names, each once, on or off. */
int vz_features_validate(const char *key, const char *value, vz_error_t *err);

/* The first of OpenVZ's kernel switches value names (they do nothing here), or NULL. */
const char *vz_features_inert(const char *value);

/* Does value (NULL: none) switch feature name on? */
bool vz_features_on(const char *value, const char *name);

/* old (NULL: none) with the switches of change applied; a heap string. */
char *vz_features_merge(const char *old, const char *change);

#endif
