/* SPDX-License-Identifier: GPL-2.0-or-later */
/* histreport.c: did a change help? Rates before and after each change, and per day (pure). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define DAY 86400
#define GROUP_GAP 60	/* settings changed this close together are one change (one apply) */

struct ctx {
	const struct ng_hist *h;
	const bool *starts;	/* ev[i] starts an episode */
	int64_t from, to;
};

/* How much of (start, end] lies in (a, b]: 1 or 0 for a point in time. */
static double overlap(int64_t start, int64_t end, int64_t a, int64_t b)
{
	int64_t lo = start > a ? start : a, hi = end < b ? end : b;

	if (end <= start)
		return end > a && end <= b;
	return hi > lo ? (double)(hi - lo) / (double)(end - start) : 0;
}

/* Everything in (a, b] for ifname ("": the host's counters and stalls). */
static void fill(const struct ctx *c, const char *ifname, int64_t a, int64_t b,
		 struct ng_histreport_period *p)
{
	const struct ng_hist *h = c->h;

	memset(p, 0, sizeof(*p));
	p->start = a;
	p->end = b;
	for (size_t i = 0; i < h->nev; i++) {
		const struct ng_hist_event *e = &h->ev[i];

		if (!c->starts[i] || e->time <= a || e->time > b || strcmp(e->ifname, ifname) != 0)
			continue;
		p->hangs += e->cls == NG_SIG_HANG;
		p->resets += e->cls == NG_SIG_RESET;
		p->stalls += e->cls == NG_SIG_STALL;
	}
	for (size_t i = 0; i < h->ncnt; i++) {
		const struct ng_hist_count *n = &h->cnt[i];
		double f = overlap(n->start, n->end, a, b);

		if (f == 0)
			continue;
		if (!n->ifname[0]) {
			p->watched += f * n->covered;
			if (!ifname[0]) {
				p->softnet_dropped += f * (double)n->softnet_dropped;
				p->squeezed += f * (double)n->squeezed;
			}
		}
		if (strcmp(n->ifname, ifname) == 0) {
			p->hangs += f * n->hangs;
			p->resets += f * n->resets;
			p->stalls += f * n->stalls;
			p->rx_dropped += f * (double)n->rx_dropped;
		}
	}
}

/* The record before i of the same interface and setting, or NULL. */
static const struct ng_hist_change *prev_of(const struct ng_hist *h, size_t i)
{
	for (size_t j = i; j-- > 0;)
		if (strcmp(h->ch[j].ifname, h->ch[i].ifname) == 0 &&
		    strcmp(h->ch[j].setting, h->ch[i].setting) == 0)
			return &h->ch[j];
	return NULL;
}

/* Did record i change what is in effect? A re-apply of the recorded value (every boot)
 * did not; a first record did when it says what was there before and that differed. */
static const char *changed(const struct ng_hist *h, size_t i)
{
	const struct ng_hist_change *p = prev_of(h, i), *c = &h->ch[i];
	const char *was = p ? p->value : c->was;

	if (p ? strcmp(p->value, c->value) == 0 : !c->was[0] || strcmp(c->was, c->value) == 0)
		return NULL;
	return was;
}

static void append(char *buf, size_t len, const char *a, const char *b)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s%s%s", n ? " " : "", a, b[0] ? " " : "", b);
}

static int add_change(struct ng_histreport_if *r, size_t *cap)
{
	if (r->nchanges == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct ng_histreport_change *v = realloc(r->changes, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->changes = v;
		*cap = nc;
	}
	memset(&r->changes[r->nchanges++], 0, sizeof(*r->changes));
	return 0;
}

/* The change points of one interface over the whole history: its own changes, grouped,
 * and (for the drop rates) the host's sysctls; the host has only its sysctls. */
static int changes_of(const struct ng_hist *h, struct ng_histreport_if *r)
{
	size_t cap = 0;
	struct ng_histreport_change *cur = NULL;

	for (size_t i = 0; i < h->nch; i++) {
		const struct ng_hist_change *c = &h->ch[i];
		bool own = strcmp(c->ifname, r->ifname) == 0;
		const char *was;

		if ((!own && c->ifname[0]) || !(was = changed(h, i)))
			continue;
		if (!cur || !own || !cur->own || !r->ifname[0] || c->time - cur->time > GROUP_GAP ||
		    strcmp(c->source, cur->source) != 0) {
			if (add_change(r, &cap) < 0)
				return -ENOMEM;
			cur = &r->changes[r->nchanges - 1];
			cur->time = c->time;
			cur->own = own;
			cur->hangs = own && r->ifname[0];
			snprintf(cur->origin, sizeof(cur->origin), "%s", c->origin);
			snprintf(cur->source, sizeof(cur->source), "%s", c->source);
			cur->escalation = strcmp(c->source, NG_HISTORY_WATCH) == 0;
		}
		cur->drops |= !c->ifname[0] || strcmp(c->setting, "rps") == 0;
		append(cur->label, sizeof(cur->label), c->setting, c->value);
		append(cur->was, sizeof(cur->was), c->setting, was);
		if (!own)
			cur = NULL;	/* a sysctl stands alone */
	}
	for (size_t i = r->nchanges; i-- > 0;) {
		if (r->changes[i].own && r->ifname[0]) {
			r->since = r->changes[i].time;
			snprintf(r->since_label, sizeof(r->since_label), "%s", r->changes[i].label);
			break;
		}
	}
	return 0;
}

/* The change before (dir -1) or after (+1) change i that the same rate answers to. */
static int64_t neighbour(const struct ng_histreport_if *r, size_t i, int dir, bool drops,
			 int64_t dflt)
{
	for (size_t j = i; dir < 0 ? j-- > 0 : ++j < r->nchanges;)
		if (drops ? r->changes[j].drops : r->changes[j].hangs)
			return r->changes[j].time;
	return dflt;
}

/* Keep the changes in the window, each with the spans before and after it. */
static void periods(const struct ctx *c, struct ng_histreport_if *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nchanges; i++) {
		struct ng_histreport_change *ch = &r->changes[i];
		int64_t b;

		if (ch->time <= c->from || ch->time > c->to)
			continue;
		if (ch->hangs) {
			b = neighbour(r, i, -1, false, c->from);
			fill(c, r->ifname, b > c->from ? b : c->from, ch->time, &ch->hang_before);
			fill(c, r->ifname, ch->time, neighbour(r, i, 1, false, c->to),
			     &ch->hang_after);
		}
		if (ch->drops) {
			b = neighbour(r, i, -1, true, c->from);
			fill(c, r->ifname, b > c->from ? b : c->from, ch->time, &ch->drop_before);
			fill(c, r->ifname, ch->time, neighbour(r, i, 1, true, c->to),
			     &ch->drop_after);
		}
	}
	/* Only now: the spans above look at the neighbours outside the window too. */
	for (size_t i = 0; i < r->nchanges; i++)
		if (r->changes[i].time > c->from && r->changes[i].time <= c->to)
			r->changes[k++] = r->changes[i];
	r->nchanges = k;
}

static void days_of(const struct ctx *c, struct ng_histreport_if *r, unsigned days)
{
	/* The midnight that starts the day holding `to` ((day, day + DAY] holds it). */
	int64_t last = c->to > 0 ? ((c->to - 1) / DAY) * DAY : 0;

	r->ndays = days;
	for (unsigned i = 0; i < days; i++) {
		struct ng_histreport_day *d = &r->days[i];
		struct ng_histreport_period p;

		d->day = last - (int64_t)(days - 1 - i) * DAY;
		fill(c, r->ifname, d->day, d->day + DAY, &p);
		d->watched = p.watched;
		d->hangs = p.hangs;
		d->resets = p.resets;
		d->stalls = p.stalls;
		d->rx_dropped = p.rx_dropped;
		d->softnet_dropped = p.softnet_dropped;
		d->squeezed = p.squeezed;
	}
}

static void last_hang(const struct ng_hist *h, struct ng_histreport_if *r, const bool *starts)
{
	for (size_t i = 0; i < h->nev; i++)
		if (!h->ev[i].action && h->ev[i].cls == NG_SIG_HANG &&
		    strcmp(h->ev[i].ifname, r->ifname) == 0)
			r->last_hang = h->ev[i].time > r->last_hang ? h->ev[i].time : r->last_hang;
	for (size_t i = 0; i < h->ncnt; i++)
		if (h->cnt[i].hangs && strcmp(h->cnt[i].ifname, r->ifname) == 0 &&
		    h->cnt[i].end > r->last_hang)
			r->last_hang = h->cnt[i].end;
	for (size_t i = 0; i < h->nev; i++)
		if (starts[i] && h->ev[i].cls == NG_SIG_HANG && h->ev[i].time > r->since &&
		    strcmp(h->ev[i].ifname, r->ifname) == 0)
			r->hangs_since++;
	for (size_t i = 0; i < h->ncnt; i++)
		if (strcmp(h->cnt[i].ifname, r->ifname) == 0)
			r->hangs_since += h->cnt[i].hangs *
					  overlap(h->cnt[i].start, h->cnt[i].end, r->since, INT64_MAX);
}

/* Digits at p (at least one): the position after them, or NULL. */
static const char *digits(const char *p)
{
	const char *s = p;

	while (*p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

/* A guest's host-side device (tap100i0, veth100i0, fwpr100p0, fwln100i0, fwbr100i0): they
 * come and go with their guest and only matter in the summary when they hang or drop. */
bool ng_hist_guest_dev(const char *name)
{
	static const struct {
		const char *prefix;
		char sep;
	} forms[] = { { "tap", 'i' }, { "veth", 'i' }, { "fwln", 'i' }, { "fwbr", 'i' },
		      { "fwpr", 'p' } };

	for (size_t i = 0; i < NG_ARRAY_SIZE(forms); i++) {
		size_t n = strlen(forms[i].prefix);
		const char *p;

		if (strncmp(name, forms[i].prefix, n) != 0 || !(p = digits(name + n)) ||
		    *p != forms[i].sep || !(p = digits(p + 1)))
			continue;
		if (!*p)
			return true;
	}
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every interface with a record in the window or a change still in effect, and the host;
 * sorted, the host ("") first. */
static const char **names_in(const struct ng_hist *h, int64_t from, size_t *n)
{
	const char **v = malloc((h->nev + h->nch + h->ncnt + 1) * sizeof(*v));
	size_t k = 0, u = 0;

	if (!v)
		return NULL;
	v[k++] = "";
	for (size_t i = 0; i < h->nev; i++)
		if (h->ev[i].time > from && h->ev[i].ifname[0])
			v[k++] = h->ev[i].ifname;
	/* A guest's device whose last change is older than the window has nothing to say:
	 * a container host has had thousands. */
	for (size_t i = 0; i < h->nch; i++)
		if (h->ch[i].ifname[0] && (h->ch[i].time > from ||
					   !ng_hist_guest_dev(h->ch[i].ifname)))
			v[k++] = h->ch[i].ifname;
	for (size_t i = 0; i < h->ncnt; i++)
		if (h->cnt[i].end > from && h->cnt[i].ifname[0])
			v[k++] = h->cnt[i].ifname;
	qsort(v, k, sizeof(*v), cmp_name);
	for (size_t i = 0; i < k; i++)
		if (!u || strcmp(v[u - 1], v[i]) != 0)
			v[u++] = v[i];
	*n = u;
	return v;
}

static int one(const struct ctx *c, const char *name, unsigned days,
	       struct ng_histreport_if *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->ifname, sizeof(r->ifname), "%s", name);
	r->days = calloc(days, sizeof(*r->days));
	if (!r->days || changes_of(c->h, r) < 0)
		return -ENOMEM;
	periods(c, r);
	days_of(c, r, days);
	fill(c, name, c->from, c->to, &r->total);
	last_hang(c->h, r, c->starts);
	/* A sysctl says nothing about an interface that drops nothing. */
	if (r->total.rx_dropped == 0 && name[0]) {
		size_t k = 0;

		for (size_t i = 0; i < r->nchanges; i++)
			if (r->changes[i].own)
				r->changes[k++] = r->changes[i];
		r->nchanges = k;
	}
	return 0;
}

int ng_histreport_make(const struct ng_hist *h, int64_t now, unsigned days,
		       const char *const *names, size_t n, struct ng_histreport *out)
{
	struct ctx c = { h, NULL, now - (int64_t)days * DAY, now };
	const char **all = NULL;
	bool *starts;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (days == 0 || days > NG_HISTORY_DAYS)
		return -EINVAL;
	out->from = c.from;
	out->to = now;
	out->days = days;
	starts = malloc(h->nev + 1);
	if (!starts)
		return -ENOMEM;
	for (size_t i = 0; i < h->nev; i++)
		starts[i] = ng_hist_episode_start(h->ev, i);
	c.starts = starts;
	if (n == 0) {
		all = names_in(h, c.from, &n);
		names = all;
	}
	out->v = calloc(n + 1, sizeof(*out->v));
	if (!names || !out->v)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = one(&c, names[i], days, &out->v[i]);
		out->n = i + 1;
	}
	free(all);
	free(starts);
	if (r < 0)
		ng_histreport_free(out);
	return r;
}

void ng_histreport_free(struct ng_histreport *r)
{
	for (size_t i = 0; r->v && i < r->n; i++) {
		free(r->v[i].changes);
		free(r->v[i].days);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
