/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The destination's end of a migration (see migrate.h): one request per
 * line from the source, one answer each.
 *
 *   hello {ctid, proto, uid_range, layout, lower, bytes, online, lazy}
 *         -> {private, dump, host, lower_stage}: where to copy; nothing made
 *         yet but, for an overlay CT whose template tree (lower, an id) this
 *         host lacks, lower_stage: where the source is to copy the tree
 *   pages -> {socket}: (lazy) where the page stream is to connect
 *   config {text}  -> the CT exists here (config adopted)
 *   start | restore -> the CT runs here ("running": the commit point;
 *         lazy, once every page has arrived: {ran_ms, pages_ms, bytes},
 *         when it ran, how long and how much its memory took after)
 *   commit -> done, the CT stays; abort -> the half copy is removed
 *
 * If the source goes away (EOF: ssh cut, source killed) before the CT ran
 * here, the half copy is removed; after, the CT stays: the source, which
 * heard "running" or will ask, destroys its own.
 *
 * Trust model: requests come from the source host's vz over the provider's
 * SSH trust; each is still checked (CTID, ids, layout, config validation).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "criu/criu.h"
#include "ct/ct.h"
#include "migrate/chan.h"
#include "migrate/migrate.h"
#include "storage/storage.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct receiver {
	struct vz_ct *ct;
	struct vz_chan ch;
	bool checked;	  /* hello passed: what lands here for the CT is ours to remove */
	bool running;	  /* the CT runs here and the source was told */
	bool lazy;	  /* post-copy: memory comes over a page stream */
	int pages_listen; /* where the page stream connects (lazy) */
	char *pages_path;
};

/* How long the page stream may take to connect once the restore is asked for. */
#define PAGES_ACCEPT_MS (60 * 1000)

char *vz_migrate_host_id(struct vz_ctx *ctx)
{
	_cleanup_free_ char *id = NULL;

	if (read_file_at(AT_FDCWD, "/etc/machine-id", 256, &id, NULL) < 0 &&
	    read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 256, &id, NULL) < 0)
		id = xstrdup("unknown");
	id[strcspn(id, "\n")] = '\0';
	return xasprintf("%s:%016" PRIx64, id, vz_ctx_tag(ctx));
}

static int on_hello(struct receiver *r, const struct vz_msg *m, struct vz_msg *res, vz_error_t *err)
{
	int64_t proto = 0, bytes = 0;
	const char *ctid = vz_msg_get_str(m, "ctid");
	struct vz_ct_incoming in = {
		.uid_range = vz_msg_get_str(m, "uid_range"),
		.layout = vz_msg_get_str(m, "layout"),
		.lower = vz_msg_get_str(m, "lower"),
	};
	_cleanup_free_ char *host = vz_migrate_host_id(r->ct->ctx);

	/* First, so that a source that reached itself can tell, whatever else fails. */
	vz_msg_set_str(res, "host", host);
	if (!vz_msg_get_int(m, "proto", &proto) || proto != VZ_MIGRATE_PROTO)
		return vz_error_make(err, VZ_E_PROTOCOL, 0,
				     "the hosts run vz versions that cannot migrate to each other "
				     "(migration protocol %" PRId64 " here %d)",
				     proto, VZ_MIGRATE_PROTO);
	if (!ctid || !streq(ctid, r->ct->id))
		return vz_error_make(err, VZ_E_PROTOCOL, 0, "hello for CT %s, not %s",
				     ctid ? ctid : "(none)", r->ct->id);
	(void)vz_msg_get_int(m, "bytes", &bytes);
	in.bytes = bytes > 0 ? (uint64_t)bytes : 0;
	bytes = 0;
	(void)vz_msg_get_int(m, "lower_bytes", &bytes);
	in.lower_bytes = bytes > 0 ? (uint64_t)bytes : 0;
	bytes = 0;
	(void)vz_msg_get_int(m, "disk_bytes", &bytes);
	in.disk_bytes = bytes > 0 ? (uint64_t)bytes : 0;
	bytes = 0;
	(void)vz_msg_get_int(m, "disk_inodes", &bytes);
	in.disk_inodes = bytes > 0 ? (uint64_t)bytes : 0;
	if (vz_ct_incoming_check(r->ct, &in, err) < 0)
		return -1;
	if (in.lower_stage) {
		/* This host lacks the CT's template tree: the source sends it there. */
		vz_msg_set_str(res, "lower_stage", in.lower_stage);
		free(in.lower_stage);
	}
	r->lazy = vz_msg_get_bool(m, "lazy", false);
	if (r->lazy ? vz_criu_lazy_check(false, err) < 0
		    : vz_msg_get_bool(m, "online", false) && vz_criu_check(err) < 0)
		return -1;
	r->checked = true;
	vz_msg_set_str(res, "private", r->ct->path.private);
	vz_msg_set_str(res, "dump", r->ct->path.dump);
	return 0;
}

/*
 * Post-copy: a socket in the daemon's run directory (root's only) for the
 * page stream, which the source connects through
 * `ssh HOST vzctl migrate-receive CTID --pages PATH`.
 */
static int on_pages(struct receiver *r, struct vz_msg *res, vz_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!r->lazy || r->pages_listen >= 0)
		return vz_error_make(err, VZ_E_PROTOCOL, 0, "'pages' out of place");
	r->pages_path = xasprintf("%s/%s.pages", r->ct->ctx->rundir, r->ct->id);
	if (strlen(r->pages_path) >= sizeof(sa.sun_path))
		return vz_error_make(err, VZ_E_SYSTEM, ENAMETOOLONG, "'%s'", r->pages_path);
	memcpy(sa.sun_path, r->pages_path, strlen(r->pages_path) + 1);
	(void)unlink(r->pages_path);
	r->pages_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->pages_listen < 0 || bind(r->pages_listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(r->pages_path, 0600) < 0 || listen(r->pages_listen, 1) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "page stream socket '%s'",
				     r->pages_path);
	vz_msg_set_str(res, "socket", r->pages_path);
	return 0;
}

static void pages_close(struct receiver *r)
{
	closep(&r->pages_listen);
	if (r->pages_path)
		(void)unlink(r->pages_path);
	r->pages_path = mfree(r->pages_path);
}

/* The page stream, connected by root (the relay ssh ran). */
static int pages_accept(struct receiver *r, vz_error_t *err)
{
	struct pollfd p = {.fd = r->pages_listen, .events = POLLIN};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd, n;

	if (r->pages_listen < 0)
		return vz_error_make(err, VZ_E_PROTOCOL, 0, "a lazy restore without 'pages'");
	do
		n = poll(&p, 1, PAGES_ACCEPT_MS);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return vz_error_make(err, VZ_E_PROTOCOL, n < 0 ? errno : ETIMEDOUT,
				     "the page stream did not connect");
	fd = accept4(r->pages_listen, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "accept the page stream");
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		close(fd);
		return vz_error_make(err, VZ_E_PROTOCOL, EPERM, "the page stream is not root's");
	}
	pages_close(r);
	return fd;
}

static int restore_lazy(struct receiver *r, struct vz_msg *res, vz_error_t *err)
{
	_cleanup_close_ int ps = pages_accept(r, err);
	struct vz_ct_lazy_stats st;

	if (ps < 0)
		return -1;
	if (vz_ct_restore_lazy(r->ct, ps, &st, err) < 0)
		return -1;
	vz_msg_set_int(res, "ran_ms", (int64_t)(st.ran_s * 1000));
	vz_msg_set_int(res, "pages_ms", (int64_t)(st.pages_s * 1000));
	vz_msg_set_int(res, "bytes", (int64_t)st.bytes);
	return 0;
}

static int on_request(struct receiver *r, const char *op, const struct vz_msg *m,
		      struct vz_msg *res, vz_error_t *err)
{
	if (streq(op, "hello"))
		return on_hello(r, m, res, err);
	if (!r->checked)
		return vz_error_make(err, VZ_E_PROTOCOL, 0, "'%s' before hello", op);
	if (streq(op, "config")) {
		const char *text = vz_msg_get_str(m, "text");

		if (!text)
			return vz_error_make(err, VZ_E_PROTOCOL, 0, "config without text");
		return vz_ct_incoming_adopt(r->ct, text, err);
	}
	if (streq(op, "pages"))
		return on_pages(r, res, err);
	if (streq(op, "start") || streq(op, "restore")) {
		int rc = streq(op, "start") ? vz_ct_start(r->ct, 0, err)
			 : r->lazy	    ? restore_lazy(r, res, err)
					    : vz_ct_restore(r->ct, NULL, err);

		r->running = rc == 0;
		return rc;
	}
	return vz_error_make(err, VZ_E_PROTOCOL, 0, "unknown request '%s'", op);
}

static void answer(struct receiver *r, struct vz_msg *res, vz_error_t e)
{
	vz_msg_set_bool(res, "ok", e == NULL);
	if (e) {
		vz_msg_set_str(res, "error", e->msg);
		vz_msg_set_int(res, "code", e->code);
	}
	(void)vz_chan_send(&r->ch, res, NULL);
}

/* The source is gone or gave up: keep a CT it was told runs here, remove any other copy. */
static int finish(struct receiver *r, bool keep, vz_error_t *err)
{
	/* A CT moved stopped: its disk image, mounted for the copy, goes too. */
	if (keep && r->checked && !r->running)
		(void)vz_storage_image_release(r->ct->path.private, NULL);
	if (keep || !r->checked)
		return 0;
	return vz_ct_incoming_forget(r->ct, err);
}

static int serve(struct receiver *r, vz_error_t *err)
{
	for (;;) {
		_cleanup_error_ vz_error_t e = NULL;
		_cleanup_msg_ struct vz_msg *m = vz_chan_recv(&r->ch, -1, &e);
		_cleanup_msg_ struct vz_msg *res = vz_msg_new();
		const char *op;

		if (!m) {
			if (finish(r, r->running, err) < 0)
				return -1;
			if (r->running)
				return 0;
			vz_error_move(err, &e);
			return vz_error_wrap(err, "the source went away");
		}
		op = vz_msg_get_str(m, "op");
		op = op ? op : "";
		if (streq(op, "commit") || streq(op, "abort")) {
			int rc = finish(r, streq(op, "commit"), &e);

			answer(r, res, e);
			return rc < 0 ? (vz_error_move(err, &e), -1) : 0;
		}
		(void)on_request(r, op, m, res, &e);
		answer(r, res, e);
	}
}

int vz_migrate_receive(struct vz_ct *ct, int in, int out, vz_error_t *err)
{
	struct receiver r = {.ct = ct, .pages_listen = -1};
	int rc;

	vz_chan_init(&r.ch, in, out);
	rc = serve(&r, err);
	pages_close(&r);
	vz_chan_done(&r.ch);
	return rc;
}
