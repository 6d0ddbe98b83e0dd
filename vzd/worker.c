/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trust model: a worker serves one connection whose peer passed the
 * SO_PEERCRED check (root, or a member of the configured group). The
 * request itself is untrusted: it is decoded strictly, every CTID goes
 * through vz_ctid_resolve() and every value through the config table before
 * lib acts on it. A worker is a forked copy of vzd: whatever it crashes on,
 * the daemon lives on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/ctid.h"
#include "template/template.h"
#include "util/xalloc.h"
#include "vzd.h"

void vzd_send(struct vzd_conn *c, struct vz_msg *m, const int *fds, size_t nfds)
{
	(void)vz_proto_send(c->sock, m, fds, nfds, NULL);
	vz_msg_free(m);
}

void vzd_reply_error(struct vzd_conn *c, vz_error_t e)
{
	vzd_send(c, vz_proto_reply_error(c->id, e), NULL, 0);
}

void vzd_reply_ok(struct vzd_conn *c, struct vz_msg *result)
{
	vzd_send(c, vz_proto_reply_ok(c->id, result), NULL, 0);
}

static void output(void *data, enum vz_out_level level, const char *msg)
{
	struct vzd_conn *c = data;

	vzd_send(c, vz_proto_event(c->id, level == VZ_OUT_WARNING ? "warning" : "progress", msg),
		 NULL, 0);
}

/* The CT a request names: args.ctid, a number or a name. */
static char *arg_ctid(struct vzd_conn *c, const struct vz_msg *args, vz_error_t *err)
{
	const char *ref = vz_msg_get_str(args, "ctid");

	if (!ref) {
		vz_error_make(err, VZ_E_SYNTAX, 0, "request without a CT ID");
		return NULL;
	}
	return vz_ctid_resolve(c->ctx, ref, err);
}

static struct vz_msg *status_result(struct vzd_conn *c, const char *ctid, vz_error_t *err)
{
	struct vz_ct_status s;
	struct vz_msg *r;

	if (vz_ct_status(c->ctx, ctid, &s, err) < 0)
		return NULL;
	r = vz_msg_new();
	vz_msg_set_str(r, "ctid", ctid);
	vz_msg_set_bool(r, "exist", s.exist);
	vz_msg_set_bool(r, "mounted", s.mounted);
	vz_msg_set_bool(r, "running", s.running);
	vz_msg_set_bool(r, "suspended", s.suspended);
	if (s.running)
		vz_msg_set_int(r, "pid", s.pid);
	return r;
}

static int op_create(struct vzd_conn *c, const struct vz_msg *args, struct vz_msg **res,
		     vz_error_t *err)
{
	const char *ctid = vz_msg_get_str(args, "ctid");
	struct vz_ct_create_opts o = {
		.ostemplate = vz_msg_get_str(args, "ostemplate"),
		.config = vz_msg_get_str(args, "config"),
		.hostname = vz_msg_get_str(args, "hostname"),
		.name = vz_msg_get_str(args, "name"),
		.description = vz_msg_get_str(args, "description"),
	};

	if (!ctid || vz_ctid_check(ctid, err) < 0)
		return ctid ? -1 : vz_error_make(err, VZ_E_SYNTAX, 0, "create: no CT ID given");
	return vz_ct_create(c->ctx, ctid, &o, err);
}

/* Ops of the shape "resolve the CTID, call lib". */
static int op_ct(struct vzd_conn *c, const char *op, const struct vz_msg *args, struct vz_msg **res,
		 vz_error_t *err)
{
	_cleanup_free_ char *ctid = NULL;
	const char *ref = vz_msg_get_str(args, "ctid");

	/* status of an unknown CT is an answer ("deleted"), not an error. */
	if (streq(op, "status") && ref && vz_ctid_is_numeric(ref))
		ctid = xstrdup(ref);
	else
		ctid = arg_ctid(c, args, err);
	if (!ctid)
		return -1;
	if (streq(op, "start"))
		return vz_ct_start(c->ctx, ctid, err);
	if (streq(op, "stop"))
		return vz_ct_stop(c->ctx, ctid, vz_msg_get_bool(args, "fast", false), err);
	if (streq(op, "restart"))
		return vz_ct_restart(c->ctx, ctid, err);
	if (streq(op, "destroy"))
		return vz_ct_destroy(c->ctx, ctid, err);
	if (streq(op, "suspend") || streq(op, "resume"))
		return vz_ct_suspend(c->ctx, ctid, streq(op, "resume"), err);
	if (streq(op, "status")) {
		*res = status_result(c, ctid, err);
		return *res ? 0 : -1;
	}
	if (streq(op, "ubc")) {
		*res = vzd_ubc(c->ctx, ctid, err);
		return *res ? 0 : -1;
	}
	return vz_error_make(err, VZ_E_SYNTAX, ENOSYS, "unknown operation '%s'", op);
}

static int op_set(struct vzd_conn *c, const struct vz_msg *args, struct vz_msg **res,
		  vz_error_t *err)
{
	_cleanup_free_ char *ctid = arg_ctid(c, args, err);
	char **keys = NULL, **values = NULL;
	struct vz_ct_change *ch = NULL;
	struct vz_ct_set_opts o = {0};
	size_t n = 0;
	int r = -1;

	if (!ctid)
		return -1;
	keys = vz_msg_get_strv(args, "keys");
	values = vz_msg_get_strv(args, "values");
	if (!keys || !values) {
		vz_error_make(err, VZ_E_SYNTAX, 0, "set: keys and values missing");
		goto out;
	}
	while (keys[n] && values[n])
		n++;
	if (keys[n] || values[n]) {
		vz_error_make(err, VZ_E_SYNTAX, 0, "set: keys and values do not pair up");
		goto out;
	}
	ch = xzalloc((n + 1) * sizeof(*ch));
	for (size_t i = 0; i < n; i++) {
		ch[i].key = keys[i];
		/* An empty value removes the key, as OpenVZ's --description "" does. */
		ch[i].value = values[i][0] ? values[i] : NULL;
	}
	o.changes = ch;
	o.n = n;
	o.save = vz_msg_get_bool(args, "save", false);
	o.applyconfig = vz_msg_get_str(args, "applyconfig");
	r = vz_ct_set(c->ctx, ctid, &o, err);
out:
	free(ch);
	for (size_t i = 0; keys && keys[i]; i++)
		free(keys[i]);
	for (size_t i = 0; values && values[i]; i++)
		free(values[i]);
	free(keys);
	free(values);
	return r;
}

static int op_template(struct vzd_conn *c, const char *op, const struct vz_msg *args,
		       const int *fds, size_t nfds, struct vz_msg **res, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(c->ctx);
	const char *name = vz_msg_get_str(args, "name");
	char **list;

	if (streq(op, "template-list")) {
		list = vz_template_list(cache, err);
		if (!list)
			return -1;
		*res = vz_msg_new();
		vz_msg_set_strv(*res, "templates", list);
		for (char **p = list; *p; p++)
			free(*p);
		free(list);
		return 0;
	}
	if (!name)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "%s: no template name given", op);
	if (streq(op, "template-build"))
		return vz_ct_template_build(c->ctx, name, err);
	/* import: the client opened the file, so it can only import what it can read. */
	if (nfds != 1)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "template-import: no file passed");
	{
		const char *file = vz_msg_get_str(args, "file");
		return vz_template_import_fd(cache, fds[0], file ? file : "(file)", name, err);
	}
}

static int dispatch(struct vzd_conn *c, const char *op, const struct vz_msg *args, int *fds,
		    size_t nfds, struct vz_msg **res, vz_error_t *err)
{
	static const char *const ct_ops[] = {"start",  "stop",	  "restart", "destroy",
					     "status", "suspend", "resume",  "ubc"};

	for (size_t i = 0; i < ARRAY_SIZE(ct_ops); i++)
		if (streq(op, ct_ops[i]))
			return op_ct(c, op, args, res, err);
	if (streq(op, "create"))
		return op_create(c, args, res, err);
	if (streq(op, "set"))
		return op_set(c, args, res, err);
	if (streq(op, "list")) {
		*res = vzd_list(c->ctx, args, err);
		return *res ? 0 : -1;
	}
	if (streq(op, "version")) {
		*res = vz_msg_new();
		vz_msg_set_str(*res, "version", VZ_VERSION);
		vz_msg_set_int(*res, "protocol", VZ_PROTO_VERSION);
		return 0;
	}
	if (!strncmp(op, "template-", 9) &&
	    (streq(op, "template-list") || streq(op, "template-build") ||
	     streq(op, "template-import")))
		return op_template(c, op, args, fds, nfds, res, err);
	return vz_error_make(err, VZ_E_SYNTAX, ENOSYS, "unknown operation '%s'", op);
}

#define FIRST_REQUEST_TIMEOUT_MS 5000

static bool request_arrives(int sock)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, FIRST_REQUEST_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

void vzd_worker_serve(struct vzd_conn *c)
{
	_cleanup_error_ vz_error_t err = NULL;
	int fds[VZ_PROTO_MAX_FDS];
	size_t nfds = VZ_PROTO_MAX_FDS;
	struct vz_msg *req, *res = NULL;
	const struct vz_msg *args;
	const char *op;

	/* A client that connects and says nothing must not hold a worker slot. */
	if (!request_arrives(c->sock))
		_exit(EXIT_FAILURE);
	req = vz_proto_recv(c->sock, VZ_PROTO_MAX_REQUEST, fds, &nfds, &err);
	if (!req) {
		if (vz_error_errno(err) != EPIPE)
			vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	if (vz_proto_parse_request(req, &op, &c->id, &args, &err) < 0) {
		vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	c->ctx->out = output;
	c->ctx->out_data = c;
	if (streq(op, "exec")) {
		vzd_op_exec(c, args, fds, nfds);
		_exit(EXIT_SUCCESS);
	}
	if (dispatch(c, op, args, fds, nfds, &res, &err) < 0) {
		vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	vzd_reply_ok(c, res);
	_exit(EXIT_SUCCESS);
}
