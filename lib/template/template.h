/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OS templates: rootfs tarballs in <root>/template/cache with OpenVZ's
 * precreated-template naming (NAME.tar.gz, NAME-x86_64.tar.xz, ...).
 *
 * In lib/template: cache.c (names, find, list), extract.c (into a CT, with
 * entry.c's checks), import.c (validated by validate.c), busybox.c (the
 * built-in template) and recipe.c (templates built by scripts).
 */
#ifndef VZ_TEMPLATE_H
#define VZ_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Template names: [A-Za-z0-9][A-Za-z0-9._+-]{0,127}, no "..". Returns 0 or
 * sets err (code VZ_E_VALUE) naming the bad name.
 */
int vz_template_name_check(const char *name, vz_error_t *err);

/*
 * Path of the cache tarball for NAME in cachedir, trying NAME.tar.{gz,xz,zst,bz2}
 * and then NAME-<machine>.tar.* (uname machine, e.g. x86_64).
 * NULL with VZ_E_TEMPLATE_NOT_FOUND when there is none.
 */
char *vz_template_find(const char *cachedir, const char *name, vz_error_t *err);

/* Names of all templates in cachedir (file names minus .tar.*), sorted; NULL-terminated. */
char **vz_template_list(const char *cachedir, vz_error_t *err);

/*
 * Extract tarball into the empty directory dirfd. Every owner uid/gid is
 * shifted by base and must stay below size (else the entry is refused);
 * absolute paths, "..", links escaping the tree, device nodes and entries
 * written through symlinks are refused with VZ_E_BAD_TEMPLATE.
 */
int vz_template_extract(const char *tarball, int dirfd, uid_t base, uint32_t size, vz_error_t *err);

/*
 * Copy a tarball into the cache as NAME.tar.<ext> after checking that it is
 * a readable tar archive (atomically: temp file + rename).
 */
int vz_template_import(const char *cachedir, const char *file, const char *name, vz_error_t *err);

/*
 * The same from an open file (the one a client passed over the socket);
 * file is only the name shown in messages.
 */
int vz_template_import_fd(const char *cachedir, int fd, const char *file, const char *name,
			  vz_error_t *err);

/*
 * Build a template from a recipe into the cache. "busybox" is built in C
 * from the host's static busybox (Debian busybox-static, /bin/busybox).
 */
int vz_template_build(const char *cachedir, const char *name, vz_error_t *err);

/* Called with each line a recipe prints. */
typedef void (*vz_template_progress_fn)(void *data, const char *line);

/*
 * Build NAME with a recipe script from recipes (<recipes>/NAME/build, or
 * <recipes>/FAMILY/build for FAMILY-VERSION names) into the cache as
 * NAME-<machine>.tar.<ext>. The script must be a root-owned executable
 * nobody else can write; its output is validated like an import.
 */
int vz_template_build_recipe(const char *cachedir, const char *recipes, const char *name,
			     vz_template_progress_fn progress, void *data, vz_error_t *err);

/*
 * The store of unpacked templates (lib/template/unpack.c), which overlay
 * CTs share read-only: store is <root>/template/unpacked.
 *
 * vz_template_unpack: the id (sha256 of the tarball, 64 hex digits) of the
 * unpacked tree of tarball, unpacked now (validated and extracted with ids
 * 0..65535, as vz_template_extract does) unless an earlier unpacking of
 * the same file or content is there. Caller holds the create lock.
 */
char *vz_template_unpack(const char *store, const char *tarball, vz_error_t *err);

/* Is id what vz_template_unpack returns (64 lower-case hex digits)? */
bool vz_template_unpacked_id_valid(const char *id);

/* The tree of entry id: <store>/<id>/root. */
char *vz_template_unpacked_path(const char *store, const char *id);

/*
 * Remove every entry whose id is not in keep (NULL-terminated, may be
 * NULL) and which is no longer the unpacking of a tarball as the cache has
 * it now (replaced, removed), and unpackings that died half way. Caller
 * holds the create lock.
 */
int vz_template_unpacked_sweep(const char *store, char *const *keep, vz_error_t *err);

/*
 * A migration brings a CT whose tree this host lacks: vz_template_unpacked_stage
 * makes a staging entry for TAG (the CTID) and returns the path the tree is
 * to be copied to; vz_template_unpacked_receive makes it entry id (or drops
 * it when id is here by now), under the create lock;
 * vz_template_unpacked_unstage drops it (the migration failed).
 */
char *vz_template_unpacked_stage(const char *store, const char *tag, vz_error_t *err);
int vz_template_unpacked_receive(const char *store, const char *tag, const char *id,
				 vz_error_t *err);
void vz_template_unpacked_unstage(const char *store, const char *tag);

/* An image server (vz.conf's TEMPLATE_SERVER, TEMPLATE_SERVER_CA). */
struct vz_template_server {
	const char *url;     /* "images.example.com/path" (https) or a full URL */
	const char *ca_file; /* PEM CA bundle to trust instead of the system's, or NULL */
};

/* The images srv offers for this machine (lib/template/streams.h), *ret_n of them. */
struct vz_image;
struct vz_image *vz_template_remote_list(const struct vz_template_server *srv, size_t *ret_n,
					 vz_error_t *err);

/*
 * Download the image NAME means ("fedora", "fedora-41", "fedora-41-x86_64")
 * from srv into the cache as DIST-RELEASE-MACHINE.tar.xz, checked against
 * the catalogue's size and sha256 and read as a template before it is
 * there; *ret_name (may be NULL) is that name. A download cut short is
 * gone on with by the next; nothing partial is ever a template.
 */
int vz_template_download(const char *cachedir, const struct vz_template_server *srv,
			 const char *name, vz_template_progress_fn progress, void *data,
			 char **ret_name, vz_error_t *err);

#endif
