/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "util/ring.h"
#include "util/xalloc.h"

void vz_ring_init(struct vz_ring *r, size_t size)
{
	*r = (struct vz_ring){.buf = xzalloc(size), .size = size};
}

void vz_ring_free(struct vz_ring *r)
{
	free(r->buf);
	*r = (struct vz_ring){0};
}

void vz_ring_put(struct vz_ring *r, const char *p, size_t n)
{
	/* Of more than fits, only the last size bytes can stay. */
	if (n > r->size) {
		p += n - r->size;
		n = r->size;
	}
	while (n > 0) {
		size_t k = r->size - r->head < n ? r->size - r->head : n;

		memcpy(r->buf + r->head, p, k);
		r->head = (r->head + k) % r->size;
		r->len = r->len + k > r->size ? r->size : r->len + k;
		p += k;
		n -= k;
	}
}

void vz_ring_view(const struct vz_ring *r, const char **a, size_t *na, const char **b, size_t *nb)
{
	size_t start = (r->head + r->size - r->len) % r->size;

	*a = r->buf + start;
	if (start + r->len <= r->size) {
		*na = r->len;
		*b = r->buf;
		*nb = 0;
		return;
	}
	*na = r->size - start;
	*b = r->buf;
	*nb = r->len - *na;
}
