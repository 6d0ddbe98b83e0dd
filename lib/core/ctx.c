/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ctx.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int parse_u32(const char *key, const char *s, uint32_t *ret, vz_error_t *err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return vz_error_make(err, VZ_E_GLOBAL_CONFIG, 0, "%s: invalid number '%s'", key, s);
	*ret = (uint32_t)v;
	return 0;
}

static int apply_global(struct vz_ctx *ctx, const struct vz_config *g, vz_error_t *err)
{
	const char *v;
	uint32_t n;
	const struct {
		const char *key;
		char **field;
	} strings[] = {
		{"CGROUP_PREFIX", &ctx->cgroup_prefix},
		{"DEF_OSTEMPLATE", &ctx->def_ostemplate},
		{"CONFIGFILE", &ctx->def_config},
		{"VZD_GROUP", &ctx->vzd_group},
		{"NEIGHBOUR_DEVS", &ctx->neighbour_devs},
		{"TEMPLATE_SERVER", &ctx->template_server},
		{"TEMPLATE_SERVER_CA", &ctx->template_server_ca},
		{"VE_LAYOUT", &ctx->def_layout},
		{"CGROUP_VIEW", &ctx->def_cgroup_view},
	};

	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		if (!(v = vz_config_get(g, strings[i].key)))
			continue;
		free(*strings[i].field);
		*strings[i].field = xstrdup(v);
	}
	if ((v = vz_config_get(g, "UID_RANGE_START"))) {
		if (parse_u32("UID_RANGE_START", v, &ctx->uid_start, err) < 0)
			return -1;
	}
	if ((v = vz_config_get(g, "UID_RANGE_SIZE"))) {
		if (parse_u32("UID_RANGE_SIZE", v, &ctx->uid_size, err) < 0)
			return -1;
	}
	if ((v = vz_config_get(g, "VE_STOP_TIMEOUT"))) {
		if (parse_u32("VE_STOP_TIMEOUT", v, &n, err) < 0)
			return -1;
		ctx->stop_timeout = n;
	}
	if ((v = vz_config_get(g, "ACTION_SCRIPT_TIMEOUT"))) {
		if (parse_u32("ACTION_SCRIPT_TIMEOUT", v, &n, err) < 0)
			return -1;
		if (n == 0 || n > 3600)
			return vz_error_make(err, VZ_E_GLOBAL_CONFIG, 0,
					     "ACTION_SCRIPT_TIMEOUT: %u is not 1 to 3600 seconds",
					     n);
		ctx->script_timeout = n;
	}
	if (ctx->uid_size < 65536 || (uint64_t)ctx->uid_start + ctx->uid_size > UINT32_MAX)
		return vz_error_make(
			err, VZ_E_GLOBAL_CONFIG, 0,
			"UID_RANGE_START/UID_RANGE_SIZE: range does not fit in 32 bits "
			"or is smaller than 65536 ids");
	return 0;
}

struct vz_ctx *vz_ctx_new(const char *root, const char *rundir, const char *global_config,
			  vz_error_t *err)
{
	_cleanup_ctx_ struct vz_ctx *ctx = xzalloc(sizeof(*ctx));
	_cleanup_config_ struct vz_config *g = NULL;
	const char *dd = getenv("VZ_DATADIR");

	ctx->root = xstrdup(root ? root : VZ_DEFAULT_ROOT);
	ctx->rundir = xstrdup(rundir ? rundir : VZ_DEFAULT_RUNDIR);
	ctx->cgroup_root = xstrdup(VZ_DEFAULT_CGROUP_ROOT);
	ctx->cgroup_prefix = xstrdup(VZ_DEFAULT_CGROUP_PREFIX);
	ctx->datadir = xstrdup(dd && *dd ? dd : VZ_PREFIX "/share/vz");
	ctx->uid_start = VZ_DEFAULT_UID_START;
	ctx->uid_size = VZ_DEFAULT_UID_SIZE;
	ctx->stop_timeout = VZ_DEFAULT_STOP_TIMEOUT;
	ctx->script_timeout = VZ_DEFAULT_SCRIPT_TIMEOUT;
	ctx->def_ostemplate = xstrdup(VZ_DEFAULT_OSTEMPLATE);
	ctx->def_config = NULL;
	ctx->seccomp_fd = -1;
	ctx->seccomp_io_uring_fd = -1;
	ctx->sysinfo_fd = -1;

	if (global_config) {
		vz_error_t e = NULL;

		g = vz_config_load(global_config, &e);
		if (!g && e->code == VZ_E_NOCONFIG) {
			vz_error_release(&e);
		} else if (!g) {
			vz_error_recode(&e, VZ_E_GLOBAL_CONFIG);
			vz_error_move(err, &e);
			return NULL;
		} else if (apply_global(ctx, g, err) < 0) {
			vz_error_wrap(err, "global config '%s'", global_config);
			return NULL;
		}
	}
	return steal_ptr(ctx);
}

void vz_ctx_free(struct vz_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->root);
	free(ctx->rundir);
	free(ctx->cgroup_root);
	free(ctx->cgroup_prefix);
	free(ctx->datadir);
	free(ctx->def_ostemplate);
	free(ctx->def_config);
	free(ctx->neighbour_devs);
	free(ctx->template_server);
	free(ctx->template_server_ca);
	free(ctx->def_layout);
	free(ctx->def_cgroup_view);
	free(ctx->vzd_group);
	if (ctx->seccomp_fd >= 0)
		(void)close(ctx->seccomp_fd);
	if (ctx->seccomp_io_uring_fd >= 0)
		(void)close(ctx->seccomp_io_uring_fd);
	if (ctx->sysinfo_fd >= 0)
		(void)close(ctx->sysinfo_fd);
	free(ctx->sysinfo_sock);
	free(ctx);
}

void vz_ctx_freep(struct vz_ctx **ctx)
{
	vz_ctx_free(*ctx);
	*ctx = NULL;
}

int vz_ctx_prepare(struct vz_ctx *ctx, vz_error_t *err)
{
	static const char *const sub[] = {"conf",	    "private", "root",
					  "template/cache", "dump",    "lock"};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", ctx->root, sub[i]);
		r = mkdir_p(p, 0700);
		if (r < 0)
			return vz_error_make(err, VZ_E_SYSTEM, -r, "create '%s'", p);
	}
	/*
	 * Host root's alone: a CT's processes reach their root through their
	 * own mount namespace, never through these paths, and a host user who
	 * could walk root/CTID could run a setuid program CT root put there.
	 * chmod: a root that an older vz made 0711 is closed too.
	 */
	{
		_cleanup_free_ char *p = xasprintf("%s/root", ctx->root);
		(void)chmod(ctx->root, 0700);
		(void)chmod(p, 0700);
	}
	r = mkdir_p(ctx->rundir, 0700);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "create '%s'", ctx->rundir);
	return 0;
}

static VZ_PRINTF(3, 0) void outv(struct vz_ctx *ctx, enum vz_out_level level, const char *fmt,
				 va_list ap)
{
	_cleanup_free_ char *msg = NULL;

	if (!ctx || !ctx->out)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		vz_oom();
	ctx->out(ctx->out_data, level, msg);
}

void vz_info(struct vz_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outv(ctx, VZ_OUT_INFO, fmt, ap);
	va_end(ap);
}

void vz_event(struct vz_ctx *ctx, const char *name, ...)
{
	const char *kv[33];
	size_t n = 0;
	va_list ap;

	if (!ctx->event)
		return;
	va_start(ap, name);
	while (n + 2 < ARRAY_SIZE(kv)) {
		const char *k = va_arg(ap, const char *);

		if (!k)
			break;
		kv[n++] = k;
		kv[n++] = va_arg(ap, const char *);
	}
	va_end(ap);
	kv[n] = NULL;
	ctx->event(ctx->out_data, name, (char *const *)kv);
}

void vz_warn(struct vz_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outv(ctx, VZ_OUT_WARNING, fmt, ap);
	va_end(ap);
}

char *vz_path_cache(const struct vz_ctx *ctx)
{
	return xasprintf("%s/template/cache", ctx->root);
}

char *vz_path_unpacked(const struct vz_ctx *ctx)
{
	return xasprintf("%s/template/unpacked", ctx->root);
}

uint64_t vz_ctx_tag(const struct vz_ctx *ctx)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (const char *s = ctx->root; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}
