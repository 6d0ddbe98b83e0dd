/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/exec.h"
#include "util/fs.h"

/* Above every target number, so that no dup2 overwrites a source not moved yet. */
#define SPARE_FD_MIN 64

VZ_NORETURN void exec_with_fds(char *const *argv, const int *fds, size_t n)
{
	int moved[SPARE_FD_MIN / 2];

	if (n > sizeof(moved) / sizeof(moved[0]))
		_exit(127);
	reset_signals();
	for (size_t i = 0; i < n; i++) {
		int src = fds[i] >= 0 ? fds[i] : open("/dev/null", O_RDWR | O_CLOEXEC);

		moved[i] = src < 0 ? -1 : fcntl(src, F_DUPFD_CLOEXEC, SPARE_FD_MIN);
		if (moved[i] < 0)
			_exit(127);
	}
	/* dup2 clears close-on-exec on the copy it makes. */
	for (size_t i = 0; i < n; i++)
		if (dup2(moved[i], (int)i) < 0)
			_exit(127);
	close_fds_from((int)n, NULL, 0);
	execvp(argv[0], argv);
	dprintf(2, "vz: exec '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

int run_program(char *const *argv, char **ret_output)
{
	int p[2], status;
	char buf[4096];
	size_t len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		int fds[3] = {-1, p[1], p[1]};

		exec_with_fds(argv, fds, 3);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1) {
			/* Keep the first lines; drain the rest. */
			char sink[4096];

			while (read(p[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	close(p[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (ret_output)
		*ret_output = strdup(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
