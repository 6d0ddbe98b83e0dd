/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The destination's end of a migration (see migrate.h): one request per
 * line from the source, one answer each.
 *
 *   hello {ctid, proto, uid_range, layout, bytes, online}
 *         -> {private, dump, host}: where to copy; nothing made yet
 *   config {text}  -> the CT exists here (config adopted)
 *   start | restore -> the CT runs here ("running": the commit point)
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
#include <string.h>

#include "criu/criu.h"
#include "ct/ct.h"
#include "migrate/chan.h"
#include "migrate/migrate.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct receiver {
	struct vz_ct *ct;
	struct vz_chan ch;
	bool checked; /* hello passed: what lands here for the CT is ours to remove */
	bool running; /* the CT runs here and the source was told */
};

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
	if (vz_ct_incoming_check(r->ct, &in, err) < 0)
		return -1;
	if (vz_msg_get_bool(m, "online", false) && vz_criu_check(err) < 0)
		return -1;
	r->checked = true;
	vz_msg_set_str(res, "private", r->ct->path.private);
	vz_msg_set_str(res, "dump", r->ct->path.dump);
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
	if (streq(op, "start") || streq(op, "restore")) {
		int rc = streq(op, "start") ? vz_ct_start(r->ct, 0, err)
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
	struct receiver r = {.ct = ct};
	int rc;

	vz_chan_init(&r.ch, in, out);
	rc = serve(&r, err);
	vz_chan_done(&r.ch);
	return rc;
}
