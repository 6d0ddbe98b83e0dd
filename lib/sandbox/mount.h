/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CT's mount tree: /dev, /proc with masks, read-only /sys, pivot_root. */
#ifndef VZ_MOUNT_H
#define VZ_MOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "core/error.h"

/*
 * Open path (relative, inside the tree at rootfd) without ever leaving the
 * tree: symlinks resolve as if rootfd were "/". Returns an fd or -errno.
 */
int vz_open_in_root(int rootfd, const char *path, int flags);

/* A device node a CT's /dev gets beyond the standard ones (DEVNODES). */
struct vz_dev_node {
	char *name;  /* under /dev: "net/tun" (parents are made) */
	mode_t mode; /* S_IFCHR or S_IFBLK, and the permission bits */
	dev_t rdev;
};

/*
 * A CT's /dev made on the host at path (a tmpfs with its device nodes, CT
 * root owning it), for a CRIU restore to bind into the CT: a restore runs
 * inside the CT's user namespace, which cannot create device nodes. The
 * caller detaches it once the CT has it.
 */
int vz_mount_ct_dev(const char *path, uid_t owner, bool console, uint64_t shm_size,
		    const struct vz_dev_node *nodes, size_t n_nodes, vz_error_t *err);

/* What the CT's mount tree is made of, besides its root. */
struct vz_ct_mount_opts {
	uid_t owner;		  /* host uid of CT root, which owns the new /dev entries */
	const char *cgroup2_path; /* host path of the CT's cgroup2 group, or NULL */
	int pty_max;		  /* devpts max= (OpenVZ's numpty); -1 for no cap */
	const char *console;	  /* host path of a pty slave for /dev/console, or NULL */
	uint64_t shm_size;	  /* bytes of /dev/shm (vz_tmpfs_size); 0: the kernel's default */
	const struct vz_dev_node *dev_nodes; /* DEVNODES, made in /dev */
	size_t n_dev_nodes;
	/*
	 * The CT's v1 hierarchies (vz_cgroup_v1_dirs), or none: with them
	 * /sys/fs/cgroup is a read-only tmpfs with a read-only bind of each
	 * (a delegated one writable) and the cgroup2 group on "unified", as
	 * LXC shows a hybrid host; without, the cgroup2 group is
	 * /sys/fs/cgroup itself.
	 */
	const struct vz_cgroup_v1_dir *cgroup_v1;
	size_t n_cgroup_v1;
	/*
	 * The CT's directory of the per-CT /proc view, or NULL: its files are
	 * bound over /proc and /sys ones (sandbox/viewmount.h).
	 */
	const char *view;
};

/*
 * In the host-root mounter: unshare a private mount namespace, mount /dev,
 * /proc (masked) and /sys (read-only) inside rootfs, the CT's cgroups under
 * /sys/fs/cgroup (see cgroup_v1), pivot into rootfs and detach the old root.
 */
int vz_mount_ct_root(const char *rootfs, const struct vz_ct_mount_opts *o, vz_error_t *err);

/*
 * Bytes of the tmpfs mounts vz makes in a CT (/dev/shm) for a RAM limit of
 * ram bytes (VZ_CG_UNLIMITED or 0: none): half of it, as the kernel sizes a
 * tmpfs by default against the machine's RAM; 0 (the kernel's default,
 * half the host's RAM) for none.
 */
uint64_t vz_tmpfs_size(uint64_t ram);

/*
 * Resize the tmpfs mounts of a running CT (/dev/shm and /dev) to shm_size
 * (as in struct vz_ct_mount_opts), from a child in the CT's mount namespace
 * mntns_fd. Fails, changing nothing, when the CT holds more than that.
 */
int vz_tmpfs_set_size(int mntns_fd, uint64_t shm_size, vz_error_t *err);

/*
 * Change the pty cap of a running CT: remount its devpts with the same
 * options, from a child in the CT's mount namespace mntns_fd (vz_ns_open).
 */
int vz_devpts_set_max(int mntns_fd, uid_t owner, int pty_max, vz_error_t *err);

/*
 * Bring a running CT's /dev from the DEVNODES nodes old[] to new[], from a
 * child in its mount namespace mntns_fd: the new ones are made (owned by
 * owner, CT root), those only in old removed where they are still the
 * device vz made. A node the CT removed or replaced is left as the CT has it.
 */
int vz_dev_nodes_sync(int mntns_fd, uid_t owner, const struct vz_dev_node *old, size_t n_old,
		      const struct vz_dev_node *new, size_t n_new, vz_error_t *err);

#endif
