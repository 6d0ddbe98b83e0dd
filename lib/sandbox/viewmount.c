/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: the view's directory is the daemon's, outside every CT;
 * the files made here are made in a /dev that vz mounted for the CT (at a
 * start by mount.c, at a restore on the host), never by a path in the
 * CT's own tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sandbox/viewmount.h"
#include "util/fs.h"
#include "util/xalloc.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/*
 * OpenVZ's /proc/user_beancounters cannot exist on a stock kernel: procfs
 * has no such name to bind on, and refuses to be stacked under overlayfs
 * (see doc/architecture.md, The /proc view). Its text is at /dev/vz/.
 */
static const struct vz_view_file files[] = {
	{"meminfo", "proc/meminfo", "vzview-meminfo", "/proc/meminfo"},
	{"swaps", "proc/swaps", "vzview-swaps", "/proc/swaps"},
	{"cpuinfo", "proc/cpuinfo", "vzview-cpuinfo", "/proc/cpuinfo"},
	{"stat", "proc/stat", "vzview-stat", "/proc/stat"},
	{"uptime", "proc/uptime", "vzview-uptime", "/proc/uptime"},
	{"loadavg", "proc/loadavg", "vzview-loadavg", "/proc/loadavg"},
	{"diskstats", "proc/diskstats", "vzview-diskstats", "/proc/diskstats"},
	{"cpu_online", "sys/devices/system/cpu/online", "vzview-cpu-online",
	 "/sys/devices/system/cpu/online"},
	{"user_beancounters", "dev/vz/user_beancounters", "vzview-ubc", "/dev/null"},
	{},
};

const struct vz_view_file *vz_view_files(void)
{
	return files;
}

char *vz_view_dir(const char *rundir)
{
	return xasprintf("%s/view", rundir);
}

char *vz_view_dir_live(const char *rundir)
{
	_cleanup_free_ char *dir = vz_view_dir(rundir);
	_cleanup_free_ char *probe = xasprintf("%s/%s", dir, files[0].name);
	struct statfs sf;
	struct stat st;

	/* A dead connection answers ENOTCONN; an unmounted dir is not FUSE. */
	if (statfs(dir, &sf) < 0 || sf.f_type != FUSE_SUPER_MAGIC || stat(probe, &st) < 0)
		return NULL;
	return steal_ptr(dir);
}

int vz_view_make_dev_targets(int dev, uid_t owner)
{
	_cleanup_close_ int fd = -EBADF;

	if (mkdirat(dev, "vz", 0755) < 0 && errno != EEXIST)
		return -errno;
	(void)!fchownat(dev, "vz", owner, owner, AT_SYMLINK_NOFOLLOW);
	fd = openat(dev, "vz/user_beancounters", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	(void)!fchown(fd, owner, owner);
	return 0;
}

int vz_view_prepare_dev(const char *dev, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int fd = open(dev, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = fd < 0 ? -errno : vz_view_make_dev_targets(fd, owner);

	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "make the /proc view's files in '%s'",
				     dev);
	return 0;
}
