/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "res/disk.h"
#include "util/macros.h"

static bool space_key(const char *key)
{
	return streq(key, "DISKSPACE");
}

bool vz_disk_is_key(const char *key)
{
	return streq(key, "DISKSPACE") || streq(key, "DISKINODES") || streq(key, "QUOTATIME");
}

static int parse_one(const char *key, const char *s, size_t n, uint64_t *ret, vz_error_t *err)
{
	char buf[64];
	size_t digits;
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		goto invalid;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcasecmp(buf, "unlimited") == 0) {
		*ret = VZ_DISK_UNLIMITED;
		return 0;
	}
	digits = strspn(buf, "0123456789");
	if (digits == 0 || (buf[digits] && !space_key(key)))
		goto invalid;
	if (!buf[digits]) {
		errno = 0;
		v = strtoull(buf, NULL, 10);
		if (errno || v >= VZ_DISK_UNLIMITED / 1024)
			goto invalid;
	} else {
		/* A size is bytes: in KiB, rounded up. */
		if (vz_parse_size(key, buf, &v, NULL) < 0)
			goto invalid;
		v = v / 1024 + (v % 1024 != 0);
	}
	*ret = v;
	return 0;
invalid:
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid value '%.*s' (expected %s)", key,
			     (int)n, s,
			     space_key(key) ? "KiB or a size such as 10G, or unlimited"
					    : "a number of inodes or unlimited");
}

int vz_disk_parse(const char *key, const char *s, uint64_t *soft, uint64_t *hard, vz_error_t *err)
{
	const char *colon = strchr(s, ':');
	uint64_t a, b;

	if (parse_one(key, s, colon ? (size_t)(colon - s) : strlen(s), &a, err) < 0)
		return -1;
	b = a;
	if (colon && parse_one(key, colon + 1, strlen(colon + 1), &b, err) < 0)
		return -1;
	if (a > b)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: soft limit is above hard limit in '%s'", key, s);
	*soft = a;
	*hard = b;
	return 0;
}

int vz_disk_validate(const char *key, const char *value, vz_error_t *err)
{
	uint64_t a, b;

	if (streq(key, "QUOTATIME")) {
		size_t digits = strspn(value, "0123456789");

		if (digits == 0 || value[digits] || digits > 9)
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "QUOTATIME: invalid value '%s' (expected seconds)",
					     value);
		return 0;
	}
	return vz_disk_parse(key, value, &a, &b, err);
}

void vz_disk_get(const struct vz_config *cfg, struct vz_disk_limits *ret)
{
	const char *v;

	*ret = (struct vz_disk_limits){VZ_DISK_UNLIMITED, VZ_DISK_UNLIMITED, VZ_DISK_UNLIMITED,
				       VZ_DISK_UNLIMITED, VZ_DISK_GRACE_DEFAULT};
	if (!cfg)
		return;
	v = vz_config_get(cfg, "DISKSPACE");
	if (v && vz_disk_parse("DISKSPACE", v, &ret->space_soft, &ret->space_hard, NULL) < 0)
		ret->space_soft = ret->space_hard = VZ_DISK_UNLIMITED;
	v = vz_config_get(cfg, "DISKINODES");
	if (v && vz_disk_parse("DISKINODES", v, &ret->inodes_soft, &ret->inodes_hard, NULL) < 0)
		ret->inodes_soft = ret->inodes_hard = VZ_DISK_UNLIMITED;
	v = vz_config_get(cfg, "QUOTATIME");
	if (v && vz_disk_validate("QUOTATIME", v, NULL) == 0)
		ret->grace = strtoull(v, NULL, 10);
}

bool vz_disk_limited(const struct vz_disk_limits *l)
{
	return l->space_hard != VZ_DISK_UNLIMITED;
}
