/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzprobe-interp: the payload of a CVE-2019-5736 style attack, for the
 * security tests. CT root plants it as the CT's /lib64/ld-linux-x86-64.so.2
 * and makes a script start with "#!/proc/self/exe". When the host runtime
 * enters the CT and execs that script, the kernel runs the runtime's own
 * (dynamically linked) binary again, and its ELF interpreter (this program,
 * chosen by the CT) gets control with /proc/self/exe pointing at the host
 * binary. It then tries what runc's attackers did: open that binary for
 * writing. It never writes to it.
 *
 * It runs before any libc could set itself up (the auxiliary vector
 * describes the host binary, not us), so it is freestanding: raw system
 * calls, no libc. Prints "exe: PATH", then "denied: REASON" (exit 1) or
 * "escaped: ..." (exit 0).
 */
#ifdef __x86_64__

#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_exit_group 231
#define SYS_readlink 89
#define O_WRONLY 01
#define EACCES 13
#define EPERM 1
#define ETXTBSY 26
#define EROFS 30

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	(void)sys3(SYS_write, 1, (long)s, (long)len(s));
}

static const char *reason(long err)
{
	switch (err) {
	case EACCES:
		return "Permission denied";
	case EPERM:
		return "Operation not permitted";
	case ETXTBSY:
		return "Text file busy";
	case EROFS:
		return "Read-only file system";
	default:
		return "other error";
	}
}

void interp_main(void);
void interp_main(void)
{
	char path[512];
	long n = sys3(SYS_readlink, (long)"/proc/self/exe", (long)path, sizeof(path) - 1);
	long fd;

	path[n > 0 ? n : 0] = '\0';
	say("exe: ");
	say(path);
	say("\n");
	/* Permission is checked before "text file busy": EACCES is the barrier. */
	fd = sys3(SYS_open, (long)"/proc/self/exe", O_WRONLY, 0);
	if (fd >= 0) {
		(void)sys3(SYS_close, fd, 0, 0);
		say("escaped: opened the runtime's binary for writing\n");
		(void)sys3(SYS_exit_group, 0, 0, 0);
	}
	say("denied: ");
	say(reason(-fd));
	say("\n");
	(void)sys3(SYS_exit_group, 1, 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	and $-16, %rsp\n"
	"	call interp_main\n"
	"	hlt\n");

#else
#error "vzprobe-interp is x86_64 only"
#endif
