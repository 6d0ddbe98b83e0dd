/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzlist: OpenVZ's listing, from one "list" request to vzd.
 *   vzlist [-a|-S] [-o FIELD,...] [-s [-]FIELD] [-H] [-j] [-1] [-n] [CTID...]
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "res/ubc.h"
#include "util/xalloc.h"

enum kind {
	K_STR,
	K_INT,
	K_LIST,
	K_BOOL
};

static const struct field {
	const char *name;
	const char *key; /* in the list reply */
	const char *header;
	int width; /* > 0 right-aligned, < 0 left-aligned */
	enum kind kind;
} fields[] = {
	{"ctid", "ctid", "CTID", 10, K_INT},
	{"veid", "ctid", "CTID", 10, K_INT},
	{"status", "status", "STATUS", -9, K_STR},
	{"ip", "ip", "IP_ADDR", -15, K_LIST},
	{"hostname", "hostname", "HOSTNAME", -32, K_STR},
	{"name", "name", "NAME", -16, K_STR},
	{"description", "description", "DESCRIPTION", -32, K_STR},
	{"ostemplate", "ostemplate", "OSTEMPLATE", -24, K_STR},
	{"onboot", "onboot", "ONBOOT", -6, K_BOOL},
	{"disabled", "disabled", "DISABLED", -8, K_BOOL},
	{"private", "private", "PRIVATE", -32, K_STR},
	{"root", "root", "ROOT", -32, K_STR},
	{"uptime", "uptime", "UPTIME", 10, K_INT},
	{"pid", "pid", "PID", 10, K_INT},
	{"laverage", "laverage", "LAVERAGE", -14, K_STR},
	{"bytes_in", "bytes_in", "BYTES_IN", 12, K_INT},
	{"bytes_out", "bytes_out", "BYTES_OUT", 12, K_INT},
	{"packets_in", "packets_in", "PACKETS_IN", 10, K_INT},
	{"packets_out", "packets_out", "PACKETS_OUT", 11, K_INT},
	{"cpuunits", "cpuunits", "CPUUNITS", 8, K_INT},
	{"cpulimit", "cpulimit", "CPULIMIT", 8, K_INT},
	{"cpus", "cpus", "CPUS", 4, K_INT},
	{"cpumask", "cpumask", "CPUMASK", -8, K_STR},
	{"ioprio", "ioprio", "IOPRIO", 6, K_INT},
	{"iolimit", "iolimit", "IOLIMIT", 10, K_INT},
	{"iopslimit", "iopslimit", "IOPSLIMIT", 9, K_INT},
	{"diskspace", "diskspace", "DQBLOCKS", 10, K_INT},
	{"diskspace.s", "diskspace.s", "DQBLOCKS.S", 10, K_INT},
	{"diskspace.h", "diskspace.h", "DQBLOCKS.H", 10, K_INT},
	{"diskinodes", "diskinodes", "DQINODES", 10, K_INT},
	{"diskinodes.s", "diskinodes.s", "DQINODES.S", 10, K_INT},
	{"diskinodes.h", "diskinodes.h", "DQINODES.H", 10, K_INT},
};

/* Beancounter fields, made from lib/res/ubc.c's table: NAME, NAME.m/.b/.l/.f. */
static struct field *ubc_fields;
static size_t n_ubc_fields;

static char *upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

static void make_ubc_fields(void)
{
	static const char *const suffix[] = {"", ".m", ".b", ".l", ".f"};
	size_t k = 0;

	n_ubc_fields = vz_ubc_count() * ARRAY_SIZE(suffix);
	ubc_fields = xzalloc(n_ubc_fields * sizeof(*ubc_fields));
	for (const struct vz_ubc_param *p = vz_ubc_params(); p->name; p++) {
		for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
			char *name = xasprintf("%s%s", p->name, suffix[i]);
			/* OpenVZ's default table heads numproc "NPROC". */
			_cleanup_free_ char *head = streq(p->name, "numproc")
							    ? xasprintf("nproc%s", suffix[i])
							    : xstrdup(name);
			_cleanup_free_ char *up = upper(head);

			/* The program exits soon: these few strings are not freed. */
			ubc_fields[k++] = (struct field){name, name, xstrdup(up), 10, K_INT};
		}
	}
}

struct opts {
	bool all, stopped, no_header, json, short_out;
	const struct field *cols[32];
	size_t ncols;
	const struct field *sort;
	bool sort_desc;
	const char *host_pattern, *name_pattern, *desc_pattern;
	char **ctids;
	/* The reply's values for a CT that leaves a key out (NULL from an older vzd). */
	const struct vz_msg *defaults;
};

static const struct field *find_field(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (streq(fields[i].name, name))
			return &fields[i];
	for (size_t i = 0; i < n_ubc_fields; i++)
		if (streq(ubc_fields[i].name, name))
			return &ubc_fields[i];
	return NULL;
}

static int parse_fields(struct opts *o, const char *spec)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL;

	o->ncols = 0;
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		const struct field *fd = find_field(f);

		if (!fd) {
			fprintf(stderr, "vzlist: unknown field '%s' (see vzlist -L)\n", f);
			return -1;
		}
		if (o->ncols == ARRAY_SIZE(o->cols)) {
			fprintf(stderr, "vzlist: too many fields\n");
			return -1;
		}
		o->cols[o->ncols++] = fd;
	}
	return 0;
}

static void list_fields(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		printf("%-16s %s\n", fields[i].name, fields[i].header);
	for (size_t i = 0; i < n_ubc_fields; i++)
		printf("%-16s %s\n", ubc_fields[i].name, ubc_fields[i].header);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vzlist [-a | -S] [-o FIELD[,FIELD...]] [-s [-]FIELD] [-H] [-j] [-1] [-n]\n"
		"              [-h PATTERN] [-N PATTERN] [-d PATTERN] [--socket PATH] [CTID...]\n"
		"  -a, --all          all CTs (default: running only)\n"
		"  -S, --stopped      stopped CTs only\n"
		"  -o, --output       fields to show (vzlist -L lists them)\n"
		"  -s, --sort         sort by field; -FIELD sorts in reverse\n"
		"  -H, --no-header    no header line\n"
		"  -j, --json         JSON output\n"
		"  -1, --short        CT IDs only\n"
		"  -n, --name         show the NAME column\n"
		"  -L, --list         list the fields\n");
}

static int parse_args(int argc, char **argv, struct opts *o, const char **sock)
{
	static const struct option lo[] = {
		{"all", no_argument, NULL, 'a'},
		{"stopped", no_argument, NULL, 'S'},
		{"output", required_argument, NULL, 'o'},
		{"sort", required_argument, NULL, 's'},
		{"no-header", no_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"short", no_argument, NULL, '1'},
		{"name", no_argument, NULL, 'n'},
		{"list", no_argument, NULL, 'L'},
		{"hostname", required_argument, NULL, 'h'},
		{"name_filter", required_argument, NULL, 'N'},
		{"description", required_argument, NULL, 'd'},
		{"socket", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'u'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "aSo:s:Hj1nLh:N:d:", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'S':
			o->stopped = true;
			break;
		case 'o':
			if (parse_fields(o, optarg) < 0)
				return 20;
			break;
		case 's':
			o->sort_desc = optarg[0] == '-';
			o->sort = find_field(optarg + o->sort_desc);
			if (!o->sort) {
				fprintf(stderr, "vzlist: unknown sort field '%s'\n", optarg);
				return 20;
			}
			break;
		case 'H':
			o->no_header = true;
			break;
		case 'j':
			o->json = true;
			break;
		case '1':
			o->short_out = true;
			break;
		case 'n':
			o->cols[3] = find_field("name");
			break;
		case 'L':
			list_fields();
			exit(0);
		case 'h':
			o->host_pattern = optarg;
			break;
		case 'N':
			o->name_pattern = optarg;
			break;
		case 'd':
			o->desc_pattern = optarg;
			break;
		case 'k':
			*sock = optarg;
			break;
		case 'u':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 20;
		}
	}
	if (optind < argc)
		o->ctids = argv + optind;
	return 0;
}

/* The object that holds key's value for ct: ct itself, or the reply's defaults. */
static const struct vz_msg *holder(const struct opts *o, const struct vz_msg *ct, const char *key)
{
	return o->defaults && !vz_msg_has(ct, key) ? o->defaults : ct;
}

static const char *get_str(const struct opts *o, const struct vz_msg *ct, const char *key)
{
	return vz_msg_get_str(holder(o, ct, key), key);
}

static char *get_string(const struct opts *o, const struct vz_msg *ct, const char *key)
{
	return vz_msg_value_string(holder(o, ct, key), key);
}

static bool get_int(const struct opts *o, const struct vz_msg *ct, const char *key, int64_t *ret)
{
	return vz_msg_get_int(holder(o, ct, key), key, ret);
}

static bool matches(const char *pattern, const char *value)
{
	return !pattern || (value && fnmatch(pattern, value, 0) == 0);
}

static bool wanted(const struct opts *o, const struct vz_msg *ct)
{
	const char *status = get_str(o, ct, "status");
	/* A suspended CT is running, frozen: vzlist shows it without -a, as OpenVZ does. */
	bool running = status && (streq(status, "running") || streq(status, "suspended"));

	if (!o->ctids && o->stopped && running)
		return false;
	if (!o->ctids && !o->all && !o->stopped && !running)
		return false;
	return matches(o->host_pattern, get_str(o, ct, "hostname")) &&
	       matches(o->name_pattern, get_str(o, ct, "name")) &&
	       matches(o->desc_pattern, get_str(o, ct, "description"));
}

/* A CT and its sort key, worked out once rather than in every comparison. */
struct sorted {
	const struct vz_msg *ct;
	size_t pos; /* in the reply: CTs with equal keys keep vzd's order */
	bool desc;
	int64_t num;
	char *str; /* NULL when the field is a number */
};

static int cmp_sorted(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	int r = x->str ? strcmp(x->str, y->str) : (x->num > y->num) - (x->num < y->num);

	if (x->desc)
		r = -r;
	return r ? r : (x->pos > y->pos) - (x->pos < y->pos);
}

static void sort_cts(const struct opts *o, const struct vz_msg **cts, size_t n)
{
	const struct field *f = o->sort;
	struct sorted *v = xzalloc((n + 1) * sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i] = (struct sorted){.ct = cts[i], .pos = i, .desc = o->sort_desc, .num = -1};
		if (f->kind == K_INT)
			(void)get_int(o, cts[i], f->key, &v[i].num);
		else
			v[i].str = get_string(o, cts[i], f->key);
	}
	qsort(v, n, sizeof(*v), cmp_sorted);
	for (size_t i = 0; i < n; i++) {
		cts[i] = v[i].ct;
		free(v[i].str);
	}
	free(v);
}

static void print_cell(const struct opts *o, const struct field *f, const struct vz_msg *ct,
		       bool last)
{
	_cleanup_free_ char *v = get_string(o, ct, f->key);
	const char *s = v[0] ? v : "-";

	if (f->kind == K_LIST && strchr(s, ' ') && !last) {
		/* vzlist shows the first address in a column; all of them at the end of a line. */
		*strchr(v, ' ') = '\0';
	}
	if (last && f->width < 0)
		printf("%s", s);
	else
		printf("%*s", f->width, s);
}

static void print_table(const struct opts *o, const struct vz_msg **cts, size_t n)
{
	if (!o->no_header && !o->short_out) {
		for (size_t c = 0; c < o->ncols; c++) {
			bool last = c + 1 == o->ncols;
			const struct field *f = o->cols[c];
			if (last && f->width < 0)
				printf("%s", f->header);
			else
				printf("%*s", f->width, f->header);
			printf(last ? "\n" : " ");
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (o->short_out) {
			int64_t id = 0;
			(void)get_int(o, cts[i], "ctid", &id);
			printf("%lld\n", (long long)id);
			continue;
		}
		for (size_t c = 0; c < o->ncols; c++) {
			print_cell(o, o->cols[c], cts[i], c + 1 == o->ncols);
			printf(c + 1 == o->ncols ? "\n" : " ");
		}
	}
}

static void set_list(const struct opts *o, struct vz_msg *m, const char *key,
		     const struct vz_msg *ct, const char *from)
{
	_cleanup_free_ char *v = get_string(o, ct, from);
	_cleanup_free_ char **list = xzalloc(sizeof(char *));
	char *save = NULL;
	size_t k = 0;

	for (char *w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		list = xreallocarray(list, k + 2, sizeof(char *));
		list[k++] = w;
		list[k] = NULL;
	}
	vz_msg_set_strv(m, key, list);
}

/* A copy of ct with just the -o fields, named as in -o. */
static struct vz_msg *select_fields(const struct opts *o, const struct vz_msg *ct)
{
	struct vz_msg *m = vz_msg_new();

	for (size_t c = 0; c < o->ncols; c++) {
		const struct field *f = o->cols[c];
		const struct vz_msg *src = holder(o, ct, f->key);
		const char *s = vz_msg_get_str(src, f->key);
		int64_t iv;

		if (f->kind == K_INT && vz_msg_get_int(src, f->key, &iv))
			vz_msg_set_int(m, f->name, iv);
		else if (f->kind == K_LIST)
			set_list(o, m, f->name, ct, f->key);
		else if (f->kind == K_BOOL)
			vz_msg_set_bool(m, f->name, vz_msg_get_bool(src, f->key, false));
		else if (s)
			vz_msg_set_str(m, f->name, s);
		else
			vz_msg_set_null(m, f->name);
	}
	return m;
}

static void print_json(const struct opts *o, const struct vz_msg **cts, size_t n, bool all_fields)
{
	/* The defaults are rendered once; each CT adds what it has of its own. */
	_cleanup_overlay_ struct vz_msg_overlay *ov =
		all_fields ? vz_msg_overlay_new(o->defaults) : NULL;

	printf("[");
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *s = NULL;

		if (all_fields) {
			s = vz_msg_overlay_dump(ov, cts[i]);
		} else {
			_cleanup_msg_ struct vz_msg *m = select_fields(o, cts[i]);
			s = vz_msg_dump(m, false);
		}
		printf("%s\n  %s", i ? "," : "", s);
	}
	printf("%s]\n", n ? "\n" : "");
}

static void add_key(const char **keys, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (streq(keys[i], key))
			return;
	keys[(*n)++] = key;
}

/* Ask vzd only for what will be shown, filtered or sorted on: less to build and parse. */
static void request_fields(const struct opts *o, struct vz_msg *args)
{
	const char *keys[ARRAY_SIZE(o->cols) + 8];
	size_t n = 0;

	for (size_t i = 0; i < o->ncols; i++)
		add_key(keys, &n, o->cols[i]->key);
	add_key(keys, &n, "status");
	add_key(keys, &n, o->sort->key);
	if (o->host_pattern)
		add_key(keys, &n, "hostname");
	if (o->name_pattern)
		add_key(keys, &n, "name");
	if (o->desc_pattern)
		add_key(keys, &n, "description");
	keys[n] = NULL;
	vz_msg_set_strv(args, "fields", (char **)keys);
}

static void default_columns(struct opts *o)
{
	const struct field *name = o->cols[3];

	o->cols[0] = find_field("ctid");
	o->cols[1] = find_field("numproc");
	o->cols[2] = find_field("status");
	o->cols[3] = find_field("ip");
	o->cols[4] = name ? name : find_field("hostname");
	o->ncols = 5;
}

int main(int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	struct client c = {.sock = -1, .quiet = true};
	struct opts o = {0};
	const struct vz_msg *res, **cts;
	const char *sock = NULL;
	struct vz_msg *args = vz_msg_new();
	size_t n, k = 0;
	bool explicit_cols;
	int r;

	make_ubc_fields();
	r = parse_args(argc, argv, &o, &sock);
	if (r) {
		vz_msg_free(args);
		return r;
	}
	explicit_cols = o.ncols > 0;
	if (!explicit_cols)
		default_columns(&o);
	if (!o.sort)
		o.sort = find_field("ctid");
	if (o.ctids)
		vz_msg_set_strv(args, "ctids", o.ctids);
	if (!o.json || explicit_cols)
		request_fields(&o, args);
	/* Each CT as what differs from the reply's defaults: a stopped CT is a few keys. */
	vz_msg_set_bool(args, "sparse", true);
	c.socket_path = client_socket_path(sock);
	reply = client_call(&c, VZ_OP_LIST, args, &res, &err);
	if (!reply)
		return client_fail(err);
	o.defaults = vz_msg_get_obj(res, "defaults");
	n = vz_msg_array_len(res, "cts");
	cts = xzalloc((n + 1) * sizeof(*cts));
	for (size_t i = 0; i < n; i++) {
		const struct vz_msg *ct = vz_msg_array_obj(res, "cts", i);
		if (ct && wanted(&o, ct))
			cts[k++] = ct;
	}
	sort_cts(&o, cts, k);
	/* OpenVZ: asking for CTs that do not exist fails, without a table. */
	if (o.ctids && k == 0) {
		free(cts);
		fprintf(stderr, "Container(s) not found\n");
		return 1;
	}
	if (o.json)
		print_json(&o, cts, k, !explicit_cols);
	else
		print_table(&o, cts, k);
	free(cts);
	return 0;
}
