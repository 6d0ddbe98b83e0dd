/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A CT's device allow-list, in the kernel's two forms: the v1 devices
 * controller's devices.allow/devices.deny lines, and on cgroup2 a BPF
 * program of type BPF_PROG_TYPE_CGROUP_DEVICE, assembled here by hand
 * (a handful of loads, compares and exits: no compiler or libbpf needed).
 *
 * Either way a change goes "allow the new, then take away the old", so a
 * CT never has a moment with more than the union of the two lists, and
 * never a moment without the devices both lists allow (a process opening
 * /dev/null during `vzctl set --devnodes` must not fail).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* ---- v1: devices.allow, devices.deny, devices.list ---- */

static const char *access_word(unsigned access, char buf[4])
{
	char *p = buf;

	if (access & VZ_CG_DEV_READ)
		*p++ = 'r';
	if (access & VZ_CG_DEV_WRITE)
		*p++ = 'w';
	if (access & VZ_CG_DEV_MKNOD)
		*p++ = 'm';
	*p = '\0';
	return buf;
}

static void number_word(uint32_t v, char buf[12])
{
	if (v == VZ_CG_DEV_ANY)
		snprintf(buf, 12, "*");
	else
		snprintf(buf, 12, "%u", v);
}

/* "c 10:200 rw" for access of the device of r. */
static char *v1_line(const struct vz_cg_dev *r, unsigned access)
{
	char acc[4], maj[12], min[12];

	number_word(r->major, maj);
	number_word(r->minor, min);
	return xasprintf("%c %s:%s %s", r->type == VZ_CG_DEV_BLOCK ? 'b' : 'c', maj, min,
			 access_word(access, acc));
}

/* One line of devices.list; 'a' for the allow-everything line. */
static int parse_v1_line(const char *line, char *type, struct vz_cg_dev *ret)
{
	char t, maj[12], min[12], acc[8];

	if (sscanf(line, "%c %11[0-9*]:%11[0-9*] %7s", &t, maj, min, acc) != 4)
		return -EBADMSG;
	*type = t;
	ret->type = t == 'b' ? VZ_CG_DEV_BLOCK : VZ_CG_DEV_CHAR;
	ret->major = streq(maj, "*") ? VZ_CG_DEV_ANY : (uint32_t)strtoul(maj, NULL, 10);
	ret->minor = streq(min, "*") ? VZ_CG_DEV_ANY : (uint32_t)strtoul(min, NULL, 10);
	ret->access = 0;
	for (const char *p = acc; *p; p++)
		ret->access |= *p == 'r'   ? VZ_CG_DEV_READ
			       : *p == 'w' ? VZ_CG_DEV_WRITE
			       : *p == 'm' ? VZ_CG_DEV_MKNOD
					   : 0;
	return 0;
}

static bool same_device(const struct vz_cg_dev *a, const struct vz_cg_dev *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

/* Access rules[] grants to exactly the device of have. */
static unsigned wanted_access(const struct vz_cg_dev *have, const struct vz_cg_dev *rules, size_t n)
{
	unsigned access = 0;

	for (size_t i = 0; i < n; i++)
		if (same_device(have, &rules[i]))
			access |= rules[i].access;
	return access;
}

/* Deny what each line of list grants beyond rules[]. */
static int deny_extra(int fd, char *list, const struct vz_cg_dev *rules, size_t n)
{
	char *save = NULL;

	for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *deny = NULL;
		struct vz_cg_dev have;
		unsigned extra;
		char type;
		int r;

		r = parse_v1_line(line, &type, &have);
		if (r < 0)
			return r;
		extra = have.access & ~wanted_access(&have, rules, n);
		if (type == 'a' || !extra)
			continue;
		deny = v1_line(&have, extra);
		r = cg_write_knob(fd, "devices.deny", deny);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_dev_v1_set(int fd, const struct vz_cg_dev *rules, size_t n)
{
	_cleanup_free_ char *list = NULL;
	int r;

	r = cg_read_knob(fd, "devices.list", &list);
	if (r < 0)
		return r;
	/*
	 * A group that allows everything (a new one under a root that does)
	 * lists "a *:* rwm": "a" on devices.deny turns it into deny-all first.
	 * Only at start, before the CT has a process or a nested group.
	 */
	if (list[0] == 'a') {
		r = cg_write_knob(fd, "devices.deny", "a");
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *allow = v1_line(&rules[i], rules[i].access);

		r = cg_write_knob(fd, "devices.allow", allow);
		if (r < 0)
			return r;
	}
	return list[0] == 'a' ? 0 : deny_extra(fd, list, rules, n);
}

/* ---- cgroup2: a BPF device program ---- */

/*
 * The program, with the context in r1 (struct bpf_cgroup_dev_ctx):
 *   r2 = access (access_type >> 16), r3 = type (access_type & 0xffff),
 *   r4 = major, r5 = minor
 * then per rule: the first rule whose type, numbers and access all match
 * returns 1 (allow); none matching returns 0 (deny).
 */
#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5

struct prog {
	struct bpf_insn *insn;
	size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	p->insn = xreallocarray(p->insn, p->n + 1, sizeof(*p->insn));
	p->insn[p->n++] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static void emit_load_ctx(struct prog *p, uint8_t dst, int16_t off)
{
	emit(p, BPF_LDX | BPF_MEM | BPF_W, dst, R1, off, 0);
}

static void emit_exit(struct prog *p, int32_t verdict)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, verdict);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* Instructions of one rule's block: the compares, the access test, the exit. */
static int16_t rule_len(const struct vz_cg_dev *r)
{
	return (int16_t)(1 + 3 + (r->major != VZ_CG_DEV_ANY) + (r->minor != VZ_CG_DEV_ANY) + 2);
}

static void emit_rule(struct prog *p, const struct vz_cg_dev *r)
{
	size_t end = p->n + (size_t)rule_len(r);
	/* A failed compare jumps past the block's end: to the next rule. */
#define SKIP ((int16_t)(end - p->n - 1))

	emit(p, BPF_JMP | BPF_JNE | BPF_K, R3, 0, SKIP, (int32_t)r->type);
	/* Asked-for access outside the rule's: r1 = access & ~allowed, must be 0. */
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R1, R2, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)(~r->access & 7u));
	emit(p, BPF_JMP | BPF_JNE | BPF_K, R1, 0, SKIP, 0);
	if (r->major != VZ_CG_DEV_ANY)
		emit(p, BPF_JMP | BPF_JNE | BPF_K, R4, 0, SKIP, (int32_t)r->major);
	if (r->minor != VZ_CG_DEV_ANY)
		emit(p, BPF_JMP | BPF_JNE | BPF_K, R5, 0, SKIP, (int32_t)r->minor);
	emit_exit(p, 1);
#undef SKIP
}

static struct prog assemble(const struct vz_cg_dev *rules, size_t n)
{
	struct prog p = {0};

	emit_load_ctx(&p, R2, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	emit_load_ctx(&p, R4, offsetof(struct bpf_cgroup_dev_ctx, major));
	emit_load_ctx(&p, R5, offsetof(struct bpf_cgroup_dev_ctx, minor));
	emit(&p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	emit(&p, BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, 0xffff);
	emit(&p, BPF_ALU | BPF_RSH | BPF_K, R2, 0, 0, 16);
	for (size_t i = 0; i < n; i++)
		emit_rule(&p, &rules[i]);
	emit_exit(&p, 0);
	return p;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
}

static int load_prog(const struct vz_cg_dev *rules, size_t n)
{
	struct prog p = assemble(rules, n);
	union bpf_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p.insn;
	attr.insn_cnt = (uint32_t)p.n;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	snprintf(attr.prog_name, sizeof(attr.prog_name), "vz_devices");
	r = sys_bpf(BPF_PROG_LOAD, &attr);
	free(p.insn);
	return r;
}

/* The ids of the device programs attached to the group at fd itself (at most max). */
static int query_progs(int fd, uint32_t *ids, uint32_t max)
{
	union bpf_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = max;
	r = sys_bpf(BPF_PROG_QUERY, &attr);
	return r < 0 ? r : (int)attr.query.prog_cnt;
}

/* BPF_PROG_ATTACH (with BPF_F_ALLOW_MULTI) or BPF_PROG_DETACH of prog on the group at fd. */
static int attach_cmd(int cmd, int fd, int prog)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)fd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (cmd == BPF_PROG_ATTACH)
		attr.attach_flags = BPF_F_ALLOW_MULTI;
	return sys_bpf(cmd, &attr);
}

/* Detach program id from the group at fd; one gone meanwhile is fine. */
static int detach_id(int fd, uint32_t id)
{
	_cleanup_close_ int prog = -EBADF;
	union bpf_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	prog = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (prog == -ENOENT)
		return 0;
	if (prog < 0)
		return prog;
	r = attach_cmd(BPF_PROG_DETACH, fd, prog);
	return r == -ENOENT ? 0 : r;
}

/* Programs one group may hold: ours is one at a time, two during a change. */
#define MAX_PROGS 64

int cg_dev_bpf_set(int fd, const struct vz_cg_dev *rules, size_t n)
{
	_cleanup_close_ int prog = -EBADF;
	uint32_t old[MAX_PROGS];
	struct statfs fs;
	int n_old, r;

	if (fstatfs(fd, &fs) < 0)
		return -errno;
	if (fs.f_type != CGROUP2_SUPER_MAGIC)
		return -EOPNOTSUPP;
	n_old = query_progs(fd, old, MAX_PROGS);
	if (n_old < 0)
		return n_old;
	prog = load_prog(rules, n);
	if (prog < 0)
		return prog;
	r = attach_cmd(BPF_PROG_ATTACH, fd, prog);
	for (int i = 0; r >= 0 && i < n_old; i++)
		r = detach_id(fd, old[i]);
	return r < 0 ? r : 0;
}

int cg_dev_set(struct vz_cgroup *cg, struct cg_hier *h, const struct vz_cg_dev *rules, size_t n,
	       vz_error_t *err)
{
	int fd = cg_group_fd(cg, h);
	int r = fd < 0		     ? fd
		: (h->flags & CG_V2) ? cg_dev_bpf_set(fd, rules, n)
				     : cg_dev_v1_set(fd, rules, n);

	if (r < 0)
		return vz_error_make(err, VZ_E_DEVICES, -r,
				     "cgroup '%s': set the device allow-list (%s)", cg->path,
				     (h->flags & CG_V2) ? "BPF device program" : "devices.allow");
	return 0;
}
