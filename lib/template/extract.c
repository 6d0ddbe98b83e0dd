/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extraction of a template tarball into a new CT's private area, in a
 * forked child: every entry passes entry.c's checks, gets its owner shifted
 * into the CT's id range and its file capability rewritten for the CT's
 * root, and libarchive's secure flags plus a chroot keep what slips through
 * inside the target.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <locale.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/entry.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int code_for_errno(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return VZ_E_NOSPACE;
	if (e == EIO || e == EROFS || e == ENOMEM)
		return VZ_E_SYSTEM;
	return VZ_E_BAD_TEMPLATE;
}

static int archive_fail(struct entry_check *x, struct archive *a, const char *what)
{
	int e = archive_errno(a);
	const char *msg = archive_error_string(a) ?: "unknown error";

	if (!what)
		return template_entry_fail(x, code_for_errno(e), e, "%s", msg);
	return template_entry_fail(x, code_for_errno(e), e, "%s '%s': %s", what, x->name, msg);
}

static int shift_id(struct entry_check *x, const char *what, la_int64_t id, la_int64_t *ret_id)
{
	if (id < 0 || id >= x->size)
		return template_entry_fail(
			x, VZ_E_BAD_TEMPLATE, 0,
			"entry '%s' has %s %lld outside the container's range 0-%u", x->name, what,
			(long long)id, x->size - 1);
	*ret_id = (la_int64_t)x->base + id;
	return 0;
}

static int shift_owner(struct entry_check *x, struct archive_entry *e)
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
static int shift_fcaps(struct entry_check *x, const void *value, size_t size,
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
		return template_entry_fail(x, VZ_E_BAD_TEMPLATE, 0,
					   "entry '%s' has a malformed file capability", x->name);
	if (rev == VFS_CAP_REVISION_3)
		rootid = le32toh(in.rootid);
	if (rootid >= x->size)
		return template_entry_fail(
			x, VZ_E_BAD_TEMPLATE, 0,
			"entry '%s' has a file capability for uid %u outside the container",
			x->name, rootid);
	*ret_caps = in;
	ret_caps->magic_etc = htole32(VFS_CAP_REVISION_3 | (magic & VFS_CAP_FLAGS_EFFECTIVE));
	ret_caps->rootid = htole32(x->base + rootid);
	return 0;
}

/* Keep user.* and the file capability; trusted.*, LSM labels and ACLs (unshifted ids) go. */
static int keep_xattr(struct entry_check *x, struct archive_entry *keep, const char *name,
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

static int filter_xattrs(struct entry_check *x, struct archive_entry *e)
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

/* Returns 1 for entries to skip, 0 to extract, < 0 to refuse the tarball. */
static int check_entry(struct entry_check *x, struct archive_entry *e)
{
	int r = template_check_entry_shape(x, e);

	if (r != 0)
		return r;
	if (shift_owner(x, e) < 0 || filter_xattrs(x, e) < 0)
		return -1;
	return 0;
}

static int copy_data(struct entry_check *x, struct archive *in, struct archive *out)
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

static int extract_entries(struct entry_check *x, struct archive *in, struct archive *out)
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

static int child_extract(struct entry_check *x, int tarfd)
{
	struct archive *in = template_reader_new(), *out = archive_write_disk_new();
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

static int child_setup(struct entry_check *x, pid_t parent, int dirfd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return template_entry_fail(x, VZ_E_SYSTEM, errno, "watch parent");
	if (getppid() != parent)
		return template_entry_fail(x, VZ_E_SYSTEM, 0, "parent died");
	/* UTF-8 pax names must convert; the daemon may run in the C locale. */
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	(void)umask(0);
	if (fchdir(dirfd) < 0)
		return template_entry_fail(x, VZ_E_SYSTEM, errno, "enter target directory");
	/*
	 * Defence in depth on top of libarchive's checks and ours: whatever
	 * slips through lands inside the tree. Unprivileged callers (tests)
	 * cannot chroot and rely on the checks alone.
	 */
	if (chroot(".") < 0 && errno != EPERM)
		return template_entry_fail(x, VZ_E_SYSTEM, errno, "chroot to target directory");
	return 0;
}

VZ_NORETURN static void extract_child(pid_t parent, int tarfd, int dirfd, int wfd, uid_t base,
				      uint32_t size)
{
	struct entry_check x = {.base = base, .size = size};
	int r = child_setup(&x, parent, dirfd);

	if (r == 0)
		r = child_extract(&x, tarfd);
	if (r < 0)
		(void)write_all(wfd, &x.rep,
				offsetof(struct entry_report, msg) + strlen(x.rep.msg));
	_exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int wait_child(pid_t pid, int rfd, const char *tarball, vz_error_t *err)
{
	struct entry_report rep = {0};
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
	if (got >= offsetof(struct entry_report, msg) && rep.code > 0)
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
