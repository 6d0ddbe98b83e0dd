/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NETIF key and --netif_add: parsing, checking and formatting (netif.h). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "net/netif.h"
#include "util/macros.h"
#include "util/xalloc.h"

int vz_netif_check_ifname(const char *what, const char *s, vz_error_t *err)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: interface name '%s' must have 1 to %d bytes", what, s,
				     IFNAMSIZ - 1);
	if (streq(s, ".") || streq(s, ".."))
		goto bad;
	/*
	 * Narrower than the kernel allows: these names go into nftables
	 * commands and OpenVZ-style config values, where quotes, braces or
	 * separators would mean something else.
	 */
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			goto bad;
	return 0;
bad:
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid interface name '%s'", what, s);
}

int vz_netif_check_mac(const char *what, const char *s, vz_error_t *err)
{
	unsigned b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid MAC address '%s'", what, s);
	if (b[0] & 1)
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: '%s' is a multicast address", what,
				     s);
	return 0;
}

void vz_netif_make_mac(uint64_t seed, char out[18])
{
	/* 0x02 in the first byte: locally administered, unicast. */
	(void)snprintf(out, 18, "02:%02x:%02x:%02x:%02x:%02x", (unsigned)(seed >> 32) & 0xff,
		       (unsigned)(seed >> 24) & 0xff, (unsigned)(seed >> 16) & 0xff,
		       (unsigned)(seed >> 8) & 0xff, (unsigned)seed & 0xff);
}

/* "a|b|c": each an IP address (prefix allowed), the whole fitting in size. */
static int check_allow(const char *val, size_t size, vz_error_t *err)
{
	if (strlen(val) >= size)
		return vz_error_make(err, VZ_E_VALUE, 0, "allow: too many addresses");
	for (const char *p = val; *p;) {
		size_t n = strcspn(p, "|");
		_cleanup_free_ char *a = xstrndup(p, n);

		if (!vz_net_addr_valid(a, NULL))
			return vz_error_make(err, VZ_E_VALUE, 0, "allow: invalid IP address '%s'",
					     a);
		p += n + (p[n] == '|');
	}
	return 0;
}

static int set_field(struct vz_netif *f, const char *key, const char *val, vz_error_t *err)
{
	static const struct {
		const char *key;
		size_t off, size;
		bool mac;
	} fields[] = {
		{"ifname", offsetof(struct vz_netif, ifname), IFNAMSIZ, false},
		{"mac", offsetof(struct vz_netif, mac), 18, true},
		{"host_ifname", offsetof(struct vz_netif, host_ifname), IFNAMSIZ, false},
		{"host_mac", offsetof(struct vz_netif, host_mac), 18, true},
		{"bridge", offsetof(struct vz_netif, bridge), IFNAMSIZ, false},
		{"allow", offsetof(struct vz_netif, allow), sizeof(((struct vz_netif *)0)->allow),
		 false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!streq(fields[i].key, key))
			continue;
		if (streq(key, "allow")) {
			if (check_allow(val, fields[i].size, err) < 0)
				return -1;
		} else if (*val && (fields[i].mac ? vz_netif_check_mac(key, val, err)
						  : vz_netif_check_ifname(key, val, err)) < 0) {
			return -1;
		}
		(void)snprintf((char *)f + fields[i].off, fields[i].size, "%s", val);
		return 0;
	}
	return vz_error_make(err, VZ_E_VALUE, 0, "unknown field '%s'", key);
}

/* One "k=v,k=v" entry of n bytes. */
static int parse_entry(const char *s, size_t n, struct vz_netif *ret, vz_error_t *err)
{
	_cleanup_free_ char *copy = xstrndup(s, n);
	char *save = NULL;

	memset(ret, 0, sizeof(*ret));
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq)
			return vz_error_make(err, VZ_E_VALUE, 0, "NETIF: '%s' is not field=value",
					     kv);
		*eq = '\0';
		if (set_field(ret, kv, eq + 1, err) < 0)
			return vz_error_wrap(err, "NETIF");
	}
	if (!ret->ifname[0])
		return vz_error_make(err, VZ_E_VALUE, 0, "NETIF: an interface without ifname");
	return 0;
}

int vz_netif_parse(const char *value, struct vz_netifs *ret, vz_error_t *err)
{
	memset(ret, 0, sizeof(*ret));
	for (const char *p = value ? value : ""; *p;) {
		size_t n = strcspn(p, ";");

		if (n > 0) {
			if (ret->n == VZ_NETIF_MAX)
				return vz_error_make(err, VZ_E_VALUE, 0,
						     "NETIF: more than %d interfaces",
						     VZ_NETIF_MAX);
			if (parse_entry(p, n, &ret->v[ret->n], err) < 0)
				return -1;
			if (vz_netif_find(ret, ret->v[ret->n].ifname) >= 0)
				return vz_error_make(err, VZ_E_VALUE, 0,
						     "NETIF: interface %s is given twice",
						     ret->v[ret->n].ifname);
			ret->n++;
		}
		p += n + (p[n] == ';');
	}
	return 0;
}

int vz_netif_validate(const char *key, const char *value, vz_error_t *err)
{
	struct vz_netifs l;

	(void)key;
	return vz_netif_parse(value, &l, err);
}

char *vz_netif_format(const struct vz_netifs *list)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t i = 0; i < list->n; i++) {
		const struct vz_netif *v = &list->v[i];

		fprintf(f, "%sifname=%s", i ? ";" : "", v->ifname);
		if (v->mac[0])
			fprintf(f, ",mac=%s", v->mac);
		if (v->host_ifname[0])
			fprintf(f, ",host_ifname=%s", v->host_ifname);
		if (v->host_mac[0])
			fprintf(f, ",host_mac=%s", v->host_mac);
		if (v->bridge[0])
			fprintf(f, ",bridge=%s", v->bridge);
		if (v->allow[0])
			fprintf(f, ",allow=%s", v->allow);
	}
	fclose(f);
	return out;
}

int vz_netif_parse_cli(const char *arg, struct vz_netif *ret, vz_error_t *err)
{
	static const char *const order[] = {"ifname", "mac", "host_ifname", "host_mac", "bridge"};
	const char *p = arg;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		size_t n = strcspn(p, ",");
		_cleanup_free_ char *v = xstrndup(p, n);

		if (set_field(ret, order[i], v, err) < 0)
			return vz_error_wrap(err, "--netif_add");
		p += n;
		if (*p == '\0')
			break;
		p++;
		if (i + 1 == ARRAY_SIZE(order))
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "--netif_add: too many fields in '%s'", arg);
	}
	if (!ret->ifname[0])
		return vz_error_make(err, VZ_E_VALUE, 0, "--netif_add: no interface name in '%s'",
				     arg);
	return 0;
}

int vz_netif_find(const struct vz_netifs *list, const char *ifname)
{
	for (size_t i = 0; i < list->n; i++)
		if (streq(list->v[i].ifname, ifname))
			return (int)i;
	return -1;
}
