/* SPDX-License-Identifier: GPL-2.0-or-later */
/* backup.c: the backup window: save the uplinks' settings, tighten them, put them back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* The state file: NG_MARKER, comments, then one line per interface and group, in the
 * policy's own words so value.c parses it back:
 *	eno1 offload tx-tcp-segmentation on tx-tcp6-segmentation on
 *	eno1 coalesce rx-usecs 3
 *	eno1 link autoneg on
 * Items carry this name as their origin file. */
#define STATE_DIR "/run/nicguard"
#define STATE_PATH STATE_DIR "/backup-state"

struct saved {
	char ifname[NG_IFNAMSIZ];
	struct ng_item *items;
	size_t n;
};

struct state {
	struct saved *v;
	size_t n;
};

static void state_free(struct state *st)
{
	for (size_t i = 0; i < st->n; i++)
		ng_items_free(st->v[i].items, st->v[i].n);
	free(st->v);
	memset(st, 0, sizeof(*st));
}

static struct saved *state_find(const struct state *st, const char *ifname)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].ifname, ifname) == 0)
			return &st->v[i];
	return NULL;
}

static struct saved *state_add(struct state *st, const char *ifname)
{
	struct saved *nv = realloc(st->v, (st->n + 1) * sizeof(*nv));

	if (!nv)
		return NULL;
	st->v = nv;
	memset(&nv[st->n], 0, sizeof(nv[0]));
	snprintf(nv[st->n].ifname, sizeof(nv[0].ifname), "%s", ifname);
	return &nv[st->n++];
}

static int problem(struct ng_diags *d, int r, int *first, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Add one problem line; remember the first errno. Returns r. */
static int problem(struct ng_diags *d, int r, int *first, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d)
		ng_diags_add(d, NULL, 0, "%s", msg);
	if (*first == 0)
		*first = r;
	return r;
}

static int state_line(struct state *st, const char *line, unsigned lineno,
		      struct ng_diags *d, int *first)
{
	struct ng_origin origin = { STATE_PATH, lineno };
	char ifname[NG_IFNAMSIZ + 1], key[NG_NAME_MAX];
	enum ng_group group;
	enum ng_set set;
	struct saved *sv;
	struct ng_err e;
	int off = 0;

	if (sscanf(line, "%16s %47s %n", ifname, key, &off) != 2 || !off ||
	    !ng_ifname_valid(ifname) || ng_key_lookup(key, &group, &set) < 0 ||
	    set != NG_SET_NORMAL)
		return problem(d, -EINVAL, first, "%s:%u: bad line ignored: \"%.80s\"",
			       STATE_PATH, lineno, line);
	sv = state_find(st, ifname);
	if (!sv && !(sv = state_add(st, ifname)))
		return -ENOMEM;
	if (ng_value_parse(group, NG_SET_NORMAL, line + off, origin, &sv->items, &sv->n, &e) < 0)
		return problem(d, -EINVAL, first, "%s:%u: %s", STATE_PATH, lineno, e.msg);
	return 0;
}

/* Read the state file. Returns 1 when there is one, 0 when not, or a negative errno when it
 * exists but cannot be read (then nobody may overwrite it). */
static int state_read(const struct ng_ctx *ctx, struct state *st, struct ng_diags *d,
		      int *first)
{
	char path[4096];
	const char *line;
	unsigned lineno;
	struct ng_lex lx;
	size_t len;
	char *buf;
	int r;

	memset(st, 0, sizeof(*st));
	if (ng_path(ctx, path, sizeof(path), STATE_PATH) < 0)
		return problem(d, -ENAMETOOLONG, first, "root path too long");
	r = ng_read_file(path, true, 1u << 20, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return problem(d, r, first, "cannot read %s: %s", path, strerror(-r));
	ng_lex_init(&lx, buf, len);
	while ((r = ng_lex_next(&lx, &line, &lineno)) > 0)
		if (state_line(st, line, lineno, d, first) == -ENOMEM)
			break;
	ng_lex_free(&lx);
	free(buf);
	return r < 0 ? r : 1;
}

/* One line per interface and group; NAME VALUE pairs, or the value alone for rps. */
static int state_render(const struct state *st, char **out, size_t *outlen)
{
	char val[NG_TEXT_MAX];
	FILE *f = open_memstream(out, outlen);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n# The settings of the backup uplinks before the vzdump job; "
		"`nicguard restore` puts them back.\n", NG_MARKER);
	for (size_t i = 0; i < st->n; i++) {
		for (int g = 0; g < NG_GROUP_MAX; g++) {
			const char *key = ng_key_name((enum ng_group)g, NG_SET_NORMAL);
			bool any = false;

			if (!key || g == NG_FLAG || g == NG_ETHTOOL)
				continue;
			for (size_t j = 0; j < st->v[i].n; j++) {
				const struct ng_item *it = &st->v[i].items[j];

				if ((int)it->group != g)
					continue;
				if (!any)
					fprintf(f, "%s %s", st->v[i].ifname, key);
				any = true;
				if (g != NG_RPS && g != NG_ITR)
					fprintf(f, " %s", it->name);
				fprintf(f, " %s", ng_item_value_str(it, val, sizeof(val)));
			}
			if (any)
				fputc('\n', f);
		}
	}
	if (ferror(f)) {
		fclose(f);
		free(*out);
		return -ENOMEM;
	}
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

/* Write the state; on failure err says why (the caller words the consequence). */
static int state_write(const struct ng_ctx *ctx, const struct state *st, struct ng_err *err)
{
	char path[4096], dir[4096];
	struct ng_err e;
	size_t len;
	char *text;
	int r;

	if (ng_path(ctx, dir, sizeof(dir), STATE_DIR) < 0 ||
	    ng_path(ctx, path, sizeof(path), STATE_PATH) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ng_err_set(err, -errno, NULL, 0, "cannot create %s: %s", dir,
				  strerror(errno));
	r = state_render(st, &text, &len);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	r = ng_atomic_write_owned(path, text, len, 0600, &e);
	free(text);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, e.msg);
	return 0;
}

static int state_remove(const struct ng_ctx *ctx, struct ng_diags *d, int *first)
{
	char path[4096];

	if (ng_path(ctx, path, sizeof(path), STATE_PATH) < 0)
		return problem(d, -ENAMETOOLONG, first, "root path too long");
	if (unlink(path) < 0 && errno != ENOENT)
		return problem(d, -errno, first, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

bool ng_backup_active(const struct ng_ctx *ctx)
{
	char path[4096];

	return ng_path(ctx, path, sizeof(path), STATE_PATH) == 0 && access(path, F_OK) == 0;
}

bool ng_backup_holds(const struct ng_ctx *ctx, const char *ifname)
{
	struct state st;
	int first = 0;
	bool held;

	if (state_read(ctx, &st, NULL, &first) <= 0)
		return false;
	held = state_find(&st, ifname) != NULL;
	state_free(&st);
	return held;
}

/* ---------------------------------------------------------------- uplinks */

static const struct ng_iface *find_iface(const struct ng_iface *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* A physical port under a bridge, directly or through a bond. */
static bool bridge_port(const struct ng_iface *v, size_t n, const struct ng_iface *ifc)
{
	const struct ng_iface *m = ifc->master[0] ? find_iface(v, n, ifc->master) : NULL;

	if (ifc->kind != NG_KIND_PHYSICAL || !m)
		return false;
	if (m->kind == NG_KIND_BOND && m->master[0])
		m = find_iface(v, n, m->master);
	return m && m->kind == NG_KIND_BRIDGE;
}

/* How long the storage's host names may take to resolve: job-start waits for it. */
#define EGRESS_TIMEOUT_MS 2000

/* The ports the backup storage's traffic leaves by (egress.c), as flags in port[]. */
static void storage_ports(const struct ng_ctx *ctx, const char *storeid,
			  const struct ng_iface *all, size_t nall, bool *port, char *why,
			  size_t whylen, bool *any)
{
	struct ng_egress e;
	struct ng_err err;

	*any = false;
	if (ng_egress_storage(ctx, storeid, EGRESS_TIMEOUT_MS, &e, &err) < 0) {
		snprintf(why, whylen, "storage %.60s: %.400s", storeid, err.msg);
		return;
	}
	snprintf(why, whylen, "%s", e.why);
	for (size_t i = 0; i < nall; i++)
		for (size_t j = 0; j < e.nports; j++)
			if (strcmp(all[i].name, e.ports[j]) == 0)
				*any = port[i] = true;
	ng_egress_free(&e);
}

int ng_backup_uplinks(const struct ng_ctx *ctx, const struct ng_policy *p, const char *storeid,
		      struct ng_iface **out, size_t *n, char *why, size_t whylen,
		      struct ng_err *err)
{
	char swhy[512] = "", dummy[1];
	struct ng_iface *all;
	size_t nall, nflag = 0;
	bool *flag, *skip, *port, stor = false;
	int r;

	*out = NULL;
	*n = 0;
	if (!why) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	r = ng_iface_list(ctx, &all, &nall, err);
	if (r < 0)
		return r;
	flag = calloc(nall + 1, sizeof(bool));
	skip = calloc(nall + 1, sizeof(bool));
	port = calloc(nall + 1, sizeof(bool));
	if (!flag || !skip || !port) {
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nall; i++) {
		const struct ng_item *it;
		struct ng_wanted w;

		r = ng_resolve(p, &all[i], NG_SET_BACKUP, &w, err);
		if (r < 0)
			goto out;
		it = ng_wanted_find(&w, NG_FLAG, "backup-uplink");
		skip[i] = ng_wanted_skip(&w) || (it && !it->num);
		flag[i] = !ng_wanted_skip(&w) && it && it->num;
		ng_wanted_free(&w);
		nflag += flag[i];
	}
	/* Named uplinks win: the admin knows which port carries backups. Else the ports the
	 * backup storage's traffic leaves by; else, the physical ports under the bridges. */
	if (!nflag && storeid && storeid[0])
		storage_ports(ctx, storeid, all, nall, port, swhy, sizeof(swhy), &stor);
	for (size_t i = 0; !nflag && i < nall; i++) {
		if (stor)
			port[i] = port[i] && !skip[i];
		else
			port[i] = !skip[i] && bridge_port(all, nall, &all[i]);
	}
	if (nflag)
		snprintf(why, whylen, "named by the policy (backup-uplink = yes)");
	else if (stor)
		snprintf(why, whylen, "%s", swhy);
	else if (swhy[0])
		snprintf(why, whylen, "%.400s: no port of this host found for it, so the physical "
			 "ports under bridges", swhy);
	else
		snprintf(why, whylen, "no backup storage given, so the physical ports under "
			 "bridges");
	for (size_t i = 0; i < nall; i++)
		if (nflag ? flag[i] : port[i])
			all[(*n)++] = all[i];
	*out = all;
	all = NULL;
out:
	free(flag);
	free(skip);
	free(port);
	free(all);
	return r;
}

/* ------------------------------------------------------------------ window */

static void report_failures(const struct ng_report *rep, size_t from, struct ng_diags *d,
			    int *first, bool *failed)
{
	for (size_t i = from; i < rep->n; i++) {
		const struct ng_result *res = &rep->v[i];

		if (res->outcome != NG_FAILED)
			continue;
		*failed = true;
		problem(d, res->error ? res->error : -EIO, first, "%s: %s %s: failed: %s",
			res->ifname, res->name, res->want,
			res->detail[0] ? res->detail : strerror(-(res->error ? res->error : -EIO)));
	}
}

/* The backup-* settings for ifc, without flags: the policy's, with the interface's
 * nicguard-backup-* stanza keys over them (the same layers ng_target_resolve gives while the
 * window is open, so whatever re-applies during the job matches what was saved). t->w.n is 0
 * when there is nothing to tighten; t keeps the stanza the origins point into. */
static int backup_wanted(const struct ng_ctx *ctx, const struct ng_policy *p,
			 const struct ng_iface *ifc, struct ng_target *t, struct ng_err *err)
{
	size_t keep = 0;
	int r;

	r = ng_target_resolve(ctx, p, ifc, NG_TARGET_STANZA | NG_TARGET_FORCE_BACKUP, NULL, 0,
			      t, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->w.n; i++) {
		struct ng_item *it = &t->w.items[i];

		if (it->set == NG_SET_BACKUP && it->group != NG_FLAG)
			t->w.items[keep++] = *it;
		else
			free(it->text);
	}
	t->w.n = keep;
	return 0;
}

int ng_backup_tighten(const struct ng_ctx *ctx, const struct ng_policy *p, const char *storeid,
		      struct ng_report *rep, struct ng_diags *problems, bool *kept,
		      struct ng_uplinks *ups)
{
	struct ng_target *want = NULL;
	struct ng_iface *up = NULL;
	struct state st = { 0 };
	bool dirty = false;
	int first = 0, r;
	size_t n = 0;
	struct ng_err e;

	*kept = false;
	r = state_read(ctx, &st, problems, &first);
	if (r < 0)
		goto out;	/* unreadable: the true originals may be in it, leave all alone */
	*kept = r == 1;
	r = ng_backup_uplinks(ctx, p, storeid, &up, &n, ups ? ups->why : NULL,
			      ups ? sizeof(ups->why) : 0, &e);
	if (r < 0) {
		problem(problems, r, &first, "cannot find the backup uplinks: %s", e.msg);
		goto out;
	}
	for (size_t i = 0; ups && i < n; i++)
		snprintf(ups->names + strlen(ups->names), sizeof(ups->names) - strlen(ups->names),
			 "%s%s", i ? " " : "", up[i].name);
	want = calloc(n + 1, sizeof(*want));
	if (!want) {
		problem(problems, -ENOMEM, &first, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct ng_wanted snap;
		struct saved *sv;

		if (backup_wanted(ctx, p, &up[i], &want[i], &e) < 0) {
			problem(problems, -ENOMEM, &first, "%s: %s", up[i].name, e.msg);
			continue;
		}
		/* A kept state holds the originals from before the crashed job: never replace
		 * them with what is there now, which may be the tightened values. */
		if (want[i].w.n == 0 || state_find(&st, up[i].name))
			continue;
		r = ng_snapshot(ctx, &up[i], &want[i].w, &snap, &e);
		if (r < 0) {
			problem(problems, r, &first, "%s: cannot read its current settings, so "
				"its backup settings are not applied: %s", up[i].name, e.msg);
			ng_target_free(&want[i]);
			continue;
		}
		sv = state_add(&st, up[i].name);
		if (!sv) {
			ng_wanted_free(&snap);
			problem(problems, -ENOMEM, &first, "out of memory");
			goto out;
		}
		sv->items = snap.items;
		sv->n = snap.n;
		dirty = true;
	}
	if (dirty && (r = state_write(ctx, &st, &e)) < 0) {
		problem(problems, r, &first, "backup settings not applied: the current ones could "
			"not be saved for the restore: %s", e.msg);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t from = rep->n;
		bool failed = false;

		if (want[i].w.n == 0 || !state_find(&st, up[i].name))
			continue;
		r = ng_apply(ctx, &up[i], &want[i].w, 0, rep, &e);
		if (r < 0)
			problem(problems, r, &first, "%s: cannot apply the backup settings: %s",
				up[i].name, e.msg);
		else
			report_failures(rep, from, problems, &first, &failed);
	}
out:
	for (size_t i = 0; want && i < n; i++)
		ng_target_free(&want[i]);
	free(want);
	free(up);
	state_free(&st);
	return first;
}

int ng_backup_restore(const struct ng_ctx *ctx, struct ng_report *rep,
		      struct ng_diags *problems, bool *had_state)
{
	struct state st = { 0 };
	struct ng_err e;
	size_t keep = 0;
	int first = 0, r;

	*had_state = false;
	r = state_read(ctx, &st, problems, &first);
	if (r <= 0)
		return first;
	*had_state = true;
	for (size_t i = 0; i < st.n; i++) {
		struct saved *sv = &st.v[i];
		struct ng_wanted w = { .items = sv->items, .n = sv->n };
		size_t from = rep->n;
		struct ng_iface ifc;
		bool failed = false;

		r = ng_iface_read(ctx, sv->ifname, &ifc, &e);
		if (r == -ENODEV) {
			/* A device that is gone took its settings along: nothing to put back. */
			problem(problems, r, &first, "%s: gone, its saved settings are dropped",
				sv->ifname);
		} else if (r == 0) {
			r = ng_apply(ctx, &ifc, &w, 0, rep, &e);
			if (r < 0)
				problem(problems, r, &first, "%s: cannot restore: %s", sv->ifname,
					e.msg);
			else
				report_failures(rep, from, problems, &first, &failed);
		} else {
			problem(problems, r, &first, "%s: cannot restore: %s", sv->ifname, e.msg);
		}
		if (r == -ENODEV || (r == 0 && !failed)) {
			ng_items_free(sv->items, sv->n);
			continue;
		}
		/* Keep it for the next job-end or `nicguard restore`. */
		st.v[keep++] = *sv;
	}
	st.n = keep;
	if (keep == 0)
		state_remove(ctx, problems, &first);
	else if ((r = state_write(ctx, &st, &e)) < 0)
		problem(problems, r, &first, "cannot keep what is left to restore: %s", e.msg);
	state_free(&st);
	return first;
}
