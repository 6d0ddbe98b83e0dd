/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The beancounter table and its parsing. OpenVZ kept a per-CT counter in
 * its own kernel for each row; a stock kernel has cgroup counters for memory,
 * swap and tasks, rlimits for a few per-process resources, and nothing for
 * the rest. Each row says which, and the report never makes a number up: a
 * parameter with no counter shows "-".
 */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "conf/config.h"
#include "res/ubc.h"
#include "util/macros.h"

#define CHARGED_TO_RAM "charged to the CT's RAM limit (physpages); no separate limit"
#define NO_COUNTER "the stock kernel keeps no per-CT count of it"

static const struct vz_ubc_param params[] = {
	{"kmemsize", "KMEMSIZE", VZ_UBC_BYTES, 0, -1, false, VZ_UBC_C_KMEM, CHARGED_TO_RAM},
	{"lockedpages", "LOCKEDPAGES", VZ_UBC_PAGES, 0, RLIMIT_MEMLOCK, false, VZ_UBC_C_NONE, NULL},
	{"privvmpages", "PRIVVMPAGES", VZ_UBC_PAGES, 0, -1, false, VZ_UBC_C_NONE,
	 "vswap: RAM and swap are limited instead (physpages, swappages)"},
	{"shmpages", "SHMPAGES", VZ_UBC_PAGES, 0, -1, false, VZ_UBC_C_NONE, CHARGED_TO_RAM},
	{"numproc", "NUMPROC", VZ_UBC_ITEMS, VZ_CG_PIDS, -1, false, VZ_UBC_C_PIDS, NULL},
	{"physpages", "PHYSPAGES", VZ_UBC_PAGES, VZ_CG_MEM, -1, false, VZ_UBC_C_MEM, NULL},
	{"vmguarpages", "VMGUARPAGES", VZ_UBC_PAGES, 0, -1, false, VZ_UBC_C_NONE,
	 "a guarantee; vswap gives none"},
	{"oomguarpages", "OOMGUARPAGES", VZ_UBC_PAGES, 0, -1, false, VZ_UBC_C_OOM,
	 "the OOM killer of the CT's memory group chooses inside the CT; failcnt counts its kills"},
	{"numtcpsock", "NUMTCPSOCK", VZ_UBC_ITEMS, 0, -1, false, VZ_UBC_C_NONE, NO_COUNTER},
	{"numflock", "NUMFLOCK", VZ_UBC_ITEMS, 0, -1, false, VZ_UBC_C_NONE,
	 "the kernel has not enforced RLIMIT_LOCKS since Linux 2.4"},
	{"numpty", "NUMPTY", VZ_UBC_ITEMS, 0, -1, true, VZ_UBC_C_NONE, NULL},
	{"numsiginfo", "NUMSIGINFO", VZ_UBC_ITEMS, 0, RLIMIT_SIGPENDING, false, VZ_UBC_C_NONE,
	 NULL},
	{"tcpsndbuf", "TCPSNDBUF", VZ_UBC_BYTES, 0, -1, false, VZ_UBC_C_NONE, CHARGED_TO_RAM},
	{"tcprcvbuf", "TCPRCVBUF", VZ_UBC_BYTES, 0, -1, false, VZ_UBC_C_NONE, CHARGED_TO_RAM},
	{"othersockbuf", "OTHERSOCKBUF", VZ_UBC_BYTES, 0, -1, false, VZ_UBC_C_NONE, CHARGED_TO_RAM},
	{"dgramrcvbuf", "DGRAMRCVBUF", VZ_UBC_BYTES, 0, -1, false, VZ_UBC_C_NONE, CHARGED_TO_RAM},
	{"numothersock", "NUMOTHERSOCK", VZ_UBC_ITEMS, 0, -1, false, VZ_UBC_C_NONE, NO_COUNTER},
	{"dcachesize", "DCACHESIZE", VZ_UBC_BYTES, 0, -1, false, VZ_UBC_C_NONE, CHARGED_TO_RAM},
	{"numfile", "NUMFILE", VZ_UBC_ITEMS, 0, RLIMIT_NOFILE, false, VZ_UBC_C_NONE, NULL},
	{"numiptent", "NUMIPTENT", VZ_UBC_ITEMS, 0, -1, false, VZ_UBC_C_NONE, NO_COUNTER},
	{"swappages", "SWAPPAGES", VZ_UBC_PAGES, VZ_CG_SWAP, -1, false, VZ_UBC_C_SWAP, NULL},
	{NULL, NULL, 0, 0, -1, false, VZ_UBC_C_NONE, NULL},
};

const struct vz_ubc_param *vz_ubc_params(void)
{
	return params;
}

size_t vz_ubc_count(void)
{
	return ARRAY_SIZE(params) - 1;
}

const struct vz_ubc_param *vz_ubc_param_by_key(const char *key)
{
	for (const struct vz_ubc_param *p = params; key && p->name; p++)
		if (streq(p->key, key))
			return p;
	return NULL;
}

const struct vz_ubc_param *vz_ubc_param_by_name(const char *name)
{
	for (const struct vz_ubc_param *p = params; name && p->name; p++)
		if (streq(p->name, name))
			return p;
	return NULL;
}

/* One side of "B:L": n bytes at s. */
static int parse_one(const struct vz_ubc_param *p, const char *s, size_t n, uint64_t *ret,
		     vz_error_t *err)
{
	char buf[64];
	uint64_t v;
	size_t digits;

	if (n == 0 || n >= sizeof(buf))
		goto invalid;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcasecmp(buf, "unlimited") == 0) {
		*ret = VZ_UBC_UNLIMITED;
		return 0;
	}
	digits = strspn(buf, "0123456789");
	if (digits == 0 || (buf[digits] && p->unit == VZ_UBC_ITEMS))
		goto invalid;
	if (vz_parse_size(p->key, buf, &v, NULL) < 0)
		goto invalid;
	/* A suffix means bytes; a pages parameter rounds up to whole pages. */
	if (buf[digits] && p->unit == VZ_UBC_PAGES)
		v = v / VZ_UBC_PAGE_SIZE + (v % VZ_UBC_PAGE_SIZE != 0);
	if (v > VZ_UBC_UNLIMITED)
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: value '%s' is too large", p->key,
				     buf);
	*ret = v;
	return 0;
invalid:
	return vz_error_make(
		err, VZ_E_VALUE, 0, "%s: invalid value '%.*s' (expected %s)", p->key, (int)n, s,
		p->unit == VZ_UBC_ITEMS ? "a number or unlimited"
					: "a number, a size such as 512M, or unlimited");
}

int vz_ubc_parse(const char *key, const char *s, struct vz_ubc_value *ret, vz_error_t *err)
{
	const struct vz_ubc_param *p = vz_ubc_param_by_key(key);
	const char *colon = strchr(s, ':');
	struct vz_ubc_value v;

	if (!p)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "unknown beancounter '%s'", key);
	if (parse_one(p, s, colon ? (size_t)(colon - s) : strlen(s), &v.barrier, err) < 0)
		return -1;
	v.limit = v.barrier;
	if (colon && parse_one(p, colon + 1, strlen(colon + 1), &v.limit, err) < 0)
		return -1;
	if (v.barrier > v.limit)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: barrier %llu is above limit %llu in '%s'", key,
				     (unsigned long long)v.barrier, (unsigned long long)v.limit, s);
	*ret = v;
	return 0;
}

int vz_ubc_validate(const char *key, const char *value, vz_error_t *err)
{
	struct vz_ubc_value v;

	return vz_ubc_parse(key, value, &v, err);
}

struct vz_ubc_value vz_ubc_get(const struct vz_config *cfg, const struct vz_ubc_param *p)
{
	struct vz_ubc_value v = {VZ_UBC_UNLIMITED, VZ_UBC_UNLIMITED};
	const char *s = cfg ? vz_config_get(cfg, p->key) : NULL;

	if (s && vz_ubc_parse(p->key, s, &v, NULL) < 0)
		v = (struct vz_ubc_value){VZ_UBC_UNLIMITED, VZ_UBC_UNLIMITED};
	return v;
}

uint64_t vz_ubc_limit_bytes(const struct vz_ubc_param *p, struct vz_ubc_value v)
{
	if (v.limit == VZ_UBC_UNLIMITED)
		return VZ_CG_UNLIMITED;
	if (p->unit != VZ_UBC_PAGES)
		return v.limit;
	if (v.limit > VZ_CG_UNLIMITED / VZ_UBC_PAGE_SIZE)
		return VZ_CG_UNLIMITED;
	return v.limit * VZ_UBC_PAGE_SIZE;
}

const char *vz_ubc_how_name(enum vz_ubc_how how)
{
	switch (how) {
	case VZ_UBC_BY_CGROUP:
		return "cgroup";
	case VZ_UBC_BY_RLIMIT:
		return "rlimit";
	case VZ_UBC_BY_DEVPTS:
		return "devpts";
	case VZ_UBC_NOT_ENFORCED:
		break;
	}
	return "none";
}

static const struct vz_cg_counter *counter_of(const struct vz_cgroup_stats *st,
					      enum vz_ubc_counter c)
{
	switch (c) {
	case VZ_UBC_C_MEM:
		return &st->mem;
	case VZ_UBC_C_SWAP:
		return &st->swap;
	case VZ_UBC_C_PIDS:
		return &st->pids;
	case VZ_UBC_C_KMEM:
		return &st->kmem;
	case VZ_UBC_C_SOCK:
		return &st->sock;
	case VZ_UBC_C_OOM:
	case VZ_UBC_C_NONE:
		break;
	}
	return NULL;
}

/* Counters are in bytes for memory: show pages for a pages parameter. */
static uint64_t in_unit(const struct vz_ubc_param *p, uint64_t v)
{
	return p->unit == VZ_UBC_PAGES ? v / VZ_UBC_PAGE_SIZE : v;
}

/*
 * cgroup v1 shows "no limit" as LONG_MAX rounded down to a page; anything
 * that high is no limit.
 */
static bool unlimited(uint64_t v)
{
	return v >= (VZ_UBC_UNLIMITED & ~(uint64_t)(VZ_UBC_PAGE_SIZE - 1));
}

static void fill_row(const struct vz_ubc_param *p, const struct vz_config *cfg,
		     const struct vz_cgroup_stats *st, struct vz_ubc_row *row)
{
	const struct vz_cg_counter *c = st ? counter_of(st, p->counter) : NULL;
	struct vz_ubc_value v = vz_ubc_get(cfg, p);

	*row = (struct vz_ubc_row){.param = p, .barrier = v.barrier, .limit = v.limit};
	if (p->cg_res && st && (st->supported & p->cg_res))
		row->how = VZ_UBC_BY_CGROUP;
	else if (p->rlimit >= 0)
		row->how = VZ_UBC_BY_RLIMIT;
	else if (p->devpts)
		row->how = VZ_UBC_BY_DEVPTS;
	if (st && p->counter == VZ_UBC_C_OOM) {
		row->have_failcnt = st->have_oom_kills;
		row->failcnt = st->oom_kills;
	}
	if (!c || !c->have)
		return;
	row->have = true;
	/* What the kernel enforces now: a live change may not be saved yet. */
	if (row->how == VZ_UBC_BY_CGROUP) {
		row->limit = unlimited(c->limit) ? VZ_UBC_UNLIMITED : in_unit(p, c->limit);
		if (row->barrier > row->limit)
			row->barrier = row->limit;
	}
	row->held = in_unit(p, c->held);
	row->maxheld = in_unit(p, c->maxheld > c->held ? c->maxheld : c->held);
	/* Only a limit the kernel enforces can fail; kmem has no limit of its own. */
	row->have_failcnt = row->how == VZ_UBC_BY_CGROUP;
	row->failcnt = c->failcnt;
}

void vz_ubc_rows(const struct vz_config *cfg, const struct vz_cgroup_stats *st,
		 struct vz_ubc_row *rows)
{
	for (size_t i = 0; params[i].name; i++)
		fill_row(&params[i], cfg, st, &rows[i]);
}
