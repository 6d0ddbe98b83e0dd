/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP(S) GETs from an image server, through libcurl: only http and https
 * (also after a redirect), the system's CAs or the operator's CA file,
 * a stalled transfer given up after a minute.
 */
#ifndef VZ_TEMPLATE_FETCH_H
#define VZ_TEMPLATE_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct vz_fetch {
	const char *ca_file; /* PEM CA bundle to trust instead of the system's, or NULL */
	/* Called about once a second while a file comes: bytes so far, and expected. */
	void (*progress)(void *data, uint64_t done, uint64_t total, double secs);
	void *data;
};

/* "host/path" -> "https://host/path"; a URL with a scheme stays as it is. */
char *vz_fetch_url(const char *server, const char *path);

/* GET url, at most max bytes, into *ret (NUL-terminated) and *ret_len. */
int vz_fetch_text(const struct vz_fetch *f, const char *url, size_t max, char **ret,
		  size_t *ret_len, vz_error_t *err);

/*
 * GET url into fd, which already holds the first *have bytes of it (a
 * download cut short): those are asked to be skipped (Range); a server
 * that sends the whole again has fd started over. The file must end at
 * exactly total bytes; more is refused. *have ends as the bytes in fd.
 */
int vz_fetch_file(const struct vz_fetch *f, const char *url, int fd, uint64_t *have, uint64_t total,
		  vz_error_t *err);

#endif
