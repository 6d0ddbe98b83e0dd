/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store of unpacked templates (lib/template/unpack.c): one entry per
 * tarball content, found again by stat, a replaced tarball making a new
 * entry, the sweep keeping what is used or current, a migration's staged
 * tree, and hostile tarballs leaving nothing behind.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct fx {
	char *dir, *store, *tar;
};

static int fx_setup(void **state)
{
	struct fx *f = xzalloc(sizeof(*f));
	char tmpl[] = "/tmp/vz-test-unpack.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	f->dir = xstrdup(tmpl);
	f->store = xasprintf("%s/unpacked", f->dir);
	f->tar = xasprintf("%s/t.tar.gz", f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rm_rf_at(AT_FDCWD, f->dir), 0);
	free(f->dir);
	free(f->store);
	free(f->tar);
	free(f);
	return 0;
}

/* A tarball of etc/ and etc/NAME holding data (path NAME "/x" for a hostile one). */
static void write_tar(const char *file, const char *name, const char *data)
{
	struct archive *w = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(w, file), ARCHIVE_OK);
	archive_entry_set_pathname(e, "etc");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 04755);
	archive_entry_set_size(e, (la_int64_t)strlen(data));
	assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(w, data, strlen(data)), (la_ssize_t)strlen(data));
	archive_entry_free(e);
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
}

/* Names in dir, dot names too, sorted by nothing: just how many. */
static int count_entries(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += !streq(de->d_name, ".") && !streq(de->d_name, "..");
	return n;
}

static bool entry_exists(const struct fx *f, const char *id)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", f->store, id);

	return path_exists_at(AT_FDCWD, p);
}

static void test_id_valid(void **state)
{
	(void)state;
	assert_true(vz_template_unpacked_id_valid(
		"8abee165cfb89c0b9e5142530db8dc47b1b5ca613aaeeb253784e04f3d298adf"));
	assert_false(vz_template_unpacked_id_valid(NULL));
	assert_false(vz_template_unpacked_id_valid(""));
	assert_false(vz_template_unpacked_id_valid("../etc"));
	assert_false(vz_template_unpacked_id_valid(
		"8ABEE165CFB89C0B9E5142530DB8DC47B1B5CA613AAEEB253784E04F3D298ADF"));
	assert_false(vz_template_unpacked_id_valid(
		"8abee165cfb89c0b9e5142530db8dc47b1b5ca613aaeeb253784e04f3d298ad"));
	assert_false(vz_template_unpacked_id_valid(
		"8abee165cfb89c0b9e5142530db8dc47b1b5ca613aaeeb253784e04f3d298adf0"));
	assert_false(vz_template_unpacked_id_valid(
		"8abee165cfb89c0b9e5142530db8dc47b1b5ca613aaeeb253784e04f3d298ad/"));
}

static void test_unpack_once_by_content(void **state)
{
	struct fx *f = *state;
	vz_error_t err = NULL;
	_cleanup_free_ char *id = NULL, *again = NULL, *copy = NULL, *tree = NULL, *file = NULL;
	_cleanup_free_ char *other = xasprintf("%s/copy.tar.gz", f->dir);
	struct stat st;

	if (geteuid() != 0)
		skip();
	write_tar(f->tar, "etc/tool", "v1\n");
	id = vz_template_unpack(f->store, f->tar, &err);
	assert_null(err);
	assert_true(vz_template_unpacked_id_valid(id));
	assert_int_equal(stat(f->store, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	tree = vz_template_unpacked_path(f->store, id);
	file = xasprintf("%s/etc/tool", tree);
	/* Unshifted ids, the setuid bit kept: the store is what keeps host users out. */
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	again = vz_template_unpack(f->store, f->tar, &err);
	assert_string_equal(again, id);
	/* The same content under another name is the same entry. */
	assert_int_equal(rename(f->tar, other), 0);
	copy = vz_template_unpack(f->store, other, &err);
	assert_null(err);
	assert_string_equal(copy, id);
	assert_int_equal(count_entries(f->store), 1);
}

static void test_replaced_and_sweep(void **state)
{
	struct fx *f = *state;
	vz_error_t err = NULL;
	_cleanup_free_ char *old = NULL, *new = NULL;
	char *keep[2] = {NULL, NULL};

	if (geteuid() != 0)
		skip();
	write_tar(f->tar, "etc/tool", "v1\n");
	old = vz_template_unpack(f->store, f->tar, &err);
	assert_non_null(old);
	write_tar(f->tar, "etc/tool", "v2\n");
	new = vz_template_unpack(f->store, f->tar, &err);
	assert_non_null(new);
	assert_string_not_equal(old, new);
	/* A CT still on the old tree keeps it; the current one always stays. */
	keep[0] = old;
	assert_int_equal(vz_template_unpacked_sweep(f->store, keep, &err), 0);
	assert_true(entry_exists(f, old));
	assert_true(entry_exists(f, new));
	assert_int_equal(vz_template_unpacked_sweep(f->store, NULL, &err), 0);
	assert_null(err);
	assert_false(entry_exists(f, old));
	assert_true(entry_exists(f, new));
	/* The tarball gone from the cache: its tree goes once no CT uses it. */
	assert_int_equal(unlink(f->tar), 0);
	keep[0] = new;
	assert_int_equal(vz_template_unpacked_sweep(f->store, keep, &err), 0);
	assert_true(entry_exists(f, new));
	assert_int_equal(vz_template_unpacked_sweep(f->store, NULL, &err), 0);
	assert_int_equal(count_entries(f->store), 0);
}

static void test_hostile_leaves_nothing(void **state)
{
	struct fx *f = *state;
	vz_error_t err = NULL;
	_cleanup_free_ char *outside = xasprintf("%s/pwned", f->dir);

	write_tar(f->tar, "etc/../../pwned", "x\n");
	assert_null(vz_template_unpack(f->store, f->tar, &err));
	assert_non_null(err);
	assert_int_equal(err->code, VZ_E_BAD_TEMPLATE);
	vz_error_release(&err);
	assert_int_equal(count_entries(f->store), 0);
	assert_false(path_exists_at(AT_FDCWD, outside));
	assert_null(vz_template_unpack(f->store, "/nonexistent.tar.gz", &err));
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	vz_error_release(&err);
}

static void test_stage_receive(void **state)
{
	struct fx *f = *state;
	vz_error_t err = NULL;
	const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *stage = vz_template_unpacked_stage(f->store, "101", &err);
	_cleanup_free_ char *tree = vz_template_unpacked_path(f->store, id);

	assert_non_null(stage);
	/* Nothing was sent yet: refused, and a malformed id is refused before anything. */
	assert_true(vz_template_unpacked_receive(f->store, "101", id, &err) < 0);
	assert_int_equal(err->code, VZ_E_NOPRIVATE);
	vz_error_release(&err);
	assert_true(vz_template_unpacked_receive(f->store, "101", "../x", &err) < 0);
	vz_error_release(&err);
	/* What rsync would have made. */
	assert_int_equal(mkdir(stage, 0755), 0);
	assert_int_equal(vz_template_unpacked_receive(f->store, "101", id, &err), 0);
	assert_null(err);
	assert_true(path_exists_at(AT_FDCWD, tree));
	assert_int_equal(count_entries(f->store), 1);
	/* A second CT bringing the same tree: its copy is dropped, the entry kept. */
	free(stage);
	stage = vz_template_unpacked_stage(f->store, "102", &err);
	assert_int_equal(mkdir(stage, 0755), 0);
	assert_int_equal(vz_template_unpacked_receive(f->store, "102", id, &err), 0);
	assert_int_equal(count_entries(f->store), 1);
	/* A failed migration's stage is removed; the sweep leaves stages alone. */
	free(stage);
	stage = vz_template_unpacked_stage(f->store, "103", &err);
	assert_int_equal(count_entries(f->store), 2);
	vz_template_unpacked_unstage(f->store, "103");
	assert_int_equal(count_entries(f->store), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid), T(test_unpack_once_by_content),
		T(test_replaced_and_sweep),	 T(test_hostile_leaves_nothing),
		T(test_stage_receive),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
