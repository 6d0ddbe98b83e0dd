/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v1 backend, for legacy and hybrid hosts. The CT gets
 * "<prefix>/<ctid>" in every hierarchy mounted under the root: each
 * controller hierarchy (separate or co-mounted as "cpu,cpuacct"), and
 * name=systemd, which a systemd inside the CT needs to track its units.
 *
 * Hybrid hosts: the CT also gets a group in the cgroup2 beside the v1
 * hierarchies, although no controller of ours lives there. Without it the
 * CT's processes stay in vzd's cgroup2 group, so a cgroup namespace made at
 * clone time is rooted there and the CT sees (and, if privileged, may write)
 * the groups of vzd and of every other CT. With it, systemd in the CT finds
 * its own cgroup2 subtree, and kill_all gets cgroup.kill, which kills the
 * whole subtree in one step. It costs a mkdir and an rmdir per start. That
 * cgroup2 may be read-only to us (nested hosts): then we go without it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

/*
 * A new cpuset group starts with empty cpuset.cpus and cpuset.mems, and no
 * task can join it until both are set: copy the parent's values down, but
 * only into a level that has none (an admin may have set the prefix's).
 */
static int copy_if_empty(int parent, int fd, const char *knob)
{
	_cleanup_free_ char *own = NULL, *up = NULL;
	int r;

	r = cg_read_knob(fd, knob, &own);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || *own)
		return r;
	r = cg_read_knob(parent, knob, &up);
	if (r == -ENOENT || (r == 0 && !*up))
		return 0;
	if (r < 0)
		return r;
	return write_string_at(fd, knob, up);
}

/*
 * Old kernels default memory.use_hierarchy to 0, which makes a CT's nested
 * groups escape its limit. Kernels since 6.x pin it to 1. EBUSY: a prefix
 * that already has children keeps its setting; the CT's own limit still holds.
 */
static int use_hierarchy(int fd)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = cg_read_knob(fd, "memory.use_hierarchy", &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || !streq(v, "0"))
		return r;
	r = write_string_at(fd, "memory.use_hierarchy", "1");
	return r == -EBUSY ? 0 : r;
}

static int v1_level(struct cg_hier *h, int parent_fd, int fd)
{
	int r = 0;

	if (h->flags & CG_CPUSET) {
		r = copy_if_empty(parent_fd, fd, "cpuset.cpus");
		if (r == 0)
			r = copy_if_empty(parent_fd, fd, "cpuset.mems");
	}
	if (r == 0 && (h->flags & CG_MEMORY))
		r = use_hierarchy(fd);
	return r;
}

static bool optional_skip(const struct cg_hier *h, int r)
{
	return (h->flags & CG_OPTIONAL) && (r == -EACCES || r == -EPERM || r == -EROFS);
}

static int v1_create(struct vz_cgroup *cg, vz_error_t *err)
{
	size_t i;
	int r;

	for (i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];

		r = cg_make(cg, h, (h->flags & CG_V2) ? NULL : v1_level);
		if (r < 0 && !optional_skip(h, r))
			goto err_unmake;
	}
	return 0;

err_unmake:
	vz_error_make(err, VZ_E_RESOURCE, -r, "cgroup '%s': create '%s'", cg->path,
		      cg->hiers[i].name);
	while (i-- > 0)
		cg_unmake(cg, &cg->hiers[i]);
	return r;
}

/* The group in h, or -ENOENT for hybrid's cgroup2 when we could not make it there. */
static int group_fd(struct vz_cgroup *cg, struct cg_hier *h, bool *skip)
{
	int fd = cg_group_fd(cg, h);

	*skip = fd == -ENOENT && (h->flags & CG_OPTIONAL);
	return fd;
}

static int v1_attach(struct vz_cgroup *cg, pid_t pid, vz_error_t *err)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		bool skip;
		int fd, r;

		fd = group_fd(cg, h, &skip);
		if (skip)
			continue;
		r = fd < 0 ? fd : cg_write_pid(fd, pid);
		if (r < 0)
			return vz_error_make(err, VZ_E_RESOURCE, -r,
					     "cgroup '%s': attach pid %d to '%s'", cg->path,
					     (int)pid, h->name);
	}
	return 0;
}

static int v1_open_procs(struct vz_cgroup *cg, int *fds, int max, vz_error_t *err)
{
	int n = 0;

	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		bool skip;
		int fd, r;

		fd = group_fd(cg, h, &skip);
		if (skip)
			continue;
		r = fd < 0 ? fd : n >= max ? -ENOBUFS : cg_open_procs(fd);
		if (r < 0) {
			while (n > 0)
				closep(&fds[--n]);
			return vz_error_make(err, VZ_E_RESOURCE, -r,
					     "cgroup '%s': open procs of '%s'", cg->path, h->name);
		}
		fds[n++] = r;
	}
	return n;
}

/* CLONE_INTO_CGROUP would only place the task in hybrid's cgroup2: attach does it all. */
static int v1_dirfd(VZ_UNUSED struct vz_cgroup *cg)
{
	return -1;
}

/* Where we list the CT's tasks: the pids hierarchy, else the first v1 one. */
static struct cg_hier *task_hier(struct vz_cgroup *cg, unsigned want)
{
	struct cg_hier *first = NULL;

	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];

		if (h->flags & CG_V2)
			continue;
		if (h->flags & want)
			return h;
		if (!first)
			first = h;
	}
	return first;
}

static int v1_count(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg_count_in(cg, task_hier(cg, CG_PIDS), err);
}

/* The v1 freezer is hierarchical: freezing the CT's group freezes its nested groups. */
static int v1_freeze(int fd, bool on)
{
	return cg_freeze_knob(fd, "freezer.state", on ? "FROZEN" : "THAWED", "freezer.state",
			      on ? "FROZEN" : NULL);
}

/*
 * Hybrid: cgroup.kill on the CT's cgroup2 group takes every task at once
 * (all CT tasks are there, since attach and open_procs cover it), and we wait
 * for the v1 groups to empty. Otherwise, or if some task was missed, freeze
 * the CT via the freezer hierarchy, kill what its groups list, thaw, repeat.
 */
static int v1_kill(struct vz_cgroup *cg, vz_error_t *err)
{
	uint64_t now = cg_now_us(), deadline = now + CG_KILL_TIMEOUT_US;
	struct cg_hier *h = task_hier(cg, CG_FREEZER);
	bool killed = false;
	int fd, r;

	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *v2 = &cg->hiers[i];
		int v2fd = (v2->flags & CG_V2) ? cg_group_fd(cg, v2) : -1;

		killed |= v2fd >= 0 && cg_v2_kill(v2fd) == 0;
	}
	fd = cg_group_fd(cg, h);
	if (fd == -ENOENT)
		return 0;
	r = fd;
	if (fd >= 0 && killed)
		r = cg_wait_empty(fd, now + CG_KILL_TIMEOUT_US / 5);
	if (fd >= 0 && (!killed || r == -ETIMEDOUT))
		r = cg_kill_loop(fd, (h->flags & CG_FREEZER) ? v1_freeze : NULL, deadline);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': kill processes in '%s'",
				     cg->path, h->name);
	return 0;
}

static int v1_destroy(struct vz_cgroup *cg, vz_error_t *err)
{
	uint64_t deadline = cg_now_us() + CG_DESTROY_TIMEOUT_US;
	int ret = 0;

	/* Go on after a failure: leave as little behind as we can. */
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		int r = cg_remove(cg, h, deadline);

		if (r < 0 && !optional_skip(h, r) && ret == 0)
			ret = vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': destroy '%s'",
					    cg->path, h->name);
	}
	return ret;
}

static unsigned controller_flags(const char *name)
{
	static const struct {
		const char *name;
		unsigned flag;
	} map[] = {
		{"cpuset", CG_CPUSET},	 {"memory", CG_MEMORY},	  {"pids", CG_PIDS},
		{"freezer", CG_FREEZER}, {"cpu", CG_CPU},	  {"cpuacct", CG_CPUACCT},
		{"blkio", CG_BLKIO},	 {"devices", CG_DEVICES},
	};
	_cleanup_free_ char *copy = xstrdup(name);
	unsigned flags = 0;
	char *save = NULL;

	/* Co-mounted controllers share a directory named "cpu,cpuacct". */
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (streq(tok, map[i].name))
				flags |= map[i].flag;
	return flags;
}

/*
 * A directory under root is a hierarchy if it holds cgroup.procs; symlinks
 * ("cpu" -> "cpu,cpuacct") are skipped so that no hierarchy counts twice.
 * Returns 1 and the hierarchy's fd, 0 to skip, or -errno.
 */
static int probe_hier(int root_fd, const char *name, bool hybrid, unsigned *flags, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct statfs fs;
	struct stat st;
	bool v2;

	if (fstatat(root_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!path_exists_at(fd, "cgroup.procs"))
		return 0;
	if (fstatfs(fd, &fs) < 0)
		return -errno;
	v2 = fs.f_type == CGROUP2_SUPER_MAGIC || streq(name, "unified");
	if (v2 && !hybrid)
		return 0;
	*flags = v2 ? CG_V2 | CG_OPTIONAL : controller_flags(name);
	*ret_fd = take_fd(fd);
	return 1;
}

static int add_hierarchies(struct vz_cgroup *cg, int root_fd, struct dirent **list, int n,
			   bool hybrid)
{
	bool have_v2 = false;

	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		unsigned flags = 0;
		int fd = -EBADF, r;

		if (name[0] == '.')
			continue;
		r = probe_hier(root_fd, name, hybrid, &flags, &fd);
		if (r < 0)
			return r;
		if (r == 0 || ((flags & CG_V2) && have_v2)) {
			closep(&fd);
			continue;
		}
		have_v2 |= flags & CG_V2;
		cg_hier_add(cg, name, flags, fd);
	}
	return 0;
}

int cg_v1_discover(struct vz_cgroup *cg, int root_fd, bool hybrid, vz_error_t *err)
{
	struct dirent **list = NULL;
	int n, r;

	n = scandirat(root_fd, ".", &list, NULL, alphasort);
	if (n < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s': list '%s'", cg->path,
				     cg->root);
	r = add_hierarchies(cg, root_fd, list, n, hybrid);
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': probe '%s'", cg->path,
				     cg->root);
	if (!task_hier(cg, 0))
		return vz_error_make(err, VZ_E_SYSTEM, ENOENT,
				     "cgroup '%s': no cgroup v1 hierarchy under '%s'", cg->path,
				     cg->root);
	return 0;
}

static struct cg_hier *freezer_hier(struct vz_cgroup *cg)
{
	struct cg_hier *h = task_hier(cg, CG_FREEZER);

	return h && (h->flags & CG_FREEZER) ? h : NULL;
}

static int v1_freeze_ct(struct vz_cgroup *cg, bool on, vz_error_t *err)
{
	return cg_freeze_op(cg, freezer_hier(cg), v1_freeze, on, err);
}

static int v1_frozen(struct vz_cgroup *cg)
{
	return cg_frozen_knob(cg, freezer_hier(cg), "freezer.state", "FROZEN");
}

/* ---- limits and counters ---- */

/*
 * v1 reads "no limit" back as the largest multiple of the page size below
 * 2^63 (9223372036854771712 with 4 KiB pages): anything from there on,
 * for page sizes up to 64 KiB, is unlimited.
 */
#define V1_UNLIMITED_MIN ((uint64_t)INT64_MAX & ~(uint64_t)0xffff)

#define MEM_LIMIT "memory.limit_in_bytes"
#define MEMSW_LIMIT "memory.memsw.limit_in_bytes"

static uint64_t v1_limit(uint64_t v)
{
	return v >= V1_UNLIMITED_MIN ? VZ_CG_UNLIMITED : v;
}

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static struct cg_hier *find_hier(struct vz_cgroup *cg, unsigned flag)
{
	for (size_t i = 0; i < cg->n_hiers; i++)
		if (!(cg->hiers[i].flags & CG_V2) && (cg->hiers[i].flags & flag))
			return &cg->hiers[i];
	return NULL;
}

static int read_limit(struct vz_cgroup *cg, int fd, const char *knob, uint64_t *ret,
		      vz_error_t *err)
{
	int r = cg_read_value(fd, &(struct cg_knob){knob, NULL}, ret);

	if (r < 0)
		return cg_read_error(cg, knob, r, err);
	*ret = v1_limit(*ret);
	return 0;
}

/*
 * memsw caps RAM + swap, and the kernel refuses any write that would put it
 * below the RAM limit. Raise memsw first when the new RAM limit is above
 * the old memsw, else write RAM first: every step keeps memsw >= mem, and
 * swap is never unlimited in between. Without a new swap_max the CT keeps
 * the swap it had on top of its RAM, and an unchanged memsw is not written.
 */
static int v1_set_memory(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	uint64_t mem, memsw, want_mem, want_memsw;
	bool memsw_first;
	int r;

	if (!path_exists_at(fd, MEMSW_LIMIT)) /* swapaccount off: swap_max was refused */
		return cg_set_u64(cg, fd, MEM_LIMIT, lim->mem_max, "-1", err);
	if (read_limit(cg, fd, MEM_LIMIT, &mem, err) < 0 ||
	    read_limit(cg, fd, MEMSW_LIMIT, &memsw, err) < 0)
		return -1;
	want_mem = (lim->set & VZ_CG_MEM) ? lim->mem_max : mem;
	if (lim->set & VZ_CG_SWAP)
		want_memsw = cg_add_limit(want_mem, lim->swap_max);
	else
		want_memsw = memsw == VZ_CG_UNLIMITED ? memsw
						      : cg_add_limit(want_mem, sat_sub(memsw, mem));
	memsw_first = want_mem > memsw;
	r = memsw_first ? cg_set_u64(cg, fd, MEMSW_LIMIT, want_memsw, "-1", err) : 0;
	if (r == 0 && (lim->set & VZ_CG_MEM))
		r = cg_set_u64(cg, fd, MEM_LIMIT, want_mem, "-1", err);
	if (r == 0 && !memsw_first && want_memsw != memsw)
		r = cg_set_u64(cg, fd, MEMSW_LIMIT, want_memsw, "-1", err);
	return r;
}

static int v1_set_pids(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
		       vz_error_t *err)
{
	return cg_set_u64(cg, fd, "pids.max", lim->pids_max, "max", err);
}

/* units * 1024 / 1000: 1000 units are the kernel's default 1024 shares. */
static int v1_set_shares(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	uint64_t units = cg_clamp(lim->cpu_units, 0, 1000000000);

	return cg_set_u64(cg, fd, "cpu.shares", cg_clamp(units * 1024 / 1000, 2, 262144), NULL,
			  err);
}

static int v1_set_quota(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			vz_error_t *err)
{
	uint64_t pct = lim->cpu_quota_pct;
	uint64_t quota = pct == 0 ? VZ_CG_UNLIMITED : cg_clamp(pct, 0, INT64_MAX / 1000) * 1000;

	if (cg_set_knob(cg, fd, "cpu.cfs_period_us", "100000", err) < 0)
		return -1;
	return cg_set_u64(cg, fd, "cpu.cfs_quota_us", quota, "-1", err);
}

/* v1 knows no "inherit": an empty cpuset.cpus admits no task, so all goes as the parent's list. */
static int v1_set_cpuset(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	_cleanup_close_ int parent = -EBADF;
	_cleanup_free_ char *up = NULL;
	int r;

	if (lim->cpuset && *lim->cpuset)
		return cg_set_knob(cg, fd, "cpuset.cpus", lim->cpuset, err);
	parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = parent < 0 ? -errno : cg_read_knob(parent, "cpuset.cpus", &up);
	if (r < 0)
		return cg_read_error(cg, "../cpuset.cpus", r, err);
	return cg_set_knob(cg, fd, "cpuset.cpus", up, err);
}

/* BFQ's knob, or CFQ's on old kernels: whichever the kernel has takes the weight. */
static const char *const v1_weights[] = {"blkio.bfq.weight", "blkio.weight"};

static int v1_set_io_weight(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			    vz_error_t *err)
{
	uint64_t w = cg_io_weight(lim->io_prio, 10, 1000);

	for (size_t i = 0; i < ARRAY_SIZE(v1_weights); i++)
		if (path_exists_at(fd, v1_weights[i]) &&
		    cg_set_u64(cg, fd, v1_weights[i], w, NULL, err) < 0)
			return -1;
	return 0;
}

/* "MAJ:MIN N" per direction; N = 0 removes the device's rule. */
static int v1_set_io_max(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
			 vz_error_t *err)
{
	static const char *const knobs[] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		char line[64];

		(void)snprintf(line, sizeof(line), "%u:%u %" PRIu64, major(lim->io_dev),
			       minor(lim->io_dev), i < 2 ? lim->io_bps : lim->io_iops);
		if (cg_set_knob(cg, fd, knobs[i], line, err) < 0)
			return -1;
	}
	return 0;
}

static const struct cg_res_knobs v1_rows[] = {
	{VZ_CG_MEM, CG_MEMORY, NULL, {MEM_LIMIT}, {NULL}},
	{VZ_CG_SWAP, CG_MEMORY, NULL, {MEMSW_LIMIT}, {MEMSW_LIMIT}},
	{VZ_CG_PIDS, CG_PIDS, NULL, {"pids.max"}, {NULL}},
	{VZ_CG_CPU_WEIGHT, CG_CPU, NULL, {"cpu.shares"}, {NULL}},
	{VZ_CG_CPU_QUOTA, CG_CPU, NULL, {"cpu.cfs_quota_us"}, {"cpu.cfs_quota_us"}},
	{VZ_CG_CPUSET, CG_CPUSET, NULL, {"cpuset.cpus"}, {NULL}},
	{VZ_CG_IO_WEIGHT,
	 CG_BLKIO,
	 NULL,
	 {"blkio.bfq.weight", "blkio.weight"},
	 {"blkio.bfq.weight", "blkio.weight"}},
	{VZ_CG_IO_MAX,
	 CG_BLKIO,
	 NULL,
	 {"blkio.throttle.read_bps_device"},
	 {"blkio.throttle.read_bps_device"}},
};

/* In this order: memory first, so a CT that grows gets its RAM before anything else. */
static const struct cg_setter v1_setters[] = {
	{VZ_CG_MEM | VZ_CG_SWAP, CG_MEMORY, v1_set_memory},
	{VZ_CG_PIDS, CG_PIDS, v1_set_pids},
	{VZ_CG_CPU_WEIGHT, CG_CPU, v1_set_shares},
	{VZ_CG_CPU_QUOTA, CG_CPU, v1_set_quota},
	{VZ_CG_CPUSET, CG_CPUSET, v1_set_cpuset},
	{VZ_CG_IO_WEIGHT, CG_BLKIO, v1_set_io_weight},
	{VZ_CG_IO_MAX, CG_BLKIO, v1_set_io_max},
};

static const struct cg_limits_ops v1_limits = {
	.name = "cgroup v1",
	.rows = v1_rows,
	.n_rows = ARRAY_SIZE(v1_rows),
	.setters = v1_setters,
	.n_setters = ARRAY_SIZE(v1_setters),
	.hier_of = find_hier,
};

static int v1_set_limits(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, vz_error_t *err)
{
	return cg_set_limits(cg, &v1_limits, lim, err);
}

/*
 * The devices controller; without it (a host that does not mount it), a
 * hybrid host's cgroup2 group, where a BPF device program works just as
 * well.
 */
static int v1_set_devices(struct vz_cgroup *cg, const struct vz_cg_dev *rules, size_t n,
			  vz_error_t *err)
{
	struct cg_hier *h = find_hier(cg, CG_DEVICES);

	for (size_t i = 0; !h && i < cg->n_hiers; i++)
		if ((cg->hiers[i].flags & CG_V2) && cg_group_fd(cg, &cg->hiers[i]) >= 0)
			h = &cg->hiers[i];
	if (!h)
		return vz_error_make(err, VZ_E_RESOURCE, EOPNOTSUPP,
				     "cgroup '%s': no devices controller and no cgroup2 group to "
				     "hold a device allow-list",
				     cg->path);
	return cg_dev_set(cg, h, rules, n, err);
}

/*
 * The CT's groups, where they exist, say what their kernel offers. Without
 * them, a hierarchy's presence does, or for knobs that depend on kernel
 * options (swap accounting, CFS bandwidth, the I/O scheduler) the root's.
 */
static unsigned v1_supported(struct vz_cgroup *cg)
{
	unsigned bits = 0;

	for (size_t i = 0; i < ARRAY_SIZE(v1_rows); i++) {
		const struct cg_res_knobs *row = &v1_rows[i];
		struct cg_hier *h = find_hier(cg, row->hier);
		int fd = h ? cg_group_fd(cg, h) : -EBADF;
		bool ok;

		if (fd >= 0)
			ok = cg_any_knob(fd, row->knobs);
		else
			ok = fd == -ENOENT &&
			     (!row->root_knobs[0] || cg_any_knob(h->root_fd, row->root_knobs));
		if (ok)
			bits |= row->bit;
	}
	return bits;
}

static const struct cg_counter_src v1_mem = {
	.held = {"memory.usage_in_bytes", NULL},
	.maxheld = {"memory.max_usage_in_bytes", NULL},
	.limit = {MEM_LIMIT, NULL},
	.failcnt = {"memory.failcnt", NULL},
};

static const struct cg_counter_src v1_memsw = {
	.held = {"memory.memsw.usage_in_bytes", NULL},
	.limit = {MEMSW_LIMIT, NULL},
	.failcnt = {"memory.memsw.failcnt", NULL},
};

/* kmem and tcp limits are gone from recent kernels and never ours: no limit. */
static const struct cg_counter_src v1_kmem = {
	.held = {"memory.kmem.usage_in_bytes", NULL},
	.maxheld = {"memory.kmem.max_usage_in_bytes", NULL},
	.failcnt = {"memory.kmem.failcnt", NULL},
};

static const struct cg_counter_src v1_sock = {
	.held = {"memory.kmem.tcp.usage_in_bytes", NULL},
	.maxheld = {"memory.kmem.tcp.max_usage_in_bytes", NULL},
	.failcnt = {"memory.kmem.tcp.failcnt", NULL},
};

/* v1 counts RAM + swap together and keeps no swap peak: swap is the difference. */
static void v1_swap(const struct vz_cg_counter *mem, const struct vz_cg_counter *memsw,
		    struct vz_cg_counter *swap)
{
	if (!mem->have || !memsw->have)
		return;
	swap->have = true;
	swap->held = sat_sub(memsw->held, mem->held);
	swap->maxheld = swap->held;
	swap->limit = memsw->limit == VZ_CG_UNLIMITED ? VZ_CG_UNLIMITED
						      : sat_sub(memsw->limit, mem->limit);
	swap->failcnt = memsw->failcnt;
}

static int v1_memory_stats(int fd, struct vz_cgroup_stats *st, const char **knob)
{
	const struct cg_knob oom = {"memory.oom_control", "oom_kill"};
	struct vz_cg_counter memsw = {0};
	int r;

	r = cg_read_counter(fd, &v1_mem, &st->mem, knob);
	if (r == 0)
		r = cg_read_counter(fd, &v1_memsw, &memsw, knob);
	if (r == 0)
		r = cg_read_counter(fd, &v1_kmem, &st->kmem, knob);
	if (r == 0)
		r = cg_read_counter(fd, &v1_sock, &st->sock, knob);
	if (r < 0)
		return r;
	st->mem.limit = v1_limit(st->mem.limit);
	memsw.limit = v1_limit(memsw.limit);
	v1_swap(&st->mem, &memsw, &st->swap);
	*knob = oom.file;
	r = cg_read_opt(fd, &oom, &st->oom_kills, &st->have_oom_kills);
	/*
	 * Since Linux 6.x v1 counts failures of the RAM limit only
	 * (memory.memsw.failcnt stays 0): a CT that ran out of RAM+swap shows
	 * it as OOM kills, which count as failures of its memory limit too.
	 */
	if (r == 0 && st->have_oom_kills)
		st->mem.failcnt += st->oom_kills;
	return r;
}

static int v1_pids_stats(int fd, struct vz_cgroup_stats *st, const char **knob)
{
	return cg_read_counter(fd, &cg_pids_src, &st->pids, knob);
}

static int v1_cpu_stats(int fd, struct vz_cgroup_stats *st, const char **knob)
{
	const struct cg_knob usage = {"cpuacct.usage", NULL};

	*knob = usage.file;
	return cg_read_opt(fd, &usage, &st->cpu_usage_ns, &st->have_cpu);
}

typedef int (*stats_fn)(int fd, struct vz_cgroup_stats *st, const char **knob);

/* One hierarchy's counters: none when it or the CT's group in it is missing. */
static int hier_stats(struct vz_cgroup *cg, unsigned flag, stats_fn fn, struct vz_cgroup_stats *st,
		      const char **knob)
{
	struct cg_hier *h = find_hier(cg, flag);
	int fd = h ? cg_group_fd(cg, h) : -ENOENT;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		*knob = h->name;
		return fd;
	}
	return fn(fd, st, knob);
}

static int v1_stats(struct vz_cgroup *cg, struct vz_cgroup_stats *st, vz_error_t *err)
{
	const char *knob = NULL;
	int r;

	*st = (struct vz_cgroup_stats){.supported = v1_supported(cg)};
	r = hier_stats(cg, CG_MEMORY, v1_memory_stats, st, &knob);
	if (r == 0)
		r = hier_stats(cg, CG_PIDS, v1_pids_stats, st, &knob);
	if (r == 0)
		r = hier_stats(cg, CG_CPUACCT, v1_cpu_stats, st, &knob);
	if (r < 0)
		return cg_read_error(cg, knob, r, err);
	return 0;
}

static int v1_mem_detail(int fd, struct vz_cgroup_detail *d)
{
	static const char *const keys[] = {"total_cache", "total_rss", "total_shmem"};
	uint64_t *const v[] = {&d->mem_file, &d->mem_anon, &d->mem_shmem};
	struct vz_cg_counter memsw = {0};
	const char *knob;
	int r;

	r = cg_read_counter(fd, &v1_mem, &d->mem, &knob);
	if (r == 0)
		r = cg_read_counter(fd, &v1_memsw, &memsw, &knob);
	if (r < 0)
		return r;
	d->mem.limit = v1_limit(d->mem.limit);
	memsw.limit = v1_limit(memsw.limit);
	v1_swap(&d->mem, &memsw, &d->swap);
	return cg_read_keys(fd, "memory.stat", keys, v, ARRAY_SIZE(keys), &d->have_mem);
}

/* cpuacct.stat counts USER_HZ ticks. */
static int v1_cpu_detail(int fd, struct vz_cgroup_detail *d)
{
	static const char *const keys[] = {"user", "system"};
	uint64_t hz = (uint64_t)sysconf(_SC_CLK_TCK), u = 0, s = 0;
	uint64_t *const v[] = {&u, &s};
	int r = cg_read_keys(fd, "cpuacct.stat", keys, v, 2, &d->have_cpu);

	if (r < 0)
		return r;
	d->have_cpu = d->have_cpu && hz > 0;
	if (d->have_cpu) {
		d->cpu_user_ns = u * (1000000000 / hz);
		d->cpu_system_ns = s * (1000000000 / hz);
	}
	return 0;
}

/* The throttle counters see every bio; the _recursive ones include sub-groups. */
static int v1_io_detail(int fd, struct vz_cgroup_detail *d)
{
	static const char *const files[2][2] = {
		{"blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes"},
		{"blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced"}};

	for (int ios = 0; ios < 2; ios++) {
		for (int i = 0; i < 2; i++) {
			_cleanup_free_ char *text = NULL;

			if (cg_read_knob(fd, files[ios][i], &text) == 0) {
				cg_parse_io_v1(text, ios, d);
				break;
			}
		}
	}
	return 0;
}

typedef int (*detail_fn)(int fd, struct vz_cgroup_detail *d);

static int v1_detail(struct vz_cgroup *cg, unsigned want, struct vz_cgroup_detail *d,
		     vz_error_t *err)
{
	static const struct {
		unsigned part, flag;
		detail_fn fn;
		const char *what;
	} parts[] = {{VZ_CG_DETAIL_MEM, CG_MEMORY, v1_mem_detail, "memory"},
		     {VZ_CG_DETAIL_CPU, CG_CPUACCT, v1_cpu_detail, "cpuacct.stat"},
		     {VZ_CG_DETAIL_IO, CG_BLKIO, v1_io_detail, "blkio"}};

	*d = (struct vz_cgroup_detail){0};
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		struct cg_hier *h = want & parts[i].part ? find_hier(cg, parts[i].flag) : NULL;
		int fd = h ? cg_group_fd(cg, h) : -ENOENT;
		int r = fd < 0 ? fd : parts[i].fn(fd, d);

		if (!h || (r == -ENOENT && fd == -ENOENT))
			continue;
		if (r < 0)
			return cg_read_error(cg, parts[i].what, r, err);
	}
	return 0;
}

static int v1_sync_weight(struct vz_cgroup *cg, vz_error_t *err)
{
	struct cg_hier *h = task_hier(cg, CG_CPU);
	int r;

	if (!h || !(h->flags & CG_CPU))
		return 0;
	r = cg_sync_prefix_weight(cg, h, "cpu.shares", 2, 262144, 1024);
	if (r < 0)
		return vz_error_make(err, VZ_E_FAIRSCHED, -r, "cgroup '%s': set cpu.shares of '%s'",
				     cg->path, cg->prefix);
	return 0;
}

const struct vz_cgroup_ops cg_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.attach = v1_attach,
	.open_procs = v1_open_procs,
	.dirfd_v2 = v1_dirfd,
	.count_procs = v1_count,
	.kill_all = v1_kill,
	.freeze = v1_freeze_ct,
	.frozen = v1_frozen,
	.sync_weight = v1_sync_weight,
	.destroy = v1_destroy,
	.set_limits = v1_set_limits,
	.set_devices = v1_set_devices,
	.stats = v1_stats,
	.detail = v1_detail,
	.supported = v1_supported,
};
