/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/res/ubc.c (the beancounter table, barrier:limit parsing,
 * the report rows) and lib/res/cpuio.c (CPU and I/O keys, config -> cgroup limits).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "conf/config.h"
#include "res/cpuio.h"
#include "res/ubc.h"
#include "util/xalloc.h"

#define UNL VZ_UBC_UNLIMITED

static struct vz_ubc_value parse(const char *key, const char *s)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_ubc_value v = {0, 0};

	if (vz_ubc_parse(key, s, &v, &err) < 0)
		fail_msg("%s=%s: %s", key, s, err->msg);
	return v;
}

static void parse_bad(const char *key, const char *s, const char *fragment)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_ubc_value v;

	assert_true(vz_ubc_parse(key, s, &v, &err) < 0);
	assert_int_equal(err->code, VZ_E_VALUE);
	if (!strstr(err->msg, fragment))
		fail_msg("'%s' lacks '%s'", err->msg, fragment);
}

static void assert_value(struct vz_ubc_value v, uint64_t barrier, uint64_t limit)
{
	assert_int_equal(v.barrier, barrier);
	assert_int_equal(v.limit, limit);
}

static void test_parse_units(VZ_UNUSED void **state)
{
	/* Pages: bare numbers are pages, sizes are bytes rounded up to pages. */
	assert_value(parse("PHYSPAGES", "0:262144"), 0, 262144);
	assert_value(parse("PHYSPAGES", "0:1G"), 0, 262144);
	assert_value(parse("PHYSPAGES", "512M"), 131072, 131072);
	assert_value(parse("PHYSPAGES", "1:4097b"), 1, 2);
	assert_value(parse("PHYSPAGES", "0:unlimited"), 0, UNL);
	assert_value(parse("SWAPPAGES", "UNLIMITED"), UNL, UNL);
	/* Bytes stay bytes; items take no suffix. */
	assert_value(parse("KMEMSIZE", "10M:12M"), 10 << 20, 12 << 20);
	assert_value(parse("NUMPROC", "64"), 64, 64);
	assert_value(parse("NUMFILE", "100:200"), 100, 200);
	assert_value(parse("NUMPROC", "9223372036854775807"), UNL, UNL);
}

static void test_parse_bad(VZ_UNUSED void **state)
{
	parse_bad("PHYSPAGES", "-5", "invalid value '-5'");
	parse_bad("PHYSPAGES", "5Q", "invalid value '5Q'");
	parse_bad("PHYSPAGES", "", "invalid value ''");
	parse_bad("PHYSPAGES", "1:", "invalid value ''");
	parse_bad("PHYSPAGES", "1:2:3", "invalid value '2:3'");
	parse_bad("NUMPROC", "64K", "expected a number or unlimited");
	parse_bad("NUMPROC", "100:50", "barrier 100 is above limit 50");
	parse_bad("NUMPROC", "9223372036854775808", "too large");
	parse_bad("KMEMSIZE", "16E", "invalid value");
	parse_bad("PHYSPAGES", " 5", "invalid value");
}

static void test_table(VZ_UNUSED void **state)
{
	const struct vz_ubc_param *p = vz_ubc_params();
	size_t n = 0;

	/* /proc/user_beancounters order, swappages last. */
	assert_string_equal(p[0].name, "kmemsize");
	assert_string_equal(p[4].name, "numproc");
	assert_string_equal(p[5].name, "physpages");
	for (; p->name; p++, n++) {
		assert_non_null(vz_config_key_lookup(p->key));
		assert_ptr_equal(vz_ubc_param_by_key(p->key), p);
		assert_ptr_equal(vz_ubc_param_by_name(p->name), p);
		/* Every row says how it is enforced, or why not. */
		assert_true(p->cg_res || p->rlimit >= 0 || p->devpts || p->note);
	}
	assert_int_equal(n, vz_ubc_count());
	assert_string_equal(vz_ubc_params()[n - 1].name, "swappages");
	assert_null(vz_ubc_param_by_key("CPUUNITS"));
}

static struct vz_config *config(const char *text)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_config *cfg = vz_config_parse(text, strlen(text), "t.conf", &err);

	if (!cfg)
		fail_msg("%s", err->msg);
	return cfg;
}

static const struct vz_ubc_row *row(const struct vz_ubc_row *rows, const char *name)
{
	for (size_t i = 0; i < vz_ubc_count(); i++)
		if (streq(rows[i].param->name, name))
			return &rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void test_rows(VZ_UNUSED void **state)
{
	_cleanup_config_ struct vz_config *cfg =
		config("PHYSPAGES=\"0:64M\"\nNUMTCPSOCK=\"100\"\nNUMFILE=\"1024\"\n");
	struct vz_ubc_row *rows = xzalloc(vz_ubc_count() * sizeof(*rows));
	struct vz_cgroup_stats st = {
		.mem = {true, 8192 * 10, 8192 * 20, 32 << 20, 3},
		.pids = {true, 5, 9, VZ_CG_UNLIMITED, 0},
		.kmem = {true, 4096 * 7, 4096 * 8, VZ_CG_UNLIMITED, 0},
		.have_oom_kills = true,
		.oom_kills = 2,
		.supported = VZ_CG_MEM | VZ_CG_PIDS,
	};
	const struct vz_ubc_row *r;

	vz_ubc_rows(cfg, &st, rows);
	/* Counters in pages; the limit the kernel enforces (a live change) wins. */
	r = row(rows, "physpages");
	assert_int_equal(r->how, VZ_UBC_BY_CGROUP);
	assert_true(r->have && r->have_failcnt);
	assert_int_equal(r->held, 20);
	assert_int_equal(r->maxheld, 40);
	assert_int_equal(r->limit, 8192);
	assert_int_equal(r->failcnt, 3);
	r = row(rows, "numproc");
	assert_int_equal(r->held, 5);
	assert_int_equal(r->limit, UNL);
	/* kmemsize: a counter in bytes but no limit to fail. */
	r = row(rows, "kmemsize");
	assert_int_equal(r->how, VZ_UBC_NOT_ENFORCED);
	assert_true(r->have && !r->have_failcnt);
	assert_int_equal(r->held, 4096 * 7);
	/* No counter: nothing made up. */
	r = row(rows, "numtcpsock");
	assert_false(r->have || r->have_failcnt);
	assert_int_equal(r->limit, 100);
	r = row(rows, "numfile");
	assert_int_equal(r->how, VZ_UBC_BY_RLIMIT);
	r = row(rows, "oomguarpages");
	assert_true(r->have_failcnt && !r->have);
	assert_int_equal(r->failcnt, 2);
	/* swappages: no swap control here, not claimed as enforced. */
	r = row(rows, "swappages");
	assert_int_equal(r->how, VZ_UBC_NOT_ENFORCED);
	/* A stopped CT: the configured values only. */
	vz_ubc_rows(cfg, NULL, rows);
	r = row(rows, "physpages");
	assert_false(r->have);
	assert_int_equal(r->limit, 16384);
	free(rows);
}

static void res_bad(const char *key, const char *value)
{
	_cleanup_error_ vz_error_t err = NULL;

	assert_true(vz_res_validate(key, value, &err) < 0);
	assert_int_equal(err->code, VZ_E_VALUE);
	assert_non_null(strstr(err->msg, key));
}

static void test_res_validate(VZ_UNUSED void **state)
{
	static const char *const good[][2] = {
		{"CPUUNITS", "8"},  {"CPUUNITS", "500000"}, {"CPULIMIT", "150%"},
		{"CPULIMIT", "0"},  {"CPUS", "unlimited"},  {"CPUMASK", "0-3,5,7-8"},
		{"CPUMASK", "all"}, {"IOPRIO", "0"},	    {"IOLIMIT", "10M"},
		{"IOPSLIMIT", "0"},
	};
	static const char *const bad[][2] = {
		{"CPUUNITS", "7"}, {"CPUUNITS", "500001"}, {"CPULIMIT", "5.5"}, {"CPULIMIT", "%"},
		{"CPUS", "-1"},	   {"CPUMASK", "3-1"},	   {"CPUMASK", "0,,1"}, {"CPUMASK", "0 1"},
		{"IOPRIO", "8"},   {"IOLIMIT", "1.5M"},	   {"IOPSLIMIT", "1k"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(vz_res_validate(good[i][0], good[i][1], NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		res_bad(bad[i][0], bad[i][1]);
}

static void host_bad(const char *text, unsigned ncpus, const char *fragment)
{
	_cleanup_config_ struct vz_config *cfg = config(text);
	_cleanup_error_ vz_error_t err = NULL;

	assert_true(vz_res_check_host(cfg, ncpus, &err) < 0);
	if (!strstr(err->msg, fragment))
		fail_msg("'%s' lacks '%s'", err->msg, fragment);
}

static void test_res_check_host(VZ_UNUSED void **state)
{
	_cleanup_config_ struct vz_config *ok =
		config("CPULIMIT=\"200%\"\nCPUS=\"2\"\nCPUMASK=\"0-1\"\n");

	assert_int_equal(vz_res_check_host(ok, 2, NULL), 0);
	host_bad("CPULIMIT=\"500%\"\n", 2, "500% is more than this host's 2 CPUs (200%)");
	host_bad("CPUS=\"3\"\n", 2, "CPUS: 3 is more than this host's 2 CPUs");
	host_bad("CPUMASK=\"0,2\"\n", 2, "names a CPU this host does not have (0-1)");
}

static void test_res_limits(VZ_UNUSED void **state)
{
	_cleanup_config_ struct vz_config *cfg = config(
		"PHYSPAGES=\"0:64M\"\nSWAPPAGES=\"0:0\"\nNUMPROC=\"100:128\"\nCPUUNITS=\"2000\"\n"
		"CPULIMIT=\"150\"\nCPUS=\"1\"\nCPUMASK=\"0\"\nIOPRIO=\"6\"\n");
	_cleanup_config_ struct vz_config *empty = config("");
	struct vz_cgroup_limits lim;

	assert_int_equal(vz_res_limits(cfg, NULL, VZ_CG_MEM | VZ_CG_CPU_QUOTA, &lim, NULL), 0);
	assert_int_equal(lim.set, VZ_CG_MEM | VZ_CG_CPU_QUOTA);
	assert_int_equal(lim.mem_max, 64 << 20);
	assert_int_equal(lim.swap_max, 0);
	assert_int_equal(lim.pids_max, 128);
	assert_int_equal(lim.cpu_units, 2000);
	/* CPUS=1 is tighter than CPULIMIT=150. */
	assert_int_equal(lim.cpu_quota_pct, 100);
	assert_string_equal(lim.cpuset, "0");
	assert_int_equal(lim.io_prio, 6);
	/* Unset keys: the defaults. */
	assert_int_equal(vz_res_limits(empty, NULL, VZ_CG_PIDS, &lim, NULL), 0);
	assert_int_equal(lim.mem_max, VZ_CG_UNLIMITED);
	assert_int_equal(lim.pids_max, VZ_CG_UNLIMITED);
	assert_int_equal(lim.cpu_units, VZ_CPUUNITS_DEFAULT);
	assert_int_equal(lim.cpu_quota_pct, 0);
	assert_string_equal(lim.cpuset, "");
	assert_int_equal(lim.io_prio, VZ_IOPRIO_DEFAULT);
	/* Which keys feed which knobs; v1's memsw ties RAM and swap. */
	assert_int_equal(vz_res_bits_of_key("SWAPPAGES"), VZ_CG_MEM | VZ_CG_SWAP);
	assert_int_equal(vz_res_bits_of_key("CPUS"), VZ_CG_CPU_QUOTA);
	assert_int_equal(vz_res_bits_of_key("NUMTCPSOCK"), 0);
	assert_true(vz_res_is_key("NUMTCPSOCK"));
	assert_false(vz_res_is_key("HOSTNAME"));
	assert_int_equal(vz_res_bits_of_config(cfg), VZ_CG_MEM | VZ_CG_SWAP | VZ_CG_PIDS |
							     VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA |
							     VZ_CG_CPUSET | VZ_CG_IO_WEIGHT);
}

static void test_block_dev(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	dev_t dev;
	struct stat st;

	/* /proc is on no block device. */
	assert_true(vz_res_block_dev("/proc", &dev, &err) < 0);
	assert_non_null(strstr(err->msg, "no block device"));
	vz_error_release(&err);
	assert_true(vz_res_block_dev("/nonexistent/x", &dev, &err) < 0);
	vz_error_release(&err);
	/* The root filesystem usually is on one: a whole disk, never a partition. */
	if (stat("/", &st) == 0 && vz_res_block_dev("/", &dev, NULL) == 0) {
		char *part = xasprintf("/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
		struct stat pst;

		assert_true(stat(part, &pst) < 0);
		free(part);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_units),  cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_table),	     cmocka_unit_test(test_rows),
		cmocka_unit_test(test_res_validate), cmocka_unit_test(test_res_check_host),
		cmocka_unit_test(test_res_limits),   cmocka_unit_test(test_block_dev),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
