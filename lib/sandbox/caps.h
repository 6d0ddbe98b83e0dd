/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capabilities of CT processes. */
#ifndef VZ_CAPS_H
#define VZ_CAPS_H

#include "core/error.h"

/*
 * Drop from the bounding set what a CT never needs even in its own user
 * namespace (module loading, raw I/O, clock setting, MAC admin, ...), so
 * that no exec inside the CT can regain them.
 */
int vz_caps_drop_bounding(vz_error_t *err);

#endif
