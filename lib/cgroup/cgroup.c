/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Layout detection, the handle, and the helpers both backends share: making
 * and removing a group path, walking a CT's nested groups, and the kill loop.
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
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* A CT with 100k processes lists < 1 MiB; the cap only stops runaway reads. */
#define PROCS_MAX (16u << 20)

bool cg_test_no_pidfd;

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

	r = read_file_at(fd, name, PROCS_MAX, &buf, &len);
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

/* ---- layout detection and the handle ---- */

int vz_cgroup_detect(const char *root, enum vz_cgroup_mode *ret, vz_error_t *err)
{
	_cleanup_free_ char *unified = NULL;
	struct statfs fs;

	if (statfs(root, &fs) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "detect cgroups: statfs '%s'", root);
	if (fs.f_type == CGROUP2_SUPER_MAGIC) {
		*ret = VZ_CGROUP_UNIFIED;
		return 0;
	}
	if (fs.f_type != TMPFS_MAGIC)
		return vz_error_make(
			err, VZ_E_SYSTEM, 0,
			"detect cgroups: '%s' is neither cgroup2 nor a tmpfs of hierarchies", root);
	unified = xasprintf("%s/unified", root);
	if (statfs(unified, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		*ret = VZ_CGROUP_HYBRID;
	else
		*ret = VZ_CGROUP_LEGACY;
	return 0;
}

/*
 * Names become paths in cgroupfs: plain components only, so no "..", no
 * absolute path and no empty level can take us outside our prefix.
 */
static bool valid_name(const char *s, bool allow_slash)
{
	const char *comp = s;

	if (!s || !*s)
		return false;
	for (const char *p = s;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = p - comp;

			if (n == 0 || n > NAME_MAX || (n == 1 && comp[0] == '.') ||
			    (n == 2 && comp[0] == '.' && comp[1] == '.'))
				return false;
			if (*p == '\0')
				return true;
			if (!allow_slash)
				return false;
			comp = p + 1;
		} else if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789._-@:",
				   *p)) {
			return false;
		}
	}
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

static int pick_mode(const char *root, int mode, enum vz_cgroup_mode *ret, vz_error_t *err)
{
	if (mode < 0)
		return vz_cgroup_detect(root, ret, err);
	if (mode >= _VZ_CGROUP_MODE_MAX)
		return vz_error_make(err, VZ_E_SYSTEM, EINVAL, "cgroups under '%s': mode %d", root,
				     mode);
	*ret = (enum vz_cgroup_mode)mode;
	return 0;
}

struct vz_cgroup *vz_cgroup_new(const char *root, int mode, const char *prefix, const char *ctid,
				vz_error_t *err)
{
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	_cleanup_close_ int root_fd = -EBADF;
	enum vz_cgroup_mode m = VZ_CGROUP_UNIFIED;
	int r = -1;

	if (!valid_name(prefix, true) || !valid_name(ctid, false)) {
		vz_error_make(err, VZ_E_VALUE, EINVAL, "cgroup '%s/%s': invalid name",
			      prefix ? prefix : "", ctid ? ctid : "");
		return NULL;
	}
	if (pick_mode(root, mode, &m, err) < 0)
		return NULL;
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s/%s': open '%s'", prefix, ctid,
			      root);
		return NULL;
	}
	cg = xzalloc(sizeof(*cg));
	cg->mode = m;
	cg->root = xstrdup(root);
	cg->prefix = xstrdup(prefix);
	cg->path = xasprintf("%s/%s", prefix, ctid);
	switch (m) {
	case VZ_CGROUP_UNIFIED:
		cg->ops = &cg_v2_ops;
		r = cg_v2_discover(cg, root_fd, err);
		break;
	case VZ_CGROUP_HYBRID:
	case VZ_CGROUP_LEGACY:
		cg->ops = &cg_v1_ops;
		r = cg_v1_discover(cg, root_fd, m == VZ_CGROUP_HYBRID, err);
		break;
	case _VZ_CGROUP_MODE_MAX:
		break;
	}
	if (r < 0)
		return NULL;
	return steal_ptr(cg);
}

void vz_cgroup_free(struct vz_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_hiers; i++) {
		closep(&cg->hiers[i].fd);
		closep(&cg->hiers[i].root_fd);
		free(cg->hiers[i].name);
	}
	free(cg->hiers);
	free(cg->root);
	free(cg->prefix);
	free(cg->path);
	free(cg);
}

void vz_cgroup_freep(struct vz_cgroup **cg)
{
	if (cg) {
		vz_cgroup_free(*cg);
		*cg = NULL;
	}
}

const struct vz_cgroup_ops *vz_cgroup_ops(const struct vz_cgroup *cg)
{
	return cg->ops;
}

enum vz_cgroup_mode vz_cgroup_mode(const struct vz_cgroup *cg)
{
	return cg->mode;
}

int vz_cgroup_create(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg->ops->create(cg, err);
}

int vz_cgroup_attach(struct vz_cgroup *cg, pid_t pid, vz_error_t *err)
{
	return cg->ops->attach(cg, pid, err);
}

int vz_cgroup_open_procs(struct vz_cgroup *cg, int *fds, int max, vz_error_t *err)
{
	return cg->ops->open_procs(cg, fds, max, err);
}

int vz_cgroup_dirfd_v2(struct vz_cgroup *cg)
{
	return cg->ops->dirfd_v2(cg);
}

int vz_cgroup_v2_group_fd(struct vz_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		if (h->flags & CG_V2) {
			int fd = cg_group_fd(cg, h);
			return fd < 0 ? -1 : fd;
		}
	}
	return -1;
}

char *vz_cgroup_v2_path(struct vz_cgroup *cg)
{
	char proc[64], buf[PATH_MAX];
	int fd = vz_cgroup_v2_group_fd(cg);
	ssize_t n;

	if (fd < 0)
		return NULL;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* The files a delegatee writes to manage its subtree (cgroup v2 delegation model). */
static const char *const delegated_files[] = {"cgroup.procs", "cgroup.threads",
					      "cgroup.subtree_control"};

int vz_cgroup_delegate(struct vz_cgroup *cg, uid_t uid, vz_error_t *err)
{
	int fd = vz_cgroup_v2_group_fd(cg);

	if (fd < 0)
		return 0;
	if (fchown(fd, uid, uid) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s': delegate", cg->path);
	for (size_t i = 0; i < ARRAY_SIZE(delegated_files); i++)
		if (fchownat(fd, delegated_files[i], uid, uid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != ENOENT)
			return vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s': delegate '%s'",
					     cg->path, delegated_files[i]);
	return 0;
}

int vz_cgroup_count_procs(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg->ops->count_procs(cg, err);
}

int vz_cgroup_kill_all(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg->ops->kill_all(cg, err);
}

int vz_cgroup_destroy(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg->ops->destroy(cg, err);
}

int vz_cgroup_freeze(struct vz_cgroup *cg, bool on, vz_error_t *err)
{
	return cg->ops->freeze(cg, on, err);
}

int vz_cgroup_frozen(struct vz_cgroup *cg)
{
	return cg->ops->frozen(cg);
}

int vz_cgroup_set_limits(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, vz_error_t *err)
{
	return cg->ops->set_limits(cg, lim, err);
}

int vz_cgroup_stats(struct vz_cgroup *cg, struct vz_cgroup_stats *st, vz_error_t *err)
{
	return cg->ops->stats(cg, st, err);
}

unsigned vz_cgroup_supported(struct vz_cgroup *cg)
{
	return cg->ops->supported(cg);
}

int vz_cgroup_sync_weight(struct vz_cgroup *cg, vz_error_t *err)
{
	return cg->ops->sync_weight(cg, err);
}

/* The freeze op of either backend, given its knob writer and the group's fd. */
int cg_freeze_op(struct vz_cgroup *cg, struct cg_hier *h, int (*fn)(int fd, bool on), bool on,
		 vz_error_t *err)
{
	int fd = h ? cg_group_fd(cg, h) : -ENOENT, r;

	r = fd < 0 ? fd : fn(fd, on);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': %s", cg->path,
				     on ? "freeze" : "thaw");
	return 0;
}

/* Whether the status knob of the group in h reads as frozen. */
int cg_frozen_knob(struct vz_cgroup *cg, struct cg_hier *h, const char *status, const char *frozen)
{
	_cleanup_free_ char *text = NULL;
	int fd = h ? cg_group_fd(cg, h) : -ENOENT, r;

	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : cg_read_knob(fd, status, &text);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : strstr(text, frozen) != NULL;
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

static DIR *opendir_at(int fd)
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
static int next_subdir(DIR *d, const char **ret_name, int *ret_fd)
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
	d = opendir_at(fd);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		_cleanup_close_ int cfd = -EBADF;

		r = next_subdir(d, &name, &cfd);
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

/* ---- processes ---- */

int cg_write_pid(int fd, pid_t pid)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_string_at(fd, "cgroup.procs", buf);
}

int cg_open_procs(int fd)
{
	int pfd = openat(fd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	return pfd < 0 ? -errno : pfd;
}

struct pidv {
	pid_t *v;
	size_t n, cap;
};

static void pidv_done(struct pidv *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

typedef int (*walk_fn)(const char *procs, void *data);

/* Calls fn with the cgroup.procs text of the group at fd and every nested group. */
static int walk(int fd, int depth, walk_fn fn, void *data)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *procs = NULL;
	const char *name;
	int r;

	if (depth > CG_MAX_DEPTH)
		return -ELOOP;
	r = cg_read_knob(fd, "cgroup.procs", &procs);
	/* ENODEV: a nested group removed while we read; ENOENT: fake trees. */
	if (r < 0 && r != -ENOENT && r != -ENODEV)
		return r;
	if (r == 0 && (r = fn(procs, data)) < 0)
		return r;
	d = opendir_at(fd);
	if (!d)
		return errno == ENOENT || errno == ENODEV ? 0 : -errno;
	for (;;) {
		_cleanup_close_ int cfd = -EBADF;

		r = next_subdir(d, &name, &cfd);
		if (r <= 0)
			return r;
		r = walk(cfd, depth + 1, fn, data);
		if (r < 0)
			return r;
	}
}

static int count_fn(const char *procs, void *data)
{
	int *n = data;

	for (const char *p = procs; *p; p++)
		if (*p == '\n' || p[1] == '\0')
			(*n)++;
	return 0;
}

static int pids_fn(const char *procs, void *data)
{
	struct pidv *p = data;

	for (const char *s = procs; *s;) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v <= 0 || v > INT_MAX)
			return -EBADMSG;
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 64;
			p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
		}
		p->v[p->n++] = (pid_t)v;
		s = end + strspn(end, "\n");
	}
	return 0;
}

int cg_count(int fd)
{
	int n = 0, r;

	r = walk(fd, 0, count_fn, &n);
	return r < 0 ? r : n;
}

int cg_count_in(struct vz_cgroup *cg, struct cg_hier *h, vz_error_t *err)
{
	int fd = cg_group_fd(cg, h), r;

	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : cg_count(fd);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': count processes in '%s'",
				     cg->path, h->name);
	return r;
}

int cg_freeze_knob(int fd, const char *knob, const char *value, const char *status,
		   const char *frozen)
{
	uint64_t deadline = cg_now_us() + CG_FREEZE_TIMEOUT_US;
	unsigned delay = 0;
	int r;

	r = write_string_at(fd, knob, value);
	if (r < 0 || !frozen)
		return r;
	for (;;) {
		_cleanup_free_ char *text = NULL;

		r = cg_read_knob(fd, status, &text);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (strstr(text, frozen))
			return 0;
		/* Tasks in uninterruptible sleep can keep a group freezing: the caller kills
		 * anyway. */
		if (cg_now_us() >= deadline)
			return -ETIMEDOUT;
		cg_backoff(&delay);
	}
}

int cg_wait_empty(int fd, uint64_t deadline)
{
	unsigned delay = 0;

	for (;;) {
		int n = cg_count(fd);

		if (n <= 0)
			return n;
		if (cg_now_us() >= deadline)
			return -ETIMEDOUT;
		cg_backoff(&delay);
	}
}

int cg_v2_kill(int fd)
{
	return write_string_at(fd, "cgroup.kill", "1");
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		closep(&fds[i]);
}

/*
 * SIGKILL pids, read from the group at fd, without racing pid reuse: pin
 * each process with a pidfd, then read the group again. A pidfd whose pid
 * is still listed refers to that member: had the pinned process died in
 * between, the signal fails with ESRCH instead of reaching a newcomer.
 * Without pidfds (kernels < 5.3) we fall back to kill() of re-listed pids;
 * the caller has frozen the group where it could, so listed pids stay put.
 */
static int kill_pids(int fd, const struct pidv *pids)
{
	_cleanup_free_ int *pidfds = xmalloc(pids->n * sizeof(int) + 1);
	_cleanup_(pidv_done) struct pidv again = {0};
	bool no_pidfd = cg_test_no_pidfd;
	int r;

	for (size_t i = 0; i < pids->n; i++) {
		pidfds[i] = no_pidfd ? -ENOSYS : pidfd_open(pids->v[i], 0);
		if (pidfds[i] < 0 && errno == ENOSYS)
			no_pidfd = true;
	}
	r = walk(fd, 0, pids_fn, &again);
	if (r >= 0 && again.n > 0)
		qsort(again.v, again.n, sizeof(*again.v), cmp_pid);
	for (size_t i = 0; r >= 0 && i < pids->n; i++) {
		if (!bsearch(&pids->v[i], again.v, again.n, sizeof(*again.v), cmp_pid))
			continue;
		if (pidfds[i] >= 0)
			(void)pidfd_send_signal(pidfds[i], SIGKILL, NULL, 0);
		else if (no_pidfd)
			(void)kill(pids->v[i], SIGKILL);
	}
	close_all(pidfds, pids->n);
	return r < 0 ? r : 0;
}

/* One pass: returns 0 when the group was empty, 1 after killing, or -errno. */
static int kill_round(int fd, cg_freeze_fn freeze)
{
	_cleanup_(pidv_done) struct pidv pids = {0};
	int r, fr = -ENOENT;

	r = walk(fd, 0, pids_fn, &pids);
	if (r < 0 || pids.n == 0)
		return r;
	/* Frozen tasks can neither fork nor exit: the list below is complete and stable. */
	if (freeze) {
		fr = freeze(fd, true);
		pidv_done(&pids);
		r = walk(fd, 0, pids_fn, &pids);
	}
	if (r >= 0)
		r = kill_pids(fd, &pids);
	if (fr != -ENOENT)
		(void)freeze(fd, false); /* SIGKILL lands once the tasks run again */
	return r < 0 ? r : 1;
}

int cg_kill_loop(int fd, cg_freeze_fn freeze, uint64_t deadline)
{
	for (;;) {
		uint64_t until = cg_now_us() + 100 * 1000;
		int r = kill_round(fd, freeze);

		if (r <= 0)
			return r;
		/* Let the killed tasks exit before freezing what is left again. */
		r = cg_wait_empty(fd, until < deadline ? until : deadline);
		if (r != -ETIMEDOUT)
			return r;
		if (cg_now_us() >= deadline)
			return -ETIMEDOUT;
	}
}

/* Where every task of the CT is listed: the pids hierarchy on v1, the only one on v2. */
static struct cg_hier *listing_hier(struct vz_cgroup *cg)
{
	struct cg_hier *first = NULL;

	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];

		if ((h->flags & CG_V2) && cg->n_hiers > 1)
			continue;
		if (h->flags & CG_PIDS)
			return h;
		if (!first)
			first = h;
	}
	return first;
}

int vz_cgroup_pids(struct vz_cgroup *cg, pid_t **ret, vz_error_t *err)
{
	struct cg_hier *h = listing_hier(cg);
	struct pidv p = {0};
	int fd = h ? cg_group_fd(cg, h) : -ENOENT, r;

	*ret = NULL;
	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : walk(fd, 0, pids_fn, &p);
	if (r < 0) {
		pidv_done(&p);
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': list processes", cg->path);
	}
	*ret = p.v;
	return (int)p.n;
}

/*
 * The prefix level that holds the CT groups gets the sum of their weights
 * (knob clamped to [lo, hi]; def when it holds none): the CTs then weigh
 * against the host's own tasks as if each were a top-level group, OpenVZ's
 * model, instead of all of them together weighing as much as one host task.
 */
int cg_sync_prefix_weight(struct vz_cgroup *cg, struct cg_hier *h, const char *knob, uint64_t lo,
			  uint64_t hi, uint64_t def)
{
	_cleanup_close_ int pfd =
		openat(h->root_fd, cg->prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	uint64_t sum = 0;
	bool any = false;
	const char *name;
	char buf[32];
	int r;

	if (pfd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!path_exists_at(pfd, knob))
		return 0;
	d = opendir_at(pfd);
	if (!d)
		return -errno;
	for (;;) {
		_cleanup_close_ int cfd = -EBADF;
		_cleanup_free_ char *v = NULL;
		uint64_t w;

		r = next_subdir(d, &name, &cfd);
		if (r <= 0)
			break;
		if (cg_read_knob(cfd, knob, &v) < 0 || cg_parse_u64(v, &w) < 0)
			continue;
		sum += w;
		any = true;
	}
	if (r < 0)
		return r;
	(void)snprintf(buf, sizeof(buf), "%llu",
		       (unsigned long long)(any ? cg_clamp(sum, lo, hi) : def));
	return cg_write_knob(pfd, knob, buf);
}
