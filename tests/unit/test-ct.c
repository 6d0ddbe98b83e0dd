/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/ct/ct.c and lib/ct/state.c: the CT object's load, lock
 * and close, a config with a bad line, stale and corrupt state files, and
 * the state file's round trip. No root needed: a temporary root and run dir.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/ct.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	struct vz_ctx *ctx;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	char tmpl[] = "/tmp/vz-test-ct.XXXXXX";
	_cleanup_free_ char *root = NULL, *run = NULL;
	vz_error_t err = NULL;

	assert_non_null(mkdtemp(tmpl));
	f->dir = xstrdup(tmpl);
	root = xasprintf("%s/root", f->dir);
	run = xasprintf("%s/run", f->dir);
	f->ctx = vz_ctx_new(root, run, NULL, &err);
	assert_non_null(f->ctx);
	assert_int_equal(vz_ctx_prepare(f->ctx, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	(void)rm_rf_at(AT_FDCWD, f->dir);
	vz_ctx_free(f->ctx);
	free(f->dir);
	free(f);
	return 0;
}

static void write_file(struct fixture *f, const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, rel);

	assert_int_equal(write_file_atomic_at(AT_FDCWD, p, text, strlen(text), 0644), 0);
}

static bool exists(struct fixture *f, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->dir, rel);

	return path_exists_at(AT_FDCWD, p);
}

static void test_missing_ct(void **state)
{
	struct fixture *f = *state;
	vz_error_t err = NULL;
	struct vz_ct *ct = vz_ct_open(f->ctx, "101", VZ_CT_LOCK, &err);

	assert_null(ct);
	assert_int_equal(err->code, VZ_E_NOCONFIG);
	assert_string_equal(err->msg, "CT 101 does not exist");
	vz_error_release(&err);
	/* No lock file for a CT that does not exist: they would pile up. */
	assert_false(exists(f, "root/lock/101.lck"));
	/* Status of a CT that does not exist is an answer, not an error. */
	ct = vz_ct_open(f->ctx, "101", VZ_CT_ANY_CONFIG, &err);
	assert_non_null(ct);
	assert_false(ct->exists);
	assert_null(ct->cfg);
	assert_false(ct->running);
	vz_ct_close(ct);
	ct = vz_ct_open(f->ctx, "../etc", 0, &err);
	assert_null(ct);
	assert_int_equal(err->code, VZ_E_VALUE);
	vz_error_release(&err);
}

static void test_paths_and_config(void **state)
{
	struct fixture *f = *state;
	vz_error_t err = NULL;
	struct vz_ct *ct;

	write_file(f, "root/conf/101.conf", "HOSTNAME=\"web1\"\n# mine\nFOO=bar\n");
	ct = vz_ct_open(f->ctx, "101", 0, &err);
	assert_non_null(ct);
	assert_true(ct->exists);
	assert_int_equal(ct->lock_fd, -EBADF);
	assert_string_equal(vz_config_get(ct->cfg, "HOSTNAME"), "web1");
	assert_string_equal(vz_config_get(ct->cfg, "FOO"), "bar");
	assert_true(strstr(ct->path.conf, "/root/conf/101.conf") != NULL);
	assert_true(strstr(ct->path.private, "/root/private/101") != NULL);
	assert_true(strstr(ct->path.root, "/root/root/101") != NULL);
	assert_true(strstr(ct->path.state, "/run/101.state") != NULL);
	assert_true(strstr(ct->path.dump, "/root/dump/101") != NULL);
	assert_true(strstr(ct->path.lock, "/root/lock/101.lck") != NULL);
	assert_false(ct->state.exists);
	assert_false(ct->running);
	vz_ct_close(ct);
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	vz_error_t err = NULL;
	struct vz_ct *a, *b;

	write_file(f, "root/conf/102.conf", "HOSTNAME=\"a\"\n");
	a = vz_ct_open(f->ctx, "102", VZ_CT_LOCK, &err);
	assert_non_null(a);
	assert_true(a->lock_fd >= 0);
	assert_true(exists(f, "root/lock/102.lck"));
	/* A second operation on the same CT waits, then gives up. */
	b = vz_ct_open(f->ctx, "102", VZ_CT_LOCK | VZ_CT_TRYLOCK, &err);
	assert_null(b);
	assert_int_equal(err->code, VZ_E_LOCKED);
	assert_string_equal(err->msg, "CT 102 is locked by another operation");
	vz_error_release(&err);
	/* Reading does not need the lock. */
	b = vz_ct_open(f->ctx, "102", 0, &err);
	assert_non_null(b);
	/* ... but changing does: the operations refuse an unlocked object. */
	assert_true(vz_ct_start(b, 0, &err) < 0);
	assert_int_equal(err->code, VZ_E_LOCKED);
	vz_error_release(&err);
	assert_true(vz_ct_destroy(b, &err) < 0);
	vz_error_release(&err);
	vz_ct_close(b);
	vz_ct_close(a);
	/* Closing released it. */
	b = vz_ct_open(f->ctx, "102", VZ_CT_LOCK | VZ_CT_TRYLOCK, &err);
	assert_non_null(b);
	vz_ct_close(b);
	/* A new CT is locked before it has a config. */
	a = vz_ct_open(f->ctx, "103", VZ_CT_LOCK | VZ_CT_NEW, &err);
	assert_non_null(a);
	assert_false(a->exists);
	assert_null(a->cfg);
	vz_ct_close(a);
	vz_ct_close(NULL);
}

static void test_bad_config(void **state)
{
	struct fixture *f = *state;
	vz_error_t err = NULL;
	struct vz_ct *ct;

	write_file(f, "root/conf/104.conf", "HOSTNAME=\"ok\"\nNUMPROC=\"lots\"\n");
	ct = vz_ct_open(f->ctx, "104", VZ_CT_LOCK, &err);
	assert_null(ct);
	assert_int_equal(err->code, VZ_E_VALUE);
	assert_true(strstr(err->msg, "104.conf' line 2") != NULL);
	assert_true(strstr(err->msg, "NUMPROC") != NULL);
	vz_error_release(&err);
	/* stop and status still get the CT, without its settings. */
	ct = vz_ct_open(f->ctx, "104", VZ_CT_LOCK | VZ_CT_ANY_CONFIG, &err);
	assert_non_null(ct);
	assert_true(ct->exists);
	assert_null(ct->cfg);
	assert_true(ct->lock_fd >= 0);
	/* Operations that need the config say so. */
	assert_true(vz_ct_start(ct, 0, &err) < 0);
	assert_int_equal(err->code, VZ_E_NOCONFIG);
	vz_error_release(&err);
	vz_ct_close(ct);
}

/* A pid that is certainly no process now: a child that was reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void write_state(struct fixture *f, const char *id, pid_t pid, uint64_t starttime)
{
	_cleanup_free_ char *rel = xasprintf("run/%s.state", id);
	_cleanup_free_ char *text =
		xasprintf("INIT_PID=\"%d\"\nSTART_TIME=\"%" PRIu64 "\"\nSTARTED=\"1700000000\"\n"
			  "CGROUP_PREFIX=\"vz-unit\"\nIP_ADDRESS=\"198.51.100.7\"\n",
			  (int)pid, starttime);

	write_file(f, rel, text);
}

static void test_stale_state(void **state)
{
	struct fixture *f = *state;
	vz_error_t err = NULL;
	uint64_t mine;
	struct vz_ct *ct;

	write_file(f, "root/conf/105.conf", "IP_ADDRESS=\"198.51.100.9\"\n");
	/* The init is gone: stale, never an error. */
	write_state(f, "105", dead_pid(), 12345);
	ct = vz_ct_open(f->ctx, "105", 0, &err);
	assert_non_null(ct);
	assert_true(ct->state.exists);
	assert_false(ct->state_bad);
	assert_false(ct->running);
	assert_string_equal(ct->state.cgroup_prefix, "vz-unit");
	/* A stopped CT's addresses are its config's, not a dead state's. */
	assert_string_equal(vz_ct_ips(ct), "198.51.100.9");
	vz_ct_close(ct);
	/* A recycled pid: alive, but not with the recorded start time. */
	assert_int_equal(vz_proc_stat(getpid(), &mine, NULL), 0);
	write_state(f, "105", getpid(), mine + 1);
	ct = vz_ct_open(f->ctx, "105", 0, &err);
	assert_false(ct->running);
	vz_ct_close(ct);
	/* The same pid with its start time is the CT's init. */
	write_state(f, "105", getpid(), mine);
	ct = vz_ct_open(f->ctx, "105", 0, &err);
	assert_true(ct->running);
	assert_int_equal(ct->state.pid, getpid());
	assert_int_equal(ct->state.started, 1700000000);
	/* A running CT's addresses are what it has now. */
	assert_string_equal(vz_ct_ips(ct), "198.51.100.7");
	vz_ct_close(ct);
}

static void test_corrupt_state(void **state)
{
	struct fixture *f = *state;
	vz_error_t err = NULL;
	struct vz_ct *ct;

	write_file(f, "root/conf/106.conf", "");
	write_file(f, "run/106.state", "INIT_PID=\"12x\"\nCGROUP_PREFIX=\"vz\"\n");
	ct = vz_ct_open(f->ctx, "106", 0, &err);
	assert_non_null(ct);
	assert_true(ct->state_bad);
	assert_false(ct->running);
	vz_ct_close(ct);
	write_file(f, "run/106.state", "INIT_PID=\"1\n");
	ct = vz_ct_open(f->ctx, "106", 0, &err);
	assert_non_null(ct);
	assert_true(ct->state_bad);
	assert_false(ct->running);
	vz_ct_close(ct);
	/* And the state API says why. */
	{
		struct vz_state st;
		_cleanup_free_ char *p = xasprintf("%s/run/106.state", f->dir);

		assert_true(vz_state_load(p, &st, &err) < 0);
		assert_true(strstr(err->msg, "is corrupt") != NULL);
		vz_error_release(&err);
		assert_null(st.kv);
	}
}

static void test_state_round_trip(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = xasprintf("%s/run/107.state", f->dir);
	struct vz_state st = {0}, back;
	vz_error_t err = NULL;

	/* A start in progress: no init yet. */
	snprintf(st.cgroup_prefix, sizeof(st.cgroup_prefix), "vz-ab");
	assert_int_equal(vz_state_set(&st, "UID_RANGE", "1073741824:65536", &err), 0);
	assert_int_equal(vz_state_save(p, &st, &err), 0);
	assert_int_equal(vz_state_load(p, &back, &err), 0);
	assert_true(back.exists);
	assert_int_equal(back.pid, 0);
	assert_false(vz_state_alive(&back));
	assert_string_equal(back.cgroup_prefix, "vz-ab");
	assert_string_equal(vz_state_get(&back, "UID_RANGE"), "1073741824:65536");
	vz_state_clear(&back);
	/* Init recorded, a live setting, one dropped again. */
	assert_int_equal(vz_state_set_init(&st, getpid()), 0);
	assert_int_equal(vz_state_set(&st, "PHYSPAGES", "0:131072", &err), 0);
	assert_int_equal(vz_state_set(&st, "NETIF", "ifname=eth0", &err), 0);
	assert_int_equal(vz_state_set(&st, "NETIF", NULL, &err), 0);
	/* Values go through the config table. */
	assert_true(vz_state_set(&st, "NUMPROC", "lots", &err) < 0);
	vz_error_release(&err);
	assert_int_equal(vz_state_save(p, &st, &err), 0);
	assert_int_equal(vz_state_load(p, &back, &err), 0);
	assert_int_equal(back.pid, getpid());
	assert_true(vz_state_alive(&back));
	assert_string_equal(vz_state_get(&back, "PHYSPAGES"), "0:131072");
	assert_null(vz_state_get(&back, "NETIF"));
	assert_null(vz_state_get(&back, "NUMPROC"));
	vz_state_clear(&back);
	assert_int_equal(vz_state_remove(p, &st, &err), 0);
	assert_false(path_exists_at(AT_FDCWD, p));
	assert_int_equal(vz_state_load(p, &back, &err), 0);
	assert_false(back.exists);
	vz_state_clear(&back);
	vz_state_clear(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_ct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
