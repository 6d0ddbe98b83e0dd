/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Creating and destroying CTs. Trust model: CTIDs and option values come
 * from clients through vzd and are validated here (config table); template
 * tarballs are untrusted and go through vz_template_extract's checks.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/ctid.h"
#include "ct/internal.h"
#include "ct/lock.h"
#include "res/disk.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Held while choosing a uid range and a name, which must be unique across CTs. */
#define CREATE_LOCK "create"

struct range_scan {
	struct vz_ctx *ctx;
	uint8_t *used; /* one byte per slot */
	uint32_t slots;
};

static int mark_range(const char *id, const struct vz_config *cfg, void *data)
{
	struct range_scan *s = data;
	uint32_t base, size;

	if (vz_parse_uid_range(vz_config_get(cfg, "UID_RANGE"), &base, &size) < 0 ||
	    base < s->ctx->uid_start)
		return 0;
	for (uint64_t b = base; b < (uint64_t)base + size; b += s->ctx->uid_size) {
		uint64_t slot = (b - s->ctx->uid_start) / s->ctx->uid_size;
		if (slot < s->slots)
			s->used[slot] = 1;
	}
	return 0;
}

/* The lowest id range no CT uses. Caller holds the create lock. */
static int pick_uid_range(struct vz_ctx *ctx, uint32_t *ret_base, vz_error_t *err)
{
	struct range_scan s = {.ctx = ctx};
	_cleanup_free_ uint8_t *used = NULL;

	s.slots = (uint32_t)(((uint64_t)UINT32_MAX - ctx->uid_start) / ctx->uid_size);
	if (s.slots > 65536)
		s.slots = 65536;
	used = s.used = xzalloc(s.slots);
	(void)vz_ct_foreach_config(ctx, mark_range, &s);
	for (uint32_t i = 0; i < s.slots; i++) {
		if (!used[i]) {
			*ret_base = ctx->uid_start + i * ctx->uid_size;
			return 0;
		}
	}
	return vz_error_make(err, VZ_E_RESOURCE, 0, "no free uid range left for a new CT");
}

static void recipe_line(void *data, const char *line)
{
	vz_info(data, "%s", line);
}

int vz_ct_template_build(struct vz_ctx *ctx, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(ctx);
	_cleanup_free_ char *recipes = xasprintf("%s/templates", ctx->datadir);

	vz_info(ctx, "Building template %s", name);
	if (streq(name, "busybox"))
		return vz_template_build(cache, name, err);
	return vz_template_build_recipe(cache, recipes, name, recipe_line, ctx, err);
}

int vz_ct_template_download(struct vz_ctx *ctx, const char *name, const char *server,
			    char **ret_name, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(ctx);
	struct vz_template_server srv = {.url = server ? server : ctx->template_server,
					 .ca_file = ctx->template_server_ca};

	if (!srv.url)
		return vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
				     "no image server: set TEMPLATE_SERVER in vz.conf or give "
				     "--server");
	vz_info(ctx, "Downloading template %s from %s", name, srv.url);
	return vz_template_download(cache, &srv, name, recipe_line, ctx, ret_name, err);
}

/* Not in the cache: from the image server, when there is one. */
static char *download_template(struct vz_ctx *ctx, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(ctx);
	_cleanup_free_ char *got = NULL;

	vz_info(ctx, "OS template %s is not in the cache: downloading it", name);
	if (vz_ct_template_download(ctx, name, NULL, &got, err) < 0)
		return NULL;
	return vz_template_find(cache, got, err);
}

/*
 * Find the template in the cache. The embedded busybox one is built on
 * demand (it takes a moment); others come from the image server if there
 * is one, or the message names the commands that get them.
 */
static char *locate_template(struct vz_ctx *ctx, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(ctx);
	vz_error_t e = NULL;
	char *path;

	if (vz_template_name_check(name, err) < 0)
		return NULL;
	path = vz_template_find(cache, name, &e);
	if (path)
		return path;
	if (e->code != VZ_E_TEMPLATE_NOT_FOUND) {
		vz_error_move(err, &e);
		return NULL;
	}
	vz_error_release(&e);
	if (!streq(name, "busybox") && ctx->template_server)
		return download_template(ctx, name, err);
	if (!streq(name, "busybox")) {
		vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
			      "OS template '%s' is not in the cache '%s' (build it with "
			      "'vzctl template build %s', import it, or set TEMPLATE_SERVER in "
			      "vz.conf to download it)",
			      name, cache, name);
		return NULL;
	}
	if (vz_ct_template_build(ctx, name, err) < 0)
		return NULL;
	return vz_template_find(cache, name, err);
}

/* Will the new CT have a DISKSPACE limit (--diskspace, else the sample's)? */
static bool disk_limited(const struct vz_config *cfg, const struct vz_ct_create_opts *o)
{
	const char *v = o->diskspace ? o->diskspace : vz_config_get(cfg, "DISKSPACE");
	uint64_t soft, hard;

	return v && vz_disk_parse("DISKSPACE", v, &soft, &hard, NULL) == 0 &&
	       hard != VZ_DISK_UNLIMITED;
}

/*
 * The new CT's layout: --layout, else the sample's VE_LAYOUT, else vz.conf's.
 * Only a layout other than simfs goes into the CT's config: a config
 * without VE_LAYOUT is simfs, whatever vz.conf says for new CTs.
 */
static int pick_layout(struct vz_ctx *ctx, const struct vz_config *cfg,
		       const struct vz_ct_create_opts *o, const char **ret, vz_error_t *err)
{
	const char *layout = o->layout ? o->layout : vz_config_get(cfg, "VE_LAYOUT");

	if (!layout)
		layout = ctx->def_layout;
	/*
	 * A kernel that cannot mount it: asked for by name, that is an error;
	 * as the configured default, the CT is made the way every kernel can.
	 */
	if (layout && streq(layout, "overlay") && !vz_storage_overlay_supported()) {
		if (o->layout)
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "--layout overlay: this kernel's overlayfs takes no "
					     "lower layer by fd (Linux 6.13 and later do)");
		/* A disk limit needs a disk image: ploop keeps it. */
		layout = disk_limited(cfg, o) ? "ploop" : NULL;
		vz_warn(ctx,
			"VE_LAYOUT=overlay: this kernel's overlayfs takes no lower layer by fd "
			"(Linux 6.13 and later do): the CT is made with VE_LAYOUT=%s",
			layout ? layout : "simfs");
	}
	if ((!layout || streq(layout, "simfs")) && disk_limited(cfg, o))
		vz_warn(ctx, "DISKSPACE is kept but not enforced: a simfs CT has no disk image "
			     "(VE_LAYOUT=ploop or overlay has one)");
	*ret = layout && !streq(layout, "simfs") ? layout : NULL;
	return 0;
}

static int fill_config(struct vz_ctx *ctx, struct vz_config *cfg, const struct vz_ct_create_opts *o,
		       const char *sample, const char *tmpl, uint32_t base, vz_error_t *err)
{
	_cleanup_free_ char *range = xasprintf("%u:%u", base, ctx->uid_size);
	_cleanup_free_ char *priv = xasprintf("%s/private/$VEID", ctx->root);
	_cleanup_free_ char *root = xasprintf("%s/root/$VEID", ctx->root);
	const char *layout = NULL;

	if (pick_layout(ctx, cfg, o, &layout, err) < 0)
		return -1;
	const struct vz_ct_change set[] = {
		{"VE_ROOT", root},
		{"VE_PRIVATE", priv},
		{"OSTEMPLATE", tmpl},
		{"UID_RANGE", range},
		{"HOSTNAME", o->hostname},
		{"NAME", o->name},
		{"DESCRIPTION", o->description},
		{"ORIGIN_SAMPLE", sample},
		{"VE_LAYOUT", layout},
		{"DISKSPACE", o->diskspace},
		{"DISKINODES", o->diskinodes},
	};

	for (size_t i = 0; i < ARRAY_SIZE(set); i++) {
		if (!set[i].value)
			continue;
		if (vz_config_set(cfg, set[i].key, set[i].value, err) < 0)
			return -1;
	}
	return 0;
}

struct extract {
	const char *tarball;
	uint32_t base, size;
};

static int extract_template(int dirfd, void *data, vz_error_t *err)
{
	struct extract *x = data;

	return vz_template_extract(x->tarball, dirfd, x->base, x->size, err);
}

/* The new CT's config, from the sample, the options and a free id range. */
static struct vz_config *new_config(struct vz_ct *ct, const struct vz_ct_create_opts *o,
				    char **ret_tarball, vz_error_t *err)
{
	struct vz_ctx *ctx = ct->ctx;
	const char *sample = o->config ? o->config : ctx->def_config;
	_cleanup_config_ struct vz_config *cfg = vz_ct_load_sample(ctx, sample, err);
	const char *tmpl;
	uint32_t base = 0;

	/* The default sample is the host's choice: a broken one names vz.conf. */
	if (!cfg && !o->config) {
		vz_error_wrap(err, "CONFIGFILE in vz.conf");
		return NULL;
	}
	if (!cfg)
		return NULL;
	tmpl = o->ostemplate ? o->ostemplate : vz_config_get(cfg, "OSTEMPLATE");
	if (!tmpl)
		tmpl = ctx->def_ostemplate;
	if (o->name && vz_ct_check_name_free(ctx, o->name, NULL, err) < 0)
		return NULL;
	*ret_tarball = locate_template(ctx, tmpl, err);
	if (!*ret_tarball || pick_uid_range(ctx, &base, err) < 0 ||
	    fill_config(ctx, cfg, o, sample, tmpl, base, err) < 0)
		return NULL;
	return steal_ptr(cfg);
}

/* overlay: the template's shared tree, unpacked now if this is its first CT. */
static int prepare_lower(struct vz_ct *ct, struct vz_storage *s, const char *tarball,
			 vz_error_t *err)
{
	_cleanup_free_ char *store = vz_path_unpacked(ct->ctx);

	if (!streq(s->ops->layout, "overlay"))
		return 0;
	free(s->lower);
	s->lower = vz_template_unpack(store, tarball, err);
	return s->lower ? 0 : -1;
}

static int do_create(struct vz_ct *ct, const struct vz_ct_create_opts *o, vz_error_t *err)
{
	_cleanup_free_ char *tarball = NULL;
	struct extract x = {.size = ct->ctx->uid_size};
	struct vz_storage *s;

	if (ct->exists)
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0, "CT %s already exists", ct->id);
	ct->cfg = new_config(ct, o, &tarball, err);
	if (!ct->cfg)
		return -1;
	s = vz_ct_storage(ct, err);
	if (!s)
		return -1;
	if (vz_storage_exists(s))
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0,
				     "private area '%s' already exists", s->private);
	vz_info(ct->ctx, "Creating container private area (%s)",
		vz_config_get(ct->cfg, "OSTEMPLATE"));
	x.tarball = tarball;
	if (ct_uid_range(ct, &x.base, &x.size, err) < 0 || prepare_lower(ct, s, tarball, err) < 0 ||
	    vz_storage_create(s, extract_template, &x, err) < 0)
		return -1;
	/* The config is the commit point: without it the CT does not exist. */
	if (vz_config_save(ct->cfg, ct->path.conf, err) < 0) {
		if (vz_storage_retire(s, NULL) == 0)
			(void)vz_storage_purge(s, NULL);
		return -1;
	}
	ct->exists = true;
	vz_info(ct->ctx, "Container private area was created");
	return 0;
}

int vz_ct_create(struct vz_ct *ct, const struct vz_ct_create_opts *o, vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/lock/%s.lck", ct->ctx->root, CREATE_LOCK);
	_cleanup_close_ int glock = -EBADF;

	if (ct_require_lock(ct, err) < 0)
		return -1;
	/* Id ranges and names must be unique across CTs: one create at a time picks them. */
	glock = vz_lock_file(path, "CT creation", 600000, err);
	if (glock < 0)
		return -1;
	if (do_create(ct, o, err) < 0)
		return vz_error_wrap(err, "create CT %s", ct->id);
	return 0;
}

/*
 * The unpacked templates this host's private areas are layered on, every
 * area's whether or not its CT has a config yet (one arriving by
 * migration has none until the end).
 */
static char **lowers_in_use(struct vz_ctx *ctx)
{
	_cleanup_free_ char *dir = xasprintf("%s/private", ctx->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	char **keep = strv_push(NULL, NULL);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *priv = NULL;
		char *id;

		if (de->d_name[0] == '.')
			continue;
		priv = xasprintf("%s/%s", dir, de->d_name);
		id = vz_storage_read_lower(priv);
		if (id)
			keep = strv_push(keep, id);
	}
	return keep;
}

int vz_ct_sweep_lowers(struct vz_ctx *ctx, vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/lock/%s.lck", ctx->root, CREATE_LOCK);
	_cleanup_free_ char *store = vz_path_unpacked(ctx);
	_cleanup_close_ int glock = -EBADF;
	_cleanup_strv_ char **keep = NULL;

	/* A create or a migration adopting a CT must not see its tree go. */
	glock = vz_lock_file(path, "CT creation", 600000, err);
	if (glock < 0)
		return -1;
	keep = lowers_in_use(ctx);
	return vz_template_unpacked_sweep(store, keep, err);
}

/* Move the private area aside (atomic), drop the config, then delete the files. */
static int do_destroy(struct vz_ct *ct, vz_error_t *err)
{
	_cleanup_free_ char *destroyed = xasprintf("%s.destroyed", ct->path.conf);
	struct vz_storage *s = vz_ct_storage(ct, err);

	if (!s || ct_cleanup_locked(ct, err) < 0)
		return -1;
	if (vz_storage_retire(s, err) < 0)
		return -1;
	vz_info(ct->ctx, "Destroying container private area: %s", s->private);
	if (rename(ct->path.conf, destroyed) < 0)
		return vz_error_make(err, VZ_E_DELETE, errno, "rename config '%s'", ct->path.conf);
	ct->exists = false;
	(void)rmdir(ct->path.root);
	if (vz_storage_purge(s, err) < 0)
		return -1;
	/* A suspended CT's checkpoint is part of it. */
	int r = rm_rf_at(AT_FDCWD, ct->path.dump);

	if (r < 0)
		vz_warn(ct->ctx, "remove the checkpoint '%s': %s", ct->path.dump, strerror(-r));
	/* The last CT on an outdated template tree takes the tree with it. */
	if (streq(s->ops->layout, "overlay")) {
		_cleanup_error_ vz_error_t e = NULL;

		if (vz_ct_sweep_lowers(ct->ctx, &e) < 0)
			vz_warn(ct->ctx, "unused template trees: %s", e->msg);
	}
	vz_info(ct->ctx, "Container private area was destroyed");
	/*
	 * The CT is gone: so is its lock file (we still hold it; an operation
	 * queued on the old file finds no config and fails as it should).
	 */
	(void)unlink(ct->path.lock);
	return 0;
}

int vz_ct_destroy(struct vz_ct *ct, vz_error_t *err)
{
	if (ct_require_lock(ct, err) < 0 || ct_require_config(ct, err) < 0)
		return -1;
	if (ct->running)
		return vz_error_make(err, VZ_E_RUNNING, 0,
				     "CT %s is running: stop it before destroying it", ct->id);
	/* As OpenVZ: a CT mounted on purpose (vzctl mount) is unmounted on purpose first. */
	if (!ct->state.exists && !ct->state_bad && is_mount_point_at(AT_FDCWD, ct->path.root))
		return vz_error_make(err, VZ_E_MOUNTED, 0,
				     "CT %s is mounted: unmount it first (vzctl umount %s)", ct->id,
				     ct->id);
	if (do_destroy(ct, err) < 0)
		return vz_error_wrap(err, "destroy CT %s", ct->id);
	return 0;
}
