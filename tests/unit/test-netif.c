/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/net/netif.c: NETIF values and --netif_add specs. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/netif.h"
#include "util/macros.h"

static void test_roundtrip(VZ_UNUSED void **state)
{
	const char *v = "ifname=eth0,mac=02:00:00:00:00:01,host_ifname=vz1ab101.0,"
			"host_mac=02:00:00:00:00:02,bridge=br0,allow=198.51.100.12|2001:db8::12;"
			"ifname=eth1";
	struct vz_netifs l;
	char *s;

	assert_int_equal(vz_netif_parse(v, &l, NULL), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].bridge, "br0");
	assert_string_equal(l.v[0].allow, "198.51.100.12|2001:db8::12");
	assert_int_equal(vz_netif_find(&l, "eth1"), 1);
	assert_int_equal(vz_netif_find(&l, "eth2"), -1);
	s = vz_netif_format(&l);
	assert_string_equal(s, v);
	free(s);
	assert_int_equal(vz_netif_parse("", &l, NULL), 0);
	assert_int_equal(l.n, 0);
}

static void bad(const char *v, const char *fragment)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_netifs l;

	assert_true(vz_netif_parse(v, &l, &err) < 0);
	assert_int_equal(err->code, VZ_E_VALUE);
	if (!strstr(err->msg, fragment))
		fail_msg("'%s' lacks '%s'", err->msg, fragment);
}

static void test_bad(VZ_UNUSED void **state)
{
	bad("eth0", "not field=value");
	bad("mac=02:00:00:00:00:01", "without ifname");
	bad("ifname=eth0;ifname=eth0", "given twice");
	bad("ifname=eth0,mac=01:00:00:00:00:01", "multicast");
	bad("ifname=eth0,mac=02:00:00:00:00", "invalid MAC");
	bad("ifname=aaaaaaaaaaaaaaaa", "1 to 15 bytes");
	/* Names end up in nftables commands: nothing that could end a word there. */
	bad("ifname=eth0\"}", "invalid interface name");
	bad("ifname=eth 0", "invalid interface name");
	bad("ifname=eth0,bridge=br{0", "invalid interface name");
	bad("ifname=eth0,allow=1.2.3.4|nope", "invalid IP address 'nope'");
	bad("ifname=eth0,colour=red", "unknown field 'colour'");
}

static void test_cli(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_netif v;

	assert_int_equal(vz_netif_parse_cli("eth0,,,,br0", &v, NULL), 0);
	assert_string_equal(v.ifname, "eth0");
	assert_string_equal(v.mac, "");
	assert_string_equal(v.bridge, "br0");
	assert_int_equal(vz_netif_parse_cli("eth1,02:00:00:00:00:01,veth1.1", &v, NULL), 0);
	assert_string_equal(v.host_ifname, "veth1.1");
	assert_true(vz_netif_parse_cli("eth0,,,,br0,extra", &v, &err) < 0);
	vz_error_release(&err);
	assert_true(vz_netif_parse_cli(",02:00:00:00:00:01", &v, &err) < 0);
}

static void test_mac(VZ_UNUSED void **state)
{
	char a[18], b[18];

	vz_netif_make_mac(0x123456789aULL, a);
	vz_netif_make_mac(0x123456789aULL, b);
	assert_string_equal(a, b);
	assert_string_equal(a, "02:12:34:56:78:9a");
	assert_int_equal(vz_netif_check_mac("mac", a, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
