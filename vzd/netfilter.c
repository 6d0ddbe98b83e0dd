/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Anti-spoofing for CTs, with nftables through libnftables (GPL-2, hence
 * here in vzd and not in lib, which calls it through ctx->net_filter).
 *
 * One table per daemon, "netdev vz_<root tag>", and in it one base chain
 * per CT on the ingress hook of the CT's host interface: whatever the CT
 * sends passes only with a source address it was given. IPv4, IPv6 and
 * the sender address of ARP are checked; other protocols are dropped. The
 * link-local sources neighbour discovery uses (::, fe80::/10) and the ARP
 * probe's 0.0.0.0 pass. `nft list table netdev vz_<tag>` shows it all.
 *
 * Whatever its addresses, and on a bridged interface without allowed
 * addresses too, a CT may not act as a router or a DHCP server towards
 * the host and its neighbours: IPv6 router advertisements, redirects,
 * router renumbering and multicast router advertisements, MLD and IGMP
 * queries (the querier election of a bridge), IPv4 redirects and router
 * advertisements, and DHCP and DHCPv6 replies (from server port 67 or 547)
 * are dropped first. nftables finds the ICMPv6 header past any extension
 * headers; Linux itself drops fragmented neighbour discovery (RFC 6980).
 */
#define _GNU_SOURCE
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "vzd.h"

static const char *table(struct vz_ctx *ctx)
{
	static char name[32];

	(void)snprintf(name, sizeof(name), "vz_%016llx", (unsigned long long)vz_ctx_tag(ctx));
	return name;
}

/* Run nft commands; on failure err names what and nft's first error line. */
static int run(const char *cmds, const char *what, char **ret_out, vz_error_t *err)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	int r;

	if (!n)
		return vz_error_make(err, VZ_E_SYSTEM, 0, "%s: cannot use nftables", what);
	(void)nft_ctx_buffer_error(n);
	(void)nft_ctx_buffer_output(n);
	r = nft_run_cmd_from_buffer(n, cmds);
	if (r != 0 && err) {
		const char *e = nft_ctx_get_error_buffer(n);
		size_t len = e ? strcspn(e, "\n") : 0;

		vz_error_make(err, VZ_E_SYSTEM, 0, "%s: nftables: %.*s", what, (int)len,
			      len ? e : "failed");
	}
	if (r == 0 && ret_out)
		*ret_out = xstrdup(nft_ctx_get_output_buffer(n) ?: "");
	nft_ctx_free(n);
	return r == 0 ? 0 : -1;
}

/* The host part of an IP_ADDRESS word ("2001:db8::2/64" -> "2001:db8::2"). */
static void append_set(char **buf, size_t *len, char *const *addrs, bool v6, const char *first)
{
	FILE *f;
	bool any = first != NULL;

	f = open_memstream(buf, len);
	fprintf(f, "{ %s", first ? first : "");
	for (char *const *a = addrs; a && *a; a++) {
		size_t n = strcspn(*a, "/");

		if ((memchr(*a, ':', n) != NULL) != v6)
			continue;
		fprintf(f, "%s%.*s", any ? ", " : "", (int)n, *a);
		any = true;
	}
	fprintf(f, " }");
	fclose(f);
}

static bool has_family(char *const *addrs, bool v6)
{
	for (char *const *a = addrs; a && *a; a++)
		if ((memchr(*a, ':', strcspn(*a, "/")) != NULL) == v6)
			return true;
	return false;
}

/* The rules against router-like traffic (see the top), for chain ct<ctid>. */
static char *router_rules(const char *t, const char *ctid)
{
	return xasprintf(
		"add rule netdev %1$s ct%2$s meta protocol ip6 icmpv6 type { nd-router-advert, "
		"nd-redirect, router-renumbering, mld-listener-query, 151 } drop\n"
		"add rule netdev %1$s ct%2$s meta protocol ip icmp type { redirect, "
		"router-advertisement } drop\n"
		"add rule netdev %1$s ct%2$s meta protocol ip igmp type membership-query drop\n"
		"add rule netdev %1$s ct%2$s meta protocol ip udp sport 67 drop\n"
		"add rule netdev %1$s ct%2$s meta protocol ip6 udp sport 547 drop\n",
		t, ctid);
}

/* The anti-spoofing rules: only addrs (and the link-local ones) as sources, mac if given. */
static char *spoof_rules(const char *t, const char *ctid, char *const *addrs, const char *mac)
{
	_cleanup_free_ char *v4 = NULL, *arp = NULL, *v6 = NULL, *ip = NULL;
	/* Bridged interfaces: only the CT's own MAC, too. */
	_cleanup_free_ char *ether =
		mac ? xasprintf("add rule netdev %s ct%s ether saddr != %s drop\n", t, ctid, mac)
		    : xstrdup("");
	size_t l4, la, l6;

	append_set(&v4, &l4, addrs, false, NULL);
	/* Without an IPv4 address the CT sends no IPv4 at all. */
	ip = has_family(addrs, false) ? xasprintf("ip saddr != %s", v4) : xstrdup("");
	append_set(&arp, &la, addrs, false, "0.0.0.0");
	append_set(&v6, &l6, addrs, true, "::, fe80::/10");
	return xasprintf("%3$s"
			 "add rule netdev %1$s ct%2$s meta protocol != { ip, ip6, arp } drop\n"
			 "add rule netdev %1$s ct%2$s meta protocol ip %4$s drop\n"
			 "add rule netdev %1$s ct%2$s meta protocol arp arp saddr ip != %5$s drop\n"
			 "add rule netdev %1$s ct%2$s meta protocol ip6 ip6 saddr != %6$s drop\n",
			 t, ctid, ether, ip, arp, v6);
}

static int allow(void *data, const char *ctid, const char *host_if, char *const *addrs,
		 const char *mac, vz_error_t *err)
{
	struct vz_ctx *ctx = data;
	const char *t = table(ctx);
	_cleanup_free_ char *router = router_rules(t, ctid), *cmds = NULL;
	_cleanup_free_ char *spoof = addrs ? spoof_rules(t, ctid, addrs, mac) : xstrdup("");

	cmds = xasprintf("add table netdev %1$s\n"
			 "add chain netdev %1$s ct%2$s { type filter hook ingress device "
			 "\"%3$s\" priority -500; policy accept; }\n"
			 "flush chain netdev %1$s ct%2$s\n"
			 "%4$s%5$s",
			 t, ctid, host_if, router, spoof);
	return run(cmds, "anti-spoofing filter", NULL, err);
}

static int remove_filter(void *data, const char *ctid, vz_error_t *err)
{
	struct vz_ctx *ctx = data;
	const char *t = table(ctx);
	_cleanup_free_ char *list = xasprintf("list chain netdev %s ct%s\n", t, ctid);
	_cleanup_free_ char *del = xasprintf("delete chain netdev %s ct%s\n", t, ctid);
	_cleanup_free_ char *tab = xasprintf("list table netdev %s\n", t), *out = NULL;

	/* nft 1.0 has no "destroy": look before deleting. */
	if (run(list, "anti-spoofing filter", NULL, NULL) < 0)
		return 0;
	if (run(del, "remove anti-spoofing filter", NULL, err) < 0)
		return -1;
	/* The last CT's chain gone: the table goes too. */
	if (run(tab, "list", &out, NULL) == 0 && !strstr(out, "chain ")) {
		_cleanup_free_ char *drop = xasprintf("delete table netdev %s\n", t);
		(void)run(drop, "remove anti-spoofing table", NULL, NULL);
	}
	return 0;
}

/* ---- the network lock of a checkpoint ---- */

/* The lock's chains: routed and local traffic (inet), bridged (bridge). */
static const struct {
	const char *family, *hook, *suffix;
} lock_chains[] = {
	{"inet", "output", "o"},
	{"inet", "forward", "f"},
	{"bridge", "forward", "b"},
};

/*
 * The lock's chains go in one batch (they come and go together); the
 * tables stay, empty, for the next checkpoint: listing them to see whether
 * they are empty would cost more nft runs than the lock itself.
 */
static int unlock(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	const char *t = table(ctx);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(lock_chains); i++)
		fprintf(f, "delete chain %s %s lock%s%s\n", lock_chains[i].family, t, ctid,
			lock_chains[i].suffix);
	fclose(f);
	r = run(buf, "remove network lock", NULL, NULL);
	free(buf);
	if (r == 0)
		return 0;
	/* No lock (or half of one): remove what there is, one chain at a time. */
	for (size_t i = 0; i < ARRAY_SIZE(lock_chains); i++) {
		_cleanup_free_ char *list =
			xasprintf("list chain %s %s lock%s%s\n", lock_chains[i].family, t, ctid,
				  lock_chains[i].suffix);
		_cleanup_free_ char *del =
			xasprintf("delete chain %s %s lock%s%s\n", lock_chains[i].family, t, ctid,
				  lock_chains[i].suffix);

		if (run(list, "network lock", NULL, NULL) == 0 &&
		    run(del, "remove network lock", NULL, err) < 0)
			return -1;
	}
	return 0;
}

static int lock(void *data, const char *ctid, char *const *host_ifs, bool on, vz_error_t *err)
{
	struct vz_ctx *ctx = data;
	const char *t = table(ctx);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!on || !host_ifs || !*host_ifs)
		return unlock(ctx, ctid, err);
	f = open_memstream(&buf, &len);
	for (size_t i = 0; i < ARRAY_SIZE(lock_chains); i++) {
		const char *fam = lock_chains[i].family, *sfx = lock_chains[i].suffix;

		fprintf(f, "add table %s %s\n", fam, t);
		fprintf(f, "add chain %s %s lock%s%s { type filter hook %s priority -300; }\n", fam,
			t, ctid, sfx, lock_chains[i].hook);
		fprintf(f, "flush chain %s %s lock%s%s\n", fam, t, ctid, sfx);
		fprintf(f, "add rule %s %s lock%s%s oifname {", fam, t, ctid, sfx);
		for (char *const *p = host_ifs; *p; p++)
			fprintf(f, "%s\"%s\"", p == host_ifs ? " " : ", ", *p);
		fprintf(f, " } drop\n");
	}
	fclose(f);
	r = run(buf, "network lock", NULL, NULL);
	/* Once more, and then with the reason: a transaction can lose a race with another. */
	if (r < 0)
		r = run(buf, "network lock", NULL, err);
	free(buf);
	return r;
}

void vzd_net_filter_init(struct vz_ctx *ctx)
{
	static struct vz_net_filter f = {.allow = allow, .remove = remove_filter, .lock = lock};

	f.data = ctx;
	ctx->net_filter = &f;
}
