/* SPDX-License-Identifier: GPL-2.0-or-later */
/* history.c: the history file: queue records, append them under a lock, compact, read. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define DIR_REL "/var/lib/nicguard"
#define BASE "history"
#define LOCK_WAIT_MS 2000	/* a compaction takes milliseconds; a writer stuck longer is not
				 * worth holding up udev or the daemon for */

struct ng_history {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char source[16];
	char *q;		/* encoded records, in the order they were queued */
	size_t qlen;
	struct ng_histsample *sample;	/* histsample.c's state between two samples */
};

struct ng_history *ng_history_new(const struct ng_ctx *ctx, const char *source)
{
	struct ng_history *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->q = malloc(NG_HISTORY_QUEUE);
	if (!w->q || ng_path(ctx, w->dir, sizeof(w->dir), DIR_REL) < 0 ||
	    ng_path(ctx, w->path, sizeof(w->path), DIR_REL "/" BASE) < 0) {
		free(w->q);
		free(w);
		return NULL;
	}
	snprintf(w->source, sizeof(w->source), "%s", source ? source : "");
	return w;
}

void ng_history_free(struct ng_history *w)
{
	if (!w)
		return;
	ng_histsample_free(w->sample);
	free(w->q);
	free(w);
}

static int queue(struct ng_history *w, const char *rec, size_t n)
{
	if (w->qlen + n > NG_HISTORY_QUEUE)
		return -ENOBUFS;
	memcpy(w->q + w->qlen, rec, n);
	w->qlen += n;
	return 0;
}

int ng_history_event(struct ng_history *w, const struct ng_hist_event *e)
{
	char rec[NG_HISTREC_MAX];
	size_t n = ng_histrec_event(e, rec);

	return queue(w, rec, n);
}

int ng_history_change(struct ng_history *w, const struct ng_hist_change *c)
{
	char rec[NG_HISTREC_MAX];
	size_t n = ng_histrec_change(c, rec);

	return queue(w, rec, n);
}

int ng_history_count(struct ng_history *w, const struct ng_hist_count *c)
{
	char rec[NG_HISTREC_MAX];
	size_t n = ng_histrec_count(c, rec);

	return queue(w, rec, n);
}

int ng_history_report(struct ng_history *w, const struct ng_report *rep, int64_t now)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct ng_result *r = &rep->v[i];
		struct ng_hist_change c = { .time = now };
		int e;

		if (r->outcome != NG_CHANGED)
			continue;
		snprintf(c.ifname, sizeof(c.ifname), "%s", r->ifname);
		/* A pass-through line's name is its first word; its value holds all of them. */
		snprintf(c.setting, sizeof(c.setting), "%s",
			 r->group == NG_ETHTOOL ? "ethtool" : r->name);
		snprintf(c.value, sizeof(c.value), "%.127s", r->want);
		snprintf(c.was, sizeof(c.was), "%.127s", r->was);
		if (r->origin.file && r->origin.line)
			snprintf(c.origin, sizeof(c.origin), "%.180s:%u", r->origin.file,
				 r->origin.line);
		else
			snprintf(c.origin, sizeof(c.origin), "%s",
				 r->origin.file ? r->origin.file : "");
		snprintf(c.source, sizeof(c.source), "%s", w->source);
		e = ng_history_change(w, &c);
		if (e < 0)
			return e;
	}
	return 0;
}

int ng_history_sample(struct ng_history *w, const struct ng_ctx *ctx,
		      const struct ng_metrics_sample *s, int64_t now, struct ng_err *err)
{
	return ng_histsample_take(&w->sample, w, ctx, s, now, err);
}

/* ------------------------------------------------------------------ the file */

/* The history is ours when it is a regular file root owns, nobody else may write, and it
 * starts with the header. */
static int check_ours(int fd, const char *path, struct ng_err *err)
{
	size_t hlen;
	const char *hdr = ng_histrec_header(&hlen);
	char buf[256];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return ng_err_set(err, -errno, path, 0, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return ng_err_set(err, -EPERM, path, 0, "not a regular file of uid %u that only "
				  "its owner may write; left alone", (unsigned)geteuid());
	if (hlen > sizeof(buf) || pread(fd, buf, hlen, 0) != (ssize_t)hlen ||
	    memcmp(buf, hdr, hlen) != 0)
		return ng_err_set(err, -EINVAL, path, 0, "not a history nicguard wrote; left "
				  "alone");
	return 0;
}

/* A new, empty history: the header in a temp file, linked into place only when no history
 * exists (a writer racing us to create it wins, and we use its file). */
static int create(int dfd, const char *path, struct ng_err *err)
{
	char tmp[256];
	size_t hlen;
	const char *hdr = ng_histrec_header(&hlen);
	int fd = ng_atomic_temp(dfd, BASE, tmp, sizeof(tmp)), r = 0;

	if (fd < 0)
		return ng_err_set(err, fd, path, 0, "cannot create a temporary file: %s",
				  strerror(-fd));
	if (write(fd, hdr, hlen) != (ssize_t)hlen || fsync(fd) < 0)
		r = -(errno ? errno : EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && linkat(dfd, tmp, dfd, BASE, 0) < 0 && errno != EEXIST)
		r = -errno;
	unlinkat(dfd, tmp, 0);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot create: %s", strerror(-r));
	return 0;
}

static int lock(int fd, const char *path, struct ng_err *err)
{
	struct timespec ts = { 0, 1000000 };
	unsigned waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return ng_err_set(err, -errno, path, 0, "cannot lock: %s", strerror(errno));
		if (waited >= LOCK_WAIT_MS)
			return ng_err_set(err, -EWOULDBLOCK, path, 0, "locked by another writer for "
					  "over %u ms; records dropped", LOCK_WAIT_MS);
		nanosleep(&ts, NULL);
		waited += (unsigned)(ts.tv_nsec / 1000000);
		if (ts.tv_nsec < 64000000)
			ts.tv_nsec *= 2;
	}
	return 0;
}

/* The history open for appending and locked, with the directory and file created when
 * missing. A compaction renames a new file over the one we locked: then open again. */
static int open_locked(struct ng_history *w, int *dfdp, struct ng_err *err)
{
	int dfd, fd = -1, r = 0;

	/* The package makes the directory (and systemd's StateDirectory= for the daemon): a
	 * build run from a checkout keeps no history on the machine it is tested on. */
	dfd = ng_atomic_open_dir(w->path, w->dir, err);
	if (dfd < 0)
		return dfd;
	for (int tries = 0; tries < 8; tries++) {
		struct stat a, b;

		fd = openat(dfd, BASE, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 && errno == ENOENT) {
			r = create(dfd, w->path, err);
			if (r < 0)
				break;
			continue;
		}
		if (fd < 0) {
			r = errno == ELOOP ? ng_err_set(err, -EPERM, w->path, 0, "is a symbolic link;"
							" left alone") :
			    ng_err_set(err, -errno, w->path, 0, "cannot open: %s", strerror(errno));
			break;
		}
		r = check_ours(fd, w->path, err);
		if (r == 0)
			r = lock(fd, w->path, err);
		if (r < 0)
			break;
		if (fstat(fd, &a) == 0 && fstatat(dfd, BASE, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			*dfdp = dfd;
			return fd;
		}
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r < 0 ? r : ng_err_set(err, -EAGAIN, w->path, 0, "replaced while opened, again "
				      "and again");
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Rewrite the locked file fd (size bytes, plus extra not yet in it) compacted, atomically.
 * The lock stays on the old file until the new one is in place. */
static int compact(struct ng_history *w, int fd, const char *extra, size_t elen, int64_t now,
		   struct ng_err *err)
{
	struct ng_hist h;
	char *buf = NULL, *all;
	size_t len = 0, total = 0;
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return ng_err_set(err, -errno, w->path, 0, "cannot seek: %s", strerror(errno));
	r = ng_read_fd(fd, NG_HISTORY_HARD + NG_HISTORY_QUEUE, &buf, &len);
	if (r < 0)
		return ng_err_set(err, r, w->path, 0, "cannot read: %s", strerror(-r));
	all = realloc(buf, len + elen + 1);
	if (!all) {
		free(buf);
		return ng_err_set(err, -ENOMEM, w->path, 0, "out of memory");
	}
	buf = NULL;	/* now all's; encode gives the new text */
	if (elen)
		memcpy(all + len, extra, elen);
	r = ng_histrec_parse(all, len + elen, &h);
	free(all);
	if (r == 0)
		r = ng_histcompact(&h, now);
	if (r == 0)
		r = ng_histrec_encode(&h, &buf, &total);
	ng_hist_free(&h);
	if (r < 0)
		return ng_err_set(err, r, w->path, 0, "cannot compact: %s", strerror(-r));
	r = ng_atomic_write_owned(w->path, buf, total, 0600, err);
	free(buf);
	return r;
}

int ng_history_flush(struct ng_history *w, int64_t now, struct ng_err *err)
{
	struct stat st;
	int dfd = -1, fd, r;

	if (w->qlen == 0)
		return 0;
	fd = open_locked(w, &dfd, err);
	if (fd == -ENOENT)
		w->qlen = 0;	/* no directory: no history is kept, nothing to try again */
	if (fd < 0)
		return fd;	/* nothing written: the queue stays for the next flush */
	if (fstat(fd, &st) < 0) {
		r = ng_err_set(err, -errno, w->path, 0, "cannot stat: %s", strerror(errno));
	} else if ((size_t)st.st_size + w->qlen > NG_HISTORY_HARD) {
		/* The last compaction failed, or a flood outran it: compact with the queue
		 * included, or refuse, so the file never outgrows its bound. */
		r = compact(w, fd, w->q, w->qlen, now, err);
	} else {
		r = write_all(fd, w->q, w->qlen);
		if (r == 0 && fdatasync(fd) < 0)
			r = -errno;
		if (r < 0)
			ng_err_set(err, r, w->path, 0, "cannot append: %s", strerror(-r));
		else if ((size_t)st.st_size + w->qlen > NG_HISTORY_MAX)
			r = compact(w, fd, NULL, 0, now, err);
	}
	w->qlen = 0;
	close(fd);
	close(dfd);
	return r;
}

int ng_history_read(const struct ng_ctx *ctx, struct ng_hist *out, struct ng_err *err)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int fd, r;

	memset(out, 0, sizeof(*out));
	if (ng_path(ctx, path, sizeof(path), DIR_REL "/" BASE) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return ng_err_set(err, errno == ELOOP ? -EPERM : -errno, path, 0, "cannot open: %s",
				  errno == ELOOP ? "a symbolic link" : strerror(errno));
	r = check_ours(fd, path, err);
	if (r == 0) {
		r = ng_read_fd(fd, NG_HISTORY_HARD + NG_HISTORY_QUEUE, &buf, &len);
		if (r < 0)
			ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	}
	close(fd);
	if (r < 0)
		return r;
	r = ng_histrec_parse(buf, len, out);
	free(buf);
	if (r < 0)
		return ng_err_set(err, r, path, 0, r == -ENOMEM ? "out of memory" :
				  "not a history nicguard wrote");
	return 0;
}
