/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simplestreams catalogue of an image server (see streams.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "template/streams.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void image_clear(struct vz_image *i)
{
	free(i->dist);
	free(i->release);
	free(i->arch);
	free(i->variant);
	free(i->release_title);
	free(i->version);
	free(i->ftype);
	free(i->path);
	free(i->sha256);
	memset(i, 0, sizeof(*i));
}

void vz_images_free(struct vz_image *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		image_clear(&v[i]);
	free(v);
}

static json_t *parse(const char *text, size_t len, const char *what, vz_error_t *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);

	if (!j || !json_is_object(j)) {
		vz_error_make(err, VZ_E_BAD_TEMPLATE, 0, "image server: %s is not JSON: %s", what,
			      j ? "not an object" : je.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* A server path vz will fetch: relative, plain characters, no "..", no empty parts. */
static bool safe_path(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	if (n == 0 || n > 1024 || p[0] == '/' || strstr(p, "..") || strstr(p, "//"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && !strchr("._:/+-~", p[i]))
			return false;
	return true;
}

/* A name part vz puts into a file name: like a template name's. */
static bool safe_word(const char *w)
{
	size_t n = w ? strlen(w) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && !strchr("._+-", w[i]))
			return false;
	return !strstr(w, "..");
}

static bool sha256_hex(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

char *vz_streams_products_path(const char *index, size_t len, vz_error_t *err)
{
	json_t *j = parse(index, len, VZ_STREAMS_INDEX, err);
	json_t *idx = j ? json_object_get(j, "index") : NULL;
	const char *key, *path = NULL;
	json_t *v;
	char *r = NULL;

	if (!j)
		return NULL;
	json_object_foreach (idx, key, v) {
		const char *dt = json_string_value(json_object_get(v, "datatype"));

		if (dt && streq(dt, "image-downloads")) {
			path = json_string_value(json_object_get(v, "path"));
			break;
		}
	}
	if (!path || !safe_path(path))
		vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
			      "image server: %s names no image catalogue%s%s", VZ_STREAMS_INDEX,
			      path ? " it may fetch: " : "", path ? path : "");
	else
		r = xstrdup(path);
	json_decref(j);
	return r;
}

/* The item of a version vz takes: root.tar.xz, else squashfs. */
static json_t *pick_item(json_t *items)
{
	static const char *const order[] = {"root.tar.xz", "squashfs"};
	const char *key;
	json_t *it;

	for (size_t o = 0; o < ARRAY_SIZE(order); o++)
		json_object_foreach (items, key, it) {
			const char *ft = json_string_value(json_object_get(it, "ftype"));

			if (ft && streq(ft, order[o]))
				return it;
		}
	return NULL;
}

/* The newest version (keys are build dates: the greatest) that has an item vz takes. */
static json_t *newest_item(json_t *versions, const char **ret_key)
{
	const char *key, *best = NULL;
	json_t *v, *item = NULL;

	json_object_foreach (versions, key, v) {
		json_t *it = pick_item(json_object_get(v, "items"));

		if (it && (!best || strcmp(key, best) > 0)) {
			best = key;
			item = it;
		}
	}
	*ret_key = best;
	return item;
}

/* Fill img from product name and product p; false when anything is unsafe or missing. */
static bool fill(struct vz_image *img, const char *name, json_t *p)
{
	_cleanup_strv_ char **parts = strv_split(name, ":");
	const char *vkey = NULL;
	json_t *it = newest_item(json_object_get(p, "versions"), &vkey);
	const char *path = it ? json_string_value(json_object_get(it, "path")) : NULL;
	const char *sha = it ? json_string_value(json_object_get(it, "sha256")) : NULL;
	json_t *size = it ? json_object_get(it, "size") : NULL;
	const char *title = json_string_value(json_object_get(p, "release_title"));

	if (strv_length(parts) != 4 || !it || !safe_path(path) || !sha256_hex(sha) ||
	    !json_is_integer(size) || json_integer_value(size) <= 0 ||
	    (uint64_t)json_integer_value(size) > VZ_STREAMS_MAX_SIZE || !safe_path(vkey))
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!safe_word(parts[i]))
			return false;
	*img = (struct vz_image){
		.dist = xstrdup(parts[0]),
		.release = xstrdup(parts[1]),
		.arch = xstrdup(parts[2]),
		.variant = xstrdup(parts[3]),
		.release_title = xstrdup(title && safe_word(title) ? title : parts[1]),
		.version = xstrdup(vkey),
		.ftype = xstrdup(json_string_value(json_object_get(it, "ftype"))),
		.path = xstrdup(path),
		.sha256 = xstrdup(sha),
		.size = (uint64_t)json_integer_value(size),
	};
	return true;
}

/* By distribution, then newest release first. */
static int image_cmp(const void *a, const void *b)
{
	const struct vz_image *x = a, *y = b;
	int c = strcmp(x->dist, y->dist);

	return c ? c : strverscmp(y->release_title, x->release_title);
}

struct vz_image *vz_streams_images(const char *products, size_t len, const char *arch,
				   size_t *ret_n, vz_error_t *err)
{
	json_t *j = parse(products, len, "the image catalogue", err);
	json_t *prods = j ? json_object_get(j, "products") : NULL;
	struct vz_image *v = NULL;
	size_t n = 0;
	const char *name;
	json_t *p;

	if (!j)
		return NULL;
	if (!json_is_object(prods)) {
		json_decref(j);
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				     "image server: the catalogue has no products"),
		       NULL;
	}
	v = xzalloc((json_object_size(prods) + 1) * sizeof(*v));
	json_object_foreach (prods, name, p) {
		if (!fill(&v[n], name, p))
			continue;
		if (streq(v[n].arch, arch) && streq(v[n].variant, "default"))
			n++;
		else
			image_clear(&v[n]);
	}
	json_decref(j);
	qsort(v, n, sizeof(*v), image_cmp);
	*ret_n = n;
	return v;
}

const char *vz_streams_arch(void)
{
	static const struct {
		const char *machine, *server;
	} map[] = {{"x86_64", "amd64"}, {"aarch64", "arm64"},	{"i686", "i386"},
		   {"armv7l", "armhf"}, {"ppc64le", "ppc64el"}, {"s390x", "s390x"}};
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(u.machine, map[i].machine))
			return map[i].server;
	return u.machine;
}

char *vz_image_cache_name(const struct vz_image *img)
{
	struct utsname u;

	return xasprintf("%s-%s-%s", img->dist, img->release,
			 uname(&u) == 0 ? u.machine : img->arch);
}

/* "fedora-41-x86_64" -> dist "fedora", release "41" (NULL: any), machine suffix dropped. */
static void split_name(const char *name, char **ret_dist, char **ret_release)
{
	_cleanup_free_ char *s = xstrdup(name);
	struct utsname u;
	char *dash = strchr(s, '-');
	size_t n;

	if (uname(&u) == 0 && (n = strlen(s)) > strlen(u.machine) + 1 &&
	    streq(s + n - strlen(u.machine), u.machine) && s[n - strlen(u.machine) - 1] == '-')
		s[n - strlen(u.machine) - 1] = '\0';
	dash = strchr(s, '-');
	if (dash)
		*dash = '\0';
	*ret_dist = xstrdup(s);
	*ret_release = dash && dash[1] ? xstrdup(dash + 1) : NULL;
}

const struct vz_image *vz_streams_find(const struct vz_image *images, size_t n, const char *name,
				       vz_error_t *err)
{
	_cleanup_free_ char *dist = NULL, *release = NULL;
	_cleanup_strv_ char **have = NULL;
	_cleanup_free_ char *list = NULL;

	split_name(name, &dist, &release);
	/* Sorted newest first: the first of the distribution is the newest. */
	for (size_t i = 0; i < n; i++) {
		if (!streq(images[i].dist, dist))
			continue;
		if (!release || streq(images[i].release, release) ||
		    streq(images[i].release_title, release))
			return &images[i];
		have = strv_push(have, vz_image_cache_name(&images[i]));
	}
	list = have ? strv_join(have, ", ") : NULL;
	vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0, "the image server has no %s%s%s", name,
		      list ? "; it has " : "", list ? list : "");
	return NULL;
}
