/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/net/net.c: the four steps of a CT's interface one by
 * one (pair on the host, CT end moved into a namespace given by fd, CT side
 * configured there, host side), and that a failure at any step leaves no
 * link behind. The test process first moves into a network namespace of
 * its own, which plays the host; each "CT" is a namespace held by an fd
 * only. Without root (or without network namespaces) every test skips.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/net.h"
#include "sandbox/ns.h"
#include "util/macros.h"

#define ALIAS "vz 0000000000000001 ct 1"
#define OTHER "vz 0000000000000002 ct 1"
#define SNAP_MAX (256 * 1024)

static bool privileged;
/* Written by a child inside a namespace, read by the test: shared memory. */
static char *shared;

static void ok(int r, vz_error_t *err)
{
	if (r < 0)
		fail_msg("%s", (*err)->msg);
	assert_null(*err);
}

/* r < 0 with *err set: errno errnum, a message containing fragment. */
static void fails_with(int r, vz_error_t *err, int errnum, const char *fragment)
{
	assert_true(r < 0);
	assert_non_null(*err);
	if ((*err)->errnum != errnum)
		fail_msg("'%s': errno %d, not %d", (*err)->msg, (*err)->errnum, errnum);
	if (!strstr((*err)->msg, fragment))
		fail_msg("'%s' lacks '%s'", (*err)->msg, fragment);
	vz_error_release(err);
}

/* A fresh network namespace held by an fd only: the test process stays in its own. */
static int new_netns(void)
{
	_cleanup_close_ int self = vz_ns_open(getpid(), CLONE_NEWNET);
	int fd;

	assert_int_equal(unshare(CLONE_NEWNET), 0);
	fd = vz_ns_open(getpid(), CLONE_NEWNET);
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	assert_true(fd >= 0);
	return fd;
}

static VZ_PRINTF(1, 2) void put(const char *fmt, ...)
{
	size_t len = strlen(shared);
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(shared + len, SNAP_MAX - len, fmt, ap);
	va_end(ap);
}

static void put_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t n = 0;

	while (f && getline(&line, &n, f) > 0)
		put("%s", line);
}

static int prefix_len(const struct sockaddr *mask)
{
	uint32_t m = ntohl(((const struct sockaddr_in *)mask)->sin_addr.s_addr);

	return __builtin_popcount(m);
}

/*
 * The namespace as text: "link NAME up|down MAC", "inet NAME A/N", then
 * /proc/self/net/if_inet6, route and ipv6_route (all of the caller's
 * network namespace).
 */
static int snap_fn(void *data)
{
	struct ifaddrs *ifs = NULL;

	shared[0] = '\0';
	if (getifaddrs(&ifs) < 0)
		return errno;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		const char *state = (i->ifa_flags & IFF_UP) ? "up" : "down";
		char a[INET_ADDRSTRLEN];

		if (sa && sa->sa_family == AF_PACKET) {
			const unsigned char *m = ((const struct sockaddr_ll *)sa)->sll_addr;

			put("link %s %s %02x:%02x:%02x:%02x:%02x:%02x\n", i->ifa_name, state, m[0],
			    m[1], m[2], m[3], m[4], m[5]);
		} else if (sa && sa->sa_family == AF_INET) {
			(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a,
					sizeof(a));
			put("inet %s %s/%d\n", i->ifa_name, a, prefix_len(i->ifa_netmask));
		}
	}
	freeifaddrs(ifs);
	put_file("/proc/self/net/if_inet6");
	put_file("/proc/self/net/route");
	put_file("/proc/self/net/ipv6_route");
	return 0;
}

/* A snapshot of netns_fd (through a child that joins it), or of here for -1. */
static char *snapshot(int netns_fd)
{
	_cleanup_error_ vz_error_t err = NULL;

	if (netns_fd < 0)
		assert_int_equal(snap_fn(NULL), 0);
	else
		ok(vz_ns_run(netns_fd, CLONE_NEWNET, snap_fn, NULL, "snapshot", &err), &err);
	return strdup(shared);
}

/* Is there a line in s that contains a and b? */
static bool line_has(const char *s, const char *a, const char *b)
{
	for (const char *l = s; l && *l;) {
		const char *end = strchrnul(l, '\n');
		_cleanup_free_ char *line = strndup(l, (size_t)(end - l));

		if (strstr(line, a) && (!b || strstr(line, b)))
			return true;
		l = *end ? end + 1 : end;
	}
	return false;
}

static void expect(int netns_fd, const char *a, const char *b, bool want)
{
	_cleanup_free_ char *s = snapshot(netns_fd);

	if (line_has(s, a, b) != want)
		fail_msg("%s a line with '%s'%s%s in:\n%s", want ? "no" : "unexpected", a,
			 b ? " and " : "", b ? b : "", s);
}
#define has(fd, a, b) expect(fd, a, b, true)
#define lacks(fd, a, b) expect(fd, a, b, false)

/* An IPv4 address as /proc/net/route prints it (%08X of the network-order word). */
static const char *route_hex(const char *addr)
{
	static char buf[16];
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, addr, &in), 1);
	(void)snprintf(buf, sizeof(buf), "%08X", in.s_addr);
	return buf;
}

#define V6_ANY "00000000000000000000000000000000"

static void test_steps_one_by_one(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int ct = -EBADF;
	char *const addrs[] = {"198.51.100.2", "2001:db8::2", NULL};
	struct vz_net_routed r = {.host_if = "vzT1", .alias = ALIAS, .addrs = addrs};
	struct vz_net_pair p = {.host_ifname = "vzT1", .alias = ALIAS};
	struct vz_net_ct_conf c = {
		.ifname = VZ_NET_CT_IF, .up = true, .routed = true, .add = addrs, .all = addrs};
	char tmp[IFNAMSIZ], gw4[16];

	if (!privileged)
		skip();
	r.netns_fd = ct = new_netns();

	/* 1: both ends here, down, the CT end under a temporary name; both ours. */
	ok(vz_net_pair_add(&p, tmp, &err), &err);
	assert_memory_equal(tmp, "vzt", 3);
	has(-1, "link vzT1 down", NULL);
	has(-1, "link ", tmp);
	fails_with(vz_net_veth_del(tmp, OTHER, &err), &err, EPERM, "is not this CT's");
	fails_with(vz_net_veth_del("vzT1", OTHER, &err), &err, EPERM, "is not this CT's");

	/* 2: the CT end in the CT, under its CT name. */
	ok(vz_net_link_move(tmp, ct, VZ_NET_CT_IF, &err), &err);
	assert_false(vz_net_link_exists(tmp));
	assert_true(vz_net_link_exists("vzT1"));
	has(ct, "link venet0 down", NULL);
	lacks(ct, "link vzt", NULL);

	/* 4: the host end up with the gateways; a route per address. */
	ok(vz_net_host_end_up("vzT1", true, NULL, &err), &err);
	ok(vz_net_host_routes_add(&r, addrs, &err), &err);
	has(-1, "link vzT1 up", NULL);
	has(-1, "inet vzT1 169.254.0.1/32", NULL);
	has(-1, "fe800000000000000000000000000001", "vzT1");
	has(-1, "vzT1\t", route_hex("198.51.100.2"));
	has(-1, "20010db8000000000000000000000002 80", "vzT1");

	/* 3: inside, exactly its addresses (no DAD), lo up, default routes. */
	ok(vz_net_ct_configure(ct, &c, &err), &err);
	has(ct, "link lo up", NULL);
	has(ct, "link venet0 up", NULL);
	has(ct, "inet venet0 198.51.100.2/32", NULL);
	/* if_inet6: prefix 128, global scope, flags permanent | nodad. */
	has(ct, "20010db8000000000000000000000002", " 80 00 82 ");
	(void)snprintf(gw4, sizeof(gw4), "\t%s\t", route_hex(VZ_NET_GW4));
	has(ct, "venet0\t00000000", gw4);
	has(ct, V6_ANY " 00 " V6_ANY " 00 fe800000000000000000000000000001", "venet0");

	/* A change: one address goes, the default route of its family with it. */
	{
		char *const v4[] = {"198.51.100.2", NULL}, *const gone[] = {"2001:db8::2", NULL};
		struct vz_net_ct_conf d = {
			.ifname = VZ_NET_CT_IF, .routed = true, .del = gone, .all = v4};

		ok(vz_net_ct_configure(ct, &d, &err), &err);
		lacks(ct, "20010db8000000000000000000000002", NULL);
		lacks(ct, V6_ANY " 00 " V6_ANY " 00 fe800000000000000000000000000001", NULL);
		has(ct, "venet0\t00000000", gw4);
		vz_net_host_routes_del(&r, gone);
		lacks(-1, "20010db8000000000000000000000002 80", "vzT1");
		has(-1, "vzT1\t", route_hex("198.51.100.2"));
	}

	/* Stop: the host end, and with it the CT end and the routes. */
	ok(vz_net_routed_stop(&r, &err), &err);
	assert_false(vz_net_link_exists("vzT1"));
	lacks(-1, "vzT1", NULL);
	lacks(ct, "venet0", NULL);
	/* Gone already: fine. */
	ok(vz_net_routed_stop(&r, &err), &err);
}

/* The CT does not see the alias that marked its end on the host. */
static int ours_inside(void *data)
{
	_cleanup_error_ vz_error_t err = NULL;

	/* Deletion is refused unless the alias matches: EPERM means it is gone. */
	if (vz_net_veth_del(data, ALIAS, &err) == 0)
		return EEXIST;
	return err->errnum == EPERM ? 0 : err->errnum;
}

static void test_veth(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int ct = -EBADF;
	struct vz_net_veth v = {
		.ifname = "eth0",
		.mac = "02:00:00:00:00:11",
		.host_ifname = "vzT7",
		.host_mac = "02:00:00:00:00:12",
		.alias = ALIAS,
	};

	if (!privileged)
		skip();
	v.netns_fd = ct = new_netns();
	ok(vz_net_veth_add(&v, &err), &err);
	has(-1, "link vzT7 up 02:00:00:00:00:12", NULL);
	has(ct, "link eth0 up 02:00:00:00:00:11", NULL);
	has(ct, "link lo up", NULL);
	lacks(-1, "link vzt", NULL);
	ok(vz_ns_run(ct, CLONE_NEWNET, ours_inside, "eth0", "alias inside", &err), &err);

	/* A second eth0 cannot move in: nothing of it stays, here or there. */
	v.host_ifname = "vzT8";
	fails_with(vz_net_veth_add(&v, &err), &err, EEXIST, "into the CT as eth0");
	assert_false(vz_net_link_exists("vzT8"));
	lacks(-1, "link vzt", NULL);
	lacks(ct, "link vzt", NULL);

	ok(vz_net_veth_del("vzT7", ALIAS, &err), &err);
	lacks(ct, "eth0", NULL);
	lacks(-1, "vzT7", NULL);
}

static int no_ipv6(void *data)
{
	static const char *const knobs[] = {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
					    "/proc/sys/net/ipv6/conf/default/disable_ipv6"};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		_cleanup_close_ int fd = open(knobs[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "1", 1) != 1)
			return errno;
	}
	return 0;
}

/* Nothing of host_if is left here, nor a temporary end, nor routes to addr. */
static void nothing_left(int ct, const char *host_if, const char *addr)
{
	assert_false(vz_net_link_exists(host_if));
	lacks(-1, "link vzt", NULL);
	lacks(-1, route_hex(addr), NULL);
	lacks(ct, "link vzt", NULL);
}

static void test_failure_half_way(VZ_UNUSED void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int ct = -EBADF, ct2 = -EBADF, ct3 = -EBADF;
	char *const a1[] = {"198.51.100.3", NULL}, *const a2[] = {"198.51.100.4", NULL};
	char *const a3[] = {"198.51.100.5", "169.254.0.1", NULL};
	char *const a4[] = {"198.51.100.6", "2001:db8::6", NULL};
	struct vz_net_routed r = {.host_if = "vzT2", .alias = ALIAS, .addrs = a1};
	struct vz_net_pair other = {.host_ifname = "vzT6", .alias = OTHER};
	char tmp[IFNAMSIZ];

	if (!privileged)
		skip();
	r.netns_fd = ct = new_netns();
	ok(vz_net_routed_start(&r, &err), &err);
	has(ct, "inet venet0 198.51.100.3/32", NULL);

	/* Step 1: a host end of that name that is not ours is refused, and kept. */
	ok(vz_net_pair_add(&other, tmp, &err), &err);
	r = (struct vz_net_routed){.netns_fd = ct, .host_if = "vzT6", .alias = ALIAS, .addrs = a2};
	fails_with(vz_net_routed_start(&r, &err), &err, EEXIST, "vzT6 exists and is not this CT's");
	has(-1, "link ", tmp);
	ok(vz_net_veth_del("vzT6", OTHER, &err), &err);
	nothing_left(ct, "vzT6", "198.51.100.4");

	/* Step 2: the CT has a venet0 already. */
	r = (struct vz_net_routed){.netns_fd = ct, .host_if = "vzT3", .alias = ALIAS, .addrs = a2};
	fails_with(vz_net_routed_start(&r, &err), &err, EEXIST, "into the CT as venet0");
	nothing_left(ct, "vzT3", "198.51.100.4");
	has(ct, "inet venet0 198.51.100.3/32", NULL);

	/* Step 4: an address a host interface has (vzT2's gateway), after the first route. */
	r = (struct vz_net_routed){.host_if = "vzT4", .alias = ALIAS, .addrs = a3};
	r.netns_fd = ct2 = new_netns();
	fails_with(vz_net_routed_start(&r, &err), &err, 0,
		   "address 169.254.0.1 belongs to host interface");
	nothing_left(ct2, "vzT4", "198.51.100.5");
	lacks(ct2, "venet0", NULL);

	/* Step 3: the CT refuses IPv6, after its IPv4 address was added. */
	r = (struct vz_net_routed){.host_if = "vzT5", .alias = ALIAS, .addrs = a4};
	r.netns_fd = ct3 = new_netns();
	ok(vz_ns_run(ct3, CLONE_NEWNET, no_ipv6, NULL, "disable IPv6", &err), &err);
	fails_with(vz_net_routed_start(&r, &err), &err, EACCES, "configure the CT's venet0");
	nothing_left(ct3, "vzT5", "198.51.100.6");
	lacks(ct3, "venet0", NULL);
	lacks(-1, "20010db8000000000000000000000006", NULL);

	/* No namespace and nowhere to stage the CT end: refused, nothing made. */
	r = (struct vz_net_routed){.netns_fd = -1, .host_if = "vzT5", .alias = ALIAS, .addrs = a4};
	fails_with(vz_net_routed_start(&r, &err), &err, EINVAL, "venet0: no network namespace");
	nothing_left(ct3, "vzT5", "198.51.100.6");

	/* Staged for CRIU: the host side made, the CT end left here under its temporary name. */
	r.staged_ct_end = tmp;
	ok(vz_net_routed_start(&r, &err), &err);
	has(-1, "link ", tmp);
	ok(vz_net_routed_stop(&r, &err), &err);
	nothing_left(ct3, "vzT5", "198.51.100.6");
	lacks(-1, "link ", tmp);

	/* The first CT kept all it had. */
	has(ct, "inet venet0 198.51.100.3/32", NULL);
	r = (struct vz_net_routed){.netns_fd = ct, .host_if = "vzT2", .alias = ALIAS, .addrs = a1};
	ok(vz_net_routed_stop(&r, &err), &err);
	nothing_left(ct, "vzT2", "198.51.100.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_one_by_one),
		cmocka_unit_test(test_veth),
		cmocka_unit_test(test_failure_half_way),
	};

	shared = mmap(NULL, SNAP_MAX, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return EXIT_FAILURE;
	shared[0] = '\0';
	/* This process's own namespace is the "host": the real one is never touched. */
	privileged = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
