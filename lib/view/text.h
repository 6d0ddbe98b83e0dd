/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The texts of the per-CT /proc view, made from the host's file and the
 * CT's numbers: pure functions, no I/O (unit-tested in test-view.c). Each
 * returns a heap string in the layout of the kernel file it stands for.
 */
#ifndef VZ_VIEW_TEXT_H
#define VZ_VIEW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "res/loadavg.h"
#include "res/ubc.h"

/* The CT's memory, bytes. */
struct vz_view_mem {
	uint64_t total;	     /* RAM limit, or the host's RAM if lower */
	uint64_t used;	     /* charged to the CT, page cache included */
	uint64_t file;	     /* of which page cache */
	uint64_t anon;	     /* anonymous */
	uint64_t shmem;	     /* shmem/tmpfs (inside file) */
	uint64_t swap_total; /* the CT's swap limit, or the host's swap if unlimited */
	uint64_t swap_used;
};

/* The CT's CPUs and CPU time. */
struct vz_view_cpu {
	const unsigned *cpus; /* host CPU numbers it is shown, ascending */
	unsigned n;	      /* how many (>= 1) */
	uint64_t user_ns, system_ns;
	double uptime;			/* seconds since the CT started */
	unsigned long running, blocked; /* tasks now */
};

/*
 * /proc/meminfo: the host's lines in the host's order; the RAM and swap
 * lines say the CT's numbers, the page tables' and kernel's ones 0, the
 * huge page and vmalloc ones stay the host's.
 */
char *vz_view_meminfo(const char *host, const struct vz_view_mem *m);
/* /proc/swaps: one virtual swap of swap_total when it is not 0. */
char *vz_view_swaps(const struct vz_view_mem *m);
/* /proc/cpuinfo: the host's blocks of the CT's CPUs, renumbered from 0. */
char *vz_view_cpuinfo(const char *host, const struct vz_view_cpu *c);
/* /proc/stat: cpu lines of the CT's CPUs (its time spread over them), its task counts. */
char *vz_view_stat(const char *host, const struct vz_view_cpu *c);
/* /proc/uptime: the CT's seconds up, and idle seconds summed over its CPUs. */
char *vz_view_uptime(const struct vz_view_cpu *c);
/* /proc/loadavg: the CT's averages, running/total tasks, last pid 0 (a host pid means nothing
 * inside). */
char *vz_view_loadavg(const struct vz_loadavg *l, unsigned long running, unsigned long threads);
/* /proc/diskstats: the host's devices, with the CT's reads and writes (0 for the rest). */
char *vz_view_diskstats(const char *host, const struct vz_cgroup_detail *d);
/* /sys/devices/system/cpu/online: 0-(n-1). */
char *vz_view_cpu_online(unsigned n);
/* OpenVZ's /proc/user_beancounters for CT ctid, laid out as `vzctl ubc` prints it. */
char *vz_view_ubc(const char *ctid, const struct vz_ubc_row *rows, size_t n);

/*
 * The CPUs a CT is shown: of the host's online CPUs (a list, "0-3,6"),
 * those in cpuset ("" or NULL: all), the first ceil(quota_pct / 100) of
 * them when there is a quota. Fills cpus (up to max) and returns how many;
 * never 0 while the host has one online.
 */
unsigned vz_view_pick_cpus(const char *online, const char *cpuset, uint64_t quota_pct,
			   unsigned *cpus, unsigned max);

#endif
