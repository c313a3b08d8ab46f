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
	bool judging;			/* a step waits for its judgement at judge_at */
	uint64_t judge_at, acted_at;
	unsigned acted_rung;		/* the rung of the step being judged */
	unsigned last_rung;		/* the rung of the last action */
	enum ng_watch_step acted_step;
	struct ng_txprogress base;	/* after the step, or at the detection a hold is for */
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
	if (step == NG_STEP_REBOOT && now < o->reboot_min_uptime_ms) {
		d->why = NG_WHY_UPTIME;
		hold(st, o->reboot_min_uptime_ms, d);
		return;
	}
	if (in->backup && (step == NG_STEP_BOUNCE || step == NG_STEP_REBIND ||
			   step == NG_STEP_REBOOT) && o->during_backup != NG_BACKUP_ALLOW) {
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

enum ng_watch_verdict ng_watch_judge(const struct ng_txprogress *before,
				     const struct ng_txprogress *after)
{
	if (!before || !after || !before->ok || !after->ok || before->ifindex != after->ifindex)
		return NG_VERDICT_NONE;
	/* The kernel's own watchdog fired again: whatever was sent, the queue stalled. */
	if (after->tx_timeouts > before->tx_timeouts)
		return NG_VERDICT_HUNG;
	if (!after->carrier)
		return NG_VERDICT_NO_CARRIER;
	if (after->tx_packets > before->tx_packets)
		return NG_VERDICT_RECOVERED;
	/* Bytes handed to the device and not completed, then and now, none sent between. */
	if (before->bql && after->bql && before->inflight && after->inflight)
		return NG_VERDICT_HUNG;
	return NG_VERDICT_IDLE;
}

const char *ng_watch_verdict_name(enum ng_watch_verdict v)
{
	static const char *const names[] = { "none", "recovered", "hung", "idle", "no-carrier" };

	return (unsigned)v < NG_ARRAY_SIZE(names) ? names[v] : "?";
}

static void note_verdict(const struct wstate *st, const struct ng_watch_input *in,
			 enum ng_watch_verdict v, struct ng_watch_decision *d)
{
	d->verdict = v;
	if (v == NG_VERDICT_NONE)
		return;
	d->sent = in->progress->tx_packets - st->base.tx_packets;
	d->timeouts = in->progress->tx_timeouts - st->base.tx_timeouts;
}

/* Settle after a step: did the port recover? */
static void judge_step(const struct ng_watch_opts *o, struct wstate *st,
		       const struct ng_watch_input *in, struct ng_watch_decision *d)
{
	enum ng_watch_verdict v = ng_watch_judge(&st->base, in->progress);

	st->judging = false;
	note_verdict(st, in, v, d);
	d->judged = st->acted_step;
	d->judged_after_ms = in->now_ms - st->acted_at;
	if (v == NG_VERDICT_RECOVERED) {
		/* The step that worked is the one to take when the port hangs again. */
		st->rung = st->stats.rung = st->acted_rung;
		st->stats.recovered++;
		d->why = NG_WHY_RECOVERED;
	} else if (v == NG_VERDICT_HUNG) {
		gate(o, st, in, d);
	} else {
		d->why = NG_WHY_NO_EVIDENCE;
	}
	if (in->progress && in->progress->ok)
		st->base = *in->progress;
}

/* A held step comes due: not taken when transmit resumed since the last report. */
static void due_step(const struct ng_watch_opts *o, struct wstate *st,
		     const struct ng_watch_input *in, struct ng_watch_decision *d)
{
	enum ng_watch_verdict v = ng_watch_judge(&st->base, in->progress);

	st->held = st->stats.held = false;
	if (v == NG_VERDICT_RECOVERED) {
		note_verdict(st, in, v, d);
		d->why = NG_WHY_RECOVERED;
		d->rung = st->rung < o->nladder ? st->rung : (unsigned)o->nladder - 1;
		st->base = *in->progress;
		return;
	}
	gate(o, st, in, d);
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
		if (st->judging && st->judge_at <= now) {
			judge_step(o, st, in, d);
			return;
		}
		if (!st->held || st->due > now) {
			d->why = NG_WHY_HELD;
			d->due_ms = st->held ? st->due : 0;
			return;
		}
		due_step(o, st, in, d);
		return;
	}
	st->stats.events[in->sig->cls]++;
	st->stats.last_event = in->wall;
	/* A long quiet stretch ends the episode: the next hang starts on the first rung. */
	if (st->last_seen && now - st->last_seen >= o->reset_after_ms)
		st->rung = st->streak = 0;
	st->last_seen = now;
	/* A held step is judged on what came after the last report of the hang, not the
	 * first: a port that stalled a while longer, then sent again, has recovered. */
	if (st->held && !st->judging && !in->history && (o->act_on & (1u << in->sig->cls)) &&
	    in->progress && in->progress->ok)
		st->base = *in->progress;
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
		/* The record is the evidence: the step before it did not help. */
		st->judging = false;
		if (in->progress && in->progress->ok)
			st->base = *in->progress;
		gate(o, st, in, d);
	}
}

void ng_watch_done(struct ng_watch *w, const struct ng_watch_opts *o,
		   const struct ng_watch_decision *d, enum ng_watch_result r, uint64_t now_ms,
		   const struct ng_txprogress *after)
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
	st->last_rung = d->rung;
	st->streak++;
	prune_hour(st, now_ms);
	if (st->nhour < NG_WATCH_PER_HOUR_MAX)
		st->hour[st->nhour++] = now_ms;
	if (d->substitute)
		st->backup_reapplied = true;
	else
		st->rung = d->rung + 1;
	st->stats.rung = st->rung;
	/* Judged settle from now, against the port as the step left it. */
	st->judging = after && after->ok;
	if (st->judging) {
		st->base = *after;
		st->judge_at = now_ms + o->settle_ms;
		st->acted_at = now_ms;
		st->acted_rung = d->rung;
		st->acted_step = d->step;
	}
}

void ng_watch_recovered(struct ng_watch *w, const char *ifname, bool credit)
{
	struct wstate *st = state_find(w, ifname);

	if (!st)
		return;
	/* A held step is not taken, and no judgement from the transmit counters is due. */
	st->held = st->stats.held = false;
	st->judging = false;
	if (credit && st->last_action) {
		st->rung = st->stats.rung = st->last_rung;
		st->stats.recovered++;
	} else if (!credit) {
		st->rung = st->stats.rung = 0;
	}
}

uint64_t ng_watch_next_due(const struct ng_watch *w, char *ifname, size_t len)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < w->n; i++) {
		const struct wstate *st = &w->v[i];
		uint64_t at = st->judging ? st->judge_at : st->held ? st->due : UINT64_MAX;

		if (at < due) {
			due = at;
			if (ifname)
				snprintf(ifname, len, "%s", st->ifname);
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
		"held", "limit", "backup", "recovered", "no-evidence", "reboot-min-uptime",
	};

	return (unsigned)why < NG_ARRAY_SIZE(names) ? names[why] : "?";
}

/* "still hung 3.000 s after bounce (1 new transmit timeout, 0 packets sent): " */
static size_t verdict_text(const struct ng_watch_decision *d, char *buf, size_t len)
{
	static const char *const says[] = { "", "transmit resumed", "still hung",
					    "no traffic to judge by", "no carrier" };
	int n;

	if (d->verdict == NG_VERDICT_NONE)
		return 0;
	if (d->judged != NG_STEP_NONE)
		n = snprintf(buf, len, "%s %" PRIu64 ".%03" PRIu64 " s after %s", says[d->verdict],
			     d->judged_after_ms / 1000, d->judged_after_ms % 1000,
			     ng_watch_step_name(d->judged));
	else
		n = snprintf(buf, len, "%s since the last report of the hang", says[d->verdict]);
	if (n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " (%" PRIu64 " packets sent, %" PRIu64
			      " new transmit timeouts): ", d->sent, d->timeouts);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

void ng_watch_why_text(const struct ng_watch_decision *d, uint64_t now_ms, char *buf, size_t len)
{
	uint64_t wait = d->due_ms > now_ms ? d->due_ms - now_ms : 0;
	size_t pre = len ? verdict_text(d, buf, len) : 0;

	buf += pre;
	len -= pre;
	switch (d->why) {
	case NG_WHY_ACT:
		snprintf(buf, len, "action %s", ng_watch_step_name(d->step));
		break;
	case NG_WHY_QUIET:
	case NG_WHY_WAIT:
	case NG_WHY_HELD:
	case NG_WHY_UPTIME:
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
	case NG_WHY_RECOVERED:
		snprintf(buf, len, "%s", d->judged != NG_STEP_NONE ? "recovered, no further step" :
			 "the held step is dropped");
		break;
	case NG_WHY_NO_EVIDENCE:
		snprintf(buf, len, "no further step until the kernel reports the hang again");
		break;
	default:
		snprintf(buf, len, "no action (%s)", ng_watch_why_name(d->why));
		break;
	}
}
