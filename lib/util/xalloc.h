/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Allocation that aborts on OOM, so callers never carry OOM branches. */
#ifndef VZ_UTIL_XALLOC_H
#define VZ_UTIL_XALLOC_H

#include <stddef.h>
#include "util/macros.h"

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) VZ_PRINTF(1, 2);
VZ_NORETURN void vz_oom(void);

#endif
