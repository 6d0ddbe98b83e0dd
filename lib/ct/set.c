/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl set. Trust model: keys and values come from a client through vzd;
 * every value goes through the config table before anything changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/ctid.h"
#include "ct/internal.h"
#include "res/capability.h"
#include "res/cpuio.h"
#include "res/devices.h"
#include "res/disk.h"
#include "res/features.h"
#include "sandbox/ns.h"
#include "util/xalloc.h"

static int sethostname_fn(void *data)
{
	const char *name = data;

	return sethostname(name, strlen(name)) < 0 ? errno : 0;
}

/* Set the hostname of a running CT from a child that joins its uts namespace. */
static int live_hostname(struct vz_ct *ct, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *what = xasprintf("set hostname '%s'", name);
	_cleanup_close_ int ns = vz_ct_open_ns(ct, CLONE_NEWUTS, err);

	if (ns < 0)
		return -1;
	return vz_ns_run(ns, CLONE_NEWUTS, sethostname_fn, (void *)name, what, err);
}

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* vzctl's --ipadd/--ipdel: changes of IP_ADDRESS relative to what the CT has. */
static bool is_ip_op(const char *key)
{
	return streq(key, "IPADD") || streq(key, "IPDEL");
}

/* One plain key=value change to cfg. */
static int set_key(struct vz_ct *ct, struct vz_config *cfg, const struct vz_ct_change *c,
		   vz_error_t *err)
{
	if (!vz_config_key_lookup(c->key))
		return vz_error_make(err, VZ_E_SYNTAX, 0, "unknown parameter '%s'", c->key);
	/*
	 * The id range is vzd's to pick at create, where it checks that no
	 * other CT has it: one set by request could be a host user's ids, and
	 * the CT's root would own that user's files.
	 */
	if (streq(c->key, "UID_RANGE"))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "UID_RANGE is chosen at create and cannot be set: the CT's "
				     "files on the host belong to its range");
	if (streq(c->key, "NAME") && c->value &&
	    vz_ct_check_name_free(ct->ctx, c->value, ct->id, err) < 0)
		return -1;
	/* OpenVZ's --capability name:on changes that one and keeps the others. */
	if (streq(c->key, "CAPABILITY") && c->value) {
		_cleanup_free_ char *merged =
			vz_capability_merge(vz_config_get(cfg, "CAPABILITY"), c->value);

		if (vz_capability_validate(c->key, c->value, err) < 0)
			return -1;
		return vz_config_set(cfg, c->key, merged, err);
	}
	/* OpenVZ's --devnodes/--devices change the devices they name and keep the others. */
	if (vz_devices_is_key(c->key) && c->value) {
		_cleanup_free_ char *merged =
			vz_devices_merge(vz_config_get(cfg, c->key), c->value);
		struct vz_ct_devices named;

		/* A node to be made must be one on this host: said now, not at the next start. */
		if (vz_devices_validate(c->key, c->value, err) < 0 ||
		    vz_ct_devices_resolve(streq(c->key, "DEVNODES") ? c->value : NULL, NULL, "/dev",
					  &named, err) < 0)
			return -1;
		vz_ct_devices_free(&named);
		return vz_config_set(cfg, c->key, merged, err);
	}
	/* OpenVZ's --features name:on changes that one and keeps the others. */
	if (streq(c->key, "FEATURES") && c->value) {
		_cleanup_free_ char *merged =
			vz_features_merge(vz_config_get(cfg, "FEATURES"), c->value);
		const char *inert = vz_features_inert(c->value);

		if (inert)
			vz_warn(ct->ctx,
				"FEATURES: '%s' switched a feature of OpenVZ's kernel; it changes "
				"nothing here",
				inert);
		return vz_config_set(cfg, c->key, merged, err);
	}
	return vz_config_set(cfg, c->key, c->value, err);
}

static int validate_changes(struct vz_ct *ct, struct vz_config *cfg, const struct vz_ct_change *c,
			    size_t n, vz_error_t *err)
{
	bool cpu = false, ip = false, netif = false;
	char selected[IFNAMSIZ] = "";

	for (size_t i = 0; i < n; i++) {
		const char *v = c[i].value ? c[i].value : "";

		if (ct_net_is_netif_op(c[i].key)) {
			if (ct_net_netif_op(ct, cfg, c[i].key, v, selected, err) < 0)
				return -1;
			netif = true;
		} else if (is_ip_op(c[i].key)) {
			if (ct_net_ip_op(cfg, c[i].key, v, err) < 0 &&
			    !ct_net_live_only(ct, c[i].key, c[i].value, err))
				return -1;
			ip = true;
		} else {
			if (set_key(ct, cfg, &c[i], err) < 0)
				return -1;
			cpu |= streq(c[i].key, "CPULIMIT") || streq(c[i].key, "CPUS") ||
			       streq(c[i].key, "CPUMASK");
			ip |= streq(c[i].key, "IP_ADDRESS");
			netif |= streq(c[i].key, "NETIF");
		}
	}
	if (netif && ct_net_check_netifs(ct, cfg, err) < 0)
		return -1;
	if (cpu && vz_res_check_host(cfg, host_cpus(), err) < 0)
		return -1;
	if (ip && ct_net_check_addrs(ct, cfg, err) < 0)
		return -1;
	return 0;
}

static bool changes_files(const struct vz_ct_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(c[i].key, "HOSTNAME") || streq(c[i].key, "NAMESERVER") ||
		    streq(c[i].key, "SEARCHDOMAIN"))
			return true;
	return false;
}

/* Everything but the resources, which go first (apply_live). */
static int apply_rest(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		      size_t n, vz_error_t *err)
{
	bool net = ct_net_changes(c, n);

	for (size_t i = 0; i < n; i++) {
		if (!streq(c[i].key, "HOSTNAME") || !c[i].value)
			continue;
		if (live_hostname(ct, c[i].value, err) < 0)
			return -1;
		vz_info(ct->ctx, "Set hostname: %s", c[i].value);
	}
	if (net && ct_net_set_live(ct, c, n, err) < 0)
		return -1;
	/* /etc/hosts names the CT's first address: after the addresses changed. */
	if ((net || changes_files(c, n)) && ct_write_files(ct, cfg, err) < 0)
		return -1;
	return 0;
}

/*
 * Resources first: a limit the kernel refuses (RAM below what the CT uses)
 * is the likeliest failure, and it is undone to what the CT had before
 * anything else changed.
 */
static int apply_live(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		      size_t n, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *before = ct_res_snapshot(ct, c, n);

	if (ct_res_set_live(ct, cfg, c, n, err) < 0 || apply_rest(ct, cfg, c, n, err) < 0) {
		ct_res_undo_live(ct, before, c, n);
		/* What did change (the network records its own) stays recorded. */
		(void)ct_save_state(ct, NULL);
		return -1;
	}
	return ct_save_state(ct, err);
}

struct change_list {
	struct vz_ct_change *v;
	size_t n;
};

static void push_change(struct change_list *l, const char *key, const char *value)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct vz_ct_change){key, value};
}

static int add_resource_key(const char *key, const char *value, void *data)
{
	if (vz_res_is_key(key) || vz_disk_is_key(key))
		push_change(data, key, value);
	return 0;
}

/* The sample's resource keys, then the explicit changes (which win). */
static int with_sample(struct vz_ct *ct, const struct vz_ct_set_opts *o,
		       struct vz_config **ret_sample, struct change_list *l, vz_error_t *err)
{
	*ret_sample = vz_ct_load_sample(ct->ctx, o->applyconfig, err);
	if (!*ret_sample)
		return -1;
	(void)vz_config_foreach(*ret_sample, add_resource_key, l);
	for (size_t i = 0; i < o->n; i++)
		push_change(l, o->changes[i].key, o->changes[i].value);
	return 0;
}

static int set_locked(struct vz_ct *ct, const struct vz_ct_change *changes, size_t n, bool save,
		      vz_error_t *err)
{
	struct vz_disk_limits disk_before;

	if (n == 0)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "set CT %s: nothing to set", ct->id);
	vz_disk_get(ct->cfg, &disk_before);
	/* Everything is checked before anything changes; ct->cfg is not saved on failure. */
	if (validate_changes(ct, ct->cfg, changes, n, err) < 0)
		return vz_error_wrap(err, "set CT %s", ct->id);
	ct_res_warn(ct->ctx, changes, n);
	/*
	 * The disk image holds its limits itself, running or not: first, as
	 * the likeliest refusal (a limit below use) changes nothing.
	 */
	if (ct_disk_apply(ct, ct->cfg, changes, n, err) < 0)
		return vz_error_wrap(err, "set CT %s", ct->id);
	if (ct->running && apply_live(ct, ct->cfg, changes, n, err) < 0) {
		ct_disk_undo(ct, &disk_before, changes, n);
		return vz_error_wrap(err, "set CT %s", ct->id);
	}
	if (!save) {
		vz_warn(ct->ctx, "Settings were not saved: they are lost at the next start "
				 "(use --save)");
		return 0;
	}
	if (vz_config_save(ct->cfg, ct->path.conf, err) < 0) {
		ct_disk_undo(ct, &disk_before, changes, n);
		return vz_error_wrap(err, "set CT %s", ct->id);
	}
	vz_info(ct->ctx, "Saved parameters for CT %s", ct->id);
	return 0;
}

int vz_ct_set(struct vz_ct *ct, const struct vz_ct_set_opts *o, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *sample = NULL;
	struct change_list l = {0};
	int r;

	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (o->user && o->n == 0 && !o->applyconfig)
		return ct_userpasswd(ct, o->user, o->password, err);
	if (!o->applyconfig) {
		r = set_locked(ct, o->changes, o->n, o->save, err);
	} else {
		if (with_sample(ct, o, &sample, &l, err) < 0)
			return vz_error_wrap(err, "set CT %s", ct->id);
		r = set_locked(ct, l.v, l.n, o->save, err);
		free(l.v);
	}
	/* The password last: a set that failed changes nothing, not even that. */
	if (r == 0 && o->user)
		r = ct_userpasswd(ct, o->user, o->password, err);
	return r;
}
