/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VZD_H
#define VZD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/ctx.h"
#include "proto/protocol.h"
#include "res/loadavg.h"
#include "util/fdpass.h"
#include "view/view.h"

/* One client connection, served by a forked worker. */
struct vzd_conn {
	struct vz_ctx *ctx;
	int sock;
	int64_t id; /* id of the request being served */
	uid_t uid;  /* peer credentials */
	gid_t gid;
	pid_t pid;
};

/* One request being served. */
struct vzd_req {
	struct vzd_conn *c;
	const struct vz_msg *args;
	int *fds; /* fds that came with the request (the client's stdio, a file) */
	size_t nfds;
	struct vz_ct *ct; /* the CT it names, opened as its op asks; NULL for others */
};

/*
 * A request's handler: 0 and an optional result for the reply, or < 0 with
 * err set. The worker sends the reply.
 */
typedef int (*vzd_op_fn)(struct vzd_req *r, struct vz_msg **res, vz_error_t *err);

/* Serve the one request of a connection; runs in the worker, never returns. */
void vzd_worker_serve(struct vzd_conn *c) __attribute__((noreturn));

/* Send a reply or an event on the connection; failures are ignored (client gone). conn.c */
void vzd_send(struct vzd_conn *c, struct vz_msg *m, const int *fds, size_t nfds);
void vzd_reply_error(struct vzd_conn *c, vz_error_t e);
void vzd_reply_ok(struct vzd_conn *c, struct vz_msg *result);

/*
 * exec and enter: run the command with the client's stdio (or a pty) and
 * reply with its exit status itself, once it ends.
 */
int vzd_op_exec(struct vzd_req *r, struct vz_msg **res, vz_error_t *err);
/*
 * runscript: the script (fds[3], the client's file) with the client's
 * stdio in the CT; replies with its exit status once it ends.
 */
int vzd_op_runscript(struct vzd_req *r, struct vz_msg **res, vz_error_t *err);
struct vz_msg *vzd_list(struct vz_ctx *ctx, const struct vz_msg *args, vz_error_t *err);

/* The beancounters of a running CT (the "ubc" request). */
struct vz_ct;
struct vz_msg *vzd_ubc(struct vz_ct *ct, vz_error_t *err);
struct vz_ubc_row;
/* key = v, or null when the kernel keeps no such counter (have false). */
void vzd_set_count(struct vz_msg *o, const char *key, bool have, uint64_t v);
/* One beancounter as the protocol carries it: resource, held... failcnt, enforced. */
void vzd_ubc_row(struct vz_msg *o, const struct vz_ubc_row *row);

/*
 * Load averages of running CTs: vzd calls vzd_load_tick every 5 s; workers
 * read their inherited copy with vzd_load_string ("0.42/0.10/0.03").
 */
#define VZD_LOAD_INTERVAL_S VZ_LOADAVG_INTERVAL_S
void vzd_load_tick(struct vz_ctx *ctx);
char *vzd_load_string(const char *ctid);

/* The /proc view's connection and server (view.c). */
struct vzd_view {
	struct vz_view_fds fds; /* our copies of what the server serves; fds.fd -1: no view */
	int pidfd;		/* the server's, or -1 */
	pid_t pid;
	time_t started;
	unsigned quick_deaths;
	void (*reset)(void *data); /* in the forked server: drop what is vzd's */
	void *reset_data;
	void (*log)(const char *fmt, ...) VZ_PRINTF(1, 2);
	/*
	 * sysinfo(2) in CTs: the listeners of CT processes (copies of those
	 * the server answers, so that a new server goes on with them) and the
	 * socket workers send new ones to (ctx->sysinfo_sock), or -1.
	 */
	struct fdset listeners;
	int intake;
};
/* Serve on the view a server left, or mount a new one and start its server. */
void vzd_view_up(struct vzd_view *v, struct vz_ctx *ctx);
/* The server's pidfd said it ended: start another on the same connection. */
void vzd_view_died(struct vzd_view *v, struct vz_ctx *ctx);
/* Listeners arrived on v->intake: keep them, pass them to the server. */
void vzd_view_intake(struct vzd_view *v, struct vz_ctx *ctx);
/* Forget the listeners whose processes have all ended. */
void vzd_view_prune(struct vzd_view *v);

/* Give lib the nftables anti-spoofing filter (netfilter.c). */
void vzd_net_filter_init(struct vz_ctx *ctx);

#endif
