/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The source's end of a migration (see migrate.h and receive.c for the
 * destination's). Runs in a vzd worker that holds the CT's lock from the
 * first check to the last cleanup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "criu/criu.h"
#include "ct/ct.h"
#include "migrate/chan.h"
#include "migrate/migrate.h"
#include "migrate/remote.h"
#include "res/disk.h"
#include "storage/storage.h"
#include "template/template.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* How long the destination may take to answer: checks, and a start or a restore. */
#define QUICK_MS (60 * 1000)
#define SLOW_MS (15 * 60 * 1000)

struct mig {
	struct vz_ct *ct;
	const struct vz_migrate_opts *o;
	struct vz_remote remote;
	struct vz_chan ch;
	pid_t ssh;
	int in, out;
	char *dst_private, *dst_dump;
	char *lower;			 /* overlay: the id of the CT's template tree */
	char *lower_stage;		 /* where the destination, which lacks the tree, wants it */
	char *local_dump;		 /* online: the checkpoint, here until the CT runs there */
	struct vz_ct_lazy_out *lazy_out; /* lazy: the CT frozen here, its pages being served */
	pid_t pages_ssh;		 /* lazy: the page stream's ssh */
	int ps;				 /* lazy: the page stream, our end */
	bool was_running;		 /* offline: the CT ran before we stopped it */
	bool stopped_here; /* the CT no longer runs here: on failure it must come back */
	bool asked_to_run; /* the destination was told to start or restore */
	bool lost;	   /* the channel broke: what the destination did is unknown */
	bool image;	   /* the private area has a disk image: its files travel */
	uint64_t sent;	   /* bytes sent to the destination */
	double t0;
};

static uint64_t du_total;
static int du_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)flag;
	(void)f;
	du_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* What the private area takes on disk (a migration worker is single-threaded). */
static uint64_t disk_usage(const char *dir)
{
	du_total = 0;
	(void)nftw(dir, du_one, 64, FTW_PHYS | FTW_MOUNT);
	return du_total;
}

/* ---- the channel ---- */

/* Send request m (stolen) and read the answer, whatever it says. */
static struct vz_msg *ask_raw(struct mig *g, struct vz_msg *m, int timeout_ms, vz_error_t *err)
{
	_cleanup_msg_ struct vz_msg *req = m;
	struct vz_msg *res = NULL;

	if (!g->lost && vz_chan_send(&g->ch, req, err) == 0)
		res = vz_chan_recv(&g->ch, timeout_ms, err);
	else if (g->lost)
		vz_error_make(err, VZ_E_SYSTEM, EPIPE, "migration channel: closed");
	g->lost = !res;
	return res;
}

/* An answer with ok false is an error (res is freed). */
static struct vz_msg *check_ok(struct mig *g, struct vz_msg *res, vz_error_t *err)
{
	int64_t code = VZ_E_SYSTEM;

	if (!res || vz_msg_get_bool(res, "ok", false))
		return res;
	(void)vz_msg_get_int(res, "code", &code);
	vz_error_make(err, (int)code, 0, "%s: %s", g->remote.host,
		      vz_msg_get_str(res, "error") ?: "refused");
	vz_msg_free(res);
	return NULL;
}

static struct vz_msg *ask(struct mig *g, struct vz_msg *m, int timeout_ms, vz_error_t *err)
{
	return check_ok(g, ask_raw(g, m, timeout_ms, err), err);
}

static struct vz_msg *request(const char *op)
{
	struct vz_msg *m = vz_msg_new();

	vz_msg_set_str(m, "op", op);
	return m;
}

/* ssh HOST vzctl migrate-receive CTID, the channel on its stdin and stdout. */
static int connect_dest(struct mig *g, vz_error_t *err)
{
	char *cmd[] = {"vzctl", "--quiet", "migrate-receive", g->ct->id, NULL};

	g->ssh = vz_remote_spawn(&g->remote, cmd, &g->in, &g->out, err);
	if (g->ssh < 0)
		return -1;
	vz_chan_init(&g->ch, g->in, g->out);
	return 0;
}

static void disconnect(struct mig *g)
{
	if (g->ssh <= 0)
		return;
	closep(&g->out);
	closep(&g->in);
	/* ssh ends once its channel is closed; do not wait for ever on a hung peer. */
	for (int i = 0; i < 100 && waitpid(g->ssh, NULL, WNOHANG) == 0; i++)
		usleep(50 * 1000);
	if (waitpid(g->ssh, NULL, WNOHANG) == 0) {
		(void)kill(g->ssh, SIGKILL);
		(void)waitpid(g->ssh, NULL, 0);
	}
	g->ssh = 0;
	vz_chan_done(&g->ch);
}

/* A failure to reach the destination says what ssh said. */
static int unreachable(struct mig *g, vz_error_t *err)
{
	_cleanup_free_ char *last = vz_remote_last_words(&g->remote);

	if (last)
		return vz_error_wrap(err, "%s", last);
	return -1;
}

static int hello(struct mig *g, vz_error_t *err)
{
	struct vz_msg *m = request("hello");
	_cleanup_msg_ struct vz_msg *res = NULL;
	_cleanup_free_ char *self = vz_migrate_host_id(g->ct->ctx);
	const char *host, *priv, *dump;

	vz_msg_set_int(m, "proto", VZ_MIGRATE_PROTO);
	vz_msg_set_str(m, "ctid", g->ct->id);
	vz_msg_set_str(m, "uid_range", vz_config_get(g->ct->cfg, "UID_RANGE"));
	vz_msg_set_str(m, "layout", vz_config_get(g->ct->cfg, "VE_LAYOUT"));
	g->lower = vz_storage_read_lower(g->ct->path.private);
	if (g->lower) {
		_cleanup_free_ char *store = vz_path_unpacked(g->ct->ctx);
		_cleanup_free_ char *tree = vz_template_unpacked_path(store, g->lower);

		vz_msg_set_str(m, "lower", g->lower);
		/* A destination without the tree must have room for it as well. */
		vz_msg_set_int(m, "lower_bytes", (int64_t)disk_usage(tree));
	}
	vz_msg_set_int(m, "bytes", (int64_t)disk_usage(g->ct->path.private));
	g->image = vz_storage_path_has_image(g->ct->path.private);
	if (g->image) {
		/* The destination makes its own image for the CT's limits. */
		struct vz_disk_limits l;

		vz_disk_get(g->ct->cfg, &l);
		if (!vz_disk_limited(&l)) {
			vz_msg_free(m);
			return vz_error_make(err, VZ_E_DQ_USAGE, 0,
					     "the CT has a disk image but no DISKSPACE limit");
		}
		vz_msg_set_int(m, "disk_bytes", (int64_t)(l.space_hard * 1024));
		if (l.inodes_hard != VZ_DISK_UNLIMITED)
			vz_msg_set_int(m, "disk_inodes", (int64_t)l.inodes_hard);
	}
	vz_msg_set_bool(m, "online", g->o->online);
	vz_msg_set_bool(m, "lazy", g->o->lazy);
	res = ask_raw(g, m, QUICK_MS, err);
	if (!res)
		return unreachable(g, err);
	host = vz_msg_get_str(res, "host");
	if (host && streq(host, self))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s is this host: a CT cannot migrate to where it is",
				     g->o->host);
	res = check_ok(g, steal_ptr(res), err);
	if (!res)
		return -1;
	priv = vz_msg_get_str(res, "private");
	dump = vz_msg_get_str(res, "dump");
	if (!priv || !dump || priv[0] != '/' || dump[0] != '/')
		return vz_error_make(err, VZ_E_PROTOCOL, 0, "%s: no paths in its answer",
				     g->remote.host);
	g->dst_private = xstrdup(priv);
	g->dst_dump = xstrdup(dump);
	priv = vz_msg_get_str(res, "lower_stage");
	if (priv && priv[0] == '/')
		g->lower_stage = xstrdup(priv);
	return 0;
}

/* ---- the steps ---- */

/* An event for -j: phase, and optionally bytes and milliseconds with the rate. */
static void event(struct mig *g, const char *phase, uint64_t bytes, double secs)
{
	char b[32], ms[32], rate[32], total[32];

	snprintf(b, sizeof(b), "%" PRIu64, bytes);
	snprintf(ms, sizeof(ms), "%.0f", secs * 1000);
	snprintf(rate, sizeof(rate), "%.0f", secs > 0 ? (double)bytes / secs : 0.0);
	snprintf(total, sizeof(total), "%" PRIu64, g->sent);
	vz_event(g->ct->ctx, "migrate", "ctid", g->ct->id, "phase", phase, "bytes", b, "ms", ms,
		 "rate", rate, "sent", total, NULL);
}

static void report(struct mig *g, const char *phase, const char *what, uint64_t bytes, double secs)
{
	double mb = (double)bytes / 1e6;

	g->sent += bytes;
	vz_info(g->ct->ctx, "%s: %.1f MB in %.2f s (%.1f MB/s)", what, mb, secs,
		secs > 0 ? mb / secs : 0.0);
	event(g, phase, bytes, secs);
}

static int sync_tree_x(struct mig *g, const char *phase, const char *what, const char *src,
		       const char *dst, char *const *excludes, vz_error_t *err)
{
	double t = vz_now_s();
	uint64_t bytes = 0;

	vz_info(g->ct->ctx, "%s ...", what);
	if (vz_remote_sync(&g->remote, src, dst, excludes, &bytes, err) < 0)
		return vz_error_wrap(err, "%s", what);
	report(g, phase, what, bytes, vz_now_s() - t);
	return 0;
}

static int sync_tree(struct mig *g, const char *phase, const char *what, const char *src,
		     const char *dst, vz_error_t *err)
{
	return sync_tree_x(g, phase, what, src, dst, NULL, err);
}

/*
 * The private area. With a disk image, its files travel, not the image:
 * the image is mounted for the copy (a stopped CT's too: a stop unmounts
 * it), and the destination copies into an image of its own.
 */
static int sync_private(struct mig *g, const char *phase, const char *what, vz_error_t *err)
{
	if (!g->image)
		return sync_tree(g, phase, what, g->ct->path.private, g->dst_private, err);
	if (vz_storage_image_hold(g->ct->path.private, err) < 0)
		return -1;
	return sync_tree_x(g, phase, what, g->ct->path.private, g->dst_private,
			   vz_storage_sync_excludes(), err);
}

/* The image the copy mounted goes again, unless the CT runs or is mounted here. */
static void let_go_image(struct mig *g)
{
	if (g->image && !g->ct->running && !is_mount_point_at(AT_FDCWD, g->ct->path.root))
		(void)vz_storage_image_release(g->ct->path.private, NULL);
}

/*
 * overlay: the destination lacks the template tree the CT is layered on.
 * Send the tree itself (not the tarball, which this host may have replaced
 * since: the tree is what the upper was made against); it becomes the
 * destination's when the CT's config is adopted there.
 */
static int send_lower(struct mig *g, vz_error_t *err)
{
	_cleanup_free_ char *store = NULL, *tree = NULL;

	if (!g->lower_stage)
		return 0;
	store = vz_path_unpacked(g->ct->ctx);
	tree = vz_template_unpacked_path(store, g->lower);
	return sync_tree(g, "sync-template", "Copying the template tree (the destination lacks it)",
			 tree, g->lower_stage, err);
}

static int send_config(struct mig *g, vz_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	struct vz_msg *m = request("config");
	_cleanup_msg_ struct vz_msg *res = NULL;

	if (read_file_at(AT_FDCWD, g->ct->path.conf, 1 << 20, &text, NULL) < 0) {
		vz_msg_free(m);
		return vz_error_make(err, VZ_E_NOCONFIG, errno, "read '%s'", g->ct->path.conf);
	}
	vz_msg_set_str(m, "text", text);
	res = ask(g, m, QUICK_MS, err);
	return res ? 0 : -1;
}

/* Start or restore there; 0 once the destination says the CT runs. */
static int run_there(struct mig *g, const char *op, vz_error_t *err)
{
	_cleanup_msg_ struct vz_msg *res = NULL;

	vz_info(g->ct->ctx, "%s the container on %s ...",
		streq(op, "start") ? "Starting" : "Restoring", g->o->host);
	double t = vz_now_s();

	g->asked_to_run = true;
	res = ask(g, request(op), SLOW_MS, err);
	if (res)
		event(g, op, 0, vz_now_s() - t);
	return res ? 0 : -1;
}

static int offline(struct mig *g, vz_error_t *err)
{
	g->was_running = g->ct->running;
	if (g->was_running) {
		if (vz_ct_stop(g->ct, false, err) < 0)
			return -1;
		g->stopped_here = true;
	}
	if (sync_private(g, "sync-final", "Syncing the private area (final pass)", err) < 0 ||
	    send_config(g, err) < 0)
		return -1;
	return g->was_running ? run_there(g, "start", err) : 0;
}

static int online(struct mig *g, vz_error_t *err)
{
	double t;

	/* Iterative pre-copy is not built; where it could be, the operator hears why not. */
	vz_info(g->ct->ctx,
		"%s: the memory is copied once, while the CT is frozen (--lazy "
		"keeps the freeze short)",
		vz_criu_has_feature("mem_dirty_track")
			? "Iterative pre-copy is not implemented"
			: "This kernel cannot track dirty memory (no soft-dirty bits)");

	g->local_dump = xasprintf("%s.migrate", g->ct->path.dump);
	if (path_exists_at(AT_FDCWD, g->local_dump))
		return vz_error_make(err, VZ_E_CHKPNT, 0,
				     "'%s' is left from an earlier migration: restore the CT "
				     "from it (vzctl restore --dumpfile) or remove it",
				     g->local_dump);
	t = vz_now_s();
	if (vz_ct_chkpnt(g->ct, g->local_dump, err) < 0)
		return -1;
	g->stopped_here = true;
	event(g, "checkpoint", 0, vz_now_s() - t);
	if (sync_private(g, "sync-final", "Syncing the private area (final pass)", err) < 0 ||
	    sync_tree(g, "copy-checkpoint", "Copying the checkpoint", g->local_dump, g->dst_dump,
		      err) < 0 ||
	    send_config(g, err) < 0 || run_there(g, "restore", err) < 0)
		return -1;
	vz_info(g->ct->ctx, "The container was frozen for %.2f s", vz_now_s() - t);
	event(g, "frozen", 0, vz_now_s() - t);
	return 0;
}

/*
 * CRIU's dump here ends: cut, because the migration failed; or on its own,
 * when the destination has every page (whole: it said so) or the stream
 * broke. 0 when the CT has left this host, else it runs here again.
 */
static int end_lazy(struct mig *g, bool cut, bool whole, vz_error_t *err)
{
	struct vz_ct_lazy_out *lo = steal_ptr(g->lazy_out);
	int r;

	if (!lo)
		return 0;
	r = vz_ct_chkpnt_lazy_end(g->ct, lo, cut, err);
	if (whole && r < 0 && g->ct->running) {
		/* The destination said it has it all: one copy only, there. */
		_cleanup_error_ vz_error_t e = NULL;

		vz_warn(g->ct->ctx,
			"CRIU here failed after every page was sent (%s): stopping the "
			"copy here",
			(*err)->msg);
		vz_error_release(err);
		r = vz_ct_stop(g->ct, true, &e);
	}
	return r;
}

/*
 * The page stream: a socket here that CRIU's dump serves pages on, joined
 * by ssh to the destination's socket (relayed there by migrate-receive
 * --pages), over the shared connection.
 */
static int open_pages(struct mig *g, vz_error_t *err)
{
	_cleanup_msg_ struct vz_msg *res = ask(g, request("pages"), QUICK_MS, err);
	const char *path = res ? vz_msg_get_str(res, "socket") : NULL;

	if (!res)
		return -1;
	if (!path || path[0] != '/')
		return vz_error_make(err, VZ_E_PROTOCOL, 0, "%s: no page stream socket",
				     g->remote.host);
	char *cmd[] = {"vzctl",	     "--quiet", "migrate-receive", g->ct->id, "--pages",
		       (char *)path, NULL};

	g->pages_ssh = vz_remote_stream(&g->remote, cmd, &g->ps, err);
	return g->pages_ssh < 0 ? -1 : 0;
}

static void close_pages(struct mig *g)
{
	closep(&g->ps);
	if (g->pages_ssh > 0) {
		(void)kill(g->pages_ssh, SIGTERM);
		(void)waitpid(g->pages_ssh, NULL, 0);
	}
	g->pages_ssh = 0;
}

/*
 * Post-copy: the CT is dumped without its memory and restored there at
 * once; its pages follow, asked for as it touches them and sent in the
 * background. The destination answers once every page is there; until
 * then the CT's memory lives in two places and a failure rolls it back
 * to here (CRIU resumes it, and the destination's copy is removed).
 */
static int lazy(struct mig *g, vz_error_t *err)
{
	_cleanup_msg_ struct vz_msg *res = NULL;
	int64_t ran_ms = 0, pages_ms = 0, bytes = 0;
	double t, asked;

	g->local_dump = xasprintf("%s.migrate", g->ct->path.dump);
	if (path_exists_at(AT_FDCWD, g->local_dump))
		return vz_error_make(err, VZ_E_CHKPNT, 0,
				     "'%s' is left from an earlier migration: remove it",
				     g->local_dump);
	if (open_pages(g, err) < 0)
		return -1;
	t = vz_now_s();
	g->lazy_out = vz_ct_chkpnt_lazy(g->ct, g->local_dump, g->ps, err);
	if (!g->lazy_out)
		return -1;
	event(g, "checkpoint", 0, vz_now_s() - t);
	if (sync_private(g, "sync-final", "Syncing the private area (final pass)", err) < 0 ||
	    sync_tree(g, "copy-checkpoint", "Copying the checkpoint (without memory)",
		      g->local_dump, g->dst_dump, err) < 0 ||
	    send_config(g, err) < 0)
		return -1;
	vz_info(g->ct->ctx, "Restoring the container on %s, its memory following ...", g->o->host);
	asked = vz_now_s();
	g->asked_to_run = true;
	res = ask(g, request("restore"), SLOW_MS, err);
	if (!res)
		return -1;
	(void)vz_msg_get_int(res, "ran_ms", &ran_ms);
	(void)vz_msg_get_int(res, "pages_ms", &pages_ms);
	(void)vz_msg_get_int(res, "bytes", &bytes);
	vz_info(g->ct->ctx, "The container was frozen for %.2f s", asked - t + ran_ms / 1000.0);
	event(g, "frozen", 0, asked - t + ran_ms / 1000.0);
	report(g, "restore", "Its memory followed", bytes > 0 ? (uint64_t)bytes : 0,
	       pages_ms / 1000.0);
	return end_lazy(g, false, true, err);
}

/* ---- after ---- */

/*
 * Did the destination's CT come up although its answer was lost? Asked
 * anew once the destination's end has let go of the CT (its query waits
 * for the CT's lock): 1 yes, 0 no, -1 unknown (it cannot be reached).
 */
static int runs_there(struct mig *g)
{
	char *cmd[] = {"vzctl", "--quiet", "migrate-receive", g->ct->id, "--query", NULL};
	double until = vz_now_s() + SLOW_MS / 1000;
	int unreachable = 0;

	while (vz_now_s() < until && unreachable < 5) {
		_cleanup_free_ char *out = NULL;
		_cleanup_error_ vz_error_t e = NULL;

		if (vz_remote_run(&g->remote, cmd, &out, &e) == 0)
			return strncmp(out, "running", 7) == 0;
		/* Locked: the destination still works on it. Anything else: retry a few times. */
		if (e->code != VZ_E_LOCKED)
			unreachable++;
		sleep(1);
	}
	return -1;
}

/* Bring the CT back here as it was before the migration began. */
static int come_back(struct mig *g, vz_error_t *err)
{
	int r = 0;

	if (g->lazy_out) {
		vz_info(g->ct->ctx, "Resuming the container on this host ...");
		r = end_lazy(g, true, false, err);
		if (r == 0 && !g->ct->running)
			return vz_error_make(err, VZ_E_SYSTEM, 0,
					     "every page had been sent: the container left");
		return r;
	}
	if (!g->stopped_here)
		return 0;
	vz_info(g->ct->ctx, "Bringing the container back on this host ...");
	if (g->local_dump) {
		r = vz_ct_restore(g->ct, g->local_dump, err);
		if (r == 0)
			(void)rm_rf_at(AT_FDCWD, g->local_dump);
	} else if (g->was_running) {
		r = vz_ct_start(g->ct, 0, err);
	}
	return r;
}

static int abort_there(struct mig *g)
{
	_cleanup_error_ vz_error_t e = NULL;
	_cleanup_msg_ struct vz_msg *res = ask(g, request("abort"), SLOW_MS, &e);

	if (!res)
		vz_warn(g->ct->ctx, "%s: the half copy could not be removed there: %s", g->o->host,
			e->msg);
	return res ? 0 : -1;
}

/* The migration failed before the CT ran there: remove the half copy, bring the CT back. */
static void fail(struct mig *g)
{
	_cleanup_error_ vz_error_t e = NULL;

	/* With the channel gone the destination removes the half copy itself. */
	if (!g->lost)
		(void)abort_there(g);
	if (come_back(g, &e) < 0)
		vz_warn(g->ct->ctx, "CT %s could not be brought back: %s", g->ct->id, e->msg);
}

/* With the channel gone: remove what the migration left there, if anything. */
static void forget_there(struct mig *g)
{
	char *cmd[] = {"vzctl", "--quiet", "migrate-receive", g->ct->id, "--forget", NULL};
	_cleanup_error_ vz_error_t e = NULL;

	if (vz_remote_run(&g->remote, cmd, NULL, &e) < 0)
		vz_warn(g->ct->ctx, "%s: the half copy could not be removed there: %s", g->o->host,
			e->msg);
}

/*
 * Post-copy, the channel broke after the restore was asked for. CRIU's
 * dump here knows how it ended: every page served (the destination has
 * the whole CT and runs it), or not (it runs here again).
 */
static int settle_lazy(struct mig *g, vz_error_t *err)
{
	_cleanup_error_ vz_error_t e = NULL;

	vz_info(g->ct->ctx, "Waiting for the page transfer to end ...");
	if (end_lazy(g, false, false, &e) == 0 && !g->ct->running) {
		vz_warn(g->ct->ctx,
			"the answer of %s was lost, but every page reached it: the "
			"container runs there",
			g->o->host);
		vz_error_release(err);
		return 0;
	}
	forget_there(g);
	return vz_error_wrap(err, "the container runs on here");
}

/*
 * The channel broke after the destination was told to run the CT: it may
 * run there. 0: it does (the migration succeeded); < 0: it does not, or
 * nobody can tell, and err says which.
 */
static int settle(struct mig *g, vz_error_t *err)
{
	int there = runs_there(g);

	if (there == 1) {
		vz_warn(g->ct->ctx, "the answer of %s was lost, but the container runs there",
			g->o->host);
		vz_error_release(err);
		return 0;
	}
	if (there == 0) {
		forget_there(g);
		fail(g);
		return -1;
	}
	/* Bringing it back could make two: leave it stopped here, its checkpoint kept. */
	return vz_error_wrap(err,
			     "%s cannot be reached to tell whether the container runs there; "
			     "it is left stopped here%s%s: check %s, then restore it here or "
			     "destroy it",
			     g->o->host, g->local_dump ? ", its checkpoint in " : "",
			     g->local_dump ? g->local_dump : "", g->o->host);
}

/* The CT runs there (or was moved stopped): only the source copy is left to remove. */
static int finish(struct mig *g, vz_error_t *err)
{
	_cleanup_error_ vz_error_t e = NULL;
	_cleanup_msg_ struct vz_msg *res = g->lost ? NULL : ask(g, request("commit"), QUICK_MS, &e);

	if (g->local_dump)
		(void)rm_rf_at(AT_FDCWD, g->local_dump);
	if (g->o->keep_src) {
		vz_info(g->ct->ctx, "The source container is kept, stopped");
		return 0;
	}
	vz_info(g->ct->ctx, "Removing the source container ...");
	let_go_image(g);
	return vz_ct_destroy(g->ct, err);
}

static int migrate(struct mig *g, vz_error_t *err)
{
	if (connect_dest(g, err) < 0 || hello(g, err) < 0 || send_lower(g, err) < 0)
		return -1;
	if (sync_private(g, "sync", "Syncing the private area", err) < 0)
		return -1;
	if (g->o->lazy)
		return lazy(g, err);
	return g->o->online ? online(g, err) : offline(g, err);
}

static int check_source(struct vz_ct *ct, const struct vz_migrate_opts *o, vz_error_t *err)
{
	if (ct->lock_fd < 0)
		return vz_error_make(err, VZ_E_LOCKED, EINVAL, "CT %s: migrate without its lock",
				     ct->id);
	if (!ct->cfg)
		return vz_error_make(err, VZ_E_NOCONFIG, 0, "CT %s does not exist", ct->id);
	if ((o->online || o->lazy) && !ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0,
				     "CT %s is not running: an online migration moves a running "
				     "CT (without --online a stopped one moves as it is)",
				     ct->id);
	if (vz_ct_has_dump(ct))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "CT %s is suspended: resume it first (or start it with "
				     "--skip-resume)",
				     ct->id);
	if (o->lazy && vz_criu_lazy_check(true, err) < 0)
		return -1;
	return 0;
}

int vz_migrate(struct vz_ct *ct, const struct vz_migrate_opts *o, vz_error_t *err)
{
	_cleanup_free_ char *log = xasprintf("%s/%s.migrate.log", ct->ctx->rundir, ct->id);
	_cleanup_free_ char *ctl = xasprintf("%s/%s.ssh", ct->ctx->rundir, ct->id);
	struct mig g = {.ct = ct, .o = o, .in = -1, .out = -1, .ps = -1, .t0 = vz_now_s()};
	int r;

	if (check_source(ct, o, err) < 0 ||
	    vz_remote_init(&g.remote, o->host, o->ssh_opts, log, ctl, err) < 0)
		return vz_error_wrap(err, "migrate CT %s", ct->id);
	(void)unlink(log);
	if (vz_remote_is_local(&g.remote)) {
		vz_remote_done(&g.remote);
		return vz_error_make(
			err, VZ_E_VALUE, 0,
			"migrate CT %s: %s is this host: a CT cannot migrate to where it "
			"is",
			ct->id, o->host);
	}
	vz_info(ct->ctx, "Starting %s migration of CT %s to %s",
		o->lazy	    ? "post-copy"
		: o->online ? "online"
			    : "offline",
		ct->id, o->host);
	r = migrate(&g, err);
	if (r < 0 && g.lazy_out && g.asked_to_run && g.lost)
		r = settle_lazy(&g, err);
	else if (r < 0 && g.asked_to_run && g.lost)
		r = settle(&g, err);
	else if (r < 0)
		fail(&g);
	if (r == 0)
		r = finish(&g, err);
	close_pages(&g);
	disconnect(&g);
	let_go_image(&g);
	if (r == 0) {
		vz_info(ct->ctx, "Migration completed: %.1f MB sent in %.2f s", g.sent / 1e6,
			vz_now_s() - g.t0);
		event(&g, "done", 0, vz_now_s() - g.t0);
	}
	free(g.dst_private);
	free(g.lower);
	free(g.lower_stage);
	free(g.dst_dump);
	free(g.local_dump);
	vz_remote_done(&g.remote);
	if (r < 0)
		return vz_error_wrap(err, "migrate CT %s to %s", ct->id, o->host);
	return 0;
}
