/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a CT has now, in one file: <rundir>/CTID.state, KEY="value" lines
 * written atomically whenever it changes. Besides the init (pid, its start
 * time, the wall clock of the start) and the cgroup prefix it runs under,
 * it records the settings as the CT has them, which differ from its config
 * after a `set` without --save: the id range, the network (IP_ADDRESS,
 * NEIGHBOUR_DEVS, NETIF, the routed host end) and every resource key that
 * was applied. stop and cleanup undo exactly that; an undone live `set`
 * goes back to it.
 *
 * The init pid is trusted only while /proc/PID/stat shows the recorded
 * start time, so a recycled pid is never mistaken for the CT.
 */
#ifndef VZ_STATE_H
#define VZ_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf/config.h"
#include "core/error.h"

/* Keys of the state file that are not config keys. */
#define VZ_STATE_PID "INIT_PID"
#define VZ_STATE_STARTTIME "START_TIME"
#define VZ_STATE_STARTED "STARTED"
#define VZ_STATE_CGROUP_PREFIX "CGROUP_PREFIX"
#define VZ_STATE_HOST_IF "HOST_IF"
/* The console pty's tty id (RDEV:DEV, hex), as CRIU names an external tty. */
#define VZ_STATE_CONSOLE "CONSOLE_TTY"
/* "yes" when the /proc view's files are bound in the CT (sandbox/viewmount.h). */
#define VZ_STATE_VIEW "PROC_VIEW"

struct vz_state {
	bool exists;	    /* a state file was read (or is to be written) */
	pid_t pid;	    /* CT init, host pid; 0 before init exists */
	uint64_t starttime; /* field 22 of /proc/PID/stat */
	time_t started;	    /* wall clock of the start */
	char cgroup_prefix[65];
	/* Every key of the file: the fields above as text, and the CT's live settings. */
	struct vz_config *kv;
};

/*
 * Read the state file at path into st (st->exists false and no keys when
 * there is none). A file that does not parse, or whose init fields are
 * malformed, is an error naming the file; st is then empty.
 */
int vz_state_load(const char *path, struct vz_state *st, vz_error_t *err);

/* Write st (fields and keys) to path atomically. */
int vz_state_save(const char *path, struct vz_state *st, vz_error_t *err);

/* Remove the file at path and empty st; a missing file is fine. */
int vz_state_remove(const char *path, struct vz_state *st, vz_error_t *err);

/* Free st's keys; st is empty afterwards. */
void vz_state_clear(struct vz_state *st);

/* A live setting (NULL when unset). */
const char *vz_state_get(const struct vz_state *st, const char *key);

/* Set or (value NULL) drop a live setting; validated as a config value. */
int vz_state_set(struct vz_state *st, const char *key, const char *value, vz_error_t *err);

/* Record pid as the CT's init, with its start time; -errno when it is gone. */
int vz_state_set_init(struct vz_state *st, pid_t pid);

/* Start time and one-letter state of a process; -errno when it is gone. */
int vz_proc_stat(pid_t pid, uint64_t *ret_starttime, char *ret_state);

/* True when st->pid still is the CT's init and has not exited. */
bool vz_state_alive(const struct vz_state *st);

#endif
