/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Limits and counters of both cgroup backends on fake trees (cgroup-test.h):
 * the knobs set_limits writes, what it refuses, the counters stats reads,
 * and the prefix weight sync.
 */
#define _GNU_SOURCE
#include "cgroup-test.h"

#define V1_NOLIMIT "9223372036854771712\n"

static const unsigned all_res = VZ_CG_MEM | VZ_CG_SWAP | VZ_CG_PIDS | VZ_CG_CPU_WEIGHT |
				VZ_CG_CPU_QUOTA | VZ_CG_CPUSET | VZ_CG_IO_WEIGHT | VZ_CG_IO_MAX;

static const unsigned prio_table[8] = {12, 25, 50, 75, 100, 200, 400, 800};

static void stats_fail(struct vz_cgroup *cg, const char *msg)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_cgroup_stats st;

	assert_true(vz_cgroup_stats(cg, &st, &err) < 0);
	assert_int_equal(vz_error_errno(err), EBADMSG);
	assert_string_equal(err->msg, msg);
}

static void assert_counter(const struct vz_cg_counter *c, uint64_t held, uint64_t maxheld,
			   uint64_t limit, uint64_t failcnt)
{
	assert_true(c->have);
	assert_int_equal(c->held, held);
	assert_int_equal(c->maxheld, maxheld);
	assert_int_equal(c->limit, limit);
	assert_int_equal(c->failcnt, failcnt);
}

/* The CT's v2 group with the knobs a kernel with every controller gives it. */
static struct vz_cgroup *v2_limits_tree(struct fake *f)
{
	static const char *const knobs[][2] = {
		{"memory.max", "max\n"},	{"memory.swap.max", "max\n"},
		{"pids.max", "max\n"},		{"cpu.weight", "100\n"},
		{"cpu.max", "max 100000\n"},	{"cpuset.cpus", "\n"},
		{"io.weight", "default 100\n"}, {"io.max", ""},
	};
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_cgroup *cg;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		_cleanup_free_ char *rel = xasprintf("vz/42/%s", knobs[i][0]);

		put(f, rel, knobs[i][1]);
	}
	return cg;
}

static void test_v2_set_limits(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_limits lim = {
		.set = all_res,
		.mem_max = 64 * MiB,
		.swap_max = VZ_CG_UNLIMITED,
		.pids_max = 64,
		.cpu_units = 8,
		.cpu_quota_pct = 150,
		.cpuset = "0-1,3",
		.io_prio = 0,
		.io_dev = makedev(8, 16),
		.io_bps = MiB,
	};

	set_ok(cg, &lim);
	assert_file(f, "vz/42/memory.max", "67108864");
	assert_file(f, "vz/42/memory.swap.max", "max");
	assert_file(f, "vz/42/pids.max", "64");
	assert_file(f, "vz/42/cpu.weight", "1");
	assert_file(f, "vz/42/cpu.max", "150000 100000");
	assert_file(f, "vz/42/cpuset.cpus", "0-1,3");
	assert_file(f, "vz/42/io.weight", "default 12");
	assert_file(f, "vz/42/io.max", "8:16 rbps=1048576 wbps=1048576 riops=max wiops=max");

	lim = (struct vz_cgroup_limits){
		.set = all_res & ~VZ_CG_IO_WEIGHT,
		.mem_max = VZ_CG_UNLIMITED,
		.swap_max = 0,
		.pids_max = VZ_CG_UNLIMITED,
		.cpu_units = 1000,
		.io_dev = makedev(254, 0),
		.io_iops = 500,
	};
	set_ok(cg, &lim);
	assert_file(f, "vz/42/memory.max", "max");
	assert_file(f, "vz/42/memory.swap.max", "0");
	assert_file(f, "vz/42/pids.max", "max");
	assert_file(f, "vz/42/cpu.weight", "100");
	assert_file(f, "vz/42/cpu.max", "max 100000");
	assert_file(f, "vz/42/cpuset.cpus", "\n"); /* empty: the parent's CPUs */
	assert_file(f, "vz/42/io.max", "254:0 rbps=max wbps=max riops=500 wiops=500");
	assert_file(f, "vz/42/io.weight", "default 12"); /* not in .set: untouched */

	/* cpu.weight = units / 10 within 1..10000; cpuset NULL is "" too. */
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPU_WEIGHT | VZ_CG_CPUSET,
					.cpu_units = 500000};
	put(f, "vz/42/cpuset.cpus", "0\n");
	set_ok(cg, &lim);
	assert_file(f, "vz/42/cpu.weight", "10000");
	assert_file(f, "vz/42/cpuset.cpus", "\n");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPU_QUOTA, .cpu_quota_pct = 50};
	set_ok(cg, &lim);
	assert_file(f, "vz/42/cpu.max", "50000 100000");
}

/* ioprio 0..7 through the table, into every weight knob the group has. */
static void test_v2_io_weight(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_limits lim = {.set = VZ_CG_IO_WEIGHT};

	for (unsigned prio = 0; prio < 8; prio++) {
		_cleanup_free_ char *want = xasprintf("default %u", prio_table[prio]);

		lim.io_prio = prio;
		set_ok(cg, &lim);
		assert_file(f, "vz/42/io.weight", want);
	}
	put(f, "vz/42/io.bfq.weight", "default 100\n");
	lim.io_prio = 4;
	set_ok(cg, &lim);
	assert_file(f, "vz/42/io.weight", "default 100");
	assert_file(f, "vz/42/io.bfq.weight", "default 100");
	/* BFQ alone is enough. */
	assert_int_equal(unlink(FP("vz/42/io.weight")), 0);
	lim.io_prio = 6;
	set_ok(cg, &lim);
	assert_file(f, "vz/42/io.bfq.weight", "default 400");
	assert_false(has(f, "vz/42/io.weight"));
}

static void test_v2_limits_refused(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_limits lim = {
		.set = VZ_CG_MEM | VZ_CG_SWAP | VZ_CG_PIDS,
		.mem_max = MiB,
		.swap_max = 0,
		.pids_max = 10,
	};

	/* No swap accounting: nothing at all is written, memory.max included. */
	assert_int_equal(unlink(FP("vz/42/memory.swap.max")), 0);
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cgroup 'vz/42': cannot set swap_max: no memory.swap.max in cgroup v2");
	assert_file(f, "vz/42/memory.max", "max\n");
	assert_file(f, "vz/42/pids.max", "max\n");
	assert_int_equal(unlink(FP("vz/42/io.weight")), 0);
	lim.set = VZ_CG_IO_WEIGHT;
	set_fails(cg, &lim, EOPNOTSUPP, "cannot set io_prio: no io.weight or io.bfq.weight");

	/* Values that make no sense fail before anything is written. */
	lim = (struct vz_cgroup_limits){.set = VZ_CG_PIDS | VZ_CG_IO_MAX, .pids_max = 1};
	set_fails(cg, &lim, EINVAL, "io_bps/io_iops without a device");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPUSET, .cpuset = "0\n1"};
	set_fails(cg, &lim, EINVAL, "not a CPU list");
	lim = (struct vz_cgroup_limits){.set = 1u << 20};
	set_fails(cg, &lim, EINVAL, "unknown limits");
	assert_file(f, "vz/42/pids.max", "max\n");

	/* A failed write names the group, the knob and the value. */
	assert_int_equal(unlink(FP("vz/42/pids.max")), 0);
	assert_int_equal(mkdir(FP("vz/42/pids.max"), 0755), 0);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_PIDS, .pids_max = 64};
	set_fails(cg, &lim, EISDIR, "cgroup 'vz/42': write pids.max=64: Is a directory");
	assert_int_equal(rmdir(FP("vz/42/pids.max")), 0);

	/* Never made here: a missing group is an error. */
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "43");
	set_fails(cg, &lim, ENOENT, "cgroup 'vz/43': set pids_max: CT group missing in 'cgroup2'");
	assert_false(has(f, "vz/43"));
	lim.set = 0;
	set_ok(cg, &lim);
}

static void v2_counters(struct fake *f)
{
	put(f, "vz/42/memory.current", "1000\n");
	put(f, "vz/42/memory.peak", "2000\n");
	put(f, "vz/42/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n");
	put(f, "vz/42/memory.swap.current", "10\n");
	put(f, "vz/42/memory.swap.max", "4096\n");
	put(f, "vz/42/memory.swap.events", "high 0\nmax 1\nfail 5\n");
	put(f, "vz/42/pids.current", "3\n");
	put(f, "vz/42/pids.peak", "7\n");
	put(f, "vz/42/pids.max", "64\n");
	put(f, "vz/42/pids.events", "max 4\n");
	put(f, "vz/42/memory.stat", "anon 1\nfile 2\nkernel 500\nkernel_stack 9\nsock 20\n");
	put(f, "vz/42/cpu.stat", "usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n");
}

static void test_v2_stats(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	struct vz_cgroup_stats st;

	v2_counters(f);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 2000, VZ_CG_UNLIMITED, 3);
	/* No swap.peak (kernels < 6.5): the peak is the current use. */
	assert_counter(&st.swap, 10, 10, 4096, 5);
	assert_counter(&st.pids, 3, 7, 64, 4);
	assert_counter(&st.kmem, 500, 500, VZ_CG_UNLIMITED, 0);
	assert_counter(&st.sock, 20, 20, VZ_CG_UNLIMITED, 0);
	assert_true(st.have_oom_kills);
	assert_int_equal(st.oom_kills, 2);
	assert_true(st.have_cpu);
	assert_int_equal(st.cpu_usage_ns, 1234000);
	assert_int_equal(st.supported, all_res);

	/* What older kernels or missing controllers lack is not had, and that is no error. */
	put(f, "vz/42/memory.stat", "anon 1\n");
	put(f, "vz/42/memory.events", "max 0\n");
	put(f, "vz/42/memory.swap.events", "max 2\nfail 1\n");
	assert_int_equal(unlink(FP("vz/42/memory.peak")), 0);
	assert_int_equal(unlink(FP("vz/42/pids.current")), 0);
	assert_int_equal(unlink(FP("vz/42/cpu.stat")), 0);
	assert_int_equal(unlink(FP("vz/42/memory.max")), 0);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 1000, VZ_CG_UNLIMITED, 0);
	assert_int_equal(st.swap.failcnt, 2);
	assert_false(st.pids.have);
	assert_false(st.kmem.have);
	assert_false(st.sock.have);
	assert_false(st.have_oom_kills);
	assert_false(st.have_cpu);
	assert_int_equal(st.supported, all_res & ~VZ_CG_MEM);

	/* Garbage fails, naming the knob. */
	put(f, "vz/42/memory.current", "12abc\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.current: Bad message");
	put(f, "vz/42/memory.current", "-1\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.current: Bad message");
	put(f, "vz/42/memory.current", "99999999999999999999999\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.current: Bad message");
	put(f, "vz/42/memory.current", "1\n");
	put(f, "vz/42/memory.swap.events", "max\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.swap.events: Bad message");
	put(f, "vz/42/memory.swap.events", "max 1\n");
	put(f, "vz/42/memory.stat", "anon 1\nkernel 5x\nsock 1\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.stat: Bad message");
	put(f, "vz/42/memory.stat", "");
	put(f, "vz/42/memory.swap.max", "");
	stats_fail(cg, "cgroup 'vz/42': read memory.swap.max: Bad message");
}

static void test_v2_stats_missing(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_stats st;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	memset(&st, 0xff, sizeof(st));
	stats_ok(cg, &st);
	assert_false(st.mem.have || st.swap.have || st.pids.have || st.kmem.have || st.sock.have);
	assert_false(st.have_oom_kills || st.have_cpu);
	/* Judged by the root's controllers: "cpu io memory pids". */
	assert_int_equal(st.supported, all_res & ~(VZ_CG_CPUSET | VZ_CG_IO_WEIGHT));
	assert_false(has(f, "vz"));
}

static void test_v2_supported(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;

	v2_tree(f);
	cg = fake_new(f, VZ_CGROUP_UNIFIED, "vz", "42");
	assert_int_equal(vz_cgroup_supported(cg), all_res & ~(VZ_CG_CPUSET | VZ_CG_IO_WEIGHT));
	/* iocost built in gives every group io.weight. */
	put(f, "io.cost.qos", "");
	put(f, "cgroup.controllers", "cpuset io\n");
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_CPUSET | VZ_CG_IO_WEIGHT | VZ_CG_IO_MAX);
	put(f, "cgroup.controllers", "");
	assert_int_equal(vz_cgroup_supported(cg), 0);
	/* Once the group exists, its knobs decide. */
	ok(vz_cgroup_create(cg, &err), &err);
	assert_int_equal(vz_cgroup_supported(cg), 0);
	put(f, "vz/42/memory.max", "max\n");
	put(f, "vz/42/pids.max", "max\n");
	put(f, "vz/42/io.bfq.weight", "default 100\n");
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_IO_WEIGHT);
	assert_int_equal(unlink(FP("cgroup.controllers")), 0);
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_IO_WEIGHT);
}

/* v1: the hierarchies of v1_tree plus blkio, and the CT's group with its knobs. */
static const char *const v1_lim_hiers[] = {"blkio",  "cpu",  "cpuacct", "cpuset",
					   "memory", "pids", NULL};

static void v1_limits_root(struct fake *f)
{
	for (const char *const *h = v1_lim_hiers; *h; h++)
		add_procs(f, (const char *const[]){*h, NULL}, ".");
	put(f, "cpuset/cpuset.cpus", "0-3\n");
	put(f, "cpuset/cpuset.mems", "0\n");
	put(f, "memory/memory.limit_in_bytes", V1_NOLIMIT);
	put(f, "memory/memory.memsw.limit_in_bytes", V1_NOLIMIT);
	put(f, "cpu/cpu.shares", "1024\n");
	put(f, "cpu/cpu.cfs_quota_us", "-1\n");
	put(f, "blkio/blkio.throttle.read_bps_device", "");
}

static struct vz_cgroup *v1_limits_tree(struct fake *f)
{
	static const char *const knobs[][2] = {
		{"memory/vz/42/memory.limit_in_bytes", V1_NOLIMIT},
		{"memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT},
		{"pids/vz/42/pids.max", "max\n"},
		{"cpu/vz/42/cpu.shares", "1024\n"},
		{"cpu/vz/42/cpu.cfs_period_us", "100000\n"},
		{"cpu/vz/42/cpu.cfs_quota_us", "-1\n"},
		{"cpuset/vz/cpuset.cpus", "0-3\n"},
		{"cpuset/vz/42/cpuset.cpus", "0-3\n"},
		{"blkio/vz/42/blkio.bfq.weight", "100\n"},
		{"blkio/vz/42/blkio.throttle.read_bps_device", ""},
		{"blkio/vz/42/blkio.throttle.write_bps_device", ""},
		{"blkio/vz/42/blkio.throttle.read_iops_device", ""},
		{"blkio/vz/42/blkio.throttle.write_iops_device", ""},
	};
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_cgroup *cg;

	v1_limits_root(f);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	ok(vz_cgroup_create(cg, &err), &err);
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		put(f, knobs[i][0], knobs[i][1]);
	return cg;
}

/* The prefix's weight is the sum of its CT groups', clamped; without CTs the default. */
static void test_v1_sync_weight(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *v = NULL;

	put(f, "cpu/vz/cpu.shares", "1024\n");
	put(f, "cpu/vz/43/cpu.shares", "2048\n");
	put(f, "cpu/vz/44/cpu.shares", "garbage\n"); /* a CT being made: skipped */
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	v = get(f, "cpu/vz/cpu.shares");
	assert_string_equal(v, "3072");
	free(v);
	put(f, "cpu/vz/43/cpu.shares", "262144\n");
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	v = get(f, "cpu/vz/cpu.shares");
	assert_string_equal(v, "262144");
}

static void test_v2_sync_weight(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v2_limits_tree(f);
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *v = NULL;

	/* No cpu controller on the prefix: nothing to do. */
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	put(f, "vz/cpu.weight", "100\n");
	put(f, "vz/43/cpu.weight", "40\n");
	ok(vz_cgroup_sync_weight(cg, &err), &err);
	v = get(f, "vz/cpu.weight");
	assert_string_equal(v, "140");
}

static void test_v1_set_limits(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_limits lim = {
		.set = all_res,
		.mem_max = 64 * MiB,
		.swap_max = 0,
		.pids_max = 64,
		.cpu_units = 8,
		.cpu_quota_pct = 50,
		.cpuset = "1",
		.io_prio = 7,
		.io_dev = makedev(8, 0),
		.io_bps = 1000,
	};

	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "67108864");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "67108864");
	assert_file(f, "pids/vz/42/pids.max", "64");
	assert_file(f, "cpu/vz/42/cpu.shares", "8");
	assert_file(f, "cpu/vz/42/cpu.cfs_period_us", "100000");
	assert_file(f, "cpu/vz/42/cpu.cfs_quota_us", "50000");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "1");
	assert_file(f, "blkio/vz/42/blkio.bfq.weight", "800");
	assert_file(f, "blkio/vz/42/blkio.throttle.read_bps_device", "8:0 1000");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_bps_device", "8:0 1000");
	assert_file(f, "blkio/vz/42/blkio.throttle.read_iops_device", "8:0 0");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_iops_device", "8:0 0");

	/* shares = units * 1024 / 1000 within 2..262144; no quota is -1; "" the parent's CPUs. */
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA | VZ_CG_CPUSET | VZ_CG_PIDS,
		.cpu_units = 1000,
		.cpuset = "",
		.pids_max = VZ_CG_UNLIMITED,
	};
	set_ok(cg, &lim);
	assert_file(f, "cpu/vz/42/cpu.shares", "1024");
	assert_file(f, "cpu/vz/42/cpu.cfs_quota_us", "-1");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "0-3");
	assert_file(f, "pids/vz/42/pids.max", "max");
	lim.cpu_units = 500000;
	lim.cpuset = NULL;
	put(f, "cpuset/vz/cpuset.cpus", "2\n");
	set_ok(cg, &lim);
	assert_file(f, "cpu/vz/42/cpu.shares", "262144");
	assert_file(f, "cpuset/vz/42/cpuset.cpus", "2");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_CPU_WEIGHT, .cpu_units = 1};
	set_ok(cg, &lim);
	assert_file(f, "cpu/vz/42/cpu.shares", "2");
}

/* The memsw pair: each write keeps memsw >= mem; a lone mem_max keeps the swap on top. */
static void test_v1_memsw(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_limits lim = {.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = 64 * MiB};

	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "67108864");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = 128 * MiB};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "134217728");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "134217728");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_SWAP, .swap_max = 32 * MiB};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "134217728");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "167772160");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = 32 * MiB};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "33554432");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "67108864");
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = 16 * MiB, .swap_max = VZ_CG_UNLIMITED};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "16777216");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", "-1");
	/* The kernel reads "-1" back as its largest value. */
	put(f, "memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM, .mem_max = VZ_CG_UNLIMITED};
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "-1");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT); /* unchanged */
	/* Garbage in a limit we must read first: an error that names it, nothing written. */
	put(f, "memory/vz/42/memory.limit_in_bytes", "x\n");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_SWAP, .swap_max = 0};
	set_fails(cg, &lim, EBADMSG, "cgroup 'vz/42': read memory.limit_in_bytes: Bad message");
	assert_file(f, "memory/vz/42/memory.memsw.limit_in_bytes", V1_NOLIMIT);

	/* swapaccount=0: no memsw knob, no swap_max; mem_max alone still works. */
	assert_int_equal(unlink(FP("memory/vz/42/memory.memsw.limit_in_bytes")), 0);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_MEM | VZ_CG_SWAP, .mem_max = MiB};
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cannot set swap_max: no memory.memsw.limit_in_bytes in cgroup v1");
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "x\n");
	lim.set = VZ_CG_MEM;
	set_ok(cg, &lim);
	assert_file(f, "memory/vz/42/memory.limit_in_bytes", "1048576");
}

static void test_v1_io_limits(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_limits lim = {.set = VZ_CG_IO_WEIGHT | VZ_CG_PIDS, .pids_max = 5};

	for (unsigned prio = 0; prio < 8; prio++) {
		_cleanup_free_ char *want = xasprintf("%u", prio_table[prio]);

		lim.io_prio = prio;
		set_ok(cg, &lim);
		assert_file(f, "blkio/vz/42/blkio.bfq.weight", want);
	}
	put(f, "blkio/vz/42/blkio.weight", "500\n");
	lim.io_prio = 3;
	set_ok(cg, &lim);
	assert_file(f, "blkio/vz/42/blkio.weight", "75");
	assert_file(f, "blkio/vz/42/blkio.bfq.weight", "75");
	lim = (struct vz_cgroup_limits){.set = VZ_CG_IO_WEIGHT, .io_prio = 8};
	set_fails(cg, &lim, EINVAL, "io_prio 8 not in 0..7");

	/* No I/O scheduler with weights: refused, and nothing else written either. */
	assert_int_equal(unlink(FP("blkio/vz/42/blkio.weight")), 0);
	assert_int_equal(unlink(FP("blkio/vz/42/blkio.bfq.weight")), 0);
	lim = (struct vz_cgroup_limits){.set = VZ_CG_IO_WEIGHT | VZ_CG_PIDS, .pids_max = 9};
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cgroup 'vz/42': cannot set io_prio: no blkio.bfq.weight or blkio.weight in "
		  "cgroup v1: Operation not supported");
	assert_file(f, "pids/vz/42/pids.max", "5");

	/* Removing a rule is "MAJ:MIN 0". */
	lim = (struct vz_cgroup_limits){
		.set = VZ_CG_IO_MAX, .io_dev = makedev(259, 3), .io_iops = 77};
	set_ok(cg, &lim);
	assert_file(f, "blkio/vz/42/blkio.throttle.read_bps_device", "259:3 0");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_bps_device", "259:3 0");
	assert_file(f, "blkio/vz/42/blkio.throttle.read_iops_device", "259:3 77");
	assert_file(f, "blkio/vz/42/blkio.throttle.write_iops_device", "259:3 77");
}

static void test_v1_limits_missing(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_limits lim = {.set = VZ_CG_PIDS, .pids_max = 1};
	struct vz_cgroup_stats st;

	v1_limits_root(f);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	set_fails(cg, &lim, ENOENT, "cgroup 'vz/42': set pids_max: CT group missing in 'pids'");
	assert_false(has(f, "pids/vz"));
	stats_ok(cg, &st);
	assert_false(st.mem.have || st.swap.have || st.pids.have || st.kmem.have || st.sock.have);
	assert_false(st.have_oom_kills || st.have_cpu);
	/* Without a group: the hierarchies, and the roots' knobs for what kernel options decide. */
	assert_int_equal(st.supported, all_res & ~VZ_CG_IO_WEIGHT);
	assert_int_equal(vz_cgroup_supported(cg), st.supported);
	put(f, "blkio/blkio.weight", "500\n");
	assert_int_equal(unlink(FP("memory/memory.memsw.limit_in_bytes")), 0);
	assert_int_equal(unlink(FP("cpu/cpu.cfs_quota_us")), 0);
	assert_int_equal(vz_cgroup_supported(cg), all_res & ~(VZ_CG_SWAP | VZ_CG_CPU_QUOTA));
}

static void test_v1_no_blkio(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_limits lim = {.set = VZ_CG_IO_MAX, .io_dev = makedev(8, 0)};

	v1_tree(f, false);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "42");
	assert_int_equal(vz_cgroup_supported(cg),
			 VZ_CG_MEM | VZ_CG_PIDS | VZ_CG_CPU_WEIGHT | VZ_CG_CPUSET);
	ok(vz_cgroup_create(cg, &err), &err);
	set_fails(cg, &lim, EOPNOTSUPP,
		  "cannot set io_bps/io_iops: no blkio.throttle.read_bps_device in cgroup v1");
	/* The group exists, but a fake kernel gave it no knobs. */
	assert_int_equal(vz_cgroup_supported(cg), 0);
}

static void v1_counters(struct fake *f)
{
	static const char *const knobs[][2] = {
		{"memory/vz/42/memory.usage_in_bytes", "1000\n"},
		{"memory/vz/42/memory.max_usage_in_bytes", "3000\n"},
		{"memory/vz/42/memory.failcnt", "2\n"},
		{"memory/vz/42/memory.memsw.usage_in_bytes", "1500\n"},
		{"memory/vz/42/memory.memsw.max_usage_in_bytes", "3500\n"},
		{"memory/vz/42/memory.memsw.failcnt", "1\n"},
		{"memory/vz/42/memory.kmem.usage_in_bytes", "100\n"},
		{"memory/vz/42/memory.kmem.max_usage_in_bytes", "200\n"},
		{"memory/vz/42/memory.kmem.limit_in_bytes", "4096\n"},
		{"memory/vz/42/memory.kmem.failcnt", "0\n"},
		{"memory/vz/42/memory.kmem.tcp.usage_in_bytes", "10\n"},
		{"memory/vz/42/memory.kmem.tcp.max_usage_in_bytes", "30\n"},
		{"memory/vz/42/memory.kmem.tcp.failcnt", "6\n"},
		{"memory/vz/42/memory.oom_control",
		 "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"},
		{"pids/vz/42/pids.current", "2\n"},
		{"pids/vz/42/pids.max", "64\n"},
		{"pids/vz/42/pids.events", "max 1\n"},
		{"cpuacct/vz/42/cpuacct.usage", "123456789\n"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		put(f, knobs[i][0], knobs[i][1]);
}

static void test_v1_stats(void **state)
{
	struct fake *f = *state;
	struct vz_cgroup *cg = v1_limits_tree(f);
	struct vz_cgroup_stats st;

	v1_counters(f);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 3000, VZ_CG_UNLIMITED,
		       2 + 4); /* memory.failcnt + OOM kills */
	/* swap = memsw - mem; v1 keeps no swap peak. */
	assert_counter(&st.swap, 500, 500, VZ_CG_UNLIMITED, 1);
	/* No pids.peak (kernels < 6.1): the peak is the current count. */
	assert_counter(&st.pids, 2, 2, 64, 1);
	assert_counter(&st.kmem, 100, 200, VZ_CG_UNLIMITED, 0);
	assert_counter(&st.sock, 10, 30, VZ_CG_UNLIMITED, 6);
	assert_true(st.have_oom_kills);
	assert_int_equal(st.oom_kills, 4);
	assert_true(st.have_cpu);
	assert_int_equal(st.cpu_usage_ns, 123456789);
	assert_int_equal(st.supported, all_res);

	put(f, "memory/vz/42/memory.limit_in_bytes", "4096\n");
	put(f, "memory/vz/42/memory.memsw.limit_in_bytes", "12288\n");
	put(f, "memory/vz/42/memory.memsw.usage_in_bytes", "900\n"); /* racing reads */
	put(f, "memory/vz/42/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	put(f, "pids/vz/42/pids.peak", "9\n");
	assert_int_equal(unlink(FP("memory/vz/42/memory.kmem.tcp.usage_in_bytes")), 0);
	assert_int_equal(unlink(FP("cpuacct/vz/42/cpuacct.usage")), 0);
	stats_ok(cg, &st);
	assert_counter(&st.mem, 1000, 3000, 4096, 2);
	assert_counter(&st.swap, 0, 0, 8192, 1);
	assert_counter(&st.pids, 2, 9, 64, 1);
	assert_false(st.sock.have);
	assert_false(st.have_oom_kills);
	assert_false(st.have_cpu);

	put(f, "memory/vz/42/memory.memsw.failcnt", "one\n");
	stats_fail(cg, "cgroup 'vz/42': read memory.memsw.failcnt: Bad message");
	put(f, "memory/vz/42/memory.memsw.failcnt", "1\n");
	put(f, "pids/vz/42/pids.events", "max -3\n");
	stats_fail(cg, "cgroup 'vz/42': read pids.events: Bad message");
	put(f, "pids/vz/42/pids.events", "max 0\n");
	put(f, "cpuacct/vz/42/cpuacct.usage", "");
	stats_fail(cg, "cgroup 'vz/42': read cpuacct.usage: Bad message");
}

/* "cpu,cpuacct" co-mounted: one hierarchy has both. */
static void test_v1_comounted_limits(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct fake *f = *state;
	struct vz_cgroup *cg;
	struct vz_cgroup_limits lim = {.set = VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA,
				       .cpu_units = 2000};
	struct vz_cgroup_stats st;

	put(f, "cpu,cpuacct/cgroup.procs", "");
	put(f, "cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	assert_int_equal(symlink("cpu,cpuacct", FP("cpu")), 0);
	assert_int_equal(symlink("cpu,cpuacct", FP("cpuacct")), 0);
	cg = fake_new(f, VZ_CGROUP_LEGACY, "vz", "1");
	assert_int_equal(vz_cgroup_supported(cg), VZ_CG_CPU_WEIGHT | VZ_CG_CPU_QUOTA);
	ok(vz_cgroup_create(cg, &err), &err);
	put(f, "cpu,cpuacct/vz/1/cpu.shares", "1024\n");
	put(f, "cpu,cpuacct/vz/1/cpu.cfs_period_us", "100000\n");
	put(f, "cpu,cpuacct/vz/1/cpu.cfs_quota_us", "-1\n");
	put(f, "cpu,cpuacct/vz/1/cpuacct.usage", "42\n");
	set_ok(cg, &lim);
	assert_file(f, "cpu,cpuacct/vz/1/cpu.shares", "2048");
	assert_file(f, "cpu,cpuacct/vz/1/cpu.cfs_quota_us", "-1");
	stats_ok(cg, &st);
	assert_true(st.have_cpu);
	assert_int_equal(st.cpu_usage_ns, 42);
	assert_false(st.mem.have);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_set_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_io_weight, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_limits_refused, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_stats, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_stats_missing, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_supported, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v2_sync_weight, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_sync_weight, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_set_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_memsw, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_io_limits, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_limits_missing, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_no_blkio, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_stats, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_v1_comounted_limits, fake_setup,
						fake_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
