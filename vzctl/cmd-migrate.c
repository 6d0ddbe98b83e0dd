/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzctl migrate CTID HOST [--online | --lazy] [--keep-src] [--ssh-opts "..."],
 * its OpenVZ spelling vzmigrate [--online] [--lazy] [-r yes|no] [--ssh=OPTS]
 * HOST CTID,
 * and migrate-receive, the destination's end, which a migration runs there
 * over ssh (its stdin and stdout are the channel).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "util/fs.h"
#include "util/macros.h"

/* -j: each progress event as a line of JSON. */
static int print_event(struct client *c, const char *event, const struct vz_msg *m, int *fds,
		       size_t nfds, void *data)
{
	_cleanup_free_ char *line = NULL;

	if (!streq(event, "migrate"))
		return -1;
	line = vz_msg_dump(m, false);
	printf("%s\n", line);
	fflush(stdout);
	return -1;
}

/* With -j, the outcome is a JSON line too: the "done" event, or this. */
static int json_failure(vz_error_t err)
{
	_cleanup_msg_ struct vz_msg *m = vz_msg_new();
	_cleanup_free_ char *line = NULL;

	vz_msg_set_str(m, "event", "error");
	vz_msg_set_str(m, "msg", err && err->msg ? err->msg : "unknown error");
	vz_msg_set_int(m, "code", err && err->code ? err->code : VZ_E_SYSTEM);
	line = vz_msg_dump(m, false);
	printf("%s\n", line);
	return err && err->code ? err->code : VZ_E_SYSTEM;
}

static int send_migrate(struct client *c, const char *ctid, const char *host, struct vz_msg *args,
			bool json)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;

	vz_msg_set_str(args, "ctid", ctid);
	vz_msg_set_str(args, "host", host);
	if (!json)
		return cmd_simple(c, VZ_OP_MIGRATE, args);
	c->quiet = true;
	c->on_event = print_event;
	reply = client_call(c, VZ_OP_MIGRATE, args, &res, &err);
	return reply ? 0 : json_failure(err);
}

int cmd_migrate(struct client *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"online", no_argument, NULL, 'o'},   {"lazy", no_argument, NULL, 'l'},
		{"keep-src", no_argument, NULL, 'k'}, {"ssh-opts", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},     {NULL, 0, NULL, 0},
	};
	struct vz_msg *args = vz_msg_new();
	bool json = false;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":j", lo, NULL)) != -1) {
		if (ch == 'j') {
			json = true;
		} else if (ch == 'o' || ch == 'k' || ch == 'l') {
			vz_msg_set_bool(args,
					ch == 'o'   ? "online"
					: ch == 'l' ? "lazy"
						    : "keep_src",
					true);
		} else if (ch == 's') {
			vz_msg_set_str(args, "ssh_opts", optarg);
		} else {
			vz_msg_free(args);
			return cmd_bad_option(argv[0], ch, argv[optind - 1]);
		}
	}
	if (argc - optind != 2) {
		vz_msg_free(args);
		return cmd_usage_error(argv[0], "give CTID and HOST");
	}
	return send_migrate(c, argv[optind], argv[optind + 1], args, json);
}

/* OpenVZ's vzmigrate: HOST before CTID; -r no keeps the source. */
int cmd_vzmigrate(struct client *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"online", no_argument, NULL, 'o'},
		{"lazy", no_argument, NULL, 'l'},
		{"remove-area", required_argument, NULL, 'r'},
		{"ssh", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct vz_msg *args = vz_msg_new();
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":r:", lo, NULL)) != -1) {
		if (ch == 'o' || ch == 'l') {
			vz_msg_set_bool(args, ch == 'o' ? "online" : "lazy", true);
		} else if (ch == 'r' && (streq(optarg, "yes") || streq(optarg, "no"))) {
			vz_msg_set_bool(args, "keep_src", streq(optarg, "no"));
		} else if (ch == 's') {
			vz_msg_set_str(args, "ssh_opts", optarg);
		} else {
			vz_msg_free(args);
			if (ch == 'r')
				return cmd_usage_error("vzmigrate", "-r takes yes or no");
			return cmd_bad_option("vzmigrate", ch, argv[optind - 1]);
		}
	}
	if (argc - optind != 2) {
		vz_msg_free(args);
		return cmd_usage_error("vzmigrate", "give HOST and CTID");
	}
	return send_migrate(c, argv[optind + 1], argv[optind], args, false);
}

/*
 * --query: once no migration holds the CT, print running, stopped or
 * absent. --forget: remove what a broken migration left (not a running CT).
 */
static int query(struct client *c, struct vz_msg *args, const char *what)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;

	vz_msg_set_bool(args, what, true);
	reply = client_call(c, VZ_OP_MIGRATE_IN, args, &res, &err);
	if (!reply)
		return client_fail(err);
	if (streq(what, "forget"))
		return 0;
	printf("%s\n", vz_msg_get_bool(res, "running", false)  ? "running"
		       : vz_msg_get_bool(res, "exists", false) ? "stopped"
							       : "absent");
	return 0;
}

/* Copy what one side says to the other; false once from has ended. */
static bool pass(int from, int to, char *buf, size_t size, bool *failed)
{
	ssize_t n = read(from, buf, size);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		*failed |= n < 0;
		return false;
	}
	if (write_all(to, buf, (size_t)n) < 0) {
		*failed = true;
		return false;
	}
	return true;
}

/*
 * --pages PATH: a post-copy migration's page stream. ssh gives this end
 * pipes; CRIU's lazy-pages wants a socket: join stdin and stdout to the
 * socket the destination's daemon listens on, both ways. Pages come only
 * at lazy-pages' request, so when its side ends (done, or killed with its
 * worker) the relay ends whole: closing stdout alone would not end the ssh
 * channel while stderr is open, and the source's page server, waiting for
 * a request that never comes, would hold its CT frozen for ever.
 */
static int relay_pages(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int s = -1;
	bool up = true, down = true, failed = false;
	static char buf[1 << 17];

	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vzctl: migrate-receive --pages: '%s' is no socket path\n", path);
		return VZ_E_SYNTAX;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vzctl: connect to '%s': %s\n", path, strerror(errno));
		return VZ_E_SYSTEM;
	}
	while ((up || down) && !failed) {
		struct pollfd p[2] = {{.fd = up ? 0 : -1, .events = POLLIN},
				      {.fd = down ? s : -1, .events = POLLIN}};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !(up = pass(0, s, buf, sizeof(buf), &failed)))
			(void)shutdown(s, SHUT_WR);
		if (p[1].revents && !(down = pass(s, 1, buf, sizeof(buf), &failed)))
			up = false;
	}
	return failed ? VZ_E_SYSTEM : 0;
}

int cmd_migrate_receive(struct client *c, int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	struct vz_msg *args = vz_msg_new();
	const struct vz_msg *res;
	int fds[2] = {0, 1};
	bool q = argc == 3 && (streq(argv[2], "--query") || streq(argv[2], "--forget"));

	if (argc == 4 && streq(argv[2], "--pages")) {
		vz_msg_free(args);
		return relay_pages(argv[3]);
	}
	if (argc != 2 && !q) {
		vz_msg_free(args);
		return cmd_usage_error(argv[0], "give CTID [--query | --forget | --pages SOCKET]");
	}
	vz_msg_set_str(args, "ctid", argv[1]);
	if (q)
		return query(c, args, argv[2] + 2);
	/* Progress would corrupt the channel on stdout. */
	c->quiet = true;
	if (client_connect(c, &err) < 0 || client_send(c, VZ_OP_MIGRATE_IN, args, fds, 2, &err) < 0)
		return client_fail(err);
	reply = client_wait(c, &res, &err);
	return reply ? 0 : client_fail(err);
}
