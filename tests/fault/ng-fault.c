/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ng-fault.c: an LD_PRELOAD shim that makes chosen calls fail with chosen errnos, so tests
 * can see what nicguard does when the kernel or the file system says no.
 *
 * NG_FAULT holds rules separated by ';':   CALL=ERRNO[@MATCH][#SKIP]
 *   CALL   open (open, open64, openat, openat64, creat), write, fsync (and fdatasync),
 *          rename (rename, renameat, renameat2), unlink, mkdir, ioctl, or swap (below)
 *   ERRNO  a name (ENOSPC, EROFS, EIO, EPERM, EOPNOTSUPP, EBUSY, ENODEV, EACCES, ...) or
 *          a number
 *   MATCH  for path calls a substring of the path (write and fsync: of the fd's path); for
 *          ioctl the request: SIOCETHTOOL's ETHTOOL_ command without the prefix (SFEATURES,
 *          GFEATURES, SLINKSETTINGS, SCOALESCE, SRINGPARAM, ...) or SIOCSIFFLAGS, with
 *          ":IFNAME" to limit it to one interface; '*' stands for any text; no MATCH:
 *          every call
 *   SKIP   let the first SKIP matching calls through, then fail every later one (an
 *          interface that vanishes half-way: ioctl=ENODEV@*:ngt0#4)
 * swap=NEWFILE@PATH: when PATH is opened for reading, rename NEWFILE over PATH just after
 *   the open succeeded (a config file replaced while it is being read).
 * cut=BYTES@MATCH[#SKIP]: the matching write() writes only its first BYTES bytes, then the
 *   process is killed with SIGKILL: a crash in the middle of a write.
 * Every injected failure is noted on stderr as "ng-fault: CALL MATCH: ERRNO" when
 * NG_FAULT_LOG is set, so a test can prove the fault was hit.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RULES 16

struct rule {
	char call[16];
	int err;
	char match[256];
	char swap_from[512];	/* swap only */
	long skip;
	long seen;
	long cut;		/* cut only: bytes written before the crash */
};

static struct rule rules[MAX_RULES];
static size_t nrules;
static int loaded;

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EACCES", EACCES }, { "EAGAIN", EAGAIN }, { "EBUSY", EBUSY }, { "EDQUOT", EDQUOT },
	{ "EEXIST", EEXIST }, { "EFBIG", EFBIG }, { "EINTR", EINTR }, { "EINVAL", EINVAL },
	{ "EIO", EIO }, { "EISDIR", EISDIR }, { "ELOOP", ELOOP }, { "EMFILE", EMFILE },
	{ "ENODEV", ENODEV }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM }, { "ENOSPC", ENOSPC },
	{ "ENOTSUP", ENOTSUP }, { "ENXIO", ENXIO }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "EPERM", EPERM }, { "EROFS", EROFS }, { "ETIMEDOUT", ETIMEDOUT },
};

static const struct {
	const char *name;
	unsigned cmd;
} ethcmds[] = {
	{ "GSET", ETHTOOL_GSET }, { "SSET", ETHTOOL_SSET }, { "GDRVINFO", ETHTOOL_GDRVINFO },
	{ "GCOALESCE", ETHTOOL_GCOALESCE }, { "SCOALESCE", ETHTOOL_SCOALESCE },
	{ "GRINGPARAM", ETHTOOL_GRINGPARAM }, { "SRINGPARAM", ETHTOOL_SRINGPARAM },
	{ "GSTRINGS", ETHTOOL_GSTRINGS }, { "GSSET_INFO", ETHTOOL_GSSET_INFO },
	{ "GFEATURES", ETHTOOL_GFEATURES }, { "SFEATURES", ETHTOOL_SFEATURES },
	{ "GLINKSETTINGS", ETHTOOL_GLINKSETTINGS }, { "SLINKSETTINGS", ETHTOOL_SLINKSETTINGS },
	{ "GLINK", ETHTOOL_GLINK },
};

static int errno_value(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(errnos[i].name, s) == 0)
			return errnos[i].value;
	v = strtol(s, &end, 10);
	return *end || v <= 0 ? EIO : (int)v;
}

static void load(void)
{
	const char *env;
	char *copy, *save = NULL;

	if (loaded)
		return;
	loaded = 1;
	env = getenv("NG_FAULT");
	if (!env || !(copy = strdup(env)))
		return;
	for (char *r = strtok_r(copy, ";", &save); r && nrules < MAX_RULES;
	     r = strtok_r(NULL, ";", &save)) {
		struct rule *ru = &rules[nrules];
		char *eq = strchr(r, '='), *at, *hash;

		if (!eq)
			continue;
		*eq++ = '\0';
		snprintf(ru->call, sizeof(ru->call), "%s", r);
		hash = strrchr(eq, '#');
		if (hash) {
			*hash++ = '\0';
			ru->skip = strtol(hash, NULL, 10);
		}
		at = strchr(eq, '@');
		if (at) {
			*at++ = '\0';
			snprintf(ru->match, sizeof(ru->match), "%s", at);
		}
		if (strcmp(ru->call, "swap") == 0)
			snprintf(ru->swap_from, sizeof(ru->swap_from), "%s", eq);
		else if (strcmp(ru->call, "cut") == 0)
			ru->cut = strtol(eq, NULL, 10);
		else
			ru->err = errno_value(eq);
		nrules++;
	}
	free(copy);
}

static void note(const char *call, const char *what, int err)
{
	char line[600];
	int n;

	if (!getenv("NG_FAULT_LOG"))
		return;
	n = snprintf(line, sizeof(line), "ng-fault: %s %s: %s\n", call, what, strerror(err));
	if (n > 0) {
		ssize_t (*real_write)(int, const void *, size_t) =
			(ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
		if (real_write && real_write(2, line, (size_t)n) < 0)
			return;
	}
}

/* MATCH is found anywhere in what; a '*' in MATCH stands for any text. */
static int matches(const char *match, const char *what)
{
	char pat[300];

	if (!what)
		return 0;
	snprintf(pat, sizeof(pat), "*%s*", match);
	return fnmatch(pat, what, 0) == 0;
}

/* The errno to fail this call with, or 0 to let it through. */
static int check(const char *call, const char *what)
{
	load();
	for (size_t i = 0; i < nrules; i++) {
		struct rule *ru = &rules[i];

		if (strcmp(ru->call, call) != 0)
			continue;
		if (ru->match[0] && !matches(ru->match, what))
			continue;
		if (ru->seen++ < ru->skip)
			continue;
		note(call, what ? what : "", ru->err);
		return ru->err;
	}
	return 0;
}

static const char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* The next definition of a libc function. type and args are declarator parts and cannot
 * be parenthesized. */
#define REAL(type, name, args) \
	static type(*real_##name) args; /* NOLINT(bugprone-macro-parentheses) */ \
	if (!real_##name) \
		real_##name = (type(*) args)dlsym(RTLD_NEXT, #name) /* NOLINT */

/* After a successful open for reading, replace the file under the reader's feet. */
static void swap_after_open(const char *path, int flags)
{
	load();
	if ((flags & O_ACCMODE) != O_RDONLY)
		return;
	for (size_t i = 0; i < nrules; i++) {
		REAL(int, rename, (const char *, const char *));
		struct rule *ru = &rules[i];

		if (strcmp(ru->call, "swap") != 0 || !ru->match[0] || strcmp(path, ru->match) != 0)
			continue;
		if (ru->seen++ < ru->skip || ru->seen > ru->skip + 1)
			continue;
		if (real_rename(ru->swap_from, path) == 0)
			note("swap", path, 0);
	}
}

static int do_open(int dirfd, const char *path, int flags, mode_t mode, const char *sym)
{
	int e = check("open", path), fd;

	if (e) {
		errno = e;
		return -1;
	}
	if (dirfd == AT_FDCWD && strcmp(sym, "open") == 0) {
		REAL(int, open, (const char *, int, ...));
		fd = real_open(path, flags, mode);
	} else if (dirfd == AT_FDCWD && strcmp(sym, "open64") == 0) {
		REAL(int, open64, (const char *, int, ...));
		fd = real_open64(path, flags, mode);
	} else if (strcmp(sym, "openat64") == 0) {
		REAL(int, openat64, (int, const char *, int, ...));
		fd = real_openat64(dirfd, path, flags, mode);
	} else {
		REAL(int, openat, (int, const char *, int, ...));
		fd = real_openat(dirfd, path, flags, mode);
	}
	if (fd >= 0)
		swap_after_open(path, flags);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, mode, "open");
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, mode, "open64");
}

int openat(int dirfd, const char *path, int flags, ...)
{
	char full[8200], dir[4096];
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	/* Match relative names by the directory they are opened in, as a test spells it. */
	if (path[0] != '/' && dirfd != AT_FDCWD && fd_path(dirfd, dir, sizeof(dir))) {
		snprintf(full, sizeof(full), "%s/%s", dir, path);
		int e = check("open", full);

		if (e) {
			errno = e;
			return -1;
		}
	}
	return do_open(dirfd, path, flags, mode, "openat");
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return openat(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static int fd_check(const char *call, int fd)
{
	char path[4096];

	load();
	if (!nrules)
		return 0;
	return check(call, fd_path(fd, path, sizeof(path)));
}

/* A cut rule matching fd's path: write its first bytes, then die as a crash would. */
static void cut_check(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, write, (int, const void *, size_t));
	char path[4096];
	const char *p;

	load();
	if (!nrules || !(p = fd_path(fd, path, sizeof(path))))
		return;
	for (size_t i = 0; i < nrules; i++) {
		struct rule *ru = &rules[i];
		size_t n;

		if (strcmp(ru->call, "cut") != 0 || (ru->match[0] && !matches(ru->match, p)) ||
		    ru->seen++ < ru->skip)
			continue;
		n = (size_t)ru->cut < len ? (size_t)ru->cut : len;
		note("cut", p, EINTR);
		if (real_write(fd, buf, n) < 0)
			_exit(137);
		kill(getpid(), SIGKILL);
		_exit(137);
	}
}

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, write, (int, const void *, size_t));
	int e;

	cut_check(fd, buf, len);
	e = fd_check("write", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_write(fd, buf, len);
}

int fsync(int fd)
{
	REAL(int, fsync, (int));
	int e = fd_check("fsync", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(int, fdatasync, (int));
	int e = fd_check("fsync", fd);

	if (e) {
		errno = e;
		return -1;
	}
	return real_fdatasync(fd);
}

/* rename matches the target path, or for renameat the target's directory + name. */
static int rename_check(int dirfd, const char *path)
{
	char full[8200], dir[4096];

	if (path[0] != '/' && dirfd != AT_FDCWD && fd_path(dirfd, dir, sizeof(dir))) {
		snprintf(full, sizeof(full), "%s/%s", dir, path);
		return check("rename", full);
	}
	return check("rename", path);
}

int rename(const char *from, const char *to)
{
	REAL(int, rename, (const char *, const char *));
	int e = rename_check(AT_FDCWD, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(int, renameat, (int, const char *, int, const char *));
	int e = rename_check(tofd, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_renameat(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	REAL(int, renameat2, (int, const char *, int, const char *, unsigned));
	int e = rename_check(tofd, to);

	if (e) {
		errno = e;
		return -1;
	}
	return real_renameat2(fromfd, from, tofd, to, flags);
}

int unlink(const char *path)
{
	REAL(int, unlink, (const char *));
	int e = check("unlink", path);

	if (e) {
		errno = e;
		return -1;
	}
	return real_unlink(path);
}

int mkdir(const char *path, mode_t mode)
{
	REAL(int, mkdir, (const char *, mode_t));
	int e = check("mkdir", path);

	if (e) {
		errno = e;
		return -1;
	}
	return real_mkdir(path, mode);
}

/* "SFEATURES:eth0", "SIOCSIFFLAGS:eth0", or "" for requests a test cannot name. */
static void ioctl_name(unsigned long req, void *arg, char *buf, size_t len)
{
	const struct ifreq *ifr = arg;
	const char *name = NULL;

	buf[0] = '\0';
	if (!arg)
		return;
	if (req == SIOCETHTOOL) {
		unsigned cmd;

		memcpy(&cmd, ifr->ifr_data, sizeof(cmd));
		for (size_t i = 0; i < sizeof(ethcmds) / sizeof(ethcmds[0]); i++)
			if (ethcmds[i].cmd == cmd)
				name = ethcmds[i].name;
		if (!name)
			name = "ETHTOOL";
	} else if (req == SIOCSIFFLAGS) {
		name = "SIOCSIFFLAGS";
	} else if (req == SIOCGIFFLAGS) {
		name = "SIOCGIFFLAGS";
	} else {
		return;
	}
	snprintf(buf, len, "%s:%.*s", name, IFNAMSIZ, ifr->ifr_name);
}

int ioctl(int fd, unsigned long req, ...)
{
	REAL(int, ioctl, (int, unsigned long, ...));
	char what[64];
	va_list ap;
	void *arg;
	int e;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	load();
	if (nrules) {
		ioctl_name(req, arg, what, sizeof(what));
		e = what[0] ? check("ioctl", what) : 0;
		if (e) {
			errno = e;
			return -1;
		}
	}
	return real_ioctl(fd, req, arg);
}
