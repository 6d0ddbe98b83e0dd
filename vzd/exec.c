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

/*
 * Wait for pid; whatever the client sends meanwhile goes to on_client,
 * which returns false once the client is gone (no more reading from it).
 */
static int wait_child(struct vzd_conn *c, pid_t pid, bool (*on_client)(struct vzd_conn *, pid_t),
		      int *ret_status)
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
		if (p[1].revents && !on_client(c, pid))
			p[1].fd = -1;
	}
	while (waitpid(pid, ret_status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static bool signal_command(struct vzd_conn *c, pid_t pid)
{
	forward_signal(c, pid);
	return true;
}

static int wait_command(struct vzd_conn *c, pid_t pid, int *ret_status)
{
	return wait_child(c, pid, signal_command, ret_status);
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

/* The kernel's limit on one argument: the script travels as sh -c's. */
#define SCRIPT_MAX (128 * 1024)

/* The client's script file, read here: it can only send what it can read. */
static char *read_script(int fd, vz_error_t *err)
{
	_cleanup_free_ char *buf = xmalloc(SCRIPT_MAX);
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, SCRIPT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vz_error_make(err, VZ_E_NOSCRIPT, errno, "runscript: read the script");
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == SCRIPT_MAX) {
			vz_error_make(err, VZ_E_VALUE, 0,
				      "runscript: the script is larger than %d KiB",
				      SCRIPT_MAX / 1024 - 1);
			return NULL;
		}
	}
	if (memchr(buf, '\0', len)) {
		vz_error_make(err, VZ_E_VALUE, 0, "runscript: the script holds a NUL byte");
		return NULL;
	}
	buf[len] = '\0';
	return steal_ptr(buf);
}

/* $0 of the script: the client's file name, when it is a plain short one. */
static const char *script_name(const struct vz_msg *args)
{
	const char *n = vz_msg_get_str(args, "name");

	if (!n || !n[0] || strlen(n) > 255)
		return "runscript";
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == '/' || (unsigned char)*p >= 0x7f)
			return "runscript";
	return n;
}

/*
 * The script is the init of a CT started for it: pid 1 hears no signal it
 * did not ask for, so the client's ^C, or the client gone, kills it (and
 * with it the CT). Either way the script is waited for.
 */
/* Any word from the client, or its going away, ends the script. */
static bool kill_script(struct vzd_conn *c, pid_t pid)
{
	_cleanup_msg_ struct vz_msg *m = vz_proto_recv(c->sock, 4096, NULL, NULL, NULL);

	(void)kill(pid, SIGKILL);
	return m != NULL;
}

static int wait_script_init(struct vzd_conn *c, pid_t pid, int *ret_status)
{
	return wait_child(c, pid, kill_script, ret_status);
}

/*
 * While a CT starts and stops for a script, the client sees the script's
 * output, not our progress lines (warnings and action scripts' lines do
 * reach it).
 */
struct quiet {
	vz_output_fn out;
	vz_event_fn event;
	void *data;
};

static void quiet_output(void *data, enum vz_out_level level, const char *msg)
{
	const struct quiet *q = data;

	if (level != VZ_OUT_INFO && q->out)
		q->out(q->data, level, msg);
}

static void quiet_begin(struct vz_ctx *ctx, struct quiet *q)
{
	*q = (struct quiet){.out = ctx->out, .event = ctx->event, .data = ctx->out_data};
	ctx->out = quiet_output;
	ctx->out_data = q;
	ctx->event = NULL;
}

static void quiet_end(struct vz_ctx *ctx, const struct quiet *q)
{
	ctx->out = q->out;
	ctx->out_data = q->data;
	ctx->event = q->event;
}

int vzd_op_runscript(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	struct vzd_conn *c = r->c;
	_cleanup_ct_ struct vz_ct *locked = NULL;
	_cleanup_free_ char *text = NULL;
	struct vz_ct_runscript_opts o = {.name = script_name(r->args)};
	struct vz_ct_runscript run;
	struct vz_ct *ct = r->ct;
	struct quiet q;
	int status = 0, w, rc;

	if (r->nfds != 4)
		return vz_error_make(err, VZ_E_SYNTAX, 0,
				     "runscript: need 3 stdio fds and the script's");
	text = read_script(r->fds[3], err);
	if (!text)
		return -1;
	/* A stopped CT starts for the script: under its lock until the script ends. */
	if (!ct->running) {
		locked = vz_ct_open(c->ctx, ct->id, VZ_CT_LOCK, err);
		if (!locked)
			return -1;
		ct = locked;
	}
	o.text = text;
	for (int i = 0; i < 3; i++)
		o.stdio[i] = r->fds[i];
	quiet_begin(c->ctx, &q);
	rc = vz_ct_runscript(ct, &o, &run, err);
	quiet_end(c->ctx, &q);
	if (rc < 0) {
		exec_failed(*err);
		return -1;
	}
	for (size_t i = 0; i < r->nfds; i++)
		closep(&r->fds[i]);
	w = run.started ? wait_script_init(c, run.pid, &status) : wait_command(c, run.pid, &status);
	if (w < 0)
		return vz_error_make(err, VZ_E_EXEC, -w, "CT %s: wait for the script", ct->id);
	if (run.started) {
		_cleanup_error_ vz_error_t e = NULL;

		quiet_begin(c->ctx, &q);
		rc = vz_ct_runscript_end(ct, &run, &e);
		quiet_end(c->ctx, &q);
		if (rc < 0)
			vzd_send(c, vz_proto_event(c->id, "warning", e->msg), NULL, 0);
	}
	reply_status(c, status);
	return 0;
}
