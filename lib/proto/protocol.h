/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vzctl <-> vzd protocol (STYLE rule 27). One JSON object per message on
 * a SOCK_SEQPACKET unix socket; file descriptors travel with SCM_RIGHTS.
 *
 *   request  {"v":1, "op":"start", "id":7, "args":{...}}
 *   event    {"id":7, "event":"progress", "msg":"Starting container ..."}
 *   reply    {"id":7, "ok":true, "result":{...}}
 *            {"id":7, "ok":false, "errno":2, "code":14, "msg":"..."}
 *
 * JSON (jansson) is private to this module: other modules build and read
 * messages through the small typed vz_msg API below.
 */
#ifndef VZ_PROTOCOL_H
#define VZ_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define VZ_PROTO_VERSION 1
#define VZ_PROTO_MAX_REQUEST (256 * 1024)
#define VZ_PROTO_MAX_REPLY (32 * 1024 * 1024)
#define VZ_PROTO_MAX_FDS 4

/*
 * The operations vzd answers, by their names on the wire: the one place
 * they are spelled (vzd's dispatch table and the clients use these).
 */
#define VZ_OP_VERSION "version"
#define VZ_OP_LIST "list"
#define VZ_OP_STATUS "status"
#define VZ_OP_CREATE "create"
#define VZ_OP_DESTROY "destroy"
#define VZ_OP_START "start"
#define VZ_OP_STOP "stop"
#define VZ_OP_RESTART "restart"
#define VZ_OP_SUSPEND "suspend"
#define VZ_OP_RESUME "resume"
#define VZ_OP_CHKPNT "chkpnt"
#define VZ_OP_RESTORE "restore"
#define VZ_OP_MIGRATE "migrate"
#define VZ_OP_MIGRATE_IN "migrate-in"
#define VZ_OP_SET "set"
#define VZ_OP_UBC "ubc"
#define VZ_OP_EXEC "exec"
#define VZ_OP_CONSOLE "console"
#define VZ_OP_TEMPLATE_LIST "template-list"
#define VZ_OP_TEMPLATE_BUILD "template-build"
#define VZ_OP_TEMPLATE_IMPORT "template-import"
#define VZ_OP_TEMPLATE_DOWNLOAD "template-download"
#define VZ_OP_MOUNT "mount"
#define VZ_OP_UMOUNT "umount"
#define VZ_OP_RUNSCRIPT "runscript"
/* Not a request: what a client sends during exec to forward a signal. */
#define VZ_OP_SIGNAL "signal"

/* A JSON object. Pointers returned by getters are borrowed from the parent. */
struct vz_msg;

struct vz_msg *vz_msg_new(void);
void vz_msg_free(struct vz_msg *m);
void vz_msg_freep(struct vz_msg **m);
#define _cleanup_msg_ _cleanup_(vz_msg_freep)

/* val NULL sets a JSON null. */
void vz_msg_set_str(struct vz_msg *m, const char *key, const char *val);
void vz_msg_set_int(struct vz_msg *m, const char *key, int64_t val);
void vz_msg_set_bool(struct vz_msg *m, const char *key, bool val);
void vz_msg_set_null(struct vz_msg *m, const char *key);
void vz_msg_set_strv(struct vz_msg *m, const char *key, char *const *strv);
/* New empty object at key, owned by m. */
struct vz_msg *vz_msg_set_obj(struct vz_msg *m, const char *key);
/* Append a new empty object to the array at key (created on first use). */
struct vz_msg *vz_msg_append_obj(struct vz_msg *m, const char *key);

bool vz_msg_has(const struct vz_msg *m, const char *key);
const char *vz_msg_get_str(const struct vz_msg *m, const char *key);
bool vz_msg_get_int(const struct vz_msg *m, const char *key, int64_t *ret);
bool vz_msg_get_bool(const struct vz_msg *m, const char *key, bool def);
/* Heap copy of a string array; NULL when key is absent or not all strings. */
char **vz_msg_get_strv(const struct vz_msg *m, const char *key);
const struct vz_msg *vz_msg_get_obj(const struct vz_msg *m, const char *key);
size_t vz_msg_array_len(const struct vz_msg *m, const char *key);
const struct vz_msg *vz_msg_array_obj(const struct vz_msg *m, const char *key, size_t i);

/* Value as a display string (strings as is, numbers and bools formatted, null ""). */
char *vz_msg_value_string(const struct vz_msg *m, const char *key);

/* JSON text; pretty = indented with a trailing newline. */
char *vz_msg_dump(const struct vz_msg *m, bool pretty);
/* A message from JSON text (an object; no duplicate keys); VZ_E_PROTOCOL otherwise. */
struct vz_msg *vz_msg_parse(const char *text, size_t len, vz_error_t *err);

/*
 * Printing many objects that each hold only what differs from shared
 * defaults (base), without building each whole object: base's members are
 * rendered once. vz_msg_overlay_dump gives the compact JSON text (as
 * vz_msg_dump(.., false) writes it) of m laid over base: every key of base
 * in base's order, with m's value where m has the key; a key only m has
 * follows the key m has before it. base may be NULL (the text of m).
 */
struct vz_msg_overlay;
struct vz_msg_overlay *vz_msg_overlay_new(const struct vz_msg *base);
void vz_msg_overlay_free(struct vz_msg_overlay *ov);
void vz_msg_overlay_freep(struct vz_msg_overlay **ov);
#define _cleanup_overlay_ _cleanup_(vz_msg_overlay_freep)
char *vz_msg_overlay_dump(const struct vz_msg_overlay *ov, const struct vz_msg *m);

/*
 * Send one message with up to VZ_PROTO_MAX_FDS fds. Large messages raise the
 * socket's send buffer as needed.
 */
int vz_proto_send(int sock, const struct vz_msg *m, const int *fds, size_t nfds, vz_error_t *err);

/*
 * Receive one message of at most max bytes. Received fds are stored in fds[]
 * (capacity *nfds on input, count on output; extra fds are closed). A closed
 * connection is an error with errnum EPIPE. Malformed JSON, duplicate keys,
 * a non-object or an oversized message are VZ_E_PROTOCOL errors.
 */
struct vz_msg *vz_proto_recv(int sock, size_t max, int *fds, size_t *nfds, vz_error_t *err);

/* Build a request {"v","op","id","args"}; args is stolen (may be NULL). */
struct vz_msg *vz_proto_request(const char *op, int64_t id, struct vz_msg *args);

/*
 * Validate a decoded request strictly: exactly v (== VZ_PROTO_VERSION), op
 * (short string), id (integer) and optional args (object). Returns borrowed
 * pointers.
 */
int vz_proto_parse_request(const struct vz_msg *req, const char **ret_op, int64_t *ret_id,
			   const struct vz_msg **ret_args, vz_error_t *err);

/* Replies and events. */
struct vz_msg *vz_proto_reply_ok(int64_t id, struct vz_msg *result);
struct vz_msg *vz_proto_reply_error(int64_t id, const vz_error_t e);
struct vz_msg *vz_proto_event(int64_t id, const char *event, const char *msg);

/*
 * Turn a reply into its parts: ok replies return 0 and *ret_result (borrowed,
 * may be NULL); error replies set err from errno/code/msg and return < 0.
 * ret_event is set for events (the caller loops until a reply arrives).
 */
int vz_proto_parse_reply(const struct vz_msg *reply, const char **ret_event,
			 const struct vz_msg **ret_result, vz_error_t *err);

#endif
