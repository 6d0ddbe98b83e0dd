/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's resource settings, from its ctid.conf keys to the version-neutral
 * struct vz_cgroup_limits: the beancounters of res/ubc.h plus OpenVZ's CPU
 * and I/O keys (CPUUNITS, CPULIMIT, CPUS, CPUMASK, IOPRIO, IOLIMIT,
 * IOPSLIMIT). Pure conversion and validation; lib/ct/res.c applies them.
 */
#ifndef VZ_RES_H
#define VZ_RES_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "conf/config.h"
#include "core/error.h"

#define VZ_CPUUNITS_MIN 8
#define VZ_CPUUNITS_MAX 500000
#define VZ_CPUUNITS_DEFAULT 1000
#define VZ_CPUS_MAX 4096
#define VZ_IOPRIO_DEFAULT 4

/* Config validator of the CPU and I/O keys (syntax and static ranges only). */
int vz_res_validate(const char *key, const char *value, vz_error_t *err);

/*
 * Checks that need the host: CPULIMIT and CPUS within its online CPUs,
 * CPUMASK naming online CPUs. ncpus is the number of online CPUs.
 */
int vz_res_check_host(const struct vz_config *cfg, unsigned ncpus, vz_error_t *err);

/* enum vz_cg_res bits a config key feeds; 0 for keys that are not cgroup limits. */
unsigned vz_res_bits_of_key(const char *key);
/* Bits of the keys set in cfg: what a start writes (the rest keeps the kernel's defaults). */
unsigned vz_res_bits_of_config(const struct vz_config *cfg);
/* True for every resource key, enforced or not (beancounters, CPU, I/O). */
bool vz_res_is_key(const char *key);

/*
 * Fill lim from cfg for the bits in mask (unset keys give the defaults:
 * unlimited, 1000 cpuunits, ioprio 4, all CPUs). I/O limits need the block
 * device under the CT's private area: private_path is stat'ed for it.
 * lim->cpuset points into cfg.
 */
/*
 * The cpuset of a CT with CPUS=n, so that what asks the kernel for its CPUs
 * inside (sched_getaffinity: nproc, glibc's get_nprocs_conf does not)
 * counts n: n of the CPUs it may use (CPUMASK's, else the host's ncpus),
 * from the turn-th on (the CTID), so that CTs with few CPUs spread over the
 * host instead of all sitting on CPU 0. NULL when n covers them all (or
 * CPUS is unset): then CPUMASK alone is the cpuset. The quota stays what
 * limits CPU time.
 */
char *vz_res_cpus_cpuset(const struct vz_config *cfg, unsigned ncpus, unsigned long turn);

int vz_res_limits(const struct vz_config *cfg, const char *private_path, unsigned mask,
		  struct vz_cgroup_limits *lim, vz_error_t *err);

/* The whole disk holding path (a partition's parent), for I/O limits. */
int vz_res_block_dev(const char *path, dev_t *ret, vz_error_t *err);

#endif
