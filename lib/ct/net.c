/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's network applied: its routed interface and bridged veths at start,
 * their removal at stop, and live changes. What the CT has now (which may
 * differ from its config after a set without --save) lives in its state:
 * IP_ADDRESS, NEIGHBOUR_DEVS (the uplinks that proxy for it), NETIF and
 * HOST_IF, written before anything is made, so that stop, and a start that
 * failed half way, remove exactly that.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/internal.h"
#include "net/net.h"
#include "net/netif.h"
#include "sandbox/ns.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *const state_keys[] = {"IP_ADDRESS", "NEIGHBOUR_DEVS", "NETIF", VZ_STATE_HOST_IF};

/* What the CT has now, recorded in its state. */
static int record(struct vz_ct *ct, const char *ips, const char *devs, const char *netif,
		  const char *host_if, vz_error_t *err)
{
	const char *v[] = {ips ? ips : "", devs ? devs : "", netif ? netif : "", host_if};

	for (size_t i = 0; i < ARRAY_SIZE(state_keys); i++)
		if (vz_state_set(&ct->state, state_keys[i], v[i], err) < 0)
			return -1;
	return ct_save_state(ct, err);
}

struct routed {
	struct vz_net_routed r;
	char *alias;
	char **addrs, **devs;
};

static void routed_init(struct routed *o, struct vz_ct *ct, int netns_fd, const char *ips,
			const char *devs)
{
	const char *host_if = vz_state_get(&ct->state, VZ_STATE_HOST_IF);

	*o = (struct routed){.r.netns_fd = netns_fd};
	if (host_if && *host_if)
		snprintf(o->r.host_if, sizeof(o->r.host_if), "%s", host_if);
	else
		ct_net_host_if(ct, o->r.host_if);
	o->alias = ct_net_link_alias(ct);
	o->addrs = strv_split(ips, " \t");
	o->devs = strv_split(devs, " \t");
	o->r.alias = o->alias;
	o->r.addrs = o->addrs;
	o->r.neigh_devs = o->devs;
}

static void routed_done(struct routed *o)
{
	free(o->alias);
	strv_free(o->addrs);
	strv_free(o->devs);
}

static int filter_allow(struct vz_ct *ct, const struct routed *o, vz_error_t *err)
{
	const struct vz_net_filter *f = ct->ctx->net_filter;

	static char *const none[] = {NULL};

	/* No addresses: nothing but link-local may pass (NULL would let any source through). */
	return f ? f->allow(f->data, ct->id, o->r.host_if, o->addrs ? o->addrs : none, NULL, err)
		 : 0;
}

static int filter_remove(struct vz_ct *ct, vz_error_t *err)
{
	const struct vz_net_filter *f = ct->ctx->net_filter;

	return f ? f->remove(f->data, ct->id, err) : 0;
}

static bool blank(const char *s)
{
	return !s || !s[strspn(s, " \t")];
}

/* Every uplink NEIGHBOUR_DEVS names must exist: say which one does not. */
static int check_neighbour_devs(const char *devs, vz_error_t *err)
{
	_cleanup_strv_ char **v = strv_split(devs, " \t");

	for (char **d = v; *d; d++)
		if (!vz_net_link_exists(*d))
			return vz_error_make(err, VZ_E_GLOBAL_CONFIG, 0,
					     "NEIGHBOUR_DEVS: the host has no interface %s", *d);
	return 0;
}

/* Routed CTs need the host to forward; vz never changes that sysctl, it says so. */
static void warn_forwarding(struct vz_ctx *ctx, const char *ips)
{
	static const struct {
		const char *path, *name;
		bool v6;
	} knobs[] = {
		{"/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward", false},
		{"/proc/sys/net/ipv6/conf/all/forwarding", "net.ipv6.conf.all.forwarding", true},
	};
	_cleanup_strv_ char **addrs = strv_split(ips, " \t");

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		_cleanup_free_ char *v = NULL;
		bool need = false, v6;

		for (char **a = addrs; *a; a++)
			need |= vz_net_addr_valid(*a, &v6) && v6 == knobs[i].v6;
		if (need && read_file_at(AT_FDCWD, knobs[i].path, 16, &v, NULL) == 0 && v[0] == '0')
			vz_warn(ctx,
				"%s is 0: the CT's %s addresses are not reachable from outside",
				knobs[i].name, knobs[i].v6 ? "IPv6" : "IPv4");
	}
}

/* ---- bridged interfaces ---- */

/* With staged, a CT end is left on the host for CRIU: its --external netdev[] value is added. */
static void add_staged(char ***staged, const char *ifname, const char *tmp)
{
	if (staged)
		*staged = strv_push(*staged, xasprintf("netdev[%s]:%s", ifname, tmp));
}

static int veth_add(struct vz_ct *ct, int netns_fd, const struct vz_netif *v, char ***staged,
		    vz_error_t *err)
{
	_cleanup_free_ char *alias = ct_net_link_alias(ct);
	char tmp[IFNAMSIZ] = "";
	struct vz_net_veth nv = {
		.netns_fd = netns_fd,
		.ifname = v->ifname,
		.mac = v->mac,
		.host_ifname = v->host_ifname,
		.host_mac = v->host_mac,
		.bridge = v->bridge,
		.alias = alias,
		.staged_ct_end = tmp,
	};

	if (vz_net_veth_add(&nv, err) < 0)
		return vz_error_wrap(err, "NETIF %s", v->ifname);
	if (netns_fd < 0)
		add_staged(staged, v->ifname, tmp);
	return 0;
}

static char *veth_filter_key(const struct vz_ct *ct, const struct vz_netif *v)
{
	return xasprintf("%s.%s", ct->id, v->ifname);
}

/*
 * The filter of a bridged interface: anti-spoofing with allowed addresses;
 * without, the rules against router-like traffic alone.
 */
static int veth_filter(struct vz_ct *ct, const struct vz_netif *v, vz_error_t *err)
{
	const struct vz_net_filter *f = ct->ctx->net_filter;
	_cleanup_free_ char *key = veth_filter_key(ct, v);
	_cleanup_strv_ char **addrs = v->allow[0] ? strv_split(v->allow, "|") : NULL;

	if (!f)
		return 0;
	return f->allow(f->data, key, v->host_ifname, addrs, addrs ? v->mac : NULL, err);
}

static void veth_del(struct vz_ct *ct, const struct vz_netif *v, const char *alias)
{
	const struct vz_net_filter *f = ct->ctx->net_filter;
	_cleanup_free_ char *key = veth_filter_key(ct, v);

	if (f)
		(void)f->remove(f->data, key, NULL);
	(void)vz_net_veth_del(v->host_ifname, alias, NULL);
}

static bool netif_same(const struct vz_netif *a, const struct vz_netif *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* From the interfaces old to new: remove the gone or changed, add the new or changed. */
static int veths_update(struct vz_ct *ct, int netns_fd, const struct vz_netifs *old,
			struct vz_netifs *new, char ***staged, vz_error_t *err)
{
	_cleanup_free_ char *alias = ct_net_link_alias(ct);

	for (size_t i = 0; i < old->n; i++) {
		int j = vz_netif_find(new, old->v[i].ifname);

		if (j < 0 || !netif_same(&old->v[i], &new->v[j]))
			veth_del(ct, &old->v[i], alias);
	}
	for (size_t i = 0; i < new->n; i++) {
		int j = vz_netif_find(old, new->v[i].ifname);

		if (j >= 0 && netif_same(&old->v[j], &new->v[i]))
			continue;
		if (ct_net_netif_defaults(ct, new, &new->v[i], err) < 0 ||
		    veth_add(ct, netns_fd, &new->v[i], staged, err) < 0)
			return -1;
		if (veth_filter(ct, &new->v[i], err) < 0) {
			(void)vz_net_veth_del(new->v[i].host_ifname, alias, NULL);
			return -1;
		}
	}
	return 0;
}

/* ---- start and stop ---- */

static int routed_start(struct vz_ct *ct, int netns_fd, const char *ips, char ***staged,
			vz_error_t *err)
{
	char tmp[IFNAMSIZ] = "";
	struct routed o;
	int r;

	warn_forwarding(ct->ctx, ips);
	routed_init(&o, ct, netns_fd, ips, ct->ctx->neighbour_devs);
	o.r.staged_ct_end = tmp;
	r = vz_net_routed_start(&o.r, err);
	/* Peers that knew the addresses elsewhere (before a migration) learn where they are. */
	if (r == 0 && netns_fd >= 0)
		(void)vz_net_announce(o.devs, o.addrs);
	if (r == 0 && netns_fd < 0)
		add_staged(staged, VZ_NET_CT_IF, tmp);
	/* Before init runs: nothing leaves the CT unfiltered. */
	if (r == 0)
		r = filter_allow(ct, &o, err);
	routed_done(&o);
	return r;
}

static bool ct_net_configured(const struct vz_config *cfg)
{
	return !blank(vz_config_get(cfg, "IP_ADDRESS")) || !blank(vz_config_get(cfg, "NETIF"));
}

/* The network of ct->cfg into netns, or with netns < 0 staged on the host for CRIU. */
static int net_start(struct vz_ct *ct, int netns, char ***staged, vz_error_t *err)
{
	const char *ips = vz_config_get(ct->cfg, "IP_ADDRESS");
	const char *netif = vz_config_get(ct->cfg, "NETIF");
	struct vz_netifs none = {.n = 0}, veths;
	char host_if[IFNAMSIZ] = "";
	int r;

	if (blank(ips) && blank(netif))
		return 0;
	if (vz_netif_parse(netif, &veths, err) < 0)
		return -1;
	if (!blank(ips)) {
		if (check_neighbour_devs(ct->ctx->neighbour_devs, err) < 0)
			return -1;
		ct_net_host_if(ct, host_if);
	}
	/* Recorded first, so that a failure half way is cleaned up by ct_net_stop. */
	r = record(ct, ips, ct->ctx->neighbour_devs, netif, host_if, err);
	if (r == 0 && !blank(ips))
		r = routed_start(ct, netns, ips, staged, err);
	if (r == 0)
		r = veths_update(ct, netns, &none, &veths, staged, err);
	if (r < 0)
		(void)ct_net_stop(ct, NULL);
	return r;
}

int ct_net_start(struct vz_ct *ct, pid_t pid, vz_error_t *err)
{
	_cleanup_close_ int netns = -EBADF;

	if (!ct_net_configured(ct->cfg))
		return 0;
	/* init is our child, not yet running its program: its pid cannot have been recycled. */
	netns = vz_ns_open(pid, CLONE_NEWNET);
	if (netns < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -netns, "open the CT's network namespace");
	return net_start(ct, netns, NULL, err);
}

int ct_net_stage(struct vz_ct *ct, char ***ret_external, vz_error_t *err)
{
	return net_start(ct, -EBADF, ret_external, err);
}

static bool has_net_state(const struct vz_ct *ct)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_keys); i++)
		if (vz_state_get(&ct->state, state_keys[i]))
			return true;
	return false;
}

int ct_net_stop(struct vz_ct *ct, vz_error_t *err)
{
	struct vz_netifs veths;
	struct routed o;
	int r;

	if (!has_net_state(ct))
		return 0;
	routed_init(&o, ct, -EBADF, vz_state_get(&ct->state, "IP_ADDRESS"),
		    vz_state_get(&ct->state, "NEIGHBOUR_DEVS"));
	r = filter_remove(ct, err);
	if (r == 0)
		r = vz_net_routed_stop(&o.r, err);
	routed_done(&o);
	if (vz_netif_parse(vz_state_get(&ct->state, "NETIF"), &veths, NULL) == 0) {
		_cleanup_free_ char *alias = ct_net_link_alias(ct);

		for (size_t i = 0; i < veths.n; i++)
			veth_del(ct, &veths.v[i], alias);
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(state_keys); i++)
		(void)vz_state_set(&ct->state, state_keys[i], NULL, NULL);
	return 0;
}

void ct_net_announce(struct vz_ct *ct)
{
	_cleanup_strv_ char **addrs = strv_split(vz_state_get(&ct->state, "IP_ADDRESS"), " \t");
	_cleanup_strv_ char **devs = strv_split(vz_state_get(&ct->state, "NEIGHBOUR_DEVS"), " \t");

	(void)vz_net_announce(devs, addrs);
}

/* ---- the network lock of a checkpoint ---- */

/* The CT's host ends: as its state has them, else as its config will make them. */
static char **host_ends(struct vz_ct *ct)
{
	bool have = has_net_state(ct);
	const char *ips = have ? vz_state_get(&ct->state, "IP_ADDRESS")
			       : vz_config_get(ct->cfg, "IP_ADDRESS");
	const char *netif =
		have ? vz_state_get(&ct->state, "NETIF") : vz_config_get(ct->cfg, "NETIF");
	const char *hif = have ? vz_state_get(&ct->state, VZ_STATE_HOST_IF) : NULL;
	struct vz_netifs veths;
	char **v = NULL;

	if (!blank(ips)) {
		char name[IFNAMSIZ];

		if (!hif || !*hif)
			ct_net_host_if(ct, name);
		v = strv_push(v, xstrdup(hif && *hif ? hif : name));
	}
	if (vz_netif_parse(netif, &veths, NULL) == 0)
		for (size_t i = 0; i < veths.n; i++)
			if (veths.v[i].host_ifname[0])
				v = strv_push(v, xstrdup(veths.v[i].host_ifname));
	return v;
}

int ct_net_lock(struct vz_ct *ct, bool on, vz_error_t *err)
{
	const struct vz_net_filter *f = ct->ctx->net_filter;
	_cleanup_strv_ char **ends = NULL;

	if (!f || !f->lock || (!on && !ct->net_locked))
		return 0;
	ends = on ? host_ends(ct) : NULL;
	if (on && !ends)
		return 0;
	if (f->lock(f->data, ct->id, ends, on, err) < 0)
		return -1;
	ct->net_locked = on;
	return 0;
}

/* ---- live changes ---- */

/*
 * What the CT has after changes c: --ipadd/--ipdel act on what it has now
 * (an unsaved --ipadd stays until the next start), IP_ADDRESS replaces it.
 */
static char *live_addrs(const char *now, const struct vz_ct_change *c, size_t n)
{
	_cleanup_config_ struct vz_config *t = vz_config_new();
	const char *v;

	(void)vz_config_set(t, "IP_ADDRESS", now ? now : "", NULL);
	for (size_t i = 0; i < n; i++) {
		if (streq(c[i].key, "IP_ADDRESS"))
			(void)vz_config_set(t, "IP_ADDRESS", c[i].value ? c[i].value : "", NULL);
		else if (streq(c[i].key, "IPADD") || streq(c[i].key, "IPDEL"))
			/* An --ipdel of an address only the config has: nothing to do live. */
			(void)ct_net_ip_op(t, c[i].key, c[i].value ? c[i].value : "", NULL);
	}
	v = vz_config_get(t, "IP_ADDRESS");
	return xstrdup(v ? v : "");
}

static int routed_live(struct vz_ct *ct, int netns_fd, const char *now, const char *ips,
		       const char *devs, vz_error_t *err)
{
	_cleanup_strv_ char **old = strv_split(now, " \t");
	struct routed o;
	int r;

	routed_init(&o, ct, netns_fd, ips, devs);
	r = vz_net_routed_update(&o.r, old, err);
	if (r == 0)
		r = filter_allow(ct, &o, err);
	routed_done(&o);
	return r;
}

/* NETIF after changes c, applied to what the CT has now. */
static int live_netifs(struct vz_ct *ct, struct vz_config *t, const char *now,
		       const struct vz_ct_change *c, size_t n, vz_error_t *err)
{
	char selected[IFNAMSIZ] = "";

	if (vz_config_set(t, "NETIF", now ? now : "", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *v = c[i].value ? c[i].value : "";

		if (streq(c[i].key, "NETIF") && vz_config_set(t, "NETIF", v, err) < 0)
			return -1;
		if (ct_net_is_netif_op(c[i].key) &&
		    ct_net_netif_op(ct, t, c[i].key, v, selected, err) < 0)
			return -1;
	}
	return 0;
}

/* Bring the veths to NETIF after changes c; *ret gets the result as formatted. */
static int netifs_live(struct vz_ct *ct, int netns_fd, const char *now,
		       const struct vz_ct_change *c, size_t n, char **ret, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *t = vz_config_new();
	struct vz_netifs old, new;

	if (live_netifs(ct, t, now, c, n, err) < 0 || vz_netif_parse(now, &old, err) < 0 ||
	    vz_netif_parse(vz_config_get(t, "NETIF"), &new, err) < 0 ||
	    veths_update(ct, netns_fd, &old, &new, NULL, err) < 0)
		return -1;
	/* Generated names and MACs of new entries, as the veths got them. */
	*ret = vz_netif_format(&new);
	return 0;
}

int ct_net_set_live(struct vz_ct *ct, const struct vz_ct_change *c, size_t n, vz_error_t *err)
{
	bool had = has_net_state(ct), ip = false, netif = false;
	const char *now = vz_state_get(&ct->state, "IP_ADDRESS");
	const char *devs =
		had ? vz_state_get(&ct->state, "NEIGHBOUR_DEVS") : ct->ctx->neighbour_devs;
	const char *netif_now = vz_state_get(&ct->state, "NETIF");
	_cleanup_free_ char *ips = live_addrs(now, c, n), *netifs = NULL;
	_cleanup_close_ int netns = vz_ct_open_ns(ct, CLONE_NEWNET, err);
	char host_if[IFNAMSIZ];

	if (netns < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ip |= ct_net_is_ip_key(c[i].key);
		netif |= ct_net_is_netif_key(c[i].key);
	}
	if (ip && routed_live(ct, netns, now, ips, devs, err) < 0)
		return -1;
	if (netif && netifs_live(ct, netns, netif_now, c, n, &netifs, err) < 0)
		return -1;
	ct_net_host_if(ct, host_if);
	/* vz_config_set copies a value before it frees the line it may point into. */
	return record(ct, ips, devs, netifs ? netifs : netif_now, blank(ips) ? "" : host_if, err);
}

int vz_ct_traffic(struct vz_ct *ct, struct vz_ct_traffic *ret, vz_error_t *err)
{
	const char *host_if = vz_state_get(&ct->state, VZ_STATE_HOST_IF);
	struct vz_net_stats ns;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!ct->running || !host_if || !*host_if)
		return 0;
	r = vz_net_link_stats(host_if, &ns);
	/* The host end went with the CT's namespace: nothing to count any more. */
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "CT %s: traffic of '%s'", ct->id,
				     host_if);
	*ret = (struct vz_ct_traffic){true, ns.bytes_in, ns.bytes_out, ns.packets_in,
				      ns.packets_out};
	return 0;
}
