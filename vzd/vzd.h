/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VZD_H
#define VZD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "protocol.h"

/* One client connection, served by a forked worker. */
struct vzd_conn {
	struct vz_ctx *ctx;
	int sock;
	int64_t id; /* id of the request being served */
	uid_t uid;  /* peer credentials */
	gid_t gid;
	pid_t pid;
};

/* Serve the one request of a connection; runs in the worker, never returns. */
void vzd_worker_serve(struct vzd_conn *c) __attribute__((noreturn));

/* Send a reply or an event on the connection; failures are ignored (client gone). */
void vzd_send(struct vzd_conn *c, struct vz_msg *m, const int *fds, size_t nfds);
void vzd_reply_error(struct vzd_conn *c, vz_error_t e);
void vzd_reply_ok(struct vzd_conn *c, struct vz_msg *result);

/* Ops that need more than a lib call (they read the client's fds). */
void vzd_op_exec(struct vzd_conn *c, const struct vz_msg *args, int *fds, size_t nfds);
struct vz_msg *vzd_list(struct vz_ctx *ctx, const struct vz_msg *args, vz_error_t *err);

#endif
