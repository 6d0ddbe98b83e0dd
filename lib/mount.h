/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CT's mount tree: /dev, /proc with masks, read-only /sys, pivot_root. */
#ifndef VZ_MOUNT_H
#define VZ_MOUNT_H

#include <sys/types.h>

#include "error.h"

/*
 * Open path (relative, inside the tree at rootfd) without ever leaving the
 * tree: symlinks resolve as if rootfd were "/". Returns an fd or -errno.
 */
int vz_open_in_root(int rootfd, const char *path, int flags);

/*
 * In a process that will become the CT's init (host root): unshare a
 * private mount namespace, mount /dev, /proc (masked) and /sys (read-only)
 * inside rootfs, pivot into it and detach the old root. owner is the host
 * uid of CT root, which owns the new /dev entries.
 */
int vz_mount_ct_root(const char *rootfs, uid_t owner, vz_error_t *err);

#endif
