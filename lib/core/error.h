/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Error objects. A failing lib function sets *err and returns < 0 (or NULL);
 * the object carries errno, the OpenVZ-compatible vzctl exit status and a
 * message made of lower-case fragments that compose under wrapping:
 *   start CT 42: mount '/vz/private/42': Permission denied
 */
#ifndef VZ_ERROR_H
#define VZ_ERROR_H

#include <stdarg.h>
#include "util/macros.h"

/* vzctl(8) exit statuses, with OpenVZ's numbers so scripts keep working. */
enum vz_code {
	VZ_OK = 0,
	VZ_E_UBC = 1,
	VZ_E_FAIRSCHED = 2,
	VZ_E_SYSTEM = 3,
	VZ_E_RESOURCE = 6,
	VZ_E_CREATE = 7,
	VZ_E_EXEC = 8,
	VZ_E_LOCKED = 9,
	VZ_E_GLOBAL_CONFIG = 10,
	VZ_E_NOSCRIPT = 11,
	VZ_E_ACCES = 12,
	VZ_E_CAP = 13,
	VZ_E_NOCONFIG = 14,
	VZ_E_EXEC_TIMEOUT = 15,
	VZ_E_CHKPNT = 16,
	VZ_E_RESTORE = 17,
	VZ_E_SYNTAX = 20,
	VZ_E_VALUE = 21,
	VZ_E_NOTEMPLATE_ARG = 29,
	VZ_E_NOT_RUNNING = 31,
	VZ_E_RUNNING = 32,
	VZ_E_STOP = 33,
	VZ_E_NOT_MOUNTED = 40,
	VZ_E_MOUNTED = 41,
	VZ_E_NOPRIVATE = 43,
	VZ_E_PRIVATE_EXISTS = 44,
	VZ_E_NOSPACE = 46,
	VZ_E_BAD_TEMPLATE = 47,
	VZ_E_NEW_PRIVATE = 48,
	VZ_E_NEW_ROOT = 49,
	VZ_E_MOUNT = 50,
	VZ_E_UMOUNT = 51,
	VZ_E_DELETE = 52,
	VZ_E_DQ_ON = 60,    /* the CT's disk image cannot be attached */
	VZ_E_DQ_INIT = 61,  /* ... cannot be made */
	VZ_E_DQ_SET = 62,   /* its limits cannot be set (e.g. below what is used) */
	VZ_E_DQ_USAGE = 68, /* its usage cannot be read */
	VZ_E_ACTIONSCRIPT = 79,
	VZ_E_DEVICES = 86, /* DEVNODES/DEVICES: a node or the allow-list cannot be set */
	VZ_E_TEMPLATE_NOT_FOUND = 91,
	VZ_E_START_DISABLED = 105,
	VZ_E_CONFIG_SAVE = 139,
	/* Not in OpenVZ: the daemon cannot be reached or answered garbage. */
	VZ_E_DAEMON = 200,
	VZ_E_PROTOCOL = 201,
	/* Not in OpenVZ: an image server could not be reached or sent less than it should. */
	VZ_E_DOWNLOAD = 202,
};

struct vz_error_s {
	int errnum; /* errno, or 0 when the failure has none */
	int code;   /* enum vz_code */
	char *msg;
};
typedef struct vz_error_s *vz_error_t;

/*
 * Set *err to a new error. errnum > 0 appends ": strerror(errnum)".
 * Always returns -1 (or -errnum when errnum > 0) so callers can
 * `return vz_error_make(err, ...)`.
 */
int vz_error_make(vz_error_t *err, int code, int errnum, const char *fmt, ...) VZ_PRINTF(4, 5);
int vz_error_makev(vz_error_t *err, int code, int errnum, const char *fmt, va_list ap)
	VZ_PRINTF(4, 0);

/* Prefix context to an existing error: "start CT 42: " + old message. */
int vz_error_wrap(vz_error_t *err, const char *fmt, ...) VZ_PRINTF(2, 3);

/* Replace the exit status of an existing error (keeps message and errno). */
int vz_error_recode(vz_error_t *err, int code);

/* Free the error and set *err to NULL; accepts NULL and already-freed. */
void vz_error_release(vz_error_t *err);

/*
 * Hand the error in *src to the caller's err (or release it when err is
 * NULL); *src is NULL afterwards. Returns what vz_error_make would (0, and
 * nothing changes, when *src holds no error).
 */
int vz_error_move(vz_error_t *err, vz_error_t *src);

/* errno carried by err, or 0. */
int vz_error_errno(vz_error_t err);

#define _cleanup_error_ _cleanup_(vz_error_release)

#endif
