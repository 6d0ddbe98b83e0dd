/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup backends' group life on fake trees (cgroup-test.h): making,
 * attaching, counting, killing and removing a CT's groups on v2, v1 and
 * hybrid layouts, the names a handle accepts, and layout detection.
 */
#define _GNU_SOURCE
#include "cgroup-test.h"

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

/* vz_cgroup_pids lists nested groups too, and on v1 reads the pids hierarchy. */
static void test_pids(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v1_tree(f, true);
	cg = fake_new(f, VZ_CGROUP_HYBRID, "vz", "42");
	assert_int_equal(vz_cgroup_pids(cg, &pids, &err), 0);
	assert_null(pids);
	ok(vz_cgroup_create(cg, &err), &err);
	put(f, "pids/vz/42/cgroup.procs", "5\n6\n");
	put(f, "pids/vz/42/sub/cgroup.procs", "7\n");
	put(f, "cpu/vz/42/cgroup.procs", "99\n");
	assert_int_equal(vz_cgroup_pids(cg, &pids, &err), 3);
	assert_null(err);
	assert_int_equal(pids[0], 5);
	assert_int_equal(pids[1], 6);
	assert_int_equal(pids[2], 7);
	free(pids);
	pids = NULL;
	put(f, "pids/vz/42/sub/cgroup.procs", "7\nnot-a-pid\n");
	assert_true(vz_cgroup_pids(cg, &pids, &err) < 0);
	assert_null(pids);
	assert_int_equal(vz_error_errno(err), EBADMSG);
	assert_string_equal(err->msg, "cgroup 'vz/42': list processes: Bad message");
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
		cmocka_unit_test_setup_teardown(test_pids, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_rollback, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_no_hierarchy, fake_setup, fake_teardown),
		cmocka_unit_test(test_detect),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
