/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared inside lib/cgroup; nothing outside it includes this. The modules
 * form layers, each calling only those below it:
 *
 *   cgroup.c (dispatcher)  ->  v1.c, v2.c (backends)
 *     ->  limits.c (limits, counters), devices.c (device allow-lists)
 *         and procs.c (processes)
 *     ->  common.c (knobs, clocks, the group path)
 * A handle holds one entry per hierarchy: a single cgroup2
 * root on unified hosts, every v1 hierarchy (plus the cgroup2 beside them
 * on hybrid hosts) otherwise. Helpers here return -errno (STYLE rule 10);
 * the ops turn them into error objects that name the group.
 */
#ifndef VZ_CGROUP_INTERNAL_H
#define VZ_CGROUP_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

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
	CG_CPU = 1 << 6,
	CG_CPUACCT = 1 << 7,
	CG_BLKIO = 1 << 8,
	CG_DEVICES = 1 << 9,
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

/* Backend discovery (v1.c, v2.c): fill cg->hiers from root_fd (borrowed). */
int cg_v1_discover(struct vz_cgroup *cg, int root_fd, bool hybrid, vz_error_t *err);
int cg_v2_discover(struct vz_cgroup *cg, int root_fd, vz_error_t *err);

/* ---- common.c: knobs, clocks, the group path ---- */

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

/* A DIR * of its own on the directory at fd (borrowed); NULL with errno. */
DIR *cg_opendir_at(int fd);
/* Opens the next nested group of d into *ret_fd: 1, or 0 at the end, or -errno. */
int cg_next_subdir(DIR *d, const char **ret_name, int *ret_fd);

/* Knob contents without trailing whitespace. */
int cg_read_knob(int fd, const char *name, char **ret);
bool cg_has_word(const char *list, const char *word);
uint64_t cg_now_us(void);
void cg_backoff(unsigned *delay_us);

/* ---- procs.c: the processes of a group ---- */

/* Tests set this to exercise the kill() fallback for kernels without pidfds. */
extern bool cg_test_no_pidfd;

int cg_write_pid(int fd, pid_t pid);
int cg_open_procs(int fd);
/* Processes in the group at fd and its nested groups. */
int cg_count(int fd);
/* Their pids in *ret (free it): the count, or -errno. */
int cg_list_pids(int fd, pid_t **ret);
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

/* ---- devices.c: a group's device allow-list ---- */

/*
 * Make rules[0..n) the whole allow-list of the v1 devices group at fd: the
 * rules not yet there are allowed first, then what the group allows beyond
 * them is denied, so the list never allows more than the old and new do.
 */
int cg_dev_v1_set(int fd, const struct vz_cg_dev *rules, size_t n);
/*
 * The same for the cgroup2 group at fd: a BPF device program of rules is
 * attached (BPF_F_ALLOW_MULTI, so that it runs below the host's own and
 * over the CT's sub-groups), then the programs attached before it are
 * detached. -EOPNOTSUPP when fd is no cgroup2 directory.
 */
int cg_dev_bpf_set(int fd, const struct vz_cg_dev *rules, size_t n);
/* The op-boundary form of either, for the group of h. */
int cg_dev_set(struct vz_cgroup *cg, struct cg_hier *h, const struct vz_cg_dev *rules, size_t n,
	       vz_error_t *err);

/* ---- limits.c: limits and counters; knob names come from the backends ---- */

/* Every enum vz_cg_res bit. */
#define CG_RES_ALL ((unsigned)VZ_CG_IO_MAX * 2 - 1)

/* One value: a whole knob (key NULL), or the "key value" line of a keyed knob. */
struct cg_knob {
	const char *file;
	const char *key;
};

/*
 * Where a counter's fields come from. Without held the counter is not had;
 * without maxheld it is held, without limit VZ_CG_UNLIMITED, without
 * failcnt 0 (file NULL: the kernel keeps no such value).
 */
struct cg_counter_src {
	struct cg_knob held, maxheld, limit, failcnt;
};

/* The pids controller's counter, the same in both versions. */
extern const struct cg_counter_src cg_pids_src;

/* The knobs through which a backend enforces one enum vz_cg_res bit. */
struct cg_res_knobs {
	unsigned bit;
	unsigned hier;		   /* v1: enum cg_flags of the hierarchy */
	const char *controller;	   /* v2: the controller in the root's cgroup.controllers */
	const char *knobs[2];	   /* in the CT's group: any one of them */
	const char *root_knobs[2]; /* without a group: any one in the root (none: no check) */
};

/* Writes the fields of bits to the group at fd, whose knobs are known to be there. */
struct cg_setter {
	unsigned bits;
	unsigned hier; /* v1: enum cg_flags of the hierarchy */
	int (*fn)(struct vz_cgroup *cg, int fd, const struct vz_cgroup_limits *lim,
		  vz_error_t *err);
};

/* What cg_set_limits needs of a backend. */
struct cg_limits_ops {
	const char *name; /* "cgroup v1", for messages */
	const struct cg_res_knobs *rows;
	size_t n_rows;
	const struct cg_setter *setters;
	size_t n_setters;
	/* The hierarchy that holds flag (v1), or the only one (v2); NULL if none. */
	struct cg_hier *(*hier_of)(struct vz_cgroup *cg, unsigned flag);
};

/* A counter value: decimal digits or "max" (VZ_CG_UNLIMITED); -EBADMSG otherwise. */
int cg_parse_u64(const char *s, uint64_t *ret);
/* The value of the line "key value" in text; -ENOENT without such a line. */
int cg_keyed_u64(const char *text, const char *key, uint64_t *ret);
/* k's value in the group at fd; -ENOENT when the file or the key is missing. */
int cg_read_value(int fd, const struct cg_knob *k, uint64_t *ret);
/* The same for an optional value: *have tells whether the kernel has it. */
int cg_read_opt(int fd, const struct cg_knob *k, uint64_t *ret, bool *have);
/*
 * The values of keys[0..n) in the keyed file at fd (memory.stat, cpu.stat),
 * read once: *have false when the file or a key is missing.
 */
int cg_read_keys(int fd, const char *file, const char *const *keys, uint64_t *const *vals, size_t n,
		 bool *have);
/* Fill *ret from the knobs of src; on failure *ret_knob names the one that failed. */
int cg_read_counter(int fd, const struct cg_counter_src *src, struct vz_cg_counter *ret,
		    const char **ret_knob);
/* Write value to knob (truncating, so that a fake tree holds exactly the last value). */
int cg_write_knob(int fd, const char *knob, const char *value);

/* The op-boundary forms: errors name the group, the knob and the value. */
int cg_set_knob(struct vz_cgroup *cg, int fd, const char *knob, const char *value, vz_error_t *err);
/* v, or unlimited (the backend's word for none) when v is VZ_CG_UNLIMITED. */
int cg_set_u64(struct vz_cgroup *cg, int fd, const char *knob, uint64_t v, const char *unlimited,
	       vz_error_t *err);
int cg_read_error(struct vz_cgroup *cg, const char *knob, int r, vz_error_t *err);

/* Check lim, then write its fields through b; nothing is written if a check fails. */
int cg_set_limits(struct vz_cgroup *cg, const struct cg_limits_ops *b,
		  const struct vz_cgroup_limits *lim, vz_error_t *err);
/* Whether any of knobs (NULL-padded, at most 2) exists in the directory at fd. */
bool cg_any_knob(int fd, const char *const knobs[2]);

uint64_t cg_clamp(uint64_t v, uint64_t lo, uint64_t hi);
/* a + b, VZ_CG_UNLIMITED when either is or the sum overflows. */
uint64_t cg_add_limit(uint64_t a, uint64_t b);
/* The weight of OpenVZ ioprio 0..7 within a knob's range lo..hi. */
uint64_t cg_io_weight(unsigned prio, uint64_t lo, uint64_t hi);

/*
 * I/O counters into d->io: v1's blkio.throttle.io_service_bytes (ios
 * false) or io_serviced (ios true), lines "MAJ:MIN Read N"; v2's io.stat,
 * lines "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ...". Odd lines are skipped.
 */
void cg_parse_io_v1(const char *text, bool ios, struct vz_cgroup_detail *d);
void cg_parse_io_v2(const char *text, struct vz_cgroup_detail *d);

/* Set the prefix level's weight knob to the sum of its CT groups'. */
int cg_sync_prefix_weight(struct vz_cgroup *cg, struct cg_hier *h, const char *knob, uint64_t lo,
			  uint64_t hi, uint64_t def);

#endif
