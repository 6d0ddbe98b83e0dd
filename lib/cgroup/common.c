/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bottom of lib/cgroup: knob reading, clocks, and making, walking and
 * removing a CT's group path in one hierarchy. Everything above (the
 * process helpers, limits, both backends, the dispatcher) uses these; they
 * call nothing else in lib/cgroup.
 *
 * Two rules hold everywhere here. We only ever write below "<prefix>/<ctid>"
 * and to the prefix levels (plus, on v2, the root's cgroup.subtree_control to
 * add controllers, never to remove any). And we never unlink in cgroupfs:
 * groups go with rmdir, depth-first, so a fake tree with stray files fails
 * with ENOTEMPTY instead of losing them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* A CT with 100k processes lists < 1 MiB; the cap only stops runaway reads. */
#define KNOB_MAX (16u << 20)

uint64_t cg_now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Sleep 100 us, then twice as long each call, at most 20 ms. */
void cg_backoff(unsigned *delay_us)
{
	struct timespec ts;

	*delay_us = *delay_us ? *delay_us * 2 : 100;
	if (*delay_us > 20000)
		*delay_us = 20000;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)*delay_us * 1000;
	(void)nanosleep(&ts, NULL);
}

int cg_read_knob(int fd, const char *name, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file_at(fd, name, KNOB_MAX, &buf, &len);
	if (r < 0)
		return r;
	while (len > 0 && strchr(" \t\n", buf[len - 1]))
		buf[--len] = '\0';
	*ret = buf;
	return 0;
}

bool cg_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n) {
		bool start = p == list || strchr(" \t\n", p[-1]);
		bool end = p[n] == '\0' || strchr(" \t\n", p[n]);

		if (start && end)
			return true;
	}
	return false;
}

void cg_hier_add(struct vz_cgroup *cg, const char *name, unsigned flags, int root_fd)
{
	struct cg_hier *h;

	cg->hiers = xreallocarray(cg->hiers, cg->n_hiers + 1, sizeof(*cg->hiers));
	h = &cg->hiers[cg->n_hiers++];
	h->name = xstrdup(name);
	h->flags = flags;
	h->root_fd = root_fd;
	h->fd = -EBADF;
	h->made_from = 0;
}

/* ---- making and removing the group path ---- */

/* rmdir path, then its parents, up to and including level first (1-based); stop at one in use. */
static void rmdir_up(int root_fd, const char *path, int first)
{
	_cleanup_free_ char *p = xstrdup(path);
	int level = 1;

	for (const char *s = p; (s = strchr(s, '/')); s++)
		level++;
	for (; level >= first; level--) {
		char *slash;

		if (unlinkat(root_fd, p, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return;
		slash = strrchr(p, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

void cg_unmake(struct vz_cgroup *cg, struct cg_hier *h)
{
	closep(&h->fd);
	if (h->made_from > 0)
		rmdir_up(h->root_fd, cg->path, h->made_from);
	h->made_from = 0;
}

static int make_once(struct vz_cgroup *cg, struct cg_hier *h, cg_level_fn fn)
{
	_cleanup_free_ char *p = xstrdup(cg->path);
	_cleanup_close_ int parent = -EBADF;
	char *save = NULL;
	int level = 0, r;

	h->made_from = 0;
	parent = openat(h->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return -errno;
	for (char *comp = strtok_r(p, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		_cleanup_close_ int fd = -EBADF;

		level++;
		if (mkdirat(parent, comp, 0755) == 0) {
			if (!h->made_from)
				h->made_from = level;
		} else if (errno != EEXIST) {
			r = -errno;
			goto err_unmake;
		}
		fd = openat(parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = fd < 0 ? -errno : fn ? fn(h, parent, fd) : 0;
		if (r < 0)
			goto err_unmake;
		closep(&parent);
		parent = take_fd(fd);
	}
	closep(&h->fd);
	h->fd = take_fd(parent);
	return 0;

err_unmake:
	cg_unmake(cg, h);
	return r;
}

int cg_make(struct vz_cgroup *cg, struct cg_hier *h, cg_level_fn fn)
{
	int r = -ENOENT;

	/* A concurrent destroy of another CT may rmdir the prefix under us. */
	for (int tries = 0; tries < 3 && r == -ENOENT; tries++)
		r = make_once(cg, h, fn);
	return r;
}

int cg_group_fd(struct vz_cgroup *cg, struct cg_hier *h)
{
	if (h->fd < 0) {
		h->fd = openat(h->root_fd, cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->fd < 0)
			return -errno;
	}
	return h->fd;
}

DIR *cg_opendir_at(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (dfd < 0)
		return NULL;
	d = fdopendir(dfd);
	if (!d)
		closep(&dfd);
	return d;
}

/* Opens the next nested group of d into *ret_fd: 1, or 0 at the end, or -errno. */
int cg_next_subdir(DIR *d, const char **ret_name, int *ret_fd)
{
	struct dirent *de;

	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		int fd;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue;
		}
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue; /* removed since readdir */
		if (fd < 0)
			return -errno;
		*ret_name = de->d_name;
		*ret_fd = fd;
		return 1;
	}
	return errno ? -errno : 0;
}

static int rmdir_children(int fd, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	const char *name;
	int r;

	if (depth > CG_MAX_DEPTH)
		return -ELOOP;
	d = cg_opendir_at(fd);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		_cleanup_close_ int cfd = -EBADF;

		r = cg_next_subdir(d, &name, &cfd);
		if (r <= 0)
			return r;
		r = rmdir_children(cfd, depth + 1);
		if (r < 0)
			return r;
		if (unlinkat(dirfd(d), name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -errno;
	}
}

static int remove_tree(int root_fd, const char *path)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = rmdir_children(fd, 0);
	if (r < 0)
		return r;
	if (unlinkat(root_fd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int cg_remove(struct vz_cgroup *cg, struct cg_hier *h, uint64_t deadline)
{
	unsigned delay = 0;
	int r;

	closep(&h->fd);
	h->made_from = 0;
	for (;;) {
		r = remove_tree(h->root_fd, cg->path);
		/* Killed tasks keep a group busy until they have finished exiting. */
		if (r != -EBUSY || cg_now_us() >= deadline)
			break;
		cg_backoff(&delay);
	}
	if (r < 0)
		return r;
	/*
	 * The prefix goes once its last CT has gone (ENOTEMPTY/EBUSY otherwise).
	 * Its parents stay: in "system.slice/vz" they are not ours.
	 */
	(void)unlinkat(h->root_fd, cg->prefix, AT_REMOVEDIR);
	return 0;
}
