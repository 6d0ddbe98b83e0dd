/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Messages to the client of a connection: events and the one reply. */
#define _GNU_SOURCE

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
