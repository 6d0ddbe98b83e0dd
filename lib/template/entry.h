/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an entry of a template tarball may be, shared by extract.c and
 * validate.c: the checks that hold whatever ids the entry gets, and the
 * refusal they report. Only lib/template includes this (and libarchive).
 */
#ifndef VZ_TEMPLATE_ENTRY_H
#define VZ_TEMPLATE_ENTRY_H

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/macros.h"

/*
 * Why a tarball was refused. Extraction runs in a forked child (it needs its
 * cwd in the target and a umask of 0, which a daemon worker must not change
 * for itself), which sends this back over a pipe as it is.
 */
struct entry_report {
	int32_t code;
	int32_t errnum;
	char msg[512];
};

struct entry_check {
	uid_t base;
	uint32_t size;
	char name[160]; /* printable form of the current entry's path */
	struct entry_report rep;
};

/* A tar reader for the compressions vz_template_find can name, all built in. */
struct archive *template_reader_new(void);

/* Record why the tarball is refused in x->rep (errnum <= 0 records none); always -1. */
int template_entry_fail(struct entry_check *x, int code, int errnum, const char *fmt, ...)
	VZ_PRINTF(4, 5);

/* s with control characters as '?', cut to size with "..." when longer. */
void template_printable(const char *s, char *buf, size_t size);

/*
 * Check an entry's name, link target and type, and set x->name to its
 * printable path. Returns 1 for entries to skip (device nodes, sockets),
 * 0 for acceptable ones, < 0 (with x->rep set) to refuse the tarball.
 */
int template_check_entry_shape(struct entry_check *x, struct archive_entry *e);

#endif
