/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysinfo(2) for CT processes. busybox's free and uptime, glibc's
 * sysconf(_SC_PHYS_PAGES) and the runtimes that size their heaps by it
 * ask the kernel, not /proc, and the kernel answers with the host's RAM,
 * swap, uptime and loads. The CT's seccomp stack sends that one call to a
 * listener (sandbox/seccomp.h); the /proc view's server answers it here
 * with the same numbers its files show.
 */
#ifndef VZ_VIEW_SYSINFO_H
#define VZ_VIEW_SYSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a CT's sysinfo(2) says; bytes, seconds. */
struct vz_view_sysinfo {
	int64_t uptime;
	unsigned long loads[3]; /* fixed point, SI_LOAD_SHIFT (16) bits of fraction */
	uint64_t totalram, freeram, sharedram, bufferram;
	uint64_t totalswap, freeswap;
	uint32_t procs;
};

/* The largest struct vz_view_sysinfo_pack writes. */
#define VZ_VIEW_SYSINFO_MAX 128

/*
 * Lay v out as the kernel's struct sysinfo for the caller's ABI: the
 * native one, or with compat the 32-bit one (i386 on x86_64), whose sizes
 * are scaled by mem_unit to fit 32 bits as the kernel scales them. buf has
 * VZ_VIEW_SYSINFO_MAX bytes; returns the length written.
 */
size_t vz_view_sysinfo_pack(const struct vz_view_sysinfo *v, bool compat, void *buf);

/* The CT's numbers for host pid; false when pid is in no CT (the kernel answers it). */
typedef bool (*vz_view_sysinfo_fn)(void *data, pid_t pid, struct vz_view_sysinfo *v);

/*
 * Answer the notification waiting on listener: fill the caller's buffer
 * with what fn says, or let the kernel answer. 0 when answered (or the
 * caller went away meanwhile), -errno when the listener is of no more use.
 */
int vz_view_sysinfo_answer(int listener, vz_view_sysinfo_fn fn, void *data);

#endif
