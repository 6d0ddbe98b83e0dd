/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the config parser. Properties checked on every input
 * that parses:
 *  - format() gives back the input byte for byte (and so is a fixed point);
 *  - re-parsing the formatted text gives the same key=value pairs;
 *  - writing every pair through set() into a fresh config (which quotes and
 *    escapes) and parsing that again gives the same pairs, and its format is
 *    a fixed point too.
 * Inputs that do not parse must fail with an error naming the line.
 * Any violation abort()s so libFuzzer records the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ORIGIN "fuzz"

struct compare {
	const struct vz_config *other;
	size_t count;
};

static int same_value(const char *key, const char *value, void *data)
{
	struct compare *c = data;
	const char *v = vz_config_get(c->other, key);

	if (!v || strcmp(v, value) != 0)
		abort();
	c->count++;
	return 0;
}

static int count_pair(const char *key, const char *value, void *data)
{
	(*(size_t *)data)++;
	return 0;
}

/* a and b hold exactly the same effective key=value pairs. */
static void assert_same_pairs(const struct vz_config *a, const struct vz_config *b)
{
	struct compare c = {b, 0};
	size_t nb = 0;

	(void)vz_config_foreach(a, same_value, &c);
	(void)vz_config_foreach(b, count_pair, &nb);
	if (c.count != nb)
		abort();
}

static struct vz_config *reparse(const char *text)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_config *cfg = vz_config_parse(text, strlen(text), ORIGIN, &err);
	char *again;

	if (!cfg)
		abort();
	again = vz_config_format(cfg);
	if (strcmp(again, text) != 0)
		abort();
	free(again);
	return cfg;
}

static int copy_pair(const char *key, const char *value, void *data)
{
	_cleanup_error_ vz_error_t err = NULL;

	/* Values that parsed must be accepted by set(): same rules both ways. */
	if (vz_config_set(data, key, value, &err) < 0)
		abort();
	return 0;
}

static void check_rewrite(const struct vz_config *cfg)
{
	_cleanup_config_ struct vz_config *copy = vz_config_new(), *back = NULL;
	_cleanup_free_ char *text = NULL;

	(void)vz_config_foreach(cfg, copy_pair, copy);
	text = vz_config_format(copy);
	back = reparse(text);
	assert_same_pairs(cfg, back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "config '" ORIGIN "' line ";
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_config_ struct vz_config *cfg = NULL, *back = NULL;
	_cleanup_free_ char *text = NULL;

	cfg = vz_config_parse((const char *)data, size, ORIGIN, &err);
	if (!cfg) {
		if (!err || strncmp(err->msg, prefix, sizeof(prefix) - 1) != 0)
			abort();
		return 0;
	}
	if (err)
		abort();
	text = vz_config_format(cfg);
	if (strlen(text) != size || memcmp(text, data, size) != 0)
		abort();
	back = reparse(text);
	assert_same_pairs(cfg, back);
	check_rewrite(cfg);
	return 0;
}
