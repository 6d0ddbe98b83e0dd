/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File helpers. They return -errno (STYLE rule 10): the caller that knows
 * what the path means turns the code into an error object.
 */
#ifndef VZ_UTIL_FS_H
#define VZ_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole file (at most max bytes) into a NUL-terminated heap buffer. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* Write data to dir/path atomically: temp file, fsync, rename, fsync dir. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);

/* The same without fsync: for runtime state that a crash makes moot anyway. */
int replace_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);

/* Write a short string to an existing file (cgroup knobs, proc files). */
int write_string_at(int dirfd, const char *path, const char *s);

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);

/*
 * Remove dirfd/name recursively without following symlinks and without
 * crossing into other mounts (a mount point inside is an error: -EBUSY).
 */
int rm_rf_at(int dirfd, const char *name);

/* Close every fd >= from except those in keep[]. */
void close_fds_from(int from, const int *keep, size_t n_keep);

bool path_exists_at(int dirfd, const char *path);

/* Is path (not followed if a symlink) the root of a mount? */
bool is_mount_point_at(int dirfd, const char *path);

/*
 * Every signal back to its default action and unblocked. A daemon started
 * from a script inherits ignored SIGINT/SIGQUIT/SIGHUP, and execve keeps
 * ignored signals ignored: without this a CT's processes would shrug off ^C.
 */
void reset_signals(void);

/* Full write/read loops that retry EINTR; return 0 or -errno (-EPIPE on EOF for read). */
int write_all(int fd, const void *buf, size_t len);
int read_all(int fd, void *buf, size_t len);

#endif
