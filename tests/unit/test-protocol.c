/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/proto/protocol.c: messages, framing, fds, strict decoding. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/protocol.h"
#include "util/xalloc.h"

static int pair[2];

static int setup(void **state)
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair);
}

static int teardown(void **state)
{
	close(pair[0]);
	close(pair[1]);
	return 0;
}

static struct vz_msg *roundtrip(struct vz_msg *m, vz_error_t *err)
{
	assert_int_equal(vz_proto_send(pair[0], m, NULL, 0, err), 0);
	return vz_proto_recv(pair[1], VZ_PROTO_MAX_REPLY, NULL, NULL, err);
}

static void test_request_roundtrip(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_msg *args = vz_msg_new();
	_cleanup_msg_ struct vz_msg *req = NULL, *got = NULL;
	char *argv[] = {"ps", "ax", NULL};
	const struct vz_msg *gargs;
	const char *op;
	int64_t id;
	char **v;

	vz_msg_set_str(args, "ctid", "101");
	vz_msg_set_strv(args, "argv", argv);
	vz_msg_set_bool(args, "pty", true);
	req = vz_proto_request("exec", 42, args);
	got = roundtrip(req, &err);
	assert_non_null(got);
	assert_int_equal(vz_proto_parse_request(got, &op, &id, &gargs, &err), 0);
	assert_string_equal(op, "exec");
	assert_int_equal(id, 42);
	assert_string_equal(vz_msg_get_str(gargs, "ctid"), "101");
	assert_true(vz_msg_get_bool(gargs, "pty", false));
	v = vz_msg_get_strv(gargs, "argv");
	assert_non_null(v);
	assert_string_equal(v[0], "ps");
	assert_string_equal(v[1], "ax");
	assert_null(v[2]);
	free(v[0]);
	free(v[1]);
	free(v);
}

static void test_fds_travel(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *m = vz_proto_event(1, "pty", NULL), *got = NULL;
	int p[2], fds[VZ_PROTO_MAX_FDS];
	size_t nfds = VZ_PROTO_MAX_FDS;
	char c = 0;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(vz_proto_send(pair[0], m, &p[1], 1, &err), 0);
	got = vz_proto_recv(pair[1], 4096, fds, &nfds, &err);
	assert_non_null(got);
	assert_int_equal(nfds, 1);
	assert_int_equal(write(fds[0], "x", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	/* Received fds are close-on-exec. */
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(p[0]);
	close(p[1]);
}

static void test_extra_fds_closed(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *m = vz_msg_new(), *got = NULL;
	int p[2], fds[1];
	size_t nfds = 0;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	vz_msg_set_int(m, "id", 1);
	assert_int_equal(vz_proto_send(pair[0], m, p, 2, &err), 0);
	got = vz_proto_recv(pair[1], 4096, fds, &nfds, &err);
	assert_non_null(got);
	assert_int_equal(nfds, 0);
	close(p[0]);
	/* Both received copies were closed: the write end is gone, so EOF. */
	close(p[1]);
}

static void send_raw(const char *s, size_t len)
{
	assert_int_equal(send(pair[0], s, len, 0), (ssize_t)len);
}

static void expect_bad(const char *raw, size_t len, const char *fragment)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_msg *m;

	send_raw(raw, len);
	m = vz_proto_recv(pair[1], 4096, NULL, NULL, &err);
	assert_null(m);
	assert_non_null(err);
	assert_int_equal(err->code, VZ_E_PROTOCOL);
	assert_non_null(strstr(err->msg, fragment));
}

static void test_malformed(void **state)
{
	expect_bad("garbage", 7, "malformed message");
	expect_bad("[1,2]", 5, "not a JSON object");
	expect_bad("{\"a\":1,\"a\":2}", 13, "malformed message");
	expect_bad("{\"a\":", 5, "malformed message");
	expect_bad("{\"a\":\"\0\"}", 9, "malformed message");
}

static void test_oversized(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	size_t len = 8192;
	_cleanup_free_ char *big = xmalloc(len);

	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	send_raw(big, len);
	assert_null(vz_proto_recv(pair[1], 4096, NULL, NULL, &err));
	assert_int_equal(vz_error_errno(err), EMSGSIZE);
}

static void expect_bad_request(const char *json, const char *fragment)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *m = NULL;
	const struct vz_msg *args;
	const char *op;
	int64_t id;

	send_raw(json, strlen(json));
	m = vz_proto_recv(pair[1], 4096, NULL, NULL, &err);
	assert_non_null(m);
	assert_true(vz_proto_parse_request(m, &op, &id, &args, &err) < 0);
	assert_non_null(strstr(err->msg, fragment));
}

static void test_request_strict(void **state)
{
	expect_bad_request("{}", "malformed request");
	expect_bad_request("{\"v\":1,\"op\":\"x\",\"id\":1,\"extra\":1}", "malformed request");
	expect_bad_request("{\"v\":2,\"op\":\"start\",\"id\":1}", "version 2 not supported");
	expect_bad_request("{\"v\":1,\"op\":\"\",\"id\":1}", "bad op");
	expect_bad_request("{\"v\":1,\"op\":1,\"id\":1}", "malformed request");
	expect_bad_request("{\"v\":1,\"op\":\"x\",\"id\":\"1\"}", "malformed request");
	expect_bad_request("{\"v\":1,\"op\":\"x\",\"id\":1,\"args\":[]}", "malformed request");
}

static void test_replies(void **state)
{
	_cleanup_error_ vz_error_t err = NULL, e = NULL;
	_cleanup_msg_ struct vz_msg *ok = NULL, *bad = NULL, *ev = NULL;
	const struct vz_msg *res;
	const char *event;
	struct vz_msg *r = vz_msg_new();

	vz_msg_set_int(r, "status", 3);
	ok = vz_proto_reply_ok(7, r);
	assert_int_equal(vz_proto_parse_reply(ok, &event, &res, &err), 0);
	assert_null(event);
	assert_non_null(res);

	vz_error_make(&e, 31, 0, "CT %d is not running", 101);
	bad = vz_proto_reply_error(7, e);
	assert_true(vz_proto_parse_reply(bad, &event, &res, &err) < 0);
	assert_int_equal(err->code, 31);
	assert_string_equal(err->msg, "CT 101 is not running");
	vz_error_release(&err);

	ev = vz_proto_event(7, "progress", "Starting container...");
	assert_int_equal(vz_proto_parse_reply(ev, &event, &res, &err), 0);
	assert_string_equal(event, "progress");
}

static void test_large_message(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_msg_ struct vz_msg *m = vz_msg_new(), *got = NULL;

	/* Like a vzlist reply over thousands of CTs: far above the default buffers. */
	for (int i = 0; i < 20000; i++) {
		struct vz_msg *o = vz_msg_append_obj(m, "cts");
		vz_msg_set_int(o, "ctid", i);
		vz_msg_set_str(o, "hostname", "host.example.com");
	}
	got = roundtrip(m, &err);
	assert_non_null(got);
	assert_int_equal(vz_msg_array_len(got, "cts"), 20000);
}

static void test_value_string(void **state)
{
	_cleanup_msg_ struct vz_msg *m = vz_msg_new();
	char *ips[] = {"10.0.0.1", "2001:db8::1", NULL};
	char *s;

	vz_msg_set_strv(m, "ip", ips);
	vz_msg_set_int(m, "n", -5);
	vz_msg_set_bool(m, "b", true);
	vz_msg_set_null(m, "z");
	s = vz_msg_value_string(m, "ip");
	assert_string_equal(s, "10.0.0.1 2001:db8::1");
	free(s);
	s = vz_msg_value_string(m, "n");
	assert_string_equal(s, "-5");
	free(s);
	s = vz_msg_value_string(m, "b");
	assert_string_equal(s, "yes");
	free(s);
	s = vz_msg_value_string(m, "z");
	assert_string_equal(s, "");
	free(s);
	s = vz_msg_value_string(m, "missing");
	assert_string_equal(s, "");
	free(s);
}

/* A message decoded from JSON text, as vz_proto_recv makes it. */
static struct vz_msg *parse(const char *text)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_msg *m;

	assert_int_equal(send(pair[0], text, strlen(text), 0), (ssize_t)strlen(text));
	m = vz_proto_recv(pair[1], VZ_PROTO_MAX_REPLY, NULL, NULL, &err);
	assert_non_null(m);
	return m;
}

static void assert_overlay(const struct vz_msg *base, const char *m_text, const char *want)
{
	_cleanup_msg_ struct vz_msg *m = parse(m_text);
	_cleanup_overlay_ struct vz_msg_overlay *ov = vz_msg_overlay_new(base);
	_cleanup_free_ char *got = vz_msg_overlay_dump(ov, m);

	assert_string_equal(got, want);
}

static void test_overlay_without_base(void **state)
{
	/* Every kind of value, and strings the fast path must leave to jansson. */
	static const char *const texts[] = {
		"{}",
		"{\"a\":null,\"b\":true,\"c\":false,\"d\":0,\"e\":-1,\"f\":9223372036854775807,"
		"\"g\":-9223372036854775808,\"h\":1.5,\"i\":[],\"j\":[\"x\",1,null],\"k\":{},"
		"\"l\":{\"m\":[{\"n\":\"o\"}]}}",
		"{\"s\":\"plain /path ~!\",\"q\":\"say \\\"hi\\\"\",\"bs\":\"a\\\\b\","
		"\"ctl\":\"t\\tn\\nu\\u0001\",\"utf8\":\"caf\\u00e9 \\u2028\",\"del\":\"\\u007f\","
		"\"key \\\"quoted\\\"\":1,\"caf\\u00e9\":2}",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		_cleanup_msg_ struct vz_msg *m = parse(texts[i]);
		_cleanup_free_ char *want = vz_msg_dump(m, false);

		assert_overlay(NULL, texts[i], want);
	}
}

static void test_overlay(void **state)
{
	_cleanup_msg_ struct vz_msg *base =
		parse("{\"a\":1,\"b\":null,\"c\":\"x\",\"d\":[],\"e\":false}");

	/* Nothing of its own: the defaults as they are. */
	assert_overlay(base, "{}", "{\"a\":1,\"b\":null,\"c\":\"x\",\"d\":[],\"e\":false}");
	/* Values replaced in place, a key base lacks after the one before it. */
	assert_overlay(base, "{\"a\":2,\"pid\":7,\"d\":[\"q\"]}",
		       "{\"a\":2,\"pid\":7,\"b\":null,\"c\":\"x\",\"d\":[\"q\"],\"e\":false}");
	assert_overlay(base, "{\"e\":true}",
		       "{\"a\":1,\"b\":null,\"c\":\"x\",\"d\":[],\"e\":true}");
	assert_overlay(base, "{\"first\":0,\"b\":\"\\\"\"}",
		       "{\"first\":0,\"a\":1,\"b\":\"\\\"\",\"c\":\"x\",\"d\":[],\"e\":false}");
	assert_overlay(base, "{\"e\":null,\"z\":1}",
		       "{\"a\":1,\"b\":null,\"c\":\"x\",\"d\":[],\"e\":null,\"z\":1}");
	/* Out of base's order: every key still once. */
	assert_overlay(base, "{\"e\":1,\"a\":2}",
		       "{\"b\":null,\"c\":\"x\",\"d\":[],\"e\":1,\"a\":2}");
	/* Every key of base overlaid: m as it is. */
	assert_overlay(base, "{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0}",
		       "{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0}");
}

static void test_overlay_empty_base(void **state)
{
	_cleanup_msg_ struct vz_msg *base = vz_msg_new();

	assert_overlay(base, "{}", "{}");
	assert_overlay(base, "{\"a\":1}", "{\"a\":1}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds_travel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra_fds_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_strict, setup, teardown),
		cmocka_unit_test(test_replies),
		cmocka_unit_test_setup_teardown(test_large_message, setup, teardown),
		cmocka_unit_test(test_value_string),
		cmocka_unit_test_setup_teardown(test_overlay_without_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlay_empty_base, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
