/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's account files as text (see passwd.h). The text is the CT's and
 * untrusted: lines that do not parse are kept as they are and never match.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/passwd.h"
#include "util/macros.h"
#include "util/xalloc.h"

bool vz_user_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(isalnum(c) || c == '_' || c == '.' || c == '-' || (c == '$' && i == n - 1)))
			return false;
	}
	return true;
}

/* Field k (0-based) of a colon-separated line of n bytes; NULL past its end. */
static char *field(const char *line, size_t n, unsigned k)
{
	const char *p = line, *end = line + n;

	for (; k > 0; k--) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		if (!c)
			return NULL;
		p = c + 1;
	}
	{
		const char *c = memchr(p, ':', (size_t)(end - p));

		return xstrndup(p, (size_t)((c ? c : end) - p));
	}
}

static bool parse_id(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* Is line the entry of name (its first field, exactly)? */
static bool is_entry(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && !strncmp(line, name, k) && line[k] == ':';
}

/* The line of name in text, and its length; NULL when there is none. */
static const char *find_line(const char *text, const char *name, size_t *len)
{
	for (const char *l = text ? text : ""; *l;) {
		size_t n = strcspn(l, "\n");

		if (is_entry(l, n, name)) {
			*len = n;
			return l;
		}
		l += n + (l[n] == '\n');
	}
	return NULL;
}

bool vz_passwd_find(const char *passwd, const char *user, uint32_t *uid, uint32_t *gid)
{
	size_t n;
	const char *l = find_line(passwd, user, &n);
	_cleanup_free_ char *u = l ? field(l, n, 2) : NULL, *g = l ? field(l, n, 3) : NULL;

	return l && parse_id(u, uid) && parse_id(g, gid);
}

bool vz_group_find(const char *group, const char *name, uint32_t *gid)
{
	size_t n;
	const char *l = find_line(group, name, &n);
	_cleanup_free_ char *g = l ? field(l, n, 2) : NULL;

	return l && parse_id(g, gid);
}

uint32_t vz_passwd_next_id(const char *file, uint32_t first_free_above)
{
	uint32_t next = first_free_above;

	for (const char *l = file ? file : ""; *l;) {
		size_t n = strcspn(l, "\n");
		_cleanup_free_ char *f = field(l, n, 2);
		uint32_t id;

		if (parse_id(f, &id) && id >= next && id < 60000)
			next = id + 1;
		l += n + (l[n] == '\n');
	}
	return next;
}

char *vz_passwd_set_field(const char *text, const char *user, const char *value, long last_change,
			  const char *line)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool found = false;

	for (const char *l = text ? text : ""; *l;) {
		size_t n = strcspn(l, "\n");
		const char *p1, *p2, *p3;

		if (found || !is_entry(l, n, user) || !(p1 = memchr(l, ':', n))) {
			fprintf(f, "%.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
			continue;
		}
		/* NAME: value :rest, with the date of the last change when asked and present. */
		found = true;
		p2 = memchr(p1 + 1, ':', (size_t)(l + n - p1 - 1));
		p2 = p2 ? p2 : l + n;
		p3 = p2 < l + n ? memchr(p2 + 1, ':', (size_t)(l + n - p2 - 1)) : NULL;
		if (last_change >= 0 && p3)
			fprintf(f, "%.*s%s:%ld%.*s\n", (int)(p1 + 1 - l), l, value, last_change,
				(int)(l + n - p3), p3);
		else
			fprintf(f, "%.*s%s%.*s\n", (int)(p1 + 1 - l), l, value, (int)(l + n - p2),
				p2);
		l += n + (l[n] == '\n');
	}
	if (!found)
		fprintf(f, "%s\n", line);
	fclose(f);
	return out;
}

/* Does text have a line (not a comment) holding word? */
static bool mentions(const char *text, const char *word)
{
	for (const char *l = text ? text : ""; *l;) {
		size_t n = strcspn(l, "\n");
		const char *s = l + strspn(l, " \t");

		if (*s != '#' && memmem(l, n, word, strlen(word)))
			return true;
		l += n + (l[n] == '\n');
	}
	return false;
}

bool vz_passwd_wants_yescrypt(const char *shadow, const char *pam, const char *login_defs)
{
	for (const char *l = shadow ? shadow : ""; *l;) {
		size_t n = strcspn(l, "\n");
		_cleanup_free_ char *h = field(l, n, 1);

		if (h && !strncmp(h, "$y$", 3))
			return true;
		l += n + (l[n] == '\n');
	}
	return mentions(pam, "yescrypt") || mentions(login_defs, "YESCRYPT");
}
