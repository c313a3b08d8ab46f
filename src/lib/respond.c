/* SPDX-License-Identifier: GPL-2.0-or-later */
/* respond.c: what nicguard-watch does about a decision: an interface's options, rungs run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

void ng_respond_opts(const struct ng_ctx *ctx, const struct ng_policy *p,
		     const struct ng_watch_opts *dflt, const char *ifname, struct ng_watch_opts *o)
{
	struct ng_wanted w = { 0 };
	struct ng_iface ifc;

	memset(&ifc, 0, sizeof(ifc));
	if (!ifname[0] || ng_iface_read(ctx, ifname, &ifc, NULL) < 0) {
		*o = *dflt;
		return;
	}
	ng_watch_opts_resolve(p, &ifc, o);
	/* `skip = yes` in the policy means hands off: log only. */
	if (ng_resolve(p, &ifc, NG_SET_NORMAL, &w, NULL) == 0 && ng_wanted_skip(&w))
		o->act_on = 0;
	ng_wanted_free(&w);
}

bool ng_respond_backup(const struct ng_ctx *ctx, const struct ng_policy *p, const char *ifname)
{
	struct ng_iface *ups = NULL;
	size_t n = 0;
	bool yes = false;

	if (!ifname[0] || !ng_backup_active(ctx))
		return false;
	/* The window's own uplinks first: it chose them from the job's storage. */
	if (ng_backup_holds(ctx, ifname))
		return true;
	if (ng_backup_uplinks(ctx, p, NULL, &ups, &n, NULL, 0, NULL) < 0)
		return true;	/* cannot tell: treat it as an uplink, the safe side */
	for (size_t i = 0; i < n && !yes; i++)
		yes = strcmp(ups[i].name, ifname) == 0;
	free(ups);
	return yes;
}

/* The reapply rung's outcome in words: how many settings changed, how many failed. */
static int reapply_text(const struct ng_report *rep, bool dry_run, char *detail, size_t len)
{
	unsigned changed = 0, failed = 0;

	for (size_t i = 0; i < rep->n; i++) {
		changed += rep->v[i].outcome == NG_CHANGED || rep->v[i].outcome == NG_PLANNED;
		failed += rep->v[i].outcome == NG_FAILED;
	}
	snprintf(detail, len, "%s%u of %zu settings %s, %u failed%s", dry_run ? "dry run: " : "",
		 changed, rep->n, dry_run ? "would change" : "changed", failed,
		 dry_run ? "" : "; marked escalated");
	return failed ? -EIO : 0;
}

/* Run the rung: 0 or a negative errno with err filled (-ENOENT: reapply had nothing to
 * apply; -ENODEV without err: no bus device to rebind). */
static int run_step(const struct ng_ctx *ctx, const struct ng_policy *p,
		    const struct ng_watch_decision *d, bool dry_run, struct ng_report *rep,
		    struct ng_err *err)
{
	struct ng_iface ifc;
	int r = ng_iface_read(ctx, d->ifname, &ifc, err);

	if (r < 0)
		return r;
	switch (d->step) {
	case NG_STEP_BOUNCE:
		return dry_run ? 0 : ng_link_bounce(ctx, d->ifname, err);
	case NG_STEP_REBIND:
		if (!ifc.bus_addr[0] || !ifc.driver[0])
			return -ENODEV;
		return dry_run ? 0 : ng_recover_rebind(ctx, &ifc, err);
	case NG_STEP_REAPPLY:
		return ng_recover_reapply(ctx, p, &ifc, dry_run ? NG_APPLY_DRY_RUN : 0, rep, err);
	default:
		return 0;
	}
}

enum ng_watch_result ng_respond_step(const struct ng_ctx *ctx, const struct ng_policy *p,
				     const struct ng_watch_decision *d, bool dry_run,
				     char *detail, size_t len)
{
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	char msg[1024];
	int r;

	if (d->step == NG_STEP_LOG) {
		snprintf(detail, len, "logged; acting if it comes back");
		return NG_WATCH_OK;
	}
	r = run_step(ctx, p, d, dry_run, &rep, &err);
	if ((d->step == NG_STEP_REAPPLY && r == -ENOENT) ||
	    (d->step == NG_STEP_REBIND && r == -ENODEV && !err.msg[0])) {
		snprintf(detail, len, "skipped: %s", d->step == NG_STEP_REAPPLY ?
			 "no watch-* settings for it" : "no bus device to rebind");
		ng_report_free(&rep);
		return NG_WATCH_SKIPPED;
	}
	if (r < 0)
		snprintf(detail, len, "failed: %s", ng_err_str(&err, msg, sizeof(msg)));
	else if (d->step == NG_STEP_REAPPLY)
		r = reapply_text(&rep, dry_run, detail, len);
	else
		snprintf(detail, len, "%s%s", dry_run ? "dry run: would " : "",
			 dry_run ? ng_watch_step_name(d->step) : "done");
	ng_report_free(&rep);
	return r < 0 ? NG_WATCH_FAILED : NG_WATCH_OK;
}
