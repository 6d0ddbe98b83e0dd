/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Telling the LAN where a CT's addresses are now: a gratuitous ARP reply
 * (IPv4) and an unsolicited neighbour advertisement with the override flag
 * (IPv6) for each address, from each uplink that answers for it. Peers
 * that cached another host's MAC for the address (the one the CT ran on
 * before a migration) switch at once instead of after their cache expires.
 *
 * Trust model: runs as root on the host; addresses come from the CT's
 * state, which vz wrote.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "util/macros.h"

static int dev_mac(int fd, const char *dev, unsigned char mac[ETH_ALEN])
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return 0;
}

static int garp(const char *dev, struct in_addr ip)
{
	_cleanup_close_ int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_halen = ETH_ALEN};
	struct ether_arp a = {0};

	if (fd < 0)
		return -errno;
	to.sll_ifindex = (int)if_nametoindex(dev);
	if (!to.sll_ifindex || dev_mac(fd, dev, a.arp_sha) < 0)
		return -ENODEV;
	memset(to.sll_addr, 0xff, ETH_ALEN);
	a.arp_hrd = htons(ARPHRD_ETHER);
	a.arp_pro = htons(ETHERTYPE_IP);
	a.arp_hln = ETH_ALEN;
	a.arp_pln = 4;
	a.arp_op = htons(ARPOP_REPLY);
	memcpy(a.arp_spa, &ip, 4);
	memcpy(a.arp_tpa, &ip, 4);
	memset(a.arp_tha, 0xff, ETH_ALEN);
	if (sendto(fd, &a, sizeof(a), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* An unsolicited, overriding neighbour advertisement of ip to all nodes. */
static int unsolicited_na(const char *dev, const struct in6_addr *ip)
{
	_cleanup_close_ int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	struct sockaddr_in6 to = {.sin6_family = AF_INET6};
	struct {
		struct nd_neighbor_advert na;
		struct nd_opt_hdr opt;
		unsigned char mac[ETH_ALEN];
	} __attribute__((packed)) p = {0};
	int hops = 255;

	if (fd < 0)
		return -errno;
	to.sin6_scope_id = if_nametoindex(dev);
	if (!to.sin6_scope_id || dev_mac(fd, dev, p.mac) < 0)
		return -ENODEV;
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	p.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	p.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	p.na.nd_na_target = *ip;
	p.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	p.opt.nd_opt_len = 1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0)
		return -errno;
	if (sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int vz_net_announce(char *const *devs, char *const *addrs)
{
	int first = 0;

	for (char *const *a = addrs; a && *a; a++) {
		char host[INET6_ADDRSTRLEN];
		struct in_addr v4;
		struct in6_addr v6;

		snprintf(host, sizeof(host), "%.*s", (int)strcspn(*a, "/"), *a);
		for (char *const *d = devs; d && *d; d++) {
			int r = 0;

			if (inet_pton(AF_INET, host, &v4) == 1)
				r = garp(*d, v4);
			else if (inet_pton(AF_INET6, host, &v6) == 1)
				r = unsolicited_na(*d, &v6);
			if (r < 0 && !first)
				first = r;
		}
	}
	return first;
}
