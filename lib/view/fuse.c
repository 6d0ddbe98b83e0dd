/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust model: requests come from the kernel on a /dev/fuse connection
 * only the daemon and this server hold; what is in them (names, offsets,
 * sizes) stems from any process that can reach the mount, CTs included,
 * and is checked before use. Nothing is ever written or created.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"
#include "view/fuse.h"

#define ROOT_ID FUSE_ROOT_ID
#define MAX_WRITE 4096
/* A request: header and at most a name or a small struct; reads bring no data. */
#define BUF_SIZE (128 * 1024 + 4096)
#define NAME_TTL 3600 /* the set of names never changes */
#define MAX_OPEN 65536
#define MAX_CTID 4294967294UL

struct vz_fuse_open {
	uint64_t fh, node;
	pid_t pid;
	bool fresh; /* made at open, not read yet */
	char *text;
	size_t len;
};

/*
 * Node ids: 1 the root, 2.. the top files; (CTID + 1) << 8 a CT's
 * directory, | (i + 1) its file i.
 */
static uint64_t ct_node(unsigned long ctid)
{
	return ((uint64_t)ctid + 1) << 8;
}

static unsigned long node_ct(uint64_t node)
{
	return node >= 256 ? (unsigned long)((node >> 8) - 1) : 0;
}

static bool node_is_dir(uint64_t node)
{
	return node == ROOT_ID || (node >= 256 && (node & 0xff) == 0);
}

/* The file index of node, or -1 for a directory or no such node. */
static long node_file(const struct vz_fuse *f, uint64_t node)
{
	uint64_t i;

	if (node_is_dir(node) || node < 2)
		return -1;
	i = node >= 256 ? (node & 0xff) - 1 : node - 2;
	return i < f->fs->n ? (long)i : -1;
}

char *vz_fuse_mount_options(int fd)
{
	return xasprintf("fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
}

void vz_fuse_init(struct vz_fuse *f, int fd, const struct vz_fuse_fs *fs)
{
	*f = (struct vz_fuse){.fd = fd, .fs = fs, .next_fh = 1, .buf_size = BUF_SIZE};
	f->buf = xmalloc(f->buf_size);
}

void vz_fuse_release(struct vz_fuse *f)
{
	for (size_t i = 0; i < f->n_open; i++)
		free(f->open[i].text);
	free(f->open);
	free(f->buf);
	f->open = NULL;
	f->buf = NULL;
	f->n_open = 0;
}

/* Answers that the kernel no longer waits for (ENOENT: interrupted) are fine to lose. */
static void reply(struct vz_fuse *f, uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = {
		.len = (uint32_t)(sizeof(h) + (error ? 0 : len)),
		.error = -error,
		.unique = unique,
	};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)data, error ? 0 : len}};

	(void)!writev(f->fd, iov, error || !len ? 1 : 2);
}

/*
 * Put text into node's page cache, which makes its size at least the
 * text's. Readers that splice (sendfile: busybox cat) read through the
 * page cache up to the size, unlike read(), which direct_io sends to us:
 * with the size procfs shows (0) they would get nothing.
 */
static void store(struct vz_fuse *f, uint64_t node, const char *text, size_t len)
{
	struct fuse_out_header h = {
		.len = (uint32_t)(sizeof(h) + sizeof(struct fuse_notify_store_out) + len),
		.error = FUSE_NOTIFY_STORE,
	};
	struct fuse_notify_store_out so = {.nodeid = node, .size = (uint32_t)len};
	struct iovec iov[3] = {{&h, sizeof(h)}, {&so, sizeof(so)}, {(void *)text, len}};

	if (len)
		(void)!writev(f->fd, iov, 3);
}

static void fill_attr(struct vz_fuse *f, uint64_t node, pid_t pid, struct fuse_attr *a)
{
	static time_t born;
	bool dir = node_is_dir(node);
	uid_t uid = 0;
	gid_t gid = 0;

	if (!born)
		born = time(NULL);
	f->fs->owner(f->fs->data, node_ct(node), pid, &uid, &gid);
	*a = (struct fuse_attr){
		.ino = node,
		.atime = (uint64_t)born,
		.mtime = (uint64_t)born,
		.ctime = (uint64_t)born,
		.mode = dir ? S_IFDIR | 0555 : S_IFREG | 0444,
		.nlink = dir ? 2 : 1,
		.uid = uid,
		.gid = gid,
		.blksize = 4096,
	};
}

static void do_init(struct vz_fuse *f, const struct fuse_in_header *h, const void *in, size_t len)
{
	const struct fuse_init_in *ii = in;
	struct fuse_init_out o = {.major = FUSE_KERNEL_VERSION};

	if (len < 8 || ii->major != FUSE_KERNEL_VERSION) {
		/* Answering our major makes a newer kernel ask again in it; an older one gives up.
		 */
		reply(f, h->unique, 0, &o, FUSE_COMPAT_INIT_OUT_SIZE);
		return;
	}
	o.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ? ii->minor : FUSE_KERNEL_MINOR_VERSION;
	o.max_readahead = len >= 12 ? ii->max_readahead : 0;
	o.max_background = 16;
	o.congestion_threshold = 12;
	o.max_write = MAX_WRITE;
	o.time_gran = 1;
	reply(f, h->unique, 0, &o, sizeof(o));
}

static void do_lookup(struct vz_fuse *f, const struct fuse_in_header *h, const char *name,
		      size_t len)
{
	struct fuse_entry_out e = {0};

	uint64_t base = h->nodeid == ROOT_ID ? 2 : h->nodeid + 1;

	if (!node_is_dir(h->nodeid) || len == 0 || name[len - 1] != '\0') {
		reply(f, h->unique, node_is_dir(h->nodeid) ? ENOENT : ENOTDIR, NULL, 0);
		return;
	}
	/* A CT's directory: any CTID (its files fail to open when there is no such CT). */
	if (h->nodeid == ROOT_ID && name[0] >= '1' && name[0] <= '9' &&
	    strspn(name, "0123456789") == len - 1 && len - 1 <= 10 &&
	    strtoul(name, NULL, 10) <= MAX_CTID) {
		e.nodeid = ct_node(strtoul(name, NULL, 10));
		e.entry_valid = NAME_TTL;
		fill_attr(f, e.nodeid, (pid_t)h->pid, &e.attr);
		reply(f, h->unique, 0, &e, sizeof(e));
		return;
	}
	for (size_t i = 0; i < f->fs->n; i++) {
		if (!streq(f->fs->names[i], name))
			continue;
		e.nodeid = base + i;
		e.entry_valid = NAME_TTL;
		/* attr_valid 0: each stat asks, since the owner depends on who asks. */
		fill_attr(f, e.nodeid, (pid_t)h->pid, &e.attr);
		reply(f, h->unique, 0, &e, sizeof(e));
		return;
	}
	reply(f, h->unique, ENOENT, NULL, 0);
}

static void do_getattr(struct vz_fuse *f, const struct fuse_in_header *h)
{
	struct fuse_attr_out o = {0};

	if (!node_is_dir(h->nodeid) && node_file(f, h->nodeid) < 0) {
		reply(f, h->unique, ENOENT, NULL, 0);
		return;
	}
	fill_attr(f, h->nodeid, (pid_t)h->pid, &o.attr);
	reply(f, h->unique, 0, &o, sizeof(o));
}

static struct vz_fuse_open *find_open(struct vz_fuse *f, uint64_t fh)
{
	for (size_t i = 0; i < f->n_open; i++)
		if (f->open[i].fh == fh)
			return &f->open[i];
	return NULL;
}

/* The text is made now, once: every read of this open file sees one snapshot. */
static void do_open(struct vz_fuse *f, const struct fuse_in_header *h, const void *in, size_t len)
{
	const struct fuse_open_in *oi = in;
	struct fuse_open_out o = {.open_flags = FOPEN_DIRECT_IO};
	long i = node_file(f, h->nodeid);
	int e = 0;
	char *text;

	if (len < sizeof(oi->flags) || i < 0) {
		reply(f, h->unique, node_is_dir(h->nodeid) ? EISDIR : ENOENT, NULL, 0);
		return;
	}
	if ((oi->flags & O_ACCMODE) != O_RDONLY || (oi->flags & O_TRUNC)) {
		reply(f, h->unique, EACCES, NULL, 0);
		return;
	}
	if (f->n_open >= MAX_OPEN) {
		reply(f, h->unique, ENFILE, NULL, 0);
		return;
	}
	text = f->fs->text(f->fs->data, node_ct(h->nodeid), (size_t)i, (pid_t)h->pid, &e);
	if (!text) {
		reply(f, h->unique, e ? e : EIO, NULL, 0);
		return;
	}
	f->open = xreallocarray(f->open, f->n_open + 1, sizeof(*f->open));
	o.fh = f->next_fh++;
	f->open[f->n_open++] = (struct vz_fuse_open){.fh = o.fh,
						     .node = h->nodeid,
						     .pid = (pid_t)h->pid,
						     .fresh = true,
						     .text = text,
						     .len = strlen(text)};
	store(f, h->nodeid, text, strlen(text));
	reply(f, h->unique, 0, &o, sizeof(o));
}

static void do_read(struct vz_fuse *f, const struct fuse_in_header *h, const void *in, size_t len)
{
	const struct fuse_read_in *ri = in;
	struct vz_fuse_open *op = len >= sizeof(*ri) ? find_open(f, ri->fh) : NULL;
	size_t n;

	if (!op) {
		reply(f, h->unique, EBADF, NULL, 0);
		return;
	}
	/* Reading from the start again is reading anew, as with procfs (top seeks to 0 and reads).
	 */
	if (ri->offset == 0 && !op->fresh) {
		long i = node_file(f, op->node);
		int e = 0;
		char *text = f->fs->text(f->fs->data, node_ct(op->node), (size_t)i, op->pid, &e);

		if (text) {
			free(op->text);
			op->text = text;
			op->len = strlen(text);
		}
	}
	op->fresh = false;
	if (ri->offset >= op->len) {
		reply(f, h->unique, 0, NULL, 0);
		return;
	}
	n = op->len - ri->offset;
	if (n > ri->size)
		n = ri->size;
	reply(f, h->unique, 0, op->text + ri->offset, n);
}

static void do_release(struct vz_fuse *f, const struct fuse_in_header *h, const void *in,
		       size_t len)
{
	const struct fuse_release_in *ri = in;
	struct vz_fuse_open *op = len >= sizeof(ri->fh) ? find_open(f, ri->fh) : NULL;

	if (op) {
		free(op->text);
		*op = f->open[--f->n_open];
	}
	reply(f, h->unique, 0, NULL, 0);
}

/* One dirent per name, offsets 1, 2, ... (an offset says where to go on). */
static void do_readdir(struct vz_fuse *f, const struct fuse_in_header *h, const void *in,
		       size_t len)
{
	const struct fuse_read_in *ri = in;
	_cleanup_free_ char *out = NULL;
	size_t used = 0, max;

	uint64_t base = h->nodeid == ROOT_ID ? 2 : h->nodeid + 1;

	if (len < sizeof(*ri) || !node_is_dir(h->nodeid)) {
		reply(f, h->unique, len < sizeof(*ri) ? EINVAL : ENOTDIR, NULL, 0);
		return;
	}
	max = ri->size < 65536 ? ri->size : 65536;
	out = xzalloc(max ? max : 1);
	for (uint64_t i = ri->offset; i < f->fs->n; i++) {
		const char *name = f->fs->names[i];
		size_t nl = strlen(name), rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nl);
		struct fuse_dirent *d = (struct fuse_dirent *)(void *)(out + used);

		if (used + rec > max)
			break;
		d->ino = base + i;
		d->off = i + 1;
		d->namelen = (uint32_t)nl;
		d->type = DT_REG;
		memcpy(d->name, name, nl);
		used += rec;
	}
	reply(f, h->unique, 0, out, used);
}

static void do_statfs(struct vz_fuse *f, const struct fuse_in_header *h)
{
	struct fuse_statfs_out o = {.st = {.bsize = 4096, .frsize = 4096, .namelen = 255}};

	reply(f, h->unique, 0, &o, sizeof(o));
}

static void dispatch(struct vz_fuse *f, const struct fuse_in_header *h, const char *in, size_t len)
{
	switch (h->opcode) {
	case FUSE_INIT:
		do_init(f, h, in, len);
		break;
	case FUSE_LOOKUP:
		do_lookup(f, h, in, len);
		break;
	case FUSE_GETATTR:
		do_getattr(f, h);
		break;
	case FUSE_OPEN:
		do_open(f, h, in, len);
		break;
	case FUSE_READ:
		do_read(f, h, in, len);
		break;
	case FUSE_RELEASE:
		do_release(f, h, in, len);
		break;
	case FUSE_OPENDIR: {
		struct fuse_open_out o = {0};

		if (!node_is_dir(h->nodeid))
			reply(f, h->unique, ENOTDIR, NULL, 0);
		else
			reply(f, h->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READDIR:
		do_readdir(f, h, in, len);
		break;
	case FUSE_FLUSH:
		/* Nothing to flush: ENOSYS makes the kernel stop asking at every close. */
		reply(f, h->unique, ENOSYS, NULL, 0);
		break;
	case FUSE_RELEASEDIR:
	case FUSE_ACCESS:
		reply(f, h->unique, 0, NULL, 0);
		break;
	case FUSE_STATFS:
		do_statfs(f, h);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		/* No reply: nodes are static, and every request is answered at once. */
		break;
	default:
		reply(f, h->unique, ENOSYS, NULL, 0);
		break;
	}
}

int vz_fuse_process(struct vz_fuse *f)
{
	ssize_t n = read(f->fd, f->buf, f->buf_size);
	struct fuse_in_header h;
	size_t skip;

	if (n < 0) {
		/* ENOENT: the request was interrupted before we got it. */
		if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
			return 0;
		return -errno;
	}
	if ((size_t)n < sizeof(h))
		return 0;
	memcpy(&h, f->buf, sizeof(h));
	skip = sizeof(h) + (size_t)h.total_extlen * 8;
	if (h.len != (size_t)n || skip > (size_t)n)
		return 0;
	/* Names must end within the buffer; keep one spare NUL after the data. */
	if ((size_t)n < f->buf_size)
		f->buf[n] = '\0';
	/* Extensions (security contexts, groups) follow the arguments; none are asked for. */
	dispatch(f, &h, f->buf + sizeof(h), (size_t)n - skip);
	return 0;
}
