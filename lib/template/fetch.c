/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GETs from an image server with libcurl (see fetch.h). */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "template/fetch.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

char *vz_fetch_url(const char *server, const char *path)
{
	size_t n = strlen(server);
	bool slash = n > 0 && server[n - 1] == '/';

	if (strstr(server, "://"))
		return xasprintf("%s%s%s", server, slash ? "" : "/", path);
	return xasprintf("https://%s%s%s", server, slash ? "" : "/", path);
}

/* Where a transfer's bytes go. */
struct sink {
	const struct vz_fetch *f;
	char *buf; /* text: the buffer */
	size_t len, max;
	int fd; /* file: where to write, else -1 */
	uint64_t have, total;
	bool started_over, too_much, io_error;
	double t0, last;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *data)
{
	struct sink *s = data;
	size_t n = size * nmemb;

	if (s->fd < 0) {
		if (s->len + n > s->max) {
			s->too_much = true;
			return 0;
		}
		s->buf = xrealloc(s->buf, s->len + n + 1);
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		s->buf[s->len] = '\0';
		return n;
	}
	if (s->have + n > s->total) {
		s->too_much = true;
		return 0;
	}
	if (write_all(s->fd, p, n) < 0) {
		s->io_error = true;
		return 0;
	}
	s->have += n;
	if (s->f->progress && vz_now_s() - s->last >= 1.0) {
		s->last = vz_now_s();
		s->f->progress(s->f->data, s->have, s->total, s->last - s->t0);
	}
	return n;
}

/* A 200 to a ranged request: the server sends it all; start the file over. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *data)
{
	struct sink *s = data;
	size_t n = size * nmemb;

	if (s->fd >= 0 && s->have > 0 && !s->started_over && n > 12 &&
	    strncmp(p, "HTTP/", 5) == 0) {
		const char *code = strchr(p, ' ');

		if (code && strncmp(code + 1, "200", 3) == 0) {
			if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
				return 0;
			s->have = 0;
			s->started_over = true;
		}
	}
	return n;
}

static CURL *make_handle(const struct vz_fetch *f, const char *url, struct sink *s, char *errbuf)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* An https server's redirect may not take the download to plain http. */
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
			 strncasecmp(url, "https:", 6) == 0 ? "https" : "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* Stalled (under 1 byte/s for a minute): given up, to be resumed later. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vz/" VZ_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	if (f->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, f->ca_file);
	return c;
}

static int perform(const struct vz_fetch *f, const char *url, struct sink *s, vz_error_t *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = make_handle(f, url, s, errbuf);
	CURLcode rc;
	_cleanup_free_ char *range = NULL;
	char *redirect = NULL;

	if (!c)
		return vz_error_make(err, VZ_E_SYSTEM, ENOMEM, "curl");
	if (s->fd >= 0 && s->have > 0) {
		range = xasprintf("%llu-", (unsigned long long)s->have);
		curl_easy_setopt(c, CURLOPT_RANGE, range);
	}
	s->t0 = s->last = vz_now_s();
	rc = curl_easy_perform(c);
	/* Refused on the way: the URL curl was sent to is another than the one asked for. */
	if (rc == CURLE_UNSUPPORTED_PROTOCOL)
		(void)curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &redirect);
	redirect = redirect && !streq(redirect, url) ? xstrdup(redirect) : NULL;
	curl_easy_cleanup(c);
	if (s->too_much)
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, 0,
				     "%s: more than the %llu bytes expected", url,
				     (unsigned long long)(s->fd >= 0 ? s->total : s->max));
	if (s->io_error)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "%s: write", url);
	if (redirect) {
		vz_error_make(err, VZ_E_DOWNLOAD, 0,
			      "%s: redirected to '%s', refused: downloads from an https server "
			      "stay on https",
			      url, redirect);
		free(redirect);
		return -1;
	}
	if (rc != CURLE_OK)
		return vz_error_make(err, VZ_E_DOWNLOAD, 0, "%s: %s", url,
				     *errbuf ? errbuf : curl_easy_strerror(rc));
	return 0;
}

int vz_fetch_text(const struct vz_fetch *f, const char *url, size_t max, char **ret,
		  size_t *ret_len, vz_error_t *err)
{
	struct sink s = {.f = f, .fd = -1, .max = max};

	if (perform(f, url, &s, err) < 0) {
		free(s.buf);
		return -1;
	}
	*ret = s.buf ? s.buf : xstrdup("");
	*ret_len = s.len;
	return 0;
}

int vz_fetch_file(const struct vz_fetch *f, const char *url, int fd, uint64_t *have, uint64_t total,
		  vz_error_t *err)
{
	struct sink s = {.f = f, .fd = fd, .have = *have, .total = total};
	int r;

	if (lseek(fd, (off_t)s.have, SEEK_SET) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "seek");
	r = perform(f, url, &s, err);
	*have = s.have;
	if (r == 0 && s.have != total)
		return vz_error_make(err, VZ_E_DOWNLOAD, 0,
				     "%s: %llu bytes, the catalogue says %llu", url,
				     (unsigned long long)s.have, (unsigned long long)total);
	if (r == 0 && f->progress)
		f->progress(f->data, s.have, total, vz_now_s() - s.t0);
	return r;
}
