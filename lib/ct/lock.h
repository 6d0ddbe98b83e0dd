/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Operation locks: flock() on a file under <root>/lock. A lock belongs to
 * the worker process doing the operation, so it outlives a restart of vzd
 * and is released by the kernel if the worker dies.
 */
#ifndef VZ_LOCK_H
#define VZ_LOCK_H

#include "core/error.h"

/*
 * Take the lock at path for what ("CT 101"), waiting up to timeout_ms (0:
 * do not wait). Returns the lock fd (close it to unlock) or < 0 with
 * VZ_E_LOCKED.
 */
int vz_lock_file(const char *path, const char *what, int timeout_ms, vz_error_t *err);

#endif
