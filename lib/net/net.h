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
 * A CT's interface is made in four steps, each usable on its own (a CRIU
 * restore makes the pair on the host and hands the CT end to CRIU, which
 * cannot create a veth inside a user namespace):
 *   1. vz_net_pair_add: the pair on the host, both ends in the caller's
 *      namespace, the CT end under a temporary name, both carrying our alias;
 *   2. vz_net_link_move: the CT end into the CT's network namespace, given
 *      by an fd, renamed to its CT name;
 *   3. vz_net_ct_configure: addresses, routes and links up inside that
 *      namespace, from a forked child that joined it (never a setns here);
 *   4. vz_net_host_end_up, vz_net_host_routes_add: the host end, its
 *      gateways or bridge, host routes and neighbour proxies.
 * vz_net_routed_start/update and vz_net_veth_add run them in order and
 * remove what they made when a step fails. Host-side objects are made in
 * the calling process's network namespace.
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
	int netns_fd;		 /* the CT's network namespace (vz_ns_open); -1 to stop */
	char host_if[IFNAMSIZ];	 /* host end */
	const char *alias;	 /* written to the host end: marks it as ours */
	char *const *addrs;	 /* IP_ADDRESS words ("198.51.100.2", "2001:db8::2/64") */
	char *const *neigh_devs; /* host uplinks that answer ARP/NDP for them */
	char *staged_ct_end;	 /* start with netns_fd < 0: the CT end stays in the
				    caller's namespace under the name written here
				    (IFNAMSIZ), unconfigured, for CRIU to move in */
};

/* Is s a valid IPv4/IPv6 address with an optional /prefix? Sets *v6. */
bool vz_net_addr_valid(const char *s, bool *v6);
/* Do a and b name the same address (prefixes and spelling aside)? */
bool vz_net_addr_equal(const char *a, const char *b);

/*
 * Create the pair and configure both ends, the host routes and the
 * neighbour proxies (steps 1 to 4). A host end r->host_if left over with
 * r->alias is replaced first; one without it is refused. On failure
 * whatever was made is removed again.
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
	int netns_fd;			    /* the CT's network namespace (vz_ns_open) */
	const char *ifname, *mac;	    /* the CT end */
	const char *host_ifname, *host_mac; /* the host end */
	const char *bridge;		    /* or NULL / "" */
	const char *alias;		    /* marks the host end as ours */
	char *staged_ct_end;		    /* as in struct vz_net_routed */
};

/*
 * Create the pair, move the CT end into netns_fd as ifname, both ends up,
 * the host end in its bridge (steps 1 to 4); undone on failure.
 */
int vz_net_veth_add(const struct vz_net_veth *v, vz_error_t *err);
/* Remove the host end when it is ours (the CT end goes with it); a missing one is fine. */
int vz_net_veth_del(const char *host_ifname, const char *alias, vz_error_t *err);

/*
 * Tell the LAN that addrs (IP_ADDRESS words) are reached through this host
 * now: a gratuitous ARP reply or an unsolicited neighbour advertisement
 * for each, from each of devs (the uplinks that proxy for the CT). Best
 * effort: the first error (-errno) is returned, the others are still sent.
 */
int vz_net_announce(char *const *devs, char *const *addrs);

/* ---- the steps, one by one ---- */

/* A veth pair on the host. */
struct vz_net_pair {
	const char *host_ifname;    /* the host end's name */
	const char *host_mac, *mac; /* of the host and the CT end; NULL or "": the kernel's */
	const char *alias;	    /* written to both ends: marks them as ours */
};

/*
 * Step 1: make the pair in the caller's network namespace, both ends down.
 * The CT end gets a temporary name the kernel picks ("vzt<n>"), returned in
 * ret_ct_tmp. A left-over host end carrying p->alias is replaced; anyone
 * else's is refused (EEXIST). On failure nothing is left.
 */
int vz_net_pair_add(const struct vz_net_pair *p, char ret_ct_tmp[IFNAMSIZ], vz_error_t *err);

/*
 * Step 2: move the link name (in the caller's namespace) into the network
 * namespace netns_fd, renamed there to new_name, its alias cleared, in one
 * RTM_NEWLINK. When new_name is taken there, the link may already have
 * moved under its old name: deleting its host peer removes it.
 */
int vz_net_link_move(const char *name, int netns_fd, const char *new_name, vz_error_t *err);

/* What the CT side of one interface gets inside the CT's network namespace. */
struct vz_net_ct_conf {
	const char *ifname;	       /* the CT end, as the CT names it */
	bool up;		       /* bring lo and ifname up (the first configuration) */
	bool routed;		       /* default routes via VZ_NET_GW4/6 while all has
					  an address of the family, none otherwise */
	char *const *add, *const *del; /* addresses to add and remove (/32, /128, no DAD) */
	char *const *all;	       /* the addresses ifname has afterwards */
};

/*
 * Step 3: configure the CT side from a child that joined netns_fd. A
 * failure removes the addresses it added, so the CT keeps what it had.
 */
int vz_net_ct_configure(int netns_fd, const struct vz_net_ct_conf *c, vz_error_t *err);

/*
 * Step 4, the host end: up, and with gateways the on-link gateways
 * VZ_NET_GW4/32 and VZ_NET_GW6/64 every routed host end holds; with a
 * bridge (not NULL or "") enslaved to it.
 */
int vz_net_host_end_up(const char *host_ifname, bool gateways, const char *bridge, vz_error_t *err);

/*
 * Step 4, per address: a host route to r->host_if and proxy neighbour
 * entries on r->neigh_devs for each of addrs. An address a host interface
 * owns, or one the kernel already routes (EEXIST), is refused; on failure
 * those added are removed again.
 */
int vz_net_host_routes_add(const struct vz_net_routed *r, char *const *addrs, vz_error_t *err);
/* Remove what vz_net_host_routes_add made for addrs; what is gone already is fine. */
void vz_net_host_routes_del(const struct vz_net_routed *r, char *const *addrs);

#endif
