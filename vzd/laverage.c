/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-CT load average (vzlist's laverage), as OpenVZ's kernel kept one per
 * VE: every 5 seconds vzd counts the CT's tasks that are running or in
 * uninterruptible sleep, and folds the count into 1, 5 and 15 minute
 * exponential averages with the kernel's own fixed-point constants
 * (kernel/sched/loadavg.c). The counts are real; only the averaging is
 * ours, and it is the kernel's formula. The table lives in vzd's memory:
 * workers, forked from vzd, read a copy of it; it starts from zero when
 * vzd starts, as /proc/loadavg does at boot.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "ct/ct.h"
#include "ct/ctid.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
/* 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min) in fixed point. */
static const unsigned long exp_k[3] = {1884, 2014, 2037};

struct load {
	char *ctid;
	unsigned long avg[3];
	bool seen; /* running at the last tick */
};

static struct load *loads;
static size_t n_loads;

static struct load *find(const char *ctid, bool add)
{
	for (size_t i = 0; i < n_loads; i++)
		if (streq(loads[i].ctid, ctid))
			return &loads[i];
	if (!add)
		return NULL;
	loads = xreallocarray(loads, n_loads + 1, sizeof(*loads));
	loads[n_loads] = (struct load){.ctid = xstrdup(ctid)};
	return &loads[n_loads++];
}

/* Is the task whose stat file is at dirfd/name running or in D state? */
static bool task_active(int dirfd, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/stat", name), *text = NULL;
	const char *paren;

	if (read_file_at(dirfd, path, 4096, &text, NULL) < 0)
		return false;
	paren = strrchr(text, ')');
	return paren && (paren[2] == 'R' || paren[2] == 'D');
}

/* Active threads of process pid. */
static unsigned count_threads(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/task", (int)pid);
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	unsigned n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && task_active(dirfd(d), de->d_name))
			n++;
	return n;
}

static bool count_active(struct vz_ct *ct, unsigned long *ret)
{
	struct vz_cgroup *cg = vz_ct_cgroup(ct, NULL);
	_cleanup_free_ pid_t *pids = NULL;
	int n = cg ? vz_cgroup_pids(cg, &pids, NULL) : -1;

	if (n < 0)
		return false;
	*ret = 0;
	for (int i = 0; i < n; i++)
		*ret += count_threads(pids[i]);
	return true;
}

static void fold(struct load *l, unsigned long active)
{
	for (int i = 0; i < 3; i++) {
		unsigned long a = l->avg[i] * exp_k[i] + active * FIXED_1 * (FIXED_1 - exp_k[i]);

		/* Round as the kernel does, so that an idle CT decays to 0.00. */
		if (active * FIXED_1 >= l->avg[i])
			a += FIXED_1 - 1;
		l->avg[i] = a / FIXED_1;
	}
}

void vzd_load_tick(struct vz_ctx *ctx)
{
	_cleanup_strv_ char **ids = vz_ct_list_ids(ctx, NULL);

	for (size_t i = 0; i < n_loads; i++)
		loads[i].seen = false;
	for (char **p = ids; p && *p; p++) {
		_cleanup_ct_ struct vz_ct *ct = vz_ct_open(ctx, *p, VZ_CT_NO_CONFIG, NULL);
		unsigned long active;

		if (ct && ct->running && count_active(ct, &active)) {
			struct load *l = find(*p, true);

			fold(l, active);
			l->seen = true;
		}
	}
	/* A stopped CT starts from zero next time. */
	for (size_t i = 0; i < n_loads; i++)
		if (!loads[i].seen)
			memset(loads[i].avg, 0, sizeof(loads[i].avg));
}

char *vzd_load_string(const char *ctid)
{
	struct load *l = find(ctid, false);
	unsigned long a[3] = {0, 0, 0};

	if (l)
		memcpy(a, l->avg, sizeof(a));
	/* The kernel's LOAD_INT/LOAD_FRAC: two decimals, rounded down. */
	return xasprintf("%lu.%02lu/%lu.%02lu/%lu.%02lu", a[0] >> FSHIFT,
			 ((a[0] & (FIXED_1 - 1)) * 100) >> FSHIFT, a[1] >> FSHIFT,
			 ((a[1] & (FIXED_1 - 1)) * 100) >> FSHIFT, a[2] >> FSHIFT,
			 ((a[2] & (FIXED_1 - 1)) * 100) >> FSHIFT);
}
