/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files vz writes inside a CT's root (/etc/hostname, later hosts, resolv.conf). */
#ifndef VZ_CTFILE_H
#define VZ_CTFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Replace the file path (relative to the CT root at rootfd) with content,
 * owned by owner (the host uid of CT root). The directory is resolved inside
 * the root and the file is replaced by rename, so a symlink planted by the CT
 * is replaced, never followed.
 */
int vz_ctfile_write(int rootfd, const char *path, const char *content, uid_t owner,
		    vz_error_t *err);

/*
 * Read path (relative to the CT root at rootfd, resolved inside it) into
 * *ret; a missing file or one that is not a regular file gives *ret NULL
 * and 0. At most max bytes.
 */
int vz_ctfile_read(int rootfd, const char *path, size_t max, char **ret);

/*
 * /etc/hosts text: old's lines, minus those vz added before (they end in
 * "# added by vz"), a localhost line when old has none, and one line for
 * hostname (and its first label) on ip, or 127.0.1.1 without one.
 */
char *vz_hosts_update(const char *old, const char *hostname, const char *ip);

#endif
