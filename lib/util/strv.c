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
