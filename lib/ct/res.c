/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's resources applied: the cgroup limits at start and on `vzctl set`,
 * the per-process rlimits some beancounters map to, and the `vzctl ubc`
 * report. A setting this host cannot enforce is saved and reported with a
 * warning naming why; it is never dropped silently.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ct/internal.h"
#include "sandbox/mount.h"
#include "res/cpuio.h"
#include "res/devices.h"
#include "ct/state.h"
#include "res/ubc.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

static const struct {
	unsigned bit;
	const char *keys;
	const char *why;
} unsupported_why[] = {
	{VZ_CG_MEM, "PHYSPAGES", "no memory controller"},
	{VZ_CG_SWAP, "SWAPPAGES", "no swap accounting (boot with swapaccount=1 on cgroup v1)"},
	{VZ_CG_PIDS, "NUMPROC", "no pids controller"},
	{VZ_CG_CPU_WEIGHT, "CPUUNITS", "no cpu controller"},
	{VZ_CG_CPU_QUOTA, "CPULIMIT/CPUS", "no CFS bandwidth control"},
	{VZ_CG_CPUSET, "CPUMASK", "no cpuset controller"},
	{VZ_CG_IO_WEIGHT, "IOPRIO",
	 "no I/O weight (needs the BFQ scheduler or blk-iocost on the CT's disk)"},
	{VZ_CG_IO_MAX, "IOLIMIT/IOPSLIMIT", "no block I/O throttling"},
};

/* Drop from mask what this host lacks, warning for each one cfg asks for. */
static unsigned drop_unsupported(struct vz_ctx *ctx, const struct vz_config *cfg, unsigned mask,
				 unsigned supported)
{
	unsigned configured = vz_res_bits_of_config(cfg);

	for (size_t i = 0; i < ARRAY_SIZE(unsupported_why); i++) {
		unsigned bit = unsupported_why[i].bit;

		if (!(mask & bit) || (supported & bit))
			continue;
		mask &= ~bit;
		if (configured & bit)
			vz_warn(ctx, "%s: accepted, but not enforced on this host: %s",
				unsupported_why[i].keys, unsupported_why[i].why);
	}
	return mask;
}

void ct_res_sync_weight(struct vz_ct *ct, struct vz_cgroup *cg)
{
	_cleanup_error_ vz_error_t err = NULL;

	if (vz_cgroup_sync_weight(cg, &err) < 0)
		vz_warn(ct->ctx, "%s", err->msg);
}

static const struct {
	unsigned bits;
	int code;
} groups[] = {
	{VZ_CG_MEM | VZ_CG_SWAP | VZ_CG_PIDS, VZ_E_UBC},
	{VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA | VZ_CG_CPUSET, VZ_E_FAIRSCHED},
	{VZ_CG_IO_WEIGHT | VZ_CG_IO_MAX, VZ_E_RESOURCE},
};

/*
 * Write the cgroup limits of cfg named by mask (enum vz_cg_res bits) to the
 * CT's existing group; what this host cannot enforce is dropped with a
 * warning.
 */
static int res_apply(struct vz_ct *ct, struct vz_cgroup *cg, const struct vz_config *cfg,
		     unsigned mask, vz_error_t *err)
{
	struct vz_ctx *ctx = ct->ctx;
	struct vz_cgroup_limits lim;
	_cleanup_free_ char *cpus_set = NULL;
	unsigned supported;

	/* A CT without resource keys (most starts): no knob probed or written. */
	if (mask == 0)
		return 0;
	supported = vz_cgroup_supported(cg);
	mask = drop_unsupported(ctx, cfg, mask, supported);
	/* CPUS narrows the cpuset too (vz_res_cpus_cpuset): nproc inside counts it. */
	if ((mask & VZ_CG_CPU_QUOTA) && (supported & VZ_CG_CPUSET))
		mask |= VZ_CG_CPUSET;
	if (mask == 0)
		return 0;
	if (vz_res_limits(cfg, ct->path.private, mask, &lim, err) < 0)
		return -1;
	if (mask & VZ_CG_CPUSET) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		cpus_set =
			vz_res_cpus_cpuset(cfg, n > 0 ? (unsigned)n : 1, strtoul(ct->id, NULL, 10));
		if (cpus_set)
			lim.cpuset = cpus_set;
	}
	/* v1 limits swap as part of RAM+swap: without a RAM limit there is nothing to add it to. */
	if ((mask & VZ_CG_SWAP) && lim.mem_max == VZ_CG_UNLIMITED &&
	    lim.swap_max != VZ_CG_UNLIMITED && vz_cgroup_mode(cg) != VZ_CGROUP_UNIFIED)
		vz_warn(ctx, "SWAPPAGES: accepted, but not enforced on this host: cgroup v1 limits "
			     "swap only together with a RAM limit (PHYSPAGES)");
	/* In groups, so that a failure gets OpenVZ's exit status for its kind. */
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		lim.set = mask & groups[i].bits;
		if (lim.set && vz_cgroup_set_limits(cg, &lim, err) < 0) {
			/* EBUSY from a memory knob: the kernel could not reclaim down to it. */
			if (err && vz_error_errno(*err) == EBUSY &&
			    (lim.set & (VZ_CG_MEM | VZ_CG_SWAP)))
				(void)vz_error_wrap(err,
						    "RAM or swap limit below what the CT uses now");
			(void)vz_error_recode(err, groups[i].code);
			return -1;
		}
	}
	return 0;
}

/* RLIMIT_NOFILE cannot go above fs.nr_open, not even for "unlimited". */
static rlim_t hard_max(int resource)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long v;

	if (resource != RLIMIT_NOFILE)
		return RLIM_INFINITY;
	if (read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", 64, &text, NULL) < 0 ||
	    sscanf(text, "%llu", &v) != 1)
		return 1024 * 1024;
	return (rlim_t)v;
}

static rlim_t scaled(uint64_t v, uint64_t scale, rlim_t max)
{
	if (v == VZ_UBC_UNLIMITED || v > max / scale)
		return max;
	return (rlim_t)(v * scale);
}

/*
 * The rlimit a beancounter maps to: the hard limit is the limit; the soft
 * limit is the barrier when it is a real one below the limit, else what the
 * process had (lowered to the new hard limit), so that a program that
 * raised its own soft limit keeps it.
 */
static struct rlimit ubc_rlimit(const struct vz_ubc_param *p, const struct vz_config *cfg,
				const struct rlimit *cur)
{
	struct vz_ubc_value v = vz_ubc_get(cfg, p);
	uint64_t scale = p->unit == VZ_UBC_PAGES ? VZ_UBC_PAGE_SIZE : 1;
	struct rlimit rl;

	rl.rlim_max = scaled(v.limit, scale, hard_max(p->rlimit));
	if (v.barrier > 0 && v.barrier < v.limit)
		rl.rlim_cur = scaled(v.barrier, scale, rl.rlim_max);
	else
		rl.rlim_cur = cur->rlim_cur < rl.rlim_max ? cur->rlim_cur : rl.rlim_max;
	return rl;
}

/*
 * Raising a hard limit needs CAP_SYS_RESOURCE in the host's namespace, which
 * a nested host may lack: then the process keeps the hard limit it has. For
 * "unlimited" that is what vz means anyway (no limit of vz's); a number above
 * it is reported.
 */
static int set_rlimit(struct vz_ctx *ctx, const struct vz_ubc_param *p, pid_t pid, struct rlimit rl,
		      const struct rlimit *cur)
{
	__rlimit_resource_t res = (__rlimit_resource_t)p->rlimit;
	bool unlimited = rl.rlim_max == hard_max(p->rlimit);

	if (prlimit(pid, res, &rl, NULL) == 0)
		return 0;
	if (errno != EPERM || rl.rlim_max <= cur->rlim_max)
		return -errno;
	rl.rlim_max = cur->rlim_max;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (prlimit(pid, res, &rl, NULL) < 0)
		return -errno;
	if (!unlimited && ctx)
		vz_warn(ctx, "%s: hard limit kept at %llu: raising it needs CAP_SYS_RESOURCE",
			p->name, (unsigned long long)rl.rlim_max);
	return 0;
}

/*
 * Set the rlimits of the beancounters that map to one (numfile,
 * lockedpages, numsiginfo) on pid (0: the caller, whose children inherit
 * them); only_set skips the keys cfg leaves unset.
 */
static int res_rlimits(struct vz_ctx *ctx, const struct vz_config *cfg, pid_t pid, bool only_set,
		       vz_error_t *err)
{
	for (const struct vz_ubc_param *p = vz_ubc_params(); p->name; p++) {
		struct rlimit cur;
		int r;

		if (p->rlimit < 0 || (only_set && !vz_config_get(cfg, p->key)))
			continue;
		r = prlimit(pid, (__rlimit_resource_t)p->rlimit, NULL, &cur) < 0 ? -errno : 0;
		if (r == 0)
			r = set_rlimit(ctx, p, pid, ubc_rlimit(p, cfg, &cur), &cur);
		/* A process that exited meanwhile is no error. */
		if (r < 0 && r != -ESRCH)
			return vz_error_make(err, VZ_E_RESOURCE, -r, "%s: set the rlimit of pid %d",
					     p->key, (int)pid);
	}
	return 0;
}

void ct_res_copy_rlimits(pid_t from)
{
	for (const struct vz_ubc_param *p = vz_ubc_params(); p->name; p++) {
		__rlimit_resource_t res = (__rlimit_resource_t)p->rlimit;
		struct rlimit rl;

		/* Raising needs CAP_SYS_RESOURCE; without it the lower of the two stays. */
		if (p->rlimit >= 0 && prlimit(from, res, NULL, &rl) == 0)
			(void)setrlimit(res, &rl);
	}
}

/* A running CT: every process gets the rlimits (new ones inherit them). */
static int rlimits_live(struct vz_ctx *ctx, struct vz_cgroup *cg, const struct vz_config *cfg,
			vz_error_t *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	int n = vz_cgroup_pids(cg, &pids, err);

	for (int i = 0; i < n; i++)
		if (res_rlimits(i == 0 ? ctx : NULL, cfg, pids[i], false, err) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

static bool changes_rlimits(const char *key)
{
	const struct vz_ubc_param *p = vz_ubc_param_by_key(key);

	return p && p->rlimit >= 0;
}

void ct_res_warn(struct vz_ctx *ctx, const struct vz_ct_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct vz_ubc_param *p = vz_ubc_param_by_key(c[i].key);

		if (p && !p->cg_res && p->rlimit < 0 && !p->devpts && c[i].value)
			vz_warn(ctx, "%s: accepted, but not enforced on this kernel: %s", p->name,
				p->note);
	}
}

/* devpts refuses a max= above NR_UNIX98_PTY_MAX: above it is no cap of ours. */
#define DEVPTS_MAX (1 << 20)

int ct_res_pty_max(const struct vz_config *cfg)
{
	struct vz_ubc_value v = vz_ubc_get(cfg, vz_ubc_param_by_key("NUMPTY"));

	return v.limit > DEVPTS_MAX ? -1 : (int)v.limit;
}

uint64_t ct_res_shm_size(const struct vz_config *cfg)
{
	const struct vz_ubc_param *p = vz_ubc_param_by_key("PHYSPAGES");

	return vz_tmpfs_size(vz_ubc_limit_bytes(p, vz_ubc_get(cfg, p)));
}

/* After the RAM limit: /dev/shm follows it (remounted in the CT's namespace). */
static int shm_live(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	_cleanup_close_ int ns = vz_ct_open_ns(ct, CLONE_NEWNS, err);
	uint64_t size = ct_res_shm_size(cfg);

	if (ns < 0)
		return -1;
	if (vz_tmpfs_set_size(ns, size, err) < 0) {
		/* tmpfs refuses a size below what it holds with EINVAL. */
		if (err && *err && vz_error_errno(*err) == EINVAL) {
			vz_error_release(err);
			vz_error_make(
				err, VZ_E_RESOURCE, 0,
				"PHYSPAGES: the CT's /dev/shm holds more than %llu bytes, half "
				"the new RAM limit",
				(unsigned long long)size);
		}
		return -1;
	}
	return 0;
}

static int pty_live(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	_cleanup_close_ int ns = -EBADF;
	uint32_t base, size;

	if (ct_uid_range(ct, &base, &size, err) < 0)
		return -1;
	ns = vz_ct_open_ns(ct, CLONE_NEWNS, err);
	if (ns < 0)
		return -1;
	return vz_devpts_set_max(ns, base, ct_res_pty_max(cfg), err);
}

/*
 * The state records the value of each resource key among c as the CT now
 * has it, enforced or not (the ubc report says which), so that vzctl ubc
 * shows it and a failed live set can go back to it.
 */
static int record(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		  size_t n, vz_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (vz_res_is_key(c[i].key) &&
		    vz_state_set(&ct->state, c[i].key, vz_config_get(cfg, c[i].key), err) < 0)
			return -1;
	return 0;
}

struct key_list {
	struct vz_ct_change *v;
	size_t n;
};

static int add_res_key(const char *key, const char *value, void *data)
{
	struct key_list *l = data;

	if (!vz_res_is_key(key))
		return 0;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct vz_ct_change){key, value};
	return 0;
}

int ct_devices(const struct vz_config *cfg, struct vz_ct_devices *ret, vz_error_t *err)
{
	return vz_ct_devices_resolve(vz_config_get(cfg, "DEVNODES"), vz_config_get(cfg, "DEVICES"),
				     "/dev", ret, err);
}

/*
 * d's allow-list as the CT's. A host with no way to enforce one
 * (no devices controller, no cgroup2) is warned about: device access then
 * rests on the user namespace, which lets no CT make a node.
 */
static int devices_apply(struct vz_ct *ct, struct vz_cgroup *cg, const struct vz_ct_devices *d,
			 vz_error_t *err)
{
	_cleanup_error_ vz_error_t e = NULL;

	if (vz_cgroup_set_devices(cg, d->rules, d->n_rules, &e) == 0)
		return 0;
	if (vz_error_errno(e) == EOPNOTSUPP) {
		vz_warn(ct->ctx, "DEVICES: not enforced on this host: %s", e->msg);
		return 0;
	}
	return vz_error_move(err, &e);
}

int ct_res_start(struct vz_ct *ct, struct vz_cgroup *cg, const struct vz_ct_devices *devs,
		 vz_error_t *err)
{
	struct key_list l = {0};
	int r;

	if (devices_apply(ct, cg, devs, err) < 0 ||
	    res_apply(ct, cg, ct->cfg, vz_res_bits_of_config(ct->cfg), err) < 0 ||
	    res_rlimits(ct->ctx, ct->cfg, 0, true, err) < 0)
		return -1;
	(void)vz_config_foreach(ct->cfg, add_res_key, &l);
	r = record(ct, ct->cfg, l.v, l.n, err);
	free(l.v);
	return r;
}

/*
 * DEVNODES or DEVICES changed on a running CT: the new nodes are made, the
 * allow-list becomes the new one, and nodes the CT had (its state says
 * which) but no longer gets are removed.
 */
static int devices_live(struct vz_ct *ct, struct vz_cgroup *cg, const struct vz_config *cfg,
			vz_error_t *err)
{
	struct vz_ct_devices now = {0}, had = {0};
	_cleanup_close_ int ns = -EBADF;
	uint32_t base, size;
	int r = -1;

	if (ct_uid_range(ct, &base, &size, err) < 0 || ct_devices(cfg, &now, err) < 0)
		return -1;
	/* What the CT had resolves as it did unless the host's node went away meanwhile. */
	(void)vz_ct_devices_resolve(vz_state_get(&ct->state, "DEVNODES"), NULL, "/dev", &had, NULL);
	ns = vz_ct_open_ns(ct, CLONE_NEWNS, err);
	/* Nodes first made, then allowed; disallowed, then removed (a child each, when any). */
	if (ns >= 0 &&
	    (!now.n_nodes ||
	     vz_dev_nodes_sync(ns, base, NULL, 0, now.nodes, now.n_nodes, err) == 0) &&
	    devices_apply(ct, cg, &now, err) == 0 &&
	    (!had.n_nodes ||
	     vz_dev_nodes_sync(ns, base, had.nodes, had.n_nodes, now.nodes, now.n_nodes, err) == 0))
		r = 0;
	vz_ct_devices_free(&now);
	vz_ct_devices_free(&had);
	return r;
}

static int set_live(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		    size_t n, vz_error_t *err)
{
	struct vz_cgroup *cg;
	unsigned mask = 0;
	bool rl = false, pty = false, ram = false, dev = false;

	for (size_t i = 0; i < n; i++) {
		dev |= vz_devices_is_key(c[i].key);
		mask |= vz_res_bits_of_key(c[i].key);
		rl |= changes_rlimits(c[i].key);
		pty |= streq(c[i].key, "NUMPTY");
		ram |= streq(c[i].key, "PHYSPAGES");
	}
	if (pty && pty_live(ct, cfg, err) < 0)
		return -1;
	if (!mask && !rl && !dev)
		return 0;
	cg = vz_ct_cgroup(ct, err);
	if (!cg)
		return -1;
	if (dev && devices_live(ct, cg, cfg, err) < 0)
		return -1;
	if (mask && res_apply(ct, cg, cfg, mask, err) < 0)
		return -1;
	if (ram && shm_live(ct, cfg, err) < 0)
		return -1;
	if (mask & VZ_CG_CPU_WEIGHT)
		ct_res_sync_weight(ct, cg);
	return rl ? rlimits_live(ct->ctx, cg, cfg, err) : 0;
}

int ct_res_set_live(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		    size_t n, vz_error_t *err)
{
	if (set_live(ct, cfg, c, n, err) < 0)
		return -1;
	return record(ct, cfg, c, n, err);
}

struct vz_config *ct_res_snapshot(const struct vz_ct *ct, const struct vz_ct_change *c, size_t n)
{
	struct vz_config *before = vz_config_new();

	for (size_t i = 0; i < n; i++)
		if (vz_res_is_key(c[i].key))
			(void)vz_config_set(before, c[i].key, vz_state_get(&ct->state, c[i].key),
					    NULL);
	return before;
}

void ct_res_undo_live(struct vz_ct *ct, const struct vz_config *before,
		      const struct vz_ct_change *c, size_t n)
{
	/* Best effort: the write that failed may fail again; the state says what was asked. */
	(void)ct_res_set_live(ct, before, c, n, NULL);
}

int vz_ct_ubc(struct vz_ct *ct, struct vz_ubc_row *rows, struct vz_cgroup_stats *ret_st,
	      vz_error_t *err)
{
	if (!ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id);
	if (!vz_ct_cgroup(ct, err) || vz_cgroup_stats(ct->cg, ret_st, err) < 0)
		return -1;
	/* The limits shown are those the CT has now, live changes included. */
	vz_ubc_rows(ct->state.kv, ret_st, rows);
	return 0;
}
