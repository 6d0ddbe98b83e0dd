/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's disk quota as its own file system: an ext4 image in the private
 * area, loop-mounted, holding what the CT writes (overlay: its upper and
 * work directories; ploop: its whole tree).
 *
 * Why an image and not quotas: this kernel class has CONFIG_QUOTA but not
 * QFMT_V2 (ext4 refuses its quota feature: "not built with CONFIG_QUOTA and
 * CONFIG_QFMT_V2") nor CONFIG_XFS_QUOTA, and the host's own file system
 * (where /var/lib/vz lives) is not ours to remount with prjquota anyway.
 * An image works on any host file system with loop and ext4, df inside the
 * CT shows the CT's own size because it is the CT's own file system, and
 * it is what OpenVZ 7 does (ploop).
 *
 * Exact limits, live, both ways. ext4 grows online but never shrinks
 * online, and its inode count is fixed per block group. So the file system
 * is made as large as the limits need (a little more, ext4 rounds), and
 * whatever it has beyond the limits is held by a balloon vz keeps beside
 * the CT's files, out of its sight:
 *
 *   /.vz/             0700 root
 *     balloon         unwritten extents (fallocate) for the spare blocks
 *     inodes/N        empty files for the spare inodes
 *
 * Lowering a limit inflates the balloon (refused, changing nothing, when
 * the CT uses more than the new limit: fallocate says ENOSPC); raising it
 * deflates the balloon and, past the file system's size, grows the file,
 * the loop device (LOOP_SET_CAPACITY) and ext4 (EXT4_IOC_RESIZE_FS). The
 * balloon's extents are unwritten, so it costs the host no disk. Mounted
 * with discard: space the CT frees is punched out of the image file.
 *
 * Trust model: the file system's contents are the CT's (a CT with a
 * device node in it gets nothing from it: nodev); only .vz is ours, and it
 * is checked to be a root-owned directory before it is used.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "storage/image.h"
#include "util/exec.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

#define BLOCK ((uint64_t)4096)
#define MIB ((uint64_t)1024 * 1024)
/* Inodes vz's own scaffolding takes (lost+found, .vz, .vz/inodes, upper, work...). */
#define OWN_INODES ((uint64_t)16)
/* Below this ext4 cannot hold a journal and its metadata. */
#define MIN_BYTES (16 * MIB)
/* mke2fs's default inode size. */
#define INODE_SIZE 256
#define BALLOON_DIR ".vz"
#define BALLOON_FILE BALLOON_DIR "/balloon"
#define INODES_DIR BALLOON_DIR "/inodes"

/* A journal in proportion: 1/128 of the size, 4 to 128 MiB (mke2fs would take 64 for 1 GiB). */
static uint64_t journal_mib(uint64_t bytes)
{
	uint64_t j = bytes / 128 / MIB;

	return j < 4 ? 4 : j > 128 ? 128 : j;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

static int mkfs(const char *img, uint64_t bytes, uint64_t inodes, vz_error_t *err)
{
	_cleanup_free_ char *jopt = xasprintf("size=%" PRIu64, journal_mib(bytes));
	_cleanup_free_ char *nopt = NULL, *out = NULL;
	/*
	 * No resize_inode: its blocks reserved for growing 1024-fold would be
	 * space the CT paid for; ext4 grows without it (meta_bg), online too.
	 */
	char *argv[18] = {"mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-O", "^resize_inode",
			  "-J", jopt,
			  /* The file is sparse: its inode tables read as zeros already. */
			  "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", NULL};
	size_t n = 13;
	int r;

	/* ext4 holds at most one inode per block; more are had by growing (set_limits). */
	if (inodes != VZ_IMAGE_NO_INODE_LIMIT && inodes + OWN_INODES <= bytes / BLOCK / 2) {
		nopt = xasprintf("%" PRIu64, inodes + OWN_INODES);
		argv[n++] = "-N";
		argv[n++] = nopt;
	}
	argv[n++] = (char *)img;
	argv[n] = NULL;
	r = run_program(argv, &out);
	if (r != 0) {
		if (out)
			out[strcspn(out, "\n")] = '\0';
		return vz_error_make(err, VZ_E_DQ_INIT, r < 0 ? -r : 0, "mkfs.ext4 '%s'%s%s", img,
				     r < 0 ? "" : ": ",
				     r < 0 ? "" : (out && *out ? out : "failed"));
	}
	return 0;
}

/* ---- the loop device ---- */

static int attach_loop(int imgfd, const char *img, char *dev, size_t devlen, vz_error_t *err)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = {
		.fd = (uint32_t)imgfd,
		.block_size = BLOCK,
		/* Direct I/O: the CT's pages are cached once, by its file system. */
		.info = {.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO},
	};

	if (ctl < 0)
		return vz_error_make(err, VZ_E_DQ_ON, errno, "open '/dev/loop-control'");
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", img);
	/* Another process may take the free device first: try the next one. */
	for (int tries = 0; tries < 64; tries++) {
		_cleanup_close_ int lfd = -EBADF;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0)
			return vz_error_make(err, VZ_E_DQ_ON, errno, "find a free loop device");
		snprintf(dev, devlen, "/dev/loop%d", n);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			return vz_error_make(err, VZ_E_DQ_ON, errno, "open '%s'", dev);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			return take_fd(lfd);
		if (errno == EINVAL && (cfg.info.lo_flags & LO_FLAGS_DIRECT_IO)) {
			/* A host file system without O_DIRECT: cached, then. */
			cfg.info.lo_flags &= ~LO_FLAGS_DIRECT_IO;
			tries--;
			continue;
		}
		if (errno != EBUSY)
			return vz_error_make(err, VZ_E_DQ_ON, errno, "attach '%s' to '%s'", img,
					     dev);
	}
	return vz_error_make(err, VZ_E_DQ_ON, EBUSY, "attach '%s': no free loop device", img);
}

/*
 * Is the image already behind a loop device? Then its file system is still
 * alive somewhere (a lazy unmount a process holds up): a second one on the
 * same file would corrupt both.
 */
static int image_busy(const struct stat *st, char *dev, size_t devlen)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		struct loop_info64 info;
		int fd;

		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		if (snprintf(dev, devlen, "/dev/%.32s", de->d_name) >= (int)devlen)
			continue;
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, LOOP_GET_STATUS64, &info) == 0 && info.lo_inode == st->st_ino &&
		    info.lo_device == st->st_dev)
			found = 1;
		close(fd);
	}
	closedir(d);
	return found;
}

int vz_image_mount(const char *img, const char *dir, vz_error_t *err)
{
	_cleanup_close_ int imgfd = -EBADF, lfd = -EBADF;
	char dev[64];
	struct stat st;

	imgfd = open(img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (imgfd < 0)
		return vz_error_make(err, VZ_E_DQ_ON, errno, "open disk image '%s'", img);
	if (fstat(imgfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0)
		return vz_error_make(err, VZ_E_DQ_ON, EINVAL,
				     "disk image '%s' is not a regular file of root's", img);
	if (image_busy(&st, dev, sizeof(dev)))
		return vz_error_make(err, VZ_E_DQ_ON, EBUSY,
				     "disk image '%s' is still in use (%s): a process outside "
				     "holds its file system",
				     img, dev);
	lfd = attach_loop(imgfd, img, dev, sizeof(dev), err);
	if (lfd < 0)
		return -1;
	/* noinit_itable: nothing to zero in a sparse file (mkfs left the tables to us). */
	if (mount(dev, dir, "ext4", MS_NODEV | MS_NOATIME,
		  "discard,noinit_itable,errors=remount-ro") < 0 ||
	    mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0) {
		int e = errno;

		(void)umount2(dir, MNT_DETACH);
		return vz_error_make(err, VZ_E_DQ_ON, e, "mount disk image '%s' on '%s'", img, dir);
	}
	/* AUTOCLEAR: the device is released when the file system lets it go. */
	return 0;
}

int vz_image_umount(const char *dir, vz_error_t *err)
{
	if (!is_mount_point_at(AT_FDCWD, dir))
		return 0;
	if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return vz_error_make(err, VZ_E_UMOUNT, errno, "unmount '%s'", dir);
	return 0;
}

/* ---- the balloon ---- */

/* dir/.vz, made if missing; refused unless it is a plain root-owned directory. */
static int open_own(int top, const char *name, vz_error_t *err)
{
	int fd;
	struct stat st;

	if (mkdirat(top, name, 0700) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "create '%s' in the disk image",
				     name);
	fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "open '%s' in the disk image", name);
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return vz_error_make(err, VZ_E_DQ_SET, EPERM,
				     "'%s' in the disk image is not vz's (owner or mode changed)",
				     name);
	}
	return fd;
}

struct balloon {
	uint64_t bytes;	 /* blocks the balloon file holds, in bytes */
	uint64_t inodes; /* its files, the file itself and its directories */
	uint64_t files;	 /* of which empty files in inodes/ */
};

static int read_balloon(int top, struct balloon *b)
{
	_cleanup_close_ int d = -EBADF;
	struct stat st;
	DIR *dir;
	struct dirent *de;

	*b = (struct balloon){0};
	if (fstatat(top, BALLOON_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		b->bytes = (uint64_t)st.st_size;
	d = openat(top, INODES_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return 0;
	dir = fdopendir(d);
	if (!dir)
		return -errno;
	d = -EBADF;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			b->files++;
	closedir(dir);
	b->inodes = b->files;
	return 0;
}

/* The balloon file holds exactly bytes (whole blocks). */
static int size_balloon(int own, uint64_t bytes, vz_error_t *err)
{
	_cleanup_close_ int fd =
		openat(own, "balloon", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "open the disk balloon");
	if ((uint64_t)st.st_size > bytes && ftruncate(fd, (off_t)bytes) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "shrink the disk balloon");
	if ((uint64_t)st.st_size < bytes && fallocate(fd, 0, 0, (off_t)bytes) < 0) {
		int e = errno;

		/* Give back what a partial allocation took: nothing changes. */
		(void)!ftruncate(fd, st.st_size);
		return vz_error_make(err, VZ_E_DQ_SET, e, "hold %" PRIu64 " MiB back", bytes / MIB);
	}
	return 0;
}

/* inodes/ holds exactly n empty files, named 0..n-1. */
static int size_inode_balloon(int own, uint64_t have, uint64_t n, vz_error_t *err)
{
	_cleanup_close_ int d = open_own(own, "inodes", err);
	char name[32];

	if (d < 0)
		return -1;
	for (uint64_t i = n; i < have; i++) {
		snprintf(name, sizeof(name), "%" PRIu64, i);
		if (unlinkat(d, name, 0) < 0 && errno != ENOENT)
			return vz_error_make(err, VZ_E_DQ_SET, errno, "free a held-back inode");
	}
	for (uint64_t i = have; i < n; i++) {
		int fd;

		snprintf(name, sizeof(name), "%" PRIu64, i);
		fd = openat(d, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;

			(void)size_inode_balloon(own, i, have, NULL);
			return vz_error_make(err, VZ_E_DQ_SET, e, "hold %" PRIu64 " inodes back",
					     n - have);
		}
		close(fd);
	}
	return 0;
}

/* ---- limits ---- */

struct fsinfo {
	uint64_t blocks, bfree, bavail, files, ffree;
};

static int fs_info(int top, struct fsinfo *f)
{
	struct statvfs sv;

	if (fstatvfs(top, &sv) < 0)
		return -errno;
	f->blocks = sv.f_blocks * sv.f_frsize / BLOCK;
	f->bfree = sv.f_bfree * sv.f_frsize / BLOCK;
	f->bavail = sv.f_bavail * sv.f_frsize / BLOCK;
	f->files = sv.f_files;
	f->ffree = sv.f_ffree;
	return 0;
}

/* The loop device under the file system at top, opened for an ioctl. */
static int open_loop_of(int top, vz_error_t *err)
{
	struct stat st;
	char path[96], *devname = NULL, *p;
	_cleanup_free_ char *uevent = NULL;
	int fd;

	if (fstat(top, &st) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "stat the disk image's mount");
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major(st.st_dev),
		 minor(st.st_dev));
	if (read_file_at(AT_FDCWD, path, 4096, &uevent, NULL) < 0 ||
	    !(p = strstr(uevent, "DEVNAME=loop")))
		return vz_error_make(err, VZ_E_DQ_SET, ENODEV,
				     "the disk image's file system is not on a loop device");
	devname = p + strlen("DEVNAME=");
	devname[strcspn(devname, "\n")] = '\0';
	snprintf(path, sizeof(path), "/dev/%s", devname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "open '%s'", path);
	return fd;
}

/* Grow the image file, its loop device and its ext4 to blocks of 4 KiB. */
static int grow(const char *img, int top, uint64_t blocks, vz_error_t *err)
{
	_cleanup_close_ int imgfd = open(img, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int lfd = -EBADF;
	uint64_t count = blocks;
	struct stat st;

	if (imgfd < 0 || fstat(imgfd, &st) < 0 || ftruncate(imgfd, (off_t)(blocks * BLOCK)) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "grow disk image '%s'", img);
	lfd = open_loop_of(top, err);
	if (lfd < 0)
		return -1;
	if (ioctl(lfd, LOOP_SET_CAPACITY, 0) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "grow the loop device of '%s'", img);
	if (ioctl(top, EXT4_IOC_RESIZE_FS, &count) < 0) {
		/*
		 * ext4 grows online only for CAP_SYS_RESOURCE: left for the next
		 * mount, with the file as it was (its size says the file system's).
		 */
		if (errno == EPERM) {
			if (ftruncate(imgfd, st.st_size) == 0)
				(void)ioctl(lfd, LOOP_SET_CAPACITY, 0);
			return -EPERM;
		}
		return vz_error_make(err, VZ_E_DQ_SET, errno, "grow the file system in '%s'", img);
	}
	return 0;
}

/*
 * Blocks the file system needs for bytes of data and inodes files: the data
 * plus its metadata (what it lacks now, measured), and as many block groups
 * as the inodes need at its inode density.
 */
static uint64_t blocks_needed(const struct fsinfo *f, uint64_t image_blocks, uint64_t bytes,
			      uint64_t inodes)
{
	uint64_t overhead = image_blocks > f->blocks ? image_blocks - f->blocks : 0;
	uint64_t need = bytes / BLOCK + overhead;

	/* What it grows by brings inode tables and bitmaps of its own, in proportion. */
	if (need > image_blocks && image_blocks)
		need += (need - image_blocks) * (f->files * INODE_SIZE / BLOCK) / image_blocks +
			(need - image_blocks) / 8192 + 8;

	if (inodes != VZ_IMAGE_NO_INODE_LIMIT && f->files) {
		/* Per-group inode count times groups: proportional to size. */
		uint64_t by_inodes =
			((inodes + OWN_INODES) * image_blocks + f->files - 1) / f->files;

		if (by_inodes > need)
			need = by_inodes;
	}
	return need;
}

static int image_blocks_of(const char *img, uint64_t *ret)
{
	struct stat st;

	if (stat(img, &st) < 0)
		return -errno;
	*ret = (uint64_t)st.st_size / BLOCK;
	return 0;
}

/* Inflate or deflate the balloon so the CT has exactly bytes and inodes. */
static int fit_balloon(int top, const struct fsinfo *f, const struct balloon *b, uint64_t bytes,
		       uint64_t inodes, vz_error_t *err)
{
	_cleanup_close_ int own = open_own(top, BALLOON_DIR, err);
	uint64_t total = f->blocks * BLOCK;
	uint64_t used = sub0((f->blocks - f->bfree) * BLOCK, b->bytes);
	uint64_t used_inodes = sub0(f->files - f->ffree, b->inodes);
	uint64_t want_bytes = total > bytes ? total - bytes : 0;
	uint64_t want_files = 0;

	if (own < 0)
		return -1;
	if (inodes != VZ_IMAGE_NO_INODE_LIMIT && f->files > inodes + OWN_INODES)
		want_files = f->files - inodes - OWN_INODES;
	/*
	 * ext4 keeps a reserve (2%, at most 16 MiB) nobody's data may take, the
	 * balloon's neither: a limit within it of the use leaves nothing to write.
	 */
	if (want_bytes > b->bytes + f->bavail * BLOCK)
		want_bytes = b->bytes + f->bavail * BLOCK;
	if (used > bytes)
		return vz_error_make(err, VZ_E_DQ_SET, ENOSPC,
				     "the CT uses %" PRIu64
				     " KB, more than the new limit of %" PRIu64 " KB",
				     used / 1024, bytes / 1024);
	if (inodes != VZ_IMAGE_NO_INODE_LIMIT && used_inodes > inodes + OWN_INODES)
		return vz_error_make(err, VZ_E_DQ_SET, ENOSPC,
				     "the CT uses %" PRIu64
				     " inodes, more than the new limit of %" PRIu64,
				     used_inodes - OWN_INODES, inodes);
	/* Deflate first, so that inflating the other never starves on our own hold. */
	if (want_bytes < b->bytes && size_balloon(own, want_bytes, err) < 0)
		return -1;
	if (size_inode_balloon(own, b->files, want_files, err) < 0)
		return -1;
	if (want_bytes > b->bytes && size_balloon(own, want_bytes, err) < 0) {
		(void)size_inode_balloon(own, want_files, b->files, NULL);
		return -1;
	}
	return 0;
}

int vz_image_set_limits(const char *img, const char *dir, uint64_t bytes, uint64_t inodes,
			vz_error_t *err)
{
	_cleanup_close_ int top = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct fsinfo f;
	struct balloon b;
	uint64_t image_blocks = 0, need;
	int r;

	if (bytes < MIN_BYTES)
		return vz_error_make(err, VZ_E_DQ_SET, EINVAL,
				     "DISKSPACE: %" PRIu64 " KB is too small (at least %" PRIu64
				     " KB)",
				     bytes / 1024, MIN_BYTES / 1024);
	if (top < 0 || fs_info(top, &f) < 0 || read_balloon(top, &b) < 0 ||
	    image_blocks_of(img, &image_blocks) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "read the disk image '%s'", img);
	need = blocks_needed(&f, image_blocks, bytes, inodes);
	if (need > image_blocks) {
		r = grow(img, top, need, err);
		if (r == -EPERM) {
			/* Everything the file system has now; the rest when it is unmounted. */
			if (fit_balloon(top, &f, &b, f.blocks * BLOCK, VZ_IMAGE_NO_INODE_LIMIT,
					err) < 0)
				return -1;
			return 1;
		}
		if (r < 0)
			return -1;
		if (fs_info(top, &f) < 0)
			return vz_error_make(err, VZ_E_DQ_SET, errno, "read the disk image '%s'",
					     img);
	}
	return fit_balloon(top, &f, &b, bytes, inodes, err);
}

/* Block count and free blocks of the ext4 in img, from its superblock. */
static int read_super(const char *img, uint64_t *blocks, uint64_t *free_blocks)
{
	_cleanup_close_ int fd = open(img, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned char sb[1024];
	uint32_t lo, hi;

	if (fd < 0)
		return -errno;
	if (pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb))
		return -EIO;
	if (sb[0x38] != 0x53 || sb[0x39] != 0xEF)
		return -EINVAL;
#define LE32(o)                                                                       \
	((uint32_t)sb[o] | (uint32_t)sb[(o) + 1] << 8 | (uint32_t)sb[(o) + 2] << 16 | \
	 (uint32_t)sb[(o) + 3] << 24)
	lo = LE32(0x04);
	hi = LE32(0x150);
	*blocks = (uint64_t)hi << 32 | lo;
	lo = LE32(0x0C);
	hi = LE32(0x158);
	*free_blocks = (uint64_t)hi << 32 | lo;
#undef LE32
	return 0;
}

/*
 * What ext4 takes beside bytes of data: the journal, inode tables (256
 * bytes an inode), and a little for bitmaps, group descriptors and their
 * backups. A guess close enough that one mkfs does (within 0.1% measured,
 * 100 MiB to 100 GiB); the rounds below correct it when it is not.
 */
static uint64_t metadata_guess(uint64_t bytes, uint64_t inodes)
{
	/* mke2fs's own density: one inode per 16 KiB, per 4 KiB below 512 MiB. */
	uint64_t n = inodes != VZ_IMAGE_NO_INODE_LIMIT && inodes + OWN_INODES <= bytes / BLOCK / 2
			     ? inodes + OWN_INODES
			     : bytes / (bytes < 512 * MIB ? 4096 : 16384);

	return round_up(journal_mib(bytes) * MIB + n * INODE_SIZE + bytes / 2048 + MIB, BLOCK);
}

static int make_sized(const char *img, uint64_t size, uint64_t bytes, uint64_t inodes,
		      vz_error_t *err)
{
	_cleanup_close_ int fd = open(img, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)
		return vz_error_make(err, VZ_E_DQ_INIT, errno, "size disk image '%s'", img);
	return mkfs(img, bytes, inodes, err);
}

int vz_image_create(const char *img, const char *dir, uint64_t bytes, uint64_t inodes,
		    vz_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	uint64_t size = round_up(bytes < MIN_BYTES ? MIN_BYTES : bytes, BLOCK);
	uint64_t blocks, free_blocks;
	int r;

	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vz_error_make(err, VZ_E_DQ_INIT, errno, "create disk image '%s'", img);
	closep(&fd);
	if (make_sized(img, size + metadata_guess(size, inodes), bytes, inodes, err) < 0)
		return -1;
	/*
	 * Its metadata (journal, inode tables, bitmaps) is not the CT's space:
	 * made again that much larger, so the CT gets bytes of its own. Not
	 * grown online: that needs CAP_SYS_RESOURCE, which some hosts' root lacks.
	 */
	for (int round = 0;; round++) {
		r = read_super(img, &blocks, &free_blocks);
		if (r < 0)
			return vz_error_make(err, VZ_E_DQ_INIT, -r,
					     "read the new file system in '%s'", img);
		/* A larger one has more metadata in turn: two or three rounds. */
		if (free_blocks * BLOCK >= size || round == 4)
			break;
		if (make_sized(img, size + (blocks - free_blocks) * BLOCK + 4 * BLOCK, bytes,
			       inodes, err) < 0)
			return -1;
	}
	if (vz_image_mount(img, dir, err) < 0)
		return -1;
	r = vz_image_set_limits(img, dir, bytes, inodes, err);
	if (r != 0) {
		if (r > 0)
			vz_error_make(err, VZ_E_DQ_INIT, EPERM,
				      "the new file system in '%s' came out too small", img);
		(void)vz_image_umount(dir, NULL);
		return -1;
	}
	return 0;
}

static int run_tool(char **argv, const char *img, int ok_max, vz_error_t *err)
{
	_cleanup_free_ char *out = NULL;
	int r = run_program(argv, &out);

	if (r >= 0 && r <= ok_max)
		return 0;
	if (out)
		out[strcspn(out, "\n")] = '\0';
	return vz_error_make(err, VZ_E_DQ_SET, r < 0 ? -r : 0, "%s '%s'%s%s", argv[0], img,
			     r < 0 ? "" : ": ", r < 0 ? "" : (out && *out ? out : "failed"));
}

/* Grow the unmounted image's file system to blocks (e2fsck first, as resize2fs wants). */
static int grow_offline(const char *img, uint64_t blocks, vz_error_t *err)
{
	_cleanup_free_ char *count = xasprintf("%" PRIu64, blocks);
	char *fsck[] = {"e2fsck", "-f", "-p", (char *)img, NULL};
	char *resize[] = {"resize2fs", "-f", (char *)img, count, NULL};
	_cleanup_close_ int fd = open(img, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)(blocks * BLOCK)) < 0)
		return vz_error_make(err, VZ_E_DQ_SET, errno, "grow disk image '%s'", img);
	/* e2fsck: 1 means it fixed something, which is fine. */
	if (run_tool(fsck, img, 1, err) < 0 || run_tool(resize, img, 0, err) < 0)
		return -1;
	return 0;
}

int vz_image_fit(const char *img, const char *dir, uint64_t bytes, uint64_t inodes, vz_error_t *err)
{
	struct fsinfo f;
	uint64_t image_blocks = 0, need;
	int r = vz_image_set_limits(img, dir, bytes, inodes, err);

	for (int round = 0; r > 0 && round < 3; round++) {
		_cleanup_close_ int top =
			open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (top < 0 || fs_info(top, &f) < 0 || image_blocks_of(img, &image_blocks) < 0)
			return vz_error_make(err, VZ_E_DQ_SET, errno, "read the disk image '%s'",
					     img);
		need = blocks_needed(&f, image_blocks, bytes, inodes);
		closep(&top);
		/* Not detached: the file system must be gone before e2fsck opens the file. */
		if (umount2(dir, UMOUNT_NOFOLLOW) < 0)
			return vz_error_make(err, VZ_E_DQ_SET, errno, "unmount '%s' to grow it",
					     dir);
		if (grow_offline(img, need, err) < 0 || vz_image_mount(img, dir, err) < 0)
			return -1;
		r = vz_image_set_limits(img, dir, bytes, inodes, err);
	}
	return r > 0 ? vz_error_make(err, VZ_E_DQ_SET, ENOSPC,
				     "the file system in '%s' did not grow enough", img)
		     : r;
}

int vz_image_usage(const char *dir, struct vz_image_usage *ret, vz_error_t *err)
{
	_cleanup_close_ int top = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct fsinfo f;
	struct balloon b;

	if (top < 0 || fs_info(top, &f) < 0 || read_balloon(top, &b) < 0)
		return vz_error_make(err, VZ_E_DQ_USAGE, errno, "read the disk usage in '%s'", dir);
	ret->bytes_limit = sub0(f.blocks * BLOCK, b.bytes);
	ret->bytes_used = sub0((f.blocks - f.bfree) * BLOCK, b.bytes);
	/* Our own directories are not the CT's. */
	ret->inodes_limit = sub0(f.files, b.inodes + OWN_INODES);
	ret->inodes_used = sub0(f.files - f.ffree, b.inodes + OWN_INODES);
	return 0;
}
