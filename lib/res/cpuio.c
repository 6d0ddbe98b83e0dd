/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU and I/O keys, and the conversion of a CT's config into cgroup limits.
 *
 * OpenVZ's units are kept in ctid.conf so that its files and scripts keep
 * working: CPUUNITS 8..500000 (1000 is the default weight), CPULIMIT in
 * percent of one CPU (0: none), CPUS a number of CPUs (0: all), CPUMASK a
 * CPU list or "all", IOPRIO 0..7 (4 is the default), IOLIMIT bytes/s and
 * IOPSLIMIT operations/s (0: none). CPULIMIT and CPUS both cap CPU time;
 * the tighter of the two is the quota.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "res/cpuio.h"
#include "res/devices.h"
#include "res/ubc.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* Strict decimal: digits only, no sign or blanks, at most max. */
static bool parse_num(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return false;
	}
	*ret = v;
	return true;
}

static bool parse_str(const char *s, uint64_t max, uint64_t *ret)
{
	return parse_num(s, strlen(s), max, ret);
}

/* "N" or "N%": percent of one CPU. */
static bool parse_cpulimit(const char *s, uint64_t *ret)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '%')
		n--;
	return parse_num(s, n, (uint64_t)VZ_CPUS_MAX * 100, ret);
}

static bool parse_cpus(const char *s, uint64_t *ret)
{
	if (strcasecmp(s, "unlimited") == 0) {
		*ret = 0;
		return true;
	}
	return parse_str(s, VZ_CPUS_MAX, ret);
}

/*
 * A CPU list "0-3,5": calls fn for each range; returns false on bad syntax.
 * "all" is the empty list.
 */
static bool cpumask_walk(const char *s, bool (*fn)(uint64_t lo, uint64_t hi, void *data),
			 void *data)
{
	if (strcasecmp(s, "all") == 0)
		return true;
	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		const char *dash = memchr(p, '-', n);
		uint64_t lo, hi;

		if (!parse_num(p, dash ? (size_t)(dash - p) : n, VZ_CPUS_MAX - 1, &lo))
			return false;
		hi = lo;
		if (dash && !parse_num(dash + 1, n - (size_t)(dash - p) - 1, VZ_CPUS_MAX - 1, &hi))
			return false;
		if (hi < lo || (fn && !fn(lo, hi, data)))
			return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

static bool parse_iolimit(const char *s, uint64_t *ret)
{
	if (strcasecmp(s, "unlimited") == 0) {
		*ret = 0;
		return true;
	}
	return vz_parse_size("IOLIMIT", s, ret, NULL) == 0 && *ret != UINT64_MAX;
}

static bool parse_iops(const char *s, uint64_t *ret)
{
	if (strcasecmp(s, "unlimited") == 0) {
		*ret = 0;
		return true;
	}
	return parse_str(s, UINT32_MAX, ret);
}

static int bad(vz_error_t *err, const char *key, const char *value, const char *expected)
{
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid value '%s' (expected %s)", key, value,
			     expected);
}

int vz_res_validate(const char *key, const char *value, vz_error_t *err)
{
	uint64_t v;

	if (streq(key, "CPUUNITS")) {
		if (!parse_str(value, VZ_CPUUNITS_MAX, &v) || v < VZ_CPUUNITS_MIN)
			return bad(err, key, value, "8..500000");
	} else if (streq(key, "CPULIMIT")) {
		if (!parse_cpulimit(value, &v))
			return bad(err, key, value, "a percentage of one CPU, 0 for none");
	} else if (streq(key, "CPUS")) {
		if (!parse_cpus(value, &v))
			return bad(err, key, value, "a number of CPUs, 0 for all");
	} else if (streq(key, "CPUMASK")) {
		if (!cpumask_walk(value, NULL, NULL))
			return bad(err, key, value, "a CPU list such as 0-1,3, or all");
	} else if (streq(key, "IOPRIO")) {
		if (!parse_str(value, 7, &v))
			return bad(err, key, value, "0..7");
	} else if (streq(key, "IOLIMIT")) {
		if (!parse_iolimit(value, &v))
			return bad(err, key, value, "bytes per second such as 10M, 0 for none");
	} else if (streq(key, "IOPSLIMIT")) {
		if (!parse_iops(value, &v))
			return bad(err, key, value, "operations per second, 0 for none");
	} else {
		return vz_error_make(err, VZ_E_SYNTAX, 0, "unknown resource key '%s'", key);
	}
	return 0;
}

static bool cpu_online(uint64_t lo, uint64_t hi, void *data)
{
	(void)lo;
	return hi < *(unsigned *)data;
}

int vz_res_check_host(const struct vz_config *cfg, unsigned ncpus, vz_error_t *err)
{
	const char *limit = vz_config_get(cfg, "CPULIMIT");
	const char *cpus = vz_config_get(cfg, "CPUS");
	const char *mask = vz_config_get(cfg, "CPUMASK");
	uint64_t v;

	if (limit && parse_cpulimit(limit, &v) && v > (uint64_t)ncpus * 100)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "CPULIMIT: %llu%% is more than this host's %u CPUs (%u%%)",
				     (unsigned long long)v, ncpus, ncpus * 100);
	if (cpus && parse_cpus(cpus, &v) && v > ncpus)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "CPUS: %s is more than this host's %u CPUs", cpus, ncpus);
	if (mask && !cpumask_walk(mask, cpu_online, &ncpus))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "CPUMASK: '%s' names a CPU this host does not have (0-%u)",
				     mask, ncpus - 1);
	return 0;
}

static const struct {
	const char *key;
	unsigned bits;
} key_bits[] = {
	/* v1 limits RAM+swap in one knob: either key rewrites both. */
	{"PHYSPAGES", VZ_CG_MEM | VZ_CG_SWAP},
	{"SWAPPAGES", VZ_CG_MEM | VZ_CG_SWAP},
	{"NUMPROC", VZ_CG_PIDS},
	{"CPUUNITS", VZ_CG_CPU_WEIGHT},
	{"CPULIMIT", VZ_CG_CPU_QUOTA},
	{"CPUS", VZ_CG_CPU_QUOTA},
	{"CPUMASK", VZ_CG_CPUSET},
	{"IOPRIO", VZ_CG_IO_WEIGHT},
	{"IOLIMIT", VZ_CG_IO_MAX},
	{"IOPSLIMIT", VZ_CG_IO_MAX},
};

unsigned vz_res_bits_of_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_bits); i++)
		if (streq(key_bits[i].key, key))
			return key_bits[i].bits;
	return 0;
}

unsigned vz_res_bits_of_config(const struct vz_config *cfg)
{
	unsigned bits = 0;

	for (size_t i = 0; i < ARRAY_SIZE(key_bits); i++)
		if (vz_config_get(cfg, key_bits[i].key))
			bits |= key_bits[i].bits;
	return bits;
}

bool vz_res_is_key(const char *key)
{
	return vz_res_bits_of_key(key) || vz_ubc_param_by_key(key) || vz_devices_is_key(key);
}

static uint64_t get_num(const struct vz_config *cfg, const char *key,
			bool (*parse)(const char *s, uint64_t *ret), uint64_t def)
{
	const char *s = vz_config_get(cfg, key);
	uint64_t v;

	return s && parse(s, &v) ? v : def;
}

static bool parse_units(const char *s, uint64_t *ret)
{
	return parse_str(s, VZ_CPUUNITS_MAX, ret) && *ret >= VZ_CPUUNITS_MIN;
}

static bool parse_prio(const char *s, uint64_t *ret)
{
	return parse_str(s, 7, ret);
}

/* The tighter of CPULIMIT and CPUS, in percent of one CPU; 0 for none. */
static uint64_t cpu_quota(const struct vz_config *cfg)
{
	uint64_t limit = get_num(cfg, "CPULIMIT", parse_cpulimit, 0);
	uint64_t cpus = get_num(cfg, "CPUS", parse_cpus, 0) * 100;

	if (limit == 0 || (cpus && cpus < limit))
		return cpus;
	return limit;
}

static void mem_limits(const struct vz_config *cfg, struct vz_cgroup_limits *lim)
{
	const struct vz_ubc_param *ram = vz_ubc_param_by_key("PHYSPAGES");
	const struct vz_ubc_param *swap = vz_ubc_param_by_key("SWAPPAGES");
	const struct vz_ubc_param *proc = vz_ubc_param_by_key("NUMPROC");

	lim->mem_max = vz_ubc_limit_bytes(ram, vz_ubc_get(cfg, ram));
	lim->swap_max = vz_ubc_limit_bytes(swap, vz_ubc_get(cfg, swap));
	lim->pids_max = vz_ubc_limit_bytes(proc, vz_ubc_get(cfg, proc));
}

int vz_res_limits(const struct vz_config *cfg, const char *private_path, unsigned mask,
		  struct vz_cgroup_limits *lim, vz_error_t *err)
{
	const char *cpuset = vz_config_get(cfg, "CPUMASK");

	*lim = (struct vz_cgroup_limits){.set = mask};
	mem_limits(cfg, lim);
	lim->cpu_units = get_num(cfg, "CPUUNITS", parse_units, VZ_CPUUNITS_DEFAULT);
	lim->cpu_quota_pct = cpu_quota(cfg);
	lim->cpuset = cpuset && strcasecmp(cpuset, "all") != 0 ? cpuset : "";
	lim->io_prio = (unsigned)get_num(cfg, "IOPRIO", parse_prio, VZ_IOPRIO_DEFAULT);
	lim->io_bps = get_num(cfg, "IOLIMIT", parse_iolimit, 0);
	lim->io_iops = get_num(cfg, "IOPSLIMIT", parse_iops, 0);
	if (!(mask & VZ_CG_IO_MAX))
		return 0;
	return vz_res_block_dev(private_path, &lim->io_dev, err);
}

/* /sys/dev/block/M:m is a partition: its parent directory is the disk. */
static int parent_disk(unsigned maj, unsigned min, dev_t *ret)
{
	_cleanup_free_ char *part = xasprintf("/sys/dev/block/%u:%u/partition", maj, min);
	_cleanup_free_ char *dev = xasprintf("/sys/dev/block/%u:%u/../dev", maj, min);
	_cleanup_free_ char *text = NULL;
	unsigned a, b;

	if (!path_exists_at(AT_FDCWD, part)) {
		*ret = makedev(maj, min);
		return 0;
	}
	if (read_file_at(AT_FDCWD, dev, 64, &text, NULL) < 0 || sscanf(text, "%u:%u", &a, &b) != 2)
		return -ENODEV;
	*ret = makedev(a, b);
	return 0;
}

int vz_res_block_dev(const char *path, dev_t *ret, vz_error_t *err)
{
	_cleanup_free_ char *sys = NULL;
	struct stat st;
	unsigned maj, min;

	if (!path || stat(path, &st) < 0)
		return vz_error_make(err, VZ_E_VALUE, path ? errno : ENOENT,
				     "I/O limits: stat '%s'", path ? path : "(none)");
	maj = major(st.st_dev);
	min = minor(st.st_dev);
	sys = xasprintf("/sys/dev/block/%u:%u", maj, min);
	if (!path_exists_at(AT_FDCWD, sys) || parent_disk(maj, min, ret) < 0)
		return vz_error_make(err, VZ_E_VALUE, ENODEV,
				     "I/O limits: '%s' is on device %u:%u, which is no block "
				     "device (overlay, tmpfs or network filesystem)",
				     path, maj, min);
	return 0;
}

struct cpu_pick {
	unsigned ncpus;
	bool in[VZ_CPUS_MAX];
};

static bool mark_cpus(uint64_t lo, uint64_t hi, void *data)
{
	struct cpu_pick *p = data;

	for (uint64_t c = lo; c <= hi && c < p->ncpus; c++)
		p->in[c] = true;
	return true;
}

char *vz_res_cpus_cpuset(const struct vz_config *cfg, unsigned ncpus, unsigned long turn)
{
	const char *mask = vz_config_get(cfg, "CPUMASK");
	uint64_t n = get_num(cfg, "CPUS", parse_cpus, 0);
	_cleanup_free_ struct cpu_pick *p = xzalloc(sizeof(*p));
	_cleanup_free_ unsigned *allowed = xzalloc(VZ_CPUS_MAX * sizeof(*allowed));
	_cleanup_free_ bool *pick = xzalloc(VZ_CPUS_MAX * sizeof(*pick));
	unsigned k = 0;
	char *list = NULL;

	p->ncpus = ncpus < VZ_CPUS_MAX ? ncpus : VZ_CPUS_MAX;
	if (!mask || strcasecmp(mask, "all") == 0)
		(void)mark_cpus(0, p->ncpus - 1, p);
	else if (!cpumask_walk(mask, mark_cpus, p))
		return NULL;
	for (unsigned c = 0; c < p->ncpus; c++)
		if (p->in[c])
			allowed[k++] = c;
	if (n == 0 || n >= k)
		return NULL;
	for (uint64_t i = 0; i < n; i++)
		pick[allowed[(turn + i) % k]] = true;
	for (unsigned c = 0; c < p->ncpus; c++) {
		char *next;

		if (!pick[c])
			continue;
		next = list ? xasprintf("%s,%u", list, c) : xasprintf("%u", c);
		free(list);
		list = next;
	}
	return list;
}
