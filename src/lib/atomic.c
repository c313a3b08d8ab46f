/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atomic.c: publish files whole or not at all (temp, fsync, rename, fsync dir); read files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
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

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)	/* some file systems cannot sync a directory */
		r = -errno;
	close(fd);
	return r;
}

int ng_atomic_write(const char *path, const void *buf, size_t len, unsigned mode,
		    struct ng_err *err)
{
	char tmp[4096], dcopy[4096], bcopy[4096];
	const char *dir, *base;
	int fd, r;

	if (snprintf(dcopy, sizeof(dcopy), "%s", path) >= (int)sizeof(dcopy))
		return ng_err_set(err, -ENAMETOOLONG, path, 0, "path too long");
	snprintf(bcopy, sizeof(bcopy), "%s", path);
	dir = dirname(dcopy);
	base = basename(bcopy);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp))
		return ng_err_set(err, -ENAMETOOLONG, path, 0, "path too long");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ng_err_set(err, -errno, path, 0, "cannot create a temporary file in %s: %s",
				  dir, strerror(errno));
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	/* close() can report a deferred write error (NFS, quota): check it before renaming. */
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return ng_err_set(err, r, path, 0, "cannot write: %s", strerror(-r));
	}
	r = fsync_dir(dir);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "written, but syncing %s failed: %s", dir,
				  strerror(-r));
	return 0;
}

int ng_atomic_write_owned(const char *path, const void *buf, size_t len, unsigned mode,
			  struct ng_err *err)
{
	char head[sizeof(NG_MARKER)];
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return ng_atomic_write(path, buf, len, mode, err);
		if (errno == ELOOP)
			return ng_err_set(err, -EEXIST, path, 0,
					  "is a symbolic link; nicguard does not write through links");
		return ng_err_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return ng_err_set(err, -EEXIST, path, 0,
				  "exists and is not a regular file owned by uid %u; left alone",
				  (unsigned)geteuid());
	}
	got = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (got != (ssize_t)sizeof(head) - 1 || memcmp(head, NG_MARKER, sizeof(head) - 1) != 0)
		return ng_err_set(err, -EEXIST, path, 0,
				  "exists and was not written by nicguard (no marker line); left alone");
	return ng_atomic_write(path, buf, len, mode, err);
}

int ng_read_file(const char *path, bool nofollow, size_t max, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= max) {
				r = -EFBIG;
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
	close(fd);
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
