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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ct/internal.h"
#include "ct/ct.h"
#include "ct/ctid.h"
#include "ct/lock.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Held while choosing a uid range and a name, which must be unique across CTs. */
#define CREATE_LOCK "create"

static int cmp_ctid(const void *a, const void *b)
{
	unsigned long x = strtoul(*(char *const *)a, NULL, 10);
	unsigned long y = strtoul(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

char **vz_ct_list_ids(struct vz_ctx *ctx, vz_error_t *err)
{
	_cleanup_free_ char *dir = vz_path_confdir(ctx);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	char **ids = xzalloc(sizeof(char *));
	size_t n = 0;

	if (!d) {
		if (errno == ENOENT)
			return ids;
		free(ids);
		vz_error_make(err, VZ_E_SYSTEM, errno, "list '%s'", dir);
		return NULL;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *id;

		if (len < 6 || !streq(de->d_name + len - 5, ".conf"))
			continue;
		id = xstrndup(de->d_name, len - 5);
		if (!vz_ctid_is_numeric(id)) {
			free(id);
			continue;
		}
		ids = xreallocarray(ids, n + 2, sizeof(char *));
		ids[n++] = id;
		ids[n] = NULL;
	}
	qsort(ids, n, sizeof(char *), cmp_ctid);
	return ids;
}

void ct_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Walk every CT's config; fn returns non-zero to stop. */
static int foreach_config(struct vz_ctx *ctx,
			  int (*fn)(const char *id, const struct vz_config *cfg, void *data),
			  void *data)
{
	char **ids = vz_ct_list_ids(ctx, NULL);
	int r = 0;

	for (char **p = ids; p && *p && r == 0; p++) {
		_cleanup_config_ struct vz_config *cfg = vz_ct_load_config(ctx, *p, NULL);
		if (cfg)
			r = fn(*p, cfg, data);
	}
	ct_strv_free(ids);
	return r;
}

struct range_scan {
	struct vz_ctx *ctx;
	uint8_t *used; /* one byte per slot */
	uint32_t slots;
};

static int mark_range(const char *id, const struct vz_config *cfg, void *data)
{
	struct range_scan *s = data;
	uint32_t base, size;

	if (ct_parse_uid_range(cfg, &base, &size) < 0 || base < s->ctx->uid_start)
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
	(void)foreach_config(ctx, mark_range, &s);
	for (uint32_t i = 0; i < s.slots; i++) {
		if (!used[i]) {
			*ret_base = ctx->uid_start + i * ctx->uid_size;
			return 0;
		}
	}
	return vz_error_make(err, VZ_E_RESOURCE, 0, "no free uid range left for a new CT");
}

struct name_scan {
	const char *name, *self;
};

static int match_name(const char *id, const struct vz_config *cfg, void *data)
{
	struct name_scan *s = data;
	const char *n = vz_config_get(cfg, "NAME");

	return n && streq(n, s->name) && !(s->self && streq(id, s->self));
}

int ct_check_name_free(struct vz_ctx *ctx, const char *name, const char *self, vz_error_t *err)
{
	struct name_scan s = {.name = name, .self = self};

	if (!vz_ctid_is_name(name))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "invalid CT name '%s': letters, digits, '.', '_' and '-', "
				     "not all digits",
				     name);
	if (foreach_config(ctx, match_name, &s))
		return vz_error_make(err, VZ_E_VALUE, 0, "name '%s' is used by another CT", name);
	return 0;
}

/* Sample config ve-NAME.conf-sample from the conf dir, then the data dir. */
struct vz_config *ct_load_sample(struct vz_ctx *ctx, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *p1 = NULL, *p2 = NULL;
	struct vz_config *cfg;

	if (!name)
		return vz_config_new();
	if (!vz_ctid_is_name(name) && !vz_ctid_is_numeric(name)) {
		vz_error_make(err, VZ_E_VALUE, 0, "invalid config sample name '%s'", name);
		return NULL;
	}
	p1 = xasprintf("%s/conf/ve-%s.conf-sample", ctx->root, name);
	p2 = xasprintf("%s/configs/ve-%s.conf-sample", ctx->datadir, name);
	cfg = vz_config_load(p1, err);
	if (!cfg && (*err)->code == VZ_E_NOCONFIG) {
		vz_error_release(err);
		cfg = vz_config_load(p2, err);
	}
	if (!cfg && (*err)->code == VZ_E_NOCONFIG) {
		vz_error_release(err);
		vz_error_make(err, VZ_E_NOCONFIG, 0, "config sample '%s' not found (%s)", name, p1);
	}
	return cfg;
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

/*
 * Find the template in the cache. The embedded busybox one is built on
 * demand (it takes a moment); others name the command that builds them.
 */
static char *locate_template(struct vz_ctx *ctx, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(ctx);
	char *path;

	if (vz_template_name_check(name, err) < 0)
		return NULL;
	path = vz_template_find(cache, name, err);
	if (path || (*err)->code != VZ_E_TEMPLATE_NOT_FOUND)
		return path;
	if (!streq(name, "busybox")) {
		vz_error_release(err);
		vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
			      "OS template '%s' is not in the cache '%s' (build it with "
			      "'vzctl template build %s' or import it)",
			      name, cache, name);
		return NULL;
	}
	vz_error_release(err);
	if (vz_ct_template_build(ctx, name, err) < 0)
		return NULL;
	return vz_template_find(cache, name, err);
}

static int fill_config(struct vz_ctx *ctx, struct vz_config *cfg, const char *ctid,
		       const struct vz_ct_create_opts *o, const char *tmpl, uint32_t base,
		       vz_error_t *err)
{
	_cleanup_free_ char *range = xasprintf("%u:%u", base, ctx->uid_size);
	_cleanup_free_ char *priv = xasprintf("%s/private/$VEID", ctx->root);
	_cleanup_free_ char *root = xasprintf("%s/root/$VEID", ctx->root);
	const struct vz_ct_change set[] = {
		{"VE_ROOT", root},
		{"VE_PRIVATE", priv},
		{"OSTEMPLATE", tmpl},
		{"UID_RANGE", range},
		{"HOSTNAME", o->hostname},
		{"NAME", o->name},
		{"DESCRIPTION", o->description},
		{"ORIGIN_SAMPLE", o->config},
	};

	for (size_t i = 0; i < ARRAY_SIZE(set); i++) {
		if (!set[i].value)
			continue;
		if (vz_config_set(cfg, set[i].key, set[i].value, err) < 0)
			return -1;
	}
	return 0;
}

/* Extract into a staging directory, then rename it into place. */
static int make_private(struct vz_ctx *ctx, const char *ctid, const char *tarball, uint32_t base,
			vz_error_t *err)
{
	_cleanup_free_ char *priv = vz_path_private(ctx, ctid);
	_cleanup_free_ char *stage = xasprintf("%s/private/.%s.creating", ctx->root, ctid);
	_cleanup_close_ int fd = -EBADF;

	(void)rm_rf_at(AT_FDCWD, stage);
	if (mkdir(stage, 0755) < 0)
		return vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", stage);
	fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || vz_template_extract(tarball, fd, base, ctx->uid_size, err) < 0) {
		if (fd < 0)
			vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "open '%s'", stage);
		(void)rm_rf_at(AT_FDCWD, stage);
		return -1;
	}
	/* The private area is the CT's "/": CT root owns it. */
	if (fchown(fd, base, base) < 0 || fchmod(fd, 0755) < 0 || rename(stage, priv) < 0) {
		vz_error_make(err, VZ_E_NEW_PRIVATE, errno, "create '%s'", priv);
		(void)rm_rf_at(AT_FDCWD, stage);
		return -1;
	}
	return 0;
}

static int do_create(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_create_opts *o,
		     vz_error_t *err)
{
	_cleanup_free_ char *conf = vz_path_conf(ctx, ctid);
	_cleanup_free_ char *priv = vz_path_private(ctx, ctid);
	_cleanup_free_ char *tarball = NULL;
	_cleanup_config_ struct vz_config *cfg = NULL;
	const char *sample = o->config ? o->config : ctx->def_config;
	const char *tmpl;
	uint32_t base = 0;

	if (path_exists_at(AT_FDCWD, conf))
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0, "CT %s already exists", ctid);
	if (path_exists_at(AT_FDCWD, priv))
		return vz_error_make(err, VZ_E_PRIVATE_EXISTS, 0,
				     "private area '%s' already exists", priv);
	cfg = ct_load_sample(ctx, sample, err);
	if (!cfg)
		return -1;
	tmpl = o->ostemplate ? o->ostemplate : vz_config_get(cfg, "OSTEMPLATE");
	if (!tmpl)
		tmpl = ctx->def_ostemplate;
	if (o->name && ct_check_name_free(ctx, o->name, NULL, err) < 0)
		return -1;
	tarball = locate_template(ctx, tmpl, err);
	if (!tarball || pick_uid_range(ctx, &base, err) < 0 ||
	    fill_config(ctx, cfg, ctid, o, tmpl, base, err) < 0)
		return -1;
	vz_info(ctx, "Creating container private area (%s)", tmpl);
	if (make_private(ctx, ctid, tarball, base, err) < 0)
		return -1;
	/* The config is the commit point: without it the CT does not exist. */
	if (vz_config_save(cfg, conf, err) < 0) {
		(void)rm_rf_at(AT_FDCWD, priv);
		return -1;
	}
	vz_info(ctx, "Container private area was created");
	return 0;
}

int vz_ct_create(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_create_opts *o,
		 vz_error_t *err)
{
	_cleanup_close_ int lock = -EBADF, glock = -EBADF;

	if (!vz_ctid_is_numeric(ctid))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "create: CT ID '%s' must be a number from 1 to 2147483647 "
				     "(give a name with --name)",
				     ctid);
	lock = vz_lock_ct(ctx, ctid, 0, err);
	if (lock < 0)
		return -1;
	glock = vz_lock_ct(ctx, CREATE_LOCK, 600000, err);
	if (glock < 0)
		return -1;
	if (do_create(ctx, ctid, o, err) < 0)
		return vz_error_wrap(err, "create CT %s", ctid);
	return 0;
}

/* Move the private area aside (atomic), drop the config, then delete the files. */
static int do_destroy(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *conf = vz_path_conf(ctx, ctid);
	_cleanup_free_ char *priv = vz_path_private(ctx, ctid);
	_cleanup_free_ char *root = vz_path_root(ctx, ctid);
	_cleanup_free_ char *trash = NULL, *destroyed = NULL;
	_cleanup_free_ char *lockpath = vz_path_lock(ctx, ctid);
	int r;

	if (ct_cleanup_locked(ctx, ctid, err) < 0)
		return -1;
	trash = xasprintf("%s/private/.%s.destroying.%lld", ctx->root, ctid, (long long)time(NULL));
	if (rename(priv, trash) < 0 && errno != ENOENT)
		return vz_error_make(err, VZ_E_DELETE, errno, "move '%s' aside", priv);
	vz_info(ctx, "Destroying container private area: %s", priv);
	destroyed = xasprintf("%s.destroyed", conf);
	if (rename(conf, destroyed) < 0)
		return vz_error_make(err, VZ_E_DELETE, errno, "rename config '%s'", conf);
	(void)rmdir(root);
	r = rm_rf_at(AT_FDCWD, trash);
	if (r < 0)
		return vz_error_make(err, VZ_E_DELETE, -r, "remove '%s'", trash);
	vz_info(ctx, "Container private area was destroyed");
	/*
	 * The CT is gone: so is its lock file (we still hold it; an operation
	 * queued on the old file finds no config and fails as it should).
	 */
	(void)unlink(lockpath);
	return 0;
}

int vz_ct_destroy(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct vz_ct_status s;

	lock = ct_lock_and_load(ctx, ctid, &cfg, err);
	if (lock < 0)
		return -1;
	if (vz_ct_status(ctx, ctid, &s, err) < 0)
		return -1;
	if (s.running)
		return vz_error_make(err, VZ_E_RUNNING, 0,
				     "CT %s is running: stop it before destroying it", ctid);
	if (do_destroy(ctx, ctid, err) < 0)
		return vz_error_wrap(err, "destroy CT %s", ctid);
	return 0;
}
