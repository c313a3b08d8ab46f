/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvetask.c: is a vzdump backup alive? Proxmox UPIDs, the flock on vzdump.lock in
 * /proc/locks, vzdump.pid and the active task list; never by taking vzdump's lock. */
#include <ctype.h>
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

/* Exactly n hex digits (n_max when more are allowed) followed by ':'. */
static const char *hex_field(const char *p, size_t n_min, size_t n_max, unsigned long long *v)
{
	size_t i = 0;

	*v = 0;
	for (; i < n_max && isxdigit((unsigned char)p[i]); i++) {
		int c = tolower((unsigned char)p[i]);

		*v = *v * 16 + (unsigned long long)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	if (i < n_min || p[i] != ':')
		return NULL;
	return p + i + 1;
}

/* A field up to the next ':' copied into buf; NULL when too long or no ':' follows. */
static const char *str_field(const char *p, char *buf, size_t len, bool may_be_empty)
{
	const char *c = strchr(p, ':');
	size_t n;

	if (!c)
		return NULL;
	n = (size_t)(c - p);
	if (n >= len || (n == 0 && !may_be_empty))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)p[i]) || !isprint((unsigned char)p[i]))
			return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return c + 1;
}

int ng_upid_parse(const char *text, struct ng_upid *out)
{
	unsigned long long pid, start;
	const char *p = text;

	memset(out, 0, sizeof(*out));
	if (strncmp(p, "UPID:", 5) != 0)
		return -EINVAL;
	p = str_field(p + 5, out->node, sizeof(out->node), false);
	/* Node names: [a-zA-Z0-9] with inner '-', as PVE's UPID regex says. */
	for (const char *c = out->node; p && *c; c++)
		if (!isalnum((unsigned char)*c) && (*c != '-' || c == out->node || !c[1]))
			return -EINVAL;
	if (p)
		p = hex_field(p, 8, 8, &pid);
	if (p)
		p = hex_field(p, 8, 9, &out->pstart);
	if (p)
		p = hex_field(p, 8, 8, &start);
	if (p)
		p = str_field(p, out->type, sizeof(out->type), false);
	if (p)
		p = str_field(p, out->id, sizeof(out->id), true);
	if (p)
		p = str_field(p, out->user, sizeof(out->user), false);
	if (!p || pid == 0 || pid > 0x7fffffff)
		return -EINVAL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p)
		return -EINVAL;
	out->pid = (int)pid;
	out->starttime = (unsigned long)start;
	return 0;
}

int ng_upid_alive(const struct ng_ctx *ctx, const struct ng_upid *u)
{
	char path[PATH_MAX], *buf, *p, *tok, *save = NULL;
	unsigned long long starttime = 0;
	char state = 0;
	int r, field = 2;

	if (ng_path(ctx, path, sizeof(path), "/proc/%d/stat", u->pid) < 0)
		return -ENAMETOOLONG;
	r = ng_read_file(path, false, 65536, &buf, NULL);
	if (r == -ENOENT || r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	/* The command name may hold spaces and parentheses: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	for (tok = p ? strtok_r(p + 1, " \n", &save) : NULL; tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (++field == 3)
			state = tok[0];
		if (field == 22) {
			starttime = strtoull(tok, NULL, 10);
			break;
		}
	}
	free(buf);
	if (field != 22)
		return -EINVAL;
	return starttime == u->pstart && state != 'Z' && state != 'X';
}

/* Does some process hold an flock on the file at path? Read from /proc/locks, so the lock
 * is never taken. Matched on the inode number: a clash with another file system's inode
 * can only make us say "alive", the safe answer. */
static int flock_held(const struct ng_ctx *ctx, const char *path, struct ng_err *err)
{
	char locks[PATH_MAX], *buf, *line, *save = NULL;
	struct stat st;
	int r, held = 0;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : ng_err_set(err, -errno, path, 0, "cannot stat: %s",
							  strerror(errno));
	if (ng_path(ctx, locks, sizeof(locks), "/proc/locks") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = ng_read_file(locks, false, 16u << 20, &buf, NULL);
	if (r < 0)
		return ng_err_set(err, r, locks, 0, "cannot read: %s", strerror(-r));
	for (line = strtok_r(buf, "\n", &save); line && !held;
	     line = strtok_r(NULL, "\n", &save)) {
		char type[16], dev[64], *end;
		unsigned long long ino;
		const char *c;

		/* "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"; waiters carry "->". */
		if (strstr(line, "->"))
			continue;
		c = strchr(line, ':');
		if (!c || sscanf(c + 1, "%15s %*s %*s %*d %63s", type, dev) != 2 ||
		    strcmp(type, "FLOCK") != 0)
			continue;
		c = strrchr(dev, ':');
		if (!c)
			continue;
		errno = 0;
		ino = strtoull(c + 1, &end, 10);
		if (!errno && end != c + 1 && !*end && ino == (unsigned long long)st.st_ino)
			held = 1;
	}
	free(buf);
	return held;
}

static int upid_file_alive(const struct ng_ctx *ctx, const char *path, bool vzdump_only,
			   char *why, size_t whylen)
{
	char *buf, *line, *save = NULL;
	int r, alive = 0;

	r = ng_read_file(path, false, 16u << 20, &buf, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	for (line = strtok_r(buf, "\n", &save); line && !alive;
	     line = strtok_r(NULL, "\n", &save)) {
		struct ng_upid u;
		char *sp = strchr(line, ' ');

		/* tasks/active lines are "UPID saved[ ENDTIME STATUS]". */
		if (sp)
			*sp = '\0';
		if (ng_upid_parse(line, &u) < 0 || (vzdump_only && strcmp(u.type, "vzdump") != 0))
			continue;
		if (ng_upid_alive(ctx, &u) == 1) {
			snprintf(why, whylen, "task %s is alive (pid %d)", line, u.pid);
			alive = 1;
		}
	}
	free(buf);
	return alive;
}

int ng_pve_backup_alive(const struct ng_ctx *ctx, char *why, size_t whylen, struct ng_err *err)
{
	char path[PATH_MAX];
	int r;

	why[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/var/run/vzdump.lock") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = flock_held(ctx, path, err);
	if (r != 0) {
		if (r > 0)
			snprintf(why, whylen, "%s is locked by a running vzdump", path);
		return r;
	}
	ng_path(ctx, path, sizeof(path), "/var/run/vzdump.pid");
	r = upid_file_alive(ctx, path, false, why, whylen);
	if (r == 0) {
		ng_path(ctx, path, sizeof(path), "/var/log/pve/tasks/active");
		r = upid_file_alive(ctx, path, true, why, whylen);
	}
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	return r;
}
