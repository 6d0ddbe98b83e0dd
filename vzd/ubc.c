/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "ubc" request: a running CT's beancounters, one object per
 * parameter, in /proc/user_beancounters order. A number the kernel does not
 * count is null, never 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>

#include "ct/ct.h"
#include "res/disk.h"
#include "storage/storage.h"
#include "util/xalloc.h"
#include "vzd.h"

void vzd_set_count(struct vz_msg *o, const char *key, bool have, uint64_t v)
{
	if (have)
		vz_msg_set_int(o, key, (int64_t)v);
	else
		vz_msg_set_null(o, key);
}

void vzd_ubc_row(struct vz_msg *o, const struct vz_ubc_row *row)
{
	vz_msg_set_str(o, "resource", row->param->name);
	vzd_set_count(o, "held", row->have, row->held);
	vzd_set_count(o, "maxheld", row->have, row->maxheld);
	vz_msg_set_int(o, "barrier", (int64_t)row->barrier);
	vz_msg_set_int(o, "limit", (int64_t)row->limit);
	vzd_set_count(o, "failcnt", row->have_failcnt, row->failcnt);
	vz_msg_set_str(o, "enforced", vz_ubc_how_name(row->how));
	if (row->how == VZ_UBC_NOT_ENFORCED && row->param->note)
		vz_msg_set_str(o, "note", row->param->note);
}

static void disk_row(struct vz_msg *o, bool have, uint64_t usage, uint64_t soft, uint64_t hard)
{
	vzd_set_count(o, "usage", have, usage);
	vz_msg_set_int(o, "softlimit",
		       soft == VZ_DISK_UNLIMITED ? (int64_t)VZ_UBC_UNLIMITED : (int64_t)soft);
	vz_msg_set_int(o, "hardlimit",
		       hard == VZ_DISK_UNLIMITED ? (int64_t)VZ_UBC_UNLIMITED : (int64_t)hard);
}

/*
 * Above a soft limit: "grace_left", the seconds it may stay there (0 once
 * over, when "soft_enforced" is true); null when it is under them.
 */
static void add_grace(struct vz_msg *d, const struct vz_ct *ct, const struct vz_disk_limits *l)
{
	time_t since, left;
	bool enforced = false;

	if (!vz_ct_disk_grace(ct, &since, &enforced)) {
		vz_msg_set_null(d, "grace_left");
		vz_msg_set_bool(d, "soft_enforced", false);
		return;
	}
	left = since + (time_t)l->grace - time(NULL);
	vz_msg_set_int(d, "grace_left", left > 0 && !enforced ? (int64_t)left : 0);
	vz_msg_set_bool(d, "soft_enforced", enforced);
}

/* "disk": the CT's disk use (KiB, inodes) and its limits, as vzquota stat showed them. */
static void add_disk(struct vz_msg *r, struct vz_ct *ct)
{
	struct vz_disk_limits l;
	struct vz_disk_usage u;
	bool have = vz_ct_disk_usage(ct, &u, NULL) == 0;
	struct vz_msg *d = vz_msg_set_obj(r, "disk");

	vz_disk_get(ct->cfg, &l);
	disk_row(vz_msg_set_obj(d, "diskspace"), have, have ? u.bytes_used / 1024 : 0, l.space_soft,
		 l.space_hard);
	disk_row(vz_msg_set_obj(d, "diskinodes"), have, have ? u.inodes_used : 0, l.inodes_soft,
		 l.inodes_hard);
	add_grace(d, ct, &l);
}

struct vz_msg *vzd_ubc(struct vz_ct *ct, vz_error_t *err)
{
	size_t n = vz_ubc_count();
	_cleanup_free_ struct vz_ubc_row *rows = xzalloc(n * sizeof(*rows));
	struct vz_cgroup_stats st;
	struct vz_msg *r;

	if (vz_ct_ubc(ct, rows, &st, err) < 0)
		return NULL;
	r = vz_msg_new();
	vz_msg_set_int(r, "ctid", strtol(ct->id, NULL, 10));
	for (size_t i = 0; i < n; i++)
		vzd_ubc_row(vz_msg_append_obj(r, "resources"), &rows[i]);
	add_disk(r, ct);
	vzd_set_count(r, "oom_kills", st.have_oom_kills, st.oom_kills);
	vzd_set_count(r, "cpu_usage_ns", st.have_cpu, st.cpu_usage_ns);
	return r;
}
