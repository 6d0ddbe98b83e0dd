/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files vz keeps in sync inside a CT: /etc/hostname, /etc/resolv.conf,
 * its own line of /etc/hosts, and the routed interface in the network
 * configuration of the CT's distribution (lib/ct/netfiles.c). Trust model: the CT's tree is not
 * trusted; every path is resolved inside its root (lib/ct/ctfile.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ct/ctfile.h"
#include "ct/distro.h"
#include "ct/internal.h"
#include "net/net.h"
#include "sandbox/mount.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* resolv.conf from NAMESERVER and SEARCHDOMAIN, or NULL when neither is set. */
static char *resolv_conf(const struct vz_config *cfg)
{
	const char *ns = vz_config_get(cfg, "NAMESERVER"),
		   *search = vz_config_get(cfg, "SEARCHDOMAIN");
	_cleanup_strv_ char **servers = strv_split(ns, " ");
	char *text;

	if (!(ns && *ns) && !(search && *search))
		return NULL;
	text = xasprintf("# written by vz from NAMESERVER and SEARCHDOMAIN\n");
	if (search && *search) {
		char *t = xasprintf("%ssearch %s\n", text, search);
		free(text);
		text = t;
	}
	for (char **a = servers; *a; a++) {
		char *t = xasprintf("%snameserver %s\n", text, *a);
		free(text);
		text = t;
	}
	return text;
}

/* The first IPv4 address of list, without its prefix length. */
static char *first_ipv4(const char *list)
{
	_cleanup_strv_ char **v = strv_split(list, " \t");

	for (char **a = v; *a; a++)
		if (!strchr(*a, ':'))
			return xstrndup(*a, strcspn(*a, "/"));
	return NULL;
}

static int write_hosts(int rootfd, const char *ips, const struct vz_config *cfg, uid_t owner,
		       vz_error_t *err)
{
	_cleanup_free_ char *old = NULL, *ip = first_ipv4(ips), *text = NULL;
	int r = vz_ctfile_read(rootfd, "etc/hosts", 1024 * 1024, &old);

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "read '/etc/hosts' in the CT");
	text = vz_hosts_update(old, vz_config_get(cfg, "HOSTNAME"), ip);
	return vz_ctfile_write(rootfd, "etc/hosts", text, owner, err);
}

/* Does path exist inside the CT (symlinks followed inside its root)? */
static bool has(int rootfd, const char *path)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, path, O_PATH);

	return fd >= 0;
}

/* The CT's distribution: os-release, else the release files older ones had. */
static void detect_distro(int rootfd, struct vz_distro *d)
{
	static const struct {
		const char *file;
		enum vz_distro_family family;
	} legacy[] = {
		{"etc/alpine-release", VZ_DISTRO_ALPINE},
		{"etc/redhat-release", VZ_DISTRO_REDHAT},
		{"etc/debian_version", VZ_DISTRO_DEBIAN},
	};
	_cleanup_free_ char *text = NULL;

	if (vz_ctfile_read(rootfd, "etc/os-release", 64 * 1024, &text) < 0 || !text)
		(void)vz_ctfile_read(rootfd, "usr/lib/os-release", 64 * 1024, &text);
	vz_distro_parse(text, d);
	for (size_t i = 0; !text && i < ARRAY_SIZE(legacy); i++)
		if (has(rootfd, legacy[i].file)) {
			d->family = legacy[i].family;
			break;
		}
}

/*
 * Make path hold content (NULL: not exist), owned by CT root with mode;
 * a file that already says so is left alone, so its service sees no change.
 */
static int sync_file(int rootfd, const char *path, const char *content, uid_t owner, mode_t mode,
		     vz_error_t *err)
{
	struct vz_ctfile_attr a = {.uid = owner, .gid = owner, .mode = mode};
	_cleanup_free_ char *old = NULL;
	struct stat st;

	if (!content)
		return vz_ctfile_remove(rootfd, path, err);
	if (vz_ctfile_read(rootfd, path, 1024 * 1024, &old) == 0 && old && streq(old, content) &&
	    vz_ctfile_stat(rootfd, path, &st) == 0 && (st.st_mode & 07777) == mode &&
	    st.st_uid == owner)
		return 0;
	return vz_ctfile_write_as(rootfd, path, content, &a, err);
}

/* Is path's directory there, i.e. does the CT use that configuration system? */
static bool has_dir_of(int rootfd, const char *path)
{
	_cleanup_free_ char *dir = xstrndup(path, strrchr(path, '/') - path);

	return has(rootfd, dir);
}

static int write_ifupdown(int rootfd, const struct vz_netcfg *n, uid_t owner, vz_error_t *err)
{
	_cleanup_free_ char *old = NULL, *text = NULL;
	int r = vz_ctfile_read(rootfd, "etc/network/interfaces", 1024 * 1024, &old);

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r,
				     "read '/etc/network/interfaces' in the CT");
	if (!old && !n->v4[0] && !n->v6[0])
		return 0;
	text = vz_netcfg_ifupdown(old, n);
	return sync_file(rootfd, "etc/network/interfaces", text, owner, 0644, err);
}

/* A whole file of vz's (NULL text: the CT has no address, so no file). */
static int write_own(int rootfd, const char *path, char *text, bool any, uid_t owner, mode_t mode,
		     vz_error_t *err)
{
	_cleanup_free_ char *t = text;

	if (!has_dir_of(rootfd, path))
		return 0;
	return sync_file(rootfd, path, any ? t : NULL, owner, mode, err);
}

#define NETWORKD_FILE "etc/systemd/network/10-vz-" VZ_NET_CT_IF ".network"
#define NM_FILE "etc/NetworkManager/system-connections/vz-" VZ_NET_CT_IF ".nmconnection"
#define IFCFG_DIR "etc/sysconfig/network-scripts/"

static int write_networkd(int rootfd, const struct vz_netcfg *n, bool any, uid_t owner,
			  vz_error_t *err)
{
	if (!has(rootfd, "lib/systemd/systemd-networkd") &&
	    !has(rootfd, "usr/lib/systemd/systemd-networkd"))
		return 0;
	return write_own(rootfd, NETWORKD_FILE, vz_netcfg_networkd(n), any, owner, 0644, err);
}

static int write_redhat(int rootfd, const struct vz_netcfg *n, bool any, uid_t owner,
			vz_error_t *err)
{
	/* NetworkManager reads keyfiles always: with it, ifcfg would be a second profile. */
	if (has(rootfd, "usr/sbin/NetworkManager") || has(rootfd, "sbin/NetworkManager"))
		/* NetworkManager ignores a keyfile anyone but root can read. */
		return write_own(rootfd, NM_FILE, vz_netcfg_nm_keyfile(n), any, owner, 0600, err);
	if (write_own(rootfd, IFCFG_DIR "ifcfg-" VZ_NET_CT_IF, vz_netcfg_ifcfg(n), any, owner, 0644,
		      err) < 0 ||
	    write_own(rootfd, IFCFG_DIR "route-" VZ_NET_CT_IF, vz_netcfg_ifcfg_route(n),
		      any && n->v4[0], owner, 0644, err) < 0)
		return -1;
	return write_own(rootfd, IFCFG_DIR "route6-" VZ_NET_CT_IF, vz_netcfg_ifcfg_route6(n),
			 any && n->v6[0], owner, 0644, err);
}

/* The addresses of list (IP_ADDRESS words) of one family, without their prefix. */
static char **addrs_of(const char *list, bool v6)
{
	_cleanup_strv_ char **words = strv_split(list, " \t");
	char **out = xzalloc(sizeof(char *));

	for (char **a = words; *a; a++)
		if (!!strchr(*a, ':') == v6)
			out = strv_push(out, xstrndup(*a, strcspn(*a, "/")));
	return out;
}

/* The routed interface in the CT's own network configuration. */
static int write_netcfg(struct vz_ct *ct, int rootfd, const char *ips, const struct vz_config *cfg,
			uid_t owner, vz_error_t *err)
{
	_cleanup_strv_ char **v4 = addrs_of(ips, false), **v6 = addrs_of(ips, true),
			    **dns = strv_split(vz_config_get(cfg, "NAMESERVER"), " ");
	struct vz_netcfg n = {VZ_NET_CT_IF, v4, v6, dns, vz_config_get(cfg, "SEARCHDOMAIN")};
	bool any = v4[0] || v6[0];
	struct vz_distro d;

	detect_distro(rootfd, &d);
	switch (d.family) {
	case VZ_DISTRO_DEBIAN:
		if ((has(rootfd, "etc/network/interfaces") || has(rootfd, "sbin/ifup")) &&
		    write_ifupdown(rootfd, &n, owner, err) < 0)
			return -1;
		return write_networkd(rootfd, &n, any, owner, err);
	case VZ_DISTRO_ALPINE:
		return write_ifupdown(rootfd, &n, owner, err);
	case VZ_DISTRO_REDHAT:
		if (write_redhat(rootfd, &n, any, owner, err) < 0)
			return -1;
		return write_networkd(rootfd, &n, any, owner, err);
	case VZ_DISTRO_BUSYBOX:
		return 0;
	case VZ_DISTRO_UNKNOWN:
		break;
	}
	if (any)
		vz_warn(ct->ctx,
			"CT %s: distribution '%s' is not one vz knows (Debian, Ubuntu, Fedora, "
			"RHEL "
			"family, Alpine): its addresses are set, but not written into its network "
			"configuration, whose service may remove them",
			ct->id, d.id[0] ? d.id : "without /etc/os-release");
	return 0;
}

int ct_write_files(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	_cleanup_free_ char *line = NULL, *resolv = NULL;
	_cleanup_close_ int rootfd = -EBADF;
	const char *hostname = vz_config_get(cfg, "HOSTNAME");
	/* The CT's addresses now: what it has if running, else what cfg gives it. */
	const char *ips = ct->running ? vz_ct_ips(ct) : vz_config_get(cfg, "IP_ADDRESS");
	uint32_t base, size;

	if (ct_uid_range(ct, &base, &size, NULL) < 0)
		return 0;
	rootfd = open(ct->path.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vz_error_make(err, VZ_E_NOT_MOUNTED, errno, "open '%s'", ct->path.root);
	resolv = resolv_conf(cfg);
	if (hostname) {
		line = xasprintf("%s\n", hostname);
		if (vz_ctfile_write(rootfd, "etc/hostname", line, base, err) < 0)
			return -1;
	}
	if (resolv && vz_ctfile_write(rootfd, "etc/resolv.conf", resolv, base, err) < 0)
		return -1;
	if (hostname && write_hosts(rootfd, ips, cfg, base, err) < 0)
		return -1;
	return write_netcfg(ct, rootfd, ips, cfg, base, err);
}
