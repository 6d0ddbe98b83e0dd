/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/sandbox/ns.c: opening a process's namespace, and
 * running code in a namespace given by fd. Joining a namespace needs
 * CAP_SYS_ADMIN: those tests skip without root.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/ns.h"
#include "util/macros.h"

static bool privileged;

/* r < 0 with *err set: errno errnum, a message containing fragment. */
static void fails_with(int r, vz_error_t *err, int errnum, const char *fragment)
{
	assert_true(r < 0);
	assert_non_null(*err);
	if ((*err)->errnum != errnum)
		fail_msg("'%s': errno %d, not %d", (*err)->msg, (*err)->errnum, errnum);
	if (!strstr((*err)->msg, fragment))
		fail_msg("'%s' lacks '%s'", (*err)->msg, fragment);
}

static void test_open(VZ_UNUSED void **state)
{
	_cleanup_close_ int fd = vz_ns_open(getpid(), CLONE_NEWNET);
	struct stat a, b;

	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* The very namespace the process is in. */
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat("/proc/self/ns/net", &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_int_equal(vz_ns_open(getpid(), 0), -EINVAL);
	assert_int_equal(vz_ns_open(getpid(), CLONE_NEWNET | CLONE_NEWUTS), -EINVAL);
	assert_int_equal(vz_ns_open(0, CLONE_NEWNET), -EINVAL);
	/* Above any pid_max: no such process. */
	assert_int_equal(vz_ns_open(0x7ffffff0, CLONE_NEWNET), -ENOENT);
}

/* Runs only when the join worked: its errno would show in the error. */
static int never(void *data)
{
	return ENOTRECOVERABLE;
}

static void test_join_fails(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int net = vz_ns_open(getpid(), CLONE_NEWNET);

	fails_with(vz_ns_run(-1, CLONE_NEWNET, never, NULL, "do it", &err), &err, EBADF,
		   "do it: join the namespace: Bad file descriptor");
	vz_error_release(&err);
	/* A network namespace is not a uts namespace. */
	fails_with(vz_ns_run(net, CLONE_NEWUTS, never, NULL, "do it", &err), &err, EINVAL,
		   "do it: join the namespace");
}

static int give_edom(void *data)
{
	return EDOM;
}

static int kill_self(void *data)
{
	(void)raise(SIGKILL);
	return 0;
}

static void test_fn_errors(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int uts = vz_ns_open(getpid(), CLONE_NEWUTS);

	if (!privileged)
		skip();
	fails_with(vz_ns_run(uts, CLONE_NEWUTS, give_edom, NULL, "count", &err), &err, EDOM,
		   "count: Numerical argument out of domain");
	assert_null(strstr(err->msg, "join"));
	vz_error_release(&err);
	fails_with(vz_ns_run(uts, 0, kill_self, NULL, "count", &err), &err, 0,
		   "count: helper killed by signal 9");
}

static int set_name(void *data)
{
	return sethostname(data, strlen(data)) < 0 ? errno : 0;
}

static int name_is(void *data)
{
	char buf[65] = "";

	(void)gethostname(buf, sizeof(buf) - 1);
	return streq(buf, data) ? 0 : ESRCH;
}

/* A fresh uts namespace held by an fd only: the test process stays where it is. */
static int new_uts(void)
{
	_cleanup_close_ int self = vz_ns_open(getpid(), CLONE_NEWUTS);
	int fd;

	assert_int_equal(unshare(CLONE_NEWUTS), 0);
	fd = vz_ns_open(getpid(), CLONE_NEWUTS);
	assert_int_equal(setns(self, CLONE_NEWUTS), 0);
	assert_true(fd >= 0);
	return fd;
}

static void test_runs_inside(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int uts = -EBADF;
	char mine[65] = "";

	if (!privileged)
		skip();
	uts = new_uts();
	assert_int_equal(gethostname(mine, sizeof(mine) - 1), 0);
	assert_int_equal(vz_ns_run(uts, CLONE_NEWUTS, set_name, "vz-ns-test", "name", &err), 0);
	assert_null(err);
	/* Seen inside, not here. */
	assert_int_equal(vz_ns_run(uts, CLONE_NEWUTS, name_is, "vz-ns-test", "check", &err), 0);
	assert_null(err);
	fails_with(vz_ns_run(uts, CLONE_NEWUTS, name_is, mine, "check", &err), &err, ESRCH,
		   "check");
	{
		char now[65] = "";

		assert_int_equal(gethostname(now, sizeof(now) - 1), 0);
		assert_string_equal(now, mine);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_join_fails),
		cmocka_unit_test(test_fn_errors),
		cmocka_unit_test(test_runs_inside),
	};

	privileged = geteuid() == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
