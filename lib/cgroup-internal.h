/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between cgroup.c and the two backends; nothing outside lib/cgroup*.c
 * includes this. A handle holds one entry per hierarchy: a single cgroup2
 * root on unified hosts, every v1 hierarchy (plus the cgroup2 beside them
 * on hybrid hosts) otherwise. Helpers here return -errno (STYLE rule 10);
 * the ops turn them into error objects that name the group.
 */
#ifndef VZ_CGROUP_INTERNAL_H
#define VZ_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

/* Bound on the nesting a CT may build inside its group that we walk. */
#define CG_MAX_DEPTH 64

/* Deadlines of kill_all and destroy, in microseconds. */
#define CG_KILL_TIMEOUT_US (5 * 1000 * 1000)
#define CG_DESTROY_TIMEOUT_US (2 * 1000 * 1000)

enum cg_flags {
	CG_CPUSET = 1 << 0,
	CG_MEMORY = 1 << 1,
	CG_PIDS = 1 << 2,
	CG_FREEZER = 1 << 3,
	CG_V2 = 1 << 4,	      /* a cgroup2 hierarchy */
	CG_OPTIONAL = 1 << 5, /* hybrid's cgroup2: used only where we may write */
};

struct cg_hier {
	char *name;	/* label for messages: directory under root, or "cgroup2" */
	unsigned flags; /* enum cg_flags */
	int root_fd;	/* the hierarchy's root directory */
	int fd;		/* the CT's group, once created or opened; -EBADF otherwise */
	int made_from;	/* first path level the running create made (1-based), 0 if none */
};

struct vz_cgroup {
	const struct vz_cgroup_ops *ops;
	enum vz_cgroup_mode mode;
	char *root;   /* for messages */
	char *prefix; /* "vz" or "a/b" */
	char *path;   /* "<prefix>/<ctid>" */
	struct cg_hier *hiers;
	size_t n_hiers;
};

/* Called for every level of the group path, top-down, after its mkdir. */
typedef int (*cg_level_fn)(struct cg_hier *h, int parent_fd, int fd);

/* Freeze (on) or thaw the group at fd; -ENOENT when it has no freezer. */
typedef int (*cg_freeze_fn)(int fd, bool on);

extern const struct vz_cgroup_ops cg_v1_ops;
extern const struct vz_cgroup_ops cg_v2_ops;

/* Tests set this to exercise the kill() fallback for kernels without pidfds. */
extern bool cg_test_no_pidfd;

/* Backend discovery: fill cg->hiers from root_fd (borrowed). */
int cg_v1_discover(struct vz_cgroup *cg, int root_fd, bool hybrid, vz_error_t *err);
int cg_v2_discover(struct vz_cgroup *cg, int root_fd, vz_error_t *err);

/* Append a hierarchy; takes ownership of root_fd. */
void cg_hier_add(struct vz_cgroup *cg, const char *name, unsigned flags, int root_fd);

/* Make cg->path in h (existing levels are fine) and keep its fd in h->fd. */
int cg_make(struct vz_cgroup *cg, struct cg_hier *h, cg_level_fn fn);
/* Remove what the last cg_make made in h. */
void cg_unmake(struct vz_cgroup *cg, struct cg_hier *h);
/* h->fd, opened and cached on first use; -ENOENT when the group is missing. */
int cg_group_fd(struct vz_cgroup *cg, struct cg_hier *h);
/* Remove the group and its nested groups (rmdir only), then the empty prefix. */
int cg_remove(struct vz_cgroup *cg, struct cg_hier *h, uint64_t deadline);

int cg_write_pid(int fd, pid_t pid);
int cg_open_procs(int fd);
/* Processes in the group at fd and its nested groups. */
int cg_count(int fd);
/* Processes in the CT's group of h and below it; 0 when the group is missing. */
int cg_count_in(struct vz_cgroup *cg, struct cg_hier *h, vz_error_t *err);

#define CG_FREEZE_TIMEOUT_US (500 * 1000)
/*
 * Write value to knob; with frozen != NULL, wait until the status knob
 * contains frozen (-ETIMEDOUT after CG_FREEZE_TIMEOUT_US).
 */
int cg_freeze_knob(int fd, const char *knob, const char *value, const char *status,
		   const char *frozen);
/* The backends' freeze and frozen ops, around their own knob helpers. */
int cg_freeze_op(struct vz_cgroup *cg, struct cg_hier *h, int (*fn)(int fd, bool on), bool on,
		 vz_error_t *err);
int cg_frozen_knob(struct vz_cgroup *cg, struct cg_hier *h, const char *status, const char *frozen);
/* Poll until the group at fd is empty; -ETIMEDOUT at deadline. */
int cg_wait_empty(int fd, uint64_t deadline);
/* Freeze, SIGKILL every listed pid, thaw; repeat until empty. */
int cg_kill_loop(int fd, cg_freeze_fn freeze, uint64_t deadline);
/* Write cgroup.kill; -ENOENT on kernels without it. */
int cg_v2_kill(int fd);

/* Knob contents without trailing whitespace. */
int cg_read_knob(int fd, const char *name, char **ret);
bool cg_has_word(const char *list, const char *word);
uint64_t cg_now_us(void);
void cg_backoff(unsigned *delay_us);

#endif
