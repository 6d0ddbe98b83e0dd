/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last steps of a child that runs another program (ssh, rsync, criu):
 * its descriptors set up, nothing else of the daemon's left open.
 */
#ifndef VZ_UTIL_EXEC_H
#define VZ_UTIL_EXEC_H

#include <stddef.h>

#include "util/macros.h"

/*
 * In a forked child: fds[i] becomes descriptor i (a -1 becomes /dev/null),
 * every other descriptor is closed, signals are reset, and argv[0] is run
 * from PATH. Does not return; exits 127 when the program cannot run.
 */
VZ_NORETURN void exec_with_fds(char *const *argv, const int *fds, size_t n);

#endif
