/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plan.c: compare a device's state with the wanted settings and decide what to write (no I/O). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

void ng_devstate_free(struct ng_devstate *s)
{
	ng_features_free(&s->feat);
	ng_strv_free(s->rps, s->nrps);
	s->rps = NULL;
	s->nrps = 0;
	free(s->rfs);
	s->rfs = NULL;
	s->nrfs = 0;
}

/* The parts held as one ethtool struct, and its ioctl pair. One row per such part. */
static const struct ng_part_struct part_structs[NG_PART_MAX] = {
#define PART(f, g, s) { offsetof(struct ng_devstate, f), offsetof(struct ng_plan, f), \
			sizeof(((struct ng_devstate *)NULL)->f), g, s }
	[NG_PART_COALESCE] = PART(coal, ETHTOOL_GCOALESCE, ETHTOOL_SCOALESCE),
	[NG_PART_RING] = PART(ring, ETHTOOL_GRINGPARAM, ETHTOOL_SRINGPARAM),
	[NG_PART_PAUSE] = PART(pause, ETHTOOL_GPAUSEPARAM, ETHTOOL_SPAUSEPARAM),
	[NG_PART_EEE] = PART(eee, ETHTOOL_GEEE, ETHTOOL_SEEE),
	[NG_PART_CHANNELS] = PART(chan, ETHTOOL_GCHANNELS, ETHTOOL_SCHANNELS),
#undef PART
};

const struct ng_part_struct *ng_part_struct(enum ng_part p)
{
	static const struct ng_part_struct none;

	return (unsigned)p < NG_PART_MAX ? &part_structs[p] : &none;
}

unsigned long ng_rfs_round(unsigned long v)
{
	unsigned long r = 1;

	if (v == 0)
		return 0;
	while (r < v && r < (1UL << 31))
		r <<= 1;
	return r;
}

unsigned long ng_rfs_per_queue(unsigned long entries, size_t nqueues)
{
	unsigned long per;

	if (entries == 0)
		return 0;
	per = nqueues > 1 ? entries / nqueues : entries;
	return ng_rfs_round(per ? per : 1);
}

void ng_plan_free(struct ng_plan *plan)
{
	for (size_t i = 0; plan->items && i < plan->n; i++)
		free(plan->items[i].feats);
	free(plan->items);
	free(plan->valid);
	free(plan->requested);
	memset(plan, 0, sizeof(*plan));
}

const char *ng_plan_feat_str(const struct ng_features *f, const uint32_t *sel,
			     const uint32_t *blocks, char *buf, size_t len)
{
	bool on = false, off = false;

	for (size_t i = 0; i < f->n; i++) {
		if (!ng_features_bit(sel, i))
			continue;
		if (ng_features_bit(blocks, i))
			on = true;
		else
			off = true;
	}
	snprintf(buf, len, "%s", on && off ? "mixed" : on ? "on" : off ? "off" : "");
	return buf;
}

const char *ng_plan_link_str(const struct ng_link *l, const char *name, char *buf, size_t len)
{
	if (strcmp(name, "speed") == 0) {
		if (l->speed == 0 || l->speed == (uint32_t)SPEED_UNKNOWN)
			snprintf(buf, len, "unknown");
		else
			snprintf(buf, len, "%u", l->speed);
	} else if (strcmp(name, "duplex") == 0) {
		snprintf(buf, len, "%s", l->duplex == DUPLEX_FULL ? "full" :
			 l->duplex == DUPLEX_HALF ? "half" : "unknown");
	} else {
		snprintf(buf, len, "%s", l->autoneg == AUTONEG_ENABLE ? "on" : "off");
	}
	return buf;
}

/* A read that failed: the device has no such operation, or something else went wrong. */
static void read_failed(struct ng_plan_item *pi, int error, const char *what)
{
	pi->res.outcome = error == -EOPNOTSUPP ? NG_UNSUPPORTED : NG_FAILED;
	pi->res.error = error;
	snprintf(pi->res.detail, sizeof(pi->res.detail), "%s: %s", what, strerror(-error));
}

static void unsupported(struct ng_plan_item *pi, const char *why)
{
	pi->res.outcome = NG_UNSUPPORTED;
	pi->res.error = -EOPNOTSUPP;
	snprintf(pi->res.detail, sizeof(pi->res.detail), "%s", why);
}

/* One device being planned: its state, the wanted list and the plan, and which item
 * decides each kernel feature. */
struct planning {
	const struct ng_devstate *s;
	const struct ng_wanted *w;
	struct ng_plan *plan;
	long *owner;		/* per kernel feature: the item that decides it, or -1 */
	bool *covered;		/* per item: it covers some kernel feature */
};

/* Which item decides each kernel feature: a kernel-name item beats a group whatever the
 * order; among groups the later one wins. covered[i] tells whether item i covers any. */
static void assign_features(const struct ng_features *f, const struct ng_wanted *w,
			    long *owner, bool *covered)
{
	for (size_t k = 0; k < f->n; k++) {
		bool exact = false;

		owner[k] = -1;
		for (size_t i = 0; i < w->n; i++) {
			const struct ng_item *it = &w->items[i];

			if (it->group != NG_OFFLOAD)
				continue;
			if (strcmp(it->name, f->names[k]) == 0) {
				owner[k] = (long)i;
				covered[i] = exact = true;
			} else if (ng_feature_covers(it->name, f->names[k])) {
				covered[i] = true;
				if (!exact)
					owner[k] = (long)i;
			}
		}
	}
}

static void append_name(char *buf, size_t len, const char *name)
{
	size_t o = strlen(buf);

	snprintf(buf + o, len - o, "%s%s", o ? " " : "", name);
}

static void plan_offload(struct planning *pl, struct ng_plan_item *pi)
{
	const struct ng_features *f = &pl->s->feat;
	struct ng_plan *plan = pl->plan;
	long i = pi - plan->items;
	bool want = pi->item->num != 0, write = false, fixed = false;
	char fixed_names[NG_TEXT_MAX] = "", req[8];

	if (pl->s->err[NG_PART_FEATURES]) {
		read_failed(pi, pl->s->err[NG_PART_FEATURES], "features");
		return;
	}
	for (size_t k = 0; k < f->n; k++) {
		if (pl->owner[k] != i)
			continue;
		ng_features_set_bit(pi->feats, k, true);
		append_name(pi->res.detail, sizeof(pi->res.detail), f->names[k]);
		if (ng_features_bit(f->active, k) == want &&
		    ng_features_bit(f->requested, k) == want)
			continue;
		if (ng_features_bit(f->available, k)) {
			ng_features_set_bit(plan->valid, k, true);
			ng_features_set_bit(plan->requested, k, want);
			write = true;
		} else if (ng_features_bit(f->active, k) != want) {
			fixed = true;
			append_name(fixed_names, sizeof(fixed_names), f->names[k]);
		}
	}
	ng_plan_feat_str(f, pi->feats, f->active, pi->res.was, sizeof(pi->res.was));
	/* As `ethtool -k` shows it: a wish the driver does not (yet) honour. */
	ng_plan_feat_str(f, pi->feats, f->requested, req, sizeof(req));
	if (strcmp(req, pi->res.was) != 0) {
		size_t o = strlen(pi->res.was);

		snprintf(pi->res.was + o, sizeof(pi->res.was) - o, " (requested %s)", req);
	}
	if (!pi->res.detail[0]) {
		if (pl->covered[i]) {
			pi->res.outcome = NG_ALREADY;
			snprintf(pi->res.detail, sizeof(pi->res.detail),
				 "every feature it covers is set by another item");
		} else {
			unsupported(pi, "no such feature on this device");
		}
		return;
	}
	if (fixed) {
		size_t o = strlen(pi->res.detail);

		snprintf(pi->res.detail + o, sizeof(pi->res.detail) - o, " (fixed: %s)", fixed_names);
	}
	pi->write = write;
	plan->write[NG_PART_FEATURES] |= write;
	pi->res.outcome = write ? NG_PLANNED : fixed ? NG_FIXED : NG_ALREADY;
}

static void plan_link(struct planning *pl, struct ng_plan_item *pi)
{
	const struct ng_item *an = ng_wanted_find(pl->w, NG_LINK, "autoneg");
	const struct ng_devstate *s = pl->s;
	const struct ng_link *cur = &s->link;
	struct ng_plan *plan = pl->plan;
	bool forced, differs;
	int64_t v = pi->item->num;

	if (s->err[NG_PART_LINK]) {
		read_failed(pi, s->err[NG_PART_LINK], "link settings");
		return;
	}
	/* A forced speed or duplex means autoneg off unless the policy says on. */
	forced = !(an && an->num);
	ng_plan_link_str(cur, pi->item->name, pi->res.was, sizeof(pi->res.was));
	if (strcmp(pi->item->name, "speed") == 0) {
		differs = cur->speed != (uint32_t)v || (forced && cur->autoneg != AUTONEG_DISABLE);
		plan->link.speed = (uint32_t)v;
	} else if (strcmp(pi->item->name, "duplex") == 0) {
		differs = cur->duplex != (uint8_t)v || (forced && cur->autoneg != AUTONEG_DISABLE);
		plan->link.duplex = v ? DUPLEX_FULL : DUPLEX_HALF;
	} else if (strcmp(pi->item->name, "autoneg") == 0) {
		differs = cur->autoneg != (v ? AUTONEG_ENABLE : AUTONEG_DISABLE);
	} else {
		unsupported(pi, "unknown link setting");
		return;
	}
	if (forced && strcmp(pi->item->name, "autoneg") != 0)
		plan->link.autoneg = AUTONEG_DISABLE;
	if (an)
		plan->link.autoneg = an->num ? AUTONEG_ENABLE : AUTONEG_DISABLE;
	pi->write = differs;
	plan->write[NG_PART_LINK] |= differs;
	pi->res.outcome = differs ? NG_PLANNED : NG_ALREADY;
}

/* A u32 field of a part's ethtool struct (cur as read, next as it will be written); an
 * on|off field counts any value but 0 as on, as the drivers do. */
static void plan_u32(struct ng_plan_item *pi, const struct ng_param *p, const void *cur,
		     void *next, uint32_t want, bool *any)
{
	uint32_t v;

	memcpy(&v, (const char *)cur + p->offset, sizeof(v));
	if (p->onoff)
		snprintf(pi->res.was, sizeof(pi->res.was), "%s", v ? "on" : "off");
	else
		snprintf(pi->res.was, sizeof(pi->res.was), "%u", v);
	pi->write = p->onoff ? (v != 0) != (want != 0) : v != want;
	/* Another item may already have changed this field of next: only a change writes. */
	if (pi->write)
		memcpy((char *)next + p->offset, &want, sizeof(want));
	*any |= pi->write;
	pi->res.outcome = pi->write ? NG_PLANNED : NG_ALREADY;
}

/* coalesce, ring, pause, eee, channels: one field of the part's ethtool struct. */
static void plan_param(struct planning *pl, struct ng_plan_item *pi)
{
	enum ng_group g = pi->item->group;
	enum ng_part part = ng_group_part(g);
	const struct ng_part_struct *ps = ng_part_struct(part);
	const struct ng_param *p = ng_param_find(g, pi->item->name);
	char what[64];

	snprintf(what, sizeof(what), "%s parameters", ng_key_name(g, NG_SET_NORMAL));
	if (!p) {
		unsupported(pi, "unknown parameter");
		return;
	}
	if (pl->s->err[part]) {
		read_failed(pi, pl->s->err[part], what);
		return;
	}
	if (pi->item->num < 0 || pi->item->num > UINT32_MAX) {
		pi->res.outcome = NG_FAILED;
		pi->res.error = -ERANGE;
		snprintf(pi->res.detail, sizeof(pi->res.detail), "value out of range");
		return;
	}
	plan_u32(pi, p, (const char *)pl->s + ps->state_off, (char *)pl->plan + ps->plan_off,
		 (uint32_t)pi->item->num, &pl->plan->write[part]);
}

static void plan_itr(struct planning *pl, struct ng_plan_item *pi)
{
	const struct ng_devstate *s = pl->s;
	struct ng_plan *plan = pl->plan;
	if (strcmp(s->driver, "e1000e") != 0 && strcmp(s->driver, "e1000") != 0) {
		unsupported(pi, "interrupt-throttle-rate is an e1000e/e1000 setting");
		return;
	}
	if (ng_wanted_find(pl->w, NG_COALESCE, "rx-usecs")) {
		pi->res.outcome = NG_ALREADY;
		snprintf(pi->res.detail, sizeof(pi->res.detail), "overridden by coalesce rx-usecs");
		return;
	}
	if (ng_itr_to_usecs(pi->item->num, &pi->target) < 0) {
		pi->res.outcome = NG_FAILED;
		pi->res.error = -EINVAL;
		snprintf(pi->res.detail, sizeof(pi->res.detail), "not a valid InterruptThrottleRate: use %s",
			 NG_ITR_VALUES);
		return;
	}
	if (s->err[NG_PART_COALESCE]) {
		read_failed(pi, s->err[NG_PART_COALESCE], "coalesce parameters");
		return;
	}
	snprintf(pi->res.detail, sizeof(pi->res.detail), "rx-usecs %u", pi->target);
	plan_u32(pi, ng_param_find(NG_COALESCE, "rx-usecs"), &s->coal, &plan->coal, pi->target,
		 &plan->write[NG_PART_COALESCE]);
}

static void plan_rps(struct planning *pl, struct ng_plan_item *pi)
{
	const struct ng_devstate *s = pl->s;
	struct ng_plan *plan = pl->plan;
	size_t nmasks;
	int r;

	if (s->err[NG_PART_RPS]) {
		read_failed(pi, s->err[NG_PART_RPS], "rps_cpus");
		return;
	}
	r = ng_rps_mask(pi->item, s->ncpus, plan->rps_mask, sizeof(plan->rps_mask));
	if (r < 0) {
		pi->res.outcome = NG_FAILED;
		pi->res.error = r;
		snprintf(pi->res.detail, sizeof(pi->res.detail), "bad rps value");
		return;
	}
	nmasks = ng_rps_nmasks(plan->rps_mask);
	if (nmasks > 1 && nmasks != s->nrps) {
		pi->res.outcome = NG_FAILED;
		pi->res.error = -EINVAL;
		pi->recount = true;
		snprintf(pi->res.detail, sizeof(pi->res.detail), "%zu masks for %zu rx queue%s", nmasks,
			 s->nrps, s->nrps == 1 ? "" : "s");
		return;
	}
	snprintf(pi->res.was, sizeof(pi->res.was), "%s", s->rps[0]);
	for (size_t q = 0; q < s->nrps; q++) {
		char one[NG_RPS_MASK_MAX];

		if (!ng_rps_mask_equal(s->rps[q], s->rps[0]))
			snprintf(pi->res.was, sizeof(pi->res.was), "mixed");
		if (!ng_rps_queue_mask(plan->rps_mask, q, one, sizeof(one)) ||
		    !ng_rps_mask_equal(s->rps[q], one))
			pi->write = true;
	}
	/* Printed only: a long per-queue list is cut, marked with "...". */
	if (strlen(plan->rps_mask) < sizeof(pi->res.want))
		memcpy(pi->res.want, plan->rps_mask, strlen(plan->rps_mask) + 1);
	else
		snprintf(pi->res.want, sizeof(pi->res.want), "%.*s...", (int)sizeof(pi->res.want) - 4,
			 plan->rps_mask);
	snprintf(pi->res.detail, sizeof(pi->res.detail), "%zu rx queue%s", s->nrps,
		 s->nrps == 1 ? "" : "s");
	plan->write[NG_PART_RPS] = pi->write;
	pi->res.outcome = pi->write ? NG_PLANNED : NG_ALREADY;
}

/* rfs = N: rps_sock_flow_entries at least N (the kernel's power of two; never lowered: it
 * is the host's, and an admin may have more), each rx queue N / queues. */
static void plan_rfs(struct planning *pl, struct ng_plan_item *pi)
{
	const struct ng_devstate *s = pl->s;
	struct ng_plan *plan = pl->plan;
	unsigned long entries = (unsigned long)pi->item->num, global = ng_rfs_round(entries);
	unsigned long per = ng_rfs_per_queue(entries, s->nrfs);
	bool mixed = false;

	if (s->err[NG_PART_RFS] == -ENOENT) {
		pi->res.outcome = NG_FAILED;
		pi->res.error = -ENOENT;
		snprintf(pi->res.detail, sizeof(pi->res.detail), "no net.core.rps_sock_flow_entries "
			 "here: only the host's network namespace has it");
		return;
	}
	if (s->err[NG_PART_RFS]) {
		read_failed(pi, s->err[NG_PART_RFS], "rps_flow_cnt");
		return;
	}
	plan->rfs_entries = entries;
	plan->rfs_global = global > s->rfs_global ? global : 0;
	pi->write = plan->rfs_global != 0;
	for (size_t q = 0; q < s->nrfs; q++) {
		mixed |= s->rfs[q] != s->rfs[0];
		pi->write |= s->rfs[q] != per;
	}
	if (mixed)
		snprintf(pi->res.was, sizeof(pi->res.was), "%lu, rps_flow_cnt mixed",
			 s->rfs_global);
	else
		snprintf(pi->res.was, sizeof(pi->res.was), "%lu, rps_flow_cnt %lu",
			 s->rfs_global, s->rfs[0]);
	snprintf(pi->res.detail, sizeof(pi->res.detail), "%zu rx queue%s, rps_flow_cnt %lu each; "
		 "rps_sock_flow_entries %s %lu", s->nrfs, s->nrfs == 1 ? "" : "s", per,
		 global <= s->rfs_global ? "stays at" : "raised to",
		 global <= s->rfs_global ? s->rfs_global : global);
	plan->write[NG_PART_RFS] = pi->write;
	pi->res.outcome = pi->write ? NG_PLANNED : NG_ALREADY;
}

/* New channels are new rx queues, whose rps_cpus and rps_flow_cnt start from the kernel's
 * defaults: rps and rfs are written again after them (the writes take the queues there are
 * then, and a per-queue rps value is checked against those: counted against the queues of
 * now, it may be the one that fits the channels to come). */
static void renew_queue_parts(struct ng_plan *plan)
{
	if (!plan->write[NG_PART_CHANNELS])
		return;
	for (size_t i = 0; i < plan->n; i++) {
		struct ng_plan_item *pi = &plan->items[i];
		enum ng_part part = ng_group_part(pi->item->group);
		size_t o;

		if (pi->recount) {
			pi->res.error = 0;
			snprintf(pi->res.detail, sizeof(pi->res.detail), "%zu masks",
				 ng_rps_nmasks(plan->rps_mask));
		} else if ((part != NG_PART_RPS && part != NG_PART_RFS) ||
			   pi->res.outcome != NG_ALREADY) {
			continue;
		}
		o = strlen(pi->res.detail);
		pi->write = plan->write[part] = true;
		pi->res.outcome = NG_PLANNED;
		snprintf(pi->res.detail + o, sizeof(pi->res.detail) - o, "%snew channels",
			 o ? "; " : "");
	}
}

/* Run by apply: the program alone knows whether it worked. */
static void plan_ethtool(struct planning *pl, struct ng_plan_item *pi)
{
	(void)pl;
	pi->res.outcome = NG_PLANNED;
	pi->write = true;
}

/* Key groups: the part of the device each reads and writes, and how one of its items is
 * planned; a group without a plan function has no outcome (flags). One row per group. */
static const struct group_plan {
	enum ng_part part;
	void (*plan)(struct planning *pl, struct ng_plan_item *pi);
} groups[NG_GROUP_MAX] = {
	[NG_OFFLOAD] = { NG_PART_FEATURES, plan_offload },
	[NG_LINK] = { NG_PART_LINK, plan_link },
	[NG_COALESCE] = { NG_PART_COALESCE, plan_param },
	[NG_RING] = { NG_PART_RING, plan_param },
	[NG_RPS] = { NG_PART_RPS, plan_rps },
	[NG_ETHTOOL] = { NG_PART_NONE, plan_ethtool },
	[NG_ITR] = { NG_PART_COALESCE, plan_itr },
	[NG_FLAG] = { NG_PART_NONE, NULL },
	[NG_CMDLINE] = { NG_PART_NONE, NULL },
	[NG_PAUSE] = { NG_PART_PAUSE, plan_param },
	[NG_EEE] = { NG_PART_EEE, plan_param },
	[NG_CHANNELS] = { NG_PART_CHANNELS, plan_param },
	[NG_RFS] = { NG_PART_RFS, plan_rfs },
};

enum ng_part ng_group_part(enum ng_group g)
{
	return (unsigned)g < NG_GROUP_MAX ? groups[g].part : NG_PART_NONE;
}

/* The result as far as the item itself says: what it is about, wanted, from where. */
static void result_head(const struct ng_devstate *s, struct ng_plan_item *pi)
{
	const struct ng_item *it = pi->item;

	snprintf(pi->res.ifname, sizeof(pi->res.ifname), "%s", s->ifname);
	pi->res.group = it->group;
	snprintf(pi->res.name, sizeof(pi->res.name), "%s", it->name);
	ng_item_value_str(it, pi->res.want, sizeof(pi->res.want));
	pi->res.origin = it->origin;
}

int ng_plan_make(const struct ng_devstate *s, const struct ng_wanted *w, struct ng_plan *plan)
{
	size_t nb = s->err[NG_PART_FEATURES] ? 0 : s->feat.nblocks;
	struct planning pl;

	memset(plan, 0, sizeof(*plan));
	pl = (struct planning){ s, w, plan, NULL, NULL };
	plan->n = w->n;
	plan->nblocks = nb;
	plan->items = calloc(w->n ? w->n : 1, sizeof(*plan->items));
	plan->valid = calloc(nb ? nb : 1, sizeof(uint32_t));
	plan->requested = calloc(nb ? nb : 1, sizeof(uint32_t));
	pl.owner = calloc(nb ? s->feat.n : 1, sizeof(*pl.owner));
	pl.covered = calloc(w->n ? w->n : 1, sizeof(*pl.covered));
	if (!plan->items || !plan->valid || !plan->requested || !pl.owner || !pl.covered)
		goto nomem;
	for (size_t i = 0; i < w->n; i++) {
		plan->items[i].item = &w->items[i];
		plan->items[i].feats = calloc(nb ? nb : 1, sizeof(uint32_t));
		if (!plan->items[i].feats)
			goto nomem;
	}
	if (nb)
		assign_features(&s->feat, w, pl.owner, pl.covered);
	plan->link = s->link;
	for (int p = 0; p < NG_PART_MAX; p++) {
		const struct ng_part_struct *ps = ng_part_struct((enum ng_part)p);

		/* What is written starts as what was read: only wanted fields change. */
		if (ps->size)
			memcpy((char *)plan + ps->plan_off, (const char *)s + ps->state_off,
			       ps->size);
	}
	for (size_t i = 0; i < w->n; i++) {
		struct ng_plan_item *pi = &plan->items[i];
		enum ng_group g = pi->item->group;

		result_head(s, pi);
		if ((unsigned)g < NG_GROUP_MAX && groups[g].plan)
			groups[g].plan(&pl, pi);
		else
			pi->no_result = true;
	}
	renew_queue_parts(plan);
	free(pl.owner);
	free(pl.covered);
	return 0;
nomem:
	free(pl.owner);
	free(pl.covered);
	ng_plan_free(plan);
	return -ENOMEM;
}
