/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup backends against the real hierarchies of this host, as root
 * (skipped otherwise). The tests work only below "vz-unit-<pid>" and remove
 * it in their teardown even after a failure.
 */
#define _GNU_SOURCE
#include "cgroup-test.h"

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

/*
 * 0 when a process in the CT's group opens path with flags, else the errno:
 * a child joins the group, tries, and exits with the result.
 */
static int open_in_group(struct real *t, const char *path, int flags)
{
	_cleanup_error_ vz_error_t err = NULL;
	int status, pfd[2];
	pid_t pid;
	char go;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		close(pfd[1]);
		if (read(pfd[0], &go, 1) != 1)
			_exit(255);
		fd = open(path, flags | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : errno);
	}
	close(pfd[0]);
	ok(vz_cgroup_attach(t->cg, pid, &err), &err);
	assert_int_equal(write(pfd[1], "g", 1), 1);
	close(pfd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * The allow-list holds in the real kernel: exactly what the rules name
 * opens, a change takes effect for the next open, and a group that was
 * changed twice still has one program (v2) or only the new lines (v1).
 */
static void check_devices(struct real *t)
{
	_cleanup_error_ vz_error_t err = NULL;
	const struct vz_cg_dev first[] = {
		{VZ_CG_DEV_CHAR, 1, 3, VZ_CG_DEV_READ | VZ_CG_DEV_WRITE},
		{VZ_CG_DEV_CHAR, 1, 5, VZ_CG_DEV_READ},
	};
	const struct vz_cg_dev second[] = {
		{VZ_CG_DEV_CHAR, 1, 3, VZ_CG_DEV_READ | VZ_CG_DEV_WRITE},
		{VZ_CG_DEV_CHAR, 1, VZ_CG_DEV_ANY, VZ_CG_DEV_WRITE},
	};

	real_create(t);
	ok(vz_cgroup_set_devices(t->cg, first, ARRAY_SIZE(first), &err), &err);
	assert_int_equal(open_in_group(t, "/dev/null", O_RDWR), 0);
	assert_int_equal(open_in_group(t, "/dev/zero", O_RDONLY), 0);
	assert_int_equal(open_in_group(t, "/dev/zero", O_WRONLY), EPERM);
	assert_int_equal(open_in_group(t, "/dev/full", O_RDONLY), EPERM);
	ok(vz_cgroup_set_devices(t->cg, second, ARRAY_SIZE(second), &err), &err);
	assert_int_equal(open_in_group(t, "/dev/null", O_RDWR), 0);
	assert_int_equal(open_in_group(t, "/dev/zero", O_RDONLY), EPERM);
	assert_int_equal(open_in_group(t, "/dev/full", O_WRONLY), 0);
	assert_int_equal(open_in_group(t, "/dev/full", O_RDONLY), EPERM);
	ok(vz_cgroup_set_devices(t->cg, first, ARRAY_SIZE(first), &err), &err);
	assert_int_equal(open_in_group(t, "/dev/zero", O_RDONLY), 0);
	assert_int_equal(open_in_group(t, "/dev/full", O_WRONLY), EPERM);
	reap_all();
	ok(vz_cgroup_destroy(t->cg, &err), &err);
	assert_gone(t);
}

/* The host's own layout: the v1 devices controller on a hybrid or v1 host. */
static void test_real_devices(void **state)
{
	struct real *t = *state;

	if (!real_open(t, "dv"))
		skip();
	check_devices(t);
}

/* cgroup2: the BPF device program, on the unified root or hybrid's cgroup2. */
static void test_real_devices_v2(void **state)
{
	struct real *t = *state;

	if (!pick_v2_root(t) || !real_open(t, "dv2"))
		skip();
	check_devices(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
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
		cmocka_unit_test_setup_teardown(test_real_devices, real_setup, real_teardown),
		cmocka_unit_test_setup_teardown(test_real_devices_v2, real_setup, real_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
