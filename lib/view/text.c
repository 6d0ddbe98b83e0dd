/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"
#include "util/xalloc.h"
#include "view/text.h"

#define USER_HZ 100 /* the unit of /proc/stat, whatever CONFIG_HZ is */

/* A text being built; open_memstream fails only without memory, like xmalloc. */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		abort();
}

static char *out_close(struct out *o)
{
	if (fclose(o->f) != 0)
		abort();
	return o->buf;
}

/* Each line of text in turn: *line (not NUL-ended) and its length, without the newline. */
static bool next_line(const char **pos, const char **line, size_t *len)
{
	const char *p = *pos, *nl;

	if (!p || !*p)
		return false;
	nl = strchr(p, '\n');
	*line = p;
	*len = nl ? (size_t)(nl - p) : strlen(p);
	*pos = nl ? nl + 1 : p + *len;
	return true;
}

static bool starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(line, word, n) == 0;
}

/* ---- meminfo, swaps ---- */

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The CT's value of a meminfo key, in bytes; false for a key that stays the host's. */
static bool mem_value(const char *key, const struct vz_view_mem *m, uint64_t *ret)
{
	uint64_t free_ = sat_sub(m->total, m->used);
	uint64_t file = m->file < m->used ? m->file : m->used;
	uint64_t cache = sat_sub(file, m->shmem);
	const struct {
		const char *key;
		uint64_t v;
	} t[] = {
		{"MemTotal", m->total},
		{"MemFree", free_},
		/* Page cache that is not shmem can be dropped: count it as available. */
		{"MemAvailable", free_ + cache < m->total ? free_ + cache : m->total},
		{"Cached", file},
		{"Active", m->anon},
		{"Inactive", cache},
		{"Active(anon)", m->anon},
		{"Inactive(anon)", 0},
		{"Active(file)", 0},
		{"Inactive(file)", cache},
		{"SwapTotal", m->swap_total},
		{"SwapFree", sat_sub(m->swap_total, m->swap_used)},
		{"AnonPages", m->anon},
		{"Shmem", m->shmem},
	};
	static const char *const host_keys[] = {"HugePages_", "Hugepagesize", "Hugetlb", "Vmalloc",
						"DirectMap"};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (streq(key, t[i].key)) {
			*ret = t[i].v;
			return true;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(host_keys); i++)
		if (strncmp(key, host_keys[i], strlen(host_keys[i])) == 0)
			return false;
	/* Everything else is kernel-wide (slab, page tables, commit): not the CT's. */
	*ret = 0;
	return true;
}

char *vz_view_meminfo(const char *host, const struct vz_view_mem *m)
{
	const char *pos = host, *line;
	size_t len;
	struct out o;

	out_open(&o);
	while (next_line(&pos, &line, &len)) {
		const char *colon = memchr(line, ':', len);
		_cleanup_free_ char *key = colon ? xstrndup(line, (size_t)(colon - line)) : NULL;
		uint64_t v;

		if (key && mem_value(key, m, &v)) {
			_cleanup_free_ char *k = xasprintf("%s:", key);

			fprintf(o.f, "%-15s %8" PRIu64 " kB\n", k, v / 1024);
		} else {
			fprintf(o.f, "%.*s\n", (int)len, line);
		}
	}
	return out_close(&o);
}

char *vz_view_swaps(const struct vz_view_mem *m)
{
	struct out o;

	out_open(&o);
	fputs("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", o.f);
	if (m->swap_total)
		fprintf(o.f, "%-40s%-16s%-16" PRIu64 "%-16" PRIu64 "%d\n", "none", "virtual",
			m->swap_total / 1024, m->swap_used / 1024, -1);
	return out_close(&o);
}

/* ---- CPUs ---- */

/* Is cpu in the list ("0-3,6"; NULL or "" holds all)? */
static bool in_list(const char *list, unsigned cpu)
{
	const char *p = list;

	if (!list || !*list)
		return true;
	while (*p) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			return false;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p)
				return false;
		}
		if (cpu >= lo && cpu <= hi)
			return true;
		p = end;
		while (*p == ',' || *p == '\n' || *p == ' ')
			p++;
	}
	return false;
}

unsigned vz_view_pick_cpus(const char *online, const char *cpuset, uint64_t quota_pct,
			   unsigned *cpus, unsigned max)
{
	unsigned n = 0, cap = quota_pct ? (unsigned)((quota_pct + 99) / 100) : max;

	for (unsigned cpu = 0; cpu < 4096 && n < max && n < cap; cpu++)
		if (in_list(online, cpu) && in_list(cpuset, cpu))
			cpus[n++] = cpu;
	/* A cpuset with none of the online CPUs cannot run at all; show the first. */
	for (unsigned cpu = 0; n == 0 && cpu < 4096 && max > 0; cpu++)
		if (in_list(online, cpu))
			cpus[n++] = cpu;
	return n;
}

static int shown_index(const struct vz_view_cpu *c, unsigned cpu)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->cpus[i] == cpu)
			return (int)i;
	return -1;
}

char *vz_view_cpuinfo(const char *host, const struct vz_view_cpu *c)
{
	const char *pos = host, *line;
	size_t len;
	int keep = -1; /* index of the block being copied, -1 while skipping */
	struct out o;

	out_open(&o);
	while (next_line(&pos, &line, &len)) {
		if (starts(line, len, "processor")) {
			const char *colon = memchr(line, ':', len);
			unsigned cpu = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;

			keep = colon ? shown_index(c, cpu) : -1;
			if (keep >= 0)
				fprintf(o.f, "processor\t: %d\n", keep);
			continue;
		}
		if (keep >= 0)
			fprintf(o.f, "%.*s\n", (int)len, line);
	}
	return out_close(&o);
}

static uint64_t ticks(uint64_t ns)
{
	return ns / (1000000000 / USER_HZ);
}

/* One CPU's share of the CT's time: user, system, idle in USER_HZ ticks. */
static void cpu_share(const struct vz_view_cpu *c, uint64_t *user, uint64_t *sys, uint64_t *idle)
{
	uint64_t up = (uint64_t)(c->uptime * USER_HZ);

	*user = ticks(c->user_ns) / c->n;
	*sys = ticks(c->system_ns) / c->n;
	*idle = sat_sub(up, *user + *sys);
}

static void cpu_line(FILE *f, const char *name, uint64_t user, uint64_t sys, uint64_t idle)
{
	fprintf(f, "%s %" PRIu64 " 0 %" PRIu64 " %" PRIu64 " 0 0 0 0 0 0\n", name, user, sys, idle);
}

char *vz_view_stat(const char *host, const struct vz_view_cpu *c)
{
	const char *pos = host, *line;
	uint64_t user, sys, idle;
	size_t len;
	struct out o;

	out_open(&o);
	cpu_share(c, &user, &sys, &idle);
	cpu_line(o.f, "cpu ", user * c->n, sys * c->n, idle * c->n);
	for (unsigned i = 0; i < c->n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cpu%u", i);
		cpu_line(o.f, name, user, sys, idle);
	}
	while (next_line(&pos, &line, &len)) {
		if (starts(line, len, "cpu"))
			continue;
		if (starts(line, len, "procs_running "))
			fprintf(o.f, "procs_running %lu\n", c->running);
		else if (starts(line, len, "procs_blocked "))
			fprintf(o.f, "procs_blocked %lu\n", c->blocked);
		else
			fprintf(o.f, "%.*s\n", (int)len, line);
	}
	return out_close(&o);
}

char *vz_view_uptime(const struct vz_view_cpu *c)
{
	uint64_t user, sys, idle;

	cpu_share(c, &user, &sys, &idle);
	return xasprintf("%.2f %.2f\n", c->uptime, (double)(idle * c->n) / USER_HZ);
}

char *vz_view_loadavg(const struct vz_loadavg *l, unsigned long running, unsigned long threads)
{
	return xasprintf("%lu.%02lu %lu.%02lu %lu.%02lu %lu/%lu 0\n", vz_loadavg_int(l, 0),
			 vz_loadavg_frac(l, 0), vz_loadavg_int(l, 1), vz_loadavg_frac(l, 1),
			 vz_loadavg_int(l, 2), vz_loadavg_frac(l, 2), running, threads);
}

char *vz_view_diskstats(const char *host, const struct vz_cgroup_detail *d)
{
	const char *pos = host, *line;
	size_t len;
	struct out o;

	out_open(&o);
	while (next_line(&pos, &line, &len)) {
		_cleanup_free_ char *l = xstrndup(line, len);
		unsigned maj, min;
		char name[64];
		struct vz_cg_io io = {0};

		if (sscanf(l, "%u %u %63s", &maj, &min, name) != 3)
			continue;
		for (size_t i = 0; i < d->n_io; i++)
			if (d->io[i].major == maj && d->io[i].minor == min)
				io = d->io[i];
		fprintf(o.f,
			"%4u %7u %s %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64
			" 0 0 0 0 0 0 0 0 0 0\n",
			maj, min, name, io.rios, io.rbytes / 512, io.wios, io.wbytes / 512);
	}
	return out_close(&o);
}

char *vz_view_cpu_online(unsigned n)
{
	return n <= 1 ? xstrdup("0\n") : xasprintf("0-%u\n", n - 1);
}

/* ---- OpenVZ's beancounters ---- */

static void ubc_num(FILE *f, bool have, uint64_t v)
{
	if (have)
		fprintf(f, " %20" PRId64, (int64_t)v);
	else
		fprintf(f, " %20s", "-");
}

static void ubc_notes(FILE *f, const struct vz_ubc_row *rows, size_t n, enum vz_ubc_how how,
		      const char *title)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (rows[i].how != how)
			continue;
		fprintf(f, "%s%s", any ? " " : title, rows[i].param->name);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

char *vz_view_ubc(const char *ctid, const struct vz_ubc_row *rows, size_t n)
{
	struct out o;

	out_open(&o);
	fputs("Version: 2.5\n", o.f);
	fputs("       uid  resource                     held              maxheld"
	      "              barrier                limit              failcnt\n",
	      o.f);
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			fprintf(o.f, "%10s: ", ctid);
		else
			fprintf(o.f, "%12s", "");
		fprintf(o.f, "%-12s", rows[i].param->name);
		ubc_num(o.f, rows[i].have, rows[i].held);
		ubc_num(o.f, rows[i].have, rows[i].maxheld);
		ubc_num(o.f, true, rows[i].barrier);
		ubc_num(o.f, true, rows[i].limit);
		ubc_num(o.f, rows[i].have_failcnt, rows[i].failcnt);
		fputc('\n', o.f);
	}
	ubc_notes(o.f, rows, n, VZ_UBC_BY_RLIMIT, "# Limited per process (rlimit), not per CT: ");
	ubc_notes(o.f, rows, n, VZ_UBC_NOT_ENFORCED,
		  "# Not enforced by this kernel (vzctl ubc -j says why): ");
	return out_close(&o);
}
