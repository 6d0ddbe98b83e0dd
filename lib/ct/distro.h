/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vz knows about the distribution inside a CT: its family, read from
 * os-release, and the text of each network configuration system's file
 * for the CT's routed interface (venet0). Pure text in, text out: the
 * files are read and written by lib/ct/files.c through lib/ct/ctfile.c.
 */
#ifndef VZ_DISTRO_H
#define VZ_DISTRO_H

#include <stdbool.h>

enum vz_distro_family {
	VZ_DISTRO_UNKNOWN,
	VZ_DISTRO_DEBIAN, /* Debian, Ubuntu, Devuan...: ifupdown, systemd-networkd */
	VZ_DISTRO_REDHAT, /* Fedora, RHEL, CentOS, AlmaLinux, Rocky: NetworkManager, ifcfg */
	VZ_DISTRO_ALPINE, /* Alpine: /etc/network/interfaces (ifupdown-ng, busybox) */
	VZ_DISTRO_BUSYBOX /* vz's own busybox template: nothing beyond the generic files */
};

struct vz_distro {
	enum vz_distro_family family;
	char id[32];	  /* os-release ID ("" when unknown) */
	char version[32]; /* os-release VERSION_ID */
};

/*
 * The distribution os-release text describes: its ID, else the first of
 * its ID_LIKE words that names a family. Values may be quoted as the
 * os-release format allows; anything malformed is ignored, never fatal.
 */
void vz_distro_parse(const char *os_release, struct vz_distro *ret);
/* "debian", "redhat", "alpine", "busybox" or "unknown". */
const char *vz_distro_family_name(enum vz_distro_family f);

/* The CT's routed interface as its network configuration describes it. */
struct vz_netcfg {
	const char *ifname; /* venet0 */
	char *const *v4;    /* addresses without prefix, NULL-terminated */
	char *const *v6;
	char *const *dns;   /* NAMESERVER words, may be empty */
	const char *search; /* SEARCHDOMAIN, may be NULL */
};

/*
 * /etc/network/interfaces (ifupdown, ifupdown-ng, busybox): old's text
 * without any stanza of n->ifname (or its aliases ifname:N) and without
 * vz's block, then vz's block for n (none when n has no address).
 */
char *vz_netcfg_ifupdown(const char *old, const struct vz_netcfg *n);
/* A systemd-networkd .network file for n. */
char *vz_netcfg_networkd(const struct vz_netcfg *n);
/* A NetworkManager keyfile (.nmconnection) for n. */
char *vz_netcfg_nm_keyfile(const struct vz_netcfg *n);
/* network-scripts: ifcfg-IF, route-IF and route6-IF (the last NULL without IPv6). */
char *vz_netcfg_ifcfg(const struct vz_netcfg *n);
char *vz_netcfg_ifcfg_route(const struct vz_netcfg *n);
char *vz_netcfg_ifcfg_route6(const struct vz_netcfg *n);

#endif
