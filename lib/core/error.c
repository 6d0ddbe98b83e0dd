/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/xalloc.h"

/*
 * Messages quote user input (CT IDs, names, tarball entries): a newline or an
 * escape sequence there would break the one-line message or drive the
 * terminal that shows it.
 */
static char *one_line(char *msg)
{
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return msg;
}

int vz_error_makev(vz_error_t *err, int code, int errnum, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL;
	struct vz_error_s *e;

	if (vasprintf(&msg, fmt, ap) < 0)
		vz_oom();
	e = xzalloc(sizeof(*e));
	e->errnum = errnum > 0 ? errnum : 0;
	e->code = code ? code : VZ_E_SYSTEM;
	if (errnum > 0)
		e->msg = xasprintf("%s: %s", msg, strerror(errnum));
	else
		e->msg = steal_ptr(msg);
	(void)one_line(e->msg);
	if (err) {
		vz_error_release(err);
		*err = e;
	} else {
		free(e->msg);
		free(e);
	}
	return errnum > 0 ? -errnum : -1;
}

int vz_error_make(vz_error_t *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vz_error_makev(err, code, errnum, fmt, ap);
	va_end(ap);
	return ret;
}

int vz_error_wrap(vz_error_t *err, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = NULL;
	va_list ap;
	char *msg;

	if (!err || !*err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		vz_oom();
	va_end(ap);
	msg = one_line(xasprintf("%s: %s", prefix, (*err)->msg));
	free((*err)->msg);
	(*err)->msg = msg;
	return (*err)->errnum ? -(*err)->errnum : -1;
}

int vz_error_recode(vz_error_t *err, int code)
{
	if (!err || !*err)
		return -1;
	(*err)->code = code;
	return (*err)->errnum ? -(*err)->errnum : -1;
}

int vz_error_move(vz_error_t *err, vz_error_t *src)
{
	int r;

	if (!*src)
		return 0;
	r = (*src)->errnum ? -(*src)->errnum : -1;

	if (err && err != src) {
		vz_error_release(err);
		*err = *src;
		*src = NULL;
	} else if (!err) {
		vz_error_release(src);
	}
	return r;
}

void vz_error_release(vz_error_t *err)
{
	if (!err || !*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

int vz_error_errno(vz_error_t err)
{
	return err ? err->errnum : 0;
}
