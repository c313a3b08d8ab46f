/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reboot.c: nicguard-watch's last resort: whether a reboot is allowed now (at most one per
 * reboot-period, remembered across the reboot in /var/lib/nicguard/reboot-last), recording
 * it, arming the hardware watchdog the admin named, and asking systemd for the reboot
 * (systemctl reboot, never reboot(2)). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/watchdog.h>

#include "nicguard.h"
#include "internal.h"

#define RECORD "/var/lib/nicguard/reboot-last"
#define RECORD_MAX 4096
#define SYSTEMCTL_TIMEOUT_MS 60000

int ng_reboot_parse(const char *buf, size_t len, int64_t *when)
{
	const char *p = buf, *end = buf + len;

	if (len < strlen(NG_MARKER) || strncmp(buf, NG_MARKER, strlen(NG_MARKER)) != 0)
		return -EBADMSG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char num[24], *e;

		if (n > 5 && n - 5 < sizeof(num) && strncmp(p, "time=", 5) == 0) {
			memcpy(num, p + 5, n - 5);
			num[n - 5] = '\0';
			errno = 0;
			*when = strtoll(num, &e, 10);
			if (num[0] >= '0' && num[0] <= '9' && !*e && !errno)
				return 0;
			return -EINVAL;
		}
		p += n + 1;
	}
	return -EINVAL;
}

int ng_reboot_check(const struct ng_ctx *ctx, const struct ng_watch_opts *o, int64_t now,
		    char *why, size_t len, struct ng_err *err)
{
	char path[PATH_MAX], *buf = NULL;
	int64_t when = 0, age;
	size_t n;
	int r;

	why[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), RECORD) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	r = ng_read_file(path, true, RECORD_MAX, &buf, &n);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = ng_reboot_parse(buf, n, &when);
	free(buf);
	/* A record that cannot be read cannot prove the period is over: the safe side. */
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: %s; not rebooting", path,
				  r == -EBADMSG ? "not written by nicguard" : strerror(-r));
	age = now - when;
	/* A clock set back before the last reboot: the period is not known to be over. */
	if (age < 0 || (uint64_t)age * 1000 < o->reboot_period_ms) {
		snprintf(why, len, "the last reboot for a hang was %" PRId64 " min ago "
			 "(reboot-period %" PRIu64 " min)", age < 0 ? 0 : age / 60,
			 o->reboot_period_ms / 60000);
		return -EAGAIN;
	}
	return 0;
}

int ng_reboot_record(const struct ng_ctx *ctx, int64_t now, const char *ifname,
		     const char *sig, struct ng_err *err)
{
	char path[PATH_MAX], text[512];
	int n;

	if (ng_path(ctx, path, sizeof(path), RECORD) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	n = snprintf(text, sizeof(text), "%s\n# nicguard-watch asked systemd to reboot the host "
		     "for a hang: one reboot per reboot-period.\ntime=%" PRId64 "\ninterface=%s\n"
		     "signature=%s\n", NG_MARKER, now, ifname, sig);
	if (n < 0 || (size_t)n >= sizeof(text))
		return ng_err_set(err, -EINVAL, NULL, 0, "reboot record too long");
	/* Synced before the reboot is asked for: the next boot must find it. */
	return ng_atomic_write_owned(path, text, (size_t)n, 0644, err);
}

int ng_reboot_request(const struct ng_ctx *ctx, char *detail, size_t len, struct ng_err *err)
{
	const char *prog = ng_ctx_program(ctx, "systemctl");
	const char *const argv[] = { "systemctl", "reboot", NULL };
	char out[512];
	int status = 0, r;

	r = ng_exec(prog, argv, NULL, SYSTEMCTL_TIMEOUT_MS, out, sizeof(out), &status, err);
	if (r < 0)
		return r;
	out[strcspn(out, "\n")] = '\0';
	if (status != 0)
		return ng_err_set(err, -EIO, NULL, 0, "%s reboot: exit %d%s%s", prog, status,
				  out[0] ? ": " : "", out);
	snprintf(detail, len, "done: %s reboot accepted", prog);
	return 0;
}

/* Stop a watchdog this process opened and may not leave running: the magic character, then
 * close (a driver with WDIOF_MAGICCLOSE stops only after it; one without stops on close). */
static void watchdog_disarm(int fd)
{
	ssize_t w = write(fd, "V", 1);

	(void)w;
	close(fd);
}

int ng_reboot_watchdog_present(const struct ng_ctx *ctx, const char *dev, struct ng_err *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (ng_path(ctx, path, sizeof(path), "%s", dev) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	if (lstat(path, &st) < 0 || !S_ISCHR(st.st_mode))
		return ng_err_set(err, -ENODEV, NULL, 0, "%s: no such watchdog device (its driver "
				  "not loaded?)", path);
	return 0;
}

int ng_reboot_watchdog_arm(const struct ng_ctx *ctx, const char *dev, uint64_t timeout_ms,
			   unsigned *secs, struct ng_err *err)
{
	struct watchdog_info info;
	char path[PATH_MAX];
	struct stat st;
	const int want = (int)((timeout_ms + 999) / 1000);
	int fd, t = want, r;

	if (ng_path(ctx, path, sizeof(path), "%s", dev) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		if (r == -EBUSY)
			return ng_err_set(err, r, NULL, 0, "%s is busy: another program keeps it "
					  "(systemd's RuntimeWatchdogSec=, Proxmox VE's watchdog-mux) "
					  "and guards the reboot itself", path);
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		close(fd);
		return ng_err_set(err, -ENODEV, NULL, 0, "%s is not a character device", path);
	}
	/* The watchdog core answers this for every watchdog; anything else is not one. */
	if (ioctl(fd, WDIOC_GETSUPPORT, &info) < 0) {
		r = -errno;
		close(fd);
		return ng_err_set(err, -ENODEV, NULL, 0, "%s is not a watchdog (%s)", path,
				  strerror(-r));
	}
	/* Without magic close, the daemon's end at shutdown would stop it: no guard at all. */
	if (!(info.options & WDIOF_MAGICCLOSE) || !(info.options & WDIOF_SETTIMEOUT)) {
		watchdog_disarm(fd);
		return ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s (%.32s) %s", path,
				  (const char *)info.identity,
				  info.options & WDIOF_MAGICCLOSE ? "has no settable timeout" :
				  "stops when closed (no magic close): it cannot outlive the daemon");
	}
	if (ioctl(fd, WDIOC_SETTIMEOUT, &t) < 0) {
		r = -errno;
		watchdog_disarm(fd);
		return ng_err_set(err, r, NULL, 0, "%s (%.32s): a timeout of %d s: %s", path,
				  (const char *)info.identity, want, strerror(-r));
	}
	*secs = (unsigned)t;
	return fd;
}
