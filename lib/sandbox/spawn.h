/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process creation inside a CT: the CT's init (vz_spawn_init) and commands
 * entering a running CT (vz_spawn_exec).
 */
#ifndef VZ_SPAWN_H
#define VZ_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "core/ctx.h"
#include "core/error.h"

/*
 * What confines a CT process beyond its namespaces: the capabilities it
 * goes without and its seccomp filters (sandbox/seccomp.h, compiled once
 * by vzd).
 */
struct vz_spawn_confine {
	uint64_t cap_drop; /* bounding-set bits (1 << CAP_x) to drop; see res/capability.h */
	int fd;		   /* the default filter, or -1: compiled for this spawn ... */
	unsigned allow;	   /* ... with what VZ_SECCOMP_* it lets through */
	int sysinfo_fd;	   /* the sysinfo filter, or -1: sysinfo(2) stays the kernel's */
	/* With sysinfo_fd: the datagram socket the filter's listener is sent to (vzd's). */
	const char *sysinfo_sock;
	vz_output_fn out; /* for a warning when it cannot be sent; may be NULL */
	void *out_data;
};

struct vz_spawn_init_params {
	const char *ctid;
	const char *rootfs;   /* host path of the CT root mount point */
	const char *hostname; /* NULL keeps the template's */
	uint32_t uid_base;    /* CT uid/gid 0 is this host id ... */
	uint32_t uid_size;    /* ... and the CT has this many ids */
	struct vz_cgroup *cg;
	char *const *argv;
	char *const *envp;
	int stdio_fd;	     /* init's stdin/stdout/stderr; < 0 means /dev/null */
	const int *stdio;    /* or three fds for them (a < 0 one is /dev/null); NULL: stdio_fd */
	const char *console; /* host path of a pty slave to bind on /dev/console, or NULL */
	const char *view;    /* host directory of the /proc view (viewmount.h), or NULL */
	const char *cgroup2_path; /* host path of the CT's cgroup2 group, or NULL */
	struct vz_spawn_confine confine;
	int pty_max;	   /* numpty: devpts max=, -1 for none */
	uint64_t shm_size; /* bytes of /dev/shm (vz_tmpfs_size), 0: the kernel's default */
	const struct vz_dev_node *dev_nodes; /* DEVNODES, made in its /dev */
	size_t n_dev_nodes;
	/* The CT's v1 hierarchies for the hybrid view (struct vz_ct_mount_opts), or none. */
	const struct vz_cgroup_v1_dir *cgroup_v1;
	size_t n_cgroup_v1;
	/* Called once init exists, before it execs (its network, say); may be NULL. */
	int (*prepare)(void *data, pid_t init_pid, vz_error_t *err);
	void *prepare_data;
};

/*
 * Start the CT's init. Returns once init has been exec'd (or failed to);
 * *ret_pid is init's host pid. The caller's children that come later are
 * unaffected: the pid namespace switch is undone before returning.
 */
int vz_spawn_init(const struct vz_spawn_init_params *p, pid_t *ret_pid, vz_error_t *err);

struct vz_spawn_exec_params {
	pid_t init_pid;
	struct vz_cgroup *cg;
	char *const *argv; /* argv[0] is looked up in the CT's PATH */
	char *const *envp;
	int stdio[3]; /* fds for the command's stdin, stdout, stderr */
	bool pty;     /* allocate a pty in the CT's devpts instead */
	struct vz_spawn_confine confine;
	int *ret_pty_master; /* with pty: the master, for the caller to relay */
};

/*
 * Run a command in the running CT whose init is init_pid. Returns the
 * command's host pid (a child of the caller, to be reaped by it) as soon as
 * it has been exec'd; exec failures (e.g. command not found) come back as
 * errors with errno set, code VZ_E_EXEC.
 */
int vz_spawn_exec(const struct vz_spawn_exec_params *p, pid_t *ret_pid, vz_error_t *err);

#endif
