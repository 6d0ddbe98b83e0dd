/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OS templates: the cache of rootfs tarballs, their extraction into a CT's
 * private area and the built-in busybox recipe. This is the only module that
 * includes libarchive.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <locale.h>
#include <search.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/template.h"
#include "template/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define BUSYBOX_PATH "/bin/busybox"
#define CAPTURE_MAX (1024 * 1024)

/* Search order of vz_template_find; plain .tar last (vz_template_import makes it). */
static const char *const tar_exts[] = {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tar"};

/* -errno for the helpers below, never 0 even if a libc call forgot to set errno. */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static char *machine_name(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return xstrdup("unknown");
	return xstrdup(u.machine);
}

int vz_template_name_check(const char *name, vz_error_t *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 128 || !isalnum((unsigned char)name[0]) || strstr(name, ".."))
		goto bad;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._+-", name[i]))
			goto bad;
	return 0;
bad:
	return vz_error_make(err, VZ_E_VALUE, 0, "invalid template name '%s'", name ? name : "");
}

/* File name in dfd of the first regular NAME.tar.* there is, or NULL. */
static char *find_stem(int dfd, const char *stem)
{
	for (size_t i = 0; i < ARRAY_SIZE(tar_exts); i++) {
		_cleanup_free_ char *f = xasprintf("%s%s", stem, tar_exts[i]);
		struct stat st;

		if (fstatat(dfd, f, &st, 0) == 0 && S_ISREG(st.st_mode))
			return steal_ptr(f);
	}
	return NULL;
}

char *vz_template_find(const char *cachedir, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *mach = machine_name(), *f = NULL, *stem = NULL;
	_cleanup_close_ int dfd = -EBADF;

	if (vz_template_name_check(name, err) < 0)
		return NULL;
	dfd = open(cachedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno != ENOENT) {
		(void)vz_error_make(err, VZ_E_SYSTEM, errno, "open template cache '%s'", cachedir);
		return NULL;
	}
	if (dfd >= 0) {
		stem = xasprintf("%s-%s", name, mach);
		f = find_stem(dfd, name);
		if (!f)
			f = find_stem(dfd, stem);
	}
	if (!f) {
		(void)vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
				    "template '%s' not found in '%s'", name, cachedir);
		return NULL;
	}
	return xasprintf("%s/%s", cachedir, f);
}

/* Template name of a cache file name, or NULL when it is not one. */
static char *cache_entry_name(int dfd, const char *fname)
{
	size_t len = strlen(fname);
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(tar_exts); i++) {
		size_t elen = strlen(tar_exts[i]);
		_cleanup_free_ char *stem = NULL;

		if (len <= elen || !streq(fname + len - elen, tar_exts[i]))
			continue;
		stem = xstrndup(fname, len - elen);
		if (vz_template_name_check(stem, NULL) < 0)
			return NULL;
		if (fstatat(dfd, fname, &st, 0) < 0 || !S_ISREG(st.st_mode))
			return NULL;
		return steal_ptr(stem);
	}
	return NULL;
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop the duplicates of NAME.tar.gz next to NAME.tar.xz. */
static char **sort_unique(char **v, size_t n)
{
	size_t out = 0;

	qsort(v, n, sizeof(*v), strcmp_ptr);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && streq(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	v[out] = NULL;
	return v;
}

char **vz_template_list(const char *cachedir, vz_error_t *err)
{
	_cleanup_closedir_ DIR *d = opendir(cachedir);
	struct dirent *de;
	size_t n = 0;
	char **v;

	/* A cache that was never created holds no templates. */
	if (!d && errno != ENOENT) {
		(void)vz_error_make(err, VZ_E_SYSTEM, errno, "list templates in '%s'", cachedir);
		return NULL;
	}
	v = xzalloc(sizeof(*v));
	if (!d)
		return v;
	while ((errno = 0, de = readdir(d))) {
		char *name = cache_entry_name(dirfd(d), de->d_name);

		if (!name)
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = name;
	}
	if (errno) {
		v[n] = NULL;
		strv_free(v);
		(void)vz_error_make(err, VZ_E_SYSTEM, errno, "list templates in '%s'", cachedir);
		return NULL;
	}
	return sort_unique(v, n);
}

static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		vz_oom();
	/* Only what vz_template_find can name, and all built in: no external filter programs. */
	(void)archive_read_support_filter_gzip(a);
	(void)archive_read_support_filter_xz(a);
	(void)archive_read_support_filter_zstd(a);
	(void)archive_read_support_filter_bzip2(a);
	(void)archive_read_support_format_tar(a);
	return a;
}

/*
 * Extraction runs in a forked child (it needs its cwd in the target and a
 * umask of 0, which a daemon worker must not change for itself). What the
 * child reports back over a pipe.
 */
struct child_report {
	int32_t code;
	int32_t errnum;
	char msg[512];
};

struct xctx {
	uid_t base;
	uint32_t size;
	char name[160]; /* printable form of the current entry's path */
	struct child_report rep;
};

static int xfail(struct xctx *x, int code, int errnum, const char *fmt, ...) VZ_PRINTF(4, 5);
static int xfail(struct xctx *x, int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	x->rep.code = code;
	x->rep.errnum = errnum > 0 ? errnum : 0;
	va_start(ap, fmt);
	(void)vsnprintf(x->rep.msg, sizeof(x->rep.msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Entry names come from the tarball: keep the message on one short line. */
static void printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static bool path_escapes(const char *p)
{
	if (p[0] == '/')
		return true;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		p += strspn(p, "/");
	}
	return false;
}

static int code_for_errno(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return VZ_E_NOSPACE;
	if (e == EIO || e == EROFS || e == ENOMEM)
		return VZ_E_SYSTEM;
	return VZ_E_BAD_TEMPLATE;
}

static int archive_fail(struct xctx *x, struct archive *a, const char *what)
{
	int e = archive_errno(a);
	const char *msg = archive_error_string(a) ?: "unknown error";

	if (!what)
		return xfail(x, code_for_errno(e), e, "%s", msg);
	return xfail(x, code_for_errno(e), e, "%s '%s': %s", what, x->name, msg);
}

static int shift_id(struct xctx *x, const char *what, la_int64_t id, la_int64_t *ret_id)
{
	if (id < 0 || id >= x->size)
		return xfail(x, VZ_E_BAD_TEMPLATE, 0,
			     "entry '%s' has %s %lld outside the container's range 0-%u", x->name,
			     what, (long long)id, x->size - 1);
	*ret_id = (la_int64_t)x->base + id;
	return 0;
}

static int shift_owner(struct xctx *x, struct archive_entry *e)
{
	la_int64_t uid = 0, gid = 0;

	if (shift_id(x, "uid", archive_entry_uid(e), &uid) < 0 ||
	    shift_id(x, "gid", archive_entry_gid(e), &gid) < 0)
		return -1;
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	/* Ids, never names: a name would resolve against the host's passwd. */
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	return 0;
}

/*
 * The kernel honours a v2 file capability only for the initial namespace's
 * root, so rewrite every file capability as v3 owned by the CT's root
 * (base + rootid); writing a v3 one with rootid 0 yields v2 when base is 0.
 */
static int shift_fcaps(struct xctx *x, const void *value, size_t size,
		       struct vfs_ns_cap_data *ret_caps)
{
	struct vfs_ns_cap_data in = {0};
	uint32_t magic, rev, rootid = 0;

	if (size >= sizeof(in.magic_etc) && size <= sizeof(in))
		memcpy(&in, value, size);
	magic = le32toh(in.magic_etc);
	rev = magic & VFS_CAP_REVISION_MASK;
	if (!(rev == VFS_CAP_REVISION_1 && size == XATTR_CAPS_SZ_1) &&
	    !(rev == VFS_CAP_REVISION_2 && size == XATTR_CAPS_SZ_2) &&
	    !(rev == VFS_CAP_REVISION_3 && size == XATTR_CAPS_SZ_3))
		return xfail(x, VZ_E_BAD_TEMPLATE, 0, "entry '%s' has a malformed file capability",
			     x->name);
	if (rev == VFS_CAP_REVISION_3)
		rootid = le32toh(in.rootid);
	if (rootid >= x->size)
		return xfail(x, VZ_E_BAD_TEMPLATE, 0,
			     "entry '%s' has a file capability for uid %u outside the container",
			     x->name, rootid);
	*ret_caps = in;
	ret_caps->magic_etc = htole32(VFS_CAP_REVISION_3 | (magic & VFS_CAP_FLAGS_EFFECTIVE));
	ret_caps->rootid = htole32(x->base + rootid);
	return 0;
}

/* Keep user.* and the file capability; trusted.*, LSM labels and ACLs (unshifted ids) go. */
static int keep_xattr(struct xctx *x, struct archive_entry *keep, const char *name,
		      const void *value, size_t size)
{
	struct vfs_ns_cap_data caps;

	if (streq(name, "security.capability")) {
		if (shift_fcaps(x, value, size, &caps) < 0)
			return -1;
		archive_entry_xattr_add_entry(keep, name, &caps, sizeof(caps));
	} else if (strncmp(name, "user.", 5) == 0) {
		archive_entry_xattr_add_entry(keep, name, value, size);
	}
	return 0;
}

static int filter_xattrs(struct xctx *x, struct archive_entry *e)
{
	struct archive_entry *keep;
	const char *name;
	const void *value;
	size_t size;
	int r = 0;

	if (archive_entry_xattr_reset(e) <= 0)
		return 0;
	keep = archive_entry_new();
	if (!keep)
		vz_oom();
	while (r == 0 && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		r = keep_xattr(x, keep, name, value, size);
	archive_entry_xattr_clear(e);
	(void)archive_entry_xattr_reset(keep);
	while (archive_entry_xattr_next(keep, &name, &value, &size) == ARCHIVE_OK)
		archive_entry_xattr_add_entry(e, name, value, size);
	archive_entry_free(keep);
	return r;
}

/*
 * What no entry of a template may be, whatever ids it gets: checked at
 * import and again at extraction. Returns 1 for entries to skip, 0 for
 * acceptable ones, < 0 to refuse the tarball.
 */
static int check_entry_shape(struct xctx *x, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	char lname[160];

	if (!path)
		return xfail(x, VZ_E_BAD_TEMPLATE, 0, "entry with an unreadable name");
	printable(path, x->name, sizeof(x->name));
	if (path[0] == '/')
		return xfail(x, VZ_E_BAD_TEMPLATE, 0, "entry '%s' has an absolute path", x->name);
	if (path_escapes(path))
		return xfail(x, VZ_E_BAD_TEMPLATE, 0, "entry '%s' escapes the root", x->name);
	if (link && path_escapes(link)) {
		printable(link, lname, sizeof(lname));
		return xfail(x, VZ_E_BAD_TEMPLATE, 0,
			     "entry '%s' is a hard link outside the root ('%s')", x->name, lname);
	}
	/*
	 * Device nodes are skipped, not refused: debootstrap'd trees carry
	 * /dev/null and friends, CT root could not open them in its user
	 * namespace, and vz mounts a fresh /dev over the CT's anyway. The
	 * kernel makes sockets on bind(); a tarball cannot carry one.
	 */
	if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFSOCK)
		return 1;
	if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFIFO)
		return xfail(x, VZ_E_BAD_TEMPLATE, 0, "entry '%s' has an unknown type", x->name);
	return 0;
}

/* Returns 1 for entries to skip, 0 to extract, < 0 to refuse the tarball. */
static int check_entry(struct xctx *x, struct archive_entry *e)
{
	int r = check_entry_shape(x, e);

	if (r != 0)
		return r;
	if (shift_owner(x, e) < 0 || filter_xattrs(x, e) < 0)
		return -1;
	return 0;
}

static int copy_data(struct xctx *x, struct archive *in, struct archive *out)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(in, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_fail(x, in, "read");
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return archive_fail(x, out, "entry");
	}
}

static int extract_entries(struct xctx *x, struct archive *in, struct archive *out)
{
	struct archive_entry *e;

	for (;;) {
		int r = archive_read_next_header(in, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return archive_fail(x, in, x->name[0] ? "read after entry" : NULL);
		r = check_entry(x, e);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		/* libarchive's secure flags make it refuse with ARCHIVE_FAILED; we stop there. */
		if (archive_write_header(out, e) < ARCHIVE_WARN)
			return archive_fail(x, out, "entry");
		if (copy_data(x, in, out) < 0)
			return -1;
		if (archive_write_finish_entry(out) < ARCHIVE_WARN)
			return archive_fail(x, out, "entry");
	}
}

/*
 * No ARCHIVE_EXTRACT_UNLINK: with it, SECURE_SYMLINKS silently removes a
 * symlink met mid-path instead of refusing the entry, and the target is new
 * and empty anyway. No FFLAGS either: an immutable file would keep the
 * caller from removing a partial tree.
 */
static const int extract_flags = ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_OWNER |
				 ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
				 ARCHIVE_EXTRACT_XATTR;

static int child_extract(struct xctx *x, int tarfd)
{
	struct archive *in = reader_new(), *out = archive_write_disk_new();
	int r;

	if (!out)
		vz_oom();
	(void)archive_write_disk_set_options(out, extract_flags);
	if (archive_read_open_fd(in, tarfd, 64 * 1024) < ARCHIVE_WARN)
		r = archive_fail(x, in, NULL);
	else
		r = extract_entries(x, in, out);
	/* Closing applies the deferred directory modes and times. */
	if (r == 0 && archive_write_close(out) < ARCHIVE_WARN)
		r = archive_fail(x, out, NULL);
	(void)archive_read_free(in);
	(void)archive_write_free(out);
	return r;
}

static int child_setup(struct xctx *x, pid_t parent, int dirfd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return xfail(x, VZ_E_SYSTEM, errno, "watch parent");
	if (getppid() != parent)
		return xfail(x, VZ_E_SYSTEM, 0, "parent died");
	/* UTF-8 pax names must convert; the daemon may run in the C locale. */
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	(void)umask(0);
	if (fchdir(dirfd) < 0)
		return xfail(x, VZ_E_SYSTEM, errno, "enter target directory");
	/*
	 * Defence in depth on top of libarchive's checks and ours: whatever
	 * slips through lands inside the tree. Unprivileged callers (tests)
	 * cannot chroot and rely on the checks alone.
	 */
	if (chroot(".") < 0 && errno != EPERM)
		return xfail(x, VZ_E_SYSTEM, errno, "chroot to target directory");
	return 0;
}

VZ_NORETURN static void extract_child(pid_t parent, int tarfd, int dirfd, int wfd, uid_t base,
				      uint32_t size)
{
	struct xctx x = {.base = base, .size = size};
	int r = child_setup(&x, parent, dirfd);

	if (r == 0)
		r = child_extract(&x, tarfd);
	if (r < 0)
		(void)write_all(wfd, &x.rep,
				offsetof(struct child_report, msg) + strlen(x.rep.msg));
	_exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int wait_child(pid_t pid, int rfd, const char *tarball, vz_error_t *err)
{
	struct child_report rep = {0};
	size_t got = 0;
	int status;

	while (got < sizeof(rep) - 1) {
		ssize_t n = read(rfd, (char *)&rep + got, sizeof(rep) - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vz_error_make(err, VZ_E_SYSTEM, errno,
					     "template '%s': wait for extraction", tarball);
	if (got >= offsetof(struct child_report, msg) && rep.code > 0)
		return vz_error_make(err, rep.code, rep.errnum, "template '%s': %s", tarball,
				     rep.msg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SUCCESS)
		return 0;
	if (WIFSIGNALED(status))
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "template '%s': extraction killed by signal %d", tarball,
				     WTERMSIG(status));
	return vz_error_make(err, VZ_E_SYSTEM, 0, "template '%s': extraction failed", tarball);
}

/*
 * Trust model: called by a vzd worker as root. tarball (a path in the cache)
 * and dirfd come from vzd; the tarball's contents are untrusted, because users
 * import templates.
 */
int vz_template_extract(const char *tarball, int dirfd, uid_t base, uint32_t size, vz_error_t *err)
{
	_cleanup_close_ int tarfd = -EBADF, rfd = -EBADF, wfd = -EBADF;
	pid_t parent = getpid(), pid;
	int p[2];

	/* The last id in range must stay below (uid_t)-1, which means "no change". */
	if (size == 0 || (uint64_t)base + size > UINT32_MAX)
		return vz_error_make(err, VZ_E_VALUE, 0, "invalid id range %u+%u", base, size);
	tarfd = open(tarball, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (tarfd < 0)
		return vz_error_make(err, errno == ENOENT ? VZ_E_TEMPLATE_NOT_FOUND : VZ_E_SYSTEM,
				     errno, "open template '%s'", tarball);
	if (pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "template '%s': pipe", tarball);
	rfd = p[0];
	wfd = p[1];
	pid = fork();
	if (pid < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "template '%s': fork", tarball);
	if (pid == 0)
		extract_child(parent, tarfd, dirfd, wfd, base, size);
	closep(&wfd);
	return wait_child(pid, rfd, tarball, err);
}

static int open_cachedir(const char *cachedir, vz_error_t *err)
{
	int r = mkdir_p(cachedir, 0755), fd;

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "create template cache '%s'", cachedir);
	fd = open(cachedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open template cache '%s'", cachedir);
	return fd;
}

/* A hidden temp file next to final (dot names are never templates); NULL with errno set. */
static char *open_tmp(int dfd, const char *final, int *ret_fd)
{
	static unsigned int counter;

	for (int i = 0; i < 100; i++) {
		unsigned int n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
		_cleanup_free_ char *name = xasprintf(".%s.%d.%u.tmp", final, (int)getpid(), n);
		int fd =
			openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd >= 0) {
			*ret_fd = fd;
			return steal_ptr(name);
		}
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

/* Make the temp file durable and give it its final name (RENAME_NOREPLACE unless replace). */
static int publish(int dfd, int fd, const char *tmp, const char *final, bool replace)
{
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		return neg_errno();
	if (replace) {
		if (renameat(dfd, tmp, dfd, final) < 0)
			return neg_errno();
	} else if (renameat2(dfd, tmp, dfd, final, RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL && errno != ENOSYS)
			return neg_errno();
		/* No RENAME_NOREPLACE on this file system: link() never replaces either. */
		if (linkat(dfd, tmp, dfd, final, 0) < 0)
			return neg_errno();
		(void)unlinkat(dfd, tmp, 0);
	}
	(void)fsync(dfd);
	return 0;
}

static const char *filter_ext(int code)
{
	switch (code) {
	case ARCHIVE_FILTER_NONE:
		return ".tar";
	case ARCHIVE_FILTER_GZIP:
		return ".tar.gz";
	case ARCHIVE_FILTER_XZ:
		return ".tar.xz";
	case ARCHIVE_FILTER_ZSTD:
		return ".tar.zst";
	case ARCHIVE_FILTER_BZIP2:
		return ".tar.bz2";
	default:
		return NULL;
	}
}

/* "./a//b/./c/" -> "a/b/c" (callers refused ".." already). */
static char *normalize_path(const char *p)
{
	char *out = xzalloc(strlen(p) + 1);
	size_t len = 0;

	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
	}
	out[len] = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void free_str(void *p)
{
	free(p);
}

/* The symlink entry (of the set in *links) that path, or a leading part of it, goes through. */
static const char *through_symlink(void *const *links, const char *path)
{
	_cleanup_free_ char *copy = normalize_path(path);

	for (char *slash = strchr(copy, '/'); slash; slash = strchr(slash + 1, '/')) {
		void *const *hit;

		*slash = '\0';
		hit = tfind(copy, links, cmp_str);
		*slash = '/';
		if (hit)
			return *(char *const *)hit;
	}
	return NULL;
}

/*
 * Refuse at import what extraction would refuse, so that a template in the
 * cache can be trusted to create CTs: the entry checks, plus entries written
 * through a symlink an earlier entry made (libarchive's SECURE_SYMLINKS stops
 * those at extraction, but only there).
 */
static int check_import_entry(struct xctx *x, void **links, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	const char *via;
	char lname[160];

	if (check_entry_shape(x, e) < 0)
		return -1;
	via = through_symlink(links, path);
	if (!via && link)
		via = through_symlink(links, link);
	if (via) {
		printable(via, lname, sizeof(lname));
		return xfail(x, VZ_E_BAD_TEMPLATE, 0, "entry '%s' goes through the symlink '%s'",
			     x->name, lname);
	}
	if (archive_entry_filetype(e) == AE_IFLNK && !link) {
		char *norm = normalize_path(path);
		void *const *slot = tsearch(norm, links, cmp_str);

		if (!slot)
			vz_oom();
		if (*(char *const *)slot != norm)
			free(norm);
	}
	return 0;
}

/* Read every header of the tar in fd and check it; *ret_ext names its compression. */
int template_validate_tar(int fd, const char **ret_ext, const char *name, const char *file,
			  vz_error_t *err)
{
	struct archive *a = reader_new();
	struct archive_entry *e;
	struct xctx x = {0};
	void *links = NULL;
	const char *ext = NULL;
	int r, n = 0;

	r = archive_read_open_fd(a, fd, 64 * 1024);
	while (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
		r = archive_read_next_header(a, &e);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			break;
		/* One filter plus the raw reader; a .tar.gz.xz would get a lying name. */
		if (n++ == 0 && archive_filter_count(a) <= 2)
			ext = filter_ext(archive_filter_code(a, 0));
		if (check_import_entry(&x, &links, e) < 0)
			break;
		r = archive_read_data_skip(a);
	}
	if (x.rep.code)
		r = vz_error_make(err, x.rep.code, 0, "template '%s': '%s': %s", name, file,
				  x.rep.msg);
	else if (r != ARCHIVE_EOF)
		r = vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				  "template '%s': '%s' is not a tar archive: %s", name, file,
				  archive_error_string(a) ?: "unknown error");
	else if (n == 0 || !ext)
		r = vz_error_make(err, VZ_E_BAD_TEMPLATE, 0, "template '%s': '%s' %s", name, file,
				  n == 0 ? "has no entries" : "has an unsupported compression");
	else
		*ret_ext = ext;
	tdestroy(links, free_str);
	(void)archive_read_free(a);
	return r < 0 ? -1 : 0;
}

static int copy_fd(int from, int to)
{
	_cleanup_free_ char *buf = xmalloc(64 * 1024);

	for (;;) {
		ssize_t n = read(from, buf, 64 * 1024);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? neg_errno() : 0;
		r = write_all(to, buf, n);
		if (r < 0)
			return r;
	}
}

/* Copy first and check the copy, so the file cannot change between check and use. */
static int import_into(int dfd, int src, int fd, const char *tmp, const char *file,
		       const char *name, vz_error_t *err)
{
	_cleanup_free_ char *final = NULL;
	const char *ext = NULL;
	int r = copy_fd(src, fd);

	if (r < 0)
		return vz_error_make(err, r == -ENOSPC ? VZ_E_NOSPACE : VZ_E_SYSTEM, -r,
				     "template '%s': copy '%s'", name, file);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "template '%s': seek", name);
	if (template_validate_tar(fd, &ext, name, file, err) < 0)
		return -1;
	final = xasprintf("%s%s", name, ext);
	r = publish(dfd, fd, tmp, final, false);
	if (r == -EEXIST)
		return vz_error_make(err, VZ_E_VALUE, 0, "template '%s' already exists", name);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "template '%s': store '%s'", name,
				     final);
	return 0;
}

/*
 * Trust model: the contents of file are untrusted; they are only copied and
 * parsed here, and vz_template_extract() polices the entries. The path is
 * opened with the caller's privileges, so vzd must take it only from root.
 */
int vz_template_import(const char *cachedir, const char *file, const char *name, vz_error_t *err)
{
	_cleanup_close_ int src = -EBADF;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang us before the regular-file check. */
	src = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (src < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "template '%s': open '%s'", name,
				     file);
	return vz_template_import_fd(cachedir, src, file, name, err);
}

int vz_template_import_fd(const char *cachedir, int src, const char *file, const char *name,
			  vz_error_t *err)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *tmp = NULL, *existing = NULL;
	struct stat st;
	int r;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	dfd = open_cachedir(cachedir, err);
	if (dfd < 0)
		return -1;
	existing = find_stem(dfd, name);
	if (existing)
		return vz_error_make(err, VZ_E_VALUE, 0, "template '%s' already exists", name);
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode))
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				     "template '%s': '%s' is not a regular file", name, file);
	tmp = open_tmp(dfd, name, &fd);
	if (!tmp)
		return vz_error_make(err, VZ_E_SYSTEM, errno,
				     "template '%s': create temp file in '%s'", name, cachedir);
	r = import_into(dfd, src, fd, tmp, file, name, err);
	if (r < 0)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}

/* Statically linked means no PT_INTERP: the CT has no dynamic loader for it. */
static int elf_is_static(int fd, bool *ret_static)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	uint64_t phoff;
	uint16_t phentsize, phnum;

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (h[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		memcpy(&eh, h, sizeof(eh));
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
	} else if (h[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		memcpy(&eh, h, sizeof(eh));
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
	} else {
		return -ENOEXEC;
	}
	if (phentsize < sizeof(uint32_t))
		return -ENOEXEC;
	*ret_static = true;
	for (uint16_t i = 0; i < phnum; i++) {
		uint32_t type; /* p_type leads both Elf32_Phdr and Elf64_Phdr */

		if (pread(fd, &type, sizeof(type), phoff + (uint64_t)i * phentsize) != sizeof(type))
			return -ENOEXEC;
		if (type == PT_INTERP)
			*ret_static = false;
	}
	return 0;
}

static int open_busybox(struct stat *st, vz_error_t *err)
{
	_cleanup_close_ int fd = open(BUSYBOX_PATH, O_RDONLY | O_CLOEXEC);
	bool is_static = false;
	int r;

	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno,
				     "busybox at '%s' (install busybox-static)", BUSYBOX_PATH);
	r = elf_is_static(fd, &is_static);
	if (r == 0 && fstat(fd, st) < 0)
		r = neg_errno();
	if (r == 0 && !S_ISREG(st->st_mode))
		r = -ENOEXEC;
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "busybox at '%s'", BUSYBOX_PATH);
	if (!is_static)
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "busybox at '%s' is not static; install busybox-static",
				     BUSYBOX_PATH);
	return take_fd(fd);
}

static int read_capped(int fd, char **ret_out)
{
	_cleanup_free_ char *buf = xmalloc(CAPTURE_MAX + 1);
	size_t len = 0;

	while (len < CAPTURE_MAX) {
		ssize_t n = read(fd, buf + len, CAPTURE_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return neg_errno();
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*ret_out = steal_ptr(buf);
	return 0;
}

static VZ_NORETURN void exec_busybox(int out, const char *arg)
{
	char *argv[] = {(char *)BUSYBOX_PATH, (char *)arg, NULL}, *envp[] = {NULL};
	/* Both above stdio, so each dup2() clears CLOEXEC even if the daemon closed 0-2. */
	int o = fcntl(out, F_DUPFD_CLOEXEC, 3);
	int null = fcntl(open("/dev/null", O_RDWR | O_CLOEXEC), F_DUPFD_CLOEXEC, 3);

	if (o >= 3 && null >= 3 && dup2(null, 0) == 0 && dup2(o, 1) == 1 && dup2(null, 2) == 2)
		(void)execve(BUSYBOX_PATH, argv, envp);
	_exit(127);
}

/* Always -1 (vz_error_make's result is opaque to the static analyzer). */
static int run_fail(vz_error_t *err, int errnum, const char *arg, const char *what)
{
	(void)vz_error_make(err, VZ_E_SYSTEM, errnum, "run '%s%s%s': %s", BUSYBOX_PATH,
			    arg ? " " : "", arg ?: "", what);
	return -1;
}

/* Run busybox with one argument (or none) and capture its stdout. */
static int busybox_run(const char *arg, char **ret_out, vz_error_t *err)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	_cleanup_free_ char *out = NULL;
	int p[2], r, status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return run_fail(err, errno, arg, "pipe");
	rfd = p[0];
	wfd = p[1];
	pid = fork();
	if (pid < 0)
		return run_fail(err, errno, arg, "fork");
	if (pid == 0)
		exec_busybox(wfd, arg);
	closep(&wfd);
	r = read_capped(rfd, &out);
	/* Past the cap, the pipe closes under busybox and SIGPIPE ends it. */
	closep(&rfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return run_fail(err, -r, arg, "read");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return run_fail(err, 0, arg, "failed");
	*ret_out = steal_ptr(out);
	return 0;
}

/* "BusyBox v1.35.0 (Debian 1:1.35.0-4) multi-call binary." -> "1.35.0" */
static char *busybox_version(const char *banner)
{
	const char *p = strstr(banner, "BusyBox v");
	size_t n;

	if (!p)
		return xstrdup("unknown");
	p += strlen("BusyBox v");
	n = strspn(p, "0123456789abcdefghijklmnopqrstuvwxyz._-");
	return n ? xstrndup(p, n) : xstrdup("unknown");
}

struct builder {
	struct archive *w;
	time_t mtime;
};

static int put(struct builder *b, const char *path, mode_t type, mode_t perm, const char *target,
	       la_int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		vz_oom();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, b->mtime, 0);
	if (target)
		archive_entry_set_symlink(e, target);
	archive_entry_set_size(e, size);
	r = archive_write_header(b->w, e);
	archive_entry_free(e);
	return r < ARCHIVE_OK ? -1 : 0;
}

static int put_file(struct builder *b, const char *path, mode_t perm, const char *content)
{
	size_t len = strlen(content);

	if (put(b, path, AE_IFREG, perm, NULL, len) < 0)
		return -1;
	return archive_write_data(b->w, content, len) == (la_ssize_t)len ? 0 : -1;
}

static int put_busybox(struct builder *b, int fd, off_t size)
{
	_cleanup_free_ char *buf = xmalloc(64 * 1024);
	off_t done = 0;

	if (put(b, "bin/busybox", AE_IFREG, 0755, NULL, size) < 0)
		return -1;
	while (done < size) {
		ssize_t n = pread(fd, buf, 64 * 1024, done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			archive_set_error(b->w, n < 0 ? errno : EIO, "read '%s'", BUSYBOX_PATH);
			return -1;
		}
		if (archive_write_data(b->w, buf, n) != n)
			return -1;
		done += n;
	}
	return 0;
}

static const struct {
	const char *path;
	mode_t perm;
} busybox_dirs[] = {
	{".", 0755},	    {"bin", 0755},  {"sbin", 0755},	  {"usr", 0755},  {"usr/bin", 0755},
	{"usr/sbin", 0755}, {"etc", 0755},  {"etc/init.d", 0755}, {"root", 0700}, {"tmp", 01777},
	{"proc", 0555},	    {"sys", 0555},  {"dev", 0755},	  {"run", 0755},  {"var", 0755},
	{"var/log", 0755},  {"home", 0755},
};

static bool applet_dir_ok(const char *path, size_t dirlen)
{
	static const char *const dirs[] = {"bin", "sbin", "usr/bin", "usr/sbin"};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (strlen(dirs[i]) == dirlen && strncmp(path, dirs[i], dirlen) == 0)
			return true;
	return false;
}

/* One symlink per line of `busybox --list-full` ("usr/bin/wc"), all to /bin/busybox. */
static int put_applets(struct builder *b, char *list)
{
	bool have_init = false;

	for (char *save = NULL, *l = strtok_r(list, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		const char *slash = strrchr(l, '/');

		if (!slash || !slash[1] || !applet_dir_ok(l, slash - l) || strstr(l, "..") ||
		    streq(l, "bin/busybox"))
			continue;
		if (put(b, l, AE_IFLNK, 0777, BUSYBOX_PATH, 0) < 0)
			return -1;
		have_init |= streq(l, "sbin/init");
	}
	if (!have_init && put(b, "sbin/init", AE_IFLNK, 0777, BUSYBOX_PATH, 0) < 0)
		return -1;
	return 0;
}

static int put_etc(struct builder *b, const char *version)
{
	_cleanup_free_ char *os_release = xasprintf(
		"ID=busybox\nNAME=\"BusyBox\"\nPRETTY_NAME=\"BusyBox %s\"\nVERSION_ID=%s\n",
		version, version);
	/* No gettys: a CT has no console. */
	const struct {
		const char *path, *content;
		mode_t perm;
	} files[] = {
		{"etc/inittab", "::sysinit:/etc/init.d/rcS\n::shutdown:/bin/true\n", 0644},
		{"etc/init.d/rcS", "#!/bin/sh\nhostname -F /etc/hostname 2>/dev/null\nexit 0\n",
		 0755},
		{"etc/passwd",
		 "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/"
		 "false\n",
		 0644},
		{"etc/shadow", "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", 0600},
		{"etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n", 0644},
		{"etc/hostname", "localhost\n", 0644},
		{"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
		 0644},
		{"etc/os-release", os_release, 0644},
		{"etc/shells", "/bin/sh\n/bin/ash\n", 0644},
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (put_file(b, files[i].path, files[i].perm, files[i].content) < 0)
			return -1;
	return 0;
}

static int write_busybox_tar(struct builder *b, int fd, int bb, off_t bb_size, char *applets,
			     const char *version)
{
	if (archive_write_add_filter_gzip(b->w) < ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(b->w) < ARCHIVE_OK)
		return -1;
	/* Same busybox, same bytes: no build time in the gzip header. */
	(void)archive_write_set_options(b->w, "gzip:!timestamp");
	if (archive_write_open_fd(b->w, fd) < ARCHIVE_OK)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(busybox_dirs); i++)
		if (put(b, busybox_dirs[i].path, AE_IFDIR, busybox_dirs[i].perm, NULL, 0) < 0)
			return -1;
	if (put_busybox(b, bb, bb_size) < 0 || put_applets(b, applets) < 0 ||
	    put_etc(b, version) < 0)
		return -1;
	return archive_write_close(b->w) < ARCHIVE_OK ? -1 : 0;
}

static int build_into(int dfd, int fd, const char *tmp, const char *final, vz_error_t *err)
{
	_cleanup_free_ char *applets = NULL, *banner = NULL, *version = NULL;
	_cleanup_close_ int bb = -EBADF;
	struct builder b = {0};
	struct stat st = {0};
	int r;

	bb = open_busybox(&st, err);
	if (bb < 0 || busybox_run("--list-full", &applets, err) < 0 ||
	    busybox_run(NULL, &banner, err) < 0) {
		(void)vz_error_wrap(err, "build template 'busybox'");
		return -1;
	}
	version = busybox_version(banner);
	b.w = archive_write_new();
	if (!b.w)
		vz_oom();
	b.mtime = st.st_mtime;
	r = write_busybox_tar(&b, fd, bb, st.st_size, applets, version);
	if (r < 0)
		r = vz_error_make(err, VZ_E_SYSTEM, archive_errno(b.w),
				  "build template 'busybox': %s",
				  archive_error_string(b.w) ?: "write failed");
	(void)archive_write_free(b.w);
	if (r == 0 && (r = publish(dfd, fd, tmp, final, true)) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "build template 'busybox': store '%s'",
				     final);
	return r;
}

int vz_template_build(const char *cachedir, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *mach = machine_name(), *final = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	int r;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	if (!streq(name, "busybox"))
		return vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0, "no recipe for template '%s'",
				     name);
	dfd = open_cachedir(cachedir, err);
	if (dfd < 0)
		return -1;
	final = xasprintf("busybox-%s.tar.gz", mach);
	tmp = open_tmp(dfd, final, &fd);
	if (!tmp)
		return vz_error_make(err, VZ_E_SYSTEM, errno,
				     "build template 'busybox': create temp file in '%s'",
				     cachedir);
	r = build_into(dfd, fd, tmp, final, err);
	if (r < 0)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}
