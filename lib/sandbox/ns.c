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

static int write_map(pid_t pid, const char *file, uint32_t base, uint32_t size)
{
	char path[64], map[64];
	_cleanup_close_ int fd = -EBADF;
	int n;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	n = snprintf(map, sizeof(map), "0 %u %u\n", base, size);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_all(fd, map, (size_t)n);
}

/*
 * A child born in a new user namespace holds it while the parent maps its
 * ids and opens it; the namespace lives on through the fd after the child
 * is gone (it waits for the pipe's EOF, so it never outlives the call).
 */
int vz_ns_userns_new(uint32_t base, uint32_t size, vz_error_t *err)
{
	_cleanup_close_ int rd = -EBADF, wr = -EBADF;
	int p[2], fd = -EBADF, r = 0, placed;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_RESOURCE, errno, "id mapping: pipe");
	rd = p[0];
	wr = p[1];
	pid = vz_clone_fork_into(CLONE_NEWUSER, -1, &placed);
	if (pid < 0)
		return vz_error_make(err, VZ_E_RESOURCE, errno, "id mapping: new user namespace");
	if (pid == 0) {
		char c;

		(void)close(wr);
		_exit(read(rd, &c, 1) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	r = write_map(pid, "uid_map", base, size);
	if (r == 0)
		r = write_map(pid, "gid_map", base, size);
	if (r == 0) {
		fd = vz_ns_open(pid, CLONE_NEWUSER);
		r = fd < 0 ? fd : 0;
	}
	closep(&wr);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "id mapping: map ids 0-%u to %u",
				     size - 1, base);
	return fd;
}
