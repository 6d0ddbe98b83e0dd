/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v2 backend: one hierarchy, the CT in "<root>/<prefix>/<ctid>".
 *
 * The kernel's "no internal processes" rule shapes it: controllers are
 * enabled in the subtree_control of the root and of every prefix level, so
 * those levels must never hold processes; only the CT's leaf group does.
 * We add the controllers the CT needs where the parent offers them and never
 * remove one, since the root's and the prefix's settings are shared.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *const wanted[] = {"cpu", "io", "memory", "pids", "cpuset"};

/*
 * Enable in parent's subtree_control the wanted controllers that its
 * cgroup.controllers offers and that are not on yet. One write does it
 * normally; the kernel rejects the whole line if one controller fails (a
 * realtime task blocks "cpu", say), so then each goes alone and those the
 * parent cannot delegate stay off: the CT runs without them and ubc reports
 * what it cannot enforce.
 */
static int enable_controllers(int parent)
{
	_cleanup_free_ char *avail = NULL, *on = NULL;
	char line[64] = "";
	size_t len = 0;
	int r;

	r = cg_read_knob(parent, "cgroup.controllers", &avail);
	if (r == -ENOENT)
		return 0; /* fake trees make levels without knobs */
	if (r < 0)
		return r;
	r = cg_read_knob(parent, "cgroup.subtree_control", &on);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		if (!cg_has_word(avail, wanted[i]) || cg_has_word(on, wanted[i]))
			continue;
		len += snprintf(line + len, sizeof(line) - len, "%s+%s", len ? " " : "", wanted[i]);
	}
	if (len == 0 || write_string_at(parent, "cgroup.subtree_control", line) == 0)
		return 0;
	for (char *save = NULL, *tok = strtok_r(line, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		(void)write_string_at(parent, "cgroup.subtree_control", tok);
	return 0;
}

static int v2_level(VZ_UNUSED struct cg_hier *h, int parent_fd, VZ_UNUSED int fd)
{
	/* Each level gets its controllers from its parent: root, then the prefix levels. */
	return enable_controllers(parent_fd);
}

static struct cg_hier *hier(struct vz_cgroup *cg)
{
	return &cg->hiers[0];
}

static int v2_create(struct vz_cgroup *cg, vz_error_t *err)
{
	struct cg_hier *h = hier(cg);
	int r;

	r = cg_make(cg, h, v2_level);
	if (r < 0)
		return vz_error_make(err, VZ_E_RESOURCE, -r, "cgroup '%s': create '%s'", cg->path,
				     h->name);
	return 0;
}

static int v2_attach(struct vz_cgroup *cg, pid_t pid, vz_error_t *err)
{
	struct cg_hier *h = hier(cg);
	int fd, r;

	fd = cg_group_fd(cg, h);
	r = fd < 0 ? fd : cg_write_pid(fd, pid);
	if (r < 0)
		return vz_error_make(err, VZ_E_RESOURCE, -r, "cgroup '%s': attach pid %d to '%s'",
				     cg->path, (int)pid, h->name);
	return 0;
}

static int v2_open_procs(struct vz_cgroup *cg, int *fds, int max, vz_error_t *err)
{
	struct cg_hier *h = hier(cg);
	int fd, r;

	if (max < 1)
		return vz_error_make(err, VZ_E_SYSTEM, ENOBUFS, "cgroup '%s': open procs",
				     cg->path);
	fd = cg_group_fd(cg, h);
	r = fd < 0 ? fd : cg_open_procs(fd);
	if (r < 0)
		return vz_error_make(err, VZ_E_RESOURCE, -r, "cgroup '%s': open procs of '%s'",
				     cg->path, h->name);
	fds[0] = r;
	return 1;
}

/* Opened O_RDONLY|O_DIRECTORY: what clone3(CLONE_INTO_CGROUP) accepts on every kernel. */
static int v2_dirfd(struct vz_cgroup *cg)
{
	int fd = cg_group_fd(cg, hier(cg));

	return fd < 0 ? -1 : fd;
}

static int v2_count(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg_count_in(cg, hier(cg), err);
}

/* cgroup.freeze (5.2+), for kernels that have no cgroup.kill (< 5.14). */
static int v2_freeze(int fd, bool on)
{
	return cg_freeze_knob(fd, "cgroup.freeze", on ? "1" : "0", "cgroup.events",
			      on ? "frozen 1" : NULL);
}

/*
 * cgroup.kill kills the whole subtree atomically, forks in flight included
 * (5.14+); we then wait until the tasks have left. Older kernels get the
 * freeze-and-kill loop.
 */
static int v2_kill(struct vz_cgroup *cg, vz_error_t *err)
{
	uint64_t deadline = cg_now_us() + CG_KILL_TIMEOUT_US;
	struct cg_hier *h = hier(cg);
	int fd, r;

	fd = cg_group_fd(cg, h);
	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : cg_v2_kill(fd);
	if (r == 0)
		r = cg_wait_empty(fd, deadline);
	else if (r == -ENOENT)
		r = cg_kill_loop(fd, v2_freeze, deadline);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': kill processes in '%s'",
				     cg->path, h->name);
	return 0;
}

static int v2_destroy(struct vz_cgroup *cg, vz_error_t *err)
{
	struct cg_hier *h = hier(cg);
	int r;

	r = cg_remove(cg, h, cg_now_us() + CG_DESTROY_TIMEOUT_US);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': destroy '%s'", cg->path,
				     h->name);
	return 0;
}

int cg_v2_discover(struct vz_cgroup *cg, int root_fd, vz_error_t *err)
{
	int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);

	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s': open '%s'", cg->path,
				     cg->root);
	cg_hier_add(cg, "cgroup2", CG_V2, fd);
	return 0;
}

static int v2_freeze_ct(struct vz_cgroup *cg, bool on, vz_error_t *err)
{
	return cg_freeze_op(cg, hier(cg), v2_freeze, on, err);
}

static int v2_frozen(struct vz_cgroup *cg)
{
	return cg_frozen_knob(cg, hier(cg), "cgroup.events", "frozen 1");
}

/* ---- limits and counters ---- */

static struct cg_hier *hier_of(struct vz_cgroup *cg, VZ_UNUSED unsigned flag)
{
	return hier(cg);
}

static int v2_set_mem(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
		      vz_error_t *err)
{
	return cg_set_u64(cg, fd, "memory.max", lim->mem_max, "max", err);
}

/* Unlike v1's memsw, memory.swap.max caps swap alone: no order to keep. */
static int v2_set_swap(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
		       vz_error_t *err)
{
	return cg_set_u64(cg, fd, "memory.swap.max", lim->swap_max, "max", err);
}

static int v2_set_pids(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
		       vz_error_t *err)
{
	return cg_set_u64(cg, fd, "pids.max", lim->pids_max, "max", err);
}

/* units / 10: 1000 units are the kernel's default weight 100. */
static int v2_set_weight(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	return cg_set_u64(cg, fd, "cpu.weight", cg_clamp(lim->cpu_units / 10, 1, 10000), NULL, err);
}

static int v2_set_quota(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			vz_error_t *err)
{
	uint64_t pct = cg_clamp(lim->cpu_quota_pct, 0, INT64_MAX / 1000);
	char line[64];

	if (pct == 0)
		return cg_set_knob(cg, fd, "cpu.max", "max 100000", err);
	(void)snprintf(line, sizeof(line), "%" PRIu64 " 100000", pct * 1000);
	return cg_set_knob(cg, fd, "cpu.max", line, err);
}

/* An empty cpuset.cpus means the parent's CPUs on v2. */
static int v2_set_cpuset(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	return cg_set_knob(cg, fd, "cpuset.cpus", lim->cpuset ? lim->cpuset : "", err);
}

/*
 * io.weight (iocost) and io.bfq.weight (BFQ) serve different devices: set
 * each that exists, so the weight holds whichever the CT's disk uses.
 */
static int v2_set_io_weight(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			    vz_error_t *err)
{
	static const struct {
		const char *knob;
		uint64_t max;
	} knobs[] = {{"io.weight", 10000}, {"io.bfq.weight", 1000}};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		char line[32];

		if (!path_exists_at(fd, knobs[i].knob))
			continue;
		(void)snprintf(line, sizeof(line), "default %" PRIu64,
			       cg_io_weight(lim->io_prio, 1, knobs[i].max));
		if (cg_set_knob(cg, fd, knobs[i].knob, line, err) < 0)
			return -1;
	}
	return 0;
}

static void fmt_rate(char *buf, size_t size, uint64_t v)
{
	if (v == 0)
		(void)snprintf(buf, size, "max");
	else
		(void)snprintf(buf, size, "%" PRIu64, v);
}

/* One line for the device; "max" lifts a bound. */
static int v2_set_io_max(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	char bps[32], iops[32], line[160];

	fmt_rate(bps, sizeof(bps), lim->io_bps);
	fmt_rate(iops, sizeof(iops), lim->io_iops);
	(void)snprintf(line, sizeof(line), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s",
		       major(lim->io_dev), minor(lim->io_dev), bps, bps, iops, iops);
	return cg_set_knob(cg, fd, "io.max", line, err);
}

/*
 * Without a group, the root's controllers tell. io.weight and io.bfq.weight
 * exist only below the root: io.cost.qos there shows iocost is built in.
 */
static const struct cg_res_knobs v2_rows[] = {
	{VZ_CG_MEM, 0, "memory", {"memory.max"}, {NULL}},
	{VZ_CG_SWAP, 0, "memory", {"memory.swap.max"}, {NULL}},
	{VZ_CG_PIDS, 0, "pids", {"pids.max"}, {NULL}},
	{VZ_CG_CPU_WEIGHT, 0, "cpu", {"cpu.weight"}, {NULL}},
	{VZ_CG_CPU_QUOTA, 0, "cpu", {"cpu.max"}, {NULL}},
	{VZ_CG_CPUSET, 0, "cpuset", {"cpuset.cpus"}, {NULL}},
	{VZ_CG_IO_WEIGHT, 0, "io", {"io.weight", "io.bfq.weight"}, {"io.cost.qos"}},
	{VZ_CG_IO_MAX, 0, "io", {"io.max"}, {NULL}},
};

static const struct cg_setter v2_setters[] = {
	{VZ_CG_MEM, 0, v2_set_mem},
	{VZ_CG_SWAP, 0, v2_set_swap},
	{VZ_CG_PIDS, 0, v2_set_pids},
	{VZ_CG_CPU_WEIGHT, 0, v2_set_weight},
	{VZ_CG_CPU_QUOTA, 0, v2_set_quota},
	{VZ_CG_CPUSET, 0, v2_set_cpuset},
	{VZ_CG_IO_WEIGHT, 0, v2_set_io_weight},
	{VZ_CG_IO_MAX, 0, v2_set_io_max},
};

static const struct cg_limits_ops v2_limits = {
	.name = "cgroup v2",
	.rows = v2_rows,
	.n_rows = ARRAY_SIZE(v2_rows),
	.setters = v2_setters,
	.n_setters = ARRAY_SIZE(v2_setters),
	.hier_of = hier_of,
};

static int v2_set_limits(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, vz_error_t *err)
{
	return cg_set_limits(cg, &v2_limits, lim, err);
}

/* No controller to enable: a BPF device program works in every cgroup2 group. */
static int v2_set_devices(struct vz_cgroup *cg, const struct vz_cg_dev *rules, size_t n,
			  vz_error_t *err)
{
	return cg_dev_set(cg, hier(cg), rules, n, err);
}

/* The CT's group has the knobs of the controllers its parent hands down, and only those. */
static unsigned v2_supported(struct vz_cgroup *cg)
{
	_cleanup_free_ char *avail = NULL;
	struct cg_hier *h = hier(cg);
	int fd = cg_group_fd(cg, h);
	unsigned bits = 0;

	if (fd < 0 && (fd != -ENOENT || cg_read_knob(h->root_fd, "cgroup.controllers", &avail) < 0))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(v2_rows); i++) {
		const struct cg_res_knobs *row = &v2_rows[i];
		bool ok;

		if (fd >= 0)
			ok = cg_any_knob(fd, row->knobs);
		else
			ok = cg_has_word(avail, row->controller) &&
			     (!row->root_knobs[0] || cg_any_knob(h->root_fd, row->root_knobs));
		if (ok)
			bits |= row->bit;
	}
	return bits;
}

static const struct cg_counter_src v2_mem = {
	.held = {"memory.current", NULL},
	.maxheld = {"memory.peak", NULL},
	.limit = {"memory.max", NULL},
	.failcnt = {"memory.events", "max"},
};

static const struct cg_counter_src v2_swap = {
	.held = {"memory.swap.current", NULL},
	.maxheld = {"memory.swap.peak", NULL},
	.limit = {"memory.swap.max", NULL},
	.failcnt = {"memory.swap.events", "max"},
};

/* Kernel memory and socket buffers are charged to memory.max: no limit of their own. */
static const struct cg_counter_src v2_kmem = {.held = {"memory.stat", "kernel"}};
static const struct cg_counter_src v2_sock = {.held = {"memory.stat", "sock"}};

/* "fail" counts swap-outs that found no swap left: a limit hit too, and the bigger number. */
static int v2_swap_fail(int fd, struct vz_cg_counter *swap, const char **knob)
{
	const struct cg_knob k = {"memory.swap.events", "fail"};
	uint64_t fail = 0;
	bool have;
	int r;

	*knob = k.file;
	r = cg_read_opt(fd, &k, &fail, &have);
	if (r == 0 && swap->have && fail > swap->failcnt)
		swap->failcnt = fail;
	return r;
}

static int v2_cpu_stats(int fd, struct vz_cgroup_stats *st, const char **knob)
{
	const struct cg_knob usage = {"cpu.stat", "usage_usec"};
	uint64_t us = 0;
	int r;

	*knob = usage.file;
	r = cg_read_opt(fd, &usage, &us, &st->have_cpu);
	st->cpu_usage_ns = us > UINT64_MAX / 1000 ? UINT64_MAX : us * 1000;
	return r;
}

static int v2_read_stats(int fd, struct vz_cgroup_stats *st, const char **knob)
{
	const struct cg_knob oom = {"memory.events", "oom_kill"};
	int r;

	r = cg_read_counter(fd, &v2_mem, &st->mem, knob);
	if (r == 0)
		r = cg_read_counter(fd, &v2_swap, &st->swap, knob);
	if (r == 0)
		r = v2_swap_fail(fd, &st->swap, knob);
	if (r == 0)
		r = cg_read_counter(fd, &cg_pids_src, &st->pids, knob);
	if (r == 0)
		r = cg_read_counter(fd, &v2_kmem, &st->kmem, knob);
	if (r == 0)
		r = cg_read_counter(fd, &v2_sock, &st->sock, knob);
	if (r < 0)
		return r;
	*knob = oom.file;
	r = cg_read_opt(fd, &oom, &st->oom_kills, &st->have_oom_kills);
	return r < 0 ? r : v2_cpu_stats(fd, st, knob);
}

static int v2_mem_detail(int fd, struct vz_cgroup_detail *d)
{
	static const char *const keys[] = {"file", "anon", "shmem"};
	uint64_t *const v[] = {&d->mem_file, &d->mem_anon, &d->mem_shmem};
	const char *knob;
	int r;

	r = cg_read_counter(fd, &v2_mem, &d->mem, &knob);
	if (r == 0)
		r = cg_read_counter(fd, &v2_swap, &d->swap, &knob);
	if (r < 0)
		return r;
	return cg_read_keys(fd, "memory.stat", keys, v, ARRAY_SIZE(keys), &d->have_mem);
}

static int v2_read_detail(int fd, unsigned want, struct vz_cgroup_detail *d)
{
	static const char *const keys[] = {"user_usec", "system_usec"};
	uint64_t *const v[] = {&d->cpu_user_ns, &d->cpu_system_ns};
	_cleanup_free_ char *io = NULL;
	int r = 0;

	if (want & VZ_CG_DETAIL_MEM)
		r = v2_mem_detail(fd, d);
	if (r == 0 && (want & VZ_CG_DETAIL_CPU)) {
		r = cg_read_keys(fd, "cpu.stat", keys, v, ARRAY_SIZE(keys), &d->have_cpu);
		d->cpu_user_ns *= 1000;
		d->cpu_system_ns *= 1000;
	}
	if (r == 0 && (want & VZ_CG_DETAIL_IO) && cg_read_knob(fd, "io.stat", &io) == 0)
		cg_parse_io_v2(io, d);
	return r;
}

static int v2_detail(struct vz_cgroup *cg, unsigned want, struct vz_cgroup_detail *d,
		     vz_error_t *err)
{
	struct cg_hier *h = hier(cg);
	int fd, r;

	*d = (struct vz_cgroup_detail){0};
	fd = cg_group_fd(cg, h);
	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : v2_read_detail(fd, want, d);
	if (r < 0)
		return cg_read_error(cg, "memory.stat", r, err);
	return 0;
}

static int v2_stats(struct vz_cgroup *cg, struct vz_cgroup_stats *st, vz_error_t *err)
{
	struct cg_hier *h = hier(cg);
	const char *knob = h->name;
	int fd, r;

	*st = (struct vz_cgroup_stats){.supported = v2_supported(cg)};
	fd = cg_group_fd(cg, h);
	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : v2_read_stats(fd, st, &knob);
	if (r < 0)
		return cg_read_error(cg, knob, r, err);
	return 0;
}

static int v2_sync_weight(struct vz_cgroup *cg, vz_error_t *err)
{
	int r = cg_sync_prefix_weight(cg, hier(cg), "cpu.weight", 1, 10000, 100);

	if (r < 0)
		return vz_error_make(err, VZ_E_FAIRSCHED, -r, "cgroup '%s': set cpu.weight of '%s'",
				     cg->path, cg->prefix);
	return 0;
}

const struct vz_cgroup_ops cg_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.attach = v2_attach,
	.open_procs = v2_open_procs,
	.dirfd_v2 = v2_dirfd,
	.count_procs = v2_count,
	.kill_all = v2_kill,
	.freeze = v2_freeze_ct,
	.frozen = v2_frozen,
	.sync_weight = v2_sync_weight,
	.destroy = v2_destroy,
	.set_limits = v2_set_limits,
	.set_devices = v2_set_devices,
	.stats = v2_stats,
	.detail = v2_detail,
	.supported = v2_supported,
};
