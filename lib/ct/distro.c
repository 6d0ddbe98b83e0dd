/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The distribution of a CT from its os-release (see os-release(5)). The
 * text comes from the CT and is untrusted: values are bounded, and what
 * does not parse is skipped.
 */
#define _GNU_SOURCE
#include <string.h>

#include "ct/distro.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const struct {
	const char *id;
	enum vz_distro_family family;
} known[] = {
	{"debian", VZ_DISTRO_DEBIAN},	  {"ubuntu", VZ_DISTRO_DEBIAN},
	{"devuan", VZ_DISTRO_DEBIAN},	  {"raspbian", VZ_DISTRO_DEBIAN},
	{"linuxmint", VZ_DISTRO_DEBIAN},  {"kali", VZ_DISTRO_DEBIAN},
	{"fedora", VZ_DISTRO_REDHAT},	  {"rhel", VZ_DISTRO_REDHAT},
	{"centos", VZ_DISTRO_REDHAT},	  {"almalinux", VZ_DISTRO_REDHAT},
	{"rocky", VZ_DISTRO_REDHAT},	  {"ol", VZ_DISTRO_REDHAT},
	{"scientific", VZ_DISTRO_REDHAT}, {"alpine", VZ_DISTRO_ALPINE},
	{"busybox", VZ_DISTRO_BUSYBOX},
};

static enum vz_distro_family family_of(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (streq(id, known[i].id))
			return known[i].family;
	return VZ_DISTRO_UNKNOWN;
}

const char *vz_distro_family_name(enum vz_distro_family f)
{
	switch (f) {
	case VZ_DISTRO_DEBIAN:
		return "debian";
	case VZ_DISTRO_REDHAT:
		return "redhat";
	case VZ_DISTRO_ALPINE:
		return "alpine";
	case VZ_DISTRO_BUSYBOX:
		return "busybox";
	case VZ_DISTRO_UNKNOWN:
		break;
	}
	return "unknown";
}

/*
 * The value of an os-release assignment (after "KEY="): bare, or in single
 * or double quotes with backslash escapes. NULL when it does not parse.
 */
static char *unquote(const char *v, size_t n)
{
	char *out = xzalloc(n + 1), *o = out;
	char q = (n && (*v == '"' || *v == '\'')) ? *v : 0;
	size_t i = q ? 1 : 0;

	for (; i < n; i++) {
		if (q && v[i] == q) {
			if (i + 1 != n)
				break; /* text after the closing quote */
			return out;
		}
		if (v[i] == '\\' && i + 1 < n)
			i++;
		else if (!q && strchr(" \t\"'`$", v[i]))
			break; /* an unquoted value is one plain word */
		*o++ = v[i];
	}
	if (i == n && !q)
		return out;
	free(out);
	return NULL;
}

/* Copy the value of KEY= in line into buf when the line assigns key. */
static void take(const char *line, size_t n, const char *key, char *buf, size_t size)
{
	size_t k = strlen(key);
	_cleanup_free_ char *v = NULL;

	if (n <= k || strncmp(line, key, k) || line[k] != '=')
		return;
	v = unquote(line + k + 1, n - k - 1);
	if (v && strlen(v) < size)
		memcpy(buf, v, strlen(v) + 1);
}

void vz_distro_parse(const char *text, struct vz_distro *ret)
{
	char like[256] = "";

	*ret = (struct vz_distro){VZ_DISTRO_UNKNOWN, "", ""};
	for (const char *l = text ? text : ""; *l;) {
		size_t n = strcspn(l, "\n");

		take(l, n, "ID", ret->id, sizeof(ret->id));
		take(l, n, "VERSION_ID", ret->version, sizeof(ret->version));
		take(l, n, "ID_LIKE", like, sizeof(like));
		l += n + (l[n] == '\n');
	}
	ret->family = family_of(ret->id);
	if (ret->family == VZ_DISTRO_UNKNOWN) {
		_cleanup_strv_ char **words = strv_split(like, " ");

		for (char **w = words; *w && ret->family == VZ_DISTRO_UNKNOWN; w++)
			ret->family = family_of(*w);
	}
}
