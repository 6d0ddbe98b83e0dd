/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VE_LAYOUT=overlay: the CT's root is an overlayfs whose lower layer is the
 * template's unpacked tree, shared read-only by every CT made from it
 * (lib/template/unpack.c), and whose upper layer is the CT's own:
 *
 *   private/CTID/         0700 root
 *     lower               the id of the unpacked template
 *     upper/              the CT's changes, owned by its ids
 *     work/               overlayfs's scratch directory
 *
 * The tree is unpacked once with unshifted ids (0..65535), so no single
 * owner fits every CT's id range: each CT sees it through an idmapped
 * mount (MOUNT_ATTR_IDMAP, 0..65535 to the CT's range) of a detached clone
 * of the tree, handed to overlayfs by fd (fsconfig "lowerdir+", Linux 6.13
 * and later). The overlay is mounted by host root, so its private xattrs
 * are trusted.overlay.*, which CT root can neither read nor set; copy-up
 * keeps the owner the idmapped lower shows, so the upper holds only ids of
 * the CT's range (and overlayfs's whiteouts, 0:0 character devices).
 *
 * Options: index=off and metacopy=off keep the upper self-contained (a
 * file copied up holds its data, nothing points into the lower by file
 * handle), and redirect_dir=off makes renaming a directory of the template
 * EXDEV (mv copies instead), so the upper never names lower paths either:
 * upper + the same lower is the CT, on any host (migration).
 *
 * Trust model: the upper's contents belong to the CT and are untrusted;
 * the lower id comes from the private area (host root's) and is checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/ns.h"
#include "storage/image.h"
#include "storage/internal.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* The ids of an unpacked template (lib/template/unpack.c). */
#define LOWER_IDS 65536

char *vz_storage_read_lower(const char *private)
{
	_cleanup_free_ char *path = xasprintf("%s/lower", private), *id = NULL;

	if (read_file_at(AT_FDCWD, path, 128, &id, NULL) < 0)
		return NULL;
	id[strcspn(id, "\n")] = '\0';
	if (!vz_template_unpacked_id_valid(id))
		return NULL;
	return steal_ptr(id);
}

static bool overlay_exists(const struct vz_storage *s)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", s->private);
	struct stat st;

	return vz_storage_has_image(s) || (stat(upper, &st) == 0 && S_ISDIR(st.st_mode));
}

/* Where upper/ and work/ are: in the disk image when there is one. */
static char *layer_dir(const struct vz_storage *s, const char *private)
{
	_cleanup_free_ char *img = storage_image_path(private);
	struct stat st;

	(void)s;
	if (lstat(img, &st) == 0 && S_ISREG(st.st_mode))
		return storage_image_dir(private);
	return xstrdup(private);
}

/* A detached, read-only clone of the lower tree showing its ids in s->owner's range. */
static int open_lower(const struct vz_storage *s, const char *lower, vz_error_t *err)
{
	_cleanup_close_ int tree = -EBADF, userns = -EBADF;
	struct mount_attr attr = {.attr_set =
					  MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV};

	tree = open_tree(AT_FDCWD, lower, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return vz_error_make(err, errno == ENOENT ? VZ_E_NOPRIVATE : VZ_E_MOUNT, errno,
				     "template tree '%s'", lower);
	userns = vz_ns_userns_new(s->owner, LOWER_IDS, err);
	if (userns < 0)
		return -1;
	attr.userns_fd = (uint64_t)userns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "idmapped mount of '%s'", lower);
	return take_fd(tree);
}

static int set_opt(int fs, const char *key, const char *value, vz_error_t *err)
{
	if (fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "overlay option %s=%s", key, value);
	return 0;
}

bool vz_storage_overlay_supported(void)
{
	static int known = -1;
	_cleanup_close_ int fs = -EBADF, dir = -EBADF;

	if (getenv("VZ_TEST_NO_FD_LOWER"))
		return false;
	if (known >= 0)
		return known;
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* Only configured, never mounted: a kernel before 6.13 refuses the fd here. */
	known = fs >= 0 && dir >= 0 && fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, dir) == 0;
	return known;
}

/* The kernel's own words on why a superblock was refused, when it has some. */
static int create_failed(int fs, const char *private, vz_error_t *err)
{
	int e = errno;
	char msg[256];
	ssize_t n = read(fs, msg, sizeof(msg) - 1);

	msg[n > 0 ? n : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	return vz_error_make(err, VZ_E_MOUNT, e, "overlay for '%s'%s%s", private, n > 0 ? ": " : "",
			     n > 0 ? msg : "");
}

/*
 * The overlay of the area at dir (its upper/ and work/ in layers) as a
 * detached mount: an fd for move_mount, or < 0.
 */
static int make_overlay(const struct vz_storage *s, const char *dir, const char *layers,
			const char *id, vz_error_t *err)
{
	_cleanup_free_ char *lower = vz_template_unpacked_path(s->lowers, id);
	_cleanup_free_ char *upper = xasprintf("%s/upper", layers);
	_cleanup_free_ char *work = xasprintf("%s/work", layers);
	_cleanup_close_ int tree = -EBADF, fs = -EBADF;
	int mnt;

	tree = open_lower(s, lower, err);
	if (tree < 0)
		return -1;
	fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "overlayfs");
	/* A detached layer can only be passed by fd (Linux 6.13). */
	if (fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, tree) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno,
				     "overlayfs takes no idmapped lower layer by fd here "
				     "(VE_LAYOUT=overlay needs Linux 6.13 or later)");
	if (set_opt(fs, "upperdir", upper, err) < 0 || set_opt(fs, "workdir", work, err) < 0 ||
	    set_opt(fs, "index", "off", err) < 0 || set_opt(fs, "metacopy", "off", err) < 0 ||
	    set_opt(fs, "redirect_dir", "off", err) < 0)
		return -1;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return create_failed(fs, dir, err);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "overlay for '%s'", dir);
	return mnt;
}

static int write_lower(int dfd, const char *id, const char *stage, vz_error_t *err)
{
	_cleanup_free_ char *line = xasprintf("%s\n", id);
	int r = write_file_atomic_at(dfd, "lower", line, strlen(line), 0644);

	if (r < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, -r, "write '%s/lower'", stage);
	return 0;
}

/* upper/ and work/ in the directory at path. */
static int make_layers(const struct vz_storage *s, const char *path, vz_error_t *err)
{
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	/* The upper's top directory is the CT's "/": CT root owns it. */
	if (dfd < 0 || mkdirat(dfd, "upper", 0755) < 0 ||
	    fchownat(dfd, "upper", s->owner, s->owner, 0) < 0 ||
	    fchmodat(dfd, "upper", 0755, 0) < 0 || mkdirat(dfd, "work", 0700) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create the layers in '%s'",
				     path);
	return 0;
}

/* The area at stage; with a disk limit its layers go in a disk image, left mounted. */
static int make_area(const struct vz_storage *s, const char *stage, vz_error_t *err)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_free_ char *dir = NULL;

	if (mkdir(stage, 0700) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", stage);
	dfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "open '%s'", stage);
	if (write_lower(dfd, s->lower, stage, err) < 0)
		return -1;
	if (s->disk_bytes == VZ_STORAGE_UNLIMITED)
		return make_layers(s, stage, err);
	if (storage_image_create(s, stage, err) < 0)
		return -1;
	dir = storage_image_dir(stage);
	return make_layers(s, dir, err);
}

/*
 * fill is not called: the files are the template's, already unpacked. The
 * new area is mounted once, detached, before it gets its name, so a host
 * whose kernel cannot run it fails the create, not the first start.
 */
static int overlay_create(struct vz_storage *s, vz_storage_fill_fn fill, void *data,
			  vz_error_t *err)
{
	_cleanup_free_ char *stage = storage_sibling(s->private, "creating");
	_cleanup_free_ char *layers = NULL;
	int mnt;

	if (!vz_template_unpacked_id_valid(s->lower) || !s->lowers)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, EINVAL, "no template tree for '%s'",
				     s->private);
	storage_stage_drop(stage);
	if (make_area(s, stage, err) < 0)
		goto err_remove;
	layers = layer_dir(s, stage);
	mnt = make_overlay(s, stage, layers, s->lower, err);
	if (mnt < 0)
		goto err_remove;
	(void)close(mnt);
	if (storage_stage_commit(stage, s->private, err) < 0)
		goto err_remove;
	return 0;
err_remove:
	storage_stage_drop(stage);
	return -1;
}

static int overlay_mount(struct vz_storage *s, vz_error_t *err)
{
	_cleanup_free_ char *id = vz_storage_read_lower(s->private);
	_cleanup_free_ char *layers = layer_dir(s, s->private);
	_cleanup_close_ int mnt = -EBADF;

	if (!id)
		return vz_error_make(err, VZ_E_NOPRIVATE, EINVAL,
				     "'%s/lower' names no unpacked template", s->private);
	mnt = make_overlay(s, s->private, layers, id, err);
	if (mnt < 0)
		return -1;
	/* Private: the host's shared propagation must not copy CT mounts around. */
	if (move_mount(mnt, "", AT_FDCWD, s->root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "mount the overlay on '%s'", s->root);
	if (mount(NULL, s->root, NULL, MS_PRIVATE, NULL) < 0)
		return vz_error_make(err, VZ_E_MOUNT, errno, "make '%s' private", s->root);
	return 0;
}

const struct vz_storage_ops vz_storage_overlay_ops = {
	.layout = "overlay",
	.exists = overlay_exists,
	.create = overlay_create,
	.mount = overlay_mount,
	.retire = storage_retire_dir,
	.purge = storage_purge_dir,
};
