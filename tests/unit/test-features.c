/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/res/features.c and lib/res/capability.c: FEATURES and
 * CAPABILITY, their checks, what they do and vzctl set's merge.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <linux/capability.h>

#include "res/capability.h"
#include "res/features.h"

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
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_on),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_capability),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
