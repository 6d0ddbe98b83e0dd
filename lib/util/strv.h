/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated vectors of heap strings. */
#ifndef VZ_UTIL_STRV_H
#define VZ_UTIL_STRV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/macros.h"

/* Free every string and the vector; NULL is fine. */
void strv_free(char **v);
void strv_freep(char ***v);
#define _cleanup_strv_ _cleanup_(strv_freep)

size_t strv_length(char *const *v);

/* Append s (ownership taken) to v, which may be NULL; returns the new vector. */
char **strv_push(char **v, char *s);

/* The words of s split at any of seps, empty words skipped; never NULL. */
char **strv_split(const char *s, const char *seps);

/* The strings joined with sep; "" for an empty or NULL vector. */
char *strv_join(char *const *v, const char *sep);

/*
 * OpenVZ's repeated NAME:VALUE options applied to a list of them (the
 * words of old and change, split at seps; NULL is none): the entries of
 * old whose NAME change does not give, then change's, joined with " ".
 * NAME is what comes before an entry's last ':'. Entries whose VALUE is
 * drop (NULL: none) are left out.
 */
char *strv_merge_named(const char *old, const char *change, const char *seps, const char *drop);

#endif
