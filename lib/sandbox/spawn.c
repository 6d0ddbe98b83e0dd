/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: called by a vzd worker running as host root. The CT's root
 * filesystem is untrusted (CT root owns it): every path inside it is
 * resolved with RESOLVE_IN_ROOT, never by string concatenation. Parameters
 * come from vzd (validated config), not from clients directly.
 *
 * Starting init takes three processes:
 *   W (the worker)  - host root: writes the id maps, moves I into the CT's
 *                     cgroups, forks M and hands M's mount namespace to I
 *   I (init)        - cloned with new user, pid, uts, ipc and net
 *                     namespaces, so all are owned by the CT's user namespace
 *                     and I is pid 1; it waits, joins the mount namespace M
 *                     prepared and execs the CT's init
 *   M (mounter)     - forked by W into I's pid namespace, still host root:
 *                     joins I's net/ipc/uts/cgroup namespaces, builds the
 *                     mount tree (masks, read-only /sys, /dev) in a private
 *                     mount namespace and pivots; only then it enters the
 *                     CT's user namespace and unshares a mount namespace owned
 *                     by it. The kernel locks every mount copied into that
 *                     namespace, so CT root cannot unmount a mask or reveal
 *                     what lies beneath. M's pid ns membership makes /proc
 *                     show the CT's processes; its net ns makes /sys the CT's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/caps.h"
#include "sandbox/mount.h"
#include "sandbox/seccomp.h"
#include "sandbox/spawn.h"
#include "util/syscalls.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Messages on the sync socket: a failure report from a child. */
struct child_report {
	int errnum;
	int has_errstr; /* msg already ends in strerror(errnum) */
	char msg[480];
};

/* Pass on an error object made in the child; its message already names errno. */
static VZ_NORETURN void child_fail_err(int sock, vz_error_t err)
{
	struct child_report r = {.errnum = err->errnum, .has_errstr = 1};

	snprintf(r.msg, sizeof(r.msg), "%s", err->msg);
	(void)!send(sock, &r, sizeof(r), MSG_NOSIGNAL);
	_exit(127);
}

/* Report a failure to the parent and end the child (STYLE rule 12). */
static VZ_NORETURN VZ_PRINTF(3, 4) void child_fail(int sock, int errnum, const char *fmt, ...)
{
	struct child_report r = {.errnum = errnum};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	(void)!send(sock, &r, sizeof(r), MSG_NOSIGNAL);
	_exit(127);
}

static int report_error(struct child_report *r, const char *what, vz_error_t *err)
{
	r->msg[sizeof(r->msg) - 1] = '\0';
	vz_error_make(err, VZ_E_CREATE, r->has_errstr ? 0 : r->errnum, "%s: %s", what, r->msg);
	if (err && *err)
		(*err)->errnum = r->errnum > 0 ? r->errnum : 0;
	return r->errnum > 0 ? -r->errnum : -1;
}

static int wait_go(int sock)
{
	char c;
	ssize_t n;

	do
		n = recv(sock, &c, 1, 0);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

static int send_go(int sock)
{
	char c = 'g';

	return send(sock, &c, 1, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* Tags of the descriptors on a sync socket. */
#define TAG_MOUNTS 'm'		    /* W to I: the mount namespace M built */
#define TAG_PTY 'p'		    /* a command's child to W: its pty master */
#define TAG_LISTENER FD_TAG_SYSINFO /* a child to W: the listener of its sysinfo filter */

/* A child's seccomp filters (memfds of BPF). */
struct filters {
	int bpf;     /* the default filter */
	int sysinfo; /* the sysinfo filter, or -1 */
};

static void filters_close(struct filters *f)
{
	closep(&f->bpf);
	closep(&f->sysinfo);
}

/*
 * In a child, the last step before its exec, so that none of its setup
 * runs filtered: the default filter, then the sysinfo filter, whose
 * listener goes to W.
 */
static void child_load_filters(int sock, const struct filters *f)
{
	vz_error_t err = NULL;
	int listener, r;

	if (vz_seccomp_load(f->bpf, &err) < 0)
		child_fail_err(sock, err);
	if (f->sysinfo < 0)
		return;
	if (vz_seccomp_load_listener(f->sysinfo, &listener, &err) < 0)
		child_fail_err(sock, err);
	r = fd_send(sock, TAG_LISTENER, listener);
	if (r < 0)
		child_fail(sock, -r, "send the sysinfo listener");
	(void)close(listener);
}

/* The caller's precompiled filters (vzd compiles them once), or a fresh default one. */
static int filters_open(const struct vz_spawn_confine *s, struct filters *f, vz_error_t *err)
{
	*f = (struct filters){.bpf = -EBADF, .sysinfo = -EBADF};
	if (s->fd < 0 && vz_seccomp_compile(&f->bpf, s->allow, err) < 0)
		return -1;
	if (s->fd >= 0)
		f->bpf = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
	if (s->sysinfo_fd >= 0 && s->sysinfo_sock && f->bpf >= 0)
		f->sysinfo = fcntl(s->sysinfo_fd, F_DUPFD_CLOEXEC, 3);
	if (f->bpf < 0 || (s->sysinfo_fd >= 0 && s->sysinfo_sock && f->sysinfo < 0)) {
		filters_close(f);
		return vz_error_make(err, VZ_E_SYSTEM, errno, "dup seccomp filter");
	}
	return 0;
}

/*
 * The child's listener to vzd, which keeps it and has the /proc view's
 * server answer its notifications. Should that fail, the listener closes
 * and the kernel answers the child's sysinfo(2) with ENOSYS: say so.
 */
static void hand_over_listener(const struct vz_spawn_confine *s, int *listener)
{
	int r;

	if (*listener < 0)
		return;
	r = fd_send_to(s->sysinfo_sock, TAG_LISTENER, *listener);
	if (r < 0 && s->out) {
		_cleanup_free_ char *msg =
			xasprintf("sysinfo(2) fails with ENOSYS in the process just started: "
				  "cannot hand its listener to '%s': %s",
				  s->sysinfo_sock, strerror(-r));

		s->out(s->out_data, VZ_OUT_WARNING, msg);
	}
	closep(listener);
}

/* Descriptors a child sends before its exec. */
struct child_fds {
	int pty;      /* or -1 */
	int listener; /* or -1 */
};

/*
 * Wait for the child's verdict: EOF (its end closed on exec) is success,
 * a report is a failure. fds, when non-NULL, receives the descriptors the
 * child sent first (a tag says which); any other is closed.
 */
static int read_verdict(int sock, const char *what, struct child_fds *fds, vz_error_t *err)
{
	struct child_report r;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;

	for (;;) {
		struct iovec iov = {.iov_base = &r, .iov_len = sizeof(r)};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		struct cmsghdr *c;
		ssize_t n;

		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vz_error_make(err, VZ_E_SYSTEM, errno, "%s: sync", what);
		if (n == 0)
			return 0;
		c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_type == SCM_RIGHTS) {
			char tag = *(char *)&r;
			int got, *slot = NULL;

			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fds && tag == TAG_PTY)
				slot = &fds->pty;
			else if (fds && tag == TAG_LISTENER)
				slot = &fds->listener;
			if (slot && *slot < 0)
				*slot = got;
			else
				(void)close(got);
			continue;
		}
		if ((size_t)n != sizeof(r))
			return vz_error_make(err, VZ_E_SYSTEM, EPROTO, "%s: sync", what);
		return report_error(&r, what, err);
	}
}

/* Wait for a child's one-byte "ready"; a failure report becomes the error. */
static int wait_ready(int sock, const char *what, vz_error_t *err)
{
	struct child_report r;
	ssize_t n;

	do
		n = recv(sock, &r, sizeof(r), 0);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		return 0;
	if (n == (ssize_t)sizeof(r)) {
		return report_error(&r, what, err);
	}
	return vz_error_make(err, VZ_E_CREATE, n < 0 ? errno : 0, "%s: helper died", what);
}

static int write_id_map(pid_t pid, const char *file, uint32_t base, uint32_t size, vz_error_t *err)
{
	char path[64], map[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	snprintf(map, sizeof(map), "0 %u %u\n", base, size);
	r = write_string_at(AT_FDCWD, path, map);
	if (r < 0)
		return vz_error_make(err, VZ_E_CREATE, -r, "write %s", file);
	return 0;
}

static void child_stdio(int sock, const int in[3])
{
	_cleanup_close_ int null = -EBADF;
	int fds[3];

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		child_fail(sock, errno, "open /dev/null");
	/* Moved above 2 first, so that no dup2 clobbers a source still to come. */
	for (int i = 0; i < 3; i++) {
		fds[i] = fcntl(in[i] >= 0 ? in[i] : null, F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			child_fail(sock, errno, "set up stdio");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			child_fail(sock, errno, "set up stdio");
}

static void child_become_ct_root(int sock)
{
	reset_signals();
	if (setgroups(0, NULL) < 0)
		child_fail(sock, errno, "setgroups");
	if (setresgid(0, 0, 0) < 0)
		child_fail(sock, errno, "setresgid");
	if (setresuid(0, 0, 0) < 0)
		child_fail(sock, errno, "setresuid");
}

/*
 * Fork into the pid namespace ns_pid, then switch back. With cgroup_fd >= 0
 * the child is born in that cgroup2 group (*ret_placed tells).
 */
static pid_t fork_into_pidns(int ns_pid, int cgroup_fd, int *ret_placed, vz_error_t *err)
{
	_cleanup_close_ int self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	pid_t pid;

	if (self < 0)
		return vz_error_make(err, VZ_E_CREATE, errno, "open own pid namespace");
	if (setns(ns_pid, CLONE_NEWPID) < 0)
		return vz_error_make(err, VZ_E_CREATE, errno, "enter pid namespace");
	pid = vz_clone_fork_into(0, cgroup_fd, ret_placed);
	if (pid != 0 && setns(self, CLONE_NEWPID) < 0) {
		/* Further children would land in the CT: this worker must not go on. */
		if (pid > 0)
			(void)kill(pid, SIGKILL);
		abort();
	}
	if (pid < 0)
		return vz_error_make(err, VZ_E_RESOURCE, errno, "fork");
	return pid;
}

/* In M: build the CT's mount tree as host root, then lock it (see the top). */
static VZ_NORETURN void mount_child(const struct vz_spawn_init_params *p, int init_pidfd, int sock)
{
	vz_error_t err = NULL;

	if (setns(init_pidfd, CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		child_fail(sock, errno, "join the CT's namespaces");
	struct vz_ct_mount_opts mo = {
		.owner = p->uid_base,
		.cgroup2_path = p->cgroup2_path,
		.pty_max = p->pty_max,
		.console = p->console,
		.shm_size = p->shm_size,
		.dev_nodes = p->dev_nodes,
		.n_dev_nodes = p->n_dev_nodes,
		.cgroup_v1 = p->cgroup_v1,
		.n_cgroup_v1 = p->n_cgroup_v1,
		.view = p->view,
	};

	if (vz_mount_ct_root(p->rootfs, &mo, &err) < 0)
		child_fail_err(sock, err);
	if (setns(init_pidfd, CLONE_NEWUSER) < 0)
		child_fail(sock, errno, "join the CT's user namespace");
	if (unshare(CLONE_NEWNS) < 0)
		child_fail(sock, errno, "unshare a locked mount namespace");
	(void)send_go(sock);
	/* W opens our mount namespace, then kills us. */
	(void)wait_go(sock);
	_exit(0);
}

/* M while it works: its pid and our end of its socket. */
struct mounter {
	pid_t pid;
	int sock;
};

/* Fork M into I's pid namespace; it builds the mounts while W does other work. */
static int start_mounter(const struct vz_spawn_init_params *p, pid_t init, int init_pidfd,
			 struct mounter *m, vz_error_t *err)
{
	_cleanup_close_ int ns_pid = -EBADF;
	int sv[2] = {-1, -1};
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	ns_pid = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_pid < 0)
		return vz_error_make(err, VZ_E_CREATE, errno, "open '%s'", path);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vz_error_make(err, VZ_E_CREATE, errno, "socketpair");
	int placed;

	m->pid = fork_into_pidns(ns_pid, -1, &placed, err);
	if (m->pid == 0) {
		(void)close(sv[0]);
		mount_child(p, init_pidfd, sv[1]);
	}
	(void)close(sv[1]);
	if (m->pid < 0) {
		(void)close(sv[0]);
		return -1;
	}
	m->sock = sv[0];
	return 0;
}

/* Wait for M; return an fd of its finished mount namespace. M is gone afterwards. */
static int finish_mounter(struct mounter *m, vz_error_t *err)
{
	char path[64];
	int fd = -1;

	if (m->pid <= 0)
		return -1;
	if (wait_ready(m->sock, "set up mounts", err) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)m->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			vz_error_make(err, VZ_E_CREATE, errno, "open '%s'", path);
	}
	(void)kill(m->pid, SIGKILL);
	(void)waitpid(m->pid, NULL, 0);
	closep(&m->sock);
	m->pid = 0;
	return fd;
}

/* In I: pid 1 of the CT, root of its user namespace, waiting for its mounts. */
static VZ_NORETURN void init_child(const struct vz_spawn_init_params *p, int sock,
				   const struct filters *f)
{
	vz_error_t err = NULL;
	int keep[] = {sock, f->bpf, f->sysinfo};
	int mnt;

	if (wait_go(sock) < 0)
		_exit(1);
	/* Rooted here: W has moved us into the CT's cgroups by now. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		child_fail(sock, errno, "unshare cgroup namespace");
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		child_fail(sock, errno, "set hostname '%s'", p->hostname);
	(void)send_go(sock);
	char tag;

	mnt = fd_recv(sock, &tag);
	if (mnt < 0 || tag != TAG_MOUNTS)
		_exit(1);
	if (setns(mnt, CLONE_NEWNS) < 0)
		child_fail(sock, errno, "join the CT's mount namespace");
	(void)close(mnt);
	child_become_ct_root(sock);
	if (vz_caps_drop_bounding(p->confine.cap_drop, &err) < 0)
		child_fail_err(sock, err);
	if (setsid() < 0)
		child_fail(sock, errno, "setsid");
	child_stdio(sock,
		    p->stdio ? p->stdio : (const int[3]){p->stdio_fd, p->stdio_fd, p->stdio_fd});
	close_fds_from(3, keep, ARRAY_SIZE(keep));
	if (chdir("/") < 0)
		child_fail(sock, errno, "chdir /");
	child_load_filters(sock, f);
	execve(p->argv[0], p->argv, p->envp);
	child_fail(sock, errno, "exec '%s'", p->argv[0]);
}

/*
 * W's side once I exists: maps, cgroups, mounts, then wait for the exec.
 * Moving I into v1 cgroups waits for an RCU grace period (~5 ms here), so
 * M builds the mount tree meanwhile.
 */
static int setup_init(const struct vz_spawn_init_params *p, pid_t pid, bool placed, int sock,
		      vz_error_t *err)
{
	_cleanup_close_ int pidfd = -EBADF, mnt = -EBADF;
	struct mounter m = {.sock = -1};
	struct child_fds fds = {.pty = -1, .listener = -1};
	int r = -1;

	if (write_id_map(pid, "uid_map", p->uid_base, p->uid_size, err) < 0 ||
	    write_id_map(pid, "gid_map", p->uid_base, p->uid_size, err) < 0)
		return -1;
	pidfd = vz_pidfd_open(pid, 0);
	if (pidfd < 0)
		return vz_error_make(err, VZ_E_CREATE, errno, "open init");
	if (start_mounter(p, pid, pidfd, &m, err) < 0)
		return -1;
	/* While M builds the mounts: init cannot exec before it has them. */
	if (p->prepare && p->prepare(p->prepare_data, pid, err) < 0)
		goto out;
	if ((!placed && vz_cgroup_attach(p->cg, pid, err) < 0) || send_go(sock) < 0 ||
	    wait_ready(sock, "start init", err) < 0)
		goto out;
	mnt = finish_mounter(&m, err);
	if (mnt < 0)
		goto out;
	if (fd_send(sock, TAG_MOUNTS, mnt) < 0) {
		vz_error_make(err, VZ_E_CREATE, errno, "hand mounts to init");
		goto out;
	}
	r = read_verdict(sock, "start init", &fds, err);
	if (r == 0)
		hand_over_listener(&p->confine, &fds.listener);
	closep(&fds.listener);
	closep(&fds.pty);
out:
	if (m.pid > 0) {
		(void)kill(m.pid, SIGKILL);
		(void)waitpid(m.pid, NULL, 0);
	}
	closep(&m.sock);
	return r;
}

int vz_spawn_init(const struct vz_spawn_init_params *p, pid_t *ret_pid, vz_error_t *err)
{
	_cleanup_(filters_close) struct filters f;
	int sv[2] = {-1, -1}, placed;
	pid_t pid;

	/* seccomp: compiled here, once, never in a child (STYLE rule 22). */
	if (filters_open(&p->confine, &f, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vz_error_make(err, VZ_E_CREATE, errno, "socketpair");
	/* On cgroup2 hosts init is born in its group: no migration to wait for. */
	pid = vz_clone_fork_into(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
					 CLONE_NEWNET,
				 vz_cgroup_dirfd_v2(p->cg), &placed);
	if (pid < 0) {
		vz_error_make(err, VZ_E_CREATE, errno, "clone init");
		goto fail;
	}
	if (pid == 0) {
		(void)close(sv[0]);
		init_child(p, sv[1], &f);
	}
	closep(&sv[1]);
	if (setup_init(p, pid, placed, sv[0], err) < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		goto fail;
	}
	closep(&sv[0]);
	*ret_pid = pid;
	return 0;
fail:
	closep(&sv[0]);
	closep(&sv[1]);
	return -1;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * CLONE_NEWTIME when init has a time namespace of its own (a CRIU restore
 * gives it one, to keep its clocks monotonic), else 0: a command must
 * share init's, or the CT could not be checkpointed again.
 */
static int time_ns_flag(pid_t init)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)init);
	if (stat(path, &a) < 0 || stat("/proc/self/ns/time", &b) < 0)
		return 0;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev ? 0 : CLONE_NEWTIME;
}

/* Open a pty pair in the CT's devpts and hand the master to the parent. */
static void exec_child_pty(int sock)
{
	_cleanup_close_ int master = -EBADF;
	int slave, unlock = 0, r;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		child_fail(sock, errno, "open /dev/ptmx in the CT");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		child_fail(sock, errno, "unlock pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		child_fail(sock, errno, "open pty peer");
	r = fd_send(sock, TAG_PTY, master);
	if (r < 0)
		child_fail(sock, -r, "send pty");
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		child_fail(sock, errno, "make pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			child_fail(sock, errno, "set up stdio");
	if (slave > 2)
		(void)close(slave);
}

static void exec_child_stdio(int sock, const int stdio[3])
{
	int fds[3];

	/* Move the fds above 2 first so dup2 cannot clobber one another. */
	for (int i = 0; i < 3; i++) {
		fds[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			child_fail(sock, errno, "set up stdio");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			child_fail(sock, errno, "set up stdio");
	if (setsid() < 0)
		child_fail(sock, errno, "setsid");
}

/* In Z: join the CT completely, become CT root, exec. */
static VZ_NORETURN void exec_child(const struct vz_spawn_exec_params *p, int pidfd,
				   const int *procs, int nprocs, int sock, const struct filters *f)
{
	vz_error_t err = NULL;
	extern char **environ;
	int keep[] = {sock, f->bpf, f->sysinfo};

	/* CT root must never ptrace or open /proc/PID/exe of a host-root process. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (int i = 0; i < nprocs; i++)
		if (write(procs[i], "0", 1) < 0)
			child_fail(sock, errno, "join the CT's cgroup");
	if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
				 CLONE_NEWCGROUP | time_ns_flag(p->init_pid)) < 0)
		child_fail(sock, errno, "enter the CT's namespaces");
	child_become_ct_root(sock);
	if (vz_caps_drop_bounding(p->confine.cap_drop, &err) < 0)
		child_fail_err(sock, err);
	if (p->pty)
		exec_child_pty(sock);
	else
		exec_child_stdio(sock, p->stdio);
	close_fds_from(3, keep, ARRAY_SIZE(keep));
	if (chdir("/root") < 0 && chdir("/") < 0)
		child_fail(sock, errno, "chdir /");
	environ = (char **)p->envp;
	child_load_filters(sock, f);
	execvp(p->argv[0], p->argv);
	child_fail(sock, errno, "command '%s'", p->argv[0]);
}

int vz_spawn_exec(const struct vz_spawn_exec_params *p, pid_t *ret_pid, vz_error_t *err)
{
	_cleanup_close_ int pidfd = -EBADF, ns_pid = -EBADF;
	_cleanup_(filters_close) struct filters f;
	struct child_fds fds = {.pty = -1, .listener = -1};
	int procs[64], nprocs, sv[2] = {-1, -1}, r = -1, placed;
	char path[64];
	pid_t pid;

	/* seccomp: compiled here, once, never in a child (STYLE rule 22). */
	if (filters_open(&p->confine, &f, err) < 0)
		return -1;
	pidfd = vz_pidfd_open(p->init_pid, 0);
	if (pidfd < 0)
		return vz_error_make(err, VZ_E_NOT_RUNNING, errno, "open init pid %d",
				     (int)p->init_pid);
	nprocs = vz_cgroup_open_procs(p->cg, procs, (int)ARRAY_SIZE(procs), err);
	if (nprocs < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)p->init_pid);
	ns_pid = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_pid < 0) {
		r = vz_error_make(err, VZ_E_NOT_RUNNING, errno, "open '%s'", path);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = vz_error_make(err, VZ_E_SYSTEM, errno, "socketpair");
		goto out;
	}
	pid = fork_into_pidns(ns_pid, vz_cgroup_dirfd_v2(p->cg), &placed, err);
	if (pid < 0)
		goto out;
	if (pid == 0) {
		(void)close(sv[0]);
		/* Born in the CT's group: nothing to join. */
		exec_child(p, pidfd, procs, placed ? 0 : nprocs, sv[1], &f);
	}
	closep(&sv[1]);
	if (p->ret_pty_master)
		*p->ret_pty_master = -1;
	if (read_verdict(sv[0], "exec", &fds, err) < 0) {
		(void)waitpid(pid, NULL, 0);
		closep(&fds.pty);
		closep(&fds.listener);
		goto out;
	}
	hand_over_listener(&p->confine, &fds.listener);
	if (p->ret_pty_master)
		*p->ret_pty_master = fds.pty;
	else
		closep(&fds.pty);
	*ret_pid = pid;
	r = 0;
out:
	for (int i = 0; i < nprocs; i++)
		(void)close(procs[i]);
	closep(&sv[0]);
	closep(&sv[1]);
	return r;
}
