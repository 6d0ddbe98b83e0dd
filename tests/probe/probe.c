/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzprobe: a static binary copied into CTs by the tests. It reports what a
 * process inside sees, so assertions do not depend on the template:
 *   vzprobe hostname|uid|caps|cgroup|mounts|pid|env NAME|userns
 *   vzprobe status KEY          (the KEY: line of /proc/self/status)
 *   vzprobe try-write PATH [DATA] (exit 0 if the write succeeded; DATA is "1")
 *   vzprobe try-umount PATH     (exit 0 if the unmount succeeded)
 *   vzprobe try-syscall NAME    (call a kernel interface the CT's seccomp
 *                                filter denies, with arguments harmless even
 *                                to the host, where the tests run it as a
 *                                control; see syscalls[] below; exit 0 if it
 *                                worked)
 *   vzprobe try-ptrace PID      (exit 0 if PTRACE_ATTACH worked)
 *   vzprobe try-int80 NAME      (getpid|keyctl through the i386 ABI, int 0x80)
 *   vzprobe try-x32 NAME        (getpid|keyctl through the x32 ABI)
 *   vzprobe sysinfo [int80]     (what sysinfo(2) says, natively or through
 *                                the i386 ABI: "KEY VALUE" lines, sizes in
 *                                bytes; "error: ..." and exit 1 if it fails)
 *   vzprobe sysinfoloop N       (N sysinfo(2) calls; exit 1 if one fails)
 *   vzprobe run-as UID PROG ARG... (drop to UID:UID, no groups, then exec)
 *   vzprobe watch-exe SECONDS   (CVE-2019-5736: report every /proc/PID/exe that
 *                                is not a file of the CT; exit 0 if one of them
 *                                could be opened for writing)
 *   vzprobe hog MB [SECONDS]    (allocate and touch MB MiB, 1 MiB at a time,
 *                                printing "allocated N" every 16 MiB; then hold
 *                                it SECONDS; exit 0 if all of it was had)
 *   vzprobe memcheck MB FILE    (fill MB MiB, each MiB with its own byte and
 *                                page numbers; then, forever, read all of it
 *                                back every 100 ms and write "passes N" to
 *                                FILE, or "corrupt at MIB:PAGE" and exit 1)
 *   vzprobe forks N             (fork up to N children that sleep, then report
 *                                "forked K" and the first fork error; the
 *                                children are killed before it exits)
 *   vzprobe ptys N              (open up to N ptys from /dev/ptmx, report
 *                                "opened K" and the first error)
 *   vzprobe udp-send SRC DST PORT (one datagram "probe" from address SRC)
 *   vzprobe send-ra IFNAME      (an IPv6 router advertisement to ff02::1 on
 *                                IFNAME: default router, prefix 2001:db8:4242::/64)
 *   vzprobe udp-recv PORT SECONDS (print what arrives on PORT, IPv4 and
 *                                IPv6, for SECONDS; exit 0 if anything did)
 *   vzprobe spin SECONDS        (burn CPU in one thread; print the CPU
 *                                seconds this process got)
 *   vzprobe tcp-echo PORT       (serve TCP on PORT, IPv4 and IPv6: each
 *                                connection gets its number, and every line
 *                                comes back as "conn K: LINE")
 *   vzprobe tcp-client ADDR PORT INTERVAL_MS
 *                               (one connection; every INTERVAL_MS send the
 *                                next number and print the reply, with the
 *                                longest gap in ms; on any error print
 *                                "error: ..." and exit 1; forever)
 * A refused operation prints "denied: <strerror>" and exits 1.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <sys/klog.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#ifdef __x86_64__
#include <sys/io.h>
#endif

static int cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "vzprobe: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	close(fd);
	return 0;
}

static int grep_status(const char *key)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");
	size_t len = strlen(key);

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			fputs(line + len + 2, stdout);
	fclose(f);
	return 0;
}

static int verdict(long r)
{
	if (r < 0) {
		printf("denied: %s\n", strerror(errno));
		return 1;
	}
	printf("allowed\n");
	return 0;
}

static long try_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID of KEY_SPEC_SESSION_KEYRING, no create. */
	return syscall(SYS_keyctl, 0, -3, 0);
}

static long try_add_key(void)
{
	/* Into KEY_SPEC_PROCESS_KEYRING: gone when the probe exits. */
	return syscall(SYS_add_key, "user", "vzprobe", "x", 1, -2);
}

static long try_request_key(void)
{
	return syscall(SYS_request_key, "user", "vzprobe-none", NULL, 0);
}

/* "Shocker": reopen an inode from a file handle, past any chroot. */
static long try_open_by_handle_at(void)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mount_id, root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long r;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0) < 0) {
		/* Forge an ext4-style handle of inode 2, the file system's root. */
		h.fh.handle_type = 1;
		h.fh.handle_bytes = 8;
		h.buf[sizeof(struct file_handle)] = 2;
	}
	r = open_by_handle_at(root, &h.fh, O_RDONLY | O_CLOEXEC);
	if (r >= 0)
		close((int)r);
	close(root);
	return r;
}

static long try_userfaultfd(void)
{
	/* UFFD_USER_MODE_ONLY is what the kernel grants without privilege. */
	return syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
}

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#define SYS_io_uring_register 427
#endif

/* A ring of one entry, closed at once; the params are all zero but the output. */
static long try_io_uring_setup(void)
{
	char params[120];
	long r;

	memset(params, 0, sizeof(params));
	r = syscall(SYS_io_uring_setup, 1, params);
	if (r >= 0)
		close((int)r);
	return r;
}

/* On no ring: EBADF where the call reaches the kernel. */
static long try_io_uring_enter(void)
{
	return syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0);
}

static long try_io_uring_register(void)
{
	return syscall(SYS_io_uring_register, -1, 0, NULL, 0);
}

static long try_init_module(void)
{
	static char image[64] = "not a module";

	return syscall(SYS_init_module, image, sizeof(image), "");
}

static long try_finit_module(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	long r = syscall(SYS_finit_module, fd, "", 0);

	close(fd);
	return r;
}

static long try_delete_module(void)
{
	return syscall(SYS_delete_module, "vzprobe_none", O_NONBLOCK);
}

static long try_perf_event_open(void)
{
	/* Counting our own CPU time in user mode: allowed at perf_event_paranoid 2. */
	struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
				    .size = sizeof(a),
				    .config = PERF_COUNT_SW_CPU_CLOCK,
				    .exclude_kernel = 1,
				    .exclude_hv = 1};
	long r = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);

	if (r >= 0)
		close((int)r);
	return r;
}

static long try_bpf(void)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	r = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (r >= 0)
		close((int)r);
	return r;
}

/*
 * More segments than KEXEC_SEGMENT_MAX: root gets EINVAL, and nothing is
 * loaded or unloaded (no segments at all would unload the host's kexec
 * image), so the tests can run it on the host too, as a control.
 */
static long try_kexec_load(void)
{
	return syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0UL);
}

static long try_syslog(void)
{
	/* SYSLOG_ACTION_SIZE_BUFFER: open to anyone when kernel.dmesg_restrict is 0. */
	return klogctl(10, NULL, 0);
}

static long try_swapon(void)
{
	return swapon("/nonexistent-vzprobe", 0);
}

/* A file that is not there: root gets ENOENT, and accounting stays as it was. */
static long try_acct(void)
{
	return acct("/nonexistent-vzprobe");
}

static long try_quotactl(void)
{
	char buf[64];

	return quotactl(QCMD(Q_GETFMT, USRQUOTA), "/dev/null", 0, buf);
}

#ifdef __x86_64__
/* Lowering our own I/O privilege needs no capability: only the filter refuses. */
static long try_iopl(void)
{
	return iopl(0);
}

static long try_ioperm(void)
{
	return ioperm(0x80, 1, 0);
}
#endif

/* Personalities change only the probe itself; each variant names its argument. */
static long set_personality(unsigned long persona)
{
	long r = syscall(SYS_personality, persona);

	if (r >= 0 && persona != 0xffffffffUL)
		(void)syscall(SYS_personality, (unsigned long)r);
	return r;
}

static long try_personality_query(void)
{
	return set_personality(0xffffffffUL);
}

static long try_personality_linux32(void)
{
	return set_personality(PER_LINUX32);
}

static long try_personality_no_randomize(void)
{
	return set_personality(PER_LINUX | ADDR_NO_RANDOMIZE);
}

static long try_personality_read_implies_exec(void)
{
	return set_personality(PER_LINUX | READ_IMPLIES_EXEC);
}

static long try_personality_bit31(void)
{
	/* Not the query, though bit 31 is set: the kernel would store it. */
	return set_personality(0x80000000UL | READ_IMPLIES_EXEC);
}

static long try_personality_upper_bits(void)
{
	/* The kernel truncates to 32 bits: this is READ_IMPLIES_EXEC. */
	return set_personality(0x100000000UL | READ_IMPLIES_EXEC);
}

static long try_unshare_user(void)
{
	return unshare(CLONE_NEWUSER);
}

static long try_name_to_handle_at(void)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mount_id;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	return name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0);
}

static const struct {
	const char *name;
	long (*fn)(void);
} syscalls[] = {
	{"keyctl", try_keyctl},
	{"add_key", try_add_key},
	{"request_key", try_request_key},
	{"open_by_handle_at", try_open_by_handle_at},
	{"userfaultfd", try_userfaultfd},
	{"io_uring_setup", try_io_uring_setup},
	{"io_uring_enter", try_io_uring_enter},
	{"io_uring_register", try_io_uring_register},
	{"init_module", try_init_module},
	{"finit_module", try_finit_module},
	{"delete_module", try_delete_module},
	{"perf_event_open", try_perf_event_open},
	{"bpf", try_bpf},
	{"kexec_load", try_kexec_load},
	{"syslog", try_syslog},
	{"swapon", try_swapon},
	{"acct", try_acct},
	{"quotactl", try_quotactl},
#ifdef __x86_64__
	{"iopl", try_iopl},
	{"ioperm", try_ioperm},
#endif
	{"personality-query", try_personality_query},
	{"personality-linux32", try_personality_linux32},
	{"personality-no-randomize", try_personality_no_randomize},
	{"personality-read-implies-exec", try_personality_read_implies_exec},
	{"personality-bit31", try_personality_bit31},
	{"personality-upper-bits", try_personality_upper_bits},
	/* Must keep working: nested containers and systemd rely on them. */
	{"unshare-user", try_unshare_user},
	{"name_to_handle_at", try_name_to_handle_at},
};

static int try_syscall(const char *name)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (!strcmp(syscalls[i].name, name))
			return verdict(syscalls[i].fn());
	fprintf(stderr, "vzprobe: unknown syscall probe '%s'\n", name);
	return 2;
}

static int try_ptrace(const char *arg)
{
	pid_t pid = (pid_t)strtol(arg, NULL, 10);

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return verdict(-1);
	(void)waitpid(pid, NULL, __WALL);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return verdict(0);
}

#ifdef __x86_64__
/* The i386 ABI from a 64-bit process: the classic seccomp bypass. */
static long int80(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static int try_compat(const char *abi, const char *name)
{
	bool i386 = !strcmp(abi, "try-int80");
	long r;

	if (!strcmp(name, "getpid"))
		r = i386 ? int80(20, 0, 0, 0) : syscall(0x40000000L | 39);
	else if (!strcmp(name, "keyctl"))
		r = i386 ? int80(288, 0, -3, 0) : syscall(0x40000000L | 250, 0, -3, 0);
	else
		return 2;
	if (!i386)
		r = r < 0 ? -errno : r;
	if (r < 0 && r > -4096) {
		printf("denied: %s\n", strerror((int)-r));
		return 1;
	}
	printf("allowed: %ld\n", r);
	return 0;
}
/* The kernel's struct compat_sysinfo, what an i386 sysinfo(2) fills in. */
struct sysinfo32 {
	int32_t uptime;
	uint32_t loads[3];
	uint32_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t totalhigh, freehigh, mem_unit;
	char f[8];
};

/* sysinfo(2) by the i386 ABI, into memory below 4 GiB (its pointers are 32 bits). */
static long sysinfo_int80(struct sysinfo *out)
{
	struct sysinfo32 *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long r;

	if (s == MAP_FAILED)
		return -errno;
	r = int80(116, (long)(uintptr_t)s, 0, 0);
	*out = (struct sysinfo){
		.uptime = s->uptime,
		.loads = {s->loads[0], s->loads[1], s->loads[2]},
		.totalram = s->totalram,
		.freeram = s->freeram,
		.totalswap = s->totalswap,
		.freeswap = s->freeswap,
		.procs = s->procs,
		.mem_unit = s->mem_unit,
	};
	(void)munmap(s, 4096);
	return r;
}
#else
static int try_compat(const char *abi, const char *name)
{
	printf("unsupported: no %s on this architecture\n", abi);
	return 2;
}

static long sysinfo_int80(struct sysinfo *out)
{
	(void)out;
	return -ENOSYS;
}
#endif

/*
 * sysinfo(2), by the native ABI or ("int80") the i386 one: what it says,
 * sizes in bytes and loads as the kernel's fixed point, or its errno.
 */
static int show_sysinfo(const char *abi)
{
	struct sysinfo s;
	long r;

	memset(&s, 0, sizeof(s));
	if (abi && !strcmp(abi, "int80"))
		r = sysinfo_int80(&s);
	else
		r = sysinfo(&s) < 0 ? -errno : 0;
	if (r < 0) {
		printf("error: %s\n", strerror((int)-r));
		return 1;
	}
	printf("uptime %ld\nloads %lu %lu %lu\ntotalram %llu\nfreeram %llu\ntotalswap %llu\n"
	       "freeswap %llu\nprocs %u\n",
	       (long)s.uptime, s.loads[0], s.loads[1], s.loads[2],
	       (unsigned long long)s.totalram * s.mem_unit,
	       (unsigned long long)s.freeram * s.mem_unit,
	       (unsigned long long)s.totalswap * s.mem_unit,
	       (unsigned long long)s.freeswap * s.mem_unit, (unsigned)s.procs);
	return 0;
}

/*
 * Is the file behind fd reachable under the same name from inside the CT?
 * A host binary (e.g. the runtime's own) has a path the CT cannot resolve,
 * or one that leads to a different file.
 */
static bool is_ct_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* One pass over /proc; returns 1 if a foreign exe could be opened for writing. */
static int scan_exes(unsigned *foreign)
{
	char path[64], target[4096], fdpath[64];
	struct dirent *de;
	DIR *d = opendir("/proc");
	int escaped = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		ssize_t n;
		int fd, w;

		long pid = strtol(de->d_name, NULL, 10);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		n = readlink(fdpath, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		if (!is_ct_file(fd, target)) {
			(*foreign)++;
			w = open(fdpath, O_WRONLY | O_CLOEXEC);
			printf("not a CT binary: pid %ld exe %s (write: %s)\n", pid, target,
			       w < 0 ? strerror(errno) : "OPENED");
			if (w >= 0) {
				close(w);
				escaped = 1;
			}
		}
		close(fd);
	}
	closedir(d);
	return escaped;
}

static int watch_exe(const char *arg)
{
	time_t end = time(NULL) + strtol(arg, NULL, 10);
	unsigned foreign = 0, passes = 0;
	int escaped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!escaped && time(NULL) < end) {
		escaped = scan_exes(&foreign);
		passes++;
	}
	if (escaped) {
		printf("escaped: opened a binary from outside the CT for writing\n");
		return 0;
	}
	printf("denied: %u exe(s) from outside the CT in %u passes, none writable\n", foreign,
	       passes);
	return 1;
}

/*
 * Run a command with every signal ignored, glibc's own real-time ones (32,
 * 33) included, the way some supervisors leave their children.
 */
static int run_ignoring(char **argv)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} ka = {.handler = SIG_IGN};

	for (int sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, sig, &ka, NULL, sizeof(ka.mask));
	execvp(argv[0], argv);
	perror("vzprobe: exec");
	return 127;
}

static int report_denied(void)
{
	printf("denied: %s\n", strerror(errno));
	return 1;
}

/*
 * Push a character into a terminal's input with TIOCSTI, on a pty that is
 * our own controlling terminal (so only a seccomp rule can refuse it).
 */
static int try_tiocsti(void)
{
	int master, slave, unlock = 0;
	char c = 'x';

	if (setsid() < 0 && getpgrp() != getpid())
		return report_denied();
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return report_denied();
	slave = ioctl(master, TIOCGPTPEER, O_RDWR);
	if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return report_denied();
	if (ioctl(slave, TIOCSTI, &c) < 0)
		return report_denied();
	printf("injected\n");
	return 0;
}

static int hog(long mb, unsigned hold)
{
	for (long i = 1; i <= mb; i++) {
		char *p = malloc(1 << 20);

		if (!p)
			return report_denied();
		memset(p, (int)i, 1 << 20);
		if (i % 16 == 0) {
			printf("allocated %ld\n", i);
			fflush(stdout);
		}
	}
	printf("had %ld MiB\n", mb);
	fflush(stdout);
	/* A sleep cut short (a checkpoint and restore interrupts it) goes on. */
	for (time_t end = time(NULL) + hold, now; (now = time(NULL)) < end;)
		sleep((unsigned)(end - now));
	return 0;
}

/* The value page pg of MiB i holds: a byte of each, so a page moved or lost shows. */
static unsigned char mem_pattern(long i, long pg)
{
	return (unsigned char)(i * 31 + pg * 7 + 1);
}

static void put_status(const char *file, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	(void)rename(tmp, file);
}

static int memcheck(long mb, const char *file)
{
	const long pages = (1 << 20) / 4096;
	char **mib = calloc((size_t)mb, sizeof(char *));
	char line[64];

	if (!mib)
		return report_denied();
	for (long i = 0; i < mb; i++) {
		mib[i] = malloc(1 << 20);
		if (!mib[i])
			return report_denied();
		for (long pg = 0; pg < pages; pg++)
			memset(mib[i] + pg * 4096, mem_pattern(i, pg), 4096);
	}
	for (unsigned long pass = 1;; pass++) {
		for (long i = 0; i < mb; i++)
			for (long pg = 0; pg < pages; pg++) {
				const char *p = mib[i] + pg * 4096;

				if ((unsigned char)p[0] != mem_pattern(i, pg) ||
				    memcmp(p, p + 1, 4095) != 0) {
					snprintf(line, sizeof(line), "corrupt at %ld:%ld\n", i, pg);
					put_status(file, line);
					return 1;
				}
			}
		snprintf(line, sizeof(line), "passes %lu\n", pass);
		put_status(file, line);
		usleep(100 * 1000);
	}
}

static int forks(long n)
{
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));
	long k = 0;
	int err = 0;

	if (!kids)
		return report_denied();
	for (; k < n; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			pause();
			_exit(0);
		}
		if (kids[k] < 0) {
			err = errno;
			break;
		}
	}
	printf("forked %ld%s%s\n", k, err ? ", then " : "", err ? strerror(err) : "");
	for (long i = 0; i < k; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < k; i++)
		waitpid(kids[i], NULL, 0);
	return err ? 1 : 0;
}

static int ptys(long n)
{
	long k = 0;
	int err = 0;

	for (; k < n; k++) {
		if (open("/dev/ptmx", O_RDWR | O_NOCTTY) < 0) {
			err = errno;
			break;
		}
	}
	printf("opened %ld%s%s\n", k, err ? ", then " : "", err ? strerror(err) : "");
	return err ? 1 : 0;
}

static int sockaddr_of(const char *ip, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

static int udp_send(const char *src, const char *dst, unsigned port)
{
	struct sockaddr_storage s, d;
	socklen_t sl, dl;
	int af = sockaddr_of(src, 0, &s, &sl), fd;

	if (af < 0 || sockaddr_of(dst, port, &d, &dl) != af)
		return 2;
	fd = socket(af, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&s, sl) < 0 ||
	    sendto(fd, "probe\n", 6, 0, (struct sockaddr *)&d, dl) < 0)
		return report_denied();
	printf("sent\n");
	return 0;
}

/*
 * An IPv6 router advertisement to all nodes on link ifname: a default
 * router for 30 minutes and the on-link, autoconfigured prefix
 * 2001:db8:4242::/64, as a rogue router would send it.
 */
static int send_ra(const char *ifname)
{
	static const uint8_t ra[] = {
		134,  0,    0,	  0,	/* type, code, checksum (the kernel's) */
		64,   0,    0x07, 0x08, /* hop limit, flags, router lifetime 1800 s */
		0,    0,    0,	  0,	0,    0,    0, 0, /* reachable, retransmit */
		3,    4,    64,	  0xc0, /* prefix information: on-link, autonomous */
		0,    1,    0x51, 0x80, /* valid 86400 s */
		0,    0,    0x38, 0x40, /* preferred 14400 s */
		0,    0,    0,	  0,	/* reserved */
		0x20, 0x01, 0x0d, 0xb8, 0x42, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct sockaddr_in6 to = {.sin6_family = AF_INET6};
	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), hops = 255;

	to.sin6_scope_id = if_nametoindex(ifname);
	(void)inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	if (fd < 0 || !to.sin6_scope_id ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &to.sin6_scope_id,
		       sizeof(to.sin6_scope_id)) < 0 ||
	    sendto(fd, ra, sizeof(ra), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return report_denied();
	printf("sent\n");
	return 0;
}

static int udp_recv(unsigned port, int seconds)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = seconds};
	char buf[256];
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), off = 0, got = 0;
	ssize_t n;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return report_denied();
	printf("listening\n");
	fflush(stdout);
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		printf("got %s", buf);
		fflush(stdout);
		got = 1;
	}
	return got ? 0 : 1;
}

/* One connection of tcp-echo: its lines back, numbered by connection. */
static void echo_conn(int fd, unsigned k)
{
	FILE *in = fdopen(fd, "r");
	char line[256];

	while (in && fgets(line, sizeof(line), in)) {
		char out[300];
		int n = snprintf(out, sizeof(out), "conn %u: %s", k, line);

		if (write(fd, out, (size_t)n) != n)
			break;
	}
	_exit(0);
}

static int tcp_echo(unsigned port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0, on = 1;
	unsigned k = 0;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0)
		return report_denied();
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			continue;
		k++;
		if (fork() == 0) {
			close(fd);
			echo_conn(c, k);
		}
		close(c);
	}
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int tcp_client(const char *addr, unsigned port, int interval_ms)
{
	struct sockaddr_storage d;
	socklen_t dl;
	int af = sockaddr_of(addr, port, &d, &dl), fd;
	long long last, gap = 0;
	struct timeval tv = {.tv_sec = 60};
	FILE *in;
	char line[300];

	if (af < 0)
		return 2;
	fd = socket(af, SOCK_STREAM, 0);
	/* An answer that never comes is an error after 60 s, not a hang. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&d, dl) < 0 || !(in = fdopen(fd, "r"))) {
		printf("error: connect: %s\n", strerror(errno));
		return 1;
	}
	last = now_ms();
	for (unsigned long i = 1;; i++) {
		char out[32];
		int n = snprintf(out, sizeof(out), "%lu\n", i);
		long long t;

		if (write(fd, out, (size_t)n) != n || !fgets(line, sizeof(line), in)) {
			printf("error: %s\n", errno ? strerror(errno) : "connection closed");
			return 1;
		}
		t = now_ms();
		if (t - last > gap)
			gap = t - last;
		last = t;
		printf("%s max_gap_ms %lld\n", strtok(line, "\n"), gap);
		fflush(stdout);
		usleep((useconds_t)interval_ms * 1000);
		last = now_ms();
	}
}

static int spin(double seconds)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	printf("%.3f\n", (double)t.tv_sec + (double)t.tv_nsec / 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	char host[256];

	if (argc < 2) {
		fprintf(stderr, "usage: vzprobe WHAT [ARG]\n");
		return 2;
	}
	if (!strcmp(argv[1], "hostname")) {
		if (gethostname(host, sizeof(host)) < 0)
			return 1;
		printf("%s\n", host);
		return 0;
	}
	if (!strcmp(argv[1], "uid")) {
		printf("%d %d\n", (int)getuid(), (int)getgid());
		return 0;
	}
	if (!strcmp(argv[1], "pid")) {
		printf("%d %d\n", (int)getpid(), (int)getppid());
		return 0;
	}
	if (!strcmp(argv[1], "caps"))
		return grep_status("CapBnd") || grep_status("CapEff");
	if (!strcmp(argv[1], "cgroup"))
		return cat("/proc/self/cgroup");
	if (!strcmp(argv[1], "mounts"))
		return cat("/proc/self/mountinfo");
	if (!strcmp(argv[1], "userns"))
		return cat("/proc/self/uid_map");
	if (!strcmp(argv[1], "env") && argc > 2) {
		const char *v = getenv(argv[2]);
		printf("%s\n", v ? v : "");
		return v ? 0 : 1;
	}
	if (!strcmp(argv[1], "status") && argc > 2)
		return grep_status(argv[2]);
	if (!strcmp(argv[1], "try-write") && argc > 2) {
		const char *data = argc > 3 ? argv[3] : "1";
		int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
			printf("denied: %s\n", strerror(errno));
			return 1;
		}
		printf("written\n");
		return 0;
	}
	if (!strcmp(argv[1], "try-umount") && argc > 2) {
		if (umount2(argv[2], MNT_DETACH) < 0) {
			printf("denied: %s\n", strerror(errno));
			return 1;
		}
		printf("unmounted\n");
		return 0;
	}
	if (!strcmp(argv[1], "try-syscall") && argc > 2)
		return try_syscall(argv[2]);
	if (!strcmp(argv[1], "run-ignoring") && argc > 2)
		return run_ignoring(argv + 2);
	/* readloop FILE N: open, read to the end and close FILE N times (bench/run's /proc view
	 * row). */
	if (!strcmp(argv[1], "readloop") && argc > 3) {
		long n = strtol(argv[3], NULL, 10);
		static char buf[1 << 16];

		for (long i = 0; i < n; i++) {
			int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
			ssize_t r;

			if (fd < 0)
				return 1;
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				;
			close(fd);
			if (r < 0)
				return 1;
		}
		return 0;
	}
	if (!strcmp(argv[1], "try-tiocsti"))
		return try_tiocsti();
	if (!strcmp(argv[1], "try-ptrace") && argc > 2)
		return try_ptrace(argv[2]);
	if ((!strcmp(argv[1], "try-int80") || !strcmp(argv[1], "try-x32")) && argc > 2)
		return try_compat(argv[1], argv[2]);
	if (!strcmp(argv[1], "run-as") && argc > 3) {
		uid_t id = (uid_t)strtoul(argv[2], NULL, 10);

		if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 ||
		    setresuid(id, id, id) < 0)
			return verdict(-1);
		execv(argv[3], argv + 3);
		return verdict(-1);
	}
	if (!strcmp(argv[1], "watch-exe") && argc > 2)
		return watch_exe(argv[2]);
	if (!strcmp(argv[1], "sysinfo"))
		return show_sysinfo(argc > 2 ? argv[2] : NULL);
	/* sysinfoloop N: N sysinfo(2) calls (bench/run's sysinfo row); exit 1 if one fails. */
	if (!strcmp(argv[1], "sysinfoloop") && argc > 2) {
		long n = strtol(argv[2], NULL, 10);
		struct sysinfo s;

		for (long i = 0; i < n; i++)
			if (sysinfo(&s) < 0)
				return 1;
		return 0;
	}
	if (!strcmp(argv[1], "hog") && argc > 2)
		return hog(strtol(argv[2], NULL, 10),
			   argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 0);
	if (!strcmp(argv[1], "memcheck") && argc > 3)
		return memcheck(strtol(argv[2], NULL, 10), argv[3]);
	if (!strcmp(argv[1], "forks") && argc > 2)
		return forks(strtol(argv[2], NULL, 10));
	if (!strcmp(argv[1], "send-ra") && argc > 2)
		return send_ra(argv[2]);
	if (!strcmp(argv[1], "udp-send") && argc > 4)
		return udp_send(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10));
	if (!strcmp(argv[1], "udp-recv") && argc > 3)
		return udp_recv((unsigned)strtoul(argv[2], NULL, 10), atoi(argv[3]));
	if (!strcmp(argv[1], "ptys") && argc > 2)
		return ptys(strtol(argv[2], NULL, 10));
	if (!strcmp(argv[1], "spin") && argc > 2)
		return spin(strtod(argv[2], NULL));
	if (!strcmp(argv[1], "tcp-echo") && argc > 2)
		return tcp_echo((unsigned)strtoul(argv[2], NULL, 10));
	if (!strcmp(argv[1], "tcp-client") && argc > 4)
		return tcp_client(argv[2], (unsigned)strtoul(argv[3], NULL, 10), atoi(argv[4]));
	fprintf(stderr, "vzprobe: unknown probe '%s'\n", argv[1]);
	return 2;
}
