/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vzctl template list | build NAME | import FILE [--name NAME] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int template_list(struct client *c)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;
	_cleanup_strv_ char **names = NULL;

	reply = client_call(c, VZ_OP_TEMPLATE_LIST, NULL, &res, &err);
	if (!reply)
		return client_fail(err);
	names = vz_msg_get_strv(res, "templates");
	for (char **p = names; p && *p; p++)
		printf("%s\n", *p);
	return 0;
}

/* NAME from FILE: basename without .tar, .tar.gz, .tgz, ... */
static char *name_from_file(const char *file)
{
	static const char *const exts[] = {".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2",
					   ".tgz",    ".txz",	 ".tar"};
	const char *base = strrchr(file, '/');
	char *name = xstrdup(base ? base + 1 : file);
	size_t len = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t el = strlen(exts[i]);
		if (len > el && streq(name + len - el, exts[i])) {
			name[len - el] = '\0';
			break;
		}
	}
	return name;
}

static int template_import(struct client *c, int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int fd = -EBADF;
	const struct vz_msg *res;
	struct vz_msg *args;

	if (argc == 3)
		name = name_from_file(argv[2]);
	else if (argc == 5 && streq(argv[3], "--name"))
		name = xstrdup(argv[4]);
	else
		return cmd_usage_error("template",
				       "usage: vzctl template import FILE [--name NAME]");
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "template import: open '%s': %s\n", argv[2], strerror(errno));
		return 21;
	}
	args = vz_msg_new();
	vz_msg_set_str(args, "name", name);
	vz_msg_set_str(args, "file", argv[2]);
	if (client_connect(c, &err) < 0 ||
	    client_send(c, VZ_OP_TEMPLATE_IMPORT, args, &fd, 1, &err) < 0)
		return client_fail(err);
	reply = client_wait(c, &res, &err);
	if (!reply)
		return client_fail(err);
	printf("Template %s imported\n", name);
	return 0;
}

int cmd_template(struct client *c, int argc, char **argv)
{
	struct vz_msg *args;

	if (argc == 2 && streq(argv[1], "list"))
		return template_list(c);
	if (argc == 3 && streq(argv[1], "build")) {
		args = vz_msg_new();
		vz_msg_set_str(args, "name", argv[2]);
		return cmd_simple(c, VZ_OP_TEMPLATE_BUILD, args);
	}
	if (argc >= 3 && streq(argv[1], "import"))
		return template_import(c, argc, argv);
	return cmd_usage_error("template", "usage: vzctl template list | build NAME | "
					   "import FILE [--name NAME]");
}
