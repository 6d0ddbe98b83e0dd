/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include "sandbox/caps.h"

int vz_caps_drop_bounding(uint64_t mask, vz_error_t *err)
{
	for (int cap = 0; cap < 64; cap++) {
		if (!(mask & (1ULL << cap)))
			continue;
		/* EINVAL: a capability this kernel does not know; nothing to drop. */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return vz_error_make(err, VZ_E_CAP, errno, "drop capability %d", cap);
	}
	return 0;
}
