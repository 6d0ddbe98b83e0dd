/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the files of lib/template only. The cache helpers live in cache.c and
 * template_validate_tar in validate.c; none of it needs libarchive's types
 * (entry.h has what does).
 */
#ifndef VZ_TEMPLATE_INTERNAL_H
#define VZ_TEMPLATE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>

#include "core/error.h"

/* -errno for the -errno helpers, never 0 even if a libc call forgot to set errno. */
static inline int template_neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* uname's machine ("x86_64"), or "unknown"; cache names end in it. */
char *template_machine_name(void);

/* File name in dfd of the first regular STEM.tar.* there is, or NULL. */
char *template_find_stem(int dfd, const char *stem);

/* Create cachedir if need be and open it; fd or -1 with err set. */
int template_open_cachedir(const char *cachedir, vz_error_t *err);

/*
 * Create a hidden temp file in dfd for final (dot names are never
 * templates); its name with *ret_fd open read-write, or NULL with errno set.
 */
char *template_open_tmp(int dfd, const char *final, int *ret_fd);

/*
 * Make the temp file durable and give it its final name, never replacing
 * one unless replace. Returns 0 or -errno (-EEXIST when final exists).
 */
int template_publish(int dfd, int fd, const char *tmp, const char *final, bool replace);

/*
 * Read every header of the tar in fd and check it as import does;
 * *ret_ext is the file name ending (".tar.gz", ".tar.xz", ...). name and file are for
 * messages.
 */
int template_validate_tar(int fd, const char **ret_ext, const char *name, const char *file,
			  vz_error_t *err);

/* The sha256 of the file fd (read from its start), lower-case hex, into hex[65]; 0 or -errno. */
int template_file_sha256(int fd, char hex[65]);

#endif
