/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data behind vzlist: every CT with the fields vzlist can show, in one
 * reply, so that listing a thousand CTs costs one round trip.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ct.h"
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

static void add_ct(struct vz_ctx *ctx, struct vz_msg *list, const char *id, bool all)
{
	_cleanup_config_ struct vz_config *cfg = vz_ct_load_config(ctx, id, NULL);
	struct vz_ct_status s;
	struct vz_msg *o;

	if (!cfg || vz_ct_status(ctx, id, &s, NULL) < 0)
		return;
	if (!all && !s.running)
		return;
	o = vz_msg_append_obj(list, "cts");
	vz_msg_set_int(o, "ctid", strtol(id, NULL, 10));
	set_opt_str(o, "name", vz_config_get(cfg, "NAME"));
	set_opt_str(o, "hostname", vz_config_get(cfg, "HOSTNAME"));
	set_opt_str(o, "ostemplate", vz_config_get(cfg, "OSTEMPLATE"));
	set_opt_str(o, "description", vz_config_get(cfg, "DESCRIPTION"));
	vz_msg_set_bool(o, "onboot", vz_config_get_bool(cfg, "ONBOOT", false));
	vz_msg_set_bool(o, "disabled", vz_config_get_bool(cfg, "DISABLED", false));
	split_words(o, "ip", vz_config_get(cfg, "IP_ADDRESS"));
	vz_msg_set_str(o, "status", s.running ? "running" : s.mounted ? "mounted" : "stopped");
	vz_msg_set_str(o, "private", vz_config_get(cfg, "VE_PRIVATE") ?: "");
	vz_msg_set_str(o, "root", vz_config_get(cfg, "VE_ROOT") ?: "");
	if (s.running) {
		int n = vz_ct_count_procs(ctx, id, NULL);
		vz_msg_set_int(o, "numproc", n < 0 ? 0 : n);
		vz_msg_set_int(o, "uptime", (int64_t)(time(NULL) - s.started));
		vz_msg_set_int(o, "pid", s.pid);
	} else {
		vz_msg_set_null(o, "numproc");
		vz_msg_set_null(o, "uptime");
	}
}

struct vz_msg *vzd_list(struct vz_ctx *ctx, const struct vz_msg *args, vz_error_t *err)
{
	bool all = vz_msg_get_bool(args, "all", true);
	char **ids = vz_ct_list_ids(ctx, err);
	char **only = vz_msg_get_strv(args, "ctids");
	struct vz_msg *r;

	if (!ids)
		return NULL;
	r = vz_msg_new();
	/* "cts" stays an array even when there is no CT. */
	vz_msg_set_strv(r, "cts", (char *[]){NULL});
	for (char **p = ids; *p; p++) {
		bool wanted = !only;
		for (char **q = only; q && *q && !wanted; q++)
			wanted = streq(*q, *p);
		if (wanted)
			add_ct(ctx, r, *p, all || only);
		free(*p);
	}
	free(ids);
	for (char **q = only; q && *q; q++)
		free(*q);
	free(only);
	return r;
}
