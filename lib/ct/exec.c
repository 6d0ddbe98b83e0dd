/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec/enter. Trust model: argv and env come from a client through vzd;
 * argv runs as CT root inside the CT (which the client, being host root or
 * in the vzd group, may do anyway). env entries must be KEY=value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct/internal.h"
#include "sandbox/spawn.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Characters after which a command line needs a shell to mean what it says. */
static bool needs_shell(const char *s)
{
	return strpbrk(s, "|&;<>()$`\\\"'*?[]#~=%{}\n\t") != NULL;
}

/*
 * OpenVZ's exec runs its arguments as one shell command line: `vzctl exec
 * 101 "ps ax | grep sshd"`. Plain words skip the shell (faster, same result).
 */
static char **exec_argv(char *const *argv)
{
	size_t n = 0;
	bool shell = false;
	char **out;
	char *line;

	for (; argv[n]; n++) {
		shell |= needs_shell(argv[n]) || (n == 0 && strchr(argv[n], ' '));
	}
	if (n > 1 && !shell)
		for (size_t i = 0; i < n; i++)
			shell |= strchr(argv[i], ' ') != NULL;
	if (!shell) {
		out = xzalloc((n + 1) * sizeof(char *));
		for (size_t i = 0; i < n; i++)
			out[i] = xstrdup(argv[i]);
		return out;
	}
	line = strv_join(argv, " ");
	out = xzalloc(4 * sizeof(char *));
	out[0] = xstrdup("/bin/sh");
	out[1] = xstrdup("-c");
	out[2] = line;
	return out;
}

static char **copy_argv(char *const *argv)
{
	size_t n = strv_length(argv);
	char **out = xzalloc((n + 1) * sizeof(char *));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(argv[i]);
	return out;
}

static char **exec_env(char *const *extra, vz_error_t *err)
{
	size_t n = 0;
	char **env;

	while (extra && extra[n])
		n++;
	env = xzalloc((n + 3) * sizeof(char *));
	env[0] = xstrdup(EXEC_PATH);
	env[1] = xstrdup("HOME=/root");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(extra[i], '=');
		if (!eq || eq == extra[i] || strlen(extra[i]) > 4096) {
			vz_error_make(err, VZ_E_VALUE, 0, "invalid environment entry '%.64s'",
				      extra[i]);
			strv_free(env);
			return NULL;
		}
		env[i + 2] = xstrdup(extra[i]);
	}
	return env;
}

int vz_ct_exec(struct vz_ct *ct, const struct vz_ct_exec_opts *o, pid_t *ret_pid, vz_error_t *err)
{
	struct vz_spawn_exec_params p = {
		.pty = o->pty,
		.ret_pty_master = o->ret_pty_master,
		.confine = ct_confine(ct),
	};
	_cleanup_strv_ char **argv = NULL, **env = NULL;
	vz_error_t e = NULL;
	int r;

	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return vz_error_make(err, VZ_E_SYNTAX, 0, "exec: no command given");
	/* A CT that does not exist is not merely stopped (OpenVZ: 14, not 31). */
	if (ct_require_config(ct, err) < 0)
		return -1;
	if (!ct->running)
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ct->id);
	p.cg = vz_ct_cgroup(ct, err);
	env = exec_env(o->env, err);
	if (!p.cg || !env)
		return -1;
	/* The command inherits the CT's per-process limits, as init has them now. */
	ct_res_copy_rlimits(ct->state.pid);
	argv = o->raw_argv ? copy_argv(o->argv) : exec_argv(o->argv);
	p.init_pid = ct->state.pid;
	p.argv = argv;
	p.envp = env;
	memcpy(p.stdio, o->stdio, sizeof(p.stdio));
	r = vz_spawn_exec(&p, ret_pid, &e);
	/* Not a program: maybe a shell builtin ("exit 3", "cd /tmp && ls"). */
	if (r < 0 && !o->raw_argv && vz_error_errno(e) == ENOENT && !streq(argv[0], "/bin/sh")) {
		char *sh[] = {"/bin/sh", "-c", NULL, NULL};
		_cleanup_free_ char *line = strv_join(o->argv, " ");

		vz_error_release(&e);
		sh[2] = line;
		p.argv = sh;
		r = vz_spawn_exec(&p, ret_pid, &e);
	}
	if (r < 0) {
		(void)vz_error_wrap(&e, "CT %s", ct->id);
		return vz_error_move(err, &e);
	}
	return 0;
}
