/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct/state.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* A state file is a few hundred bytes; a config is at most 1 MiB. */
#define STATE_MAX (1024 * 1024)

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

void vz_state_clear(struct vz_state *st)
{
	vz_config_free(st->kv);
	memset(st, 0, sizeof(*st));
}

/* The init fields from the keys; false when one is malformed. */
static bool parse_fields(struct vz_state *st)
{
	const char *prefix = vz_config_get(st->kv, VZ_STATE_CGROUP_PREFIX);
	const char *pid_s = vz_config_get(st->kv, VZ_STATE_PID);
	uint64_t pid = 0, started = 0;

	if (!prefix || strlen(prefix) >= sizeof(st->cgroup_prefix))
		return false;
	snprintf(st->cgroup_prefix, sizeof(st->cgroup_prefix), "%s", prefix);
	/* No init yet (a start in progress, or one that died half way). */
	if (!pid_s || streq(pid_s, "0"))
		return true;
	if (!parse_u64(pid_s, &pid) || pid == 0 || pid > INT32_MAX ||
	    !parse_u64(vz_config_get(st->kv, VZ_STATE_STARTTIME), &st->starttime) ||
	    !parse_u64(vz_config_get(st->kv, VZ_STATE_STARTED), &started))
		return false;
	st->pid = (pid_t)pid;
	st->started = (time_t)started;
	return true;
}

int vz_state_load(const char *path, struct vz_state *st, vz_error_t *err)
{
	vz_error_t e = NULL;

	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	memset(st, 0, sizeof(*st));
	/* Most CTs of a big host are stopped: no file, and no error object made for it. */
	r = read_file_at(AT_FDCWD, path, STATE_MAX, &text, &len);
	if (r == -ENOENT) {
		st->kv = vz_config_new();
		return 0;
	}
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "read state '%s'", path);
	st->kv = vz_config_parse(text, len, path, &e);
	if (!st->kv) {
		vz_error_release(&e);
		vz_state_clear(st);
		return vz_error_make(err, VZ_E_SYSTEM, 0, "state file '%s' is corrupt", path);
	}
	st->exists = true;
	if (!parse_fields(st)) {
		vz_state_clear(st);
		return vz_error_make(err, VZ_E_SYSTEM, 0, "state file '%s' is corrupt", path);
	}
	return 0;
}

static void set_u64(struct vz_config *kv, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	(void)vz_config_set(kv, key, buf, NULL);
}

int vz_state_save(const char *path, struct vz_state *st, vz_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (!st->kv)
		st->kv = vz_config_new();
	set_u64(st->kv, VZ_STATE_PID, (uint64_t)st->pid);
	set_u64(st->kv, VZ_STATE_STARTTIME, st->starttime);
	set_u64(st->kv, VZ_STATE_STARTED, (uint64_t)st->started);
	if (vz_config_set(st->kv, VZ_STATE_CGROUP_PREFIX, st->cgroup_prefix, err) < 0)
		return -1;
	text = vz_config_format(st->kv);
	/* No fsync: a crash that loses the file also took every CT process with it. */
	r = replace_file_at(AT_FDCWD, path, text, strlen(text), 0600);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "write state '%s'", path);
	st->exists = true;
	return 0;
}

int vz_state_remove(const char *path, struct vz_state *st, vz_error_t *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "remove state '%s'", path);
	vz_state_clear(st);
	st->kv = vz_config_new();
	return 0;
}

const char *vz_state_get(const struct vz_state *st, const char *key)
{
	return st->kv ? vz_config_get(st->kv, key) : NULL;
}

int vz_state_set(struct vz_state *st, const char *key, const char *value, vz_error_t *err)
{
	if (!st->kv)
		st->kv = vz_config_new();
	return vz_config_set(st->kv, key, value, err);
}

int vz_state_set_init(struct vz_state *st, pid_t pid)
{
	int r = vz_proc_stat(pid, &st->starttime, NULL);

	if (r < 0)
		return r;
	st->pid = pid;
	st->started = time(NULL);
	return 0;
}

int vz_proc_stat(pid_t pid, uint64_t *ret_starttime, char *ret_state)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;
	char *p;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	/* comm may contain spaces and ')': fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	if (ret_state)
		*ret_state = *p;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || !parse_u64(strndupa(p, strcspn(p, " ")), ret_starttime))
		return -EINVAL;
	return 0;
}

bool vz_state_alive(const struct vz_state *st)
{
	uint64_t starttime;
	char state;

	if (st->pid <= 0 || vz_proc_stat(st->pid, &starttime, &state) < 0)
		return false;
	return starttime == st->starttime && state != 'Z' && state != 'X';
}
