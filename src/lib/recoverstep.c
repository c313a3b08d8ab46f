/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recoverstep.c: a bounce or a rebind that puts back what it disturbed: record the port's
 * place, hold its lock (the udev helper keeps off), act, find the port again, restore its
 * place, apply the policy; and finish such a restore that a crash interrupted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define REBIND_WAIT_MS 5000	/* for the device to come back and udev to name it */
#define BOUNCE_WAIT_MS 1000
#define PENDING_WAIT_MS 1000	/* at start-up the device is there, or not coming */

/* The one place nicguard-watch applies the policy to an interface it put back (the udev
 * helper keeps off a port under restore): the one apply path, as the udev helper would
 * have run it (stanza keys, an open backup window, the watch escalation). */
int ng_recoverstep_apply_policy(const struct ng_ctx *ctx, const struct ng_policy *p,
				const char *ifname, struct ng_report *rep, struct ng_err *err)
{
	struct ng_resolver *rv = NULL;
	struct ng_applied out;
	struct ng_iface ifc;
	int r = ng_iface_read(ctx, ifname, &ifc, err);

	if (r == 0)
		r = ng_resolver_new(ctx, p, &rv, err);
	if (r == 0)
		r = ng_apply_iface(rv, &ifc, NULL, 0, rep, &out, err);
	ng_resolver_free(rv);
	return r;
}

/* Put ps back, then the policy on a re-created port; the place file goes once the port was
 * found (a port that never came back keeps it, for the next start). */
static int put_back(const struct ng_ctx *ctx, const struct ng_policy *p,
		    const struct ng_portstate *ps, unsigned wait_ms, bool policy,
		    struct ng_recoverstep *res, struct ng_err *err)
{
	struct ng_err e = { 0 };
	int r = ng_portstate_restore(ctx, ps, wait_ms, &res->restore, err);

	res->restored = r != -ENODEV;
	if (r == -ENODEV)
		return r;
	if (policy) {
		res->policy_err = ng_recoverstep_apply_policy(ctx, p, res->restore.name,
							      &res->policy, &e);
		snprintf(res->policy_msg, sizeof(res->policy_msg), "%s", e.msg);
	}
	if (ng_runstate_port_drop(ctx, ng_portstate_key(ps), &e) < 0 && r == 0)
		r = ng_err_set(err, -EIO, NULL, 0, "%s", e.msg);
	return r;
}

int ng_recoverstep_run(const struct ng_ctx *ctx, const struct ng_policy *p,
		       enum ng_watch_step step, const struct ng_iface *ifc,
		       struct ng_recoverstep *res, struct ng_err *err)
{
	struct ng_portstate *ps = NULL;
	int lock, r;

	memset(res, 0, sizeof(*res));
	if (step != NG_STEP_BOUNCE && step != NG_STEP_REBIND)
		return ng_err_set(err, -EINVAL, NULL, 0, "not a bounce or a rebind");
	/* Without its place recorded, a rebind could leave the port outside its bridge: the
	 * outage this is meant to end. A bounce keeps the port in its bridge or bond and goes
	 * ahead (what it may lose: routes and IPv6 addresses of the port itself). */
	r = ng_portstate_record(ctx, ifc->name, &ps, err);
	if (r < 0 && step == NG_STEP_BOUNCE) {
		snprintf(res->unrecorded, sizeof(res->unrecorded), "%s", err ? err->msg : "");
		return ng_link_bounce(ctx, ifc->name, err);
	}
	if (r < 0)
		return r;
	lock = ng_runstate_port_lock(ctx, ng_portstate_key(ps), err);
	if (lock < 0) {
		ng_portstate_free(ps);
		return lock;
	}
	r = ng_runstate_port_save(ctx, ps, err);
	if (r == 0) {
		struct ng_err e = { 0 };
		int rr;

		uint64_t t0 = ng_now_ms();
		unsigned took;

		r = step == NG_STEP_BOUNCE ? ng_link_bounce(ctx, ifc->name, err) :
		    ng_recover_rebind(ctx, ifc, err);
		took = (unsigned)(ng_now_ms() - t0);
		/* Whatever the step did, even when it failed half-way, the place goes back. */
		rr = put_back(ctx, p, ps, step == NG_STEP_REBIND ? REBIND_WAIT_MS : BOUNCE_WAIT_MS,
			      step == NG_STEP_REBIND, res, &e);
		snprintf(res->restore.step, sizeof(res->restore.step), "%s",
			 step == NG_STEP_REBIND ? "unbind and bind" : "down and up");
		res->restore.step_ms = took ? took : 1;
		if (r == 0 && rr < 0) {
			r = rr;
			if (err)
				*err = e;
		}
	}
	ng_runstate_port_unlock(lock);
	ng_portstate_free(ps);
	return r;
}

int ng_recoverstep_pending(const struct ng_ctx *ctx, const struct ng_policy *p,
			   void (*fn)(void *arg, const char *key, const struct ng_recoverstep *res,
				      int r, const struct ng_err *err),
			   void *arg)
{
	struct ng_recoverstep *res = malloc(sizeof(*res));
	struct ng_err err = { 0 };
	char **keys = NULL;
	size_t n = 0;
	int r = ng_runstate_port_pending(ctx, &keys, &n, &err);

	if (!res) {
		ng_strv_free(keys, n);
		return -ENOMEM;
	}
	if (r < 0)
		fn(arg, "", NULL, r, &err);
	for (size_t i = 0; i < n; i++) {
		struct ng_portstate *ps = NULL;
		int lock;

		memset(res, 0, sizeof(*res));
		memset(&err, 0, sizeof(err));
		lock = ng_runstate_port_lock(ctx, keys[i], &err);
		r = lock < 0 ? lock : ng_runstate_port_load(ctx, keys[i], &ps, &err);
		if (r == 0)
			r = put_back(ctx, p, ps, PENDING_WAIT_MS, true, res, &err);
		fn(arg, keys[i], res, r, &err);
		ng_report_free(&res->policy);
		ng_portstate_free(ps);
		ng_runstate_port_unlock(lock);
	}
	ng_strv_free(keys, n);
	free(res);
	return 0;
}

void ng_recoverstep_free(struct ng_recoverstep *res)
{
	ng_report_free(&res->policy);
}
