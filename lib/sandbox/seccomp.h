/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's seccomp filter. It is compiled once per spawn in the parent (a vzd
 * worker) and loaded by each CT-bound child as its last step before execve
 * (STYLE rule 22). Only seccomp.c sees libseccomp (STYLE rule 3).
 */
#ifndef VZ_SECCOMP_H
#define VZ_SECCOMP_H

#include "core/error.h"

/* What a CT's FEATURES may let through the default filter. */
enum {
	VZ_SECCOMP_IO_URING = 1 << 0, /* io_uring_setup, _enter, _register */
};

/*
 * Build the default CT filter (default allow, a deny list of global or
 * exploit-prone system calls, for every ABI the host kernel can run; less
 * what allow names) and export it as classic BPF into a sealed memfd.
 * *ret_fd is CLOEXEC and >= 3, so a child can keep it across its stdio
 * setup and it vanishes on exec.
 */
int vz_seccomp_compile(int *ret_fd, unsigned allow, vz_error_t *err);

/*
 * In a child about to exec CT code: install the filter held by fd (from
 * vz_seccomp_compile). The caller needs CAP_SYS_ADMIN in its user namespace
 * (CT root has it): NO_NEW_PRIVS stays unset, so setuid programs in the CT
 * keep working.
 */
int vz_seccomp_load(int fd, vz_error_t *err);

/*
 * The sysinfo filter, compiled as vz_seccomp_compile does: sysinfo(2) of a
 * CT process waits for an answer from a listener (the /proc view's server
 * fills in the CT's RAM, swap, uptime and loads), every other call passes
 * on to the default filter.
 */
int vz_seccomp_compile_sysinfo(int *ret_fd, vz_error_t *err);

/*
 * Install the filter held by fd (from vz_seccomp_compile_sysinfo) with a
 * new listener, *ret_listener (CLOEXEC, as the kernel makes it: the caller
 * sends it on before its exec). The kernel allows one listener in a process's
 * filter stack: processes in the CT then get EBUSY for one of their own.
 */
int vz_seccomp_load_listener(int fd, int *ret_listener, vz_error_t *err);

#endif
