/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply.c: read a device, write what differs, read back, and report each setting's outcome. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define ETHTOOL_TIMEOUT_MS 10000
#define ETHTOOL_ARGS_MAX 64

static bool wants(const struct ng_wanted *w, enum ng_group g)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->items[i].group == g)
			return true;
	return false;
}

/* Read what w needs. Per-part errors go into s; only a vanished device fails the call. */
static int read_state(const struct ng_ctx *ctx, int fd, const struct ng_iface *ifc,
		      const struct ng_wanted *w, struct ng_devstate *s, struct ng_err *err)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->driver, sizeof(s->driver), "%s", ifc->driver);
	if (wants(w, NG_OFFLOAD))
		s->feat_err = ng_eth_features_get(fd, ifc->name, &s->feat, err);
	if (wants(w, NG_LINK))
		s->link_err = ng_eth_link_get(fd, ifc->name, &s->link, err);
	if (wants(w, NG_COALESCE) || wants(w, NG_ITR))
		s->coal_err = ng_eth_coalesce_get(fd, ifc->name, &s->coal, err);
	if (wants(w, NG_RING))
		s->ring_err = ng_eth_ring_get(fd, ifc->name, &s->ring, err);
	if (wants(w, NG_RPS)) {
		s->ncpus = ng_rps_ncpus(ctx);
		s->rps_err = ng_rps_read(ctx, ifc->name, &s->rps, &s->nrps, err);
	}
	if (s->feat_err == -ENODEV || s->link_err == -ENODEV || s->coal_err == -ENODEV ||
	    s->ring_err == -ENODEV || s->rps_err == -ENODEV) {
		ng_devstate_free(s);
		return ng_err_set(err, -ENODEV, NULL, 0, "%s: no such interface", ifc->name);
	}
	return 0;
}

/* The errors of the writes, by group. */
struct writes {
	int feat, link, coal, ring, rps;
	int feat_ret;		/* ETHTOOL_F_* bits of SFEATURES */
};

static void do_writes(const struct ng_ctx *ctx, int fd, const char *ifname,
		      const struct ng_plan *plan, struct writes *wr)
{
	struct ng_err e;
	unsigned n;

	memset(wr, 0, sizeof(*wr));
	if (plan->feat_write) {
		wr->feat = ng_eth_features_set(fd, ifname, plan->valid, plan->requested,
					       plan->nblocks, &wr->feat_ret, &e);
		ng_trace(ctx, "%s: ETHTOOL_SFEATURES: %s (flags %d)", ifname,
			 wr->feat ? e.msg : "ok", wr->feat_ret);
	}
	if (plan->link_write) {
		wr->link = ng_eth_link_set(fd, ifname, &plan->link, &e);
		ng_trace(ctx, "%s: link speed %u duplex %u autoneg %u: %s", ifname,
			 plan->link.speed, plan->link.duplex, plan->link.autoneg,
			 wr->link ? e.msg : "ok");
	}
	if (plan->coal_write) {
		wr->coal = ng_eth_coalesce_set(fd, ifname, &plan->coal, &e);
		ng_trace(ctx, "%s: ETHTOOL_SCOALESCE: %s", ifname, wr->coal ? e.msg : "ok");
	}
	if (plan->ring_write) {
		wr->ring = ng_eth_ring_set(fd, ifname, &plan->ring, &e);
		ng_trace(ctx, "%s: ETHTOOL_SRINGPARAM: %s", ifname, wr->ring ? e.msg : "ok");
	}
	if (plan->rps_write) {
		wr->rps = ng_rps_apply(ctx, ifname, plan->rps_mask, &n, &e);
		if (wr->rps)
			ng_trace(ctx, "%s: rps: %s", ifname, e.msg);
	}
}

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
	if (after->outcome == NG_ALREADY) {
		res->outcome = NG_CHANGED;
		return;
	}
	if (werr) {
		static const char *const op[NG_GROUP_MAX] = {
			[NG_OFFLOAD] = "ETHTOOL_SFEATURES", [NG_LINK] = "link settings write",
			[NG_COALESCE] = "ETHTOOL_SCOALESCE", [NG_ITR] = "ETHTOOL_SCOALESCE",
			[NG_RING] = "ETHTOOL_SRINGPARAM", [NG_RPS] = "rps_cpus write",
		};

		res->outcome = werr == -EOPNOTSUPP ? NG_UNSUPPORTED : NG_FAILED;
		res->error = werr;
		snprintf(res->detail, sizeof(res->detail), "%s: %s",
			 op[res->group] ? op[res->group] : "write", strerror(-werr));
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
	if (res->group == NG_LINK && strcmp(res->name, "speed") == 0 && !s2->link_err &&
	    (s2->link.speed == 0 || s2->link.speed == (uint32_t)SPEED_UNKNOWN)) {
		res->outcome = NG_CHANGED;
		snprintf(res->detail, sizeof(res->detail), "no link: speed reads unknown");
		return;
	}
	res->outcome = NG_FAILED;
	res->error = after->error ? after->error : -EIO;
	snprintf(res->detail, sizeof(res->detail), "written, but reads back %.200s",
		 res->now[0] ? res->now : "nothing");
}

static int write_error(const struct writes *wr, enum ng_group g)
{
	switch (g) {
	case NG_OFFLOAD: return wr->feat;
	case NG_LINK: return wr->link;
	case NG_COALESCE:
	case NG_ITR: return wr->coal;
	case NG_RING: return wr->ring;
	case NG_RPS: return wr->rps;
	default: return 0;
	}
}

static int results(const struct ng_ctx *ctx, const struct ng_iface *ifc, unsigned flags,
		   const struct ng_plan *plan, const struct ng_plan *after,
		   const struct ng_devstate *s2, const struct writes *wr, bool vanished,
		   struct ng_report *rep)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct ng_plan_item *pi = &plan->items[i];
		struct ng_result res;

		if (pi->no_result)
			continue;
		memset(&res, 0, sizeof(res));
		snprintf(res.ifname, sizeof(res.ifname), "%s", ifc->name);
		res.group = pi->item->group;
		snprintf(res.name, sizeof(res.name), "%s", pi->item->name);
		snprintf(res.want, sizeof(res.want), "%s", pi->want);
		snprintf(res.was, sizeof(res.was), "%s", pi->was);
		snprintf(res.now, sizeof(res.now), "%s", after ? after->items[i].was : pi->was);
		snprintf(res.detail, sizeof(res.detail), "%s", pi->detail);
		res.outcome = pi->outcome;
		res.error = pi->error;
		res.origin = pi->item->origin;
		if (pi->outcome == NG_PLANNED && !(flags & NG_APPLY_DRY_RUN)) {
			if (vanished) {
				/* Written or not, it went with the device: say so. */
				res.outcome = NG_FAILED;
				res.error = -ENODEV;
			} else if (res.group == NG_ETHTOOL)
				run_ethtool(ctx, ifc->name, &res, pi->item->text);
			else if (after)
				settle(&res, &after->items[i], write_error(wr, res.group), s2);
		}
		if (ng_report_add(rep, &res) < 0)
			return -ENOMEM;
	}
	return 0;
}

int ng_apply(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
	     unsigned flags, struct ng_report *rep, struct ng_err *err)
{
	struct ng_devstate s, s2;
	struct ng_plan plan, after;
	bool wrote = false, vanished = false;
	struct writes wr;
	int fd, r;

	if (!ng_ifname_valid(ifc->name))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	fd = ng_eth_open(err);
	if (fd < 0)
		return fd;
	r = read_state(ctx, fd, ifc, w, &s, err);
	if (r < 0)
		goto out;
	r = ng_plan_make(&s, w, &plan);
	if (r < 0) {
		ng_devstate_free(&s);
		ng_err_set(err, r, NULL, 0, "out of memory");
		goto out;
	}
	memset(&wr, 0, sizeof(wr));
	memset(&after, 0, sizeof(after));
	memset(&s2, 0, sizeof(s2));
	if (!(flags & NG_APPLY_DRY_RUN)) {
		do_writes(ctx, fd, ifc->name, &plan, &wr);
		wrote = plan.feat_write || plan.link_write || plan.coal_write || plan.ring_write ||
			plan.rps_write;
	}
	/* Read back only when something was written; otherwise the first read stands. */
	if (wrote) {
		r = read_state(ctx, fd, ifc, w, &s2, err);
		if (r == 0)
			r = ng_plan_make(&s2, w, &after) < 0 ?
			    ng_err_set(err, -ENOMEM, NULL, 0, "out of memory") : 0;
		/* Gone between the writes and the read-back: every setting of this run is
		 * reported as failed, never silently dropped. */
		vanished = r == -ENODEV;
	}
	if (r == 0 || vanished) {
		int rr = results(ctx, ifc, flags, &plan, r == 0 && wrote ? &after : NULL, &s2, &wr,
				 vanished, rep);

		if (vanished && rr == 0)
			ng_err_set(err, -ENODEV, NULL, 0,
				   "%s: vanished while it was being set; nothing can be read back",
				   ifc->name);
		r = rr < 0 ? rr : r;
	}
	if (r == -ENOMEM)
		ng_err_set(err, r, NULL, 0, "out of memory");
	ng_plan_free(&after);
	ng_devstate_free(&s2);
	ng_plan_free(&plan);
	ng_devstate_free(&s);
out:
	close(fd);
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

/* -------------------------------------------------------------- snapshots */

static int snap_put(struct ng_wanted *out, enum ng_group g,
		    const char *name, int64_t num, const char *text)
{
	static const char origin[] = "snapshot";
	struct ng_item it;

	memset(&it, 0, sizeof(it));
	it.group = g;
	it.set = NG_SET_NORMAL;	/* what the interface held: plain settings, restorable */
	snprintf(it.name, sizeof(it.name), "%s", name);
	it.num = num;
	it.text = (char *)text;
	it.origin.file = origin;
	return ng_items_put(&out->items, &out->n, &it, false);
}

static uint32_t field_u32(const void *base, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

/* The restorable value(s) of one planned item. */
static int snap_item(const struct ng_devstate *s, const struct ng_plan_item *pi,
		     struct ng_wanted *out)
{
	const struct ng_item *it = pi->item;
	const struct ng_param *p;
	int r = 0;

	if (pi->outcome == NG_UNSUPPORTED || pi->outcome == NG_FAILED)
		return 0;
	switch (it->group) {
	case NG_OFFLOAD:
		/* The requested bit: put back, the kernel derives the same active state. */
		for (size_t k = 0; k < s->feat.n && r == 0; k++)
			if (ng_features_bit(pi->feats, k) && ng_features_bit(s->feat.available, k))
				r = snap_put(out, NG_OFFLOAD, s->feat.names[k],
					     ng_features_bit(s->feat.requested, k), NULL);
		return r;
	case NG_LINK:
		/* Under autoneg, speed and duplex are negotiated: autoneg on restores them. */
		if (s->link.autoneg == AUTONEG_ENABLE)
			return snap_put(out, NG_LINK, "autoneg", 1, NULL);
		if (s->link.speed != 0 && s->link.speed != (uint32_t)SPEED_UNKNOWN)
			r = snap_put(out, NG_LINK, "speed", s->link.speed, NULL);
		if (r == 0 && s->link.duplex != DUPLEX_UNKNOWN)
			r = snap_put(out, NG_LINK, "duplex", s->link.duplex == DUPLEX_FULL,
				     NULL);
		return r ? r : snap_put(out, NG_LINK, "autoneg", 0, NULL);
	case NG_COALESCE:
		p = ng_coalesce_param(it->name);
		return snap_put(out, NG_COALESCE, it->name, field_u32(&s->coal, p->offset),
				NULL);
	case NG_ITR:
		return snap_put(out, NG_COALESCE, "rx-usecs", s->coal.rx_coalesce_usecs, NULL);
	case NG_RING:
		p = ng_ring_param(it->name);
		return snap_put(out, NG_RING, it->name, field_u32(&s->ring, p->offset), NULL);
	default:
		/* rps, ethtool pass-through lines and flags have no backup-* key: never saved. */
		return 0;
	}
}

int ng_snapshot(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
		struct ng_wanted *out, struct ng_err *err)
{
	struct ng_devstate s;
	struct ng_plan plan;
	int fd, r;

	memset(out, 0, sizeof(*out));
	if (!ng_ifname_valid(ifc->name))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	fd = ng_eth_open(err);
	if (fd < 0)
		return fd;
	r = read_state(ctx, fd, ifc, w, &s, err);
	close(fd);
	if (r < 0)
		return r;
	r = ng_plan_make(&s, w, &plan);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		r = snap_item(&s, &plan.items[i], out);
	ng_plan_free(&plan);
	ng_devstate_free(&s);
	if (r < 0) {
		ng_items_free(out->items, out->n);
		memset(out, 0, sizeof(*out));
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}
