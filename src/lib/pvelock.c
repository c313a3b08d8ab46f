/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvelock.c: removing a stale `lock: backup` the way Proxmox does: under the guest's config
 * flock, the value checked again, the config written as NAME.tmp.PID and renamed. */
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

#define CONF_MAX (1u << 20)	/* pmxcfs refuses files over 1 MiB */
#define POLL_MS 50
#ifndef NG_SYSTEMCTL_PATH
#define NG_SYSTEMCTL_PATH "/usr/bin/systemctl"
#endif

/* PVE::QemuConfig config_file_lock ("/var/lock/qemu-server/lock-$vmid.conf") and
 * PVE::LXC::Config config_file_lock ("/run/lock/lxc/pve-config-${vmid}.lock"). */
int ng_pve_lock_path(const struct ng_ctx *ctx, const struct ng_guest *g, char *path, size_t len)
{
	if (g->type == NG_GUEST_QEMU)
		return ng_path(ctx, path, len, "/var/lock/qemu-server/lock-%u.conf", g->vmid);
	return ng_path(ctx, path, len, "/run/lock/lxc/pve-config-%u.lock", g->vmid);
}

/* PVE::Tools lock_file_full opens ">>$filename" and waits for flock (10 s for lock_config).
 * It waits in flock() under alarm(); a library has no signal of its own to spare, so this
 * polls LOCK_NB instead: the same bound, and a nicguard waiter never jumps ahead of the
 * Proxmox tasks blocked on the lock. Returns the locked fd, -EBUSY after timeout_ms. */
static int take_flock(const char *path, unsigned timeout_ms, struct ng_err *err)
{
	long long deadline = (long long)ng_now_ms() + timeout_ms;
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	/* Proxmox's modules mkdir the lock directory when they load; so does this. */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ng_err_set(err, -errno, NULL, 0, "cannot create %s: %s", dir,
				  strerror(errno));
	/* /run/lock is writable by everyone: never follow a link planted there. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0)
		return ng_err_set(err, -errno, NULL, 0, "can't open file '%s' - %s", path,
				  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ng_err_set(err, -EINVAL, NULL, 0, "%s is not a regular file", path);
	}
	for (;;) {
		struct timespec nap = { 0, POLL_MS * 1000000L };
		long long left;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		left = deadline - (long long)ng_now_ms();
		if (left <= 0) {
			close(fd);
			/* Proxmox's words for it, lock_file_full's die message. */
			return ng_err_set(err, -EBUSY, NULL, 0, "can't lock file '%s' - got timeout",
					  path);
		}
		if (left < POLL_MS)
			nap.tv_nsec = (long)left * 1000000L;
		nanosleep(&nap, NULL);
	}
	ng_err_set(err, -errno, NULL, 0, "can't lock file '%s' - %s", path, strerror(errno));
	close(fd);
	return -EIO;
}

/* PVE::File file_set_contents: "$filename.tmp.$$" created exclusively (an old one of the
 * same name is removed, three tries), written, closed, renamed over the config. */
static int write_conf(const char *path, const char *text, size_t len, struct ng_err *err)
{
	char tmp[PATH_MAX];
	ssize_t w = 0;
	size_t off = 0;
	int fd = -1, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return ng_err_set(err, -ENAMETOOLONG, path, 0, "path too long");
	for (int tries = 0; fd < 0 && tries < 3; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (fd < 0 && (errno != EEXIST || unlink(tmp) < 0))
			break;
	}
	if (fd < 0)
		return ng_err_set(err, -errno, NULL, 0, "unable to open file '%s' - %s", tmp,
				  strerror(errno));
	while (off < len && w >= 0) {
		w = write(fd, text + off, len - off);
		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno == EINTR)
			w = 0;
	}
	if (w < 0)
		r = -errno;
	/* pmxcfs has no fsync (FUSE answers ENOSYS, which the kernel turns into success);
	 * elsewhere it makes the rename durable. */
	if (r == 0 && fsync(fd) < 0 && errno != EINVAL && errno != ENOSYS)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	/* Without quorum pmxcfs makes every file read-only: the write or the rename fails. */
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return ng_err_set(err, r, NULL, 0, "cannot write %s: %s%s", path, strerror(-r),
				  r == -EACCES || r == -EPERM || r == -EROFS ?
				  " (no cluster quorum?)" : "");
	}
	return 0;
}

static int conf_path(const struct ng_ctx *ctx, const struct ng_guest *g, char *path, size_t len)
{
	return ng_path(ctx, path, len, "/etc/pve/nodes/%s/%s/%u.conf", g->node,
		       g->type == NG_GUEST_QEMU ? "qemu-server" : "lxc", g->vmid);
}

/* Under the flock: the backup check (when asked), the value read again, the line removed. */
static int remove_held(const struct ng_ctx *ctx, const struct ng_guest *g, const char *value,
		       bool unless_backup_alive, struct ng_err *err)
{
	char path[PATH_MAX], cur[64], why[512];
	char *buf = NULL, *text = NULL;
	size_t len, tlen;
	int r;

	if (unless_backup_alive) {
		r = ng_pve_backup_alive(ctx, why, sizeof(why), err);
		if (r > 0)
			return ng_err_set(err, -EAGAIN, NULL, 0, "a backup is running: %s", why);
		if (r < 0)
			return r;
	}
	if (conf_path(ctx, g, path, sizeof(path)) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = ng_read_file(path, true, CONF_MAX, &buf, &len);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	if (ng_guest_conf_value(buf, len, "lock", cur, sizeof(cur)) < 0)
		snprintf(cur, sizeof(cur), "(too long)");
	/* PVE::AbstractConfig remove_lock's two refusals, in its words. */
	if (!cur[0])
		r = ng_err_set(err, -ESTALE, NULL, 0, "no lock found trying to remove '%s' lock",
			       value);
	else if (strcmp(cur, value) != 0)
		r = ng_err_set(err, -ESTALE, NULL, 0, "found lock '%s' trying to remove '%s' lock",
			       cur, value);
	else if (ng_guest_conf_drop(buf, len, "lock", &text, &tlen) < 0)
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	else
		r = write_conf(path, text, tlen, err);
	free(text);
	free(buf);
	return r;
}

int ng_pve_remove_lock(const struct ng_ctx *ctx, const struct ng_guest *g, const char *value,
		       unsigned timeout_ms, bool unless_backup_alive, struct ng_err *err)
{
	char lock[PATH_MAX];
	int fd, r;

	if (ng_pve_lock_path(ctx, g, lock, sizeof(lock)) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	fd = take_flock(lock, timeout_ms, err);
	if (fd < 0)
		return fd;
	r = remove_held(ctx, g, value, unless_backup_alive, err);
	close(fd);		/* releases the flock */
	return r;
}

/* ------------------------------------------------------------ the stale-lock sweep */

static int result_add(struct ng_unlock_report *rep, const struct ng_guest *g,
		      enum ng_unlock_outcome o, const char *detail)
{
	struct ng_unlock_result *nv = realloc(rep->v, (rep->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	rep->v = nv;
	memset(&nv[rep->n], 0, sizeof(nv[0]));
	nv[rep->n].vmid = g->vmid;
	nv[rep->n].type = g->type;
	nv[rep->n].outcome = o;
	snprintf(nv[rep->n].detail, sizeof(nv[0].detail), "%s", detail);
	rep->n++;
	return 0;
}

static enum ng_unlock_outcome outcome_of(int r)
{
	switch (r) {
	case 0:
		return NG_UNLOCK_REMOVED;
	case -EBUSY:
		return NG_UNLOCK_BUSY;
	case -ESTALE:
		return NG_UNLOCK_CHANGED;
	case -EAGAIN:
		return NG_UNLOCK_ALIVE;
	default:
		return NG_UNLOCK_FAILED;
	}
}

static bool wanted(const struct ng_unlock_opts *o, unsigned vmid)
{
	if (!o->nvmids)
		return true;
	for (size_t i = 0; i < o->nvmids; i++)
		if (o->vmids[i] == vmid)
			return true;
	return false;
}

/* The guests to look at: wanted ones with `lock: backup` at first sight, or unreadable. */
static size_t pick(const struct ng_unlock_opts *o, struct ng_guest *g, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (wanted(o, g[i].vmid) && (g[i].error || strcmp(g[i].lock, "backup") == 0))
			g[k++] = g[i];
	return k;
}

int ng_pve_unlock_stale(const struct ng_ctx *ctx, const struct ng_unlock_opts *o,
			struct ng_unlock_report *rep, struct ng_err *err)
{
	struct ng_guest *g;
	size_t n;
	int r;

	memset(rep, 0, sizeof(*rep));
	r = ng_pve_guests(ctx, &g, &n, err);
	if (r < 0)
		return r;
	n = pick(o, g, n);
	if (n > 0 && o->unless_backup_alive) {
		char why[512];

		r = ng_pve_backup_alive(ctx, why, sizeof(why), err);
		if (r > 0)
			r = ng_err_set(err, -EAGAIN, NULL, 0, "a backup is running: %s", why);
		if (r < 0) {
			free(g);
			return r;
		}
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct ng_err e = { 0 };
		int rr;

		if (g[i].error) {
			r = result_add(rep, &g[i], NG_UNLOCK_UNREADABLE, strerror(-g[i].error));
			continue;
		}
		if (o->dry_run) {
			r = result_add(rep, &g[i], NG_UNLOCK_WOULD, "");
			continue;
		}
		/* That was the first look, without the flock; this one looks again under it. */
		rr = ng_pve_remove_lock(ctx, &g[i], "backup", o->timeout_ms, o->unless_backup_alive,
					&e);
		r = result_add(rep, &g[i], outcome_of(rr), rr < 0 ? e.msg : "");
	}
	free(g);
	if (r < 0) {
		ng_unlock_report_free(rep);
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}

int ng_pve_start_unit(const struct ng_ctx *ctx, const char *unit, struct ng_err *err)
{
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
					    NULL };
	const char *argv[] = { "systemctl", "--no-block", "start", unit, NULL };
	char path[PATH_MAX], out[512];
	struct stat st;
	int status, r;

	/* sd_booted(): systemd is PID 1 when /run/systemd/system is a directory. */
	if (ng_path(ctx, path, sizeof(path), "/run/systemd/system") < 0 || stat(path, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return ng_err_set(err, -ENOSYS, NULL, 0, "systemd is not running");
	r = ng_exec(NG_SYSTEMCTL_PATH, argv, envp, 10000, out, sizeof(out), &status, err);
	if (r < 0)
		return r;
	if (status != 0) {
		out[strcspn(out, "\n")] = '\0';
		return ng_err_set(err, -EIO, NULL, 0, "systemctl start %s exited with %d%s%s", unit,
				  status, out[0] ? ": " : "", out);
	}
	return 0;
}

int ng_pve_unlock_later(const struct ng_ctx *ctx, unsigned vmid, struct ng_err *err)
{
	char unit[64];

	snprintf(unit, sizeof(unit), "nicguard-unlock@%u.service", vmid);
	return ng_pve_start_unit(ctx, unit, err);
}

void ng_unlock_report_free(struct ng_unlock_report *rep)
{
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}

const char *ng_unlock_outcome_text(enum ng_unlock_outcome o)
{
	switch (o) {
	case NG_UNLOCK_REMOVED:
		return "removed a stale lock: backup";
	case NG_UNLOCK_WOULD:
		return "lock: backup is stale: would remove it";
	case NG_UNLOCK_CHANGED:
		return "lock: backup is gone by now: left alone";
	case NG_UNLOCK_BUSY:
		return "stale lock: backup not removed yet: its config is locked";
	case NG_UNLOCK_ALIVE:
		return "lock: backup kept";
	case NG_UNLOCK_UNREADABLE:
		return "cannot read its config";
	case NG_UNLOCK_FAILED:
		break;
	}
	return "stale lock: backup not removed";
}
