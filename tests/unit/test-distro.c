/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/ct/distro.c and netfiles.c: os-release, and each network configuration. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ct/distro.h"
#include "util/macros.h"

static enum vz_distro_family family(const char *text)
{
	struct vz_distro d;

	vz_distro_parse(text, &d);
	return d.family;
}

static void test_os_release(void **state)
{
	struct vz_distro d;

	(void)state;
	vz_distro_parse("NAME=\"Fedora Linux\"\nVERSION_ID=41\nID=fedora\n", &d);
	assert_int_equal(d.family, VZ_DISTRO_REDHAT);
	assert_string_equal(d.id, "fedora");
	assert_string_equal(d.version, "41");
	vz_distro_parse("ID='almalinux'\nVERSION_ID=\"9.5\"\nID_LIKE=\"rhel centos fedora\"\n", &d);
	assert_int_equal(d.family, VZ_DISTRO_REDHAT);
	assert_string_equal(d.version, "9.5");
	assert_int_equal(family("ID=ubuntu\nID_LIKE=debian\n"), VZ_DISTRO_DEBIAN);
	assert_int_equal(family("ID=alpine\nVERSION_ID=3.20.3\n"), VZ_DISTRO_ALPINE);
	assert_int_equal(family("ID=busybox\n"), VZ_DISTRO_BUSYBOX);
	/* An unknown ID whose ID_LIKE names a family is of that family. */
	assert_int_equal(family("ID=pop\nID_LIKE=\"ubuntu debian\"\n"), VZ_DISTRO_DEBIAN);
	assert_int_equal(family("ID=gentoo\n"), VZ_DISTRO_UNKNOWN);
	assert_int_equal(family(NULL), VZ_DISTRO_UNKNOWN);
}

static void test_os_release_hostile(void **state)
{
	struct vz_distro d;

	(void)state;
	/* Unterminated quotes, shell syntax and overlong values are not values. */
	assert_int_equal(family("ID=\"debian\n"), VZ_DISTRO_UNKNOWN);
	assert_int_equal(family("ID=$(reboot)\n"), VZ_DISTRO_UNKNOWN);
	assert_int_equal(family("ID=\"debian\"x\n"), VZ_DISTRO_UNKNOWN);
	assert_int_equal(family("ID=debian;reboot\n"), VZ_DISTRO_UNKNOWN);
	vz_distro_parse("ID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", &d);
	assert_string_equal(d.id, "");
	assert_int_equal(family("IDX=debian\n ID=debian\n"), VZ_DISTRO_UNKNOWN);
	assert_int_equal(family("ID=\"de\\\"bian\"\n"), VZ_DISTRO_UNKNOWN);
}

static char *v4[] = {"198.51.100.2", "198.51.100.3", NULL};
static char *v6[] = {"2001:db8::2", NULL};
static char *none[] = {NULL};
static char *dns[] = {"192.0.2.53", "2001:db8::53", NULL};

static void test_ifupdown(void **state)
{
	struct vz_netcfg n = {"venet0", v4, v6, dns, "example.com"};
	const char *old = "auto lo\niface lo inet loopback\n\n"
			  "auto eth0 venet0 venet0:0\niface eth0 inet dhcp\n"
			  "iface venet0 inet static\n\taddress 127.0.0.1\n"
			  "iface venet0:0 inet static\n\taddress 10.0.0.1\n"
			  "iface eth1 inet manual\n";
	char *t = vz_netcfg_ifupdown(old, &n), *again, *gone;

	(void)state;
	/* Other interfaces are kept; the old venet0 stanzas are gone. */
	assert_non_null(strstr(t, "auto lo\niface lo inet loopback\n"));
	assert_non_null(strstr(t, "auto eth0\niface eth0 inet dhcp\n"));
	assert_non_null(strstr(t, "iface eth1 inet manual\n"));
	assert_null(strstr(t, "127.0.0.1"));
	assert_null(strstr(t, "10.0.0.1"));
	assert_non_null(strstr(t, "auto venet0\niface venet0 inet manual\n"));
	assert_non_null(strstr(t, "ip -4 addr add 198.51.100.3/32 dev venet0"));
	assert_non_null(strstr(t, "ip -4 route replace default via 169.254.0.1 dev venet0"));
	assert_non_null(strstr(t, "ip -6 addr add 2001:db8::2/128 dev venet0"));
	assert_non_null(strstr(t, "ip -6 route replace default via fe80::1 dev venet0"));
	/* Rewriting it gives the same text: vz's block replaces itself. */
	again = vz_netcfg_ifupdown(t, &n);
	assert_string_equal(again, t);
	/* Without addresses the block goes, and the rest stays. */
	n.v4 = n.v6 = none;
	gone = vz_netcfg_ifupdown(t, &n);
	assert_null(strstr(gone, "venet0"));
	assert_non_null(strstr(gone, "iface eth0 inet dhcp\n"));
	free(t);
	free(again);
	free(gone);
}

static void test_ifupdown_new_file(void **state)
{
	struct vz_netcfg n = {"venet0", v4, none, none, NULL};
	char *t = vz_netcfg_ifupdown(NULL, &n);

	(void)state;
	assert_true(!strncmp(t, "auto lo\niface lo inet loopback\n", 31));
	assert_null(strstr(t, "ip -6"));
	free(t);
}

static void test_networkd(void **state)
{
	struct vz_netcfg n = {"venet0", v4, v6, dns, "example.com corp.example"};
	char *t = vz_netcfg_networkd(&n);

	(void)state;
	assert_non_null(strstr(t, "[Match]\nName=venet0\n"));
	assert_non_null(strstr(t, "Address=198.51.100.2/32\nAddress=198.51.100.3/32\n"
				  "Address=2001:db8::2/128\n"));
	assert_non_null(strstr(t, "DNS=192.0.2.53\nDNS=2001:db8::53\n"));
	assert_non_null(strstr(t, "Domains=example.com corp.example\n"));
	assert_non_null(strstr(t, "IPv6AcceptRA=no\n"));
	assert_non_null(strstr(t, "Gateway=169.254.0.1\nGatewayOnLink=yes\n"));
	assert_non_null(strstr(t, "Gateway=fe80::1\nGatewayOnLink=yes\n"));
	free(t);
}

static void test_nm_keyfile(void **state)
{
	struct vz_netcfg n = {"venet0", v4, none, dns, "example.com"};
	char *t = vz_netcfg_nm_keyfile(&n);

	(void)state;
	assert_non_null(strstr(t, "interface-name=venet0\n"));
	assert_non_null(strstr(t, "[ipv4]\nmethod=manual\naddress1=198.51.100.2/32\n"
				  "address2=198.51.100.3/32\n"));
	assert_non_null(strstr(t, "route2=0.0.0.0/0,169.254.0.1\nroute2_options=onlink=true\n"));
	/* Each family's servers in its own section. */
	assert_non_null(strstr(t, "dns=192.0.2.53;\n"));
	assert_null(strstr(t, "2001:db8::53"));
	assert_non_null(strstr(t, "[ipv6]\nmethod=ignore\n"));
	free(t);
}

static void test_ifcfg(void **state)
{
	char *v6b[] = {"2001:db8::2", "2001:db8::3", NULL};
	struct vz_netcfg n = {"venet0", v4, v6b, dns, NULL};
	char *t = vz_netcfg_ifcfg(&n), *r = vz_netcfg_ifcfg_route(&n), *r6;

	(void)state;
	assert_non_null(strstr(t, "DEVICE=venet0\nONBOOT=yes\n"));
	assert_non_null(strstr(t, "IPADDR=198.51.100.2\nPREFIX=32\nIPADDR1=198.51.100.3\n"));
	assert_non_null(strstr(t, "IPV6ADDR=2001:db8::2/128\n"
				  "IPV6ADDR_SECONDARIES=\"2001:db8::3/128\"\n"));
	assert_non_null(strstr(t, "DNS1=192.0.2.53\nDNS2=2001:db8::53\n"));
	assert_non_null(strstr(r, "default via 169.254.0.1 dev venet0\n"));
	free(t);
	free(r);
	n.v6 = none;
	r6 = vz_netcfg_ifcfg_route6(&n);
	assert_null(r6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release), cmocka_unit_test(test_os_release_hostile),
		cmocka_unit_test(test_ifupdown),   cmocka_unit_test(test_ifupdown_new_file),
		cmocka_unit_test(test_networkd),   cmocka_unit_test(test_nm_keyfile),
		cmocka_unit_test(test_ifcfg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
