/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Character classes and the strict decimal parser that both the file
 * engine (config.c) and the key table's validators (keys.c) use. Static
 * inline, so that sharing them adds no call between the two modules.
 */
#ifndef VZ_CONF_INTERNAL_H
#define VZ_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool conf_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool conf_is_alnum(char c)
{
	return conf_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool conf_is_ident(char c)
{
	return conf_is_alnum(c) || c == '_';
}

/* Strict unsigned decimal: digits only, no sign, no blanks, no overflow. */
static inline bool conf_parse_dec(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (!conf_is_digit(s[i]) || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

#endif
