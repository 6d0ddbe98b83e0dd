/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's network as the CT layer sees it: which host interface is its,
 * which addresses it has now (they may differ from the config after a set
 * without --save), and the checks an address must pass.
 *
 * The host end is "vz" + a 3-hex tag of the daemon's root + the CTID (at
 * most 15 bytes), and carries an alias naming the root's hash and the CTID:
 * two daemons on one host get different names, and each removes only links
 * that carry its own alias. What the CT has now is kept in <rundir>/CTID.net
 * (IP_ADDRESS and the NEIGHBOUR_DEVS used), so stop removes exactly that.
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
#include "ct/ct.h"
#include "net/net.h"
#include "net/netif.h"
#include "sandbox/ns.h"
#include "ct/state.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

static void host_if_name(const struct vz_ctx *ctx, const char *ctid, char out[IFNAMSIZ])
{
	(void)snprintf(out, IFNAMSIZ, "vz%03x%s", (unsigned)(vz_ctx_tag(ctx) & 0xfff), ctid);
}

static char *link_alias(const struct vz_ctx *ctx, const char *ctid)
{
	return xasprintf("vz %016llx ct %s", (unsigned long long)vz_ctx_tag(ctx), ctid);
}

/* Space-separated words as a NULL-terminated vector (one allocation each). */
static char **words(const char *s)
{
	char **v = xzalloc(sizeof(char *));
	size_t n = 0;

	while (s && *s) {
		size_t len;

		s += strspn(s, " \t");
		len = strcspn(s, " \t");
		if (len == 0)
			break;
		v = xreallocarray(v, n + 2, sizeof(char *));
		v[n++] = xstrndup(s, len);
		v[n] = NULL;
		s += len;
	}
	return v;
}

static char *net_state_path(const struct vz_ctx *ctx, const char *ctid)
{
	return xasprintf("%s/%s.net", ctx->rundir, ctid);
}

/* What the CT has now: its addresses, the uplinks that proxy them, its veths. */
static int save_net_state(struct vz_ctx *ctx, const char *ctid, const char *ips, const char *devs,
			  const char *netif, vz_error_t *err)
{
	_cleanup_free_ char *path = net_state_path(ctx, ctid);
	_cleanup_config_ struct vz_config *s = vz_config_new();

	if (vz_config_set(s, "IP_ADDRESS", ips ? ips : "", err) < 0 ||
	    vz_config_set(s, "NEIGHBOUR_DEVS", devs ? devs : "", err) < 0 ||
	    vz_config_set(s, "NETIF", netif ? netif : "", err) < 0)
		return -1;
	return vz_config_save(s, path, err);
}

/* The CT's live network, or NULL when it has none. */
static struct vz_config *load_net_state(struct vz_ctx *ctx, const char *ctid)
{
	_cleanup_free_ char *path = net_state_path(ctx, ctid);

	return vz_config_load(path, NULL);
}

struct routed {
	struct vz_net_routed r;
	char *alias;
	char **addrs, **devs;
};

static void routed_init(struct routed *o, struct vz_ctx *ctx, const char *ctid, int netns_fd,
			const char *ips, const char *devs)
{
	*o = (struct routed){.r.netns_fd = netns_fd};
	host_if_name(ctx, ctid, o->r.host_if);
	o->alias = link_alias(ctx, ctid);
	o->addrs = words(ips);
	o->devs = words(devs);
	o->r.alias = o->alias;
	o->r.addrs = o->addrs;
	o->r.neigh_devs = o->devs;
}

static void routed_done(struct routed *o)
{
	free(o->alias);
	ct_strv_free(o->addrs);
	ct_strv_free(o->devs);
}

static int filter_allow(struct vz_ctx *ctx, const char *ctid, const struct routed *o,
			vz_error_t *err)
{
	const struct vz_net_filter *f = ctx->net_filter;

	return f ? f->allow(f->data, ctid, o->r.host_if, o->addrs, NULL, err) : 0;
}

static int filter_remove(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	const struct vz_net_filter *f = ctx->net_filter;

	return f ? f->remove(f->data, ctid, err) : 0;
}

static int veths_update(struct vz_ctx *ctx, const char *ctid, int netns_fd,
			const struct vz_netifs *old, struct vz_netifs *new, vz_error_t *err);
static void veths_del(struct vz_ctx *ctx, const char *ctid, const struct vz_netifs *l);

static bool blank(const char *s)
{
	return !s || !s[strspn(s, " \t")];
}

/* Every uplink NEIGHBOUR_DEVS names must exist: say which one does not. */
static int check_neighbour_devs(const char *devs, vz_error_t *err)
{
	char **v = words(devs);
	int r = 0;

	for (char **d = v; *d && r == 0; d++)
		if (!vz_net_link_exists(*d))
			r = vz_error_make(err, VZ_E_GLOBAL_CONFIG, 0,
					  "NEIGHBOUR_DEVS: the host has no interface %s", *d);
	ct_strv_free(v);
	return r;
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
	char **addrs = words(ips);

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
	ct_strv_free(addrs);
}

int ct_net_start(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg, pid_t pid,
		 vz_error_t *err)
{
	const char *ips = vz_config_get(cfg, "IP_ADDRESS");
	const char *netif = vz_config_get(cfg, "NETIF");
	struct vz_netifs none = {.n = 0}, veths;
	_cleanup_close_ int netns = -EBADF;
	struct routed o;
	int r = 0;

	if (blank(ips) && blank(netif))
		return 0;
	if (vz_netif_parse(netif, &veths, err) < 0)
		return -1;
	/* init is our child, not yet running: its pid cannot have been recycled. */
	netns = vz_ns_open(pid, CLONE_NEWNET);
	if (netns < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -netns, "open the CT's network namespace");
	routed_init(&o, ctx, ctid, netns, ips, ctx->neighbour_devs);
	/* Recorded first, so that a failure half way is cleaned up by ct_net_stop. */
	r = blank(ips) ? 0 : check_neighbour_devs(ctx->neighbour_devs, err);
	if (r == 0)
		r = save_net_state(ctx, ctid, ips, ctx->neighbour_devs, netif, err);
	if (r == 0 && !blank(ips)) {
		warn_forwarding(ctx, ips);
		r = vz_net_routed_start(&o.r, err);
	}
	/* Before init runs: nothing leaves the CT unfiltered. */
	if (r == 0 && !blank(ips))
		r = filter_allow(ctx, ctid, &o, err);
	if (r == 0)
		r = veths_update(ctx, ctid, netns, &none, &veths, err);
	routed_done(&o);
	if (r < 0)
		(void)ct_net_stop(ctx, ctid, NULL);
	return r;
}

int ct_net_stop(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *s = load_net_state(ctx, ctid);
	_cleanup_free_ char *path = net_state_path(ctx, ctid);
	struct vz_netifs veths;
	struct routed o;
	int r;

	if (!s)
		return 0;
	routed_init(&o, ctx, ctid, -EBADF, vz_config_get(s, "IP_ADDRESS"),
		    vz_config_get(s, "NEIGHBOUR_DEVS"));
	r = filter_remove(ctx, ctid, err);
	if (r == 0)
		r = vz_net_routed_stop(&o.r, err);
	routed_done(&o);
	if (vz_netif_parse(vz_config_get(s, "NETIF"), &veths, NULL) == 0)
		veths_del(ctx, ctid, &veths);
	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "remove '%s'", path);
	return r;
}

/*
 * What the CT has after changes c: --ipadd/--ipdel act on what it has now
 * (an unsaved --ipadd stays until the next start), IP_ADDRESS replaces it.
 */
static char *live_target(const char *now, const struct vz_ct_change *c, size_t n)
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

static bool changes_key(const struct vz_ct_change *c, size_t n, bool (*match)(const char *))
{
	for (size_t i = 0; i < n; i++)
		if (match(c[i].key))
			return true;
	return false;
}

static bool is_ip_key(const char *k)
{
	return streq(k, "IP_ADDRESS") || streq(k, "IPADD") || streq(k, "IPDEL");
}

static bool is_netif_key(const char *k)
{
	return streq(k, "NETIF") || ct_net_is_netif_op(k);
}

bool ct_net_changes(const struct vz_ct_change *c, size_t n)
{
	return changes_key(c, n, is_ip_key) || changes_key(c, n, is_netif_key);
}

static int routed_live(struct vz_ctx *ctx, const char *ctid, int netns_fd, const char *now,
		       const char *ips, const char *devs, vz_error_t *err)
{
	char **old = words(now);
	struct routed o;
	int r;

	routed_init(&o, ctx, ctid, netns_fd, ips, devs);
	r = vz_net_routed_update(&o.r, old, err);
	if (r == 0)
		r = filter_allow(ctx, ctid, &o, err);
	routed_done(&o);
	ct_strv_free(old);
	return r;
}

static int netif_target(struct vz_ctx *ctx, const char *ctid, struct vz_config *t, const char *now,
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
		    ct_net_netif_op(ctx, ctid, t, c[i].key, v, selected, err) < 0)
			return -1;
	}
	return 0;
}

int ct_net_set_live(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st,
		    const struct vz_config *cfg, const struct vz_ct_change *c, size_t n,
		    vz_error_t *err)
{
	_cleanup_config_ struct vz_config *s = load_net_state(ctx, ctid);
	const char *now = s ? vz_config_get(s, "IP_ADDRESS") : NULL;
	const char *devs = s ? vz_config_get(s, "NEIGHBOUR_DEVS") : ctx->neighbour_devs;
	const char *netif_now = s ? vz_config_get(s, "NETIF") : NULL;
	const char *netif = netif_now;
	_cleanup_free_ char *ips = live_target(now, c, n), *formatted = NULL;
	_cleanup_config_ struct vz_config *live = NULL;
	_cleanup_close_ int netns = vz_ns_open(st->pid, CLONE_NEWNET);
	struct vz_netifs old, new;

	/* Checked after the open: a recycled pid must not get the CT's interfaces. */
	if (netns < 0 || !vz_state_alive(st))
		return vz_error_make(err, VZ_E_NOT_RUNNING, netns < 0 ? -netns : ESRCH,
				     "open the CT's network namespace");
	if (changes_key(c, n, is_ip_key) && routed_live(ctx, ctid, netns, now, ips, devs, err) < 0)
		return -1;
	if (changes_key(c, n, is_netif_key)) {
		/* Like addresses: the changes act on the interfaces the CT has now. */
		live = vz_config_new();
		if (netif_target(ctx, ctid, live, netif_now, c, n, err) < 0)
			return -1;
		netif = vz_config_get(live, "NETIF");
		(void)cfg;
		if (vz_netif_parse(netif_now, &old, err) < 0 ||
		    vz_netif_parse(netif, &new, err) < 0 ||
		    veths_update(ctx, ctid, netns, &old, &new, err) < 0)
			return -1;
		/* Generated names and MACs of new entries, as the veths got them. */
		formatted = vz_netif_format(&new);
		netif = formatted;
	}
	return save_net_state(ctx, ctid, ips, devs, netif, err);
}

/* ---- --ipadd / --ipdel, and the checks of IP_ADDRESS ---- */

static bool has_addr(char *const *list, const char *a)
{
	for (char *const *p = list; p && *p; p++)
		if (vz_net_addr_equal(*p, a))
			return true;
	return false;
}

static char *join(char *const *v)
{
	size_t len = 1;
	char *s;

	for (char *const *p = v; p && *p; p++)
		len += strlen(*p) + 1;
	s = xzalloc(len);
	len = 0;
	for (char *const *p = v; p && *p; p++) {
		size_t n = strlen(*p);

		if (len)
			s[len++] = ' ';
		memcpy(s + len, *p, n);
		len += n;
	}
	return s;
}

int ct_net_ip_op(struct vz_config *cfg, const char *op, const char *value, vz_error_t *err)
{
	char **cur = words(vz_config_get(cfg, "IP_ADDRESS"));
	_cleanup_free_ char *list = NULL;
	size_t n = 0, k = 0;
	int r = -1;

	while (cur[n])
		n++;
	if (streq(op, "IPADD")) {
		if (!vz_net_addr_valid(value, NULL)) {
			vz_error_make(err, VZ_E_VALUE, 0, "--ipadd: invalid IP address '%s'",
				      value);
			goto out;
		}
		if (!has_addr(cur, value)) {
			cur = xreallocarray(cur, n + 2, sizeof(char *));
			cur[n++] = xstrdup(value);
			cur[n] = NULL;
		}
	} else if (streq(value, "all")) {
		ct_strv_free(cur);
		cur = xzalloc(sizeof(char *));
	} else {
		if (!has_addr(cur, value)) {
			vz_error_make(err, VZ_E_VALUE, 0, "--ipdel: the CT has no address '%s'",
				      value);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (vz_net_addr_equal(cur[i], value))
				free(cur[i]);
			else
				cur[k++] = cur[i];
		}
		cur[k] = NULL;
	}
	list = join(cur);
	r = vz_config_set(cfg, "IP_ADDRESS", list, err);
out:
	ct_strv_free(cur);
	return r;
}

int ct_net_check_addrs(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		       vz_error_t *err)
{
	char **mine = words(vz_config_get(cfg, "IP_ADDRESS"));
	char **ids = vz_ct_list_ids(ctx, NULL);
	int r = 0;

	/* The same address twice in one list is a typo, not two addresses. */
	for (size_t i = 0; mine[i] && r == 0; i++)
		for (size_t j = i + 1; mine[j] && r == 0; j++)
			if (vz_net_addr_equal(mine[i], mine[j]))
				r = vz_error_make(err, VZ_E_VALUE, 0,
						  "IP_ADDRESS: %s is given twice", mine[j]);
	for (char **id = ids; id && *id && r == 0; id++) {
		_cleanup_config_ struct vz_config *other = NULL;
		char **theirs;

		if (streq(*id, ctid) || !(other = vz_ct_load_config(ctx, *id, NULL)))
			continue;
		theirs = words(vz_config_get(other, "IP_ADDRESS"));
		for (char **a = mine; *a && r == 0; a++)
			if (has_addr(theirs, *a))
				r = vz_error_make(err, VZ_E_VALUE, 0,
						  "IP address %s is already used by CT %s", *a,
						  *id);
		ct_strv_free(theirs);
	}
	ct_strv_free(ids);
	ct_strv_free(mine);
	return r;
}

int vz_ct_net_stats(struct vz_ctx *ctx, const char *ctid, struct vz_net_stats *ret)
{
	char name[IFNAMSIZ];

	host_if_name(ctx, ctid, name);
	return vz_net_link_stats(name, ret);
}

char *vz_ct_net_ips(struct vz_ctx *ctx, const char *ctid)
{
	_cleanup_config_ struct vz_config *s = load_net_state(ctx, ctid);
	const char *v = s ? vz_config_get(s, "IP_ADDRESS") : NULL;

	return v ? xstrdup(v) : NULL;
}

/* ---- bridged interfaces (NETIF) ---- */

static uint64_t netif_seed(const struct vz_ctx *ctx, const char *ctid, const char *ifname,
			   unsigned salt)
{
	uint64_t h = vz_ctx_tag(ctx) ^ salt;

	for (const char *s = ctid; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	for (const char *s = ifname; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Fill what the operator left out: host name "vz<tag><ctid>.<k>", stable MACs. */
static int netif_defaults(struct vz_ctx *ctx, const char *ctid, struct vz_netifs *l,
			  struct vz_netif *v, vz_error_t *err)
{
	if (!v->host_ifname[0]) {
		for (unsigned k = 0; k < VZ_NETIF_MAX * 2; k++) {
			char name[64];
			bool used = false;

			(void)snprintf(name, sizeof(name), "vz%03x%s.%u",
				       (unsigned)(vz_ctx_tag(ctx) & 0xfff), ctid, k);
			if (strlen(name) >= IFNAMSIZ)
				return vz_error_make(err, VZ_E_VALUE, 0,
						     "--netif_add: CT ID %s is too long for a host "
						     "interface name: give host_ifname",
						     ctid);
			for (size_t i = 0; i < l->n; i++)
				used |= streq(l->v[i].host_ifname, name);
			if (!used) {
				snprintf(v->host_ifname, sizeof(v->host_ifname), "%s", name);
				break;
			}
		}
	}
	if (!v->mac[0])
		vz_netif_make_mac(netif_seed(ctx, ctid, v->ifname, 1), v->mac);
	if (!v->host_mac[0])
		vz_netif_make_mac(netif_seed(ctx, ctid, v->ifname, 2), v->host_mac);
	return 0;
}

static int netif_save(struct vz_config *cfg, const struct vz_netifs *l, vz_error_t *err)
{
	_cleanup_free_ char *s = vz_netif_format(l);

	return vz_config_set(cfg, "NETIF", s, err);
}

static const char *option_name(const char *key)
{
	static const char *const names[][2] = {
		{"NETIF_MAC", "mac"},		{"NETIF_HOST_IFNAME", "host_ifname"},
		{"NETIF_HOST_MAC", "host_mac"}, {"NETIF_BRIDGE", "bridge"},
		{"NETIF_ALLOW", "ipfilter"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(names[i][0], key))
			return names[i][1];
	return key;
}

/* --ipfilter ADDR[,ADDR...] of the interface --ifname named; "no" or "" clears it. */
static int set_allow(struct vz_config *cfg, struct vz_netifs *l, struct vz_netif *t,
		     const char *value, vz_error_t *err)
{
	char spec[sizeof(t->allow) + 16];
	size_t k = 0;

	if (streq(value, "no"))
		value = "";
	for (const char *p = value; *p && k + 1 < sizeof(t->allow); p++)
		t->allow[k++] = (*p == ',' || *p == ' ') ? '|' : *p;
	t->allow[k] = '\0';
	(void)snprintf(spec, sizeof(spec), "ifname=x,allow=%s", t->allow);
	{
		struct vz_netifs check;

		if (strlen(value) >= sizeof(t->allow) || vz_netif_parse(spec, &check, err) < 0)
			return vz_error_wrap(err, "--ipfilter");
	}
	return netif_save(cfg, l, err);
}

/*
 * A host end name the operator gave: not one of the names vz makes (its own
 * routed and generated ends), not a link the host already has.
 */
static int check_host_ifname(struct vz_ctx *ctx, const char *name, const char *current,
			     vz_error_t *err)
{
	char tag[8];

	if (!name[0] || (current && streq(name, current)))
		return 0;
	(void)snprintf(tag, sizeof(tag), "vz%03x", (unsigned)(vz_ctx_tag(ctx) & 0xfff));
	if (!strncmp(name, tag, strlen(tag)))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "host_ifname: names starting with %s are vz's own", tag);
	if (vz_net_link_exists(name))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "host_ifname: the host already has an interface %s", name);
	return 0;
}

int ct_net_netif_op(struct vz_ctx *ctx, const char *ctid, struct vz_config *cfg, const char *key,
		    const char *value, char *selected, vz_error_t *err)
{
	struct vz_netifs l;
	struct vz_netif v;
	int i;

	if (vz_netif_parse(vz_config_get(cfg, "NETIF"), &l, err) < 0)
		return -1;
	if (streq(key, "NETIF_ADD")) {
		if (vz_netif_parse_cli(value, &v, err) < 0)
			return -1;
		if (vz_netif_find(&l, v.ifname) >= 0)
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "--netif_add: the CT has %s already", v.ifname);
		if (l.n == VZ_NETIF_MAX)
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "--netif_add: at most %d interfaces", VZ_NETIF_MAX);
		if (check_host_ifname(ctx, v.host_ifname, NULL, err) < 0 ||
		    netif_defaults(ctx, ctid, &l, &v, err) < 0)
			return -1;
		l.v[l.n++] = v;
		return netif_save(cfg, &l, err);
	}
	if (streq(key, "NETIF_DEL")) {
		if (streq(value, "all")) {
			l.n = 0;
			return netif_save(cfg, &l, err);
		}
		i = vz_netif_find(&l, value);
		if (i < 0)
			return vz_error_make(err, VZ_E_VALUE, 0, "--netif_del: the CT has no %s",
					     value);
		memmove(&l.v[i], &l.v[i + 1], (l.n - (size_t)i - 1) * sizeof(l.v[0]));
		l.n--;
		return netif_save(cfg, &l, err);
	}
	if (streq(key, "IFNAME")) {
		if (vz_netif_find(&l, value) < 0)
			return vz_error_make(err, VZ_E_VALUE, 0, "--ifname: the CT has no %s",
					     value);
		snprintf(selected, IFNAMSIZ, "%s", value);
		return 0;
	}
	/* --mac, --host_ifname, --host_mac, --bridge, --ipfilter: of the interface --ifname named.
	 */
	i = selected[0] ? vz_netif_find(&l, selected) : -1;
	if (i < 0)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "--%s needs --ifname before it",
				     option_name(key));
	if (streq(key, "NETIF_ALLOW"))
		return set_allow(cfg, &l, &l.v[i], value, err);
	{
		char spec[128];
		struct vz_netif *t = &l.v[i];

		(void)snprintf(spec, sizeof(spec), "%s,%s,%s,%s,%s", t->ifname,
			       streq(key, "NETIF_MAC") ? value : t->mac,
			       streq(key, "NETIF_HOST_IFNAME") ? value : t->host_ifname,
			       streq(key, "NETIF_HOST_MAC") ? value : t->host_mac,
			       streq(key, "NETIF_BRIDGE") ? value : t->bridge);
		if (vz_netif_parse_cli(spec, &v, err) < 0 ||
		    check_host_ifname(ctx, v.host_ifname, t->host_ifname, err) < 0)
			return -1;
		memcpy(v.allow, t->allow, sizeof(v.allow));
		*t = v;
	}
	return netif_save(cfg, &l, err);
}

bool ct_net_is_netif_op(const char *key)
{
	static const char *const ops[] = {"NETIF_ADD",	  "NETIF_DEL",	       "IFNAME",
					  "NETIF_MAC",	  "NETIF_HOST_IFNAME", "NETIF_HOST_MAC",
					  "NETIF_BRIDGE", "NETIF_ALLOW"};

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (streq(ops[i], key))
			return true;
	return false;
}

/* NETIF of cfg: bridges that exist, host names free of the other CTs'. */
int ct_net_check_netifs(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
			vz_error_t *err)
{
	struct vz_netifs l;

	if (vz_netif_parse(vz_config_get(cfg, "NETIF"), &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].bridge[0] && !vz_net_is_bridge(l.v[i].bridge))
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "NETIF %s: bridge %s does not exist", l.v[i].ifname,
					     l.v[i].bridge);
	(void)ctx;
	(void)ctid;
	return 0;
}

static int veth_add(struct vz_ctx *ctx, const char *ctid, int netns_fd, const struct vz_netif *v,
		    vz_error_t *err)
{
	_cleanup_free_ char *alias = link_alias(ctx, ctid);
	struct vz_net_veth nv = {
		.netns_fd = netns_fd,
		.ifname = v->ifname,
		.mac = v->mac,
		.host_ifname = v->host_ifname,
		.host_mac = v->host_mac,
		.bridge = v->bridge,
		.alias = alias,
	};

	if (vz_net_veth_add(&nv, err) < 0)
		return vz_error_wrap(err, "NETIF %s", v->ifname);
	return 0;
}

/* The anti-spoofing filter of a bridged interface with allowed addresses. */
static int veth_filter(struct vz_ctx *ctx, const char *ctid, const struct vz_netif *v,
		       vz_error_t *err)
{
	const struct vz_net_filter *f = ctx->net_filter;
	_cleanup_free_ char *key = xasprintf("%s.%s", ctid, v->ifname);
	_cleanup_free_ char *list = xstrdup(v->allow);
	char **addrs = NULL;
	size_t n = 0;
	int r;

	if (!f || !v->allow[0])
		return 0;
	for (char *save = NULL, *a = strtok_r(list, "|", &save); a;
	     a = strtok_r(NULL, "|", &save)) {
		addrs = xreallocarray(addrs, n + 2, sizeof(char *));
		addrs[n++] = a;
		addrs[n] = NULL;
	}
	r = f->allow(f->data, key, v->host_ifname, addrs, v->mac, err);
	free(addrs);
	return r;
}

static void veth_unfilter(struct vz_ctx *ctx, const char *ctid, const struct vz_netif *v)
{
	const struct vz_net_filter *f = ctx->net_filter;
	_cleanup_free_ char *key = xasprintf("%s.%s", ctid, v->ifname);

	if (f)
		(void)f->remove(f->data, key, NULL);
}

static void veths_del(struct vz_ctx *ctx, const char *ctid, const struct vz_netifs *l)
{
	_cleanup_free_ char *alias = link_alias(ctx, ctid);

	for (size_t i = 0; i < l->n; i++) {
		veth_unfilter(ctx, ctid, &l->v[i]);
		(void)vz_net_veth_del(l->v[i].host_ifname, alias, NULL);
	}
}

static bool netif_same(const struct vz_netif *a, const struct vz_netif *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* From the interfaces old to new: remove the gone or changed, add the new or changed. */
static int veths_update(struct vz_ctx *ctx, const char *ctid, int netns_fd,
			const struct vz_netifs *old, struct vz_netifs *new, vz_error_t *err)
{
	_cleanup_free_ char *alias = link_alias(ctx, ctid);

	for (size_t i = 0; i < old->n; i++) {
		int j = vz_netif_find(new, old->v[i].ifname);

		if (j < 0 || !netif_same(&old->v[i], &new->v[j])) {
			veth_unfilter(ctx, ctid, &old->v[i]);
			(void)vz_net_veth_del(old->v[i].host_ifname, alias, NULL);
		}
	}
	for (size_t i = 0; i < new->n; i++) {
		int j = vz_netif_find(old, new->v[i].ifname);

		if (j >= 0 && netif_same(&old->v[j], &new->v[i]))
			continue;
		if (netif_defaults(ctx, ctid, new, &new->v[i], err) < 0 ||
		    veth_add(ctx, ctid, netns_fd, &new->v[i], err) < 0)
			return -1;
		if (veth_filter(ctx, ctid, &new->v[i], err) < 0) {
			(void)vz_net_veth_del(new->v[i].host_ifname, alias, NULL);
			return -1;
		}
	}
	return 0;
}

bool ct_net_live_only(struct vz_ctx *ctx, const char *ctid, const char *op, const char *value,
		      vz_error_t *err)
{
	_cleanup_free_ char *live = NULL;
	char **now;
	bool has;

	if (!streq(op, "IPDEL") || !value)
		return false;
	live = vz_ct_net_ips(ctx, ctid);
	now = words(live);
	has = has_addr(now, value);
	ct_strv_free(now);
	if (has)
		vz_error_release(err);
	return has;
}
