/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-CT /proc view: a FUSE file system at <rundir>/view whose files
 * (sandbox/viewmount.h) show each reader its own CT's memory, CPUs,
 * uptime, load and I/O, and the host's own files to a reader outside
 * every CT. One server process per daemon (vzd forks it and keeps it
 * running); the connection outlives the server and the daemon as long as
 * one of them holds its /dev/fuse fd.
 */
#ifndef VZ_VIEW_H
#define VZ_VIEW_H

#include <sys/types.h>

#include "core/ctx.h"
#include "core/error.h"
#include "util/macros.h"

/*
 * Mount a new view at <rundir>/view (a stale one there is detached first)
 * and return its connection's fd, and in *ret_table the memfd of its load
 * averages: a server serves them with vz_view_serve. Whoever holds both
 * keeps the view alive for the next server.
 */
int vz_view_mount(struct vz_ctx *ctx, int *ret_table, vz_error_t *err);

/*
 * The server of the view before us (the pid file it wrote): a pidfd of it
 * and copies of its connection fd and load table (pidfd_getfd). -1 when
 * there is none, or it is gone.
 */
int vz_view_find(struct vz_ctx *ctx, int *ret_pidfd, pid_t *ret_pid, int *ret_fd, int *ret_table);

/*
 * Be the server of connection fd with load table table: in a child of the
 * daemon, which has closed all else. Returns when the connection ends (the
 * view unmounted).
 */
void vz_view_serve(struct vz_ctx *ctx, int fd, int table);

/*
 * Put this daemon's live view over the dead binds of running CT ct (one
 * whose view died with both its server and the daemon): a clone of each
 * of its files is mounted on top in the CT's own mount namespace, from a
 * child that joins it. Mount namespaces the CT made itself keep the dead
 * ones.
 */
struct vz_ct;
int vz_view_graft(struct vz_ct *ct, vz_error_t *err);

#endif
