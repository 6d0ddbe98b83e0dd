/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files vz writes inside a CT's root (/etc/hostname, later hosts, resolv.conf). */
#ifndef VZ_CTFILE_H
#define VZ_CTFILE_H

#include <sys/types.h>

#include "error.h"

/*
 * Replace the file path (relative to the CT root at rootfd) with content,
 * owned by owner (the host uid of CT root). The directory is resolved inside
 * the root and the file is replaced by rename, so a symlink planted by the CT
 * is replaced, never followed.
 */
int vz_ctfile_write(int rootfd, const char *path, const char *content, uid_t owner,
		    vz_error_t *err);

#endif
