/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data behind vzlist: every CT with the fields vzlist can show, in one
 * reply, so that listing a thousand CTs costs one round trip.
 *
 * A client that asks for a sparse reply ("sparse": true) gets, once, the
 * object a stopped CT with an empty config shows ("defaults"), and each CT
 * as only what differs from it: a stopped CT costs its ctid, paths and the
 * settings its config has, not ~130 keys of which ~100 are null or
 * unlimited. Nothing live (state file, cgroups, netlink, load average) is
 * looked at for a stopped CT.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/ctid.h"
#include "res/disk.h"
#include "res/ubc.h"
#include "storage/storage.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

/* The config keys a listing shows, in one pass over each CT's config. */
enum conf_slot {
	C_NAME,
	C_HOSTNAME,
	C_OSTEMPLATE,
	C_DESCRIPTION,
	C_ONBOOT,
	C_DISABLED,
	C_IP,
	C_CPUUNITS,
	C_CPULIMIT,
	C_CPUS,
	C_IOPRIO,
	C_IOLIMIT,
	C_IOPSLIMIT,
	C_CPUMASK,
	C_DISKSPACE,
	C_DISKINODES,
	_C_MAX,
};

static const char *const conf_keys[_C_MAX] = {
	[C_NAME] = "NAME",
	[C_HOSTNAME] = "HOSTNAME",
	[C_OSTEMPLATE] = "OSTEMPLATE",
	[C_DESCRIPTION] = "DESCRIPTION",
	[C_ONBOOT] = "ONBOOT",
	[C_DISABLED] = "DISABLED",
	[C_IP] = "IP_ADDRESS",
	[C_CPUUNITS] = "CPUUNITS",
	[C_CPULIMIT] = "CPULIMIT",
	[C_CPUS] = "CPUS",
	[C_IOPRIO] = "IOPRIO",
	[C_IOLIMIT] = "IOLIMIT",
	[C_IOPSLIMIT] = "IOPSLIMIT",
	[C_CPUMASK] = "CPUMASK",
	[C_DISKSPACE] = "DISKSPACE",
	[C_DISKINODES] = "DISKINODES",
};

/* One CT as the listing sees it; obj NULL is the blank CT behind "defaults". */
struct ct {
	struct vz_ct *obj;
	const struct vz_config *cfg; /* its config, or an empty one */
	const char *conf[_C_MAX];    /* values borrowed from cfg; NULL: unset */
	bool *ubc_set;		     /* per beancounter: the config has its key */
	struct vz_ct_status s;	     /* all false for the blank CT */
	bool running, mounted;
};

/* One listing: what was asked for, worked out once, not per CT. */
struct lister {
	struct vz_ctx *ctx;
	char **fields; /* reply keys the client asked for; NULL: all */
	bool all;
	bool sparse;		 /* leave out what equals "defaults" */
	unsigned char *ubc_want; /* per beancounter, the fields asked for (want_ubc) */
	unsigned ubc_any;	 /* their union */
	char **ubc_keys;	 /* per beancounter and suffix: "numproc", "numproc.m", ... */
};

static bool want(const struct lister *l, const char *key)
{
	if (!l->fields)
		return true;
	for (char **f = l->fields; *f; f++)
		if (streq(*f, key))
			return true;
	return false;
}

/*
 * A null, or what a stopped CT with an empty config has: a sparse reply
 * leaves it out, and the client takes it from "defaults".
 */
static void set_null(const struct lister *l, struct vz_msg *o, const char *key)
{
	if (!l->sparse)
		vz_msg_set_null(o, key);
}

static void set_opt_str(const struct lister *l, struct vz_msg *o, const char *key,
			const char *value)
{
	if (value)
		vz_msg_set_str(o, key, value);
	else
		set_null(l, o, key);
}

static void set_count(const struct lister *l, struct vz_msg *o, const char *key, bool have,
		      uint64_t v)
{
	if (have)
		vz_msg_set_int(o, key, (int64_t)v);
	else
		set_null(l, o, key);
}

static void split_words(struct vz_msg *o, const char *key, const char *value)
{
	_cleanup_free_ char *copy = xstrdup(value ? value : "");
	char **v = xzalloc(sizeof(char *));
	size_t n = 0;
	char *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		v = xreallocarray(v, n + 2, sizeof(char *));
		v[n++] = w;
		v[n] = NULL;
	}
	vz_msg_set_strv(o, key, v);
	free(v);
}

static int take_conf(const char *key, const char *value, void *data)
{
	struct ct *ct = data;
	const struct vz_ubc_param *p;

	for (size_t i = 0; i < _C_MAX; i++)
		if (streq(key, conf_keys[i])) {
			ct->conf[i] = value;
			return 0;
		}
	p = vz_ubc_param_by_key(key);
	if (p)
		ct->ubc_set[p - vz_ubc_params()] = true;
	return 0;
}

/*
 * The values shown, from one walk over the config's effective lines (keys
 * by canonical name, the last of duplicates), rather than a lookup per
 * field of a CT that sets few of them.
 */
static void read_conf(struct ct *ct)
{
	(void)vz_config_foreach(ct->cfg, take_conf, ct);
}

static void set_flag(const struct lister *l, struct vz_msg *o, const char *key, const char *value)
{
	bool b = false;

	if (!want(l, key) || (!value && l->sparse))
		return;
	/* A value that is no boolean reads as unset, as vz_config_get_bool has it. */
	if (value && vz_parse_bool(key, value, &b, NULL) < 0)
		b = false;
	vz_msg_set_bool(o, key, b);
}

static void add_config_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	static const struct {
		const char *key;
		enum conf_slot slot;
	} strs[] = {
		{"name", C_NAME},
		{"hostname", C_HOSTNAME},
		{"ostemplate", C_OSTEMPLATE},
		{"description", C_DESCRIPTION},
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (want(l, strs[i].key))
			set_opt_str(l, o, strs[i].key, ct->conf[strs[i].slot]);
	set_flag(l, o, "onboot", ct->conf[C_ONBOOT]);
	set_flag(l, o, "disabled", ct->conf[C_DISABLED]);
}

/* Traffic through the CT's routed interface since it started; null without one. */
static void add_traffic_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	static const char *const keys[] = {"bytes_in", "bytes_out", "packets_in", "packets_out"};
	struct vz_ct_traffic t = {0};

	if (!want(l, keys[0]) && !want(l, keys[1]) && !want(l, keys[2]) && !want(l, keys[3]))
		return;
	if (ct->running && vz_ct_traffic(ct->obj, &t, NULL) < 0)
		t.have = false;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const uint64_t v[] = {t.bytes_in, t.bytes_out, t.packets_in, t.packets_out};

		if (want(l, keys[i]))
			set_count(l, o, keys[i], t.have, v[i]);
	}
}

/* A running CT's addresses are what it has now (a set without --save counts). */
static void add_ip_field(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	const char *ips;

	if (!want(l, "ip"))
		return;
	ips = ct->running ? vz_ct_ips(ct->obj) : ct->conf[C_IP];
	/* No addresses is the default's empty list. */
	if (ips || !l->sparse)
		split_words(o, "ip", ips);
}

static const char *const ubc_suffix[] = {"", ".m", ".b", ".l", ".f"};

#define UBC_ALL 0x1f			   /* every suffix of ubc_suffix */
#define UBC_CONFIG ((1u << 2) | (1u << 3)) /* .b and .l: a stopped CT has them too */

/*
 * Which beancounter fields were asked for: for each parameter (table
 * order) a bit per suffix, and the keys. Worked out once per listing, not
 * per CT.
 */
static void want_ubc(struct lister *l)
{
	size_t n = vz_ubc_count();

	l->ubc_want = xzalloc(n);
	l->ubc_keys = xzalloc(n * ARRAY_SIZE(ubc_suffix) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *name = vz_ubc_params()[i].name;
		size_t len = strlen(name);

		for (size_t k = 0; k < ARRAY_SIZE(ubc_suffix); k++)
			l->ubc_keys[i * ARRAY_SIZE(ubc_suffix) + k] =
				xasprintf("%s%s", name, ubc_suffix[k]);
		for (char **f = l->fields; f && *f; f++)
			for (size_t k = 0; k < ARRAY_SIZE(ubc_suffix); k++)
				if (!strncmp(*f, name, len) && streq(*f + len, ubc_suffix[k]))
					l->ubc_want[i] |= (unsigned char)(1u << k);
		if (!l->fields)
			l->ubc_want[i] = UBC_ALL;
		l->ubc_any |= l->ubc_want[i];
	}
}

/* physpages, physpages.m, .b, .l, .f: held, maxheld, barrier, limit, failcnt. */
static void add_ubc_row(const struct lister *l, struct vz_msg *o, size_t i,
			const struct vz_ubc_row *row, bool configured)
{
	const uint64_t v[] = {row->held, row->maxheld, row->barrier, row->limit, row->failcnt};
	/* An unset barrier and limit are the default's unlimited. */
	const bool have[] = {row->have, row->have, true, true, row->have_failcnt};
	const bool send[] = {true, true, configured, configured, true};

	for (size_t k = 0; k < ARRAY_SIZE(ubc_suffix); k++)
		if ((l->ubc_want[i] & (1u << k)) && (send[k] || !l->sparse))
			set_count(l, o, l->ubc_keys[i * ARRAY_SIZE(ubc_suffix) + k], have[k], v[k]);
}

/* Beancounters: counters of a running CT, only barrier and limit of a stopped one. */
static void add_ubc_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	size_t n = vz_ubc_count();
	_cleanup_free_ struct vz_ubc_row *rows = NULL;
	struct vz_cgroup_stats cs;
	bool counted;

	if (!l->ubc_any)
		return;
	rows = xzalloc(n * sizeof(*rows));
	counted = ct->running && vz_ct_ubc(ct->obj, rows, &cs, NULL) == 0;
	for (size_t i = 0; i < n; i++) {
		const struct vz_ubc_param *p = &vz_ubc_params()[i];

		/* Without counters only .b and .l have values, from the keys the config has. */
		if (!counted) {
			struct vz_ubc_value v = vz_ubc_get(ct->ubc_set[i] ? ct->cfg : NULL, p);

			rows[i] = (struct vz_ubc_row){
				.param = p, .barrier = v.barrier, .limit = v.limit};
		}
		/* No pids controller: NPROC still counts what the CT's groups list. */
		if (ct->running && !rows[i].have && streq(p->name, "numproc")) {
			int np = vz_ct_count_procs(ct->obj, NULL);

			rows[i].have = np >= 0;
			rows[i].held = rows[i].maxheld = np < 0 ? 0 : (uint64_t)np;
		}
		if (l->ubc_want[i])
			add_ubc_row(l, o, i, &rows[i], counted || ct->ubc_set[i]);
	}
}

/* A CPU or I/O setting as a number (the config has "50%", "10M", "unlimited"...). */
static int64_t res_number(const char *key, const char *v)
{
	uint64_t bytes;

	if (streq(key, "IOLIMIT"))
		return vz_parse_size(key, v, &bytes, NULL) == 0 && bytes != UINT64_MAX
			       ? (int64_t)bytes
			       : 0;
	/* "unlimited" CPUS is 0, as unset; "150%" is 150. */
	return (int64_t)strtoull(v, NULL, 10);
}

/* CPU and I/O settings as saved, with the defaults an unset key means. */
static void add_res_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	static const struct {
		const char *key;
		enum conf_slot slot;
		const char *def;
	} keys[] = {
		{"cpuunits", C_CPUUNITS, "1000"},
		{"cpulimit", C_CPULIMIT, "0"},
		{"cpus", C_CPUS, "0"},
		{"ioprio", C_IOPRIO, "4"},
		{"iolimit", C_IOLIMIT, "0"},
		{"iopslimit", C_IOPSLIMIT, "0"},
	};
	const char *mask = ct->conf[C_CPUMASK];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = ct->conf[keys[i].slot];

		if (want(l, keys[i].key) && (v || !l->sparse))
			vz_msg_set_int(o, keys[i].key,
				       res_number(conf_keys[keys[i].slot], v ? v : keys[i].def));
	}
	if (want(l, "cpumask") && (mask || !l->sparse))
		vz_msg_set_str(o, "cpumask", mask ? mask : "all");
}

static void add_run_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	if (!ct->running) {
		if (want(l, "uptime"))
			set_null(l, o, "uptime");
		if (want(l, "laverage"))
			set_null(l, o, "laverage");
		return;
	}
	if (want(l, "uptime"))
		vz_msg_set_int(o, "uptime", (int64_t)(time(NULL) - ct->obj->state.started));
	if (want(l, "pid"))
		vz_msg_set_int(o, "pid", ct->obj->state.pid);
	if (want(l, "laverage")) {
		_cleanup_free_ char *la = vzd_load_string(ct->obj->id);
		vz_msg_set_str(o, "laverage", la);
	}
}

static void add_status_field(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	if (!want(l, "status") || (l->sparse && !ct->running && !ct->mounted && !ct->s.suspended))
		return;
	vz_msg_set_str(o, "status",
		       ct->s.suspended ? "suspended"
		       : ct->running   ? "running"
		       : ct->mounted   ? "mounted"
				       : "stopped");
}

/* The paths vz uses, not the config's "$VEID" templates (OpenVZ shows them expanded). */
static void add_path_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	if (want(l, "private"))
		set_opt_str(l, o, "private", ct->obj ? ct->obj->path.private : NULL);
	if (want(l, "root"))
		set_opt_str(l, o, "root", ct->obj ? ct->obj->path.root : NULL);
}

/* A disk limit as vzlist shows it: KiB or inodes, OpenVZ's LONG_MAX for none. */
static int64_t disk_number(uint64_t v)
{
	return v == VZ_DISK_UNLIMITED ? (int64_t)VZ_UBC_UNLIMITED : (int64_t)v;
}

/*
 * diskspace, diskinodes: use (KiB, inodes) while the CT's disk image is
 * mounted; .s and .h: its soft and hard limits as configured.
 */
static void add_disk_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	const char *sp = ct->conf[C_DISKSPACE], *in = ct->conf[C_DISKINODES];
	uint64_t ss = VZ_DISK_UNLIMITED, sh = VZ_DISK_UNLIMITED;
	uint64_t is = VZ_DISK_UNLIMITED, ih = VZ_DISK_UNLIMITED;
	struct vz_disk_usage u;
	bool have = ct->mounted && ct->obj && vz_ct_disk_usage(ct->obj, &u, NULL) == 0;

	if (want(l, "diskspace"))
		set_count(l, o, "diskspace", have, have ? u.bytes_used / 1024 : 0);
	if (want(l, "diskinodes"))
		set_count(l, o, "diskinodes", have, have ? u.inodes_used : 0);
	if (sp)
		(void)vz_disk_parse("DISKSPACE", sp, &ss, &sh, NULL);
	if (in)
		(void)vz_disk_parse("DISKINODES", in, &is, &ih, NULL);
	if (want(l, "diskspace.s") && (sp || !l->sparse))
		vz_msg_set_int(o, "diskspace.s", disk_number(ss));
	if (want(l, "diskspace.h") && (sp || !l->sparse))
		vz_msg_set_int(o, "diskspace.h", disk_number(sh));
	if (want(l, "diskinodes.s") && (in || !l->sparse))
		vz_msg_set_int(o, "diskinodes.s", disk_number(is));
	if (want(l, "diskinodes.h") && (in || !l->sparse))
		vz_msg_set_int(o, "diskinodes.h", disk_number(ih));
}

/* Every field, in the order vzlist -j prints them. */
static void add_fields(const struct lister *l, struct vz_msg *o, const struct ct *ct)
{
	if (ct->obj)
		vz_msg_set_int(o, "ctid", strtol(ct->obj->id, NULL, 10));
	else
		set_null(l, o, "ctid");
	add_config_fields(l, o, ct);
	add_status_field(l, o, ct);
	add_path_fields(l, o, ct);
	add_run_fields(l, o, ct);
	add_ip_field(l, o, ct);
	add_traffic_fields(l, o, ct);
	add_res_fields(l, o, ct);
	add_disk_fields(l, o, ct);
	add_ubc_fields(l, o, ct);
}

static void add_ct(const struct lister *l, struct vz_msg *list, const char *id)
{
	/* A CT whose config has a bad line is still listed, without its settings. */
	_cleanup_ct_ struct vz_ct *obj = vz_ct_open(l->ctx, id, VZ_CT_ANY_CONFIG, NULL);
	_cleanup_config_ struct vz_config *empty = NULL;
	_cleanup_free_ bool *ubc_set = NULL;
	struct ct ct = {.obj = obj};

	if (!obj || !obj->exists || (!l->all && !obj->running))
		return;
	ct.cfg = obj->cfg ? obj->cfg : (empty = vz_config_new());
	ct.ubc_set = ubc_set = xzalloc(vz_ubc_count() * sizeof(bool));
	read_conf(&ct);
	vz_ct_status(obj, &ct.s);
	ct.running = ct.s.running;
	ct.mounted = ct.s.running || ct.s.mounted;
	add_fields(l, vz_msg_append_obj(list, "cts"), &ct);
}

/* What a stopped CT with an empty config shows: what sparse CTs leave out. */
static void add_defaults(struct lister *l, struct vz_msg *r)
{
	_cleanup_config_ struct vz_config *empty = vz_config_new();
	_cleanup_free_ bool *ubc_set = xzalloc(vz_ubc_count() * sizeof(bool));
	struct ct blank = {.cfg = empty, .ubc_set = ubc_set};

	l->sparse = false;
	add_fields(l, vz_msg_set_obj(r, "defaults"), &blank);
	l->sparse = true;
}

struct vz_msg *vzd_list(struct vz_ctx *ctx, const struct vz_msg *args, vz_error_t *err)
{
	struct lister l = {
		.ctx = ctx,
		.all = vz_msg_get_bool(args, "all", true),
		.fields = vz_msg_get_strv(args, "fields"),
	};
	char **ids = vz_ct_list_ids(ctx, err);
	char **only = vz_msg_get_strv(args, "ctids");
	struct vz_msg *r = NULL;

	if (!ids)
		goto out;
	want_ubc(&l);
	r = vz_msg_new();
	if (vz_msg_get_bool(args, "sparse", false))
		add_defaults(&l, r);
	/* "cts" stays an array even when there is no CT. */
	vz_msg_set_strv(r, "cts", (char *[]){NULL});
	if (only) {
		l.all = true;
		/* vzlist takes names too, as vzctl does. */
		for (char **q = only; *q; q++) {
			char *id = vz_ctid_is_numeric(*q) ? NULL : vz_ctid_resolve(ctx, *q, NULL);
			if (id) {
				free(*q);
				*q = id;
			}
		}
	}
	for (char **p = ids; *p; p++) {
		bool wanted = !only;
		for (char **q = only; q && *q && !wanted; q++)
			wanted = streq(*q, *p);
		if (wanted)
			add_ct(&l, r, *p);
	}
out:
	strv_free(ids);
	strv_free(only);
	strv_free(l.fields);
	free(l.ubc_want);
	for (size_t i = 0; l.ubc_keys && i < vz_ubc_count() * ARRAY_SIZE(ubc_suffix); i++)
		free(l.ubc_keys[i]);
	free(l.ubc_keys);
	return r;
}
