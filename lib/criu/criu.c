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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criu/criu.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define DUMP_LOG "dump.log"
#define RESTORE_LOG "restore.log"
#define RESTORE_PIDFILE "restore.pid"
#define OUTPUT "criu.out"

static const char *criu_path(void)
{
	const char *p = getenv("VZ_CRIU");

	return p && *p ? p : "criu";
}

/* In the child: stdio to the work dir's output file, nothing else open. */
static VZ_NORETURN void exec_criu(char **argv, int out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	reset_signals();
	/*
	 * A worker that dies takes its CRIU along: a restore half done is
	 * then cleaned up with the CT's groups, never left running unknown.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_fds_from(3, NULL, 0);
	execvp(argv[0], argv);
	dprintf(2, "vz: exec '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Run criu with argv (argv[0] is criu_path()), its output to out; its exit
 * status, or -1 if it died or did not run.
 */
static int run_to(char **argv, int out)
{
	int status;
	pid_t pid;

	if (out < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_criu(argv, out);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The same, its output appended to the work dir's criu.out (none without one). */
static int run(char **argv, const char *workdir)
{
	_cleanup_free_ char *outp = workdir ? xasprintf("%s/" OUTPUT, workdir) : NULL;
	_cleanup_close_ int out =
		open(outp ? outp : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	return run_to(argv, out);
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
static int failed(const struct vz_criu_req *r, int code, const char *what, const char *logname,
		  int status, vz_error_t *err)
{
	_cleanup_free_ char *log = xasprintf("%s/%s", r->workdir, logname);
	_cleanup_free_ char *out = xasprintf("%s/" OUTPUT, r->workdir);
	_cleanup_free_ char *reason = vz_criu_log_reason(log);

	if (!reason && read_file_at(AT_FDCWD, out, 4096, &reason, NULL) == 0) {
		reason[strcspn(reason, "\n")] = '\0';
		if (!*reason)
			freep(&reason);
	}
	if (!reason)
		reason = status < 0 ? xasprintf("%s did not run or was killed", criu_path())
				    : xasprintf("exit status %d", status);
	return vz_error_make(err, code, 0, "criu %s: %s (log: %s)", what, reason, log);
}

/* What dump and restore share. */
static char **common_args(const struct vz_criu_req *r, const char *logname)
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
	a = strv_push(a, xstrdup("--tcp-established"));
	a = strv_push(a, xstrdup("--file-locks"));
	a = strv_push(a, xstrdup("--link-remap"));
	a = strv_push(a, xstrdup("--manage-cgroups=soft"));
	a = strv_push(a, xstrdup("--network-lock=nftables"));
	return a;
}

int vz_criu_dump(const struct vz_criu_req *r, vz_error_t *err)
{
	_cleanup_strv_ char **a = common_args(r, DUMP_LOG);
	int status;

	a = strv_push(a, xstrdup("dump"));
	a = strv_push(a, xstrdup("--tree"));
	a = strv_push(a, xasprintf("%d", (int)r->pid));
	a = strv_push(a, xstrdup("--external"));
	a = strv_push(a, xstrdup("mnt[/dev]:" VZ_CRIU_DEV_KEY));
	if (r->freezer) {
		a = strv_push(a, xstrdup("--freeze-cgroup"));
		a = strv_push(a, xstrdup(r->freezer));
	}
	if (r->leave_running)
		a = strv_push(a, xstrdup("--leave-running"));
	status = run(a, r->workdir);
	if (status != 0)
		return failed(r, VZ_E_CHKPNT, "dump", DUMP_LOG, status, err);
	return 0;
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
	if (r->cgroup_root) {
		a = strv_push(a, xstrdup("--cgroup-root"));
		a = strv_push(a, xstrdup(r->cgroup_root));
	}
	for (char *const *e = r->external; e && *e; e++) {
		a = strv_push(a, xstrdup("--external"));
		a = strv_push(a, xstrdup(*e));
	}
	status = run(a, r->workdir);
	if (status != 0)
		return failed(r, VZ_E_RESTORE, "restore", RESTORE_LOG, status, err);
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
	int status = run_to(a, out);

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
