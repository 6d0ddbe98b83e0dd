/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Start, stop, restart, freeze and clean up a CT. Trust model: called from
 * vzd workers on a CT object opened under its lock; nothing inside the
 * CT's root is trusted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/internal.h"
#include "ct/ctid.h"
#include "res/cpuio.h"
#include "res/devices.h"
#include "sandbox/mount.h"
#include "sandbox/spawn.h"
#include "sandbox/viewmount.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/syscalls.h"
#include "util/xalloc.h"

/* The CT must have an init to exec; say so before any namespace is made. */
static int check_init(struct vz_ct *ct, vz_error_t *err)
{
	_cleanup_close_ int rootfd = open(ct->path.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;

	if (rootfd < 0)
		return vz_error_make(err, VZ_E_NOT_MOUNTED, errno, "open '%s'", ct->path.root);
	fd = vz_open_in_root(rootfd, "sbin/init", O_PATH);
	if (fd < 0)
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, -fd, "bad CT: /sbin/init");
	return 0;
}

static char **init_env(void)
{
	char **env = xzalloc(4 * sizeof(char *));

	env[0] = xstrdup("container=vz");
	env[1] = xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env[2] = xstrdup("TERM=linux");
	return env;
}

static int prepare_init(void *data, pid_t pid, vz_error_t *err)
{
	return ct_net_start(data, pid, err);
}

/* What a CT starts as: its own init, or (runscript) a script in init's place. */
struct init_spec {
	char *const *argv;
	const int *stdio; /* its stdin, stdout, stderr; NULL: /dev/null */
	bool keep_mount;  /* mounted before: a failed start leaves it so */
};

/*
 * The CT's directory in the /proc view when a view runs (the state says
 * so, for a checkpoint to pass its binds to CRIU); without one the CT gets
 * the host's files, with a warning.
 */
static char *ct_view_dir(struct vz_ct *ct)
{
	_cleanup_free_ char *live = vz_view_dir_live(ct->ctx->rundir);
	char *view = live ? xasprintf("%s/%s", live, ct->id) : NULL;

	if (!view)
		vz_warn(ct->ctx,
			"the /proc view is not running: CT %s sees the host's "
			"memory, CPUs and uptime in /proc",
			ct->id);
	(void)vz_state_set(&ct->state, VZ_STATE_VIEW, view ? "yes" : NULL, NULL);
	return view;
}

/* init on con, the CT's console; a script (is) on the caller's stdio. */
static int spawn_ct_init(struct vz_ct *ct, struct vz_cgroup *cg, const struct init_spec *is,
			 const struct ct_console *con, const struct vz_ct_devices *devs,
			 pid_t *ret_pid, vz_error_t *err)
{
	char *argv[] = {"/sbin/init", NULL};
	_cleanup_strv_ char **env = init_env();
	_cleanup_free_ char *cg2 = vz_cgroup_v2_path(cg);
	_cleanup_free_ char *view = ct_view_dir(ct);
	struct vz_spawn_init_params p = {
		.ctid = ct->id,
		.rootfs = ct->path.root,
		.hostname = vz_config_get(ct->cfg, "HOSTNAME"),
		.cg = cg,
		.argv = is ? is->argv : argv,
		.envp = env,
		.stdio_fd = is ? -1 : con->slave,
		.stdio = is ? is->stdio : NULL,
		.console = is ? NULL : con->path,
		.view = view,
		.cgroup2_path = cg2,
		.confine = ct_confine(ct),
		.pty_max = ct_res_pty_max(ct->cfg),
		.shm_size = ct_res_shm_size(ct->cfg),
		.dev_nodes = devs->nodes,
		.n_dev_nodes = devs->n_nodes,
		.prepare = prepare_init,
		.prepare_data = ct,
	};

	struct vz_cgroup_v1_dir *v1 = NULL;
	int n = 0, r;

	if (ct_uid_range(ct, &p.uid_base, &p.uid_size, err) < 0 ||
	    vz_cgroup_delegate(cg, p.uid_base, err) < 0)
		return -1;
	if (ct_cgroup_hybrid(ct, cg) && (n = vz_cgroup_v1_dirs(cg, &v1, err)) < 0)
		return -1;
	p.cgroup_v1 = v1;
	p.n_cgroup_v1 = (size_t)n;
	r = vz_spawn_init(&p, ret_pid, err);
	vz_cgroup_v1_dirs_free(v1, (size_t)n);
	return r;
}

/* Start the CT as is says (NULL: its init, then its CTID.start script). */
static int do_start(struct vz_ct *ct, const struct init_spec *is, pid_t *ret_pid, vz_error_t *err)
{
	struct ct_console con = {.master = -EBADF, .slave = -EBADF};
	_cleanup_(vz_ct_devices_free) struct vz_ct_devices devs = {0};
	struct vz_cgroup *cg;
	pid_t pid = 0;

	if (!is)
		vz_info(ct->ctx, "Starting container...");
	/* Its allow-list and its /dev's nodes, from one look at the host's /dev. */
	if (ct_devices(ct->cfg, &devs, err) < 0 || ct_mount(ct, err) < 0)
		return -1;
	if ((!is && check_init(ct, err) < 0) || ct_write_files(ct, ct->cfg, err) < 0 ||
	    ct_begin_state(ct, err) < 0)
		goto err_umount;
	cg = vz_ct_cgroup(ct, err);
	if (!cg || vz_cgroup_create(cg, err) < 0)
		goto err_cleanup;
	/* Limits before the first process; rlimits are inherited from this worker. */
	if (ct_res_start(ct, cg, &devs, err) < 0)
		goto err_cleanup;
	ct_res_sync_weight(ct, cg);
	if ((!is && ct_console_make(ct, &con, err) < 0) ||
	    spawn_ct_init(ct, cg, is, &con, &devs, &pid, err) < 0)
		goto err_cleanup;
	if (ct_record_init(ct, pid, err) < 0)
		goto err_kill;
	if (ret_pid)
		*ret_pid = pid;
	if (is)
		return 0;
	ct_console_keep(ct, &con, pid);
	/* OpenVZ's CTID.start, in the CT: a failing one fails the start. */
	if (ct_action_script(ct, CT_ACTION_START, err) < 0)
		goto err_kill;
	vz_info(ct->ctx, "Container start in progress...");
	return 0;
err_kill:
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	ct->running = false;
err_cleanup:
	ct_console_close(&con);
	if (is && is->keep_mount)
		(void)ct_cleanup_keep_mount(ct, NULL);
	else
		(void)ct_cleanup_locked(ct, NULL);
	return -1;
err_umount:
	if (!is || !is->keep_mount)
		(void)ct_umount(ct, NULL);
	return -1;
}

/* A suspended CT starts where it was suspended, unless told to forget that. */
static int resume_or_forget(struct vz_ct *ct, unsigned flags, vz_error_t *err)
{
	if (flags & VZ_START_SKIP_RESUME) {
		int r;

		vz_info(ct->ctx, "Discarding the checkpoint of the suspended container");
		r = rm_rf_at(AT_FDCWD, ct->path.dump);
		if (r < 0)
			return vz_error_make(err, VZ_E_SYSTEM, -r,
					     "CT %s: remove its checkpoint '%s'", ct->id,
					     ct->path.dump);
		return 1;
	}
	if (vz_ct_restore(ct, NULL, err) == 0)
		return 0;
	return vz_error_wrap(err,
			     "CT %s is suspended and cannot resume; vzctl start "
			     "--skip-resume discards its checkpoint and starts it afresh",
			     ct->id);
}

/* As OpenVZ: an umount script that fails before a start leaves the CT mounted, and it starts. */
static int cleanup_before_start(struct vz_ct *ct, vz_error_t *err)
{
	vz_error_t e = NULL;

	if (ct_cleanup_locked(ct, &e) == 0)
		return 0;
	if (e->code != VZ_E_ACTIONSCRIPT)
		return vz_error_move(err, &e);
	vz_warn(ct->ctx, "%s", e->msg);
	vz_error_release(&e);
	return 0;
}

int vz_ct_start(struct vz_ct *ct, unsigned flags, vz_error_t *err)
{
	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (ct->running)
		return vz_error_make(err, VZ_E_RUNNING, 0, "CT %s is already running", ct->id);
	if (vz_config_get_bool(ct->cfg, "DISABLED", false))
		return vz_error_make(err, VZ_E_START_DISABLED, 0,
				     "CT %s: start disabled (DISABLED=yes)", ct->id);
	if (vz_ct_has_dump(ct)) {
		int r = resume_or_forget(ct, flags, err);

		if (r <= 0)
			return r;
	}
	/*
	 * Leftovers of a CT that died while nobody watched; a mounted CT is
	 * unmounted and mounted again, its scripts run, as OpenVZ does.
	 */
	if (cleanup_before_start(ct, err) < 0)
		return -1;
	if (do_start(ct, NULL, NULL, err) < 0)
		return vz_error_wrap(err, "start CT %s", ct->id);
	return 0;
}

/* The signal that asks this init to power off. */
static int halt_signal(pid_t pid)
{
	char path[64], exe[4096];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return SIGINT;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (streq(base, "systemd"))
		return SIGRTMIN + 3;
	if (streq(base, "busybox"))
		return SIGUSR2;
	return SIGINT; /* sysvinit: ctrlaltdel, which shuts down */
}

/* Wait until the process behind pidfd exits; false on timeout. */
static bool wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* STOP_TIMEOUT of the config; vz.conf's default when the config lacks it or went bad. */
static unsigned stop_timeout(const struct vz_ct *ct)
{
	const char *v = ct->cfg ? vz_config_get(ct->cfg, "STOP_TIMEOUT") : NULL;

	return v ? (unsigned)strtoul(v, NULL, 10) : ct->ctx->stop_timeout;
}

static int kill_ct(struct vz_ct *ct, int pidfd, bool fast, vz_error_t *err)
{
	struct vz_cgroup *cg = vz_ct_cgroup(ct, NULL);

	/* A suspended CT hears neither the halt signal nor SIGKILL until thawed. */
	if (cg && vz_cgroup_frozen(cg) > 0 && vz_cgroup_freeze(cg, false, err) < 0)
		return -1;
	if (!fast) {
		(void)vz_pidfd_send_signal(pidfd, halt_signal(ct->state.pid), NULL, 0);
		if (wait_exit(pidfd, (int)stop_timeout(ct) * 1000))
			return 0;
		vz_warn(ct->ctx, "CT %s did not stop in %us: killing it", ct->id, stop_timeout(ct));
	}
	/* SIGKILL to a pid namespace's init kills every process in it. */
	if (vz_pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return vz_error_make(err, VZ_E_STOP, errno, "kill init of CT %s", ct->id);
	if (!wait_exit(pidfd, 10000))
		return vz_error_make(err, VZ_E_STOP, ETIMEDOUT, "CT %s: init does not die", ct->id);
	if (cg)
		(void)vz_cgroup_kill_all(cg, NULL);
	return 0;
}

/* Something to clean: a state file whose init is gone (or one that does not parse). */
static bool needs_cleanup(struct vz_ctx *ctx, const char *ctid)
{
	_cleanup_ct_ struct vz_ct *ct = vz_ct_open(ctx, ctid, VZ_CT_ANY_CONFIG, NULL);

	return ct && (ct->state_bad || (ct->state.exists && !ct->running));
}

int vz_ct_cleanup(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	/*
	 * Most inits die under a stop that is still cleaning up and holds the
	 * lock. Poll rather than queue for it: once that stop is done there is
	 * nothing left to do, and taking the lock then would only make a start
	 * right after the stop fail as "locked".
	 */
	for (int waited = 0; waited < 30000; waited += 10) {
		_cleanup_ct_ struct vz_ct *ct = NULL;
		struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};

		if (!needs_cleanup(ctx, ctid))
			return 0;
		ct = vz_ct_open(ctx, ctid, VZ_CT_LOCK | VZ_CT_TRYLOCK | VZ_CT_ANY_CONFIG, NULL);
		if (ct)
			return ct_cleanup_locked(ct, err);
		(void)nanosleep(&ts, NULL);
	}
	return vz_error_make(err, VZ_E_LOCKED, 0, "CT %s: cleanup: locked for 30 s", ctid);
}

static int not_running(struct vz_ct *ct, vz_error_t *err)
{
	return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id);
}

static bool frozen(struct vz_ct *ct)
{
	struct vz_cgroup *cg = vz_ct_cgroup(ct, NULL);

	return cg && vz_cgroup_frozen(cg) > 0;
}

static int do_stop(struct vz_ct *ct, bool fast, bool keep_mount, vz_error_t *err)
{
	_cleanup_close_ int pidfd = -EBADF;

	if (!ct->running) {
		/* Leftovers of a dead init go; a CT mounted on purpose stays so. */
		if (ct->state.exists || ct->state_bad)
			(void)ct_cleanup_locked(ct, NULL);
		return not_running(ct, err);
	}
	pidfd = vz_pidfd_open(ct->state.pid, 0);
	if (pidfd < 0)
		return vz_error_make(err, VZ_E_STOP, errno, "CT %s: open init", ct->id);
	/* The pid could have been recycled between the check and the open. */
	if (!vz_state_alive(&ct->state))
		return not_running(ct, err);
	/* OpenVZ's CTID.stop, in the CT; --fast skips it, and a frozen CT cannot run it. */
	if (!fast && !frozen(ct) && ct_action_script(ct, CT_ACTION_STOP, err) < 0)
		return vz_error_wrap(err, "CT %s was not stopped (--fast skips its stop script)",
				     ct->id);
	vz_info(ct->ctx, "Stopping container ...");
	if (kill_ct(ct, pidfd, fast, err) < 0)
		return -1;
	vz_info(ct->ctx, "Container was stopped");
	ct->running = false;
	if (keep_mount)
		return ct_cleanup_keep_mount(ct, err);
	return ct_cleanup_locked(ct, err);
}

int vz_ct_stop_mounted(struct vz_ct *ct, bool fast, bool keep_mount, vz_error_t *err)
{
	/* No config needed: a CT whose config went bad must still stop. */
	if (ct_require_lock(ct, err) < 0)
		return -1;
	if (!ct->exists)
		return vz_error_make(err, VZ_E_NOCONFIG, 0, "CT %s does not exist", ct->id);
	return do_stop(ct, fast, keep_mount, err);
}

int vz_ct_stop(struct vz_ct *ct, bool fast, vz_error_t *err)
{
	return vz_ct_stop_mounted(ct, fast, false, err);
}

int vz_ct_restart(struct vz_ct *ct, vz_error_t *err)
{
	vz_error_t e = NULL;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (vz_config_get_bool(ct->cfg, "DISABLED", false))
		return vz_error_make(err, VZ_E_START_DISABLED, 0,
				     "CT %s: start disabled (DISABLED=yes), not restarting it",
				     ct->id);
	vz_info(ct->ctx, "Restarting container");
	/* A CT that was not running just starts (the caller's err may be NULL). */
	if (do_stop(ct, false, false, &e) < 0) {
		if (e->code != VZ_E_NOT_RUNNING) {
			if (err)
				*err = e;
			else
				vz_error_release(&e);
			return -1;
		}
		vz_error_release(&e);
	}
	if (cleanup_before_start(ct, err) < 0)
		return -1;
	if (do_start(ct, NULL, NULL, err) < 0)
		return vz_error_wrap(err, "start CT %s", ct->id);
	return 0;
}

int vz_ct_suspend(struct vz_ct *ct, bool resume, vz_error_t *err)
{
	struct vz_cgroup *cg;
	int frozen;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (!ct->running)
		return not_running(ct, err);
	cg = vz_ct_cgroup(ct, err);
	if (!cg)
		return -1;
	frozen = vz_cgroup_frozen(cg);
	if (!resume && frozen > 0)
		return vz_error_make(err, VZ_E_CHKPNT, 0, "CT %s is already suspended", ct->id);
	if (resume && frozen == 0)
		return vz_error_make(err, VZ_E_RESTORE, 0, "CT %s is not suspended", ct->id);
	vz_info(ct->ctx, resume ? "Resuming container ..." : "Suspending container ...");
	if (vz_cgroup_freeze(cg, !resume, err) < 0) {
		/* A freeze that did not complete is undone: the CT runs on as before. */
		if (!resume)
			(void)vz_cgroup_freeze(cg, false, NULL);
		vz_error_recode(err, resume ? VZ_E_RESTORE : VZ_E_CHKPNT);
		return vz_error_wrap(err, "%s CT %s", resume ? "resume" : "suspend", ct->id);
	}
	vz_info(ct->ctx, resume ? "Container is resumed" : "Container is suspended");
	return 0;
}

int vz_ct_mount(struct vz_ct *ct, vz_error_t *err)
{
	struct vz_storage *s;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (ct->running)
		return vz_error_make(err, VZ_E_RUNNING, 0, "CT %s is running (and so mounted)",
				     ct->id);
	s = vz_ct_storage(ct, err);
	if (!s)
		return -1;
	/* OpenVZ: not an error, so that scripts may mount whatever the state. */
	if (vz_storage_mounted(s)) {
		vz_info(ct->ctx, "Container is already mounted");
		return 0;
	}
	/* What a start that died half way left (its groups, its network) goes first. */
	if ((ct->state.exists || ct->state_bad) && ct_cleanup_locked(ct, err) < 0)
		return vz_error_wrap(err, "mount CT %s", ct->id);
	if (ct_mount(ct, err) < 0)
		return vz_error_wrap(err, "mount CT %s", ct->id);
	return 0;
}

int vz_ct_umount(struct vz_ct *ct, vz_error_t *err)
{
	struct vz_storage *s;
	int r;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (ct->running)
		return vz_error_make(err, VZ_E_RUNNING, 0, "CT %s is running: stop it first",
				     ct->id);
	s = vz_ct_storage(ct, err);
	if (!s)
		return -1;
	if (!vz_storage_mounted(s))
		return vz_error_make(err, VZ_E_NOT_MOUNTED, 0, "CT %s is not mounted", ct->id);
	r = ct->state.exists || ct->state_bad ? ct_cleanup_locked(ct, err) : ct_umount(ct, err);
	if (r < 0)
		return vz_error_wrap(err, "unmount CT %s", ct->id);
	return 0;
}

int vz_ct_runscript(struct vz_ct *ct, const struct vz_ct_runscript_opts *o,
		    struct vz_ct_runscript *ret, vz_error_t *err)
{
	char *argv[] = {"/bin/sh", "-c", (char *)o->text, (char *)(o->name ? o->name : "runscript"),
			NULL};
	struct vz_ct_exec_opts eo = {.argv = argv, .raw_argv = true};
	struct init_spec is = {.argv = argv, .stdio = o->stdio};
	struct vz_storage *s;

	memset(ret, 0, sizeof(*ret));
	if (ct_require_config(ct, err) < 0)
		return -1;
	if (ct->running) {
		memcpy(eo.stdio, o->stdio, sizeof(eo.stdio));
		return vz_ct_exec(ct, &eo, &ret->pid, err);
	}
	/* Stopped: started with the script as its only process, which needs the lock. */
	if (ct_require_lock(ct, err) < 0)
		return -1;
	if (vz_ct_has_dump(ct))
		return vz_error_make(err, VZ_E_RESTORE, 0,
				     "CT %s is suspended: resume it, or start it with "
				     "--skip-resume, to run a script in it",
				     ct->id);
	if (ct->state.exists || ct->state_bad) {
		if (ct_cleanup_locked(ct, err) < 0)
			return -1;
	}
	s = vz_ct_storage(ct, err);
	if (!s)
		return -1;
	ret->was_mounted = is.keep_mount = vz_storage_mounted(s);
	if (do_start(ct, &is, &ret->pid, err) < 0)
		return vz_error_wrap(err, "runscript: start CT %s", ct->id);
	ret->started = true;
	return 0;
}

int vz_ct_runscript_end(struct vz_ct *ct, const struct vz_ct_runscript *run, vz_error_t *err)
{
	if (!run->started)
		return 0;
	/* The script was init: its end took every other process of the CT along. */
	ct->running = false;
	if (run->was_mounted)
		return ct_cleanup_keep_mount(ct, err);
	return ct_cleanup_locked(ct, err);
}
