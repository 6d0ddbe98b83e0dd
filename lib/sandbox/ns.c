/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: called by a vzd worker running as host root, with a pid or an
 * fd that the CT layer got from its own state (never from a client). What fn
 * does inside the namespace is the caller's; this module only joins it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/ns.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/syscalls.h"

static const char *ns_name(int nstype)
{
	static const struct {
		int type;
		const char *name;
	} names[] = {
		{CLONE_NEWNET, "net"},	     {CLONE_NEWUTS, "uts"},   {CLONE_NEWNS, "mnt"},
		{CLONE_NEWIPC, "ipc"},	     {CLONE_NEWPID, "pid"},   {CLONE_NEWUSER, "user"},
		{CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].type == nstype)
			return names[i].name;
	return NULL;
}

int vz_ns_open(pid_t pid, int nstype)
{
	const char *name = ns_name(nstype);
	char path[64];
	int fd;

	if (!name || pid <= 0)
		return -EINVAL;
	(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* What the child tells the parent: where it failed, and with which errno. */
struct ns_report {
	int joined; /* setns succeeded: errnum is fn's */
	int errnum;
};

static VZ_NORETURN void run_child(int ns_fd, int nstype, int (*fn)(void *data), void *data, int out)
{
	struct ns_report r = {0};

	if (setns(ns_fd, nstype) < 0) {
		r.errnum = errno;
	} else {
		r.joined = 1;
		r.errnum = fn(data);
		if (r.errnum < 0)
			r.errnum = -r.errnum;
	}
	(void)write_all(out, &r, sizeof(r));
	_exit(r.errnum ? EXIT_FAILURE : EXIT_SUCCESS);
}

int vz_ns_run(int ns_fd, int nstype, int (*fn)(void *data), void *data, const char *what,
	      vz_error_t *err)
{
	_cleanup_close_ int in = -EBADF;
	struct ns_report r;
	int p[2], status, got;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_RESOURCE, errno, "%s: pipe", what);
	pid = fork();
	if (pid < 0) {
		(void)close(p[0]);
		(void)close(p[1]);
		return vz_error_make(err, VZ_E_RESOURCE, errno, "%s: fork", what);
	}
	if (pid == 0) {
		(void)close(p[0]);
		run_child(ns_fd, nstype, fn, data, p[1]);
	}
	(void)close(p[1]);
	in = p[0];
	/* EOF before a full report: the child died on the way (a signal, say). */
	got = read_all(in, &r, sizeof(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vz_error_make(err, VZ_E_SYSTEM, errno, "%s: wait", what);
	if (got < 0) {
		if (WIFSIGNALED(status))
			return vz_error_make(err, VZ_E_SYSTEM, 0, "%s: helper killed by signal %d",
					     what, WTERMSIG(status));
		return vz_error_make(err, VZ_E_SYSTEM, -got, "%s: helper gave no report", what);
	}
	if (!r.joined)
		return vz_error_make(err, VZ_E_SYSTEM, r.errnum, "%s: join the namespace", what);
	if (r.errnum)
		return vz_error_make(err, VZ_E_SYSTEM, r.errnum, "%s", what);
	return 0;
}
