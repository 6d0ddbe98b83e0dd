/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include "sandbox/caps.h"

/*
 * Capabilities that are global (checked against the initial user namespace)
 * or meaningless for a VPS. Keeping CAP_SYS_BOOT lets the CT's init call
 * reboot(), which in a pid namespace ends the CT as a halt/reboot should.
 */
static const int dropped[] = {
	CAP_SYS_MODULE,	  CAP_SYS_RAWIO,  CAP_SYS_TIME,	  CAP_AUDIT_CONTROL, CAP_MAC_ADMIN,
	CAP_MAC_OVERRIDE, CAP_SYSLOG,	  CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_LINUX_IMMUTABLE,
	CAP_SYS_PACCT,	  CAP_AUDIT_READ, CAP_PERFMON,	  CAP_BPF,
};

int vz_caps_drop_bounding(vz_error_t *err)
{
	for (unsigned i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		if (prctl(PR_CAPBSET_DROP, dropped[i], 0, 0, 0) < 0 && errno != EINVAL)
			return vz_error_make(err, VZ_E_CAP, errno, "drop capability %d",
					     dropped[i]);
	}
	return 0;
}
