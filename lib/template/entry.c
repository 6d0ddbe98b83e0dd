/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks every entry of a template tarball passes whatever ids it gets,
 * at import (validate.c) and again at extraction (extract.c): no absolute
 * paths, no "..", no hard links out of the tree, no unknown types.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "template/entry.h"
#include "template/template.h"
#include "util/xalloc.h"

struct archive *template_reader_new(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		vz_oom();
	/* Only what vz_template_find can name, and all built in: no external filter programs. */
	(void)archive_read_support_filter_gzip(a);
	(void)archive_read_support_filter_xz(a);
	(void)archive_read_support_filter_zstd(a);
	(void)archive_read_support_filter_bzip2(a);
	(void)archive_read_support_format_tar(a);
	return a;
}

int template_entry_fail(struct entry_check *x, int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	x->rep.code = code;
	x->rep.errnum = errnum > 0 ? errnum : 0;
	va_start(ap, fmt);
	(void)vsnprintf(x->rep.msg, sizeof(x->rep.msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Entry names come from the tarball: keep the message on one short line. */
void template_printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static bool path_escapes(const char *p)
{
	if (p[0] == '/')
		return true;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

/*
 * What no entry of a template may be, whatever ids it gets: checked at
 * import and again at extraction. Returns 1 for entries to skip, 0 for
 * acceptable ones, < 0 to refuse the tarball.
 */
int template_check_entry_shape(struct entry_check *x, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	char lname[160];

	if (!path)
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0,
					   "entry with an unreadable name");
	template_printable(path, x->name, sizeof(x->name));
	if (path[0] == '/')
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0,
					   "entry '%s' has an absolute path", x->name);
	if (path_escapes(path))
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0, "entry '%s' escapes the root",
					   x->name);
	if (link && path_escapes(link)) {
		template_printable(link, lname, sizeof(lname));
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0,
					   "entry '%s' is a hard link outside the root ('%s')",
					   x->name, lname);
	}
	/*
	 * Device nodes are skipped, not refused: debootstrap'd trees carry
	 * /dev/null and friends, CT root could not open them in its user
	 * namespace, and vz mounts a fresh /dev over the CT's anyway. The
	 * kernel makes sockets on bind(); a tarball cannot carry one.
	 */
	if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFSOCK)
		return 1;
	if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO)
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0,
					   "entry '%s' has an unknown type", x->name);
	return 0;
}
