/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "res/loadavg.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define FIXED_1 VZ_LOADAVG_FIXED_1
/* 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min) in fixed point. */
static const unsigned long exp_k[3] = {1884, 2014, 2037};

void vz_loadavg_fold(struct vz_loadavg *l, unsigned long active)
{
	for (int i = 0; i < 3; i++) {
		unsigned long a = l->avg[i] * exp_k[i] + active * FIXED_1 * (FIXED_1 - exp_k[i]);

		/* Round as the kernel does, so that an idle CT decays to 0.00. */
		if (active * FIXED_1 >= l->avg[i])
			a += FIXED_1 - 1;
		l->avg[i] = a / FIXED_1;
	}
}

/* The state letter of the task whose stat file is at dirfd/name, or 0. */
static char task_state(int dirfd, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/stat", name), *text = NULL;
	const char *paren;

	if (read_file_at(dirfd, path, 4096, &text, NULL) < 0)
		return 0;
	paren = strrchr(text, ')');
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

unsigned long vz_loadavg_count(const pid_t *pids, int n, unsigned long *ret_running,
			       unsigned long *ret_threads)
{
	unsigned long active = 0, running = 0, threads = 0;

	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = xasprintf("/proc/%d/task", (int)pids[i]);
		_cleanup_closedir_ DIR *d = opendir(path);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char s;

			if (de->d_name[0] == '.')
				continue;
			s = task_state(dirfd(d), de->d_name);
			threads++;
			running += s == 'R';
			active += s == 'R' || s == 'D';
		}
	}
	if (ret_running)
		*ret_running = running;
	if (ret_threads)
		*ret_threads = threads;
	return active;
}

unsigned long vz_loadavg_int(const struct vz_loadavg *l, int i)
{
	return l->avg[i] >> VZ_LOADAVG_FSHIFT;
}

unsigned long vz_loadavg_frac(const struct vz_loadavg *l, int i)
{
	return ((l->avg[i] & (FIXED_1 - 1)) * 100) >> VZ_LOADAVG_FSHIFT;
}
