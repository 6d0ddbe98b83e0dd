/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for lib/migrate/chan.c: the migration channel's JSON lines. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/chan.h"
#include "util/fs.h"
#include "util/macros.h"

struct pair {
	int a, b; /* a: the test's end, b: the channel's */
	struct vz_chan ch;
};

static void open_pair(struct pair *p)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->a = sv[0];
	p->b = sv[1];
	vz_chan_init(&p->ch, p->b, p->b);
}

static void close_pair(struct pair *p)
{
	vz_chan_done(&p->ch);
	close(p->a);
	close(p->b);
}

static void put(struct pair *p, const char *s)
{
	assert_int_equal(write_all(p->a, s, strlen(s)), 0);
}

/* Two messages in one write, one split over two: each comes whole, in order. */
static void test_lines(VZ_UNUSED void **state)
{
	struct pair p;
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_msg *m;
	char buf[64];
	ssize_t n;

	open_pair(&p);
	put(&p, "{\"op\":\"hello\"}\n{\"op\":\"con");
	m = vz_chan_recv(&p.ch, 1000, &err);
	assert_non_null(m);
	assert_string_equal(vz_msg_get_str(m, "op"), "hello");
	vz_msg_free(m);
	put(&p, "fig\",\"text\":\"A=\\\"1\\\"\\n\"}\n");
	m = vz_chan_recv(&p.ch, 1000, &err);
	assert_non_null(m);
	assert_string_equal(vz_msg_get_str(m, "text"), "A=\"1\"\n");
	/* Sending: one line, newlines inside values escaped. */
	assert_int_equal(vz_chan_send(&p.ch, m, &err), 0);
	vz_msg_free(m);
	n = read(p.a, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strchr(buf, '\n'));
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
	close_pair(&p);
}

static void fails(struct pair *p, int timeout_ms, int errnum, const char *fragment)
{
	_cleanup_error_ vz_error_t err = NULL;

	assert_null(vz_chan_recv(&p->ch, timeout_ms, &err));
	assert_non_null(err);
	if (errnum)
		assert_int_equal(err->errnum, errnum);
	if (!strstr(err->msg, fragment))
		fail_msg("'%s' lacks '%s'", err->msg, fragment);
}

static void test_errors(VZ_UNUSED void **state)
{
	struct pair p;
	char *big;
	pid_t pid;

	/* Nothing comes: a timeout. */
	open_pair(&p);
	fails(&p, 50, ETIMEDOUT, "no answer in time");
	/* Not JSON, and not an object. */
	put(&p, "hello\n[1]\n");
	fails(&p, 1000, EBADMSG, "malformed message");
	fails(&p, 1000, EBADMSG, "not a JSON object");
	/* The peer went away mid-line. */
	put(&p, "{\"op\":");
	shutdown(p.a, SHUT_WR);
	fails(&p, 1000, EPIPE, "closed");
	close_pair(&p);

	/* A line that never ends is cut off, not buffered for ever. */
	open_pair(&p);
	big = malloc(VZ_CHAN_MAX + 8192);
	assert_non_null(big);
	memset(big, 'x', VZ_CHAN_MAX + 8192);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p.b);
		(void)write_all(p.a, big, VZ_CHAN_MAX + 8192);
		_exit(0);
	}
	fails(&p, 5000, EMSGSIZE, "too large");
	free(big);
	close_pair(&p);
	/* The writer ends once nobody reads. */
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
