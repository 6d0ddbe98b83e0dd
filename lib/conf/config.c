/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine of OpenVZ-style configuration files. The file is kept as an
 * ordered array of lines, each with its original bytes; key lines also carry
 * the parsed key and value. Only lines touched by vz_config_set() are
 * rewritten, so comments, unknown keys and odd formatting survive a save.
 *
 * The engine knows no key: a config carries the table (schema) its known
 * keys are checked against, or none. keys.c holds the ctid.conf/vz.conf
 * table and binds it in vz_config_new/parse/load; the engine never names it,
 * so the validators' modules may use the engine without a loop.
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
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/config.h"
#include "conf/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

#define VALUE_MAX 4096
#define FILE_MAX (1024 * 1024)

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
	const struct vz_config_key *schema; /* NULL: no known keys */
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

/* A shell variable name in capitals, as OpenVZ's keys are. */
static bool valid_key_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || conf_is_digit(s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!(conf_is_digit(s[i]) || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_'))
			return false;
	return true;
}

/* The shift of a K/M/G/T/P suffix (either case), or -1. */
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
	if (!conf_parse_dec(s, digits, &v))
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

/* ---- the schema and the line array ---- */

const struct vz_config_key *vz_config_key_find(const struct vz_config_key *schema, const char *name)
{
	if (!schema || !name)
		return NULL;
	for (const struct vz_config_key *k = schema; k->name; k++)
		if (streq(k->name, name) || (k->alias && streq(k->alias, name)))
			return k;
	return NULL;
}

struct vz_config *vz_config_new_with(const struct vz_config_key *schema)
{
	struct vz_config *cfg = xzalloc(sizeof(struct vz_config));

	cfg->schema = schema;
	return cfg;
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
static int parse_line(const struct vz_config_key *schema, const char *s, size_t n, struct line *l,
		      vz_error_t *err)
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
	l->row = vz_config_key_find(schema, l->key);
	if (l->row && l->row->validate(l->key, l->value, err) < 0)
		return -1;
	return 0;
}

struct vz_config *vz_config_parse_with(const struct vz_config_key *schema, const char *text,
				       size_t len, const char *origin, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = vz_config_new_with(schema);
	unsigned lineno = 0;
	size_t off = 0;

	while (off < len) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		struct line l = {0};

		lineno++;
		if (parse_line(schema, s, n, &l, err) < 0) {
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

struct vz_config *vz_config_load_with(const struct vz_config_key *schema, const char *path,
				      vz_error_t *err)
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
	return vz_config_parse_with(schema, text, len, path, err);
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
	ssize_t i = find_last(cfg, vz_config_key_find(cfg->schema, key), key);

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
	return strncmp(s, "$VEID", 5) == 0 && !conf_is_ident(s[5]);
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
	row = vz_config_key_find(cfg->schema, key);
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
