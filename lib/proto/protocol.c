/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: vzd decodes requests from any local peer that passed the
 * SO_PEERCRED check; everything in a message is untrusted. Decoding rejects
 * duplicate keys, non-objects, oversized messages and stray fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/protocol.h"
#include "util/xalloc.h"

#define J(m) ((json_t *)(m))
#define M(j) ((struct vz_msg *)(j))

struct vz_msg *vz_msg_new(void)
{
	json_t *o = json_object();
	if (!o)
		vz_oom();
	return M(o);
}

void vz_msg_free(struct vz_msg *m)
{
	json_decref(J(m));
}

void vz_msg_freep(struct vz_msg **m)
{
	if (*m) {
		json_decref(J(*m));
		*m = NULL;
	}
}

static void set_new(struct vz_msg *m, const char *key, json_t *v)
{
	if (!v || json_object_set_new(J(m), key, v) < 0)
		vz_oom();
}

void vz_msg_set_str(struct vz_msg *m, const char *key, const char *val)
{
	json_t *v;

	if (!val) {
		vz_msg_set_null(m, key);
		return;
	}
	/* Invalid UTF-8 from a config or the kernel must not drop the field. */
	v = json_string(val);
	if (!v) {
		_cleanup_free_ char *copy = xstrdup(val);
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		v = json_string(copy);
	}
	set_new(m, key, v);
}

void vz_msg_set_int(struct vz_msg *m, const char *key, int64_t val)
{
	set_new(m, key, json_integer(val));
}

void vz_msg_set_bool(struct vz_msg *m, const char *key, bool val)
{
	set_new(m, key, json_boolean(val));
}

void vz_msg_set_null(struct vz_msg *m, const char *key)
{
	set_new(m, key, json_null());
}

void vz_msg_set_strv(struct vz_msg *m, const char *key, char *const *strv)
{
	json_t *a = json_array();

	if (!a)
		vz_oom();
	for (; strv && *strv; strv++) {
		json_t *s = json_string(*strv);
		if (!s)
			s = json_string("?");
		if (!s || json_array_append_new(a, s) < 0)
			vz_oom();
	}
	set_new(m, key, a);
}

struct vz_msg *vz_msg_set_obj(struct vz_msg *m, const char *key)
{
	json_t *o = json_object();
	set_new(m, key, o);
	return M(o);
}

struct vz_msg *vz_msg_append_obj(struct vz_msg *m, const char *key)
{
	json_t *a = json_object_get(J(m), key);
	json_t *o;

	if (!json_is_array(a)) {
		a = json_array();
		set_new(m, key, a);
	}
	o = json_object();
	if (!o || json_array_append_new(a, o) < 0)
		vz_oom();
	return M(o);
}

bool vz_msg_has(const struct vz_msg *m, const char *key)
{
	return m && json_object_get(J(m), key) != NULL;
}

const char *vz_msg_get_str(const struct vz_msg *m, const char *key)
{
	return m ? json_string_value(json_object_get(J(m), key)) : NULL;
}

bool vz_msg_get_int(const struct vz_msg *m, const char *key, int64_t *ret)
{
	json_t *v = m ? json_object_get(J(m), key) : NULL;

	if (!json_is_integer(v))
		return false;
	*ret = json_integer_value(v);
	return true;
}

bool vz_msg_get_bool(const struct vz_msg *m, const char *key, bool def)
{
	json_t *v = m ? json_object_get(J(m), key) : NULL;

	return json_is_boolean(v) ? json_is_true(v) : def;
}

char **vz_msg_get_strv(const struct vz_msg *m, const char *key)
{
	json_t *a = m ? json_object_get(J(m), key) : NULL;
	json_t *v;
	size_t i;
	char **strv;

	if (!json_is_array(a))
		return NULL;
	json_array_foreach (a, i, v)
		if (!json_is_string(v))
			return NULL;
	strv = xzalloc((json_array_size(a) + 1) * sizeof(char *));
	json_array_foreach (a, i, v)
		strv[i] = xstrdup(json_string_value(v));
	return strv;
}

const struct vz_msg *vz_msg_get_obj(const struct vz_msg *m, const char *key)
{
	json_t *o = m ? json_object_get(J(m), key) : NULL;

	return json_is_object(o) ? M(o) : NULL;
}

size_t vz_msg_array_len(const struct vz_msg *m, const char *key)
{
	return m ? json_array_size(json_object_get(J(m), key)) : 0;
}

const struct vz_msg *vz_msg_array_obj(const struct vz_msg *m, const char *key, size_t i)
{
	json_t *o = m ? json_array_get(json_object_get(J(m), key), i) : NULL;

	return json_is_object(o) ? M(o) : NULL;
}

char *vz_msg_value_string(const struct vz_msg *m, const char *key)
{
	json_t *v = m ? json_object_get(J(m), key) : NULL;

	if (!v)
		return xstrdup("");
	switch (json_typeof(v)) {
	case JSON_STRING:
		return xstrdup(json_string_value(v));
	case JSON_INTEGER:
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return xasprintf("%.2f", json_real_value(v));
	case JSON_TRUE:
		return xstrdup("yes");
	case JSON_FALSE:
		return xstrdup("no");
	case JSON_ARRAY: {
		size_t i, len = 0;
		json_t *e;
		char *s = xstrdup("");
		json_array_foreach (v, i, e) {
			const char *es = json_string_value(e);
			if (!es)
				continue;
			s = xrealloc(s, len + strlen(es) + 2);
			len += (size_t)snprintf(s + len, strlen(es) + 2, "%s%s", len ? " " : "",
						es);
		}
		return s;
	}
	case JSON_OBJECT:
	case JSON_NULL:
	default:
		return xstrdup("");
	}
}

char *vz_msg_dump(const struct vz_msg *m, bool pretty)
{
	size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	char *s, *r;

	if (pretty)
		flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
	s = json_dumps(J(m), flags);
	if (!s)
		vz_oom();
	if (!pretty)
		return s;
	r = xasprintf("%s\n", s);
	free(s);
	return r;
}

/* A growing text buffer for vz_msg_overlay_dump. */
struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* Bytes jansson writes as they are: printable ASCII but '"' and '\\'. */
static bool plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

/* jansson's own text for what the fast paths leave (escapes, arrays, reals). */
static void put_dumped(struct text *t, const json_t *v)
{
	_cleanup_free_ char *s =
		json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	if (!s)
		vz_oom();
	put(t, s, strlen(s));
}

static void put_string(struct text *t, const char *s, size_t n)
{
	json_t *j;

	if (plain(s, n)) {
		put(t, "\"", 1);
		put(t, s, n);
		put(t, "\"", 1);
		return;
	}
	j = json_stringn_nocheck(s, n);
	if (!j)
		vz_oom();
	put_dumped(t, j);
	json_decref(j);
}

/* Integers, null and booleans by hand, as jansson prints them. */
static void put_value(struct text *t, const json_t *v)
{
	char digits[24], out[24];
	json_int_t i;
	uint64_t u;
	size_t n = 0, len = 0;

	switch (json_typeof(v)) {
	case JSON_NULL:
		put(t, "null", 4);
		return;
	case JSON_TRUE:
		put(t, "true", 4);
		return;
	case JSON_FALSE:
		put(t, "false", 5);
		return;
	case JSON_STRING:
		put_string(t, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		i = json_integer_value(v);
		u = i < 0 ? -(uint64_t)i : (uint64_t)i;
		do
			digits[n++] = (char)('0' + u % 10);
		while ((u /= 10) > 0);
		if (i < 0)
			out[len++] = '-';
		while (n > 0)
			out[len++] = digits[--n];
		put(t, out, len);
		return;
	case JSON_OBJECT:
	case JSON_ARRAY:
	case JSON_REAL:
		put_dumped(t, v);
		return;
	}
}

/* "key":value, after a comma unless it is the object's first member. */
static void put_member(struct text *t, const char *key, const json_t *v)
{
	if (t->len > 0 && t->p[t->len - 1] != '{')
		put(t, ",", 1);
	put_string(t, key, strlen(key));
	put(t, ":", 1);
	put_value(t, v);
}

struct vz_msg_overlay {
	json_t *base;	     /* a reference: keys[] point into it */
	size_t n;	     /* base's members */
	const char **keys;   /* in base's order */
	size_t *start, *end; /* member i is text.p[start[i]..end[i]) */
	struct text text;    /* "k0":v0,"k1":v1,... */
};

struct vz_msg_overlay *vz_msg_overlay_new(const struct vz_msg *base)
{
	struct vz_msg_overlay *ov = xzalloc(sizeof(*ov));
	const char *key;
	json_t *v;
	size_t i = 0;

	ov->n = base ? json_object_size(J(base)) : 0;
	ov->keys = xreallocarray(NULL, ov->n + 1, sizeof(char *));
	ov->start = xreallocarray(NULL, ov->n + 1, sizeof(size_t));
	ov->end = xreallocarray(NULL, ov->n + 1, sizeof(size_t));
	put(&ov->text, "", 0);
	if (!base)
		return ov;
	ov->base = json_incref(J(base));
	json_object_foreach (ov->base, key, v) {
		ov->keys[i] = key;
		ov->start[i] = ov->text.len + (i > 0);
		put_member(&ov->text, key, v);
		ov->end[i++] = ov->text.len;
	}
	return ov;
}

void vz_msg_overlay_free(struct vz_msg_overlay *ov)
{
	if (!ov)
		return;
	json_decref(ov->base);
	free(ov->keys);
	free(ov->start);
	free(ov->end);
	free(ov->text.p);
	free(ov);
}

void vz_msg_overlay_freep(struct vz_msg_overlay **ov)
{
	vz_msg_overlay_free(*ov);
	*ov = NULL;
}

/* Index of key among keys[0..n), searched from from onwards, then from 0; n if absent. */
static size_t key_index(const char *const *keys, size_t n, size_t from, const char *key)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = (from + k) % n;

		if (streq(keys[i], key))
			return i;
	}
	return n;
}

/* base's members from..to-1 that m does not have: runs of the text rendered once. */
static void put_base(struct text *t, const struct vz_msg_overlay *ov, const bool *overlaid,
		     size_t from, size_t to)
{
	for (size_t i = from, j; i < to; i = j) {
		if (overlaid[i]) {
			j = i + 1;
			continue;
		}
		for (j = i; j < to && !overlaid[j]; j++)
			;
		if (t->p[t->len - 1] != '{')
			put(t, ",", 1);
		put(t, ov->text.p + ov->start[i], ov->end[j - 1] - ov->start[i]);
	}
}

char *vz_msg_overlay_dump(const struct vz_msg_overlay *ov, const struct vz_msg *m)
{
	size_t nm = json_object_size(J(m)), k = 0, next = 0;
	_cleanup_free_ bool *overlaid = xzalloc(ov->n + 1);
	_cleanup_free_ size_t *at = xreallocarray(NULL, nm + 1, sizeof(size_t));
	struct text t = {.p = xmalloc(ov->text.len + 256), .cap = ov->text.len + 256};
	const char *key;
	json_t *v;

	/* Where each of m's keys sits in base: one forward scan when m keeps base's order. */
	json_object_foreach (J(m), key, v) {
		at[k] = key_index(ov->keys, ov->n, next, key);
		if (at[k] < ov->n) {
			overlaid[at[k]] = true;
			next = at[k] + 1;
		}
		k++;
	}
	put(&t, "{", 1);
	k = 0;
	next = 0;
	json_object_foreach (J(m), key, v) {
		if (at[k] < ov->n && at[k] >= next) {
			put_base(&t, ov, overlaid, next, at[k]);
			next = at[k] + 1;
		}
		put_member(&t, key, v);
		k++;
	}
	put_base(&t, ov, overlaid, next, ov->n);
	put(&t, "}", 1);
	return t.p;
}

static void grow_sndbuf(int sock, size_t len)
{
	int cur = 0;
	socklen_t sl = sizeof(cur);
	int want;

	if (getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &cur, &sl) < 0)
		return;
	/* The kernel charges skb overhead against the buffer: leave room. */
	if ((size_t)cur >= len + 65536)
		return;
	want = (int)(len + 65536);
	if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

int vz_proto_send(int sock, const struct vz_msg *m, const int *fds, size_t nfds, vz_error_t *err)
{
	_cleanup_free_ char *text = vz_msg_dump(m, false);
	size_t len = strlen(text);
	union {
		char buf[CMSG_SPACE(sizeof(int) * VZ_PROTO_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = text, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (nfds > VZ_PROTO_MAX_FDS)
		return vz_error_make(err, VZ_E_PROTOCOL, EINVAL, "send message: too many fds");
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (len > 100 * 1024)
		grow_sndbuf(sock, len);
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	/* A request may carry a secret (set --userpasswd): no copy of it stays behind. */
	explicit_bzero(text, len);
	if (n < 0)
		return vz_error_make(err, VZ_E_PROTOCOL, errno, "send message");
	return 0;
}

static void take_fds(struct msghdr *mh, int *fds, size_t *nfds)
{
	size_t cap = nfds ? *nfds : 0, got = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int *p;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		p = (int *)(void *)CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			if (got < cap)
				fds[got++] = p[i];
			else
				(void)close(p[i]);
		}
	}
	if (nfds)
		*nfds = got;
}

static void close_taken(int *fds, size_t *nfds)
{
	for (size_t i = 0; nfds && i < *nfds; i++)
		(void)close(fds[i]);
	if (nfds)
		*nfds = 0;
}

/* Wait until a message is queued and return its size bound (FIONREAD). */
static int queued_bytes(int sock, size_t max, size_t *ret, vz_error_t *err)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};
	int avail = 0;

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return vz_error_make(err, VZ_E_PROTOCOL, errno, "receive message");
	if (ioctl(sock, FIONREAD, &avail) < 0)
		return vz_error_make(err, VZ_E_PROTOCOL, errno, "receive message");
	/* Several queued messages may add up past max: one still fits. */
	*ret = (size_t)avail > max ? max + 1 : (size_t)avail + 1;
	return 0;
}

struct vz_msg *vz_proto_recv(int sock, size_t max, int *fds, size_t *nfds, vz_error_t *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VZ_PROTO_MAX_FDS)];
		struct cmsghdr align;
	} u;
	_cleanup_free_ char *buf = NULL;
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct vz_msg *m;
	size_t size = 0;
	ssize_t n;

	if (queued_bytes(sock, max, &size, err) < 0)
		return NULL;
	buf = xmalloc(size);
	iov.iov_base = buf;
	iov.iov_len = size;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		vz_error_make(err, VZ_E_PROTOCOL, errno, "receive message");
		return NULL;
	}
	take_fds(&mh, fds, nfds);
	if (n == 0) {
		close_taken(fds, nfds);
		vz_error_make(err, VZ_E_PROTOCOL, EPIPE, "receive message: connection closed");
		return NULL;
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n > max) {
		close_taken(fds, nfds);
		vz_error_make(err, VZ_E_PROTOCOL, EMSGSIZE,
			      "receive message: larger than %zu bytes or too many fds", max);
		return NULL;
	}
	m = vz_msg_parse(buf, (size_t)n, err);
	if (!m)
		close_taken(fds, nfds);
	return m;
}

struct vz_msg *vz_msg_parse(const char *text, size_t len, vz_error_t *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!j || !json_is_object(j)) {
		vz_error_make(err, VZ_E_PROTOCOL, EBADMSG, "malformed message: %s",
			      j ? "not a JSON object" : jerr.text);
		json_decref(j);
		return NULL;
	}
	return M(j);
}

struct vz_msg *vz_proto_request(const char *op, int64_t id, struct vz_msg *args)
{
	struct vz_msg *m = vz_msg_new();

	vz_msg_set_int(m, "v", VZ_PROTO_VERSION);
	vz_msg_set_str(m, "op", op);
	vz_msg_set_int(m, "id", id);
	if (args)
		set_new(m, "args", J(args));
	return m;
}

int vz_proto_parse_request(const struct vz_msg *req, const char **ret_op, int64_t *ret_id,
			   const struct vz_msg **ret_args, vz_error_t *err)
{
	json_error_t jerr;
	json_int_t v, id;
	const char *op;
	json_t *args = NULL;

	if (json_unpack_ex(J(req), &jerr, JSON_STRICT, "{s:I, s:s, s:I, s?o}", "v", &v, "op", &op,
			   "id", &id, "args", &args) < 0)
		return vz_error_make(err, VZ_E_PROTOCOL, EBADMSG, "malformed request: %s",
				     jerr.text);
	if (v != VZ_PROTO_VERSION)
		return vz_error_make(err, VZ_E_PROTOCOL, EPROTO,
				     "protocol version %lld not supported (this vzd speaks %d)",
				     (long long)v, VZ_PROTO_VERSION);
	if (strlen(op) == 0 || strlen(op) > 32)
		return vz_error_make(err, VZ_E_PROTOCOL, EBADMSG, "malformed request: bad op");
	if (args && !json_is_object(args))
		return vz_error_make(err, VZ_E_PROTOCOL, EBADMSG,
				     "malformed request: args is not an object");
	*ret_op = op;
	*ret_id = id;
	*ret_args = args ? M(args) : NULL;
	return 0;
}

struct vz_msg *vz_proto_reply_ok(int64_t id, struct vz_msg *result)
{
	struct vz_msg *m = vz_msg_new();

	vz_msg_set_int(m, "id", id);
	vz_msg_set_bool(m, "ok", true);
	if (result)
		set_new(m, "result", J(result));
	return m;
}

struct vz_msg *vz_proto_reply_error(int64_t id, const vz_error_t e)
{
	struct vz_msg *m = vz_msg_new();

	vz_msg_set_int(m, "id", id);
	vz_msg_set_bool(m, "ok", false);
	vz_msg_set_int(m, "errno", e ? e->errnum : 0);
	vz_msg_set_int(m, "code", e ? e->code : VZ_E_SYSTEM);
	vz_msg_set_str(m, "msg", e && e->msg ? e->msg : "unknown error");
	return m;
}

struct vz_msg *vz_proto_event(int64_t id, const char *event, const char *msg)
{
	struct vz_msg *m = vz_msg_new();

	vz_msg_set_int(m, "id", id);
	vz_msg_set_str(m, "event", event);
	if (msg)
		vz_msg_set_str(m, "msg", msg);
	return m;
}

int vz_proto_parse_reply(const struct vz_msg *reply, const char **ret_event,
			 const struct vz_msg **ret_result, vz_error_t *err)
{
	json_t *ok = json_object_get(J(reply), "ok");
	const char *event = vz_msg_get_str(reply, "event");
	int64_t code = VZ_E_SYSTEM, errnum = 0;
	const char *msg;

	*ret_event = event;
	*ret_result = NULL;
	if (event)
		return 0;
	if (!json_is_boolean(ok))
		return vz_error_make(err, VZ_E_PROTOCOL, EBADMSG, "malformed reply from vzd");
	if (json_is_true(ok)) {
		*ret_result = vz_msg_get_obj(reply, "result");
		return 0;
	}
	(void)vz_msg_get_int(reply, "code", &code);
	(void)vz_msg_get_int(reply, "errno", &errnum);
	msg = vz_msg_get_str(reply, "msg");
	vz_error_make(err, (int)code, 0, "%s", msg ? msg : "unknown error");
	if (err && *err)
		(*err)->errnum = (int)errnum;
	return -1;
}
