/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Template cache, import, busybox recipe and, above all, extraction of
 * hostile tarballs: every refused tarball must leave the world outside the
 * target directory untouched.
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
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "template/template.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define BASE 100000000u
#define SIZE 65536u

struct txattr {
	const char *name;
	const void *value;
	size_t size;
};

/* One entry of a tarball a test builds. */
struct tent {
	const char *path;
	mode_t type; /* AE_IFREG, AE_IFDIR, ... */
	mode_t perm;
	int64_t uid, gid;
	const char *data;     /* regular file contents */
	const char *link;     /* symlink target */
	const char *hardlink; /* hard link target */
	struct txattr xattrs[4];
};

struct fx {
	char *dir, *root, *outside, *cache, *tar;
	int rootfd;
};

static int fx_setup(void **state)
{
	struct fx *f = xzalloc(sizeof(*f));
	char tmpl[] = "/tmp/vz-test-template.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	f->dir = xstrdup(tmpl);
	f->root = xasprintf("%s/root", f->dir);
	f->outside = xasprintf("%s/outside", f->dir);
	f->cache = xasprintf("%s/cache", f->dir);
	f->tar = xasprintf("%s/t.tar.gz", f->dir);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0700), 0);
	f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->rootfd >= 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	(void)close(f->rootfd);
	assert_int_equal(rm_rf_at(AT_FDCWD, f->dir), 0);
	free(f->dir);
	free(f->root);
	free(f->outside);
	free(f->cache);
	free(f->tar);
	free(f);
	return 0;
}

static void add_entry(struct archive *w, const struct tent *t)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = t->data ? strlen(t->data) : 0;

	archive_entry_set_pathname(e, t->path);
	archive_entry_set_filetype(e, t->hardlink ? AE_IFREG : t->type);
	archive_entry_set_perm(e, t->perm);
	archive_entry_set_uid(e, t->uid);
	archive_entry_set_gid(e, t->gid);
	archive_entry_set_mtime(e, 1700000000, 0);
	if (t->link)
		archive_entry_set_symlink(e, t->link);
	if (t->hardlink)
		archive_entry_set_hardlink(e, t->hardlink);
	if (t->type == AE_IFCHR || t->type == AE_IFBLK)
		archive_entry_set_rdev(e, makedev(1, 3));
	for (size_t i = 0; i < 4 && t->xattrs[i].name; i++)
		archive_entry_xattr_add_entry(e, t->xattrs[i].name, t->xattrs[i].value,
					      t->xattrs[i].size);
	archive_entry_set_size(e, len);
	assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(w, t->data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static void write_tar(const char *file, int filter, const struct tent *ents, size_t n)
{
	struct archive *w = archive_write_new();

	assert_int_equal(archive_write_add_filter(w, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(w, file), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++)
		add_entry(w, &ents[i]);
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);
}

static void write_string(const char *path, const char *s)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, s, strlen(s)), 0);
}

static int count_entries(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += !streq(de->d_name, ".") && !streq(de->d_name, "..");
	return n;
}

static char *machine(void)
{
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	return xstrdup(u.machine);
}

static void assert_msg_has(vz_error_t err, const char *needle)
{
	assert_non_null(err);
	if (!strstr(err->msg, needle))
		fail_msg("error '%s' does not contain '%s'", err->msg, needle);
	assert_null(strchr(err->msg, '\n'));
}

/* The tarball must be refused naming needle, with nothing changed outside the root. */
static void expect_refused(struct fx *f, const struct tent *ents, size_t n, const char *needle)
{
	vz_error_t err = NULL;
	struct stat before, after;

	assert_int_equal(stat("/etc/passwd", &before), 0);
	write_tar(f->tar, ARCHIVE_FILTER_GZIP, ents, n);
	assert_true(vz_template_extract(f->tar, f->rootfd, BASE, SIZE, &err) < 0);
	if (getenv("VZ_TEST_VERBOSE"))
		print_message("%s\n", err->msg);
	assert_msg_has(err, needle);
	assert_int_equal(err->code, VZ_E_BAD_TEMPLATE);
	assert_int_equal(count_entries(f->outside), 0);
	assert_int_equal(stat("/etc/passwd", &after), 0);
	assert_int_equal(before.st_nlink, after.st_nlink);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_ctim.tv_sec, after.st_ctim.tv_sec);
	assert_int_equal(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec);
	vz_error_release(&err);
}

static void test_name_check(void **state)
{
	static const char *const good[] = {"busybox", "debian-12.0-x86_64", "a+b_c.d", "X"};
	static const char *const bad[] = {"",	 ".hidden", "-x",   "a..b",
					  "a/b", "a b",	    "a\nb", "ümlaut"};
	char long_name[130];
	vz_error_t err = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(vz_template_name_check(good[i], &err), 0);
	assert_null(err);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_true(vz_template_name_check(bad[i], &err) < 0);
		assert_int_equal(err->code, VZ_E_VALUE);
		vz_error_release(&err);
	}
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[128] = '\0';
	assert_int_equal(vz_template_name_check(long_name, &err), 0);
	long_name[128] = 'a';
	long_name[129] = '\0';
	assert_true(vz_template_name_check(long_name, &err) < 0);
	assert_msg_has(err, "invalid template name 'aaa");
	vz_error_release(&err);
}

static void touch_in(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	write_string(p, "");
}

static void mkdir_in(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	assert_int_equal(mkdir(p, 0755), 0);
}

static void test_find(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *mach = machine(), *bar = NULL, *both = NULL, *want = NULL;
	vz_error_t err = NULL;
	char *path;

	assert_int_equal(mkdir(f->cache, 0755), 0);
	bar = xasprintf("bar-%s.tar.gz", mach);
	both = xasprintf("both-%s.tar.gz", mach);
	touch_in(f->cache, "foo.tar.xz");
	touch_in(f->cache, bar);
	touch_in(f->cache, both);
	touch_in(f->cache, "both.tar.zst");
	mkdir_in(f->cache, "dir.tar.gz");

	path = vz_template_find(f->cache, "foo", &err);
	want = xasprintf("%s/foo.tar.xz", f->cache);
	assert_string_equal(path, want);
	free(path);
	free(want);
	path = vz_template_find(f->cache, "bar", &err);
	want = xasprintf("%s/%s", f->cache, bar);
	assert_string_equal(path, want);
	free(path);
	free(want);
	/* NAME.tar.* wins over NAME-<machine>.tar.*. */
	path = vz_template_find(f->cache, "both", &err);
	want = xasprintf("%s/both.tar.zst", f->cache);
	assert_string_equal(path, want);
	free(path);
	assert_null(err);

	assert_null(vz_template_find(f->cache, "baz", &err));
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	assert_msg_has(err, "template 'baz' not found");
	vz_error_release(&err);
	assert_null(vz_template_find(f->cache, "dir", &err));
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	vz_error_release(&err);
	assert_null(vz_template_find(f->cache, "../cache/foo", &err));
	assert_int_equal(err->code, VZ_E_VALUE);
	vz_error_release(&err);
	assert_null(vz_template_find("/nonexistent-vz-cache", "foo", &err));
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	vz_error_release(&err);
}

/* "fedora" is the newest fedora-RELEASE[-MACHINE] of this machine in the cache. */
static void test_find_newest_release(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *mach = machine(), *f9 = NULL, *f41 = NULL, *other = NULL;
	_cleanup_free_ char *want = NULL;
	vz_error_t err = NULL;
	char *path;

	assert_int_equal(mkdir(f->cache, 0755), 0);
	f9 = xasprintf("fedora-9-%s.tar.xz", mach);
	f41 = xasprintf("fedora-41-%s.tar.xz", mach);
	other = xasprintf("fedora-99-not%s.tar.xz", mach);
	touch_in(f->cache, f9);
	touch_in(f->cache, f41);
	touch_in(f->cache, other);
	touch_in(f->cache, "fedora-40.tar.gz");
	touch_in(f->cache, "fedoraX-50.tar.gz");
	path = vz_template_find(f->cache, "fedora", &err);
	want = xasprintf("%s/%s", f->cache, f41);
	assert_string_equal(path, want);
	free(path);
	assert_null(vz_template_find(f->cache, "fedor", &err));
	vz_error_release(&err);
}

static void test_list(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {"b.tar.gz",		"a.tar.xz",  "a.tar.gz",
					    "c-x86_64.tar.zst", "d.tar",     "notes.txt",
					    ".x.tar.gz",	"e.tar.lz4", ".tar.gz"};
	vz_error_t err = NULL;
	char **v;

	v = vz_template_list(f->cache, &err);
	assert_non_null(v);
	assert_null(v[0]);
	strv_free(v);

	assert_int_equal(mkdir(f->cache, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		touch_in(f->cache, files[i]);
	mkdir_in(f->cache, "dir.tar.gz");
	v = vz_template_list(f->cache, &err);
	assert_non_null(v);
	assert_null(err);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c-x86_64");
	assert_string_equal(v[3], "d");
	assert_null(v[4]);
	strv_free(v);
}

static const struct tent good_tar[] = {
	{"etc", AE_IFDIR, 0755},
	{"etc/hostname", AE_IFREG, 0644, 0, 0, "ct\n"},
};

static void expect_file_equal(const char *a, const char *b)
{
	_cleanup_free_ char *da = NULL, *db = NULL;
	size_t la, lb;

	assert_int_equal(read_file_at(AT_FDCWD, a, 1 << 20, &da, &la), 0);
	assert_int_equal(read_file_at(AT_FDCWD, b, 1 << 20, &db, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
}

static void expect_import(struct fx *f, int filter, const char *name, const char *ext)
{
	_cleanup_free_ char *src = xasprintf("%s/src%s", f->dir, ext);
	_cleanup_free_ char *dst = xasprintf("%s/%s%s", f->cache, name, ext);
	vz_error_t err = NULL;
	struct stat st;

	write_tar(src, filter, good_tar, ARRAY_SIZE(good_tar));
	assert_int_equal(vz_template_import(f->cache, src, name, &err), 0);
	assert_null(err);
	expect_file_equal(src, dst);
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void expect_import_fails(struct fx *f, const char *src, const char *name, int code,
				const char *needle)
{
	vz_error_t err = NULL;

	assert_true(vz_template_import(f->cache, src, name, &err) < 0);
	assert_int_equal(err->code, code);
	assert_msg_has(err, needle);
	vz_error_release(&err);
}

static void test_import(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *junk = xasprintf("%s/junk", f->dir);
	_cleanup_free_ char *empty = xasprintf("%s/empty.tar", f->dir);
	_cleanup_free_ char *gzjunk = xasprintf("%s/junk.gz", f->dir);
	_cleanup_free_ char *src = xasprintf("%s/src.tar.gz", f->dir);
	char **v;

	expect_import(f, ARCHIVE_FILTER_GZIP, "gz", ".tar.gz");
	expect_import(f, ARCHIVE_FILTER_NONE, "plain", ".tar");
	expect_import(f, ARCHIVE_FILTER_XZ, "xz", ".tar.xz");
	expect_import(f, ARCHIVE_FILTER_ZSTD, "zst", ".tar.zst");
	expect_import(f, ARCHIVE_FILTER_BZIP2, "bz2", ".tar.bz2");

	expect_import_fails(f, src, "gz", VZ_E_VALUE, "template 'gz' already exists");
	expect_import_fails(f, src, "a/b", VZ_E_VALUE, "invalid template name 'a/b'");
	write_string(junk, "this is not a tarball\n");
	expect_import_fails(f, junk, "junk", VZ_E_BAD_TEMPLATE, "template 'junk': '");
	write_tar(empty, ARCHIVE_FILTER_NONE, NULL, 0);
	expect_import_fails(f, empty, "empty", VZ_E_BAD_TEMPLATE, "has no entries");
	/* A readable filter with an empty tar inside. */
	write_tar(gzjunk, ARCHIVE_FILTER_GZIP, NULL, 0);
	expect_import_fails(f, gzjunk, "gzjunk", VZ_E_BAD_TEMPLATE, "has no entries");
	expect_import_fails(f, "/nonexistent/x.tar", "nosrc", VZ_E_SYSTEM, "'/nonexistent/x.tar'");
	expect_import_fails(f, f->dir, "isdir", VZ_E_BAD_TEMPLATE, "is not a regular file");

	/* Failed imports leave no temp files behind. */
	v = vz_template_list(f->cache, NULL);
	assert_int_equal(count_entries(f->cache), 5);
	assert_string_equal(v[0], "bz2");
	assert_string_equal(v[1], "gz");
	assert_string_equal(v[2], "plain");
	assert_string_equal(v[3], "xz");
	assert_string_equal(v[4], "zst");
	assert_null(v[5]);
	strv_free(v);
}

static void test_refuse_absolute(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *abs = xasprintf("%s/abs", f->outside);
	_cleanup_free_ char *needle = xasprintf("entry '%s' has an absolute path", abs);
	struct tent ents[] = {{"ok", AE_IFREG, 0644, 0, 0, "fine"},
			      {abs, AE_IFREG, 0644, 0, 0, "x"}};

	expect_refused(f, ents, ARRAY_SIZE(ents), needle);
}

static void test_refuse_dotdot(void **state)
{
	struct fx *f = *state;
	const struct tent a[] = {{"../outside/x", AE_IFREG, 0644, 0, 0, "x"}};
	const struct tent b[] = {{"d", AE_IFDIR, 0755}, {"d/../../outside/y", AE_IFREG, 0644}};
	const struct tent c[] = {{"..", AE_IFDIR, 0777}};

	expect_refused(f, a, ARRAY_SIZE(a), "template '");
	expect_refused(f, a, ARRAY_SIZE(a), "entry '../outside/x' escapes the root");
	expect_refused(f, b, ARRAY_SIZE(b), "entry 'd/../../outside/y' escapes the root");
	/* The pax writer stores directories with a trailing slash. */
	expect_refused(f, c, ARRAY_SIZE(c), "entry '../' escapes the root");
}

static void test_refuse_write_through_symlink(void **state)
{
	struct fx *f = *state;
	const struct tent a[] = {{"link", AE_IFLNK, 0777, 0, 0, NULL, f->outside},
				 {"link/evil", AE_IFREG, 0644, 0, 0, "evil"}};
	const struct tent b[] = {{"rlink", AE_IFLNK, 0777, 0, 0, NULL, "../outside"},
				 {"rlink/evil", AE_IFREG, 0644, 0, 0, "evil"}};
	const struct tent c[] = {{"d", AE_IFDIR, 0755},
				 {"d/up", AE_IFLNK, 0777, 0, 0, NULL, "../.."},
				 {"d/up/outside/evil", AE_IFDIR, 0755}};

	expect_refused(f, a, ARRAY_SIZE(a), "entry 'link/evil'");
	expect_refused(f, b, ARRAY_SIZE(b), "entry 'rlink/evil'");
	expect_refused(f, c, ARRAY_SIZE(c), "entry 'd/up/outside/evil/'");
}

static void test_refuse_hardlink(void **state)
{
	struct fx *f = *state;
	const struct tent a[] = {{"h", AE_IFREG, 0644, 0, 0, NULL, NULL, "/etc/passwd"}};
	const struct tent b[] = {{"h", AE_IFREG, 0644, 0, 0, NULL, NULL, "../../../../etc/passwd"}};
	/* Through a symlink: libarchive's SECURE_SYMLINKS check of the link target. */
	const struct tent c[] = {{"l", AE_IFLNK, 0777, 0, 0, NULL, "/etc"},
				 {"h", AE_IFREG, 0644, 0, 0, NULL, NULL, "l/passwd"}};

	expect_refused(f, a, ARRAY_SIZE(a),
		       "entry 'h' is a hard link outside the root ('/etc/passwd')");
	expect_refused(f, b, ARRAY_SIZE(b), "entry 'h' is a hard link outside the root");
	expect_refused(f, c, ARRAY_SIZE(c), "entry 'h'");
}

static void test_refuse_ids(void **state)
{
	struct fx *f = *state;
	const struct tent a[] = {{"big", AE_IFREG, 0644, 4000000000LL, 0, "x"}};
	const struct tent b[] = {{"edge", AE_IFREG, 0644, 0, SIZE, "x"}};
	const struct tent c[] = {{"wide", AE_IFDIR, 0755, 0, 1LL << 40}};

	expect_refused(f, a, ARRAY_SIZE(a),
		       "entry 'big' has uid 4000000000 outside the container's range 0-65535");
	expect_refused(f, b, ARRAY_SIZE(b), "entry 'edge' has gid 65536");
	expect_refused(f, c, ARRAY_SIZE(c), "entry 'wide/' has gid 1099511627776");
}

/* debootstrap'd trees carry device nodes: they are left out, never created. */
static void test_skip_devices(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fx *f = *state;
	const struct tent a[] = {{"dev", AE_IFDIR, 0755},
				 {"dev/null", AE_IFCHR, 0666},
				 {"sda", AE_IFBLK, 0660},
				 {"etc", AE_IFDIR, 0755}};
	struct stat st;

	write_tar(f->tar, ARCHIVE_FILTER_GZIP, a, ARRAY_SIZE(a));
	assert_int_equal(vz_template_extract(f->tar, f->rootfd, BASE, SIZE, &err), 0);
	assert_int_equal(fstatat(f->rootfd, "dev", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(f->rootfd, "etc", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(fstatat(f->rootfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) < 0);
	assert_true(fstatat(f->rootfd, "sda", &st, AT_SYMLINK_NOFOLLOW) < 0);
}

static void test_refuse_bad_fcaps(void **state)
{
	struct fx *f = *state;
	struct vfs_ns_cap_data v3 = {.magic_etc = htole32(VFS_CAP_REVISION_3),
				     .rootid = htole32(SIZE)};
	const struct tent a[] = {{"f", AE_IFREG, 0755, 0, 0, "x",
				  .xattrs = {{"security.capability", &v3, sizeof(v3)}}}};
	const struct tent b[] = {
		{"g", AE_IFREG, 0755, 0, 0, "x", .xattrs = {{"security.capability", "junk", 4}}}};

	expect_refused(f, a, ARRAY_SIZE(a), "entry 'f' has a file capability for uid 65536");
	expect_refused(f, b, ARRAY_SIZE(b), "entry 'g' has a malformed file capability");
}

static void test_refuse_names_printable(void **state)
{
	struct fx *f = *state;
	const struct tent a[] = {{"bad\nname/../../x", AE_IFREG, 0644}};

	expect_refused(f, a, ARRAY_SIZE(a), "entry 'bad?name/../../x' escapes the root");
}

/* Replacing a symlink must not write through it; success or refusal are both fine. */
static void test_no_write_through_replaced_symlink(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *target = xasprintf("%s/target", f->outside);
	_cleanup_free_ char *data = NULL;
	const struct tent a[] = {{"f", AE_IFLNK, 0777, 0, 0, NULL, target},
				 {"f", AE_IFREG, 0644, 0, 0, "evil"},
				 {"d", AE_IFDIR, 0777},
				 {"d", AE_IFLNK, 0777, 0, 0, NULL, f->outside},
				 {".", AE_IFLNK, 0777, 0, 0, NULL, f->outside},
				 {"x", AE_IFREG, 0644, 0, 0, "evil"}};
	vz_error_t err = NULL;
	struct stat st;

	write_string(target, "orig");
	write_tar(f->tar, ARCHIVE_FILTER_GZIP, a, ARRAY_SIZE(a));
	(void)vz_template_extract(f->tar, f->rootfd, BASE, SIZE, &err);
	if (getenv("VZ_TEST_VERBOSE"))
		print_message("%s\n", err ? err->msg : "(extracted)");
	vz_error_release(&err);
	assert_int_equal(read_file_at(AT_FDCWD, target, 100, &data, NULL), 0);
	assert_string_equal(data, "orig");
	assert_int_equal(stat(f->outside, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(count_entries(f->outside), 1);
}

static void test_extract_bad_args(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *junk = xasprintf("%s/junk.tar", f->dir);
	vz_error_t err = NULL;

	write_tar(f->tar, ARCHIVE_FILTER_GZIP, good_tar, ARRAY_SIZE(good_tar));
	assert_true(vz_template_extract(f->tar, f->rootfd, BASE, 0, &err) < 0);
	assert_int_equal(err->code, VZ_E_VALUE);
	vz_error_release(&err);
	assert_true(vz_template_extract(f->tar, f->rootfd, 0xffffffffu - 100, SIZE, &err) < 0);
	assert_int_equal(err->code, VZ_E_VALUE);
	vz_error_release(&err);
	assert_true(vz_template_extract("/nonexistent/t.tar.gz", f->rootfd, BASE, SIZE, &err) < 0);
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	vz_error_release(&err);
	write_string(junk, "garbage, not a tarball at all");
	assert_true(vz_template_extract(junk, f->rootfd, BASE, SIZE, &err) < 0);
	assert_int_equal(err->code, VZ_E_BAD_TEMPLATE);
	assert_msg_has(err, "template '");
	vz_error_release(&err);
	assert_int_equal(count_entries(f->root), 0);
}

static void expect_node(int dfd, const char *path, mode_t type, mode_t perm, uid_t uid, gid_t gid)
{
	struct stat st;

	assert_int_equal(fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	if ((st.st_mode & S_IFMT) != type || (st.st_mode & 07777) != perm || st.st_uid != uid ||
	    st.st_gid != gid)
		fail_msg("'%s': mode %o uid %u gid %u, want %o %u %u", path, st.st_mode, st.st_uid,
			 st.st_gid, type | perm, uid, gid);
}

static const char v2caps[XATTR_CAPS_SZ_2] = {0x01, 0, 0, 0x02, 0, 0x20, 0, 0}; /* cap_net_raw+ep */

static const struct tent good_ids_tar[] = {
	{".", AE_IFDIR, 0755},
	{"etc", AE_IFDIR, 0755},
	{"etc/file", AE_IFREG, 0640, 0, 0, "hello\n"},
	{"etc/file2", AE_IFREG, 0640, 0, 0, NULL, NULL, "etc/file"},
	{"home", AE_IFDIR, 0755},
	{"home/user", AE_IFDIR, 0700, 1000, 1000},
	{"home/user/suid", AE_IFREG, 04755, 1000, 1000, "x"},
	{"tmp", AE_IFDIR, 01777},
	{"open", AE_IFDIR, 0777},
	{"bin", AE_IFDIR, 0755},
	{"bin/sh", AE_IFLNK, 0777, 0, 0, NULL, "/bin/busybox"},
	{"bin/ping", AE_IFREG, 0755, 0, 0, "ping",
	 .xattrs = {{"security.capability", v2caps, sizeof(v2caps)},
		    {"user.vz", "v", 1},
		    {"trusted.evil", "x", 1},
		    {"security.selinux", "system_u:object_r:shadow_t:s0", 29}}},
	{"run", AE_IFDIR, 0755},
	{"run/fifo", AE_IFIFO, 0620, 0, 5},
};

static void expect_xattrs(int dfd)
{
	_cleanup_close_ int fd = openat(dfd, "bin/ping", O_RDONLY | O_CLOEXEC);
	struct vfs_ns_cap_data caps;
	char buf[64];

	assert_true(fd >= 0);
	assert_int_equal(fgetxattr(fd, "security.capability", &caps, sizeof(caps)), sizeof(caps));
	assert_int_equal(le32toh(caps.magic_etc), VFS_CAP_REVISION_3 | VFS_CAP_FLAGS_EFFECTIVE);
	assert_int_equal(le32toh(caps.rootid), BASE);
	assert_int_equal(le32toh(caps.data[0].permitted), 1u << 13);
	assert_int_equal(fgetxattr(fd, "user.vz", buf, sizeof(buf)), 1);
	assert_true(fgetxattr(fd, "trusted.evil", buf, sizeof(buf)) < 0);
	assert_true(fgetxattr(fd, "security.selinux", buf, sizeof(buf)) < 0);
}

static void test_extract_shifts_ids(void **state)
{
	struct fx *f = *state;
	vz_error_t err = NULL;
	struct stat a, b;
	char target[64] = "";

	if (geteuid() != 0)
		skip();
	write_tar(f->tar, ARCHIVE_FILTER_XZ, good_ids_tar, ARRAY_SIZE(good_ids_tar));
	/* The child's umask of 0 makes modes exact whatever ours is. */
	umask(022);
	assert_int_equal(vz_template_extract(f->tar, f->rootfd, BASE, SIZE, &err), 0);
	assert_null(err);
	expect_node(f->rootfd, ".", S_IFDIR, 0755, BASE, BASE);
	expect_node(f->rootfd, "etc/file", S_IFREG, 0640, BASE, BASE);
	expect_node(f->rootfd, "home/user", S_IFDIR, 0700, BASE + 1000, BASE + 1000);
	expect_node(f->rootfd, "home/user/suid", S_IFREG, 04755, BASE + 1000, BASE + 1000);
	expect_node(f->rootfd, "tmp", S_IFDIR, 01777, BASE, BASE);
	expect_node(f->rootfd, "open", S_IFDIR, 0777, BASE, BASE);
	expect_node(f->rootfd, "bin/sh", S_IFLNK, 0777, BASE, BASE);
	expect_node(f->rootfd, "run/fifo", S_IFIFO, 0620, BASE, BASE + 5);
	assert_int_equal(readlinkat(f->rootfd, "bin/sh", target, sizeof(target) - 1), 12);
	assert_string_equal(target, "/bin/busybox");
	assert_int_equal(fstatat(f->rootfd, "etc/file", &a, 0), 0);
	assert_int_equal(fstatat(f->rootfd, "etc/file2", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(a.st_mtime, 1700000000);
	expect_xattrs(f->rootfd);
}

static void test_build_unknown(void **state)
{
	struct fx *f = *state;
	vz_error_t err = NULL;

	assert_true(vz_template_build(f->cache, "debian-12", &err) < 0);
	assert_int_equal(err->code, VZ_E_TEMPLATE_NOT_FOUND);
	assert_msg_has(err, "no recipe for template 'debian-12'");
	vz_error_release(&err);
	assert_true(vz_template_build(f->cache, "../busybox", &err) < 0);
	assert_int_equal(err->code, VZ_E_VALUE);
	vz_error_release(&err);
}

/* Run /bin/sh of the extracted tree in a chroot: the applet symlinks must work. */
static void expect_shell_runs(const char *root)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (chroot(root) == 0 && chdir("/") == 0)
			execl("/bin/sh", "sh", "-c", "test -x /sbin/init && exit 42", (char *)NULL);
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

static void test_busybox(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *mach = machine(), *want = NULL, *path = NULL, *osr = NULL;
	uid_t owner = geteuid() == 0 ? BASE : geteuid();
	vz_error_t err = NULL;
	char target[64] = "";

	if (access("/bin/busybox", X_OK) < 0)
		skip();
	assert_int_equal(vz_template_build(f->cache, "busybox", &err), 0);
	assert_null(err);
	path = vz_template_find(f->cache, "busybox", &err);
	want = xasprintf("%s/busybox-%s.tar.gz", f->cache, mach);
	assert_string_equal(path, want);
	assert_int_equal(count_entries(f->cache), 1);
	assert_int_equal(vz_template_extract(path, f->rootfd, BASE, SIZE, &err), 0);
	assert_null(err);
	assert_int_equal(readlinkat(f->rootfd, "bin/sh", target, sizeof(target) - 1), 12);
	assert_string_equal(target, "/bin/busybox");
	expect_node(f->rootfd, "bin/busybox", S_IFREG, 0755, owner, owner);
	expect_node(f->rootfd, "sbin/init", S_IFLNK, 0777, owner, owner);
	expect_node(f->rootfd, "tmp", S_IFDIR, 01777, owner, owner);
	expect_node(f->rootfd, "etc/init.d/rcS", S_IFREG, 0755, owner, owner);
	assert_int_equal(read_file_at(f->rootfd, "etc/os-release", 4096, &osr, NULL), 0);
	assert_non_null(strstr(osr, "ID=busybox\n"));
	assert_non_null(strstr(osr, "VERSION_ID=1."));
	if (geteuid() == 0)
		expect_shell_runs(f->root);
	/* Rebuilding replaces the tarball atomically and leaves no temp files. */
	assert_int_equal(vz_template_build(f->cache, "busybox", &err), 0);
	assert_int_equal(count_entries(f->cache), 1);
}

/* A recipe script FAMILY/build under recipes, made with mode. */
static void write_recipe(const char *recipes, const char *family, const char *body, mode_t mode)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", recipes, family);
	_cleanup_free_ char *script = xasprintf("%s/build", dir);

	assert_int_equal(mkdir_p(dir, 0755), 0);
	write_string(script, body);
	assert_int_equal(chmod(script, mode), 0);
}

struct progress {
	int lines;
	char first[128];
};

static void on_progress(void *data, const char *line)
{
	struct progress *p = data;

	if (p->lines++ == 0)
		snprintf(p->first, sizeof(p->first), "%s", line);
}

static void expect_recipe_fails(struct fx *f, const char *recipes, const char *name, int code,
				const char *needle)
{
	vz_error_t err = NULL;

	assert_true(vz_template_build_recipe(f->cache, recipes, name, NULL, NULL, &err) < 0);
	assert_int_equal(err->code, code);
	assert_msg_has(err, needle);
	vz_error_release(&err);
}

static void test_build_recipe(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *recipes = xasprintf("%s/recipes", f->dir), *mach = machine();
	_cleanup_free_ char *src = xasprintf("%s/src.tar.gz", f->dir), *body = NULL;
	_cleanup_free_ char *path = NULL, *want = NULL;
	struct progress p = {0};
	vz_error_t err = NULL;

	/* Recipes run as root only when root owns them. */
	if (geteuid() != 0)
		skip();
	write_tar(src, ARCHIVE_FILTER_GZIP, good_tar, ARRAY_SIZE(good_tar));
	body = xasprintf("#!/bin/sh\necho \"building $1\"\n\necho done\ncp '%s' \"$2\"\n", src);
	write_recipe(recipes, "fam", body, 0755);
	write_recipe(recipes, "fail", "#!/bin/sh\necho step one\necho 'no mirror'\nexit 3\n", 0755);
	write_recipe(recipes, "junk", "#!/bin/sh\necho junk > \"$2\"\n", 0755);
	write_recipe(recipes, "gw", "#!/bin/sh\nexit 0\n", 0775);

	/* FAMILY/build makes FAMILY-VERSION, stored under the machine name find looks for. */
	assert_int_equal(
		vz_template_build_recipe(f->cache, recipes, "fam-1", on_progress, &p, &err), 0);
	assert_null(err);
	assert_int_equal(p.lines, 2);
	assert_string_equal(p.first, "building fam-1");
	path = vz_template_find(f->cache, "fam-1", &err);
	assert_null(err);
	want = xasprintf("%s/fam-1-%s.tar.gz", f->cache, mach);
	assert_string_equal(path, want);
	expect_file_equal(src, path);

	expect_recipe_fails(f, recipes, "fail-1", VZ_E_TEMPLATE_NOT_FOUND,
			    "failed (exit status 3): no mirror");
	expect_recipe_fails(f, recipes, "junk-1", VZ_E_BAD_TEMPLATE, "template 'junk-1': '");
	expect_recipe_fails(f, recipes, "gw-1", VZ_E_TEMPLATE_NOT_FOUND,
			    "no recipe for template 'gw-1'");
	expect_recipe_fails(f, recipes, "nope", VZ_E_TEMPLATE_NOT_FOUND,
			    "no recipe for template 'nope'");
	/* Failed builds leave neither a template nor a temp file. */
	assert_int_equal(count_entries(f->cache), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		T(test_find),
		T(test_find_newest_release),
		T(test_list),
		T(test_import),
		T(test_refuse_absolute),
		T(test_refuse_dotdot),
		T(test_refuse_write_through_symlink),
		T(test_refuse_hardlink),
		T(test_refuse_ids),
		T(test_skip_devices),
		T(test_refuse_bad_fcaps),
		T(test_refuse_names_printable),
		T(test_no_write_through_replaced_symlink),
		T(test_extract_bad_args),
		T(test_extract_shifts_ids),
		T(test_build_unknown),
		T(test_busybox),
		T(test_build_recipe),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
