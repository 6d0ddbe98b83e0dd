/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The account files of a CT (/etc/passwd, /etc/shadow, /etc/group,
 * /etc/gshadow) as text: what vzctl set --userpasswd changes in them.
 * Everything here is pure; lib/ct/userpasswd.c reads and writes the files.
 */
#ifndef VZ_PASSWD_H
#define VZ_PASSWD_H

#include <stdbool.h>
#include <stdint.h>

/* A user name as shadow's tools accept it: [A-Za-z_][A-Za-z0-9_.-]*$?, at most 32. */
bool vz_user_name_valid(const char *name);

/* The uid and gid of user in passwd text; false when it has no such line. */
bool vz_passwd_find(const char *passwd, const char *user, uint32_t *uid, uint32_t *gid);
/* The gid of group name in group text; false when it has none. */
bool vz_group_find(const char *group, const char *name, uint32_t *gid);
/* The lowest free id from 1000 up to 59999 above every id in use there (passwd or group). */
uint32_t vz_passwd_next_id(const char *file, uint32_t first_free_above);

/*
 * text with user's second field (the password) set to value, and, when
 * last_change >= 0, its third (shadow's date of the last change, in days
 * since 1970). A user without a line gets line appended instead. Every
 * other line is kept as it was.
 */
char *vz_passwd_set_field(const char *text, const char *user, const char *value, long last_change,
			  const char *line);

/*
 * Does the CT's own software verify yescrypt hashes? Its shadow already
 * holds one, or its PAM or login.defs configuration asks for them. The
 * texts may be NULL (no such file).
 */
bool vz_passwd_wants_yescrypt(const char *shadow, const char *pam, const char *login_defs);

#endif
