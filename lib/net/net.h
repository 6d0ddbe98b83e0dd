/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CT networking through libnl-route-3 (never by running ip(8)).
 *
 * Routed mode (OpenVZ's venet): a veth pair per CT, the host end named by
 * the daemon (unique per daemon and CT), the CT end "venet0" inside. The CT
 * end carries exactly the CT's addresses (/32 and /128) and default routes
 * through a link-local gateway that every host end holds (169.254.0.1 and
 * fe80::1), so no ARP or NDP proxying is needed between host and CT. The
 * host routes each address to its host end, and answers ARP/NDP for it on
 * the uplinks named in NEIGHBOUR_DEVS (proxy neighbour entries).
 *
 * Every function here works in the calling process's network namespace for
 * host-side objects, and in a forked child that has joined the CT's network
 * namespace for the CT side.
 */
#ifndef VZ_NET_H
#define VZ_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

#define VZ_NET_CT_IF "venet0"
#define VZ_NET_GW4 "169.254.0.1"
#define VZ_NET_GW6 "fe80::1"

/* One CT's routed interface. */
struct vz_net_routed {
	pid_t init_pid;		 /* the CT's init: its network namespace */
	char host_if[IFNAMSIZ];	 /* host end */
	const char *alias;	 /* written to the host end: marks it as ours */
	char *const *addrs;	 /* IP_ADDRESS words ("198.51.100.2", "2001:db8::2/64") */
	char *const *neigh_devs; /* host uplinks that answer ARP/NDP for them */
};

/* Is s a valid IPv4/IPv6 address with an optional /prefix? Sets *v6. */
bool vz_net_addr_valid(const char *s, bool *v6);
/* Do a and b name the same address (prefixes and spelling aside)? */
bool vz_net_addr_equal(const char *a, const char *b);

/*
 * Create the pair (the CT end straight in the CT's namespace) and configure
 * both ends, the host routes and the neighbour proxies. On failure whatever
 * was made is removed again.
 */
int vz_net_routed_start(const struct vz_net_routed *r, vz_error_t *err);

/*
 * Bring a running CT's routed interface from the addresses old to r->addrs:
 * added ones get CT address, host route and proxies, removed ones lose them.
 * Creates the pair when the CT had none.
 */
int vz_net_routed_update(const struct vz_net_routed *r, char *const *old, vz_error_t *err);

/*
 * Remove the neighbour proxies of r->addrs and the host end (its routes and
 * the CT end go with it). A host end that is missing is fine; one that does
 * not carry r->alias is not ours and is left alone (VZ_E_SYSTEM).
 */
int vz_net_routed_stop(const struct vz_net_routed *r, vz_error_t *err);

/* Traffic of a CT as seen on its host end (in = to the CT). */
struct vz_net_stats {
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
};

/* 0 and the counters, -ENODEV when the link does not exist, or -errno. */
int vz_net_link_stats(const char *host_if, struct vz_net_stats *ret);

/* Does a link of that name exist in the caller's namespace? */
bool vz_net_link_exists(const char *name);
/* Is name a bridge in the caller's namespace? */
bool vz_net_is_bridge(const char *name);

/* A bridged interface (OpenVZ's veth): a pair whose host end joins a bridge. */
struct vz_net_veth {
	pid_t init_pid;
	const char *ifname, *mac;	    /* the CT end */
	const char *host_ifname, *host_mac; /* the host end */
	const char *bridge;		    /* or NULL / "" */
	const char *alias;		    /* marks the host end as ours */
};

/* Create the pair, both ends up, the host end in its bridge; undone on failure. */
int vz_net_veth_add(const struct vz_net_veth *v, vz_error_t *err);
/* Remove the host end when it is ours (the CT end goes with it); a missing one is fine. */
int vz_net_veth_del(const char *host_ifname, const char *alias, vz_error_t *err);

#endif
