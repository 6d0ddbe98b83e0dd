/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What bringing a CT up and taking it down share, whether its init is
 * started (lifecycle.c) or restored from a checkpoint (chkpnt.c): its root
 * mounted, the first state, the init recorded, and the cleanup after its
 * init is gone. Called under the CT's lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ct/internal.h"
#include "util/macros.h"
#include "util/xalloc.h"

int ct_mount(struct vz_ct *ct, vz_error_t *err)
{
	struct vz_storage *s = vz_ct_storage(ct, err);

	if (!s)
		return -1;
	if (vz_storage_mounted(s))
		return 0;
	if (vz_storage_mount(s, err) < 0)
		return -1;
	/* As OpenVZ: a failing mount script leaves nothing mounted (and runs no umount script). */
	if (ct_action_script(ct, CT_ACTION_MOUNT, err) < 0) {
		(void)vz_storage_umount(s, NULL);
		return -1;
	}
	vz_info(ct->ctx, "Container is mounted");
	return 0;
}

int ct_umount(struct vz_ct *ct, vz_error_t *err)
{
	struct vz_storage *s = vz_ct_storage(ct, err);

	if (!s)
		return -1;
	if (!vz_storage_mounted(s))
		return 0;
	/* As OpenVZ: a failing umount script keeps the root mounted. */
	if (ct_action_script(ct, CT_ACTION_UMOUNT, err) < 0)
		return -1;
	if (vz_storage_umount(s, err) < 0)
		return -1;
	vz_info(ct->ctx, "Container is unmounted");
	return 0;
}

/*
 * The state before anything is made: the prefix and id range the CT starts
 * with, no init yet. A start that dies half way leaves this for cleanup.
 */
int ct_begin_state(struct vz_ct *ct, vz_error_t *err)
{
	vz_state_clear(&ct->state);
	ct->state.kv = vz_config_new();
	/* The handle of a stale state's group: the start uses the daemon's prefix now. */
	vz_cgroup_free(steal_ptr(ct->cg));
	snprintf(ct->state.cgroup_prefix, sizeof(ct->state.cgroup_prefix), "%s",
		 ct->ctx->cgroup_prefix);
	if (vz_state_set(&ct->state, "UID_RANGE", vz_config_get(ct->cfg, "UID_RANGE"), err) < 0 ||
	    vz_state_set(&ct->state, "FEATURES", vz_config_get(ct->cfg, "FEATURES"), err) < 0 ||
	    vz_state_set(&ct->state, "CAPABILITY", vz_config_get(ct->cfg, "CAPABILITY"), err) < 0)
		return -1;
	return ct_save_state(ct, err);
}

int ct_record_init(struct vz_ct *ct, pid_t pid, vz_error_t *err)
{
	int r = vz_state_set_init(&ct->state, pid);

	if (r < 0)
		return vz_error_make(err, VZ_E_CREATE, -r, "init died at start");
	if (ct_save_state(ct, err) < 0)
		return -1;
	ct->running = true;
	return 0;
}

/*
 * Where a restore stages the CT's /dev: CRIU opens it by path after it has
 * become the CT's root, so every directory above must be searchable by
 * anyone, which the daemon's run dir need not be. One per daemon and CT,
 * so that the cleanup after a restore that died half way finds it.
 */
#define STAGE_DIR "/run/vz-criu"

static char *stage_path(struct vz_ct *ct)
{
	return xasprintf(STAGE_DIR "/%016" PRIx64 ".%s", vz_ctx_tag(ct->ctx), ct->id);
}

char *ct_stage_dir(struct vz_ct *ct, vz_error_t *err)
{
	char *dev = stage_path(ct);

	ct_unstage(ct);
	if ((mkdir(STAGE_DIR, 0711) < 0 && errno != EEXIST) || mkdir(dev, 0700) < 0) {
		vz_error_make(err, VZ_E_RESTORE, errno, "mkdir '%s'", dev);
		free(dev);
		return NULL;
	}
	return dev;
}

char *ct_stage_view(struct vz_ct *ct, const char *src, vz_error_t *err)
{
	_cleanup_free_ char *dev = stage_path(ct);
	char *view = xasprintf("%s.view", dev);

	if ((mkdir(STAGE_DIR, 0711) < 0 && errno != EEXIST) ||
	    (mkdir(view, 0755) < 0 && errno != EEXIST) ||
	    mount(src, view, NULL, MS_BIND, NULL) < 0) {
		vz_error_make(err, VZ_E_RESTORE, errno, "stage '%s' on '%s'", src, view);
		free(view);
		return NULL;
	}
	return view;
}

void ct_unstage(struct vz_ct *ct)
{
	_cleanup_free_ char *dev = stage_path(ct);
	_cleanup_free_ char *view = xasprintf("%s.view", dev);

	while (umount2(dev, MNT_DETACH) == 0)
		;
	(void)rmdir(dev);
	while (umount2(view, MNT_DETACH) == 0)
		;
	(void)rmdir(view);
	/* STAGE_DIR stays: another daemon's restore may be about to use it. */
}

static int cleanup(struct vz_ct *ct, bool umount, vz_error_t *err)
{
	_cleanup_error_ vz_error_t e = NULL;
	struct vz_cgroup *cg;

	if (ct->running && vz_state_alive(&ct->state))
		return 0;
	ct->running = false;
	cg = vz_ct_cgroup(ct, err);
	if (!cg)
		return -1;
	if (vz_cgroup_kill_all(cg, err) < 0 || vz_cgroup_destroy(cg, err) < 0)
		return -1;
	ct_res_sync_weight(ct, cg);
	/* The CT's network namespace died with its last process; proxies did not. */
	if (ct_net_stop(ct, err) < 0)
		return -1;
	/* A restore that died half way: its staged /dev. */
	ct_unstage(ct);
	/* A grace period ends with the CT: the next start has its hard limits. */
	ct_disk_end_grace(ct);
	/* The keeper ended with init; its socket is left for here, under the lock. */
	{
		_cleanup_free_ char *sock = ct_console_socket(ct);

		(void)unlink(sock);
	}
	/*
	 * A failing umount script leaves the root mounted, not the CT half
	 * stopped: its state goes, and the error says what stays.
	 */
	if (umount && ct_umount(ct, &e) < 0 && e->code != VZ_E_ACTIONSCRIPT)
		return vz_error_move(err, &e);
	if (vz_state_remove(ct->path.state, &ct->state, err) < 0)
		return -1;
	if (e) {
		(void)vz_error_wrap(&e, "CT %s stays mounted", ct->id);
		return vz_error_move(err, &e);
	}
	return 0;
}

int ct_cleanup_locked(struct vz_ct *ct, vz_error_t *err)
{
	return cleanup(ct, true, err);
}

int ct_cleanup_keep_mount(struct vz_ct *ct, vz_error_t *err)
{
	return cleanup(ct, false, err);
}
