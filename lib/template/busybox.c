/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The built-in "busybox" template: written in C from the host's static
 * busybox (Debian busybox-static) as a gzip'd tar with one symlink per
 * applet and a minimal /etc, so tests and demos need no network.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/internal.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define BUSYBOX_PATH "/bin/busybox"
#define CAPTURE_MAX (1024 * 1024)

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
		r = template_neg_errno();
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
			return template_neg_errno();
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
	if (r == 0 && (r = template_publish(dfd, fd, tmp, final, true)) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "build template 'busybox': store '%s'",
				     final);
	return r;
}

int vz_template_build(const char *cachedir, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *mach = template_machine_name(), *final = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	int r;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	if (!streq(name, "busybox"))
		return vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0, "no recipe for template '%s'",
				     name);
	dfd = template_open_cachedir(cachedir, err);
	if (dfd < 0)
		return -1;
	final = xasprintf("busybox-%s.tar.gz", mach);
	tmp = template_open_tmp(dfd, final, &fd);
	if (!tmp)
		return vz_error_make(err, VZ_E_SYSTEM, errno,
				     "build template 'busybox': create temp file in '%s'",
				     cachedir);
	r = build_into(dfd, fd, tmp, final, err);
	if (r < 0)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}
