/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ's action scripts, in the config directory (<root>/conf, OpenVZ's
 * /etc/vz/conf): vps.mount, then CTID.mount, run on the host once the CT's
 * root is mounted; CTID.umount, then vps.umount, before it is unmounted;
 * CTID.start runs inside the CT once its init runs, CTID.stop inside it
 * before it is stopped.
 *
 * Trust model: called from vzd workers under the CT's lock. Host scripts
 * run as host root, so a script is run only when it is a regular file
 * owned by root that nobody else may write; the CT scripts are read on the
 * host under the same rule and run as CT root inside the CT, as vzctl exec
 * would. What any script prints is untrusted text: shown line by line,
 * control bytes replaced. A script that outlives ACTION_SCRIPT_TIMEOUT is
 * killed with its process group, so that it cannot hold the CT's lock
 * forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/internal.h"
#include "sandbox/spawn.h"
#include "util/clock.h"
#include "util/exec.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/syscalls.h"
#include "util/xalloc.h"

#define SCRIPT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* A CT script travels as one argument of sh -c: the kernel's MAX_ARG_STRLEN. */
#define SCRIPT_MAX (128 * 1024)
#define LINE_MAX_LEN 1024

static const struct {
	const char *suffix; /* OpenVZ's file name suffix */
	bool global_first;  /* vps.SUFFIX runs before CTID.SUFFIX (else after; or never) */
	bool global;	    /* there is a global vps.SUFFIX */
	bool in_ct;	    /* runs inside the CT */
} actions[] = {
	[CT_ACTION_MOUNT] = {"mount", true, true, false},
	[CT_ACTION_UMOUNT] = {"umount", false, true, false},
	[CT_ACTION_START] = {"start", false, false, true},
	[CT_ACTION_STOP] = {"stop", false, false, true},
};

/* Lines of a script's output, passed on as they come. */
struct relay {
	struct vz_ctx *ctx;
	const char *name; /* the script's file name, before each line */
	char buf[LINE_MAX_LEN];
	size_t len;
};

/* CTID.mount names its CT itself; vps.mount (CT 101) is told apart in the daemon's log. */
static char *relay_name(const struct vz_ct *ct, const char *path)
{
	const char *base = strrchr(path, '/') + 1;

	if (!strncmp(base, "vps.", 4))
		return xasprintf("%s (CT %s)", base, ct->id);
	return xstrdup(base);
}

static void relay_flush(struct relay *r)
{
	_cleanup_free_ char *msg = NULL;

	if (r->len == 0)
		return;
	/* Untrusted bytes: nothing that could steer a terminal or break the JSON. */
	for (size_t i = 0; i < r->len; i++)
		if ((unsigned char)r->buf[i] < 0x20 || (unsigned char)r->buf[i] >= 0x7f)
			r->buf[i] = r->buf[i] == '\t' ? ' ' : '?';
	msg = xasprintf("%s: %.*s", r->name, (int)r->len, r->buf);
	r->len = 0;
	if (r->ctx->out)
		r->ctx->out(r->ctx->out_data, VZ_OUT_SCRIPT, msg);
}

static void relay_feed(struct relay *r, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			if (r->len == 0)
				r->buf[r->len++] = ' ';
			relay_flush(r);
			continue;
		}
		if (r->len == sizeof(r->buf))
			relay_flush(r);
		r->buf[r->len++] = data[i];
	}
}

/* Read what fd has now; false at EOF or error. */
static bool relay_read(struct relay *r, int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return errno == EINTR;
	if (n <= 0)
		return false;
	relay_feed(r, buf, (size_t)n);
	return true;
}

/*
 * Relay fd until pid (a child of ours, leading its own process group)
 * exits, or kill the group when it is still running after timeout_s.
 * Background children that keep the pipe open are not waited for.
 */
static int wait_script(struct relay *r, pid_t pid, int fd, unsigned timeout_s, bool *ret_timeout,
		       int *ret_status)
{
	_cleanup_close_ int pidfd = vz_pidfd_open(pid, 0);
	double deadline = vz_now_s() + timeout_s;

	*ret_timeout = false;
	while (pidfd >= 0) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = fd, .events = POLLIN}};
		double left = deadline - vz_now_s();
		int n;

		if (left <= 0) {
			*ret_timeout = true;
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			break;
		}
		n = poll(p, fd >= 0 ? 2 : 1, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && p[0].revents)
			break;
		if (n > 0 && fd >= 0 && p[1].revents && !relay_read(r, fd))
			fd = -1;
	}
	/* What is in the pipe now; a background child that writes on is not waited for. */
	if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
		for (int i = 0; i < 64 && relay_read(r, fd); i++)
			;
	relay_flush(r);
	while (waitpid(pid, ret_status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int script_result(struct vz_ct *ct, const char *path, int r, bool timeout, int status,
			 vz_error_t *err)
{
	if (r < 0)
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, -r, "action script '%s': wait", path);
	if (timeout)
		return vz_error_make(
			err, VZ_E_ACTIONSCRIPT, 0,
			"action script '%s' ran longer than %us (ACTION_SCRIPT_TIMEOUT): "
			"killed",
			path, ct->ctx->script_timeout);
	if (WIFSIGNALED(status))
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, 0,
				     "action script '%s' failed: killed by signal %d", path,
				     WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, 0,
				     "action script '%s' failed: exit status %d", path,
				     WEXITSTATUS(status));
	return 0;
}

int ct_script_check(const char *path, bool need_exec, vz_error_t *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, errno, "action script '%s'", path);
	}
	/* It runs as root: whoever may change it must be root already. */
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, 0,
				     "action script '%s' is not a regular file owned by root and "
				     "writable by root only: not run",
				     path);
	if (need_exec && !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, 0,
				     "action script '%s' is not executable", path);
	return 0;
}

/* OpenVZ gives VEID and VE_CONFFILE; VE_ROOT and VE_PRIVATE save sourcing the configs. */
static char **host_env(const struct vz_ct *ct)
{
	char **env = xzalloc(8 * sizeof(char *));

	env[0] = xstrdup("HOME=/");
	env[1] = xstrdup("TERM=linux");
	env[2] = xstrdup(SCRIPT_PATH);
	env[3] = xasprintf("VEID=%s", ct->id);
	env[4] = xasprintf("VE_CONFFILE=%s", ct->path.conf);
	env[5] = xasprintf("VE_ROOT=%s", ct->path.root);
	env[6] = xasprintf("VE_PRIVATE=%s", ct->path.private);
	return env;
}

static int run_on_host(struct vz_ct *ct, const char *path, vz_error_t *err)
{
	_cleanup_strv_ char **env = host_env(ct);
	_cleanup_close_ int rd = -EBADF;
	_cleanup_free_ char *name = relay_name(ct, path);
	struct relay r = {.ctx = ct->ctx, .name = name};
	char *argv[] = {(char *)path, NULL};
	int p[2], status = 0, w;
	bool timeout;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, errno, "action script '%s': pipe",
				     path);
	rd = p[0];
	pid = fork();
	if (pid < 0) {
		(void)close(p[1]);
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, errno, "action script '%s': fork",
				     path);
	}
	if (pid == 0) {
		extern char **environ;
		int fds[3] = {-1, p[1], p[1]};

		/* Its own group: a timeout kills whatever it started too. */
		(void)setpgid(0, 0);
		environ = env;
		exec_with_fds(argv, fds, 3);
	}
	(void)close(p[1]);
	w = wait_script(&r, pid, rd, ct->ctx->script_timeout, &timeout, &status);
	return script_result(ct, path, w, timeout, status, err);
}

static char **ct_env(const struct vz_ct *ct)
{
	char **env = xzalloc(5 * sizeof(char *));

	env[0] = xstrdup(SCRIPT_PATH);
	env[1] = xstrdup("HOME=/");
	env[2] = xstrdup("TERM=linux");
	env[3] = xasprintf("VEID=%s", ct->id);
	return env;
}

int ct_script_read(const char *path, char **ret, vz_error_t *err)
{
	int r = read_file_at(AT_FDCWD, path, SCRIPT_MAX - 1, ret, NULL);

	if (r == -EFBIG)
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, 0, "script '%s' is larger than %d KiB",
				     path, SCRIPT_MAX / 1024);
	if (r < 0)
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, -r, "read script '%s'", path);
	return 0;
}

/* The script's text, with /bin/sh, as CT root in the running CT (as vzctl exec runs it). */
static int run_in_ct(struct vz_ct *ct, const char *path, vz_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_ char **env = ct_env(ct);
	_cleanup_close_ int null = -EBADF, rd = -EBADF, wr = -EBADF;
	struct relay r = {.ctx = ct->ctx, .name = strrchr(path, '/') + 1};
	struct vz_spawn_exec_params sp = {
		.init_pid = ct->state.pid,
		.envp = env,
		.confine = ct_confine(ct),
	};
	char *argv[] = {"/bin/sh", "-c", NULL, (char *)r.name, NULL};
	int p[2], status = 0, w;
	bool timeout;
	pid_t pid;

	if (ct_script_read(path, &text, err) < 0)
		return -1;
	sp.cg = vz_ct_cgroup(ct, err);
	if (!sp.cg)
		return -1;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_ACTIONSCRIPT, errno, "action script '%s': pipe",
				     path);
	rd = p[0];
	wr = p[1];
	argv[2] = text;
	sp.argv = argv;
	sp.stdio[0] = null;
	sp.stdio[1] = sp.stdio[2] = wr;
	ct_res_copy_rlimits(ct->state.pid);
	if (vz_spawn_exec(&sp, &pid, err) < 0) {
		vz_error_recode(err, VZ_E_ACTIONSCRIPT);
		return vz_error_wrap(err, "action script '%s'", path);
	}
	closep(&wr);
	w = wait_script(&r, pid, rd, ct->ctx->script_timeout, &timeout, &status);
	return script_result(ct, path, w, timeout, status, err);
}

char *ct_script_path(const struct vz_ct *ct, const char *prefix, const char *suffix)
{
	return xasprintf("%s/conf/%s.%s", ct->ctx->root, prefix ? prefix : ct->id, suffix);
}

int ct_action_script(struct vz_ct *ct, enum ct_action a, vz_error_t *err)
{
	_cleanup_free_ char *global = NULL, *own = ct_script_path(ct, NULL, actions[a].suffix);
	const char *order[2];

	if (actions[a].global)
		global = ct_script_path(ct, "vps", actions[a].suffix);
	order[0] = actions[a].global_first ? global : own;
	order[1] = actions[a].global_first ? own : global;
	for (size_t i = 0; i < 2; i++) {
		int r;

		if (!order[i])
			continue;
		r = ct_script_check(order[i], !actions[a].in_ct, err);
		if (r > 0)
			continue;
		if (r < 0)
			return -1;
		r = actions[a].in_ct ? run_in_ct(ct, order[i], err)
				     : run_on_host(ct, order[i], err);
		if (r < 0)
			return -1;
	}
	return 0;
}
