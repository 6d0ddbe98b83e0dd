/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE protocol of the /proc view: one flat, read-only directory of
 * files whose text the file system makes at each open for the process that
 * opens it. Spoken directly on /dev/fuse, without libfuse: libfuse expects
 * to see FUSE_INIT first and answers EIO to any request before it, so it
 * cannot take over a connection that a server before it initialised,
 * which is what keeps the view alive across server restarts.
 */
#ifndef VZ_VIEW_FUSE_H
#define VZ_VIEW_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The tree: the files at the top show the reader's own CT (by its pid),
 * or the host to a reader outside CTs; a directory per CT, named by its
 * CTID and not listed, holds the same files for that CT whoever reads
 * them. CTs get the latter bound in: each CT's files are inodes of their
 * own, so no page cache is ever shared between two CTs (see vz_fuse_process).
 */
struct vz_fuse_fs {
	const char *const *names; /* the files */
	size_t n;		  /* at most 254 */
	/*
	 * The text of file i of CT ctid, or with ctid 0 of the reader pid's
	 * CT (a host pid; 0 for the kernel): heap string, or NULL with
	 * *ret_errno set.
	 */
	char *(*text)(void *data, unsigned long ctid, size_t i, pid_t pid, int *ret_errno);
	/* The owner of CT ctid's files (its root); ctid 0: of those the reader pid sees. */
	void (*owner)(void *data, unsigned long ctid, pid_t pid, uid_t *uid, gid_t *gid);
	void *data;
};

struct vz_fuse_open; /* the files open now */

struct vz_fuse {
	int fd;
	const struct vz_fuse_fs *fs;
	struct vz_fuse_open *open;
	size_t n_open;
	uint64_t next_fh;
	char *buf; /* one request */
	size_t buf_size;
};

/* The options for mount(2) of a connection on fd (rootmode, user_id, ...). */
char *vz_fuse_mount_options(int fd);

void vz_fuse_init(struct vz_fuse *f, int fd, const struct vz_fuse_fs *fs);
void vz_fuse_release(struct vz_fuse *f);

/*
 * Read one request from the connection and answer it. 0 when done (or
 * nothing was there), -ENODEV once the connection is gone (unmounted or
 * aborted), another -errno on a failed read.
 */
int vz_fuse_process(struct vz_fuse *f);

#endif
