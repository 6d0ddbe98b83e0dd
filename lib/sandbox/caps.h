/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capabilities of CT processes. */
#ifndef VZ_CAPS_H
#define VZ_CAPS_H

#include <stdint.h>

#include "core/error.h"

/*
 * Drop the capabilities of mask (1 << CAP_x; res/capability.h says which a
 * CT goes without) from the bounding set, so that no exec inside the CT
 * can regain them: after the exec of CT root they are gone from its
 * permitted and effective sets too.
 */
int vz_caps_drop_bounding(uint64_t mask, vz_error_t *err);

#endif
