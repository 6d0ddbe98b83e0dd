/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzd: accepts connections, checks who is calling, and forks one worker per
 * request. The main process never acts on a CT itself: it only reaps
 * children (it is the subreaper of every CT init it started), watches
 * re-adopted inits through pidfds, and forks cleanup workers when a CT's
 * init exits.
 *
 * Trust model: anyone who can connect to the socket is untrusted until
 * SO_PEERCRED shows root or a member of the configured group; the socket
 * itself is mode 0660 root:group.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct/ct.h"
#include "sandbox/seccomp.h"
#include "ct/ctid.h"
#include "util/syscalls.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "vzd.h"

#define MAX_WORKERS 128
/* Members of the vzd group share what root leaves them. */
#define MAX_WORKERS_PER_USER 16
#define MAX_WATCHED 65536

struct watched {
	int pidfd;
	char *ctid;
};

struct daemon {
	struct vz_ctx *ctx;
	const char *socket_path;
	gid_t group; /* (gid_t)-1: root only */
	int listen_fd, sig_fd, ep_fd, load_fd;
	pid_t workers[MAX_WORKERS];
	uid_t worker_uid[MAX_WORKERS]; /* the client each worker serves; 0 for internal ones */
	int n_workers;
	ino_t socket_ino; /* to remove only our own socket file at exit */
	int dir_locks[2]; /* flocks on the root and run dirs: one daemon each */
	struct watched *watched;
	size_t n_watched;
	struct vzd_view view;
	bool quit;
};

static void logmsg(const char *fmt, ...) VZ_PRINTF(1, 2);
static void logmsg(const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
	fprintf(stderr, "%s vzd[%d]: ", ts, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Run from a sealed in-memory copy of ourselves. Every worker, and every
 * process it forks into a CT, then has that copy as /proc/self/exe, never
 * the vzd file on disk: a CT that gets a process of ours to execute
 * #!/proc/self/exe (CVE-2019-5736 style) can at most read a copy nobody
 * can write, not overwrite the host's binary. runc and crun do the same.
 */
static void reexec_sealed(char **argv)
{
	extern char **environ;
	_cleanup_close_ int src = -EBADF, mfd = -EBADF;
	char exe[64] = "";
	struct stat st;
	off_t off = 0;

	if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0 && !strncmp(exe, "/memfd:", 7))
		return;
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	mfd = memfd_create("vzd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (src < 0 || mfd < 0 || fstat(src, &st) < 0)
		goto fail;
	while (off < st.st_size)
		if (sendfile(mfd, src, &off, (size_t)(st.st_size - off)) <= 0)
			goto fail;
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		goto fail;
	fexecve(mfd, argv, environ);
fail:
	fprintf(stderr, "vzd: warning: cannot run from a sealed copy (%s); going on\n",
		strerror(errno));
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vzd [--root DIR] [--rundir DIR] [--socket PATH] [--config FILE]\n"
		   "           [--group NAME] [--no-onboot]\n"
		   "Container daemon for vzctl and vzlist.\n");
}

/* A stale socket file is removed; a live one means another vzd owns it. */
static int open_listener(const char *path, gid_t group, vz_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	int probe;

	if (strlen(path) >= sizeof(sa.sun_path))
		return vz_error_make(err, VZ_E_VALUE, 0, "socket path '%s' is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		return vz_error_make(err, VZ_E_SYSTEM, EADDRINUSE,
				     "another vzd is listening on '%s'", path);
	}
	if (probe >= 0)
		close(probe);
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "listen on '%s'", path);
	if (chmod(path, group == (gid_t)-1 ? 0600 : 0660) < 0 ||
	    (group != (gid_t)-1 && chown(path, 0, group) < 0))
		return vz_error_make(err, VZ_E_SYSTEM, errno, "set owner of '%s'", path);
	return take_fd(fd);
}

static bool peer_allowed(struct daemon *d, int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return false;
	if (cred->uid == 0)
		return true;
	if (d->group == (gid_t)-1)
		return false;
	if (cred->gid == d->group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0)
		return false;
	for (size_t i = 0; i < glen / sizeof(gid_t); i++)
		if (groups[i] == d->group)
			return true;
	return false;
}

static void reject(int fd, int code, int errnum, const char *msg)
{
	char buf[4096];
	_cleanup_error_ vz_error_t e = NULL;
	_cleanup_msg_ struct vz_msg *m = NULL;

	vz_error_make(&e, code, errnum, "%s", msg);
	m = vz_proto_reply_error(0, e);
	(void)vz_proto_send(fd, m, NULL, 0, NULL);
	/*
	 * Closing a socket with an unread request makes the kernel report
	 * ECONNRESET to the client ahead of our reply. Refuse further data
	 * (a late send gets EPIPE, the reply stays readable), drop what came.
	 */
	(void)shutdown(fd, SHUT_RD);
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void child_reset(struct daemon *d)
{
	sigset_t all;

	closep(&d->listen_fd);
	closep(&d->sig_fd);
	closep(&d->ep_fd);
	closep(&d->load_fd);
	closep(&d->dir_locks[0]);
	closep(&d->dir_locks[1]);
	for (size_t i = 0; i < d->n_watched; i++)
		closep(&d->watched[i].pidfd);
	closep(&d->view.fds.fd);
	closep(&d->view.fds.table);
	closep(&d->view.fds.intake);
	closep(&d->view.intake);
	fdset_clear(&d->view.listeners);
	closep(&d->view.pidfd);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

static int workers_of(const struct daemon *d, uid_t uid)
{
	int n = 0;

	for (int i = 0; i < d->n_workers; i++)
		n += d->worker_uid[i] == uid;
	return n;
}

static pid_t fork_worker(struct daemon *d, uid_t uid)
{
	pid_t pid;

	if (d->n_workers >= MAX_WORKERS || (uid != 0 && workers_of(d, uid) >= MAX_WORKERS_PER_USER))
		return -EAGAIN;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		d->worker_uid[d->n_workers] = uid;
		d->workers[d->n_workers++] = pid;
	} else {
		child_reset(d);
	}
	return pid;
}

static void accept_one(struct daemon *d)
{
	_cleanup_close_ int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct ucred cred;
	pid_t pid;

	if (fd < 0)
		return;
	if (!peer_allowed(d, fd, &cred)) {
		reject(fd, VZ_E_ACCES, EACCES, "permission denied: vzd serves root and its group");
		return;
	}
	pid = fork_worker(d, cred.uid);
	if (pid == -EAGAIN) {
		reject(fd, VZ_E_RESOURCE, EAGAIN, "vzd is busy: too many operations at once");
		return;
	}
	if (pid < 0) {
		reject(fd, VZ_E_RESOURCE, -pid, "vzd cannot fork a worker");
		return;
	}
	if (pid == 0) {
		struct vzd_conn c = {.ctx = d->ctx,
				     .sock = take_fd(fd),
				     .uid = cred.uid,
				     .gid = cred.gid,
				     .pid = cred.pid};
		vzd_worker_serve(&c);
	}
}

/* A worker that only cleans up after a CT whose init is gone. */
static void spawn_cleanup(struct daemon *d, const char *ctid)
{
	pid_t pid = fork_worker(d, 0);

	if (pid != 0)
		return;
	{
		_cleanup_error_ vz_error_t err = NULL;
		if (vz_ct_cleanup(d->ctx, ctid, &err) < 0) {
			logmsg("cleanup of CT %s: %s", ctid, err->msg);
			_exit(EXIT_FAILURE);
		}
		_exit(EXIT_SUCCESS);
	}
}

static void watch_init(struct daemon *d, const char *ctid, pid_t pid)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int pidfd = vz_pidfd_open(pid, 0);

	if (pidfd < 0 || d->n_watched >= MAX_WATCHED) {
		if (pidfd >= 0)
			close(pidfd);
		return;
	}
	d->watched = xreallocarray(d->watched, d->n_watched + 1, sizeof(*d->watched));
	d->watched[d->n_watched] = (struct watched){.pidfd = pidfd, .ctid = xstrdup(ctid)};
	ev.data.u64 = 2 + d->n_watched;
	d->n_watched++;
	(void)epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, pidfd, &ev);
}

static void watched_exit(struct daemon *d, size_t i)
{
	if (i >= d->n_watched || d->watched[i].pidfd < 0)
		return;
	(void)epoll_ctl(d->ep_fd, EPOLL_CTL_DEL, d->watched[i].pidfd, NULL);
	closep(&d->watched[i].pidfd);
	spawn_cleanup(d, d->watched[i].ctid);
}

/* Which CT had init pid? Only state files know, and there are few running CTs. */
static void init_exited(struct daemon *d, pid_t pid)
{
	_cleanup_closedir_ DIR *dir = opendir(d->ctx->rundir);
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		_cleanup_free_ char *ctid = NULL;
		_cleanup_ct_ struct vz_ct *ct = NULL;
		size_t len = strlen(de->d_name);

		if (len < 7 || !streq(de->d_name + len - 6, ".state"))
			continue;
		ctid = xstrndup(de->d_name, len - 6);
		if (!vz_ctid_is_numeric(ctid))
			continue;
		ct = vz_ct_open(d->ctx, ctid, VZ_CT_NO_CONFIG, NULL);
		if (ct && ct->state.pid == pid)
			spawn_cleanup(d, ctid);
	}
}

static void reap(struct daemon *d)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		bool worker = false;

		if (pid <= 0)
			return;
		for (int i = 0; i < d->n_workers; i++) {
			if (d->workers[i] == pid) {
				d->n_workers--;
				d->workers[i] = d->workers[d->n_workers];
				d->worker_uid[i] = d->worker_uid[d->n_workers];
				worker = true;
				break;
			}
		}
		/* A worker that dies without a word leaves its client with nothing: say why. */
		if (worker && WIFSIGNALED(status))
			logmsg("worker %d killed by signal %d", (int)pid, WTERMSIG(status));
		if (!worker)
			init_exited(d, pid);
	}
}

static void handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(d);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			d->quit = true;
	}
}

/* After a restart: watch inits still running, clean up after the dead. */
static void adopt(struct daemon *d)
{
	_cleanup_strv_ char **ids = vz_ct_list_ids(d->ctx, NULL);

	for (char **p = ids; p && *p; p++) {
		_cleanup_ct_ struct vz_ct *ct = vz_ct_open(d->ctx, *p, VZ_CT_NO_CONFIG, NULL);

		if (!ct || (!ct->state.exists && !ct->state_bad))
			continue;
		if (ct->running)
			watch_init(d, *p, ct->state.pid);
		else
			spawn_cleanup(d, *p);
	}
}

/* In a worker: start CT ctid, under its lock. */
static VZ_NORETURN void onboot_start(struct daemon *d, const char *ctid)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_ct *ct = vz_ct_open(d->ctx, ctid, VZ_CT_LOCK, &err);

	if (!ct || vz_ct_start(ct, 0, &err) < 0)
		logmsg("onboot start of CT %s: %s", ctid, err->msg);
	vz_ct_close(ct);
	_exit(err ? EXIT_FAILURE : EXIT_SUCCESS);
}

/* ONBOOT=yes CTs start once per host boot, not at every vzd restart. */
static void start_onboot(struct daemon *d)
{
	_cleanup_free_ char *marker = xasprintf("%s/booted", d->ctx->rundir);
	_cleanup_free_ char *boot_id = NULL, *seen = NULL;
	_cleanup_strv_ char **ids = NULL;

	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 64, &boot_id, NULL) < 0)
		return;
	if (read_file_at(AT_FDCWD, marker, 64, &seen, NULL) == 0 && streq(seen, boot_id))
		return;
	(void)write_file_atomic_at(AT_FDCWD, marker, boot_id, strlen(boot_id), 0600);
	ids = vz_ct_list_ids(d->ctx, NULL);
	for (char **p = ids; p && *p; p++) {
		_cleanup_ct_ struct vz_ct *ct = vz_ct_open(d->ctx, *p, 0, NULL);

		if (ct && vz_config_get_bool(ct->cfg, "ONBOOT", false) && !ct->running &&
		    fork_worker(d, 0) == 0)
			onboot_start(d, *p);
	}
}

/*
 * Two daemons on one root or one run dir would hand out the same uid ranges
 * and stop each other's CTs: the second one refuses to start. The lock is
 * ours alone (workers close their copy), so it dies with us.
 */
static int lock_dir(const char *dir, const char *what, int *ret_fd, vz_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/vzd.lock", dir);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return vz_error_make(err, VZ_E_LOCKED, 0, "another vzd already uses the %s '%s'",
				     what, dir);
	*ret_fd = take_fd(fd);
	return 0;
}

#define EV_LOAD_TIMER UINT64_MAX
#define EV_VIEW (UINT64_MAX - 1)
#define EV_SYSINFO (UINT64_MAX - 2)

/* The tick of the CTs' load averages (laverage.c). */
static int setup_load_timer(struct daemon *d, vz_error_t *err)
{
	struct itimerspec its = {
		.it_value = {.tv_sec = VZD_LOAD_INTERVAL_S},
		.it_interval = {.tv_sec = VZD_LOAD_INTERVAL_S},
	};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_LOAD_TIMER};

	d->load_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->load_fd < 0 || timerfd_settime(d->load_fd, 0, &its, NULL) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "set up the load average timer");
	(void)epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->load_fd, &ev);
	return 0;
}

/* A disk-watch worker's messages go to the daemon's log. */
static void log_output(void *data, enum vz_out_level level, const char *msg)
{
	(void)data;
	if (level == VZ_OUT_INFO || level == VZ_OUT_WARNING)
		logmsg("%s", msg);
}

/* In a worker: the soft disk limits of CT ctid (lib/ct/disk.c), under its lock. */
static VZ_NORETURN void disk_watch(struct daemon *d, const char *ctid)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct vz_ct *ct;

	d->ctx->out = log_output;
	ct = vz_ct_open(d->ctx, ctid, VZ_CT_LOCK | VZ_CT_TRYLOCK, &err);
	/* Busy with another operation: the next tick looks again. */
	if (ct && vz_ct_disk_watch(ct, &err) < 0)
		logmsg("disk limits of CT %s: %s", ctid, err->msg);
	vz_ct_close(ct);
	_exit(EXIT_SUCCESS);
}

/* Running CTs above a soft disk limit, or back under one: a worker each. */
static void disk_tick(struct daemon *d)
{
	_cleanup_strv_ char **ids = vz_ct_list_ids(d->ctx, NULL);

	for (char **p = ids; p && *p; p++) {
		/* The state file first: a stopped CT costs no config read. */
		_cleanup_ct_ struct vz_ct *st = vz_ct_open(d->ctx, *p, VZ_CT_NO_CONFIG, NULL);
		_cleanup_ct_ struct vz_ct *ct = NULL;

		if (!st || !st->running)
			continue;
		ct = vz_ct_open(d->ctx, *p, VZ_CT_ANY_CONFIG, NULL);
		if (ct && vz_ct_disk_watch_needed(ct) && fork_worker(d, 0) == 0)
			disk_watch(d, *p);
	}
}

static void load_tick(struct daemon *d)
{
	uint64_t expirations;

	if (read(d->load_fd, &expirations, sizeof(expirations)) == sizeof(expirations)) {
		vzd_load_tick(d->ctx);
		disk_tick(d);
		vzd_view_prune(&d->view);
	}
}

static void child_reset_cb(void *data)
{
	child_reset(data);
}

static void watch_view(struct daemon *d)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_VIEW};

	if (d->view.pidfd >= 0)
		(void)epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->view.pidfd, &ev);
}

/* The /proc view (view.c): before any CT starts, so that every start gets it. */
static void setup_view(struct daemon *d)
{
	d->view.reset = child_reset_cb;
	d->view.reset_data = d;
	d->view.log = logmsg;
	vzd_view_up(&d->view, d->ctx);
	watch_view(d);
	if (d->view.intake >= 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_SYSINFO};

		(void)epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->view.intake, &ev);
	}
}

static void view_died(struct daemon *d)
{
	if (d->view.pidfd >= 0)
		(void)epoll_ctl(d->ep_fd, EPOLL_CTL_DEL, d->view.pidfd, NULL);
	vzd_view_died(&d->view, d->ctx);
	watch_view(d);
}

static int setup(struct daemon *d, vz_error_t *err)
{
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	(void)sigprocmask(SIG_BLOCK, &mask, NULL);
	sigdelset(&mask, SIGPIPE);
	sigdelset(&mask, SIGHUP);
	d->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sig_fd < 0 || d->ep_fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "set up event loop");
	/* CT inits outlive the worker that started them: they become our children. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "become subreaper");
	if (vz_ctx_prepare(d->ctx, err) < 0 ||
	    lock_dir(d->ctx->root, "root", &d->dir_locks[0], err) < 0 ||
	    lock_dir(d->ctx->rundir, "run dir", &d->dir_locks[1], err) < 0)
		return -1;
	d->listen_fd = open_listener(d->socket_path, d->group, err);
	if (d->listen_fd < 0)
		return -1;
	{
		struct stat st;
		if (stat(d->socket_path, &st) == 0)
			d->socket_ino = st.st_ino;
	}
	ev.data.u64 = 0;
	(void)epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->listen_fd, &ev);
	ev.data.u64 = 1;
	(void)epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->sig_fd, &ev);
	return setup_load_timer(d, err);
}

static void run(struct daemon *d)
{
	while (!d->quit) {
		struct epoll_event evs[16];
		int n = epoll_wait(d->ep_fd, evs, 16, -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == 0)
				accept_one(d);
			else if (evs[i].data.u64 == 1)
				handle_signal(d);
			else if (evs[i].data.u64 == EV_LOAD_TIMER)
				load_tick(d);
			else if (evs[i].data.u64 == EV_SYSINFO)
				vzd_view_intake(&d->view, d->ctx);
			else if (evs[i].data.u64 == EV_VIEW)
				view_died(d);
			else
				watched_exit(d, evs[i].data.u64 - 2);
		}
	}
}

static int parse_args(int argc, char **argv, struct daemon *d, char **root, char **rundir,
		      char **config, char **group, bool *onboot)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"rundir", required_argument, NULL, 'R'},
		{"socket", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{"group", required_argument, NULL, 'g'},
		{"no-onboot", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			*root = optarg;
			break;
		case 'R':
			*rundir = optarg;
			break;
		case 's':
			d->socket_path = optarg;
			break;
		case 'c':
			*config = optarg;
			break;
		case 'g':
			*group = optarg;
			break;
		case 'n':
			*onboot = false;
			break;
		case 'V':
			printf("vzd %s\n", VZ_VERSION);
			exit(EXIT_SUCCESS);
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_error_ vz_error_t err = NULL;
	struct daemon d = {
		.listen_fd = -1,
		.sig_fd = -1,
		.ep_fd = -1,
		.load_fd = -1,
		.view = {.fds = {.fd = -1, .table = -1, .intake = -1}, .pidfd = -1, .intake = -1},
		.group = (gid_t)-1,
		.dir_locks = {-1, -1}};
	char *root = NULL, *rundir = NULL, *config = VZ_DEFAULT_CONFIG, *group = NULL;
	bool onboot = true;

	d.socket_path = VZ_DEFAULT_SOCKET;
	/* Whatever our parent left open or ignored is not ours to pass on to CTs. */
	close_fds_from(3, NULL, 0);
	reset_signals();
	reexec_sealed(argv);
	if (parse_args(argc, argv, &d, &root, &rundir, &config, &group, &onboot) < 0)
		return 20;
	if (getuid() != 0) {
		fprintf(stderr, "vzd: must run as root\n");
		return VZ_E_ACCES;
	}
	d.ctx = vz_ctx_new(root, rundir, config, &err);
	if (!d.ctx) {
		fprintf(stderr, "vzd: %s\n", err->msg);
		return err->code;
	}
	vzd_net_filter_init(d.ctx);
	if (!group)
		group = d.ctx->vzd_group;
	if (group) {
		struct group *g = getgrnam(group);
		if (!g) {
			fprintf(stderr, "vzd: group '%s' does not exist\n", group);
			return VZ_E_VALUE;
		}
		d.group = g->gr_gid;
	}
	/* Compiled once here, not in every start and exec (~1 ms each). */
	if (vz_seccomp_compile(&d.ctx->seccomp_fd, 0, &err) < 0 ||
	    vz_seccomp_compile(&d.ctx->seccomp_io_uring_fd, VZ_SECCOMP_IO_URING, &err) < 0 ||
	    setup(&d, &err) < 0) {
		fprintf(stderr, "vzd: %s\n", err->msg);
		return err->code;
	}
	logmsg("listening on %s (root %s, cgroup prefix %s)", d.socket_path, d.ctx->root,
	       d.ctx->cgroup_prefix);
	setup_view(&d);
	adopt(&d);
	if (onboot)
		start_onboot(&d);
	run(&d);
	logmsg("exiting; running CTs keep running");
	{
		/* A successor may already listen on the same path: leave its socket alone. */
		struct stat st;
		if (stat(d.socket_path, &st) == 0 && st.st_ino == d.socket_ino)
			(void)unlink(d.socket_path);
	}
	vz_ctx_free(d.ctx);
	return EXIT_SUCCESS;
}
