/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small macros every module uses: cleanup attributes, ownership transfer,
 * visibility and attribute shorthands.
 */
#ifndef VZ_UTIL_MACROS_H
#define VZ_UTIL_MACROS_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VZ_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define VZ_NORETURN __attribute__((noreturn))
#define VZ_UNUSED __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* For _cleanup_: frees *p and leaves it as it is (the variable is going away). */
static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Free p and return NULL, to write "x = mfree(x)" where x lives on. */
static inline void *mfree(void *p)
{
	free(p);
	return NULL;
}

/* Closing must not clobber the errno a failing caller is about to report. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
		*fd = -EBADF;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		(void)fclose(*f);
		errno = saved;
		*f = NULL;
	}
}

static inline void closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		(void)closedir(*d);
		errno = saved;
		*d = NULL;
	}
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand an owned pointer on: the cleanup of the old name then does nothing. */
#define steal_ptr(p)                      \
	({                                \
		__typeof__(p) _tmp = (p); \
		(p) = NULL;               \
		_tmp;                     \
	})

#define take_fd(fd)              \
	({                       \
		int _tmp = (fd); \
		(fd) = -EBADF;   \
		_tmp;            \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)

#endif
