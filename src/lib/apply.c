/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply.c: the one apply path (resolve, skip, apply, report) and the device sequence under it:
 * read, write only what differs, read back, settle each setting's result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define ETHTOOL_TIMEOUT_MS 10000
#define ETHTOOL_ARGS_MAX 64

/* ethtool = WORDS: `{}` in a word becomes the interface name; run without a shell. */
static void run_ethtool(const struct ng_ctx *ctx, const char *ifname, struct ng_result *res,
			const char *words)
{
	char buf[NG_TEXT_MAX * 2], *argv[ETHTOOL_ARGS_MAX + 2], out[1024], *save, *tok, *nl;
	char expanded[ETHTOOL_ARGS_MAX][NG_TEXT_MAX];
	const char *prog = ng_ctx_program(ctx, "ethtool");
	struct ng_err e;
	size_t argc = 0;
	int status, r;

	snprintf(buf, sizeof(buf), "%s", words ? words : "");
	argv[argc++] = (char *)prog;
	for (tok = strtok_r(buf, " \t", &save); tok && argc <= ETHTOOL_ARGS_MAX;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *d = expanded[argc - 1], *hole;
		size_t o = 0;

		while ((hole = strstr(tok, "{}"))) {
			o += (size_t)snprintf(d + o, NG_TEXT_MAX - o, "%.*s%s", (int)(hole - tok),
					      tok, ifname);
			if (o >= NG_TEXT_MAX)
				o = NG_TEXT_MAX - 1;
			tok = hole + 2;
		}
		snprintf(d + o, NG_TEXT_MAX - o, "%s", tok);
		argv[argc++] = d;
	}
	argv[argc] = NULL;
	if (tok) {
		res->outcome = NG_FAILED;
		res->error = -E2BIG;
		snprintf(res->detail, sizeof(res->detail), "more than %d words",
			 ETHTOOL_ARGS_MAX);
		return;
	}
	ng_trace(ctx, "%s: run %s %s", ifname, prog, words ? words : "");
	r = ng_exec(prog, (const char *const *)argv, NULL, ETHTOOL_TIMEOUT_MS, out, sizeof(out),
		    &status, &e);
	if (r < 0) {
		res->outcome = NG_FAILED;
		res->error = r;
		snprintf(res->detail, sizeof(res->detail), "%.250s", e.msg);
		return;
	}
	if (status == 0) {
		res->outcome = NG_CHANGED;
		return;
	}
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	res->outcome = NG_FAILED;
	res->error = -EIO;
	snprintf(res->detail, sizeof(res->detail), "ethtool exit status %d%s%.200s", status,
		 out[0] ? ": " : "", out);
}

/* The outcome of a written item, from the write's error and the plan made on re-read. */
static void settle(struct ng_result *res, const struct ng_plan_item *after, int werr,
		   const struct ng_devstate *s2)
{
	if (after->res.outcome == NG_ALREADY) {
		res->outcome = NG_CHANGED;
		return;
	}
	if (werr) {
		res->outcome = werr == -EOPNOTSUPP ? NG_UNSUPPORTED : NG_FAILED;
		res->error = werr;
		snprintf(res->detail, sizeof(res->detail), "%s: %s",
			 ng_devstate_write_op(ng_group_part(res->group)), strerror(-werr));
		return;
	}
	if (res->group == NG_OFFLOAD) {
		/* Requested, but the driver keeps the active state (or the bit is fixed). */
		bool want = after->item->num != 0;
		size_t o;

		res->outcome = NG_FIXED;
		o = (size_t)snprintf(res->detail, sizeof(res->detail), "driver keeps %s:",
				     want ? "off" : "on");
		for (size_t k = 0; k < s2->feat.n && o < sizeof(res->detail); k++)
			if (ng_features_bit(after->feats, k) &&
			    ng_features_bit(s2->feat.active, k) != want)
				o += (size_t)snprintf(res->detail + o, sizeof(res->detail) - o,
						      " %s", s2->feat.names[k]);
		return;
	}
	if (res->group == NG_LINK && strcmp(res->name, "speed") == 0 && !s2->err[NG_PART_LINK] &&
	    (s2->link.speed == 0 || s2->link.speed == (uint32_t)SPEED_UNKNOWN)) {
		res->outcome = NG_CHANGED;
		snprintf(res->detail, sizeof(res->detail), "no link: speed reads unknown");
		return;
	}
	res->outcome = NG_FAILED;
	res->error = after->res.error ? after->res.error : -EIO;
	snprintf(res->detail, sizeof(res->detail), "written, but reads back %.200s",
		 res->now[0] ? res->now : "nothing");
}

/* What one ng_apply call holds: the plan and the state it was made from, and after the
 * writes their errors, the state read back and the plan made from it. */
struct run {
	const struct ng_ctx *ctx;
	const struct ng_iface *ifc;
	unsigned flags;
	struct ng_devstate s, s2;
	struct ng_plan plan, after;
	int werr[NG_PART_MAX];
	bool wrote, read_back, vanished;
};

/* Settle each planned result in place, then hand it to the report. */
static int results(struct run *rn, struct ng_report *rep)
{
	for (size_t i = 0; i < rn->plan.n; i++) {
		struct ng_plan_item *pi = &rn->plan.items[i];
		struct ng_result *res = &pi->res;

		if (pi->no_result)
			continue;
		snprintf(res->now, sizeof(res->now), "%s",
			 rn->read_back ? rn->after.items[i].res.was : res->was);
		if (res->outcome == NG_PLANNED && !(rn->flags & NG_APPLY_DRY_RUN)) {
			if (rn->vanished) {
				/* Written or not, it went with the device: say so. */
				res->outcome = NG_FAILED;
				res->error = -ENODEV;
			} else if (res->group == NG_ETHTOOL) {
				run_ethtool(rn->ctx, rn->ifc->name, res, pi->item->text);
			} else if (rn->read_back) {
				settle(res, &rn->after.items[i],
				       rn->werr[ng_group_part(res->group)], &rn->s2);
			}
		}
		if (ng_report_add(rep, res) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* revert.c: what the items about to be written hold now, in restorable form (the backup
 * window's snapshot of each item), plus the pass-through lines about to run, into the
 * device's record. A record that cannot be written never stops the fix: it is traced. */
static void record_found(const struct run *rn)
{
	struct ng_wanted found = { 0 };
	struct ng_err e;
	int r = 0;

	for (size_t i = 0; i < rn->plan.n && r == 0; i++) {
		const struct ng_plan_item *pi = &rn->plan.items[i];

		if (pi->res.outcome != NG_PLANNED || !pi->write)
			continue;
		r = pi->item->group == NG_ETHTOOL ?
		    ng_items_put(&found.items, &found.n, pi->item, false) :
		    ng_devstate_snap_item(&rn->s, pi, &found);
	}
	if (r == 0 && found.n && ng_revert_record(rn->ctx, rn->ifc, &found, &e) < 0)
		ng_trace(rn->ctx, "%s: not recorded for nicguard revert: %s", rn->ifc->name, e.msg);
	ng_wanted_free(&found);
}

/* Read, plan, write what differs, read back: 0, or a negative errno with err filled. A
 * device gone after the writes is no error here (rn->vanished): its results say so. */
static int run_device(struct run *rn, const struct ng_wanted *w, struct ng_err *err)
{
	int fd = ng_eth_open(err), r;

	if (fd < 0)
		return fd;
	r = ng_devstate_read(rn->ctx, fd, rn->ifc, w, NULL, &rn->s, err);
	if (r == 0 && ng_plan_make(&rn->s, w, &rn->plan) < 0)
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (r == 0 && !(rn->flags & NG_APPLY_DRY_RUN)) {
		/* ---- revert.c: the apply path's one recording call (issue 16). Before the
		 * first change of a setting, remember what the device held. */
		record_found(rn);
		ng_devstate_write(rn->ctx, fd, rn->ifc->name, &rn->plan, rn->werr);
		for (int p = 0; p < NG_PART_MAX; p++)
			rn->wrote |= rn->plan.write[p];
	}
	/* Read back only when something was written; otherwise the first read stands. */
	if (r == 0 && rn->wrote) {
		r = ng_devstate_read(rn->ctx, fd, rn->ifc, w, &rn->s, &rn->s2, err);
		if (r == 0 && ng_plan_make(&rn->s2, w, &rn->after) < 0)
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		rn->read_back = r == 0;
		/* Gone between the writes and the read-back: every setting of this run is
		 * reported as failed, never silently dropped. */
		rn->vanished = r == -ENODEV;
		if (rn->vanished)
			r = 0;
	}
	close(fd);
	return r;
}

int ng_apply(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
	     unsigned flags, struct ng_report *rep, struct ng_err *err)
{
	struct run rn;
	int r;

	memset(&rn, 0, sizeof(rn));
	rn.ctx = ctx;
	rn.ifc = ifc;
	rn.flags = flags;
	if (!ng_ifname_valid(ifc->name))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	r = run_device(&rn, w, err);
	if (r == 0 && results(&rn, rep) < 0)
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (r == 0 && rn.vanished)
		r = ng_err_set(err, -ENODEV, NULL, 0,
			       "%s: vanished while it was being set; nothing can be read back",
			       ifc->name);
	ng_plan_free(&rn.after);
	ng_devstate_free(&rn.s2);
	ng_plan_free(&rn.plan);
	ng_devstate_free(&rn.s);
	return r;
}

/* -------------------------------------------------------------- the one path */

/* Only the items of the groups asked for. */
static int select_groups(const struct ng_wanted *now, unsigned groups, struct ng_wanted *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < now->n; i++) {
		int r;

		if (!(groups & (1u << now->items[i].group)))
			continue;
		r = ng_items_put(&out->items, &out->n, &now->items[i], false);
		if (r < 0) {
			ng_wanted_free(out);
			return r;
		}
	}
	return 0;
}

int ng_apply_target(const struct ng_resolver *rv, const struct ng_iface *ifc,
		    const struct ng_target *t, const struct ng_target_opts *o, unsigned flags,
		    struct ng_report *rep, struct ng_applied *out, struct ng_err *err)
{
	const struct ng_wanted *now = ng_target_list(t, NG_TARGET_NOW);
	const struct ng_item *skip = ng_target_flag(t, "skip");
	struct ng_wanted some;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->state = ng_target_state(t);
	for (size_t i = 0; r == 0 && i < ng_target_ndiags(t); i++) {
		const struct ng_diag *d = ng_target_diag(t, i);

		r = ng_diags_add(&rep->diags, d->file, d->line, "%s", d->msg);
	}
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	if (ng_target_skip(t)) {
		out->outcome = NG_IFACE_SKIPPED;
		out->skip = skip->origin;
		out->skip.file = skip->origin.file ? ng_report_file(rep, skip->origin.file) : NULL;
		return skip->origin.file && !out->skip.file ?
		       ng_err_set(err, -ENOMEM, NULL, 0, "out of memory") : 0;
	}
	if (!(out->state & (NG_TARGET_MATCHED | NG_TARGET_BUILTIN))) {
		out->outcome = NG_IFACE_UNMATCHED;
		return 0;
	}
	out->outcome = NG_IFACE_APPLIED;
	if (!o || !o->groups)
		return now->n ? ng_apply(ng_resolver_ctx(rv), ifc, now, flags, rep, err) : 0;
	r = select_groups(now, o->groups, &some);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	if (some.n)
		r = ng_apply(ng_resolver_ctx(rv), ifc, &some, flags, rep, err);
	ng_wanted_free(&some);
	return r;
}

int ng_apply_iface(const struct ng_resolver *rv, const struct ng_iface *ifc,
		   const struct ng_target_opts *o, unsigned flags, struct ng_report *rep,
		   struct ng_applied *out, struct ng_err *err)
{
	struct ng_target *t;
	int r;

	memset(out, 0, sizeof(*out));
	r = ng_target_resolve(rv, ifc, o, &t, err);
	if (r < 0)
		return r;
	r = ng_apply_target(rv, ifc, t, o, flags, rep, out, err);
	ng_target_free(t);
	return r;
}

