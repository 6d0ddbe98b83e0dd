/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context: everything a lib call needs to know about the host it runs
 * on (root directory, run directory, cgroup prefix, id ranges) plus the
 * output callback. No global state lives anywhere else (DESIGN.md).
 */
#ifndef VZ_CTX_H
#define VZ_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/config.h"
#include "core/error.h"

#define VZ_DEFAULT_ROOT "/var/lib/vz"
#define VZ_DEFAULT_RUNDIR "/run/vz"
#define VZ_DEFAULT_SOCKET "/run/vz/vzd.sock"
#define VZ_DEFAULT_CONFIG "/etc/vz/vz.conf"
#define VZ_DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"
#define VZ_DEFAULT_CGROUP_PREFIX "vz"
#define VZ_DEFAULT_UID_START 1073741824u /* 2^30: far above distributions' subuid ranges */
#define VZ_DEFAULT_UID_SIZE 65536u
#define VZ_DEFAULT_STOP_TIMEOUT 60
#define VZ_DEFAULT_SCRIPT_TIMEOUT 300
#define VZ_DEFAULT_OSTEMPLATE "busybox"

enum vz_out_level {
	VZ_OUT_INFO,	/* OpenVZ's progress lines: "Starting container..." */
	VZ_OUT_WARNING, /* something the operator should know; not fatal */
	VZ_OUT_DEBUG,
	VZ_OUT_SCRIPT, /* a line an action script printed: progress, and the daemon's log */
	_VZ_OUT_LEVEL_MAX,
};

typedef void (*vz_output_fn)(void *data, enum vz_out_level level, const char *msg);
/*
 * A machine-readable event (e.g. a migration's progress): name and
 * key/value pairs, kv[0] kv[1] ... NULL; a value that is a whole number
 * is one.
 */
typedef void (*vz_event_fn)(void *data, const char *name, char *const *kv);

/*
 * Anti-spoofing filter of the CTs' host interfaces, provided by the program
 * that uses lib (vzd: nftables). Absent: CTs run unfiltered.
 */
struct vz_net_filter {
	/*
	 * Let through host_if (the host end of a CT's interface) only packets
	 * and ARP from addrs (IP_ADDRESS words) and the link-local addresses
	 * neighbour discovery needs, and with mac given only frames from that
	 * MAC; with addrs NULL (a bridged interface without allowed addresses)
	 * any source. Either way, drop what only a router or a DHCP server
	 * sends (router advertisements, redirects, queries, DHCP replies).
	 * Replaces what the filter named key ("CTID" for the routed interface,
	 * "CTID.IFNAME" for a bridged one) had.
	 */
	int (*allow)(void *data, const char *key, const char *host_if, char *const *addrs,
		     const char *mac, vz_error_t *err);
	/* Remove filter key; a missing one is fine. */
	int (*remove)(void *data, const char *key, vz_error_t *err);
	/*
	 * The network lock of a checkpoint: with on, drop every packet the
	 * host would send out of host_ifs (a CT's host ends, which need not
	 * exist yet), routed, bridged or from the host itself, so that no
	 * peer's packet reaches a CT whose sockets are not there (the kernel
	 * would answer with a reset); peers retransmit once it is off.
	 * Replaces what lock ctid had; off removes it (a missing one is fine).
	 */
	int (*lock)(void *data, const char *ctid, char *const *host_ifs, bool on, vz_error_t *err);
	void *data;
};

struct vz_ctx {
	char *root;	     /* <root>/{conf,private,root,template,dump,lock} */
	char *rundir;	     /* <rundir>/CTID.state */
	char *cgroup_root;   /* /sys/fs/cgroup */
	char *cgroup_prefix; /* "vz": groups are <prefix>/<ctid> */
	char *datadir;	     /* installed templates and samples, or NULL */
	uint32_t uid_start;  /* first host uid handed to CTs */
	uint32_t uid_size;   /* ids per CT */
	unsigned stop_timeout;
	unsigned script_timeout; /* ACTION_SCRIPT_TIMEOUT: seconds an action script may run */
	char *def_ostemplate;
	char *def_config;	  /* sample name used by create without --config */
	char *vzd_group;	  /* VZD_GROUP: members may talk to vzd, or NULL */
	char *neighbour_devs;	  /* NEIGHBOUR_DEVS: uplinks that answer ARP/NDP for CTs */
	char *template_server;	  /* TEMPLATE_SERVER: image server to download templates from */
	char *template_server_ca; /* TEMPLATE_SERVER_CA: its CA bundle, or NULL */
	char *def_layout;	  /* VE_LAYOUT: layout of new CTs, or NULL (simfs) */
	char *def_cgroup_view;	  /* CGROUP_VIEW: auto, hybrid or unified; NULL: auto */
	int seccomp_fd;		  /* CT seccomp filter compiled once by vzd, or -1 */
	int seccomp_io_uring_fd;  /* the same letting io_uring through (FEATURES), or -1 */
	int sysinfo_fd;	    /* its sysinfo filter (seccomp.h), or -1: sysinfo is the kernel's */
	char *sysinfo_sock; /* with sysinfo_fd: vzd's socket for the filter's listeners */
	vz_output_fn out;
	vz_event_fn event; /* or NULL; gets out_data too */
	void *out_data;
	const struct vz_net_filter *net_filter; /* or NULL */
};

/* A context with defaults, overridden by vz.conf at path (missing file is fine). */
struct vz_ctx *vz_ctx_new(const char *root, const char *rundir, const char *global_config,
			  vz_error_t *err);
void vz_ctx_free(struct vz_ctx *ctx);
void vz_ctx_freep(struct vz_ctx **ctx);
#define _cleanup_ctx_ _cleanup_(vz_ctx_freep)

/*
 * A 64-bit tag of this daemon's root: names of host-side objects (links,
 * netfilter tables) carry it, so that two daemons on one host never share one.
 */
uint64_t vz_ctx_tag(const struct vz_ctx *ctx);

/* Create the directory layout under root and rundir. */
int vz_ctx_prepare(struct vz_ctx *ctx, vz_error_t *err);

void vz_info(struct vz_ctx *ctx, const char *fmt, ...) VZ_PRINTF(2, 3);
void vz_warn(struct vz_ctx *ctx, const char *fmt, ...) VZ_PRINTF(2, 3);
/* Emit event name with the key/value strings that follow, up to a NULL key. */
void vz_event(struct vz_ctx *ctx, const char *name, ...) __attribute__((sentinel));

/* The template cache, <root>/template/cache (heap string); a CT's paths are in struct vz_ct. */
char *vz_path_cache(const struct vz_ctx *ctx);

/* <root>/template/unpacked: the unpacked templates overlay CTs share. */
char *vz_path_unpacked(const struct vz_ctx *ctx);

#endif
