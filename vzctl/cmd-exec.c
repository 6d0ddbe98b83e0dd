/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec, exec2, enter and runscript. The command's stdio is pipes we copy
 * our own to and from (relay.h), or a pty master from the CT's devpts: its
 * I/O never passes through vzd, and the operator's fds never reach the CT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "relay.h"
#include "term.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int signal_fd(const int *sigs, size_t n)
{
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < n; i++)
		sigaddset(&mask, sigs[i]);
	(void)sigprocmask(SIG_BLOCK, &mask, NULL);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void forward(struct client *c, int sig)
{
	struct vz_msg *args = vz_msg_new();

	vz_msg_set_int(args, "signal", sig);
	(void)client_send(c, VZ_OP_SIGNAL, args, NULL, 0, NULL);
}

/* Exit status of the finished command from the reply. */
static int finish(struct client *c)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *reply = NULL;
	const struct vz_msg *res;
	int64_t status = 0;

	reply = client_wait(c, &res, &err);
	if (!reply)
		return client_fail(err);
	(void)vz_msg_get_int(res, "status", &status);
	return (int)status;
}

static struct vz_msg *exec_args(const char *ctid, int argc, char **argv, bool pty)
{
	struct vz_msg *args = vz_msg_new();
	const char *term = getenv("TERM");
	char *env[2] = {NULL, NULL};
	_cleanup_free_ char *t = NULL;

	vz_msg_set_str(args, "ctid", ctid);
	if (argc == 1 && streq(argv[0], "-")) {
		/* OpenVZ: commands are read from stdin. */
		char *sh[] = {"/bin/sh", NULL};
		vz_msg_set_strv(args, "argv", sh);
	} else {
		char **v = xzalloc((argc + 1) * sizeof(char *));
		memcpy(v, argv, argc * sizeof(char *));
		vz_msg_set_strv(args, "argv", v);
		free(v);
	}
	if (pty && term) {
		t = xasprintf("TERM=%s", term);
		env[0] = t;
	}
	vz_msg_set_strv(args, "env", env);
	vz_msg_set_bool(args, "pty", pty);
	return args;
}

/*
 * Send op with pipes for the command's stdio (fds[0..2], replaced; more
 * fds after them go as they are), copy our stdio through them and forward
 * our signals until it ends; its exit status.
 */
static int run_with_stdio(struct client *c, const char *op, struct vz_msg *args, int *fds,
			  size_t nfds)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_close_ int sfd = -EBADF;
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct pollfd p[2 + RELAY_POLLS];
	struct relay r;
	int ret;

	if (client_connect(c, &err) < 0 || relay_open(&r) < 0) {
		vz_msg_free(args);
		if (!err)
			vz_error_make(&err, VZ_E_SYSTEM, errno, "make the command's pipes");
		return client_fail(err);
	}
	memcpy(fds, r.ct, sizeof(r.ct));
	if (client_send(c, op, args, fds, nfds, &err) < 0) {
		relay_finish(&r);
		return client_fail(err);
	}
	relay_sent(&r);
	sfd = signal_fd(sigs, ARRAY_SIZE(sigs));
	p[0] = (struct pollfd){.fd = c->sock, .events = POLLIN};
	p[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
	for (;;) {
		struct signalfd_siginfo si;

		relay_polls(&r, p + 2);
		if (poll(p, ARRAY_SIZE(p), -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (sfd >= 0 && p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si))
			forward(c, (int)si.ssi_signo);
		relay_step(&r, p + 2);
	}
	ret = finish(c);
	relay_finish(&r);
	return ret;
}

int cmd_exec(struct client *c, int argc, char **argv)
{
	int fds[3] = {0, 1, 2};

	if (argc < 3)
		return cmd_usage_error(argv[0], "usage: vzctl %s CTID COMMAND [ARG...]", argv[0]);
	return run_with_stdio(c, VZ_OP_EXEC, exec_args(argv[1], argc - 2, argv + 2, false), fds, 3);
}

/*
 * OpenVZ's runscript: FILE is a file here, on the operator's host, opened
 * by us and passed to vzd (never a path the CT could change); the script's
 * exit status is ours.
 */
int cmd_runscript(struct client *c, int argc, char **argv)
{
	_cleanup_close_ int fd = -EBADF;
	struct vz_msg *args;
	const char *base;
	int fds[4] = {0, 1, 2, -1};

	if (argc != 3)
		return cmd_usage_error("runscript", "usage: vzctl runscript CTID FILE");
	fd = open(argv[2], O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "vzctl runscript: script '%s': %s\n", argv[2], strerror(errno));
		return VZ_E_NOSCRIPT;
	}
	fds[3] = fd;
	base = strrchr(argv[2], '/');
	args = vz_msg_new();
	vz_msg_set_str(args, "ctid", argv[1]);
	vz_msg_set_str(args, "name", base ? base + 1 : argv[2]);
	return run_with_stdio(c, VZ_OP_RUNSCRIPT, args, fds, 4);
}

struct pty_state {
	int master;
	struct term term;
};

static int on_pty(struct client *c, const char *event, const struct vz_msg *m, int *fds,
		  size_t nfds, void *data)
{
	struct pty_state *s = data;

	if (!streq(event, "pty") || nfds != 1)
		return -1;
	s->master = fds[0];
	return 0;
}

static void copy_winsize(int master)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* Bytes we wrote that the CT side has not read yet; -1 when that cannot be told. */
static int unread_input(int master)
{
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	int n = 0;

	if (slave < 0 || ioctl(slave, FIONREAD, &n) < 0)
		return -1;
	return n;
}

/*
 * Our stdin ended (a pipe or a file): say so the way a terminal does, with
 * the EOF character, or `echo cmd | vzctl enter CT` leaves the shell waiting
 * forever. Only once the shell has read all we sent and gone quiet: a ^D
 * typed ahead of the shell's start is lost when it switches the tty to raw
 * mode, so it is sent again whenever the last one was read.
 */
static bool send_eof(int master)
{
	struct termios t;
	int unread = unread_input(master);
	char c = 4;

	if (unread > 0)
		return true;
	if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
		c = (char)t.c_cc[VEOF];
	(void)write_all(master, &c, 1);
	return unread == 0;
}

/* Relay between our terminal and the pty until the shell side closes. */
static void relay(struct client *c, struct pty_state *s)
{
	static const int sigs[] = {SIGWINCH};
	_cleanup_close_ int sfd = signal_fd(sigs, 1);
	struct pollfd p[4] = {
		{.fd = s->master, .events = POLLIN},
		{.fd = STDIN_FILENO, .events = POLLIN},
		{.fd = sfd, .events = POLLIN},
		{.fd = c->sock, .events = POLLIN},
	};
	bool eof = false;

	copy_winsize(s->master);
	for (;;) {
		int n = poll(p, 4, eof ? 100 : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (n == 0) {
			eof = send_eof(s->master);
			continue;
		}
		if (p[0].revents && !term_pump(s->master, STDOUT_FILENO))
			return;
		if (p[1].revents && !term_pump(STDIN_FILENO, s->master)) {
			p[1].fd = -1; /* keep showing output */
			eof = true;
		}
		if (p[2].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			copy_winsize(s->master);
		}
		if (p[3].revents && !(p[0].revents & POLLIN))
			return;
	}
}

int cmd_enter(struct client *c, int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct pty_state s = {.master = -1};
	/*
	 * One command line, not an argv: exec joins its words and runs them with
	 * /bin/sh -c (OpenVZ semantics), which would split a "sh -c SCRIPT" argv.
	 */
	char *shell[] = {"if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi",
			 NULL};
	char **cmd = shell;
	int ncmd = 1, r;

	if (argc < 2)
		return cmd_usage_error("enter", "CT ID missing");
	if (argc > 2) {
		if (!streq(argv[2], "--exec") || argc < 4)
			return cmd_usage_error("enter", "usage: vzctl enter CTID [--exec CMD...]");
		cmd = argv + 3;
		ncmd = argc - 3;
	}
	c->on_event = on_pty;
	c->event_data = &s;
	if (client_connect(c, &err) < 0 ||
	    client_send(c, VZ_OP_EXEC, exec_args(argv[1], ncmd, cmd, true), NULL, 0, &err) < 0)
		return client_fail(err);
	/* The first message is the pty, or an error reply. */
	{
		int fds[VZ_PROTO_MAX_FDS];
		size_t nfds = VZ_PROTO_MAX_FDS;
		const char *event;
		const struct vz_msg *res;
		_cleanup_msg_ struct vz_msg *m =
			vz_proto_recv(c->sock, VZ_PROTO_MAX_REPLY, fds, &nfds, &err);

		if (!m || vz_proto_parse_reply(m, &event, &res, &err) < 0)
			return client_fail(err);
		if (!event || on_pty(c, event, m, fds, nfds, &s) < 0)
			return client_fail(err);
	}
	fprintf(stderr, "entered into CT %s\n", argv[1]);
	term_raw(&s.term);
	relay(c, &s);
	term_restore(&s.term);
	closep(&s.master);
	r = finish(c);
	fprintf(stderr, "exited from CT %s\n", argv[1]);
	return r;
}
