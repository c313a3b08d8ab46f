/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atomic.c: publish files whole or not at all (temp, fsync, rename, fsync dir); read files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Split path into its directory and last component; "file" alone lives in ".". */
static int split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		*base = path;
		snprintf(dir, dlen, ".");
		return 0;
	}
	*base = slash + 1;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dlen)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

/* The directory is opened once and every later step works on that fd, so swapping the
 * directory (or a link to it) half-way cannot redirect the temp file or the rename. A
 * directory someone else owns (a link planted to one, say), or that anyone may write to
 * without the sticky bit, could hold anything: refuse it. */
int ng_atomic_open_dir(const char *path, const char *dir, struct ng_err *err)
{
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return ng_err_set(err, -errno, path, 0, "cannot open directory %s: %s", dir,
				  strerror(errno));
	if (fstat(dfd, &st) < 0) {
		int r = -errno;

		close(dfd);
		return ng_err_set(err, r, path, 0, "cannot stat %s: %s", dir, strerror(-r));
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		close(dfd);
		return ng_err_set(err, -EPERM, path, 0,
				  "refusing to write into %s: writable by anyone", dir);
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		close(dfd);
		return ng_err_set(err, -EPERM, path, 0,
				  "refusing to write into %s: owned by uid %u", dir,
				  (unsigned)st.st_uid);
	}
	return dfd;
}

/* A temp file next to the target: hidden, random, created exclusively (so never through
 * an existing file or link), mode 0600 until it is complete. */
int ng_atomic_temp(int dfd, const char *base, char *tmp, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[6];
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		if (snprintf(tmp, len, ".%.200s.%02x%02x%02x%02x%02x%02x", base, rnd[0], rnd[1],
			     rnd[2], rnd[3], rnd[4], rnd[5]) >= (int)len)
			return -ENAMETOOLONG;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static int write_at(int dfd, const char *path, const char *dir, const char *base,
		    const void *buf, size_t len, unsigned mode, struct ng_err *err)
{
	char tmp[256];
	int fd, r;

	fd = ng_atomic_temp(dfd, base, tmp, sizeof(tmp));
	if (fd < 0)
		return ng_err_set(err, fd, path, 0, "cannot create a temporary file in %s: %s",
				  dir, strerror(-fd));
	r = fchmod(fd, mode & 07777) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	/* close() can report a deferred write error (NFS, quota): check it before renaming. */
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return ng_err_set(err, r, path, 0, "cannot write: %s", strerror(-r));
	}
	/* Some file systems cannot sync a directory (EINVAL): the rename stands. */
	if (fsync(dfd) < 0 && errno != EINVAL)
		return ng_err_set(err, -errno, path, 0, "written, but syncing %s failed: %s", dir,
				  strerror(errno));
	return 0;
}

static int atomic_write(const char *path, const void *buf, size_t len, unsigned mode,
			bool owned, struct ng_err *err)
{
	char dir[PATH_MAX], head[sizeof(NG_MARKER)];
	const char *base;
	struct stat st;
	ssize_t got;
	int dfd, fd, r;

	if (split_path(path, dir, sizeof(dir), &base) < 0 || strlen(base) > 200)
		return ng_err_set(err, -ENAMETOOLONG, path, 0, "path too long");
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return ng_err_set(err, -EINVAL, path, 0, "not a file name");
	dfd = ng_atomic_open_dir(path, dir, err);
	if (dfd < 0)
		return dfd;
	if (!owned)
		goto write;
	/* Checked on the fd that is read, in the directory that is written: no window in
	 * which a link or someone else's file could slip in between check and rename. */
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			goto write;
		r = errno == ELOOP ?
			ng_err_set(err, -EEXIST, path, 0,
				   "is a symbolic link; nicguard does not write through links") :
			ng_err_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
		close(dfd);
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		close(dfd);
		return ng_err_set(err, -EEXIST, path, 0,
				  "exists and is not a regular file owned by uid %u; left alone",
				  (unsigned)geteuid());
	}
	got = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (got != (ssize_t)sizeof(head) - 1 || memcmp(head, NG_MARKER, sizeof(head) - 1) != 0) {
		close(dfd);
		return ng_err_set(err, -EEXIST, path, 0, "exists and was not written by nicguard "
				  "(no marker line); left alone");
	}
write:
	r = write_at(dfd, path, dir, base, buf, len, mode, err);
	close(dfd);
	return r;
}

int ng_atomic_write(const char *path, const void *buf, size_t len, unsigned mode,
		    struct ng_err *err)
{
	return atomic_write(path, buf, len, mode, false, err);
}

int ng_atomic_write_owned(const char *path, const void *buf, size_t len, unsigned mode,
			  struct ng_err *err)
{
	return atomic_write(path, buf, len, mode, true, err);
}

int ng_read_fd(int fd, size_t max, char **out, size_t *outlen)
{
	size_t len = 0, cap = max < 4096 ? max : 4096;
	char *buf = malloc(cap + 1);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				/* Exactly max bytes is fine; one more is too large. */
				char c;

				n = read(fd, &c, 1);
				if (n < 0 && errno == EINTR)
					continue;
				r = n < 0 ? -errno : n > 0 ? -EFBIG : 0;
				break;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
}

int ng_read_file(const char *path, bool nofollow, size_t max, char **out, size_t *outlen)
{
	struct stat st;
	int fd, r;

	/* O_NONBLOCK: a FIFO put where a file should be must not hang a udev or hook run. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = ng_read_fd(fd, max, out, outlen);
	close(fd);
	return r;
}

int ng_link_base(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	snprintf(out, len, "%s", base);
	return (int)strlen(base);
}
