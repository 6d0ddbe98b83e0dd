/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ-style configuration files. The file is kept as an ordered array of
 * lines, each with its original bytes; key lines also carry the parsed key and
 * value. Only lines touched by vz_config_set() are rewritten, so comments,
 * unknown keys and odd formatting survive a save.
 *
 * The accepted syntax is the subset of POSIX shell assignments that OpenVZ
 * writes and that a shell sourcing the file (OpenVZ action scripts do) reads
 * the same way we do: KEY=bare, KEY="double", KEY='single', an optional
 * trailing comment after whitespace. Anything where the shell would read a
 * different value (concatenated quoting, unquoted metacharacters, words after
 * the value) is rejected rather than guessed at. $VAR and `cmd` are kept
 * literally: expanding them would turn a config file into code.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf/config.h"
#include "net/netif.h"
#include "res/cpuio.h"
#include "res/ubc.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

#define VALUE_MAX 4096
#define FILE_MAX (1024 * 1024)
#define DESCRIPTION_MAX 1024
#define SECONDS_MAX 3600
#define UID_RANGE_MIN 65536
#define UID_MAX_ID 4294967295ULL /* (uid_t)-1 is reserved */

/* Characters a backslash escapes inside double quotes (POSIX shell rules). */
#define DQ_ESCAPED "\"\\$`"
/* Unquoted, these mean something else to a shell: refuse them. */
#define BARE_SPECIAL "\"'\\;&|<>()"

struct line {
	char *raw;   /* original text including its '\n', if it had one */
	char *key;   /* NULL for comments and blank lines */
	char *value; /* decoded value of a key line */
	const struct vz_config_key *row;
};

struct vz_config {
	struct line *lines;
	size_t n;
	size_t cap;
};

struct cursor {
	const char *p;
	const char *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident(char c)
{
	return is_alnum(c) || c == '_';
}

static bool valid_key_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || is_digit(s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!(is_digit(s[i]) || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return false;
	return true;
}

/* Strict unsigned decimal: digits only, no sign, no blanks, no overflow. */
static bool parse_dec(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (!is_digit(s[i]) || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

static int size_shift(char c)
{
	static const char units[] = "kmgtp";
	const char *u = c ? strchr(units, c | 0x20) : NULL;

	return u ? 10 * (int)(u - units + 1) : -1;
}

int vz_parse_size(const char *key, const char *s, uint64_t *ret_bytes, vz_error_t *err)
{
	size_t digits = strspn(s, "0123456789");
	const char *suffix = s + digits;
	uint64_t v;
	int shift = 0;

	if (strcasecmp(s, "unlimited") == 0) {
		*ret_bytes = UINT64_MAX;
		return 0;
	}
	if (!parse_dec(s, digits, &v))
		goto invalid;
	if (*suffix && size_shift(*suffix) > 0)
		shift = size_shift(*suffix++);
	if (*suffix == 'b' || *suffix == 'B')
		suffix++;
	if (*suffix || v > (UINT64_MAX >> shift))
		goto invalid;
	*ret_bytes = v << shift;
	return 0;
invalid:
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid size '%s'", key, s);
}

static bool bool_from_string(const char *s, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*ret = strcasecmp(s, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

int vz_parse_bool(const char *key, const char *s, bool *ret, vz_error_t *err)
{
	if (!bool_from_string(s, ret))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: invalid boolean '%s' (expected yes or no)", key, s);
	return 0;
}

/* ---- validators ---- */

static int invalid(vz_error_t *err, const char *key, const char *what, const char *value)
{
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid %s '%s'", key, what, value);
}

/* First character alphanumeric, the rest alphanumeric or from extra. */
static bool valid_name(const char *s, size_t max, const char *extra)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max || !is_alnum(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!is_alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static int validate_template(const char *key, const char *value, vz_error_t *err)
{
	if (!valid_name(value, 128, "._+-") || strstr(value, ".."))
		return invalid(err, key, "template name", value);
	return 0;
}

static int validate_ct_name(const char *key, const char *value, vz_error_t *err)
{
	/* An all-digit name would be ambiguous with a CTID on the command line. */
	if (!valid_name(value, 64, "._-") || value[strspn(value, "0123456789")] == '\0')
		return invalid(err, key, "CT name", value);
	return 0;
}

/* RFC 1123 host name: dot-separated labels of [A-Za-z0-9-], no edge '-'. */
static bool hostname_valid(const char *s, size_t n)
{
	size_t start = 0, i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

static int validate_hostname(const char *key, const char *value, vz_error_t *err)
{
	if (!hostname_valid(value, strlen(value)))
		return invalid(err, key, "host name", value);
	return 0;
}

static int validate_bool(const char *key, const char *value, vz_error_t *err)
{
	bool b;

	return vz_parse_bool(key, value, &b, err);
}

/* Length of the UTF-8 sequence at s (0 if malformed) and its code point. */
static size_t utf8_decode(const unsigned char *s, uint32_t *ret)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		len = 1, cp = s[0];
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret = cp;
	return len;
}

static int validate_description(const char *key, const char *value, vz_error_t *err)
{
	const unsigned char *s = (const unsigned char *)value;

	if (strlen(value) > DESCRIPTION_MAX)
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: longer than %d bytes", key,
				     DESCRIPTION_MAX);
	while (*s) {
		uint32_t cp;
		size_t len = utf8_decode(s, &cp);

		if (len == 0)
			return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid UTF-8", key);
		/* C0, DEL and C1 controls could rewrite a terminal showing vzlist. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return vz_error_make(err, VZ_E_VALUE, 0, "%s: control character 0x%02x",
					     key, (unsigned)cp);
		s += len;
	}
	return 0;
}

/* One path component: no control characters, '$' only as "$VEID". */
static bool component_valid(const char *s, size_t n, bool allow_veid)
{
	size_t i;

	if (n == 2 && s[0] == '.' && s[1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c != '$')
			continue;
		if (!allow_veid || strncmp(s + i, "$VEID", 5) != 0 || is_ident(s[i + 5]))
			return false;
		i += 4;
	}
	return true;
}

/* Absolute, no ".." component, and not the root directory itself. */
static bool path_valid(const char *s, bool allow_veid)
{
	bool named = false;

	if (s[0] != '/')
		return false;
	for (;;) {
		size_t n;

		s += strspn(s, "/");
		n = strcspn(s, "/");
		if (n == 0)
			return named;
		if (!component_valid(s, n, allow_veid))
			return false;
		if (n != 1 || s[0] != '.')
			named = true;
		s += n;
	}
}

static int validate_ct_path(const char *key, const char *value, vz_error_t *err)
{
	if (!path_valid(value, true))
		return invalid(err, key, "path", value);
	return 0;
}

static int validate_abs_path(const char *key, const char *value, vz_error_t *err)
{
	if (!path_valid(value, false))
		return invalid(err, key, "path", value);
	return 0;
}

static bool ip_valid(const char *tok, size_t n, bool allow_prefix)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char buf[INET6_ADDRSTRLEN];
	const char *slash = memchr(tok, '/', n);
	size_t alen = slash ? (size_t)(slash - tok) : n;
	uint64_t prefix;
	int af;

	if (alen == 0 || alen >= sizeof(buf))
		return false;
	memcpy(buf, tok, alen);
	buf[alen] = '\0';
	af = memchr(buf, ':', alen) ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, addr) != 1)
		return false;
	if (!slash)
		return true;
	if (!allow_prefix || !parse_dec(slash + 1, n - alen - 1, &prefix))
		return false;
	return prefix <= (af == AF_INET6 ? 128 : 32);
}

static bool ip_or_prefix_valid(const char *tok, size_t n)
{
	return ip_valid(tok, n, true);
}

/*
 * An address a CT can be given: not unspecified, loopback, multicast,
 * broadcast or link-local (vz's gateways live there), nor IPv4's reserved
 * 0/8 and 240/4.
 */
static bool ip_usable(const char *tok, size_t n)
{
	unsigned char a[sizeof(struct in6_addr)];
	char buf[INET6_ADDRSTRLEN];
	size_t alen = strcspn(tok, "/");

	if (!ip_valid(tok, n, true))
		return false;
	if (alen > n)
		alen = n;
	memcpy(buf, tok, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return a[0] != 0 && a[0] != 127 && a[0] < 224 && !(a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, buf, a) != 1)
		return false;
	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false;
	for (size_t i = 0; i < 15; i++)
		if (a[i])
			return true;
	return a[15] > 1; /* "::" and "::1" */
}

static bool ip_only_valid(const char *tok, size_t n)
{
	return ip_valid(tok, n, false);
}

/* Space-separated list; an empty list is valid (it clears the setting). */
static int validate_list(const char *key, const char *value, const char *what,
			 bool (*check)(const char *tok, size_t n), vz_error_t *err)
{
	const char *p = value;

	for (;;) {
		size_t n;

		p += strspn(p, " \t");
		if (*p == '\0')
			return 0;
		n = strcspn(p, " \t");
		if (!check(p, n))
			return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid %s '%.*s'", key, what,
					     (int)n, p);
		p += n;
	}
}

static int validate_ip_list(const char *key, const char *value, vz_error_t *err)
{
	if (validate_list(key, value, "IP address", ip_or_prefix_valid, err) < 0)
		return -1;
	return validate_list(
		key, value,
		"CT address (loopback, multicast, broadcast, link-local or unspecified)", ip_usable,
		err);
}

static int validate_nameservers(const char *key, const char *value, vz_error_t *err)
{
	return validate_list(key, value, "IP address", ip_only_valid, err);
}

static int validate_domains(const char *key, const char *value, vz_error_t *err)
{
	return validate_list(key, value, "domain name", hostname_valid, err);
}

static int validate_uid_range(const char *key, const char *value, vz_error_t *err)
{
	const char *colon = strchr(value, ':');
	uint64_t base, count;

	if (!colon || !parse_dec(value, colon - value, &base) ||
	    !parse_dec(colon + 1, strlen(colon + 1), &count))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: invalid uid range '%s' (expected BASE:COUNT)", key,
				     value);
	if (base == 0 || count < UID_RANGE_MIN || base > UID_MAX_ID || count > UID_MAX_ID - base)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: invalid uid range '%s' (need BASE > 0, COUNT >= %d, "
				     "BASE+COUNT <= %llu)",
				     key, value, UID_RANGE_MIN, UID_MAX_ID);
	return 0;
}

static int validate_number(const char *key, const char *value, uint64_t min, uint64_t max,
			   vz_error_t *err)
{
	uint64_t v;

	if (!parse_dec(value, strlen(value), &v) || v < min || v > max)
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "%s: invalid number '%s' (expected %llu..%llu)", key, value,
				     (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int validate_timeout(const char *key, const char *value, vz_error_t *err)
{
	return validate_number(key, value, 1, SECONDS_MAX, err);
}

static int validate_uid_start(const char *key, const char *value, vz_error_t *err)
{
	return validate_number(key, value, 1, UID_MAX_ID - UID_RANGE_MIN, err);
}

static int validate_uid_size(const char *key, const char *value, vz_error_t *err)
{
	return validate_number(key, value, UID_RANGE_MIN, UID_MAX_ID - 1, err);
}

static int validate_cgroup_prefix(const char *key, const char *value, vz_error_t *err)
{
	size_t i, n = strlen(value);

	/* "." and ".." would name the parent cgroup, not a new one. */
	if (n == 0 || n > 64 || streq(value, ".") || streq(value, ".."))
		return invalid(err, key, "cgroup name", value);
	for (i = 0; i < n; i++)
		if (!is_alnum(value[i]) && !strchr("._-", value[i]))
			return invalid(err, key, "cgroup name", value);
	return 0;
}

static int validate_group(const char *key, const char *value, vz_error_t *err)
{
	size_t i, n = strlen(value);

	if (n == 0 || n > 32 || !((value[0] >= 'a' && value[0] <= 'z') || value[0] == '_'))
		return invalid(err, key, "group name", value);
	for (i = 1; i < n; i++)
		if (!(value[i] >= 'a' && value[i] <= 'z') && !is_digit(value[i]) &&
		    !strchr("_-", value[i]))
			return invalid(err, key, "group name", value);
	return 0;
}

/* A network interface name: 1..15 bytes, no '/', blank or ':'. */
static bool ifname_valid(const char *s, size_t n)
{
	if (n == 0 || n > 15 || (n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == '/' || s[i] == ':' || s[i] == 0x7f)
			return false;
	return true;
}

static int validate_ifnames(const char *key, const char *value, vz_error_t *err)
{
	return validate_list(key, value, "interface name", ifname_valid, err);
}

/* ---- the key table ---- */

static const struct vz_config_key keys[] = {
	/* ctid.conf */
	{"OSTEMPLATE", NULL, validate_template, "OS template the CT was created from"},
	{"HOSTNAME", NULL, validate_hostname, "CT host name (RFC 1123)"},
	{"ONBOOT", NULL, validate_bool, "start the CT when vzd starts (yes or no)"},
	{"NAME", NULL, validate_ct_name, "CT name, usable in place of the CTID"},
	{"DESCRIPTION", NULL, validate_description, "free-form CT description"},
	{"VE_ROOT", NULL, validate_ct_path, "CT root mount point ($VEID is the CTID)"},
	{"VE_PRIVATE", NULL, validate_ct_path, "CT private area ($VEID is the CTID)"},
	{"ORIGIN_SAMPLE", NULL, validate_template, "config sample the CT was created from"},
	{"NETIF", NULL, vz_netif_validate,
	 "bridged interfaces: ifname=,mac=,host_ifname=,host_mac=,bridge= (';' between)"},
	{"IP_ADDRESS", NULL, validate_ip_list,
	 "CT IP addresses, space-separated, optional /prefix"},
	{"NAMESERVER", NULL, validate_nameservers, "DNS servers for the CT resolv.conf"},
	{"SEARCHDOMAIN", NULL, validate_domains, "DNS search domains for the CT resolv.conf"},
	{"UID_RANGE", NULL, validate_uid_range,
	 "host uid/gid range mapped into the CT (BASE:COUNT)"},
	{"STOP_TIMEOUT", NULL, validate_timeout, "seconds a clean stop may take before a kill"},
	{"DISABLED", NULL, validate_bool, "refuse to start the CT (yes or no)"},
	/* ctid.conf: resources (lib/ubc.c, lib/res.c) */
	{"KMEMSIZE", NULL, vz_ubc_validate, "kernel memory, bytes (barrier:limit)"},
	{"LOCKEDPAGES", NULL, vz_ubc_validate, "locked memory, pages (barrier:limit)"},
	{"PRIVVMPAGES", NULL, vz_ubc_validate, "private virtual memory, pages (barrier:limit)"},
	{"SHMPAGES", NULL, vz_ubc_validate, "shared memory, pages (barrier:limit)"},
	{"NUMPROC", NULL, vz_ubc_validate, "processes and threads (barrier:limit)"},
	{"PHYSPAGES", NULL, vz_ubc_validate, "RAM, pages or a size such as 512M (barrier:limit)"},
	{"VMGUARPAGES", NULL, vz_ubc_validate,
	 "memory allocation guarantee, pages (barrier:limit)"},
	{"OOMGUARPAGES", NULL, vz_ubc_validate, "out-of-memory guarantee, pages (barrier:limit)"},
	{"NUMTCPSOCK", NULL, vz_ubc_validate, "TCP sockets (barrier:limit)"},
	{"NUMFLOCK", NULL, vz_ubc_validate, "file locks (barrier:limit)"},
	{"NUMPTY", NULL, vz_ubc_validate, "pseudo-terminals (barrier:limit)"},
	{"NUMSIGINFO", NULL, vz_ubc_validate, "pending signals (barrier:limit)"},
	{"TCPSNDBUF", NULL, vz_ubc_validate, "TCP send buffers, bytes (barrier:limit)"},
	{"TCPRCVBUF", NULL, vz_ubc_validate, "TCP receive buffers, bytes (barrier:limit)"},
	{"OTHERSOCKBUF", NULL, vz_ubc_validate, "other socket buffers, bytes (barrier:limit)"},
	{"DGRAMRCVBUF", NULL, vz_ubc_validate, "datagram receive buffers, bytes (barrier:limit)"},
	{"NUMOTHERSOCK", NULL, vz_ubc_validate, "non-TCP sockets (barrier:limit)"},
	{"DCACHESIZE", NULL, vz_ubc_validate, "dentry and inode cache, bytes (barrier:limit)"},
	{"NUMFILE", NULL, vz_ubc_validate, "open files (barrier:limit)"},
	{"NUMIPTENT", NULL, vz_ubc_validate, "netfilter rules (barrier:limit)"},
	{"SWAPPAGES", NULL, vz_ubc_validate, "swap, pages or a size such as 1G (barrier:limit)"},
	{"CPUUNITS", NULL, vz_res_validate,
	 "CPU weight against other CTs, 8..500000 (default 1000)"},
	{"CPULIMIT", NULL, vz_res_validate, "CPU time cap in percent of one CPU, 0 for none"},
	{"CPUS", NULL, vz_res_validate, "number of CPUs the CT may use at once, 0 for all"},
	{"CPUMASK", NULL, vz_res_validate, "CPUs the CT may run on, a list such as 0-1,3, or all"},
	{"IOPRIO", NULL, vz_res_validate, "disk I/O priority 0..7 (default 4)"},
	{"IOLIMIT", NULL, vz_res_validate, "disk bandwidth cap in bytes/s, 0 for none"},
	{"IOPSLIMIT", NULL, vz_res_validate, "disk operations cap per second, 0 for none"},
	/* vz.conf */
	{"TEMPLATE", NULL, validate_abs_path, "directory holding OS template caches"},
	{"DEF_OSTEMPLATE", NULL, validate_template, "OS template when create names none"},
	{"CONFIGFILE", NULL, validate_template, "config sample when create names none"},
	{"VE_STOP_TIMEOUT", NULL, validate_timeout, "default STOP_TIMEOUT in seconds"},
	{"CGROUP_PREFIX", NULL, validate_cgroup_prefix, "cgroup directory that holds the CTs"},
	{"UID_RANGE_START", NULL, validate_uid_start, "first host uid handed out to CTs"},
	{"UID_RANGE_SIZE", NULL, validate_uid_size, "number of uids in each CT range"},
	{"VZD_GROUP", NULL, validate_group, "group allowed to talk to vzd"},
	{"NEIGHBOUR_DEVS", NULL, validate_ifnames,
	 "host interfaces that answer ARP/NDP for CT addresses"},
	{NULL, NULL, NULL, NULL},
};

const struct vz_config_key *vz_config_keys(void)
{
	return keys;
}

const struct vz_config_key *vz_config_key_lookup(const char *name)
{
	const struct vz_config_key *k;

	if (!name)
		return NULL;
	for (k = keys; k->name; k++)
		if (streq(k->name, name) || (k->alias && streq(k->alias, name)))
			return k;
	return NULL;
}

/* ---- the line array ---- */

struct vz_config *vz_config_new(void)
{
	return xzalloc(sizeof(struct vz_config));
}

static void line_clear(struct line *l)
{
	free(l->raw);
	free(l->key);
	free(l->value);
	*l = (struct line){0};
}

void vz_config_free(struct vz_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++)
		line_clear(&cfg->lines[i]);
	free(cfg->lines);
	free(cfg);
}

void vz_config_freep(struct vz_config **cfg)
{
	vz_config_free(*cfg);
	*cfg = NULL;
}

/* Takes ownership of the line's strings. */
static void push_line(struct vz_config *cfg, struct line l)
{
	if (cfg->n == cfg->cap) {
		cfg->cap = cfg->cap ? cfg->cap * 2 : 16;
		cfg->lines = xreallocarray(cfg->lines, cfg->cap, sizeof(struct line));
	}
	cfg->lines[cfg->n++] = l;
}

/* Does line l hold key (known keys match by row, so aliases match too)? */
static bool line_matches(const struct line *l, const struct vz_config_key *row, const char *key)
{
	if (!l->key)
		return false;
	return row ? l->row == row : !l->row && streq(l->key, key);
}

/* ---- parsing ---- */

static int parse_dquoted(struct cursor *c, char *out, size_t *len, vz_error_t *err)
{
	for (c->p++; c->p < c->end;) {
		char ch = *c->p++;

		if (ch == '"')
			return 0;
		/* Other backslashes stay literal, as in the shell. */
		if (ch == '\\' && c->p < c->end && strchr(DQ_ESCAPED, *c->p))
			ch = *c->p++;
		out[(*len)++] = ch;
	}
	return vz_error_make(err, VZ_E_SYNTAX, 0, "unterminated double quote");
}

static int parse_squoted(struct cursor *c, char *out, size_t *len, vz_error_t *err)
{
	const char *close = memchr(c->p + 1, '\'', c->end - c->p - 1);

	if (!close)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "unterminated single quote");
	memcpy(out, c->p + 1, close - c->p - 1);
	*len = close - c->p - 1;
	c->p = close + 1;
	return 0;
}

static int parse_bare(struct cursor *c, char *out, size_t *len, vz_error_t *err)
{
	while (c->p < c->end && !is_blank(*c->p)) {
		if (strchr(BARE_SPECIAL, *c->p))
			return vz_error_make(err, VZ_E_SYNTAX, 0,
					     "unquoted '%c' in value (quote the value)", *c->p);
		out[(*len)++] = *c->p++;
	}
	return 0;
}

/* After the value only blanks, optionally followed by a blank and a comment. */
static int parse_trailer(struct cursor *c, vz_error_t *err)
{
	const char *start = c->p;

	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	if (c->p == c->end || (*c->p == '#' && c->p > start))
		return 0;
	return vz_error_make(err, VZ_E_SYNTAX, 0, "unexpected text after value '%.*s'",
			     (int)(c->end - c->p > 32 ? 32 : c->end - c->p), c->p);
}

static char *parse_value(struct cursor *c, vz_error_t *err)
{
	_cleanup_free_ char *out = xmalloc(c->end - c->p + 1);
	size_t len = 0;
	int r;

	if (c->p < c->end && *c->p == '"')
		r = parse_dquoted(c, out, &len, err);
	else if (c->p < c->end && *c->p == '\'')
		r = parse_squoted(c, out, &len, err);
	else
		r = parse_bare(c, out, &len, err);
	if (r < 0 || parse_trailer(c, err) < 0)
		return NULL;
	if (len > VALUE_MAX) {
		(void)vz_error_make(err, VZ_E_SYNTAX, 0, "value longer than %d bytes", VALUE_MAX);
		return NULL;
	}
	out[len] = '\0';
	return steal_ptr(out);
}

/* Parse one line (without its '\n') into l->key and l->value. */
static int parse_line(const char *s, size_t n, struct line *l, vz_error_t *err)
{
	struct cursor c = {s, s + n};
	const char *eq;

	if (memchr(s, '\0', n))
		return vz_error_make(err, VZ_E_SYNTAX, 0, "NUL byte");
	/* Tolerate CRLF files: the '\r' belongs to the line ending. */
	if (c.end > c.p && c.end[-1] == '\r')
		c.end--;
	while (c.p < c.end && is_blank(*c.p))
		c.p++;
	if (c.p == c.end || *c.p == '#')
		return 0;
	eq = memchr(c.p, '=', c.end - c.p);
	if (!eq)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "missing '=' (expected KEY=value)");
	if (!valid_key_name(c.p, eq - c.p))
		return vz_error_make(err, VZ_E_SYNTAX, 0, "invalid key name '%.*s'",
				     (int)(eq - c.p > 64 ? 64 : eq - c.p), c.p);
	l->key = xstrndup(c.p, eq - c.p);
	c.p = eq + 1;
	l->value = parse_value(&c, err);
	if (!l->value)
		return -1;
	l->row = vz_config_key_lookup(l->key);
	if (l->row && l->row->validate(l->key, l->value, err) < 0)
		return -1;
	return 0;
}

struct vz_config *vz_config_parse(const char *text, size_t len, const char *origin, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = vz_config_new();
	unsigned lineno = 0;
	size_t off = 0;

	while (off < len) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		struct line l = {0};

		lineno++;
		if (parse_line(s, n, &l, err) < 0) {
			line_clear(&l);
			(void)vz_error_wrap(err, "config '%s' line %u",
					    origin ? origin : "(string)", lineno);
			return NULL;
		}
		l.raw = xstrndup(s, nl ? n + 1 : n);
		push_line(cfg, l);
		off += nl ? n + 1 : n;
	}
	return steal_ptr(cfg);
}

struct vz_config *vz_config_load(const char *path, vz_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = read_file_at(AT_FDCWD, path, FILE_MAX, &text, &len);
	if (r == -ENOENT) {
		(void)vz_error_make(err, VZ_E_NOCONFIG, -r, "read config '%s'", path);
		return NULL;
	}
	if (r == -EFBIG) {
		(void)vz_error_make(err, VZ_E_SYNTAX, 0, "config '%s': larger than %d bytes", path,
				    FILE_MAX);
		return NULL;
	}
	if (r < 0) {
		(void)vz_error_make(err, VZ_E_SYSTEM, -r, "read config '%s'", path);
		return NULL;
	}
	return vz_config_parse(text, len, path, err);
}

/* ---- access ---- */

static ssize_t find_last(const struct vz_config *cfg, const struct vz_config_key *row,
			 const char *key)
{
	size_t i;

	for (i = cfg->n; i-- > 0;)
		if (line_matches(&cfg->lines[i], row, key))
			return (ssize_t)i;
	return -1;
}

const char *vz_config_get(const struct vz_config *cfg, const char *key)
{
	ssize_t i = find_last(cfg, vz_config_key_lookup(key), key);

	return i < 0 ? NULL : cfg->lines[i].value;
}

bool vz_config_get_bool(const struct vz_config *cfg, const char *key, bool def)
{
	const char *v = vz_config_get(cfg, key);
	bool b;

	if (!v || !bool_from_string(v, &b))
		return def;
	return b;
}

/*
 * "$VEID" is written bare, as OpenVZ writes VE_ROOT="/vz/root/$VEID", so
 * tools that source the file still expand it; every other '$' is escaped.
 */
static bool is_veid_ref(const char *s)
{
	return strncmp(s, "$VEID", 5) == 0 && !is_ident(s[5]);
}

/* KEY="value\n" with the characters special inside double quotes escaped. */
static char *format_line(const char *key, const char *value)
{
	char *buf = xmalloc(strlen(key) + 2 * strlen(value) + 5);
	char *p = stpcpy(buf, key);

	*p++ = '=';
	*p++ = '"';
	for (; *value; value++) {
		if (strchr(DQ_ESCAPED, *value) && !is_veid_ref(value))
			*p++ = '\\';
		*p++ = *value;
	}
	*p++ = '"';
	*p++ = '\n';
	*p = '\0';
	return buf;
}

static int check_value(const struct vz_config_key *row, const char *key, const char *value,
		       vz_error_t *err)
{
	if (strlen(value) > VALUE_MAX)
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: value longer than %d bytes", key,
				     VALUE_MAX);
	/* A line break would end the assignment early: there is no escape for it. */
	if (strchr(value, '\n'))
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: value contains a newline", key);
	if (row)
		return row->validate(key, value, err);
	return 0;
}

/* Delete the lines holding key before index limit. */
static void remove_matches(struct vz_config *cfg, const struct vz_config_key *row, const char *key,
			   size_t limit)
{
	size_t i, j = 0;

	for (i = 0; i < cfg->n; i++) {
		if (i < limit && line_matches(&cfg->lines[i], row, key)) {
			line_clear(&cfg->lines[i]);
			continue;
		}
		cfg->lines[j++] = cfg->lines[i];
	}
	cfg->n = j;
}

/* Takes ownership of l's strings. */
static void append_line(struct vz_config *cfg, struct line l)
{
	/* A last line without '\n' must get one, or the new key would join it. */
	if (cfg->n > 0) {
		struct line *last = &cfg->lines[cfg->n - 1];
		size_t n = strlen(last->raw);

		if (n > 0 && last->raw[n - 1] != '\n') {
			last->raw = xrealloc(last->raw, n + 2);
			memcpy(last->raw + n, "\n", 2);
		}
	}
	push_line(cfg, l);
}

int vz_config_set(struct vz_config *cfg, const char *key, const char *value, vz_error_t *err)
{
	_cleanup_free_ char *name = NULL;
	const struct vz_config_key *row;
	struct line nl, *l;
	ssize_t last;

	if (!valid_key_name(key, strlen(key)))
		return vz_error_make(err, VZ_E_VALUE, 0, "invalid key name '%s'", key);
	row = vz_config_key_lookup(key);
	/* key and value may point into cfg (a foreach callback): copy before freeing lines. */
	name = xstrdup(row ? row->name : key);
	if (value && check_value(row, name, value, err) < 0)
		return -1;
	if (!value) {
		remove_matches(cfg, row, name, cfg->n);
		return 0;
	}
	nl = (struct line){format_line(name, value), xstrdup(name), xstrdup(value), row};
	last = find_last(cfg, row, name);
	if (last < 0) {
		append_line(cfg, nl);
		return 0;
	}
	l = &cfg->lines[last];
	if (streq(l->key, nl.key) && streq(l->value, nl.value)) {
		line_clear(&nl); /* unchanged: keep the line byte for byte */
	} else {
		line_clear(l);
		*l = nl;
	}
	/* Shell semantics made the last one win; earlier copies now go. */
	remove_matches(cfg, row, name, (size_t)last);
	return 0;
}

char *vz_config_format(const struct vz_config *cfg)
{
	size_t i, len = 0;
	char *buf, *p;

	for (i = 0; i < cfg->n; i++)
		len += strlen(cfg->lines[i].raw);
	p = buf = xmalloc(len + 1);
	for (i = 0; i < cfg->n; i++)
		p = stpcpy(p, cfg->lines[i].raw);
	*p = '\0';
	return buf;
}

int vz_config_save(const struct vz_config *cfg, const char *path, vz_error_t *err)
{
	_cleanup_free_ char *text = vz_config_format(cfg);
	int r;

	r = write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644);
	if (r < 0)
		return vz_error_make(err, VZ_E_CONFIG_SAVE, -r, "save config '%s'", path);
	return 0;
}

static const char *line_name(const struct line *l)
{
	return l->row ? l->row->name : l->key;
}

static int cmp_by_name(const void *a, const void *b)
{
	const struct line *la = *(const struct line *const *)a;
	const struct line *lb = *(const struct line *const *)b;
	int r = strcmp(line_name(la), line_name(lb));

	/* Same name: file order, so the last of a run is the one that counts. */
	return r ? r : (la > lb) - (la < lb);
}

/*
 * Mark the lines a later duplicate overrides. Sorting keeps this O(n log n)
 * even for a 1 MiB file made of nothing but duplicates.
 */
static bool *find_shadowed(const struct vz_config *cfg)
{
	_cleanup_free_ const struct line **sorted = xreallocarray(NULL, cfg->n, sizeof(*sorted));
	bool *shadowed = xzalloc(cfg->n * sizeof(bool));
	size_t i, n = 0;

	for (i = 0; i < cfg->n; i++)
		if (cfg->lines[i].key)
			sorted[n++] = &cfg->lines[i];
	qsort(sorted, n, sizeof(*sorted), cmp_by_name);
	for (i = 0; i + 1 < n; i++)
		if (streq(line_name(sorted[i]), line_name(sorted[i + 1])))
			shadowed[sorted[i] - cfg->lines] = true;
	return shadowed;
}

int vz_config_foreach(const struct vz_config *cfg,
		      int (*fn)(const char *key, const char *value, void *data), void *data)
{
	_cleanup_free_ bool *shadowed = find_shadowed(cfg);
	size_t i;

	for (i = 0; i < cfg->n; i++) {
		const struct line *l = &cfg->lines[i];
		int r;

		if (!l->key || shadowed[i])
			continue;
		r = fn(line_name(l), l->value, data);
		if (r)
			return r;
	}
	return 0;
}
