/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup backends against fake trees (plain directories in a temp dir, where
 * the test plays the kernel and creates the knob files), then against the
 * real hierarchies of this host when run as root. The real tests work only
 * below "vz-unit-<pid>" and remove it in their teardown even after a failure.
 */
#define _GNU_SOURCE
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

static char *at(const struct fake *f, const char *rel)
{
	return xasprintf("%s/%s", f->root, rel);
}

/* A path in the fake tree, in a buffer that lives until the end of the caller's block. */
static char *path_in(const struct fake *f, const char *rel, char *buf)
{
	(void)snprintf(buf, PATH_MAX, "%s/%s", f->root, rel);
	return buf;
}
#define FP(rel) path_in(f, (rel), (char[PATH_MAX]){0})

static void put(const struct fake *f, const char *rel, const char *content)
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

static char *get(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *p = at(f, rel);
	char *s = NULL;

	assert_int_equal(read_file_at(AT_FDCWD, p, 1 << 20, &s, NULL), 0);
	return s;
}

static void assert_file(const struct fake *f, const char *rel, const char *want)
{
	_cleanup_free_ char *s = get(f, rel);

	assert_string_equal(s, want);
}

static bool has(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *p = at(f, rel);

	return path_exists_at(AT_FDCWD, p);
}

/* What the kernel does on mkdir: every new group gets a cgroup.procs. */
static void add_procs(const struct fake *f, const char *const *hiers, const char *path)
{
	for (; *hiers; hiers++) {
		_cleanup_free_ char *rel = xasprintf("%s/%s/cgroup.procs", *hiers, path);

		put(f, rel, "");
	}
}

/* Remove the regular files below dir: a kernel's knobs vanish on rmdir, ours do not. */
static void strip_files(const char *dir)
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

static void strip(const struct fake *f, const char *rel)
{
	_cleanup_free_ char *p = at(f, rel);

	strip_files(p);
}

static int fake_setup(void **state)
{
	struct fake *f = xzalloc(sizeof(*f));

	(void)snprintf(f->root, sizeof(f->root), "/tmp/vz-test-cgroup-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;

	vz_cgroup_free(f->cg);
	(void)rm_rf_at(AT_FDCWD, f->root);
	free(f);
	return 0;
}

static struct vz_cgroup *fake_new(struct fake *f, int mode, const char *prefix, const char *ctid)
{
	_cleanup_error_ vz_error_t err = NULL;

	vz_cgroup_free(f->cg);
	f->cg = vz_cgroup_new(f->root, mode, prefix, ctid, &err);
	if (!f->cg)
		fail_msg("%s", err->msg);
	return f->cg;
}

static void ok(int r, vz_error_t *err)
{
	if (r < 0)
		fail_msg("%s", (*err)->msg);
	assert_null(*err);
}

static int count_fds(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	return n;
}

/* ---- v2 on a fake tree ---- */

static const char *const v2_hiers[] = {".", NULL};

static void v2_tree(struct fake *f)
{
	put(f, "cgroup.controllers", "cpu io memory pids\n");
	put(f, "cgroup.subtree_control", "");
	put(f, "cgroup.procs", "1\n");
}

static void test_v2_create(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct stat a, b;
	int fd;

	v2_tree(f);
	/* The kernel would give the prefix these; the test plays the kernel. */
	put(f, "vz/cgroup.controllers", "cpu io memory pids\n");
	put(f, "vz/cgroup.subtree_control", "");
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	assert_string_equal(vz_cgroup_ops(cg)->name, "v2");
	assert_int_equal(vz_cgroup_mode(cg), VZ_CGROUP_UNIFIED);
	assert_int_equal(vz_cgroup_dirfd_v2(cg), -1);
	ok(vz_cgroup_create(cg, &err), &err);
	assert_file(f, "cgroup.subtree_control", "+cpu +io +memory +pids");
	assert_file(f, "vz/cgroup.subtree_control", "+cpu +io +memory +pids");
	/* The leaf never gets controllers: it must be able to hold processes. */
	assert_false(has(f, "vz/42/cgroup.subtree_control"));
	fd = vz_cgroup_dirfd_v2(cg);
	assert_true(fd >= 0);
	assert_int_equal(vz_cgroup_dirfd_v2(cg), fd);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat(FP("vz/42"), &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	/* Existing groups are fine. */
	ok(vz_cgroup_create(cg, &err), &err);
}

static void test_v2_controllers_partial(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *s = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	put(f, "cgroup.controllers", "cpuset io memory pids hugetlb\n");
	put(f, "cgroup.subtree_control", "io memory pids\n");
	put(f, "a/cgroup.controllers", "io memory pids\n");
	put(f, "a/cgroup.subtree_control", "io memory pids\n");
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "a/b", "7");
	ok(vz_cgroup_create(cg, &err), &err);
	/* Only what is offered and not yet on (a file, so the write lands over the old text). */
	s = get(f, "cgroup.subtree_control");
	assert_true(strncmp(s, "+cpuset", 7) == 0);
	assert_null(strstr(s, "+io"));
	assert_null(strstr(s, "+memory"));
	assert_null(strstr(s, "+pids"));
	/* A fully enabled level is not written. */
	assert_file(f, "a/cgroup.subtree_control", "io memory pids\n");
	assert_true(has(f, "a/b/7"));
	/* Destroy takes the prefix "a/b" but not "a" above it, which need not be ours. */
	ok(vz_cgroup_destroy(f->cg, &err), &err);
	assert_false(has(f, "a/b"));
	assert_true(has(f, "a/cgroup.controllers"));
}

static void test_v2_attach_count(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	int fds[4];

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	add_procs(f, v2_hiers, "vz/42");
	ok(vz_cgroup_attach(cg, 4321, &err), &err);
	assert_file(f, "vz/42/cgroup.procs", "4321");
	assert_int_equal(vz_cgroup_count_procs(cg, &err), 1);
	/* The CT may nest groups inside its namespace: they count too. */
	put(f, "vz/42/cgroup.procs", "1\n2\n");
	put(f, "vz/42/sub/cgroup.procs", "3\n");
	put(f, "vz/42/sub/deeper/cgroup.procs", "4\n5\n");
	put(f, "vz/42/empty/cgroup.procs", "");
	assert_int_equal(vz_cgroup_count_procs(cg, &err), 5);
	assert_int_equal(vz_cgroup_open_procs(cg, fds, 4, &err), 1);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(fds[0], F_GETFL) & O_ACCMODE, O_WRONLY);
	close(fds[0]);
	assert_int_equal(vz_cgroup_open_procs(cg, fds, 0, &err), -ENOBUFS);
	assert_non_null(err);
}

static void test_v2_missing_group(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	int fd;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	assert_int_equal(vz_cgroup_count_procs(cg, &err), 0);
	ok(vz_cgroup_kill_all(cg, &err), &err);
	ok(vz_cgroup_destroy(cg, &err), &err);
	assert_int_equal(vz_cgroup_dirfd_v2(cg), -1);
	assert_true(vz_cgroup_attach(cg, 1, &err) < 0);
	assert_int_equal(vz_error_errno(err), ENOENT);
	assert_string_equal(err->msg,
			    "cgroup 'vz/42': attach pid 1 to 'cgroup2': No such file or directory");
	vz_error_release(&err);
	assert_true(vz_cgroup_open_procs(cg, &fd, 1, &err) < 0);
}

static void test_v2_kill_empty(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	put(f, "vz/42/cgroup.procs", "");
	put(f, "vz/42/cgroup.kill", "");
	ok(vz_cgroup_kill_all(cg, &err), &err);
	assert_file(f, "vz/42/cgroup.kill", "1");
	/* Without cgroup.kill: the freeze-and-kill loop, here with nothing to kill. */
	assert_int_equal(unlink(FP("vz/42/cgroup.kill")), 0);
	put(f, "vz/42/cgroup.freeze", "0");
	ok(vz_cgroup_kill_all(cg, &err), &err);
}

static void test_v2_destroy(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "43");
	ok(vz_cgroup_create(cg, &err), &err);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	put(f, "vz/42/cgroup.procs", "");
	put(f, "vz/42/nested/a/cgroup.procs", "");
	assert_int_equal(mkdir(FP("vz/42/nested/b"), 0755), 0);

	/* rmdir only: the knob files of a fake tree make it fail, and survive. */
	assert_true(vz_cgroup_destroy(cg, &err) < 0);
	assert_int_equal(vz_error_errno(err), ENOTEMPTY);
	assert_non_null(strstr(err->msg, "cgroup 'vz/42': destroy 'cgroup2': "));
	vz_error_release(&err);
	assert_true(has(f, "vz/42/cgroup.procs"));
	assert_true(has(f, "vz/42/nested/a/cgroup.procs"));

	strip(f, "vz/42");
	ok(vz_cgroup_destroy(cg, &err), &err);
	assert_false(has(f, "vz/42"));
	assert_true(has(f, "vz/43")); /* another CT keeps the prefix */
	ok(vz_cgroup_destroy(cg, &err), &err);

	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "43");
	ok(vz_cgroup_destroy(cg, &err), &err);
	assert_false(has(f, "vz"));
	assert_true(has(f, "cgroup.procs"));
}

static void test_names(void **state)
{
	static const char *const bad[][2] = {
		{"vz", ".."},	{"vz", "."},	{"vz", ""},	{"vz", "a/b"},
		{"/vz", "1"},	{"vz/", "1"},	{"vz//x", "1"}, {"../vz", "1"},
		{"vz/..", "1"}, {"vz", "a\nb"}, {"vz", "a b"},	{"", "1"},
		{NULL, "1"},	{"vz", NULL},	{"vz", "x'y"},	{"vz", "*"},
	};
	struct fake *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_error_ vz_error_t err = NULL;

		assert_null(vz_cgroup_new(f->root, VZ_CGROUP_UNIFIED, bad[i][0], bad[i][1], &err));
		assert_non_null(err);
		assert_int_equal(err->code, VZ_E_VALUE);
		assert_int_equal(vz_error_errno(err), EINVAL);
	}
	{
		_cleanup_error_ vz_error_t err = NULL;

		assert_null(vz_cgroup_new(f->root, _VZ_CGROUP_MODE_MAX, "vz", "1", &err));
		assert_non_null(err);
	}
}

/* ---- v1 on a fake tree ---- */

static const char *const v1_hiers[] = {"cpu",	 "cpuacct", "cpuset",  "freezer",
				       "memory", "pids",    "systemd", NULL};

static void v1_tree(struct fake *f, bool unified)
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

static void assert_made(const struct fake *f, const char *path, bool unified)
{
	for (const char *const *h = v1_hiers; *h; h++) {
		_cleanup_free_ char *rel = xasprintf("%s/%s", *h, path);

		assert_true(has(f, rel));
	}
	assert_int_equal(has(f, "unified/vz"), unified);
	assert_false(has(f, "notacgroup/vz"));
}

static void test_v1_legacy(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	int fds[16], n, nfds = count_fds();

	v1_tree(f, true);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	assert_string_equal(vz_cgroup_ops(cg)->name, "v1");
	ok(vz_cgroup_create(cg, &err), &err);
	assert_made(f, "vz/42", false);
	assert_int_equal(vz_cgroup_dirfd_v2(cg), -1);
	add_procs(f, v1_hiers, "vz/42");
	ok(vz_cgroup_attach(cg, 4321, &err), &err);
	for (const char *const *h = v1_hiers; *h; h++) {
		_cleanup_free_ char *rel = xasprintf("%s/vz/42/cgroup.procs", *h);

		assert_file(f, rel, "4321");
	}
	n = vz_cgroup_open_procs(cg, fds, 16, &err);
	assert_int_equal(n, 7); /* the symlink does not count twice */
	for (int i = 0; i < n; i++)
		close(fds[i]);
	assert_int_equal(vz_cgroup_open_procs(cg, fds, 6, &err), -ENOBUFS);
	assert_non_null(err);
	vz_cgroup_free(steal_ptr(f->cg));
	assert_int_equal(count_fds(), nfds); /* failed calls too leave no fd behind */
}

static void test_v1_hybrid(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	int fds[16], n;

	v1_tree(f, true);
	cg = fake_new(f, VZ_CGROUP_HYBRID, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	assert_made(f, "vz/42", true);
	/* No controller of ours lives in hybrid's cgroup2: nothing is enabled there. */
	assert_file(f, "unified/cgroup.subtree_control", "");
	assert_int_equal(vz_cgroup_dirfd_v2(cg), -1);
	add_procs(f, v1_hiers, "vz/42");
	add_procs(f, (const char *const[]){"unified", NULL}, "vz/42");
	ok(vz_cgroup_attach(cg, 99, &err), &err);
	assert_file(f, "unified/vz/42/cgroup.procs", "99");
	n = vz_cgroup_open_procs(cg, fds, 16, &err);
	assert_int_equal(n, 8);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void test_v1_cpuset_memory(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v1_tree(f, false);
	/* New levels as the kernel makes them: empty cpuset, use_hierarchy off (old kernels). */
	put(f, "cpuset/vz/cpuset.cpus", "\n");
	put(f, "cpuset/vz/cpuset.mems", "");
	put(f, "cpuset/vz/42/cpuset.cpus", "");
	put(f, "cpuset/vz/42/cpuset.mems", "\n");
	put(f, "memory/vz/memory.use_hierarchy", "0\n");
	put(f, "memory/vz/42/memory.use_hierarchy", "0\n");
	put(f, "cpuset/vz/43/cpuset.cpus", "");
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	assert_file(f, "cpuset/vz/cpuset.cpus", "0-1");
	assert_file(f, "cpuset/vz/cpuset.mems", "0");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "0-1");
	assert_file(f, "cpuset/vz/42/cpuset.mems", "0");
	assert_file(f, "memory/vz/memory.use_hierarchy", "1\n");
	assert_file(f, "memory/vz/42/memory.use_hierarchy", "1\n");

	/* A level that has its own values keeps them; its children inherit them. */
	put(f, "cpuset/vz/cpuset.cpus", "1\n");
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "43");
	ok(vz_cgroup_create(cg, &err), &err);
	assert_file(f, "cpuset/vz/cpuset.cpus", "1\n");
	assert_file(f, "cpuset/vz/43/cpuset.cpus", "1");
}

static void test_v1_comounted(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	int fds[8], n;

	put(f, "cpu,cpuacct/cgroup.procs", "");
	put(f, "memory/cgroup.procs", "");
	assert_int_equal(symlink("cpu,cpuacct", FP("cpu")), 0);
	assert_int_equal(symlink("cpu,cpuacct", FP("cpuacct")), 0);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "1");
	ok(vz_cgroup_create(cg, &err), &err);
	assert_true(has(f, "cpu,cpuacct/vz/1"));
	add_procs(f, (const char *const[]){"cpu,cpuacct", "memory", NULL}, "vz/1");
	n = vz_cgroup_open_procs(cg, fds, 8, &err);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* No pids hierarchy: count from the first one. */
	put(f, "cpu,cpuacct/vz/1/cgroup.procs", "10\n11\n");
	assert_int_equal(vz_cgroup_count_procs(cg, &err), 2);
}

static void test_v1_count_destroy(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v1_tree(f, true);
	cg = fake_new(f, VZ_CGROUP_HYBRID, "vz", "42");
	assert_int_equal(vz_cgroup_count_procs(cg, &err), 0);
	ok(vz_cgroup_create(cg, &err), &err);
	put(f, "pids/vz/42/cgroup.procs", "5\n6\n");
	put(f, "pids/vz/42/sub/cgroup.procs", "7\n");
	put(f, "cpu/vz/42/cgroup.procs", "5\n");
	assert_int_equal(vz_cgroup_count_procs(cg, &err), 3);

	assert_true(vz_cgroup_destroy(cg, &err) < 0);
	assert_string_equal(err->msg, "cgroup 'vz/42': destroy 'cpu': Directory not empty");
	vz_error_release(&err);
	assert_true(has(f, "cpu/vz/42/cgroup.procs"));
	for (const char *const *h = v1_hiers; *h; h++) {
		_cleanup_free_ char *rel = xasprintf("%s/vz", *h);

		strip(f, rel);
	}
	ok(vz_cgroup_destroy(cg, &err), &err);
	for (const char *const *h = v1_hiers; *h; h++) {
		_cleanup_free_ char *rel = xasprintf("%s/vz", *h);

		assert_false(has(f, rel));
	}
	assert_false(has(f, "unified/vz"));
	assert_true(has(f, "cpuset/cpuset.cpus"));
	ok(vz_cgroup_destroy(cg, &err), &err);
}

static void test_v1_rollback(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v1_tree(f, false);
	put(f, "memory/vz", "a file where the prefix should be\n");
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	assert_true(vz_cgroup_create(cg, &err) < 0);
	assert_int_equal(err->code, VZ_E_RESOURCE);
	assert_string_equal(err->msg, "cgroup 'vz/42': create 'memory': Not a directory");
	/* What this create made before it failed is gone again. */
	assert_false(has(f, "cpu/vz"));
	assert_false(has(f, "cpuset/vz"));
	assert_false(has(f, "freezer/vz"));
	assert_false(has(f, "pids/vz"));
}

static void test_v1_no_hierarchy(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;

	put(f, "unified/cgroup.procs", "");
	assert_null(vz_cgroup_new(f->root, VZ_CGROUP_LEGACY, "vz", "1", &err));
	assert_non_null(strstr(err->msg, "no cgroup v1 hierarchy"));
}

static void test_detect(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	enum vz_cgroup_mode mode;
	struct statfs fs;

	assert_true(vz_cgroup_detect("/nonexistent-vz", &mode, &err) < 0);
	assert_int_equal(vz_error_errno(err), ENOENT);
	vz_error_release(&err);
	assert_true(vz_cgroup_detect("/proc", &mode, &err) < 0);
	vz_error_release(&err);
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		skip();
	ok(vz_cgroup_detect("/sys/fs/cgroup", &mode, &err), &err);
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		assert_int_equal(mode, VZ_CGROUP_UNIFIED);
	else
		assert_true(mode == VZ_CGROUP_HYBRID || mode == VZ_CGROUP_LEGACY);
	if (mode == VZ_CGROUP_HYBRID) {
		ok(vz_cgroup_detect("/sys/fs/cgroup/unified", &mode, &err), &err);
		assert_int_equal(mode, VZ_CGROUP_UNIFIED);
	}
}

/* ---- limits and counters on fake trees ---- */

#define MiB (1024 * 1024ull)
/* What v1 reads back for "no limit" (4 KiB pages). */
#define V1_NOLIMIT "9223372036854771712\n"

static const unsigned all_res = VZ_CG_MEM | VZ_CG_SWAP | VZ_CG_PIDS | VZ_CG_CPU_WEIGHT |
				VZ_CG_CPU_QUOTA | VZ_CG_CPUSET | VZ_CG_IO_WEIGHT | VZ_CG_IO_MAX;

static const unsigned prio_table[8] = {12, 25, 50, 75, 100, 200, 400, 800};

static void set_ok(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim)
{
	_cleanup_error_ vz_error_t err = NULL;

	ok(vz_cgroup_set_limits(cg, lim, &err), &err);
}

/* set_limits fails with errnum and a message that contains want. */
static void set_fails(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, int errnum,
		      const char *want)
{
	_cleanup_error_ vz_error_t err = NULL;

	assert_true(vz_cgroup_set_limits(cg, lim, &err) < 0);
	assert_non_null(err);
	assert_int_equal(vz_error_errno(err), errnum);
	if (!strstr(err->msg, want))
		fail_msg("'%s' does not contain '%s'", err->msg, want);
}

static void stats_ok(struct vz_cgroup *cg, struct vz_cgroup_stats *st)
{
	_cleanup_error_ vz_error_t err = NULL;

	ok(vz_cgroup_stats(cg, st, &err), &err);
}

static void stats_fail(struct vz_cgroup *cg, const char *msg)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_cgroup_stats st;

	assert_true(vz_cgroup_stats(cg, &st, &err) < 0);
	assert_int_equal(vz_error_errno(err), EBADMSG);
	assert_string_equal(err->msg, msg);
}

static void assert_counter(const struct vz_cg_counter *c, uint64_t held, uint64_t maxheld,
			   uint64_t limit, uint64_t failcnt)
{
	assert_true(c->have);
	assert_int_equal(c->held, held);
	assert_int_equal(c->maxheld, maxheld);
	assert_int_equal(c->limit, limit);
	assert_int_equal(c->failcnt, failcnt);
}

/* The CT's v2 group with the knobs a kernel with every controller gives it. */
static struct vz_cgroup *v2_limits_tree(struct fake *f)
{
	static const char *const knobs[][2] = {
		{"memory.max", "max\n"},	{"memory.swap.max", "max\n"},
		{"pids.max", "max\n"},		{"cpu.weight", "100\n"},
		{"cpu.max", "max 100000\n"},	{"cpuset.cpus", "\n"},
		{"io.weight", "default 100\n"}, {"io.max", ""},
	};
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_cgroup *cg;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		_cleanup_free_ char *rel = xasprintf("vz/42/%s", knobs[i][0]);

		put(f, rel, knobs[i][1]);
	}
	return cg;
}

static void test_v2_set_limits(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_limits lim = {
		.set = all_res,
		.mem_max = 64 * MiB,
		.swap_max = VZ_CG_UNLIMITED,
		.pids_max = 64,
		.cpu_units = 8,
		.cpu_quota_pct = 150,
		.cpuset = "0-1,3",
		.io_prio = 0,
		.io_dev = makedev(8, 16),
		.io_bps = MiB,
	};

	set_ok(cg, &lim);
	assert_file(f, "vz/42/memory.max", "67108864");
	assert_file(f, "vz/42/memory.swap.max", "max");
	assert_file(f, "vz/42/pids.max", "64");
	assert_file(f, "vz/42/cpu.weight", "1");
	assert_file(f, "vz/42/cpu.max", "150000 100000");
	assert_file(f, "vz/42/cpuset.cpus", "0-1,3");
	assert_file(f, "vz/42/io.weight", "default 12");
	assert_file(f, "vz/42/io.max", "8:16 rbps=1048576 wbps=1048576 riops=max wiops=max");

	lim = (struct vz_cgroup_limits){
		.set = all_res & ~VZ_CG_IO_WEIGHT,
		.mem_max = VZ_CG_UNLIMITED,
		.swap_max = 0,
		.pids_max = VZ_CG_UNLIMITED,
		.cpu_units = 1000,
		.io_dev = makedev(254, 0),
		.io_iops = 500,
	};
	set_ok(cg, &lim);
	assert_file(f, "vz/42/memory.max", "max");
	assert_file(f, "vz/42/memory.swap.max", "0");
	assert_file(f, "vz/42/pids.max", "max");
	assert_file(f, "vz/42/cpu.weight", "100");
	assert_file(f, "vz/42/cpu.max", "max 100000");
	assert_file(f, "vz/42/cpuset.cpus", "\n"); /* empty: the parent's CPUs */
	assert_file(f, "vz/42/io.max", "254:0 rbps=max wbps=max riops=500 wiops=500");
	assert_file(f, "vz/42/io.weight", "default 12"); /* not in .set: untouched */

	/* cpu.weight = units / 10 within 1..10000; cpuset NULL is "" too. */
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPU_WEIGHT | VZ_CG_CPUSET,
					.cpu_units = 500000};
	put(f, "vz/42/cpuset.cpus", "0\n");
	set_ok(cg, &lim);
	assert_file(f, "vz/42/cpu.weight", "10000");
	assert_file(f, "vz/42/cpuset.cpus", "\n");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPU_QUOTA, .cpu_quota_pct = 50};
	set_ok(cg, &lim);
	assert_file(f, "vz/42/cpu.max", "50000 100000");
}

/* ioprio 0..7 through the table, into every weight knob the group has. */
static void test_v2_io_weight(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_limits lim = {.set = VZ_CG_IO_WEIGHT};

	for (unsigned prio = 0; prio < 8; prio++) {
		_cleanup_free_ char *want = xasprintf("default %u", prio_table[prio]);

		lim.io_prio = prio;
		set_ok(cg, &lim);
		assert_file(f, "vz/42/io.weight", want);
	}
	put(f, "vz/42/io.bfq.weight", "default 100\n");
	lim.io_prio = 4;
	set_ok(cg, &lim);
	assert_file(f, "vz/42/io.weight", "default 100");
	assert_file(f, "vz/42/io.bfq.weight", "default 100");
	/* BFQ alone is enough. */
	assert_int_equal(unlink(FP("vz/42/io.weight")), 0);
	lim.io_prio = 6;
	set_ok(cg, &lim);
	assert_file(f, "vz/42/io.bfq.weight", "default 400");
	assert_false(has(f, "vz/42/io.weight"));
}

static void test_v2_limits_refused(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_limits lim = {
		.set = VZ_CG_MEM | VZ_CG_SWAP | VZ_CG_PIDS,
		.mem_max = MiB,
		.swap_max = 0,
		.pids_max = 10,
	};

	/* No swap accounting: nothing at all is written, memory.max included. */
	assert_int_equal(unlink(FP("vz/42/memory.swap.max")), 0);
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cgroup 'vz/42': cannot set swap_max: no memory.swap.max in cgroup v2");
	assert_file(f, "vz/42/memory.max", "max\n");
	assert_file(f, "vz/42/pids.max", "max\n");
	assert_int_equal(unlink(FP("vz/42/io.weight")), 0);
	lim.set = VZ_CG_IO_WEIGHT;
	set_fails(cg, &lim, EOPNOTSUPP, "cannot set io_prio: no io.weight or io.bfq.weight");

	/* Values that make no sense fail before anything is written. */
	lim = (struct vz_cgroup_limits){.set = VZ_CG_PIDS | VZ_CG_IO_MAX, .pids_max = 1};
	set_fails(cg, &lim, EINVAL, "io_bps/io_iops without a device");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPUSET, .cpuset = "0\n1"};
	set_fails(cg, &lim, EINVAL, "not a CPU list");
	lim = (struct vz_cgroup_limits){.set = 1u << 20};
	set_fails(cg, &lim, EINVAL, "unknown limits");
	assert_file(f, "vz/42/pids.max", "max\n");

	/* A failed write names the group, the knob and the value. */
	assert_int_equal(unlink(FP("vz/42/pids.max")), 0);
	assert_int_equal(mkdir(FP("vz/42/pids.max"), 0755), 0);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_PIDS, .pids_max = 64};
	set_fails(cg, &lim, EISDIR, "cgroup 'vz/42': write pids.max=64: Is a directory");
	assert_int_equal(rmdir(FP("vz/42/pids.max")), 0);

	/* Never made here: a missing group is an error. */
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "43");
	set_fails(cg, &lim, ENOENT, "cgroup 'vz/43': set pids_max: CT group missing in 'cgroup2'");
	assert_false(has(f, "vz/43"));
	lim.set = 0;
	set_ok(cg, &lim);
}

static void v2_counters(struct fake *f)
{
	put(f, "vz/42/memory.current", "1000\n");
	put(f, "vz/42/memory.peak", "2000\n");
	put(f, "vz/42/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n");
	put(f, "vz/42/memory.swap.current", "10\n");
	put(f, "vz/42/memory.swap.max", "4096\n");
	put(f, "vz/42/memory.swap.events", "high 0\nmax 1\nfail 5\n");
	put(f, "vz/42/pids.current", "3\n");
	put(f, "vz/42/pids.peak", "7\n");
	put(f, "vz/42/pids.max", "64\n");
	put(f, "vz/42/pids.events", "max 4\n");
	put(f, "vz/42/memory.stat", "anon 1\nfile 2\nkernel 500\nkernel_stack 9\nsock 20\n");
	put(f, "vz/42/cpu.stat", "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n");
}

static void test_v2_stats(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_stats st;

	v2_counters(f);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 2000, VZ_CG_UNLIMITED, 3);
	/* No swap.peak (kernels < 6.5): the peak is the current use. */
	assert_counter(&st.swap, 10, 10, 4096, 5);
	assert_counter(&st.pids, 3, 7, 64, 4);
	assert_counter(&st.kmem, 500, 500, VZ_CG_UNLIMITED, 0);
	assert_counter(&st.sock, 20, 20, VZ_CG_UNLIMITED, 0);
	assert_true(st.have_oom_kills);
	assert_int_equal(st.oom_kills, 2);
	assert_true(st.have_cpu);
	assert_int_equal(st.cpu_usage_ns, 1234000);
	assert_int_equal(st.supported, all_res);

	/* What older kernels or missing controllers lack is not had, and that is no error. */
	put(f, "vz/42/memory.stat", "anon 1\n");
	put(f, "vz/42/memory.events", "max 0\n");
	put(f, "vz/42/memory.swap.events", "max 2\nfail 1\n");
	assert_int_equal(unlink(FP("vz/42/memory.peak")), 0);
	assert_int_equal(unlink(FP("vz/42/pids.current")), 0);
	assert_int_equal(unlink(FP("vz/42/cpu.stat")), 0);
	assert_int_equal(unlink(FP("vz/42/memory.max")), 0);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 1000, VZ_CG_UNLIMITED, 0);
	assert_int_equal(st.swap.failcnt, 2);
	assert_false(st.pids.have);
	assert_false(st.kmem.have);
	assert_false(st.sock.have);
	assert_false(st.have_oom_kills);
	assert_false(st.have_cpu);
	assert_int_equal(st.supported, all_res & ~VZ_CG_MEM);

	/* Garbage fails, naming the knob. */
	put(f, "vz/42/memory.current", "12abc\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.current: Bad message");
	put(f, "vz/42/memory.current", "-1\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.current: Bad message");
	put(f, "vz/42/memory.current", "99999999999999999999999\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.current: Bad message");
	put(f, "vz/42/memory.current", "1\n");
	put(f, "vz/42/memory.swap.events", "max\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.swap.events: Bad message");
	put(f, "vz/42/memory.swap.events", "max 1\n");
	put(f, "vz/42/memory.stat", "anon 1\nkernel 5x\nsock 1\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.stat: Bad message");
	put(f, "vz/42/memory.stat", "");
	put(f, "vz/42/memory.swap.max", "");
	stats_fail(cg, "cgroup 'vz/42': read memory.swap.max: Bad message");
}

static void test_v2_stats_missing(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_stats st;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	memset(&st, 0xff, sizeof(st));
	stats_ok(cg, &st);
	assert_false(st.mem.have || st.swap.have || st.pids.have || st.kmem.have || st.sock.have);
	assert_false(st.have_oom_kills || st.have_cpu);
	/* Judged by the root's controllers: "cpu io memory pids". */
	assert_int_equal(st.supported, all_res & ~(VZ_CG_CPUSET | VZ_CG_IO_WEIGHT));
	assert_false(has(f, "vz"));
}

static void test_v2_supported(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	assert_int_equal(vz_cgroup_supported(cg), all_res & ~(VZ_CG_CPUSET | VZ_CG_IO_WEIGHT));
	/* iocost built in gives every group io.weight. */
	put(f, "io.cost.qos", "");
	put(f, "cgroup.controllers", "cpuset io\n");
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_CPUSET | VZ_CG_IO_WEIGHT | VZ_CG_IO_MAX);
	put(f, "cgroup.controllers", "");
	assert_int_equal(vz_cgroup_supported(cg), 0);
	/* Once the group exists, its knobs decide. */
	ok(vz_cgroup_create(cg, &err), &err);
	assert_int_equal(vz_cgroup_supported(cg), 0);
	put(f, "vz/42/memory.max", "max\n");
	put(f, "vz/42/pids.max", "max\n");
	put(f, "vz/42/io.bfq.weight", "default 100\n");
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_IO_WEIGHT);
	assert_int_equal(unlink(FP("cgroup.controllers")), 0);
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_IO_WEIGHT);
}

/* v1: the hierarchies of v1_tree plus blkio, and the CT's group with its knobs. */
static const char *const v1_lim_hiers[] = {"blkio",  "cpu",  "cpuacct", "cpuset",
					   "memory", "pids", NULL};

static void v1_limits_root(struct fake *f)
{
	for (const char *const *h = v1_lim_hiers; *h; h++)
		add_procs(f, (const char *const[]){*h, NULL}, ".");
	put(f, "cpuset/cpuset.cpus", "0-3\n");
	put(f, "cpuset/cpuset.mems", "0\n");
	put(f, "memory/memory.limit_in_bytes", V1_NOLIMIT);
	put(f, "memory/memory.memsw.limit_in_bytes", V1_NOLIMIT);
	put(f, "cpu/cpu.shares", "1024\n");
	put(f, "cpu/cpu.cfs_quota_us", "-1\n");
	put(f, "blkio/blkio.throttle.read_bps_device", "");
}

static struct vz_cgroup *v1_limits_tree(struct fake *f)
{
	static const char *const knobs[][2] = {
		{"memory/vz/42/memory.limit_in_bytes", V1_NOLIMIT},
		{"memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT},
		{"pids/vz/42/pids.max", "max\n"},
		{"cpu/vz/42/cpu.shares", "1024\n"},
		{"cpu/vz/42/cpu.cfs_period_us", "100000\n"},
		{"cpu/vz/42/cpu.cfs_quota_us", "-1\n"},
		{"cpuset/vz/cpuset.cpus", "0-3\n"},
		{"cpuset/vz/42/cpuset.cpus", "0-3\n"},
		{"blkio/vz/42/blkio.bfq.weight", "100\n"},
		{"blkio/vz/42/blkio.throttle.read_bps_device", ""},
		{"blkio/vz/42/blkio.throttle.write_bps_device", ""},
		{"blkio/vz/42/blkio.throttle.read_iops_device", ""},
		{"blkio/vz/42/blkio.throttle.write_iops_device", ""},
	};
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_cgroup *cg;

	v1_limits_root(f);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		put(f, knobs[i][0], knobs[i][1]);
	return cg;
}

/* The prefix's weight is the sum of its CT groups', clamped; without CTs the default. */
static void test_v1_sync_weight(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *v = NULL;

	put(f, "cpu/vz/cpu.shares", "1024\n");
	put(f, "cpu/vz/43/cpu.shares", "2048\n");
	put(f, "cpu/vz/44/cpu.shares", "garbage\n"); /* a CT being made: skipped */
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	v = get(f, "cpu/vz/cpu.shares");
	assert_string_equal(v, "3072");
	free(v);
	put(f, "cpu/vz/43/cpu.shares", "262144\n");
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	v = get(f, "cpu/vz/cpu.shares");
	assert_string_equal(v, "262144");
}

static void test_v2_sync_weight(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *v = NULL;

	/* No cpu controller on the prefix: nothing to do. */
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	put(f, "vz/cpu.weight", "100\n");
	put(f, "vz/43/cpu.weight", "40\n");
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	v = get(f, "vz/cpu.weight");
	assert_string_equal(v, "140");
}

static void test_v1_set_limits(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_limits lim = {
		.set = all_res,
		.mem_max = 64 * MiB,
		.swap_max = 0,
		.pids_max = 64,
		.cpu_units = 8,
		.cpu_quota_pct = 50,
		.cpuset = "1",
		.io_prio = 7,
		.io_dev = makedev(8, 0),
		.io_bps = 1000,
	};

	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "67108864");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "67108864");
	assert_file(f, "pids/vz/42/pids.max", "64");
	assert_file(f, "cpu/vz/42/cpu.shares", "8");
	assert_file(f, "cpu/vz/42/cpu.cfs_period_us", "100000");
	assert_file(f, "cpu/vz/42/cpu.cfs_quota_us", "50000");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "1");
	assert_file(f, "blkio/vz/42/blkio.bfq.weight", "800");
	assert_file(f, "blkio/vz/42/blkio.throttle.read_bps_device", "8:0 1000");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_bps_device", "8:0 1000");
	assert_file(f, "blkio/vz/42/blkio.throttle.read_iops_device", "8:0 0");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_iops_device", "8:0 0");

	/* shares = units * 1024 / 1000 within 2..262144; no quota is -1; "" the parent's CPUs. */
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA | VZ_CG_CPUSET | VZ_CG_PIDS,
		.cpu_units = 1000,
		.cpuset = "",
		.pids_max = VZ_CG_UNLIMITED,
	};
	set_ok(cg, &lim);
	assert_file(f, "cpu/vz/42/cpu.shares", "1024");
	assert_file(f, "cpu/vz/42/cpu.cfs_quota_us", "-1");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "0-3");
	assert_file(f, "pids/vz/42/pids.max", "max");
	lim.cpu_units = 500000;
	lim.cpuset = NULL;
	put(f, "cpuset/vz/cpuset.cpus", "2\n");
	set_ok(cg, &lim);
	assert_file(f, "cpu/vz/42/cpu.shares", "262144");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "2");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPU_WEIGHT, .cpu_units = 1};
	set_ok(cg, &lim);
	assert_file(f, "cpu/vz/42/cpu.shares", "2");
}

/* The memsw pair: each write keeps memsw >= mem; a lone mem_max keeps the swap on top. */
static void test_v1_memsw(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_limits lim = {.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = 64 * MiB};

	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "67108864");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = 128 * MiB};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "134217728");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "134217728");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_SWAP, .swap_max = 32 * MiB};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "134217728");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "167772160");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = 32 * MiB};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "33554432");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "67108864");
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = 16 * MiB, .swap_max = VZ_CG_UNLIMITED};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "16777216");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "-1");
	/* The kernel reads "-1" back as its largest value. */
	put(f, "memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = VZ_CG_UNLIMITED};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "-1");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT); /* unchanged */
	/* Garbage in a limit we must read first: an error that names it, nothing written. */
	put(f, "memory/vz/42/memory.limit_in_bytes", "x\n");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_SWAP, .swap_max = 0};
	set_fails(cg, &lim, EBADMSG, "cgroup 'vz/42': read memory.limit_in_bytes: Bad message");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT);

	/* swapaccount=0: no memsw knob, no swap_max; mem_max alone still works. */
	assert_int_equal(unlink(FP("memory/vz/42/memory.memsw.limit_in_bytes")), 0);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = MiB};
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cannot set swap_max: no memory.memsw.limit_in_bytes in cgroup v1");
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "x\n");
	lim.set = VZ_CG_MEM;
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "1048576");
}

static void test_v1_io_limits(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_limits lim = {.set = VZ_CG_IO_WEIGHT | VZ_CG_PIDS, .pids_max = 5};

	for (unsigned prio = 0; prio < 8; prio++) {
		_cleanup_free_ char *want = xasprintf("%u", prio_table[prio]);

		lim.io_prio = prio;
		set_ok(cg, &lim);
		assert_file(f, "blkio/vz/42/blkio.bfq.weight", want);
	}
	put(f, "blkio/vz/42/blkio.weight", "500\n");
	lim.io_prio = 3;
	set_ok(cg, &lim);
	assert_file(f, "blkio/vz/42/blkio.weight", "75");
	assert_file(f, "blkio/vz/42/blkio.bfq.weight", "75");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_IO_WEIGHT, .io_prio = 8};
	set_fails(cg, &lim, EINVAL, "io_prio 8 not in 0..7");

	/* No I/O scheduler with weights: refused, and nothing else written either. */
	assert_int_equal(unlink(FP("blkio/vz/42/blkio.weight")), 0);
	assert_int_equal(unlink(FP("blkio/vz/42/blkio.bfq.weight")), 0);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_IO_WEIGHT | VZ_CG_PIDS, .pids_max = 9};
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cgroup 'vz/42': cannot set io_prio: no blkio.bfq.weight or blkio.weight in "
		  "cgroup v1: Operation not supported");
	assert_file(f, "pids/vz/42/pids.max", "5");

	/* Removing a rule is "MAJ:MIN 0". */
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_IO_MAX, .io_dev = makedev(259, 3), .io_iops = 77};
	set_ok(cg, &lim);
	assert_file(f, "blkio/vz/42/blkio.throttle.read_bps_device", "259:3 0");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_bps_device", "259:3 0");
	assert_file(f, "blkio/vz/42/blkio.throttle.read_iops_device", "259:3 77");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_iops_device", "259:3 77");
}

static void test_v1_limits_missing(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_limits lim = {.set = VZ_CG_PIDS, .pids_max = 1};
	struct vz_cgroup_stats st;

	v1_limits_root(f);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	set_fails(cg, &lim, ENOENT, "cgroup 'vz/42': set pids_max: CT group missing in 'pids'");
	assert_false(has(f, "pids/vz"));
	stats_ok(cg, &st);
	assert_false(st.mem.have || st.swap.have || st.pids.have || st.kmem.have || st.sock.have);
	assert_false(st.have_oom_kills || st.have_cpu);
	/* Without a group: the hierarchies, and the roots' knobs for what kernel options decide. */
	assert_int_equal(st.supported, all_res & ~VZ_CG_IO_WEIGHT);
	assert_int_equal(vz_cgroup_supported(cg), st.supported);
	put(f, "blkio/blkio.weight", "500\n");
	assert_int_equal(unlink(FP("memory/memory.memsw.limit_in_bytes")), 0);
	assert_int_equal(unlink(FP("cpu/cpu.cfs_quota_us")), 0);
	assert_int_equal(vz_cgroup_supported(cg), all_res & ~(VZ_CG_SWAP | VZ_CG_CPU_QUOTA));
}

static void test_v1_no_blkio(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_limits lim = {.set = VZ_CG_IO_MAX, .io_dev = makedev(8, 0)};

	v1_tree(f, false);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	assert_int_equal(vz_cgroup_supported(cg),
			 VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_CPU_WEIGHT | VZ_CG_CPUSET);
	ok(vz_cgroup_create(cg, &err), &err);
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cannot set io_bps/io_iops: no blkio.throttle.read_bps_device in cgroup v1");
	/* The group exists, but a fake kernel gave it no knobs. */
	assert_int_equal(vz_cgroup_supported(cg), 0);
}

static void v1_counters(struct fake *f)
{
	static const char *const knobs[][2] = {
		{"memory/vz/42/memory.usage_in_bytes", "1000\n"},
		{"memory/vz/42/memory.max_usage_in_bytes", "3000\n"},
		{"memory/vz/42/memory.failcnt", "2\n"},
		{"memory/vz/42/memory.memsw.usage_in_bytes", "1500\n"},
		{"memory/vz/42/memory.memsw.max_usage_in_bytes", "3500\n"},
		{"memory/vz/42/memory.memsw.failcnt", "1\n"},
		{"memory/vz/42/memory.kmem.usage_in_bytes", "100\n"},
		{"memory/vz/42/memory.kmem.max_usage_in_bytes", "200\n"},
		{"memory/vz/42/memory.kmem.limit_in_bytes", "4096\n"},
		{"memory/vz/42/memory.kmem.failcnt", "0\n"},
		{"memory/vz/42/memory.kmem.tcp.usage_in_bytes", "10\n"},
		{"memory/vz/42/memory.kmem.tcp.max_usage_in_bytes", "30\n"},
		{"memory/vz/42/memory.kmem.tcp.failcnt", "6\n"},
		{"memory/vz/42/memory.oom_control",
		 "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"},
		{"pids/vz/42/pids.current", "2\n"},
		{"pids/vz/42/pids.max", "64\n"},
		{"pids/vz/42/pids.events", "max 1\n"},
		{"cpuacct/vz/42/cpuacct.usage", "123456789\n"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		put(f, knobs[i][0], knobs[i][1]);
}

static void test_v1_stats(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_stats st;

	v1_counters(f);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 3000, VZ_CG_UNLIMITED,
		       2 + 4); /* memory.failcnt + OOM kills */
	/* swap = memsw - mem; v1 keeps no swap peak. */
	assert_counter(&st.swap, 500, 500, VZ_CG_UNLIMITED, 1);
	/* No pids.peak (kernels < 6.1): the peak is the current count. */
	assert_counter(&st.pids, 2, 2, 64, 1);
	assert_counter(&st.kmem, 100, 200, VZ_CG_UNLIMITED, 0);
	assert_counter(&st.sock, 10, 30, VZ_CG_UNLIMITED, 6);
	assert_true(st.have_oom_kills);
	assert_int_equal(st.oom_kills, 4);
	assert_true(st.have_cpu);
	assert_int_equal(st.cpu_usage_ns, 123456789);
	assert_int_equal(st.supported, all_res);

	put(f, "memory/vz/42/memory.limit_in_bytes", "4096\n");
	put(f, "memory/vz/42/memory.memsw.limit_in_bytes", "12288\n");
	put(f, "memory/vz/42/memory.memsw.usage_in_bytes", "900\n"); /* racing reads */
	put(f, "memory/vz/42/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	put(f, "pids/vz/42/pids.peak", "9\n");
	assert_int_equal(unlink(FP("memory/vz/42/memory.kmem.tcp.usage_in_bytes")), 0);
	assert_int_equal(unlink(FP("cpuacct/vz/42/cpuacct.usage")), 0);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 3000, 4096, 2);
	assert_counter(&st.swap, 0, 0, 8192, 1);
	assert_counter(&st.pids, 2, 9, 64, 1);
	assert_false(st.sock.have);
	assert_false(st.have_oom_kills);
	assert_false(st.have_cpu);

	put(f, "memory/vz/42/memory.memsw.failcnt", "one\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.memsw.failcnt: Bad message");
	put(f, "memory/vz/42/memory.memsw.failcnt", "1\n");
	put(f, "pids/vz/42/pids.events", "max -3\n");
	stats_fail(cg, "cgroup 'vz/42': read pids.events: Bad message");
	put(f, "pids/vz/42/pids.events", "max 0\n");
	put(f, "cpuacct/vz/42/cpuacct.usage", "");
	stats_fail(cg, "cgroup 'vz/42': read cpuacct.usage: Bad message");
}

/* "cpu,cpuacct" co-mounted: one hierarchy has both. */
static void test_v1_comounted_limits(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_limits lim = {.set = VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA,
				       .cpu_units = 2000};
	struct vz_cgroup_stats st;

	put(f, "cpu,cpuacct/cgroup.procs", "");
	put(f, "cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	assert_int_equal(symlink("cpu,cpuacct", FP("cpu")), 0);
	assert_int_equal(symlink("cpu,cpuacct", FP("cpuacct")), 0);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "1");
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA);
	ok(vz_cgroup_create(cg, &err), &err);
	put(f, "cpu,cpuacct/vz/1/cpu.shares", "1024\n");
	put(f, "cpu,cpuacct/vz/1/cpu.cfs_period_us", "100000\n");
	put(f, "cpu,cpuacct/vz/1/cpu.cfs_quota_us", "-1\n");
	put(f, "cpu,cpuacct/vz/1/cpuacct.usage", "42\n");
	set_ok(cg, &lim);
	assert_file(f, "cpu,cpuacct/vz/1/cpu.shares", "2048");
	assert_file(f, "cpu,cpuacct/vz/1/cpu.cfs_quota_us", "-1");
	stats_ok(cg, &st);
	assert_true(st.have_cpu);
	assert_int_equal(st.cpu_usage_ns, 42);
	assert_false(st.mem.have);
}

/* ---- the real kernel (root only) ---- */

#define MAX_KIDS 4

struct real {
	char prefix[64];
	const char *root;
	int mode;
	struct vz_cgroup *cg;
	pid_t kids[MAX_KIDS];
	int n_kids;
};

static int real_setup(void **state)
{
	struct real *t = xzalloc(sizeof(*t));

	(void)snprintf(t->prefix, sizeof(t->prefix), "vz-unit-%d", (int)getpid());
	t->mode = -1;
	t->root = "/sys/fs/cgroup";
	*state = t;
	/* Grandchildren of killed children come back to us to be reaped. */
	return prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 ? -1 : 0;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Runs even when the test failed: kill what we started, remove what we made. */
static int real_teardown(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct real *t = *state;

	for (int i = 0; i < t->n_kids; i++) {
		if (t->kids[i] > 0) {
			(void)kill(t->kids[i], SIGKILL);
			(void)waitpid(t->kids[i], NULL, 0);
		}
	}
	if (t->cg) {
		(void)vz_cgroup_kill_all(t->cg, &err);
		vz_error_release(&err);
		reap_all();
		if (vz_cgroup_destroy(t->cg, &err) < 0)
			print_error("teardown: %s\n", err->msg);
	}
	vz_cgroup_free(t->cg);
	cg_test_no_pidfd = false;
	free(t);
	return 0;
}

static bool real_open(struct real *t, const char *ctid)
{
	_cleanup_error_ vz_error_t err = NULL;

	if (geteuid() != 0)
		return false;
	t->cg = vz_cgroup_new(t->root, t->mode, t->prefix, ctid, &err);
	if (!t->cg)
		fail_msg("%s", err->msg);
	return true;
}

/* Hosts that keep cgroupfs read-only to us (containers, CI) skip the real tests. */
static void real_create(struct real *t)
{
	_cleanup_error_ vz_error_t err = NULL;
	int r = vz_cgroup_create(t->cg, &err);

	if (r == -EROFS || r == -EACCES || r == -EPERM)
		skip();
	ok(r, &err);
}

/*
 * A child that runs body (if any), then waits to be killed. It dies with us
 * if the test crashes.
 */
static pid_t spawn(struct real *t, void (*body)(void *), void *arg)
{
	pid_t parent = getpid(), pid;

	assert_true(t->n_kids < MAX_KIDS);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (body)
			body(arg);
		for (;;)
			pause();
	}
	t->kids[t->n_kids++] = pid;
	return pid;
}

static void assert_killed(struct real *t, pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	for (int i = 0; i < t->n_kids; i++)
		if (t->kids[i] == pid)
			t->kids[i] = 0;
}

/* The lines of /proc/<pid>/cgroup that start with only (all when NULL) end in path. */
static void assert_in_group(pid_t pid, const char *path, const char *only)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *want = xasprintf("/%s", path);
	_cleanup_free_ char *s = NULL;
	char *save = NULL;
	int seen = 0;

	assert_int_equal(read_file_at(AT_FDCWD, p, 1 << 16, &s, NULL), 0);
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(l), m = strlen(want);

		if (only && strncmp(l, only, strlen(only)) != 0)
			continue;
		if (n < m || !streq(l + n - m, want))
			fail_msg("pid %d: '%s' is not in '%s'", (int)pid, l, want);
		seen++;
	}
	assert_true(seen > 0);
}

/* Calls fn for each hierarchy directory that holds the CT: root itself or its subdirectories. */
static int each_ct_dir(const struct real *t, const char *ctid, void (*fn)(const char *, void *),
		       void *data)
{
	_cleanup_closedir_ DIR *d = opendir(t->root);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	for (bool self = true; self || (de = readdir(d)); self = false) {
		_cleanup_free_ char *dir = NULL;
		struct stat st;

		if (!self && de->d_name[0] == '.')
			continue;
		dir = self ? xasprintf("%s/%s/%s", t->root, t->prefix, ctid)
			   : xasprintf("%s/%s/%s/%s", t->root, de->d_name, t->prefix, ctid);
		if (stat(dir, &st) < 0)
			continue;
		if (fn)
			fn(dir, data);
		n++;
	}
	return n;
}

/* What a CT does inside its cgroup namespace: make a group and move a task there. */
static void nest_one(const char *ct, void *data)
{
	_cleanup_close_ int ctfd = open(ct, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int subfd = -EBADF;
	char pid[16];

	assert_true(ctfd >= 0);
	assert_int_equal(mkdirat(ctfd, "sub", 0755), 0);
	subfd = openat(ctfd, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(subfd >= 0);
	for (const char *const *k = (const char *const[]){"cpuset.cpus", "cpuset.mems", NULL}; *k;
	     k++) {
		_cleanup_free_ char *v = NULL;

		if (read_file_at(ctfd, *k, 4096, &v, NULL) == 0)
			assert_int_equal(write_string_at(subfd, *k, v), 0);
	}
	(void)snprintf(pid, sizeof(pid), "%d", *(pid_t *)data);
	assert_int_equal(write_string_at(subfd, "cgroup.procs", pid), 0);
}

static void nest(const struct real *t, const char *ctid, pid_t pid)
{
	assert_true(each_ct_dir(t, ctid, nest_one, &pid) > 0);
}

/* Nothing of ours is left in any hierarchy under root. */
static void assert_gone(const struct real *t)
{
	_cleanup_closedir_ DIR *d = opendir(t->root);
	_cleanup_free_ char *top = xasprintf("%s/%s", t->root, t->prefix);
	struct dirent *de;
	struct stat st;

	assert_non_null(d);
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = xasprintf("%s/%s/%s", t->root, de->d_name, t->prefix);

		if (de->d_name[0] != '.' && stat(p, &st) == 0)
			fail_msg("'%s' is still there", p);
	}
	assert_int_equal(stat(top, &st), -1);
}

/* Hierarchies in which create made the group (hybrid's cgroup2 only where writable). */
static int made(const struct real *t)
{
	int n = 0;

	for (size_t i = 0; i < t->cg->n_hiers; i++)
		n += t->cg->hiers[i].fd >= 0;
	return n;
}

static bool host_has_v1(struct real *t)
{
	_cleanup_error_ vz_error_t err = NULL;
	enum vz_cgroup_mode mode;

	return geteuid() == 0 && vz_cgroup_detect(t->root, &mode, &err) == 0 &&
	       mode != VZ_CGROUP_UNIFIED;
}

static void test_real_v1(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *path = NULL;
	struct real *t = *state;
	pid_t a, b;

	if (!host_has_v1(t) || !real_open(t, "h"))
		skip();
	path = xasprintf("%s/h", t->prefix);
	real_create(t);
	/* Hybrid: the group in cgroup2 too, so the CT's cgroup namespace is its own there. */
	assert_int_equal(each_ct_dir(t, "h", NULL, NULL), made(t));
	assert_int_equal(vz_cgroup_dirfd_v2(t->cg), -1);
	a = spawn(t, NULL, NULL);
	b = spawn(t, NULL, NULL);
	ok(vz_cgroup_attach(t->cg, a, &err), &err);
	ok(vz_cgroup_attach(t->cg, b, &err), &err);
	if (made(t) == (int)t->cg->n_hiers) /* not where cgroup2 is read-only */
		assert_in_group(a, path, NULL);
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 2);
	nest(t, "h", b);
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 2);
	ok(vz_cgroup_kill_all(t->cg, &err), &err);
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 0);
	/* Destroy before reaping: zombies must not keep the groups busy. */
	ok(vz_cgroup_destroy(t->cg, &err), &err);
	assert_gone(t);
	assert_killed(t, a);
	assert_killed(t, b);
	ok(vz_cgroup_destroy(t->cg, &err), &err);
}

/*
 * Hybrid's cgroup2 read-only to us (as in some nested hosts): the CT goes
 * without it. The child remounts it read-only in a mount namespace of its
 * own and reports by exit status; the teardown cleans up either way.
 */
static int ro_unified_child(const struct real *t)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	int fds[32], n;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(NULL, "/sys/fs/cgroup/unified", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return 2;
	cg = vz_cgroup_new(t->root, VZ_CGROUP_HYBRID, t->prefix, "r", &err);
	if (!cg || vz_cgroup_create(cg, &err) < 0)
		return 3;
	n = vz_cgroup_open_procs(cg, fds, 32, &err);
	if (n != (int)cg->n_hiers - 1)
		return 4;
	while (n > 0)
		close(fds[--n]);
	if (vz_cgroup_kill_all(cg, &err) < 0 || vz_cgroup_destroy(cg, &err) < 0)
		return 5;
	return 0;
}

static void test_real_hybrid_ro_unified(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct real *t = *state;
	enum vz_cgroup_mode mode;
	int status;
	pid_t pid;

	if (geteuid() != 0 || vz_cgroup_detect(t->root, &mode, &err) < 0 ||
	    mode != VZ_CGROUP_HYBRID || !real_open(t, "r"))
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ro_unified_child(t));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_gone(t);
}

/*
 * A CT that forks while being killed: twenty sleepers and a fork loop, all
 * started once the test has attached us. Grandchildren end themselves after
 * a minute should a crash of this test leave them behind.
 */
struct pipes {
	int go, ready;
};

static void forker(void *arg)
{
	const struct pipes *p = arg;
	char c;

	if (read(p->go, &c, 1) != 1)
		_exit(1);
	for (int i = 0; i < 20; i++) {
		if (fork() == 0) {
			alarm(60);
			for (;;)
				pause();
		}
	}
	if (fork() == 0) {
		alarm(60);
		for (;;) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid > 0)
				(void)waitpid(pid, NULL, 0);
		}
	}
	(void)!write(p->ready, "x", 1);
}

/* Reap the children and the grandchildren that came back to us (subreaper). */
static void reap_until_none(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	assert_int_equal(errno, ECHILD);
}

static void real_forker(struct real *t, const char *ctid)
{
	_cleanup_error_ vz_error_t err = NULL;
	int go[2], ready[2];
	struct pipes p;
	struct pollfd pfd;
	int nfds = count_fds();
	char c;
	pid_t a;

	assert_true(real_open(t, ctid));
	real_create(t);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	p.go = go[0];
	p.ready = ready[1];
	a = spawn(t, forker, &p);
	close(go[0]);
	close(ready[1]);
	ok(vz_cgroup_attach(t->cg, a, &err), &err);
	assert_int_equal(write(go[1], "x", 1), 1);
	pfd = (struct pollfd){.fd = ready[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(go[1]);
	close(ready[0]);
	assert_true(vz_cgroup_count_procs(t->cg, &err) >= 22);
	ok(vz_cgroup_kill_all(t->cg, &err), &err);
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 0);
	assert_killed(t, a);
	reap_until_none();
	ok(vz_cgroup_destroy(t->cg, &err), &err);
	assert_gone(t);
	vz_cgroup_free(steal_ptr(t->cg));
	assert_int_equal(count_fds(), nfds);
}

/* Forced legacy on a hybrid host: the freezer path instead of cgroup.kill. */
static void test_real_legacy_freezer(void **state)
{
	struct real *t = *state;

	if (!host_has_v1(t))
		skip();
	t->mode = VZ_CGROUP_LEGACY;
	real_forker(t, "l");
}

/* The same without pidfds, as on kernels before 5.3. */
static void test_real_legacy_no_pidfd(void **state)
{
	struct real *t = *state;

	if (!host_has_v1(t))
		skip();
	t->mode = VZ_CGROUP_LEGACY;
	cg_test_no_pidfd = true;
	real_forker(t, "n");
}

static void test_real_hybrid_forker(void **state)
{
	struct real *t = *state;

	if (!host_has_v1(t))
		skip();
	real_forker(t, "f");
}

/* A cgroup2 root: the host's own, or hybrid's "unified" (no controllers, but real cgroup2). */
static bool pick_v2_root(struct real *t)
{
	struct statfs fs;

	if (geteuid() != 0)
		return false;
	if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		t->root = "/sys/fs/cgroup";
	else if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		t->root = "/sys/fs/cgroup/unified";
	else
		return false;
	t->mode = VZ_CGROUP_UNIFIED;
	return true;
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

/* clone3(CLONE_INTO_CGROUP) with the handle's dirfd. */
static pid_t clone_into(struct real *t, int cgfd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgfd,
	};
	pid_t parent = getpid();
	long pid;

	assert_true(t->n_kids < MAX_KIDS);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		sleep_forever();
	}
	assert_true(pid > 0);
	t->kids[t->n_kids++] = (pid_t)pid;
	return (pid_t)pid;
}

static void test_real_v2(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *path = NULL;
	struct real *t = *state;
	int fds[2];
	pid_t a, b;

	if (!pick_v2_root(t) || !real_open(t, "u"))
		skip();
	path = xasprintf("%s/u", t->prefix);
	real_create(t);
	assert_true(vz_cgroup_dirfd_v2(t->cg) >= 0);
	a = clone_into(t, vz_cgroup_dirfd_v2(t->cg));
	assert_in_group(a, path, "0::");
	b = spawn(t, NULL, NULL);
	ok(vz_cgroup_attach(t->cg, b, &err), &err);
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 2);
	nest(t, "u", b);
	assert_in_group(b, "sub", "0::");
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 2);
	assert_int_equal(vz_cgroup_open_procs(t->cg, fds, 2, &err), 1);
	close(fds[0]);
	ok(vz_cgroup_kill_all(t->cg, &err), &err);
	assert_int_equal(vz_cgroup_count_procs(t->cg, &err), 0);
	assert_killed(t, a);
	assert_killed(t, b);
	ok(vz_cgroup_destroy(t->cg, &err), &err);
	assert_gone(t);
	assert_int_equal(vz_cgroup_dirfd_v2(t->cg), -1);
}

/* A knob of the CT's group on this host, without its newline. */
static char *real_knob(const struct real *t, const char *ctid, const char *hier, const char *knob)
{
	_cleanup_free_ char *p = NULL;
	char *s = NULL;
	size_t len;

	if (vz_cgroup_mode(t->cg) == VZ_CGROUP_UNIFIED)
		p = xasprintf("%s/%s/%s/%s", t->root, t->prefix, ctid, knob);
	else
		p = xasprintf("%s/%s/%s/%s/%s", t->root, hier, t->prefix, ctid, knob);
	assert_int_equal(read_file_at(AT_FDCWD, p, 1 << 16, &s, NULL), 0);
	len = strlen(s);
	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	return s;
}

static void assert_knob(const struct real *t, const char *hier, const char *knob, const char *want)
{
	_cleanup_free_ char *s = real_knob(t, "lim", hier, knob);

	if (!streq(s, want))
		fail_msg("%s/%s: '%s', want '%s'", hier, knob, s, want);
}

/* Once attached (a byte on go), use 8 MiB of RAM and 20 ms of CPU time. */
static void spin(void *arg)
{
	const int *go = arg;
	struct timespec a, b;
	volatile char *mem = malloc(8 * MiB); /* volatile: the stores must happen */
	char c;

	if (!mem || read(*go, &c, 1) != 1)
		_exit(1);
	for (size_t i = 0; i < 8 * MiB; i += 4096)
		mem[i] = 1;
	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 20000000L);
}

/* The memsw pair through raise and lower on the kernel, which refuses memsw < mem. */
static void real_memsw(struct real *t)
{
	struct vz_cgroup_limits lim = {
		.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = 128 * MiB, .swap_max = 32 * MiB};

	set_ok(t->cg, &lim);
	assert_knob(t, "memory", "memory.limit_in_bytes", "134217728");
	assert_knob(t, "memory", "memory.memsw.limit_in_bytes", "167772160");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = 32 * MiB};
	set_ok(t->cg, &lim);
	assert_knob(t, "memory", "memory.limit_in_bytes", "33554432");
	assert_knob(t, "memory", "memory.memsw.limit_in_bytes", "67108864");
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = VZ_CG_UNLIMITED, .swap_max = 0};
	set_ok(t->cg, &lim);
	assert_knob(t, "memory", "memory.limit_in_bytes", "9223372036854771712");
	assert_knob(t, "memory", "memory.memsw.limit_in_bytes", "9223372036854771712");
}

static void real_assert_limits(struct real *t, bool swap)
{
	if (vz_cgroup_mode(t->cg) == VZ_CGROUP_UNIFIED) {
		assert_knob(t, "", "memory.max", "67108864");
		if (swap)
			assert_knob(t, "", "memory.swap.max", "0");
		assert_knob(t, "", "pids.max", "64");
		assert_knob(t, "", "cpu.weight", "200");
		assert_knob(t, "", "cpu.max", "50000 100000");
		return;
	}
	assert_knob(t, "memory", "memory.limit_in_bytes", "67108864");
	if (swap)
		assert_knob(t, "memory", "memory.memsw.limit_in_bytes", "67108864");
	assert_knob(t, "pids", "pids.max", "64");
	assert_knob(t, "cpu", "cpu.shares", "2048");
	assert_knob(t, "cpu", "cpu.cfs_period_us", "100000");
	assert_knob(t, "cpu", "cpu.cfs_quota_us", "50000");
}

/* Limits of this host's default backend read back from /sys/fs/cgroup, then counters. */
static void test_real_limits(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	const unsigned want = VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA;
	struct real *t = *state;
	struct vz_cgroup_limits lim = {.mem_max = 64 * MiB,
				       .swap_max = 0,
				       .pids_max = 64,
				       .cpu_units = 2000,
				       .cpu_quota_pct = 50};
	struct vz_cgroup_stats st;
	unsigned sup;
	int go[2];
	pid_t a;

	if (!real_open(t, "lim"))
		skip();
	real_create(t);
	sup = vz_cgroup_supported(t->cg);
	if ((sup & want) != want)
		skip(); /* controllers not delegated to us */
	lim.set = want | (sup & VZ_CG_SWAP);
	set_ok(t->cg, &lim);
	real_assert_limits(t, sup & VZ_CG_SWAP);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	a = spawn(t, spin, &go[0]);
	close(go[0]);
	ok(vz_cgroup_attach(t->cg, a, &err), &err);
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	/* The child spins 20 ms of CPU time before it sleeps. */
	for (int i = 0; i < 200; i++) {
		stats_ok(t->cg, &st);
		if (st.have_cpu && st.cpu_usage_ns >= 20000000 && st.mem.held >= 8 * MiB)
			break;
		usleep(10000);
	}
	assert_int_equal(st.supported, sup);
	assert_true(st.mem.have && st.mem.held >= 8 * MiB && st.mem.maxheld >= st.mem.held);
	assert_int_equal(st.mem.limit, 64 * MiB);
	assert_true(st.pids.have);
	assert_int_equal(st.pids.held, 1);
	assert_int_equal(st.pids.limit, 64);
	assert_true(st.have_cpu && st.cpu_usage_ns >= 20000000);
	assert_true(st.have_oom_kills);
	assert_int_equal(st.oom_kills, 0);
	if (sup & VZ_CG_SWAP) {
		assert_true(st.swap.have);
		assert_int_equal(st.swap.limit, 0);
	}
	if ((sup & VZ_CG_SWAP) && vz_cgroup_mode(t->cg) != VZ_CGROUP_UNIFIED)
		real_memsw(t);
	ok(vz_cgroup_kill_all(t->cg, &err), &err);
	assert_killed(t, a);
	ok(vz_cgroup_destroy(t->cg, &err), &err);
	assert_gone(t);
	stats_ok(t->cg, &st);
	assert_false(st.mem.have || st.pids.have || st.have_cpu);
}

/* Hybrid's cgroup2 has no controller of ours: every limit is refused, cpu.stat still counts. */
static void test_real_v2_no_controllers(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *avail = NULL;
	struct real *t = *state;
	struct vz_cgroup_limits lim = {.set = VZ_CG_MEM, .mem_max = 64 * MiB};
	struct vz_cgroup_stats st;

	if (!pick_v2_root(t) || !streq(t->root, "/sys/fs/cgroup/unified") || !real_open(t, "nc"))
		skip();
	assert_int_equal(read_file_at(AT_FDCWD, "/sys/fs/cgroup/unified/cgroup.controllers", 4096,
				      &avail, NULL),
			 0);
	if (strstr(avail, "memory"))
		skip();
	real_create(t);
	assert_int_equal(vz_cgroup_supported(t->cg), 0);
	set_fails(t->cg, &lim, EOPNOTSUPP, "cannot set mem_max: no memory.max in cgroup v2");
	stats_ok(t->cg, &st);
	assert_int_equal(st.supported, 0);
	assert_false(st.mem.have || st.swap.have || st.pids.have);
	assert_true(st.have_cpu);
	ok(vz_cgroup_destroy(t->cg, &err), &err);
	assert_gone(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_create, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_controllers_partial, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_attach_count, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_group, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_kill_empty, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_destroy, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_names, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_legacy, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_hybrid, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_cpuset_memory, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_comounted, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_count_destroy, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_rollback, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_no_hierarchy, fake_setup, fake_teardown),
		cmocka_unit_test(test_detect),
		cmocka_unit_test_setup_teardown(test_v2_set_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_io_weight, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_limits_refused, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_stats, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_stats_missing, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_supported, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_sync_weight, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_sync_weight, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_set_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_memsw, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_io_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_limits_missing, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_no_blkio, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_stats, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_comounted_limits, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_real_v1, real_setup, real_teardown),
		cmocka_unit_test_setup_teardown(test_real_hybrid_forker, real_setup, real_teardown),
		cmocka_unit_test_setup_teardown(test_real_legacy_freezer, real_setup,
						real_teardown),
		cmocka_unit_test_setup_teardown(test_real_legacy_no_pidfd, real_setup,
						real_teardown),
		cmocka_unit_test_setup_teardown(test_real_hybrid_ro_unified, real_setup,
						real_teardown),
		cmocka_unit_test_setup_teardown(test_real_v2, real_setup, real_teardown),
		cmocka_unit_test_setup_teardown(test_real_limits, real_setup, real_teardown),
		cmocka_unit_test_setup_teardown(test_real_v2_no_controllers, real_setup,
						real_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
