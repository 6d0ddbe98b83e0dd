/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's default seccomp filter.
 *
 * Trust model: vz_seccomp_compile runs in a vzd worker (host root) and takes
 * no input: the whole policy is fixed in this file. vz_seccomp_load runs in a
 * child that is already CT root inside the CT's user namespace, just before
 * it execs untrusted CT code; the memfd it reads was written and sealed by
 * its trusted parent, and no CT process can reach it (the child is not
 * dumpable or not yet visible, and the fd is CLOEXEC).
 *
 * Policy: the user namespace, the other namespaces, the locked mounts and the
 * cgroups are the isolation. This filter only trims what is left: system
 * calls that act on global (not namespaced) kernel state, and surfaces a CT
 * never needs but that have a record of privilege escalations. Everything
 * else is allowed, because a VPS runs a whole distribution: systemd, nested
 * containers, debuggers. In particular we do NOT filter:
 *   - mount, umount2, pivot_root, the new mount API (open_tree, move_mount,
 *     fsopen, fsmount, fspick, mount_setattr): systemd and nested runtimes
 *     need them, and the kernel already keeps CT root from touching the
 *     mounts we set up (they are locked: see spawn.c) and from mounting
 *     anything the user namespace does not own. mount_setattr cannot clear
 *     a locked flag any more than a remount can;
 *   - clone, clone3 and unshare with CLONE_NEWUSER, and setns: a nested user
 *     namespace is a child of the CT's, so it can only hold a subset of what
 *     CT root already holds, and CT root already runs with CAP_SYS_ADMIN in a
 *     user namespace, so the userns-gated kernel code is reachable anyway.
 *     Denying it (as Docker does for containers without a user namespace)
 *     would break systemd's PrivateUsers=, rootless podman, browser
 *     sandboxes and unprivileged builds inside the CT for no gain;
 *   - name_to_handle_at: systemd uses it for mount ids; a handle alone opens
 *     nothing, it is open_by_handle_at that must go;
 *   - ptrace, process_vm_*, kcmp, pidfd_getfd: bounded by the pid and user
 *     namespaces; debugging inside a VPS is normal;
 *   - reboot: in a pid namespace it ends the CT's init, not the host;
 *
 * Architectures: on x86_64 the filter covers the native ABI, the i386 ABI
 * (int 0x80 works from any 64-bit process: a filter that ignored the arch
 * would read i386 numbers as x86_64 ones and let keyctl through as
 * something else) and x32 (the x86_64 audit arch with syscall numbers |
 * 0x40000000; libseccomp tells them apart). We filter the 32-bit ABIs rather
 * than kill them: hosting customers still run i386 binaries and multiarch
 * userlands, as they did on OpenVZ, and a kernel with x32 enabled would
 * otherwise SIGSYS every x32 program. Any other arch, which no x86_64
 * kernel can produce, kills the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/seccomp.h"

/* Linux 6.3 memfd flag; older headers lack it, older kernels reject it (EINVAL). */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

/*
 * The deny list. EPERM where the caller should see "not allowed" (what the
 * kernel itself answers to an unprivileged process); ENOSYS where userspace
 * should behave as on a kernel built without the feature and fall back.
 */
static const struct {
	const char *name;
	int errnum;
	unsigned feature; /* a FEATURES switch that lets it through (vz_seccomp_compile's allow) */
} deny[] = {
	/* Replacing the host kernel or loading code into it. */
	{"kexec_load", EPERM},
	{"kexec_file_load", EPERM},
	{"init_module", EPERM},
	{"finit_module", EPERM},
	{"delete_module", EPERM},
	/*
	 * "Shocker" (2014): a forged file handle opens any inode of the file
	 * system, below or above the CT's root, past pivot_root.
	 */
	{"open_by_handle_at", EPERM},
	/*
	 * Keyrings are not namespaced: key quotas are per host uid and the
	 * keyring code is a steady source of CVEs. ENOSYS makes systemd, ssh,
	 * Kerberos and ecryptfs tools behave as on a kernel without CONFIG_KEYS.
	 */
	{"keyctl", ENOSYS},
	{"add_key", ENOSYS},
	{"request_key", ENOSYS},
	/*
	 * userfaultfd lets a process stall the kernel inside a page fault at a
	 * time of its choosing: the lever of most kernel race exploits. CRIU's
	 * lazy restore uses it from outside the CT (DESIGN.md); the CT's own
	 * processes never get it, whatever vm.unprivileged_userfaultfd says.
	 */
	{"userfaultfd", EPERM},
	/*
	 * Host-wide: performance counters (cross-CT side channels, a large
	 * attack surface; the kernel gates them on a host sysctl only), eBPF,
	 * swap, process accounting, the host kernel log (syslog(2) reads it
	 * whenever kernel.dmesg_restrict is 0).
	 */
	{"perf_event_open", EPERM},
	{"bpf", EPERM},
	{"swapon", EPERM},
	{"swapoff", EPERM},
	{"acct", EPERM},
	{"syslog", EPERM},
	/*
	 * Disk quotas belong to the host's file systems; nothing in a CT sets
	 * them up. ENOSYS: quota tools then act as on a kernel without quotas.
	 */
	{"quotactl", ENOSYS},
	{"quotactl_fd", ENOSYS},
	/* Raw I/O port access and x86 virtual-8086 mode. */
	{"iopl", EPERM},
	{"ioperm", EPERM},
	{"vm86", EPERM},
	{"vm86old", EPERM},
	/*
	 * io_uring has had a long run of kernel bugs reachable from its
	 * syscalls (Google disabled it on ChromeOS, Android and its servers in
	 * 2023; Docker's default profile refuses it). Software that uses it
	 * falls back to epoll and aio on a kernel without it: ENOSYS. A CT
	 * gets it with FEATURES="io_uring:on".
	 */
	{"io_uring_setup", ENOSYS, VZ_SECCOMP_IO_URING},
	{"io_uring_enter", ENOSYS, VZ_SECCOMP_IO_URING},
	{"io_uring_register", ENOSYS, VZ_SECCOMP_IO_URING},
	/* Obsolete interfaces, gone from current kernels or never needed. */
	{"nfsservctl", ENOSYS},
	{"lookup_dcookie", ENOSYS},
	{"uselib", ENOSYS},
};

/* Compat ABIs the host kernel may run beside the native one. */
static int add_compat_archs(scmp_filter_ctx ctx)
{
	static const uint32_t x86_64_compat[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
	static const uint32_t aarch64_compat[] = {SCMP_ARCH_ARM};
	const uint32_t *archs = NULL;
	size_t n = 0;
	int r;

	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		archs = x86_64_compat;
		n = ARRAY_SIZE(x86_64_compat);
		break;
	case SCMP_ARCH_AARCH64:
		archs = aarch64_compat;
		n = ARRAY_SIZE(aarch64_compat);
		break;
	default:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		r = seccomp_arch_add(ctx, archs[i]);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

/*
 * personality(2): allow the plain Linux personality, the 32-bit one
 * (linux32/setarch i386), UNAME26 (old software that parses the kernel
 * version) and ADDR_NO_RANDOMIZE (gdb, setarch -R; the kernel clears it on
 * setuid exec), in any combination, plus the query 0xffffffff. Everything
 * else (READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, address-limit hacks, foreign
 * execution domains) is EPERM. libseccomp cannot say "any bit outside M"
 * in one rule, nor compare one argument twice, so it takes one rule per
 * bit. The masks cover the low 32 bits only: the kernel truncates the
 * argument to unsigned int, and so ignores upper bits in every rule.
 * These ~60 rules per ABI are most of the compile time (~1 ms).
 */
static int add_personality_rules(scmp_filter_ctx ctx)
{
	const uint32_t ok = PER_LINUX32 | UNAME26 | ADDR_NO_RANDOMIZE;
	const uint32_t top = 1U << 31;
	int sys = SCMP_SYS(personality), r;

	for (unsigned b = 0; b < 31; b++) {
		uint32_t bit = 1U << b;

		/* Bit 31 clear, so not the query: any bit outside ok is refused. */
		if (!(bit & ok)) {
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), sys, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, top | bit, bit));
			if (r < 0)
				return r;
		}
		/* Bit 31 set: only the query, all 32 bits set, is let through. */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), sys, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, top | bit, top));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A command entered with vzctl exec holds the operator's terminal as its
 * stdio. TIOCSTI would push keystrokes into the operator's shell and
 * TIOCLINUX can do the same on a virtual console: neither has any use in
 * a CT, so both are refused whatever the kernel's legacy_tiocsti says.
 */
static int add_tty_rules(scmp_filter_ctx ctx)
{
	static const unsigned long cmds[] = {TIOCSTI, TIOCLINUX};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmds[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

static int build_filter(scmp_filter_ctx ctx, unsigned allow)
{
	int r;

	/* Arches first: rules apply only to the arches present when added. */
	r = add_compat_archs(ctx);
	if (r < 0)
		return r;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(deny); i++) {
		int nr = seccomp_syscall_resolve_name(deny[i].name);

		/* Newer than this libseccomp: skip it rather than fail every start. */
		if (nr == __NR_SCMP_ERROR || (deny[i].feature & allow))
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(deny[i].errnum), nr, 0);
		if (r < 0)
			return r;
	}
	r = add_tty_rules(ctx);
	if (r < 0)
		return r;
	return add_personality_rules(ctx);
}

/* A sealed, CLOEXEC memfd numbered >= 3 (a child's dup2 onto 0-2 must not hit it). */
static int make_memfd(void)
{
	int fd = memfd_create("vz-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("vz-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd >= 0 && fd < 3) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		closep(&fd);
		fd = high;
	}
	return fd < 0 ? -errno : fd;
}

/*
 * The sysinfo filter: sysinfo(2) goes to a listener (the /proc view's
 * server answers it with the CT's numbers), everything else on to the
 * default filter below it. A foreign arch passes here: the default filter
 * kills it.
 */
static int build_sysinfo_filter(scmp_filter_ctx ctx, unsigned allow)
{
	int r = add_compat_archs(ctx);

	(void)allow;
	if (r < 0)
		return r;
	return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sysinfo), 0);
}

static int export_filter(int (*build)(scmp_filter_ctx, unsigned), unsigned allow, int *ret_fd,
			 vz_error_t *err)
{
	_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return vz_error_make(err, VZ_E_SYSTEM, ENOMEM, "seccomp filter: init");
	r = build(ctx, allow);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "seccomp filter: add rules");
	fd = make_memfd();
	if (fd < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -fd, "seccomp filter: memfd");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "seccomp filter: export");
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "seccomp filter: seal");
	*ret_fd = take_fd(fd);
	return 0;
}

int vz_seccomp_compile(int *ret_fd, unsigned allow, vz_error_t *err)
{
	return export_filter(build_filter, allow, ret_fd, err);
}

int vz_seccomp_compile_sysinfo(int *ret_fd, vz_error_t *err)
{
	return export_filter(build_sysinfo_filter, 0, ret_fd, err);
}

/* Map the filter fd holds; munmap(prog->filter, *len) when done. */
static int map_filter(int fd, struct sock_fprog *prog, size_t *ret_len, vz_error_t *err)
{
	struct stat st;
	size_t len;
	void *p;

	if (fstat(fd, &st) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "seccomp filter: stat");
	len = (size_t)st.st_size;
	if (st.st_size <= 0 || len % sizeof(struct sock_filter) ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return vz_error_make(err, VZ_E_SYSTEM, EINVAL, "seccomp filter: bad size %zu", len);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "seccomp filter: map");
	prog->len = (unsigned short)(len / sizeof(struct sock_filter));
	prog->filter = p;
	*ret_len = len;
	return 0;
}

int vz_seccomp_load(int fd, vz_error_t *err)
{
	struct sock_fprog prog;
	size_t len;
	int r = 0;

	if (map_filter(fd, &prog, &len, err) < 0)
		return -1;
	/*
	 * Without NO_NEW_PRIVS the kernel wants CAP_SYS_ADMIN in our user
	 * namespace, which CT root has. seccomp() via syscalls.h would buy
	 * nothing: no flag (TSYNC, SPEC_ALLOW) is wanted in a single-threaded
	 * child, and the speculation mitigation seccomp implies stays on.
	 */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		r = vz_error_make(err, VZ_E_SYSTEM, errno, "load seccomp filter");
	(void)munmap(prog.filter, len);
	return r;
}

int vz_seccomp_load_listener(int fd, int *ret_listener, vz_error_t *err)
{
	struct sock_fprog prog;
	size_t len;
	int r;

	if (map_filter(fd, &prog, &len, err) < 0)
		return -1;
	/* A listener filter needs seccomp(2): prctl has no flags. */
	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			 &prog);
	if (r < 0)
		r = vz_error_make(err, VZ_E_SYSTEM, errno, "load the sysinfo filter");
	else
		*ret_listener = r;
	(void)munmap(prog.filter, len);
	return r < 0 ? -1 : 0;
}
