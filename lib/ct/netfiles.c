/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's routed interface in each distribution's own network
 * configuration, so that the CT's network service brings up what vz
 * configured (and brings it back after an ifdown) instead of flushing it.
 * It says what lib/net configures: the addresses as /32 and /128, and the
 * default routes through the link-local gateways every host end holds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/distro.h"
#include "net/net.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define WRITTEN_BY "written by vz from the CT's IP_ADDRESS, NAMESERVER and SEARCHDOMAIN"
#define BLOCK_BEGIN "# vz: begin"
#define BLOCK_END "# vz: end"

static bool have(char *const *v)
{
	return v && *v;
}

/* ---- /etc/network/interfaces ---- */

static bool is_stanza(const char *w)
{
	static const char *const kw[] = {"iface",  "mapping", "auto", "source", "source-directory",
					 "rename", "template"};

	if (!strncmp(w, "allow-", 6))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
		if (streq(w, kw[i]))
			return true;
	return false;
}

/* Is name the interface or one of its OpenVZ-style aliases (venet0:0)? */
static bool is_ours(const char *name, const char *ifname)
{
	size_t k = strlen(ifname);

	return !strncmp(name, ifname, k) && (name[k] == '\0' || name[k] == ':');
}

/* An auto/allow-* line without our interface's names; NULL when none is left. */
static char *line_without_ours(char **words, const char *ifname)
{
	_cleanup_free_ char *out = xstrdup(words[0]);
	bool any = false;

	for (char **w = words + 1; *w; w++) {
		char *t;

		if (is_ours(*w, ifname))
			continue;
		t = xasprintf("%s %s", out, *w);
		free(out);
		out = t;
		any = true;
	}
	return any ? steal_ptr(out) : NULL;
}

/* old's lines without vz's block and without any stanza of ifname. */
static void copy_foreign(FILE *f, const char *old, const char *ifname)
{
	bool in_block = false, in_ours = false;

	for (const char *l = old ? old : ""; *l;) {
		size_t n = strcspn(l, "\n");
		_cleanup_free_ char *line = xstrndup(l, n);
		_cleanup_strv_ char **w = strv_split(line, " \t");

		l += n + (l[n] == '\n');
		if (!strncmp(line, BLOCK_BEGIN, strlen(BLOCK_BEGIN))) {
			in_block = true;
			continue;
		}
		if (in_block) {
			in_block = strncmp(line, BLOCK_END, strlen(BLOCK_END)) != 0;
			continue;
		}
		if (w[0] && is_stanza(w[0])) {
			in_ours = streq(w[0], "iface") && w[1] && is_ours(w[1], ifname);
			if (streq(w[0], "auto") || !strncmp(w[0], "allow-", 6)) {
				_cleanup_free_ char *kept = line_without_ours(w, ifname);

				if (kept)
					fprintf(f, "%s\n", kept);
				continue;
			}
		}
		if (!in_ours)
			fprintf(f, "%s\n", line);
	}
}

char *vz_netcfg_ifupdown(const char *old, const struct vz_netcfg *n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *i = n->ifname;

	copy_foreign(f, old, i);
	if (!old || !*old)
		fprintf(f, "auto lo\niface lo inet loopback\n");
	if (have(n->v4) || have(n->v6)) {
		/* manual: the addresses are there already; an "add" of one is not an error. */
		fprintf(f, "%s %s, %s\nauto %s\niface %s inet manual\n", BLOCK_BEGIN, i, WRITTEN_BY,
			i, i);
		fprintf(f, "\tup ip link set dev %s up\n", i);
		for (char *const *a = n->v4; a && *a; a++)
			fprintf(f, "\tup ip -4 addr add %s/32 dev %s 2>/dev/null || true\n", *a, i);
		if (have(n->v4))
			fprintf(f,
				"\tup ip -4 route replace %s dev %s scope link\n"
				"\tup ip -4 route replace default via %s dev %s\n",
				VZ_NET_GW4, i, VZ_NET_GW4, i);
		for (char *const *a = n->v6; a && *a; a++)
			fprintf(f, "\tup ip -6 addr add %s/128 dev %s 2>/dev/null || true\n", *a,
				i);
		if (have(n->v6))
			fprintf(f, "\tup ip -6 route replace default via %s dev %s\n", VZ_NET_GW6,
				i);
		fprintf(f, "%s %s\n", BLOCK_END, i);
	}
	fclose(f);
	return out;
}

/* ---- systemd-networkd ---- */

char *vz_netcfg_networkd(const struct vz_netcfg *n)
{
	_cleanup_strv_ char **search = strv_split(n->search, " ");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fprintf(f, "# %s\n[Match]\nName=%s\n\n[Link]\nRequiredForOnline=no\n\n[Network]\n",
		WRITTEN_BY, n->ifname);
	for (char *const *a = n->v4; a && *a; a++)
		fprintf(f, "Address=%s/32\n", *a);
	for (char *const *a = n->v6; a && *a; a++)
		fprintf(f, "Address=%s/128\n", *a);
	for (char *const *a = n->dns; a && *a; a++)
		fprintf(f, "DNS=%s\n", *a);
	if (*search)
		fprintf(f, "Domains=%s\n", n->search);
	/* Routes only through vz's gateways: never from a router advertisement. */
	fprintf(f,
		"IPv6AcceptRA=no\nLinkLocalAddressing=%s\nConfigureWithoutCarrier=yes\n"
		"KeepConfiguration=yes\n",
		have(n->v6) ? "ipv6" : "no");
	if (have(n->v4))
		fprintf(f,
			"\n[Route]\nDestination=%s/32\nScope=link\n\n[Route]\nGateway=%s\n"
			"GatewayOnLink=yes\n",
			VZ_NET_GW4, VZ_NET_GW4);
	if (have(n->v6))
		fprintf(f, "\n[Route]\nGateway=%s\nGatewayOnLink=yes\n", VZ_NET_GW6);
	fclose(f);
	return out;
}

/* ---- NetworkManager ---- */

static char *const *first_of_family(char *const *dns, bool v6)
{
	for (; dns && *dns; dns++)
		if (!!strchr(*dns, ':') == v6)
			return dns;
	return NULL;
}

/* One [ipv4]/[ipv6] section; routes are "DEST[,GW]" with their options. */
static void nm_section(FILE *f, const char *family, char *const *addrs, int prefix,
		       char *const *dns, const char *search, bool v6)
{
	_cleanup_strv_ char **words = strv_split(search, " ");
	unsigned k = 1;

	fprintf(f, "\n[%s]\n", family);
	if (!have(addrs)) {
		fprintf(f, "method=%s\n", v6 ? "ignore" : "disabled");
		return;
	}
	fprintf(f, "method=manual\n");
	for (char *const *a = addrs; *a; a++)
		fprintf(f, "address%u=%s/%d\n", k++, *a, prefix);
	if (v6) {
		fprintf(f, "route1=::/0,%s\nroute1_options=onlink=true\n", VZ_NET_GW6);
	} else {
		fprintf(f, "route1=%s/32\nroute2=0.0.0.0/0,%s\nroute2_options=onlink=true\n",
			VZ_NET_GW4, VZ_NET_GW4);
	}
	for (char *const *d = dns; d && *d; d++)
		/* The servers of this family, on one line: dns=A;B; */
		if (!!strchr(*d, ':') == v6)
			fprintf(f, "%s%s;", d == first_of_family(dns, v6) ? "dns=" : "", *d);
	if (first_of_family(dns, v6))
		fprintf(f, "\n");
	if (*words) {
		fprintf(f, "dns-search=");
		for (char **w = words; *w; w++)
			fprintf(f, "%s;", *w);
		fprintf(f, "\n");
	}
}

char *vz_netcfg_nm_keyfile(const struct vz_netcfg *n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	/* One fixed uuid: the profile is the same one each time vz rewrites it. */
	fprintf(f,
		"# %s\n[connection]\nid=%s\nuuid=5e2d7a31-6f0b-4c55-9d4e-76656e657430\n"
		"type=ethernet\ninterface-name=%s\nautoconnect=true\n\n[ethernet]\n",
		WRITTEN_BY, n->ifname, n->ifname);
	nm_section(f, "ipv4", n->v4, 32, n->dns, n->search, false);
	nm_section(f, "ipv6", n->v6, 128, n->dns, n->search, true);
	fclose(f);
	return out;
}

/* ---- network-scripts (ifcfg) ---- */

char *vz_netcfg_ifcfg(const struct vz_netcfg *n)
{
	_cleanup_strv_ char **search = strv_split(n->search, " ");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	unsigned k = 0;

	fprintf(f, "# %s\nDEVICE=%s\nONBOOT=yes\nBOOTPROTO=none\nNM_CONTROLLED=no\n", WRITTEN_BY,
		n->ifname);
	for (char *const *a = n->v4; a && *a; a++, k++) {
		if (k == 0)
			fprintf(f, "IPADDR=%s\nPREFIX=32\n", *a);
		else
			fprintf(f, "IPADDR%u=%s\nPREFIX%u=32\n", k, *a, k);
	}
	if (have(n->v6)) {
		fprintf(f, "IPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=%s/128\n", n->v6[0]);
		if (n->v6[1]) {
			fprintf(f, "IPV6ADDR_SECONDARIES=\"");
			for (char *const *a = n->v6 + 1; *a; a++)
				fprintf(f, "%s%s/128", a == n->v6 + 1 ? "" : " ", *a);
			fprintf(f, "\"\n");
		}
	}
	k = 1;
	for (char *const *d = n->dns; d && *d; d++)
		fprintf(f, "DNS%u=%s\n", k++, *d);
	if (*search)
		fprintf(f, "DOMAIN=\"%s\"\n", n->search);
	fclose(f);
	return out;
}

char *vz_netcfg_ifcfg_route(const struct vz_netcfg *n)
{
	if (!have(n->v4))
		return NULL;
	return xasprintf("# %s\n%s dev %s scope link\ndefault via %s dev %s\n", WRITTEN_BY,
			 VZ_NET_GW4, n->ifname, VZ_NET_GW4, n->ifname);
}

char *vz_netcfg_ifcfg_route6(const struct vz_netcfg *n)
{
	if (!have(n->v6))
		return NULL;
	return xasprintf("# %s\ndefault via %s dev %s\n", WRITTEN_BY, VZ_NET_GW6, n->ifname);
}
