/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes of a CT's group, for both backends: attaching, counting
 * and listing them across nested groups, freezing through a backend's
 * knob, and the kill loop that pins each victim with a pidfd so that pid
 * reuse never sends SIGKILL to a stranger. Uses only common.c below it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

bool cg_test_no_pidfd;

int cg_write_pid(int fd, pid_t pid)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_string_at(fd, "cgroup.procs", buf);
}

int cg_open_procs(int fd)
{
	int pfd = openat(fd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	return pfd < 0 ? -errno : pfd;
}

struct pidv {
	pid_t *v;
	size_t n, cap;
};

static void pidv_done(struct pidv *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

typedef int (*walk_fn)(const char *procs, void *data);

/* Calls fn with the cgroup.procs text of the group at fd and every nested group. */
static int walk(int fd, int depth, walk_fn fn, void *data)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *procs = NULL;
	const char *name;
	int r;

	if (depth > CG_MAX_DEPTH)
		return -ELOOP;
	r = cg_read_knob(fd, "cgroup.procs", &procs);
	/* ENODEV: a nested group removed while we read; ENOENT: fake trees. */
	if (r < 0 && r != -ENOENT && r != -ENODEV)
		return r;
	if (r == 0 && (r = fn(procs, data)) < 0)
		return r;
	d = cg_opendir_at(fd);
	if (!d)
		return errno == ENOENT || errno == ENODEV ? 0 : -errno;
	for (;;) {
		_cleanup_close_ int cfd = -EBADF;

		r = cg_next_subdir(d, &name, &cfd);
		if (r <= 0)
			return r;
		r = walk(cfd, depth + 1, fn, data);
		if (r < 0)
			return r;
	}
}

static int count_fn(const char *procs, void *data)
{
	int *n = data;

	for (const char *p = procs; *p; p++)
		if (*p == '\n' || p[1] == '\0')
			(*n)++;
	return 0;
}

static int pids_fn(const char *procs, void *data)
{
	struct pidv *p = data;

	for (const char *s = procs; *s;) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v <= 0 || v > INT_MAX)
			return -EBADMSG;
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 64;
			p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
		}
		p->v[p->n++] = (pid_t)v;
		s = end + strspn(end, "\n");
	}
	return 0;
}

int cg_list_pids(int fd, pid_t **ret)
{
	struct pidv p = {0};
	int r = walk(fd, 0, pids_fn, &p);

	if (r < 0) {
		pidv_done(&p);
		return r;
	}
	*ret = p.v;
	return (int)p.n;
}

int cg_count(int fd)
{
	int n = 0, r;

	r = walk(fd, 0, count_fn, &n);
	return r < 0 ? r : n;
}

int cg_count_in(struct vz_cgroup *cg, struct cg_hier *h, vz_error_t *err)
{
	int fd = cg_group_fd(cg, h), r;

	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : cg_count(fd);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': count processes in '%s'",
				     cg->path, h->name);
	return r;
}

int cg_freeze_knob(int fd, const char *knob, const char *value, const char *status,
		   const char *frozen)
{
	uint64_t deadline = cg_now_us() + CG_FREEZE_TIMEOUT_US;
	unsigned delay = 0;
	int r;

	r = write_string_at(fd, knob, value);
	if (r < 0 || !frozen)
		return r;
	for (;;) {
		_cleanup_free_ char *text = NULL;

		r = cg_read_knob(fd, status, &text);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (strstr(text, frozen))
			return 0;
		/* Tasks in uninterruptible sleep can keep a group freezing: the caller kills
		 * anyway. */
		if (cg_now_us() >= deadline)
			return -ETIMEDOUT;
		cg_backoff(&delay);
	}
}

int cg_wait_empty(int fd, uint64_t deadline)
{
	unsigned delay = 0;

	for (;;) {
		int n = cg_count(fd);

		if (n <= 0)
			return n;
		if (cg_now_us() >= deadline)
			return -ETIMEDOUT;
		cg_backoff(&delay);
	}
}

int cg_v2_kill(int fd)
{
	return write_string_at(fd, "cgroup.kill", "1");
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		closep(&fds[i]);
}

/*
 * SIGKILL pids, read from the group at fd, without racing pid reuse: pin
 * each process with a pidfd, then read the group again. A pidfd whose pid
 * is still listed refers to that member: had the pinned process died in
 * between, the signal fails with ESRCH instead of reaching a newcomer.
 * Without pidfds (kernels < 5.3) we fall back to kill() of re-listed pids;
 * the caller has frozen the group where it could, so listed pids stay put.
 */
static int kill_pids(int fd, const struct pidv *pids)
{
	_cleanup_free_ int *pidfds = xmalloc(pids->n * sizeof(int) + 1);
	_cleanup_(pidv_done) struct pidv again = {0};
	bool no_pidfd = cg_test_no_pidfd;
	int r;

	for (size_t i = 0; i < pids->n; i++) {
		pidfds[i] = no_pidfd ? -ENOSYS : pidfd_open(pids->v[i], 0);
		if (pidfds[i] < 0 && errno == ENOSYS)
			no_pidfd = true;
	}
	r = walk(fd, 0, pids_fn, &again);
	if (r >= 0 && again.n > 0)
		qsort(again.v, again.n, sizeof(*again.v), cmp_pid);
	for (size_t i = 0; r >= 0 && i < pids->n; i++) {
		if (!bsearch(&pids->v[i], again.v, again.n, sizeof(*again.v), cmp_pid))
			continue;
		if (pidfds[i] >= 0)
			(void)pidfd_send_signal(pidfds[i], SIGKILL, NULL, 0);
		else if (no_pidfd)
			(void)kill(pids->v[i], SIGKILL);
	}
	close_all(pidfds, pids->n);
	return r < 0 ? r : 0;
}

/* One pass: returns 0 when the group was empty, 1 after killing, or -errno. */
static int kill_round(int fd, cg_freeze_fn freeze)
{
	_cleanup_(pidv_done) struct pidv pids = {0};
	int r, fr = -ENOENT;

	r = walk(fd, 0, pids_fn, &pids);
	if (r < 0 || pids.n == 0)
		return r;
	/* Frozen tasks can neither fork nor exit: the list below is complete and stable. */
	if (freeze) {
		fr = freeze(fd, true);
		pidv_done(&pids);
		r = walk(fd, 0, pids_fn, &pids);
	}
	if (r >= 0)
		r = kill_pids(fd, &pids);
	if (fr != -ENOENT)
		(void)freeze(fd, false); /* SIGKILL lands once the tasks run again */
	return r < 0 ? r : 1;
}

int cg_kill_loop(int fd, cg_freeze_fn freeze, uint64_t deadline)
{
	for (;;) {
		uint64_t until = cg_now_us() + 100 * 1000;
		int r = kill_round(fd, freeze);

		if (r <= 0)
			return r;
		/* Let the killed tasks exit before freezing what is left again. */
		r = cg_wait_empty(fd, until < deadline ? until : deadline);
		if (r != -ETIMEDOUT)
			return r;
		if (cg_now_us() >= deadline)
			return -ETIMEDOUT;
	}
}

/* Where every task of the CT is listed: the pids hierarchy on v1, the only one on v2. */
/* The freeze op of either backend, given its knob writer and the group's fd. */
int cg_freeze_op(struct vz_cgroup *cg, struct cg_hier *h, int (*fn)(int fd, bool on), bool on,
		 vz_error_t *err)
{
	int fd = h ? cg_group_fd(cg, h) : -ENOENT, r;

	r = fd < 0 ? fd : fn(fd, on);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': %s", cg->path,
				     on ? "freeze" : "thaw");
	return 0;
}

/* Whether the status knob of the group in h reads as frozen. */
int cg_frozen_knob(struct vz_cgroup *cg, struct cg_hier *h, const char *status, const char *frozen)
{
	_cleanup_free_ char *text = NULL;
	int fd = h ? cg_group_fd(cg, h) : -ENOENT, r;

	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : cg_read_knob(fd, status, &text);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : strstr(text, frozen) != NULL;
}
