/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the cgroup unit tests share (test-cgroup-*.c): fake trees, plain
 * directories in a temp dir where the test plays the kernel and creates the
 * knob files, and the checks every file uses. Static inline, so that a test
 * file that needs only some of them builds without unused-function warnings.
 */
#ifndef VZ_TEST_CGROUP_H
#define VZ_TEST_CGROUP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ---- fake trees ---- */

struct fake {
	char root[64];
	struct vz_cgroup *cg;
};

static inline char *at(const struct fake *f, const char *rel)
{
	return xasprintf("%s/%s", f->root, rel);
}

/* A path in the fake tree, in a buffer that lives until the end of the caller's block. */
static inline char *path_in(const struct fake *f, const char *rel, char *buf)
{
	(void)snprintf(buf, PATH_MAX, "%s/%s", f->root, rel);
	return buf;
}
#define FP(rel) path_in(f, (rel), (char[PATH_MAX]){0})

static inline void put(const struct fake *f, const char *rel, const char *content)
{
	_cleanup_free_ char *p = at(f, rel);
	_cleanup_close_ int fd = -EBADF;
	char *slash = strrchr(p, '/');

	*slash = '\0';
	assert_int_equal(mkdir_p(p, 0755), 0);
	*slash = '/';
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, content, strlen(content)), 0);
}

static inline char *get(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *p = at(f, rel);
	char *s = NULL;

	assert_int_equal(read_file_at(AT_FDCWD, p, 1 << 20, &s, NULL), 0);
	return s;
}

static inline void assert_file(const struct fake *f, const char *rel, const char *want)
{
	_cleanup_free_ char *s = get(f, rel);

	assert_string_equal(s, want);
}

static inline bool has(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *p = at(f, rel);

	return path_exists_at(AT_FDCWD, p);
}

/* What the kernel does on mkdir: every new group gets a cgroup.procs. */
static inline void add_procs(const struct fake *f, const char *const *hiers, const char *path)
{
	for (; *hiers; hiers++) {
		_cleanup_free_ char *rel = xasprintf("%s/%s/cgroup.procs", *hiers, path);

		put(f, rel, "");
	}
}

/* Remove the regular files below dir: a kernel's knobs vanish on rmdir, ours do not. */
static inline void strip_files(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR)
			strip_files(p);
		else
			assert_int_equal(unlink(p), 0);
	}
}

static inline void strip(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *p = at(f, rel);

	strip_files(p);
}

static inline int fake_setup(void **state)
{
	struct fake *f = xzalloc(sizeof(*f));

	(void)snprintf(f->root, sizeof(f->root), "/tmp/vz-test-cgroup-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	*state = f;
	return 0;
}

static inline int fake_teardown(void **state)
{
	struct fake *f = *state;

	vz_cgroup_free(f->cg);
	(void)rm_rf_at(AT_FDCWD, f->root);
	free(f);
	return 0;
}

static inline struct vz_cgroup *fake_new(struct fake *f, int mode, const char *prefix,
					 const char *ctid)
{
	_cleanup_error_ vz_error_t err = NULL;

	vz_cgroup_free(f->cg);
	f->cg = vz_cgroup_new(f->root, mode, prefix, ctid, &err);
	if (!f->cg)
		fail_msg("%s", err->msg);
	return f->cg;
}

static inline void ok(int r, vz_error_t *err)
{
	if (r < 0)
		fail_msg("%s", (*err)->msg);
	assert_null(*err);
}

static inline int count_fds(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	return n;
}

/* ---- the trees a kernel shows before any CT ---- */

static const char *const v2_hiers[] = {".", NULL};

static inline void v2_tree(struct fake *f)
{
	put(f, "cgroup.controllers", "cpu io memory pids\n");
	put(f, "cgroup.subtree_control", "");
	put(f, "cgroup.procs", "1\n");
}

static const char *const v1_hiers[] = {"cpu",	 "cpuacct", "cpuset",  "freezer",
				       "memory", "pids",    "systemd", NULL};

static inline void v1_tree(struct fake *f, bool unified)
{
	for (const char *const *h = v1_hiers; *h; h++)
		add_procs(f, (const char *const[]){*h, NULL}, ".");
	put(f, "cpuset/cpuset.cpus", "0-1\n");
	put(f, "cpuset/cpuset.mems", "0\n");
	put(f, "memory/memory.use_hierarchy", "1\n");
	put(f, "notacgroup/README", "no cgroup.procs here\n");
	assert_int_equal(symlink("cpu", FP("cpu,cpuacct")), 0);
	if (unified) {
		put(f, "unified/cgroup.procs", "");
		put(f, "unified/cgroup.controllers", "hugetlb\n");
		put(f, "unified/cgroup.subtree_control", "");
	}
}

/* ---- limits ---- */

#define MiB (1024 * 1024ull)

static inline void set_ok(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim)
{
	_cleanup_error_ vz_error_t err = NULL;

	ok(vz_cgroup_set_limits(cg, lim, &err), &err);
}

/* set_limits fails with errnum and a message that contains want. */
static inline void set_fails(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, int errnum,
			     const char *want)
{
	_cleanup_error_ vz_error_t err = NULL;

	assert_true(vz_cgroup_set_limits(cg, lim, &err) < 0);
	assert_non_null(err);
	assert_int_equal(vz_error_errno(err), errnum);
	if (!strstr(err->msg, want))
		fail_msg("'%s' does not contain '%s'", err->msg, want);
}

static inline void stats_ok(struct vz_cgroup *cg, struct vz_cgroup_stats *st)
{
	_cleanup_error_ vz_error_t err = NULL;

	ok(vz_cgroup_stats(cg, st, &err), &err);
}

#endif
