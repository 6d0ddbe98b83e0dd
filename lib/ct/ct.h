/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container lifecycle: the operations behind vzctl's verbs. Each call runs in
 * a vzd worker process, takes the CT's lock where it changes the CT, and
 * reports progress through ctx->out in OpenVZ's words.
 */
#ifndef VZ_CT_H
#define VZ_CT_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf/config.h"
#include "core/ctx.h"
#include "core/error.h"
#include "res/ubc.h"

struct vz_ct_create_opts {
	const char *ostemplate; /* NULL: DEF_OSTEMPLATE */
	const char *config;	/* sample name (ve-NAME.conf-sample), NULL: CONFIGFILE */
	const char *hostname;
	const char *name;
	const char *description;
};

int vz_ct_create(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_create_opts *o,
		 vz_error_t *err);
int vz_ct_start(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
int vz_ct_stop(struct vz_ctx *ctx, const char *ctid, bool fast, vz_error_t *err);
int vz_ct_restart(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
int vz_ct_destroy(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);

/*
 * Clean up after a CT whose init has exited on its own (halt inside the CT,
 * OOM, crash): kill leftovers, remove cgroups, unmount, drop the state.
 * A no-op when the CT is running or already clean.
 */
int vz_ct_cleanup(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);

struct vz_ct_status {
	bool exist, mounted, running, suspended;
	pid_t pid;
	time_t started;
};

/*
 * Freeze every process of a running CT (OpenVZ's chkpnt --suspend) or thaw
 * it again (--resume), through the freezer cgroup (v1) or cgroup.freeze.
 */
int vz_ct_suspend(struct vz_ctx *ctx, const char *ctid, bool resume, vz_error_t *err);

int vz_ct_status(struct vz_ctx *ctx, const char *ctid, struct vz_ct_status *ret, vz_error_t *err);

/* One `vzctl set` change: key=value (value NULL removes the key). */
struct vz_ct_change {
	const char *key;
	const char *value;
};

struct vz_ct_set_opts {
	const struct vz_ct_change *changes;
	size_t n;
	bool save;
	/* OpenVZ's --applyconfig: the resource keys of this sample first, then changes. */
	const char *applyconfig;
};

/*
 * Apply changes: validated as a whole first (nothing changes on any error),
 * applied live to a running CT where that means something, and written to
 * the config when save is true.
 */
int vz_ct_set(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_set_opts *o,
	      vz_error_t *err);

struct vz_ct_exec_opts {
	char *const *argv; /* OpenVZ semantics: words joined and run by /bin/sh when needed */
	char *const *env;  /* extra KEY=value, e.g. TERM */
	int stdio[3];
	bool pty;
	int *ret_pty_master;
};

/* Start a command in the running CT; returns its pid (reap it with waitpid). */
int vz_ct_exec(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_exec_opts *o,
	       pid_t *ret_pid, vz_error_t *err);

/*
 * Build template NAME into the cache: busybox from the host's static
 * busybox, others with a recipe from <datadir>/templates (see
 * vz_template_build_recipe), the recipe's output going to ctx->out.
 */
int vz_ct_template_build(struct vz_ctx *ctx, const char *name, vz_error_t *err);

/* CTIDs that have a config, sorted numerically; NULL-terminated. */
char **vz_ct_list_ids(struct vz_ctx *ctx, vz_error_t *err);

/* The CT's config (VZ_E_NOCONFIG with "CT N does not exist" when missing). */
struct vz_config *vz_ct_load_config(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);

/*
 * The beancounters of a running CT (vzctl ubc): rows has vz_ubc_count()
 * entries; ret_st gets the raw counters too (OOM kills, CPU time).
 */
int vz_ct_ubc(struct vz_ctx *ctx, const char *ctid, struct vz_ubc_row *rows,
	      struct vz_cgroup_stats *ret_st, vz_error_t *err);
/* The same for a CT whose config and live state the caller has read already (vzlist). */
struct vz_state;
int vz_ct_ubc_of(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		 const struct vz_state *st, struct vz_ubc_row *rows, struct vz_cgroup_stats *ret_st,
		 vz_error_t *err);

/* Traffic of a running CT's routed interface; -ENODEV when it has none. */
struct vz_net_stats;
int vz_ct_net_stats(struct vz_ctx *ctx, const char *ctid, struct vz_net_stats *ret);

/* The addresses a running CT has now (heap string), or NULL when it has no network state. */
char *vz_ct_net_ips(struct vz_ctx *ctx, const char *ctid);

/* Number of processes in a running CT (0 when stopped). */
int vz_ct_count_procs(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);

#endif
