/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container: one object per operation, loaded once under the CT's lock,
 * and the operations behind vzctl's verbs, which take it. Each runs in a
 * vzd worker process and reports progress through ctx->out in OpenVZ's
 * words.
 *
 *	ct = vz_ct_open(ctx, "101", VZ_CT_LOCK, &err);
 *	vz_ct_start(ct, &err);
 *	vz_ct_close(ct);
 *
 * Everything an operation needs to know about the CT is in the object: its
 * paths, its saved config, what it has now (the state file: init, network,
 * applied limits), its cgroup and its storage. Operations that change a CT
 * refuse an object opened without the lock.
 */
#ifndef VZ_CT_H
#define VZ_CT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "conf/config.h"
#include "core/ctx.h"
#include "core/error.h"
#include "ct/state.h"
#include "res/ubc.h"
#include "storage/storage.h"

enum vz_ct_open_flags {
	VZ_CT_LOCK = 1 << 0,	   /* hold the CT's lock until close: needed for any change */
	VZ_CT_TRYLOCK = 1 << 1,	   /* with VZ_CT_LOCK: do not wait for another operation */
	VZ_CT_NEW = 1 << 2,	   /* the CT need not exist yet; no config is read (create) */
	VZ_CT_ANY_CONFIG = 1 << 3, /* a missing or bad config leaves cfg NULL (stop, status) */
	VZ_CT_NO_CONFIG = 1 << 4,  /* do not read the config (state only: vzd's bookkeeping) */
};

struct vz_ct {
	struct vz_ctx *ctx; /* borrowed */
	char *id;	    /* numeric CTID */
	struct {
		char *conf;    /* <root>/conf/CTID.conf */
		char *private; /* <root>/private/CTID */
		char *root;    /* <root>/root/CTID, the mount point while running */
		char *state;   /* <rundir>/CTID.state */
		char *dump;    /* <root>/dump/CTID, checkpoint images */
		char *lock;    /* <root>/lock/CTID.lck */
	} path;
	bool exists;	       /* the config file exists */
	struct vz_config *cfg; /* the saved config; see enum vz_ct_open_flags for NULL */
	struct vz_state state; /* what the CT has now */
	bool state_bad;	       /* the state file did not parse: it is stale */
	bool running;	       /* state.pid is the CT's init, alive */
	bool net_locked;       /* this object holds the CT's network lock (chkpnt.c) */
	int lock_fd;	       /* the lock, or -EBADF when opened without it */
	struct vz_cgroup *cg;  /* from vz_ct_cgroup() */
	struct vz_storage *storage;
};

/*
 * Load CT ctid (a numeric CTID; names are resolved by vz_ctid_resolve
 * first). Without VZ_CT_NEW a CT without a config is VZ_E_NOCONFIG ("CT N
 * does not exist"), and no lock file is made for it; without
 * VZ_CT_ANY_CONFIG a config that does not parse is its error. A state file
 * whose init is gone is stale (running false), never an error.
 */
struct vz_ct *vz_ct_open(struct vz_ctx *ctx, const char *ctid, unsigned flags, vz_error_t *err);
/* Release everything, the lock last. NULL is fine. */
void vz_ct_close(struct vz_ct *ct);
void vz_ct_closep(struct vz_ct **ct);
#define _cleanup_ct_ _cleanup_(vz_ct_closep)

/* The CT's cgroup handle (under the prefix it runs with, or the daemon's). */
struct vz_cgroup *vz_ct_cgroup(struct vz_ct *ct, vz_error_t *err);

/* The host uid of the CT's root (its UID_RANGE's base); -1 when it has none. */
int vz_ct_root_uid(const struct vz_ct *ct, uid_t *ret);

/* The CT's storage handle (VE_LAYOUT of its config). */
struct vz_storage *vz_ct_storage(struct vz_ct *ct, vz_error_t *err);

/* The CT's disk use and limits, from its mounted disk image (lib/ct/disk.c). */
struct vz_disk_usage;
int vz_ct_disk_usage(struct vz_ct *ct, struct vz_disk_usage *ret, vz_error_t *err);
/*
 * Soft disk limits: is the running CT above one while its grace period
 * runs (1; *since when it went above, *enforced once the grace ran out)?
 */
int vz_ct_disk_grace(const struct vz_ct *ct, time_t *since, bool *enforced);
/* Cheap, no lock: does the CT's soft-limit state need vz_ct_disk_watch now? */
bool vz_ct_disk_watch_needed(struct vz_ct *ct);
/* Under the lock: start, end or enforce the grace period as the use says. */
int vz_ct_disk_watch(struct vz_ct *ct, vz_error_t *err);

/*
 * An fd of a running CT's namespace nstype (CLONE_NEWNET, CLONE_NEWUTS,
 * CLONE_NEWNS...), opened through its init and checked to be the CT's
 * still: for lib/sandbox/ns.c's vz_ns_run and the network code.
 */
int vz_ct_open_ns(struct vz_ct *ct, int nstype, vz_error_t *err);

/* ---- lifecycle (lib/ct/lifecycle.c); each needs the lock ---- */

enum {
	VZ_START_SKIP_RESUME = 1 << 0, /* a suspended CT: discard its checkpoint, start afresh */
};
/* Start the CT; a suspended one (with a checkpoint) is restored from it instead. */
int vz_ct_start(struct vz_ct *ct, unsigned flags, vz_error_t *err);
int vz_ct_stop(struct vz_ct *ct, bool fast, vz_error_t *err);
/* The same; keep_mount (OpenVZ's --skip-umount) leaves the root mounted, no umount scripts run. */
int vz_ct_stop_mounted(struct vz_ct *ct, bool fast, bool keep_mount, vz_error_t *err);
int vz_ct_restart(struct vz_ct *ct, vz_error_t *err);

/*
 * Freeze every process of a running CT (OpenVZ's chkpnt --suspend) or thaw
 * it again (--resume), through the freezer cgroup (v1) or cgroup.freeze.
 */
int vz_ct_suspend(struct vz_ct *ct, bool resume, vz_error_t *err);

/* ---- a CT arriving from another host (lib/ct/incoming.c); each needs the lock ---- */

struct vz_ct_incoming {
	const char *uid_range; /* its UID_RANGE, "BASE:SIZE" */
	const char *layout;    /* its VE_LAYOUT; NULL: simfs */
	const char *lower;     /* overlay: the id of its template tree */
	uint64_t bytes;	       /* what its files take */
	uint64_t lower_bytes;  /* overlay: what its template tree takes */
	uint64_t disk_bytes;   /* its disk image's space limit; 0: no image */
	uint64_t disk_inodes;  /* its disk image's inode limit; 0: none */
	char *lower_stage;     /* set by the check: where the tree is to be copied, when
				  this host lacks it (the caller frees it) */
};

/*
 * Before anything is copied, on a CT opened new (VZ_CT_NEW | VZ_CT_LOCK):
 * no CT, private area or dump of that CTID here, a layout this host runs,
 * ids no CT here uses, and room for its files. An overlay CT whose
 * template tree this host lacks needs room for the tree too, and gets a
 * staging place for it, which adopt makes the host's (forget removes it).
 */
int vz_ct_incoming_check(struct vz_ct *ct, struct vz_ct_incoming *in, vz_error_t *err);
/* Its files are here: adopt its config (text), paths made this host's. */
int vz_ct_incoming_adopt(struct vz_ct *ct, const char *text, vz_error_t *err);
/* Forget a half-copied CT: stop it, remove its config, files and dump. */
int vz_ct_incoming_forget(struct vz_ct *ct, vz_error_t *err);

/* ---- checkpoints (lib/ct/chkpnt.c, through CRIU); each needs the lock ---- */

/*
 * Checkpoint the running CT into dumpfile (a directory that must not
 * exist; NULL: the CT's dump directory, which makes it "suspended") and
 * stop it. On failure the CT runs on as before (VZ_E_CHKPNT).
 */
int vz_ct_chkpnt(struct vz_ct *ct, const char *dumpfile, vz_error_t *err);
/*
 * Restore the stopped CT from dumpfile (NULL: its dump directory, removed
 * once the CT runs). On failure the dump is intact and the CT stopped
 * (VZ_E_RESTORE), with CRIU's reason and log.
 */
int vz_ct_restore(struct vz_ct *ct, const char *dumpfile, vz_error_t *err);
/*
 * Post-copy (see lib/criu/criu.h), the source's half: checkpoint the
 * running CT into dumpfile (as vz_ct_chkpnt, sealed) without its memory,
 * which CRIU serves over ps_socket while the CT stays frozen here. Then
 * vz_ct_chkpnt_lazy_end waits until every page was served: 0, and the CT
 * has stopped here; or the serving failed (or cut: the caller gives up
 * and cuts the stream) and the CT runs on here as before, its images
 * removed (-1, or 0 when cut). Either frees lo.
 */
struct vz_ct_lazy_out;
struct vz_ct_lazy_out *vz_ct_chkpnt_lazy(struct vz_ct *ct, const char *dumpfile, int ps_socket,
					 vz_error_t *err);
int vz_ct_chkpnt_lazy_end(struct vz_ct *ct, struct vz_ct_lazy_out *lo, bool cut, vz_error_t *err);
/*
 * Post-copy, the destination's half: restore the CT from its dump
 * directory, its memory fetched over ps_socket. Returns once every page
 * has arrived, with *ret (may be NULL): how long after the call the CT
 * ran, how long its memory took after that, and how much came.
 */
struct vz_ct_lazy_stats {
	double ran_s, pages_s;
	uint64_t bytes;
};
int vz_ct_restore_lazy(struct vz_ct *ct, int ps_socket, struct vz_ct_lazy_stats *ret,
		       vz_error_t *err);

/*
 * A post-copy restore of the CT began here and did not see all its pages
 * arrive: if it runs, it is an incomplete copy, not the CT.
 */
bool vz_ct_pages_pending(const struct vz_ct *ct);

/* The CT has a checkpoint in its dump directory: it is suspended. */
bool vz_ct_has_dump(const struct vz_ct *ct);

/*
 * Clean up after a CT whose init has exited on its own (halt inside the CT,
 * OOM, crash): kill leftovers, remove cgroups, network, unmount, drop the
 * state. A no-op when the CT is running or already clean. Takes the lock
 * itself, waiting out an operation that may be doing it already.
 */
int vz_ct_cleanup(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);

struct vz_ct_status {
	bool exist, mounted, running;
	bool suspended; /* frozen, or dumped: what OpenVZ's vzlist calls "suspended" */
	bool frozen;	/* running, every process frozen (chkpnt --suspend) */
	bool dumped;	/* stopped, with a checkpoint in its dump directory (vzctl suspend) */
	pid_t pid;
	time_t started;
};

/* Status from the object (cheap: a stopped CT costs no cgroup lookup). */
void vz_ct_status(struct vz_ct *ct, struct vz_ct_status *ret);

/* Number of processes in a running CT (0 when stopped). */
int vz_ct_count_procs(struct vz_ct *ct, vz_error_t *err);

/* ---- create and destroy (lib/ct/create.c) ---- */

struct vz_ct_create_opts {
	const char *ostemplate; /* NULL: DEF_OSTEMPLATE */
	const char *config;	/* sample name (ve-NAME.conf-sample), NULL: CONFIGFILE */
	const char *hostname;
	const char *name;
	const char *description;
	const char *layout;	/* VE_LAYOUT; NULL: the sample's, else vz.conf's, else simfs */
	const char *diskspace;	/* DISKSPACE; NULL: the sample's */
	const char *diskinodes; /* DISKINODES; NULL: the sample's */
};

/* ct opened with VZ_CT_NEW | VZ_CT_LOCK. */
int vz_ct_create(struct vz_ct *ct, const struct vz_ct_create_opts *o, vz_error_t *err);
int vz_ct_destroy(struct vz_ct *ct, vz_error_t *err);

/*
 * Remove the unpacked templates (<root>/template/unpacked) that no private
 * area is layered on and that are not the unpacking of a cached tarball
 * as it is now; takes the create lock. Destroy does it for overlay CTs.
 */
int vz_ct_sweep_lowers(struct vz_ctx *ctx, vz_error_t *err);

/*
 * Build template NAME into the cache: busybox from the host's static
 * busybox, others with a recipe from <datadir>/templates (see
 * vz_template_build_recipe), the recipe's output going to ctx->out.
 */
int vz_ct_template_build(struct vz_ctx *ctx, const char *name, vz_error_t *err);

/*
 * Download template NAME from server (NULL: vz.conf's TEMPLATE_SERVER)
 * into the cache (lib/template: vz_template_download), with progress;
 * *ret_name (may be NULL): its name in the cache.
 */
int vz_ct_template_download(struct vz_ctx *ctx, const char *name, const char *server,
			    char **ret_name, vz_error_t *err);

/* ---- set (lib/ct/set.c) ---- */

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
	/* --userpasswd USER:PASSWORD (user NULL: none); never saved in the config. */
	const char *user, *password;
};

/*
 * Apply changes: validated as a whole first (nothing changes on any error),
 * applied live to a running CT where that means something (recorded in its
 * state), and written to the config when save is true. A live change that
 * fails half way is undone back to what the CT had.
 */
int vz_ct_set(struct vz_ct *ct, const struct vz_ct_set_opts *o, vz_error_t *err);

/* ---- console (lib/ct/console.c) ---- */

/*
 * A connection to the running CT's console keeper (*ret_fd): bytes both
 * ways, the buffered output first. VZ_E_NOT_RUNNING when it is stopped.
 */
int vz_ct_console_connect(struct vz_ct *ct, int *ret_fd, vz_error_t *err);

/* ---- exec (lib/ct/exec.c) ---- */

struct vz_ct_exec_opts {
	char *const *argv; /* OpenVZ semantics: words joined and run by /bin/sh when needed */
	bool raw_argv;	   /* argv as it is: argv[0] a program, the rest its arguments */
	char *const *env;  /* extra KEY=value, e.g. TERM */
	int stdio[3];
	bool pty;
	int *ret_pty_master;
};

/* Start a command in the running CT; returns its pid (reap it with waitpid). */
int vz_ct_exec(struct vz_ct *ct, const struct vz_ct_exec_opts *o, pid_t *ret_pid, vz_error_t *err);

/* ---- mount, umount, runscript (lib/ct/lifecycle.c) ---- */

/*
 * OpenVZ's vzctl mount: mount the stopped CT's private area on its root
 * and run the mount scripts (vps.mount, CTID.mount). Already mounted is
 * fine; a running CT is VZ_E_RUNNING. Needs the lock.
 */
int vz_ct_mount(struct vz_ct *ct, vz_error_t *err);
/*
 * vzctl umount: the umount scripts (CTID.umount, vps.umount), then unmount
 * the stopped CT's root. VZ_E_RUNNING, VZ_E_NOT_MOUNTED; a failing script
 * keeps it mounted (VZ_E_ACTIONSCRIPT). Needs the lock.
 */
int vz_ct_umount(struct vz_ct *ct, vz_error_t *err);

struct vz_ct_runscript_opts {
	const char *text; /* the script, run with /bin/sh -c */
	const char *name; /* its $0 */
	int stdio[3];
};

struct vz_ct_runscript {
	pid_t pid;	  /* the script's, a child of the caller: reap it, then call _end */
	bool started;	  /* the CT was stopped and runs only for the script */
	bool was_mounted; /* ... and was mounted before */
};

/*
 * OpenVZ's runscript: the script inside the CT as CT root. In a running
 * CT it runs beside its processes, as vzctl exec would (no lock needed).
 * A stopped CT (opened with its lock) is started with the script in place
 * of its init: mounted, its cgroups, limits and network set up as for a
 * start; when the script ends, the CT ends with it.
 */
int vz_ct_runscript(struct vz_ct *ct, const struct vz_ct_runscript_opts *o,
		    struct vz_ct_runscript *ret, vz_error_t *err);
/* After the script was reaped: undo what the start did; unmount unless it was mounted before. */
int vz_ct_runscript_end(struct vz_ct *ct, const struct vz_ct_runscript *run, vz_error_t *err);

/* ---- what a running CT has (lib/ct/res.c, lib/ct/net.c) ---- */

/*
 * The beancounters of a CT (vzctl ubc): rows has vz_ubc_count() entries;
 * ret_st gets the raw counters too (OOM kills, CPU time). VZ_E_NOT_RUNNING
 * for a stopped CT.
 */
int vz_ct_ubc(struct vz_ct *ct, struct vz_ubc_row *rows, struct vz_cgroup_stats *ret_st,
	      vz_error_t *err);

/* Traffic of a CT's routed interface. */
struct vz_ct_traffic {
	bool have; /* false: stopped, or no routed interface */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
};
int vz_ct_traffic(struct vz_ct *ct, struct vz_ct_traffic *ret, vz_error_t *err);

/* The addresses the CT has now (running) or is configured with (stopped); borrowed. */
const char *vz_ct_ips(const struct vz_ct *ct);

#endif
