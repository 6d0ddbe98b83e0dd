/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The top of lib/cgroup: layout detection, the handle, the choice of
 * backend vtable and the vz_cgroup_* calls through it. The layers below,
 * each calling only further down:
 *
 *   cgroup.c  ->  v1.c, v2.c  ->  limits.c, procs.c  ->  common.c
 *
 * Nothing below reaches back up; a backend reaches its siblings' shared
 * code only through those lower modules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

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

/* The host path behind a group fd (heap string), or NULL. */
static char *fd_path(int fd)
{
	char proc[64], buf[PATH_MAX];
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

char *vz_cgroup_v2_path(struct vz_cgroup *cg)
{
	return fd_path(vz_cgroup_v2_group_fd(cg));
}

char *vz_cgroup_freezer_path(struct vz_cgroup *cg)
{
	if (cg->mode == VZ_CGROUP_UNIFIED)
		return vz_cgroup_v2_path(cg);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];

		if ((h->flags & CG_FREEZER) && !(h->flags & CG_V2))
			return fd_path(cg_group_fd(cg, h));
	}
	return NULL;
}

/* The files a delegatee writes to manage its subtree (cgroup v2 delegation model). */
static const char *const delegated_files[] = {"cgroup.procs", "cgroup.threads",
					      "cgroup.subtree_control"};

/* What systemd writes in its named v1 hierarchy: making groups and moving tasks. */
static const char *const delegated_v1_files[] = {"cgroup.procs", "tasks"};

/* The v1 hierarchy named "systemd" (name=systemd, no controller), by its directory. */
static bool is_named_systemd(const struct cg_hier *h)
{
	return !(h->flags & CG_V2) && streq(h->name, "systemd");
}

static int chown_group(struct vz_cgroup *cg, int fd, const char *const *files, size_t n, uid_t uid,
		       vz_error_t *err)
{
	if (fchown(fd, uid, uid) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s': delegate", cg->path);
	for (size_t i = 0; i < n; i++)
		if (fchownat(fd, files[i], uid, uid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return vz_error_make(err, VZ_E_SYSTEM, errno, "cgroup '%s': delegate '%s'",
					     cg->path, files[i]);
	return 0;
}

int vz_cgroup_delegate(struct vz_cgroup *cg, uid_t uid, vz_error_t *err)
{
	int fd = vz_cgroup_v2_group_fd(cg);

	if (fd >= 0 &&
	    chown_group(cg, fd, delegated_files, ARRAY_SIZE(delegated_files), uid, err) < 0)
		return -1;
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];

		if (!is_named_systemd(h) || (fd = cg_group_fd(cg, h)) < 0)
			continue;
		if (chown_group(cg, fd, delegated_v1_files, ARRAY_SIZE(delegated_v1_files), uid,
				err) < 0)
			return -1;
	}
	return 0;
}

void vz_cgroup_v1_dirs_free(struct vz_cgroup_v1_dir *dirs, size_t n)
{
	for (size_t i = 0; dirs && i < n; i++) {
		free(dirs[i].name);
		free(dirs[i].path);
		free(dirs[i].link);
	}
	free(dirs);
}

static void push_dir(struct vz_cgroup_v1_dir **v, size_t *n, struct vz_cgroup_v1_dir d)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = d;
}

/* The host's symlinks to hierarchies ("cpu" -> "cpu,cpuacct"), kept as they are. */
static void add_links(struct vz_cgroup *cg, struct vz_cgroup_v1_dir **v, size_t *n, size_t dirs)
{
	_cleanup_closedir_ DIR *d = opendir(cg->root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char buf[256];
		ssize_t len;

		if (de->d_type != DT_LNK)
			continue;
		len = readlinkat(dirfd(d), de->d_name, buf, sizeof(buf) - 1);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (size_t i = 0; i < dirs; i++)
			if (streq((*v)[i].name, buf)) {
				push_dir(v, n,
					 (struct vz_cgroup_v1_dir){.name = xstrdup(de->d_name),
								   .link = xstrdup(buf)});
				break;
			}
	}
}

int vz_cgroup_v1_dirs(struct vz_cgroup *cg, struct vz_cgroup_v1_dir **ret, vz_error_t *err)
{
	struct vz_cgroup_v1_dir *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		char *path;

		if (h->flags & CG_V2)
			continue;
		path = fd_path(cg_group_fd(cg, h));
		if (!path) {
			vz_cgroup_v1_dirs_free(v, n);
			return vz_error_make(err, VZ_E_SYSTEM, ENOENT,
					     "cgroup '%s': no group in '%s'", cg->path, h->name);
		}
		push_dir(&v, &n,
			 (struct vz_cgroup_v1_dir){.name = xstrdup(h->name),
						   .path = path,
						   .delegated = is_named_systemd(h)});
	}
	if (n)
		add_links(cg, &v, &n, n);
	*ret = v;
	return (int)n;
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

int vz_cgroup_set_devices(struct vz_cgroup *cg, const struct vz_cg_dev *rules, size_t n,
			  vz_error_t *err)
{
	return cg->ops->set_devices(cg, rules, n, err);
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

int vz_cgroup_detail(struct vz_cgroup *cg, unsigned parts, struct vz_cgroup_detail *d,
		     vz_error_t *err)
{
	return cg->ops->detail(cg, parts, d, err);
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
	int fd = h ? cg_group_fd(cg, h) : -ENOENT, r;

	*ret = NULL;
	if (fd == -ENOENT)
		return 0;
	r = fd < 0 ? fd : cg_list_pids(fd, ret);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': list processes", cg->path);
	return r;
}
