/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.c: the decisions of nicguard-watch: debounce, ladder, backoff, limits, backup holds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define HOUR_MS (3600ull * 1000)
#define MAX_STATES 256			/* interfaces tracked at once */
#define BACKUP_RECHECK_MS (30ull * 1000)	/* while a held step waits for a backup to end */

struct wstate {
	char ifname[NG_IFNAMSIZ];
	char last_sig[32];
	bool logged;
	uint64_t last_seen, last_logged, last_action;
	unsigned suppressed;		/* repeats since the last logged detection */
	unsigned rung;			/* the next ladder rung */
	unsigned streak;		/* actions in this episode: the backoff exponent */
	uint64_t hour[NG_WATCH_PER_HOUR_MAX];	/* times of recent actions, oldest first */
	unsigned nhour;
	bool held, backup_reapplied;
	uint64_t due;
	struct ng_watch_stats stats;
};

struct ng_watch {
	struct wstate *v;
	size_t n, cap;
};

struct ng_watch *ng_watch_new(void)
{
	return calloc(1, sizeof(struct ng_watch));
}

void ng_watch_free(struct ng_watch *w)
{
	if (!w)
		return;
	free(w->v);
	free(w);
}

static struct wstate *state_get(struct ng_watch *w, const char *ifname)
{
	struct wstate *victim = NULL;

	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].ifname, ifname) == 0)
			return &w->v[i];
	if (w->n == w->cap && w->cap < MAX_STATES) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct wstate *v = realloc(w->v, cap * sizeof(*v));

		if (v) {
			w->v = v;
			w->cap = cap;
		}
	}
	if (w->n < w->cap) {
		victim = &w->v[w->n++];
	} else {
		/* Full (records naming ever new interfaces): forget the one idle longest. */
		for (size_t i = 0; i < w->n; i++)
			if (!w->v[i].held && (!victim || w->v[i].last_seen < victim->last_seen))
				victim = &w->v[i];
		if (!victim)
			return NULL;
	}
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->ifname, sizeof(victim->ifname), "%s", ifname);
	snprintf(victim->stats.ifname, sizeof(victim->stats.ifname), "%s", ifname);
	return victim;
}

static struct wstate *state_find(struct ng_watch *w, const char *ifname)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].ifname, ifname) == 0)
			return &w->v[i];
	return NULL;
}

/* The wait after `streak` actions: min-interval, doubled per further action, capped. */
static uint64_t backoff(const struct ng_watch_opts *o, unsigned streak)
{
	uint64_t gap = o->min_interval_ms;

	for (unsigned i = 1; i < streak && gap < o->backoff_max_ms; i++)
		gap *= 2;
	return gap > o->backoff_max_ms && o->backoff_max_ms >= o->min_interval_ms ?
		o->backoff_max_ms : gap;
}

static void hold(struct wstate *st, uint64_t due, struct ng_watch_decision *d)
{
	st->held = true;
	st->due = due;
	st->stats.held = true;
	if (d)
		d->due_ms = due;
}

static void prune_hour(struct wstate *st, uint64_t now)
{
	unsigned k = 0;

	while (k < st->nhour && st->hour[k] + HOUR_MS <= now)
		k++;
	memmove(st->hour, st->hour + k, (st->nhour - k) * sizeof(st->hour[0]));
	st->nhour -= k;
}

/* The checks every action passes, for a new detection or a held step come due. */
static void gate(const struct ng_watch_opts *o, struct wstate *st, const struct ng_watch_input *in,
		 struct ng_watch_decision *d)
{
	uint64_t now = in->now_ms;
	unsigned rung = st->rung < o->nladder ? st->rung : (unsigned)o->nladder - 1;
	enum ng_watch_step step = o->ladder[rung];

	d->rung = rung;
	if (now < o->quiet_ms) {
		d->why = NG_WHY_QUIET;
		hold(st, o->quiet_ms, d);
		return;
	}
	if (!in->backup)
		st->backup_reapplied = false;
	if (step == NG_STEP_LOG) {
		d->step = step;
		return;
	}
	prune_hour(st, now);
	if (st->nhour >= o->max_per_hour) {
		d->why = NG_WHY_LIMIT;
		d->due_ms = st->hour[0] + HOUR_MS;
		return;
	}
	if (st->last_action && now < st->last_action + backoff(o, st->streak)) {
		d->why = NG_WHY_WAIT;
		hold(st, st->last_action + backoff(o, st->streak), d);
		return;
	}
	if (in->backup && (step == NG_STEP_BOUNCE || step == NG_STEP_REBIND) &&
	    o->during_backup != NG_BACKUP_ALLOW) {
		d->why = NG_WHY_BACKUP;
		hold(st, now + (o->min_interval_ms > BACKUP_RECHECK_MS ? o->min_interval_ms :
				BACKUP_RECHECK_MS), d);
		if (o->during_backup == NG_BACKUP_REAPPLY && !st->backup_reapplied) {
			d->step = NG_STEP_REAPPLY;
			d->substitute = true;
		}
		return;
	}
	d->step = step;
}

void ng_watch_detect(struct ng_watch *w, const struct ng_watch_opts *o,
		     const struct ng_watch_input *in, struct ng_watch_decision *d)
{
	const char *ifname = in->ifname ? in->ifname : "";
	struct wstate *st;
	uint64_t now = in->now_ms;

	memset(d, 0, sizeof(*d));
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	d->why = NG_WHY_ACT;
	st = in->sig ? state_get(w, ifname) : state_find(w, ifname);
	if (!st) {
		d->why = NG_WHY_LOG_ONLY;
		return;
	}
	if (!in->sig) {
		if (!st->held || st->due > now) {
			d->why = NG_WHY_HELD;
			d->due_ms = st->held ? st->due : 0;
			return;
		}
		st->held = st->stats.held = false;
		gate(o, st, in, d);
		return;
	}
	st->stats.events[in->sig->cls]++;
	st->stats.last_event = in->wall;
	/* A long quiet stretch ends the episode: the next hang starts on the first rung. */
	if (st->last_seen && now - st->last_seen >= o->reset_after_ms)
		st->rung = st->streak = 0;
	st->last_seen = now;
	if (st->logged && strcmp(st->last_sig, in->sig->id) == 0 &&
	    now - st->last_logged < o->debounce_ms) {
		st->suppressed++;
		st->stats.suppressed++;
		d->why = NG_WHY_DEBOUNCED;
		d->suppressed = st->suppressed;
		return;
	}
	d->suppressed = st->suppressed;
	snprintf(d->repeated, sizeof(d->repeated), "%s", st->last_sig);
	st->suppressed = 0;
	st->logged = true;
	st->last_logged = now;
	snprintf(st->last_sig, sizeof(st->last_sig), "%s", in->sig->id);
	snprintf(st->stats.last_sig, sizeof(st->stats.last_sig), "%s", in->sig->id);
	if (in->history || !ifname[0] || !(o->act_on & (1u << in->sig->cls))) {
		d->why = NG_WHY_LOG_ONLY;
	} else if (st->last_action && now - st->last_action < o->settle_ms) {
		d->why = NG_WHY_SETTLING;
	} else if (st->held) {
		d->why = NG_WHY_HELD;
		d->due_ms = st->due;
	} else {
		gate(o, st, in, d);
	}
}

void ng_watch_done(struct ng_watch *w, const struct ng_watch_opts *o,
		   const struct ng_watch_decision *d, enum ng_watch_result r, uint64_t now_ms)
{
	struct wstate *st = state_find(w, d->ifname);

	if (!st || d->step == NG_STEP_NONE)
		return;
	if (d->step == NG_STEP_LOG) {
		st->rung = st->stats.rung = d->rung + 1;
		return;
	}
	if (r == NG_WATCH_SKIPPED) {
		/* Nothing to do on this rung (no watch-* settings, no bus device): go on to
		 * the next one at once, unless this was the last. */
		if (d->substitute)
			st->backup_reapplied = true;
		else if (d->rung + 1 < o->nladder)
			st->rung = st->stats.rung = d->rung + 1;
		else
			return;
		hold(st, now_ms, NULL);
		return;
	}
	st->stats.actions[d->step]++;
	if (r == NG_WATCH_FAILED)
		st->stats.failed++;
	st->last_action = now_ms;
	st->streak++;
	prune_hour(st, now_ms);
	if (st->nhour < NG_WATCH_PER_HOUR_MAX)
		st->hour[st->nhour++] = now_ms;
	if (d->substitute)
		st->backup_reapplied = true;
	else
		st->rung = d->rung + 1;
	st->stats.rung = st->rung;
}

uint64_t ng_watch_next_due(const struct ng_watch *w, char *ifname, size_t len)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].held && w->v[i].due < due) {
			due = w->v[i].due;
			if (ifname)
				snprintf(ifname, len, "%s", w->v[i].ifname);
		}
	}
	return due;
}

size_t ng_watch_nstats(const struct ng_watch *w)
{
	return w->n;
}

const struct ng_watch_stats *ng_watch_stats_at(const struct ng_watch *w, size_t i)
{
	return i < w->n ? &w->v[i].stats : NULL;
}

const char *ng_watch_why_name(enum ng_watch_why why)
{
	static const char *const names[] = {
		"act", "debounced", "log-only", "settling", "quiet-after-boot", "waiting",
		"held", "limit", "backup",
	};

	return (unsigned)why < NG_ARRAY_SIZE(names) ? names[why] : "?";
}

void ng_watch_why_text(const struct ng_watch_decision *d, uint64_t now_ms, char *buf, size_t len)
{
	uint64_t wait = d->due_ms > now_ms ? d->due_ms - now_ms : 0;

	switch (d->why) {
	case NG_WHY_ACT:
		snprintf(buf, len, "action %s", ng_watch_step_name(d->step));
		break;
	case NG_WHY_QUIET:
	case NG_WHY_WAIT:
	case NG_WHY_HELD:
		snprintf(buf, len, "no action yet (%s; rung %u due in %" PRIu64 ".%03" PRIu64 " s)",
			 ng_watch_why_name(d->why), d->rung + 1, wait / 1000, wait % 1000);
		break;
	case NG_WHY_BACKUP:
		snprintf(buf, len, "backup window open: %s, bounce/rebind held",
			 d->step == NG_STEP_REAPPLY ? "re-applying stricter settings" :
			 "logging only");
		break;
	case NG_WHY_LIMIT:
		snprintf(buf, len, "no action (max-per-hour reached; next slot in %" PRIu64 " s)",
			 wait / 1000);
		break;
	default:
		snprintf(buf, len, "no action (%s)", ng_watch_why_name(d->why));
		break;
	}
}
