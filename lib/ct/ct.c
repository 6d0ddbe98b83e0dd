/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT object: paths, lock, saved config and state, loaded once per
 * operation. Trust model: called from vzd workers with a CTID already
 * checked by vz_ctid_check()/vz_ctid_resolve(); configs are root-owned and
 * validated on load; the state file is the daemon's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/ctid.h"
#include "ct/internal.h"
#include "ct/lock.h"
#include "res/capability.h"
#include "res/disk.h"
#include "res/features.h"
#include "sandbox/seccomp.h"
#include "sandbox/ns.h"
#include "util/fs.h"
#include "util/xalloc.h"

/*
 * How long an operation waits for another one on the same CT before it
 * fails with VZ_E_LOCKED: long enough to ride over vzd's own brief cleanups,
 * short enough that a stuck operation is reported, not waited out.
 */
#define LOCK_WAIT_MS 2000

static void set_paths(struct vz_ct *ct)
{
	const struct vz_ctx *ctx = ct->ctx;
	const char *id = ct->id;

	ct->path.conf = xasprintf("%s/conf/%s.conf", ctx->root, id);
	ct->path.private = xasprintf("%s/private/%s", ctx->root, id);
	ct->path.root = xasprintf("%s/root/%s", ctx->root, id);
	ct->path.state = xasprintf("%s/%s.state", ctx->rundir, id);
	ct->path.dump = xasprintf("%s/dump/%s", ctx->root, id);
	ct->path.lock = xasprintf("%s/lock/%s.lck", ctx->root, id);
}

static int take_lock(struct vz_ct *ct, unsigned flags, vz_error_t *err)
{
	_cleanup_free_ char *what = xasprintf("CT %s", ct->id);
	int wait = (flags & VZ_CT_TRYLOCK) ? 0 : LOCK_WAIT_MS;

	/* No lock file for a CT that does not exist: they would pile up. */
	if (!(flags & VZ_CT_NEW) && !ct->exists)
		return vz_error_make(err, VZ_E_NOCONFIG, 0, "CT %s does not exist", ct->id);
	ct->lock_fd = vz_lock_file(ct->path.lock, what, wait, err);
	if (ct->lock_fd < 0)
		return -1;
	/* Read the rest under the lock: a set or destroy may have changed it meanwhile. */
	ct->exists = path_exists_at(AT_FDCWD, ct->path.conf);
	return 0;
}

static int load_config(struct vz_ct *ct, unsigned flags, vz_error_t *err)
{
	vz_error_t e = NULL;

	if (flags & (VZ_CT_NEW | VZ_CT_NO_CONFIG))
		return 0;
	ct->cfg = vz_config_load(ct->path.conf, &e);
	if (ct->cfg)
		return 0;
	if (e->code == VZ_E_NOCONFIG) {
		vz_error_release(&e);
		vz_error_make(&e, VZ_E_NOCONFIG, 0, "CT %s does not exist", ct->id);
	}
	if (flags & VZ_CT_ANY_CONFIG) {
		vz_error_release(&e);
		return 0;
	}
	return vz_error_move(err, &e);
}

/* A state that does not parse describes nothing we can trust: stale, to be dropped. */
static void load_state(struct vz_ct *ct)
{
	ct->state_bad = vz_state_load(ct->path.state, &ct->state, NULL) < 0;
	if (ct->state_bad)
		ct->state.kv = vz_config_new();
	ct->running = vz_state_alive(&ct->state);
}

struct vz_ct *vz_ct_open(struct vz_ctx *ctx, const char *ctid, unsigned flags, vz_error_t *err)
{
	_cleanup_ct_ struct vz_ct *ct = xzalloc(sizeof(*ct));

	ct->ctx = ctx;
	ct->lock_fd = -EBADF;
	if (!vz_ctid_is_numeric(ctid)) {
		vz_error_make(err, VZ_E_VALUE, 0, "invalid CT ID '%s'", ctid);
		return NULL;
	}
	ct->id = xstrdup(ctid);
	set_paths(ct);
	ct->exists = path_exists_at(AT_FDCWD, ct->path.conf);
	if ((flags & VZ_CT_LOCK) && take_lock(ct, flags, err) < 0)
		return NULL;
	if (load_config(ct, flags, err) < 0)
		return NULL;
	load_state(ct);
	return steal_ptr(ct);
}

void vz_ct_close(struct vz_ct *ct)
{
	if (!ct)
		return;
	vz_cgroup_free(ct->cg);
	vz_storage_free(ct->storage);
	vz_state_clear(&ct->state);
	vz_config_free(ct->cfg);
	free(ct->path.conf);
	free(ct->path.private);
	free(ct->path.root);
	free(ct->path.state);
	free(ct->path.dump);
	free(ct->path.lock);
	free(ct->id);
	/* Last: nothing of the CT is touched once another operation may run. */
	if (ct->lock_fd >= 0)
		(void)close(ct->lock_fd);
	free(ct);
}

void vz_ct_closep(struct vz_ct **ct)
{
	vz_ct_close(*ct);
	*ct = NULL;
}

struct vz_cgroup *vz_ct_cgroup(struct vz_ct *ct, vz_error_t *err)
{
	const char *prefix = ct->ctx->cgroup_prefix;

	if (ct->cg)
		return ct->cg;
	/* A CT runs on under the prefix it was started with, whatever vz.conf says now. */
	if (ct->state.exists && ct->state.cgroup_prefix[0])
		prefix = ct->state.cgroup_prefix;
	ct->cg = vz_cgroup_new(ct->ctx->cgroup_root, -1, prefix, ct->id, err);
	return ct->cg;
}

struct vz_storage *vz_ct_storage(struct vz_ct *ct, vz_error_t *err)
{
	uint32_t base = 0, size;

	if (ct->storage)
		return ct->storage;
	(void)ct_uid_range(ct, &base, &size, NULL);
	ct->storage = vz_storage_new(ct->cfg ? vz_config_get(ct->cfg, "VE_LAYOUT") : NULL,
				     ct->path.private, ct->path.root, base, err);
	if (ct->storage) {
		struct vz_disk_limits dl;

		ct->storage->lowers = vz_path_unpacked(ct->ctx);
		vz_disk_get(ct->cfg, &dl);
		if (vz_disk_limited(&dl))
			ct->storage->disk_bytes = dl.space_hard * 1024;
		if (dl.inodes_hard != VZ_DISK_UNLIMITED)
			ct->storage->disk_inodes = dl.inodes_hard;
	}
	return ct->storage;
}

void vz_ct_status(struct vz_ct *ct, struct vz_ct_status *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->exist = ct->exists;
	ret->mounted = is_mount_point_at(AT_FDCWD, ct->path.root);
	if (!ct->running) {
		ret->dumped = ret->suspended = ct->exists && vz_ct_has_dump(ct);
		return;
	}
	ret->running = true;
	ret->pid = ct->state.pid;
	ret->started = ct->state.started;
	ret->frozen = ret->suspended = vz_ct_cgroup(ct, NULL) && vz_cgroup_frozen(ct->cg) > 0;
}

bool vz_ct_has_dump(const struct vz_ct *ct)
{
	return ct_dump_exists(ct->path.dump);
}

int vz_ct_count_procs(struct vz_ct *ct, vz_error_t *err)
{
	if (!ct->running)
		return 0;
	if (!vz_ct_cgroup(ct, err))
		return -1;
	return vz_cgroup_count_procs(ct->cg, err);
}

/* ---- helpers of the ct/ modules (internal.h) ---- */

int ct_require_lock(const struct vz_ct *ct, vz_error_t *err)
{
	if (ct->lock_fd >= 0)
		return 0;
	return vz_error_make(err, VZ_E_LOCKED, EINVAL, "CT %s: changed without its lock", ct->id);
}

int ct_require_config(const struct vz_ct *ct, vz_error_t *err)
{
	if (ct->cfg)
		return 0;
	return vz_error_make(err, VZ_E_NOCONFIG, 0, "CT %s does not exist", ct->id);
}

int vz_parse_uid_range(const char *v, uint32_t *base, uint32_t *size)
{
	unsigned long long b, s;
	char *end;

	if (!v)
		return -1;
	errno = 0;
	b = strtoull(v, &end, 10);
	if (errno || *end != ':')
		return -1;
	s = strtoull(end + 1, &end, 10);
	if (errno || *end || b == 0 || s < 65536 || b + s > UINT32_MAX)
		return -1;
	*base = (uint32_t)b;
	*size = (uint32_t)s;
	return 0;
}

int ct_uid_range(const struct vz_ct *ct, uint32_t *base, uint32_t *size, vz_error_t *err)
{
	/* A running CT keeps the range it started with. */
	const char *v = ct->running ? vz_state_get(&ct->state, "UID_RANGE") : NULL;

	if (!v && ct->cfg)
		v = vz_config_get(ct->cfg, "UID_RANGE");
	if (vz_parse_uid_range(v, base, size) < 0)
		return vz_error_make(err, VZ_E_NOCONFIG, 0, "CT %s: UID_RANGE missing or invalid",
				     ct->id);
	return 0;
}

int vz_ct_root_uid(const struct vz_ct *ct, uid_t *ret)
{
	uint32_t base, size;

	if (ct_uid_range(ct, &base, &size, NULL) < 0)
		return -1;
	*ret = base;
	return 0;
}

int vz_ct_open_ns(struct vz_ct *ct, int nstype, vz_error_t *err)
{
	int fd;

	if (!ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id);
	fd = vz_ns_open(ct->state.pid, nstype);
	/* Checked after the open: a recycled pid must never stand for the CT. */
	if (fd < 0 || !vz_state_alive(&ct->state)) {
		if (fd >= 0)
			(void)close(fd);
		return vz_error_make(err, VZ_E_NOT_RUNNING, fd < 0 ? -fd : ESRCH,
				     "CT %s: open its namespace", ct->id);
	}
	return fd;
}

int ct_save_state(struct vz_ct *ct, vz_error_t *err)
{
	return vz_state_save(ct->path.state, &ct->state, err);
}

/* A running CT keeps what it started with; a start has it in its state by now. */
static const char *started_with(const struct vz_ct *ct, const char *key)
{
	if (ct->state.kv)
		return vz_state_get(&ct->state, key);
	return ct->cfg ? vz_config_get(ct->cfg, key) : NULL;
}

struct vz_spawn_confine ct_confine(const struct vz_ct *ct)
{
	const struct vz_ctx *x = ct->ctx;
	bool sysinfo = x->sysinfo_fd >= 0 && x->sysinfo_sock;
	bool io_uring = vz_features_on(started_with(ct, "FEATURES"), "io_uring");

	return (struct vz_spawn_confine){
		.cap_drop = vz_capability_drop_mask(started_with(ct, "CAPABILITY")),
		.fd = io_uring ? x->seccomp_io_uring_fd : x->seccomp_fd,
		.allow = io_uring ? VZ_SECCOMP_IO_URING : 0,
		.sysinfo_fd = sysinfo ? x->sysinfo_fd : -1,
		.sysinfo_sock = sysinfo ? x->sysinfo_sock : NULL,
		.out = x->out,
		.out_data = x->out_data,
	};
}

const char *vz_ct_ips(const struct vz_ct *ct)
{
	if (ct->running)
		return vz_state_get(&ct->state, "IP_ADDRESS");
	return ct->cfg ? vz_config_get(ct->cfg, "IP_ADDRESS") : NULL;
}
