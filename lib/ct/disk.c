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
#include <stdlib.h>

#include "ct/internal.h"
#include "res/disk.h"
#include "storage/storage.h"

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

int vz_ct_disk_usage(struct vz_ct *ct, struct vz_disk_usage *ret, vz_error_t *err)
{
	struct vz_storage *s = vz_ct_storage(ct, err);

	if (!s)
		return -1;
	return vz_storage_disk_usage(s, ret, err);
}
