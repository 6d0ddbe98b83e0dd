/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Templates from an image server (streams.h for the catalogue, fetch.h
 * for the transfers) into the cache.
 *
 * A download goes to a hidden ".NAME.tar.xz.part" in the cache (dot names
 * are never templates), which a download cut short leaves for the next
 * one to go on from. A squashfs image (a server that offers no
 * root.tar.xz) comes as ".NAME.squashfs.part" and is repacked as a tarball. Only a file of the
 * catalogue's size and sha256 that reads as a template becomes NAME.tar.xz, by rename; anything
 * else is removed and refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/fetch.h"
#include "template/internal.h"
#include "template/streams.h"
#include "template/template.h"
#include "util/exec.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* What the catalogue files may weigh. */
#define INDEX_MAX (1 << 20)
#define PRODUCTS_MAX (64 << 20)
/* Room left on the cache's file system beside a download. */
#define SPARE_BYTES (64ULL << 20)

struct vz_image *vz_template_remote_list(const struct vz_template_server *srv, size_t *ret_n,
					 vz_error_t *err)
{
	struct vz_fetch f = {.ca_file = srv->ca_file};
	_cleanup_free_ char *iurl = vz_fetch_url(srv->url, VZ_STREAMS_INDEX);
	_cleanup_free_ char *index = NULL, *ppath = NULL, *purl = NULL, *products = NULL;
	size_t len;

	if (vz_fetch_text(&f, iurl, INDEX_MAX, &index, &len, err) < 0)
		return NULL;
	ppath = vz_streams_products_path(index, len, err);
	if (!ppath)
		return NULL;
	purl = vz_fetch_url(srv->url, ppath);
	if (vz_fetch_text(&f, purl, PRODUCTS_MAX, &products, &len, err) < 0)
		return NULL;
	return vz_streams_images(products, len, vz_streams_arch(), ret_n, err);
}

int template_file_sha256(int fd, char hex[65])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE], buf[1 << 16];
	unsigned int mdlen = 0;
	ssize_t n;
	int r = -EIO;

	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 || lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (EVP_DigestUpdate(c, buf, (size_t)n) != 1)
			goto out;
	if (n < 0 || EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	r = 0;
out:
	EVP_MD_CTX_free(c);
	return r;
}

struct progress {
	vz_template_progress_fn fn;
	void *data;
	const char *name;
};

static void on_progress(void *data, uint64_t done, uint64_t total, double secs)
{
	struct progress *p = data;
	char line[256];

	if (!p->fn)
		return;
	snprintf(line, sizeof(line), "Downloading %s: %.1f of %.1f MB (%.1f MB/s)", p->name,
		 done / 1e6, total / 1e6, secs > 0 ? done / 1e6 / secs : 0.0);
	p->fn(p->data, line);
}

/* Refuse an image the cache's file system has no room for, before a byte comes. */
static int check_room(int dfd, const struct vz_image *img, uint64_t have, vz_error_t *err)
{
	struct statvfs sv;
	uint64_t avail;

	if (fstatvfs(dfd, &sv) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "statvfs of the template cache");
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (img->size - have + SPARE_BYTES > avail)
		return vz_error_make(err, VZ_E_NOSPACE, 0,
				     "the image of %s-%s is %" PRIu64
				     " MB, the template cache has %" PRIu64 " MB free",
				     img->dist, img->release, img->size >> 20, avail >> 20);
	return 0;
}

/* Fetch img into the part file (going on from what it has), checked. */
static int fetch_checked(const struct vz_template_server *srv, int dfd, const char *part,
			 const struct vz_image *img, struct progress *p, vz_error_t *err)
{
	struct vz_fetch f = {.ca_file = srv->ca_file, .progress = on_progress, .data = p};
	_cleanup_free_ char *url = vz_fetch_url(srv->url, img->path);
	_cleanup_close_ int fd = -1;
	struct stat st;
	uint64_t have = 0;
	char hex[65];

	if (fstatat(dfd, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size <= img->size)
		have = (uint64_t)st.st_size;
	/* Before the part file is made: a refusal leaves nothing behind. */
	if (check_room(dfd, img, have, err) < 0)
		return -1;
	fd = openat(dfd, part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open '%s' in the template cache",
				     part);
	if (have == 0 && ftruncate(fd, 0) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "truncate '%s'", part);
	if (have > 0 && p->fn)
		p->fn(p->data, "Going on with an earlier download cut short");
	if (vz_fetch_file(&f, url, fd, &have, img->size, err) < 0) {
		/* What came stays for the next download to go on from; nothing, nothing. */
		if (have == 0)
			(void)unlinkat(dfd, part, 0);
		return -1;
	}
	if (template_file_sha256(fd, hex) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "read '%s'", part);
	if (!streq(hex, img->sha256)) {
		(void)unlinkat(dfd, part, 0);
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				     "%s: sha256 %s, the catalogue says %s: refused", url, hex,
				     img->sha256);
	}
	return 0;
}

/* The checked part becomes NAME.tar.xz, if it reads as a template. */
static int publish(int dfd, const char *part, const char *name, vz_error_t *err)
{
	_cleanup_close_ int fd = openat(dfd, part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *final = NULL;
	const char *ext = NULL;
	int r;

	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open '%s'", part);
	if (template_validate_tar(fd, &ext, name, part, err) < 0) {
		(void)unlinkat(dfd, part, 0);
		return -1;
	}
	final = xasprintf("%s%s", name, ext);
	r = template_publish(dfd, fd, part, final, false);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "put '%s' into the template cache",
				     final);
	return 0;
}

/* Run argv, its output to /dev/null: its exit status, or -1. */
static int run_quiet(char **argv)
{
	int fds[3] = {-1, -1, -1}, st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_with_fds(argv, fds, 3);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * A squashfs image (checked) into the tarball part tar_part: unpacked by
 * unsquashfs (squashfs-tools) into a hidden directory of the cache, packed
 * again by tar with numeric owners; the directory and the image go.
 */
static int squashfs_to_tar(const char *cachedir, int dfd, const char *part, const char *tar_part,
			   vz_error_t *err)
{
	_cleanup_free_ char *img = xasprintf("%s/%s", cachedir, part);
	_cleanup_free_ char *tree = xasprintf("%s/%s.d", cachedir, part);
	_cleanup_free_ char *out = xasprintf("%s/%s", cachedir, tar_part);
	char *unsq[] = {"unsquashfs", "-no-progress", "-quiet", "-d", tree, img, NULL};
	char *tar[] = {"tar", "--numeric-owner", "--xattrs", "-cJf", out, "-C", tree, ".", NULL};
	int r = 0;

	(void)rm_rf_at(AT_FDCWD, tree);
	if (run_quiet(unsq) != 0)
		r = vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				  "unsquashfs could not unpack %s (is squashfs-tools installed?)",
				  part);
	else if (run_quiet(tar) != 0)
		r = vz_error_make(err, VZ_E_SYSTEM, 0, "tar could not pack %s", part);
	(void)rm_rf_at(AT_FDCWD, tree);
	(void)unlinkat(dfd, part, 0);
	if (r < 0)
		(void)unlinkat(dfd, tar_part, 0);
	return r;
}

int vz_template_download(const char *cachedir, const struct vz_template_server *srv,
			 const char *name, vz_template_progress_fn progress, void *data,
			 char **ret_name, vz_error_t *err)
{
	size_t n = 0;
	struct vz_image *images = NULL;
	const struct vz_image *img;
	_cleanup_free_ char *cname = NULL, *part = NULL, *have = NULL;
	_cleanup_close_ int dfd = -1;
	struct progress p = {.fn = progress, .data = data};
	int r = -1;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	images = vz_template_remote_list(srv, &n, err);
	if (!images)
		return vz_error_wrap(err, "template %s", name);
	img = vz_streams_find(images, n, name, err);
	if (!img)
		goto out;
	cname = vz_image_cache_name(img);
	p.name = cname;
	dfd = template_open_cachedir(cachedir, err);
	if (dfd < 0)
		goto out;
	have = template_find_stem(dfd, cname);
	if (have) {
		r = 0;
		if (progress)
			progress(data, "Already in the template cache");
		goto found;
	}
	if (streq(img->ftype, "squashfs")) {
		_cleanup_free_ char *sq = xasprintf(".%s.squashfs.part", cname);

		part = xasprintf(".%s.tar.xz.part", cname);
		if (fetch_checked(srv, dfd, sq, img, &p, err) < 0 ||
		    squashfs_to_tar(cachedir, dfd, sq, part, err) < 0)
			goto out;
	} else {
		part = xasprintf(".%s.tar.xz.part", cname);
		if (fetch_checked(srv, dfd, part, img, &p, err) < 0)
			goto out;
	}
	if (publish(dfd, part, cname, err) < 0)
		goto out;
	r = 0;
found:
	if (ret_name)
		*ret_name = steal_ptr(cname);
out:
	vz_images_free(images, n);
	if (r < 0)
		vz_error_wrap(err, "download template %s", name);
	return r;
}
