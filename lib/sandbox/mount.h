/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CT's mount tree: /dev, /proc with masks, read-only /sys, pivot_root. */
#ifndef VZ_MOUNT_H
#define VZ_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Open path (relative, inside the tree at rootfd) without ever leaving the
 * tree: symlinks resolve as if rootfd were "/". Returns an fd or -errno.
 */
int vz_open_in_root(int rootfd, const char *path, int flags);

/*
 * A CT's /dev made on the host at path (a tmpfs with its device nodes, CT
 * root owning it), for a CRIU restore to bind into the CT: a restore runs
 * inside the CT's user namespace, which cannot create device nodes. The
 * caller detaches it once the CT has it.
 */
int vz_mount_ct_dev(const char *path, uid_t owner, bool console, vz_error_t *err);

/*
 * In the host-root mounter: unshare a private mount namespace, mount /dev,
 * /proc (masked) and /sys (read-only) inside rootfs, bind the CT's cgroup2
 * group (host path cgroup2_path, or none when NULL) on /sys/fs/cgroup, pivot into rootfs
 * and detach the old root. owner is the host uid of CT root, which owns the
 * new /dev entries. pty_max caps the CT's ptys (devpts max=, OpenVZ's
 * numpty); -1 for no cap. console, when not NULL, is the host path of a
 * pty slave bound on the CT's /dev/console. view, when not NULL, is the
 * host directory of the per-CT /proc view, whose files are bound over
 * /proc and /sys files (sandbox/viewmount.h).
 */
int vz_mount_ct_root(const char *rootfs, uid_t owner, const char *cgroup2_path, int pty_max,
		     const char *console, const char *view, vz_error_t *err);

/*
 * Change the pty cap of a running CT: remount its devpts with the same
 * options, from a child in the CT's mount namespace mntns_fd (vz_ns_open).
 */
int vz_devpts_set_max(int mntns_fd, uid_t owner, int pty_max, vz_error_t *err);

#endif
