/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files vz keeps in sync inside a CT: /etc/hostname, /etc/resolv.conf
 * and its own line of /etc/hosts. Trust model: the CT's tree is not
 * trusted; every path is resolved inside its root (lib/ct/ctfile.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "ct/ctfile.h"
#include "ct/internal.h"
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

int ct_write_files(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	_cleanup_free_ char *line = NULL, *resolv = NULL;
	_cleanup_close_ int rootfd = -EBADF;
	const char *hostname = vz_config_get(cfg, "HOSTNAME");
	uint32_t base, size;

	resolv = resolv_conf(cfg);
	if ((!hostname && !resolv) || ct_uid_range(ct, &base, &size, NULL) < 0)
		return 0;
	rootfd = open(ct->path.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vz_error_make(err, VZ_E_NOT_MOUNTED, errno, "open '%s'", ct->path.root);
	if (hostname) {
		line = xasprintf("%s\n", hostname);
		if (vz_ctfile_write(rootfd, "etc/hostname", line, base, err) < 0)
			return -1;
	}
	if (resolv && vz_ctfile_write(rootfd, "etc/resolv.conf", resolv, base, err) < 0)
		return -1;
	if (!hostname)
		return 0;
	/* The CT's first address now: what it has if running, else what cfg gives it. */
	return write_hosts(rootfd, ct->running ? vz_ct_ips(ct) : vz_config_get(cfg, "IP_ADDRESS"),
			   cfg, base, err);
}
