/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: the server runs as host root and writes into a CT
 * process's memory. It writes only what the kernel's sysinfo(2) would,
 * only to the buffer the process passed, only while the process waits
 * for the answer (SECCOMP_IOCTL_NOTIF_ID_VALID), and without forcing
 * (process_vm_writev, not /proc/PID/mem): a buffer the process may not
 * write is EFAULT, as from the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/macros.h"
#include "view/sysinfo.h"

/* The kernel's struct compat_sysinfo. */
struct compat_sysinfo {
	int32_t uptime;
	uint32_t loads[3];
	uint32_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t totalhigh, freehigh, mem_unit;
	char _f[8];
};

_Static_assert(sizeof(struct sysinfo) <= VZ_VIEW_SYSINFO_MAX, "sysinfo fits");
_Static_assert(sizeof(struct compat_sysinfo) == 64, "compat_sysinfo is the kernel's");

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#define NATIVE_ARCH 0
#endif

static size_t pack_compat(const struct vz_view_sysinfo *v, void *buf)
{
	uint64_t sizes[6] = {v->totalram,  v->freeram,	 v->sharedram,
			     v->bufferram, v->totalswap, v->freeswap};
	struct compat_sysinfo c = {.mem_unit = 1};
	bool fits = false;

	/* Bigger units until every size fits 32 bits, as the kernel's compat sysinfo does. */
	while (!fits) {
		fits = true;
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			fits = fits && sizes[i] <= UINT32_MAX;
		if (fits)
			break;
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			sizes[i] >>= 1;
		c.mem_unit <<= 1;
	}
	c.uptime = v->uptime > INT32_MAX ? INT32_MAX : (int32_t)v->uptime;
	for (int i = 0; i < 3; i++)
		c.loads[i] = v->loads[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)v->loads[i];
	c.totalram = (uint32_t)sizes[0];
	c.freeram = (uint32_t)sizes[1];
	c.sharedram = (uint32_t)sizes[2];
	c.bufferram = (uint32_t)sizes[3];
	c.totalswap = (uint32_t)sizes[4];
	c.freeswap = (uint32_t)sizes[5];
	c.procs = v->procs > UINT16_MAX ? UINT16_MAX : (uint16_t)v->procs;
	memcpy(buf, &c, sizeof(c));
	return sizeof(c);
}

size_t vz_view_sysinfo_pack(const struct vz_view_sysinfo *v, bool compat, void *buf)
{
	struct sysinfo s;

	if (compat)
		return pack_compat(v, buf);
	memset(&s, 0, sizeof(s));
	s.uptime = (long)v->uptime;
	for (int i = 0; i < 3; i++)
		s.loads[i] = v->loads[i];
	s.totalram = (unsigned long)v->totalram;
	s.freeram = (unsigned long)v->freeram;
	s.sharedram = (unsigned long)v->sharedram;
	s.bufferram = (unsigned long)v->bufferram;
	s.totalswap = (unsigned long)v->totalswap;
	s.freeswap = (unsigned long)v->freeswap;
	s.procs = v->procs > UINT16_MAX ? UINT16_MAX : (unsigned short)v->procs;
	s.mem_unit = 1;
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

/* Write the answer into the caller: 0, or the errno its sysinfo(2) returns. */
static int write_answer(int listener, const struct seccomp_notif *req, const void *buf, size_t len)
{
	uint64_t id = req->id;
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)req->data.args[0], .iov_len = len};
	ssize_t n;

	/*
	 * Still pending: the caller waits in the kernel for our answer, so
	 * req->pid is still its pid. Only a SIGKILL in the microseconds to the
	 * write, and a reap, and the pid space wrapping round to the same
	 * number, could make it another's.
	 */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return -ESRCH;
	n = process_vm_writev(req->pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 && errno == EFAULT ? EFAULT : -EPERM;
}

int vz_view_sysinfo_answer(int listener, vz_view_sysinfo_fn fn, void *data)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct vz_view_sysinfo v;
	char buf[VZ_VIEW_SYSINFO_MAX];
	bool compat;
	int r;

	/* The kernel wants a zeroed request. */
	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		/* ENOENT: the caller was killed before we took it. */
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	resp = (struct seccomp_notif_resp){.id = req.id};
	compat = req.data.arch != NATIVE_ARCH;
	memset(&v, 0, sizeof(v));
	r = -EPERM;
	if ((NATIVE_ARCH || !compat) && fn(data, (pid_t)req.pid, &v))
		r = write_answer(listener, &req, buf, vz_view_sysinfo_pack(&v, compat, buf));
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		/* Not a CT's process, or we could not write: the kernel's own answer. */
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp.error = -r;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
