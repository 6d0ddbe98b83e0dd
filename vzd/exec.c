/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec/enter in the worker. Trust model as in worker.c; the fds are the
 * client's own stdio, handed to the command directly, so its I/O never
 * passes through vzd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/ct.h"
#include "util/syscalls.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

/* A signal the client forwards (its ^C); only plain termination signals. */
static void forward_signal(struct vzd_conn *c, pid_t pid)
{
	_cleanup_msg_ struct vz_msg *m = NULL;
	const struct vz_msg *args;
	int64_t sig = 0;

	m = vz_proto_recv(c->sock, 4096, NULL, NULL, NULL);
	if (!m) {
		/* The client went away: hang up the command as a closed terminal would. */
		(void)kill(-pid, SIGHUP);
		(void)kill(pid, SIGHUP);
		_exit(EXIT_SUCCESS);
	}
	args = vz_msg_get_obj(m, "args");
	if (!vz_msg_get_int(args, "signal", &sig))
		return;
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT || sig == SIGKILL)
		(void)kill(-pid, (int)sig);
}

static int wait_command(struct vzd_conn *c, pid_t pid, int *ret_status)
{
	_cleanup_close_ int pidfd = vz_pidfd_open(pid, 0);
	struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = c->sock, .events = POLLIN}};

	while (pidfd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents)
			forward_signal(c, pid);
	}
	while (waitpid(pid, ret_status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void reply_status(struct vzd_conn *c, int status)
{
	struct vz_msg *r = vz_msg_new();

	if (WIFSIGNALED(status)) {
		vz_msg_set_int(r, "signal", WTERMSIG(status));
		vz_msg_set_int(r, "status", 128 + WTERMSIG(status));
	} else {
		vz_msg_set_int(r, "status", WEXITSTATUS(status));
	}
	vzd_reply_ok(c, r);
}

/* Shells' codes for a command that cannot run, so scripts can tell. */
static void exec_failed(vz_error_t err)
{
	int e = vz_error_errno(err);

	if (err->code == VZ_E_CREATE && (e == ENOENT || e == ENOTDIR))
		err->code = 127;
	else if (err->code == VZ_E_CREATE && (e == EACCES || e == ENOEXEC || e == EPERM))
		err->code = 126;
}

int vzd_op_exec(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	struct vzd_conn *c = r->c;
	struct vz_ct_exec_opts o = {.pty = vz_msg_get_bool(r->args, "pty", false)};
	_cleanup_strv_ char **argv = vz_msg_get_strv(r->args, "argv");
	_cleanup_strv_ char **env = vz_msg_get_strv(r->args, "env");
	int master = -1, status = 0;
	pid_t pid;

	if (!argv || !argv[0] || (!o.pty && r->nfds != 3))
		return vz_error_make(err, VZ_E_SYNTAX, 0, "exec: need a command and 3 stdio fds");
	o.argv = argv;
	o.env = env;
	o.ret_pty_master = &master;
	for (int i = 0; i < 3; i++)
		o.stdio[i] = o.pty ? -1 : r->fds[i];
	if (vz_ct_exec(r->ct, &o, &pid, err) < 0) {
		exec_failed(*err);
		return -1;
	}
	for (size_t i = 0; i < r->nfds; i++)
		closep(&r->fds[i]);
	if (o.pty) {
		vzd_send(c, vz_proto_event(c->id, "pty", NULL), &master, 1);
		closep(&master);
	}
	if (wait_command(c, pid, &status) < 0)
		return vz_error_make(err, VZ_E_EXEC, errno, "CT %s: wait for command", r->ct->id);
	reply_status(c, status);
	return 0;
}
