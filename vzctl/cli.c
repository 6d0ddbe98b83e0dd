/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the vzctl verbs: usage errors and one-request verbs. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util/macros.h"
#include "util/xalloc.h"

int cmd_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vzctl %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE_EXIT;
}

int cmd_simple(struct client *c, const char *op, struct vz_msg *args)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;

	reply = client_call(c, op, args, &res, &err);
	return reply ? 0 : client_fail(err);
}

/* OpenVZ options that later vz releases implement: say so instead of "invalid". */
static const char *const openvz_later[] = {
	"quotaugidlimit",
};

/* One line for an option getopt refused: missing value, later feature, or unknown. */
int cmd_bad_option(const char *verb, int code, const char *arg)
{
	_cleanup_free_ char *name = xstrndup(arg, strcspn(arg, "="));
	const char *bare = name + strspn(name, "-");

	if (code == ':')
		return cmd_usage_error(verb, "option '%s' needs a value", name);
	for (size_t i = 0; i < ARRAY_SIZE(openvz_later); i++)
		if (streq(bare, openvz_later[i]) && !strncmp(name, "--", 2))
			return cmd_usage_error(verb, "option '%s' is not supported by vz yet",
					       name);
	return cmd_usage_error(verb, "invalid option '%s'", name);
}
