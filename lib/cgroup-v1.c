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
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-internal.h"
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
		{"cpuset", CG_CPUSET},
		{"memory", CG_MEMORY},
		{"pids", CG_PIDS},
		{"freezer", CG_FREEZER},
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
	.destroy = v1_destroy,
};
