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
#include "util/fdpass.h"
#include "util/macros.h"

/*
 * What a server serves, and whoever holds it keeps for the next server:
 * the FUSE connection, the load averages (a memfd), and the datagram
 * socket bound at vz_view_sysinfo_sock() where the daemon sends the
 * listeners of CT processes' sysinfo(2) (view/sysinfo.h); what is sent
 * while no server runs waits in it.
 */
struct vz_view_fds {
	int fd;
	int table;
	int intake; /* or -1: a server of an older vz, without one */
};

/* Mount a new view at <rundir>/view (a stale one there is detached first), with its fds. */
int vz_view_mount(struct vz_ctx *ctx, struct vz_view_fds *ret, vz_error_t *err);

/*
 * The server of the view before us (the pid file it wrote): a pidfd of it
 * and copies of its fds (pidfd_getfd). -1 when there is none, or it is gone.
 */
int vz_view_find(struct vz_ctx *ctx, int *ret_pidfd, pid_t *ret_pid, struct vz_view_fds *ret);

/*
 * Be the server of fds: in a child of the daemon, which has closed all
 * else. It answers the sysinfo(2) of the CT processes whose listeners it
 * holds: those in listeners (which it takes) and those that come on
 * fds->intake. Returns when the connection ends (the view unmounted).
 */
void vz_view_serve(struct vz_ctx *ctx, const struct vz_view_fds *fds, struct fdset *listeners);

/* Where the server takes new listeners (root's alone). */
char *vz_view_sysinfo_sock(const struct vz_ctx *ctx);

/* Copies of the listeners the server with pidfd pid holds, added to set. */
void vz_view_copy_listeners(int pidfd, pid_t pid, struct fdset *set);

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
