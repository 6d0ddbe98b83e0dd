/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl set --userpasswd USER:PASSWORD: the password's hash goes into the
 * CT's shadow file (its passwd file when the CT has no shadow), and a user
 * that does not exist is made first, the way useradd makes one.
 *
 * Trust model: the files are the CT's (lib/ct/ctfile.c resolves them inside
 * its root and replaces them by rename). The password is a secret: it is
 * never logged, and the memory that held it is cleared. The hash is
 * yescrypt where the CT's own libraries verify it (passwd.h), else
 * SHA-512, which every libc's crypt does.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ct/ctfile.h"
#include "ct/internal.h"
#include "ct/passwd.h"
#include "sandbox/mount.h"
#include "storage/storage.h"
#include "util/macros.h"
#include "util/xalloc.h"

#define MAX_FILE (16 * 1024 * 1024)

/* The account files as read, and what is known of the CT. */
struct accounts {
	int rootfd;
	uid_t base; /* host uid of CT root */
	uint32_t size;
	char *passwd, *shadow, *group, *gshadow;
};

static void accounts_done(struct accounts *a)
{
	free(a->passwd);
	free(a->shadow);
	free(a->group);
	free(a->gshadow);
	if (a->rootfd >= 0)
		close(a->rootfd);
}

static int read_one(struct accounts *a, const char *path, char **ret, vz_error_t *err)
{
	int r = vz_ctfile_read(a->rootfd, path, MAX_FILE, ret);

	if (r < 0)
		return vz_error_make(err, VZ_E_SYSTEM, -r, "read '/%s' in the CT", path);
	return 0;
}

/*
 * The new file keeps the owner and mode of the one it replaces when that
 * owner is one of the CT's ids (shadow is root:shadow 0640 on Debian, 0000
 * on Fedora); else it is CT root's, with mode.
 */
static int replace(struct accounts *a, const char *path, const char *text, mode_t mode,
		   vz_error_t *err)
{
	struct vz_ctfile_attr at = {.uid = a->base, .gid = a->base, .mode = mode, .sync = true};
	struct stat st;

	if (vz_ctfile_stat(a->rootfd, path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid - a->base < a->size && st.st_gid - a->base < a->size) {
		at.uid = st.st_uid;
		at.gid = st.st_gid;
		at.mode = st.st_mode & 0777;
	}
	return vz_ctfile_write_as(a->rootfd, path, text, &at, err);
}

static char *hash_password(const char *password, bool yescrypt, vz_error_t *err)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = xzalloc(sizeof(*cd));
	char *h, *out = NULL;

	/* A NULL random source: libcrypt takes the salt from the kernel's getrandom. */
	if (!crypt_gensalt_rn(yescrypt ? "$y$" : "$6$", 0, NULL, 0, salt, sizeof(salt)))
		vz_error_make(err, VZ_E_SYSTEM, errno, "--userpasswd: make a salt");
	else if (!(h = crypt_r(password, salt, cd)) || h[0] == '*')
		vz_error_make(err, VZ_E_SYSTEM, errno, "--userpasswd: hash the password");
	else
		out = xstrdup(h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return out;
}

static long today(void)
{
	return (long)(time(NULL) / 86400);
}

/* A shell the CT has: bash where it is installed, else sh. */
static const char *login_shell(int rootfd)
{
	_cleanup_close_ int fd = vz_open_in_root(rootfd, "bin/bash", O_PATH);

	return fd >= 0 ? "/bin/bash" : "/bin/sh";
}

/* /home/USER, owned by the new user, mode 0700 as useradd makes it. */
static void make_home(struct accounts *a, const char *user, uint32_t uid, uint32_t gid)
{
	_cleanup_close_ int home = vz_open_in_root(a->rootfd, "home", O_PATH | O_DIRECTORY);
	_cleanup_close_ int dfd = -EBADF;
	char p[64];

	if (home < 0)
		return;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", home);
	dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || mkdirat(dfd, user, 0700) < 0)
		return; /* already there: it is the user's own */
	/* A home the user cannot own would be root's: none then. */
	if (fchownat(dfd, user, a->base + uid, a->base + gid, AT_SYMLINK_NOFOLLOW) < 0)
		(void)unlinkat(dfd, user, AT_REMOVEDIR);
}

/* The user's group (its own, made if missing), then its passwd entry. */
static int add_user(struct accounts *a, const char *user, vz_error_t *err)
{
	_cleanup_free_ char *grp = NULL, *gsh = NULL, *pw = NULL, *line = NULL, *gline = NULL;
	uint32_t uid = vz_passwd_next_id(a->passwd, 1000), gid;

	if (uid >= 60000 || uid >= a->size)
		return vz_error_make(err, VZ_E_SYSTEM, 0,
				     "--userpasswd: no free uid for '%s' in the CT", user);
	if (!vz_group_find(a->group, user, &gid)) {
		gid = vz_passwd_next_id(a->group, uid);
		if (gid >= 60000 || gid >= a->size)
			return vz_error_make(err, VZ_E_SYSTEM, 0,
					     "--userpasswd: no free gid for '%s' in the CT", user);
		gline = xasprintf("%s:x:%u:", user, gid);
		grp = vz_passwd_set_field(a->group, user, "x", -1, gline);
		if (replace(a, "etc/group", grp, 0644, err) < 0)
			return -1;
		if (a->gshadow) {
			free(gline);
			gline = xasprintf("%s:!::", user);
			gsh = vz_passwd_set_field(a->gshadow, user, "!", -1, gline);
			if (replace(a, "etc/gshadow", gsh, 0640, err) < 0)
				return -1;
		}
	}
	line = xasprintf("%s:x:%u:%u::/home/%s:%s", user, uid, gid, user, login_shell(a->rootfd));
	pw = vz_passwd_set_field(a->passwd, user, "x", -1, line);
	if (replace(a, "etc/passwd", pw, 0644, err) < 0)
		return -1;
	free(a->passwd);
	a->passwd = steal_ptr(pw);
	make_home(a, user, uid, gid);
	return 0;
}

/* The hash into shadow; into passwd itself when the CT keeps no shadow file. */
static int store_hash(struct accounts *a, const char *user, const char *hash, vz_error_t *err)
{
	_cleanup_free_ char *text = NULL, *line = NULL, *pw = NULL;

	if (!a->shadow) {
		text = vz_passwd_set_field(a->passwd, user, hash, -1, "");
		return replace(a, "etc/passwd", text, 0644, err);
	}
	line = xasprintf("%s:%s:%ld:0:99999:7:::", user, hash, today());
	text = vz_passwd_set_field(a->shadow, user, hash, today(), line);
	if (replace(a, "etc/shadow", text, 0640, err) < 0)
		return -1;
	/* A password kept in passwd (not "x") would win over shadow's in some tools. */
	pw = vz_passwd_set_field(a->passwd, user, "x", -1, "");
	return streq(pw, a->passwd) ? 0 : replace(a, "etc/passwd", pw, 0644, err);
}

/* shadow's lckpwdf lock, where the CT has its lock file: held while vz edits. */
static int lock_accounts(int rootfd)
{
	/* O_NONBLOCK: a fifo the CT planted there must not hold us (and is no lock). */
	int fd = vz_open_in_root(rootfd, "etc/.pwd.lock", O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -1;
	}
	for (int i = 0; i < 150; i++) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return fd;
		(void)usleep(100 * 1000);
	}
	return fd; /* a lock held for 15 s is stale, as lckpwdf decides */
}

static int set_password(struct accounts *a, const char *user, const char *password, vz_error_t *err)
{
	_cleanup_free_ char *pam = NULL, *pam2 = NULL, *defs = NULL, *hash = NULL;
	_cleanup_close_ int lock = lock_accounts(a->rootfd);
	uint32_t uid, gid;

	if (read_one(a, "etc/passwd", &a->passwd, err) < 0 ||
	    read_one(a, "etc/shadow", &a->shadow, err) < 0 ||
	    read_one(a, "etc/group", &a->group, err) < 0 ||
	    read_one(a, "etc/gshadow", &a->gshadow, err) < 0)
		return -1;
	if (!a->passwd)
		return vz_error_make(err, VZ_E_SYSTEM, ENOENT,
				     "--userpasswd: the CT has no /etc/passwd");
	(void)vz_ctfile_read(a->rootfd, "etc/pam.d/common-password", MAX_FILE, &pam);
	(void)vz_ctfile_read(a->rootfd, "etc/pam.d/system-auth", MAX_FILE, &pam2);
	(void)vz_ctfile_read(a->rootfd, "etc/login.defs", MAX_FILE, &defs);
	hash = hash_password(password,
			     vz_passwd_wants_yescrypt(a->shadow, pam, defs) ||
				     vz_passwd_wants_yescrypt(NULL, pam2, NULL),
			     err);
	if (!hash)
		return -1;
	if (!vz_passwd_find(a->passwd, user, &uid, &gid) && add_user(a, user, err) < 0)
		return -1;
	return store_hash(a, user, hash, err);
}

int ct_userpasswd(struct vz_ct *ct, const char *user, const char *password, vz_error_t *err)
{
	struct accounts a = {.rootfd = -1};
	struct vz_storage *s = vz_ct_storage(ct, err);
	bool mounted;
	int r;

	if (!vz_user_name_valid(user))
		return vz_error_make(err, VZ_E_VALUE, 0, "--userpasswd: invalid user name '%s'",
				     user);
	if (!password[0] || strchr(password, '\n'))
		return vz_error_make(err, VZ_E_VALUE, 0,
				     "--userpasswd: the password is empty or has a line break");
	if (!s || ct_uid_range(ct, &a.base, &a.size, err) < 0)
		return -1;
	/* A stopped CT is mounted for the change, and left as it was. */
	mounted = vz_storage_mounted(s);
	if (!mounted && ct_mount(ct, err) < 0)
		return -1;
	a.rootfd = open(ct->path.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a.rootfd < 0)
		r = vz_error_make(err, VZ_E_NOT_MOUNTED, errno, "open '%s'", ct->path.root);
	else
		r = set_password(&a, user, password, err);
	accounts_done(&a);
	if (!mounted && ct_umount(ct, NULL) < 0)
		vz_warn(ct->ctx, "CT %s: it stays mounted after the password change", ct->id);
	if (r == 0)
		vz_info(ct->ctx, "Changed the password of user %s", user);
	return r;
}
