/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rps.c: an interface's rx queue steering through sysfs: the RPS CPU masks (the mask text
 * itself: rpsmask.c) and the RFS flow tables with the host's global one. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

unsigned ng_rps_ncpus(const struct ng_ctx *ctx)
{
	char path[PATH_MAX], *buf = NULL, *p;
	unsigned long max = 0;
	size_t len;

	if (ng_path(ctx, path, sizeof(path), "/sys/devices/system/cpu/possible") < 0 ||
	    ng_read_file(path, false, 4096, &buf, &len) < 0)
		return 1;
	/* "0-7" or "0,2-3": the highest CPU number plus one. */
	for (p = buf; *p;) {
		if (isdigit((unsigned char)*p)) {
			unsigned long v = strtoul(p, &p, 10);

			if (v > max)
				max = v;
		} else {
			p++;
		}
	}
	free(buf);
	return max >= 4096 ? 4096 : (unsigned)max + 1;
}

static bool is_rx_queue(const char *name)
{
	const char *p = name + 3;

	if (strncmp(name, "rx-", 3) != 0 || !*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static int cmp_queue(const void *a, const void *b)
{
	unsigned long x = strtoul(*(char *const *)a + 3, NULL, 10);
	unsigned long y = strtoul(*(char *const *)b + 3, NULL, 10);

	return x < y ? -1 : x > y;
}

/* The rx-N names under queues/, sorted by N. */
static int list_queues(const struct ng_ctx *ctx, const char *ifname, char ***out, size_t *n,
		       struct ng_err *err)
{
	char path[PATH_MAX], **v = NULL;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/queues", ifname) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	d = opendir(path);
	if (!d) {
		r = -errno;
		return ng_err_set(err, r == -ENOENT ? -ENODEV : r, NULL, 0, "%s: %s", path,
				  strerror(-r));
	}
	while ((de = readdir(d))) {
		if (!is_rx_queue(de->d_name))
			continue;
		if (ng_strv_push(&v, &cnt, de->d_name) < 0) {
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
			break;
		}
	}
	closedir(d);
	if (r < 0) {
		ng_strv_free(v, cnt);
		return r;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_queue);
	*out = v;
	*n = cnt;
	return 0;
}

int ng_rps_read(const struct ng_ctx *ctx, const char *ifname, char ***masks, size_t *n,
		struct ng_err *err)
{
	char **q;
	size_t nq;
	int r;

	*masks = NULL;
	*n = 0;
	r = list_queues(ctx, ifname, &q, &nq, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nq && r == 0; i++) {
		char path[PATH_MAX], *buf;
		size_t len;

		if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/queues/%s/rps_cpus",
			    ifname, q[i]) < 0) {
			r = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
			break;
		}
		r = ng_read_file(path, false, NG_RPS_MASK_MAX, &buf, &len);
		if (r < 0) {
			/* No rps_cpus at all: the kernel was built without CONFIG_RPS. */
			ng_err_set(err, r == -ENOENT ? -EOPNOTSUPP : r, NULL, 0, "%s: %s", path,
				   strerror(-r));
			r = r == -ENOENT ? -EOPNOTSUPP : r;
			break;
		}
		while (len > 0 && isspace((unsigned char)buf[len - 1]))
			buf[--len] = '\0';
		free(q[i]);
		q[i] = buf;
	}
	if (r == 0 && nq == 0)
		r = ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s: no rx queues", ifname);
	if (r < 0) {
		ng_strv_free(q, nq);
		return r;
	}
	*masks = q;
	*n = nq;
	return 0;
}

/* One sysfs attribute: rps_cpus, rps_flow_cnt. */
static int write_mask(const char *path, const char *mask, struct ng_err *err)
{
	size_t len = strlen(mask);
	ssize_t w;
	int fd, r = 0;

	/* sysfs attribute: one write() of the whole value, no temp file, no O_CREAT. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	}
	w = write(fd, mask, len);
	if (w < 0)
		r = -errno;
	else if ((size_t)w != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	return 0;
}

int ng_rps_apply(const struct ng_ctx *ctx, const char *ifname, const char *mask,
		 unsigned *written, struct ng_err *err)
{
	char **cur, **q;
	size_t n, nq;
	int r;

	*written = 0;
	r = ng_rps_read(ctx, ifname, &cur, &n, err);
	if (r < 0)
		return r;
	r = list_queues(ctx, ifname, &q, &nq, err);
	if (r < 0) {
		ng_strv_free(cur, n);
		return r;
	}
	if (ng_rps_nmasks(mask) > 1 && ng_rps_nmasks(mask) != n)
		r = ng_err_set(err, -EINVAL, NULL, 0, "%s: %zu rps masks for %zu rx queues", ifname,
			       ng_rps_nmasks(mask), n);
	for (size_t i = 0; i < n && i < nq && r == 0; i++) {
		char path[PATH_MAX], one[NG_RPS_MASK_MAX];

		if (!ng_rps_queue_mask(mask, i, one, sizeof(one))) {
			r = ng_err_set(err, -EINVAL, NULL, 0, "%s: no rps mask for %s", ifname,
				       q[i]);
			break;
		}
		if (ng_rps_mask_equal(cur[i], one))
			continue;
		if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/queues/%s/rps_cpus",
			    ifname, q[i]) < 0) {
			r = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
			break;
		}
		r = write_mask(path, one, err);
		if (r == 0) {
			ng_trace(ctx, "%s: %s/rps_cpus %s -> %s", ifname, q[i], cur[i], one);
			(*written)++;
		}
	}
	ng_strv_free(cur, n);
	ng_strv_free(q, nq);
	return r;
}

/* ------------------------------------------------------------------- RFS */

#define RFS_GLOBAL "/proc/sys/net/core/rps_sock_flow_entries"

/* A file holding one unsigned number (sysfs, procfs). Returns 0 or a negative errno
 * (err says which file). */
static int read_ulong(const char *path, unsigned long *v, struct ng_err *err)
{
	char *buf, *end;
	size_t len;
	int r = ng_read_file(path, false, 64, &buf, &len);

	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	*v = strtoul(buf, &end, 10);
	r = end == buf ? ng_err_set(err, -EINVAL, NULL, 0, "%s: not a number", path) : 0;
	free(buf);
	return r;
}

static int queue_attr(const struct ng_ctx *ctx, const char *ifname, const char *queue,
		      char *path, size_t len, struct ng_err *err)
{
	if (ng_path(ctx, path, len, "/sys/class/net/%s/queues/%s/rps_flow_cnt", ifname,
		    queue) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	return 0;
}

int ng_rfs_read(const struct ng_ctx *ctx, const char *ifname, unsigned long *global,
		unsigned long **counts, size_t *n, struct ng_err *err)
{
	char path[PATH_MAX], **q;
	unsigned long *v = NULL;
	size_t nq;
	int r;

	*counts = NULL;
	*n = 0;
	r = list_queues(ctx, ifname, &q, &nq, err);
	if (r < 0)
		return r;
	if (nq == 0 || !(v = calloc(nq, sizeof(*v)))) {
		ng_strv_free(q, nq);
		return nq == 0 ? ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s: no rx queues", ifname)
			       : ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	r = 0;
	for (size_t i = 0; r == 0 && i < nq; i++) {
		r = queue_attr(ctx, ifname, q[i], path, sizeof(path), err);
		if (r == 0)
			r = read_ulong(path, &v[i], err);
		/* No rps_flow_cnt: a kernel without CONFIG_RFS_ACCEL's RPS part. */
		if (r == -ENOENT)
			r = -EOPNOTSUPP;
	}
	if (r == 0 && ng_path(ctx, path, sizeof(path), RFS_GLOBAL) < 0)
		r = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	else if (r == 0)
		r = read_ulong(path, global, err);
	ng_strv_free(q, nq);
	if (r < 0) {
		free(v);
		return r;
	}
	*counts = v;
	*n = nq;
	return 0;
}

/* rps_sock_flow_entries up to want, never down: read again under an exclusive lock on the
 * file (nicguard's runs for several devices, udev's workers, may race), written only when
 * lower. A sysctl file is read and written at offset 0. */
static int raise_global(const struct ng_ctx *ctx, unsigned long want, struct ng_err *err)
{
	char path[PATH_MAX], buf[32];
	unsigned long cur;
	ssize_t got;
	int fd, r = 0;

	if (ng_path(ctx, path, sizeof(path), RFS_GLOBAL) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	}
	got = pread(fd, buf, sizeof(buf) - 1, 0);
	if (got < 0)
		r = -errno;
	buf[got > 0 ? got : 0] = '\0';
	cur = strtoul(buf, NULL, 10);
	if (r == 0 && cur < want) {
		int len = snprintf(buf, sizeof(buf), "%lu\n", want);

		got = pwrite(fd, buf, (size_t)len, 0);
		r = got < 0 ? -errno : got != len ? -EIO : 0;
		if (r == 0)
			ng_trace(ctx, "rps_sock_flow_entries %lu -> %lu", cur, want);
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r < 0 ? ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r)) : 0;
}

int ng_rfs_apply(const struct ng_ctx *ctx, const char *ifname, unsigned long global,
		 unsigned long entries, unsigned *written, struct ng_err *err)
{
	unsigned long per;
	char **q;
	size_t nq;
	int r = 0;

	*written = 0;
	if (global)
		r = raise_global(ctx, global, err);
	if (r < 0)
		return r;
	/* The queues there are now: channels may have just made new ones. */
	r = list_queues(ctx, ifname, &q, &nq, err);
	if (r < 0)
		return r;
	per = ng_rfs_per_queue(entries, nq);
	for (size_t i = 0; i < nq && r == 0; i++) {
		char path[PATH_MAX], val[32];
		unsigned long cur = 0;

		r = queue_attr(ctx, ifname, q[i], path, sizeof(path), err);
		if (r == 0)
			r = read_ulong(path, &cur, err);
		if (r < 0 || cur == per)
			continue;
		snprintf(val, sizeof(val), "%lu", per);
		r = write_mask(path, val, err);
		if (r == 0) {
			ng_trace(ctx, "%s: %s/rps_flow_cnt %lu -> %lu", ifname, q[i], cur, per);
			(*written)++;
		}
	}
	ng_strv_free(q, nq);
	return r;
}
