/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replay driver shared by every fuzz target: without libFuzzer, a target links
 * this main() and runs as an ordinary test over its seed corpus.
 *
 *   fuzz-x FILE|DIR...      feed each file (directories recursively, sorted)
 *   FUZZ_CORPUS=DIR fuzz-x  the same with no arguments
 *
 * Output is TAP, one "ok N - path" per input. A target reports a bug by
 * crashing; the abort handler still prints "not ok" for the input at fault.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

#define INPUT_MAX (64 * 1024 * 1024)
#define EXIT_SKIP 77

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n_tests;
static unsigned n_failed;
/* Prepared before each input so the signal handler only has to write(). */
static char crash_line[PATH_MAX + 64];
static size_t crash_len;

static void on_abort(int sig)
{
	(void)!write(STDOUT_FILENO, crash_line, crash_len);
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

static void run_file(const char *path)
{
	_cleanup_free_ char *buf = NULL, *exact = NULL;
	size_t len = 0;
	int r, n;

	n_tests++;
	r = read_file_at(AT_FDCWD, path, INPUT_MAX, &buf, &len);
	if (r < 0) {
		printf("not ok %u - %s # read: %s\n", n_tests, path, strerror(-r));
		n_failed++;
		return;
	}
	/* An exact-size copy lets ASan catch a read one byte past the input. */
	exact = xmalloc(len);
	memcpy(exact, buf, len);
	n = snprintf(crash_line, sizeof(crash_line), "not ok %u - %s # crashed\n", n_tests, path);
	crash_len = n > 0 && (size_t)n < sizeof(crash_line) ? (size_t)n : 0;
	(void)fflush(stdout);
	(void)LLVMFuzzerTestOneInput((const uint8_t *)exact, len);
	printf("ok %u - %s\n", n_tests, path);
}

static int skip_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static void run_path(const char *path);

static void run_dir(const char *path)
{
	struct dirent **list = NULL;
	int i, n;

	n = scandir(path, &list, skip_hidden, alphasort);
	if (n < 0) {
		printf("not ok %u - %s # scandir: %s\n", ++n_tests, path, strerror(errno));
		n_failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *child = xasprintf("%s/%s", path, list[i]->d_name);

		run_path(child);
		free(list[i]);
	}
	free(list);
}

static void run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		run_dir(path);
	else
		run_file(path);
}

int main(int argc, char **argv)
{
	const char *corpus = getenv("FUZZ_CORPUS");
	int i;

	(void)signal(SIGABRT, on_abort);
	if (argc < 2) {
		if (!corpus || !*corpus) {
			printf("1..0 # SKIP no inputs: pass files or set FUZZ_CORPUS\n");
			return EXIT_SKIP;
		}
		run_path(corpus);
	}
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("1..%u\n", n_tests);
	return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
