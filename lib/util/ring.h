/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A byte ring of fixed size that keeps the newest bytes (a console's recent output). */
#ifndef VZ_UTIL_RING_H
#define VZ_UTIL_RING_H

#include <stddef.h>

struct vz_ring {
	char *buf;
	size_t size; /* capacity */
	size_t head; /* where the next byte goes */
	size_t len;  /* bytes held, at most size */
};

void vz_ring_init(struct vz_ring *r, size_t size);
void vz_ring_free(struct vz_ring *r);
/* Append n bytes; the oldest go when it is full. */
void vz_ring_put(struct vz_ring *r, const char *p, size_t n);
/*
 * The held bytes, oldest first, as at most two pieces: *a (na bytes), then
 * *b (nb bytes, 0 when it is one piece).
 */
void vz_ring_view(const struct vz_ring *r, const char **a, size_t *na, const char **b, size_t *nb);

#endif
