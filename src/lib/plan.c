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
	pi->outcome = error == -EOPNOTSUPP ? NG_UNSUPPORTED : NG_FAILED;
	pi->error = error;
	snprintf(pi->detail, sizeof(pi->detail), "%s: %s", what, strerror(-error));
}

static void unsupported(struct ng_plan_item *pi, const char *why)
{
	pi->outcome = NG_UNSUPPORTED;
	pi->error = -EOPNOTSUPP;
	snprintf(pi->detail, sizeof(pi->detail), "%s", why);
}

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

static void plan_offload(const struct ng_devstate *s, struct ng_plan *plan, size_t i,
			 const long *owner, bool covered)
{
	struct ng_plan_item *pi = &plan->items[i];
	const struct ng_features *f = &s->feat;
	bool want = pi->item->num != 0, write = false, fixed = false;
	char fixed_names[NG_TEXT_MAX] = "", req[8];

	for (size_t k = 0; k < f->n; k++) {
		if (owner[k] != (long)i)
			continue;
		ng_features_set_bit(pi->feats, k, true);
		append_name(pi->detail, sizeof(pi->detail), f->names[k]);
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
	ng_plan_feat_str(f, pi->feats, f->active, pi->was, sizeof(pi->was));
	/* As `ethtool -k` shows it: a wish the driver does not (yet) honour. */
	ng_plan_feat_str(f, pi->feats, f->requested, req, sizeof(req));
	if (strcmp(req, pi->was) != 0) {
		size_t o = strlen(pi->was);

		snprintf(pi->was + o, sizeof(pi->was) - o, " (requested %s)", req);
	}
	if (!pi->detail[0]) {
		if (covered) {
			pi->outcome = NG_ALREADY;
			snprintf(pi->detail, sizeof(pi->detail),
				 "every feature it covers is set by another item");
		} else {
			unsupported(pi, "no such feature on this device");
		}
		return;
	}
	if (fixed) {
		size_t o = strlen(pi->detail);

		snprintf(pi->detail + o, sizeof(pi->detail) - o, " (fixed: %s)", fixed_names);
	}
	pi->write = write;
	plan->feat_write |= write;
	pi->outcome = write ? NG_PLANNED : fixed ? NG_FIXED : NG_ALREADY;
}

static void plan_link(const struct ng_devstate *s, const struct ng_wanted *w,
		      struct ng_plan *plan, struct ng_plan_item *pi)
{
	const struct ng_item *an = ng_wanted_find(w, NG_LINK, "autoneg");
	const struct ng_link *cur = &s->link;
	bool forced, differs;
	int64_t v = pi->item->num;

	if (s->link_err) {
		read_failed(pi, s->link_err, "link settings");
		return;
	}
	/* A forced speed or duplex means autoneg off unless the policy says on. */
	forced = !(an && an->num);
	ng_plan_link_str(cur, pi->item->name, pi->was, sizeof(pi->was));
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
	plan->link_write |= differs;
	pi->outcome = differs ? NG_PLANNED : NG_ALREADY;
}

/* A u32 field of struct ethtool_coalesce or ethtool_ringparam. */
static void plan_u32(struct ng_plan_item *pi, const void *cur, void *next, size_t off,
		     uint32_t want, bool *any)
{
	uint32_t v;

	memcpy(&v, (const char *)cur + off, sizeof(v));
	snprintf(pi->was, sizeof(pi->was), "%u", v);
	memcpy((char *)next + off, &want, sizeof(want));
	pi->write = v != want;
	*any |= pi->write;
	pi->outcome = pi->write ? NG_PLANNED : NG_ALREADY;
}

static void plan_param(const struct ng_devstate *s, struct ng_plan *plan,
		       struct ng_plan_item *pi)
{
	bool ring = pi->item->group == NG_RING;
	const struct ng_param *p = ring ? ng_ring_param(pi->item->name) :
				   ng_coalesce_param(pi->item->name);
	int error = ring ? s->ring_err : s->coal_err;

	if (!p) {
		unsupported(pi, ring ? "unknown ring parameter" : "unknown coalesce parameter");
		return;
	}
	if (error) {
		read_failed(pi, error, ring ? "ring parameters" : "coalesce parameters");
		return;
	}
	if (pi->item->num < 0 || pi->item->num > UINT32_MAX) {
		pi->outcome = NG_FAILED;
		pi->error = -ERANGE;
		snprintf(pi->detail, sizeof(pi->detail), "value out of range");
		return;
	}
	if (ring)
		plan_u32(pi, &s->ring, &plan->ring, p->offset, (uint32_t)pi->item->num,
			 &plan->ring_write);
	else
		plan_u32(pi, &s->coal, &plan->coal, p->offset, (uint32_t)pi->item->num,
			 &plan->coal_write);
}

static void plan_itr(const struct ng_devstate *s, const struct ng_wanted *w,
		     struct ng_plan *plan, struct ng_plan_item *pi)
{
	if (strcmp(s->driver, "e1000e") != 0 && strcmp(s->driver, "e1000") != 0) {
		unsupported(pi, "interrupt-throttle-rate is an e1000e/e1000 setting");
		return;
	}
	if (ng_wanted_find(w, NG_COALESCE, "rx-usecs")) {
		pi->outcome = NG_ALREADY;
		snprintf(pi->detail, sizeof(pi->detail), "overridden by coalesce rx-usecs");
		return;
	}
	if (ng_itr_to_usecs(pi->item->num, &pi->target) < 0) {
		pi->outcome = NG_FAILED;
		pi->error = -EINVAL;
		snprintf(pi->detail, sizeof(pi->detail), "not a valid InterruptThrottleRate: use %s",
			 NG_ITR_VALUES);
		return;
	}
	if (s->coal_err) {
		read_failed(pi, s->coal_err, "coalesce parameters");
		return;
	}
	snprintf(pi->detail, sizeof(pi->detail), "rx-usecs %u", pi->target);
	plan_u32(pi, &s->coal, &plan->coal, offsetof(struct ethtool_coalesce, rx_coalesce_usecs),
		 pi->target, &plan->coal_write);
}

static void plan_rps(const struct ng_devstate *s, struct ng_plan *plan, struct ng_plan_item *pi)
{
	size_t nmasks;
	int r;

	if (s->rps_err) {
		read_failed(pi, s->rps_err, "rps_cpus");
		return;
	}
	r = ng_rps_mask(pi->item, s->ncpus, plan->rps_mask, sizeof(plan->rps_mask));
	if (r < 0) {
		pi->outcome = NG_FAILED;
		pi->error = r;
		snprintf(pi->detail, sizeof(pi->detail), "bad rps value");
		return;
	}
	nmasks = ng_rps_nmasks(plan->rps_mask);
	if (nmasks > 1 && nmasks != s->nrps) {
		pi->outcome = NG_FAILED;
		pi->error = -EINVAL;
		snprintf(pi->detail, sizeof(pi->detail), "%zu masks for %zu rx queue%s", nmasks,
			 s->nrps, s->nrps == 1 ? "" : "s");
		return;
	}
	snprintf(pi->was, sizeof(pi->was), "%s", s->rps[0]);
	for (size_t q = 0; q < s->nrps; q++) {
		char one[NG_RPS_MASK_MAX];

		if (!ng_rps_mask_equal(s->rps[q], s->rps[0]))
			snprintf(pi->was, sizeof(pi->was), "mixed");
		if (!ng_rps_queue_mask(plan->rps_mask, q, one, sizeof(one)) ||
		    !ng_rps_mask_equal(s->rps[q], one))
			pi->write = true;
	}
	/* Printed only: a long per-queue list is cut, marked with "...". */
	if (strlen(plan->rps_mask) < sizeof(pi->want))
		memcpy(pi->want, plan->rps_mask, strlen(plan->rps_mask) + 1);
	else
		snprintf(pi->want, sizeof(pi->want), "%.*s...", (int)sizeof(pi->want) - 4,
			 plan->rps_mask);
	snprintf(pi->detail, sizeof(pi->detail), "%zu rx queue%s", s->nrps,
		 s->nrps == 1 ? "" : "s");
	plan->rps_write = pi->write;
	pi->outcome = pi->write ? NG_PLANNED : NG_ALREADY;
}

static void plan_item(const struct ng_devstate *s, const struct ng_wanted *w,
		      struct ng_plan *plan, size_t i, const long *owner, const bool *covered)
{
	struct ng_plan_item *pi = &plan->items[i];

	switch (pi->item->group) {
	case NG_OFFLOAD:
		if (s->feat_err)
			read_failed(pi, s->feat_err, "features");
		else
			plan_offload(s, plan, i, owner, covered[i]);
		break;
	case NG_LINK:
		plan_link(s, w, plan, pi);
		break;
	case NG_COALESCE:
	case NG_RING:
		plan_param(s, plan, pi);
		break;
	case NG_ITR:
		plan_itr(s, w, plan, pi);
		break;
	case NG_RPS:
		plan_rps(s, plan, pi);
		break;
	case NG_ETHTOOL:
		/* Run by apply: the program alone knows whether it worked. */
		pi->outcome = NG_PLANNED;
		pi->write = true;
		break;
	case NG_FLAG:
	default:
		pi->no_result = true;
		break;
	}
}

int ng_plan_make(const struct ng_devstate *s, const struct ng_wanted *w, struct ng_plan *plan)
{
	size_t nb = s->feat_err ? 0 : s->feat.nblocks;
	long *owner = NULL;
	bool *covered = NULL;

	memset(plan, 0, sizeof(*plan));
	plan->n = w->n;
	plan->nblocks = nb;
	plan->items = calloc(w->n ? w->n : 1, sizeof(*plan->items));
	plan->valid = calloc(nb ? nb : 1, sizeof(uint32_t));
	plan->requested = calloc(nb ? nb : 1, sizeof(uint32_t));
	owner = calloc(nb ? s->feat.n : 1, sizeof(*owner));
	covered = calloc(w->n ? w->n : 1, sizeof(*covered));
	if (!plan->items || !plan->valid || !plan->requested || !owner || !covered)
		goto nomem;
	for (size_t i = 0; i < w->n; i++) {
		plan->items[i].item = &w->items[i];
		plan->items[i].feats = calloc(nb ? nb : 1, sizeof(uint32_t));
		if (!plan->items[i].feats)
			goto nomem;
	}
	if (nb)
		assign_features(&s->feat, w, owner, covered);
	plan->link = s->link;
	plan->coal = s->coal;
	plan->ring = s->ring;
	for (size_t i = 0; i < w->n; i++) {
		ng_item_value_str(&w->items[i], plan->items[i].want, sizeof(plan->items[i].want));
		plan_item(s, w, plan, i, owner, covered);
	}
	free(owner);
	free(covered);
	return 0;
nomem:
	free(owner);
	free(covered);
	ng_plan_free(plan);
	return -ENOMEM;
}
