/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which view of the cgroups a CT gets at /sys/fs/cgroup on a v1 or hybrid
 * host (CGROUP_VIEW, see doc/architecture.md "Resources"). Trust model:
 * called in vzd's worker at start, before any CT process exists; the CT's
 * files are read through openat2 RESOLVE_IN_ROOT and are only a hint: a
 * CT that lies about its systemd gets the view it asked for, no more.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/internal.h"
#include "sandbox/mount.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* The first systemd that refuses to boot on cgroup v1 or hybrid hierarchies. */
#define SYSTEMD_NO_V1 256

#define SHARED_PREFIX "libsystemd-shared-"

/* The version in a "libsystemd-shared-252.so" or "-256.5-1.fc41.so" in dir, or 0. */
static unsigned version_in(int rootfd, const char *dir)
{
	int fd = vz_open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY);
	_cleanup_closedir_ DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	unsigned best = 0;

	if (fd >= 0 && !d)
		(void)close(fd);
	while (d && (de = readdir(d))) {
		const char *v = de->d_name + strlen(SHARED_PREFIX);
		unsigned long n;
		char *end;

		if (strncmp(de->d_name, SHARED_PREFIX, strlen(SHARED_PREFIX)) != 0 ||
		    !(*v >= '0' && *v <= '9'))
			continue;
		n = strtoul(v, &end, 10);
		if ((*end == '.' || *end == '-') && n < 100000 && n > best)
			best = (unsigned)n;
	}
	return best;
}

/*
 * systemd's version in the CT, from the name of its shared library, where
 * distributions put it: usr/lib/systemd (Arch), usr/lib64/systemd
 * (Fedora), usr/lib/<multiarch triplet>/systemd (Debian, Ubuntu). 0: none.
 */
static unsigned systemd_version(int rootfd)
{
	int fd = vz_open_in_root(rootfd, "usr/lib", O_RDONLY | O_DIRECTORY);
	_cleanup_closedir_ DIR *d = fd < 0 ? NULL : fdopendir(fd);
	unsigned v = version_in(rootfd, "usr/lib/systemd");
	unsigned w = version_in(rootfd, "usr/lib64/systemd");
	struct dirent *de;

	if (fd >= 0 && !d)
		(void)close(fd);
	v = w > v ? w : v;
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL;

		if (!strstr(de->d_name, "-linux-"))
			continue;
		dir = xasprintf("usr/lib/%s/systemd", de->d_name);
		w = version_in(rootfd, dir);
		v = w > v ? w : v;
	}
	return v;
}

bool ct_cgroup_hybrid(struct vz_ct *ct, struct vz_cgroup *cg)
{
	const char *view = vz_config_get(ct->cfg, "CGROUP_VIEW");
	_cleanup_close_ int rootfd = -EBADF;

	if (vz_cgroup_mode(cg) == VZ_CGROUP_UNIFIED)
		return false;
	if (!view)
		view = ct->ctx->def_cgroup_view;
	if (view && !streq(view, "auto"))
		return streq(view, "hybrid");
	rootfd = open(ct->path.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 || systemd_version(rootfd) < SYSTEMD_NO_V1;
}
