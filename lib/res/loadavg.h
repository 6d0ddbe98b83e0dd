/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's load average, as OpenVZ's kernel kept one per VE: every
 * VZ_LOADAVG_INTERVAL_S seconds count the CT's tasks that are running or in
 * uninterruptible sleep, and fold the count into 1, 5 and 15 minute
 * exponential averages with the kernel's own fixed-point constants
 * (kernel/sched/loadavg.c). The counts are real; only the averaging is
 * ours, and it is the kernel's formula. vzd (vzlist's laverage) and the
 * /proc view (the CT's /proc/loadavg) each keep a table of these.
 */
#ifndef VZ_LOADAVG_H
#define VZ_LOADAVG_H

#include <stdbool.h>
#include <sys/types.h>

#define VZ_LOADAVG_INTERVAL_S 5
#define VZ_LOADAVG_FSHIFT 11
#define VZ_LOADAVG_FIXED_1 (1UL << VZ_LOADAVG_FSHIFT)

struct vz_loadavg {
	unsigned long avg[3]; /* fixed point, VZ_LOADAVG_FSHIFT bits of fraction */
};

/* Fold one count of active tasks into l (one tick). */
void vz_loadavg_fold(struct vz_loadavg *l, unsigned long active);

/*
 * Count the running (R) and uninterruptible (D) threads of the processes
 * pids[0..n); *ret_running gets the R ones alone (for /proc/loadavg's
 * "running/total"), *ret_threads every thread seen. Either may be NULL.
 */
unsigned long vz_loadavg_count(const pid_t *pids, int n, unsigned long *ret_running,
			       unsigned long *ret_threads);

/* Average i (0: 1 min, 1: 5, 2: 15) as the kernel prints it: two decimals, rounded down. */
unsigned long vz_loadavg_int(const struct vz_loadavg *l, int i);
unsigned long vz_loadavg_frac(const struct vz_loadavg *l, int i);

#endif
