/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data behind vzlist: every CT with the fields vzlist can show, in one
 * reply, so that listing a thousand CTs costs one round trip.
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
#include "res/ubc.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

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

static void set_opt_str(struct vz_msg *o, const char *key, const char *value)
{
	if (value)
		vz_msg_set_str(o, key, value);
	else
		vz_msg_set_null(o, key);
}

/* One listing: what was asked for, worked out once, not per CT. */
struct lister {
	struct vz_ctx *ctx;
	char **fields; /* reply keys the client asked for; NULL: all */
	bool all;
	unsigned char *ubc_want; /* per beancounter, the fields asked for (want_ubc) */
	unsigned ubc_any;	 /* their union */
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

static void add_config_fields(const struct lister *l, struct vz_msg *o, const struct vz_config *cfg)
{
	static const char *const strs[][2] = {
		{"name", "NAME"},
		{"hostname", "HOSTNAME"},
		{"ostemplate", "OSTEMPLATE"},
		{"description", "DESCRIPTION"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (want(l, strs[i][0]))
			set_opt_str(o, strs[i][0], vz_config_get(cfg, strs[i][1]));
	if (want(l, "onboot"))
		vz_msg_set_bool(o, "onboot", vz_config_get_bool(cfg, "ONBOOT", false));
	if (want(l, "disabled"))
		vz_msg_set_bool(o, "disabled", vz_config_get_bool(cfg, "DISABLED", false));
}

/* Traffic through the CT's routed interface since it started; null without one. */
static void add_traffic_fields(const struct lister *l, struct vz_msg *o, struct vz_ct *ct)
{
	static const char *const keys[] = {"bytes_in", "bytes_out", "packets_in", "packets_out"};
	struct vz_ct_traffic t = {0};

	if (!want(l, keys[0]) && !want(l, keys[1]) && !want(l, keys[2]) && !want(l, keys[3]))
		return;
	if (vz_ct_traffic(ct, &t, NULL) < 0)
		t.have = false;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const uint64_t v[] = {t.bytes_in, t.bytes_out, t.packets_in, t.packets_out};

		if (want(l, keys[i]))
			vzd_set_count(o, keys[i], t.have, v[i]);
	}
}

/* A running CT's addresses are what it has now (a set without --save counts). */
static void add_ip_field(const struct lister *l, struct vz_msg *o, const struct vz_ct *ct)
{
	if (want(l, "ip"))
		split_words(o, "ip", vz_ct_ips(ct));
}

static const char *const ubc_suffix[] = {"", ".m", ".b", ".l", ".f"};

#define UBC_ALL 0x1f			   /* every suffix of ubc_suffix */
#define UBC_CONFIG ((1u << 2) | (1u << 3)) /* .b and .l: a stopped CT has them too */

/*
 * Which beancounter fields were asked for: for each parameter (table
 * order) a bit per suffix. Worked out once per listing, not per CT.
 */
static void want_ubc(struct lister *l)
{
	size_t n = vz_ubc_count();

	l->ubc_want = xzalloc(n);
	for (size_t i = 0; i < n; i++) {
		const char *name = vz_ubc_params()[i].name;
		size_t len = strlen(name);

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
static void add_ubc_row(struct vz_msg *o, const struct vz_ubc_row *row, unsigned want)
{
	const uint64_t v[] = {row->held, row->maxheld, row->barrier, row->limit, row->failcnt};
	const bool have[] = {row->have, row->have, true, true, row->have_failcnt};

	for (size_t i = 0; i < ARRAY_SIZE(ubc_suffix); i++) {
		_cleanup_free_ char *key = NULL;

		if (!(want & (1u << i)))
			continue;
		key = xasprintf("%s%s", row->param->name, ubc_suffix[i]);
		vzd_set_count(o, key, have[i], v[i]);
	}
}

/* Beancounters: counters of a running CT, only barrier and limit of a stopped one. */
static void add_ubc_fields(const struct lister *l, struct vz_msg *o, struct vz_ct *ct,
			   const struct vz_config *cfg)
{
	bool running = ct->running;
	size_t n = vz_ubc_count();
	_cleanup_free_ struct vz_ubc_row *rows = NULL;
	struct vz_cgroup_stats cs;
	bool counted;

	if (!l->ubc_any)
		return;
	rows = xzalloc(n * sizeof(*rows));
	counted = running && vz_ct_ubc(ct, rows, &cs, NULL) == 0;
	/* Without counters only .b and .l have values: parse the config just for them. */
	if (!counted && (l->ubc_any & UBC_CONFIG))
		vz_ubc_rows(cfg, NULL, rows);
	else if (!counted)
		for (size_t i = 0; i < n; i++)
			rows[i].param = &vz_ubc_params()[i];
	for (size_t i = 0; i < n; i++) {
		/* No pids controller: NPROC still counts what the CT's groups list. */
		if (running && !rows[i].have && streq(rows[i].param->name, "numproc")) {
			int np = vz_ct_count_procs(ct, NULL);

			rows[i].have = np >= 0;
			rows[i].held = rows[i].maxheld = np < 0 ? 0 : (uint64_t)np;
		}
		if (l->ubc_want[i])
			add_ubc_row(o, &rows[i], l->ubc_want[i]);
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
static void add_res_fields(const struct lister *l, struct vz_msg *o, const struct vz_config *cfg)
{
	static const char *const keys[][3] = {
		{"cpuunits", "CPUUNITS", "1000"},
		{"cpulimit", "CPULIMIT", "0"},
		{"cpus", "CPUS", "0"},
		{"ioprio", "IOPRIO", "4"},
		{"iolimit", "IOLIMIT", "0"},
		{"iopslimit", "IOPSLIMIT", "0"},
	};
	const char *mask = vz_config_get(cfg, "CPUMASK");

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = vz_config_get(cfg, keys[i][1]);

		if (want(l, keys[i][0]))
			vz_msg_set_int(o, keys[i][0], res_number(keys[i][1], v ? v : keys[i][2]));
	}
	if (want(l, "cpumask"))
		vz_msg_set_str(o, "cpumask", mask ? mask : "all");
}

static void add_run_fields(const struct lister *l, struct vz_msg *o, const struct vz_ct *ct)
{
	const struct vz_state *st = &ct->state;

	if (!ct->running) {
		if (want(l, "uptime"))
			vz_msg_set_null(o, "uptime");
		if (want(l, "laverage"))
			vz_msg_set_null(o, "laverage");
		return;
	}
	if (want(l, "uptime"))
		vz_msg_set_int(o, "uptime", (int64_t)(time(NULL) - st->started));
	if (want(l, "pid"))
		vz_msg_set_int(o, "pid", st->pid);
	if (want(l, "laverage")) {
		_cleanup_free_ char *la = vzd_load_string(ct->id);
		vz_msg_set_str(o, "laverage", la);
	}
}

static const char *status_word(struct vz_ct *ct)
{
	struct vz_ct_status s;

	vz_ct_status(ct, &s);
	return s.suspended ? "suspended"
	       : s.running ? "running"
	       : s.mounted ? "mounted"
			   : "stopped";
}

static void add_ct(const struct lister *l, struct vz_msg *list, const char *id)
{
	/* A CT whose config has a bad line is still listed, without its settings. */
	_cleanup_ct_ struct vz_ct *ct = vz_ct_open(l->ctx, id, VZ_CT_ANY_CONFIG, NULL);
	_cleanup_config_ struct vz_config *empty = NULL;
	const struct vz_config *cfg;
	struct vz_msg *o;

	if (!ct || (!l->all && !ct->running))
		return;
	cfg = ct->cfg ? ct->cfg : (empty = vz_config_new());
	o = vz_msg_append_obj(list, "cts");
	vz_msg_set_int(o, "ctid", strtol(id, NULL, 10));
	add_config_fields(l, o, cfg);
	if (want(l, "status"))
		vz_msg_set_str(o, "status", status_word(ct));
	/* The paths vz uses, not the config's "$VEID" templates (OpenVZ shows them expanded). */
	if (want(l, "private"))
		vz_msg_set_str(o, "private", ct->path.private);
	if (want(l, "root"))
		vz_msg_set_str(o, "root", ct->path.root);
	add_run_fields(l, o, ct);
	add_ip_field(l, o, ct);
	add_traffic_fields(l, o, ct);
	add_res_fields(l, o, cfg);
	add_ubc_fields(l, o, ct, cfg);
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
	return r;
}
