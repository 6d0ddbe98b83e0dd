/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by lib/template*.c only. */
#ifndef VZ_TEMPLATE_INTERNAL_H
#define VZ_TEMPLATE_INTERNAL_H

#include "core/error.h"

/*
 * Read every header of the tar in fd and check it as import does;
 * *ret_ext is the file name ending (".tar.gz", ".tar.xz", ...). name and file are for
 * messages.
 */
int template_validate_tar(int fd, const char **ret_ext, const char *name, const char *file,
			  vz_error_t *err);

#endif
