/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routed CT networking with libnl-route-3: see net.h for the model. libnl
 * reports -NLE_* codes; they become errno values at this module's edge so
 * that errors read like the rest of vz's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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
#include "sandbox/spawn.h"
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

/* Set flags (IFF_UP) and, when alias is given, the alias of link idx. */
static int link_set(struct nl_sock *sk, int idx, const char *alias)
{
	_cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();

	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, idx);
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

/* ---- the CT side, in a child inside the CT's network namespace ---- */

struct ct_side {
	char *const *add, *const *del;
	char *const *all; /* the addresses the CT has afterwards */
	bool create;	  /* first configuration: lo and venet0 up */
};

static int ct_side_apply(struct nl_sock *sk, const struct ct_side *c)
{
	int idx = link_index(sk, VZ_NET_CT_IF), r = 0;
	size_t n = 0;

	if (idx < 0)
		return idx;
	if (c->create && ((r = link_index(sk, "lo")) < 0 || (r = link_set(sk, r, NULL)) < 0 ||
			  (r = link_set(sk, idx, NULL)) < 0))
		return r;
	for (char *const *p = c->del; p && *p && r == 0; p++)
		r = addr_op(sk, idx, *p, true, false);
	for (n = 0; c->add && c->add[n] && r == 0; n++)
		r = addr_op(sk, idx, c->add[n], true, true);
	/* Default routes while the CT has an address of the family (EEXIST: already). */
	for (int v6 = 0; v6 < 2 && r == 0; v6++) {
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

static int ct_side_fn(void *data)
{
	int r;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&r);

	if (!sk)
		return -r;
	r = ct_side_apply(sk, data);
	return r < 0 ? -r : 0;
}

static int ct_side(pid_t init_pid, const struct ct_side *c, vz_error_t *err)
{
	return vz_run_in_ct_ns(init_pid, CLONE_NEWNET, ct_side_fn, (void *)c,
			       "configure the CT's " VZ_NET_CT_IF, err);
}

/* ---- the host side ---- */

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

/* Is the link idx ours (its alias is r->alias)? */
static bool link_is_ours(struct nl_sock *sk, const char *name, const char *alias)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	const char *a;

	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return false;
	a = rtnl_link_get_ifalias(l);
	return a && alias && streq(a, alias);
}

static int delete_link(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	return -nl_errno(rtnl_link_delete(sk, l));
}

/* The pair, the host end up with the gateways and our alias; its index in *ret_idx. */
static int make_pair(struct nl_sock *sk, const struct vz_net_routed *r, int *ret_idx,
		     vz_error_t *err)
{
	int e = rtnl_link_veth_add(sk, r->host_if, VZ_NET_CT_IF, r->init_pid), idx;

	/* Left over by a crash of ours: replace it. Anyone else's: refuse. */
	if (e == -NLE_EXIST && link_is_ours(sk, r->host_if, r->alias)) {
		(void)delete_link(sk, r->host_if);
		e = rtnl_link_veth_add(sk, r->host_if, VZ_NET_CT_IF, r->init_pid);
	}
	if (e == -NLE_EXIST)
		return vz_error_make(err, VZ_E_SYSTEM, EEXIST,
				     "host interface %s exists and is not this CT's", r->host_if);
	if (e < 0)
		return vz_error_make(err, VZ_E_SYSTEM, nl_errno(e), "create veth pair %s",
				     r->host_if);
	idx = link_index(sk, r->host_if);
	e = idx < 0 ? idx : link_set(sk, idx, r->alias);
	if (e == 0)
		e = addr_op(sk, idx, VZ_NET_GW4, true, true);
	if (e == 0)
		e = addr_op(sk, idx, VZ_NET_GW6 "/64", false, true);
	if (e < 0) {
		(void)delete_link(sk, r->host_if);
		return vz_error_make(err, VZ_E_SYSTEM, -e, "set up host interface %s", r->host_if);
	}
	*ret_idx = idx;
	return 0;
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

int vz_net_routed_update(const struct vz_net_routed *r, char *const *old, vz_error_t *err)
{
	_cleanup_free_ char **add = NULL, **del = NULL;
	size_t na = 0, nd = 0;
	struct ct_side c = {.all = r->addrs};
	int idx, e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	idx = link_index(sk, r->host_if);
	if (idx == -ENODEV || idx == -ENOENT) {
		if (make_pair(sk, r, &idx, err) < 0)
			return -1;
		c.create = true;
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
		goto fail;
	if (ct_side(r->init_pid, &c, err) < 0) {
		for (size_t i = 0; i < na; i++)
			(void)host_addr_op(sk, idx, r, add[i], false);
		goto fail;
	}
	for (size_t i = 0; i < nd; i++)
		(void)host_addr_op(sk, idx, r, del[i], false);
	return 0;
fail:
	if (c.create)
		(void)delete_link(sk, r->host_if);
	return -1;
}

int vz_net_routed_start(const struct vz_net_routed *r, vz_error_t *err)
{
	return vz_net_routed_update(r, NULL, err);
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
	if (link_index(sk, r->host_if) < 0)
		return 0;
	if (!link_is_ours(sk, r->host_if, r->alias))
		return vz_error_make(err, VZ_E_SYSTEM, EPERM,
				     "host interface %s is not this CT's: left alone", r->host_if);
	e = delete_link(sk, r->host_if);
	if (e < 0 && e != -ENODEV)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "delete host interface %s", r->host_if);
	return 0;
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

/* The pair with its names and MACs, the CT end straight in the CT's namespace. */
static int add_pair(struct nl_sock *sk, const struct vz_net_veth *v)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_veth_alloc();
	_cleanup_link_ struct rtnl_link *peer = NULL;
	int r;

	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, v->host_ifname);
	rtnl_link_set_name(peer, v->ifname);
	rtnl_link_set_ns_pid(peer, v->init_pid);
	r = set_mac(link, v->host_mac);
	if (r == 0)
		r = set_mac(peer, v->mac);
	if (r == 0)
		r = -nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	return r;
}

/* Host end: alias, bridge, up. */
static int host_end(struct nl_sock *sk, const struct vz_net_veth *v, int *ret_idx)
{
	_cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
	int idx = link_index(sk, v->host_ifname), br = 0;

	if (idx < 0)
		return idx;
	*ret_idx = idx;
	if (v->bridge && *v->bridge && (br = link_index(sk, v->bridge)) < 0)
		return br;
	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, idx);
	rtnl_link_set_ifalias(change, v->alias);
	rtnl_link_set_flags(change, IFF_UP);
	if (br > 0)
		rtnl_link_set_master(change, br);
	return -nl_errno(rtnl_link_change(sk, orig, change, 0));
}

static int ct_end_up_fn(void *data)
{
	int r;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&r);
	int idx;

	if (!sk)
		return -r;
	/* The CT's loopback too: with only bridged interfaces nobody else brings it up. */
	idx = link_index(sk, "lo");
	r = idx < 0 ? idx : link_set(sk, idx, NULL);
	if (r == 0) {
		idx = link_index(sk, data);
		r = idx < 0 ? idx : link_set(sk, idx, NULL);
	}
	return r < 0 ? -r : 0;
}

int vz_net_veth_add(const struct vz_net_veth *v, vz_error_t *err)
{
	int e, idx;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	if (v->bridge && *v->bridge && !vz_net_is_bridge(v->bridge))
		return vz_error_make(err, VZ_E_VALUE, 0, "bridge %s does not exist", v->bridge);
	e = add_pair(sk, v);
	if (e == -EEXIST && link_is_ours(sk, v->host_ifname, v->alias)) {
		(void)delete_link(sk, v->host_ifname);
		e = add_pair(sk, v);
	}
	if (e == -EEXIST)
		return vz_error_make(err, VZ_E_SYSTEM, EEXIST,
				     "host interface %s exists and is not this CT's",
				     v->host_ifname);
	if (e < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "create veth pair %s/%s", v->host_ifname,
				     v->ifname);
	e = host_end(sk, v, &idx);
	if (e < 0) {
		(void)delete_link(sk, v->host_ifname);
		return vz_error_make(err, VZ_E_SYSTEM, -e, "set up host interface %s",
				     v->host_ifname);
	}
	if (vz_run_in_ct_ns(v->init_pid, CLONE_NEWNET, ct_end_up_fn, (void *)v->ifname,
			    "bring up the CT's interface", err) < 0) {
		(void)delete_link(sk, v->host_ifname);
		return -1;
	}
	return 0;
}

int vz_net_veth_del(const char *host_ifname, const char *alias, vz_error_t *err)
{
	int e;
	_cleanup_nl_ struct nl_sock *sk = route_socket(&e);

	if (!sk)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "netlink socket");
	if (link_index(sk, host_ifname) < 0)
		return 0;
	if (!link_is_ours(sk, host_ifname, alias))
		return vz_error_make(err, VZ_E_SYSTEM, EPERM,
				     "host interface %s is not this CT's: left alone", host_ifname);
	e = delete_link(sk, host_ifname);
	if (e < 0 && e != -ENODEV)
		return vz_error_make(err, VZ_E_SYSTEM, -e, "delete host interface %s", host_ifname);
	return 0;
}
