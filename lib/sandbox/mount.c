/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: runs in the CT's init-to-be (host root, a private mount
 * namespace) before any CT process exists, but the root filesystem belongs
 * to CT root and may hold symlinks planted to redirect our mounts (e.g.
 * /proc -> /). Every target inside it is opened with openat2 RESOLVE_IN_ROOT
 * (or an O_NOFOLLOW walk where openat2 is missing) and mounted on through
 * its /proc/self/fd path, never by concatenating strings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>
#include <unistd.h>

#include "sandbox/mount.h"
#include "sandbox/ns.h"
#include "sandbox/viewmount.h"
#include "util/syscalls.h"
#include "util/xalloc.h"

/* Walk path below rootfd one component at a time, refusing symlinks. */
static int walk_nofollow(int rootfd, const char *path, int flags)
{
	_cleanup_free_ char *copy = xstrdup(path);
	_cleanup_close_ int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	char *save = NULL, *comp, *next;

	if (cur < 0)
		return -errno;
	comp = strtok_r(copy, "/", &save);
	while (comp) {
		int fd;

		next = strtok_r(NULL, "/", &save);
		if (streq(comp, ".."))
			return -EXDEV;
		fd = openat(cur, comp,
			    (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		closep(&cur);
		cur = fd;
		comp = next;
	}
	return take_fd(cur);
}

int vz_open_in_root(int rootfd, const char *path, int flags)
{
	int fd = vz_openat2(rootfd, path, (uint64_t)(flags | O_CLOEXEC), 0,
			    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);

	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return -errno;
	return walk_nofollow(rootfd, path, flags);
}

/* Open dir (creating it, owned by the CT's root) as an O_PATH fd. */
static int ensure_dir(int rootfd, const char *path, uid_t owner, vz_error_t *err)
{
	_cleanup_free_ char *parent = xstrdup(path);
	_cleanup_close_ int pfd = -EBADF;
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : parent;
	int fd;

	fd = vz_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd >= 0)
		return fd;
	if (fd != -ENOENT)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/%s' in the CT", path);
	if (slash)
		*slash = '\0';
	pfd = slash ? vz_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY)
		    : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (pfd < 0)
		return vz_error_make(err, VZ_E_MOUNT, pfd == -1 ? errno : -pfd,
				     "open '/%s' in the CT", parent);
	/* mkdirat needs a real directory fd, not O_PATH: go through /proc. */
	{
		char p[64];
		_cleanup_close_ int dfd = -EBADF;

		snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
		dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || (mkdirat(dfd, base, 0755) < 0 && errno != EEXIST))
			return vz_error_make(err, VZ_E_MOUNT, errno, "create '/%s' in the CT",
					     path);
		(void)!fchownat(dfd, base, owner, owner, AT_SYMLINK_NOFOLLOW);
	}
	fd = vz_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/%s' in the CT", path);
	return fd;
}

static int mount_on_fd(const char *src, int fd, const char *fstype, unsigned long flags,
		       const char *data)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return mount(src, p, fstype, flags, data) < 0 ? -errno : 0;
}

static int mount_fs(int rootfd, const char *path, const char *fstype, unsigned long flags,
		    const char *data, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int fd = ensure_dir(rootfd, path, owner, err);
	int r;

	if (fd < 0)
		return -1;
	r = mount_on_fd(fstype, fd, fstype, flags, data);
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "mount %s on '/%s'", fstype, path);
	return 0;
}

/* Bind src (an fd) over path, optionally read-only. Missing targets are skipped. */
static int bind_fd(int rootfd, int srcfd, const char *path, bool ro, vz_error_t *err)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, path, O_PATH);
	char src[64];
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/%s' in the CT", path);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", srcfd);
	r = mount_on_fd(src, fd, NULL, MS_BIND | MS_REC, NULL);
	if (r == 0 && ro) {
		closep(&fd);
		fd = vz_open_in_root(rootfd, path, O_PATH);
		if (fd < 0)
			return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/%s' in the CT", path);
		r = mount_on_fd(NULL, fd, NULL,
				MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				NULL);
	}
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "mask '/%s'", path);
	return 0;
}

static int bind_self_ro(int rootfd, const char *path, vz_error_t *err)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, path, O_PATH);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/%s' in the CT", path);
	return bind_fd(rootfd, fd, path, true, err);
}

static const struct {
	const char *name;
	unsigned maj, min;
} dev_nodes[] = {
	{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name, *target;
} dev_links[] = {
	{"ptmx", "pts/ptmx"},	       {"fd", "/proc/self/fd"},	      {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

/*
 * The directory that holds node n under /dev (dev, a directory fd): made
 * where missing, CT root owning it; a symlink on the way is not followed.
 * Returns an fd or -errno.
 */
static int node_parent(int dev, const char *name, uid_t owner, bool make)
{
	_cleanup_close_ int dir = fcntl(dev, F_DUPFD_CLOEXEC, 3);
	const char *p = name;

	for (size_t len; dir >= 0 && (len = strcspn(p, "/")) && p[len]; p += len + 1) {
		_cleanup_free_ char *comp = xstrndup(p, len);
		int next;

		if (make && mkdirat(dir, comp, 0755) == 0)
			(void)!fchownat(dir, comp, owner, owner, AT_SYMLINK_NOFOLLOW);
		next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return -errno;
		closep(&dir);
		dir = next;
	}
	return dir < 0 ? -errno : take_fd(dir);
}

static const char *node_base(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

/* A DEVNODES node in /dev, with the host's mode and CT root owning it; one there stays. */
static int make_node(int dev, const struct vz_dev_node *n, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int dir = node_parent(dev, n->name, owner, true);
	const char *base = node_base(n->name);

	if (dir < 0)
		return vz_error_make(err, VZ_E_DEVICES, -dir, "DEVNODES: make '/dev/%s'", n->name);
	if (mknodat(dir, base, n->mode, n->rdev) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_DEVICES, errno, "DEVNODES: mknod '/dev/%s'",
				     n->name);
	(void)!fchmodat(dir, base, n->mode & 07777, 0);
	(void)!fchownat(dir, base, owner, owner, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* The node n is gone from /dev, if it is still the device vz made there. */
static int remove_node(int dev, const struct vz_dev_node *n)
{
	_cleanup_close_ int dir = node_parent(dev, n->name, 0, false);
	const char *base = node_base(n->name);
	struct stat st;

	if (dir < 0 || fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if ((st.st_mode & S_IFMT) != (n->mode & S_IFMT) || st.st_rdev != n->rdev)
		return 0;
	return unlinkat(dir, base, 0) < 0 && errno != ENOENT ? -errno : 0;
}

/*
 * Nodes, links and dirs of a fresh /dev tmpfs (dev, a directory fd); all the
 * CT's. With console, an empty file /dev/console for the console's pty to
 * be bound on. Then the DEVNODES nodes.
 */
static int fill_dev_dir(int dev, uid_t owner, bool console, const struct vz_dev_node *nodes,
			size_t n_nodes, vz_error_t *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		if (mknodat(dev, dev_nodes[i].name, S_IFCHR | 0666,
			    makedev(dev_nodes[i].maj, dev_nodes[i].min)) < 0)
			return vz_error_make(err, VZ_E_MOUNT, errno, "mknod '/dev/%s'",
					     dev_nodes[i].name);
		(void)!fchmodat(dev, dev_nodes[i].name, 0666, 0);
		(void)!fchownat(dev, dev_nodes[i].name, owner, owner, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
		if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
			return vz_error_make(err, VZ_E_MOUNT, errno, "symlink '/dev/%s'",
					     dev_links[i].name);
		(void)!fchownat(dev, dev_links[i].name, owner, owner, AT_SYMLINK_NOFOLLOW);
	}
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 ||
	    mkdirat(dev, "mqueue", 0755) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "populate '/dev'");
	(void)!fchownat(dev, "shm", owner, owner, 0);
	(void)!fchownat(dev, "mqueue", owner, owner, 0);
	if (console) {
		_cleanup_close_ int fd =
			openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0 || fchown(fd, owner, owner) < 0)
			return vz_error_make(err, VZ_E_MOUNT, errno, "create '/dev/console'");
	}
	for (size_t i = 0; i < n_nodes; i++)
		if (make_node(dev, &nodes[i], owner, err) < 0)
			return -1;
	return 0;
}

static int fill_dev(int rootfd, const struct vz_ct_mount_opts *o, vz_error_t *err)
{
	_cleanup_close_ int opath = vz_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	_cleanup_close_ int dev = -EBADF;
	char p[64];

	if (opath < 0)
		return vz_error_make(err, VZ_E_MOUNT, -opath, "open '/dev' in the CT");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", opath);
	dev = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dev < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "open '/dev' in the CT");
	return fill_dev_dir(dev, o->owner, o->console != NULL, o->dev_nodes, o->n_dev_nodes, err);
}

/* ---- tmpfs sizes (/dev, /dev/shm) ---- */

/* /dev holds nodes and links only: 64M at most, never more than /dev/shm. */
#define DEV_SIZE_MAX (64ULL << 20)

uint64_t vz_tmpfs_size(uint64_t ram)
{
	if (ram == 0 || ram == UINT64_MAX)
		return 0;
	/* At least a page: size=0 would mean no limit at all to tmpfs. */
	return ram / 2 >= 4096 ? ram / 2 : 4096;
}

static uint64_t dev_size(uint64_t shm_size)
{
	return shm_size && shm_size < DEV_SIZE_MAX ? shm_size : DEV_SIZE_MAX;
}

/* tmpfs's size= option: bytes, or "50%" of the host's RAM, its own default. */
static char *size_option(uint64_t size)
{
	return size ? xasprintf("size=%llu", (unsigned long long)size) : xstrdup("size=50%");
}

static char *dev_options(uid_t owner, uint64_t shm_size)
{
	return xasprintf("mode=755,size=%llu,uid=%u,gid=%u", (unsigned long long)dev_size(shm_size),
			 owner, owner);
}

static char *shm_options(uid_t owner, uint64_t shm_size)
{
	_cleanup_free_ char *size = size_option(shm_size);

	return xasprintf("mode=1777,%s,uid=%u,gid=%u", size, owner, owner);
}

int vz_mount_ct_dev(const char *path, uid_t owner, bool console, uint64_t shm_size,
		    const struct vz_dev_node *nodes, size_t n_nodes, vz_error_t *err)
{
	_cleanup_free_ char *opt = dev_options(owner, shm_size);
	_cleanup_close_ int dev = -EBADF;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mkdir '%s'", path);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NOEXEC, opt) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mount tmpfs on '%s'", path);
	dev = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0 || fill_dev_dir(dev, owner, console, nodes, n_nodes, err) < 0) {
		if (dev < 0)
			vz_error_make(err, VZ_E_MOUNT, errno, "open '%s'", path);
		(void)umount2(path, MNT_DETACH);
		return -1;
	}
	return 0;
}

/*
 * The options of the CT's devpts, at mount and remount alike: a remount
 * resets what it does not name. gid 5 is "tty" in the CT; max= is numpty.
 */
static char *devpts_options(uid_t owner, int pty_max)
{
	char max[32] = "";

	if (pty_max >= 0)
		snprintf(max, sizeof(max), ",max=%d", pty_max);
	return xasprintf("newinstance,ptmxmode=0666,mode=0620,gid=%u%s", owner + 5, max);
}

static int setup_dev(int rootfd, const struct vz_ct_mount_opts *o, vz_error_t *err)
{
	_cleanup_free_ char *devopt = dev_options(o->owner, o->shm_size);
	_cleanup_free_ char *ptsopt = devpts_options(o->owner, o->pty_max);
	_cleanup_free_ char *shmopt = shm_options(o->owner, o->shm_size);
	const char *console = o->console;
	uid_t owner = o->owner;

	if (mount_fs(rootfd, "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, devopt, owner, err) < 0 ||
	    fill_dev(rootfd, o, err) < 0 ||
	    mount_fs(rootfd, "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, ptsopt, owner, err) < 0 ||
	    mount_fs(rootfd, "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, shmopt, owner, err) < 0 ||
	    mount_fs(rootfd, "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, owner,
		     err) < 0)
		return -1;
	/*
	 * The console's pty, a host one the daemon's keeper holds the master of,
	 * by its path: a bind needs its source in our own mount namespace.
	 */
	if (console) {
		_cleanup_close_ int src = open(console, O_PATH | O_CLOEXEC);

		if (src < 0)
			return vz_error_make(err, VZ_E_MOUNT, errno, "open '%s'", console);
		if (bind_fd(rootfd, src, "dev/console", false, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Kernel interfaces a CT must neither read nor poke: a file gets /dev/null
 * over it, a directory an empty read-only tmpfs. This is runc's, crun's and
 * Docker's masked list (the OCI default) and more:
 *   kcore, kallsyms         host memory and kernel addresses;
 *   keys, key-users         the host's keyrings (keyctl is denied too);
 *   timer_list, timer_stats,
 *   sched_debug, latency_stats,
 *   interrupts              other tasks' and CTs' timers, scheduling and
 *                           interrupt counts: side channels (Docker masks
 *                           /proc/interrupts since 2024);
 *   sysrq-trigger           the host's magic SysRq (runc makes it read-only;
 *                           nothing in a CT may write it, reading it is moot);
 *   acpi, asound, scsi      host hardware (runc masks acpi and scsi; vz made
 *                           them read-only before, which still showed them);
 *   sys/firmware            ACPI tables, DMI (serials), EFI variables;
 *   sys/devices/virtual/powercap
 *                           RAPL energy counters, a known side channel
 *                           (PLATYPUS, CVE-2020-8694).
 * Not masked: /proc/cpuinfo and the view's files (the view shows the CT's),
 * /sys/kernel/security and debug (empty directories in a new sysfs).
 */
static const char *const masked[] = {
	"proc/kcore",	      "proc/kallsyms",	    "proc/keys",
	"proc/key-users",     "proc/timer_list",    "proc/timer_stats",
	"proc/sched_debug",   "proc/latency_stats", "proc/interrupts",
	"proc/sysrq-trigger", "proc/acpi",	    "proc/asound",
	"proc/scsi",	      "sys/firmware",	    "sys/devices/virtual/powercap",
};
/* The OCI default's read-only list (its sysrq-trigger is masked above). */
static const char *const proc_readonly[] = {"proc/sys", "proc/irq", "proc/bus", "proc/fs"};

/* An empty read-only tmpfs over directory path; missing paths are skipped. */
static int mask_dir(int rootfd, const char *path, vz_error_t *err)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/%s' in the CT", path);
	r = mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			"size=4k,nr_inodes=1,mode=0555");
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "mask '/%s'", path);
	return 0;
}

/* Everything in masked[]: after /proc and /sys are mounted. */
static int mask_paths(int rootfd, vz_error_t *err)
{
	_cleanup_close_ int null = vz_open_in_root(rootfd, "dev/null", O_PATH);

	if (null < 0)
		return vz_error_make(err, VZ_E_MOUNT, -null, "open '/dev/null' in the CT");
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		struct stat st;
		_cleanup_close_ int fd = vz_open_in_root(rootfd, masked[i], O_PATH);

		if (fd == -ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return vz_error_make(err, VZ_E_MOUNT, fd < 0 ? -fd : errno,
					     "open '/%s' in the CT", masked[i]);
		if ((S_ISDIR(st.st_mode) ? mask_dir(rootfd, masked[i], err)
					 : bind_fd(rootfd, null, masked[i], true, err)) < 0)
			return -1;
	}
	return 0;
}

static int setup_proc(int rootfd, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int net = -EBADF;

	if (mount_fs(rootfd, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, owner, err) <
	    0)
		return -1;
	/* The CT owns its network namespace: keep its sysctls writable. */
	net = vz_open_in_root(rootfd, "proc/sys/net", O_PATH | O_DIRECTORY);
	for (size_t i = 0; i < ARRAY_SIZE(proc_readonly); i++)
		if (bind_self_ro(rootfd, proc_readonly[i], err) < 0)
			return -1;
	if (net >= 0 && bind_fd(rootfd, net, "proc/sys/net", false, err) < 0)
		return -1;
	return 0;
}

static int pivot(int rootfd, vz_error_t *err)
{
	if (fchdir(rootfd) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "chdir to the CT root");
	/* pivot_root(".", ".") stacks the old root on top; detach it at once. */
	if (vz_pivot_root(".", ".") < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "detach the old root");
	if (chdir("/") < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "chdir /");
	return 0;
}

/*
 * The CT's own cgroup2 subtree at /sys/fs/cgroup, writable by CT root after
 * delegation, so systemd inside can manage its services. A bind of the
 * group, not a fresh cgroup2 mount: the mounter is not in the CT's cgroup
 * namespace, and the bind shows exactly the delegated subtree.
 */
static int mount_cgroup(int rootfd, const char *cgroup2_path, vz_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!cgroup2_path)
		return 0;
	fd = vz_open_in_root(rootfd, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/sys/fs/cgroup' in the CT");
	/* By path: a bind source must be a mount of our (new) namespace. */
	r = mount_on_fd(cgroup2_path, fd, NULL, MS_BIND, NULL);
	if (r == 0) {
		closep(&fd);
		fd = vz_open_in_root(rootfd, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
		r = fd < 0 ? fd
			   : mount_on_fd(NULL, fd, NULL,
					 MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC,
					 NULL);
	}
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "mount cgroup2 on '/sys/fs/cgroup'");
	return 0;
}

/*
 * The per-CT /proc view (viewmount.h): each of its files in view (the CT's
 * directory in it, a mount of our namespace) over its target, read-only.
 */
static int bind_view(int rootfd, const char *view, uid_t owner, vz_error_t *err)
{
	_cleanup_close_ int opath = vz_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	_cleanup_close_ int dev = -EBADF;
	char p[64];
	int r;

	if (opath < 0)
		return vz_error_make(err, VZ_E_MOUNT, -opath, "open '/dev' in the CT");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", opath);
	dev = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dev < 0 ? -errno : vz_view_make_dev_targets(dev, owner);
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "make '/dev/vz' in the CT");
	for (const struct vz_view_file *f = vz_view_files(); f->name; f++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", view, f->name);
		_cleanup_close_ int src = open(path, O_PATH | O_CLOEXEC);

		if (src < 0)
			return vz_error_make(err, VZ_E_MOUNT, errno, "open '%s'", path);
		if (bind_fd(rootfd, src, f->target, true, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the hybrid view of /sys/fs/cgroup ---- */

/* Bind the host path src on name under dir (the fresh tmpfs), read-only unless rw. */
static int bind_cgroup_dir(int dir, const char *name, const char *src, bool rw, vz_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mkdir '/sys/fs/cgroup/%s'", name);
	fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "open '/sys/fs/cgroup/%s'", name);
	/* By path: a bind source must be a mount of our (new) namespace. */
	r = mount_on_fd(src, fd, NULL, MS_BIND, NULL);
	if (r == 0) {
		closep(&fd);
		fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = fd < 0 ? -errno
			   : mount_on_fd(NULL, fd, NULL,
					 MS_BIND | MS_REMOUNT | (rw ? 0 : MS_RDONLY) | MS_NOSUID |
						 MS_NODEV | MS_NOEXEC,
					 NULL);
	}
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "bind '%s' on '/sys/fs/cgroup/%s'", src,
				     name);
	return 0;
}

static int fill_cgroup_tmpfs(int dir, const struct vz_ct_mount_opts *o, vz_error_t *err)
{
	for (size_t i = 0; i < o->n_cgroup_v1; i++) {
		const struct vz_cgroup_v1_dir *d = &o->cgroup_v1[i];

		if (d->link && symlinkat(d->link, dir, d->name) < 0)
			return vz_error_make(err, VZ_E_MOUNT, errno, "symlink '/sys/fs/cgroup/%s'",
					     d->name);
		if (d->path && bind_cgroup_dir(dir, d->name, d->path, d->delegated, err) < 0)
			return -1;
	}
	/* systemd in hybrid mode finds cgroup2 here (and its bpf programs need it). */
	if (o->cgroup2_path && bind_cgroup_dir(dir, "unified", o->cgroup2_path, true, err) < 0)
		return -1;
	return 0;
}

/*
 * LXC's view of a hybrid host: a tmpfs on /sys/fs/cgroup holding the CT's
 * group of each v1 hierarchy, read-only (so CT root reads its limits and
 * cannot change them: the binds are locked read-only in the CT's user
 * namespace, and the knobs are host root's), the named systemd hierarchy
 * and the cgroup2 group delegated and writable; then the tmpfs itself is
 * made read-only, so nothing else appears beside them.
 */
static int mount_cgroup_hybrid(int rootfd, const struct vz_ct_mount_opts *o, vz_error_t *err)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, "sys/fs/cgroup", O_PATH | O_DIRECTORY);
	_cleanup_close_ int dir = -EBADF;
	const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char p[64];
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return vz_error_make(err, VZ_E_MOUNT, -fd, "open '/sys/fs/cgroup' in the CT");
	r = mount_on_fd("tmpfs", fd, "tmpfs", flags, "mode=755,size=64k");
	if (r < 0)
		return vz_error_make(err, VZ_E_MOUNT, -r, "mount tmpfs on '/sys/fs/cgroup'");
	/* The fd still names the directory below: the new mount is reached by path. */
	dir = vz_open_in_root(rootfd, "sys/fs/cgroup", O_RDONLY | O_DIRECTORY);
	if (dir < 0)
		return vz_error_make(err, VZ_E_MOUNT, -dir, "open '/sys/fs/cgroup' in the CT");
	if (fill_cgroup_tmpfs(dir, o, err) < 0)
		return -1;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", dir);
	if (mount(NULL, p, NULL, MS_REMOUNT | MS_RDONLY | flags, "mode=755,size=64k") < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "make '/sys/fs/cgroup' read-only");
	return 0;
}

/* The mount flags a remount must repeat not to clear them (statvfs's, as MS_ flags). */
static unsigned long ms_flags(const struct statvfs *sv)
{
	static const struct {
		unsigned long st, ms;
	} flags[] = {
		{ST_RDONLY, MS_RDONLY},	    {ST_NOSUID, MS_NOSUID},
		{ST_NODEV, MS_NODEV},	    {ST_NOEXEC, MS_NOEXEC},
		{ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME},
		{ST_RELATIME, MS_RELATIME},
	};
	unsigned long ms = 0;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (sv->f_flag & flags[i].st)
			ms |= flags[i].ms;
	return ms;
}

/*
 * nodev on the CT's root: CT root cannot make a device node, but one could
 * reach the private area otherwise (a restored image, a migrated private
 * area, a bug), and then open a host device. Not nosuid: sudo, su, passwd
 * and ping in the CT are setuid, and a setuid program there gains CT root
 * at most (the user namespace bounds it). The mounts the operator's action
 * scripts add under the root keep their own flags.
 */
static int root_nodev(const char *rootfs, vz_error_t *err)
{
	struct statvfs sv;

	if (statvfs(rootfs, &sv) < 0 ||
	    mount(NULL, rootfs, NULL, MS_BIND | MS_REMOUNT | MS_NODEV | ms_flags(&sv), NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "make '%s' nodev", rootfs);
	return 0;
}

int vz_mount_ct_root(const char *rootfs, const struct vz_ct_mount_opts *o, vz_error_t *err)
{
	_cleanup_close_ int rootfd = -EBADF;

	if (unshare(CLONE_NEWNS) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "make mounts private");
	/* A fresh bind gives the root its own mount for pivot_root. */
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "bind '%s'", rootfs);
	if (root_nodev(rootfs, err) < 0)
		return -1;
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "open '%s'", rootfs);
	if (setup_dev(rootfd, o, err) < 0 || setup_proc(rootfd, o->owner, err) < 0 ||
	    mount_fs(rootfd, "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		     o->owner, err) < 0 ||
	    (o->n_cgroup_v1 ? mount_cgroup_hybrid(rootfd, o, err)
			    : mount_cgroup(rootfd, o->cgroup2_path, err)) < 0 ||
	    mask_paths(rootfd, err) < 0)
		return -1;
	if (o->view && bind_view(rootfd, o->view, o->owner, err) < 0)
		return -1;
	return pivot(rootfd, err);
}

/* In a child that joined the CT's mount namespace: remount its devpts. */
static int remount_devpts_fn(void *data)
{
	const char *opts = data;

	if (mount(NULL, "/dev/pts", NULL, MS_REMOUNT | MS_NOSUID | MS_NOEXEC, opts) < 0)
		return errno;
	return 0;
}

int vz_devpts_set_max(int mntns_fd, uid_t owner, int pty_max, vz_error_t *err)
{
	_cleanup_free_ char *opts = devpts_options(owner, pty_max);
	_cleanup_free_ char *what =
		xasprintf("NUMPTY: remount the CT's /dev/pts with max=%d", pty_max);

	return vz_ns_run(mntns_fd, CLONE_NEWNS, remount_devpts_fn, opts, what, err);
}

/*
 * In a child that joined the CT's mount namespace: remount the tmpfs at
 * path with size=, keeping the flags it has now (the CT may have changed
 * those it may change; a remount without them would clear them). Not a
 * tmpfs any more (the CT mounted something else there): left alone.
 */
static int remount_size(const char *path, const char *size, uint64_t *ret_old)
{
	struct statvfs sv;
	struct statfs fs;
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || statfs(path, &fs) < 0 ||
	    fs.f_type != TMPFS_MAGIC || statvfs(path, &sv) < 0)
		return 0;
	if (ret_old)
		*ret_old = (uint64_t)sv.f_blocks * sv.f_frsize;
	return mount(NULL, path, NULL, MS_REMOUNT | ms_flags(&sv), size) < 0 ? -errno : 0;
}

/* /dev first, then /dev/shm; /dev goes back when /dev/shm cannot follow. */
static int remount_tmpfs_fn(void *data)
{
	uint64_t shm_size = *(const uint64_t *)data, old_dev = 0;
	_cleanup_free_ char *dev = xasprintf("size=%llu", (unsigned long long)dev_size(shm_size));
	_cleanup_free_ char *shm = size_option(shm_size);
	int r;

	r = remount_size("/dev", dev, &old_dev);
	if (r < 0)
		return -r;
	r = remount_size("/dev/shm", shm, NULL);
	if (r < 0 && old_dev) {
		_cleanup_free_ char *back = xasprintf("size=%llu", (unsigned long long)old_dev);

		(void)remount_size("/dev", back, NULL);
	}
	return r < 0 ? -r : 0;
}

int vz_tmpfs_set_size(int mntns_fd, uint64_t shm_size, vz_error_t *err)
{
	_cleanup_free_ char *what =
		shm_size ? xasprintf("PHYSPAGES: resize the CT's /dev/shm to %llu bytes",
				     (unsigned long long)shm_size)
			 : xstrdup("PHYSPAGES: resize the CT's /dev/shm to the host's default");

	return vz_ns_run(mntns_fd, CLONE_NEWNS, remount_tmpfs_fn, &shm_size, what, err);
}

struct nodes_sync {
	uid_t owner;
	const struct vz_dev_node *old, *new;
	size_t n_old, n_new;
	vz_error_t err;
};

static bool has_node(const struct vz_dev_node *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i].name, name))
			return true;
	return false;
}

/* In a child that joined the CT's mount namespace: its /dev, if it is still vz's tmpfs. */
static int nodes_sync_fn(void *data)
{
	struct nodes_sync *ns = data;
	_cleanup_close_ int dev = open("/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs fs;
	int r;

	if (dev < 0 || fstatfs(dev, &fs) < 0)
		return errno;
	if (fs.f_type != TMPFS_MAGIC)
		return ENOTSUP;
	for (size_t i = 0; i < ns->n_new; i++)
		if (make_node(dev, &ns->new[i], ns->owner, &ns->err) < 0)
			return vz_error_errno(ns->err) ? vz_error_errno(ns->err) : EIO;
	for (size_t i = 0; i < ns->n_old; i++) {
		if (has_node(ns->new, ns->n_new, ns->old[i].name))
			continue;
		r = remove_node(dev, &ns->old[i]);
		if (r < 0)
			return -r;
	}
	return 0;
}

int vz_dev_nodes_sync(int mntns_fd, uid_t owner, const struct vz_dev_node *old, size_t n_old,
		      const struct vz_dev_node *new, size_t n_new, vz_error_t *err)
{
	struct nodes_sync ns = {owner, old, new, n_old, n_new, NULL};
	int r = vz_ns_run(mntns_fd, CLONE_NEWNS, nodes_sync_fn, &ns,
			  "DEVNODES: change the nodes in the CT's /dev", err);

	vz_error_release(&ns.err);
	if (r < 0)
		(void)vz_error_recode(err, VZ_E_DEVICES);
	return r;
}
