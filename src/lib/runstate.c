/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runstate.c: every file under /run/nicguard, read and written here only: the backup window's
 * saved settings, the interfaces nicguard-watch escalated, its recent events, and the place
 * and lock of a port it is bouncing or rebinding. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define RUN_DIR "/run/nicguard"
/* The backup window: NG_MARKER, comments, then one line per interface and key, in the
 * policy's own words without the '=' (ng_items_print), so value.c parses it back:
 *	eno1 offload tx-tcp-segmentation on tx-tcp6-segmentation on
 *	eno1 coalesce rx-usecs 3
 * Items carry this name as their origin file. */
#define WINDOW_PATH RUN_DIR "/backup-state"
/* NG_MARKER, a comment, one interface name per line. */
#define ESCALATED_PATH RUN_DIR "/watch-escalated"
/* NG_MARKER, a comment, one tab-separated event per line. */
#define EVENTS_PATH RUN_DIR "/watch-events"
/* A port under a bounce or a rebind, by key (bus device, or name): its recorded place
 * (ng_portstate_format's text) and the lock nicguard-watch holds until it is back. */
#define PORT_PREFIX "port-"
#define LOCK_SUFFIX ".lock"
#define SMALL_MAX (256 * 1024)

/* Read root + rel (no symlink): 0 with *buf NULL when it does not exist. */
static int read_small(const struct ng_ctx *ctx, const char *rel, size_t max, char *path,
		      size_t plen, char **buf, size_t *len)
{
	int r;

	*buf = NULL;
	if (ng_path(ctx, path, plen, "%s", rel) < 0)
		return -ENAMETOOLONG;
	r = ng_read_file(path, true, max, buf, len);
	return r == -ENOENT ? 0 : r;
}

static bool ours(const char *buf)
{
	return buf && strncmp(buf, NG_MARKER, strlen(NG_MARKER)) == 0;
}

static int make_dir(const struct ng_ctx *ctx, struct ng_err *err)
{
	char dir[PATH_MAX];

	if (ng_path(ctx, dir, sizeof(dir), RUN_DIR) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ng_err_set(err, -errno, NULL, 0, "cannot create %s: %s", dir,
				  strerror(errno));
	return 0;
}

/* Write text to root + rel atomically, never over a file nicguard did not write. */
static int write_small(const struct ng_ctx *ctx, const char *rel, const char *text, size_t len,
		       unsigned mode, struct ng_err *err)
{
	char path[PATH_MAX];
	struct ng_err e;
	int r;

	if (ng_path(ctx, path, sizeof(path), "%s", rel) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = make_dir(ctx, err);
	if (r < 0)
		return r;
	r = ng_atomic_write_owned(path, text, len, mode, &e);
	return r < 0 ? ng_err_set(err, r, NULL, 0, "%s: %s", path, e.msg) : 0;
}

/* --------------------------------------------------------- the backup window */

void ng_runstate_window_free(struct ng_window *w)
{
	for (size_t i = 0; i < w->n; i++)
		ng_items_free(w->v[i].items, w->v[i].n);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

struct ng_saved *ng_runstate_window_find(const struct ng_window *w, const char *ifname)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].ifname, ifname) == 0)
			return &w->v[i];
	return NULL;
}

struct ng_saved *ng_runstate_window_add(struct ng_window *w, const char *ifname)
{
	struct ng_saved *nv = realloc(w->v, (w->n + 1) * sizeof(*nv));

	if (!nv)
		return NULL;
	w->v = nv;
	memset(&nv[w->n], 0, sizeof(nv[0]));
	snprintf(nv[w->n].ifname, sizeof(nv[0].ifname), "%s", ifname);
	return &nv[w->n++];
}

static int window_line(struct ng_window *w, const char *line, unsigned lineno,
		       struct ng_diags *d, int *first)
{
	struct ng_origin origin = { .file = WINDOW_PATH, .line = lineno };
	char ifname[NG_IFNAMSIZ + 1], key[NG_NAME_MAX];
	enum ng_group group;
	enum ng_set set;
	struct ng_saved *sv;
	struct ng_err e;
	int off = 0;

	if (sscanf(line, "%16s %47s %n", ifname, key, &off) != 2 || !off ||
	    !ng_ifname_valid(ifname) || ng_key_lookup(key, &group, &set) < 0 ||
	    set != NG_SET_NORMAL)
		return ng_diags_problem(d, -EINVAL, first, "%s:%u: bad line ignored: \"%.80s\"",
					WINDOW_PATH, lineno, line);
	sv = ng_runstate_window_find(w, ifname);
	if (!sv && !(sv = ng_runstate_window_add(w, ifname)))
		return -ENOMEM;
	if (ng_value_parse(group, NG_SET_NORMAL, line + off, origin, &sv->items, &sv->n, &e) < 0)
		return ng_diags_problem(d, -EINVAL, first, "%s:%u: %s", WINDOW_PATH, lineno,
					e.msg);
	return 0;
}

int ng_runstate_window_read(const struct ng_ctx *ctx, struct ng_window *w,
			    struct ng_diags *problems, int *first)
{
	char path[PATH_MAX];
	const char *line;
	unsigned lineno;
	struct ng_lex lx;
	size_t len = 0;
	char *buf;
	int r;

	memset(w, 0, sizeof(*w));
	r = read_small(ctx, WINDOW_PATH, 1u << 20, path, sizeof(path), &buf, &len);
	if (r == -ENAMETOOLONG)
		return ng_diags_problem(problems, r, first, "root path too long");
	if (r < 0)
		return ng_diags_problem(problems, r, first, "cannot read %s: %s", path,
					strerror(-r));
	if (!buf)
		return 0;
	ng_lex_init(&lx, buf, len);
	while ((r = ng_lex_next(&lx, &line, &lineno)) > 0)
		if (window_line(w, line, lineno, problems, first) == -ENOMEM) {
			r = -ENOMEM;
			break;
		}
	ng_lex_free(&lx);
	free(buf);
	if (r < 0)
		ng_runstate_window_free(w);
	return r < 0 ? r : 1;
}

int ng_runstate_window_write(const struct ng_ctx *ctx, const struct ng_window *w,
			     struct ng_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	fprintf(f, "%s\n# The settings of the backup uplinks before the vzdump job; "
		"`nicguard restore` puts them back.\n", NG_MARKER);
	for (size_t i = 0; i < w->n; i++) {
		char prefix[NG_IFNAMSIZ + 1];

		snprintf(prefix, sizeof(prefix), "%s ", w->v[i].ifname);
		ng_items_print(f, prefix, "", w->v[i].items, w->v[i].n);
	}
	r = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) != 0 || r < 0) {
		free(text);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	r = write_small(ctx, WINDOW_PATH, text, len, 0600, err);
	free(text);
	return r;
}

int ng_runstate_window_remove(const struct ng_ctx *ctx, struct ng_err *err)
{
	char path[PATH_MAX];

	if (ng_path(ctx, path, sizeof(path), WINDOW_PATH) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		return ng_err_set(err, -errno, NULL, 0, "cannot remove %s: %s", path,
				  strerror(errno));
	return 0;
}

bool ng_runstate_window_open(const struct ng_ctx *ctx)
{
	char path[PATH_MAX];

	return ng_path(ctx, path, sizeof(path), WINDOW_PATH) == 0 && access(path, F_OK) == 0;
}

/* ------------------------------------------------------ watch escalation marks */

static bool has_line(const char *buf, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* The names in a marks file's text (comment and marker lines are no names). */
static int marks_parse(char *buf, char ***names, size_t *n)
{
	char *save = NULL;

	for (char *s = strtok_r(buf, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
		if (ng_ifname_valid(s) && ng_strv_push(names, n, s) < 0)
			return -ENOMEM;
	return 0;
}

int ng_runstate_escalate(const struct ng_ctx *ctx, const char *ifname, struct ng_err *err)
{
	char path[PATH_MAX], *old = NULL, *text = NULL, **names = NULL;
	size_t len = 0, n = 0;
	FILE *f;
	int r;

	if (!ng_ifname_valid(ifname))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	r = read_small(ctx, ESCALATED_PATH, SMALL_MAX, path, sizeof(path), &old, NULL);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	if (old && !ours(old)) {
		free(old);
		return ng_err_set(err, -EEXIST, path, 0, "exists and was not written by "
				  "nicguard (no marker line); left alone");
	}
	if (old && has_line(old, ifname)) {
		free(old);
		return 0;
	}
	/* Keep the names already there; the marker and comment are written anew. */
	r = old ? marks_parse(old, &names, &n) : 0;
	free(old);
	f = r == 0 ? open_memstream(&text, &len) : NULL;
	if (f) {
		fprintf(f, "%s\n# Interfaces nicguard-watch moved to their watch-* settings.\n",
			NG_MARKER);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s\n", names[i]);
		fprintf(f, "%s\n", ifname);
		r = fclose(f) == 0 ? 0 : -ENOMEM;
	}
	ng_strv_free(names, n);
	if (!f || r < 0) {
		free(text);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	r = write_small(ctx, ESCALATED_PATH, text, len, 0644, err);
	free(text);
	return r;
}

int ng_runstate_escalated(const struct ng_ctx *ctx, char ***names, size_t *n,
			  struct ng_err *err)
{
	char path[PATH_MAX], *buf;
	int r;

	*names = NULL;
	*n = 0;
	r = read_small(ctx, ESCALATED_PATH, SMALL_MAX, path, sizeof(path), &buf, NULL);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	/* A file without the marker is not ours: it names nothing. */
	r = ours(buf) ? marks_parse(buf, names, n) : 0;
	free(buf);
	if (r < 0) {
		ng_strv_free(*names, *n);
		*names = NULL;
		*n = 0;
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}

/* ---------------------------------------------------------- the watch events */

/* Event fields go into a tab-separated line: no tabs, newlines or control bytes. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

int ng_runstate_events_write(const struct ng_ctx *ctx, const struct ng_watch_event *v, size_t n,
			     struct ng_err *err)
{
	char *text = NULL;
	size_t len;
	FILE *f;
	int r;

	f = open_memstream(&text, &len);
	if (!f)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	fprintf(f, "%s\n# time\tsignature\tinterface\taction\tdetail\n", NG_MARKER);
	for (size_t i = 0; i < n; i++) {
		struct ng_watch_event e = v[i];

		clean(e.sig);
		clean(e.ifname);
		clean(e.action);
		clean(e.detail);
		fprintf(f, "%" PRId64 "\t%s\t%s\t%s\t%s\n", e.time, e.sig[0] ? e.sig : "-",
			e.ifname[0] ? e.ifname : "-", e.action[0] ? e.action : "-", e.detail);
	}
	if (fclose(f) != 0) {
		free(text);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	r = write_small(ctx, EVENTS_PATH, text, len, 0644, err);
	free(text);
	return r;
}

static void field(char **p, char *out, size_t len)
{
	char *tab = strchr(*p, '\t');

	if (tab)
		*tab = '\0';
	snprintf(out, len, "%s", strcmp(*p, "-") == 0 ? "" : *p);
	*p = tab ? tab + 1 : *p + strlen(*p);
}

int ng_runstate_events_read(const struct ng_ctx *ctx, struct ng_watch_event **out, size_t *n,
			    struct ng_err *err)
{
	char path[PATH_MAX], *buf, *line, *save = NULL;
	struct ng_watch_event *v = NULL;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = read_small(ctx, EVENTS_PATH, SMALL_MAX, path, sizeof(path), &buf, NULL);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	if (!buf)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ng_watch_event *nv;
		char *p = line, *end;
		long long t;

		if (line[0] == '#')
			continue;
		t = strtoll(p, &end, 10);
		if (end == p || *end != '\t')
			continue;	/* not a line this file's writer makes */
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			free(buf);
			return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].time = t;
		p = end + 1;
		field(&p, v[cnt].sig, sizeof(v[cnt].sig));
		field(&p, v[cnt].ifname, sizeof(v[cnt].ifname));
		field(&p, v[cnt].action, sizeof(v[cnt].action));
		field(&p, v[cnt].detail, sizeof(v[cnt].detail));
		cnt++;
	}
	free(buf);
	*out = v;
	*n = cnt;
	return 0;
}

/* ------------------------------------------------- a port under a bounce or rebind */

/* A key becomes a file name: a bus device (0000:00:04.0, virtio3) or an interface name. */
static bool key_valid(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n < 32 && key[0] != '.' &&
	       strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@+")
	       == n;
}

static int port_rel(const char *key, const char *suffix, char *rel, size_t len,
		    struct ng_err *err)
{
	if (!key_valid(key))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid port key \"%.40s\"", key);
	snprintf(rel, len, RUN_DIR "/" PORT_PREFIX "%s%s", key, suffix);
	return 0;
}

int ng_runstate_port_lock(const struct ng_ctx *ctx, const char *key, struct ng_err *err)
{
	char rel[64], path[PATH_MAX];
	int fd, r = port_rel(key, LOCK_SUFFIX, rel, sizeof(rel), err);

	if (r == 0 && ng_path(ctx, path, sizeof(path), "%s", rel) < 0)
		r = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (r == 0)
		r = make_dir(ctx, err);
	if (r < 0)
		return r;
	/* The lock file stays: removing it would race with a waiter holding it open. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return ng_err_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return ng_err_set(err, r, path, 0, "%s", r == -EBUSY ?
				  "another nicguard-watch is restoring this port" : strerror(-r));
	}
	return fd;
}

void ng_runstate_port_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

bool ng_runstate_port_busy(const struct ng_ctx *ctx, const struct ng_iface *ifc)
{
	char rel[64], path[PATH_MAX];
	bool busy;
	int fd;

	if (port_rel(ng_port_key(ifc->bus_addr, ifc->name), LOCK_SUFFIX, rel, sizeof(rel),
		     NULL) < 0 || ng_path(ctx, path, sizeof(path), "%s", rel) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

int ng_runstate_port_save(const struct ng_ctx *ctx, const struct ng_portstate *ps,
			  struct ng_err *err)
{
	char rel[64], *text = NULL;
	size_t len;
	int r = port_rel(ng_portstate_key(ps), "", rel, sizeof(rel), err);

	if (r < 0)
		return r;
	if (ng_portstate_format(ps, &text, &len) < 0)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	r = write_small(ctx, rel, text, len, 0644, err);
	free(text);
	return r;
}

int ng_runstate_port_load(const struct ng_ctx *ctx, const char *key, struct ng_portstate **ps,
			  struct ng_err *err)
{
	char rel[64], path[PATH_MAX], *buf;
	size_t len = 0;
	int r = port_rel(key, "", rel, sizeof(rel), err);

	*ps = NULL;
	if (r < 0)
		return r;
	r = read_small(ctx, rel, 64 * 1024, path, sizeof(path), &buf, &len);
	if (r == 0 && !buf)
		r = -ENOENT;
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	r = ng_portstate_parse(buf, len, path, ps, err);
	free(buf);
	return r;
}

int ng_runstate_port_drop(const struct ng_ctx *ctx, const char *key, struct ng_err *err)
{
	char rel[64], path[PATH_MAX];
	int r = port_rel(key, "", rel, sizeof(rel), err);

	if (r == 0 && ng_path(ctx, path, sizeof(path), "%s", rel) < 0)
		r = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		r = ng_err_set(err, -errno, path, 0, "cannot remove: %s", strerror(errno));
	return r;
}

static bool is_place(const char *name)
{
	size_t len = strlen(name), sl = strlen(LOCK_SUFFIX);

	return strncmp(name, PORT_PREFIX, strlen(PORT_PREFIX)) == 0 &&
	       key_valid(name + strlen(PORT_PREFIX)) &&
	       !(len > sl && strcmp(name + len - sl, LOCK_SUFFIX) == 0);
}

int ng_runstate_port_pending(const struct ng_ctx *ctx, char ***keys, size_t *n,
			     struct ng_err *err)
{
	char dir[PATH_MAX];
	struct dirent **names;
	int cnt, r = 0;

	*keys = NULL;
	*n = 0;
	if (ng_path(ctx, dir, sizeof(dir), RUN_DIR) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	cnt = scandir(dir, &names, NULL, alphasort);
	if (cnt < 0)
		return errno == ENOENT ? 0 : ng_err_set(err, -errno, dir, 0, "cannot list: %s",
							 strerror(errno));
	for (int i = 0; i < cnt; i++) {
		if (r == 0 && is_place(names[i]->d_name) &&
		    ng_strv_push(keys, n, names[i]->d_name + strlen(PORT_PREFIX)) < 0)
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		free(names[i]);
	}
	free(names);
	return r;
}

/* ------------------------------------------- what a resolution reads, at once */

int ng_runstate_read(const struct ng_ctx *ctx, struct ng_runstate *rs)
{
	struct ng_window w;
	int first = 0, r;

	memset(rs, 0, sizeof(*rs));
	rs->window = ng_runstate_window_open(ctx);
	/* Unreadable files hold nothing: the normal settings are the safe answer. */
	r = rs->window ? ng_runstate_window_read(ctx, &w, NULL, &first) : 0;
	if (r > 0) {
		r = 0;
		for (size_t i = 0; r == 0 && i < w.n; i++)
			r = ng_strv_push(&rs->held, &rs->nheld, w.v[i].ifname);
		ng_runstate_window_free(&w);
	}
	if (r != -ENOMEM)
		r = ng_runstate_escalated(ctx, &rs->escalated, &rs->nescalated, NULL);
	if (r == -ENOMEM) {
		ng_runstate_free(rs);
		return r;
	}
	return 0;
}

static bool in(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

bool ng_runstate_holds(const struct ng_runstate *rs, const char *ifname)
{
	return in(rs->held, rs->nheld, ifname);
}

bool ng_runstate_is_escalated(const struct ng_runstate *rs, const char *ifname)
{
	return in(rs->escalated, rs->nescalated, ifname);
}

void ng_runstate_free(struct ng_runstate *rs)
{
	ng_strv_free(rs->held, rs->nheld);
	ng_strv_free(rs->escalated, rs->nescalated);
	memset(rs, 0, sizeof(*rs));
}
