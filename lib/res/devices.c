/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "res/devices.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define SEPARATORS " \t,"
#define RW (VZ_CG_DEV_READ | VZ_CG_DEV_WRITE)

/*
 * Every CT's: the nodes vz makes in its /dev (lib/sandbox/mount.c), the
 * console (5:1, or a host pty bound there) and its ptys (136:*, which
 * the kernel numbers for every devpts instance). runc and crun allow the
 * same; neither they nor vz allow mknod, and tun is no longer in theirs.
 */
static const struct vz_cg_dev standard[] = {
	{VZ_CG_DEV_CHAR, 1, 3, RW},		  /* null */
	{VZ_CG_DEV_CHAR, 1, 5, RW},		  /* zero */
	{VZ_CG_DEV_CHAR, 1, 7, RW},		  /* full */
	{VZ_CG_DEV_CHAR, 1, 8, RW},		  /* random */
	{VZ_CG_DEV_CHAR, 1, 9, RW},		  /* urandom */
	{VZ_CG_DEV_CHAR, 5, 0, RW},		  /* tty */
	{VZ_CG_DEV_CHAR, 5, 1, RW},		  /* console */
	{VZ_CG_DEV_CHAR, 5, 2, RW},		  /* ptmx */
	{VZ_CG_DEV_CHAR, 136, VZ_CG_DEV_ANY, RW}, /* pts/N */
};

/* Names under /dev that vz makes itself: a DEVNODES entry may not take them. */
static const char *const reserved[] = {"null",	  "zero", "full",   "random", "urandom", "tty",
				       "console", "ptmx", "fd",	    "stdin",  "stdout",	 "stderr",
				       "pts",	  "shm",  "mqueue", "vz"};

#define NAME_MAX_LEN 64
#define MAJOR_MAX 4095	  /* 12 bits of dev_t */
#define MINOR_MAX 1048575 /* 20 bits */

bool vz_devices_is_key(const char *key)
{
	return streq(key, "DEVNODES") || streq(key, "DEVICES");
}

/* "r", "w", "rw" (or "wr"), "none" -> access bits; -1 otherwise. */
static int parse_perm(const char *s)
{
	if (streq(s, "none"))
		return 0;
	if (streq(s, "r"))
		return VZ_CG_DEV_READ;
	if (streq(s, "w"))
		return VZ_CG_DEV_WRITE;
	if (streq(s, "rw") || streq(s, "wr"))
		return RW;
	return -1;
}

static int perm_error(const char *key, const char *entry, const char *perm, vz_error_t *err)
{
	if (strchr(perm, 'q'))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: '%s': 'q' (OpenVZ's quota access) has no meaning here; "
				     "use r, w, rw or none",
				     key, entry);
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: '%s': access must be r, w, rw or none", key,
			     entry);
}

/* The entry's device part (before the last ':') and its access; false without a ':'. */
static bool split_entry(const char *entry, char **ret_dev, const char **ret_perm)
{
	const char *colon = strrchr(entry, ':');

	if (!colon || colon == entry)
		return false;
	*ret_dev = xstrndup(entry, (size_t)(colon - entry));
	*ret_perm = colon + 1;
	return true;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '+';
}

/* One component of a name under /dev: name characters only, not "." or "..". */
static bool good_component(const char *c, size_t len)
{
	if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(c[i]))
			return false;
	return true;
}

/* A path under /dev of plain components, the first none of vz's own names. */
static int check_node_name(const char *key, const char *name, vz_error_t *err)
{
	size_t first = strcspn(name, "/");
	bool ok = strlen(name) <= NAME_MAX_LEN;

	for (const char *p = name; ok; p += strcspn(p, "/") + 1) {
		ok = good_component(p, strcspn(p, "/"));
		if (!p[strcspn(p, "/")])
			break;
	}
	if (!ok)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: '%s' is not a device name under /dev (such as net/tun)",
				     key, name);
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (strlen(reserved[i]) == first && !strncmp(name, reserved[i], first))
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "%s: '/dev/%s' is vz's own in every CT", key, name);
	return 0;
}

/* Leading zeros: "010" would be another spelling of a device, which merge could not match. */
static bool canonical_number(const char *s)
{
	return s[0] != '0' || s[1] == '\0';
}

/* "c:10:200" -> the rule's device; false when it is not TYPE:MAJ:MIN. */
static bool parse_device(const char *s, struct vz_cg_dev *ret)
{
	char type, maj[16], min[16], *end;
	int n = 0;
	unsigned long v;

	if (sscanf(s, "%c:%15[0-9]:%15[0-9a-z]%n", &type, maj, min, &n) != 3 || s[n] ||
	    (type != 'c' && type != 'b') || !canonical_number(maj) || !canonical_number(min))
		return false;
	ret->type = type == 'c' ? VZ_CG_DEV_CHAR : VZ_CG_DEV_BLOCK;
	v = strtoul(maj, &end, 10);
	if (*end || v > MAJOR_MAX)
		return false;
	ret->major = (uint32_t)v;
	if (streq(min, "all")) {
		ret->minor = VZ_CG_DEV_ANY;
		return true;
	}
	v = strtoul(min, &end, 10);
	if (*end || !isdigit((unsigned char)min[0]) || v > MINOR_MAX)
		return false;
	ret->minor = (uint32_t)v;
	return true;
}

/* Check one entry of key's list; *ret_dev (heap) is what names its device. */
static int check_entry(const char *key, const char *entry, char **ret_dev, vz_error_t *err)
{
	_cleanup_free_ char *dev = NULL;
	const char *perm;
	struct vz_cg_dev d;

	if (!split_entry(entry, &dev, &perm))
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: '%s': expected %s", key, entry,
				     streq(key, "DEVNODES") ? "NAME:PERM (such as net/tun:rw)"
							    : "TYPE:MAJOR:MINOR:PERM (such as "
							      "c:10:200:rw)");
	if (parse_perm(perm) < 0)
		return perm_error(key, entry, perm, err);
	if (streq(key, "DEVNODES")) {
		if (check_node_name(key, dev, err) < 0)
			return -1;
	} else if (!parse_device(dev, &d)) {
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: '%s': expected b or c, a major up to %d and a minor up "
				     "to %d or 'all', without leading zeros (such as c:10:200:rw)",
				     key, entry, MAJOR_MAX, MINOR_MAX);
	}
	*ret_dev = steal_ptr(dev);
	return 0;
}

int vz_devices_validate(const char *key, const char *value, vz_error_t *err)
{
	_cleanup_strv_ char **v = strv_split(value ? value : "", SEPARATORS);
	_cleanup_strv_ char **seen = NULL;

	for (size_t i = 0; v && v[i]; i++) {
		char *dev = NULL;

		if (check_entry(key, v[i], &dev, err) < 0)
			return -1;
		for (size_t j = 0; seen && seen[j]; j++)
			if (streq(seen[j], dev)) {
				vz_error_make(err, VZ_E_VALUE, 0, "%s: '%s' given twice", key, dev);
				free(dev);
				return -1;
			}
		seen = strv_push(seen, dev);
	}
	return 0;
}

char *vz_devices_merge(const char *old, const char *change)
{
	return strv_merge_named(old, change, SEPARATORS, "none");
}

static void add_rule(struct vz_ct_devices *d, struct vz_cg_dev r)
{
	d->rules = xreallocarray(d->rules, d->n_rules + 1, sizeof(*d->rules));
	d->rules[d->n_rules++] = r;
}

/* One DEVNODES entry: the host's node of that name, allowed and made in the CT. */
static int resolve_node(const char *name, int access, const char *host_dev, struct vz_ct_devices *d,
			vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", host_dev, name);
	struct stat st;

	if (stat(path, &st) < 0)
		return vz_error_make(err, VZ_E_DEVICES, errno,
				     "DEVNODES: '/dev/%s' on this host (is its driver loaded?)",
				     name);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return vz_error_make(err, VZ_E_DEVICES, 0,
				     "DEVNODES: '/dev/%s' is no device node on this host", name);
	add_rule(d, (struct vz_cg_dev){S_ISCHR(st.st_mode) ? VZ_CG_DEV_CHAR : VZ_CG_DEV_BLOCK,
				       major(st.st_rdev), minor(st.st_rdev), (unsigned)access});
	d->nodes = xreallocarray(d->nodes, d->n_nodes + 1, sizeof(*d->nodes));
	d->nodes[d->n_nodes++] = (struct vz_dev_node){
		.name = xstrdup(name),
		.mode = st.st_mode & (S_IFMT | 0777),
		.rdev = st.st_rdev,
	};
	return 0;
}

/* Each entry of value (key's syntax, validated) with its access; "none" ones are skipped. */
static int each_grant(const char *key, const char *value, const char *host_dev,
		      struct vz_ct_devices *d, vz_error_t *err)
{
	_cleanup_strv_ char **v = strv_split(value ? value : "", SEPARATORS);

	for (size_t i = 0; v && v[i]; i++) {
		_cleanup_free_ char *dev = NULL;
		struct vz_cg_dev r;
		int access;

		if (check_entry(key, v[i], &dev, err) < 0)
			return -1;
		access = parse_perm(strrchr(v[i], ':') + 1);
		if (access == 0)
			continue;
		if (streq(key, "DEVNODES")) {
			if (resolve_node(dev, access, host_dev, d, err) < 0)
				return -1;
		} else {
			(void)parse_device(dev, &r);
			r.access = (unsigned)access;
			add_rule(d, r);
		}
	}
	return 0;
}

int vz_ct_devices_resolve(const char *devnodes, const char *devices, const char *host_dev,
			  struct vz_ct_devices *ret, vz_error_t *err)
{
	*ret = (struct vz_ct_devices){0};
	for (size_t i = 0; i < ARRAY_SIZE(standard); i++)
		add_rule(ret, standard[i]);
	if (each_grant("DEVICES", devices, host_dev, ret, err) < 0 ||
	    each_grant("DEVNODES", devnodes, host_dev, ret, err) < 0) {
		vz_ct_devices_free(ret);
		return -1;
	}
	return 0;
}

void vz_ct_devices_free(struct vz_ct_devices *d)
{
	for (size_t i = 0; i < d->n_nodes; i++)
		free(d->nodes[i].name);
	free(d->nodes);
	free(d->rules);
	*d = (struct vz_ct_devices){0};
}
