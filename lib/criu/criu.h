/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRIU, and only here: every dump, restore and feature check runs the criu
 * binary ($VZ_CRIU, else "criu" on PATH) with the options a CT needs. The
 * binary rather than libcriu: its log is the operator's first stop when a
 * checkpoint fails, each run is isolated from the daemon, and a test can
 * put a wrapper in its place to make it fail on purpose.
 *
 * A CT is dumped by its init's pid with its established TCP connections,
 * file locks and unlinked-but-open files, frozen through its own freezer
 * group, its network held by CRIU's nftables lock inside the CT's network
 * namespace until the dump is done or the restored CT runs. Its /dev is an
 * external mount: a CT's user namespace cannot create device nodes, so
 * the restore binds a /dev the host prepared (key VZ_CRIU_DEV_KEY).
 */
#ifndef VZ_CRIU_H
#define VZ_CRIU_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/* The key under which a CT's /dev is external in its images. */
#define VZ_CRIU_DEV_KEY "vzdev"
/* The same for its /dev/console, the bind of a host pty. */
#define VZ_CRIU_CONSOLE_KEY "vzconsole"

struct vz_criu_req {
	const char *images;	    /* images directory: dump writes it, restore only reads it */
	const char *workdir;	    /* existing directory for the log, pidfile and stats */
	pid_t pid;		    /* dump: the CT's init */
	const char *freezer;	    /* dump: the CT's freezer group (host path), or NULL */
	bool leave_running;	    /* dump: the CT goes on running afterwards */
	const char *root;	    /* restore: host path of the CT's mounted root */
	const char *cgroup_root;    /* restore: "/<prefix>/<ctid>", the groups made for it */
	char *const *external;	    /* restore: --external values ("netdev[venet0]:vzt3") */
	char *const *dump_external; /* dump: more of them ("mnt[/proc/meminfo]:vzview-meminfo") */
	bool lazy;		    /* restore: memory comes from a lazy-pages daemon */
	/*
	 * The console: dump, the tty id (RDEV:DEV, hex) of the pty slave that is
	 * the CT's /dev/console, an external tty and mount (NULL: none);
	 * restore, that id as the images have it, with the new slave to put in
	 * its place (console_fd, console_path its host path).
	 */
	const char *console_tty;
	int console_fd;
	const char *console_path;
	int ps_socket; /* lazy dump, lazy-pages: the page stream, a connected socket */
};

/* A CRIU going on in the background: a lazy dump serving pages, a lazy-pages daemon. */
struct vz_criu_run {
	pid_t pid;
	int pidfd;
	char *workdir;
	const char *what, *logname;
	int code;
};

/*
 * Dump the CT. On failure CRIU has let the CT run on; err (code
 * VZ_E_CHKPNT) carries CRIU's own reason in one line and the log's path.
 */
int vz_criu_dump(const struct vz_criu_req *r, vz_error_t *err);

/*
 * Post-copy (lazy) migration. The source dumps the CT without its memory
 * (vz_criu_dump_lazy returns once the images are written; the CT stays
 * frozen, its memory held by CRIU); the destination starts a lazy-pages
 * daemon on the images (vz_criu_lazy_pages, ready when it returns) and
 * restores with r->lazy: the CT runs there at once and its pages come
 * over the page stream, on demand and in the background. Both ends end
 * with vz_criu_finish: the dump when every page was served (the CT's
 * processes here are then killed; on a failure they run on here, as
 * after any failed dump), the daemon when every page arrived. The page
 * stream is any connected socket (vz passes one tunnelled through ssh).
 */
int vz_criu_dump_lazy(const struct vz_criu_req *r, struct vz_criu_run *run, vz_error_t *err);
int vz_criu_lazy_pages(const struct vz_criu_req *r, struct vz_criu_run *run, vz_error_t *err);

/* What a finished lazy-pages daemon with this work dir copied into the CT, in bytes. */
uint64_t vz_criu_lazy_bytes(const char *workdir);

/*
 * Wait for run to end, at most timeout_ms (< 0: for ever) before it is
 * killed: 0 when it did all it was to do, else CRIU's reason.
 */
int vz_criu_finish(struct vz_criu_run *run, int timeout_ms, vz_error_t *err);

/*
 * Restore the CT from r->images into groups and a root already made;
 * *ret_pid is its init's host pid. The restored init is detached: it is
 * reparented to the caller's subreaper. Errors as for dump, code
 * VZ_E_RESTORE; nothing of the CT runs afterwards.
 */
int vz_criu_restore(const struct vz_criu_req *r, pid_t *ret_pid, vz_error_t *err);

/* `criu check --feature name` passes here. */
bool vz_criu_has_feature(const char *name);

/*
 * This host can take part in a post-copy migration (err says why not):
 * as the source (CRIU with vz's fixes, pipes large enough for the CT's
 * memory) or as the destination (userfaultfd allowed in user namespaces).
 */
int vz_criu_lazy_check(bool source, vz_error_t *err);

/* `criu check` passes (err says why not); what every checkpoint needs. */
int vz_criu_check(vz_error_t *err);

/*
 * Why CT processes must keep the kernel's sysinfo(2) (lib/view/sysinfo.h)
 * on this host, or NULL when they need not: a CRIU without vz's patch
 * 0003 would restore their sysinfo filter without a listener, and the
 * kernel then fails every sysinfo(2) of theirs with ENOSYS.
 */
const char *vz_criu_sysinfo_unsafe(void);

/*
 * The reason a CRIU log gives for a failure, in one line: its first error
 * that is not a known harmless one, without the timestamp and source
 * position. NULL when the log has none.
 */
char *vz_criu_log_reason(const char *log);

#endif
