/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trust model: a worker serves one connection whose peer passed the
 * SO_PEERCRED check (root, or a member of the configured group). The
 * request itself is untrusted: it is decoded strictly, every CTID goes
 * through vz_ctid_check()/vz_ctid_resolve() and every value through the
 * config table before lib acts on it. A worker is a forked copy of vzd:
 * whatever it crashes on, the daemon lives on.
 *
 * Requests are dispatched through one table: an op's name (defined once in
 * lib/proto/protocol.h), what it needs (a CT, its lock) and its handler.
 * The table opens the CT for the handler, so a handler that changes a CT
 * always holds its lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/ctid.h"
#include "migrate/migrate.h"
#include "template/streams.h"
#include "template/template.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

static void output(void *data, enum vz_out_level level, const char *msg)
{
	struct vzd_conn *c = data;

	/* What an action script printed is kept in the daemon's log (our stderr) too. */
	if (level == VZ_OUT_SCRIPT) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
		fprintf(stderr, "%s vzd[%d]: CT script output: %s\n", ts, (int)getpid(), msg);
	}
	vzd_send(c, vz_proto_event(c->id, level == VZ_OUT_WARNING ? "warning" : "progress", msg),
		 NULL, 0);
}

static void event(void *data, const char *name, char *const *kv)
{
	struct vzd_conn *c = data;
	struct vz_msg *m = vz_proto_event(c->id, name, NULL);

	for (; kv[0] && kv[1]; kv += 2) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(kv[1], &end, 10);
		if (*kv[1] && !*end && !errno)
			vz_msg_set_int(m, kv[0], v);
		else
			vz_msg_set_str(m, kv[0], kv[1]);
	}
	vzd_send(c, m, NULL, 0);
}

static int op_version(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	*res = vz_msg_new();
	vz_msg_set_str(*res, "version", VZ_VERSION);
	vz_msg_set_int(*res, "protocol", VZ_PROTO_VERSION);
	return 0;
}

static int op_list(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	*res = vzd_list(r->c->ctx, r->args, err);
	return *res ? 0 : -1;
}

static int op_status(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	struct vz_ct_status s;

	vz_ct_status(r->ct, &s);
	*res = vz_msg_new();
	vz_msg_set_str(*res, "ctid", r->ct->id);
	vz_msg_set_bool(*res, "exist", s.exist);
	vz_msg_set_bool(*res, "mounted", s.mounted);
	vz_msg_set_bool(*res, "running", s.running);
	vz_msg_set_bool(*res, "suspended", s.suspended);
	vz_msg_set_bool(*res, "frozen", s.frozen);
	vz_msg_set_bool(*res, "dumped", s.dumped);
	if (s.running)
		vz_msg_set_int(*res, "pid", s.pid);
	return 0;
}

static int op_create(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	struct vz_ct_create_opts o = {
		.ostemplate = vz_msg_get_str(r->args, "ostemplate"),
		.config = vz_msg_get_str(r->args, "config"),
		.hostname = vz_msg_get_str(r->args, "hostname"),
		.name = vz_msg_get_str(r->args, "name"),
		.description = vz_msg_get_str(r->args, "description"),
		.layout = vz_msg_get_str(r->args, "layout"),
		.diskspace = vz_msg_get_str(r->args, "diskspace"),
		.diskinodes = vz_msg_get_str(r->args, "diskinodes"),
	};

	return vz_ct_create(r->ct, &o, err);
}

static int op_destroy(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	return vz_ct_destroy(r->ct, err);
}

static int op_start(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	unsigned flags = vz_msg_get_bool(r->args, "skip_resume", false) ? VZ_START_SKIP_RESUME : 0;

	return vz_ct_start(r->ct, flags, err);
}

static int op_stop(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	return vz_ct_stop_mounted(r->ct, vz_msg_get_bool(r->args, "fast", false),
				  vz_msg_get_bool(r->args, "skip_umount", false), err);
}

static int op_restart(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	return vz_ct_restart(r->ct, err);
}

static int op_mount(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	return vz_ct_mount(r->ct, err);
}

static int op_umount(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	return vz_ct_umount(r->ct, err);
}

static int op_suspend(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	return vz_ct_suspend(r->ct, false, err);
}

/* A frozen CT is thawed; a stopped one is restored from its dump directory. */
static int op_resume(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	if (!r->ct->running && vz_ct_has_dump(r->ct))
		return vz_ct_restore(r->ct, NULL, err);
	return vz_ct_suspend(r->ct, true, err);
}

/*
 * --dumpfile: an absolute path, and only for root. A dump holds a CT's
 * memory, and CRIU executes what images say: a group member who could
 * name one could run anything as host root.
 */
static int dumpfile_arg(struct vzd_req *r, const char **ret, vz_error_t *err)
{
	const char *f = vz_msg_get_str(r->args, "dumpfile");

	*ret = NULL;
	if (!f)
		return 0;
	if (r->c->uid != 0)
		return vz_error_make(err, VZ_E_ACCES, 0, "--dumpfile: only root may name a dump");
	if (f[0] != '/' || strstr(f, "/../") || strlen(f) >= PATH_MAX - 32 ||
	    (strlen(f) >= 3 && streq(f + strlen(f) - 3, "/..")))
		return vz_error_make(err, VZ_E_VALUE, 0, "--dumpfile '%s': give an absolute path",
				     f);
	*ret = f;
	return 0;
}

/*
 * Root only: a migration runs ssh as root with root's keys, and ssh options
 * can name a command to run (ProxyCommand).
 */
static int require_root(struct vzd_req *r, const char *what, vz_error_t *err)
{
	if (r->c->uid != 0)
		return vz_error_make(err, VZ_E_ACCES, 0, "%s: only root may migrate CTs", what);
	return 0;
}

static int op_migrate(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	struct vz_migrate_opts o = {
		.host = vz_msg_get_str(r->args, "host"),
		.ssh_opts = vz_msg_get_str(r->args, "ssh_opts"),
		.online = vz_msg_get_bool(r->args, "online", false) ||
			  vz_msg_get_bool(r->args, "lazy", false),
		.lazy = vz_msg_get_bool(r->args, "lazy", false),
		.keep_src = vz_msg_get_bool(r->args, "keep_src", false),
	};

	if (require_root(r, "migrate", err) < 0)
		return -1;
	return vz_migrate(r->ct, &o, err);
}

/* The destination's end: the channel is the client's stdin and stdout (the ssh session). */
static int op_migrate_in(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	if (require_root(r, "migrate-receive", err) < 0)
		return -1;
	/* After the lock: a migration that is still receiving the CT answers once it is done. */
	if (vz_msg_get_bool(r->args, "query", false)) {
		*res = vz_msg_new();
		vz_msg_set_bool(*res, "exists", r->ct->exists);
		vz_msg_set_bool(*res, "running", r->ct->running && !vz_ct_pages_pending(r->ct));
		return 0;
	}
	/*
	 * A source whose channel broke removes the copy its migration left
	 * here: never a CT that runs whole, always one still missing pages.
	 */
	if (vz_msg_get_bool(r->args, "forget", false)) {
		if (r->ct->running && !vz_ct_pages_pending(r->ct))
			return vz_error_make(err, VZ_E_RUNNING, 0, "CT %s runs here", r->ct->id);
		return vz_ct_incoming_forget(r->ct, err);
	}
	if (r->nfds != 2)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "migrate-receive: no channel passed");
	return vz_migrate_receive(r->ct, r->fds[0], r->fds[1], err);
}

static int op_chkpnt(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	const char *f;

	if (dumpfile_arg(r, &f, err) < 0)
		return -1;
	return vz_ct_chkpnt(r->ct, f, err);
}

static int op_restore(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	const char *f;

	if (dumpfile_arg(r, &f, err) < 0)
		return -1;
	return vz_ct_restore(r->ct, f, err);
}

static int op_ubc(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	*res = vzd_ubc(r->ct, err);
	return *res ? 0 : -1;
}

/* keys[] and values[] of the request as changes (an empty value removes the key). */
static struct vz_ct_change *set_changes(char **keys, char **values, size_t *ret_n, vz_error_t *err)
{
	size_t n = strv_length(keys);
	struct vz_ct_change *ch;

	if (!keys || !values) {
		vz_error_make(err, VZ_E_SYNTAX, 0, "set: keys and values missing");
		return NULL;
	}
	if (strv_length(values) != n) {
		vz_error_make(err, VZ_E_SYNTAX, 0, "set: keys and values do not pair up");
		return NULL;
	}
	ch = xzalloc((n + 1) * sizeof(*ch));
	for (size_t i = 0; i < n; i++)
		/* An empty value removes the key, as OpenVZ's --description "" does. */
		ch[i] = (struct vz_ct_change){keys[i], values[i][0] ? values[i] : NULL};
	*ret_n = n;
	return ch;
}

static int op_set(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	_cleanup_strv_ char **keys = vz_msg_get_strv(r->args, "keys");
	_cleanup_strv_ char **values = vz_msg_get_strv(r->args, "values");
	_cleanup_free_ struct vz_ct_change *ch = NULL;
	struct vz_ct_set_opts o = {
		.save = vz_msg_get_bool(r->args, "save", false),
		.applyconfig = vz_msg_get_str(r->args, "applyconfig"),
		.user = vz_msg_get_str(r->args, "user"),
		.password = vz_msg_get_str(r->args, "password"),
	};

	ch = set_changes(keys, values, &o.n, err);
	if (!ch)
		return -1;
	if (!o.user != !o.password)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "set: user and password go together");
	o.changes = ch;
	return vz_ct_set(r->ct, &o, err);
}

/* The CT's console: a connection to its keeper, for vzctl to talk to directly. */
static int op_console(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	int fd;

	if (vz_ct_console_connect(r->ct, &fd, err) < 0)
		return -1;
	vzd_send(r->c, vz_proto_event(r->c->id, "console", NULL), &fd, 1);
	closep(&fd);
	return 0;
}

/* --remote: what the image server offers, "NAME VERSION SIZE" each. */
static int template_list_remote(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	const char *server = vz_msg_get_str(r->args, "server");
	struct vz_template_server srv = {.url = server ? server : r->c->ctx->template_server,
					 .ca_file = r->c->ctx->template_server_ca};
	_cleanup_strv_ char **list = NULL;
	struct vz_image *img;
	size_t n = 0;

	if (!srv.url)
		return vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
				     "no image server: set TEMPLATE_SERVER in vz.conf or give "
				     "--server");
	img = vz_template_remote_list(&srv, &n, err);
	if (!img)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *name = vz_image_cache_name(&img[i]);

		list = strv_push(list,
				 xasprintf("%s %s %" PRIu64, name, img[i].version, img[i].size));
	}
	vz_images_free(img, n);
	*res = vz_msg_new();
	vz_msg_set_strv(*res, "templates", list ? list : (char *[]){NULL});
	return 0;
}

static int op_template_list(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(r->c->ctx);
	_cleanup_strv_ char **list = NULL;

	if (vz_msg_get_bool(r->args, "remote", false))
		return template_list_remote(r, res, err);
	list = vz_template_list(cache, err);
	if (!list)
		return -1;
	*res = vz_msg_new();
	vz_msg_set_strv(*res, "templates", list);
	return 0;
}

/* Root only: it fills the cache every CT's create reads from. */
static int op_template_download(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	const char *name = vz_msg_get_str(r->args, "name");
	_cleanup_free_ char *got = NULL;

	if (require_root(r, "template download", err) < 0)
		return -1;
	if (!name)
		return vz_error_make(err, VZ_E_SYNTAX, 0,
				     "template-download: no template name given");
	if (vz_ct_template_download(r->c->ctx, name, vz_msg_get_str(r->args, "server"), &got, err) <
	    0)
		return -1;
	*res = vz_msg_new();
	vz_msg_set_str(*res, "name", got);
	return 0;
}

static const char *template_name(struct vzd_req *r, const char *op, vz_error_t *err)
{
	const char *name = vz_msg_get_str(r->args, "name");

	if (!name)
		vz_error_make(err, VZ_E_SYNTAX, 0, "%s: no template name given", op);
	return name;
}

static int op_template_build(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	const char *name = template_name(r, VZ_OP_TEMPLATE_BUILD, err);

	return name ? vz_ct_template_build(r->c->ctx, name, err) : -1;
}

/* The client opened the file, so it can only import what it can read. */
static int op_template_import(struct vzd_req *r, struct vz_msg **res, vz_error_t *err)
{
	_cleanup_free_ char *cache = vz_path_cache(r->c->ctx);
	const char *name = template_name(r, VZ_OP_TEMPLATE_IMPORT, err);
	const char *file = vz_msg_get_str(r->args, "file");

	if (!name)
		return -1;
	if (r->nfds != 1)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "template-import: no file passed");
	return vz_template_import_fd(cache, r->fds[0], file ? file : "(file)", name, err);
}

enum op_flags {
	OP_CT = 1 << 0,		/* args.ctid names a CT (number or name), opened for the handler */
	OP_LOCK = 1 << 1,	/* ... with its lock held until the reply */
	OP_ANY_CONFIG = 1 << 2, /* ... even when its config is missing or does not load */
	OP_NEW = 1 << 3,	/* ... which need not exist yet: a numeric CTID, no name lookup */
	OP_OWN_REPLY = 1 << 4,	/* the handler sends the reply itself (exec) */
};

struct op {
	const char *name;
	unsigned flags;
	vzd_op_fn fn;
};

static const struct op ops[] = {
	{VZ_OP_VERSION, 0, op_version},
	{VZ_OP_LIST, 0, op_list},
	{VZ_OP_STATUS, OP_CT | OP_ANY_CONFIG, op_status},
	{VZ_OP_CREATE, OP_CT | OP_LOCK | OP_NEW, op_create},
	{VZ_OP_DESTROY, OP_CT | OP_LOCK, op_destroy},
	{VZ_OP_START, OP_CT | OP_LOCK, op_start},
	/* A CT whose config went bad must still stop. */
	{VZ_OP_STOP, OP_CT | OP_LOCK | OP_ANY_CONFIG, op_stop},
	{VZ_OP_RESTART, OP_CT | OP_LOCK, op_restart},
	{VZ_OP_SUSPEND, OP_CT | OP_LOCK, op_suspend},
	{VZ_OP_RESUME, OP_CT | OP_LOCK, op_resume},
	{VZ_OP_CHKPNT, OP_CT | OP_LOCK, op_chkpnt},
	{VZ_OP_RESTORE, OP_CT | OP_LOCK, op_restore},
	{VZ_OP_MIGRATE, OP_CT | OP_LOCK, op_migrate},
	{VZ_OP_MIGRATE_IN, OP_CT | OP_LOCK | OP_NEW, op_migrate_in},
	{VZ_OP_SET, OP_CT | OP_LOCK, op_set},
	{VZ_OP_UBC, OP_CT, op_ubc},
	/* Commands run beside other operations, as in OpenVZ: no lock. */
	{VZ_OP_EXEC, OP_CT | OP_OWN_REPLY, vzd_op_exec},
	{VZ_OP_CONSOLE, OP_CT, op_console},
	{VZ_OP_TEMPLATE_LIST, 0, op_template_list},
	{VZ_OP_TEMPLATE_BUILD, 0, op_template_build},
	{VZ_OP_TEMPLATE_IMPORT, 0, op_template_import},
	{VZ_OP_TEMPLATE_DOWNLOAD, 0, op_template_download},
	{VZ_OP_MOUNT, OP_CT | OP_LOCK, op_mount},
	{VZ_OP_UMOUNT, OP_CT | OP_LOCK, op_umount},
	/* Locks a stopped CT itself, for as long as the script runs in it. */
	{VZ_OP_RUNSCRIPT, OP_CT | OP_OWN_REPLY, vzd_op_runscript},
};

/* The CTID a request names: as given for create, else a number or a CT's name. */
static char *request_ctid(struct vz_ctx *ctx, const struct op *op, const struct vz_msg *args,
			  vz_error_t *err)
{
	const char *ref = vz_msg_get_str(args, "ctid");

	if (!ref) {
		vz_error_make(err, VZ_E_SYNTAX, 0,
			      (op->flags & OP_NEW) ? "create: no CT ID given"
						   : "request without a CT ID");
		return NULL;
	}
	if (!(op->flags & OP_NEW))
		return vz_ctid_resolve(ctx, ref, err);
	if (vz_ctid_check(ref, err) < 0)
		return NULL;
	if (!vz_ctid_is_numeric(ref)) {
		vz_error_make(err, VZ_E_VALUE, 0,
			      "create: CT ID '%s' must be a number from 1 to 2147483647 (give a "
			      "name with --name)",
			      ref);
		return NULL;
	}
	return xstrdup(ref);
}

static struct vz_ct *open_ct(struct vz_ctx *ctx, const struct op *op, const struct vz_msg *args,
			     vz_error_t *err)
{
	_cleanup_free_ char *ctid = request_ctid(ctx, op, args, err);
	unsigned flags = 0;

	if (!ctid)
		return NULL;
	if (op->flags & OP_LOCK)
		flags |= VZ_CT_LOCK;
	if (op->flags & OP_ANY_CONFIG)
		flags |= VZ_CT_ANY_CONFIG;
	if (op->flags & OP_NEW)
		flags |= VZ_CT_NEW;
	return vz_ct_open(ctx, ctid, flags, err);
}

static const struct op *find_op(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (streq(ops[i].name, name))
			return &ops[i];
	return NULL;
}

/* Open the request's CT if it names one, run the handler, close the CT (unlocking it). */
static int dispatch(struct vzd_req *r, const struct op *op, struct vz_msg **res, vz_error_t *err)
{
	_cleanup_ct_ struct vz_ct *ct = NULL;

	if (op->flags & OP_CT) {
		ct = open_ct(r->c->ctx, op, r->args, err);
		if (!ct)
			return -1;
	}
	r->ct = ct;
	return op->fn(r, res, err);
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
	struct vzd_req r = {.c = c, .fds = fds, .nfds = VZ_PROTO_MAX_FDS};
	struct vz_msg *req, *res = NULL;
	const struct op *op;
	const char *name;

	/* A client that connects and says nothing must not hold a worker slot. */
	if (!request_arrives(c->sock))
		_exit(EXIT_FAILURE);
	req = vz_proto_recv(c->sock, VZ_PROTO_MAX_REQUEST, fds, &r.nfds, &err);
	if (!req) {
		if (vz_error_errno(err) != EPIPE)
			vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	if (vz_proto_parse_request(req, &name, &c->id, &r.args, &err) < 0) {
		vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	c->ctx->out = output;
	c->ctx->event = event;
	c->ctx->out_data = c;
	op = find_op(name);
	if (!op) {
		vz_error_make(&err, VZ_E_SYNTAX, ENOSYS, "unknown operation '%s'", name);
		vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	if (dispatch(&r, op, &res, &err) < 0) {
		vzd_reply_error(c, err);
		_exit(EXIT_FAILURE);
	}
	if (!(op->flags & OP_OWN_REPLY))
		vzd_reply_ok(c, res);
	_exit(EXIT_SUCCESS);
}
