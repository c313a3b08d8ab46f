/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policyload.c: the policy files from disk, in order (the cluster file, nicguard.conf,
 * the conf.d files sorted), each checked for owner and mode before it is read whole; the
 * cluster file's last-known copy, for boots before /etc/pve is mounted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define POLICY_MAX (1024 * 1024)
#define CLUSTER_PATH "/etc/pve/nicguard.conf"
#define COPY_DIR "/var/lib/nicguard"
#define COPY_PATH COPY_DIR "/cluster.conf"
/* What the copy holds before the cluster file's bytes. */
#define COPY_HEAD NG_MARKER "\n# The last " CLUSTER_PATH " nicguard saw, read while /etc/pve " \
	"is not mounted.\n"

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
		char path[PATH_MAX];

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

/* --------------------------------------------------------- the cluster policy */

/* pve-cluster.service mounts pmxcfs on /etc/pve after network.target; until then (and
 * while it is down) /etc/pve is an empty directory. pmxcfs's own link /etc/pve/local says
 * it is mounted. */
static bool pmxcfs_up(const struct ng_ctx *ctx)
{
	char path[PATH_MAX];
	struct stat st;

	return ng_path(ctx, path, sizeof(path), "/etc/pve/local") == 0 && lstat(path, &st) == 0;
}

int ng_cluster_policy_state(const struct ng_ctx *ctx, struct ng_cluster_policy *out)
{
	char live[PATH_MAX], copy[PATH_MAX];
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (ng_path(ctx, live, sizeof(live), CLUSTER_PATH) < 0 ||
	    ng_path(ctx, copy, sizeof(copy), COPY_PATH) < 0)
		return -ENAMETOOLONG;
	out->pmxcfs = pmxcfs_up(ctx);
	if (out->pmxcfs) {
		if (stat(live, &st) == 0) {
			out->source = NG_CLUSTER_LIVE;
			snprintf(out->path, sizeof(out->path), "%s", live);
		}
	} else if (stat(copy, &st) == 0) {
		out->source = NG_CLUSTER_COPY;
		out->copied = st.st_mtime;
		snprintf(out->path, sizeof(out->path), "%s", copy);
	}
	return 0;
}

int ng_cluster_policy_sync(const struct ng_ctx *ctx, bool dry_run, struct ng_pve_change *out,
			   struct ng_err *err)
{
	char live[PATH_MAX], copy[PATH_MAX], dir[PATH_MAX], *lbuf = NULL, *cbuf = NULL, *text = NULL;
	size_t llen = 0, clen = 0, hl = strlen(COPY_HEAD);
	int r;

	memset(out, 0, sizeof(*out));
	if (ng_path(ctx, live, sizeof(live), CLUSTER_PATH) < 0 ||
	    ng_path(ctx, copy, sizeof(copy), COPY_PATH) < 0 ||
	    ng_path(ctx, dir, sizeof(dir), COPY_DIR) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (!pmxcfs_up(ctx)) {
		snprintf(out->text, sizeof(out->text), "/etc/pve is not mounted: the last-known "
			 "copy stays as it is");
		return 0;
	}
	r = ng_read_file(live, false, POLICY_MAX, &lbuf, &llen);
	if (r < 0 && r != -ENOENT)
		return ng_err_set(err, r, live, 0, "cannot read: %s", strerror(-r));
	if (ng_read_file(copy, true, POLICY_MAX + hl, &cbuf, &clen) < 0)
		cbuf = NULL;
	if (!lbuf) {
		if (cbuf) {
			out->changed = true;
			snprintf(out->text, sizeof(out->text), "%s %.300s: %s is gone", dry_run ?
				 "would remove" : "removed", copy, CLUSTER_PATH);
			if (!dry_run && unlink(copy) < 0)
				r = ng_err_set(err, -errno, copy, 0, "cannot remove: %s",
					       strerror(errno));
		} else {
			snprintf(out->text, sizeof(out->text), "no cluster policy (%s)", CLUSTER_PATH);
		}
		free(cbuf);
		return r == -ENOENT ? 0 : r;
	}
	if (cbuf && clen == hl + llen && memcmp(cbuf + hl, lbuf, llen) == 0) {
		snprintf(out->text, sizeof(out->text), "%.300s is up to date", copy);
		r = 0;
		goto out;
	}
	out->changed = true;
	snprintf(out->text, sizeof(out->text), "%s %.300s from %s", dry_run ? "would copy to" :
		 "copied to", copy, CLUSTER_PATH);
	r = 0;
	if (dry_run)
		goto out;
	text = malloc(hl + llen + 1);
	if (!text) {
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	memcpy(text, COPY_HEAD, hl);
	memcpy(text + hl, lbuf, llen);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		r = ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
	else
		r = ng_atomic_write_owned(copy, text, hl + llen, 0644, err);
out:
	free(text);
	free(lbuf);
	free(cbuf);
	return r;
}

/* The cluster file while /etc/pve is mounted, else its last-known copy, else nothing: at
 * boot udev and ifupdown run before pmxcfs is up, and must not lose the cluster's policy. */
static int load_cluster(const struct ng_ctx *ctx, struct ng_policy *p, const char *path,
			struct ng_err *err)
{
	struct ng_cluster_policy cp;

	if (ng_cluster_policy_state(ctx, &cp) < 0 || cp.source == NG_CLUSTER_NONE)
		return cp.pmxcfs ? load_file(p, path, err) : 0;
	return load_file(p, cp.path, err);
}

int ng_policy_load(const struct ng_ctx *ctx, struct ng_policy **out, struct ng_err *err)
{
	const char *const *paths = ng_ctx_policy_paths(ctx);
	struct ng_policy *p = ng_policy_new();
	char cluster[PATH_MAX];
	int r = 0, bad = 0;

	*out = NULL;
	if (!p)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (!ng_ctx_no_builtin(ctx))
		r = ng_policy_add_builtin(p);
	if (ng_path(ctx, cluster, sizeof(cluster), CLUSTER_PATH) < 0)
		cluster[0] = '\0';
	for (size_t i = 0; r == 0 && paths && paths[i]; i++) {
		size_t len = strlen(paths[i]);

		if (len > 0 && paths[i][len - 1] == '/')
			r = load_dir(p, paths[i], err);
		else if (strcmp(paths[i], cluster) == 0)
			r = load_cluster(ctx, p, paths[i], err);
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
