/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "res/capability.h"
#include "util/macros.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* The kernel's capabilities by number (CAP_LAST_CAP is 40 on 5.9 and later). */
static const char *const names[] = {
	"CHOWN",
	"DAC_OVERRIDE",
	"DAC_READ_SEARCH",
	"FOWNER",
	"FSETID",
	"KILL",
	"SETGID",
	"SETUID",
	"SETPCAP",
	"LINUX_IMMUTABLE",
	"NET_BIND_SERVICE",
	"NET_BROADCAST",
	"NET_ADMIN",
	"NET_RAW",
	"IPC_LOCK",
	"IPC_OWNER",
	"SYS_MODULE",
	"SYS_RAWIO",
	"SYS_CHROOT",
	"SYS_PTRACE",
	"SYS_PACCT",
	"SYS_ADMIN",
	"SYS_BOOT",
	"SYS_NICE",
	"SYS_RESOURCE",
	"SYS_TIME",
	"SYS_TTY_CONFIG",
	"MKNOD",
	"LEASE",
	"AUDIT_WRITE",
	"AUDIT_CONTROL",
	"SETFCAP",
	"MAC_OVERRIDE",
	"MAC_ADMIN",
	"SYSLOG",
	"WAKE_ALARM",
	"BLOCK_SUSPEND",
	"AUDIT_READ",
	"PERFMON",
	"BPF",
	"CHECKPOINT_RESTORE",
};

/*
 * Never granted: checked against the initial user namespace (modules, raw
 * I/O, the clock, audit control, MAC policy, the kernel log, wakealarms,
 * suspend blocking, process accounting, audit reading, perf, BPF) or
 * meaningless for a VPS (the immutable flag, which the host's backups and
 * vz itself must be able to clear). Keeping CAP_SYS_BOOT lets the CT's
 * init call reboot(), which in a pid namespace ends the CT.
 */
static const int never[] = {
	CAP_SYS_MODULE,	  CAP_SYS_RAWIO,  CAP_SYS_TIME,	  CAP_AUDIT_CONTROL, CAP_MAC_ADMIN,
	CAP_MAC_OVERRIDE, CAP_SYSLOG,	  CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_LINUX_IMMUTABLE,
	CAP_SYS_PACCT,	  CAP_AUDIT_READ, CAP_PERFMON,	  CAP_BPF,
};

#define SEPARATORS " \t,"

static uint64_t never_mask(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(never); i++)
		m |= 1ULL << never[i];
	return m;
}

/* "net_raw:off" -> CAP_NET_RAW and on false; -1 when not NAME:on|off of a known NAME. */
static int parse_one(const char *tok, bool *on, bool *syntax_ok)
{
	const char *colon = strchr(tok, ':');
	size_t len = colon ? (size_t)(colon - tok) : 0;

	*syntax_ok = colon && len && (streq(colon + 1, "on") || streq(colon + 1, "off"));
	if (!*syntax_ok)
		return -1;
	*on = streq(colon + 1, "on");
	/* OpenVZ writes CAP_ nowhere, but people do. */
	if (len > 4 && !strncasecmp(tok, "CAP_", 4)) {
		tok += 4;
		len -= 4;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && !strncasecmp(names[i], tok, len))
			return (int)i;
	return -1;
}

static char **tokens(const char *value)
{
	return strv_split(value ? value : "", SEPARATORS);
}

int vz_capability_validate(const char *key, const char *value, vz_error_t *err)
{
	_cleanup_strv_ char **v = tokens(value);
	uint64_t seen = 0;

	for (size_t i = 0; v && v[i]; i++) {
		bool on, syntax;
		int cap = parse_one(v[i], &on, &syntax);

		if (!syntax)
			return vz_error_make(err, VZ_E_VALUE, 0,
					     "%s: invalid '%s' (expected NAME:on or NAME:off)", key,
					     v[i]);
		if (cap < 0)
			return vz_error_make(err, VZ_E_VALUE, 0, "%s: unknown capability in '%s'",
					     key, v[i]);
		if (seen & (1ULL << cap))
			return vz_error_make(err, VZ_E_VALUE, 0, "%s: %s given twice", key,
					     names[cap]);
		seen |= 1ULL << cap;
		if (on && (never_mask() & (1ULL << cap)))
			return vz_error_make(
				err, VZ_E_VALUE, 0,
				"%s: %s cannot be on: a CT's user namespace cannot use "
				"it on the host, and vz never grants it",
				key, names[cap]);
	}
	return 0;
}

uint64_t vz_capability_drop_mask(const char *value)
{
	_cleanup_strv_ char **v = tokens(value);
	uint64_t m = never_mask();

	for (size_t i = 0; v && v[i]; i++) {
		bool on, syntax;
		int cap = parse_one(v[i], &on, &syntax);

		if (cap >= 0 && !on)
			m |= 1ULL << cap;
	}
	return m;
}

char *vz_capability_merge(const char *old, const char *change)
{
	_cleanup_strv_ char **a = tokens(old), **b = tokens(change), **out = NULL;
	int state[ARRAY_SIZE(names)];

	/* -1: not named; 0 off, 1 on. The old ones in order, then the new. */
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		state[i] = -1;
	for (char **lists[] = {a, b}, ***l = lists; l < lists + 2; l++)
		for (size_t i = 0; *l && (*l)[i]; i++) {
			bool on, syntax;
			int cap = parse_one((*l)[i], &on, &syntax);

			if (cap >= 0)
				state[cap] = on;
		}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (state[i] >= 0)
			out = strv_push(out, xasprintf("%s:%s", names[i], state[i] ? "on" : "off"));
	return strv_join(out, " ");
}
