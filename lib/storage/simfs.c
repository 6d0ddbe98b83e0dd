/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VE_LAYOUT=simfs: the private area is a directory, bind-mounted on the CT
 * root. Trust model: the directory's contents belong to the CT and are not
 * trusted; only its top-level name is ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* dir/.NAME.suffix beside the private area: same filesystem, so rename is atomic. */
static char *sibling(const char *private, const char *suffix)
{
	_cleanup_free_ char *d = xstrdup(private), *b = xstrdup(private);

	return xasprintf("%s/.%s.%s", dirname(d), basename(b), suffix);
}

static bool simfs_exists(const struct vz_storage *s)
{
	struct stat st;

	return stat(s->private, &st) == 0 && S_ISDIR(st.st_mode);
}

static int simfs_create(struct vz_storage *s, vz_storage_fill_fn fill, void *data, vz_error_t *err)
{
	_cleanup_free_ char *stage = sibling(s->private, "creating");
	_cleanup_close_ int fd = -EBADF;

	(void)rm_rf_at(AT_FDCWD, stage);
	if (mkdir(stage, 0755) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", stage);
	fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "open '%s'", stage);
		goto err_remove;
	}
	if (fill(fd, data, err) < 0)
		goto err_remove;
	/* The private area is the CT's "/": CT root owns it. */
	if (fchown(fd, s->owner, s->owner) < 0 || fchmod(fd, 0755) < 0 ||
	    rename(stage, s->private) < 0) {
		vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", s->private);
		goto err_remove;
	}
	return 0;
err_remove:
	(void)rm_rf_at(AT_FDCWD, stage);
	return -1;
}

static int simfs_mount(struct vz_storage *s, vz_error_t *err)
{
	/* Private: the host's shared propagation must not copy CT mounts around. */
	if (mount(s->private, s->root, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, s->root, NULL, MS_PRIVATE, NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mount '%s' on '%s'", s->private,
				     s->root);
	return 0;
}

static int simfs_retire(struct vz_storage *s, vz_error_t *err)
{
	char suffix[64];

	(void)snprintf(suffix, sizeof(suffix), "destroying.%lld", (long long)time(NULL));
	free(s->retired);
	s->retired = sibling(s->private, suffix);
	if (rename(s->private, s->retired) == 0)
		return 0;
	if (errno == ENOENT) {
		/* Nothing to retire: a destroy that stopped half way before. */
		free(steal_ptr(s->retired));
		return 0;
	}
	return vz_error_make(err, VZ_E_DELETE, errno, "move '%s' aside", s->private);
}

static int simfs_purge(struct vz_storage *s, vz_error_t *err)
{
	int r;

	if (!s->retired)
		return 0;
	r = rm_rf_at(AT_FDCWD, s->retired);
	if (r < 0)
		return vz_error_make(err, VZ_E_DELETE, -r, "remove '%s'", s->retired);
	free(steal_ptr(s->retired));
	return 0;
}

const struct vz_storage_ops vz_storage_simfs_ops = {
	.layout = "simfs",
	.exists = simfs_exists,
	.create = simfs_create,
	.mount = simfs_mount,
	.retire = simfs_retire,
	.purge = simfs_purge,
};
