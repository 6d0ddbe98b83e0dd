/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: runs in the source's vzd worker as root. The host and ssh
 * options come from root or the vz group through vzd; they are passed to
 * ssh as separate words (never through a local shell), and a host that
 * could be taken for an ssh option is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/remote.h"
#include "util/exec.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Keep-alives: a dead peer or a cut link is noticed within ~15 s. */
static const char *const ssh_base[] = {
	"ssh", "-o", "BatchMode=yes", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
};

int vz_remote_init(struct vz_remote *r, const char *host, const char *ssh_opts, const char *log,
		   const char *control, vz_error_t *err)
{
	*r = (struct vz_remote){0};
	if (!host || !*host || host[0] == '-' || strpbrk(host, " \t\n'\"\\;|&$`<>()"))
		return vz_error_make(err, VZ_E_VALUE, 0, "bad destination host '%s'",
				     host ? host : "");
	r->host = strchr(host, '@') ? xstrdup(host) : xasprintf("root@%s", host);
	r->ssh_opts = strv_split(ssh_opts ? ssh_opts : "", " \t");
	r->ssh_opts_raw = xstrdup(ssh_opts ? ssh_opts : "");
	r->log = xstrdup(log);
	r->control = control ? xstrdup(control) : NULL;
	return 0;
}

bool vz_remote_is_local(const struct vz_remote *r)
{
	const char *at = strchr(r->host, '@');
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL;
	bool local = false;

	if (getaddrinfo(at ? at + 1 : r->host, NULL, &hints, &res) != 0)
		return false;
	/* An address this host can bind to is one of its own. */
	for (struct addrinfo *a = res; a && !local; a = a->ai_next) {
		_cleanup_close_ int fd = socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		local = fd >= 0 && bind(fd, a->ai_addr, a->ai_addrlen) == 0;
	}
	freeaddrinfo(res);
	return local;
}

void vz_remote_done(struct vz_remote *r)
{
	free(r->host);
	strv_free(r->ssh_opts);
	free(r->ssh_opts_raw);
	free(r->log);
	free(r->control);
	*r = (struct vz_remote){0};
}

/* The connection sharing options: the master makes the socket, the others use it if there. */
static char *control_opts(const struct vz_remote *r, bool master)
{
	if (!r->control)
		return xstrdup("");
	return xasprintf("-o ControlMaster=%s -o ControlPath=%s", master ? "yes" : "no",
			 r->control);
}

static char **ssh_argv(const struct vz_remote *r, char *const *cmd, bool master)
{
	_cleanup_free_ char *ctl = control_opts(r, master);
	_cleanup_strv_ char **share = strv_split(ctl, " ");
	char **a = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(ssh_base); i++)
		a = strv_push(a, xstrdup(ssh_base[i]));
	for (char **o = share; o && *o; o++)
		a = strv_push(a, xstrdup(*o));
	for (char **o = r->ssh_opts; o && *o; o++)
		a = strv_push(a, xstrdup(*o));
	a = strv_push(a, xstrdup(r->host));
	a = strv_push(a, xstrdup("--"));
	for (char *const *c = cmd; c && *c; c++)
		a = strv_push(a, xstrdup(*c));
	return a;
}

/* In the child: stdin/stdout as given, stderr to the log, then exec. */
static VZ_NORETURN void exec_with(char **argv, int in, int out, const char *log)
{
	int fds[3] = {in, out, open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)};

	if (fds[2] < 0)
		_exit(127);
	exec_with_fds(argv, fds, 3);
}

static pid_t spawn(char **argv, int in, int out, const char *log, vz_error_t *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "fork"), -1;
	if (pid == 0)
		exec_with(argv, in, out, log);
	return pid;
}

/* master: this ssh opens the shared connection. */
static pid_t spawn_ssh(const struct vz_remote *r, char *const *cmd, bool master, int *ret_in,
		       int *ret_out, vz_error_t *err)
{
	_cleanup_strv_ char **a = ssh_argv(r, cmd, master);
	int to[2], from[2];
	pid_t pid;

	if (pipe2(to, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "pipe"), -1;
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]);
		close(to[1]);
		return vz_error_make(err, VZ_E_SYSTEM, errno, "pipe"), -1;
	}
	pid = spawn(a, to[0], from[1], r->log, err);
	close(to[0]);
	close(from[1]);
	if (pid < 0) {
		close(to[1]);
		close(from[0]);
		return -1;
	}
	*ret_in = from[0];
	*ret_out = to[1];
	return pid;
}

pid_t vz_remote_spawn(const struct vz_remote *r, char *const *cmd, int *ret_in, int *ret_out,
		      vz_error_t *err)
{
	if (r->control)
		(void)unlink(r->control);
	return spawn_ssh(r, cmd, true, ret_in, ret_out, err);
}

pid_t vz_remote_stream(const struct vz_remote *r, char *const *cmd, int *ret_sock, vz_error_t *err)
{
	_cleanup_strv_ char **a = ssh_argv(r, cmd, false);
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "socketpair"), -1;
	pid = spawn(a, sp[1], sp[1], r->log, err);
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		return -1;
	}
	*ret_sock = sp[0];
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *vz_remote_last_words(const struct vz_remote *r)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	char *end, *start;

	if (read_file_at(AT_FDCWD, r->log, 1 << 20, &text, &len) < 0)
		return NULL;
	end = text + len;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	return *start ? xstrdup(start) : NULL;
}

/* An error for a command that failed (code: the error's), with what it said last. */
static int failed(const struct vz_remote *r, const char *what, int code, int status,
		  vz_error_t *err)
{
	_cleanup_free_ char *last = vz_remote_last_words(r);

	return vz_error_make(err, code, 0, "%s failed (exit status %d)%s%s", what, status,
			     last ? ": " : "", last ? last : "");
}

/* Everything fd gives until EOF (NUL-terminated); fd is closed. */
static char *read_to_end(int fd)
{
	char *text = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096)
			text = xrealloc(text, cap += 65536);
		n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	return text;
}

int vz_remote_run(const struct vz_remote *r, char *const *cmd, char **ret_out, vz_error_t *err)
{
	int in, out, status;
	_cleanup_free_ char *text = NULL;
	pid_t pid = spawn_ssh(r, cmd, false, &in, &out, err);

	if (pid < 0)
		return -1;
	close(out);
	text = read_to_end(in);
	status = wait_status(pid);
	/* ssh exits 255 for its own errors, else with the remote command's status (vzctl's). */
	if (status != 0)
		return failed(r, "ssh", status > 0 && status < 255 ? status : VZ_E_SYSTEM, status,
			      err);
	if (ret_out)
		*ret_out = steal_ptr(text);
	return 0;
}

/* "Total bytes sent: 1,234" of rsync --stats. */
static uint64_t bytes_sent(const char *out)
{
	const char *p = out ? strstr(out, "Total bytes sent: ") : NULL;
	uint64_t v = 0;

	if (!p)
		return 0;
	for (p += 18; *p && *p != '\n'; p++)
		if (*p >= '0' && *p <= '9')
			v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/* The log's size now: what a command writes afterwards is its own. */
static off_t log_size(const struct vz_remote *r)
{
	struct stat st;

	return stat(r->log, &st) == 0 ? st.st_size : 0;
}

/*
 * rsync's reason is its first complaint ("rsync: [receiver] write failed
 * on ...: No space left on device"); what it says last is the sender's
 * broken pipe that followed.
 */
static int rsync_failed(const struct vz_remote *r, off_t from, int status, vz_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	const char *p;

	if (read_file_at(AT_FDCWD, r->log, 1 << 20, &text, &len) < 0 || (size_t)from > len)
		return failed(r, "rsync", VZ_E_SYSTEM, status, err);
	p = strstr(text + from, "rsync: ");
	if (!p)
		return failed(r, "rsync", VZ_E_SYSTEM, status, err);
	return vz_error_make(err, VZ_E_SYSTEM, 0, "rsync failed (exit status %d): %.*s", status,
			     (int)strcspn(p, "\n"), p);
}

int vz_remote_sync(const struct vz_remote *r, const char *src, const char *dst,
		   char *const *excludes, uint64_t *ret_bytes, vz_error_t *err)
{
	off_t logged = log_size(r);
	_cleanup_free_ char *ctl = control_opts(r, false);
	_cleanup_free_ char *e = xasprintf("ssh -o BatchMode=yes -o ServerAliveInterval=5 "
					   "-o ServerAliveCountMax=3 %s %s",
					   ctl, r->ssh_opts_raw);
	_cleanup_free_ char *from = xasprintf("%s/", src);
	_cleanup_free_ char *to = xasprintf("%s:%s/", r->host, dst);
	char *fixed[] = {"rsync", "-aHAXS", "--numeric-ids", "--delete", "--stats", "-e", e};
	_cleanup_strv_ char **argv = NULL;
	int p[2], status;
	_cleanup_free_ char *out = NULL;
	pid_t pid;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		argv = strv_push(argv, xstrdup(fixed[i]));
	for (char *const *x = excludes; x && *x; x++)
		argv = strv_push(argv, xasprintf("--exclude=%s", *x));
	argv = strv_push(argv, xstrdup(from));
	argv = strv_push(argv, xstrdup(to));
	if (pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "pipe");
	{
		_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		pid = spawn(argv, null, p[1], r->log, err);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	out = read_to_end(p[0]);
	status = wait_status(pid);
	/*
	 * 24: files vanished while rsync read the tree. A copy of a running CT
	 * sees that (a file renamed over another); the pass after the CT has
	 * stopped sends what is there then.
	 */
	if (status != 0 && status != 24)
		return rsync_failed(r, logged, status, err);
	if (ret_bytes)
		*ret_bytes = bytes_sent(out);
	return 0;
}
