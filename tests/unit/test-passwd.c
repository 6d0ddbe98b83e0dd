/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/ct/passwd.c: the account files' text that --userpasswd changes. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ct/passwd.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "alice:x:1000:1000::/home/alice:/bin/bash\n"
			     "broken line\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

static void test_names(void **state)
{
	(void)state;
	assert_true(vz_user_name_valid("root"));
	assert_true(vz_user_name_valid("_apt"));
	assert_true(vz_user_name_valid("web-1.admin"));
	assert_true(vz_user_name_valid("machine$"));
	assert_false(vz_user_name_valid(""));
	assert_false(vz_user_name_valid("-rf"));
	assert_false(vz_user_name_valid("1abc"));
	assert_false(vz_user_name_valid("a:b"));
	assert_false(vz_user_name_valid("a\nroot"));
	assert_false(vz_user_name_valid("../etc"));
	assert_false(vz_user_name_valid("a$b"));
	assert_false(vz_user_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_find(void **state)
{
	uint32_t uid, gid;

	(void)state;
	assert_true(vz_passwd_find(passwd, "alice", &uid, &gid));
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 1000);
	assert_true(vz_passwd_find(passwd, "root", &uid, &gid));
	assert_int_equal(uid, 0);
	/* A prefix of a name is not the name. */
	assert_false(vz_passwd_find(passwd, "ali", &uid, &gid));
	assert_false(vz_passwd_find(passwd, "broken line", &uid, &gid));
	assert_false(vz_passwd_find(NULL, "root", &uid, &gid));
	assert_false(vz_passwd_find("evil:x:-1:0::/:/bin/sh\n", "evil", &uid, &gid));
	assert_true(vz_group_find("root:x:0:\nstaff:x:50:\n", "staff", &gid));
	assert_int_equal(gid, 50);
}

static void test_next_id(void **state)
{
	(void)state;
	/* Above the highest regular id; system ids and nobody do not count. */
	assert_int_equal(vz_passwd_next_id(passwd, 1000), 1001);
	assert_int_equal(vz_passwd_next_id("root:x:0:0::/:/bin/sh\n", 1000), 1000);
	assert_int_equal(vz_passwd_next_id(NULL, 1000), 1000);
	assert_int_equal(vz_passwd_next_id("a:x:59999:1::/:/bin/sh\n", 1000), 60000);
}

static void test_set_field(void **state)
{
	const char *shadow = "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n";
	char *t;

	(void)state;
	t = vz_passwd_set_field(shadow, "alice", "$6$salt$hash", 20000, "unused");
	assert_string_equal(t,
			    "root:*:19000:0:99999:7:::\nalice:$6$salt$hash:20000:0:99999:7:::\n");
	free(t);
	/* A user without a line gets the given one; the others stay. */
	t = vz_passwd_set_field(shadow, "bob", "h", 20000, "bob:h:20000:0:99999:7:::");
	assert_string_equal(t, "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n"
			       "bob:h:20000:0:99999:7:::\n");
	free(t);
	/* passwd's second field, nothing else. */
	t = vz_passwd_set_field("root:oldhash:0:0:root:/root:/bin/sh\n", "root", "x", -1, "");
	assert_string_equal(t, "root:x:0:0:root:/root:/bin/sh\n");
	free(t);
	/* A short line keeps its shape. */
	t = vz_passwd_set_field("root:*\n", "root", "h", 20000, "");
	assert_string_equal(t, "root:h\n");
	free(t);
}

static void test_yescrypt(void **state)
{
	(void)state;
	assert_true(vz_passwd_wants_yescrypt("root:$y$j9T$abc$def:1:::\n", NULL, NULL));
	assert_true(vz_passwd_wants_yescrypt(
		NULL, "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n", NULL));
	assert_true(vz_passwd_wants_yescrypt(NULL, NULL, "ENCRYPT_METHOD YESCRYPT\n"));
	assert_false(vz_passwd_wants_yescrypt(NULL, NULL,
					      "# ENCRYPT_METHOD YESCRYPT\n"
					      "ENCRYPT_METHOD SHA512\n"));
	assert_false(vz_passwd_wants_yescrypt("root:$6$a$b:1:::\n", NULL, NULL));
	assert_false(vz_passwd_wants_yescrypt(NULL, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),	 cmocka_unit_test(test_find),
		cmocka_unit_test(test_next_id),	 cmocka_unit_test(test_set_field),
		cmocka_unit_test(test_yescrypt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
