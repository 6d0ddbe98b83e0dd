/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping the /proc view (lib/view) up. The FUSE connection lives as long
 * as one /dev/fuse fd of it is open: vzd holds one and its server
 * (`vzview`, forked from vzd, in its own session) the other. When the
 * server dies, vzd starts another on the same fd; the mounts in running
 * CTs never notice. When vzd restarts, it finds the server through its pid
 * file and takes a copy of its fd (pidfd_getfd). Only when both are gone
 * is the connection lost: then vzd mounts a new view, which CTs started
 * from then on get, and grafts it over the dead binds of the running ones
 * (see doc/architecture.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/ctid.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/syscalls.h"
#include "view/view.h"
#include "vzd.h"

/* A server that dies this soon after its start, this many times in a row, is left dead. */
#define QUICK_DEATH_S 2
#define MAX_QUICK_DEATHS 5

static int fork_server(struct vzd_view *v, struct vz_ctx *ctx)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = v->fd, table = v->table;
		int keep[] = {fd, table, STDERR_FILENO};

		/* vzd's reset closes its copies of the view's fds: these are the server's now. */
		v->fd = -EBADF;
		v->table = -EBADF;
		v->reset(v->reset_data);
		close_fds_from(3, keep, ARRAY_SIZE(keep));
		vz_view_serve(ctx, fd, table);
		_exit(EXIT_SUCCESS);
	}
	v->pid = pid;
	v->pidfd = vz_pidfd_open(pid, 0);
	v->started = time(NULL);
	return 0;
}

/*
 * A new view after the old one died with its server and vzd: in a child,
 * graft it into every running CT that had the old one, so that they read
 * their numbers again without a restart.
 */
static void graft_running(struct vzd_view *v, struct vz_ctx *ctx)
{
	_cleanup_strv_ char **ids = NULL;
	pid_t pid = fork();

	if (pid != 0)
		return;
	v->reset(v->reset_data);
	ids = vz_ct_list_ids(ctx, NULL);
	for (char **p = ids; p && *p; p++) {
		_cleanup_error_ vz_error_t err = NULL;
		_cleanup_ct_ struct vz_ct *ct = vz_ct_open(ctx, *p, VZ_CT_NO_CONFIG, NULL);

		if (!ct || !ct->running || !vz_state_get(&ct->state, VZ_STATE_VIEW))
			continue;
		if (vz_view_graft(ct, &err) < 0)
			v->log("CT %s keeps its dead /proc view: %s", *p, err->msg);
		else
			v->log("CT %s has the new /proc view", *p);
	}
	_exit(EXIT_SUCCESS);
}

void vzd_view_up(struct vzd_view *v, struct vz_ctx *ctx)
{
	_cleanup_error_ vz_error_t err = NULL;
	int r;

	if (vz_view_find(ctx, &v->pidfd, &v->pid, &v->fd, &v->table) == 0) {
		v->log("the /proc view's server %d serves on", (int)v->pid);
		return;
	}
	v->fd = vz_view_mount(ctx, &v->table, &err);
	if (v->fd < 0) {
		v->log("no /proc view: %s; CTs start with the host's /proc files", err->msg);
		return;
	}
	r = fork_server(v, ctx);
	if (r < 0) {
		v->log("no /proc view: cannot fork its server: %s", strerror(-r));
		return;
	}
	graft_running(v, ctx);
}

void vzd_view_died(struct vzd_view *v, struct vz_ctx *ctx)
{
	closep(&v->pidfd);
	v->quick_deaths = time(NULL) - v->started < QUICK_DEATH_S ? v->quick_deaths + 1 : 0;
	if (v->fd < 0)
		return;
	if (v->quick_deaths >= MAX_QUICK_DEATHS) {
		v->log("the /proc view's server keeps dying; not restarting it");
		return;
	}
	v->log("the /proc view's server %d is gone; starting another", (int)v->pid);
	if (fork_server(v, ctx) < 0)
		v->log("cannot fork the /proc view's server");
}
