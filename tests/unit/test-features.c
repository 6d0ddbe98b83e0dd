/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/res/features.c, capability.c and devices.c:
 * FEATURES, CAPABILITY, DEVNODES and DEVICES, their checks, what they do
 * and vzctl set's merge.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/capability.h>

#include "res/capability.h"
#include "res/devices.h"
#include "res/features.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void valid(const char *v)
{
	vz_error_t err = NULL;

	assert_int_equal(vz_features_validate("FEATURES", v, &err), 0);
	assert_null(err);
}

static void invalid(const char *v, const char *msg)
{
	vz_error_t err = NULL;

	assert_true(vz_features_validate("FEATURES", v, &err) < 0);
	assert_non_null(err);
	assert_int_equal(err->code, VZ_E_VALUE);
	if (!strstr(err->msg, msg))
		fail_msg("'%s': '%s' lacks '%s'", v, err->msg, msg);
	vz_error_release(&err);
}

static void test_validate(void **state)
{
	(void)state;
	valid("");
	valid("io_uring:on");
	valid("io_uring:off");
	/* OpenVZ's, as its configs have them. */
	valid("sysfs:on nfs:on,ppp:off io_uring:on");
	invalid("io_uring", "invalid feature 'io_uring'");
	invalid("io_uring:yes", "invalid feature 'io_uring:yes'");
	invalid(":on", "invalid feature ':on'");
	invalid("kvm:on", "unknown feature 'kvm'");
	invalid("io_uringx:on", "unknown feature 'io_uringx'");
	invalid("io_uring:on io_uring:off", "given twice");
}

static void test_on(void **state)
{
	(void)state;
	assert_false(vz_features_on(NULL, "io_uring"));
	assert_false(vz_features_on("", "io_uring"));
	assert_true(vz_features_on("io_uring:on", "io_uring"));
	assert_false(vz_features_on("io_uring:off", "io_uring"));
	assert_true(vz_features_on("nfs:on io_uring:on", "io_uring"));
	assert_false(vz_features_on("io_uring_x:on", "io_uring"));
	assert_string_equal(vz_features_inert("io_uring:on nfs:off"), "nfs");
	assert_null(vz_features_inert("io_uring:on"));
}

static void merged(const char *old, const char *change, const char *want)
{
	char *got = vz_features_merge(old, change);

	assert_string_equal(got, want);
	free(got);
}

static void test_merge(void **state)
{
	(void)state;
	merged(NULL, "io_uring:on", "io_uring:on");
	merged("sysfs:on nfs:on", "io_uring:on", "sysfs:on nfs:on io_uring:on");
	merged("io_uring:on nfs:on", "io_uring:off", "nfs:on io_uring:off");
	merged("io_uring:on", "nfs:on io_uring:off", "nfs:on io_uring:off");
	merged("io_uring:on", "", "io_uring:on");
}

static void dev_merged(const char *old, const char *change, const char *want)
{
	char *got = vz_devices_merge(old, change);

	assert_string_equal(got, want);
	free(got);
}

static void test_devices_merge(void **state)
{
	(void)state;
	dev_merged(NULL, "net/tun:rw", "net/tun:rw");
	dev_merged("net/tun:rw", "fuse:rw", "net/tun:rw fuse:rw");
	dev_merged("net/tun:rw fuse:rw", "net/tun:r", "fuse:rw net/tun:r");
	dev_merged("net/tun:rw fuse:rw", "net/tun:none", "fuse:rw");
	dev_merged("net/tun:rw", "net/tun:none", "");
	dev_merged("c:10:200:rw", "c:10:2:r c:10:200:none", "c:10:2:r");
	/* "net/tun" is not "net/tunx": whole device names only. */
	dev_merged("net/tunx:rw", "net/tun:none", "net/tunx:rw");
}

static bool has_rule(const struct vz_ct_devices *d, enum vz_cg_dev_type type, uint32_t maj,
		     uint32_t min, unsigned access)
{
	for (size_t i = 0; i < d->n_rules; i++)
		if (d->rules[i].type == type && d->rules[i].major == maj &&
		    d->rules[i].minor == min && d->rules[i].access == access)
			return true;
	return false;
}

/* A fake host /dev with a char node, a block node and a plain file (mknod needs root). */
static char *fake_dev(void)
{
	char *dir = xstrdup("/tmp/vz-test-devXXXXXX");
	char *p;
	int fd;

	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/net", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/net/tun", dir);
	assert_int_equal(mknod(p, S_IFCHR | 0600, makedev(10, 200)), 0);
	free(p);
	p = xasprintf("%s/sdz", dir);
	assert_int_equal(mknod(p, S_IFBLK | 0640, makedev(8, 240)), 0);
	free(p);
	p = xasprintf("%s/plain", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	free(p);
	return dir;
}

static void test_devices_resolve(void **state)
{
	struct vz_ct_devices d;
	vz_error_t err = NULL;
	char *dir;

	(void)state;
	/* Nothing granted: the standard set, null to the ptys, and no node. */
	assert_int_equal(vz_ct_devices_resolve(NULL, NULL, "/nonexistent", &d, &err), 0);
	assert_true(has_rule(&d, VZ_CG_DEV_CHAR, 1, 3, VZ_CG_DEV_READ | VZ_CG_DEV_WRITE));
	assert_true(
		has_rule(&d, VZ_CG_DEV_CHAR, 136, VZ_CG_DEV_ANY, VZ_CG_DEV_READ | VZ_CG_DEV_WRITE));
	assert_int_equal(d.n_nodes, 0);
	for (size_t i = 0; i < d.n_rules; i++)
		assert_false(d.rules[i].access & VZ_CG_DEV_MKNOD);
	vz_ct_devices_free(&d);
	assert_int_equal(vz_ct_devices_resolve(NULL, "c:10:all:w b:8:0:none", "/x", &d, &err), 0);
	assert_true(has_rule(&d, VZ_CG_DEV_CHAR, 10, VZ_CG_DEV_ANY, VZ_CG_DEV_WRITE));
	assert_false(has_rule(&d, VZ_CG_DEV_BLOCK, 8, 0, 0));
	vz_ct_devices_free(&d);
	if (geteuid() != 0)
		skip();
	dir = fake_dev();
	assert_int_equal(vz_ct_devices_resolve("net/tun:rw sdz:r", NULL, dir, &d, &err), 0);
	assert_true(has_rule(&d, VZ_CG_DEV_CHAR, 10, 200, VZ_CG_DEV_READ | VZ_CG_DEV_WRITE));
	assert_true(has_rule(&d, VZ_CG_DEV_BLOCK, 8, 240, VZ_CG_DEV_READ));
	assert_int_equal(d.n_nodes, 2);
	assert_string_equal(d.nodes[0].name, "net/tun");
	assert_int_equal(d.nodes[0].mode, S_IFCHR | 0600);
	assert_true(d.nodes[0].rdev == makedev(10, 200));
	assert_int_equal(d.nodes[1].mode, S_IFBLK | 0640);
	vz_ct_devices_free(&d);
	/* Missing on the host, or no device: refused, naming it. */
	assert_true(vz_ct_devices_resolve("fuse:rw", NULL, dir, &d, &err) < 0);
	assert_non_null(strstr(err->msg, "'/dev/fuse' on this host"));
	assert_int_equal(vz_error_errno(err), ENOENT);
	vz_error_release(&err);
	assert_true(vz_ct_devices_resolve("plain:rw", NULL, dir, &d, &err) < 0);
	assert_non_null(strstr(err->msg, "'/dev/plain' is no device node"));
	vz_error_release(&err);
	assert_int_equal(d.n_rules + d.n_nodes, 0);
	assert_int_equal(rm_rf_at(AT_FDCWD, dir), 0);
	free(dir);
}

static void test_capability(void **state)
{
	vz_error_t err = NULL;
	uint64_t never = vz_capability_drop_mask(NULL);
	char *m;

	(void)state;
	/* What vz never grants. */
	assert_true(never & (1ULL << CAP_SYS_MODULE));
	assert_true(never & (1ULL << CAP_SYS_TIME));
	assert_false(never & (1ULL << CAP_SYS_ADMIN));
	assert_false(never & (1ULL << CAP_NET_RAW));
	assert_false(never & (1ULL << CAP_SYS_BOOT));
	/* off takes more away; on of one never granted changes nothing. */
	assert_int_equal(vz_capability_drop_mask("net_raw:off CHOWN:off"),
			 never | (1ULL << CAP_NET_RAW) | (1ULL << CAP_CHOWN));
	assert_int_equal(vz_capability_drop_mask("net_raw:on"), never);
	assert_int_equal(vz_capability_validate("CAPABILITY", "cap_net_raw:off", &err), 0);
	assert_true(vz_capability_validate("CAPABILITY", "sys_module:on", &err) < 0);
	assert_non_null(strstr(err->msg, "SYS_MODULE cannot be on"));
	vz_error_release(&err);
	assert_true(vz_capability_validate("CAPABILITY", "flux:off", &err) < 0);
	assert_non_null(strstr(err->msg, "unknown capability in 'flux:off'"));
	vz_error_release(&err);
	/* The merge names each once, upper case, in the kernel's order. */
	m = vz_capability_merge("NET_RAW:off sys_nice:off", "net_raw:on chown:off");
	assert_string_equal(m, "CHOWN:off NET_RAW:on SYS_NICE:off");
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),      cmocka_unit_test(test_on),
		cmocka_unit_test(test_merge),	      cmocka_unit_test(test_capability),
		cmocka_unit_test(test_devices_merge), cmocka_unit_test(test_devices_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
