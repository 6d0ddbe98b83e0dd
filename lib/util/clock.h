/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VZ_UTIL_CLOCK_H
#define VZ_UTIL_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock: for durations, never for dates. */
static inline double vz_now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
