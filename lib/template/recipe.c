/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Templates built by recipe scripts: <recipes>/NAME/build, or the family's
 * <recipes>/FAMILY/build (FAMILY = NAME up to its first '-', so
 * templates/debian/build makes debian-11, debian-12, ...). The script gets
 * NAME and an output path and writes a rootfs tarball there.
 *
 * Trust model: recipes are installed files run as root, so they must be
 * root-owned regular files that nobody else can write; their output is
 * validated like an imported tarball before it enters the cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "template/internal.h"
#include "template/template.h"
#include "util/fs.h"
#include "util/xalloc.h"

static bool recipe_ok(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH)) && (st.st_mode & S_IXUSR);
}

static char *find_recipe(const char *recipes, const char *name)
{
	_cleanup_free_ char *family = xstrndup(name, strcspn(name, "-"));
	char *path = xasprintf("%s/%s/build", recipes, name);

	if (recipe_ok(path))
		return path;
	free(path);
	path = xasprintf("%s/%s/build", recipes, family);
	if (recipe_ok(path))
		return path;
	free(path);
	return NULL;
}

static VZ_NORETURN void run_recipe(const char *script, const char *name, const char *out, int outfd)
{
	char *argv[] = {(char *)script, (char *)name, (char *)out, NULL};
	char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		       "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive", NULL};
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		_exit(126);
	close_fds_from(3, NULL, 0);
	(void)setsid();
	execve(script, argv, env);
	_exit(127);
}

/* Relay the script's output line by line; keep the last line for errors. */
static void relay_output(int fd, vz_template_progress_fn progress, void *data, char *last,
			 size_t last_size)
{
	FILE *f = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		(void)close(fd);
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (!line[0])
			continue;
		snprintf(last, last_size, "%s", line);
		if (progress)
			progress(data, line);
	}
	free(line);
	fclose(f);
}

static int run_and_wait(const char *script, const char *name, const char *out,
			vz_template_progress_fn progress, void *data, vz_error_t *err)
{
	char last[512] = "";
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "build template '%s': pipe", name);
	pid = fork();
	if (pid < 0) {
		(void)close(p[0]);
		(void)close(p[1]);
		return vz_error_make(err, VZ_E_RESOURCE, errno, "build template '%s': fork", name);
	}
	if (pid == 0)
		run_recipe(script, name, out, p[1]);
	(void)close(p[1]);
	relay_output(p[0], progress, data, last, sizeof(last));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vz_error_make(err, VZ_E_SYSTEM, errno, "build template '%s'", name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
			     "build template '%s': recipe '%s' failed (%s %d)%s%s", name, script,
			     WIFEXITED(status) ? "exit status" : "signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			     last[0] ? ": " : "", last);
}

/* Check the result like an import, then move it into place under its final name. */
static int install_result(const char *cachedir, const char *name, const char *tmp, vz_error_t *err)
{
	_cleanup_close_ int fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *final = NULL, *mach = NULL;
	const char *ext;

	if (fd < 0)
		return vz_error_make(err, VZ_E_BAD_TEMPLATE, errno,
				     "build template '%s': the recipe wrote no tarball", name);
	if (template_validate_tar(fd, &ext, name, tmp, err) < 0)
		return -1;
	/* The same machine name vz_template_find looks for. */
	mach = template_machine_name();
	final = xasprintf("%s/%s-%s%s", cachedir, name, mach, ext);
	/* A rebuild replaces the old tarball; CTs made from it keep their files. */
	if (rename(tmp, final) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "build template '%s': rename", name);
	return 0;
}

int vz_template_build_recipe(const char *cachedir, const char *recipes, const char *name,
			     vz_template_progress_fn progress, void *data, vz_error_t *err)
{
	_cleanup_free_ char *script = NULL, *tmp = NULL;
	int r;

	if (vz_template_name_check(name, err) < 0)
		return -1;
	script = find_recipe(recipes, name);
	if (!script)
		return vz_error_make(err, VZ_E_TEMPLATE_NOT_FOUND, 0,
				     "no recipe for template '%s' in '%s'", name, recipes);
	if (mkdir_p(cachedir, 0700) < 0)
		return vz_error_make(err, VZ_E_SYSTEM, errno, "create '%s'", cachedir);
	tmp = xasprintf("%s/.%s.build-%d", cachedir, name, (int)getpid());
	(void)unlink(tmp);
	r = run_and_wait(script, name, tmp, progress, data, err);
	if (r == 0)
		r = install_result(cachedir, name, tmp, err);
	(void)unlink(tmp);
	return r;
}
