/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Image servers in the simplestreams format of the LXC/Incus image
 * servers: streams/v1/index.json names the product catalogue(s) of
 * datatype "image-downloads"; each product ("DIST:RELEASE:ARCH:VARIANT")
 * has versions, each with items (ftype, path, sha256, size). vz takes a
 * product's newest version's "root.tar.xz" item, else its "squashfs" one.
 *
 * Trust model: the server and everything it says are untrusted input.
 * Paths must be relative without "..", hashes 64 hex digits, sizes in
 * range; a product that breaks a rule is skipped (listed with why by
 * vz_streams_parse's caller never: it just is not offered).
 */
#ifndef VZ_TEMPLATE_STREAMS_H
#define VZ_TEMPLATE_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define VZ_STREAMS_INDEX "streams/v1/index.json"

/* The largest image vz takes from a server (16 GiB). */
#define VZ_STREAMS_MAX_SIZE (16ULL << 30)

struct vz_image {
	char *dist, *release, *arch, *variant; /* the product's name, split */
	char *release_title;		       /* what orders releases ("41", "24.04") */
	char *version;			       /* the newest version's key (a build date) */
	char *ftype;			       /* "root.tar.xz" or "squashfs" */
	char *path;			       /* on the server, relative to its root */
	char *sha256;			       /* 64 lower-case hex digits */
	uint64_t size;
};

/* Free an array of n images. */
void vz_images_free(struct vz_image *v, size_t n);

/*
 * The path (relative to the server's root) of the image catalogue the
 * index names, from the text of streams/v1/index.json.
 */
char *vz_streams_products_path(const char *index, size_t len, vz_error_t *err);

/*
 * The images of the catalogue text for machine arch (the server's name
 * for it: "amd64"), variant "default" only; sorted by dist, then release
 * newest first. *ret_n: how many.
 */
struct vz_image *vz_streams_images(const char *products, size_t len, const char *arch,
				   size_t *ret_n, vz_error_t *err);

/* The server's name for this machine's architecture ("amd64" for x86_64). */
const char *vz_streams_arch(void);

/*
 * NAME as OpenVZ users write it: "fedora", "fedora-41", "fedora-41-x86_64"
 * (the machine suffix optional). The image of images[0..n) it means: the
 * exact release, or the newest of the distribution. NULL with
 * VZ_E_TEMPLATE_NOT_FOUND naming what the server has instead.
 */
const struct vz_image *vz_streams_find(const struct vz_image *images, size_t n, const char *name,
				       vz_error_t *err);

/* The cache name of an image: "fedora-41-x86_64". */
char *vz_image_cache_name(const struct vz_image *img);

#endif
