/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routed CT networking with libnl-route-3: see net.h for the model. libnl
 * reports -NLE_* codes; they become errno values at this module's edge so
 * that errors read like the rest of vz's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "net/net.h"
#include "sandbox/ns.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

static int nl_errno(int nlerr)
{
	static const struct {
		int nle, err;
	} map[] = {
		{NLE_EXIST, EEXIST},	     {NLE_NODEV, ENODEV},
		{NLE_PERM, EPERM},	     {NLE_INVAL, EINVAL},
		{NLE_NOADDR, EADDRNOTAVAIL}, {NLE_OBJ_NOTFOUND, ENOENT},
		{NLE_NOMEM, ENOMEM},	     {NLE_BUSY, EBUSY},
		{NLE_RANGE, ERANGE},	     {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
		{NLE_NOACCESS, EACCES},
	};

	if (nlerr >= 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].nle == -nlerr)
			return map[i].err;
	return EIO;
}

static void nl_freep(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}
#define _cleanup_nl_ _cleanup_(nl_freep)

static void nladdr_freep(struct nl_addr **a)
{
	if (*a)
		nl_addr_put(*a);
}
#define _cleanup_nladdr_ _cleanup_(nladdr_freep)

static void link_freep(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
#define _cleanup_link_ _cleanup_(link_freep)

/* A connected route socket, or NULL with *r set to -errno. */
static struct nl_sock *route_socket(int *r)
{
	struct nl_sock *sk = nl_socket_alloc();
	int e;

	if (!sk) {
		*r = -ENOMEM;
		return NULL;
	}
	e = nl_connect(sk, NETLINK_ROUTE);
	if (e < 0) {
		nl_socket_free(sk);
		*r = -nl_errno(e);
		return NULL;
	}
	*r = 0;
	return sk;
}

/* "a.b.c.d[/n]" or an IPv6 address, parsed; host says to force /32 or /128. */
static int parse_addr(const char *s, bool host, struct nl_addr **ret)
{
	char buf[INET6_ADDRSTRLEN + 4];
	unsigned char bin[16];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	int family, e;

	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, buf, bin) != 1)
		return -EINVAL;
	e = nl_addr_parse(host ? buf : s, family, ret);
	if (e < 0)
		return -nl_errno(e);
	if (host || !slash)
		nl_addr_set_prefixlen(*ret, family == AF_INET6 ? 128 : 32);
	return 0;
}

bool vz_net_addr_valid(const char *s, bool *v6)
{
	_cleanup_nladdr_ struct nl_addr *a = NULL;

	if (parse_addr(s, false, &a) < 0)
		return false;
	if (v6)
		*v6 = nl_addr_get_family(a) == AF_INET6;
	return true;
}

bool vz_net_addr_equal(const char *a, const char *b)
{
	_cleanup_nladdr_ struct nl_addr *x = NULL, *y = NULL;

	return parse_addr(a, true, &x) == 0 && parse_addr(b, true, &y) == 0 &&
	       nl_addr_cmp(x, y) == 0;
}

static int link_index(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	int e = rtnl_link_get_kernel(sk, 0, name, &l);

	return e < 0 ? -nl_errno(e) : rtnl_link_get_ifindex(l);
}

/* Bring link idx up, and/or set its alias when alias is given. */
static int link_set(struct nl_sock *sk, int idx, bool up, const char *alias)
{
	_cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();

	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, idx);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	if (alias)
		rtnl_link_set_ifalias(change, alias);
	return -nl_errno(rtnl_link_change(sk, orig, change, 0));
}

/* Add (or delete) address s on link idx; host forces /32 or /128. */
static int addr_op(struct nl_sock *sk, int idx, const char *s, bool host, bool add)
{
	_cleanup_nladdr_ struct nl_addr *a = NULL;
	struct rtnl_addr *ra = rtnl_addr_alloc();
	int r;

	if (!ra)
		return -ENOMEM;
	r = parse_addr(s, host, &a);
	if (r == 0) {
		rtnl_addr_set_ifindex(ra, idx);
		rtnl_addr_set_family(ra, nl_addr_get_family(a));
		/* No duplicate address detection: the address works at once. */
		if (nl_addr_get_family(a) == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);
		r = -nl_errno(rtnl_addr_set_local(ra, a));
	}
	if (r == 0)
		r = -nl_errno(add ? rtnl_addr_add(sk, ra, NLM_F_CREATE | NLM_F_EXCL)
				  : rtnl_addr_delete(sk, ra, 0));
	rtnl_addr_put(ra);
	/* Idempotent: adding what is there, or removing what is gone, is done. */
	if ((add && r == -EEXIST) || (!add && (r == -EADDRNOTAVAIL || r == -ENOENT)))
		return 0;
	return r;
}

/*
 * A route to dst (host route, or "default") on link idx, through gw (on
 * link, as the gateway is not in any prefix of the CT) or directly.
 */
static int route_op(struct nl_sock *sk, int idx, const char *dst, const char *gw, bool add)
{
	_cleanup_nladdr_ struct nl_addr *d = NULL, *g = NULL;
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int r, family;

	if (!rt || !nh) {
		r = -ENOMEM;
		goto out;
	}
	r = parse_addr(gw ? gw : dst, true, gw ? &g : &d);
	if (r < 0)
		goto out;
	family = nl_addr_get_family(gw ? g : d);
	if (gw) {
		/* The default route: the all-zero destination of the gateway's family. */
		r = -nl_errno(nl_addr_parse(family == AF_INET6 ? "::/0" : "0.0.0.0/0", family, &d));
		if (r < 0)
			goto out;
		rtnl_route_nh_set_gateway(nh, g);
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	}
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, gw || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	r = -nl_errno(rtnl_route_set_dst(rt, d));
	if (r < 0)
		goto out;
	rtnl_route_nh_set_ifindex(nh, idx);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL;
	r = -nl_errno(add ? rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL)
			  : rtnl_route_delete(sk, rt, 0));
	if (!add && (r == -ESRCH || r == -ENOENT))
		r = 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (rt)
		rtnl_route_put(rt);
	return r;
}

/* A proxy neighbour entry: dev answers ARP/NDP for s. */
static int neigh_proxy(struct nl_sock *sk, const char *dev, const char *s, bool add)
{
	_cleanup_nladdr_ struct nl_addr *a = NULL;
	struct rtnl_neigh *n;
	int idx = link_index(sk, dev), r;

	if (idx < 0)
		return idx;
	r = parse_addr(s, true, &a);
	if (r < 0)
		return r;
	n = rtnl_neigh_alloc();
	if (!n)
		return -ENOMEM;
	rtnl_neigh_set_ifindex(n, idx);
	rtnl_neigh_set_family(n, nl_addr_get_family(a));
	rtnl_neigh_set_flags(n, NTF_PROXY);
	r = -nl_errno(rtnl_neigh_set_dst(n, a));
	if (r == 0)
		r = -nl_errno(add ? rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE)
				  : rtnl_neigh_delete(sk, n, 0));
	rtnl_neigh_put(n);
	if (!add && (r == -ENOENT || r == -EADDRNOTAVAIL))
		r = 0;
	return r;
}

static bool in_list(char *const *list, const char *s)
{
	for (char *const *p = list; p && *p; p++)
		if (vz_net_addr_equal(*p, s))
			return true;
	return false;
}

static bool any_family(char *const *list, bool v6)
{
	bool is6;

	for (char *const *p = list; p && *p; p++)
		if (vz_net_addr_valid(*p, &is6) && is6 == v6)
			return true;
	return false;
}

/* ---- step 3: the CT side, from a child inside the CT's network namespace ---- */

static int ct_conf_apply(struct nl_sock *sk, const struct vz_net_ct_conf *c)
{
	int idx = link_index(sk, c->ifname), r = 0;
	size_t n = 0;

	if (idx < 0)
		return idx;
	/* The CT's loopback too: with only bridged interfaces nobody else brings it up. */
	if (c->up && ((r = link_index(sk, "lo")) < 0 || (r = link_set(sk, r, true, NULL)) < 0 ||
		      (r = link_set(sk, idx, true, NULL)) < 0))
		return r;
	for (char *const *p = c->del; p && *p && r == 0; p++)
		r = addr_op(sk, idx, *p, true, false);
	for (n = 0; c->add && c->add[n] && r == 0; n++)
		r = addr_op(sk, idx, c->add[n], true, true);
	/* Default routes while the CT has an address of the family (EEXIST: already). */
	for (int v6 = 0; c->routed && v6 < 2 && r == 0; v6++) {
		const char *gw = v6 ? VZ_NET_GW6 : VZ_NET_GW4;

		r = route_op(sk, idx, NULL, gw, any_family(c->all, v6));
		if (r == -EEXIST)
			r = 0;
	}
	/* A failure leaves the CT with the addresses it had: the next change starts from them. */
	if (r < 0)
		while (n-- > 0)
			(void)addr_op(sk, idx, c->add[n], true, false);
	return r;
}

static int ct_conf_fn(void *data)
{
	int r;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&r);

	if (!sk)
		return -r;
	r = ct_conf_apply(sk, data);
	return r < 0 ? -r : 0;
}

int vz_net_ct_configure(int netns_fd, const struct vz_net_ct_conf *c, vz_error_t *err)
{
	_cleanup_free_ char *what = xasprintf("configure the CT's %s", c->ifname);

	return vz_ns_run(netns_fd, CLONE_NEWNET, ct_conf_fn, (void *)c, what, err);
}

/* ---- step 4: the host side ---- */

static int host_addr_op(struct nl_sock *sk, int idx, const struct vz_net_routed *r, const char *a,
			bool add)
{
	int e = route_op(sk, idx, a, NULL, add);

	for (char *const *d = r->neigh_devs; d && *d && e == 0; d++)
		e = neigh_proxy(sk, *d, a, add);
	return e;
}

static int host_fail(vz_error_t *err, int r, const char *what, const char *name)
{
	if (r == -EEXIST)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: address %s is already in use on this host", what, name);
	return vz_error_make(err, VZ_E_SYSTEM, -r, "%s %s", what, name);
}

/* The host interface that has address s itself, or NULL (heap string). */
static char *host_owner(const char *s)
{
	_cleanup_nladdr_ struct nl_addr *a = NULL;
	struct ifaddrs *ifs = NULL;
	char *owner = NULL;

	if (parse_addr(s, true, &a) < 0 || getifaddrs(&ifs) < 0)
		return NULL;
	for (struct ifaddrs *i = ifs; i && !owner; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		const void *bin;

		if (!sa || sa->sa_family != nl_addr_get_family(a))
			continue;
		bin = sa->sa_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (!memcmp(bin, nl_addr_get_binary_addr(a), nl_addr_get_len(a)))
			owner = xstrdup(i->ifa_name);
	}
	freeifaddrs(ifs);
	return owner;
}

/* Routes and proxies for each of list; on failure undo those added. */
static int host_add_all(struct nl_sock *sk, int idx, const struct vz_net_routed *r,
			char *const *list, vz_error_t *err)
{
	size_t i;
	int e = 0;

	for (i = 0; list && list[i]; i++) {
		_cleanup_free_ char *owner = host_owner(list[i]);

		/* A local address wins over any route: the CT would never see its traffic. */
		if (owner) {
			vz_error_make(err, VZ_E_VALUE, 0, "address %s belongs to host interface %s",
				      list[i], owner);
			goto undo;
		}
		e = host_addr_op(sk, idx, r, list[i], true);
		if (e < 0)
			break;
	}
	if (e == 0)
		return 0;
	host_fail(err, e, "route", list[i]);
undo:
	while (i-- > 0)
		(void)host_addr_op(sk, idx, r, list[i], false);
	return -1;
}

int vz_net_host_routes_add(const struct vz_net_routed *r, char *const *addrs, vz_error_t *err)
{
	int e, idx;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	idx = link_index(sk, r->host_if);
	if (idx < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -idx, "look up %s", r->host_if);
	return host_add_all(sk, idx, r, addrs, err);
}

void vz_net_host_routes_del(const struct vz_net_routed *r, char *const *addrs)
{
	int e, idx;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return;
	idx = link_index(sk, r->host_if);
	for (char *const *p = addrs; p && *p; p++) {
		/* Without the link its routes are gone; the proxies are not. */
		if (idx > 0)
			(void)route_op(sk, idx, *p, NULL, false);
		for (char *const *d = r->neigh_devs; d && *d; d++)
			(void)neigh_proxy(sk, *d, *p, false);
	}
}

/*
 * A host end takes no router advertisement and no redirect from its CT,
 * whatever the host's defaults say (a host that routes and takes its own
 * uplink by SLAAC has accept_ra=2 on every new interface). Only vz's own
 * interfaces are changed, never the host's "all" or "default". The filter
 * (vzd/netfilter.c) drops such packets too; this is the second wall. A
 * missing knob (IPv6 off) is fine.
 */
static int host_end_sysctls(const char *name)
{
	static const struct {
		const char *dir, *knob;
	} knobs[] = {
		{"ipv6/conf", "accept_ra"},
		{"ipv6/conf", "accept_redirects"},
		{"ipv4/conf", "accept_redirects"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		_cleanup_free_ char *path =
			xasprintf("/proc/sys/net/%s/%s/%s", knobs[i].dir, name, knobs[i].knob);
		int r = write_string_at(AT_FDCWD, path, "0");

		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

/* The host end up, with the on-link gateways (routed) or in its bridge. */
static int host_up(struct nl_sock *sk, const char *name, bool gateways, const char *bridge,
		   int *ret_idx)
{
	_cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
	int idx = link_index(sk, name), br = 0, e;

	if (idx < 0)
		return idx;
	if (bridge && *bridge && (br = link_index(sk, bridge)) < 0)
		return br;
	if (!orig || !change)
		return -ENOMEM;
	/* Before it is up: an advertisement must not find it willing for a moment. */
	e = host_end_sysctls(name);
	if (e < 0)
		return e;
	rtnl_link_set_ifindex(orig, idx);
	rtnl_link_set_flags(change, IFF_UP);
	if (br > 0)
		rtnl_link_set_master(change, br);
	e = -nl_errno(rtnl_link_change(sk, orig, change, 0));
	if (e == 0 && gateways)
		e = addr_op(sk, idx, VZ_NET_GW4, true, true);
	if (e == 0 && gateways)
		e = addr_op(sk, idx, VZ_NET_GW6 "/64", false, true);
	*ret_idx = idx;
	return e;
}

int vz_net_host_end_up(const char *host_ifname, bool gateways, const char *bridge, vz_error_t *err)
{
	int e, idx;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	e = host_up(sk, host_ifname, gateways, bridge, &idx);
	if (e < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "set up host interface %s", host_ifname);
	return 0;
}

/* ---- step 1: the pair on the host ---- */

/* Is the link name ours (its alias is alias)? */
static bool link_is_ours(struct nl_sock *sk, const char *name, const char *alias)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *a;

	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return false;
	a = rtnl_link_get_ifalias(l);
	return a && alias && streq(a, alias);
}

static int delete_link(struct nl_sock *sk, const char *name);

/*
 * Delete a CT's host end, if it is ours: 0 when gone (also when it went
 * by itself meanwhile: the CT's network namespace, dying, takes the pair
 * along), else err.
 */
static int delete_own_link(struct nl_sock *sk, const char *name, const char *alias, vz_error_t *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *a;
	int e = rtnl_link_get_kernel(sk, 0, name, &l);

	if (e < 0 && (nl_errno(e) == ENODEV || nl_errno(e) == ENOENT))
		return 0;
	if (e < 0)
		return vz_error_make(err, VZ_E_SYSTEM, nl_errno(e), "look up %s", name);
	a = rtnl_link_get_ifalias(l);
	if (!a || !alias || !streq(a, alias))
		return vz_error_make(err, VZ_E_SYSTEM, EPERM,
				     "host interface %s is not this CT's: left alone", name);
	e = delete_link(sk, name);
	if (e < 0 && e != -ENODEV)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "delete host interface %s", name);
	return 0;
}

static int delete_link(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	return -nl_errno(rtnl_link_delete(sk, l));
}

static int set_mac(struct rtnl_link *l, const char *mac)
{
	struct nl_addr *a = NULL;
	int e;

	if (!mac || !*mac)
		return 0;
	e = nl_addr_parse(mac, AF_LLC, &a);
	if (e < 0)
		return -nl_errno(e);
	rtnl_link_set_addr(l, a);
	nl_addr_put(a);
	return 0;
}

/*
 * The kernel names the CT end from this pattern: unique at once, and never
 * one of our host end names ("vz" + 3 hex digits + CTID).
 */
#define CT_TMP_NAME "vzt%d"

static int new_pair(struct nl_sock *sk, const struct vz_net_pair *p)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_veth_alloc();
	_cleanup_link_ struct rtnl_link *peer = NULL;
	int r;

	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, p->host_ifname);
	rtnl_link_set_name(peer, CT_TMP_NAME);
	r = set_mac(link, p->host_mac);
	if (r == 0)
		r = set_mac(peer, p->mac);
	if (r == 0)
		r = -nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	return r;
}

/* The host end's peer in the same namespace: its index (IFLA_LINK) and name. */
static int peer_of(struct nl_sock *sk, const char *host, int *ret_idx, char ret_name[IFNAMSIZ])
{
	_cleanup_link_ struct rtnl_link *h = NULL, *peer = NULL;
	int e = rtnl_link_get_kernel(sk, 0, host, &h), idx;

	if (e < 0)
		return -nl_errno(e);
	idx = rtnl_link_get_link(h);
	if (idx <= 0)
		return -ENODEV;
	e = rtnl_link_get_kernel(sk, idx, NULL, &peer);
	if (e < 0)
		return -nl_errno(e);
	(void)snprintf(ret_name, IFNAMSIZ, "%s", rtnl_link_get_name(peer));
	*ret_idx = idx;
	return 0;
}

static int pair_add(struct nl_sock *sk, const struct vz_net_pair *p, char ret_ct_tmp[IFNAMSIZ],
		    vz_error_t *err)
{
	int e = new_pair(sk, p), idx, peer = 0;

	/* Left over by a crash of ours: replace it. Anyone else's: refuse. */
	if (e == -EEXIST && link_is_ours(sk, p->host_ifname, p->alias)) {
		(void)delete_link(sk, p->host_ifname);
		e = new_pair(sk, p);
	}
	if (e == -EEXIST)
		return vz_error_make(err, VZ_E_SYSTEM, EEXIST,
				     "host interface %s exists and is not this CT's",
				     p->host_ifname);
	if (e < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "create veth pair %s", p->host_ifname);
	/* The kernel ignores an alias given with a new link: both ends get it now. */
	idx = link_index(sk, p->host_ifname);
	e = idx < 0 ? idx : peer_of(sk, p->host_ifname, &peer, ret_ct_tmp);
	if (e == 0)
		e = link_set(sk, idx, false, p->alias);
	if (e == 0)
		e = link_set(sk, peer, false, p->alias);
	if (e < 0) {
		(void)delete_link(sk, p->host_ifname);
		return vz_error_make(err, VZ_E_SYSTEM, -e, "mark veth pair %s", p->host_ifname);
	}
	return 0;
}

int vz_net_pair_add(const struct vz_net_pair *p, char ret_ct_tmp[IFNAMSIZ], vz_error_t *err)
{
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	return pair_add(sk, p, ret_ct_tmp, err);
}

/* ---- step 2: the CT end into the CT's namespace ---- */

/*
 * By index: a name in orig would be taken as the new name. The kernel moves
 * the link first, then renames it in its new namespace; the alias that
 * marked it on the host goes, so the CT sees its interface as it always did.
 */
static int move_by_index(struct nl_sock *sk, const char *name, int netns_fd, const char *new_name)
{
	_cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
	int idx = link_index(sk, name);

	if (netns_fd < 0)
		return -EBADF;
	if (idx < 0)
		return idx;
	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, idx);
	rtnl_link_set_ns_fd(change, netns_fd);
	rtnl_link_set_name(change, new_name);
	rtnl_link_set_ifalias(change, "");
	return -nl_errno(rtnl_link_change(sk, orig, change, 0));
}

static int link_move(struct nl_sock *sk, const char *name, int netns_fd, const char *new_name,
		     vz_error_t *err)
{
	int e = move_by_index(sk, name, netns_fd, new_name);

	if (e < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "move %s into the CT as %s", name,
				     new_name);
	return 0;
}

int vz_net_link_move(const char *name, int netns_fd, const char *new_name, vz_error_t *err)
{
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	return link_move(sk, name, netns_fd, new_name, err);
}

/* ---- routed interfaces: the steps in order ---- */

/* Steps 1, 2 and the host end for a CT without a pair; its host end index in *ret_idx. */
/* Move the CT end tmp into netns_fd as name; with netns_fd < 0 leave it here, named in staged. */
static int stage_or_move(struct nl_sock *sk, const char *tmp, int netns_fd, const char *name,
			 char *staged, vz_error_t *err)
{
	if (netns_fd >= 0)
		return link_move(sk, tmp, netns_fd, name, err);
	if (!staged)
		return vz_error_make(err, VZ_E_SYSTEM, EINVAL, "%s: no network namespace", name);
	snprintf(staged, IFNAMSIZ, "%s", tmp);
	return 0;
}

static int routed_pair(struct nl_sock *sk, const struct vz_net_routed *r, int *ret_idx,
		       vz_error_t *err)
{
	struct vz_net_pair p = {.host_ifname = r->host_if, .alias = r->alias};
	char tmp[IFNAMSIZ];
	int e;

	if (pair_add(sk, &p, tmp, err) < 0)
		return -1;
	if (stage_or_move(sk, tmp, r->netns_fd, VZ_NET_CT_IF, r->staged_ct_end, err) < 0)
		goto err_delete_pair;
	e = host_up(sk, r->host_if, true, NULL, ret_idx);
	if (e < 0) {
		vz_error_make(err, VZ_E_SYSTEM, -e, "set up host interface %s", r->host_if);
		goto err_delete_pair;
	}
	return 0;
err_delete_pair:
	/* The CT end goes with it, wherever it is by now. */
	(void)delete_link(sk, r->host_if);
	return -1;
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* From the addresses old to r->addrs; start makes the pair even when a host end exists. */
static int routed_apply(const struct vz_net_routed *r, char *const *old, bool start,
			vz_error_t *err)
{
	_cleanup_free_ char **add = NULL, **del = NULL;
	size_t na = 0, nd = 0;
	struct vz_net_ct_conf c = {.ifname = VZ_NET_CT_IF, .routed = true, .all = r->addrs};
	bool made = false;
	int idx, e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	/* At start, a host end of that name is a leftover of ours or not ours: pair_add decides. */
	idx = start ? -ENODEV : link_index(sk, r->host_if);
	if (idx == -ENODEV || idx == -ENOENT) {
		if (routed_pair(sk, r, &idx, err) < 0)
			return -1;
		made = c.up = true;
		old = NULL;
	} else if (idx < 0) {
		return vz_error_make(err, VZ_E_SYSTEM, -idx, "look up %s", r->host_if);
	}
	for (char *const *p = r->addrs; p && *p; p++)
		if (!in_list(old, *p))
			push(&add, &na, *p);
	for (char *const *p = old; p && *p; p++)
		if (!in_list(r->addrs, *p))
			push(&del, &nd, *p);
	c.add = add;
	c.del = del;
	/* Host routes first: an address another CT has is refused before the CT sees it. */
	if (host_add_all(sk, idx, r, add, err) < 0)
		goto err_delete_pair;
	/* A staged CT end: CRIU brings the CT side back from its images. */
	if (r->netns_fd >= 0 && vz_net_ct_configure(r->netns_fd, &c, err) < 0) {
		for (size_t i = 0; i < na; i++)
			(void)host_addr_op(sk, idx, r, add[i], false);
		goto err_delete_pair;
	}
	for (size_t i = 0; i < nd; i++)
		(void)host_addr_op(sk, idx, r, del[i], false);
	return 0;
err_delete_pair:
	/* Only a pair made here: a running CT keeps the one it has. */
	if (made)
		(void)delete_link(sk, r->host_if);
	return -1;
}

int vz_net_routed_update(const struct vz_net_routed *r, char *const *old, vz_error_t *err)
{
	return routed_apply(r, old, false, err);
}

int vz_net_routed_start(const struct vz_net_routed *r, vz_error_t *err)
{
	return routed_apply(r, NULL, true, err);
}

int vz_net_routed_stop(const struct vz_net_routed *r, vz_error_t *err)
{
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	for (char *const *p = r->addrs; p && *p; p++)
		for (char *const *d = r->neigh_devs; d && *d; d++)
			(void)neigh_proxy(sk, *d, *p, false);
	return delete_own_link(sk, r->host_if, r->alias, err);
}

int vz_net_link_stats(const char *host_if, struct vz_net_stats *ret)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return e;
	e = rtnl_link_get_kernel(sk, 0, host_if, &l);
	if (e < 0)
		return -nl_errno(e) == -ENOENT ? -ENODEV : -nl_errno(e);
	/* The host end receives what the CT sends. */
	ret->bytes_out = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
	ret->packets_out = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
	ret->bytes_in = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
	ret->packets_in = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
	return 0;
}

bool vz_net_link_exists(const char *name)
{
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	return sk && link_index(sk, name) >= 0;
}

bool vz_net_is_bridge(const char *name)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *type;
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk || rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return false;
	type = rtnl_link_get_type(l);
	return type && streq(type, "bridge");
}

/* ---- bridged interfaces: the steps in order ---- */

int vz_net_veth_add(const struct vz_net_veth *v, vz_error_t *err)
{
	struct vz_net_pair p = {
		.host_ifname = v->host_ifname,
		.host_mac = v->host_mac,
		.mac = v->mac,
		.alias = v->alias,
	};
	struct vz_net_ct_conf c = {.ifname = v->ifname, .up = true};
	char tmp[IFNAMSIZ];
	int e, idx;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	if (v->bridge && *v->bridge && !vz_net_is_bridge(v->bridge))
		return vz_error_make(err, VZ_E_VALUE, 0, "bridge %s does not exist", v->bridge);
	if (pair_add(sk, &p, tmp, err) < 0)
		return -1;
	if (stage_or_move(sk, tmp, v->netns_fd, v->ifname, v->staged_ct_end, err) < 0)
		goto err_delete_pair;
	e = host_up(sk, v->host_ifname, false, v->bridge, &idx);
	if (e < 0) {
		vz_error_make(err, VZ_E_SYSTEM, -e, "set up host interface %s", v->host_ifname);
		goto err_delete_pair;
	}
	if (v->netns_fd >= 0 && vz_net_ct_configure(v->netns_fd, &c, err) < 0)
		goto err_delete_pair;
	return 0;
err_delete_pair:
	(void)delete_link(sk, v->host_ifname);
	return -1;
}

int vz_net_veth_del(const char *host_ifname, const char *alias, vz_error_t *err)
{
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	return delete_own_link(sk, host_ifname, alias, err);
}
