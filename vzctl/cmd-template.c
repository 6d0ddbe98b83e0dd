/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzctl template list [--remote [--server URL]] | build NAME |
 * import FILE [--name NAME] | download NAME [--server URL]
 */
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

/* [--server URL] after the words a command takes: 0, or -1 if something else follows. */
static int server_option(int argc, char **argv, int from, struct vz_msg *args)
{
	if (argc == from)
		return 0;
	if (argc == from + 2 && streq(argv[from], "--server")) {
		vz_msg_set_str(args, "server", argv[from + 1]);
		return 0;
	}
	return -1;
}

/* The cache's templates, or with --remote the server's: NAME, VERSION, SIZE MB. */
static int template_list(struct client *c, int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;
	_cleanup_strv_ char **names = NULL;
	struct vz_msg *args = vz_msg_new();
	bool remote = argc > 2 && streq(argv[2], "--remote");

	if (server_option(argc, argv, remote ? 3 : 2, args) < 0 ||
	    (!remote && vz_msg_has(args, "server"))) {
		vz_msg_free(args);
		return cmd_usage_error("template", "usage: vzctl template list [--remote "
						   "[--server URL]]");
	}
	vz_msg_set_bool(args, "remote", remote);
	reply = client_call(c, VZ_OP_TEMPLATE_LIST, args, &res, &err);
	if (!reply)
		return client_fail(err);
	names = vz_msg_get_strv(res, "templates");
	if (remote)
		printf("%-32s %-16s %10s\n", "NAME", "VERSION", "SIZE_MB");
	for (char **p = names; p && *p; p++) {
		char name[256], version[64];
		unsigned long long size;

		if (remote && sscanf(*p, "%255s %63s %llu", name, version, &size) == 3)
			printf("%-32s %-16s %10.1f\n", name, version, size / 1e6);
		else
			printf("%s\n", *p);
	}
	return 0;
}

static int template_download(struct client *c, int argc, char **argv)
{
	struct vz_msg *args = vz_msg_new();

	vz_msg_set_str(args, "name", argv[2]);
	if (server_option(argc, argv, 3, args) < 0) {
		vz_msg_free(args);
		return cmd_usage_error("template",
				       "usage: vzctl template download NAME [--server URL]");
	}
	return cmd_simple(c, VZ_OP_TEMPLATE_DOWNLOAD, args);
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

	if (argc >= 2 && streq(argv[1], "list"))
		return template_list(c, argc, argv);
	if (argc >= 3 && streq(argv[1], "download"))
		return template_download(c, argc, argv);
	if (argc == 3 && streq(argv[1], "build")) {
		args = vz_msg_new();
		vz_msg_set_str(args, "name", argv[2]);
		return cmd_simple(c, VZ_OP_TEMPLATE_BUILD, args);
	}
	if (argc >= 3 && streq(argv[1], "import"))
		return template_import(c, argc, argv);
	return cmd_usage_error("template",
			       "usage: vzctl template list [--remote] | build NAME | "
			       "import FILE [--name NAME] | download NAME [--server URL]");
}
