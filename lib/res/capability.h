/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CAPABILITY, OpenVZ's per-CT capability switches: "NAME:on NAME:off ..."
 * (vzctl set --capability name:on|off; names as the kernel's without
 * CAP_, any case). A CT's processes hold, in its user namespace, every
 * capability but those vz never grants (global ones the user namespace
 * cannot use, or that no VPS needs; see capability.c) and those its
 * CAPABILITY turns off. Turning one of the never-granted on is refused:
 * the user namespace would not let it act on the host, and a setuid
 * program in the CT would only carry it around.
 */
#ifndef VZ_RES_CAPABILITY_H
#define VZ_RES_CAPABILITY_H

#include <stdint.h>

#include "core/error.h"

/* A CAPABILITY value: known names, each once, on or off, none of the never-granted on. */
int vz_capability_validate(const char *key, const char *value, vz_error_t *err);

/* The bounding-set bits (1 << CAP_x) a CT with CAPABILITY value (NULL: none) goes without. */
uint64_t vz_capability_drop_mask(const char *value);

/* value (NULL: none) with change's switches applied, names upper case; a heap string. */
char *vz_capability_merge(const char *old, const char *change);

#endif
