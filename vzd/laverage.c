/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-CT load average (vzlist's laverage), lib/res/loadavg.c's count and
 * formula every 5 seconds. The table lives in vzd's memory:
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
#include "res/loadavg.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

struct load {
	char *ctid;
	struct vz_loadavg l;
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

static bool count_active(struct vz_ct *ct, unsigned long *ret)
{
	struct vz_cgroup *cg = vz_ct_cgroup(ct, NULL);
	_cleanup_free_ pid_t *pids = NULL;
	int n = cg ? vz_cgroup_pids(cg, &pids, NULL) : -1;

	if (n < 0)
		return false;
	*ret = vz_loadavg_count(pids, n, NULL, NULL);
	return true;
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

			vz_loadavg_fold(&l->l, active);
			l->seen = true;
		}
	}
	/* A stopped CT starts from zero next time. */
	for (size_t i = 0; i < n_loads; i++)
		if (!loads[i].seen)
			loads[i].l = (struct vz_loadavg){0};
}

char *vzd_load_string(const char *ctid)
{
	struct load *l = find(ctid, false);
	struct vz_loadavg a = l ? l->l : (struct vz_loadavg){0};

	return xasprintf("%lu.%02lu/%lu.%02lu/%lu.%02lu", vz_loadavg_int(&a, 0),
			 vz_loadavg_frac(&a, 0), vz_loadavg_int(&a, 1), vz_loadavg_frac(&a, 1),
			 vz_loadavg_int(&a, 2), vz_loadavg_frac(&a, 2));
}
