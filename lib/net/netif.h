/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bridged interfaces (OpenVZ's veth): the NETIF key, one entry per
 * interface, entries separated by ';', fields by ',':
 *   NETIF="ifname=eth0,mac=00:18:51:..,host_ifname=vz..,host_mac=00:18:51:..,bridge=br0,
 *          allow=198.51.100.12|2001:db8::12"
 * and vzctl's --netif_add ifname[,mac,host_ifname,host_mac,bridge].
 */
#ifndef VZ_NETIF_H
#define VZ_NETIF_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define VZ_NETIF_MAX 16

struct vz_netif {
	char ifname[IFNAMSIZ];	    /* inside the CT */
	char mac[18];		    /* of ifname; "" until generated */
	char host_ifname[IFNAMSIZ]; /* the host end */
	char host_mac[18];
	char bridge[IFNAMSIZ]; /* "" for none */
	/*
	 * Anti-spoofing: the addresses the CT may send from on this
	 * interface, '|' between them ("" for no filter); with a filter the
	 * CT may also send only from its own MAC.
	 */
	char allow[512];
};

struct vz_netifs {
	struct vz_netif v[VZ_NETIF_MAX];
	size_t n;
};

/* Parse a NETIF value (empty: no interface). VZ_E_VALUE naming the field. */
int vz_netif_parse(const char *value, struct vz_netifs *ret, vz_error_t *err);
/* The NETIF value of list (heap string). */
char *vz_netif_format(const struct vz_netifs *list);
/* Config validator of NETIF. */
int vz_netif_validate(const char *key, const char *value, vz_error_t *err);

/* "ifname[,mac,host_ifname,host_mac,bridge]" of --netif_add; empty fields are unset. */
int vz_netif_parse_cli(const char *arg, struct vz_netif *ret, vz_error_t *err);

/* Index of ifname in list, or -1. */
int vz_netif_find(const struct vz_netifs *list, const char *ifname);

/* Checks of one field each; 0 or VZ_E_VALUE naming what. */
int vz_netif_check_ifname(const char *what, const char *s, vz_error_t *err);
int vz_netif_check_mac(const char *what, const char *s, vz_error_t *err);

/* A stable locally administered unicast MAC from a seed (OpenVZ's 00:18:51 would be global). */
void vz_netif_make_mac(uint64_t seed, char out[18]);

#endif
