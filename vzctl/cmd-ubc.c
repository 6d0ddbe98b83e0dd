/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzctl ubc CTID [-j]: a running CT's beancounters in the layout of
 * OpenVZ's /proc/user_beancounters, so that scripts written for it keep
 * parsing; "-" stands where the kernel keeps no counter. Below the table,
 * which limits this kernel enforces only per process or not at all.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "util/xalloc.h"

static void print_num(const struct vz_msg *o, const char *key)
{
	int64_t v;

	if (vz_msg_get_int(o, key, &v))
		printf(" %20" PRId64, v);
	else
		printf(" %20s", "-");
}

static void print_row(const struct vz_msg *o, const char *ctid, bool first)
{
	const char *name = vz_msg_get_str(o, "resource");

	if (first)
		printf("%10s: ", ctid);
	else
		printf("%12s", "");
	printf("%-12s", name ? name : "?");
	print_num(o, "held");
	print_num(o, "maxheld");
	print_num(o, "barrier");
	print_num(o, "limit");
	print_num(o, "failcnt");
	printf("\n");
}

/* "per process: lockedpages numfile" style footnotes, one per kind. */
static void print_notes(const struct vz_msg *res, const char *how, const char *title)
{
	size_t n = vz_msg_array_len(res, "resources");
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct vz_msg *o = vz_msg_array_obj(res, "resources", i);
		const char *e = o ? vz_msg_get_str(o, "enforced") : NULL;

		if (!e || !streq(e, how))
			continue;
		printf("%s%s", any ? " " : title, vz_msg_get_str(o, "resource"));
		any = true;
	}
	if (any)
		printf("\n");
}

/* Disk quota, as vzquota stat showed it, as comments: parsers of the table skip them. */
static void print_disk(const struct vz_msg *res)
{
	static const struct {
		const char *key, *name;
	} rows[] = {{"diskspace", "1k-blocks"}, {"diskinodes", "inodes"}};
	const struct vz_msg *d = vz_msg_get_obj(res, "disk");
	int64_t left;

	if (!d)
		return;
	printf("# %-12s %20s %20s %20s\n", "disk quota", "usage", "softlimit", "hardlimit");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct vz_msg *o = vz_msg_get_obj(d, rows[i].key);

		if (!o)
			continue;
		printf("# %-12s", rows[i].name);
		print_num(o, "usage");
		print_num(o, "softlimit");
		print_num(o, "hardlimit");
		printf("\n");
	}
	if (vz_msg_get_bool(d, "soft_enforced", false))
		printf("# the grace period is over: the soft limits hold as hard ones\n");
	else if (vz_msg_get_int(d, "grace_left", &left))
		printf("# above a soft limit: %" PRId64 " s of grace left\n", left);
}

static void print_table(const struct vz_msg *res, const char *ctid)
{
	size_t n = vz_msg_array_len(res, "resources");

	printf("Version: 2.5\n");
	printf("       uid  resource                     held              maxheld"
	       "              barrier                limit              failcnt\n");
	for (size_t i = 0; i < n; i++) {
		const struct vz_msg *o = vz_msg_array_obj(res, "resources", i);

		if (o)
			print_row(o, ctid, i == 0);
	}
	print_notes(res, "rlimit", "# Limited per process (rlimit), not per CT: ");
	print_notes(res, "none", "# Not enforced by this kernel (vzctl ubc -j says why): ");
	print_disk(res);
}

int cmd_ubc(struct client *c, int argc, char **argv)
{
	static const struct option lo[] = {{"json", no_argument, NULL, 'j'}, {}};
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;
	struct vz_msg *args;
	bool json = false;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":j", lo, NULL)) != -1) {
		if (opt != 'j')
			return cmd_bad_option("ubc", opt, argv[optind - 1]);
		json = true;
	}
	if (optind >= argc)
		return cmd_usage_error("ubc", "CT ID missing");
	if (optind + 1 < argc)
		return cmd_usage_error("ubc", "unexpected argument '%s'", argv[optind + 1]);
	args = vz_msg_new();
	vz_msg_set_str(args, "ctid", argv[optind]);
	reply = client_call(c, VZ_OP_UBC, args, &res, &err);
	if (!reply)
		return client_fail(err);
	if (json) {
		_cleanup_free_ char *s = vz_msg_dump(res, true);
		fputs(s, stdout);
	} else {
		_cleanup_free_ char *id = vz_msg_value_string(res, "ctid");
		print_table(res, id);
	}
	return 0;
}
