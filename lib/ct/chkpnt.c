/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint a CT to a directory and restore it from one, through CRIU
 * (lib/criu): OpenVZ's chkpnt/restore [--dumpfile], and Virtuozzo's
 * suspend/resume into the CT's own dump directory.
 *
 * Nothing is ever lost. A dump is written to a fresh directory beside its
 * target and renamed into place only once sealed (dumpdir.c); a dump that
 * fails leaves the CT running as CRIU found it, one that cannot be sealed
 * is restored at once. A restore only reads the dump: when it fails the
 * dump is intact and the CT stopped, with CRIU's reason and its log.
 *
 * A restore rebuilds around CRIU what a start builds around init: the
 * root mounted, the first state, the groups with the limits the CT ran
 * with, the host side of its network (each CT end staged on the host for
 * CRIU to move in) and a /dev made on the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "criu/criu.h"
#include "ct/internal.h"
#include "res/cpuio.h"
#include "res/devices.h"
#include "sandbox/mount.h"
#include "sandbox/viewmount.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* <rundir>/CTID.criu: CRIU's logs, pidfile and stats. */
static char *make_workdir(struct vz_ct *ct, vz_error_t *err)
{
	char *w = xasprintf("%s/%s.criu", ct->ctx->rundir, ct->id);

	if (mkdir(w, 0700) < 0 && errno != EEXIST) {
		vz_error_make(err, VZ_E_SYSTEM, errno, "mkdir '%s'", w);
		free(w);
		return NULL;
	}
	return w;
}

static const char *dump_dir(const struct vz_ct *ct, const char *dumpfile)
{
	return dumpfile && *dumpfile ? dumpfile : ct->path.dump;
}

/* ---- restore ---- */

static bool restored_key(const char *key)
{
	return vz_res_is_key(key) || streq(key, "IP_ADDRESS") || streq(key, "NETIF");
}

struct overlay {
	struct vz_config *cfg;
	vz_error_t *err;
};

static int overlay_key(const char *key, const char *value, void *data)
{
	struct overlay *o = data;

	if (!restored_key(key))
		return 0;
	return vz_config_set(o->cfg, key, value, o->err);
}

/* The config the CT ran with: its config, with the settings the dump recorded. */
static struct vz_config *running_config(struct vz_ct *ct, const struct vz_config *saved,
					vz_error_t *err)
{
	_cleanup_free_ char *text = vz_config_format(ct->cfg);
	_cleanup_(vz_config_freep) struct vz_config *c =
		vz_config_parse(text, strlen(text), ct->path.conf, err);
	struct overlay o = {.err = err};

	if (!c)
		return NULL;
	o.cfg = c;
	if (vz_config_foreach(saved, overlay_key, &o) < 0)
		return vz_error_recode(err, VZ_E_RESTORE), NULL;
	return steal_ptr(c);
}

/* The dump's id maps are absolute host ids: they must be the CT's. */
static int check_uid_range(struct vz_ct *ct, const struct vz_config *saved, vz_error_t *err)
{
	const char *was = vz_config_get(saved, "UID_RANGE");
	const char *now = vz_config_get(ct->cfg, "UID_RANGE");

	if (!was || !now || !streq(was, now))
		return vz_error_make(err, VZ_E_RESTORE, 0,
				     "the dump was made with UID_RANGE %s, the CT has %s now",
				     was ? was : "(none)", now ? now : "(none)");
	return 0;
}

/* Groups with the CT's limits, handed to its root as at a start. */
static int restore_cgroup(struct vz_ct *ct, const struct vz_ct_devices *devs, vz_error_t *err)
{
	struct vz_cgroup *cg = vz_ct_cgroup(ct, err);
	uint32_t base, size;

	if (!cg || vz_cgroup_create(cg, err) < 0 || ct_res_start(ct, cg, devs, err) < 0)
		return -1;
	ct_res_sync_weight(ct, cg);
	if (ct_uid_range(ct, &base, &size, err) < 0)
		return -1;
	return vz_cgroup_delegate(cg, base, err);
}

/*
 * The CT's groups have the path they had at the dump unless the daemon's
 * cgroup prefix changed since: then CRIU moves them (every hierarchy, so
 * only where the CT's groups are all of them, as on cgroup2-only hosts).
 */
static char *moved_cgroup_root(struct vz_ct *ct, const char *dumped_prefix)
{
	if (dumped_prefix && streq(dumped_prefix, ct->state.cgroup_prefix))
		return NULL;
	return xasprintf("/%s/%s", ct->state.cgroup_prefix, ct->id);
}

/* A restore whose memory comes later, over a page stream (post-copy). */
struct lazy_in {
	int ps_socket;
	struct vz_criu_run pages; /* the lazy-pages daemon, once started */
	double ran_at;		  /* when the CT ran (CLOCK_MONOTONIC) */
	uint64_t bytes;		  /* memory that came over the page stream */
};

/*
 * What the images say of the CT's console: its tty id then (NULL: a CT
 * without one), and a new console to restore it onto in con.
 */
static int restore_console(struct vz_ct *ct, const char *old, struct ct_console *con,
			   vz_error_t *err)
{
	*con = (struct ct_console){.master = -EBADF, .slave = -EBADF};
	if (!old)
		return 0;
	if (!ct_console_id_valid(old))
		return vz_error_make(err, VZ_E_RESTORE, 0, "the dump's %s '%s' is malformed",
				     VZ_STATE_CONSOLE, old);
	return ct_console_make(ct, con, err);
}

/*
 * The /proc view's binds (sandbox/viewmount.h) are FUSE mounts CRIU cannot
 * dump: they are external, each under its key, like /dev/console. A dump
 * names them by their place in the CT.
 */
static char **view_dump_external(const struct vz_ct *ct)
{
	char **a = NULL;

	if (!vz_state_get(&ct->state, VZ_STATE_VIEW))
		return NULL;
	for (const struct vz_view_file *f = vz_view_files(); f->name; f++)
		a = strv_push(a, xasprintf("mnt[/%s]:%s", f->target, f->key));
	return a;
}

/*
 * A restore binds each key to this daemon's view of the CT, or, without a
 * running view, to the host's own file (what a CT without the view reads).
 * The CT keeps the binds: its state says so for the next dump.
 */
static char **view_restore_external(struct vz_ct *ct, const struct vz_config *saved, char **a)
{
	_cleanup_free_ char *dir = NULL, *src = NULL, *live = NULL;

	if (!vz_config_get(saved, VZ_STATE_VIEW))
		return a;
	dir = vz_view_dir_live(ct->ctx->rundir);
	src = dir ? xasprintf("%s/%s", dir, ct->id) : NULL;
	/* The run dir need not be searchable by CT root, whom CRIU becomes. */
	live = src ? ct_stage_view(ct, src, NULL) : NULL;
	if (!live)
		vz_warn(ct->ctx,
			"the /proc view is not running: CT %s sees the host's "
			"memory, CPUs and uptime in /proc",
			ct->id);
	for (const struct vz_view_file *f = vz_view_files(); f->name; f++)
		a = strv_push(a, live ? xasprintf("mnt[%s]:%s/%s", f->key, live, f->name)
				      : xasprintf("mnt[%s]:%s", f->key, f->fallback));
	(void)vz_state_set(&ct->state, VZ_STATE_VIEW, "yes", NULL);
	return a;
}

static int run_criu_restore(struct vz_ct *ct, const char *images, const char *work,
			    const struct vz_config *saved, const struct vz_ct_devices *devs,
			    char **external, bool lazy, vz_error_t *err)
{
	_cleanup_free_ char *dev = ct_stage_dir(ct, err);
	_cleanup_free_ char *cgroot =
		moved_cgroup_root(ct, vz_config_get(saved, VZ_STATE_CGROUP_PREFIX));
	const char *old_console = vz_config_get(saved, VZ_STATE_CONSOLE);
	struct ct_console con;
	struct vz_criu_req req = {.images = images,
				  .workdir = work,
				  .root = ct->path.root,
				  .cgroup_root = cgroot,
				  .lazy = lazy,
				  .console_tty = old_console,
				  .console_fd = -1};
	uint32_t base, size;
	pid_t pid;
	int r;

	if (!dev || ct_uid_range(ct, &base, &size, err) < 0 ||
	    restore_console(ct, old_console, &con, err) < 0 ||
	    vz_mount_ct_dev(dev, base, old_console != NULL, ct_res_shm_size(ct->cfg), devs->nodes,
			    devs->n_nodes, err) < 0 ||
	    (vz_config_get(saved, VZ_STATE_VIEW) && vz_view_prepare_dev(dev, base, err) < 0)) {
		ct_console_close(&con);
		ct_unstage(ct);
		strv_free(external);
		return -1;
	}
	external = strv_push(external, xasprintf("mnt[" VZ_CRIU_DEV_KEY "]:%s", dev));
	external = view_restore_external(ct, saved, external);
	req.external = external;
	req.console_fd = con.slave;
	req.console_path = con.path;
	r = vz_criu_restore(&req, &pid, err);
	/* The CT holds its own reference to the tmpfs by now. */
	ct_unstage(ct);
	strv_free(external);
	if (r < 0 || ct_record_init(ct, pid, err) < 0) {
		ct_console_close(&con);
		return -1;
	}
	if (old_console)
		ct_console_keep(ct, &con, pid);
	return 0;
}

static char *pages_pending_path(const struct vz_ct *ct)
{
	return xasprintf("%s/%s.pages-pending", ct->ctx->rundir, ct->id);
}

/*
 * While a post-copy restore waits for pages, the CT runs without all its
 * memory: should the worker feeding it die, a marker tells that this copy
 * is not the CT (see vz_ct_pages_pending).
 */
int ct_mark_pages_pending(struct vz_ct *ct, bool on, vz_error_t *err)
{
	_cleanup_free_ char *p = pages_pending_path(ct);

	if (!on)
		return unlink(p) < 0 && errno != ENOENT ? -1 : 0;
	if (replace_file_at(AT_FDCWD, p, "", 0, 0600) < 0)
		return vz_error_make(err, VZ_E_RESTORE, errno, "mark '%s'", p);
	return 0;
}

bool vz_ct_pages_pending(const struct vz_ct *ct)
{
	_cleanup_free_ char *p = pages_pending_path(ct);

	return path_exists_at(AT_FDCWD, p);
}

/* Post-copy: the lazy-pages daemon that will feed the restored CT. */
static int start_pages(const char *images, const char *work, struct lazy_in *lz, vz_error_t *err)
{
	_cleanup_free_ char *sock = xasprintf("%s/lazy-pages.socket", work);
	struct vz_criu_req req = {.images = images, .workdir = work, .ps_socket = lz->ps_socket};

	(void)unlink(sock);
	return vz_criu_lazy_pages(&req, &lz->pages, err);
}

static int restore_from(struct vz_ct *ct, const char *images, const struct vz_config *saved,
			struct lazy_in *lz, vz_error_t *err)
{
	_cleanup_free_ char *work = make_workdir(ct, err);
	_cleanup_(vz_ct_devices_free) struct vz_ct_devices devs = {0};
	char **external = NULL;

	/* Its allow-list and its /dev's nodes, from one look at the host's /dev. */
	if (!work || ct_devices(ct->cfg, &devs, err) < 0 || ct_mount(ct, err) < 0)
		return -1;
	/* Peers' packets wait (dropped, then resent) until the CT's sockets are back. */
	if (ct_begin_state(ct, err) < 0 || ct_net_lock(ct, true, err) < 0 ||
	    restore_cgroup(ct, &devs, err) < 0 || ct_net_stage(ct, &external, err) < 0)
		goto fail;
	if (lz &&
	    (start_pages(images, work, lz, err) < 0 || ct_mark_pages_pending(ct, true, err) < 0))
		goto fail;
	if (run_criu_restore(ct, images, work, saved, &devs, steal_ptr(external), lz != NULL, err) <
	    0)
		goto fail;
	(void)ct_net_lock(ct, false, NULL);
	ct_net_announce(ct);
	if (lz) {
		lz->ran_at = vz_now_s();
		/* The CT runs; it is whole once every page has arrived. */
		if (vz_criu_finish(&lz->pages, -1, err) < 0)
			goto fail;
		lz->bytes = vz_criu_lazy_bytes(work);
		(void)ct_mark_pages_pending(ct, false, NULL);
	}
	return 0;
fail:
	strv_free(external);
	if (lz && lz->pages.pid > 0)
		(void)vz_criu_finish(&lz->pages, 0, NULL);
	ct->running = false;
	(void)ct_cleanup_locked(ct, NULL);
	(void)ct_net_lock(ct, false, NULL);
	if (lz)
		(void)ct_mark_pages_pending(ct, false, NULL);
	return -1;
}

/* Restore from images with the settings saved, the config the CT ran with while it runs. */
static int restore_with(struct vz_ct *ct, const char *images, const struct vz_config *saved,
			struct lazy_in *lz, vz_error_t *err)
{
	_cleanup_(vz_config_freep) struct vz_config *cfg = running_config(ct, saved, err);
	struct vz_config *own = ct->cfg;
	int r;

	if (!cfg)
		return -1;
	ct->cfg = cfg;
	r = restore_from(ct, images, saved, lz, err);
	ct->cfg = own;
	return r;
}

static int restore(struct vz_ct *ct, const char *dumpfile, struct lazy_in *lz, vz_error_t *err)
{
	const char *dir = dump_dir(ct, dumpfile);
	_cleanup_(vz_config_freep) struct vz_config *saved = NULL;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (ct->running)
		return vz_error_make(err, VZ_E_RUNNING, 0, "CT %s is running", ct->id);
	if (!path_exists_at(AT_FDCWD, dir))
		return vz_error_make(err, VZ_E_RESTORE, 0, "CT %s: no dump at '%s'", ct->id, dir);
	saved = ct_dump_check(ct, dir, err);
	if (!saved || check_uid_range(ct, saved, err) < 0)
		return vz_error_wrap(err, "restore CT %s", ct->id);
	/* Leftovers of a CT that died while nobody watched. */
	if (ct_cleanup_locked(ct, err) < 0)
		return -1;
	vz_info(ct->ctx, "Restoring container ...");
	if (restore_with(ct, dir, saved, lz, err) < 0)
		return vz_error_wrap(err, "restore CT %s (the dump is kept)", ct->id);
	/* The CT's own dump is used up; one the operator named is theirs to keep. */
	if (streq(dir, ct->path.dump) && rm_rf_at(AT_FDCWD, dir) < 0)
		vz_warn(ct->ctx, "CT %s runs, but its used dump '%s' could not be removed", ct->id,
			dir);
	vz_info(ct->ctx, "Restoring completed successfully");
	return 0;
}

int vz_ct_restore(struct vz_ct *ct, const char *dumpfile, vz_error_t *err)
{
	return restore(ct, dumpfile, NULL, err);
}

int vz_ct_restore_lazy(struct vz_ct *ct, int ps_socket, struct vz_ct_lazy_stats *ret,
		       vz_error_t *err)
{
	struct lazy_in lz = {.ps_socket = ps_socket, .pages = {.pid = -1, .pidfd = -1}};
	double t = vz_now_s();
	int r = restore(ct, NULL, &lz, err);

	if (r == 0 && ret)
		*ret = (struct vz_ct_lazy_stats){.ran_s = lz.ran_at - t,
						 .pages_s = vz_now_s() - lz.ran_at,
						 .bytes = lz.bytes};
	return r;
}

/* ---- checkpoint ---- */

/* A fresh directory beside dir, on the same file system, for the images. */
static char *make_tmp_dir(const char *dir, vz_error_t *err)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	char *tmp;

	if (slash && slash != parent) {
		*slash = '\0';
		int r = mkdir_p(parent, 0700);

		if (r < 0)
			return vz_error_make(err, VZ_E_CHKPNT, -r, "mkdir '%s'", parent), NULL;
	}
	tmp = xasprintf("%s.vz-XXXXXX", dir);
	/*
	 * Searchable by all: CRIU reads the images after it has become the
	 * CT's root. What keeps them private is the directory above (0700 for
	 * the CTs' own dumps).
	 */
	if (!mkdtemp(tmp) || chmod(tmp, 0711) < 0) {
		vz_error_make(err, VZ_E_CHKPNT, errno, "make a directory beside '%s'", dir);
		(void)rmdir(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

/* The CT is dumped and gone: seal the images and put them in place. */
static int keep_dump(struct vz_ct *ct, const char *tmp, const char *dir, vz_error_t *err)
{
	if (ct_dump_seal(ct, tmp, err) < 0)
		return -1;
	if (rename(tmp, dir) < 0)
		return vz_error_make(err, VZ_E_CHKPNT, errno, "rename '%s' to '%s'", tmp, dir);
	return 0;
}

/*
 * The images are good but could not be kept: bring the CT back from them
 * rather than leave it stopped with a dump no restore would take.
 */
static void undo_dump(struct vz_ct *ct, const char *tmp)
{
	_cleanup_error_ vz_error_t e = NULL;
	_cleanup_free_ char *text = vz_config_format(ct->state.kv);
	_cleanup_(vz_config_freep) struct vz_config *saved =
		vz_config_parse(text, strlen(text), ct->path.state, NULL);

	ct->running = false;
	vz_warn(ct->ctx, "CT %s: restoring it from its unsealed checkpoint", ct->id);
	if (!saved)
		saved = vz_config_new();
	if (ct_cleanup_locked(ct, &e) < 0 || restore_with(ct, tmp, saved, NULL, &e) < 0)
		vz_warn(ct->ctx, "CT %s could not be restored (%s): its images are kept in '%s'",
			ct->id, e->msg, tmp);
	else
		(void)rm_rf_at(AT_FDCWD, tmp);
}

/*
 * CRIU gave up and left the CT's processes running: as they were, thawed
 * unless they were frozen before (a CRIU that died half way may leave the
 * freezer on), the network lock gone.
 */
static void dump_failed(struct vz_ct *ct, struct vz_cgroup *cg, bool was_frozen)
{
	if (cg && !was_frozen && vz_cgroup_frozen(cg) > 0)
		(void)vz_cgroup_freeze(cg, false, NULL);
	ct->running = vz_state_alive(&ct->state);
	(void)ct_net_lock(ct, false, NULL);
}

static int dump_to(struct vz_ct *ct, const char *tmp, const char *dir, vz_error_t *err)
{
	_cleanup_free_ char *work = make_workdir(ct, err);
	struct vz_cgroup *cg = vz_ct_cgroup(ct, err);
	_cleanup_free_ char *freezer = cg ? vz_cgroup_freezer_path(cg) : NULL;
	_cleanup_strv_ char **view = view_dump_external(ct);
	struct vz_criu_req req = {.images = tmp,
				  .workdir = work,
				  .pid = ct->state.pid,
				  .freezer = freezer,
				  .dump_external = view,
				  .console_tty = vz_state_get(&ct->state, VZ_STATE_CONSOLE)};

	bool was_frozen;

	int r;

	if (!work || !cg)
		return -1;
	was_frozen = vz_cgroup_frozen(cg) > 0;
	/*
	 * From the freeze until the host ends are gone: a packet reaching the
	 * CT once its sockets are closed would be answered with a reset.
	 */
	if (ct_net_lock(ct, true, err) < 0)
		return -1;
	if (vz_criu_dump(&req, err) < 0) {
		dump_failed(ct, cg, was_frozen);
		return -1;
	}
	if (keep_dump(ct, tmp, dir, err) < 0) {
		undo_dump(ct, tmp);
		return -1;
	}
	/* CRIU has killed the CT's processes: what is left is a stop's cleanup. */
	ct->running = false;
	r = ct_cleanup_locked(ct, err);
	(void)ct_net_lock(ct, false, NULL);
	if (r < 0)
		return vz_error_wrap(err, "checkpoint kept in '%s'; clean up after the CT", dir);
	return 0;
}

int vz_ct_chkpnt(struct vz_ct *ct, const char *dumpfile, vz_error_t *err)
{
	const char *dir = dump_dir(ct, dumpfile);
	_cleanup_free_ char *tmp = NULL;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (!ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id);
	if (path_exists_at(AT_FDCWD, dir))
		return vz_error_make(err, VZ_E_CHKPNT, 0,
				     "CT %s: '%s' exists already: restore from it or remove it",
				     ct->id, dir);
	tmp = make_tmp_dir(dir, err);
	if (!tmp)
		return vz_error_wrap(err, "checkpoint CT %s", ct->id);
	vz_info(ct->ctx, "Setting up checkpoint...");
	if (dump_to(ct, tmp, dir, err) < 0) {
		/* The CT runs on: the images are of no use. Otherwise they are all it has. */
		if (ct->running)
			(void)rm_rf_at(AT_FDCWD, tmp);
		else if (path_exists_at(AT_FDCWD, tmp))
			vz_warn(ct->ctx, "CT %s stopped: its images are kept in '%s'", ct->id, tmp);
		return vz_error_wrap(err, "checkpoint CT %s", ct->id);
	}
	vz_info(ct->ctx, "Checkpointing completed successfully");
	return 0;
}

/* ---- post-copy: the source's half ---- */

struct vz_ct_lazy_out {
	struct vz_criu_run run;
	char *dir;
	int ps; /* our own reference to the page stream, to cut it */
	bool was_frozen;
};

static void lazy_out_free(struct vz_ct_lazy_out *lo)
{
	closep(&lo->ps);
	free(lo->run.workdir);
	free(lo->dir);
	free(lo);
}

/* CRIU started, and the images are sealed in place: 0; else the CT runs on. */
static int lazy_dump_to(struct vz_ct *ct, const char *tmp, struct vz_ct_lazy_out *lo,
			vz_error_t *err)
{
	_cleanup_free_ char *work = make_workdir(ct, err);
	struct vz_cgroup *cg = vz_ct_cgroup(ct, err);
	_cleanup_free_ char *freezer = cg ? vz_cgroup_freezer_path(cg) : NULL;
	_cleanup_strv_ char **view = view_dump_external(ct);
	struct vz_criu_req req = {.images = tmp,
				  .workdir = work,
				  .pid = ct->state.pid,
				  .freezer = freezer,
				  .dump_external = view,
				  .ps_socket = lo->ps,
				  .console_tty = vz_state_get(&ct->state, VZ_STATE_CONSOLE)};

	if (!work || !cg)
		return -1;
	lo->was_frozen = vz_cgroup_frozen(cg) > 0;
	if (ct_net_lock(ct, true, err) < 0)
		return -1;
	if (vz_criu_dump_lazy(&req, &lo->run, err) < 0) {
		dump_failed(ct, cg, lo->was_frozen);
		return -1;
	}
	if (keep_dump(ct, tmp, lo->dir, err) < 0) {
		/* The CT is still whole here: stop serving and let it run on. */
		_cleanup_error_ vz_error_t e = NULL;

		(void)vz_ct_chkpnt_lazy_end(ct, lo, true, &e);
		return -2;
	}
	return 0;
}

struct vz_ct_lazy_out *vz_ct_chkpnt_lazy(struct vz_ct *ct, const char *dumpfile, int ps_socket,
					 vz_error_t *err)
{
	struct vz_ct_lazy_out *lo;
	_cleanup_free_ char *tmp = NULL;
	int r;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return NULL;
	if (!ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id),
		       NULL;
	if (path_exists_at(AT_FDCWD, dumpfile))
		return vz_error_make(err, VZ_E_CHKPNT, 0, "CT %s: '%s' exists already", ct->id,
				     dumpfile),
		       NULL;
	tmp = make_tmp_dir(dumpfile, err);
	if (!tmp)
		return vz_error_wrap(err, "checkpoint CT %s", ct->id), NULL;
	lo = xzalloc(sizeof(*lo));
	lo->dir = xstrdup(dumpfile);
	lo->ps = fcntl(ps_socket, F_DUPFD_CLOEXEC, 3);
	lo->run.pid = lo->run.pidfd = -1;
	vz_info(ct->ctx, "Setting up checkpoint (memory left to be served)...");
	r = lo->ps < 0 ? vz_error_make(err, VZ_E_SYSTEM, errno, "dup")
		       : lazy_dump_to(ct, tmp, lo, err);
	if (r < 0) {
		(void)rm_rf_at(AT_FDCWD, tmp);
		/* -2: lazy_dump_to ended the run and freed lo already. */
		if (r != -2)
			lazy_out_free(lo);
		return vz_error_wrap(err, "checkpoint CT %s", ct->id), NULL;
	}
	return lo;
}

int vz_ct_chkpnt_lazy_end(struct vz_ct *ct, struct vz_ct_lazy_out *lo, bool cut, vz_error_t *err)
{
	int r;

	/* CRIU's page server reads end of file and rolls the CT back to running. */
	if (cut)
		(void)shutdown(lo->ps, SHUT_RDWR);
	r = vz_criu_finish(&lo->run, -1, err);
	if (r == 0) {
		/* Every page is there: CRIU has killed the CT's processes here. */
		ct->running = false;
		r = ct_cleanup_locked(ct, err);
		(void)ct_net_lock(ct, false, NULL);
		(void)rm_rf_at(AT_FDCWD, lo->dir);
		lazy_out_free(lo);
		return r;
	}
	dump_failed(ct, vz_ct_cgroup(ct, NULL), lo->was_frozen);
	/* Without its memory the dump cannot be restored: only the running CT counts. */
	(void)rm_rf_at(AT_FDCWD, lo->dir);
	if (!ct->running)
		vz_warn(ct->ctx, "CT %s did not survive the failed post-copy checkpoint", ct->id);
	else
		/* Its addresses may have moved to where it ran meanwhile: call them back. */
		ct_net_announce(ct);
	lazy_out_free(lo);
	return cut ? 0 : -1;
}
