/* SPDX-License-Identifier: GPL-2.0-or-later */
/* respond.c: what nicguard-watch does about a decision: an interface's options, rungs run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

/* The target of ifname as it is now, or NULL when it cannot be read or resolved. */
static struct ng_target *target_of(const struct ng_ctx *ctx, const struct ng_policy *p,
				   const char *ifname, struct ng_iface *ifc)
{
	struct ng_resolver *rv;
	struct ng_target *t = NULL;

	memset(ifc, 0, sizeof(*ifc));
	if (!ifname[0] || ng_iface_read(ctx, ifname, ifc, NULL) < 0)
		return NULL;
	if (ng_resolver_new(ctx, p, &rv, NULL) < 0)
		return NULL;
	ng_target_resolve(rv, ifc, NULL, &t, NULL);
	ng_resolver_free(rv);
	return t;
}

void ng_respond_opts(const struct ng_ctx *ctx, const struct ng_policy *p,
		     const struct ng_watch_opts *dflt, const char *ifname, struct ng_watch_opts *o)
{
	struct ng_iface ifc;
	struct ng_target *t = target_of(ctx, p, ifname, &ifc);

	if (!t) {
		*o = *dflt;
		return;
	}
	ng_watch_opts_resolve(p, &ifc, o);
	/* `skip = yes`, in the policy or the stanza, means hands off: log only. */
	if (ng_target_skip(t))
		o->act_on = 0;
	ng_target_free(t);
}

/* Does the open backup window hold ifname (saved its settings)? */
static bool window_holds(const struct ng_ctx *ctx, const char *ifname)
{
	struct ng_runstate rs;
	bool held;

	if (ng_runstate_read(ctx, &rs) < 0)
		return false;
	held = ng_runstate_holds(&rs, ifname);
	ng_runstate_free(&rs);
	return held;
}

bool ng_respond_backup(const struct ng_ctx *ctx, const struct ng_policy *p, const char *ifname)
{
	struct ng_resolver *rv = NULL;
	struct ng_iface *ups = NULL;
	size_t n = 0;
	bool yes = false;

	if (!ifname[0] || !ng_runstate_window_open(ctx))
		return false;
	/* The window's own uplinks first: job-start chose them from the job's storage, which
	 * the daemon does not know. */
	if (window_holds(ctx, ifname))
		return true;
	/* Cannot tell: treat it as an uplink, the safe side. */
	if (ng_resolver_new(ctx, p, &rv, NULL) < 0 ||
	    ng_backup_uplinks(rv, NULL, &ups, &n, NULL, 0, NULL) < 0)
		yes = true;
	for (size_t i = 0; i < n && !yes; i++)
		yes = strcmp(ups[i].name, ifname) == 0;
	free(ups);
	ng_resolver_free(rv);
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
 * apply, -ECANCELED: skip = yes; -ENODEV without err: no bus device to rebind). A bounce
 * and a rebind put back the port's place (res); a reboot says how it went in detail. */
static int run_step(const struct ng_ctx *ctx, const struct ng_policy *p,
		    const struct ng_watch_decision *d, bool dry_run, struct ng_report *rep,
		    struct ng_recoverstep *res, char *detail, size_t len, struct ng_err *err)
{
	struct ng_iface ifc;
	int r;

	/* The host's last resort, also when the port is gone (r8169's "detach NIC"). */
	if (d->step == NG_STEP_REBOOT)
		return dry_run ? 0 : ng_reboot_request(ctx, detail, len, err);
	r = ng_iface_read(ctx, d->ifname, &ifc, err);
	if (r < 0)
		return r;
	switch (d->step) {
	case NG_STEP_BOUNCE:
		return dry_run ? 0 : ng_recoverstep_run(ctx, p, d->step, &ifc, res, err);
	case NG_STEP_REBIND:
		if (!ifc.bus_addr[0] || !ifc.driver[0])
			return -ENODEV;
		return dry_run ? 0 : ng_recoverstep_run(ctx, p, d->step, &ifc, res, err);
	case NG_STEP_REAPPLY:
		return ng_recover_reapply(ctx, p, &ifc, dry_run ? NG_APPLY_DRY_RUN : 0, rep, err);
	default:
		return 0;
	}
}

enum ng_watch_result ng_respond_step(const struct ng_ctx *ctx, const struct ng_policy *p,
				     const struct ng_watch_decision *d, bool dry_run,
				     struct ng_history *hist, int64_t now, char *detail,
				     size_t len, struct ng_recoverstep *res)
{
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	char msg[1024];
	int r;

	if (d->step == NG_STEP_LOG) {
		snprintf(detail, len, "logged; acting if it comes back");
		return NG_WATCH_OK;
	}
	memset(res, 0, sizeof(*res));
	detail[0] = '\0';
	r = run_step(ctx, p, d, dry_run, &rep, res, detail, len, &err);
	if ((d->step == NG_STEP_REAPPLY && (r == -ENOENT || r == -ECANCELED)) ||
	    (d->step == NG_STEP_REBIND && r == -ENODEV && !err.msg[0])) {
		snprintf(detail, len, "%s", d->step == NG_STEP_REBIND ?
			 "nothing to rebind (no bus device)" : r == -ECANCELED ?
			 "nothing to re-apply (skip = yes)" :
			 "nothing to re-apply (no watch-* settings)");
		ng_report_free(&rep);
		return NG_WATCH_SKIPPED;
	}
	if (r < 0)
		snprintf(detail, len, "failed: %s", ng_err_str(&err, msg, sizeof(msg)));
	else if (d->step == NG_STEP_REAPPLY)
		r = reapply_text(&rep, dry_run, detail, len);
	else if (!detail[0])
		snprintf(detail, len, "%s%s", dry_run ? "dry run: would " : "",
			 dry_run ? ng_watch_step_name(d->step) : "done");
	/* A full queue drops them; the daemon says so when it queues this action's event. */
	if (d->step == NG_STEP_REAPPLY && hist && !dry_run)
		ng_history_report(hist, &rep, now);
	ng_report_free(&rep);
	return r < 0 ? NG_WATCH_FAILED : NG_WATCH_OK;
}
