/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for lib/conf: the engine (config.c: parsing, rewriting, value
 * parsers, other schemas) and the ctid.conf/vz.conf key table (keys.c).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define S16 "aaaaaaaaaaaaaaaa"
#define S64 S16 S16 S16 S16
#define S128 S64 S64
#define S1024 S128 S128 S128 S128 S128 S128 S128 S128
#define LABEL63 S16 S16 S16 "aaaaaaaaaaaaaaa"
#define LABEL61 S16 S16 S16 "aaaaaaaaaaaaa"
#define HOST253 LABEL63 "." LABEL63 "." LABEL63 "." LABEL61
#define GROUP32 "a" S16 "aaaaaaaaaaaaaaa"

static void assert_error(vz_error_t err, int code, const char *fragment)
{
	assert_non_null(err);
	if (!strstr(err->msg, fragment))
		fail_msg("message '%s' lacks '%s'", err->msg, fragment);
	assert_int_equal(err->code, code);
}

static struct vz_config *parse_ok(const char *text)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_config *cfg = vz_config_parse(text, strlen(text), "test.conf", &err);

	if (!cfg)
		fail_msg("parse failed: %s", err->msg);
	assert_null(err);
	return cfg;
}

static void assert_format(const struct vz_config *cfg, const char *want)
{
	_cleanup_free_ char *text = vz_config_format(cfg);

	assert_string_equal(text, want);
}

static void test_roundtrip_preserves_bytes(void **state)
{
	static const char text[] = "# OpenVZ CT config\n"
				   "#  two comment lines, odd spacing kept\n"
				   "\n"
				   "ONBOOT=\"yes\"\n"
				   "HOSTNAME=ct101.example.com\n"
				   "   LEADING=\"spaces\"   # and a comment\n"
				   "UNKNOWN_KEY='kept $as `is`'\n"
				   "\tTABBED=\"x\"\n"
				   "PHYSPAGES=\"0:65536\"\n"
				   "CRLF=\"yes\"\r\n"
				   "   \n"
				   "# last line has no newline";
	_cleanup_config_ struct vz_config *cfg = parse_ok(text);

	assert_format(cfg, text);
	assert_string_equal(vz_config_get(cfg, "ONBOOT"), "yes");
	assert_string_equal(vz_config_get(cfg, "HOSTNAME"), "ct101.example.com");
	assert_string_equal(vz_config_get(cfg, "LEADING"), "spaces");
	assert_string_equal(vz_config_get(cfg, "UNKNOWN_KEY"), "kept $as `is`");
	assert_string_equal(vz_config_get(cfg, "TABBED"), "x");
	assert_string_equal(vz_config_get(cfg, "CRLF"), "yes");
	assert_null(vz_config_get(cfg, "NOT_THERE"));
}

static void test_empty(void **state)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_config_ struct vz_config *cfg = vz_config_parse(NULL, 0, "empty", &err);

	assert_non_null(cfg);
	assert_format(cfg, "");
	assert_int_equal(vz_config_set(cfg, "A", "1", &err), 0);
	assert_format(cfg, "A=\"1\"\n");
}

static void test_parse_values(void **state)
{
	static const struct {
		const char *line;
		const char *value;
	} cases[] = {
		{"A=plain", "plain"},
		{"A=\"double quoted\"", "double quoted"},
		{"A='single $HOME \"x\" \\'", "single $HOME \"x\" \\"},
		{"A=\"esc \\\" \\\\ \\$ \\`\"", "esc \" \\ $ `"},
		{"A=\"keep \\n \\a\"", "keep \\n \\a"},
		{"A=\"$HOME `id` $(id)\"", "$HOME `id` $(id)"},
		{"A=", ""},
		{"A=\"\"", ""},
		{"A=''", ""},
		{"A= # comment", ""},
		{"  A=\"x\"   # comment", "x"},
		{"\tA=x # c", "x"},
		{"A='x'\t#c", "x"},
		{"A=x#y", "x#y"},
		{"A=#notcomment", "#notcomment"},
		{"A=\"x\" ", "x"},
		{"A=\"x\"\r", "x"},
		{"A=x\r", "x"},
		{"A=/vz/root/$VEID", "/vz/root/$VEID"},
		{"A=\"a'b\"", "a'b"},
		{"A='a\"b'", "a\"b"},
		{"A=\"a=b=c\"", "a=b=c"},
		{"A=\"\xc3\xa4\"", "\xc3\xa4"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_config_ struct vz_config *cfg = parse_ok(cases[i].line);
		const char *v = vz_config_get(cfg, "A");

		if (!v || !streq(v, cases[i].value))
			fail_msg("'%s' gave '%s', want '%s'", cases[i].line, v ? v : "(null)",
				 cases[i].value);
		assert_format(cfg, cases[i].line);
	}
}

static void check_malformed(const char *text, size_t len, int code, const char *fragment)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_config *cfg = vz_config_parse(text, len, "test.conf", &err);

	if (cfg)
		fail_msg("'%s' parsed", text);
	assert_error(err, code, fragment);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *fragment;
		int code;
	} cases[] = {
		{"A=1\nB=\"abc\n", "line 2: unterminated double quote", VZ_E_SYNTAX},
		{"A=1\n\nB='abc\n", "line 3: unterminated single quote", VZ_E_SYNTAX},
		{"A=\"abc\\\"\n", "line 1: unterminated double quote", VZ_E_SYNTAX},
		{"A=1\njust words\n", "line 2: missing '='", VZ_E_SYNTAX},
		{"# c\nA\n", "line 2: missing '='", VZ_E_SYNTAX},
		{"lower=1\n", "line 1: invalid key name 'lower'", VZ_E_SYNTAX},
		{"A=1\n1KEY=1\n", "line 2: invalid key name '1KEY'", VZ_E_SYNTAX},
		{"A=1\nKEY =1\n", "line 2: invalid key name 'KEY '", VZ_E_SYNTAX},
		{"export KEY=1\n", "line 1: invalid key name 'export KEY'", VZ_E_SYNTAX},
		{"=1\n", "line 1: invalid key name ''", VZ_E_SYNTAX},
		{"A-B=1\n", "line 1: invalid key name 'A-B'", VZ_E_SYNTAX},
		{"A=\"x\"y\n", "line 1: unexpected text after value 'y'", VZ_E_SYNTAX},
		{"A=\"x\"#c\n", "line 1: unexpected text after value '#c'", VZ_E_SYNTAX},
		{"A=1\nB=x y\n", "line 2: unexpected text after value 'y'", VZ_E_SYNTAX},
		{"A='x' 'y'\n", "line 1: unexpected text after value", VZ_E_SYNTAX},
		{"A= x\n", "line 1: unexpected text after value 'x'", VZ_E_SYNTAX},
		{"A=a\"b\"\n", "line 1: unquoted '\"' in value", VZ_E_SYNTAX},
		{"A=a'b'\n", "line 1: unquoted ''' in value", VZ_E_SYNTAX},
		{"A=a;b\n", "line 1: unquoted ';' in value", VZ_E_SYNTAX},
		{"A=a|b\n", "line 1: unquoted '|' in value", VZ_E_SYNTAX},
		{"A=a\\ b\n", "line 1: unquoted '\\' in value", VZ_E_SYNTAX},
		{"A=1\nHOSTNAME=\"bad_host\"\n", "line 2: HOSTNAME: invalid host name 'bad_host'",
		 VZ_E_VALUE},
		{"ONBOOT=maybe", "line 1: ONBOOT: invalid boolean 'maybe'", VZ_E_VALUE},
	};
	static const char nul[] = "A=1\nB=x\0y\n";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_malformed(cases[i].text, strlen(cases[i].text), cases[i].code,
				cases[i].fragment);
	check_malformed(nul, sizeof(nul) - 1, VZ_E_SYNTAX, "config 'test.conf' line 2: NUL byte");
	check_malformed("# x\0", 4, VZ_E_SYNTAX, "line 1: NUL byte");
}

static void test_value_length(void **state)
{
	static const char v4096[] = S1024 S1024 S1024 S1024;
	_cleanup_free_ char *ok = xasprintf("A=1\nB=\"%s\"\nC=%s\n", v4096, v4096);
	_cleanup_free_ char *dq = xasprintf("A=1\nB=\"%sa\"\n", v4096);
	_cleanup_free_ char *bare = xasprintf("A=1\n\nB=%sa\n", v4096);
	_cleanup_config_ struct vz_config *cfg = parse_ok(ok);

	assert_int_equal(strlen(vz_config_get(cfg, "B")), 4096);
	assert_int_equal(strlen(vz_config_get(cfg, "C")), 4096);
	check_malformed(dq, strlen(dq), VZ_E_SYNTAX, "line 2: value longer than 4096 bytes");
	check_malformed(bare, strlen(bare), VZ_E_SYNTAX, "line 3: value longer than 4096 bytes");
}

/* Escaping makes the raw text longer than 4096 bytes; the decoded value counts. */
static void test_escaped_value_length(void **state)
{
	_cleanup_free_ char *value = xasprintf("%.4095s$", S1024 S1024 S1024 S1024);
	_cleanup_config_ struct vz_config *cfg = vz_config_new(), *back = NULL;
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *text = NULL;

	assert_int_equal(strlen(value), 4096);
	assert_int_equal(vz_config_set(cfg, "D", value, &err), 0);
	text = vz_config_format(cfg);
	assert_int_equal(strlen(text), 4096 + 6);
	back = parse_ok(text);
	assert_string_equal(vz_config_get(back, "D"), value);
}

static void test_set_in_place_and_append(void **state)
{
	_cleanup_config_ struct vz_config *cfg = parse_ok("# head\n"
							  "HOSTNAME=old.example.com  # old\n"
							  "UNKNOWN='x'\n"
							  "# tail");
	_cleanup_error_ vz_error_t err = NULL;

	assert_int_equal(vz_config_set(cfg, "HOSTNAME", "new.example.com", &err), 0);
	assert_format(cfg, "# head\n"
			   "HOSTNAME=\"new.example.com\"\n"
			   "UNKNOWN='x'\n"
			   "# tail");
	assert_int_equal(vz_config_set(cfg, "NEW_KEY", "v", &err), 0);
	assert_format(cfg, "# head\n"
			   "HOSTNAME=\"new.example.com\"\n"
			   "UNKNOWN='x'\n"
			   "# tail\n"
			   "NEW_KEY=\"v\"\n");
	/* Setting the value a line already has leaves its bytes alone. */
	assert_int_equal(vz_config_set(cfg, "UNKNOWN", "x", &err), 0);
	assert_int_equal(vz_config_set(cfg, "UNKNOWN", "y", &err), 0);
	assert_format(cfg, "# head\n"
			   "HOSTNAME=\"new.example.com\"\n"
			   "UNKNOWN=\"y\"\n"
			   "# tail\n"
			   "NEW_KEY=\"v\"\n");
	assert_string_equal(vz_config_get(cfg, "NEW_KEY"), "v");
	assert_null(err);
}

static void test_remove(void **state)
{
	_cleanup_config_ struct vz_config *cfg = parse_ok("A=1\n# keep\nB=2\nC=3\n");
	_cleanup_error_ vz_error_t err = NULL;

	assert_int_equal(vz_config_set(cfg, "B", NULL, &err), 0);
	assert_format(cfg, "A=1\n# keep\nC=3\n");
	assert_null(vz_config_get(cfg, "B"));
	assert_int_equal(vz_config_set(cfg, "NOT_THERE", NULL, &err), 0);
	assert_int_equal(vz_config_set(cfg, "A", NULL, &err), 0);
	assert_int_equal(vz_config_set(cfg, "C", NULL, &err), 0);
	assert_format(cfg, "# keep\n");
	assert_null(err);
}

static void test_duplicates(void **state)
{
	_cleanup_config_ struct vz_config *cfg = parse_ok("A=1\n# mid\nA=2\nB=x\nA=3\n");
	_cleanup_config_ struct vz_config *cfg2 = parse_ok("A=1\nA='2' # c\n");
	_cleanup_error_ vz_error_t err = NULL;

	assert_string_equal(vz_config_get(cfg, "A"), "3");
	assert_int_equal(vz_config_set(cfg, "A", "4", &err), 0);
	assert_format(cfg, "# mid\nB=x\nA=\"4\"\n");
	assert_int_equal(vz_config_set(cfg, "A", NULL, &err), 0);
	assert_format(cfg, "# mid\nB=x\n");

	/* The earlier copy goes even when the last one keeps its bytes. */
	assert_int_equal(vz_config_set(cfg2, "A", "2", &err), 0);
	assert_format(cfg2, "A='2' # c\n");
	assert_null(err);
}

static const char *const tricky_values[] = {
	"say \"hi\"",
	"$HOME",
	"${HOME}",
	"`id`",
	"$(reboot)",
	"back\\slash",
	"\\$",
	"\\\"",
	"trailing backslash \\",
	"it's",
	"# not a comment",
	"  spaces  ",
	"",
	"a\tb",
	"semi;colon | pipe & amp",
	"\xc3\xa4\xe2\x82\xac",
	"cr\r",
};

static void test_quoting_roundtrip(void **state)
{
	_cleanup_config_ struct vz_config *cfg = vz_config_new();
	_cleanup_error_ vz_error_t err = NULL;
	size_t i;

	assert_int_equal(vz_config_set(cfg, "X", "a\"b$c`d\\e", &err), 0);
	assert_format(cfg, "X=\"a\\\"b\\$c\\`d\\\\e\"\n");
	for (i = 0; i < ARRAY_SIZE(tricky_values); i++) {
		_cleanup_config_ struct vz_config *back = NULL;
		_cleanup_free_ char *text = NULL, *again = NULL;

		assert_int_equal(vz_config_set(cfg, "X", tricky_values[i], &err), 0);
		text = vz_config_format(cfg);
		back = parse_ok(text);
		if (!streq(vz_config_get(back, "X"), tricky_values[i]))
			fail_msg("'%s' came back as '%s'", tricky_values[i],
				 vz_config_get(back, "X"));
		again = vz_config_format(back);
		assert_string_equal(again, text);
	}
	assert_null(err);
}

static void test_set_rejects(void **state)
{
	static const char v4097[] = S1024 S1024 S1024 S1024 "a";
	static const char text[] = "HOSTNAME=ok.example.com\n";
	_cleanup_config_ struct vz_config *cfg = parse_ok(text);
	_cleanup_error_ vz_error_t err = NULL;

	assert_int_equal(vz_config_set(cfg, "lower", "x", &err), -1);
	assert_error(err, VZ_E_VALUE, "invalid key name 'lower'");
	vz_error_release(&err);
	assert_int_equal(vz_config_set(cfg, "", "x", &err), -1);
	assert_error(err, VZ_E_VALUE, "invalid key name ''");
	vz_error_release(&err);
	assert_int_equal(vz_config_set(cfg, "HOSTNAME", "bad_host", &err), -1);
	assert_error(err, VZ_E_VALUE, "HOSTNAME: invalid host name 'bad_host'");
	vz_error_release(&err);
	assert_int_equal(vz_config_set(cfg, "X", "a\nb", &err), -1);
	assert_error(err, VZ_E_VALUE, "X: value contains a newline");
	vz_error_release(&err);
	assert_int_equal(vz_config_set(cfg, "X", v4097, &err), -1);
	assert_error(err, VZ_E_VALUE, "X: value longer than 4096 bytes");
	vz_error_release(&err);
	assert_format(cfg, text);
}

static int collect(const char *key, const char *value, void *data)
{
	char **acc = data;
	char *next = xasprintf("%s%s=%s;", *acc, key, value);

	free(*acc);
	*acc = next;
	return streq(key, "STOP") ? 42 : 0;
}

static void test_foreach(void **state)
{
	_cleanup_config_ struct vz_config *cfg = parse_ok("# c\nB=1\nA=x\nB=2\nC=3\n");
	_cleanup_config_ struct vz_config *stop = parse_ok("A=1\nSTOP=y\nC=3\n");
	_cleanup_free_ char *acc = xstrdup("");

	assert_int_equal(vz_config_foreach(cfg, collect, &acc), 0);
	assert_string_equal(acc, "A=x;B=2;C=3;");
	free(acc);
	acc = xstrdup("");
	assert_int_equal(vz_config_foreach(stop, collect, &acc), 42);
	assert_string_equal(acc, "A=1;STOP=y;");
}

static int grab_key(const char *key, const char *value, void *data)
{
	*(const char **)data = key;
	return 1;
}

/* Regression: key and value may be the config's own strings (ASan watches). */
static void test_set_with_own_strings(void **state)
{
	_cleanup_config_ struct vz_config *cfg = parse_ok("CUSTOM=1\n");
	_cleanup_error_ vz_error_t err = NULL;
	const char *key = NULL;

	assert_int_equal(vz_config_foreach(cfg, grab_key, &key), 1);
	assert_int_equal(vz_config_set(cfg, key, "2", &err), 0);
	assert_format(cfg, "CUSTOM=\"2\"\n");
	assert_int_equal(vz_config_foreach(cfg, grab_key, &key), 1);
	assert_int_equal(vz_config_set(cfg, "OTHER", vz_config_get(cfg, key), &err), 0);
	assert_int_equal(vz_config_set(cfg, key, NULL, &err), 0);
	assert_format(cfg, "OTHER=\"2\"\n");
	assert_null(err);
}

/*
 * Good and bad sample values for every key in the library table. A key added
 * to the table without a row here fails test_table_walk.
 */
struct sample {
	const char *name;
	const char *good[8];
	const char *bad[20];
};

#define BOOL_SAMPLES                                           \
	{"yes", "no", "TRUE", "false", "On", "off", "1", "0"}, \
	{                                                      \
		"", "maybe", "yes ", "2", "y"                  \
	}
#define TEMPLATE_SAMPLES                                                                     \
	{"debian-12-x86_64", "centos-7-x86_64-minimal", "a", "ubuntu-22.04+ext_1", S128},    \
	{                                                                                    \
		"", "../etc", "a..b", "-debian", ".hidden", "debian 12", "deb/ian", S128 "a" \
	}
#define CT_PATH_SAMPLES                                                                            \
	{"/vz/root/$VEID", "/var/lib/vz/root/$VEID", "/srv/$VEID/root", "/vz/root/101",            \
	 "/vz/$VEID.d"},                                                                           \
	{                                                                                          \
		"", "vz/root", "/vz/../etc", "/", "/./", "/vz/$HOME", "/vz/$VEIDX", "/vz/${VEID}", \
			"/vz/\x01", "/vz/..", "$VEID"                                              \
	}
#define TIMEOUT_SAMPLES                                                       \
	{"1", "60", "3600"},                                                  \
	{                                                                     \
		"", "0", "3601", "-1", "10s", " 5", "99999999999999999999999" \
	}

#define PAGES_SAMPLES                                                                         \
	{"0:262144", "262144",	    "unlimited",	  "0:512M",                           \
	 "1G:2G",    "0:unlimited", "9223372036854775807"},                                   \
	{                                                                                     \
		"", "-5", "1:", ":1", "2:1", "512Q", "1:2:3", "9223372036854775808", "12 34", \
			"0x10", "1.5G", "18446744073709551616"                                \
	}
#define ITEMS_SAMPLES                                                             \
	{"64", "0:64", "100:200", "unlimited", "9223372036854775807"},            \
	{                                                                         \
		"", "-1", "64K", "200:100", "1:2:3", "abc", "9223372036854775808" \
	}

static const struct sample samples[] = {
	{"OSTEMPLATE", TEMPLATE_SAMPLES},
	{"HOSTNAME",
	 {"ct101", "web-1.example.com", "a", "xn--bcher-kva.example", "1.2.3.4", HOST253},
	 {"", "-web", "web-", "a..b", "web_1", "a.", ".a", LABEL63 "a.com", HOST253 "a", "a b"}},
	{"ONBOOT", BOOL_SAMPLES},
	{"NAME",
	 {"web", "web01", "my.ct-1_a", "1a", S64},
	 {"", "123", "-web", ".web", "web ct", "web/ct", "web+1", S64 "a"}},
	{"DESCRIPTION",
	 {"", "My web server",
	  "Gr\xc3\xbc\xc3\x9f"
	  "e, \xe6\x97\xa5\xe6\x9c\xac",
	  "quotes \" and $HOME", S1024, "\xf0\x9f\x90\xa7"},
	 {"line\nbreak", "tab\there", "\x7f", "\xc2\x85", "\xff", "\xc0\xaf", "\xed\xa0\x80",
	  "\xe6\x97", "\xf4\x90\x80\x80", S1024 "a"}},
	{"VE_ROOT", CT_PATH_SAMPLES},
	{"VE_PRIVATE", CT_PATH_SAMPLES},
	{"VE_LAYOUT", {"simfs", "ploop"}, {"", "dir", "SIMFS", "simfs ", "ploop/x"}},
	{"ORIGIN_SAMPLE", TEMPLATE_SAMPLES},
	{"IP_ADDRESS",
	 {"", "10.0.0.2", "10.0.0.2 10.0.0.3/24", "fd00::2/64  192.168.1.1", "::ffff:10.0.0.1",
	  "10.0.0.1/0", "fd00::1/128"},
	 {"10.0.0.256",	  "10.0.0.1/33", "fd00::/129", "10.0.0",	"host.example",
	  "10.0.0.1/",	  "10.0.0.1/-1", "/24",	       "10.0.0.1/24/2", "1.2.3.4 nope",
	  "fe80::1%eth0", "127.0.0.1",	 "0.0.0.0",    "224.0.0.1",	"255.255.255.255",
	  "169.254.0.1",  "::",		 "::1",	       "ff02::1",	"fe80::5"}},
	{"NETIF",
	 {"", "ifname=eth0", "ifname=eth0,mac=02:00:00:00:00:01,host_ifname=veth101.0,bridge=br0",
	  "ifname=eth0;ifname=eth1,bridge=br1"},
	 {"eth0", "ifname=", "mac=02:00:00:00:00:01", "ifname=eth0,mac=zz",
	  "ifname=eth0;ifname=eth0", "ifname=eth0,color=red", "ifname=aaaaaaaaaaaaaaaa",
	  "ifname=eth0,mac=01:00:00:00:00:01"}},
	{"NAMESERVER",
	 {"", "8.8.8.8", "8.8.8.8 2001:4860:4860::8888"},
	 {"8.8.8.8/32", "dns.google", "1.2.3", "8.8.8.8,8.8.4.4"}},
	{"SEARCHDOMAIN",
	 {"", "example.com", "example.com corp.example.org"},
	 {"exa_mple.com", "-bad.com", "a..b", "ok.com bad_one"}},
	{"UID_RANGE",
	 {"100000:65536", "1:65536", "4294901759:65536", "200000:1000000"},
	 {"", "100000", "0:65536", "100000:65535", "4294901760:65536", "-1:65536", "100000:65536:1",
	  "a:b", "18446744073709551616:65536", ":65536", "100000:", "1: 65536"}},
	{"STOP_TIMEOUT", TIMEOUT_SAMPLES},
	{"DISABLED", BOOL_SAMPLES},
	{"CAPABILITY",
	 {"", "NET_RAW:off", "chown:off net_admin:on", "CAP_SYS_NICE:off", "SYS_TIME:off"},
	 {"NET_RAW", "net_raw:yes", "WARP_DRIVE:off", "SYS_MODULE:on", "sys_time:on",
	  "chown:off CHOWN:on"}},
	{"FEATURES",
	 {"", "io_uring:on", "io_uring:off", "sysfs:on nfs:on io_uring:off"},
	 {"io_uring", "io_uring:yes", "kvm:on", "io_uring:on io_uring:on", ":on"}},
	{"DEVNODES",
	 {"", "net/tun:rw", "fuse:r net/tun:none", "dri/card0:w", "a.b+c_d-e:wr"},
	 {"net/tun", "net/tun:rwm", "fuse:rwq", "../x:rw", "/dev/fuse:rw", "net//tun:rw",
	  "net/tun/:rw", "net/../x:rw", "pts/0:rw", "null:rw", "vz/x:rw", "fuse:rw fuse:r",
	  "a b:rw"}},
	{"DEVICES",
	 {"", "c:10:200:rw", "b:8:0:r c:10:all:w", "c:4095:1048575:none", "c:0:0:r"},
	 {"c:10:200", "x:10:200:rw", "c:4096:0:rw", "c:1:1048576:rw", "c:-1:0:rw", "c:10:all",
	  "c:a:1:rw", "c:10:200:q", "c:10:200:rw c:10:200:r", "c:10:200:rw:r", "c::1:rw",
	  "c:010:200:rw", "c:10:00:rw"}},
	{"CGROUP_VIEW",
	 {"auto", "hybrid", "unified"},
	 {"", "legacy", "Hybrid", "v1", "hybrid ", "auto,unified"}},
	{"KMEMSIZE", PAGES_SAMPLES},
	{"LOCKEDPAGES", PAGES_SAMPLES},
	{"PRIVVMPAGES", PAGES_SAMPLES},
	{"SHMPAGES", PAGES_SAMPLES},
	{"PHYSPAGES", PAGES_SAMPLES},
	{"VMGUARPAGES", PAGES_SAMPLES},
	{"OOMGUARPAGES", PAGES_SAMPLES},
	{"TCPSNDBUF", PAGES_SAMPLES},
	{"TCPRCVBUF", PAGES_SAMPLES},
	{"OTHERSOCKBUF", PAGES_SAMPLES},
	{"DGRAMRCVBUF", PAGES_SAMPLES},
	{"DCACHESIZE", PAGES_SAMPLES},
	{"SWAPPAGES", PAGES_SAMPLES},
	{"NUMPROC", ITEMS_SAMPLES},
	{"NUMTCPSOCK", ITEMS_SAMPLES},
	{"NUMFLOCK", ITEMS_SAMPLES},
	{"NUMPTY", ITEMS_SAMPLES},
	{"NUMSIGINFO", ITEMS_SAMPLES},
	{"NUMOTHERSOCK", ITEMS_SAMPLES},
	{"NUMFILE", ITEMS_SAMPLES},
	{"NUMIPTENT", ITEMS_SAMPLES},
	{"CPUUNITS", {"8", "1000", "500000"}, {"", "0", "7", "500001", "-5", "1k", "1000 "}},
	{"CPULIMIT",
	 {"0", "50", "150%", "409600"},
	 {"", "-1", "50%%", "%", "1000m", "409601", "5.5"}},
	{"CPUS", {"0", "1", "4096", "unlimited"}, {"", "-1", "4097", "one", "2.5"}},
	{"CPUMASK",
	 {"all", "0", "0-1", "0-1,3", "4095"},
	 {"", "1-0", "0,", ",0", "0--1", "a", "4096", "0-4096", "-1"}},
	{"IOPRIO", {"0", "4", "7"}, {"", "8", "-1", "high"}},
	{"IOLIMIT",
	 {"0", "10485760", "10M", "1G", "unlimited"},
	 {"", "-1", "10Q", "1.5M", "18446744073709551615"}},
	{"IOPSLIMIT", {"0", "100", "4294967295", "unlimited"}, {"", "-1", "1k", "4294967296"}},
	{"DISKSPACE",
	 {"1048576", "1048576:1153434", "10G", "10G:11G", "unlimited", "1G:unlimited"},
	 {"", "-1", "10Q", "2G:1G", "1.5G", ":", "1G:", "18446744073709551615"}},
	{"DISKINODES", {"200000", "200000:220000", "unlimited"}, {"", "10K", "2:1", "x", "-5"}},
	{"QUOTATIME", {"0", "3600"}, {"", "-1", "1h", "9999999999"}},
	{"TEMPLATE",
	 {"/vz/template", "/var/lib/vz/template/"},
	 {"", "template", "/vz/$VEID/t", "/vz/../t", "/", "/vz/\n"}},
	{"DEF_OSTEMPLATE", TEMPLATE_SAMPLES},
	{"CONFIGFILE", TEMPLATE_SAMPLES},
	{"VE_STOP_TIMEOUT", TIMEOUT_SAMPLES},
	{"ACTION_SCRIPT_TIMEOUT", TIMEOUT_SAMPLES},
	{"CGROUP_PREFIX",
	 {"vz", "machine.slice", "vz-ct_1", S64},
	 {"", ".", "..", "a/b", S64 "a", "a b", "vz:1"}},
	{"UID_RANGE_START",
	 {"1", "100000", "4294901759"},
	 {"0", "", "4294901760", "x", "-1", "+1"}},
	{"UID_RANGE_SIZE",
	 {"65536", "1000000", "4294967294"},
	 {"65535", "0", "4294967295", "", "64k"}},
	{"NEIGHBOUR_DEVS",
	 {"", "eth0", "eth0 bond0.100", "en-p1s0_x"},
	 {"eth/0", "a:b", "aaaaaaaaaaaaaaaa", "..", "eth0 ."}},
	{"VZD_GROUP",
	 {"vz", "_vz", "vz-admin", "vz_1", GROUP32},
	 {"", "Vz", "1vz", "vz admin", "-vz", "vz.adm", GROUP32 "a"}},
	{"TEMPLATE_SERVER",
	 {"images.example.com", "https://images.example.com/lxc/", "http://10.0.0.1:8080",
	  "[2001:db8::1]:8443/x"},
	 {"", "ftp://host", "file:///etc", "https://", "host name", "a\"b", "-x", "host;rm"}},
	{"TEMPLATE_SERVER_CA", {"/etc/vz/ca.pem"}, {"", "ca.pem", "../x"}},
};

static const struct sample *sample_for(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(samples); i++)
		if (streq(samples[i].name, name))
			return &samples[i];
	return NULL;
}

static void check_samples(const struct vz_config_key *row, const struct sample *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(s->good) && s->good[i]; i++) {
		_cleanup_error_ vz_error_t err = NULL;

		if (row->validate(row->name, s->good[i], &err) != 0)
			fail_msg("%s rejects good '%s': %s", row->name, s->good[i], err->msg);
		assert_null(err);
	}
	assert_true(i > 0);
	for (i = 0; i < ARRAY_SIZE(s->bad) && s->bad[i]; i++) {
		_cleanup_error_ vz_error_t err = NULL;

		if (row->validate(row->name, s->bad[i], &err) >= 0)
			fail_msg("%s accepts bad '%s'", row->name, s->bad[i]);
		assert_error(err, VZ_E_VALUE, row->name);
	}
	assert_true(i > 0);
}

static void test_table_walk(void **state)
{
	const struct vz_config_key *row;
	size_t i, rows = 0;

	for (row = vz_config_keys(); row->name; row++, rows++) {
		const struct sample *s = sample_for(row->name);

		if (!s) {
			fail_msg("key %s has no samples in test-config.c", row->name);
			return;
		}
		assert_non_null(row->validate);
		assert_non_null(row->help);
		assert_true(row->help[0] != '\0');
		assert_ptr_equal(vz_config_key_lookup(row->name), row);
		check_samples(row, s);
	}
	for (i = 0; i < ARRAY_SIZE(samples); i++)
		if (!vz_config_key_lookup(samples[i].name))
			fail_msg("sample %s names no key in the table", samples[i].name);
	assert_int_equal(rows, ARRAY_SIZE(samples));
}

/* A config line written under the alias reads and rewrites as the key. */
static void check_alias(const struct vz_config_key *row, const struct sample *s)
{
	_cleanup_free_ char *text = xasprintf("%s='%s'\n", row->alias, s->good[0]);
	_cleanup_free_ char *want = xasprintf("%s=\"%s\"\n", row->name, s->good[1]);
	_cleanup_config_ struct vz_config *cfg = parse_ok(text);
	_cleanup_error_ vz_error_t err = NULL;

	assert_ptr_equal(vz_config_key_lookup(row->alias), row);
	assert_string_equal(vz_config_get(cfg, row->name), s->good[0]);
	assert_string_equal(vz_config_get(cfg, row->alias), s->good[0]);
	assert_int_equal(vz_config_set(cfg, row->alias, s->good[1], &err), 0);
	assert_format(cfg, want);
}

static void test_aliases(void **state)
{
	const struct vz_config_key *row;

	for (row = vz_config_keys(); row->name; row++) {
		const struct sample *s = sample_for(row->name);

		if (!row->alias)
			continue;
		assert_non_null(s);
		assert_non_null(s->good[1]);
		check_alias(row, s);
	}
	assert_null(vz_config_key_lookup("NO_SUCH_KEY"));
	assert_null(vz_config_key_lookup(NULL));
}

static int validate_even(const char *key, const char *value, vz_error_t *err)
{
	if ((strlen(value) & 1) != 0)
		return vz_error_make(err, VZ_E_VALUE, 0, "%s: odd length '%s'", key, value);
	return 0;
}

static const struct vz_config_key even_schema[] = {
	{"EVEN", "OLD_EVEN", validate_even, "a value of even length"},
	{NULL, NULL, NULL, NULL},
};

/* Another table checks and aliases its own keys, and knows none of the CT keys. */
static void test_other_schema(void **state)
{
	static const char text[] = "OLD_EVEN=ab\nHOSTNAME='not a host'\n";
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_config_ struct vz_config *cfg =
		vz_config_parse_with(even_schema, text, strlen(text), "even.conf", &err);

	assert_non_null(cfg);
	assert_ptr_equal(vz_config_key_find(even_schema, "OLD_EVEN"), &even_schema[0]);
	assert_null(vz_config_key_find(even_schema, "HOSTNAME"));
	assert_null(vz_config_key_find(NULL, "EVEN"));
	assert_string_equal(vz_config_get(cfg, "EVEN"), "ab");
	assert_string_equal(vz_config_get(cfg, "HOSTNAME"), "not a host");
	assert_int_equal(vz_config_set(cfg, "EVEN", "abc", &err), -1);
	assert_error(err, VZ_E_VALUE, "EVEN: odd length 'abc'");
	vz_error_release(&err);
	assert_int_equal(vz_config_set(cfg, "OLD_EVEN", "abcd", &err), 0);
	assert_int_equal(vz_config_set(cfg, "HOSTNAME", "still not one", &err), 0);
	assert_format(cfg, "EVEN=\"abcd\"\nHOSTNAME=\"still not one\"\n");

	assert_null(vz_config_parse_with(even_schema, "EVEN=odd\n", 9, "even.conf", &err));
	assert_error(err, VZ_E_VALUE, "config 'even.conf' line 1: EVEN: odd length 'odd'");
}

/* Without a schema every key is plain: no validation, no aliases. */
static void test_no_schema(void **state)
{
	static const char text[] = "HOSTNAME='-bad-'\nVE_PRIVATE=relative\n";
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_config_ struct vz_config *cfg =
		vz_config_parse_with(NULL, text, strlen(text), "state", &err);
	_cleanup_config_ struct vz_config *empty = vz_config_new_with(NULL);

	assert_non_null(cfg);
	assert_string_equal(vz_config_get(cfg, "HOSTNAME"), "-bad-");
	assert_int_equal(vz_config_set(cfg, "ONBOOT", "maybe", &err), 0);
	assert_true(vz_config_get_bool(cfg, "ONBOOT", true));
	assert_int_equal(vz_config_set(empty, "VE_ROOT", "..", &err), 0);
	assert_format(empty, "VE_ROOT=\"..\"\n");
	/* Key names are still checked: they become shell variables. */
	assert_int_equal(vz_config_set(empty, "lower", "x", &err), -1);
	assert_error(err, VZ_E_VALUE, "invalid key name 'lower'");
	vz_error_release(&err);
	assert_null(vz_config_parse_with(NULL, "x y\n", 4, "state", &err));
	assert_error(err, VZ_E_SYNTAX, "config 'state' line 1");
}

/* The ctid.conf constructors bind the CT table: the same text fails there. */
static void test_ct_schema_bound(void **state)
{
	static const char text[] = "HOSTNAME='-bad-'\n";
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_config_ struct vz_config *cfg = vz_config_new();

	assert_null(vz_config_parse(text, strlen(text), "ct.conf", &err));
	assert_error(err, VZ_E_VALUE, "invalid host name");
	vz_error_release(&err);
	assert_int_equal(vz_config_set(cfg, "HOSTNAME", "-bad-", &err), -1);
	assert_error(err, VZ_E_VALUE, "invalid host name");
}

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} good[] = {
		{"0", 0},
		{"4096", 4096},
		{"1K", 1024},
		{"1k", 1024},
		{"1KB", 1024},
		{"1kb", 1024},
		{"512M", 512ULL << 20},
		{"1G", 1ULL << 30},
		{"2t", 2ULL << 40},
		{"1P", 1ULL << 50},
		{"16383P", 16383ULL << 50},
		{"10B", 10},
		{"007", 7},
		{"unlimited", UINT64_MAX},
		{"UNLIMITED", UINT64_MAX},
		{"18446744073709551615", UINT64_MAX},
	};
	static const char *const bad[] = {
		"",
		"-5",
		"+5",
		" 5",
		"5 ",
		"1.5G",
		"1X",
		"1KK",
		"1BB",
		"K",
		"B",
		"1Ki",
		"0x10",
		"unlimitedx",
		"16384P",
		"18446744073709551616",
		"99999999999999999999999G",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		_cleanup_error_ vz_error_t err = NULL;
		uint64_t v = 1;

		if (vz_parse_size("--ram", good[i].s, &v, &err) != 0)
			fail_msg("'%s': %s", good[i].s, err->msg);
		assert_true(v == good[i].bytes);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_error_ vz_error_t err = NULL;
		_cleanup_free_ char *want = xasprintf("--ram: invalid size '%s'", bad[i]);
		uint64_t v = 1;

		if (vz_parse_size("--ram", bad[i], &v, &err) >= 0)
			fail_msg("'%s' parsed", bad[i]);
		assert_error(err, VZ_E_VALUE, want);
		assert_true(v == 1);
	}
}

static void test_parse_bool(void **state)
{
	static const char *const yes[] = {"yes", "YES", "true", "On", "1"};
	static const char *const no[] = {"no", "No", "FALSE", "off", "0"};
	_cleanup_config_ struct vz_config *cfg = parse_ok("A=yes\nB=off\nC=junk\n");
	_cleanup_error_ vz_error_t err = NULL;
	size_t i;
	bool b;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		assert_int_equal(vz_parse_bool("K", yes[i], &b, &err), 0);
		assert_true(b);
		b = true;
		assert_int_equal(vz_parse_bool("K", no[i], &b, &err), 0);
		assert_false(b);
	}
	assert_true(vz_parse_bool("--onboot", "nope", &b, &err) < 0);
	assert_error(err, VZ_E_VALUE, "--onboot: invalid boolean 'nope'");
	assert_true(vz_config_get_bool(cfg, "A", false));
	assert_false(vz_config_get_bool(cfg, "B", true));
	assert_true(vz_config_get_bool(cfg, "C", true));
	assert_false(vz_config_get_bool(cfg, "C", false));
	assert_true(vz_config_get_bool(cfg, "UNSET", true));
}

static void write_test_file(const char *path, size_t size)
{
	_cleanup_free_ char *buf = xmalloc(size);

	memset(buf, '#', size);
	buf[size - 1] = '\n';
	assert_int_equal(write_file_atomic_at(AT_FDCWD, path, buf, size, 0644), 0);
}

static void test_save_load(void **state)
{
	static const char text[] = "# saved\nHOSTNAME=a.example\nX='$y'\n# end";
	char dir[] = "/tmp/test-config.XXXXXX";
	_cleanup_free_ char *path = NULL, *missing = NULL, *big = NULL, *want = NULL;
	_cleanup_config_ struct vz_config *cfg = parse_ok(text), *back = NULL;
	_cleanup_error_ vz_error_t err = NULL;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/101.conf", dir);
	missing = xasprintf("%s/nodir/101.conf", dir);
	big = xasprintf("%s/big.conf", dir);
	assert_int_equal(vz_config_set(cfg, "ONBOOT", "yes", &err), 0);
	assert_int_equal(vz_config_save(cfg, path, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	back = vz_config_load(path, &err);
	assert_non_null(back);
	want = vz_config_format(cfg);
	assert_format(back, want);
	assert_true(vz_config_get_bool(back, "ONBOOT", false));

	assert_true(vz_config_save(cfg, missing, &err) < 0);
	free(want);
	want = xasprintf("save config '%s': %s", missing, strerror(ENOENT));
	assert_error(err, VZ_E_CONFIG_SAVE, want);
	vz_error_release(&err);

	assert_null(vz_config_load(missing, &err));
	assert_error(err, VZ_E_NOCONFIG, missing);
	assert_int_equal(vz_error_errno(err), ENOENT);
	vz_error_release(&err);

	assert_null(vz_config_load(dir, &err));
	assert_error(err, VZ_E_SYSTEM, "read config");
	assert_int_equal(vz_error_errno(err), EISDIR);
	vz_error_release(&err);

	write_test_file(big, 1024 * 1024);
	vz_config_free(back);
	back = vz_config_load(big, &err);
	assert_non_null(back);
	write_test_file(big, 1024 * 1024 + 1);
	assert_null(vz_config_load(big, &err));
	assert_error(err, VZ_E_SYNTAX, "larger than");
	vz_error_release(&err);

	assert_int_equal(write_file_atomic_at(AT_FDCWD, big, "A=1\nbad\n", 8, 0644), 0);
	assert_null(vz_config_load(big, &err));
	free(want);
	want = xasprintf("config '%s' line 2: missing '='", big);
	assert_error(err, VZ_E_SYNTAX, want);

	vz_error_release(&err);

	/* A file the CT table rejects loads under no schema, keeping the bad value. */
	assert_int_equal(write_file_atomic_at(AT_FDCWD, big, "HOSTNAME=-x-\n", 13, 0644), 0);
	assert_null(vz_config_load(big, &err));
	assert_error(err, VZ_E_VALUE, "invalid host name");
	vz_error_release(&err);
	vz_config_free(back);
	back = vz_config_load_with(NULL, big, &err);
	assert_non_null(back);
	assert_string_equal(vz_config_get(back, "HOSTNAME"), "-x-");
	vz_config_free(back);
	back = NULL;
	assert_null(vz_config_load_with(NULL, missing, &err));
	assert_error(err, VZ_E_NOCONFIG, "read config");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(big), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_preserves_bytes),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_value_length),
		cmocka_unit_test(test_escaped_value_length),
		cmocka_unit_test(test_set_in_place_and_append),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_quoting_roundtrip),
		cmocka_unit_test(test_set_rejects),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_set_with_own_strings),
		cmocka_unit_test(test_table_walk),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_other_schema),
		cmocka_unit_test(test_no_schema),
		cmocka_unit_test(test_ct_schema_bound),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_save_load),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
