/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the lib/ct modules share; not part of the API. Layers, each using
 * only those below it:
 *
 *	create.c                      create, destroy
 *	lifecycle.c  set.c  exec.c    start/stop/cleanup, set, exec
 *	userpasswd.c                  --userpasswd (passwd.c: the account files' text)
 *	chkpnt.c                      checkpoint and restore (lib/criu)
 *	run.c                         what start and restore share
 *	console.c  consoled.c         the console pty and its keeper process
 *	scripts.c                     OpenVZ's action scripts (CTID.mount ...)
 *	net.c  res.c  files.c  disk.c apply network, resources, files, disk limits
 *	                              (distro.c, netfiles.c: the distribution's files)
 *	dumpdir.c                     a checkpoint's manifest
 *	netconf.c                     network keys of a config: edits and checks
 *	ct.c                          the object: paths, lock, config, state
 *	ctid.c  state.c  lock.c  ctfile.c
 */
#ifndef VZ_CT_INTERNAL_H
#define VZ_CT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ct/ct.h"
#include "sandbox/spawn.h"

/* ---- ct.c ---- */

/* The CT was opened with its lock (every change needs it). */
int ct_require_lock(const struct vz_ct *ct, vz_error_t *err);
/* The CT has a config that loaded (VZ_E_NOCONFIG otherwise). */
int ct_require_config(const struct vz_ct *ct, vz_error_t *err);
/* The id range: the one a running CT started with, else the config's. */
int ct_uid_range(const struct vz_ct *ct, uint32_t *base, uint32_t *size, vz_error_t *err);
/* "BASE:SIZE"; -1 when malformed. */
int vz_parse_uid_range(const char *v, uint32_t *base, uint32_t *size);
/* Write ct->state to its file. */
int ct_save_state(struct vz_ct *ct, vz_error_t *err);
/* What confines every process vz starts in the CT: capabilities, seccomp filters. */
struct vz_spawn_confine ct_confine(const struct vz_ct *ct);

/* ---- disk.c ---- */

/*
 * Bring the CT's disk image in line with cfg's DISKSPACE and DISKINODES
 * when the changes c name them; VZ_E_DQ_SET, changing nothing, below use.
 */
int ct_disk_apply(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		  size_t n, vz_error_t *err);
/* A set failed after ct_disk_apply: the image's limits back to before (best effort). */
struct vz_disk_limits;
void ct_disk_undo(struct vz_ct *ct, const struct vz_disk_limits *before,
		  const struct vz_ct_change *c, size_t n);
/* The CT stopped: forget its grace period, its hard limits back on a mounted image. */
void ct_disk_end_grace(struct vz_ct *ct);

/* ---- files.c ---- */

/*
 * Bring the files vz keeps inside the CT (/etc/hostname, /etc/resolv.conf,
 * vz's /etc/hosts line) in line with cfg; the CT's root must be mounted.
 */
int ct_write_files(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err);

/* ---- console.c, consoled.c: the console's pty and its keeper ---- */

struct ct_console {
	int master, slave;
	char path[32];	 /* the slave: /dev/pts/N of the host */
	char tty_id[64]; /* RDEV:DEV in hex, CRIU's name of the slave */
};

/* A new console pty, the slave CT root's; master and slave stay open here. */
int ct_console_make(struct vz_ct *ct, struct ct_console *c, vz_error_t *err);
/*
 * Hand the console of init (which runs now, on the slave) to a keeper and
 * record its tty id in ct->state; c is closed here. A CT whose console
 * cannot be kept runs on without one, with a warning.
 */
void ct_console_keep(struct vz_ct *ct, struct ct_console *c, pid_t init);
/* Is id a tty id as ct_console_make writes them (a dump's is input)? */
bool ct_console_id_valid(const char *id);
void ct_console_close(struct ct_console *c);
/* <rundir>/CTID.console, where the keeper listens. */
char *ct_console_socket(const struct vz_ct *ct);
/* Fork the keeper: it serves path and ends with pidfd's process. */
int ct_consoled_start(const char *ctid, const char *path, int master, int slave, int pidfd,
		      vz_error_t *err);

/* ---- userpasswd.c ---- */

/*
 * Set user's password in the CT (mounting a stopped one for it), making
 * the user when it does not exist.
 */
int ct_userpasswd(struct vz_ct *ct, const char *user, const char *password, vz_error_t *err);

/* ---- netconf.c: the network keys of a config ---- */

/* Names of the CT's host-side objects: host end, a bridged end, the alias marking them. */
void ct_net_host_if(const struct vz_ct *ct, char out[16]);
char *ct_net_link_alias(const struct vz_ct *ct);
/* vzctl's --netif_add, --netif_del, --ifname with --mac/--host_ifname/--host_mac/--bridge. */
bool ct_net_is_netif_op(const char *key);
/* Apply one of them to NETIF of cfg; selected carries --ifname to the options after it. */
int ct_net_netif_op(struct vz_ct *ct, struct vz_config *cfg, const char *key, const char *value,
		    char *selected, vz_error_t *err);
/* Fill what the operator left out of a bridged interface: host name, MACs. */
struct vz_netif;
struct vz_netifs;
int ct_net_netif_defaults(struct vz_ct *ct, struct vz_netifs *l, struct vz_netif *v,
			  vz_error_t *err);
/* NETIF of cfg: bridges that exist, host ends no other CT of this root claims. */
int ct_net_check_netifs(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err);
/* Apply --ipadd ADDR / --ipdel ADDR|all (op "IPADD"/"IPDEL") to IP_ADDRESS of cfg. */
int ct_net_ip_op(struct vz_config *cfg, const char *op, const char *value, vz_error_t *err);
/*
 * An --ipdel the config refused (err) of an address the running CT has only
 * live (an unsaved --ipadd): true, and err released, when that is the case.
 */
bool ct_net_live_only(struct vz_ct *ct, const char *op, const char *value, vz_error_t *err);
/* IP_ADDRESS of cfg: no address twice, none that another CT of this root has. */
int ct_net_check_addrs(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err);
/* Does c touch the network (addresses or interfaces)? */
bool ct_net_changes(const struct vz_ct_change *c, size_t n);
/* IP_ADDRESS, --ipadd, --ipdel. */
bool ct_net_is_ip_key(const char *key);
/* NETIF and the interface ops. */
bool ct_net_is_netif_key(const char *key);

/* ---- net.c: the network applied ---- */

/*
 * Set up the CT's network from its config (init is pid, not yet running its
 * program): recorded in ct->state (and saved) before anything is made, so
 * that a failure half way and ct_net_stop undo exactly that.
 */
int ct_net_start(struct vz_ct *ct, pid_t pid, vz_error_t *err);
/*
 * The same for a CRIU restore: the host side made and recorded, each CT end
 * left on the host for CRIU to move in; *ret_external gets CRIU's
 * --external netdev[CTNAME]:TMPNAME value for each.
 */
int ct_net_stage(struct vz_ct *ct, char ***ret_external, vz_error_t *err);
/*
 * The network lock around a checkpoint or restore (ctx->net_filter): on
 * drops what the host would send to the CT's host ends, as its state has
 * them, or before a restore as its config will make them.
 */
int ct_net_lock(struct vz_ct *ct, bool on, vz_error_t *err);
/* Announce the CT's routed addresses on the uplinks that proxy for them (vz_net_announce). */
void ct_net_announce(struct vz_ct *ct);
/* Remove what the CT's state says it has; the state keeps the rest. */
int ct_net_stop(struct vz_ct *ct, vz_error_t *err);
/*
 * Apply the network changes among c to a running CT: IPADD/IPDEL/IP_ADDRESS
 * act on the addresses it has now, the interface changes bring its veths to
 * what they ask for; the state records the result.
 */
int ct_net_set_live(struct vz_ct *ct, const struct vz_ct_change *c, size_t n, vz_error_t *err);

/* ---- res.c: resources applied ---- */

/*
 * Apply the resource keys of ct->cfg and the allow-list of devs (its
 * ct_devices) to its new cgroup cg and the per-process rlimits to the
 * caller (init inherits them); the applied keys go into ct->state. What
 * the host cannot enforce is dropped with a warning.
 */
struct vz_ct_devices;
int ct_res_start(struct vz_ct *ct, struct vz_cgroup *cg, const struct vz_ct_devices *devs,
		 vz_error_t *err);
/*
 * The devices of a CT with cfg (lib/res/devices.h), DEVNODES resolved on
 * this host: once per start or restore, for its allow-list and its /dev.
 */
int ct_devices(const struct vz_config *cfg, struct vz_ct_devices *ret, vz_error_t *err);
/* The prefix's CPU weight after a CT's came or went (cgroup.h sync_weight); warns on failure. */
void ct_res_sync_weight(struct vz_ct *ct, struct vz_cgroup *cg);
/*
 * Apply the resource keys among c, with the values cfg has, to the running
 * CT; recorded in ct->state on success.
 */
int ct_res_set_live(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		    size_t n, vz_error_t *err);
/* The values the CT has now (ct->state) of the resource keys among c. */
struct vz_config *ct_res_snapshot(const struct vz_ct *ct, const struct vz_ct_change *c, size_t n);
/* Put the resource keys among c back to their values in before (a snapshot), live and in the state.
 */
void ct_res_undo_live(struct vz_ct *ct, const struct vz_config *before,
		      const struct vz_ct_change *c, size_t n);
/*
 * Give the caller the beancounter rlimits process from has (the CT's init:
 * what the CT has now, live changes included), for a command it will start.
 */
void ct_res_copy_rlimits(pid_t from);
/* numpty as the CT's devpts max=; -1 for no cap. */
int ct_res_pty_max(const struct vz_config *cfg);

/*
 * Whether the CT gets the hybrid view of the cgroups at /sys/fs/cgroup
 * (lib/ct/cgview.c): on a v1 or hybrid host, as CGROUP_VIEW (the CT's,
 * else vz.conf's) says; "auto" (the default) unless its systemd refuses
 * hybrid hierarchies (256 and later). Never on a cgroup2-only host.
 */
bool ct_cgroup_hybrid(struct vz_ct *ct, struct vz_cgroup *cg);
/* Bytes of the CT's /dev/shm for cfg's RAM limit (vz_tmpfs_size). */
uint64_t ct_res_shm_size(const struct vz_config *cfg);
/* Warn about the beancounters among changes that this kernel cannot enforce. */
void ct_res_warn(struct vz_ctx *ctx, const struct vz_ct_change *c, size_t n);

/* ---- scripts.c: OpenVZ's action scripts in <root>/conf ---- */

enum ct_action {
	CT_ACTION_MOUNT,  /* host: vps.mount, then CTID.mount, after the root is mounted */
	CT_ACTION_UMOUNT, /* host: CTID.umount, then vps.umount, before it is unmounted */
	CT_ACTION_START,  /* in the CT: CTID.start, once its init runs */
	CT_ACTION_STOP,	  /* in the CT: CTID.stop, before it is stopped */
	_CT_ACTION_MAX,
};

/*
 * Run the scripts of action a that exist, in OpenVZ's order, each waited
 * for (at most ctx->script_timeout). The first that fails, or that is not
 * safe to run (see ct_script_check), is the error, VZ_E_ACTIONSCRIPT.
 */
int ct_action_script(struct vz_ct *ct, enum ct_action a, vz_error_t *err);
/* <root>/conf/PREFIX.SUFFIX; prefix NULL: the CTID. */
char *ct_script_path(const struct vz_ct *ct, const char *prefix, const char *suffix);
/*
 * Is the script at path safe to run as root: a regular file owned by root
 * that no one else may write (and executable, with need_exec)? 0 yes, 1 it
 * does not exist, < 0 no (err, VZ_E_ACTIONSCRIPT).
 */
int ct_script_check(const char *path, bool need_exec, vz_error_t *err);
/* The text of a script, at most what one sh -c argument may hold. */
int ct_script_read(const char *path, char **ret, vz_error_t *err);

/* ---- chkpnt.c ---- */

/* Mark (on) or unmark the CT as a post-copy restore still missing pages. */
int ct_mark_pages_pending(struct vz_ct *ct, bool on, vz_error_t *err);

/* ---- dumpdir.c: a checkpoint's manifest ---- */

/* Seal the images in dir: a manifest naming the CT, its live settings and each image's size. */
int ct_dump_seal(struct vz_ct *ct, const char *dir, vz_error_t *err);
/* dir holds a sealed dump (of any CT). */
bool ct_dump_exists(const char *dir);
/*
 * Check the dump in dir before anything reads it: sealed, of this CT,
 * every image there at its size. Returns the settings it recorded.
 */
struct vz_config *ct_dump_check(struct vz_ct *ct, const char *dir, vz_error_t *err);

/* ---- run.c: what start and restore share ---- */

/* Mount the CT's root unless it is; unmount it unless it is not. */
int ct_mount(struct vz_ct *ct, vz_error_t *err);
int ct_umount(struct vz_ct *ct, vz_error_t *err);
/* The first state, saved: the daemon's cgroup prefix, the id range, no init yet. */
int ct_begin_state(struct vz_ct *ct, vz_error_t *err);
/* init (pid, a child of ours or of our subreaper) runs: record it, ct->running. */
int ct_record_init(struct vz_ct *ct, pid_t pid, vz_error_t *err);
/* A fresh directory for a restore's staged /dev (see run.c); ct_unstage removes it. */
char *ct_stage_dir(struct vz_ct *ct, vz_error_t *err);
/*
 * The CT's directory of the /proc view (src) bound beside the staged /dev,
 * where CRIU, become CT root, can reach it; ct_unstage removes it too.
 */
char *ct_stage_view(struct vz_ct *ct, const char *src, vz_error_t *err);
void ct_unstage(struct vz_ct *ct);
/*
 * Undo everything a CT whose init is gone left: cgroups, network, mount,
 * state. When an umount script fails, the rest is undone and the root
 * stays mounted: VZ_E_ACTIONSCRIPT.
 */
int ct_cleanup_locked(struct vz_ct *ct, vz_error_t *err);
/* The same, the root left mounted (a runscript on a CT that was mounted before). */
int ct_cleanup_keep_mount(struct vz_ct *ct, vz_error_t *err);

#endif
