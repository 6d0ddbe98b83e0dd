/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzprobe: a static binary copied into CTs by the tests. It reports what a
 * process inside sees, so assertions do not depend on the template:
 *   vzprobe hostname|uid|caps|cgroup|mounts|pid|env NAME|userns
 *   vzprobe try-write PATH      (exit 0 if the write succeeded)
 *   vzprobe try-umount PATH     (exit 0 if the unmount succeeded)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "vzprobe: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	close(fd);
	return 0;
}

static int grep_status(const char *key)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");
	size_t len = strlen(key);

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			fputs(line + len + 2, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	char host[256];

	if (argc < 2) {
		fprintf(stderr, "usage: vzprobe WHAT [ARG]\n");
		return 2;
	}
	if (!strcmp(argv[1], "hostname")) {
		if (gethostname(host, sizeof(host)) < 0)
			return 1;
		printf("%s\n", host);
		return 0;
	}
	if (!strcmp(argv[1], "uid")) {
		printf("%d %d\n", (int)getuid(), (int)getgid());
		return 0;
	}
	if (!strcmp(argv[1], "pid")) {
		printf("%d %d\n", (int)getpid(), (int)getppid());
		return 0;
	}
	if (!strcmp(argv[1], "caps"))
		return grep_status("CapBnd") || grep_status("CapEff");
	if (!strcmp(argv[1], "cgroup"))
		return cat("/proc/self/cgroup");
	if (!strcmp(argv[1], "mounts"))
		return cat("/proc/self/mountinfo");
	if (!strcmp(argv[1], "userns"))
		return cat("/proc/self/uid_map");
	if (!strcmp(argv[1], "env") && argc > 2) {
		const char *v = getenv(argv[2]);
		printf("%s\n", v ? v : "");
		return v ? 0 : 1;
	}
	if (!strcmp(argv[1], "try-write") && argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "1", 1) != 1) {
			printf("denied: %s\n", strerror(errno));
			return 1;
		}
		printf("written\n");
		return 0;
	}
	if (!strcmp(argv[1], "try-umount") && argc > 2) {
		if (umount2(argv[2], MNT_DETACH) < 0) {
			printf("denied: %s\n", strerror(errno));
			return 1;
		}
		printf("unmounted\n");
		return 0;
	}
	fprintf(stderr, "vzprobe: unknown probe '%s'\n", argv[1]);
	return 2;
}
