/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "ct/ctid.h"
#include "util/strv.h"
#include "util/xalloc.h"

bool vz_ctid_is_numeric(const char *s)
{
	size_t len = strlen(s);
	unsigned long long v = 0;

	if (len == 0 || len > 10 || s[0] == '0')
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v <= 2147483647ull;
}

bool vz_ctid_is_name(const char *s)
{
	size_t len = strlen(s);
	bool digits_only = true;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool alnum =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
		if (c < '0' || c > '9')
			digits_only = false;
	}
	return !digits_only;
}

int vz_ctid_check(const char *s, vz_error_t *err)
{
	if (s && (vz_ctid_is_numeric(s) || vz_ctid_is_name(s)))
		return 0;
	return vz_error_make(err, VZ_E_VALUE, 0,
			     "invalid CT ID '%s': use a number from 1 to 2147483647 or a name "
			     "made of letters, digits, '.', '_' and '-'",
			     s ? s : "");
}

static int cmp_ctid(const void *a, const void *b)
{
	unsigned long x = strtoul(*(char *const *)a, NULL, 10);
	unsigned long y = strtoul(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

char **vz_ct_list_ids(struct vz_ctx *ctx, vz_error_t *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/conf", ctx->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	char **ids = xzalloc(sizeof(char *));
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return ids;
		free(ids);
		vz_error_make(err, VZ_E_SYSTEM, errno, "list '%s'", dir);
		return NULL;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *id;

		if (len < 6 || !streq(de->d_name + len - 5, ".conf"))
			continue;
		id = xstrndup(de->d_name, len - 5);
		if (!vz_ctid_is_numeric(id)) {
			free(id);
			continue;
		}
		ids = strv_push(ids, id);
	}
	qsort(ids, strv_length(ids), sizeof(char *), cmp_ctid);
	return ids;
}

int vz_ct_foreach_config(struct vz_ctx *ctx,
			 int (*fn)(const char *id, const struct vz_config *cfg, void *data),
			 void *data)
{
	_cleanup_strv_ char **ids = vz_ct_list_ids(ctx, NULL);
	int r = 0;

	for (char **p = ids; p && *p && r == 0; p++) {
		_cleanup_free_ char *path = xasprintf("%s/conf/%s.conf", ctx->root, *p);
		_cleanup_config_ struct vz_config *cfg = vz_config_load(path, NULL);

		if (cfg)
			r = fn(*p, cfg, data);
	}
	return r;
}

struct name_scan {
	const char *name, *self;
	char *found;
};

static int match_name(const char *id, const struct vz_config *cfg, void *data)
{
	struct name_scan *s = data;
	const char *n = vz_config_get(cfg, "NAME");

	if (!n || !streq(n, s->name) || (s->self && streq(id, s->self)))
		return 0;
	s->found = xstrdup(id);
	return 1;
}

char *vz_ctid_resolve(struct vz_ctx *ctx, const char *ref, vz_error_t *err)
{
	struct name_scan s = {.name = ref};

	if (vz_ctid_check(ref, err) < 0)
		return NULL;
	if (vz_ctid_is_numeric(ref))
		return xstrdup(ref);
	if (vz_ct_foreach_config(ctx, match_name, &s))
		return s.found;
	vz_error_make(err, VZ_E_NOCONFIG, 0, "CT '%s' does not exist", ref);
	return NULL;
}

int vz_ct_check_name_free(struct vz_ctx *ctx, const char *name, const char *self, vz_error_t *err)
{
	struct name_scan s = {.name = name, .self = self};

	if (!vz_ctid_is_name(name))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "invalid CT name '%s': letters, digits, '.', '_' and '-', "
				     "not all digits",
				     name);
	if (vz_ct_foreach_config(ctx, match_name, &s)) {
		free(s.found);
		return vz_error_make(err, VZ_E_VALUE, 0, "name '%s' is used by another CT", name);
	}
	return 0;
}

struct vz_config *vz_ct_load_sample(struct vz_ctx *ctx, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	vz_error_t e = NULL;
	struct vz_config *cfg;

	if (!name)
		return vz_config_new();
	if (!vz_ctid_is_name(name) && !vz_ctid_is_numeric(name)) {
		vz_error_make(err, VZ_E_VALUE, 0, "invalid config sample name '%s'", name);
		return NULL;
	}
	p1 = xasprintf("%s/conf/ve-%s.conf-sample", ctx->root, name);
	p2 = xasprintf("%s/configs/ve-%s.conf-sample", ctx->datadir, name);
	cfg = vz_config_load(p1, &e);
	if (!cfg && e->code == VZ_E_NOCONFIG) {
		vz_error_release(&e);
		cfg = vz_config_load(p2, &e);
	}
	if (!cfg && e->code == VZ_E_NOCONFIG) {
		vz_error_release(&e);
		vz_error_make(&e, VZ_E_NOCONFIG, 0, "config sample '%s' not found (%s)", name, p1);
	}
	if (!cfg && err)
		*err = e;
	else
		vz_error_release(&e);
	return cfg;
}
