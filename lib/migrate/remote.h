/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The destination host, reached over SSH only (the provider's node trust:
 * no other authentication, nothing listening unauthenticated): ssh for
 * the migration channel and remote commands, rsync over ssh for files.
 * Their stderr goes to a log file whose last line explains a failure.
 */
#ifndef VZ_MIGRATE_REMOTE_H
#define VZ_MIGRATE_REMOTE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct vz_remote {
	char *host;	 /* [user@]host as ssh takes it; root@ when no user is given */
	char **ssh_opts; /* the operator's --ssh-opts, split on blanks */
	char *ssh_opts_raw;
	char *log;     /* stderr of ssh and rsync */
	char *control; /* socket of the shared ssh connection (ControlPath), or NULL */
};

/*
 * host and ssh_opts (may be NULL) as the operator gave them. With control
 * (a socket path), the first vz_remote_spawn's ssh is a master the later
 * commands and copies share, saving a handshake each.
 */
int vz_remote_init(struct vz_remote *r, const char *host, const char *ssh_opts, const char *log,
		   const char *control, vz_error_t *err);
void vz_remote_done(struct vz_remote *r);

/* The host is this one: one of its addresses is this host's own. */
bool vz_remote_is_local(const struct vz_remote *r);

/*
 * Run cmd (words, none with blanks or shell characters) on the host;
 * *ret_in reads its stdout, *ret_out writes its stdin. Returns ssh's pid.
 */
pid_t vz_remote_spawn(const struct vz_remote *r, char *const *cmd, int *ret_in, int *ret_out,
		      vz_error_t *err);

/*
 * Run cmd there over the shared connection, its stdin and stdout one
 * byte stream with *ret_sock, a socket here (for programs that want one).
 * Returns ssh's pid.
 */
pid_t vz_remote_stream(const struct vz_remote *r, char *const *cmd, int *ret_sock, vz_error_t *err);

/*
 * Run cmd there and wait; its stdout in *ret_out (may be NULL). When it
 * fails, err's code is its exit status (vzctl's, for a vzctl there), or
 * VZ_E_SYSTEM when ssh itself failed.
 */
int vz_remote_run(const struct vz_remote *r, char *const *cmd, char **ret_out, vz_error_t *err);

/*
 * Copy the tree src/ into host:dst/ (created), as a migration must: owners
 * by number, permissions, hard links, ACLs, xattrs, sparse files, deletions;
 * a second run sends only what changed. excludes (NULL-ended, may be NULL)
 * are rsync patterns that neither travel nor are deleted there. *ret_bytes:
 * bytes sent.
 */
int vz_remote_sync(const struct vz_remote *r, const char *src, const char *dst,
		   char *const *excludes, uint64_t *ret_bytes, vz_error_t *err);

/* The last line of the log: what ssh or rsync said last. */
char *vz_remote_last_words(const struct vz_remote *r);

#endif
