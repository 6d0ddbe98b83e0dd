/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The check a tarball passes before it enters the cache (import and recipe
 * output): it must be a tar in one known compression, and every entry must
 * pass what extraction would check, so that a cached template can be trusted
 * to create CTs.
 */
#define _GNU_SOURCE
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "template/entry.h"
#include "template/internal.h"
#include "util/xalloc.h"

static const char *filter_ext(int code)
{
	switch (code) {
	case ARCHIVE_FILTER_NONE:
		return ".tar";
	case ARCHIVE_FILTER_GZIP:
		return ".tar.gz";
	case ARCHIVE_FILTER_XZ:
		return ".tar.xz";
	case ARCHIVE_FILTER_ZSTD:
		return ".tar.zst";
	case ARCHIVE_FILTER_BZIP2:
		return ".tar.bz2";
	default:
		return NULL;
	}
}

/* "./a//b/./c/" -> "a/b/c" (callers refused ".." already). */
static char *normalize_path(const char *p)
{
	char *out = xzalloc(strlen(p) + 1);
	size_t len = 0;

	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
	}
	out[len] = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void free_str(void *p)
{
	free(p);
}

/* The symlink entry (of the set in *links) that path, or a leading part of it, goes through. */
static const char *through_symlink(void *const *links, const char *path)
{
	_cleanup_free_ char *copy = normalize_path(path);

	for (char *slash = strchr(copy, '/'); slash; slash = strchr(slash + 1, '/')) {
		void *const *hit;

		*slash = '\0';
		hit = tfind(copy, links, cmp_str);
		*slash = '/';
		if (hit)
			return *(char *const *)hit;
	}
	return NULL;
}

/*
 * Refuse at import what extraction would refuse, so that a template in the
 * cache can be trusted to create CTs: the entry checks, plus entries written
 * through a symlink an earlier entry made (libarchive's SECURE_SYMLINKS stops
 * those at extraction, but only there).
 */
static int check_import_entry(struct entry_check *x, void **links, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	const char *via;
	char lname[160];

	if (template_check_entry_shape(x, e) < 0)
		return -1;
	via = through_symlink(links, path);
	if (!via && link)
		via = through_symlink(links, link);
	if (via) {
		template_printable(via, lname, sizeof(lname));
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0,
					   "entry '%s' goes through the symlink '%s'", x->name,
					   lname);
	}
	if (archive_entry_filetype(e) == AE_IFLNK && !link) {
		char *norm = normalize_path(path);
		void *const *slot = tsearch(norm, links, cmp_str);

		if (!slot)
			vz_oom();
		if (*(char *const *)slot != norm)
			free(norm);
	}
	return 0;
}

/* Read every header of the tar in fd and check it; *ret_ext names its compression. */
int template_validate_tar(int fd, const char **ret_ext, const char *name, const char *file,
			  vz_error_t *err)
{
	struct archive *a = template_reader_new();
	struct archive_entry *e;
	struct entry_check x = {0};
	void *links = NULL;
	const char *ext = NULL;
	int r, n = 0;

	r = archive_read_open_fd(a, fd, 64 * 1024);
	while (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
		r = archive_read_next_header(a, &e);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			break;
		/* One filter plus the raw reader; a .tar.gz.xz would get a lying name. */
		if (n++ == 0 && archive_filter_count(a) <= 2)
			ext = filter_ext(archive_filter_code(a, 0));
		if (check_import_entry(&x, &links, e) < 0)
			break;
		r = archive_read_data_skip(a);
	}
	if (x.rep.code)
		r = vz_error_make(err, x.rep.code, 0, "template '%s': '%s': %s", name, file,
				  x.rep.msg);
	else if (r != ARCHIVE_EOF)
		r = vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				  "template '%s': '%s' is not a tar archive: %s", name, file,
				  archive_error_string(a) ?: "unknown error");
	else if (n == 0 || !ext)
		r = vz_error_make(err, VZ_E_BAD_TEMPLATE, 0, "template '%s': '%s' %s", name, file,
				  n == 0 ? "has no entries" : "has an unsupported compression");
	else
		*ret_ext = ext;
	tdestroy(links, free_str);
	(void)archive_read_free(a);
	return r < 0 ? -1 : 0;
}
