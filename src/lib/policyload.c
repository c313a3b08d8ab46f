/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policyload.c: the policy files from disk, in order (the cluster file, nicguard.conf,
 * the conf.d files sorted), each checked for owner and mode before it is read whole. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define POLICY_MAX (1024 * 1024)

/* Refuse policy files others could have written: a policy line can run ethtool. */
static int check_file(const char *path, const struct stat *st, struct ng_err *err)
{
	const char *why = NULL;

	if (!S_ISREG(st->st_mode))
		why = "not a regular file";
	else if (st->st_uid != 0 && st->st_uid != geteuid())
		why = "owned by another user than root";
	else if (st->st_mode & S_IWOTH)
		why = "writable by others";
	else if (st->st_mode & S_IWGRP)
		why = "writable by its group";
	if (!why)
		return 0;
	return ng_err_set(err, -EPERM, NULL, 0,
			  "refusing %s: %s; it could make nicguard run ethtool with any argument",
			  path, why);
}

/* The checks are made on the open fd and the text is read from that same fd, so the file
 * cannot be swapped between check and read. Links are followed: /etc/pve paths are links.
 * O_NONBLOCK keeps a FIFO in a policy's place from hanging the caller. */
static int load_file(struct ng_policy *p, const char *path, struct ng_err *err)
{
	struct stat st;
	size_t len;
	char *buf;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return ng_err_set(err, -errno, path, 0, "cannot read: %s", strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		r = ng_err_set(err, -errno, path, 0, "cannot read: %s", strerror(errno));
		close(fd);
		return r;
	}
	r = check_file(path, &st, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	r = ng_read_fd(fd, POLICY_MAX, &buf, &len);
	close(fd);
	if (r == -EFBIG)
		return ng_err_set(err, r, path, 0, "too large (over %d bytes)", POLICY_MAX);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	r = ng_policy_parse(p, buf, len, path);
	free(buf);
	if (r == -ENOMEM)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct ng_policy *p, const char *dir, struct ng_err *err)
{
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0, bad = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return ng_err_set(err, -errno, dir, 0, "cannot read directory: %s",
				  strerror(errno));
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (ng_strv_push(&names, &n, de->d_name) < 0) {
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
			break;
		}
	}
	closedir(d);
	if (r == 0 && n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[4096];

		if (snprintf(path, sizeof(path), "%s%s", dir, names[i]) >= (int)sizeof(path)) {
			r = ng_err_set(err, -ENAMETOOLONG, dir, 0, "path too long");
			break;
		}
		r = load_file(p, path, err);
		if (r == -EINVAL) {
			bad = r;
			r = 0;
		}
	}
	ng_strv_free(names, n);
	return r < 0 ? r : bad;
}

int ng_policy_load(const struct ng_ctx *ctx, struct ng_policy **out, struct ng_err *err)
{
	const char *const *paths = ng_ctx_policy_paths(ctx);
	struct ng_policy *p = ng_policy_new();
	int r = 0, bad = 0;

	*out = NULL;
	if (!p)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (!ng_ctx_no_builtin(ctx))
		r = ng_policy_add_builtin(p);
	for (size_t i = 0; r == 0 && paths && paths[i]; i++) {
		size_t len = strlen(paths[i]);

		if (len > 0 && paths[i][len - 1] == '/')
			r = load_dir(p, paths[i], err);
		else
			r = load_file(p, paths[i], err);
		if (r == -EINVAL) {
			bad = r;
			r = 0;
		}
	}
	if (r < 0) {
		if (r == -ENOMEM)
			ng_err_set(err, r, NULL, 0, "out of memory");
		ng_policy_free(p);
		return r;
	}
	if (bad)
		ng_err_set(err, bad, NULL, 0, "the policy has %zu error(s)", p->diags.n);
	*out = p;
	return bad;
}
