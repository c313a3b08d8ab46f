/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portrun.c: the /run/nicguard files of a port under restore: its recorded place
 * (port-KEY), and the lock (port-KEY.lock) nicguard-watch holds from before a bounce or
 * rebind until the port is back in place, which tells the udev helper to keep off.
 * Every /run/nicguard access of this feature is here (to be folded into runstate.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define RUN_DIR "/run/nicguard"
#define PREFIX "port-"
#define LOCK_SUFFIX ".lock"
#define PLACE_MAX (64 * 1024)

/* A key becomes a file name: a bus device (0000:00:04.0, virtio3) or an interface name. */
static bool key_valid(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n < 32 && key[0] != '.' &&
	       strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@+")
	       == n;
}

static int run_path(const struct ng_ctx *ctx, const char *key, const char *suffix, char *path,
		    size_t len, struct ng_err *err)
{
	if (!key_valid(key))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid port key \"%.40s\"", key);
	if (ng_path(ctx, path, len, RUN_DIR "/" PREFIX "%s%s", key, suffix) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	return 0;
}

static int make_dir(const struct ng_ctx *ctx, struct ng_err *err)
{
	char dir[PATH_MAX];

	if (ng_path(ctx, dir, sizeof(dir), RUN_DIR) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	return mkdir(dir, 0755) < 0 && errno != EEXIST ?
	       ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno)) : 0;
}

int ng_portrun_lock(const struct ng_ctx *ctx, const char *key, struct ng_err *err)
{
	char path[PATH_MAX];
	int fd, r = run_path(ctx, key, LOCK_SUFFIX, path, sizeof(path), err);

	if (r == 0)
		r = make_dir(ctx, err);
	if (r < 0)
		return r;
	/* The lock file stays: removing it would race with a waiter holding it open. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return ng_err_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return ng_err_set(err, r, path, 0, "%s", r == -EBUSY ?
				  "another nicguard-watch is restoring this port" : strerror(-r));
	}
	return fd;
}

void ng_portrun_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

bool ng_portrun_busy(const struct ng_ctx *ctx, const char *key)
{
	char path[PATH_MAX];
	bool busy;
	int fd;

	if (run_path(ctx, key, LOCK_SUFFIX, path, sizeof(path), NULL) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

int ng_portrun_save(const struct ng_ctx *ctx, const struct ng_portstate *ps, struct ng_err *err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	int r = run_path(ctx, ng_portstate_key(ps), "", path, sizeof(path), err);

	if (r == 0)
		r = make_dir(ctx, err);
	if (r < 0)
		return r;
	if (ng_portstate_format(ps, &text, &len) < 0)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	r = ng_atomic_write_owned(path, text, len, 0644, err);
	free(text);
	return r;
}

int ng_portrun_load(const struct ng_ctx *ctx, const char *key, struct ng_portstate **ps,
		    struct ng_err *err)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int r = run_path(ctx, key, "", path, sizeof(path), err);

	*ps = NULL;
	if (r < 0)
		return r;
	r = ng_read_file(path, true, PLACE_MAX, &buf, &len);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	r = ng_portstate_parse(buf, len, path, ps, err);
	free(buf);
	return r;
}

int ng_portrun_drop(const struct ng_ctx *ctx, const char *key, struct ng_err *err)
{
	char path[PATH_MAX];
	int r = run_path(ctx, key, "", path, sizeof(path), err);

	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		r = ng_err_set(err, -errno, path, 0, "cannot remove: %s", strerror(errno));
	return r;
}

int ng_portrun_pending(const struct ng_ctx *ctx, char ***keys, size_t *n, struct ng_err *err)
{
	char dir[PATH_MAX];
	struct dirent **names;
	int cnt, r = 0;

	*keys = NULL;
	*n = 0;
	if (ng_path(ctx, dir, sizeof(dir), RUN_DIR) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	cnt = scandir(dir, &names, NULL, alphasort);
	if (cnt < 0)
		return errno == ENOENT ? 0 : ng_err_set(err, -errno, dir, 0, "cannot list: %s",
							 strerror(errno));
	for (int i = 0; i < cnt; i++) {
		const char *name = names[i]->d_name, *key = name + strlen(PREFIX);
		size_t len = strlen(name);

		if (r == 0 && strncmp(name, PREFIX, strlen(PREFIX)) == 0 && key_valid(key) &&
		    !(len > strlen(LOCK_SUFFIX) &&
		      strcmp(name + len - strlen(LOCK_SUFFIX), LOCK_SUFFIX) == 0) &&
		    ng_strv_push(keys, n, key) < 0)
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		free(names[i]);
	}
	free(names);
	return r;
}
