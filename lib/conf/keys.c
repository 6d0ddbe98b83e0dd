/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The keys of ctid.conf and vz.conf: one row per key with its validator
 * (STYLE rule 25), and the constructors that bind this table to a config.
 * The file engine below (config.c) knows no key; it checks values through
 * whatever table its config carries. Validators of resource and network
 * keys live with their modules (lib/res, lib/net), which use the engine
 * only, never this table, so the modules stay in layers:
 *
 *   keys.c  ->  res/ubc.c, res/cpuio.c, net/netif.c  ->  config.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/config.h"
#include "conf/internal.h"
#include "net/netif.h"
#include "res/cpuio.h"
#include "res/capability.h"
#include "res/devices.h"
#include "res/disk.h"
#include "res/features.h"
#include "res/ubc.h"
#include "util/macros.h"

#define DESCRIPTION_MAX 1024
#define SECONDS_MAX 3600
#define UID_RANGE_MIN 65536
#define UID_MAX_ID 4294967295ULL /* (uid_t)-1 is reserved */

/* ---- validators ---- */

static int invalid(vz_error_t *err, const char *key, const char *what, const char *value)
{
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: invalid %s '%s'", key, what, value);
}

/* First character alphanumeric, the rest alphanumeric or from extra. */
static bool valid_name(const char *s, size_t max, const char *extra)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max || !conf_is_alnum(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!conf_is_alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static int validate_template(const char *key, const char *value, vz_error_t *err)
{
	if (!valid_name(value, 128, "._+-") || strstr(value, ".."))
		return invalid(err, key, "template name", value);
	return 0;
}

/*
 * Layouts of a private area: OpenVZ's simfs (a directory) and ploop (an
 * image), and overlay (a CT's layer over a shared template tree). Which
 * ones this host can run is lib/storage's to say, at start.
 */
static int validate_layout(const char *key, const char *value, vz_error_t *err)
{
	if (!streq(value, "simfs") && !streq(value, "ploop") && !streq(value, "overlay"))
		return invalid(err, key, "layout (simfs, overlay or ploop)", value);
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
			if (!conf_is_alnum(s[i]) && s[i] != '-')
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
		if (!allow_veid || strncmp(s + i, "$VEID", 5) != 0 || conf_is_ident(s[i + 5]))
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
	if (!allow_prefix || !conf_parse_dec(slash + 1, n - alen - 1, &prefix))
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

/* An image server: host[:port][/path], or an http(s) URL; no blanks or quotes. */
static int validate_server(const char *key, const char *value, vz_error_t *err)
{
	const char *rest = value;

	if (strncmp(value, "https://", 8) == 0)
		rest = value + 8;
	else if (strncmp(value, "http://", 7) == 0)
		rest = value + 7;
	else if (strstr(value, "://"))
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: '%s': only http and https servers",
				     key, value);
	if (!*rest || (!isalnum((unsigned char)*rest) && *rest != '[') || strlen(value) > 1024)
		goto bad;
	for (const char *p = rest; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:/[]~%+", *p))
			goto bad;
	return 0;
bad:
	return vz_error_make(err, VZ_E_VALUE, 0, "%s: '%s' is not a server address or URL", key,
			     value);
}

static int validate_uid_range(const char *key, const char *value, vz_error_t *err)
{
	const char *colon = strchr(value, ':');
	uint64_t base, count;

	if (!colon || !conf_parse_dec(value, colon - value, &base) ||
	    !conf_parse_dec(colon + 1, strlen(colon + 1), &count))
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

	if (!conf_parse_dec(value, strlen(value), &v) || v < min || v > max)
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
		if (!conf_is_alnum(value[i]) && !strchr("._-", value[i]))
			return invalid(err, key, "cgroup name", value);
	return 0;
}

static int validate_group(const char *key, const char *value, vz_error_t *err)
{
	size_t i, n = strlen(value);

	if (n == 0 || n > 32 || !((value[0] >= 'a' && value[0] <= 'z') || value[0] == '_'))
		return invalid(err, key, "group name", value);
	for (i = 1; i < n; i++)
		if (!(value[i] >= 'a' && value[i] <= 'z') && !conf_is_digit(value[i]) &&
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

/* What a CT sees at /sys/fs/cgroup on a v1 or hybrid host (lib/ct/cgview.c). */
static int validate_cgroup_view(const char *key, const char *value, vz_error_t *err)
{
	if (!streq(value, "auto") && !streq(value, "hybrid") && !streq(value, "unified"))
		return invalid(err, key, "cgroup view (auto, hybrid or unified)", value);
	return 0;
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
	{"VE_LAYOUT", NULL, validate_layout,
	 "layout of the private area: simfs (a directory) or overlay (a layer over the template); "
	 "in vz.conf, that of new CTs"},
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
	{"CAPABILITY", NULL, vz_capability_validate,
	 "capabilities the CT goes without (NAME:off) or keeps (NAME:on), as the kernel names "
	 "them without CAP_; applies at the next start"},
	{"FEATURES", NULL, vz_features_validate,
	 "what the CT may use beyond the default, name:on or name:off (io_uring); applies at "
	 "the next start"},
	{"DEVNODES", NULL, vz_devices_validate,
	 "nodes of the host's /dev the CT gets in its own and may open: NAME:r|w|rw|none "
	 "(net/tun:rw fuse:rw)"},
	{"DEVICES", NULL, vz_devices_validate,
	 "devices the CT may open, without a node made: b|c:MAJOR:MINOR|all:r|w|rw|none "
	 "(c:10:200:rw)"},
	{"CGROUP_VIEW", NULL, validate_cgroup_view,
	 "what the CT sees at /sys/fs/cgroup on a cgroup v1 host: auto, hybrid (each "
	 "hierarchy, read-only) or unified (its cgroup2 group); in vz.conf, the default"},
	/* ctid.conf: resources (lib/res/ubc.c, lib/res/cpuio.c) */
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
	{"DISKSPACE", NULL, vz_disk_validate,
	 "disk space, KiB or a size such as 10G (soft:hard; the CT's own disk image)"},
	{"DISKINODES", NULL, vz_disk_validate, "files and directories (soft:hard)"},
	{"QUOTATIME", NULL, vz_disk_validate,
	 "seconds a CT may stay above a soft disk limit before it is enforced"},
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
	{"ACTION_SCRIPT_TIMEOUT", NULL, validate_timeout,
	 "seconds an action script may run before it is killed"},
	{"CGROUP_PREFIX", NULL, validate_cgroup_prefix, "cgroup directory that holds the CTs"},
	{"UID_RANGE_START", NULL, validate_uid_start, "first host uid handed out to CTs"},
	{"UID_RANGE_SIZE", NULL, validate_uid_size, "number of uids in each CT range"},
	{"VZD_GROUP", NULL, validate_group, "group allowed to talk to vzd"},
	{"NEIGHBOUR_DEVS", NULL, validate_ifnames,
	 "host interfaces that answer ARP/NDP for CT addresses"},
	{"TEMPLATE_SERVER", NULL, validate_server,
	 "image server templates are downloaded from (https unless a URL says otherwise)"},
	{"TEMPLATE_SERVER_CA", NULL, validate_abs_path,
	 "CA bundle (PEM) that the image server's certificate is checked against"},
	{NULL, NULL, NULL, NULL},
};

const struct vz_config_key *vz_config_keys(void)
{
	return keys;
}

const struct vz_config_key *vz_config_key_lookup(const char *name)
{
	return vz_config_key_find(keys, name);
}

struct vz_config *vz_config_new(void)
{
	return vz_config_new_with(keys);
}

struct vz_config *vz_config_parse(const char *text, size_t len, const char *origin, vz_error_t *err)
{
	return vz_config_parse_with(keys, text, len, origin, err);
}

struct vz_config *vz_config_load(const char *path, vz_error_t *err)
{
	return vz_config_load_with(keys, path, err);
}
