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
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
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
	.destroy = v2_destroy,
};
