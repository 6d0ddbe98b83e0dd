/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The devices a CT may open, as OpenVZ configured them:
 *   DEVNODES="net/tun:rw fuse:rw"   (vzctl set --devnodes NAME:PERM) a node
 *       of the host's /dev, made in the CT's /dev and allowed;
 *   DEVICES="c:10:200:rw b:8:0:r"   (vzctl set --devices TYPE:MAJ:MIN:PERM)
 *       allowed only: the node must come another way. MIN may be "all".
 * PERM is r, w, rw or none. On top of them every CT gets the standard set
 * (the nodes vz makes in its /dev, the console and its ptys) and nothing
 * else: the devices cgroup or a BPF device program denies the rest, and
 * mknod is allowed to no CT.
 */
#ifndef VZ_RES_DEVICES_H
#define VZ_RES_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup/cgroup.h"
#include "core/error.h"
#include "sandbox/mount.h"

/* Config validator of DEVNODES and DEVICES: the syntax of each entry, each device once. */
int vz_devices_validate(const char *key, const char *value, vz_error_t *err);

/* DEVNODES or DEVICES. */
bool vz_devices_is_key(const char *key);

/*
 * old (NULL: none) with change's entries applied, as OpenVZ's repeated
 * --devnodes/--devices do: an entry for a device replaces the one it had,
 * PERM none removes it. A heap string.
 */
char *vz_devices_merge(const char *old, const char *change);

/* A CT's devices: its allow-list and the nodes its /dev gets beyond the standard ones. */
struct vz_ct_devices {
	struct vz_cg_dev *rules;
	size_t n_rules;
	struct vz_dev_node *nodes;
	size_t n_nodes;
};

/*
 * The devices of a CT with these DEVNODES and DEVICES values (NULL: none):
 * the standard set, then each grant. A DEVNODES name is looked up in
 * host_dev ("/dev"): one that is missing there or no device node fails,
 * naming it. Free with vz_ct_devices_free.
 */
int vz_ct_devices_resolve(const char *devnodes, const char *devices, const char *host_dev,
			  struct vz_ct_devices *ret, vz_error_t *err);
void vz_ct_devices_free(struct vz_ct_devices *d);

#endif
