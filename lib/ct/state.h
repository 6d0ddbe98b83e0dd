/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running state of a CT: <rundir>/CTID.state, KEY=value lines written
 * atomically. The init pid is trusted only while /proc/PID/stat shows the
 * recorded start time, so a recycled pid is never mistaken for the CT.
 */
#ifndef VZ_STATE_H
#define VZ_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/ctx.h"
#include "core/error.h"

struct vz_state {
	pid_t pid;	    /* CT init, host pid; 0 when there is no state */
	uint64_t starttime; /* field 22 of /proc/PID/stat */
	time_t started;	    /* wall clock of the start */
	char cgroup_prefix[65];
};

int vz_state_write(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st,
		   vz_error_t *err);
/* Fills st (pid 0 when the CT has no state file). */
int vz_state_read(struct vz_ctx *ctx, const char *ctid, struct vz_state *st, vz_error_t *err);
int vz_state_remove(struct vz_ctx *ctx, const char *ctid, vz_error_t *err);

/* Start time and one-letter state of a process; -errno when it is gone. */
int vz_proc_stat(pid_t pid, uint64_t *ret_starttime, char *ret_state);

/* True when st->pid still is the CT's init and has not exited. */
bool vz_state_alive(const struct vz_state *st);

#endif
