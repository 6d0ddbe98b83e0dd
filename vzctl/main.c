/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vzctl: OpenVZ's command line, talking to vzd. No container logic lives here. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "util/macros.h"

static const struct {
	const char *verb;
	cmd_fn fn;
	const char *help;
} verbs[] = {
	{"create", cmd_create,
	 "create CTID [--ostemplate NAME] [--config NAME] [--hostname H] "
	 "[--name NAME] [--description TEXT] [--layout simfs|overlay]"},
	{"start", cmd_start, "start CTID [--wait] [--skip-resume]"},
	{"stop", cmd_stop, "stop CTID [--fast] [--skip-umount]"},
	{"restart", cmd_restart, "restart CTID"},
	{"destroy", cmd_destroy, "destroy | delete CTID"},
	{"delete", cmd_destroy, NULL},
	{"mount", cmd_mount, "mount CTID"},
	{"umount", cmd_umount, "umount CTID"},
	{"status", cmd_status, "status CTID"},
	{"set", cmd_set,
	 "set CTID [--hostname H] [--onboot yes|no] [--name NAME] "
	 "[--description TEXT] [--disabled yes|no] [--nameserver IP] "
	 "[--searchdomain DOMAIN] [--stop-timeout SECONDS]\n"
	 "            [--features io_uring:on|off] [--capability NAME:on|off] "
	 "[--devnodes NAME:r|w|rw|none] [--devices b|c:MAJ:MIN|all:PERM]\n"
	 "            [--diskspace SOFT[:HARD]] [--diskinodes SOFT[:HARD]] [--quotatime SECONDS]\n"
	 "            [--ram SIZE] [--swap SIZE] [--PARAM barrier[:limit]] "
	 "[--cpuunits N] [--cpulimit N[%]]\n"
	 "            [--cpus N] [--cpumask CPUS] [--ioprio 0-7] [--iolimit BPS] "
	 "[--iopslimit N]\n"
	 "            [--ipadd ADDR] [--ipdel ADDR|all] [--netif_add "
	 "IF[,MAC,HOST_IF,HOST_MAC,BRIDGE]]\n"
	 "            [--netif_del IF|all] [--ifname IF [--mac M] [--host_ifname H] [--host_mac "
	 "M]\n"
	 "            [--bridge BR] [--ipfilter ADDR,...|no]] [--applyconfig NAME] [--save]"},
	{"exec", cmd_exec, "exec CTID COMMAND [ARG...] | exec CTID -"},
	{"exec2", cmd_exec, "exec2 CTID COMMAND [ARG...]"},
	{"enter", cmd_enter, "enter CTID [--exec COMMAND [ARG...]]"},
	{"console", cmd_console, "console CTID  (Esc . detaches)"},
	{"runscript", cmd_runscript, "runscript CTID FILE"},
	{"chkpnt", cmd_chkpnt, "chkpnt CTID [--dumpfile DIR] | --suspend | --resume"},
	{"restore", cmd_restore, "restore CTID [--dumpfile DIR]"},
	{"migrate", cmd_migrate,
	 "migrate CTID HOST [--online | --lazy] [--keep-src] [--ssh-opts OPTS]"},
	{"migrate-receive", cmd_migrate_receive, "migrate-receive CTID  (run by migrate over ssh)"},
	{"suspend", cmd_suspend, "suspend CTID"},
	{"resume", cmd_resume, "resume CTID"},
	{"ubc", cmd_ubc, "ubc CTID [-j]"},
	{"template", cmd_template,
	 "template list [--remote] | build NAME | import FILE [--name NAME] | download NAME "
	 "[--server URL]"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vzctl [--socket PATH] [--quiet | --verbose] COMMAND CTID [OPTIONS]\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (verbs[i].help)
			fprintf(f, "  vzctl %s\n", verbs[i].help);
	fprintf(f, "\nThe daemon is found at --socket, $VZ_SOCKET or /run/vz/vzd.sock.\n");
}

int main(int argc, char **argv)
{
	struct client c = {.sock = -1};
	const char *sock = NULL;
	const char *base = strrchr(argv[0], '/');
	int i;

	/* Installed as vzmigrate too: OpenVZ's argument order, HOST CTID. */
	if (streq(base ? base + 1 : argv[0], "vzmigrate")) {
		c.socket_path = client_socket_path(NULL);
		return cmd_vzmigrate(&c, argc, argv);
	}

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (streq(argv[i], "--quiet"))
			c.quiet = true;
		else if (streq(argv[i], "--verbose"))
			c.verbose = true;
		else if (streq(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (!strncmp(argv[i], "--socket=", 9))
			sock = argv[i] + 9;
		else if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (streq(argv[i], "--version")) {
			printf("vzctl version %s\n", VZ_VERSION);
			return 0;
		} else {
			fprintf(stderr, "vzctl: invalid option '%s' (vzctl --help lists them)\n",
				argv[i]);
			return CLI_USAGE_EXIT;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE_EXIT;
	}
	if (streq(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	c.socket_path = client_socket_path(sock);
	for (size_t v = 0; v < ARRAY_SIZE(verbs); v++)
		if (streq(argv[i], verbs[v].verb))
			return verbs[v].fn(&c, argc - i, argv + i);
	fprintf(stderr, "vzctl: unknown command '%s' (vzctl --help lists them)\n", argv[i]);
	return CLI_USAGE_EXIT;
}
