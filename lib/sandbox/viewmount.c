/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: as mount.c. Runs as host root in the CT's mounter before any
 * CT process exists; targets are resolved inside the CT's root with
 * vz_open_in_root and mounted on through /proc/self/fd. The view's
 * directory is the daemon's, outside every CT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sandbox/mount.h"
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

static int make_dev_targets(int dev, uid_t owner)
{
	_cleanup_close_ int fd = -EBADF;

	if (mkdirat(dev, "vz", 0755) < 0 && errno != EEXIST)
		return -errno;
	(void)!fchownat(dev, "vz", owner, owner, AT_SYMLINK_NOFOLLOW);
	fd = openat(dev, "vz/user_beancounters", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0444);
	if (fd < 0)
		return -errno;
	(void)!fchown(fd, owner, owner);
	return 0;
}

int vz_view_prepare_dev(const char *dev, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int fd = open(dev, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = fd < 0 ? -errno : make_dev_targets(fd, owner);

	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "make the /proc view's files in '%s'",
				     dev);
	return 0;
}

static int mount_fd(const char *src, int fd, unsigned long flags)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return mount(src, p, NULL, flags, NULL) < 0 ? -errno : 0;
}

/* Bind src (host path, in our mount namespace) over target inside rootfd, read-only. */
static int bind_ro(int rootfd, const char *src, const char *target)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, target, O_PATH);
	int r;

	if (fd < 0)
		return fd;
	r = mount_fd(src, fd, MS_BIND);
	if (r < 0)
		return r;
	closep(&fd);
	/* The remount goes to the new mount on top, reached by a fresh lookup. */
	fd = vz_open_in_root(rootfd, target, O_PATH);
	if (fd < 0)
		return fd;
	return mount_fd(NULL, fd,
			MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

int vz_view_bind(int rootfd, const char *view, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int devp = vz_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	_cleanup_close_ int dev = -EBADF;
	char p[64];
	int r;

	if (devp < 0)
		return vz_error_make(err, VZ_E_MOUNT, -devp, "open '/dev' in the CT");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", devp);
	dev = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dev < 0 ? -errno : make_dev_targets(dev, owner);
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "make '/dev/vz' in the CT");
	for (const struct vz_view_file *f = files; f->name; f++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", view, f->name);

		r = bind_ro(rootfd, src, f->target);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return vz_error_make(err, VZ_E_MOUNT, -r, "bind the view's '%s' on '/%s'",
					     f->name, f->target);
	}
	return 0;
}
