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
#include "criu/criu.h"
#include "sandbox/seccomp.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/syscalls.h"
#include "util/xalloc.h"
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
		struct vz_view_fds fds = v->fds;
		struct fdset listeners = fdset_take(&v->listeners);
		_cleanup_free_ int *keep = xreallocarray(NULL, listeners.n + 4, sizeof(int));

		/* vzd's reset closes its copies of the view's fds: these are the server's now. */
		v->fds = (struct vz_view_fds){.fd = -EBADF, .table = -EBADF, .intake = -EBADF};
		v->reset(v->reset_data);
		keep[0] = fds.fd;
		keep[1] = fds.table;
		keep[2] = fds.intake;
		keep[3] = STDERR_FILENO;
		for (size_t i = 0; i < listeners.n; i++)
			keep[4 + i] = listeners.fd[i];
		close_fds_from(3, keep, listeners.n + 4);
		vz_view_serve(ctx, &fds, &listeners);
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

/*
 * With a server to answer them, CT processes get the sysinfo filter
 * (lib/view/sysinfo.h): vzd takes their listeners on a socket of its own.
 */
static void sysinfo_up(struct vzd_view *v, struct vz_ctx *ctx)
{
	_cleanup_error_ vz_error_t err = NULL;
	_cleanup_free_ char *sock = xasprintf("%s/sysinfo.sock", ctx->rundir);
	const char *why = v->fds.intake < 0 ? "the /proc view's server takes no listeners"
					    : vz_criu_sysinfo_unsafe();

	if (why) {
		v->log("sysinfo(2) in CTs shows the host: %s", why);
		return;
	}
	if (vz_seccomp_compile_sysinfo(&ctx->sysinfo_fd, &err) < 0) {
		v->log("sysinfo(2) in CTs shows the host: %s", err->msg);
		return;
	}
	v->intake = fd_socket_bind(sock);
	if (v->intake < 0) {
		v->log("sysinfo(2) in CTs shows the host: bind '%s': %s", sock,
		       strerror(-v->intake));
		closep(&ctx->sysinfo_fd);
		return;
	}
	ctx->sysinfo_sock = steal_ptr(sock);
}

/* No server any more: new CT processes keep the kernel's sysinfo(2). */
static void sysinfo_down(struct vzd_view *v, struct vz_ctx *ctx)
{
	closep(&ctx->sysinfo_fd);
	closep(&v->intake);
	free(ctx->sysinfo_sock);
	ctx->sysinfo_sock = NULL;
	/* Unanswered, their processes' sysinfo(2) would wait for ever; closed, it fails. */
	fdset_clear(&v->listeners);
}

void vzd_view_intake(struct vzd_view *v, struct vz_ctx *ctx)
{
	_cleanup_free_ char *server = vz_view_sysinfo_sock(ctx);
	size_t had = v->listeners.n;

	fdset_recv_all(&v->listeners, v->intake, FD_TAG_SYSINFO);
	/* Each new one to the server's socket (it waits for the next server when there is none). */
	for (size_t i = had; i < v->listeners.n; i++)
		(void)fd_send_to(server, FD_TAG_SYSINFO, v->listeners.fd[i]);
}

void vzd_view_prune(struct vzd_view *v)
{
	fdset_drop_hung_up(&v->listeners);
}

void vzd_view_up(struct vzd_view *v, struct vz_ctx *ctx)
{
	_cleanup_error_ vz_error_t err = NULL;
	int r;

	v->intake = -EBADF;
	if (vz_view_find(ctx, &v->pidfd, &v->pid, &v->fds) == 0) {
		v->log("the /proc view's server %d serves on", (int)v->pid);
		vz_view_copy_listeners(v->pidfd, v->pid, &v->listeners);
		sysinfo_up(v, ctx);
		return;
	}
	if (vz_view_mount(ctx, &v->fds, &err) < 0) {
		v->fds = (struct vz_view_fds){.fd = -EBADF, .table = -EBADF, .intake = -EBADF};
		v->log("no /proc view: %s; CTs start with the host's /proc files", err->msg);
		return;
	}
	r = fork_server(v, ctx);
	if (r < 0) {
		v->log("no /proc view: cannot fork its server: %s", strerror(-r));
		return;
	}
	sysinfo_up(v, ctx);
	graft_running(v, ctx);
}

void vzd_view_died(struct vzd_view *v, struct vz_ctx *ctx)
{
	closep(&v->pidfd);
	v->quick_deaths = time(NULL) - v->started < QUICK_DEATH_S ? v->quick_deaths + 1 : 0;
	if (v->fds.fd < 0)
		return;
	if (v->quick_deaths >= MAX_QUICK_DEATHS) {
		v->log("the /proc view's server keeps dying; not restarting it");
		sysinfo_down(v, ctx);
		return;
	}
	v->log("the /proc view's server %d is gone; starting another", (int)v->pid);
	if (fork_server(v, ctx) < 0) {
		v->log("cannot fork the /proc view's server");
		sysinfo_down(v, ctx);
	}
}
