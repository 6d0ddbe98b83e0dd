/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the layouts whose private area is one directory (simfs, overlay)
 * share: the staging name beside it, and destroy's two steps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "storage/internal.h"
#include "util/fs.h"
#include "util/macros.h"
#include "util/xalloc.h"

/* dir/.NAME.suffix beside the private area: same filesystem, so rename is atomic. */
char *storage_sibling(const char *private, const char *suffix)
{
	_cleanup_free_ char *d = xstrdup(private), *b = xstrdup(private);

	return xasprintf("%s/.%s.%s", dirname(d), basename(b), suffix);
}

int storage_retire_dir(struct vz_storage *s, vz_error_t *err)
{
	char suffix[64];

	/* A disk image left mounted (a copy or a crash interrupted) would pin the area. */
	if (vz_storage_image_release(s->private, err) < 0)
		return -1;
	(void)snprintf(suffix, sizeof(suffix), "destroying.%lld", (long long)time(NULL));
	free(s->retired);
	s->retired = storage_sibling(s->private, suffix);
	if (rename(s->private, s->retired) == 0)
		return 0;
	if (errno == ENOENT) {
		/* Nothing to retire: a destroy that stopped half way before. */
		free(steal_ptr(s->retired));
		return 0;
	}
	return vz_error_make(err, VZ_E_DELETE, errno, "move '%s' aside", s->private);
}

int storage_purge_dir(struct vz_storage *s, vz_error_t *err)
{
	int r;

	if (!s->retired)
		return 0;
	r = rm_rf_at(AT_FDCWD, s->retired);
	if (r < 0)
		return vz_error_make(err, VZ_E_DELETE, -r, "remove '%s'", s->retired);
	free(steal_ptr(s->retired));
	return 0;
}
