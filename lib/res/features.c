/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <string.h>

#include "res/features.h"
#include "util/macros.h"
#include "util/strv.h"

static const char *const known[] = {"io_uring"};
static const char *const openvz_only[] = {"sysfs", "nfs",   "nfsd", "sit",
					  "ipip",  "ipgre", "ppp",  "bridge"};

#define SEPARATORS " \t,"

/* "name:on" -> name (length *len) and on; false when it is not name:on|off. */
static bool parse_one(const char *tok, size_t *len, bool *on)
{
	const char *colon = strchr(tok, ':');

	if (!colon || colon == tok)
		return false;
	*len = (size_t)(colon - tok);
	if (streq(colon + 1, "on"))
		*on = true;
	else if (streq(colon + 1, "off"))
		*on = false;
	else
		return false;
	return true;
}

static bool in_list(const char *const *list, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncmp(list[i], name, len) == 0)
			return true;
	return false;
}

static char **tokens(const char *value)
{
	return strv_split(value ? value : "", SEPARATORS);
}

int vz_features_validate(const char *key, const char *value, vz_error_t *err)
{
	_cleanup_strv_ char **v = tokens(value);

	for (size_t i = 0; v && v[i]; i++) {
		size_t len;
		bool on;

		if (!parse_one(v[i], &len, &on))
			return vz_error_make(
				err, VZ_E_VALUE, 0,
				"%s: invalid feature '%s' (expected name:on or name:off)", key,
				v[i]);
		if (!in_list(known, ARRAY_SIZE(known), v[i], len) &&
		    !in_list(openvz_only, ARRAY_SIZE(openvz_only), v[i], len))
			return vz_error_make(
				err, VZ_E_VALUE, 0,
				"%s: unknown feature '%.*s' (vz's features are: io_uring)", key,
				(int)len, v[i]);
		for (size_t j = 0; j < i; j++)
			if (strncmp(v[j], v[i], len + 1) == 0)
				return vz_error_make(err, VZ_E_VALUE, 0,
						     "%s: feature '%.*s' given twice", key,
						     (int)len, v[i]);
	}
	return 0;
}

const char *vz_features_inert(const char *value)
{
	_cleanup_strv_ char **v = tokens(value);

	for (size_t i = 0; v && v[i]; i++)
		for (size_t j = 0; j < ARRAY_SIZE(openvz_only); j++) {
			size_t len;
			bool on;

			if (parse_one(v[i], &len, &on) && strlen(openvz_only[j]) == len &&
			    !strncmp(v[i], openvz_only[j], len))
				return openvz_only[j];
		}
	return NULL;
}

bool vz_features_on(const char *value, const char *name)
{
	_cleanup_strv_ char **v = tokens(value);
	bool result = false;

	for (size_t i = 0; v && v[i]; i++) {
		size_t len;
		bool on;

		if (parse_one(v[i], &len, &on) && strlen(name) == len && !strncmp(v[i], name, len))
			result = on;
	}
	return result;
}

char *vz_features_merge(const char *old, const char *change)
{
	return strv_merge_named(old, change, SEPARATORS, NULL);
}
