/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the per-CT /proc view (lib/view) lives and where its files go in a
 * CT. The daemon mounts the view, a FUSE file system, at <rundir>/view;
 * every file there shows its reader's CT (found by the reader's cgroup).
 * At a start the host-root mounter (M) binds each file over its target in
 * the CT, read-only, before the CT's mount namespace locks the mounts.
 */
#ifndef VZ_VIEWMOUNT_H
#define VZ_VIEWMOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"

struct vz_view_file {
	const char *name;     /* in the view */
	const char *target;   /* in the CT, relative to its root */
	const char *key;      /* CRIU's key for its bind (external mount) */
	const char *fallback; /* host path a restore binds when no view runs */
};

/* The view's files, ended by a row with name NULL. */
const struct vz_view_file *vz_view_files(void);

/* <rundir>/view (heap string). */
char *vz_view_dir(const char *rundir);

/*
 * The view's directory when a live view is mounted there (a FUSE file
 * system that answers), else NULL: CTs then start with the plain files.
 */
char *vz_view_dir_live(const char *rundir);

/*
 * In /dev (dev, a directory fd of the CT's /dev tmpfs): the empty files
 * and directories the view's targets there need, CT root's. -errno on
 * failure.
 */
int vz_view_make_dev_targets(int dev, uid_t owner);

/*
 * The empty files and directories the view's targets in /dev need, made
 * in a /dev tmpfs at dev (a host path: a restore's staged /dev).
 */
int vz_view_prepare_dev(const char *dev, uid_t owner, vz_error_t *err);

#endif
