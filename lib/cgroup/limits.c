/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What both backends share for limits and counters: parsing knob values
 * ("max" and "key value" lines), reading a counter from its knobs, writing
 * a knob with an error that names it, the checks done before anything is
 * written, and the OpenVZ ioprio table. Knob names stay in the backends
 * (STYLE rule 20) and come in through tables.
 *
 * Counters come from the kernel, or from a CRIU image or a fake tree in
 * tests: anything that is not a plain number fails with -EBADMSG.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/xalloc.h"

const struct cg_counter_src cg_pids_src = {
	.held = {"pids.current", NULL},
	.maxheld = {"pids.peak", NULL},
	.limit = {"pids.max", NULL},
	.failcnt = {"pids.events", "max"},
};

int cg_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (streq(s, "max")) {
		*ret = VZ_CG_UNLIMITED;
		return 0;
	}
	/* strtoull takes blanks and a sign (and wraps "-1"): a counter has digits only. */
	if (*s < '0' || *s > '9')
		return -EBADMSG;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return -EBADMSG;
	*ret = v;
	return 0;
}

int cg_keyed_u64(const char *text, const char *key, uint64_t *ret)
{
	size_t n = strlen(key);

	for (const char *l = text; *l;) {
		size_t len = strcspn(l, "\n");

		/* A key without its value is garbage too, not a missing key. */
		if (len >= n && strncmp(l, key, n) == 0 && (len == n || l[n] == ' ')) {
			size_t skip = len > n ? n + 1 : n;
			_cleanup_free_ char *v = xstrndup(l + skip, len - skip);

			return cg_parse_u64(v, ret);
		}
		l += len + (l[len] == '\n');
	}
	return -ENOENT;
}

int cg_read_value(int fd, const struct cg_knob *k, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = cg_read_knob(fd, k->file, &text);
	if (r < 0)
		return r;
	return k->key ? cg_keyed_u64(text, k->key, ret) : cg_parse_u64(text, ret);
}

int cg_read_opt(int fd, const struct cg_knob *k, uint64_t *ret, bool *have)
{
	int r = cg_read_value(fd, k, ret);

	*have = r == 0;
	return r == -ENOENT ? 0 : r;
}

int cg_read_counter(int fd, const struct cg_counter_src *src, struct vz_cg_counter *ret,
		    const char **ret_knob)
{
	struct vz_cg_counter c = {.have = true, .limit = VZ_CG_UNLIMITED};
	const struct cg_knob *opt[] = {&src->maxheld, &src->limit, &src->failcnt};
	uint64_t *val[] = {&c.maxheld, &c.limit, &c.failcnt};
	bool have;
	int r;

	*ret = (struct vz_cg_counter){0};
	*ret_knob = src->held.file;
	r = cg_read_value(fd, &src->held, &c.held);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	c.maxheld = c.held;
	for (size_t i = 0; i < ARRAY_SIZE(opt); i++) {
		if (!opt[i]->file)
			continue;
		*ret_knob = opt[i]->file;
		r = cg_read_opt(fd, opt[i], val[i], &have);
		if (r < 0)
			return r;
	}
	*ret = c;
	return 0;
}

/*
 * O_TRUNC changes nothing on cgroupfs (a shell's '>' opens knobs so), and
 * leaves a fake tree's file holding exactly the last value. An empty value
 * goes as "\n": knobs strip blanks, and a zero-length write may not reach one.
 */
int cg_write_knob(int fd, const char *knob, const char *value)
{
	_cleanup_close_ int kfd = -EBADF;
	const char *s = *value ? value : "\n";
	size_t len = strlen(s);
	ssize_t n;

	kfd = openat(fd, knob, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (kfd < 0)
		return -errno;
	n = write(kfd, s, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int cg_set_knob(struct vz_cgroup *cg, int fd, const char *knob, const char *value, vz_error_t *err)
{
	int r = cg_write_knob(fd, knob, value);

	if (r < 0)
		return vz_error_make(err, VZ_E_RESOURCE, -r, "cgroup '%s': write %s=%s", cg->path,
				     knob, value);
	return 0;
}

int cg_set_u64(struct vz_cgroup *cg, int fd, const char *knob, uint64_t v, const char *unlimited,
	       vz_error_t *err)
{
	char buf[32];

	if (v == VZ_CG_UNLIMITED)
		return cg_set_knob(cg, fd, knob, unlimited, err);
	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_set_knob(cg, fd, knob, buf, err);
}

int cg_read_error(struct vz_cgroup *cg, const char *knob, int r, vz_error_t *err)
{
	return vz_error_make(err, VZ_E_SYSTEM, -r, "cgroup '%s': read %s", cg->path, knob);
}

bool cg_any_knob(int fd, const char *const knobs[2])
{
	for (size_t i = 0; i < 2 && knobs[i]; i++)
		if (path_exists_at(fd, knobs[i]))
			return true;
	return false;
}

uint64_t cg_clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t cg_add_limit(uint64_t a, uint64_t b)
{
	if (a == VZ_CG_UNLIMITED || b == VZ_CG_UNLIMITED || a > VZ_CG_UNLIMITED - b)
		return VZ_CG_UNLIMITED;
	return a + b;
}

/* OpenVZ's ioprio steps: each one up roughly doubles the share, 4 is the kernels' default 100. */
static const uint16_t prio_weight[] = {12, 25, 50, 75, 100, 200, 400, 800};

uint64_t cg_io_weight(unsigned prio, uint64_t lo, uint64_t hi)
{
	return cg_clamp(prio_weight[prio < ARRAY_SIZE(prio_weight) ? prio : 4], lo, hi);
}

/* The lim field names, by bit, for messages. */
static const char *const res_param[] = {
	"mem_max",	 "swap_max", "pids_max", "cpu_units",
	"cpu_quota_pct", "cpuset",   "io_prio",	 "io_bps/io_iops",
};

/* Values the kernel would take but that make no sense, or would turn into another knob's text. */
static int check_values(struct vz_cgroup *cg, const struct vz_cgroup_limits *lim, vz_error_t *err)
{
	const char *cpus = lim->cpuset ? lim->cpuset : "";

	if (lim->set & ~CG_RES_ALL)
		return vz_error_make(err, VZ_E_VALUE, EINVAL, "cgroup '%s': unknown limits 0x%x",
				     cg->path, lim->set & ~CG_RES_ALL);
	if ((lim->set & VZ_CG_IO_WEIGHT) && lim->io_prio >= ARRAY_SIZE(prio_weight))
		return vz_error_make(err, VZ_E_VALUE, EINVAL, "cgroup '%s': io_prio %u not in 0..7",
				     cg->path, lim->io_prio);
	if ((lim->set & VZ_CG_IO_MAX) && lim->io_dev == 0)
		return vz_error_make(err, VZ_E_VALUE, EINVAL,
				     "cgroup '%s': io_bps/io_iops without a device", cg->path);
	if ((lim->set & VZ_CG_CPUSET) && cpus[strspn(cpus, "0123456789,-")])
		return vz_error_make(err, VZ_E_VALUE, EINVAL,
				     "cgroup '%s': cpuset '%s': not a CPU list", cg->path, cpus);
	return 0;
}

/* The group of row's hierarchy, or an error: no hierarchy, no group, or no knob. */
static int row_fd(struct vz_cgroup *cg, const struct cg_limits_ops *b,
		  const struct cg_res_knobs *row, vz_error_t *err)
{
	struct cg_hier *h = b->hier_of(cg, row->hier);
	int fd = h ? cg_group_fd(cg, h) : -EOPNOTSUPP;
	const char *param = res_param[__builtin_ctz(row->bit)];

	if (fd == -ENOENT)
		return vz_error_make(err, VZ_E_RESOURCE, ENOENT,
				     "cgroup '%s': set %s: CT group missing in '%s'", cg->path,
				     param, h->name);
	if (fd < 0 && fd != -EOPNOTSUPP)
		return vz_error_make(err, VZ_E_RESOURCE, -fd, "cgroup '%s': set %s: open '%s'",
				     cg->path, param, h->name);
	if (fd < 0 || !cg_any_knob(fd, row->knobs))
		return vz_error_make(err, VZ_E_RESOURCE, EOPNOTSUPP,
				     "cgroup '%s': cannot set %s: no %s%s%s in %s", cg->path, param,
				     row->knobs[0], row->knobs[1] ? " or " : "",
				     row->knobs[1] ? row->knobs[1] : "", b->name);
	return fd;
}

int cg_set_limits(struct vz_cgroup *cg, const struct cg_limits_ops *b,
		  const struct vz_cgroup_limits *lim, vz_error_t *err)
{
	int r = check_values(cg, lim, err);

	for (size_t i = 0; r >= 0 && i < b->n_rows; i++)
		if (lim->set & b->rows[i].bit)
			r = row_fd(cg, b, &b->rows[i], err);
	for (size_t i = 0; r >= 0 && i < b->n_setters; i++) {
		const struct cg_setter *s = &b->setters[i];

		/* row_fd opened and cached every group a setter below needs. */
		if (lim->set & s->bits)
			r = s->fn(cg, cg_group_fd(cg, b->hier_of(cg, s->hier)), lim, err);
	}
	return r < 0 ? r : 0;
}

/*
 * The prefix level that holds the CT groups gets the sum of their weights
 * (knob clamped to [lo, hi]; def when it holds none): the CTs then weigh
 * against the host's own tasks as if each were a top-level group, OpenVZ's
 * model, instead of all of them together weighing as much as one host task.
 */
int cg_sync_prefix_weight(struct vz_cgroup *cg, struct cg_hier *h, const char *knob, uint64_t lo,
			  uint64_t hi, uint64_t def)
{
	_cleanup_close_ int pfd =
		openat(h->root_fd, cg->prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	uint64_t sum = 0;
	bool any = false;
	const char *name;
	char buf[32];
	int r;

	if (pfd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!path_exists_at(pfd, knob))
		return 0;
	d = cg_opendir_at(pfd);
	if (!d)
		return -errno;
	for (;;) {
		_cleanup_close_ int cfd = -EBADF;
		_cleanup_free_ char *v = NULL;
		uint64_t w;

		r = cg_next_subdir(d, &name, &cfd);
		if (r <= 0)
			break;
		if (cg_read_knob(cfd, knob, &v) < 0 || cg_parse_u64(v, &w) < 0)
			continue;
		sum += w;
		any = true;
	}
	if (r < 0)
		return r;
	(void)snprintf(buf, sizeof(buf), "%llu",
		       (unsigned long long)(any ? cg_clamp(sum, lo, hi) : def));
	return cg_write_knob(pfd, knob, buf);
}

/* The slot of device maj:min in d->io, added when there is room; NULL when full. */
static struct vz_cg_io *io_slot(struct vz_cgroup_detail *d, unsigned maj, unsigned min)
{
	for (size_t i = 0; i < d->n_io; i++)
		if (d->io[i].major == maj && d->io[i].minor == min)
			return &d->io[i];
	if (d->n_io >= VZ_CG_IO_DEVS)
		return NULL;
	d->io[d->n_io] = (struct vz_cg_io){.major = maj, .minor = min};
	return &d->io[d->n_io++];
}

void cg_parse_io_v1(const char *text, bool ios, struct vz_cgroup_detail *d)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		unsigned maj, min;
		char op[16];
		unsigned long long v;
		struct vz_cg_io *io;

		if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
			continue;
		if (!streq(op, "Read") && !streq(op, "Write"))
			continue;
		io = io_slot(d, maj, min);
		if (!io)
			continue;
		if (streq(op, "Read"))
			*(ios ? &io->rios : &io->rbytes) = v;
		else
			*(ios ? &io->wios : &io->wbytes) = v;
	}
}

void cg_parse_io_v2(const char *text, struct vz_cgroup_detail *d)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *end = strchr(l, '\n');
		_cleanup_free_ char *line = end ? xstrndup(l, (size_t)(end - l)) : xstrdup(l);
		char *save = NULL, *w;
		unsigned maj, min;
		struct vz_cg_io *io;

		if (sscanf(line, "%u:%u", &maj, &min) != 2 || !(io = io_slot(d, maj, min)))
			continue;
		strtok_r(line, " ", &save);
		while ((w = strtok_r(NULL, " ", &save))) {
			char *eq = strchr(w, '=');
			uint64_t v;

			if (!eq)
				continue;
			*eq = '\0';
			v = strtoull(eq + 1, NULL, 10);
			if (streq(w, "rbytes"))
				io->rbytes = v;
			else if (streq(w, "wbytes"))
				io->wbytes = v;
			else if (streq(w, "rios"))
				io->rios = v;
			else if (streq(w, "wios"))
				io->wios = v;
		}
	}
}

int cg_read_keys(int fd, const char *file, const char *const *keys, uint64_t *const *vals, size_t n,
		 bool *have)
{
	_cleanup_free_ char *text = NULL;
	int r = cg_read_knob(fd, file, &text);

	*have = false;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = cg_keyed_u64(text, keys[i], vals[i]);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
	}
	*have = true;
	return 0;
}
