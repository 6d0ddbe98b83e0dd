/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lifecycle verbs: create, start, stop, restart, destroy, mount, umount, status, set. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "conf/config.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Parse "VERB CTID [options]"; options are (name, has_arg, key) rows. */
struct opt_row {
	const char *name;
	const char *key; /* request arg, or config key for set */
	bool has_arg;
};

static int parse_ct_opts(const char *verb, int argc, char **argv, const struct opt_row *rows,
			 size_t n, struct vz_msg *args, const char **ret_ctid)
{
	struct option *lo = xzalloc((n + 1) * sizeof(*lo));
	int c, idx;

	for (size_t i = 0; i < n; i++)
		lo[i] = (struct option){rows[i].name, rows[i].has_arg ? required_argument : 0, NULL,
					(int)(i + 256)};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lo, &idx)) != -1) {
		const struct opt_row *r;

		if (c < 256) {
			free(lo);
			return cmd_bad_option(verb, c, argv[optind - 1]);
		}
		r = &rows[c - 256];
		if (r->has_arg)
			vz_msg_set_str(args, r->key, optarg);
		else
			vz_msg_set_bool(args, r->key, true);
	}
	free(lo);
	if (optind >= argc)
		return cmd_usage_error(verb, "CT ID missing");
	if (optind + 1 < argc)
		return cmd_usage_error(verb, "unexpected argument '%s'", argv[optind + 1]);
	*ret_ctid = argv[optind];
	vz_msg_set_str(args, "ctid", *ret_ctid);
	return 0;
}

static int ct_verb(struct client *c, int argc, char **argv, const char *op,
		   const struct opt_row *rows, size_t n)
{
	struct vz_msg *args = vz_msg_new();
	const char *ctid;
	int r = parse_ct_opts(argv[0], argc, argv, rows, n, args, &ctid);

	if (r) {
		vz_msg_free(args);
		return r;
	}
	return cmd_simple(c, op, args);
}

int cmd_create(struct client *c, int argc, char **argv)
{
	static const struct opt_row rows[] = {
		{"ostemplate", "ostemplate", true},   {"config", "config", true},
		{"hostname", "hostname", true},	      {"name", "name", true},
		{"description", "description", true}, {"layout", "layout", true},
		{"diskspace", "diskspace", true},     {"diskinodes", "diskinodes", true},
	};
	return ct_verb(c, argc, argv, VZ_OP_CREATE, rows, ARRAY_SIZE(rows));
}

int cmd_start(struct client *c, int argc, char **argv)
{
	static const struct opt_row rows[] = {{"wait", "wait", false},
					      {"skip-resume", "skip_resume", false}};
	return ct_verb(c, argc, argv, VZ_OP_START, rows, ARRAY_SIZE(rows));
}

int cmd_stop(struct client *c, int argc, char **argv)
{
	static const struct opt_row rows[] = {{"fast", "fast", false},
					      {"skip-umount", "skip_umount", false}};
	return ct_verb(c, argc, argv, VZ_OP_STOP, rows, ARRAY_SIZE(rows));
}

int cmd_restart(struct client *c, int argc, char **argv)
{
	return ct_verb(c, argc, argv, VZ_OP_RESTART, NULL, 0);
}

int cmd_destroy(struct client *c, int argc, char **argv)
{
	return ct_verb(c, argc, argv, VZ_OP_DESTROY, NULL, 0);
}

int cmd_mount(struct client *c, int argc, char **argv)
{
	return ct_verb(c, argc, argv, VZ_OP_MOUNT, NULL, 0);
}

int cmd_umount(struct client *c, int argc, char **argv)
{
	return ct_verb(c, argc, argv, VZ_OP_UMOUNT, NULL, 0);
}

/* The daemon runs elsewhere: a relative --dumpfile is made absolute here. */
static void absolute_dumpfile(struct vz_msg *args)
{
	const char *f = vz_msg_get_str(args, "dumpfile");
	_cleanup_free_ char *cwd = NULL;

	if (!f || f[0] == '/')
		return;
	cwd = getcwd(NULL, 0);
	if (cwd) {
		_cleanup_free_ char *abs = xasprintf("%s/%s", cwd, f);
		vz_msg_set_str(args, "dumpfile", abs);
	}
}

/*
 * OpenVZ's chkpnt: a checkpoint that stops the CT (to --dumpfile, else the
 * CT's dump directory), or with --suspend / --resume only its freeze stage.
 */
int cmd_chkpnt(struct client *c, int argc, char **argv)
{
	static const struct opt_row rows[] = {{"suspend", "suspend", false},
					      {"resume", "resume", false},
					      {"dumpfile", "dumpfile", true}};
	struct vz_msg *args = vz_msg_new();
	const char *ctid;
	bool s, r;
	int rc = parse_ct_opts(argv[0], argc, argv, rows, ARRAY_SIZE(rows), args, &ctid);

	if (rc) {
		vz_msg_free(args);
		return rc;
	}
	s = vz_msg_get_bool(args, "suspend", false);
	r = vz_msg_get_bool(args, "resume", false);
	if (s && r) {
		vz_msg_free(args);
		return cmd_usage_error(argv[0], "give --suspend or --resume, not both");
	}
	if ((s || r) && vz_msg_get_str(args, "dumpfile")) {
		vz_msg_free(args);
		return cmd_usage_error(argv[0], "--dumpfile goes with a full checkpoint only");
	}
	absolute_dumpfile(args);
	return cmd_simple(c, s ? VZ_OP_SUSPEND : r ? VZ_OP_RESUME : VZ_OP_CHKPNT, args);
}

int cmd_restore(struct client *c, int argc, char **argv)
{
	static const struct opt_row rows[] = {{"dumpfile", "dumpfile", true}};
	struct vz_msg *args = vz_msg_new();
	const char *ctid;
	int rc = parse_ct_opts(argv[0], argc, argv, rows, ARRAY_SIZE(rows), args, &ctid);

	if (rc) {
		vz_msg_free(args);
		return rc;
	}
	absolute_dumpfile(args);
	return cmd_simple(c, VZ_OP_RESTORE, args);
}

/* Virtuozzo's suspend: a checkpoint into the CT's dump directory; the CT stops. */
int cmd_suspend(struct client *c, int argc, char **argv)
{
	return ct_verb(c, argc, argv, VZ_OP_CHKPNT, NULL, 0);
}

/* Restore a suspended CT from its dump directory, or thaw a frozen one. */
int cmd_resume(struct client *c, int argc, char **argv)
{
	return ct_verb(c, argc, argv, VZ_OP_RESUME, NULL, 0);
}

int cmd_status(struct client *c, int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	struct vz_msg *args = vz_msg_new();
	const struct vz_msg *res;
	const char *ctid;
	int r = parse_ct_opts(argv[0], argc, argv, NULL, 0, args, &ctid);

	if (r) {
		vz_msg_free(args);
		return r;
	}
	reply = client_call(c, VZ_OP_STATUS, args, &res, &err);
	if (!reply)
		return client_fail(err);
	printf("CTID %s %s %s %s%s\n", vz_msg_get_str(res, "ctid") ?: ctid,
	       vz_msg_get_bool(res, "exist", false) ? "exist" : "deleted",
	       vz_msg_get_bool(res, "mounted", false) ? "mounted" : "unmounted",
	       vz_msg_get_bool(res, "running", false) ? "running" : "down",
	       vz_msg_get_bool(res, "suspended", false) ? " suspended" : "");
	return 0;
}

/* How a vzctl set option's value becomes the config value. */
enum set_conv {
	CONV_NONE,
	CONV_RAM,	 /* --ram/--swap SIZE in bytes: "0:PAGES" (vswap: no barrier) */
	CONV_IOLIMIT,	 /* a bare number is MB/s, as in OpenVZ */
	CONV_SETMODE,	 /* OpenVZ's --setmode restart|ignore: vz applies everything live */
	CONV_USERPASSWD, /* USER:PASSWORD, or USER and the password on stdin */
};

/* A vzctl set option and the config key it changes. */
struct set_row {
	const char *name;
	const char *key; /* NULL: --save; "" : --applyconfig */
	bool has_arg;
	enum set_conv conv;
};

static const struct set_row set_rows[] = {
	{"hostname", "HOSTNAME", true, CONV_NONE},
	{"onboot", "ONBOOT", true, CONV_NONE},
	{"name", "NAME", true, CONV_NONE},
	{"description", "DESCRIPTION", true, CONV_NONE},
	{"disabled", "DISABLED", true, CONV_NONE},
	{"nameserver", "NAMESERVER", true, CONV_NONE},
	{"features", "FEATURES", true, CONV_NONE},
	{"capability", "CAPABILITY", true, CONV_NONE},
	{"devnodes", "DEVNODES", true, CONV_NONE},
	{"devices", "DEVICES", true, CONV_NONE},
	{"searchdomain", "SEARCHDOMAIN", true, CONV_NONE},
	{"stop-timeout", "STOP_TIMEOUT", true, CONV_NONE},
	{"ipadd", "IPADD", true, CONV_NONE},
	{"ipdel", "IPDEL", true, CONV_NONE},
	{"netif_add", "NETIF_ADD", true, CONV_NONE},
	{"netif_del", "NETIF_DEL", true, CONV_NONE},
	{"ifname", "IFNAME", true, CONV_NONE},
	{"mac", "NETIF_MAC", true, CONV_NONE},
	{"host_ifname", "NETIF_HOST_IFNAME", true, CONV_NONE},
	{"host_mac", "NETIF_HOST_MAC", true, CONV_NONE},
	{"bridge", "NETIF_BRIDGE", true, CONV_NONE},
	{"ipfilter", "NETIF_ALLOW", true, CONV_NONE},
	{"ram", "PHYSPAGES", true, CONV_RAM},
	{"swap", "SWAPPAGES", true, CONV_RAM},
	{"physpages", "PHYSPAGES", true, CONV_NONE},
	{"swappages", "SWAPPAGES", true, CONV_NONE},
	{"kmemsize", "KMEMSIZE", true, CONV_NONE},
	{"lockedpages", "LOCKEDPAGES", true, CONV_NONE},
	{"privvmpages", "PRIVVMPAGES", true, CONV_NONE},
	{"shmpages", "SHMPAGES", true, CONV_NONE},
	{"numproc", "NUMPROC", true, CONV_NONE},
	{"vmguarpages", "VMGUARPAGES", true, CONV_NONE},
	{"oomguarpages", "OOMGUARPAGES", true, CONV_NONE},
	{"numtcpsock", "NUMTCPSOCK", true, CONV_NONE},
	{"numflock", "NUMFLOCK", true, CONV_NONE},
	{"numpty", "NUMPTY", true, CONV_NONE},
	{"numsiginfo", "NUMSIGINFO", true, CONV_NONE},
	{"tcpsndbuf", "TCPSNDBUF", true, CONV_NONE},
	{"tcprcvbuf", "TCPRCVBUF", true, CONV_NONE},
	{"othersockbuf", "OTHERSOCKBUF", true, CONV_NONE},
	{"dgramrcvbuf", "DGRAMRCVBUF", true, CONV_NONE},
	{"numothersock", "NUMOTHERSOCK", true, CONV_NONE},
	{"dcachesize", "DCACHESIZE", true, CONV_NONE},
	{"numfile", "NUMFILE", true, CONV_NONE},
	{"numiptent", "NUMIPTENT", true, CONV_NONE},
	{"cpuunits", "CPUUNITS", true, CONV_NONE},
	{"cpulimit", "CPULIMIT", true, CONV_NONE},
	{"cpus", "CPUS", true, CONV_NONE},
	{"cpumask", "CPUMASK", true, CONV_NONE},
	{"ioprio", "IOPRIO", true, CONV_NONE},
	{"iolimit", "IOLIMIT", true, CONV_IOLIMIT},
	{"iopslimit", "IOPSLIMIT", true, CONV_NONE},
	{"diskspace", "DISKSPACE", true, CONV_NONE},
	{"diskinodes", "DISKINODES", true, CONV_NONE},
	{"quotatime", "QUOTATIME", true, CONV_NONE},
	{"applyconfig", "", true, CONV_NONE},
	{"setmode", "", true, CONV_SETMODE},
	{"userpasswd", "", true, CONV_USERPASSWD},
	{"save", NULL, false, CONV_NONE},
};

/* The config value of an option's argument; NULL after printing a usage error. */
static char *convert(const struct set_row *r, const char *arg)
{
	uint64_t bytes;

	switch (r->conv) {
	case CONV_RAM:
		/* Checked here so that the error names the option the user typed. */
		if (vz_parse_size(r->name, arg, &bytes, NULL) < 0) {
			fprintf(stderr,
				"vzctl set: --%s: invalid size '%s' (expected e.g. 512M, 2G or "
				"unlimited)\n",
				r->name, arg);
			return NULL;
		}
		/* Saved as OpenVZ saves it: pages, rounded up. */
		if (bytes == UINT64_MAX)
			return xstrdup("0:unlimited");
		return xasprintf("0:%llu",
				 (unsigned long long)(bytes / 4096 + (bytes % 4096 != 0)));
	case CONV_IOLIMIT:
		if (arg[0] && arg[strspn(arg, "0123456789")] == '\0' && strcmp(arg, "0") != 0)
			return xasprintf("%sM", arg);
		return xstrdup(arg);
	case CONV_SETMODE:
	case CONV_USERPASSWD:
	case CONV_NONE:
		break;
	}
	return xstrdup(arg);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = (char *)s;
	(*v)[*n] = NULL;
}

/*
 * OpenVZ takes --nameserver, --searchdomain, --features, --capability, --devnodes and
 * --devices several times, meaning all of them: join the values of a repeated one.
 */
static bool append_repeated(char **keys, char **values, size_t n, const char *key,
			    const char *value)
{
	static const char *const repeated[] = {"NAMESERVER", "SEARCHDOMAIN", "FEATURES",
					       "CAPABILITY", "DEVNODES",     "DEVICES"};
	bool is = false;

	for (size_t i = 0; i < ARRAY_SIZE(repeated); i++)
		is |= streq(key, repeated[i]);
	if (!is)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (streq(keys[i], key)) {
			char *joined = xasprintf("%s %s", values[i], value);

			free(values[i]);
			values[i] = joined;
			return true;
		}
	}
	return false;
}

/* One line from stdin; on a terminal asked for without echo. NULL at end of input. */
static char *read_password(const char *user)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;

	if (tty) {
		fprintf(stderr, "Password for %s: ", user);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	n = getline(&line, &size, stdin);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/*
 * --userpasswd USER:PASSWORD (OpenVZ's form) or USER, the password then
 * read from stdin. The password is wiped from vzctl's argv at once, so
 * /proc/PID/cmdline shows it only for the moment before.
 */
static int userpasswd_arg(char *arg, char **ret_user, char **ret_password)
{
	char *colon = strchr(arg, ':');

	*ret_user = xstrndup(arg, colon ? (size_t)(colon - arg) : strlen(arg));
	if (colon) {
		*ret_password = xstrdup(colon + 1);
		explicit_bzero(colon + 1, strlen(colon + 1));
	} else {
		*ret_password = read_password(*ret_user);
	}
	if (!**ret_user || !*ret_password || !**ret_password) {
		fprintf(stderr, "vzctl set: --userpasswd: expected USER:PASSWORD, or USER and the "
				"password on stdin\n");
		return 21; /* OpenVZ: invalid parameter value */
	}
	return 0;
}

static void free_secret(char **p)
{
	if (*p)
		explicit_bzero(*p, strlen(*p));
	free(*p);
}

int cmd_set(struct client *c, int argc, char **argv)
{
	struct option lo[ARRAY_SIZE(set_rows) + 1] = {{0}};
	_cleanup_free_ char **keys = NULL;
	_cleanup_strv_ char **values = NULL;
	const char *applyconfig = NULL;
	_cleanup_free_ char *user = NULL;
	_cleanup_(free_secret) char *password = NULL;
	size_t nk = 0, nv = 0;
	bool save = false;
	struct vz_msg *args;
	int opt, idx;

	for (size_t i = 0; i < ARRAY_SIZE(set_rows); i++)
		lo[i] = (struct option){set_rows[i].name,
					set_rows[i].has_arg ? required_argument : 0, NULL,
					(int)(i + 256)};
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lo, &idx)) != -1) {
		const struct set_row *r;
		char *value;

		if (opt < 256)
			return cmd_bad_option("set", opt, argv[optind - 1]);
		r = &set_rows[opt - 256];
		if (!r->key) {
			save = true;
			continue;
		}
		if (r->conv == CONV_SETMODE) {
			if (!streq(optarg, "restart") && !streq(optarg, "ignore"))
				return cmd_usage_error("set",
						       "--setmode: expected restart or ignore, "
						       "not '%s'",
						       optarg);
			continue;
		}
		if (r->conv == CONV_USERPASSWD) {
			int e;

			free(user);
			free_secret(&password);
			e = userpasswd_arg(optarg, &user, &password);
			if (e)
				return e;
			continue;
		}
		if (!r->key[0]) {
			applyconfig = optarg;
			continue;
		}
		if (append_repeated(keys, values, nk, r->key, optarg))
			continue;
		value = convert(r, optarg);
		if (!value)
			return 21; /* OpenVZ: invalid parameter value */
		push(&keys, &nk, r->key);
		push(&values, &nv, value);
	}
	if (optind >= argc)
		return cmd_usage_error("set", "CT ID missing");
	if (optind + 1 < argc)
		return cmd_usage_error("set", "unexpected argument '%s'", argv[optind + 1]);
	if (nk == 0 && !applyconfig && !user)
		return cmd_usage_error("set", "nothing to set");
	args = vz_msg_new();
	vz_msg_set_str(args, "ctid", argv[optind]);
	vz_msg_set_strv(args, "keys", keys ? keys : (char *[]){NULL});
	vz_msg_set_strv(args, "values", values ? values : (char *[]){NULL});
	vz_msg_set_bool(args, "save", save);
	if (applyconfig)
		vz_msg_set_str(args, "applyconfig", applyconfig);
	if (user) {
		vz_msg_set_str(args, "user", user);
		vz_msg_set_str(args, "password", password);
	}
	return cmd_simple(c, VZ_OP_SET, args);
}
