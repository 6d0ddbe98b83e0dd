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

/*
 * Run argv (from PATH) with stdin on /dev/null and wait for it. Its stdout
 * and stderr, the first 4 KiB of them, go to *ret_output (malloc'd) when
 * that is not NULL. Returns its exit status (128 + signal when killed), or
 * -errno when it could not be started.
 */
int run_program(char *const *argv, char **ret_output);

#endif
