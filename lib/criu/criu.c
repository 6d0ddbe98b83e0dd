/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running CRIU (see criu.h). Trust model: called by vzd workers as host
 * root; the images a restore reads may come from another host or a user's
 * file, and CRIU is the one that parses them: vz checks their manifest
 * first (lib/ct/dumpdir.c) and hands CRIU nothing else of the user's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criu/criu.h"
#include "util/exec.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/syscalls.h"
#include "util/xalloc.h"

#define DUMP_LOG "dump.log"
#define RESTORE_LOG "restore.log"
#define LAZY_LOG "lazy-pages.log"
#define RESTORE_PIDFILE "restore.pid"
#define OUTPUT "criu.out"

static const char *criu_path(void)
{
	const char *p = getenv("VZ_CRIU");

	return p && *p ? p : "criu";
}

/*
 * In the child: stdout and stderr to the work dir's output file; extra[]
 * (the page stream and status pipe of a lazy run) become fds 3, 4, ...
 */
static VZ_NORETURN void exec_criu(char **argv, int out, const int *extra, size_t n_extra)
{
	int fds[8] = {-1, out, out};

	/*
	 * A worker that dies takes its CRIU along: a restore half done is
	 * then cleaned up with the CT's groups, never left running unknown.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* vz's CRIU (scripts/criu-patches 0003): a restored sysinfo filter lets the kernel answer.
	 */
	(void)setenv("CRIU_SECCOMP_NOTIFY_ALLOW", "1", 1);
	if (n_extra > ARRAY_SIZE(fds) - 3)
		_exit(127);
	for (size_t i = 0; i < n_extra; i++)
		fds[3 + i] = extra[i];
	exec_with_fds(argv, fds, 3 + n_extra);
}

/*
 * Run criu with argv (argv[0] is criu_path()), its output to out; its exit
 * status, or -1 if it died or did not run.
 */
static int run_to(char **argv, int out, const int *extra, size_t n_extra)
{
	int status;
	pid_t pid;

	if (out < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_criu(argv, out, extra, n_extra);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The same, its output appended to the work dir's criu.out (none without one). */
static int run_with(char **argv, const char *workdir, const int *extra, size_t n_extra)
{
	_cleanup_free_ char *outp = workdir ? xasprintf("%s/" OUTPUT, workdir) : NULL;
	_cleanup_close_ int out =
		open(outp ? outp : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	return run_to(argv, out, extra, n_extra);
}

static int run(char **argv, const char *workdir)
{
	return run_with(argv, workdir, NULL, 0);
}

/* Errors CRIU logs on every run here that decide nothing. */
static bool harmless(const char *line)
{
	/* vzd has no CAP_SYS_RESOURCE to raise its own open files limit. */
	return strstr(line, "rlimit: Can't setup RLIMIT_NOFILE") != NULL;
}

/* "(00.121466) Error (criu/mount.c:1272): mnt: ..." -> "mnt: ...". */
static char *strip_prefix(const char *line)
{
	const char *p = strstr(line, "Error (");
	const char *q = p ? strstr(p, "): ") : NULL;
	size_t n;

	p = q ? q + 3 : line;
	n = strcspn(p, "\n");
	return xstrndup(p, n);
}

char *vz_criu_log_reason(const char *log)
{
	_cleanup_fclose_ FILE *f = fopen(log, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, "Error (") && !harmless(line))
			return strip_prefix(line);
	return NULL;
}

/* A failed run: CRIU's reason from its log, or from its output when it wrote no log. */
static int failed(const char *workdir, int code, const char *what, const char *logname, int status,
		  vz_error_t *err)
{
	_cleanup_free_ char *log = xasprintf("%s/%s", workdir, logname);
	_cleanup_free_ char *out = xasprintf("%s/" OUTPUT, workdir);
	_cleanup_free_ char *reason = vz_criu_log_reason(log);

	if (!reason && read_file_at(AT_FDCWD, out, 4096, &reason, NULL) == 0) {
		reason[strcspn(reason, "\n")] = '\0';
		if (!*reason)
			reason = mfree(reason);
	}
	if (!reason)
		reason = status < 0 ? xasprintf("%s did not run or was killed", criu_path())
				    : xasprintf("exit status %d", status);
	return vz_error_make(err, code, 0, "criu %s: %s (log: %s)", what, reason, log);
}

/* criu with the images, work dir and log every run has. */
static char **base_args(const struct vz_criu_req *r, const char *logname)
{
	char **a = NULL;

	a = strv_push(a, xstrdup(criu_path()));
	a = strv_push(a, xstrdup("--images-dir"));
	a = strv_push(a, xstrdup(r->images));
	a = strv_push(a, xstrdup("--work-dir"));
	a = strv_push(a, xstrdup(r->workdir));
	a = strv_push(a, xstrdup("--log-file"));
	a = strv_push(a, xstrdup(logname));
	a = strv_push(a, xstrdup("-v4"));
	return a;
}

/* What dump and restore share. */
static char **common_args(const struct vz_criu_req *r, const char *logname)
{
	char **a = base_args(r, logname);

	a = strv_push(a, xstrdup("--tcp-established"));
	a = strv_push(a, xstrdup("--file-locks"));
	a = strv_push(a, xstrdup("--link-remap"));
	a = strv_push(a, xstrdup("--manage-cgroups=soft"));
	a = strv_push(a, xstrdup("--network-lock=nftables"));
	return a;
}

static char **dump_args(const struct vz_criu_req *r)
{
	char **a = common_args(r, DUMP_LOG);

	a = strv_push(a, xstrdup("dump"));
	a = strv_push(a, xstrdup("--tree"));
	a = strv_push(a, xasprintf("%d", (int)r->pid));
	a = strv_push(a, xstrdup("--external"));
	a = strv_push(a, xstrdup("mnt[/dev]:" VZ_CRIU_DEV_KEY));
	for (char *const *e = r->dump_external; e && *e; e++) {
		a = strv_push(a, xstrdup("--external"));
		a = strv_push(a, xstrdup(*e));
	}
	if (r->console_tty) {
		/* The pty's master is the keeper's, outside the CT: the slave is external. */
		a = strv_push(a, xstrdup("--external"));
		a = strv_push(a, xasprintf("tty[%s]", r->console_tty));
		a = strv_push(a, xstrdup("--external"));
		a = strv_push(a, xstrdup("mnt[/dev/console]:" VZ_CRIU_CONSOLE_KEY));
	}
	if (r->freezer) {
		a = strv_push(a, xstrdup("--freeze-cgroup"));
		a = strv_push(a, xstrdup(r->freezer));
	}
	if (r->leave_running)
		a = strv_push(a, xstrdup("--leave-running"));
	return a;
}

int vz_criu_dump(const struct vz_criu_req *r, vz_error_t *err)
{
	_cleanup_strv_ char **a = dump_args(r);
	int status = run(a, r->workdir);

	if (status != 0)
		return failed(r->workdir, VZ_E_CHKPNT, "dump", DUMP_LOG, status, err);
	return 0;
}

/* ---- lazy runs: CRIU going on in the background ---- */

/* The page stream and the status pipe are the child's fds 3 and 4. */
#define PS_FD "3"
#define STATUS_FD "4"

static void lazy_args(char ***a)
{
	*a = strv_push(*a, xstrdup("--ps-socket"));
	*a = strv_push(*a, xstrdup(PS_FD));
	*a = strv_push(*a, xstrdup("--status-fd"));
	*a = strv_push(*a, xstrdup(STATUS_FD));
}

static void run_init(struct vz_criu_run *run, const char *workdir, const char *what,
		     const char *logname, int code)
{
	*run = (struct vz_criu_run){
		.pid = -1,
		.pidfd = -1,
		.workdir = xstrdup(workdir),
		.what = what,
		.logname = logname,
		.code = code,
	};
}

/* Wait for the child's exit: its status, or -1 if it died (killed at the deadline). */
static int reap(struct vz_criu_run *run, int timeout_ms)
{
	struct pollfd p = {.fd = run->pidfd, .events = POLLIN};
	int status;

	if (run->pidfd >= 0 && timeout_ms >= 0 && poll(&p, 1, timeout_ms) == 0)
		(void)kill(run->pid, SIGKILL);
	while (waitpid(run->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	run->pid = -1;
	closep(&run->pidfd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Start argv with the page stream ps; return once CRIU says it is ready
 * (a byte on its status fd) with the run going on, or with CRIU's reason
 * when it ended first.
 */
static int start_ready(char **argv, int ps, struct vz_criu_run *run, vz_error_t *err)
{
	_cleanup_free_ char *outp = xasprintf("%s/" OUTPUT, run->workdir);
	_cleanup_close_ int out = open(outp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int st[2];
	char c;
	ssize_t n;

	if (out < 0 || pipe2(st, O_CLOEXEC) < 0)
		return vz_error_make(err, run->code, errno, "criu %s: set up", run->what);
	run->pid = fork();
	if (run->pid == 0) {
		int extra[2] = {ps, st[1]};

		exec_criu(argv, out, extra, 2);
	}
	close(st[1]);
	if (run->pid < 0) {
		close(st[0]);
		return vz_error_make(err, run->code, errno, "fork");
	}
	run->pidfd = vz_pidfd_open(run->pid, 0);
	do
		n = read(st[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(st[0]);
	if (n == 1)
		return 0;
	return failed(run->workdir, run->code, run->what, run->logname, reap(run, -1), err);
}

int vz_criu_dump_lazy(const struct vz_criu_req *r, struct vz_criu_run *run, vz_error_t *err)
{
	_cleanup_strv_ char **a = dump_args(r);

	a = strv_push(a, xstrdup("--lazy-pages"));
	lazy_args(&a);
	run_init(run, r->workdir, "dump", DUMP_LOG, VZ_E_CHKPNT);
	return start_ready(a, r->ps_socket, run, err);
}

int vz_criu_lazy_pages(const struct vz_criu_req *r, struct vz_criu_run *run, vz_error_t *err)
{
	_cleanup_strv_ char **a = base_args(r, LAZY_LOG);

	a = strv_push(a, xstrdup("lazy-pages"));
	a = strv_push(a, xstrdup("--page-server"));
	lazy_args(&a);
	run_init(run, r->workdir, "lazy-pages", LAZY_LOG, VZ_E_RESTORE);
	return start_ready(a, r->ps_socket, run, err);
}

int vz_criu_finish(struct vz_criu_run *run, int timeout_ms, vz_error_t *err)
{
	int status = run->pid > 0 ? reap(run, timeout_ms) : -1;
	int r = 0;

	if (status != 0)
		r = failed(run->workdir, run->code, run->what, run->logname, status, err);
	run->workdir = mfree(run->workdir);
	return r;
}

static int read_pid(const char *path, pid_t *ret)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	long v;

	if (read_file_at(AT_FDCWD, path, 64, &s, NULL) < 0)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0 || (*end && *end != '\n'))
		return -1;
	*ret = (pid_t)v;
	return 0;
}

int vz_criu_restore(const struct vz_criu_req *r, pid_t *ret_pid, vz_error_t *err)
{
	_cleanup_strv_ char **a = common_args(r, RESTORE_LOG);
	_cleanup_free_ char *pidfile = xasprintf("%s/" RESTORE_PIDFILE, r->workdir);
	int status;

	/* CRIU creates the pidfile with O_EXCL. */
	(void)unlink(pidfile);
	a = strv_push(a, xstrdup("restore"));
	a = strv_push(a, xstrdup("--root"));
	a = strv_push(a, xstrdup(r->root));
	a = strv_push(a, xstrdup("--restore-detached"));
	a = strv_push(a, xstrdup("--pidfile"));
	a = strv_push(a, xstrdup(pidfile));
	if (r->lazy)
		a = strv_push(a, xstrdup("--lazy-pages"));
	if (r->cgroup_root) {
		a = strv_push(a, xstrdup("--cgroup-root"));
		a = strv_push(a, xstrdup(r->cgroup_root));
	}
	for (char *const *e = r->external; e && *e; e++) {
		a = strv_push(a, xstrdup("--external"));
		a = strv_push(a, xstrdup(*e));
	}
	if (r->console_tty && r->console_fd >= 0) {
		/* The new console's slave is CRIU's fd 3. */
		a = strv_push(a, xstrdup("--inherit-fd"));
		a = strv_push(a, xasprintf("fd[3]:tty[%s]", r->console_tty));
		a = strv_push(a, xstrdup("--external"));
		a = strv_push(a, xasprintf("mnt[" VZ_CRIU_CONSOLE_KEY "]:%s", r->console_path));
	}
	status = r->console_tty && r->console_fd >= 0 ? run_with(a, r->workdir, &r->console_fd, 1)
						      : run(a, r->workdir);
	if (status != 0)
		return failed(r->workdir, VZ_E_RESTORE, "restore", RESTORE_LOG, status, err);
	if (read_pid(pidfile, ret_pid) < 0)
		return vz_error_make(err, VZ_E_RESTORE, 0,
				     "criu restore: no pid of the restored init in '%s'", pidfile);
	return 0;
}

bool vz_criu_has_feature(const char *name)
{
	char *a[] = {(char *)criu_path(), "check", "--feature", (char *)name, NULL};

	return run(a, NULL) == 0;
}

int vz_criu_check(vz_error_t *err)
{
	char *a[] = {(char *)criu_path(), "check", NULL};
	_cleanup_close_ int out = memfd_create("criu-check", MFD_CLOEXEC);
	_cleanup_free_ char *said = NULL, *path = NULL;
	int status = run_to(a, out, NULL, 0);

	if (status == 0)
		return 0;
	/* What criu check said: its first error, the reason. */
	path = xasprintf("/proc/self/fd/%d", out);
	said = vz_criu_log_reason(path);
	if (said && status != 127 && status >= 0)
		return vz_error_make(
			err, VZ_E_SYSTEM, 0,
			"'%s check' fails on this host (%s): CRIU cannot checkpoint here",
			criu_path(), said);
	if (status == 127 || status < 0)
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "criu is not installed or does not run ('%s'): "
				     "scripts/install-deps builds CRIU 4.2",
				     criu_path());
	return vz_error_make(err, VZ_E_SYSTEM, 0,
			     "'%s check' fails on this host: CRIU cannot checkpoint here",
			     criu_path());
}

uint64_t vz_criu_lazy_bytes(const char *workdir)
{
	_cleanup_free_ char *log = xasprintf("%s/" LAZY_LOG, workdir);
	_cleanup_fclose_ FILE *f = fopen(log, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	uint64_t pages = 0;

	/* One summary per task: "... UFFD transferred pages: (COPIED/TOTAL)". */
	while (f && getline(&line, &cap, f) > 0) {
		const char *p = strstr(line, "UFFD transferred pages: (");

		if (p)
			pages += strtoull(p + strlen("UFFD transferred pages: ("), NULL, 10);
	}
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ---- what post-copy needs of a host ---- */

/* CRIU keeps the CT's memory in pipes of up to 819 pages, which root without CAP_SYS_RESOURCE can
 * only make below this. */
#define LAZY_PIPE_MAX (4 << 20)
#define PIPE_MAX_SYSCTL "/proc/sys/fs/pipe-max-size"
#define UFFD_SYSCTL "/proc/sys/vm/unprivileged_userfaultfd"

static long sysctl_value(const char *path)
{
	_cleanup_free_ char *s = NULL;

	if (read_file_at(AT_FDCWD, path, 64, &s, NULL) < 0)
		return -1;
	return strtol(s, NULL, 10);
}

/*
 * The level of vz's fixes to CRIU (scripts/criu-patches) in the build: its
 * GitID ends in -vzN. 0 for none, -1 when criu does not run.
 */
static int criu_vz_level(void)
{
	char *a[] = {(char *)criu_path(), "--version", NULL};
	_cleanup_close_ int out = memfd_create("criu-version", MFD_CLOEXEC);
	_cleanup_free_ char *text = NULL, *path = NULL;

	if (run_to(a, out, NULL, 0) != 0)
		return -1;
	path = xasprintf("/proc/self/fd/%d", out);
	if (read_file_at(AT_FDCWD, path, 4096, &text, NULL) < 0)
		return -1;
	const char *g = strstr(text, "GitID: ");
	const char *vz = g ? strstr(g, "-vz") : NULL;

	if (!vz || vz > g + strcspn(g, "\n"))
		return 0;
	return (int)strtol(vz + 3, NULL, 10);
}

static bool criu_has_vz_fixes(void)
{
	return criu_vz_level() >= 1;
}

/* The first level of vz's fixes that restores a sysinfo filter (patch 0003). */
#define VZ_LEVEL_SECCOMP_NOTIFY 3

const char *vz_criu_sysinfo_unsafe(void)
{
	int level = criu_vz_level();

	/* No CRIU: nothing is restored, nothing can go wrong. */
	if (level < 0 || level >= VZ_LEVEL_SECCOMP_NOTIFY)
		return NULL;
	return "its CRIU lacks vz's fix for a restored sysinfo filter (scripts/criu-patches), "
	       "without which restored processes' sysinfo(2) fails; scripts/install-deps builds it";
}

int vz_criu_lazy_check(bool source, vz_error_t *err)
{
	long v;

	if (vz_criu_check(err) < 0)
		return -1;
	if (source) {
		v = sysctl_value(PIPE_MAX_SYSCTL);
		if (v >= 0 && v < LAZY_PIPE_MAX)
			return vz_error_make(
				err, VZ_E_SYSTEM, 0,
				"a post-copy migration needs fs.pipe-max-size >= %d "
				"here (it is %ld): CRIU holds the CT's memory in pipes",
				LAZY_PIPE_MAX, v);
		if (!criu_has_vz_fixes())
			return vz_error_make(
				err, VZ_E_SYSTEM, 0,
				"'%s' lacks vz's fix for a failed lazy dump "
				"(scripts/criu-patches): the CT could not run on here "
				"if the migration failed; scripts/install-deps builds it",
				criu_path());
		return 0;
	}
	/* The restored CT's own tasks open the userfaultfd, in the CT's user namespace. */
	v = sysctl_value(UFFD_SYSCTL);
	if (v == 0)
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "a post-copy migration of an unprivileged CT needs "
				     "vm.unprivileged_userfaultfd = 1 here (the CT's seccomp "
				     "filter still denies userfaultfd to its processes)");
	if (!vz_criu_has_feature("uffd-noncoop"))
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "this kernel lacks userfaultfd (criu check --feature "
				     "uffd-noncoop fails): no post-copy migration to it");
	return 0;
}
