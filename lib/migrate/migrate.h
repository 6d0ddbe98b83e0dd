/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Moving a CT to another host: vzctl migrate (the source, vz_migrate) and
 * the destination's end of it (vz_migrate_receive, run by
 * `ssh HOST vzctl migrate-receive CTID` with the ssh session as its
 * channel). Everything between the hosts goes over SSH.
 *
 * The steps: the destination checks it can take the CT (CTID, layout, id
 * range, disk, CRIU); the private area is copied while the CT runs; then,
 * offline, the CT is stopped, the copy finished and the CT started there;
 * online, it is checkpointed, the copy finished, the checkpoint copied and
 * the CT restored there. The source CT is destroyed only once the
 * destination says the CT runs. Before that, any failure (the destination
 * refusing, ssh cut, the destination daemon gone, disk full, a restore
 * that fails) removes the half copy there and brings the CT back here as
 * it was; after it, exactly one copy runs, there.
 */
#ifndef VZ_MIGRATE_H
#define VZ_MIGRATE_H

#include <stdbool.h>

#include "core/error.h"

struct vz_ct;

struct vz_migrate_opts {
	const char *host;     /* [user@]host */
	const char *ssh_opts; /* extra ssh options, as one string; may be NULL */
	bool online;	      /* keep the CT running: checkpoint and restore */
	bool lazy;	      /* online, post-copy: memory follows the restored CT */
	bool keep_src;	      /* keep the (stopped) source CT afterwards */
};

/* Move ct (opened with its lock) to o->host. */
int vz_migrate(struct vz_ct *ct, const struct vz_migrate_opts *o, vz_error_t *err);

/*
 * The destination's end: serve the source's requests read from in, answers
 * written to out, for ct (opened new, with its lock) until it commits,
 * aborts or goes away.
 */
int vz_migrate_receive(struct vz_ct *ct, int in, int out, vz_error_t *err);

/* This host and daemon, as the other end tells them apart from itself. */
struct vz_ctx;
char *vz_migrate_host_id(struct vz_ctx *ctx);

/* The channel's protocol version; both ends must speak the same. */
#define VZ_MIGRATE_PROTO 1

#endif
