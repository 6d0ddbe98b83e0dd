/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running code in another process's namespace, given by an fd. A leaf
 * module (core/error and util only): mount.c, net.c and the CT layer use it
 * without depending on each other or on spawn.c.
 *
 * The namespace is joined by a forked child, never by the caller: a setns in
 * a vzd worker would change every later operation of that worker (STYLE
 * rule 21), and one in vzd's main process would change the daemon.
 */
#ifndef VZ_NS_H
#define VZ_NS_H

#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Open /proc/PID/ns/<nstype> (nstype one CLONE_NEW* flag) with O_CLOEXEC.
 * Returns the fd, -EINVAL for an nstype that is not exactly one namespace,
 * or -errno (-ENOENT / -ESRCH when the process is gone). The caller checks
 * after the open that pid still is the process it meant: a recycled pid
 * opens someone else's namespace.
 */
int vz_ns_open(pid_t pid, int nstype);

/*
 * Run fn(data) in a child that has joined the namespace ns_fd (of type
 * nstype, or 0 for whatever ns_fd is); fn returns 0 or an errno value.
 * The caller waits for the child. Returns 0, or < 0 with *err set: the
 * message is what, then the cause ("join the namespace" and the errno of
 * setns, fn's errno, or the signal that killed the child).
 */
int vz_ns_run(int ns_fd, int nstype, int (*fn)(void *data), void *data, const char *what,
	      vz_error_t *err);

/*
 * A new user namespace mapping ids 0..size-1 to base..base+size-1 (uids and
 * gids), as an fd: what an idmapped mount (MOUNT_ATTR_IDMAP) takes. No
 * process is left in it. Returns the fd or < 0 with *err set.
 */
int vz_ns_userns_new(uint32_t base, uint32_t size, vz_error_t *err);

#endif
