/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The view's server. At each open the reader (the request's pid, a host
 * pid: the daemon mounted the view in the host's pid namespace) is placed
 * by its cgroup (/proc/PID/cgroup: "<prefix>/<CTID>/..."), or named by the
 * directory it reads in; the CT is opened from its state file as any vzd
 * worker opens it (and kept open while that file stays), and the file's
 * text is made from the CT's counters (lib/cgroup), its beancounters
 * (lib/ct, lib/res) and the host's own file. The load averages are the
 * server's: every VZ_LOADAVG_INTERVAL_S seconds it counts each running
 * CT's tasks, into a table in shared memory the daemon holds as well, so
 * that a new server goes on from it.
 *
 * Trust model: the server runs as host root, outside every CT, and reads
 * only host files and the daemon's state. What a CT controls is which
 * files it opens and when; a CT's processes cannot pose as another CT's
 * (the kernel says which cgroup they are in).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ct/ct.h"
#include "ct/ctid.h"
#include "res/cpuio.h"
#include "res/loadavg.h"
#include "sandbox/mount.h"
#include "sandbox/ns.h"
#include "sandbox/viewmount.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/syscalls.h"
#include "util/xalloc.h"
#include "view/fuse.h"
#include "view/sysinfo.h"
#include "view/text.h"
#include "view/view.h"

/* The files, in the order of vz_view_files() (sandbox/viewmount.c), which names them. */
enum file {
	F_MEMINFO,
	F_SWAPS,
	F_CPUINFO,
	F_STAT,
	F_UPTIME,
	F_LOADAVG,
	F_DISKSTATS,
	F_CPU_ONLINE,
	F_UBC,
	_F_MAX,
};

/* The host's file each view file stands for (NULL: none, a reader outside CTs gets ENOENT). */
static const char *const host_file[_F_MAX] = {
	[F_MEMINFO] = "/proc/meminfo",
	[F_SWAPS] = "/proc/swaps",
	[F_CPUINFO] = "/proc/cpuinfo",
	[F_STAT] = "/proc/stat",
	[F_UPTIME] = "/proc/uptime",
	[F_LOADAVG] = "/proc/loadavg",
	[F_DISKSTATS] = "/proc/diskstats",
	[F_CPU_ONLINE] = "/sys/devices/system/cpu/online",
	[F_UBC] = NULL,
};

#define HOST_MAX (4 * 1024 * 1024)

/*
 * The load averages live in a memfd that the daemon holds too, like the
 * connection: a new server (or a new daemon, by pidfd_getfd) goes on with
 * the table, and nothing is ever written to disk.
 */
struct load {
	uint32_t ctid; /* 0: a free slot */
	uint32_t seen; /* running at the last tick */
	uint64_t avg[3];
};

#define MAX_LOADS 16384
#define TABLE_SIZE (MAX_LOADS * sizeof(struct load))

struct server {
	struct vz_ctx *ctx;
	const char *names[_F_MAX];
	struct load *loads; /* MAX_LOADS of them, shared */
};

static char *pid_path(const struct vz_ctx *ctx)
{
	return xasprintf("%s/view.pid", ctx->rundir);
}

/* ---- which CT a reader is in ---- */

/* The CTID in a cgroup path "/<prefix>/<ctid>[/...]", or NULL. */
static char *ctid_of_path(const char *path, const char *prefix)
{
	size_t n = strlen(prefix), len;

	if (path[0] != '/' || strncmp(path + 1, prefix, n) != 0 || path[n + 1] != '/')
		return NULL;
	path += n + 2;
	len = strcspn(path, "/\n");
	if (len == 0 || len > 10)
		return NULL;
	{
		_cleanup_free_ char *id = xstrndup(path, len);

		return vz_ctid_is_numeric(id) ? steal_ptr(id) : NULL;
	}
}

static char *reader_ctid(struct server *s, pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int)pid), *text = NULL;

	if (pid <= 0 || read_file_at(AT_FDCWD, path, 65536, &text, NULL) < 0)
		return NULL;
	/* "ID:controllers:/path" per hierarchy; the path is after the second colon. */
	for (const char *l = text; l && *l;) {
		const char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *nl = strchr(l, '\n');
		char *id =
			c2 && (!nl || c2 < nl) ? ctid_of_path(c2 + 1, s->ctx->cgroup_prefix) : NULL;

		if (id)
			return id;
		l = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/*
 * Running CTs as opened for earlier reads. Each open of a view file would
 * otherwise read the state file and open the CT's groups in every
 * hierarchy again; an entry is good while its state file is the same
 * (a start, a stop or a live change rewrites it) and its init lives.
 */
struct cached {
	unsigned long id;
	struct vz_ct *ct;
	int pidfd;
	struct stat st; /* of the state file */
	time_t used;
};

#define MAX_CACHED 256
#define CACHE_IDLE_S 30

static struct cached cache[MAX_CACHED];

static void uncache(struct cached *c)
{
	vz_ct_close(c->ct);
	closep(&c->pidfd);
	*c = (struct cached){.pidfd = -EBADF};
}

static bool cache_valid(struct cached *c)
{
	struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
	struct stat st;

	return stat(c->ct->path.state, &st) == 0 && st.st_ino == c->st.st_ino &&
	       st.st_dev == c->st.st_dev && st.st_mtim.tv_sec == c->st.st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == c->st.st_mtim.tv_nsec && poll(&p, 1, 0) == 0;
}

/* Running CT id, opened without its lock (as vzlist's are) and kept in the cache; NULL if none. */
static struct vz_ct *cached_ct(struct server *s, unsigned long id)
{
	struct cached *slot = NULL;
	char name[32];
	struct vz_ct *ct;
	struct stat st;
	int pidfd;

	for (size_t i = 0; i < MAX_CACHED; i++) {
		struct cached *c = &cache[i];

		if (c->ct && c->id == id) {
			if (cache_valid(c)) {
				c->used = time(NULL);
				return c->ct;
			}
			uncache(c);
		}
		if (!c->ct && !slot)
			slot = c;
	}
	snprintf(name, sizeof(name), "%lu", id);
	ct = vz_ct_open(s->ctx, name, VZ_CT_NO_CONFIG, NULL);
	/* The pidfd is taken after the open checked the init: a recycled pid is never the CT. */
	pidfd = ct && ct->running ? vz_pidfd_open(ct->state.pid, 0) : -1;
	if (!ct || pidfd < 0 || stat(ct->path.state, &st) < 0 || !vz_ct_cgroup(ct, NULL)) {
		if (pidfd >= 0)
			close(pidfd);
		vz_ct_close(ct);
		return NULL;
	}
	if (!slot) {
		/* Full: the least recently used goes. */
		slot = &cache[0];
		for (size_t i = 1; i < MAX_CACHED; i++)
			if (cache[i].used < slot->used)
				slot = &cache[i];
		uncache(slot);
	}
	*slot = (struct cached){.id = id, .ct = ct, .pidfd = pidfd, .st = st, .used = time(NULL)};
	return ct;
}

static void cache_sweep(void)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < MAX_CACHED; i++)
		if (cache[i].ct && (now - cache[i].used > CACHE_IDLE_S || !cache_valid(&cache[i])))
			uncache(&cache[i]);
}

/* ---- the CT's numbers ---- */

static uint64_t host_kb(const char *meminfo, const char *key)
{
	const char *p = strstr(meminfo, key);
	unsigned long long v;

	if (!p || sscanf(p + strlen(key), ": %llu", &v) != 1)
		return 0;
	return (uint64_t)v * 1024;
}

/* The CT's memory, from its counters and the host's RAM and swap (bytes). */
static void ct_mem_of(uint64_t host_total, uint64_t host_swap, const struct vz_cgroup_detail *d,
		      struct vz_view_mem *m)
{
	*m = (struct vz_view_mem){
		.total = d->mem.limit < host_total ? d->mem.limit : host_total,
		.used = d->mem.held,
		.file = d->have_mem ? d->mem_file : 0,
		.anon = d->have_mem ? d->mem_anon : d->mem.held,
		.shmem = d->have_mem ? d->mem_shmem : 0,
		/* The CT's swap is its limit, as OpenVZ showed its vswap; unlimited: the host's. */
		.swap_total = !d->swap.have || d->swap.limit == VZ_CG_UNLIMITED ? host_swap
										: d->swap.limit,
		.swap_used = d->swap.have ? d->swap.held : 0,
	};
	if (m->used > m->total)
		m->used = m->total;
}

static void ct_mem(const char *host, const struct vz_cgroup_detail *d, struct vz_view_mem *m)
{
	uint64_t host_total = host_kb(host, "\nMemTotal"), host_swap = host_kb(host, "\nSwapTotal");

	if (!host_total)
		host_total = host_kb(host, "MemTotal");
	ct_mem_of(host_total, host_swap, d, m);
}

static double boot_seconds(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds since the CT started, as /proc/uptime shows them. */
static double ct_uptime(const struct vz_ct *ct)
{
	double up = boot_seconds() - (double)ct->state.starttime / (double)sysconf(_SC_CLK_TCK);

	return up < 0 ? 0 : up;
}

/* The CPUs the CT is shown, as its CPUS, CPUMASK and CPULIMIT (the state's) make its cpuset and
 * quota. */
/*
 * Only what the host enforces counts (a host without CFS bandwidth control
 * or cpuset lets the CT use every CPU whatever it asked): the backend's
 * supported bits, the same for every CT, asked once.
 */
static unsigned host_supports(struct vz_ct *ct)
{
	static unsigned bits;
	static bool known;

	if (!known) {
		bits = vz_cgroup_supported(ct->cg);
		known = true;
	}
	return bits;
}

static unsigned ct_cpus(struct vz_ct *ct, unsigned *cpus, unsigned max)
{
	_cleanup_free_ char *online = NULL, *set = NULL;
	struct vz_cgroup_limits lim;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *mask = vz_state_get(&ct->state, "CPUMASK");
	unsigned supported = host_supports(ct);

	(void)read_file_at(AT_FDCWD, "/sys/devices/system/cpu/online", 4096, &online, NULL);
	if (!ct->state.kv || !(supported & VZ_CG_CPU_QUOTA) ||
	    vz_res_limits(ct->state.kv, ct->path.private, VZ_CG_CPU_QUOTA, &lim, NULL) < 0)
		lim.cpu_quota_pct = 0;
	if (ct->state.kv && (supported & VZ_CG_CPUSET)) {
		set = vz_res_cpus_cpuset(ct->state.kv, n > 0 ? (unsigned)n : 1,
					 strtoul(ct->id, NULL, 10));
		if (!set && mask && strcasecmp(mask, "all") != 0)
			set = xstrdup(mask);
	}
	return vz_view_pick_cpus(online, set, lim.cpu_quota_pct, cpus, max);
}

static struct load *find_load(struct server *s, const char *ctid, bool add)
{
	unsigned long id = strtoul(ctid, NULL, 10);
	struct load *free_slot = NULL;

	if (!s->loads || id == 0 || id > UINT32_MAX)
		return NULL;
	for (size_t i = 0; i < MAX_LOADS; i++) {
		if (s->loads[i].ctid == id)
			return &s->loads[i];
		if (!free_slot && s->loads[i].ctid == 0)
			free_slot = &s->loads[i];
	}
	if (!add || !free_slot)
		return NULL;
	*free_slot = (struct load){.ctid = (uint32_t)id};
	return free_slot;
}

static struct vz_loadavg load_of(const struct load *l)
{
	struct vz_loadavg a = {{0}};

	for (int i = 0; l && i < 3; i++)
		a.avg[i] = (unsigned long)l->avg[i];
	return a;
}

struct ct_text {
	struct vz_ct *ct;
	const char *host;
	struct vz_cgroup_detail d;
};

static char *cpu_text(struct server *s, enum file f, struct ct_text *t)
{
	unsigned cpus[1024];
	unsigned long running = 0, threads = 0, active = 0;
	_cleanup_free_ pid_t *pids = NULL;
	int npids;
	struct vz_view_cpu c = {.cpus = cpus};
	struct load *l;

	c.n = ct_cpus(t->ct, cpus, ARRAY_SIZE(cpus));
	if (c.n == 0)
		cpus[c.n++] = 0;
	if (f == F_CPU_ONLINE)
		return vz_view_cpu_online(c.n);
	if (f == F_CPUINFO)
		return vz_view_cpuinfo(t->host, &c);
	/* Only stat and loadavg count tasks: that walks every thread of the CT. */
	npids = f == F_UPTIME ? 0 : vz_cgroup_pids(t->ct->cg, &pids, NULL);
	if (npids > 0)
		active = vz_loadavg_count(pids, npids, &running, &threads);
	if (f == F_LOADAVG) {
		struct vz_loadavg a;

		l = find_load(s, t->ct->id, false);
		a = load_of(l);
		return vz_view_loadavg(&a, running, threads);
	}
	c.running = running;
	c.blocked = active - running;
	c.user_ns = t->d.have_cpu ? t->d.cpu_user_ns : 0;
	c.system_ns = t->d.have_cpu ? t->d.cpu_system_ns : 0;
	c.uptime = ct_uptime(t->ct);
	return f == F_STAT ? vz_view_stat(t->host, &c) : vz_view_uptime(&c);
}

static char *ubc_text(struct vz_ct *ct)
{
	size_t n = vz_ubc_count();
	_cleanup_free_ struct vz_ubc_row *rows = xzalloc(n * sizeof(*rows));
	struct vz_cgroup_stats st;

	if (vz_ct_ubc(ct, rows, &st, NULL) < 0)
		return NULL;
	return vz_view_ubc(ct->id, rows, n);
}

/* The counters each file needs, and no more: a view's open costs what its file needs. */
static const unsigned parts_of[_F_MAX] = {
	[F_MEMINFO] = VZ_CG_DETAIL_MEM,	 [F_SWAPS] = VZ_CG_DETAIL_MEM,
	[F_STAT] = VZ_CG_DETAIL_CPU,	 [F_UPTIME] = VZ_CG_DETAIL_CPU,
	[F_DISKSTATS] = VZ_CG_DETAIL_IO,
};

static char *ct_text(struct server *s, enum file f, struct vz_ct *ct, const char *host)
{
	struct ct_text t = {.ct = ct, .host = host};
	struct vz_view_mem m;

	if (f == F_UBC)
		return ubc_text(ct);
	if (!vz_ct_cgroup(ct, NULL) || vz_cgroup_detail(ct->cg, parts_of[f], &t.d, NULL) < 0)
		return NULL;
	switch (f) {
	case F_MEMINFO:
	case F_SWAPS:
		if (!t.d.mem.have)
			return f == F_MEMINFO ? xstrdup(host) : NULL;
		ct_mem(host, &t.d, &m);
		return f == F_MEMINFO ? vz_view_meminfo(host, &m) : vz_view_swaps(&m);
	case F_DISKSTATS:
		return vz_view_diskstats(host, &t.d);
	case F_CPUINFO:
	case F_STAT:
	case F_UPTIME:
	case F_LOADAVG:
	case F_CPU_ONLINE:
		return cpu_text(s, f, &t);
	case F_UBC:
	case _F_MAX:
		break;
	}
	return NULL;
}

/* CT ctid if it runs, or with ctid 0 the one pid is in; NULL for none. Borrowed from the cache. */
static struct vz_ct *which_ct(struct server *s, unsigned long ctid, pid_t pid)
{
	if (!ctid) {
		_cleanup_free_ char *id = reader_ctid(s, pid);

		ctid = id ? strtoul(id, NULL, 10) : 0;
	}
	return ctid ? cached_ct(s, ctid) : NULL;
}

static char *file_text(void *data, unsigned long ctid, size_t i, pid_t pid, int *ret_errno)
{
	struct server *s = data;
	struct vz_ct *ct = i < _F_MAX ? which_ct(s, ctid, pid) : NULL;
	_cleanup_free_ char *host = NULL;
	char *text;
	int r;

	/* A CT's own directory shows nothing but that CT, running. */
	if (i >= _F_MAX || (!ct && (ctid || !host_file[i]))) {
		*ret_errno = ENOENT;
		return NULL;
	}
	if (host_file[i]) {
		r = read_file_at(AT_FDCWD, host_file[i], HOST_MAX, &host, NULL);
		if (r < 0) {
			*ret_errno = -r;
			return NULL;
		}
	}
	if (!ct)
		return steal_ptr(host);
	text = ct_text(s, (enum file)i, ct, host ? host : "");
	/* Counters that cannot be read now: the host's file rather than a failed read. */
	if (!text)
		text = host ? steal_ptr(host) : xstrdup("");
	return text;
}

static void file_owner(void *data, unsigned long ctid, pid_t pid, uid_t *uid, gid_t *gid)
{
	struct server *s = data;
	struct vz_ct *ct = which_ct(s, ctid, pid);
	uid_t root;

	*uid = 0;
	*gid = 0;
	if (ct && vz_ct_root_uid(ct, &root) == 0) {
		*uid = root;
		*gid = root;
	}
}

/* ---- sysinfo(2) ---- */

/* The answer to a CT process's sysinfo(2): what its /proc files say. */
static bool ct_sysinfo(void *data, pid_t pid, struct vz_view_sysinfo *v)
{
	struct server *s = data;
	struct vz_ct *ct = which_ct(s, 0, pid);
	_cleanup_free_ pid_t *pids = NULL;
	struct vz_cgroup_detail d;
	struct vz_loadavg a;
	struct vz_view_mem m;
	struct sysinfo host;
	int n;

	if (!ct || sysinfo(&host) < 0)
		return false;
	*v = (struct vz_view_sysinfo){
		.uptime = (int64_t)ct_uptime(ct),
		.totalram = (uint64_t)host.totalram * host.mem_unit,
		.freeram = (uint64_t)host.freeram * host.mem_unit,
		.sharedram = (uint64_t)host.sharedram * host.mem_unit,
		.bufferram = (uint64_t)host.bufferram * host.mem_unit,
		.totalswap = (uint64_t)host.totalswap * host.mem_unit,
		.freeswap = (uint64_t)host.freeswap * host.mem_unit,
	};
	if (vz_cgroup_detail(ct->cg, VZ_CG_DETAIL_MEM, &d, NULL) == 0 && d.mem.have) {
		ct_mem_of(v->totalram, v->totalswap, &d, &m);
		v->totalram = m.total;
		v->freeram = m.total - m.used;
		v->sharedram = m.shmem;
		v->bufferram = 0;
		v->totalswap = m.swap_total;
		v->freeswap = m.swap_used < m.swap_total ? m.swap_total - m.swap_used : 0;
	}
	a = load_of(find_load(s, ct->id, false));
	for (int i = 0; i < 3; i++)
		v->loads[i] = a.avg[i] << (SI_LOAD_SHIFT - VZ_LOADAVG_FSHIFT);
	n = vz_cgroup_pids(ct->cg, &pids, NULL);
	v->procs = n > 0 ? (uint32_t)n : 1;
	return true;
}

/* ---- load averages ---- */

static void loads_tick(struct server *s)
{
	_cleanup_strv_ char **ids = vz_ct_list_ids(s->ctx, NULL);

	if (!s->loads)
		return;
	for (size_t i = 0; i < MAX_LOADS; i++)
		s->loads[i].seen = false;
	for (char **p = ids; p && *p; p++) {
		_cleanup_ct_ struct vz_ct *ct = vz_ct_open(s->ctx, *p, VZ_CT_NO_CONFIG, NULL);
		_cleanup_free_ pid_t *pids = NULL;
		struct vz_cgroup *cg = ct && ct->running ? vz_ct_cgroup(ct, NULL) : NULL;
		int n = cg ? vz_cgroup_pids(cg, &pids, NULL) : -1;
		struct load *l;
		struct vz_loadavg a;

		l = n < 0 ? NULL : find_load(s, *p, true);
		if (!l)
			continue;
		a = load_of(l);
		vz_loadavg_fold(&a, vz_loadavg_count(pids, n, NULL, NULL));
		for (int i = 0; i < 3; i++)
			l->avg[i] = a.avg[i];
		l->seen = true;
	}
	/* A stopped CT's slot is free again: it starts from zero next time. */
	for (size_t i = 0; i < MAX_LOADS; i++)
		if (!s->loads[i].seen)
			s->loads[i] = (struct load){0};
}

/* ---- the process ---- */

static void write_pid_file(struct vz_ctx *ctx, const struct vz_view_fds *fds)
{
	_cleanup_free_ char *path = pid_path(ctx), *text = NULL;
	uint64_t start = 0;

	(void)vz_proc_stat(getpid(), &start, NULL);
	text = xasprintf("%d %" PRIu64 " %d %d %d\n", (int)getpid(), start, fds->fd, fds->table,
			 fds->intake);
	(void)write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600);
}

/* Is the pid file still ours? Not when the run dir went, or another server took over. */
static bool pid_file_ours(struct vz_ctx *ctx)
{
	_cleanup_free_ char *path = pid_path(ctx), *text = NULL;
	int pid;

	return read_file_at(AT_FDCWD, path, 256, &text, NULL) == 0 &&
	       sscanf(text, "%d", &pid) == 1 && pid == (int)getpid();
}

static void remove_pid_file(struct vz_ctx *ctx)
{
	_cleanup_free_ char *path = pid_path(ctx), *text = NULL;
	int pid;

	if (read_file_at(AT_FDCWD, path, 256, &text, NULL) == 0 && sscanf(text, "%d", &pid) == 1 &&
	    pid == (int)getpid())
		(void)unlink(path);
}

char *vz_view_sysinfo_sock(const struct vz_ctx *ctx)
{
	return xasprintf("%s/view-sysinfo.sock", ctx->rundir);
}

/* Answer every listener poll found ready; drop those that are done. */
static void answer_listeners(struct server *s, struct fdset *l, const struct pollfd *p, size_t n)
{
	/* Backwards: a drop moves the last one into the dropped one's place. */
	for (size_t i = n; i-- > 0;) {
		if (p[i].revents & POLLIN) {
			if (vz_view_sysinfo_answer(l->fd[i], ct_sysinfo, s) < 0)
				fdset_drop(l, i);
		} else if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			fdset_drop(l, i);
		}
	}
}

void vz_view_serve(struct vz_ctx *ctx, const struct vz_view_fds *fds, struct fdset *listeners)
{
	int fd = fds->fd;
	struct server s = {.ctx = ctx};
	const struct vz_view_file *files = vz_view_files();
	struct itimerspec its = {.it_value = {.tv_sec = VZ_LOADAVG_INTERVAL_S},
				 .it_interval = {.tv_sec = VZ_LOADAVG_INTERVAL_S}};
	struct vz_fuse_fs fs = {.names = s.names, .text = file_text, .owner = file_owner};
	_cleanup_close_ int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	_cleanup_free_ struct pollfd *p = NULL;
	struct vz_fuse f;

	for (size_t i = 0; i < _F_MAX && files[i].name; i++)
		s.names[fs.n++] = files[i].name;
	fs.data = &s;
	(void)setsid();
	(void)prctl(PR_SET_NAME, "vzview");
	(void)signal(SIGPIPE, SIG_IGN);
	write_pid_file(ctx, fds);
	s.loads = mmap(NULL, TABLE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds->table, 0);
	if (s.loads == MAP_FAILED)
		s.loads = NULL;
	if (tfd >= 0)
		(void)timerfd_settime(tfd, 0, &its, NULL);
	vz_fuse_init(&f, fd, &fs);
	for (;;) {
		size_t n = listeners->n;
		uint64_t ticks;

		p = xreallocarray(p, 3 + n, sizeof(*p));
		p[0] = (struct pollfd){.fd = fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = tfd, .events = POLLIN};
		p[2] = (struct pollfd){.fd = fds->intake, .events = POLLIN};
		for (size_t i = 0; i < n; i++)
			p[3 + i] = (struct pollfd){.fd = listeners->fd[i], .events = POLLIN};
		if (poll(p, 3 + n, -1) < 0 && errno != EINTR)
			break;
		answer_listeners(&s, listeners, p + 3, n);
		if (p[2].revents & POLLIN)
			fdset_recv_all(listeners, fds->intake, FD_TAG_SYSINFO);
		if (p[1].revents & POLLIN) {
			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				loads_tick(&s);
			/* Nobody can find us any more: the daemon's run dir was removed. */
			if (!pid_file_ours(ctx))
				break;
			cache_sweep();
		}
		if ((p[0].revents & (POLLERR | POLLHUP)) && !(p[0].revents & POLLIN))
			break;
		if ((p[0].revents & POLLIN) && vz_fuse_process(&f) == -ENODEV)
			break;
	}
	vz_fuse_release(&f);
	fdset_clear(listeners);
	remove_pid_file(ctx);
}

int vz_view_mount(struct vz_ctx *ctx, struct vz_view_fds *ret, vz_error_t *err)
{
	_cleanup_free_ char *dir = vz_view_dir(ctx->rundir), *opts = NULL;
	_cleanup_free_ char *sock = vz_view_sysinfo_sock(ctx);
	_cleanup_close_ int fd = -EBADF, table = -EBADF, intake = -EBADF;

	table = memfd_create("vzview-loadavg", MFD_CLOEXEC);
	if (table < 0 || ftruncate(table, TABLE_SIZE) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "make the view's load table");

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "mkdir '%s'", dir);
	/* A view nobody serves any more (its connection is gone): make room for a new one. */
	while (umount2(dir, MNT_DETACH) == 0)
		;
	/* VZ_TEST_NO_FUSE: a host without FUSE, for the test of the fallback. */
	fd = getenv("VZ_TEST_NO_FUSE") ? (errno = ENOENT, -1)
				       : open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "open '/dev/fuse'");
	opts = vz_fuse_mount_options(fd);
	if (mount("vz-view", dir, "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "mount the /proc view on '%s'", dir);
	/* Without it the view serves its files; CT processes keep the kernel's sysinfo(2). */
	intake = fd_socket_bind(sock);
	*ret = (struct vz_view_fds){.fd = take_fd(fd),
				    .table = take_fd(table),
				    .intake = intake < 0 ? -1 : take_fd(intake)};
	return ret->fd;
}

int vz_view_find(struct vz_ctx *ctx, int *ret_pidfd, pid_t *ret_pid, struct vz_view_fds *ret)
{
	_cleanup_free_ char *path = pid_path(ctx), *text = NULL;
	_cleanup_close_ int pidfd = -EBADF, copy = -EBADF, tcopy = -EBADF;
	unsigned long long start;
	uint64_t now = 0;
	int pid, fd, table, intake = -1, n;

	if (read_file_at(AT_FDCWD, path, 256, &text, NULL) < 0)
		return -1;
	/* A server of an older vz wrote no intake. */
	n = sscanf(text, "%d %llu %d %d %d", &pid, &start, &fd, &table, &intake);
	if (n < 4 || pid <= 0 || fd < 0 || table < 0)
		return -1;
	pidfd = vz_pidfd_open(pid, 0);
	/* Checked after the pidfd is held: a recycled pid is never taken for the server. */
	if (pidfd < 0 || vz_proc_stat(pid, &now, NULL) < 0 || now != start)
		return -1;
	copy = vz_pidfd_getfd(pidfd, fd, 0);
	tcopy = copy < 0 ? -1 : vz_pidfd_getfd(pidfd, table, 0);
	if (tcopy < 0)
		return -1;
	*ret = (struct vz_view_fds){.fd = take_fd(copy), .table = take_fd(tcopy), .intake = -1};
	if (intake >= 0)
		ret->intake = vz_pidfd_getfd(pidfd, intake, 0);
	*ret_pidfd = take_fd(pidfd);
	*ret_pid = pid;
	return 0;
}

void vz_view_copy_listeners(int pidfd, pid_t pid, struct fdset *set)
{
	_cleanup_free_ char *dir = xasprintf("/proc/%d/fd", (int)pid);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char link[64];
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		int fd;

		if (n < 0)
			continue;
		link[n] = '\0';
		if (!streq(link, "anon_inode:seccomp notify"))
			continue;
		fd = vz_pidfd_getfd(pidfd, (int)strtol(e->d_name, NULL, 10), 0);
		if (fd >= 0)
			fdset_add(set, fd);
	}
}

/* ---- a new view for running CTs ---- */

struct graft {
	int fds[_F_MAX]; /* detached clones of the CT's view files, by file */
};

/*
 * In a child in the CT's mount namespace, whose root is now ours: each
 * clone over its target, on top of the dead bind. Targets resolve inside
 * that root; a missing one is skipped.
 */
static int graft_fn(void *data)
{
	struct graft *g = data;
	const struct vz_view_file *f = vz_view_files();
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		return errno;
	for (size_t i = 0; i < _F_MAX && f[i].name; i++) {
		_cleanup_close_ int t =
			g->fds[i] < 0 ? -EBADF : vz_open_in_root(root, f[i].target, O_PATH);

		if (t < 0)
			continue;
		if (move_mount(g->fds[i], "", t, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return errno;
	}
	return 0;
}

int vz_view_graft(struct vz_ct *ct, vz_error_t *err)
{
	_cleanup_free_ char *dir = vz_view_dir_live(ct->ctx->rundir);
	const struct vz_view_file *f = vz_view_files();
	struct graft g;
	int mntns, r;

	if (!dir)
		return vz_error_make(err, VZ_E_SYSTEM, ENOTCONN, "no live /proc view to graft");
	for (size_t i = 0; i < _F_MAX; i++)
		g.fds[i] = -EBADF;
	/* Clones of our mounts, made here: a CT's namespace cannot reach our paths. */
	for (size_t i = 0; i < _F_MAX && f[i].name; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s/%s", dir, ct->id, f[i].name);

		g.fds[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (g.fds[i] < 0) {
			r = vz_error_make(err, VZ_E_MOUNT, errno, "clone '%s'", path);
			goto out;
		}
	}
	mntns = vz_ct_open_ns(ct, CLONE_NEWNS, err);
	r = mntns < 0 ? -1
		      : vz_ns_run(mntns, CLONE_NEWNS, graft_fn, &g, "graft the /proc view", err);
	if (mntns >= 0)
		close(mntns);
out:
	for (size_t i = 0; i < _F_MAX; i++)
		if (g.fds[i] >= 0)
			close(g.fds[i]);
	return r;
}
