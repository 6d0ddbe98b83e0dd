/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/view/text.c (the texts of the per-CT /proc view),
 * lib/view/sysinfo.c's layouts of struct sysinfo,
 * lib/res/loadavg.c (the load average's formula), lib/res/cpuio.c's
 * cpuset for CPUS and lib/cgroup's I/O counter parsers.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "conf/config.h"
#include "res/cpuio.h"
#include "res/loadavg.h"
#include "util/xalloc.h"
#include "view/sysinfo.h"
#include "view/text.h"

#include <sys/sysinfo.h>

static const char host_meminfo[] = "MemTotal:       24684544 kB\n"
				   "MemFree:        20000000 kB\n"
				   "MemAvailable:   22000000 kB\n"
				   "Buffers:           10000 kB\n"
				   "Cached:          1000000 kB\n"
				   "SReclaimable:     500000 kB\n"
				   "SwapTotal:             0 kB\n"
				   "SwapFree:              0 kB\n"
				   "Shmem:             14000 kB\n"
				   "HugePages_Total:       0\n"
				   "Hugepagesize:       2048 kB\n";

static void test_meminfo(void **state)
{
	struct vz_view_mem m = {.total = 256 << 20,
				.used = 64 << 20,
				.file = 40 << 20,
				.anon = 24 << 20,
				.shmem = 8 << 20,
				.swap_total = 128 << 20,
				.swap_used = 1 << 20};
	char *t = vz_view_meminfo(host_meminfo, &m);

	/* The kernel's layout: a 16-column label, 8 digits, " kB". */
	assert_non_null(strstr(t, "MemTotal:         262144 kB\n"));
	assert_non_null(strstr(t, "MemFree:          196608 kB\n"));
	/* Free plus the page cache that is not shmem. */
	assert_non_null(strstr(t, "MemAvailable:     229376 kB\n"));
	assert_non_null(strstr(t, "Buffers:               0 kB\n"));
	assert_non_null(strstr(t, "Cached:            40960 kB\n"));
	/* Kernel-wide: not the CT's, so 0 (procps adds it to buff/cache). */
	assert_non_null(strstr(t, "SReclaimable:          0 kB\n"));
	assert_non_null(strstr(t, "SwapTotal:        131072 kB\n"));
	assert_non_null(strstr(t, "SwapFree:         130048 kB\n"));
	assert_non_null(strstr(t, "Shmem:              8192 kB\n"));
	/* Huge pages stay the host's, lines in the host's order. */
	assert_non_null(strstr(t, "HugePages_Total:       0\nHugepagesize:       2048 kB\n"));
	assert_true(strstr(t, "MemTotal") < strstr(t, "Shmem"));
	free(t);
}

static void test_swaps(void **state)
{
	struct vz_view_mem m = {.swap_total = 128 << 20, .swap_used = 2 << 20};
	char *t = vz_view_swaps(&m);

	assert_string_equal(t, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
			       "none                                    virtual         131072"
			       "          2048            -1\n");
	free(t);
	m.swap_total = 0;
	t = vz_view_swaps(&m);
	assert_string_equal(t, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	free(t);
}

static void test_pick_cpus(void **state)
{
	unsigned cpus[8];

	assert_int_equal(vz_view_pick_cpus("0-3\n", NULL, 0, cpus, 8), 4);
	assert_int_equal(vz_view_pick_cpus("0-3\n", "1,3", 0, cpus, 8), 2);
	assert_int_equal(cpus[0], 1);
	assert_int_equal(cpus[1], 3);
	/* 150% of a CPU is two CPUs' worth; 100% one. */
	assert_int_equal(vz_view_pick_cpus("0-3\n", "", 150, cpus, 8), 2);
	assert_int_equal(vz_view_pick_cpus("0-3", NULL, 100, cpus, 8), 1);
	/* A cpuset outside the online CPUs still shows one CPU. */
	assert_int_equal(vz_view_pick_cpus("0-1", "7", 0, cpus, 8), 1);
	assert_int_equal(cpus[0], 0);
}

static const char host_cpuinfo[] = "processor\t: 0\nmodel name\t: A\n\n"
				   "processor\t: 1\nmodel name\t: B\n\n"
				   "processor\t: 2\nmodel name\t: C\n\n";

static void test_cpuinfo(void **state)
{
	unsigned cpus[] = {1, 2};
	struct vz_view_cpu c = {.cpus = cpus, .n = 2};
	char *t = vz_view_cpuinfo(host_cpuinfo, &c);

	assert_string_equal(t, "processor\t: 0\nmodel name\t: B\n\n"
			       "processor\t: 1\nmodel name\t: C\n\n");
	free(t);
}

static void test_stat_uptime(void **state)
{
	unsigned cpus[] = {0, 1};
	struct vz_view_cpu c = {.cpus = cpus,
				.n = 2,
				.user_ns = 3000000000ULL, /* 300 ticks */
				.system_ns = 1000000000ULL,
				.uptime = 10.0,
				.running = 2,
				.blocked = 1};
	char *t =
		vz_view_stat("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 2 3 4 5 6 7 8 9 10\n"
			     "cpu1 1\ncpu2 1\nintr 5\nbtime 7\nprocs_running 9\nprocs_blocked 9\n",
			     &c);

	/* Each CPU: 150 user, 50 system, 1000 - 200 idle ticks. */
	assert_string_equal(t, "cpu  300 0 100 1600 0 0 0 0 0 0\n"
			       "cpu0 150 0 50 800 0 0 0 0 0 0\n"
			       "cpu1 150 0 50 800 0 0 0 0 0 0\n"
			       "intr 5\nbtime 7\nprocs_running 2\nprocs_blocked 1\n");
	free(t);
	t = vz_view_uptime(&c);
	assert_string_equal(t, "10.00 16.00\n");
	free(t);
	t = vz_view_cpu_online(1);
	assert_string_equal(t, "0\n");
	free(t);
	t = vz_view_cpu_online(3);
	assert_string_equal(t, "0-2\n");
	free(t);
}

static void test_loadavg(void **state)
{
	struct vz_loadavg l = {{0}};
	char *t;

	/* Two busy tasks for five minutes of ticks: the 1-minute average nears 2. */
	for (int i = 0; i < 60; i++)
		vz_loadavg_fold(&l, 2);
	t = vz_view_loadavg(&l, 2, 7);
	assert_true(strncmp(t, "1.9", 3) == 0 || strncmp(t, "2.00", 4) == 0);
	assert_non_null(strstr(t, " 2/7 0\n"));
	free(t);
	/* Idle again: it decays to exactly 0.00. */
	for (int i = 0; i < 2000; i++)
		vz_loadavg_fold(&l, 0);
	t = vz_view_loadavg(&l, 0, 1);
	assert_string_equal(t, "0.00 0.00 0.00 0/1 0\n");
	free(t);
}

static void test_diskstats(void **state)
{
	struct vz_cgroup_detail d = {0};
	char *t;

	cg_parse_io_v1("8:0 Read 4096\n8:0 Write 1024\n8:0 Sync 5120\nTotal 5120\n", false, &d);
	cg_parse_io_v1("8:0 Read 3\n8:0 Write 2\n", true, &d);
	assert_int_equal(d.n_io, 1);
	t = vz_view_diskstats("   8       0 sda 100 0 800 0 50 0 400 0 0 0 0 0 0 0 0 0 0\n"
			      "   8       1 sda1 1 0 8 0 1 0 8 0 0 0 0 0 0 0 0 0 0\n",
			      &d);
	/* 17 fields, as Linux 5.5+ prints them (reads, writes, in flight, discards, flushes). */
	assert_string_equal(t, "   8       0 sda 3 0 8 0 2 0 2 0 0 0 0 0 0 0 0 0 0\n"
			       "   8       1 sda1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	free(t);
	d = (struct vz_cgroup_detail){0};
	cg_parse_io_v2("259:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n", &d);
	assert_int_equal(d.n_io, 1);
	assert_int_equal(d.io[0].major, 259);
	assert_int_equal(d.io[0].wbytes, 1024);
	assert_int_equal(d.io[0].wios, 2);
}

static void test_cpus_cpuset(void **state)
{
	struct vz_config *c = vz_config_new();
	char *s;

	assert_int_equal(vz_config_set(c, "CPUS", "1", NULL), 0);
	/* CT 101 on 4 CPUs: its turn is CPU 101 % 4 = 1. */
	s = vz_res_cpus_cpuset(c, 4, 101);
	assert_string_equal(s, "1");
	free(s);
	assert_int_equal(vz_config_set(c, "CPUS", "2", NULL), 0);
	s = vz_res_cpus_cpuset(c, 4, 103);
	assert_string_equal(s, "0,3");
	free(s);
	/* Within CPUMASK. */
	assert_int_equal(vz_config_set(c, "CPUMASK", "2-3", NULL), 0);
	assert_int_equal(vz_config_set(c, "CPUS", "1", NULL), 0);
	s = vz_res_cpus_cpuset(c, 4, 100);
	assert_string_equal(s, "2");
	free(s);
	/* All of them: no narrowing. */
	assert_int_equal(vz_config_set(c, "CPUS", "2", NULL), 0);
	assert_null(vz_res_cpus_cpuset(c, 4, 100));
	vz_config_free(c);
}

static void test_ubc_text(void **state)
{
	const struct vz_ubc_param *p = vz_ubc_param_by_key("NUMPROC");
	struct vz_ubc_row rows[] = {
		{.param = p,
		 .how = VZ_UBC_BY_CGROUP,
		 .have = true,
		 .held = 3,
		 .maxheld = 5,
		 .barrier = 100,
		 .limit = 100},
	};
	char *t = vz_view_ubc("101", rows, 1);

	assert_string_equal(t, "Version: 2.5\n"
			       "       uid  resource                     held              maxheld"
			       "              barrier                limit              failcnt\n"
			       "       101: numproc                         3                    5"
			       "                  100                  100                    -\n");
	free(t);
}

/* The kernel's compat_sysinfo (i386), as the test reads it back. */
struct sysinfo32 {
	int32_t uptime;
	uint32_t loads[3];
	uint32_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t totalhigh, freehigh, mem_unit;
	char f[8];
};

static void test_sysinfo_pack(void **state)
{
	struct vz_view_sysinfo v = {
		.uptime = 42,
		.loads = {65536, 32768, 0},
		.totalram = 256ULL << 20,
		.freeram = 200ULL << 20,
		.sharedram = 1 << 20,
		.totalswap = 128ULL << 20,
		.freeswap = 128ULL << 20,
		.procs = 70000,
	};
	char buf[VZ_VIEW_SYSINFO_MAX];
	struct sysinfo s;
	struct sysinfo32 c;

	(void)state;
	assert_int_equal(vz_view_sysinfo_pack(&v, false, buf), sizeof(s));
	memcpy(&s, buf, sizeof(s));
	assert_int_equal(s.uptime, 42);
	assert_int_equal(s.loads[0], 65536);
	assert_int_equal(s.loads[1], 32768);
	assert_int_equal(s.totalram, 256UL << 20);
	assert_int_equal(s.freeram, 200UL << 20);
	assert_int_equal(s.sharedram, 1UL << 20);
	assert_int_equal(s.totalswap, 128UL << 20);
	assert_int_equal(s.mem_unit, 1);
	/* procs is 16 bits: saturated, not wrapped. */
	assert_int_equal(s.procs, 65535);

	/* i386: fits 32 bits as is. */
	assert_int_equal(vz_view_sysinfo_pack(&v, true, buf), sizeof(c));
	memcpy(&c, buf, sizeof(c));
	assert_int_equal(c.mem_unit, 1);
	assert_int_equal(c.totalram, 256U << 20);
	assert_int_equal(c.freeswap, 128U << 20);
	assert_int_equal(c.loads[0], 65536);

	/* 24 GiB does not: units of 8 bytes make it fit, as the kernel does. */
	v.totalram = 24ULL << 30;
	v.freeram = 20ULL << 30;
	vz_view_sysinfo_pack(&v, true, buf);
	memcpy(&c, buf, sizeof(c));
	assert_int_equal(c.mem_unit, 8);
	assert_int_equal((uint64_t)c.totalram * c.mem_unit, 24ULL << 30);
	assert_int_equal((uint64_t)c.freeram * c.mem_unit, 20ULL << 30);
	assert_int_equal((uint64_t)c.totalswap * c.mem_unit, 128ULL << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo),	    cmocka_unit_test(test_swaps),
		cmocka_unit_test(test_pick_cpus),   cmocka_unit_test(test_cpuinfo),
		cmocka_unit_test(test_stat_uptime), cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_diskstats),   cmocka_unit_test(test_cpus_cpuset),
		cmocka_unit_test(test_ubc_text),    cmocka_unit_test(test_sysinfo_pack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
