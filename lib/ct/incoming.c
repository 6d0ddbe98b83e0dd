/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT arriving from another host (lib/migrate/receive.c): checked before
 * anything is copied, its config adopted once its files are here, or the
 * half copy forgotten. The CT object is opened new and locked for the
 * whole migration, so nothing else acts on the CTID meanwhile.
 *
 * Trust model: the config text comes from the source host's vz over SSH;
 * it is parsed and validated like any config file, and its id range must
 * collide with no CT of this host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ct/ctid.h"
#include "ct/internal.h"
#include "ct/lock.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CREATE_LOCK "create"

struct overlap {
	const char *self;
	uint32_t base, size;
	const char *with;
};

static int find_overlap(const char *id, const struct vz_config *cfg, void *data)
{
	struct overlap *o = data;
	uint32_t b, s;

	if (streq(id, o->self) || vz_parse_uid_range(vz_config_get(cfg, "UID_RANGE"), &b, &s) < 0)
		return 0;
	if ((uint64_t)b < (uint64_t)o->base + o->size && (uint64_t)o->base < (uint64_t)b + s &&
	    !o->with)
		o->with = xstrdup(id);
	return 0;
}

/* No CT of this host has an id of range. */
static int check_range_free(struct vz_ct *ct, const char *range, vz_error_t *err)
{
	struct overlap o = {.self = ct->id};
	_cleanup_free_ char *with = NULL;

	if (vz_parse_uid_range(range, &o.base, &o.size) < 0)
		return vz_error_make(err, VZ_E_VALUE, 0, "UID_RANGE '%s' is malformed",
				     range ? range : "");
	(void)vz_ct_foreach_config(ct->ctx, find_overlap, &o);
	with = (char *)o.with;
	if (with)
		return vz_error_make(err, VZ_E_RESOURCE, 0,
				     "ids %s are taken here: CT %s has ids in that range", range,
				     with);
	return 0;
}

static int check_space(struct vz_ct *ct, uint64_t bytes, vz_error_t *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/private", ct->ctx->root);
	struct statvfs st;
	uint64_t have;

	if (statvfs(dir, &st) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "statvfs '%s'", dir);
	have = (uint64_t)st.f_bavail * st.f_frsize;
	/* A margin for what the CT writes meanwhile, and file system overhead. */
	if (have < bytes + bytes / 10 + (64 << 20))
		return vz_error_make(err, VZ_E_NOSPACE, 0,
				     "not enough disk space in '%s': the CT needs %llu MB, "
				     "%llu MB are free",
				     dir, (unsigned long long)((bytes + bytes / 10) >> 20),
				     (unsigned long long)(have >> 20));
	return 0;
}

/* overlay: is its template tree missing here (1), here (0), or not a tree id (-1)? */
static int lower_missing(struct vz_ct *ct, const struct vz_ct_incoming *in, vz_error_t *err)
{
	_cleanup_free_ char *store = vz_path_unpacked(ct->ctx), *tree = NULL;

	if (!vz_template_unpacked_id_valid(in->lower))
		return vz_error_make(err, VZ_E_PROTOCOL, 0,
				     "an overlay CT without a template tree");
	tree = vz_template_unpacked_path(store, in->lower);
	return !path_exists_at(AT_FDCWD, tree);
}

/* A place for the source to copy the missing tree to. */
static int stage_lower(struct vz_ct *ct, struct vz_ct_incoming *in, vz_error_t *err)
{
	_cleanup_free_ char *store = vz_path_unpacked(ct->ctx);

	in->lower_stage = vz_template_unpacked_stage(store, ct->id, err);
	return in->lower_stage ? 0 : -1;
}

int vz_ct_incoming_check(struct vz_ct *ct, struct vz_ct_incoming *in, vz_error_t *err)
{
	const char *layout = in->layout && *in->layout ? in->layout : "simfs";
	int missing;

	if (ct_require_lock(ct, err) < 0)
		return -1;
	if (ct->exists)
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0, "CT %s exists on this host",
				     ct->id);
	if (path_exists_at(AT_FDCWD, ct->path.private))
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0,
				     "private area '%s' exists on this host", ct->path.private);
	if (path_exists_at(AT_FDCWD, ct->path.dump))
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0, "'%s' exists on this host",
				     ct->path.dump);
	if (!streq(layout, "simfs") && !streq(layout, "overlay") && !streq(layout, "ploop"))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "the CT's layout is %s; this host runs simfs, overlay and "
				     "ploop CTs only",
				     layout);
	missing = streq(layout, "overlay") ? lower_missing(ct, in, err) : 0;
	if (missing < 0 || check_range_free(ct, in->uid_range, err) < 0 ||
	    check_space(ct, in->bytes + (missing ? in->lower_bytes : 0), err) < 0)
		return -1;
	if (missing && stage_lower(ct, in, err) < 0)
		return -1;
	/* Its files go into a disk image of its own here, made for its limits. */
	if (in->disk_bytes &&
	    vz_storage_image_prepare(ct->path.private, in->disk_bytes,
				     in->disk_inodes ? in->disk_inodes : VZ_STORAGE_UNLIMITED,
				     err) < 0)
		return -1;
	return 0;
}

/* VE_ROOT and VE_PRIVATE as this host has them. */
static int local_paths(struct vz_ct *ct, struct vz_config *cfg, vz_error_t *err)
{
	_cleanup_free_ char *priv = xasprintf("%s/private/$VEID", ct->ctx->root);
	_cleanup_free_ char *root = xasprintf("%s/root/$VEID", ct->ctx->root);

	if (vz_config_set(cfg, "VE_PRIVATE", priv, err) < 0 ||
	    vz_config_set(cfg, "VE_ROOT", root, err) < 0)
		return -1;
	return 0;
}

/* An overlay CT's tree, sent along if this host lacked it, becomes the host's. */
static int adopt_lower(struct vz_ct *ct, const struct vz_config *cfg, vz_error_t *err)
{
	const char *layout = vz_config_get(cfg, "VE_LAYOUT");
	_cleanup_free_ char *store = vz_path_unpacked(ct->ctx);
	_cleanup_free_ char *id = NULL;

	if (!layout || !streq(layout, "overlay"))
		return 0;
	id = vz_storage_read_lower(ct->path.private);
	if (!id)
		return vz_error_make(err, VZ_E_NOPRIVATE, 0,
				     "the copied private area '%s' names no template tree",
				     ct->path.private);
	return vz_template_unpacked_receive(store, ct->id, id, err);
}

static int adopt(struct vz_ct *ct, const char *text, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg =
		vz_config_parse(text, strlen(text), "the migrated config", err);
	const char *name;

	if (!cfg || local_paths(ct, cfg, err) < 0)
		return -1;
	if (adopt_lower(ct, cfg, err) < 0)
		return -1;
	if (check_range_free(ct, vz_config_get(cfg, "UID_RANGE"), err) < 0)
		return -1;
	name = vz_config_get(cfg, "NAME");
	if (name && *name && vz_ct_check_name_free(ct->ctx, name, ct->id, err) < 0)
		return -1;
	if (vz_config_save(cfg, ct->path.conf, err) < 0)
		return -1;
	vz_config_free(ct->cfg);
	ct->cfg = steal_ptr(cfg);
	ct->exists = true;
	return 0;
}

int vz_ct_incoming_adopt(struct vz_ct *ct, const char *text, vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/lock/%s.lck", ct->ctx->root, CREATE_LOCK);
	_cleanup_close_ int glock = -EBADF;

	if (ct_require_lock(ct, err) < 0)
		return -1;
	if (ct->exists)
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0, "CT %s exists on this host",
				     ct->id);
	/* As for create: id ranges and names are picked and checked one at a time. */
	glock = vz_lock_file(path, "CT creation", 600000, err);
	if (glock < 0 || adopt(ct, text, err) < 0)
		return vz_error_wrap(err, "take over CT %s", ct->id);
	return 0;
}

int vz_ct_incoming_forget(struct vz_ct *ct, vz_error_t *err)
{
	_cleanup_free_ char *store = vz_path_unpacked(ct->ctx);
	int r;

	if (ct_require_lock(ct, err) < 0)
		return -1;
	if (ct->running && vz_ct_stop(ct, true, err) < 0)
		return -1;
	(void)ct_mark_pages_pending(ct, false, NULL);
	/* Opened new (as the migration's end opens it), the object has not read the config. */
	if (ct->exists && !ct->cfg) {
		ct->cfg = vz_config_load(ct->path.conf, err);
		if (!ct->cfg)
			return -1;
	}
	if (ct->exists) {
		_cleanup_free_ char *destroyed = xasprintf("%s.destroyed", ct->path.conf);

		if (vz_ct_destroy(ct, err) < 0)
			return -1;
		(void)unlink(destroyed);
		return 0;
	}
	vz_template_unpacked_unstage(store, ct->id);
	(void)vz_storage_image_release(ct->path.private, NULL);
	r = rm_rf_at(AT_FDCWD, ct->path.private);
	if (r == 0)
		r = rm_rf_at(AT_FDCWD, ct->path.dump);
	if (r < 0)
		return vz_error_make(err, VZ_E_DELETE, -r, "remove the half-copied CT %s", ct->id);
	/* A template tree it brought along, already the host's, goes unless a CT uses it. */
	return vz_ct_sweep_lowers(ct->ctx, err);
}
