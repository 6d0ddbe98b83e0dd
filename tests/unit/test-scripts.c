/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/ct/scripts.c: which action scripts are safe to run,
 * their order, environment and output, failure and timeout. Host scripts
 * only (CT scripts need a running CT: tests/integration/scripts.bats).
 * The checks that a script belongs to root need root; without it those
 * tests are skipped.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	struct vz_ctx *ctx;
	struct vz_ct *ct;
	char **lines; /* what the scripts printed, as the output callback saw it */
};

static void capture(void *data, enum vz_out_level level, const char *msg)
{
	struct fixture *f = data;

	if (level == VZ_OUT_SCRIPT)
		f->lines = strv_push(f->lines, xstrdup(msg));
}

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	char tmpl[] = "/tmp/vz-test-scripts.XXXXXX";
	_cleanup_free_ char *root = NULL, *run = NULL;
	vz_error_t err = NULL;

	assert_non_null(mkdtemp(tmpl));
	f->dir = xstrdup(tmpl);
	root = xasprintf("%s/root", f->dir);
	run = xasprintf("%s/run", f->dir);
	f->ctx = vz_ctx_new(root, run, NULL, &err);
	assert_non_null(f->ctx);
	assert_int_equal(vz_ctx_prepare(f->ctx, &err), 0);
	f->ctx->out = capture;
	f->ctx->out_data = f;
	f->ct = vz_ct_open(f->ctx, "101", VZ_CT_NEW, &err);
	assert_non_null(f->ct);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vz_ct_close(f->ct);
	(void)rm_rf_at(AT_FDCWD, f->dir);
	vz_ctx_free(f->ctx);
	strv_free(f->lines);
	free(f->dir);
	free(f);
	return 0;
}

/* <root>/conf/NAME with text and mode; returns its path. */
static char *put_script(struct fixture *f, const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/conf/%s", f->ctx->root, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	(void)close(fd);
	return path;
}

static void test_paths(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *own = ct_script_path(f->ct, NULL, "mount");
	_cleanup_free_ char *global = ct_script_path(f->ct, "vps", "umount");
	_cleanup_free_ char *want_own = xasprintf("%s/conf/101.mount", f->ctx->root);
	_cleanup_free_ char *want_global = xasprintf("%s/conf/vps.umount", f->ctx->root);

	assert_string_equal(own, want_own);
	assert_string_equal(global, want_global);
}

static void expect_refused(const char *path, bool need_exec, const char *what)
{
	vz_error_t err = NULL;

	assert_int_equal(ct_script_check(path, need_exec, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, VZ_E_ACTIONSCRIPT);
	assert_non_null(strstr(err->msg, what));
	vz_error_release(&err);
}

static void test_check(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *missing = xasprintf("%s/conf/101.start", f->ctx->root);
	_cleanup_free_ char *p = put_script(f, "101.mount", "#!/bin/sh\n", 0755);
	vz_error_t err = NULL;

	/* No script: nothing to run, no error. */
	assert_int_equal(ct_script_check(missing, true, &err), 1);
	assert_null(err);
	if (geteuid() != 0) {
		/* Ours, and we are not root: not root's, refused. */
		expect_refused(p, true, "owned by root");
		skip();
	}
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(ct_script_check(p, true, &err), 0);
	assert_null(err);
	assert_int_equal(chmod(p, 0775), 0);
	expect_refused(p, true, "writable by root only");
	assert_int_equal(chmod(p, 0757), 0);
	expect_refused(p, false, "writable by root only");
	assert_int_equal(chmod(p, 0644), 0);
	/* A CT script is read, not executed: no exec bit needed. */
	assert_int_equal(ct_script_check(p, false, &err), 0);
	expect_refused(p, true, "not executable");
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(chown(p, 4242, 0), 0);
	expect_refused(p, true, "owned by root");
	/* A directory is no script. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	expect_refused(p, false, "not a regular file");
}

static void test_read_cap(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *big = xmalloc(200 * 1024 + 1);
	_cleanup_free_ char *text = NULL, *p = NULL, *q = NULL;
	vz_error_t err = NULL;

	memset(big, '#', 200 * 1024);
	big[200 * 1024] = '\0';
	p = put_script(f, "101.start", big, 0644);
	assert_int_equal(ct_script_read(p, &text, &err), -1);
	assert_int_equal(err->code, VZ_E_ACTIONSCRIPT);
	assert_non_null(strstr(err->msg, "larger than 128 KiB"));
	vz_error_release(&err);
	q = put_script(f, "101.stop", "echo bye\n", 0644);
	assert_int_equal(ct_script_read(q, &text, &err), 0);
	assert_string_equal(text, "echo bye\n");
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* Each script appends its name and environment to <dir>/log. */
static void log_scripts(struct fixture *f, const char *const *names)
{
	for (; *names; names++) {
		_cleanup_free_ char *text = xasprintf(
			"#!/bin/sh\n"
			"echo \"${0##*/} $VEID $VE_CONFFILE $VE_ROOT $VE_PRIVATE $HOME\" >>%s/log\n"
			"printf 'hi\\tfrom %%s\\033[31m\\n' \"${0##*/}\"\n",
			f->dir);
		_cleanup_free_ char *p = put_script(f, *names, text, 0755);
		assert_int_equal(chown(p, 0, 0), 0);
	}
}

static char *read_log(struct fixture *f)
{
	_cleanup_free_ char *path = xasprintf("%s/log", f->dir);
	char *text = NULL;

	if (read_file_at(AT_FDCWD, path, 65536, &text, NULL) < 0)
		return xstrdup("");
	(void)unlink(path);
	return text;
}

static void test_order_env_output(void **state)
{
	static const char *const names[] = {"vps.mount", "101.mount", "101.umount", "vps.umount",
					    NULL};
	struct fixture *f = *state;
	_cleanup_free_ char *env = NULL, *want = NULL, *log = NULL;
	vz_error_t err = NULL;

	need_root();
	log_scripts(f, names);
	env = xasprintf("101 %s/conf/101.conf %s/root/101 %s/private/101 /", f->ctx->root,
			f->ctx->root, f->ctx->root);
	assert_int_equal(ct_action_script(f->ct, CT_ACTION_MOUNT, &err), 0);
	log = read_log(f);
	want = xasprintf("vps.mount %s\n101.mount %s\n", env, env);
	assert_string_equal(log, want);
	/* Named, tabs made spaces, control bytes replaced. */
	assert_int_equal(strv_length(f->lines), 2);
	assert_string_equal(f->lines[0], "vps.mount (CT 101): hi from vps.mount?[31m");
	assert_string_equal(f->lines[1], "101.mount: hi from 101.mount?[31m");
	free(want);
	free(log);
	assert_int_equal(ct_action_script(f->ct, CT_ACTION_UMOUNT, &err), 0);
	log = read_log(f);
	want = xasprintf("101.umount %s\nvps.umount %s\n", env, env);
	assert_string_equal(log, want);
}

static void test_failure_stops_the_rest(void **state)
{
	static const char *const names[] = {"101.mount", NULL};
	struct fixture *f = *state;
	_cleanup_free_ char *p = NULL, *log = NULL;
	vz_error_t err = NULL;

	need_root();
	log_scripts(f, names);
	p = put_script(f, "vps.mount", "#!/bin/sh\nexit 3\n", 0755);
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(ct_action_script(f->ct, CT_ACTION_MOUNT, &err), -1);
	assert_int_equal(err->code, VZ_E_ACTIONSCRIPT);
	assert_non_null(strstr(err->msg, "vps.mount' failed: exit status 3"));
	vz_error_release(&err);
	/* vps.mount runs first: 101.mount never ran. */
	log = read_log(f);
	assert_string_equal(log, "");
}

static void test_timeout(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *p = NULL;
	vz_error_t err = NULL;

	need_root();
	p = put_script(f, "101.umount", "#!/bin/sh\nsleep 60 & exec sleep 61\n", 0755);
	assert_int_equal(chown(p, 0, 0), 0);
	f->ctx->script_timeout = 1;
	assert_int_equal(ct_action_script(f->ct, CT_ACTION_UMOUNT, &err), -1);
	assert_int_equal(err->code, VZ_E_ACTIONSCRIPT);
	assert_non_null(strstr(err->msg, "ran longer than 1s (ACTION_SCRIPT_TIMEOUT): killed"));
	vz_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_env_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_stops_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
