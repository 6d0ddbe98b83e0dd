/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/util/ring.c: the console's bounded buffer. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/ring.h"
#include "util/xalloc.h"

/* The ring's content as one string. */
static char *content(const struct vz_ring *r)
{
	const char *a, *b;
	size_t na, nb;
	char *s;

	vz_ring_view(r, &a, &na, &b, &nb);
	s = xzalloc(na + nb + 1);
	memcpy(s, a, na);
	memcpy(s + na, b, nb);
	return s;
}

static void check(const struct vz_ring *r, const char *want)
{
	char *s = content(r);

	assert_string_equal(s, want);
	free(s);
}

static void test_ring(void **state)
{
	struct vz_ring r;

	(void)state;
	vz_ring_init(&r, 8);
	check(&r, "");
	vz_ring_put(&r, "abc", 3);
	check(&r, "abc");
	vz_ring_put(&r, "defgh", 5);
	check(&r, "abcdefgh");
	/* Full: the oldest bytes go, across the wrap. */
	vz_ring_put(&r, "ij", 2);
	check(&r, "cdefghij");
	vz_ring_put(&r, "klmnopq", 7);
	check(&r, "jklmnopq");
	/* More than it holds at once: the last 8 bytes. */
	vz_ring_put(&r, "0123456789ABCDEF", 16);
	check(&r, "89ABCDEF");
	vz_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
