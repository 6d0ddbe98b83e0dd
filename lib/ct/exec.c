/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec/enter and set. Trust model: argv, env and option values come from a
 * client through vzd; argv runs as CT root inside the CT (which the client,
 * being host root or in the vzd group, may do anyway). env entries must be
 * KEY=value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/internal.h"
#include "res/cpuio.h"
#include "ct/ctfile.h"
#include "ct/ct.h"
#include "ct/lock.h"
#include "sandbox/ns.h"
#include "sandbox/spawn.h"
#include "ct/state.h"
#include "util/syscalls.h"
#include "util/xalloc.h"

#define EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Characters after which a command line needs a shell to mean what it says. */
static bool needs_shell(const char *s)
{
	return strpbrk(s, "|&;<>()$`\\\"'*?[]#~=%{}\n\t") != NULL;
}

static char *join_words(char *const *argv)
{
	size_t len = 1;
	char *line;

	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	line = xzalloc(len);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strcat(line, " ");
		strcat(line, argv[i]);
	}
	return line;
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
	line = join_words(argv);
	out = xzalloc(4 * sizeof(char *));
	out[0] = xstrdup("/bin/sh");
	out[1] = xstrdup("-c");
	out[2] = line;
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
			ct_strv_free(env);
			return NULL;
		}
		env[i + 2] = xstrdup(extra[i]);
	}
	return env;
}

int vz_ct_exec(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_exec_opts *o,
	       pid_t *ret_pid, vz_error_t *err)
{
	_cleanup_cgroup_ struct vz_cgroup *cg = NULL;
	_cleanup_config_ struct vz_config *cfg = NULL;
	struct vz_spawn_exec_params p = {
		.pty = o->pty,
		.ret_pty_master = o->ret_pty_master,
		.seccomp_fd = ctx->seccomp_fd,
	};
	char **argv = NULL, **env = NULL;
	struct vz_state st;
	int r = -1;

	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return vz_error_make(err, VZ_E_SYNTAX, 0, "exec: no command given");
	/* A CT that does not exist is not merely stopped (OpenVZ: 14, not 31). */
	cfg = vz_ct_load_config(ctx, ctid, err);
	if (!cfg)
		return -1;
	if (vz_state_read(ctx, ctid, &st, err) < 0)
		return -1;
	if (!vz_state_alive(&st))
		return vz_error_make(err, VZ_E_NOT_RUNNING, 0, "CT %s is not running", ctid);
	cg = ct_cgroup(ctx, ctid, st.cgroup_prefix, err);
	env = exec_env(o->env, err);
	if (!cg || !env)
		goto out;
	/* The command inherits the CT's per-process limits, as init has them now, from this worker.
	 */
	(void)ct_res_copy_rlimits(st.pid);
	argv = exec_argv(o->argv);
	p.init_pid = st.pid;
	p.cg = cg;
	p.argv = argv;
	p.envp = env;
	memcpy(p.stdio, o->stdio, sizeof(p.stdio));
	r = vz_spawn_exec(&p, ret_pid, err);
	/* Not a program: maybe a shell builtin ("exit 3", "cd /tmp && ls"). */
	if (r < 0 && vz_error_errno(*err) == ENOENT && !streq(argv[0], "/bin/sh")) {
		char *sh[] = {"/bin/sh", "-c", NULL, NULL};
		_cleanup_free_ char *line = join_words(o->argv);

		vz_error_release(err);
		sh[2] = line;
		p.argv = sh;
		r = vz_spawn_exec(&p, ret_pid, err);
	}
	if (r < 0)
		vz_error_wrap(err, "CT %s", ctid);
out:
	ct_strv_free(argv);
	ct_strv_free(env);
	return r;
}

static int sethostname_fn(void *data)
{
	const char *name = data;

	return sethostname(name, strlen(name)) < 0 ? errno : 0;
}

/* Set the hostname of a running CT from a child that joins its uts namespace. */
static int live_hostname(const struct vz_state *st, const char *name, vz_error_t *err)
{
	_cleanup_free_ char *what = xasprintf("set hostname '%s'", name);
	_cleanup_close_ int ns = vz_ns_open(st->pid, CLONE_NEWUTS);

	/* Checked after the open: a recycled pid must not get the CT's name. */
	if (ns < 0 || !vz_state_alive(st))
		return vz_error_make(err, VZ_E_NOT_RUNNING, ns < 0 ? -ns : ESRCH,
				     "%s: open the CT's uts namespace", what);
	return vz_ns_run(ns, CLONE_NEWUTS, sethostname_fn, (void *)name, what, err);
}

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* vzctl's --ipadd/--ipdel: changes of IP_ADDRESS relative to what the CT has. */
static bool is_ip_op(const char *key)
{
	return streq(key, "IPADD") || streq(key, "IPDEL");
}

static int validate_changes(struct vz_ctx *ctx, const char *ctid, struct vz_config *cfg,
			    const struct vz_ct_change *c, size_t n, vz_error_t *err)
{
	bool cpu = false, ip = false, netif = false;
	char selected[IFNAMSIZ] = "";

	for (size_t i = 0; i < n; i++) {
		if (ct_net_is_netif_op(c[i].key)) {
			if (ct_net_netif_op(ctx, ctid, cfg, c[i].key, c[i].value ? c[i].value : "",
					    selected, err) < 0)
				return -1;
			netif = true;
			continue;
		}
		if (is_ip_op(c[i].key)) {
			if (ct_net_ip_op(cfg, c[i].key, c[i].value ? c[i].value : "", err) < 0 &&
			    !ct_net_live_only(ctx, ctid, c[i].key, c[i].value, err))
				return -1;
			ip = true;
			continue;
		}
		if (!vz_config_key_lookup(c[i].key))
			return vz_error_make(err, VZ_E_SYNTAX, 0, "unknown parameter '%s'",
					     c[i].key);
		if (streq(c[i].key, "NAME") && c[i].value &&
		    ct_check_name_free(ctx, c[i].value, ctid, err) < 0)
			return -1;
		if (vz_config_set(cfg, c[i].key, c[i].value, err) < 0)
			return -1;
		cpu |= streq(c[i].key, "CPULIMIT") || streq(c[i].key, "CPUS") ||
		       streq(c[i].key, "CPUMASK");
		ip |= streq(c[i].key, "IP_ADDRESS");
		netif |= streq(c[i].key, "NETIF");
	}
	if (netif && ct_net_check_netifs(ctx, ctid, cfg, err) < 0)
		return -1;
	if (cpu && vz_res_check_host(cfg, host_cpus(), err) < 0)
		return -1;
	if (ip && ct_net_check_addrs(ctx, ctid, cfg, err) < 0)
		return -1;
	return 0;
}

static int apply_live(struct vz_ctx *ctx, const char *ctid, const struct vz_config *cfg,
		      const struct vz_state *st, const struct vz_ct_change *c, size_t n,
		      vz_error_t *err)
{
	bool files = false, net = ct_net_changes(c, n);

	for (size_t i = 0; i < n; i++) {
		if (streq(c[i].key, "HOSTNAME") && c[i].value) {
			if (live_hostname(st, c[i].value, err) < 0)
				return -1;
			vz_info(ctx, "Set hostname: %s", c[i].value);
		}
		files |= streq(c[i].key, "HOSTNAME") || streq(c[i].key, "NAMESERVER") ||
			 streq(c[i].key, "SEARCHDOMAIN");
	}
	if (net && ct_net_set_live(ctx, ctid, st, cfg, c, n, err) < 0)
		return -1;
	/* /etc/hosts names the CT's first address: after the addresses changed. */
	if ((files || net) && ct_write_files(ctx, ctid, cfg, err) < 0)
		return -1;
	return ct_res_set_live(ctx, ctid, st, cfg, c, n, err);
}

/* A live change failed half way: put the resource settings of the saved config back. */
static void undo_live(struct vz_ctx *ctx, const char *ctid, const struct vz_state *st,
		      const struct vz_ct_change *c, size_t n)
{
	_cleanup_config_ struct vz_config *old = vz_ct_load_config(ctx, ctid, NULL);

	if (old)
		(void)ct_res_set_live(ctx, ctid, st, old, c, n, NULL);
}

struct change_list {
	struct vz_ct_change *v;
	size_t n;
};

static int add_resource_key(const char *key, const char *value, void *data)
{
	struct change_list *l = data;

	if (!vz_res_is_key(key))
		return 0;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = (struct vz_ct_change){key, value};
	return 0;
}

/* The sample's resource keys, then the explicit changes (which win). */
static int with_sample(struct vz_ctx *ctx, const struct vz_ct_set_opts *o,
		       struct vz_config **ret_sample, struct change_list *l, vz_error_t *err)
{
	*l = (struct change_list){0};
	if (!o->applyconfig)
		return 0;
	*ret_sample = ct_load_sample(ctx, o->applyconfig, err);
	if (!*ret_sample)
		return -1;
	(void)vz_config_foreach(*ret_sample, add_resource_key, l);
	for (size_t i = 0; i < o->n; i++)
		(void)add_resource_key(o->changes[i].key, o->changes[i].value, l);
	/* Non-resource explicit changes too: add them unfiltered. */
	for (size_t i = 0; i < o->n; i++) {
		if (vz_res_is_key(o->changes[i].key))
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
		l->v[l->n++] = o->changes[i];
	}
	return 0;
}

static int set_locked(struct vz_ctx *ctx, const char *ctid, struct vz_config *cfg,
		      const struct vz_ct_change *changes, size_t n, bool save, vz_error_t *err)
{
	_cleanup_free_ char *path = vz_path_conf(ctx, ctid);
	struct vz_state st;

	if (n == 0)
		return vz_error_make(err, VZ_E_SYNTAX, 0, "set CT %s: nothing to set", ctid);
	/* Everything is checked against a copy before anything changes. */
	if (validate_changes(ctx, ctid, cfg, changes, n, err) < 0)
		return vz_error_wrap(err, "set CT %s", ctid);
	if (vz_state_read(ctx, ctid, &st, err) < 0)
		return -1;
	ct_res_warn(ctx, changes, n);
	if (vz_state_alive(&st) && apply_live(ctx, ctid, cfg, &st, changes, n, err) < 0) {
		undo_live(ctx, ctid, &st, changes, n);
		return vz_error_wrap(err, "set CT %s", ctid);
	}
	if (!save) {
		vz_warn(ctx, "Settings were not saved: they are lost at the next start "
			     "(use --save)");
		return 0;
	}
	if (vz_config_save(cfg, path, err) < 0)
		return vz_error_wrap(err, "set CT %s", ctid);
	vz_info(ctx, "Saved parameters for CT %s", ctid);
	return 0;
}

int vz_ct_set(struct vz_ctx *ctx, const char *ctid, const struct vz_ct_set_opts *o, vz_error_t *err)
{
	_cleanup_config_ struct vz_config *cfg = NULL, *sample = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct change_list l;
	int r;

	lock = ct_lock_and_load(ctx, ctid, &cfg, err);
	if (lock < 0)
		return -1;
	if (with_sample(ctx, o, &sample, &l, err) < 0)
		return vz_error_wrap(err, "set CT %s", ctid);
	if (o->applyconfig)
		r = set_locked(ctx, ctid, cfg, l.v, l.n, o->save, err);
	else
		r = set_locked(ctx, ctid, cfg, o->changes, o->n, o->save, err);
	free(l.v);
	return r;
}
