/* SPDX-License-Identifier: GPL-2.0-or-later */
/* scratch.h: the scratch root of a fuzz target that loads files by path: made once per
 * process, removed at its exit, an input written into one of its files. One per target. */
#ifndef NG_FUZZ_SCRATCH_H
#define NG_FUZZ_SCRATCH_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static int scratch_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void scratch_cleanup(void)
{
	if (root[0])
		nftw(root, scratch_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* /tmp/ng-fuzz-NAME.XXXXXX as root: 1 when it is made already, 0 when made now, -1. */
static int scratch_make(const char *name)
{
	if (root[0])
		return 1;
	snprintf(root, sizeof(root), "/tmp/ng-fuzz-%s.XXXXXX", name);
	if (!mkdtemp(root)) {
		root[0] = '\0';
		return -1;
	}
	atexit(scratch_cleanup);
	return 0;
}

/* root + rel holds exactly data; anything else ends the run (the target cannot go on). */
static void scratch_put(const char *rel, const uint8_t *data, size_t size)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
}

#endif
