/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ-style configuration files (ctid.conf, vz.conf): lines of
 * KEY="value", comments and blank lines. The parsed file keeps every line in
 * order, so unknown keys and comments survive a rewrite (`--save`).
 * Known keys are described by a table, the config's schema (one row per
 * key: name, validator, OpenVZ alias); parsing and vz_config_set() validate
 * through it, and aliases resolve through it.
 *
 * Two modules: config.c is the engine and works with any schema or none;
 * keys.c holds the ctid.conf/vz.conf table and the constructors that bind
 * it (vz_config_new, vz_config_parse, vz_config_load).
 */
#ifndef VZ_CONFIG_H
#define VZ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct vz_config;

/* A row of the key table. */
struct vz_config_key {
	const char *name;  /* canonical name, e.g. "HOSTNAME" */
	const char *alias; /* an older OpenVZ name parsed as this key, or NULL */
	/* Returns 0 or sets err (VZ_E_VALUE) naming why value is bad. */
	int (*validate)(const char *key, const char *value, vz_error_t *err);
	const char *help; /* one line for docs and errors */
};

/* ---- keys.c: the ctid.conf and vz.conf keys ---- */

/* The table, terminated by a row with name == NULL. */
const struct vz_config_key *vz_config_keys(void);
/* The row of name or of its alias in that table, or NULL. */
const struct vz_config_key *vz_config_key_lookup(const char *name);

/* An empty config whose known keys are those of vz_config_keys(). */
struct vz_config *vz_config_new(void);

/*
 * Parse text (len bytes, need not be NUL-terminated). origin names the file in
 * errors: "config '/vz/conf/42.conf' line 3: ...". A malformed line is an
 * error; a known key with an invalid value is an error; unknown keys are kept.
 * Values may be "double-quoted", 'single-quoted' or bare; $VAR and `cmd`
 * are never expanded.
 */
struct vz_config *vz_config_parse(const char *text, size_t len, const char *origin,
				  vz_error_t *err);

/* Read and parse a file; VZ_E_NOCONFIG when it does not exist. */
struct vz_config *vz_config_load(const char *path, vz_error_t *err);

/* ---- config.c: the engine, for any schema ---- */

/*
 * The same three for another table of keys (NULL-name terminated, and it
 * must outlive the config), or for none (schema NULL): then every key is
 * unknown, kept and set as it is, and has no alias.
 */
struct vz_config *vz_config_new_with(const struct vz_config_key *schema);
struct vz_config *vz_config_parse_with(const struct vz_config_key *schema, const char *text,
				       size_t len, const char *origin, vz_error_t *err);
struct vz_config *vz_config_load_with(const struct vz_config_key *schema, const char *path,
				      vz_error_t *err);
/* The row of name or of its alias in schema (NULL: none), or NULL. */
const struct vz_config_key *vz_config_key_find(const struct vz_config_key *schema,
					       const char *name);

void vz_config_free(struct vz_config *cfg);
void vz_config_freep(struct vz_config **cfg);
#define _cleanup_config_ _cleanup_(vz_config_freep)

/* Value of key (aliases resolved), or NULL when unset. */
const char *vz_config_get(const struct vz_config *cfg, const char *key);

/* Boolean keys: yes/no (also true/false, 1/0, on/off); def when unset. */
bool vz_config_get_bool(const struct vz_config *cfg, const char *key, bool def);

/*
 * Set key to value after validating it through the schema (unknown keys are
 * accepted as they are). Replaces the existing line in place, or appends.
 * value NULL removes the key.
 */
int vz_config_set(struct vz_config *cfg, const char *key, const char *value, vz_error_t *err);

/* The file text, every untouched line byte for byte as it was read. */
char *vz_config_format(const struct vz_config *cfg);

/* Write atomically (temp, fsync, rename). VZ_E_CONFIG_SAVE on failure. */
int vz_config_save(const struct vz_config *cfg, const char *path, vz_error_t *err);

/* Call fn for each key=value in file order; stops when fn returns non-zero. */
int vz_config_foreach(const struct vz_config *cfg,
		      int (*fn)(const char *key, const char *value, void *data), void *data);

/*
 * Value parsers shared by the table and the CLI. Each returns 0 or sets err.
 *  - size: "512M", "1G", "4096" (bytes unless unit_bytes == 4096 for pages),
 *          "unlimited"; K/M/G/T suffixes (binary); result in bytes.
 *  - bool: yes/no.
 */
int vz_parse_size(const char *key, const char *s, uint64_t *ret_bytes, vz_error_t *err);
int vz_parse_bool(const char *key, const char *s, bool *ret, vz_error_t *err);

#endif
