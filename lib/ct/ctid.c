/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "conf/config.h"
#include "ct/ctid.h"
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

char *vz_ctid_resolve(struct vz_ctx *ctx, const char *ref, vz_error_t *err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (vz_ctid_check(ref, err) < 0)
		return NULL;
	if (vz_ctid_is_numeric(ref))
		return xstrdup(ref);
	dir = vz_path_confdir(ctx);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *id = NULL, *path = NULL;
		_cleanup_config_ struct vz_config *cfg = NULL;
		size_t len = strlen(de->d_name);
		const char *name;

		if (len < 6 || !streq(de->d_name + len - 5, ".conf"))
			continue;
		id = xstrndup(de->d_name, len - 5);
		if (!vz_ctid_is_numeric(id))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		cfg = vz_config_load(path, NULL);
		name = cfg ? vz_config_get(cfg, "NAME") : NULL;
		if (name && streq(name, ref))
			return steal_ptr(id);
	}
	vz_error_make(err, VZ_E_NOCONFIG, 0, "CT '%s' does not exist", ref);
	return NULL;
}
