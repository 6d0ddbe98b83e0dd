/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroups behind one vtable (STYLE rule 20). The layout is detected once
 * (statfs magic of /sys/fs/cgroup and /sys/fs/cgroup/unified): unified v2,
 * or v1/hybrid (v1 controllers, a cgroup2 beside them). Knob names of a
 * version live only in its backend. Each daemon keeps its CTs under its own
 * prefix ("<prefix>/<ctid>") and creates and removes only those groups.
 */
#ifndef VZ_CGROUP_H
#define VZ_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

enum vz_cgroup_mode {
	VZ_CGROUP_UNIFIED, /* cgroup2 only */
	VZ_CGROUP_HYBRID,  /* v1 controllers + cgroup2 without controllers */
	VZ_CGROUP_LEGACY,  /* v1 only */
	_VZ_CGROUP_MODE_MAX,
};

struct vz_cgroup;

/*
 * Resource settings of a CT, in version-neutral units; each backend turns
 * them into its own knobs (lib/res/ubc.c maps OpenVZ parameters to these).
 * Only the fields whose bit is in .set are written.
 */
enum vz_cg_res {
	VZ_CG_MEM = 1 << 0,	   /* mem_max */
	VZ_CG_SWAP = 1 << 1,	   /* swap_max */
	VZ_CG_PIDS = 1 << 2,	   /* pids_max */
	VZ_CG_CPU_WEIGHT = 1 << 3, /* cpu_units */
	VZ_CG_CPU_QUOTA = 1 << 4,  /* cpu_quota_pct */
	VZ_CG_CPUSET = 1 << 5,	   /* cpuset */
	VZ_CG_IO_WEIGHT = 1 << 6,  /* io_prio */
	VZ_CG_IO_MAX = 1 << 7,	   /* io_dev, io_bps, io_iops */
};

#define VZ_CG_UNLIMITED UINT64_MAX

struct vz_cgroup_limits {
	unsigned set;	   /* enum vz_cg_res bits */
	uint64_t mem_max;  /* bytes of RAM; VZ_CG_UNLIMITED for none */
	uint64_t swap_max; /* bytes of swap on top of RAM; VZ_CG_UNLIMITED for none */
	uint64_t pids_max; /* tasks; VZ_CG_UNLIMITED for none */
	/*
	 * OpenVZ cpuunits (8..500000, 1000 = the kernel's default weight):
	 * cpu.shares = units * 1024 / 1000 (2..262144) on v1,
	 * cpu.weight = units / 10 (1..10000) on v2. Both keep the ratios
	 * between CTs and never decrease as units grow.
	 */
	uint64_t cpu_units;
	uint64_t cpu_quota_pct; /* percent of one CPU (150 = 1.5 CPUs); 0 for none */
	const char *cpuset;	/* CPU list ("0-1,3"); NULL or "" for all of the parent's */
	unsigned io_prio;	/* OpenVZ ioprio 0..7 (4 = default weight) */
	dev_t io_dev;		/* the block device io_bps and io_iops apply to */
	uint64_t io_bps;	/* bytes/s read and write; 0 for none */
	uint64_t io_iops;	/* operations/s read and write; 0 for none */
};

/*
 * One rule of a CT's device allow-list: what a CT's process may do with
 * the device nodes of type (VZ_CG_DEV_CHAR or _BLOCK) and numbers
 * major:minor (VZ_CG_DEV_ANY: every number). Anything no rule allows is
 * denied. The access bits are those of the kernel's BPF device programs.
 */
enum vz_cg_dev_type {
	VZ_CG_DEV_BLOCK = 1,
	VZ_CG_DEV_CHAR = 2,
};

enum vz_cg_dev_access {
	VZ_CG_DEV_MKNOD = 1,
	VZ_CG_DEV_READ = 2,
	VZ_CG_DEV_WRITE = 4,
};

#define VZ_CG_DEV_ANY UINT32_MAX

struct vz_cg_dev {
	enum vz_cg_dev_type type;
	uint32_t major, minor; /* VZ_CG_DEV_ANY for any */
	unsigned access;       /* enum vz_cg_dev_access bits */
};

/* One accounting counter; have is false when this kernel or backend has none. */
struct vz_cg_counter {
	bool have;
	uint64_t held;	  /* current use */
	uint64_t maxheld; /* peak use, or held when the kernel keeps no peak */
	uint64_t limit;	  /* VZ_CG_UNLIMITED for none */
	uint64_t failcnt; /* times the limit was hit */
};

/* What the kernel accounts for a CT: read from the counters, never estimated. */
struct vz_cgroup_stats {
	struct vz_cg_counter mem;  /* bytes of RAM (page cache included) */
	struct vz_cg_counter swap; /* bytes of swap */
	struct vz_cg_counter pids; /* tasks */
	struct vz_cg_counter kmem; /* bytes of kernel memory (no own limit) */
	struct vz_cg_counter sock; /* bytes of socket buffers (no own limit) */
	bool have_oom_kills;
	uint64_t oom_kills; /* processes the OOM killer took inside the CT */
	bool have_cpu;
	uint64_t cpu_usage_ns; /* CPU time used by the CT */
	/* What the backend can enforce here: enum vz_cg_res bits. */
	unsigned supported;
};

/* One block device's I/O by the CT, as the kernel counts it. */
struct vz_cg_io {
	unsigned major, minor;
	uint64_t rbytes, wbytes, rios, wios;
};

#define VZ_CG_IO_DEVS 16

/* Parts of struct vz_cgroup_detail to read. */
enum vz_cg_detail_part {
	VZ_CG_DETAIL_MEM = 1 << 0, /* mem, swap and the breakdown */
	VZ_CG_DETAIL_CPU = 1 << 1,
	VZ_CG_DETAIL_IO = 1 << 2,
};

/*
 * What the per-CT /proc view (lib/view) reads of a CT at each open, part by
 * part and nothing more: RAM and swap with memory by kind, CPU time by
 * mode, I/O per device. stats reads every beancounter instead.
 */
struct vz_cgroup_detail {
	struct vz_cg_counter mem, swap;		/* as in struct vz_cgroup_stats */
	bool have_mem;				/* the memory breakdown below */
	uint64_t mem_file, mem_anon, mem_shmem; /* bytes: page cache, anonymous, shmem/tmpfs */
	bool have_cpu;
	uint64_t cpu_user_ns, cpu_system_ns;
	size_t n_io; /* devices in io[] (those the CT did I/O on, up to VZ_CG_IO_DEVS) */
	struct vz_cg_io io[VZ_CG_IO_DEVS];
};

struct vz_cgroup_ops {
	const char *name; /* "v2" or "v1" */
	/* Create the CT's group(s) and enable what the CT needs; fine if they exist. */
	int (*create)(struct vz_cgroup *cg, vz_error_t *err);
	/* Move pid into the CT's group(s). */
	int (*attach)(struct vz_cgroup *cg, pid_t pid, vz_error_t *err);
	/*
	 * Open the files through which a process can later move itself into
	 * the CT's groups by writing "0" (after it has left the host's mount
	 * namespace); returns the number of fds stored in fds[] (at most max).
	 */
	int (*open_procs)(struct vz_cgroup *cg, int *fds, int max, vz_error_t *err);
	/* Fd of the v2 directory for clone3(CLONE_INTO_CGROUP), or -1 when not usable. */
	int (*dirfd_v2)(struct vz_cgroup *cg);
	/* Number of processes in the CT (0 when the group does not exist). */
	int (*count_procs)(struct vz_cgroup *cg, vz_error_t *err);
	/* SIGKILL every process in the CT (cgroup.kill on v2 where present). */
	int (*kill_all)(struct vz_cgroup *cg, vz_error_t *err);
	/*
	 * Freeze (on) or thaw every process of the CT: the freezer hierarchy on
	 * v1, cgroup.freeze on v2. Freezing waits until the kernel says FROZEN.
	 */
	int (*freeze)(struct vz_cgroup *cg, bool on, vz_error_t *err);
	/* 1 when the CT's group is frozen, 0 when not (or missing), < 0 on error. */
	int (*frozen)(struct vz_cgroup *cg);
	/* Remove the CT's group(s); retries while the kernel still frees them. */
	int (*destroy)(struct vz_cgroup *cg, vz_error_t *err);
	/*
	 * Write the fields of lim named in lim->set to the CT's existing
	 * group(s). A field the backend cannot enforce on this host fails with
	 * VZ_E_RESOURCE and EOPNOTSUPP, naming it; check supported first.
	 */
	int (*set_limits)(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim,
			  vz_error_t *err);
	/*
	 * Read the CT's counters; st->supported tells which limits could be
	 * enforced. Works on a missing group too: then no counter is had.
	 */
	int (*stats)(struct vz_cgroup *cg, struct vz_cgroup_stats *st, vz_error_t *err);
	/* enum vz_cg_res bits this backend can enforce on this host (no group needed). */
	unsigned (*supported)(struct vz_cgroup *cg);
	/*
	 * Give the prefix group the sum of its CTs' CPU weights, so that the
	 * CTs together weigh against host tasks as OpenVZ's top-level CTs did.
	 * Run after a CT's weight changed or its group came or went.
	 */
	int (*sync_weight)(struct vz_cgroup *cg, vz_error_t *err);
	/*
	 * Read the parts (enum vz_cg_detail_part) of the CT's detail counters;
	 * a missing group or counter leaves its part empty.
	 */
	int (*detail)(struct vz_cgroup *cg, unsigned parts, struct vz_cgroup_detail *d,
		      vz_error_t *err);
	/*
	 * Make rules[0..n) the CT's whole device allow-list, in its existing
	 * group, without a moment in which the group allows more than both
	 * the old list and the new one: the devices controller on v1, a BPF
	 * device program on cgroup2 (hybrid hosts without the v1 controller
	 * use their cgroup2 group). No way to enforce it: VZ_E_RESOURCE with
	 * EOPNOTSUPP.
	 */
	int (*set_devices)(struct vz_cgroup *cg, const struct vz_cg_dev *rules, size_t n,
			   vz_error_t *err);
};

/* Detect the host's layout under root (normally "/sys/fs/cgroup"). */
int vz_cgroup_detect(const char *root, enum vz_cgroup_mode *ret, vz_error_t *err);

/*
 * Handle for CT ctid under prefix (e.g. "vz" or "vz-test-1234"), on the
 * hierarchy mounted at root. Nothing is created until ops->create.
 * mode < 0 means detect.
 */
struct vz_cgroup *vz_cgroup_new(const char *root, int mode, const char *prefix, const char *ctid,
				vz_error_t *err);
void vz_cgroup_free(struct vz_cgroup *cg);
void vz_cgroup_freep(struct vz_cgroup **cg);
#define _cleanup_cgroup_ _cleanup_(vz_cgroup_freep)

const struct vz_cgroup_ops *vz_cgroup_ops(const struct vz_cgroup *cg);
enum vz_cgroup_mode vz_cgroup_mode(const struct vz_cgroup *cg);

/* Shorthands through the vtable. */
int vz_cgroup_create(struct vz_cgroup *cg, vz_error_t *err);
int vz_cgroup_attach(struct vz_cgroup *cg, pid_t pid, vz_error_t *err);
int vz_cgroup_open_procs(struct vz_cgroup *cg, int *fds, int max, vz_error_t *err);
int vz_cgroup_dirfd_v2(struct vz_cgroup *cg);
int vz_cgroup_count_procs(struct vz_cgroup *cg, vz_error_t *err);
int vz_cgroup_kill_all(struct vz_cgroup *cg, vz_error_t *err);
int vz_cgroup_destroy(struct vz_cgroup *cg, vz_error_t *err);
int vz_cgroup_freeze(struct vz_cgroup *cg, bool on, vz_error_t *err);
int vz_cgroup_frozen(struct vz_cgroup *cg);
int vz_cgroup_set_limits(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, vz_error_t *err);
int vz_cgroup_stats(struct vz_cgroup *cg, struct vz_cgroup_stats *st, vz_error_t *err);
unsigned vz_cgroup_supported(struct vz_cgroup *cg);
int vz_cgroup_sync_weight(struct vz_cgroup *cg, vz_error_t *err);
int vz_cgroup_detail(struct vz_cgroup *cg, unsigned parts, struct vz_cgroup_detail *d,
		     vz_error_t *err);
int vz_cgroup_set_devices(struct vz_cgroup *cg, const struct vz_cg_dev *rules, size_t n,
			  vz_error_t *err);
/* Pids of every process in the CT (nested groups too), in *ret (free it); count or -1. */
int vz_cgroup_pids(struct vz_cgroup *cg, pid_t **ret, vz_error_t *err);

/*
 * fd of the CT's group in the cgroup2 hierarchy (the unified one, or the
 * controller-less one of a hybrid host); -1 when there is none. Owned by cg.
 */
int vz_cgroup_v2_group_fd(struct vz_cgroup *cg);

/* Host path of that group (heap string), or NULL. */
char *vz_cgroup_v2_path(struct vz_cgroup *cg);

/* Host path of the group whose freezer stops the whole CT (heap string), or NULL. */
char *vz_cgroup_freezer_path(struct vz_cgroup *cg);

/*
 * One entry of the CT's view of the v1 hierarchies (hybrid and legacy
 * hosts), as LXC shows them under /sys/fs/cgroup: a directory with the
 * host path of the CT's group in that hierarchy, or a symlink (a
 * co-mounted "cpu" -> "cpu,cpuacct", as the host has it).
 */
struct vz_cgroup_v1_dir {
	char *name;	/* under /sys/fs/cgroup: "memory", "cpu,cpuacct", "systemd" */
	char *path;	/* host path of the CT's group; NULL for a symlink */
	char *link;	/* a symlink's target; NULL for a directory */
	bool delegated; /* the named systemd hierarchy: the CT's own to manage */
};

/*
 * The CT's groups in every v1 hierarchy, in *ret (free with
 * vz_cgroup_v1_dirs_free); the count, 0 on a cgroup2-only host.
 */
int vz_cgroup_v1_dirs(struct vz_cgroup *cg, struct vz_cgroup_v1_dir **ret, vz_error_t *err);
void vz_cgroup_v1_dirs_free(struct vz_cgroup_v1_dir *dirs, size_t n);

/*
 * Hand the CT's cgroup2 group to uid (CT root) the way cgroup v2 delegation
 * is meant: the directory and its cgroup.procs, cgroup.threads and
 * cgroup.subtree_control, so the CT's init can make and manage sub-groups
 * below it and nowhere else. A no-op without a cgroup2 group. On v1 hosts
 * the CT's group of the named systemd hierarchy (no controller, only
 * process tracking) is handed over too (directory, cgroup.procs, tasks):
 * systemd in hybrid mode manages its services there.
 */
int vz_cgroup_delegate(struct vz_cgroup *cg, uid_t uid, vz_error_t *err);

#endif
