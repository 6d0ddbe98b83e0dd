/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files vz writes inside a CT's root (/etc/hostname, later hosts, resolv.conf). */
#ifndef VZ_CTFILE_H
#define VZ_CTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
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

/* Owner, mode and care of a file written with vz_ctfile_write_as. */
struct vz_ctfile_attr {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	bool sync; /* fsync before the rename: files that must survive a crash (shadow) */
};

/*
 * vz_ctfile_write with its owner and mode given: the temp file has no
 * permission at all until it is complete, so a secret is never readable
 * through a looser mode on the way.
 */
int vz_ctfile_write_as(int rootfd, const char *path, const char *content,
		       const struct vz_ctfile_attr *a, vz_error_t *err);

/* Remove path (resolved inside the root); a missing file or directory is fine. */
int vz_ctfile_remove(int rootfd, const char *path, vz_error_t *err);

/* lstat-like: path resolved inside the root, its last part not followed. 0 or -errno. */
int vz_ctfile_stat(int rootfd, const char *path, struct stat *st);

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
