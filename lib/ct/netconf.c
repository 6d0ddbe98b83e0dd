/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network keys of a CT's config: --ipadd/--ipdel on IP_ADDRESS, the
 * NETIF edits (--netif_add, --netif_del, --ifname with its options), the
 * checks an address or interface must pass, and the names of the CT's
 * host-side objects.
 *
 * The routed host end is "vz" + a 3-hex tag of the daemon's root + the
 * CTID (at most 15 bytes), bridged ones add ".k"; each carries an alias
 * naming the root's hash and the CTID: two daemons on one host get
 * different names, and each removes only links that carry its own alias.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/ctid.h"
#include "ct/internal.h"
#include "net/net.h"
#include "net/netif.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

static unsigned short_tag(const struct vz_ctx *ctx)
{
	return (unsigned)(vz_ctx_tag(ctx) & 0xfff);
}

void ct_net_host_if(const struct vz_ct *ct, char out[IFNAMSIZ])
{
	(void)snprintf(out, IFNAMSIZ, "vz%03x%s", short_tag(ct->ctx), ct->id);
}

char *ct_net_link_alias(const struct vz_ct *ct)
{
	return xasprintf("vz %016llx ct %s", (unsigned long long)vz_ctx_tag(ct->ctx), ct->id);
}

static bool has_addr(char *const *list, const char *a)
{
	for (char *const *p = list; p && *p; p++)
		if (vz_net_addr_equal(*p, a))
			return true;
	return false;
}

/* The list without the addresses equal to a. */
static char **without_addr(char **list, const char *a)
{
	size_t k = 0;

	for (size_t i = 0; list[i]; i++) {
		if (vz_net_addr_equal(list[i], a))
			free(list[i]);
		else
			list[k++] = list[i];
	}
	list[k] = NULL;
	return list;
}

int ct_net_ip_op(struct vz_config *cfg, const char *op, const char *value, vz_error_t *err)
{
	_cleanup_strv_ char **cur = strv_split(vz_config_get(cfg, "IP_ADDRESS"), " \t");
	_cleanup_free_ char *list = NULL;

	if (streq(op, "IPADD")) {
		if (!vz_net_addr_valid(value, NULL))
			return vz_error_make(err, VZ_E_VALUE, 0, "--ipadd: invalid IP address '%s'",
					     value);
		if (!has_addr(cur, value))
			cur = strv_push(cur, xstrdup(value));
	} else if (streq(value, "all")) {
		strv_free(cur);
		cur = xzalloc(sizeof(char *));
	} else {
		if (!has_addr(cur, value))
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "--ipdel: the CT has no address '%s'", value);
		cur = without_addr(cur, value);
	}
	list = strv_join(cur, " ");
	return vz_config_set(cfg, "IP_ADDRESS", list, err);
}

struct addr_scan {
	const char *self;
	char **mine;
	const char *addr; /* found: an address of mine ... */
	char *owner;	  /* ... that this CT has too */
};

static int find_addr_owner(const char *id, const struct vz_config *cfg, void *data)
{
	struct addr_scan *s = data;
	_cleanup_strv_ char **theirs = NULL;

	if (streq(id, s->self))
		return 0;
	theirs = strv_split(vz_config_get(cfg, "IP_ADDRESS"), " \t");
	for (char **a = s->mine; *a; a++) {
		if (has_addr(theirs, *a)) {
			s->addr = *a;
			s->owner = xstrdup(id);
			return 1;
		}
	}
	return 0;
}

int ct_net_check_addrs(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	_cleanup_strv_ char **mine = strv_split(vz_config_get(cfg, "IP_ADDRESS"), " \t");
	struct addr_scan s = {.self = ct->id, .mine = mine};
	int r;

	/* The same address twice in one list is a typo, not two addresses. */
	for (size_t i = 0; mine[i]; i++)
		for (size_t j = i + 1; mine[j]; j++)
			if (vz_net_addr_equal(mine[i], mine[j]))
				return vz_error_make(err, VZ_E_VALUE, 0,
						     "IP_ADDRESS: %s is given twice", mine[j]);
	if (!vz_ct_foreach_config(ct->ctx, find_addr_owner, &s))
		return 0;
	r = vz_error_make(err, VZ_E_VALUE, 0, "IP address %s is already used by CT %s", s.addr,
			  s.owner);
	free(s.owner);
	return r;
}

bool ct_net_live_only(struct vz_ct *ct, const char *op, const char *value, vz_error_t *err)
{
	_cleanup_strv_ char **now = NULL;

	if (!streq(op, "IPDEL") || !value || !ct->running)
		return false;
	now = strv_split(vz_state_get(&ct->state, "IP_ADDRESS"), " \t");
	if (!has_addr(now, value))
		return false;
	vz_error_release(err);
	return true;
}

static bool changes_key(const struct vz_ct_change *c, size_t n, bool (*match)(const char *))
{
	for (size_t i = 0; i < n; i++)
		if (match(c[i].key))
			return true;
	return false;
}

bool ct_net_is_ip_key(const char *k)
{
	return streq(k, "IP_ADDRESS") || streq(k, "IPADD") || streq(k, "IPDEL");
}

bool ct_net_is_netif_key(const char *k)
{
	return streq(k, "NETIF") || ct_net_is_netif_op(k);
}

bool ct_net_changes(const struct vz_ct_change *c, size_t n)
{
	return changes_key(c, n, ct_net_is_ip_key) || changes_key(c, n, ct_net_is_netif_key);
}

/* ---- bridged interfaces (NETIF) ---- */

static uint64_t netif_seed(const struct vz_ct *ct, const char *ifname, unsigned salt)
{
	uint64_t h = vz_ctx_tag(ct->ctx) ^ salt;

	for (const char *s = ct->id; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	for (const char *s = ifname; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The first "vz<tag><ctid>.<k>" no interface of l has. */
static int free_host_name(struct vz_ct *ct, const struct vz_netifs *l, struct vz_netif *v,
			  vz_error_t *err)
{
	for (unsigned k = 0; k < VZ_NETIF_MAX * 2; k++) {
		char name[64];
		bool used = false;

		(void)snprintf(name, sizeof(name), "vz%03x%s.%u", short_tag(ct->ctx), ct->id, k);
		if (strlen(name) >= IFNAMSIZ)
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "--netif_add: CT ID %s is too long for a host "
					     "interface name: give host_ifname",
					     ct->id);
		for (size_t i = 0; i < l->n; i++)
			used |= streq(l->v[i].host_ifname, name);
		if (!used) {
			snprintf(v->host_ifname, sizeof(v->host_ifname), "%s", name);
			return 0;
		}
	}
	return 0;
}

int ct_net_netif_defaults(struct vz_ct *ct, struct vz_netifs *l, struct vz_netif *v,
			  vz_error_t *err)
{
	if (!v->host_ifname[0] && free_host_name(ct, l, v, err) < 0)
		return -1;
	if (!v->mac[0])
		vz_netif_make_mac(netif_seed(ct, v->ifname, 1), v->mac);
	if (!v->host_mac[0])
		vz_netif_make_mac(netif_seed(ct, v->ifname, 2), v->host_mac);
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
	struct vz_netifs check;
	size_t k = 0;

	if (streq(value, "no"))
		value = "";
	for (const char *p = value; *p && k + 1 < sizeof(t->allow); p++)
		t->allow[k++] = (*p == ',' || *p == ' ') ? '|' : *p;
	t->allow[k] = '\0';
	(void)snprintf(spec, sizeof(spec), "ifname=x,allow=%s", t->allow);
	if (strlen(value) >= sizeof(t->allow) || vz_netif_parse(spec, &check, err) < 0)
		return vz_error_wrap(err, "--ipfilter");
	return netif_save(cfg, l, err);
}

/*
 * A host end name the operator gave: not one of the names vz makes (its own
 * routed and generated ends), not a link the host already has.
 */
static int check_host_ifname(struct vz_ct *ct, const char *name, const char *current,
			     vz_error_t *err)
{
	char tag[8];

	if (!name[0] || (current && streq(name, current)))
		return 0;
	(void)snprintf(tag, sizeof(tag), "vz%03x", short_tag(ct->ctx));
	if (!strncmp(name, tag, strlen(tag)))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "host_ifname: names starting with %s are vz's own", tag);
	if (vz_net_link_exists(name))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "host_ifname: the host already has an interface %s", name);
	return 0;
}

static int netif_add(struct vz_ct *ct, struct vz_config *cfg, struct vz_netifs *l,
		     const char *value, vz_error_t *err)
{
	struct vz_netif v;

	if (vz_netif_parse_cli(value, &v, err) < 0)
		return -1;
	if (vz_netif_find(l, v.ifname) >= 0)
		return vz_error_make(err, VZ_E_VALUE, 0, "--netif_add: the CT has %s already",
				     v.ifname);
	if (l->n == VZ_NETIF_MAX)
		return vz_error_make(err, VZ_E_VALUE, 0, "--netif_add: at most %d interfaces",
				     VZ_NETIF_MAX);
	if (check_host_ifname(ct, v.host_ifname, NULL, err) < 0 ||
	    ct_net_netif_defaults(ct, l, &v, err) < 0)
		return -1;
	l->v[l->n++] = v;
	return netif_save(cfg, l, err);
}

static int netif_del(struct vz_config *cfg, struct vz_netifs *l, const char *value, vz_error_t *err)
{
	int i;

	if (streq(value, "all")) {
		l->n = 0;
		return netif_save(cfg, l, err);
	}
	i = vz_netif_find(l, value);
	if (i < 0)
		return vz_error_make(err, VZ_E_VALUE, 0, "--netif_del: the CT has no %s", value);
	memmove(&l->v[i], &l->v[i + 1], (l->n - (size_t)i - 1) * sizeof(l->v[0]));
	l->n--;
	return netif_save(cfg, l, err);
}

/* --mac, --host_ifname, --host_mac, --bridge of the interface t. */
static int netif_change(struct vz_ct *ct, struct vz_config *cfg, struct vz_netifs *l,
			struct vz_netif *t, const char *key, const char *value, vz_error_t *err)
{
	char spec[128];
	struct vz_netif v;

	(void)snprintf(spec, sizeof(spec), "%s,%s,%s,%s,%s", t->ifname,
		       streq(key, "NETIF_MAC") ? value : t->mac,
		       streq(key, "NETIF_HOST_IFNAME") ? value : t->host_ifname,
		       streq(key, "NETIF_HOST_MAC") ? value : t->host_mac,
		       streq(key, "NETIF_BRIDGE") ? value : t->bridge);
	if (vz_netif_parse_cli(spec, &v, err) < 0 ||
	    check_host_ifname(ct, v.host_ifname, t->host_ifname, err) < 0)
		return -1;
	memcpy(v.allow, t->allow, sizeof(v.allow));
	*t = v;
	return netif_save(cfg, l, err);
}

int ct_net_netif_op(struct vz_ct *ct, struct vz_config *cfg, const char *key, const char *value,
		    char *selected, vz_error_t *err)
{
	struct vz_netifs l;
	int i;

	if (vz_netif_parse(vz_config_get(cfg, "NETIF"), &l, err) < 0)
		return -1;
	if (streq(key, "NETIF_ADD"))
		return netif_add(ct, cfg, &l, value, err);
	if (streq(key, "NETIF_DEL"))
		return netif_del(cfg, &l, value, err);
	if (streq(key, "IFNAME")) {
		if (vz_netif_find(&l, value) < 0)
			return vz_error_make(err, VZ_E_VALUE, 0, "--ifname: the CT has no %s",
					     value);
		snprintf(selected, IFNAMSIZ, "%s", value);
		return 0;
	}
	/* The options of the interface --ifname named. */
	i = selected[0] ? vz_netif_find(&l, selected) : -1;
	if (i < 0)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "--%s needs --ifname before it",
				     option_name(key));
	if (streq(key, "NETIF_ALLOW"))
		return set_allow(cfg, &l, &l.v[i], value, err);
	return netif_change(ct, cfg, &l, &l.v[i], key, value, err);
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

struct host_if_scan {
	const char *self;
	const struct vz_netifs *mine;
	const char *name; /* found: a host end of mine ... */
	char *owner;	  /* ... that this CT's NETIF names too */
};

static int find_host_if_owner(const char *id, const struct vz_config *cfg, void *data)
{
	struct host_if_scan *s = data;
	struct vz_netifs theirs;

	if (streq(id, s->self) || vz_netif_parse(vz_config_get(cfg, "NETIF"), &theirs, NULL) < 0)
		return 0;
	for (size_t i = 0; i < s->mine->n; i++) {
		for (size_t j = 0; j < theirs.n; j++) {
			if (streq(s->mine->v[i].host_ifname, theirs.v[j].host_ifname)) {
				s->name = s->mine->v[i].host_ifname;
				s->owner = xstrdup(id);
				return 1;
			}
		}
	}
	return 0;
}

/*
 * Two CTs that name the same host end could each be set up while the
 * other is stopped, and the second start would take the first one's link:
 * refuse it in the config, before either runs.
 */
static int check_host_ifs_free(struct vz_ct *ct, const struct vz_netifs *l, vz_error_t *err)
{
	struct host_if_scan s = {.self = ct->id, .mine = l};
	int r;

	if (!vz_ct_foreach_config(ct->ctx, find_host_if_owner, &s))
		return 0;
	r = vz_error_make(err, VZ_E_VALUE, 0, "NETIF: host interface %s is CT %s's already", s.name,
			  s.owner);
	free(s.owner);
	return r;
}

int ct_net_check_netifs(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	struct vz_netifs l;

	if (vz_netif_parse(vz_config_get(cfg, "NETIF"), &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].bridge[0] && !vz_net_is_bridge(l.v[i].bridge))
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "NETIF %s: bridge %s does not exist", l.v[i].ifname,
					     l.v[i].bridge);
	return check_host_ifs_free(ct, &l, err);
}
