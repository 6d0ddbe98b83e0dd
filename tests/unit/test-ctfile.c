/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/ct/ctfile.c: the /etc/hosts vz keeps in a CT. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ct/ctfile.h"
#include "util/macros.h"

static void check(const char *old, const char *host, const char *ip, const char *want)
{
	char *got = vz_hosts_update(old, host, ip);

	assert_string_equal(got, want);
	free(got);
}

static void test_hosts_fresh(VZ_UNUSED void **state)
{
	check(NULL, "ct101", NULL, "127.0.0.1\tlocalhost\n127.0.1.1\tct101\t# added by vz\n");
	check("", "web.example.com", "198.51.100.2",
	      "127.0.0.1\tlocalhost\n198.51.100.2\tweb.example.com web\t# added by vz\n");
}

static void test_hosts_keeps_lines(VZ_UNUSED void **state)
{
	/* The user's lines stay; the old vz line is replaced, not added to. */
	check("# mine\n127.0.0.1 localhost.localdomain localhost\n10.0.0.5 db\n"
	      "198.51.100.2\told.example.com old\t# added by vz\n::1 ip6-localhost",
	      "new.example.com", "198.51.100.9",
	      "# mine\n127.0.0.1 localhost.localdomain localhost\n10.0.0.5 db\n"
	      "::1 ip6-localhost\n198.51.100.9\tnew.example.com new\t# added by vz\n");
	/* "localhost" only in a comment does not count. */
	check("127.0.0.1 box # localhost\n", "a", NULL,
	      "127.0.0.1 box # localhost\n127.0.0.1\tlocalhost\n127.0.1.1\ta\t# added by vz\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_fresh),
		cmocka_unit_test(test_hosts_keeps_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
