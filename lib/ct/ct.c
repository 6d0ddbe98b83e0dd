/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: called from vzd workers with a CTID already checked by
 * vz_ctid_resolve(); configs are root-owned and validated on load. Nothing
 * inside the CT's root is trusted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "res/cpuio.h"
#include "ct/internal.h"
#include "ct/ctfile.h"
#include "ct/ct.h"
#include "ct/lock.h"
#include "sandbox/mount.h"
#include "sandbox/spawn.h"
#include "ct/state.h"
#include "util/syscalls.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct vz_config *vz_ct_load_config(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *path = vz_path_conf(ctx, ctid);
	vz_error_t e = NULL;
	struct vz_config *cfg = vz_config_load(path, &e);

	if (cfg)
		return cfg;
	if (e->code == VZ_E_NOCONFIG) {
		vz_error_release(&e);
		vz_error_make(&e, VZ_E_NOCONFIG, 0, "CT %s does not exist", ctid);
	}
	if (err)
		*err = e;
	else
		vz_error_release(&e);
	return NULL;
}

int ct_parse_uid_range(const struct vz_config *cfg, uint32_t *base, uint32_t *size)
{
	const char *v = vz_config_get(cfg, "UID_RANGE");
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

struct vz_cgroup *ct_cgroup(struct vz_ctx *ctx, const char *ctid, const char *prefix,
			    vz_error_t *err)
{
	return vz_cgroup_new(ctx->cgroup_root, -1, prefix ? prefix : ctx->cgroup_prefix, ctid, err);
}

bool ct_is_mounted(struct vz_ctx *ctx, const char *ctid)
{
	_cleanup_free_ char *root = vz_path_root(ctx, ctid);
	struct statx stx;

	if (statx(AT_FDCWD, root, AT_SYMLINK_NOFOLLOW, 0, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * How long an operation waits for another one on the same CT before it
 * fails with VZ_E_LOCKED: long enough to ride over vzd's own brief cleanups,
 * short enough that a stuck operation is reported, not waited out.
 */
#define LOCK_WAIT_MS 2000

int ct_lock(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *conf = vz_path_conf(ctx, ctid);

	/* No lock file for a CT that does not exist: they would pile up. */
	if (!path_exists_at(AT_FDCWD, conf))
		return vz_error_make(err, VZ_E_NOCONFIG, 0, "CT %s does not exist", ctid);
	return vz_lock_ct(ctx, ctid, LOCK_WAIT_MS, err);
}

int ct_lock_and_load(struct vz_ctx *ctx, const char *ctid, struct vz_config **ret_cfg,
		     vz_error_t *err)
{
	_cleanup_close_ int lock = -EBADF;

	lock = ct_lock(ctx, ctid, err);
	if (lock < 0)
		return -1;
	/* Read under the lock: a set or destroy may have changed it meanwhile. */
	*ret_cfg = vz_ct_load_config(ctx, ctid, err);
	if (!*ret_cfg)
		return -1;
	return take_fd(lock);
}

int vz_ct_status(struct vz_ctx *ctx, const char *ctid, struct vz_ct_status *ret, vz_error_t *err)
{
	_cleanup_free_ char *conf = vz_path_conf(ctx, ctid);
	struct vz_state st;

	memset(ret, 0, sizeof(*ret));
	ret->exist = path_exists_at(AT_FDCWD, conf);
	ret->mounted = ct_is_mounted(ctx, ctid);
	if (vz_state_read(ctx, ctid, &st, err) < 0)
		return -1;
	if (vz_state_alive(&st)) {
		_cleanup_cgroup_ struct vz_cgroup *cg =
			ct_cgroup(ctx, ctid, st.cgroup_prefix, NULL);

		ret->running = true;
		ret->pid = st.pid;
		ret->started = st.started;
		ret->suspended = cg && vz_cgroup_frozen(cg) > 0;
	}
	return 0;
}

static int ct_mount(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *priv = vz_path_private(ctx, ctid);
	_cleanup_free_ char *root = vz_path_root(ctx, ctid);
	struct stat st;

	if (stat(priv, &st) < 0 || !S_ISDIR(st.st_mode))
		return vz_error_make(err, VZ_E_NOPRIVATE, errno ? errno : ENOTDIR,
				     "private area '%s' not found", priv);
	if (ct_is_mounted(ctx, ctid))
		return 0;
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_NEW_ROOT, errno, "create '%s'", root);
	/* Private: the host's shared propagation must not copy CT mounts around. */
	if (mount(priv, root, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, root, NULL, MS_PRIVATE, NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mount '%s' on '%s'", priv, root);
	vz_info(ctx, "Container is mounted");
	return 0;
}

int ct_umount(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *root = vz_path_root(ctx, ctid);

	if (!ct_is_mounted(ctx, ctid))
		return 0;
	if (umount2(root, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return vz_error_make(err, VZ_E_UMOUNT, errno, "unmount '%s'", root);
	vz_info(ctx, "Container is unmounted");
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

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* What vz keeps in sync inside the CT's files at every start. */
/* resolv.conf from NAMESERVER and SEARCHDOMAIN, or NULL when neither is set. */
static char *resolv_conf(const struct vz_config *cfg)
{
	const char *ns = vz_config_get(cfg, "NAMESERVER"),
		   *search = vz_config_get(cfg, "SEARCHDOMAIN");
	_cleanup_free_ char *copy = xstrdup(ns ? ns : "");
	char *text, *save = NULL;

	if (!(ns && *ns) && !(search && *search))
		return NULL;
	text = xasprintf("# written by vz from NAMESERVER and SEARCHDOMAIN\n");
	if (search && *search) {
		char *t = xasprintf("%ssearch %s\n", text, search);
		free(text);
		text = t;
	}
	for (char *a = strtok_r(copy, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		char *t = xasprintf("%snameserver %s\n", text, a);
		free(text);
		text = t;
	}
	return text;
}

/* The CT's first IPv4 address now (what it has if running, else the config's). */
static char *first_ipv4(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg)
{
	_cleanup_free_ char *live = vz_ct_net_ips(ctx, ctid);
	const char *list = live ? live : vz_config_get(cfg, "IP_ADDRESS");

	for (const char *p = list; p && *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n && !memchr(p, ':', n))
			return xstrndup(p, strcspn(p, "/ \t"));
		p += n;
	}
	return NULL;
}

static int write_hosts(struct vz_ctx *ctx, const char *ctid, int rootfd,
		       const struct vz_config *cfg, uid_t owner, vz_error_t *err)
{
	_cleanup_free_ char *old = NULL, *ip = first_ipv4(ctx, ctid, cfg), *text = NULL;
	int r = vz_ctfile_read(rootfd, "etc/hosts", 1024 * 1024, &old);

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "read '/etc/hosts' in the CT");
	text = vz_hosts_update(old, vz_config_get(cfg, "HOSTNAME"), ip);
	return vz_ctfile_write(rootfd, "etc/hosts", text, owner, err);
}

int ct_write_files(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		   vz_error_t *err)
{
	_cleanup_free_ char *root = vz_path_root(ctx, ctid), *line = NULL, *resolv = NULL;
	_cleanup_close_ int rootfd = -EBADF;
	const char *hostname = vz_config_get(cfg, "HOSTNAME");
	uint32_t base, size;

	resolv = resolv_conf(cfg);
	if ((!hostname && !resolv) || ct_parse_uid_range(cfg, &base, &size) < 0)
		return 0;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vz_error_make(err, VZ_E_NOT_MOUNTED, errno, "open '%s'", root);
	if (hostname) {
		line = xasprintf("%s\n", hostname);
		if (vz_ctfile_write(rootfd, "etc/hostname", line, base, err) < 0)
			return -1;
	}
	if (resolv && vz_ctfile_write(rootfd, "etc/resolv.conf", resolv, base, err) < 0)
		return -1;
	return hostname ? write_hosts(ctx, ctid, rootfd, cfg, base, err) : 0;
}

/* The CT must have an init to exec; say so before any namespace is made. */
static int check_init(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *root = vz_path_root(ctx, ctid);
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -EBADF;

	if (rootfd < 0)
		return vz_error_make(err, VZ_E_NOT_MOUNTED, errno, "open '%s'", root);
	fd = vz_open_in_root(rootfd, "sbin/init", O_PATH);
	if (fd < 0)
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, -fd, "bad CT: /sbin/init");
	return 0;
}

struct prepare {
	struct vz_ctx *ctx;
	const char *ctid;
	const struct vz_config *cfg;
};

static int prepare_init(void *data, pid_t pid, vz_error_t *err)
{
	struct prepare *p = data;

	return ct_net_start(p->ctx, p->ctid, p->cfg, pid, err);
}

static int spawn_ct_init(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
			 struct vz_cgroup *cg, pid_t *ret_pid, vz_error_t *err)
{
	struct prepare prep = {ctx, ctid, cfg};
	_cleanup_free_ char *root = vz_path_root(ctx, ctid);
	char *argv[] = {"/sbin/init", NULL};
	char **env = init_env();
	_cleanup_free_ char *cg2 = vz_cgroup_v2_path(cg);
	struct vz_spawn_init_params p = {
		.ctid = ctid,
		.rootfs = root,
		.hostname = vz_config_get(cfg, "HOSTNAME"),
		.cg = cg,
		.argv = argv,
		.envp = env,
		.stdio_fd = -1,
		.cgroup2_path = cg2,
		.seccomp_fd = ctx->seccomp_fd,
		.pty_max = ct_res_pty_max(cfg),
		.prepare = prepare_init,
		.prepare_data = &prep,
	};
	int r;

	if (ct_parse_uid_range(cfg, &p.uid_base, &p.uid_size) < 0) {
		strv_free(env);
		return vz_error_make(err, VZ_E_NOCONFIG, 0, "UID_RANGE missing or invalid");
	}
	if (vz_cgroup_delegate(cg, p.uid_base, err) < 0) {
		strv_free(env);
		return -1;
	}
	r = vz_spawn_init(&p, ret_pid, err);
	strv_free(env);
	return r;
}

static int record_state(struct vz_ctx *ctx, const char *ctid, pid_t pid, vz_error_t *err)
{
	struct vz_state st = {.pid = pid, .started = time(NULL)};
	int r = vz_proc_stat(pid, &st.starttime, NULL);

	if (r < 0)
		return vz_error_make(err, VZ_E_CREATE, -r, "init died at start");
	snprintf(st.cgroup_prefix, sizeof(st.cgroup_prefix), "%s", ctx->cgroup_prefix);
	return vz_state_write(ctx, ctid, &st, err);
}

static int do_start(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		    vz_error_t *err)
{
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	pid_t pid = 0;

	vz_info(ctx, "Starting container...");
	if (ct_mount(ctx, ctid, err) < 0)
		return -1;
	if (check_init(ctx, ctid, err) < 0 || ct_write_files(ctx, ctid, cfg, err) < 0)
		goto err_umount;
	cg = ct_cgroup(ctx, ctid, NULL, err);
	if (!cg || vz_cgroup_create(cg, err) < 0)
		goto err_umount;
	/* Limits before the first process; rlimits are inherited from this worker. */
	if (ct_res_apply(ctx, ctid, cg, cfg, vz_res_bits_of_config(cfg), err) < 0 ||
	    ct_res_rlimits(ctx, cfg, 0, true, err) < 0)
		goto err_cgroup;
	ct_res_sync_weight(ctx, cg);
	if (spawn_ct_init(ctx, ctid, cfg, cg, &pid, err) < 0)
		goto err_cgroup;
	if (record_state(ctx, ctid, pid, err) < 0)
		goto err_kill;
	vz_info(ctx, "Container start in progress...");
	return 0;
err_kill:
	(void)kill(pid, SIGKILL);
err_cgroup:
	(void)ct_net_stop(ctx, ctid, NULL);
	if (cg) {
		(void)vz_cgroup_kill_all(cg, NULL);
		(void)vz_cgroup_destroy(cg, NULL);
		ct_res_sync_weight(ctx, cg);
	}
err_umount:
	(void)ct_umount(ctx, ctid, NULL);
	return -1;
}

int vz_ct_start(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct vz_ct_status s;

	lock = ct_lock_and_load(ctx, ctid, &cfg, err);
	if (lock < 0)
		return -1;
	if (vz_ct_status(ctx, ctid, &s, err) < 0)
		return -1;
	if (s.running)
		return vz_error_make(err, VZ_E_RUNNING, 0, "CT %s is already running", ctid);
	if (vz_config_get_bool(cfg, "DISABLED", false))
		return vz_error_make(err, VZ_E_START_DISABLED, 0,
				     "CT %s: start disabled (DISABLED=yes)", ctid);
	/* Leftovers of a CT that died while nobody watched. */
	if (ct_cleanup_locked(ctx, ctid, err) < 0)
		return -1;
	if (do_start(ctx, ctid, cfg, err) < 0)
		return vz_error_wrap(err, "start CT %s", ctid);
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

static unsigned stop_timeout(struct vz_ctx *ctx, const char *ctid)
{
	_cleanup_config_ struct vz_config *cfg = vz_ct_load_config(ctx, ctid, NULL);
	const char *v = cfg ? vz_config_get(cfg, "STOP_TIMEOUT") : NULL;

	return v ? (unsigned)strtoul(v, NULL, 10) : ctx->stop_timeout;
}

static int kill_ct(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st, int pidfd,
		   bool fast, vz_error_t *err)
{
	_cleanup_cgroup_ struct vz_cgroup *cg = ct_cgroup(ctx, ctid, st->cgroup_prefix, NULL);

	/* A suspended CT hears neither the halt signal nor SIGKILL until thawed. */
	if (cg && vz_cgroup_frozen(cg) > 0 && vz_cgroup_freeze(cg, false, err) < 0)
		return -1;
	if (!fast) {
		(void)vz_pidfd_send_signal(pidfd, halt_signal(st->pid), NULL, 0);
		if (wait_exit(pidfd, (int)stop_timeout(ctx, ctid) * 1000))
			return 0;
		vz_warn(ctx, "CT %s did not stop in %us: killing it", ctid,
			stop_timeout(ctx, ctid));
	}
	/* SIGKILL to a pid namespace's init kills every process in it. */
	if (vz_pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return vz_error_make(err, VZ_E_STOP, errno, "kill init of CT %s", ctid);
	if (!wait_exit(pidfd, 10000))
		return vz_error_make(err, VZ_E_STOP, ETIMEDOUT, "CT %s: init does not die", ctid);
	if (cg)
		(void)vz_cgroup_kill_all(cg, NULL);
	return 0;
}

int ct_cleanup_locked(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	struct vz_state st;

	if (vz_state_read(ctx, ctid, &st, err) < 0) {
		/* A corrupt state file describes nothing we can trust: drop it. */
		vz_error_release(err);
	} else if (st.pid && vz_state_alive(&st)) {
		return 0;
	}
	cg = ct_cgroup(ctx, ctid, st.pid ? st.cgroup_prefix : NULL, err);
	if (!cg)
		return -1;
	if (vz_cgroup_kill_all(cg, err) < 0 || vz_cgroup_destroy(cg, err) < 0)
		return -1;
	ct_res_sync_weight(ctx, cg);
	/* The CT's network namespace died with its last process; proxies did not. */
	if (ct_net_stop(ctx, ctid, err) < 0)
		return -1;
	if (ct_umount(ctx, ctid, err) < 0)
		return -1;
	return vz_state_remove(ctx, ctid, err);
}

/* Something to clean: a state file whose init is gone. */
static bool needs_cleanup(struct vz_ctx *ctx, const char *ctid)
{
	struct vz_state st;

	if (vz_state_read(ctx, ctid, &st, NULL) < 0)
		return true;
	return st.pid != 0 && !vz_state_alive(&st);
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
		_cleanup_close_ int lock = -EBADF;
		struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};

		if (!needs_cleanup(ctx, ctid))
			return 0;
		lock = vz_lock_ct(ctx, ctid, 0, NULL);
		if (lock >= 0)
			return ct_cleanup_locked(ctx, ctid, err);
		(void)nanosleep(&ts, NULL);
	}
	return vz_error_make(err, VZ_E_LOCKED, 0, "CT %s: cleanup: locked for 30 s", ctid);
}

static int do_stop(struct vz_ctx *ctx, const char *ctid, bool fast, vz_error_t *err)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct vz_state st;

	if (vz_state_read(ctx, ctid, &st, err) < 0)
		return -1;
	if (!vz_state_alive(&st)) {
		(void)ct_cleanup_locked(ctx, ctid, NULL);
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ctid);
	}
	pidfd = vz_pidfd_open(st.pid, 0);
	if (pidfd < 0)
		return vz_error_make(err, VZ_E_STOP, errno, "CT %s: open init", ctid);
	/* The pid could have been recycled between the check and the open. */
	if (!vz_state_alive(&st))
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ctid);
	vz_info(ctx, "Stopping container ...");
	if (kill_ct(ctx, ctid, &st, pidfd, fast, err) < 0)
		return -1;
	vz_info(ctx, "Container was stopped");
	return ct_cleanup_locked(ctx, ctid, err);
}

int vz_ct_stop(struct vz_ctx *ctx, const char *ctid, bool fast, vz_error_t *err)
{
	_cleanup_close_ int lock = -EBADF;

	/* No config needed: a CT whose config went bad must still stop. */
	lock = ct_lock(ctx, ctid, err);
	if (lock < 0)
		return -1;
	return do_stop(ctx, ctid, fast, err);
}

int vz_ct_restart(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = NULL;
	_cleanup_close_ int lock = -EBADF;

	lock = ct_lock_and_load(ctx, ctid, &cfg, err);
	if (lock < 0)
		return -1;
	if (vz_config_get_bool(cfg, "DISABLED", false))
		return vz_error_make(err, VZ_E_START_DISABLED, 0,
				     "CT %s: start disabled (DISABLED=yes), not restarting it",
				     ctid);
	vz_info(ctx, "Restarting container");
	if (do_stop(ctx, ctid, false, err) < 0) {
		if ((*err)->code != VZ_E_NOT_RUNNING)
			return -1;
		vz_error_release(err);
	}
	if (ct_cleanup_locked(ctx, ctid, err) < 0)
		return -1;
	if (do_start(ctx, ctid, cfg, err) < 0)
		return vz_error_wrap(err, "start CT %s", ctid);
	return 0;
}

int vz_ct_suspend(struct vz_ctx *ctx, const char *ctid, bool resume, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = NULL;
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct vz_state st;
	int frozen;

	lock = ct_lock_and_load(ctx, ctid, &cfg, err);
	if (lock < 0 || vz_state_read(ctx, ctid, &st, err) < 0)
		return -1;
	if (!vz_state_alive(&st))
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ctid);
	cg = ct_cgroup(ctx, ctid, st.cgroup_prefix, err);
	if (!cg)
		return -1;
	frozen = vz_cgroup_frozen(cg);
	if (!resume && frozen > 0)
		return vz_error_make(err, VZ_E_CHKPNT, 0, "CT %s is already suspended", ctid);
	if (resume && frozen == 0)
		return vz_error_make(err, VZ_E_RESTORE, 0, "CT %s is not suspended", ctid);
	vz_info(ctx, resume ? "Resuming container ..." : "Suspending container ...");
	if (vz_cgroup_freeze(cg, !resume, err) < 0) {
		/* A freeze that did not complete is undone: the CT runs on as before. */
		if (!resume)
			(void)vz_cgroup_freeze(cg, false, NULL);
		vz_error_recode(err, resume ? VZ_E_RESTORE : VZ_E_CHKPNT);
		return vz_error_wrap(err, "%s CT %s", resume ? "resume" : "suspend", ctid);
	}
	vz_info(ctx, resume ? "Container is resumed" : "Container is suspended");
	return 0;
}

int vz_ct_count_procs(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	struct vz_state st;

	if (vz_state_read(ctx, ctid, &st, err) < 0)
		return -1;
	if (!vz_state_alive(&st))
		return 0;
	cg = ct_cgroup(ctx, ctid, st.cgroup_prefix, err);
	if (!cg)
		return -1;
	return vz_cgroup_count_procs(cg, err);
}
