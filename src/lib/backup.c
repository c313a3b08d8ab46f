/* SPDX-License-Identifier: GPL-2.0-or-later */
/* backup.c: the backup window: save the uplinks' settings, tighten them, put them back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

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

int ng_backup_uplinks(const struct ng_resolver *rv, const char *storeid, struct ng_iface **out,
		      size_t *n, char *why, size_t whylen, struct ng_err *err)
{
	const struct ng_ctx *ctx = ng_resolver_ctx(rv);
	char swhy[512] = "", dummy[1];
	struct ng_iface *all;
	size_t nall, nflag = 0;
	bool *flag, *left, *port, stor = false, bystanza = false, bypolicy = false;
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
	left = calloc(nall + 1, sizeof(bool));
	port = calloc(nall + 1, sizeof(bool));
	if (!flag || !left || !port) {
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nall; i++) {
		const struct ng_item *it;
		struct ng_target *t;

		/* The flag and skip as the target has them: policy and stanza keys alike. */
		r = ng_target_resolve(rv, &all[i], NULL, &t, err);
		if (r < 0)
			goto out;
		it = ng_target_flag(t, "backup-uplink");
		/* skip = yes and backup-uplink = no leave a port out of every rule. */
		left[i] = ng_target_skip(t) || (it && !it->num);
		flag[i] = !ng_target_skip(t) && it && it->num;
		if (flag[i] && it->origin.layer == NG_LAYER_STANZA)
			bystanza = true;
		else if (flag[i])
			bypolicy = true;
		ng_target_free(t);
		nflag += flag[i];
	}
	/* Named uplinks win: the admin knows which port carries backups. Else the ports the
	 * backup storage's traffic leaves by; else, the physical ports under the bridges. */
	if (!nflag && storeid && storeid[0])
		storage_ports(ctx, storeid, all, nall, port, swhy, sizeof(swhy), &stor);
	for (size_t i = 0; !nflag && i < nall; i++) {
		if (stor)
			port[i] = port[i] && !left[i];
		else
			port[i] = !left[i] && bridge_port(all, nall, &all[i]);
	}
	if (nflag)
		snprintf(why, whylen, "named by %s", bystanza && bypolicy ?
			 "the policy (backup-uplink = yes) and stanzas (nicguard-backup-uplink yes)" :
			 bystanza ? "a stanza (nicguard-backup-uplink yes)" :
			 "the policy (backup-uplink = yes)");
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
	free(left);
	free(port);
	free(all);
	return r;
}

int ng_backup_is_uplink(const struct ng_resolver *rv, const char *storeid, const char *ifname,
			bool *yes, char *why, size_t whylen, struct ng_err *err)
{
	struct ng_iface *v;
	size_t n;
	int r = ng_backup_uplinks(rv, storeid, &v, &n, why, whylen, err);

	*yes = false;
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		*yes |= strcmp(v[i].name, ifname) == 0;
	free(v);
	return 0;
}

/* ------------------------------------------------------------------ window */

static void report_failures(const struct ng_report *rep, size_t from, struct ng_diags *d,
			    int *first, bool *failed)
{
	for (size_t i = from; i < rep->n; i++) {
		const struct ng_result *res = &rep->v[i];
		int e = res->error ? res->error : -EIO;

		if (res->outcome != NG_FAILED)
			continue;
		*failed = true;
		ng_diags_problem(d, e, first, "%s: %s %s: failed: %s", res->ifname, res->name,
				 res->want, res->detail[0] ? res->detail : strerror(-e));
	}
}

/* One uplink: its target, whose backup set is what the window applies (the same layers the
 * target gives while the window is open, so whatever re-applies during the job matches what
 * was saved). */
struct uplink {
	struct ng_iface ifc;
	struct ng_target *t;
};

static const struct ng_wanted *backup_set(const struct uplink *u)
{
	return ng_target_list(u->t, NG_SET_BACKUP);
}

static void uplinks_free(struct uplink *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		ng_target_free(v[i].t);
	free(v);
}

/* The uplinks for storage storeid and their targets; ups (or NULL) gets their names and
 * why; the problem of one is a line in problems. */
static int uplinks(const struct ng_resolver *rv, const char *storeid, struct uplink **out,
		   size_t *n, struct ng_uplinks *ups, struct ng_diags *problems, int *first)
{
	struct ng_iface *up = NULL;
	struct ng_err e;
	int r;

	*out = NULL;
	*n = 0;
	r = ng_backup_uplinks(rv, storeid, &up, n, ups ? ups->why : NULL,
			      ups ? sizeof(ups->why) : 0, &e);
	for (size_t i = 0; r == 0 && ups && i < *n; i++)
		snprintf(ups->names + strlen(ups->names), sizeof(ups->names) - strlen(ups->names),
			 "%s%s", i ? " " : "", up[i].name);
	if (r < 0) {
		*n = 0;
		ng_diags_problem(problems, r, first, "cannot find the backup uplinks: %s", e.msg);
		return r;
	}
	*out = calloc(*n + 1, sizeof(**out));
	if (!*out) {
		free(up);
		*n = 0;
		ng_diags_problem(problems, -ENOMEM, first, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < *n; i++) {
		(*out)[i].ifc = up[i];
		if (ng_target_resolve(rv, &up[i], NULL, &(*out)[i].t, &e) < 0)
			ng_diags_problem(problems, -ENOMEM, first, "%s: %s", up[i].name, e.msg);
	}
	free(up);
	return 0;
}

/* Save what the uplinks the window does not hold yet have now. A kept state holds the
 * originals from before a crashed job: never replace them with what is there now, which
 * may be the tightened values. Returns 1 when something was added, 0, or -ENOMEM. */
static int save(const struct ng_ctx *ctx, struct uplink *v, size_t n, struct ng_window *w,
		struct ng_diags *problems, int *first)
{
	bool dirty = false;
	struct ng_err e;

	for (size_t i = 0; i < n; i++) {
		struct ng_wanted snap;
		struct ng_saved *sv;
		int r;

		if (!v[i].t || backup_set(&v[i])->n == 0 ||
		    ng_runstate_window_find(w, v[i].ifc.name))
			continue;
		r = ng_snapshot(ctx, &v[i].ifc, backup_set(&v[i]), &snap, &e);
		if (r < 0) {
			ng_diags_problem(problems, r, first, "%s: cannot read its current settings, "
					 "so its backup settings are not applied: %s",
					 v[i].ifc.name, e.msg);
			continue;
		}
		sv = ng_runstate_window_add(w, v[i].ifc.name);
		if (!sv) {
			ng_wanted_free(&snap);
			return ng_diags_problem(problems, -ENOMEM, first, "out of memory");
		}
		sv->items = snap.items;
		sv->n = snap.n;
		dirty = true;
	}
	return dirty;
}

int ng_backup_tighten(const struct ng_ctx *ctx, const struct ng_policy *p, const char *storeid,
		      struct ng_report *rep, struct ng_diags *problems, bool *kept,
		      struct ng_uplinks *ups)
{
	struct ng_resolver *rv = NULL;
	struct uplink *up = NULL;
	struct ng_window w = { 0 };
	int first = 0, r;
	struct ng_err e;
	size_t n = 0;

	*kept = false;
	r = ng_runstate_window_read(ctx, &w, problems, &first);
	if (r < 0)
		goto out;	/* unreadable: the true originals may be in it, leave all alone */
	*kept = r == 1;
	if (ng_resolver_new(ctx, p, &rv, &e) < 0) {
		ng_diags_problem(problems, -ENOMEM, &first, "%s", e.msg);
		goto out;
	}
	if (uplinks(rv, storeid, &up, &n, ups, problems, &first) < 0)
		goto out;
	r = save(ctx, up, n, &w, problems, &first);
	if (r < 0)
		goto out;
	if (r > 0 && (r = ng_runstate_window_write(ctx, &w, &e)) < 0) {
		ng_diags_problem(problems, r, &first, "backup settings not applied: the current "
				 "ones could not be saved for the restore: %s", e.msg);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t from = rep->n;
		bool failed = false;

		if (!up[i].t || backup_set(&up[i])->n == 0 ||
		    !ng_runstate_window_find(&w, up[i].ifc.name))
			continue;
		r = ng_apply(ctx, &up[i].ifc, backup_set(&up[i]), 0, rep, &e);
		if (r < 0)
			ng_diags_problem(problems, r, &first, "%s: cannot apply the backup "
					 "settings: %s", up[i].ifc.name, e.msg);
		else
			report_failures(rep, from, problems, &first, &failed);
	}
out:
	uplinks_free(up, n);
	ng_resolver_free(rv);
	ng_runstate_window_free(&w);
	return first;
}

int ng_backup_restore(const struct ng_ctx *ctx, struct ng_report *rep,
		      struct ng_diags *problems, bool *had_state)
{
	struct ng_window w = { 0 };
	struct ng_err e;
	size_t keep = 0;
	int first = 0, r;

	*had_state = false;
	r = ng_runstate_window_read(ctx, &w, problems, &first);
	if (r <= 0)
		return first;
	*had_state = true;
	for (size_t i = 0; i < w.n; i++) {
		struct ng_saved *sv = &w.v[i];
		struct ng_wanted saved = { .items = sv->items, .n = sv->n };
		size_t from = rep->n;
		struct ng_iface ifc;
		bool failed = false;

		r = ng_iface_read(ctx, sv->ifname, &ifc, &e);
		if (r == -ENODEV) {
			/* A device that is gone took its settings along: nothing to put back. */
			ng_diags_problem(problems, r, &first, "%s: gone, its saved settings are "
					 "dropped", sv->ifname);
		} else if (r == 0) {
			r = ng_apply(ctx, &ifc, &saved, 0, rep, &e);
			if (r < 0)
				ng_diags_problem(problems, r, &first, "%s: cannot restore: %s",
						 sv->ifname, e.msg);
			else
				report_failures(rep, from, problems, &first, &failed);
		} else {
			ng_diags_problem(problems, r, &first, "%s: cannot restore: %s", sv->ifname,
					 e.msg);
		}
		if (r == -ENODEV || (r == 0 && !failed)) {
			ng_items_free(sv->items, sv->n);
			continue;
		}
		/* Keep it for the next job-end or `nicguard restore`. */
		w.v[keep++] = *sv;
	}
	w.n = keep;
	if (keep == 0 && (r = ng_runstate_window_remove(ctx, &e)) < 0)
		ng_diags_problem(problems, r, &first, "%s", e.msg);
	else if (keep > 0 && (r = ng_runstate_window_write(ctx, &w, &e)) < 0)
		ng_diags_problem(problems, r, &first, "cannot keep what is left to restore: %s",
				 e.msg);
	ng_runstate_window_free(&w);
	return first;
}
