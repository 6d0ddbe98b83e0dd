/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Raw system calls without a glibc 2.36 wrapper; the only home of syscall(). */
#ifndef VZ_SYSCALLS_H
#define VZ_SYSCALLS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* struct clone_args of linux/sched.h (kernel 5.3+), spelled out for old headers. */
struct vz_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/*
 * fork() with namespace flags: clone3 where the kernel has it, else the
 * classic clone syscall with no new stack (which behaves like fork).
 * With cgroup_fd >= 0 the child is born in that cgroup2 group, so that no
 * migration is needed later; *ret_placed says whether that happened (not
 * when clone3 or CLONE_INTO_CGROUP is missing: the caller then attaches).
 * Returns 0 in the child, the pid in the parent, -1 with errno on failure.
 */
static inline pid_t vz_clone_fork_into(uint64_t flags, int cgroup_fd, int *ret_placed)
{
	struct vz_clone_args a = {.flags = flags, .exit_signal = SIGCHLD};
	long r = -1;

	*ret_placed = 0;
	if (getenv("VZ_TEST_NO_CLONE3")) {
		errno = ENOSYS;
	} else {
		if (cgroup_fd >= 0) {
			a.flags |= CLONE_INTO_CGROUP;
			a.cgroup = (uint64_t)cgroup_fd;
			r = syscall(SYS_clone3, &a, sizeof(a));
			if (r >= 0) {
				*ret_placed = 1;
				return (pid_t)r;
			}
			a.flags = flags;
			a.cgroup = 0;
		}
		r = syscall(SYS_clone3, &a, sizeof(a));
	}
	if (r < 0 && errno == ENOSYS)
		r = syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0UL, NULL, NULL, 0UL);
	return (pid_t)r;
}

/*
 * Reset sig to its default action with the raw system call: glibc's
 * sigaction() refuses the two real-time signals it keeps for itself (32, 33),
 * yet a parent can leave even those ignored, and execve keeps them so.
 */
static inline int vz_signal_default(int sig)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ka = {.handler = SIG_DFL};

	return (int)syscall(SYS_rt_sigaction, sig, &ka, NULL, sizeof(ka.mask));
}

static inline int vz_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

static inline int vz_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* A copy of fd targetfd of the process behind pidfd (needs ptrace rights over it). */
static inline int vz_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, targetfd, flags);
}

static inline int vz_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

/*
 * openat2() where the kernel has it; -ENOSYS otherwise so the caller can
 * fall back to a component-by-component O_NOFOLLOW walk.
 */
static inline int vz_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
			     uint64_t resolve)
{
	struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
	int fd;

	if (getenv("VZ_TEST_NO_OPENAT2")) {
		errno = ENOSYS;
		return -1;
	}
	fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd;
}

#endif
