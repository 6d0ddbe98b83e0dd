/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/template/streams.c: an image server's catalogue, and names. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "template/streams.h"
#include "util/macros.h"
#include "util/xalloc.h"

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A product with one version and one item. */
static char *product(const char *name, const char *title, const char *ftype, const char *path,
		     const char *sha, const char *size)
{
	return xasprintf("\"%s\": {\"release_title\": \"%s\", \"versions\": {\"20260101_00:00\": "
			 "{\"items\": {\"x\": {\"ftype\": \"%s\", \"path\": \"%s\", "
			 "\"sha256\": \"%s\", \"size\": %s}}}}}",
			 name, title, ftype, path, sha, size);
}

static struct vz_image *parse(const char *products, size_t *n)
{
	_cleanup_free_ char *text = xasprintf("{\"products\": {%s}}", products);
	vz_error_t err = NULL;
	struct vz_image *v = vz_streams_images(text, strlen(text), "amd64", n, &err);

	assert_non_null(v);
	vz_error_release(&err);
	return v;
}

static void test_index(void **state)
{
	const char *ok = "{\"index\": {\"images\": {\"datatype\": \"image-downloads\", "
			 "\"path\": \"streams/v1/images.json\"}}}";
	const char *evil = "{\"index\": {\"images\": {\"datatype\": \"image-downloads\", "
			   "\"path\": \"../../etc/passwd\"}}}";
	vz_error_t err = NULL;
	char *p;

	(void)state;
	p = vz_streams_products_path(ok, strlen(ok), &err);
	assert_string_equal(p, "streams/v1/images.json");
	free(p);
	assert_null(vz_streams_products_path(evil, strlen(evil), &err));
	assert_int_equal(err->code, VZ_E_BAD_TEMPLATE);
	vz_error_release(&err);
	assert_null(vz_streams_products_path("nope", 4, &err));
	assert_non_null(strstr(err->msg, "not JSON"));
	vz_error_release(&err);
}

static void test_newest_first_and_filters(void **state)
{
	_cleanup_free_ char *a =
		product("fedora:40:amd64:default", "40", "root.tar.xz", "f/40.tar.xz", SHA, "10");
	_cleanup_free_ char *b =
		product("fedora:41:amd64:default", "41", "root.tar.xz", "f/41.tar.xz", SHA, "10");
	_cleanup_free_ char *c =
		product("fedora:41:arm64:default", "41", "root.tar.xz", "f/a.tar.xz", SHA, "10");
	_cleanup_free_ char *d =
		product("fedora:41:amd64:cloud", "41", "root.tar.xz", "f/c.tar.xz", SHA, "10");
	_cleanup_free_ char *e =
		product("alpine:3.9:amd64:default", "3.9", "squashfs", "a/9.sq", SHA, "10");
	_cleanup_free_ char *f = product("alpine:3.20:amd64:default", "3.20", "root.tar.xz",
					 "a/20.tar.xz", SHA, "10");
	_cleanup_free_ char *all = xasprintf("%s, %s, %s, %s, %s, %s", a, b, c, d, e, f);
	size_t n = 0;
	struct vz_image *v = parse(all, &n);

	(void)state;
	assert_int_equal(n, 4);
	assert_string_equal(v[0].dist, "alpine");
	assert_string_equal(v[0].release, "3.20"); /* 3.20 is newer than 3.9 */
	assert_string_equal(v[1].release, "3.9");
	assert_string_equal(v[1].ftype, "squashfs");
	assert_string_equal(v[2].release, "41");
	assert_string_equal(v[3].release, "40");
	vz_images_free(v, n);
}

static void test_hostile_items_skipped(void **state)
{
	_cleanup_free_ char *dots =
		product("a:1:amd64:default", "1", "root.tar.xz", "x/../y", SHA, "10");
	_cleanup_free_ char *abs =
		product("b:1:amd64:default", "1", "root.tar.xz", "/etc/x", SHA, "10");
	_cleanup_free_ char *sha =
		product("c:1:amd64:default", "1", "root.tar.xz", "c", "abc", "10");
	_cleanup_free_ char *huge =
		product("d:1:amd64:default", "1", "root.tar.xz", "d", SHA, "1099511627776");
	_cleanup_free_ char *zero = product("e:1:amd64:default", "1", "root.tar.xz", "e", SHA, "0");
	_cleanup_free_ char *name =
		product("f/..:1:amd64:default", "1", "root.tar.xz", "f", SHA, "1");
	_cleanup_free_ char *kind = product("g:1:amd64:default", "1", "lxd.tar.xz", "g", SHA, "1");
	_cleanup_free_ char *good = product("h:1:amd64:default", "1", "root.tar.xz", "h", SHA, "1");
	_cleanup_free_ char *all = xasprintf("%s, %s, %s, %s, %s, %s, %s, %s", dots, abs, sha, huge,
					     zero, name, kind, good);
	size_t n = 0;
	struct vz_image *v = parse(all, &n);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(v[0].dist, "h");
	vz_images_free(v, n);
}

static void test_names(void **state)
{
	_cleanup_free_ char *a =
		product("fedora:40:amd64:default", "40", "root.tar.xz", "f/40", SHA, "1");
	_cleanup_free_ char *b =
		product("fedora:41:amd64:default", "41", "root.tar.xz", "f/41", SHA, "1");
	_cleanup_free_ char *c =
		product("debian:bookworm:amd64:default", "12", "root.tar.xz", "d", SHA, "1");
	_cleanup_free_ char *all = xasprintf("%s, %s, %s", a, b, c);
	_cleanup_free_ char *with_machine = NULL;
	struct utsname u;
	size_t n = 0;
	struct vz_image *v = parse(all, &n);
	vz_error_t err = NULL;

	(void)state;
	assert_int_equal(uname(&u), 0);
	with_machine = xasprintf("fedora-40-%s", u.machine);
	assert_string_equal(vz_streams_find(v, n, "fedora", &err)->release, "41");
	assert_string_equal(vz_streams_find(v, n, "fedora-40", &err)->release, "40");
	assert_string_equal(vz_streams_find(v, n, with_machine, &err)->release, "40");
	assert_string_equal(vz_streams_find(v, n, "debian-12", &err)->release, "bookworm");
	assert_string_equal(vz_streams_find(v, n, "debian-bookworm", &err)->release, "bookworm");
	assert_null(vz_streams_find(v, n, "fedora-39", &err));
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	assert_non_null(strstr(err->msg, "fedora-41"));
	vz_error_release(&err);
	assert_null(vz_streams_find(v, n, "centos", &err));
	vz_error_release(&err);
	vz_images_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_newest_first_and_filters),
		cmocka_unit_test(test_hostile_items_skipped),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
