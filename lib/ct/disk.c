/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's disk limits (DISKSPACE, DISKINODES) on its private area's disk
 * image: applied when set changes them, on a running CT or a stopped one
 * (the image is the CT's and holds the limit itself), and read back for
 * vzlist and vzctl ubc. A layout without an image (simfs) cannot enforce
 * them: a limit there is kept in the config with a warning, never silently.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct/internal.h"
#include "res/disk.h"
#include "storage/storage.h"
#include "util/fs.h"
#include "util/xalloc.h"

static bool changes_disk(const struct vz_ct_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(c[i].key, "DISKSPACE") || streq(c[i].key, "DISKINODES"))
			return true;
	return false;
}

static uint64_t bytes_of(uint64_t kib)
{
	return kib == VZ_DISK_UNLIMITED ? VZ_STORAGE_UNLIMITED : kib * 1024;
}

int ct_disk_apply(struct vz_ct *ct, const struct vz_config *cfg, const struct vz_ct_change *c,
		  size_t n, vz_error_t *err)
{
	struct vz_storage *s;
	struct vz_disk_limits l;
	int r;

	if (!changes_disk(c, n))
		return 0;
	s = vz_ct_storage(ct, err);
	if (!s)
		return -1;
	vz_disk_get(cfg, &l);
	if (!vz_storage_has_image(s)) {
		if (!vz_disk_limited(&l) && l.inodes_hard == VZ_DISK_UNLIMITED)
			return 0;
		if (streq(s->ops->layout, "simfs")) {
			vz_warn(ct->ctx, "DISKSPACE/DISKINODES are kept in the config but not "
					 "enforced: VE_LAYOUT=simfs has no disk image of its own");
			return 0;
		}
		return vz_storage_set_disk(s, 0, 0, err);
	}
	if (!vz_disk_limited(&l))
		return vz_error_make(err, VZ_E_DQ_SET, EINVAL,
				     "DISKSPACE: a CT with its own disk image needs a limit, "
				     "not unlimited");
	r = vz_storage_set_disk(s, bytes_of(l.space_hard), l.inodes_hard, err);
	if (r < 0)
		return -1;
	if (r > 0)
		vz_warn(ct->ctx,
			"The CT's file system cannot grow while it is mounted here "
			"(online ext4 resize needs CAP_SYS_RESOURCE, which this host's "
			"root lacks): it has all it holds now, the rest at its next start");
	vz_info(ct->ctx, "Disk limits set: %llu KB, %s inodes", (unsigned long long)l.space_hard,
		l.inodes_hard == VZ_DISK_UNLIMITED ? "unlimited" : "limited");
	return 0;
}

void ct_disk_undo(struct vz_ct *ct, const struct vz_disk_limits *before,
		  const struct vz_ct_change *c, size_t n)
{
	struct vz_storage *s = vz_ct_storage(ct, NULL);

	if (!changes_disk(c, n) || !s || !vz_storage_has_image(s) || !vz_disk_limited(before))
		return;
	(void)vz_storage_set_disk(s, bytes_of(before->space_hard), before->inodes_hard, NULL);
}

int vz_ct_disk_usage(struct vz_ct *ct, struct vz_disk_usage *ret, vz_error_t *err)
{
	struct vz_storage *s = vz_ct_storage(ct, err);

	if (!s)
		return -1;
	return vz_storage_disk_usage(s, ret, err);
}

/* ---- soft limits and their grace period (QUOTATIME) ---- */

/* <rundir>/CTID.dquota: "SINCE ENFORCED", while the CT is above a soft limit. */
static char *grace_path(const struct vz_ct *ct)
{
	return xasprintf("%s/%s.dquota", ct->ctx->rundir, ct->id);
}

int vz_ct_disk_grace(const struct vz_ct *ct, time_t *since, bool *enforced)
{
	_cleanup_free_ char *path = grace_path(ct), *text = NULL;
	long long s = 0;
	int e = 0;

	if (read_file_at(AT_FDCWD, path, 64, &text, NULL) < 0 ||
	    sscanf(text, "%lld %d", &s, &e) != 2 || s <= 0)
		return 0;
	*since = (time_t)s;
	*enforced = e != 0;
	return 1;
}

static int write_grace(const struct vz_ct *ct, time_t since, bool enforced, vz_error_t *err)
{
	_cleanup_free_ char *path = grace_path(ct);
	_cleanup_free_ char *text = xasprintf("%lld %d\n", (long long)since, enforced);
	int r = replace_file_at(AT_FDCWD, path, text, strlen(text), 0600);

	return r < 0 ? vz_error_make(err, VZ_E_SYSTEM, -r, "write '%s'", path) : 0;
}

static bool over_soft(const struct vz_disk_limits *l, const struct vz_disk_usage *u)
{
	return (l->space_soft != VZ_DISK_UNLIMITED && u->bytes_used / 1024 > l->space_soft) ||
	       (l->inodes_soft != VZ_DISK_UNLIMITED && u->inodes_used > l->inodes_soft);
}

bool vz_ct_disk_watch_needed(struct vz_ct *ct)
{
	struct vz_disk_limits l;
	struct vz_disk_usage u;
	time_t since;
	bool enforced = false;
	int graced;

	if (!ct->running || !ct->cfg)
		return false;
	vz_disk_get(ct->cfg, &l);
	if (l.space_soft == l.space_hard && l.inodes_soft == l.inodes_hard)
		return false;
	if (vz_ct_disk_usage(ct, &u, NULL) < 0)
		return false;
	graced = vz_ct_disk_grace(ct, &since, &enforced);
	if (!over_soft(&l, &u))
		return graced;
	return !graced || (!enforced && time(NULL) - since >= (time_t)l.grace);
}

/*
 * Above a soft limit, the grace period starts (a warning in the log); when
 * it has run out, the soft limits hold as hard ones (writes fail above
 * what the CT has now, as OpenVZ's quota did); back under them, the hard
 * limits hold again. Run under the CT's lock, by vzd when its tick sees
 * a change (vz_ct_disk_watch_needed).
 */
int vz_ct_disk_watch(struct vz_ct *ct, vz_error_t *err)
{
	struct vz_storage *s = vz_ct_storage(ct, err);
	struct vz_disk_limits l;
	struct vz_disk_usage u;
	time_t since = 0, now = time(NULL);
	bool enforced = false;
	int graced;

	if (!s || !ct->running || vz_ct_disk_usage(ct, &u, err) < 0)
		return -1;
	vz_disk_get(ct->cfg, &l);
	graced = vz_ct_disk_grace(ct, &since, &enforced);
	if (!over_soft(&l, &u)) {
		_cleanup_free_ char *path = grace_path(ct);

		if (enforced &&
		    vz_storage_set_disk(s, bytes_of(l.space_hard), l.inodes_hard, err) < 0)
			return -1;
		(void)unlink(path);
		if (graced)
			vz_info(ct->ctx, "CT %s is back under its soft disk limits", ct->id);
		return 0;
	}
	if (!graced) {
		vz_warn(ct->ctx,
			"CT %s is above its soft disk limit (%llu KB, %llu inodes used): "
			"it may stay there for %llu s (QUOTATIME)",
			ct->id, (unsigned long long)(u.bytes_used / 1024),
			(unsigned long long)u.inodes_used, (unsigned long long)l.grace);
		return write_grace(ct, now, false, err);
	}
	if (enforced || now - since < (time_t)l.grace)
		return 0;
	/* The grace is over: no more than the CT has now, and never above hard. */
	if (vz_storage_set_disk(s,
				u.bytes_used > bytes_of(l.space_soft) ? u.bytes_used
								      : bytes_of(l.space_soft),
				l.inodes_soft == VZ_DISK_UNLIMITED ? l.inodes_hard
				: u.inodes_used > l.inodes_soft	   ? u.inodes_used
								   : l.inodes_soft,
				err) < 0)
		return -1;
	vz_warn(ct->ctx, "CT %s: the grace period of its soft disk limit is over: it is enforced",
		ct->id);
	return write_grace(ct, since, true, err);
}

void ct_disk_end_grace(struct vz_ct *ct)
{
	_cleanup_free_ char *path = grace_path(ct);
	struct vz_storage *s = vz_ct_storage(ct, NULL);
	struct vz_disk_limits l;
	time_t since;
	bool enforced = false;

	struct vz_disk_usage u;

	/* Still mounted (stop --skip-umount): take the soft hold off. */
	if (vz_ct_disk_grace(ct, &since, &enforced) && enforced && s && ct->cfg &&
	    vz_storage_disk_usage(s, &u, NULL) == 0) {
		vz_disk_get(ct->cfg, &l);
		if (vz_disk_limited(&l))
			(void)vz_storage_set_disk(s, bytes_of(l.space_hard), l.inodes_hard, NULL);
	}
	(void)unlink(path);
}
