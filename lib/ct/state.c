/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "ct/state.h"
#include "util/fs.h"
#include "util/xalloc.h"

int vz_state_write(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st, vz_error_t *err)
{
	_cleanup_free_ char *path = vz_path_state(ctx, ctid);
	_cleanup_free_ char *text = NULL;
	int r;

	text = xasprintf("INIT_PID=%d\nSTART_TIME=%" PRIu64 "\nSTARTED=%lld\nCGROUP_PREFIX=%s\n",
			 (int)st->pid, st->starttime, (long long)st->started, st->cgroup_prefix);
	r = replace_file_at(AT_FDCWD, path, text, strlen(text), 0600);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "write state '%s'", path);
	return 0;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

int vz_state_read(struct vz_ctx *ctx, const char *ctid, struct vz_state *st, vz_error_t *err)
{
	_cleanup_free_ char *path = vz_path_state(ctx, ctid);
	_cleanup_config_ struct vz_config *cfg = NULL;
	uint64_t pid, started;
	const char *prefix;

	vz_error_t e = NULL;

	memset(st, 0, sizeof(*st));
	cfg = vz_config_load(path, &e);
	if (!cfg) {
		if (e->code == VZ_E_NOCONFIG) {
			vz_error_release(&e);
			return 0;
		}
		if (err)
			*err = e;
		else
			vz_error_release(&e);
		return -1;
	}
	prefix = vz_config_get(cfg, "CGROUP_PREFIX");
	if (!parse_u64(vz_config_get(cfg, "INIT_PID"), &pid) || pid == 0 || pid > INT32_MAX ||
	    !parse_u64(vz_config_get(cfg, "START_TIME"), &st->starttime) ||
	    !parse_u64(vz_config_get(cfg, "STARTED"), &started) || !prefix ||
	    strlen(prefix) >= sizeof(st->cgroup_prefix)) {
		memset(st, 0, sizeof(*st));
		return vz_error_make(err, VZ_E_SYSTEM, 0, "state file '%s' is corrupt", path);
	}
	st->pid = (pid_t)pid;
	st->started = (time_t)started;
	snprintf(st->cgroup_prefix, sizeof(st->cgroup_prefix), "%s", prefix);
	return 0;
}

int vz_state_remove(struct vz_ctx *ctx, const char *ctid, vz_error_t *err)
{
	_cleanup_free_ char *path = vz_path_state(ctx, ctid);

	if (unlink(path) < 0 && errno != ENOENT)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "remove state '%s'", path);
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
