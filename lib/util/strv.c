/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"
#include "util/xalloc.h"

void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void strv_freep(char ***v)
{
	strv_free(*v);
	*v = NULL;
}

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char **strv_push(char **v, char *s)
{
	size_t n = strv_length(v);

	v = xreallocarray(v, n + 2, sizeof(char *));
	v[n] = s;
	v[n + 1] = NULL;
	return v;
}

char **strv_split(const char *s, const char *seps)
{
	char **v = xzalloc(sizeof(char *));

	while (s && *s) {
		size_t len;

		s += strspn(s, seps);
		len = strcspn(s, seps);
		if (len == 0)
			break;
		v = strv_push(v, xstrndup(s, len));
		s += len;
	}
	return v;
}

char *strv_join(char *const *v, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *s, *p;

	for (char *const *q = v; q && *q; q++)
		len += strlen(*q) + seplen;
	p = s = xzalloc(len);
	for (char *const *q = v; q && *q; q++) {
		if (q != v)
			p = stpcpy(p, sep);
		p = stpcpy(p, *q);
	}
	return s;
}

static size_t name_len(const char *entry)
{
	const char *colon = strrchr(entry, ':');

	return colon ? (size_t)(colon - entry) : strlen(entry);
}

static bool dropped(const char *entry, const char *drop)
{
	const char *colon = strrchr(entry, ':');

	return drop && colon && strcmp(colon + 1, drop) == 0;
}

char *strv_merge_named(const char *old, const char *change, const char *seps, const char *drop)
{
	_cleanup_strv_ char **a = strv_split(old ? old : "", seps);
	_cleanup_strv_ char **b = strv_split(change ? change : "", seps);
	_cleanup_strv_ char **out = NULL;

	for (size_t i = 0; a[i]; i++) {
		size_t len = name_len(a[i]);
		bool named = false;

		for (size_t j = 0; b[j]; j++)
			named |= name_len(b[j]) == len && strncmp(b[j], a[i], len) == 0;
		if (!named && !dropped(a[i], drop))
			out = strv_push(out, xstrdup(a[i]));
	}
	for (size_t j = 0; b[j]; j++)
		if (!dropped(b[j], drop))
			out = strv_push(out, xstrdup(b[j]));
	return strv_join(out, " ");
}
