/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the ct*.c files; not part of the API. */
#ifndef VZ_CT_INTERNAL_H
#define VZ_CT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "conf/config.h"
#include "core/ctx.h"
#include "core/error.h"

int ct_parse_uid_range(const struct vz_config *cfg, uint32_t *base, uint32_t *size);
struct vz_cgroup *ct_cgroup(struct vz_ctx *ctx, const char *ctid, const char *prefix,
			    vz_error_t *err);
bool ct_is_mounted(struct vz_ctx *ctx, const char *ctid);
int ct_umount(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
/* Take the CT's lock (VZ_E_NOCONFIG for a CT that does not exist); returns its fd. */
int ct_lock(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
/*
 * Take the CT's lock and read its config under it; returns the lock fd.
 * A CT that does not exist is refused (VZ_E_NOCONFIG) without a lock file.
 */
int ct_lock_and_load(struct vz_ctx *ctx, const char *ctid, struct vz_config **ret_cfg,
		     vz_error_t *err);
/*
 * Bring the files vz keeps inside the CT (/etc/hostname, /etc/resolv.conf)
 * in line with cfg; the CT's root must be mounted.
 */
int ct_write_files(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		   vz_error_t *err);
int ct_cleanup_locked(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
int ct_check_name_free(struct vz_ctx *ctx, const char *name, const char *self, vz_error_t *err);
void ct_strv_free(char **v);
/* Sample config ve-NAME.conf-sample (conf dir, then data dir); NULL name: empty. */
struct vz_config *ct_load_sample(struct vz_ctx *ctx, const char *name, vz_error_t *err);

/* Network (ct-net.c). */
/* Set up the CT's routed interface for IP_ADDRESS of cfg; init is pid. */
int ct_net_start(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg, pid_t pid,
		 vz_error_t *err);
/* Remove what ct_net_start or a live change made (per the CT's net state). */
int ct_net_stop(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);
struct vz_state;
struct vz_ct_change;
/*
 * Apply the network changes among c to a running CT: IPADD/IPDEL/IP_ADDRESS
 * act on the addresses it has now, the interface changes bring its veths to
 * NETIF of cfg.
 */
int ct_net_set_live(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st,
		    const struct vz_config *cfg, const struct vz_ct_change *c, size_t n,
		    vz_error_t *err);
/* Does c touch the network (addresses or interfaces)? */
bool ct_net_changes(const struct vz_ct_change *c, size_t n);
/* vzctl's --netif_add, --netif_del, --ifname with --mac/--host_ifname/--host_mac/--bridge. */
bool ct_net_is_netif_op(const char *key);
/* Apply one of them to NETIF of cfg; selected carries --ifname to the options after it. */
int ct_net_netif_op(struct vz_ctx *ctx, const char *ctid, struct vz_config *cfg, const char *key,
		    const char *value, char *selected, vz_error_t *err);
/* NETIF of cfg: every bridge it names exists. */
int ct_net_check_netifs(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
			vz_error_t *err);
/* Apply --ipadd ADDR / --ipdel ADDR|all (op "IPADD"/"IPDEL") to IP_ADDRESS of cfg. */
int ct_net_ip_op(struct vz_config *cfg, const char *op, const char *value, vz_error_t *err);
/*
 * An --ipdel the config refused (err) of an address the running CT has only
 * live (an unsaved --ipadd): true, and err released, when that is the case.
 */
bool ct_net_live_only(struct vz_ctx *ctx, const char *ctid, const char *op, const char *value,
		      vz_error_t *err);
/* IP_ADDRESS of cfg: no address twice, none that another CT of this root has. */
int ct_net_check_addrs(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		       vz_error_t *err);

/* Resources (ct-res.c). */
struct vz_state;
struct vz_ct_change;
/*
 * Write the cgroup limits of cfg named by mask (enum vz_cg_res bits) to the
 * CT's existing group; what this host cannot enforce is dropped with a warning.
 */
/* The prefix's CPU weight after a CT's came or went (cgroup.h sync_weight); warns on failure. */
void ct_res_sync_weight(struct vz_ctx *ctx, struct vz_cgroup *cg);
int ct_res_apply(struct vz_ctx *ctx, const char *ctid, struct vz_cgroup *cg,
		 const struct vz_config *cfg, unsigned mask, vz_error_t *err);
/*
 * Set the rlimits of the beancounters that map to one (numfile,
 * lockedpages, numsiginfo) on pid (0: the caller, whose children inherit
 * them); only_set skips the keys cfg leaves unset.
 */
int ct_res_rlimits(struct vz_ctx *ctx, const struct vz_config *cfg, pid_t pid, bool only_set,
		   vz_error_t *err);
bool ct_res_changes_rlimits(const char *key);
/*
 * Give the caller the beancounter rlimits process from has (the CT's init:
 * what the CT has now, live changes included), for a command it will start.
 */
int ct_res_copy_rlimits(pid_t from);
/* numpty as the CT's devpts max=; -1 for no cap. */
int ct_res_pty_max(const struct vz_config *cfg);
/* Warn about the beancounters among changes that this kernel cannot enforce. */
void ct_res_warn(struct vz_ctx *ctx, const struct vz_ct_change *c, size_t n);
/* Apply the resource keys among changes to a running CT (cfg already has them). */
int ct_res_set_live(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st,
		    const struct vz_config *cfg, const struct vz_ct_change *c, size_t n,
		    vz_error_t *err);

#endif
