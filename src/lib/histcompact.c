/* SPDX-License-Identifier: GPL-2.0-or-later */
/* histcompact.c: what the history keeps when it is rewritten: the bound and its priorities. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define DAY 86400
#define HOUR 3600
#define FINE_AGE (2 * DAY)	/* counters younger than this stay per hour, older per day */
#define SURE_DAYS 31		/* counters this recent go last, after every other record */

/* Drop the items of v (n of them, elem bytes each) whose keep[i] is false. */
static size_t filter(void *v, size_t n, size_t elem, const bool *keep)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (keep[i])
			memmove((char *)v + k++ * elem, (char *)v + i * elem, elem);
	return k;
}

static bool same_key(const struct ng_hist_change *a, const struct ng_hist_change *b)
{
	return strcmp(a->ifname, b->ifname) == 0 && strcmp(a->setting, b->setting) == 0;
}

/* The last change of its (interface, setting): the value in effect, kept at any age. */
static bool in_effect(const struct ng_hist *h, size_t i)
{
	for (size_t j = i + 1; j < h->nch; j++)
		if (same_key(&h->ch[i], &h->ch[j]))
			return false;
	return true;
}

/* Records from the future (a clock set wrong, then right) and past the retention go; a
 * change that re-applies the value already recorded (every boot re-applies tso off) says
 * nothing new and goes too: its (interface, setting) keeps the first time it took effect. */
static int age_and_dedupe(struct ng_hist *h, int64_t now)
{
	int64_t horizon = now - (int64_t)NG_HISTORY_DAYS * DAY, future = now + DAY;
	size_t n = h->nev > h->nch ? h->nev : h->nch;
	bool *keep = malloc((n > h->ncnt ? n : h->ncnt) + 1);

	if (!keep)
		return -ENOMEM;
	for (size_t i = 0; i < h->nev; i++)
		keep[i] = h->ev[i].time >= horizon && h->ev[i].time <= future;
	h->nev = filter(h->ev, h->nev, sizeof(*h->ev), keep);
	for (size_t i = 0; i < h->ncnt; i++)
		keep[i] = h->cnt[i].end >= horizon && h->cnt[i].start <= future;
	h->ncnt = filter(h->cnt, h->ncnt, sizeof(*h->cnt), keep);
	for (size_t i = 0; i < h->nch; i++) {
		keep[i] = h->ch[i].time <= future;
		for (size_t j = i; keep[i] && j-- > 0;) {
			if (keep[j] && same_key(&h->ch[j], &h->ch[i])) {
				keep[i] = strcmp(h->ch[j].value, h->ch[i].value) != 0;
				break;
			}
		}
	}
	h->nch = filter(h->ch, h->nch, sizeof(*h->ch), keep);
	for (size_t i = 0; i < h->nch; i++)
		keep[i] = h->ch[i].time >= horizon || in_effect(h, i);
	h->nch = filter(h->ch, h->nch, sizeof(*h->ch), keep);
	free(keep);
	return 0;
}

/* Is there a change at t0 <= time < t1 that splits ifname's counters: its own, or a host
 * sysctl (which every interface's drops answer to)? The host's counters answer to all.
 * A counter record belongs to the side of a change its end falls on: end <= time before. */
static bool split_between(const struct ng_hist *h, const char *ifname, int64_t t0, int64_t t1)
{
	size_t lo = 0, hi = h->nch;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->ch[mid].time < t0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < h->nch && h->ch[i].time < t1; i++)
		if (!ifname[0] || !h->ch[i].ifname[0] || strcmp(h->ch[i].ifname, ifname) == 0)
			return true;
	return false;
}

/* The hour or day a counter record belongs to, by its end: (start, end] as everywhere. */
static int64_t bucket(int64_t end, int64_t now)
{
	int64_t len = now - end < FINE_AGE ? HOUR : DAY, t = end > 0 ? end - 1 : 0;

	return t - t % len;
}

static uint32_t add32(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static void add_count(struct ng_hist_count *m, const struct ng_hist_count *c)
{
	m->start = c->start < m->start ? c->start : m->start;
	m->end = c->end > m->end ? c->end : m->end;
	m->covered = add32(m->covered, c->covered);
	/* Two daemons at once would overlap; the watched time cannot exceed the span. */
	if ((int64_t)m->covered > m->end - m->start)
		m->covered = (uint32_t)(m->end - m->start);
	m->hangs = add32(m->hangs, c->hangs);
	m->resets = add32(m->resets, c->resets);
	m->stalls = add32(m->stalls, c->stalls);
	m->rx_dropped += c->rx_dropped;
	m->softnet_dropped += c->softnet_dropped;
	m->squeezed += c->squeezed;
}

static int cmp_count(const void *a, const void *b)
{
	const struct ng_hist_count *x = a, *y = b;

	return x->end != y->end ? (x->end < y->end ? -1 : 1) : strcmp(x->ifname, y->ifname);
}

/* Counters of one interface in one hour (the last two days) or day (before), between the
 * same two changes, become one record: a change still splits them, so a report compares
 * exactly the time before it with the time after. Records come sorted by end. */
static void merge_counts(struct ng_hist *h, int64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < h->ncnt; i++) {
		struct ng_hist_count c = h->cnt[i];
		int64_t b = bucket(c.end, now);
		size_t j = k;

		/* The latest record of the same interface in the same bucket, if any. */
		while (j-- > 0 && bucket(h->cnt[j].end, now) == b)
			if (strcmp(h->cnt[j].ifname, c.ifname) == 0)
				break;
		if (j < k && bucket(h->cnt[j].end, now) == b &&
		    strcmp(h->cnt[j].ifname, c.ifname) == 0 &&
		    !split_between(h, c.ifname, h->cnt[j].end, c.end))
			add_count(&h->cnt[j], &c);
		else
			h->cnt[k++] = c;
	}
	h->ncnt = k;
	/* A merged record's end moved past the ones after it: sorted again, by end. */
	if (h->ncnt > 1)
		qsort(h->cnt, h->ncnt, sizeof(*h->cnt), cmp_count);
}

bool ng_hist_episode_start(const struct ng_hist_event *ev, size_t i)
{
	if (ev[i].action)
		return false;
	for (size_t j = i; j-- > 0 && ev[i].time - ev[j].time <= NG_HIST_EPISODE_GAP;)
		if (!ev[j].action && ev[j].cls == ev[i].cls &&
		    strcmp(ev[j].ifname, ev[i].ifname) == 0)
			return false;
	return true;
}

static size_t header_size(void)
{
	size_t n;

	ng_histrec_header(&n);
	return n;
}

static size_t size_of(const struct ng_hist *h)
{
	char rec[NG_HISTREC_MAX];
	size_t n = header_size();

	for (size_t i = 0; i < h->nev; i++)
		n += ng_histrec_event(&h->ev[i], rec);
	for (size_t i = 0; i < h->nch; i++)
		n += ng_histrec_change(&h->ch[i], rec);
	for (size_t i = 0; i < h->ncnt; i++)
		n += ng_histrec_count(&h->cnt[i], rec);
	return n;
}

/* The last detection of one interface and class among the events folded away. */
struct folded {
	char ifname[NG_IFNAMSIZ];
	enum ng_sig_class cls;
	int64_t time;
};

/* Is detection e the continuation of an episode folded away (updating its time)? */
static bool continues(struct folded *f, size_t nf, const struct ng_hist_event *e, bool chain)
{
	for (size_t i = 0; i < nf; i++) {
		if (f[i].cls == e->cls && strcmp(f[i].ifname, e->ifname) == 0 &&
		    e->time - f[i].time <= NG_HIST_EPISODE_GAP) {
			if (chain)
				f[i].time = e->time;
			return true;
		}
	}
	return false;
}

/* Remember e as the last folded detection of its interface and class. */
static void note(struct folded *f, size_t *nf, const struct ng_hist_event *e)
{
	size_t i = 0;

	while (i < *nf && !(f[i].cls == e->cls && strcmp(f[i].ifname, e->ifname) == 0))
		i++;
	if (i == *nf) {
		f[i].cls = e->cls;
		snprintf(f[i].ifname, sizeof(f[i].ifname), "%s", e->ifname);
		(*nf)++;
	}
	f[i].time = e->time;
}

/* Fold the oldest events, at least `bytes` of them, into counters: each episode they start
 * counts once; the rest of an episode goes with it (for up to one gap), so the reader,
 * which counts episodes among the events left, does not count it twice. */
static int fold_events(struct ng_hist *h, size_t bytes)
{
	char rec[NG_HISTREC_MAX];
	struct folded *f = calloc(h->nev + 1, sizeof(*f));
	struct ng_hist_count *nc;
	size_t m = 0, got = 0, nf = 0, nfold = 0;
	int64_t last = 0;

	nc = f ? realloc(h->cnt, (h->ncnt + h->nev + 1) * sizeof(*h->cnt)) : NULL;
	if (!nc) {
		free(f);
		return -ENOMEM;
	}
	h->cnt = nc;
	for (; m < h->nev; m++) {
		const struct ng_hist_event *e = &h->ev[m];
		bool cont = !e->action && continues(f, nf, e, got < bytes);

		/* Past the goal, what belongs to an episode folded away still goes, for one gap
		 * after the goal: an endless episode (a hang nothing fixes, its line every few
		 * seconds for days) would otherwise take every event with it. What stays of it
		 * then counts as one more episode: one too many per compaction, at most. */
		if (got >= bytes && !cont &&
		    !(e->action && nf && e->time - last <= NG_HIST_EPISODE_GAP))
			break;
		got += ng_histrec_event(e, rec);
		if (e->action || cont)
			continue;
		last = e->time;
		note(f, &nf, e);
		if (e->cls != NG_SIG_INFO) {
			struct ng_hist_count *c = &h->cnt[h->ncnt + nfold++];

			memset(c, 0, sizeof(*c));
			c->start = c->end = e->time;
			snprintf(c->ifname, sizeof(c->ifname), "%s", e->ifname);
			c->hangs = e->cls == NG_SIG_HANG;
			c->resets = e->cls == NG_SIG_RESET;
			c->stalls = e->cls == NG_SIG_STALL;
		}
	}
	free(f);
	memmove(h->ev, h->ev + m, (h->nev - m) * sizeof(*h->ev));
	h->nev -= m;
	h->ncnt += nfold;
	qsort(h->cnt, h->ncnt, sizeof(*h->cnt), cmp_count);
	return 0;
}

/* The last time each interface was seen in any record: a change of an interface long gone
 * (a container's veth) goes before the counters of one still there. */
struct seen {
	const char *ifname;
	int64_t time;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->ifname, y->ifname);

	return c ? c : x->time < y->time ? -1 : x->time > y->time;
}

static struct seen *last_seen(const struct ng_hist *h, size_t *n)
{
	struct seen *s = malloc((h->nev + h->nch + h->ncnt + 1) * sizeof(*s));
	size_t k = 0, u = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < h->nev; i++)
		s[k++] = (struct seen){ h->ev[i].ifname, h->ev[i].time };
	for (size_t i = 0; i < h->nch; i++)
		s[k++] = (struct seen){ h->ch[i].ifname, h->ch[i].time };
	for (size_t i = 0; i < h->ncnt; i++)
		s[k++] = (struct seen){ h->cnt[i].ifname, h->cnt[i].end };
	qsort(s, k, sizeof(*s), cmp_seen);
	for (size_t i = 0; i < k; i++) {	/* keep the last (latest) entry of each name */
		if (u && strcmp(s[u - 1].ifname, s[i].ifname) == 0)
			s[u - 1] = s[i];
		else
			s[u++] = s[i];
	}
	*n = u;
	return s;
}

static int64_t seen_at(const struct seen *s, size_t n, const char *ifname)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s[mid].ifname, ifname);

		if (c == 0)
			return s[mid].time;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* A change or counter record that may go, in the order they go. */
struct victim {
	int tier;
	int64_t key;
	bool change;
	size_t index;
	size_t bytes;
};

static int cmp_victim(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier - y->tier;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* With every event gone and the file still too big (thousands of interfaces), drop in this
 * order: superseded changes; changes of interfaces not seen for SURE_DAYS; counters older
 * than SURE_DAYS; changes of the others, least recently seen first; the last counters,
 * oldest first. So 30 days of counters are the last thing to go. */
static int drop_by_priority(struct ng_hist *h, int64_t now, size_t over)
{
	char rec[NG_HISTREC_MAX];
	size_t nseen, nv = 0, freed = 0;
	struct seen *seen = last_seen(h, &nseen);
	struct victim *v = malloc((h->nch + h->ncnt + 1) * sizeof(*v));
	bool *keep_ch = malloc(h->nch + 1), *keep_cnt = malloc(h->ncnt + 1);
	int64_t sure = now - (int64_t)SURE_DAYS * DAY;
	int r = -ENOMEM;

	if (!seen || !v || !keep_ch || !keep_cnt)
		goto out;
	for (size_t i = 0; i < h->nch; i++) {
		int64_t seen_t = seen_at(seen, nseen, h->ch[i].ifname);

		keep_ch[i] = true;
		v[nv++] = (struct victim){
			!in_effect(h, i) ? 1 : seen_t < sure ? 2 : 4,
			in_effect(h, i) ? seen_t : h->ch[i].time, true, i,
			ng_histrec_change(&h->ch[i], rec) };
	}
	for (size_t i = 0; i < h->ncnt; i++) {
		keep_cnt[i] = true;
		v[nv++] = (struct victim){ h->cnt[i].end < sure ? 3 : 5, h->cnt[i].end, false, i,
					   ng_histrec_count(&h->cnt[i], rec) };
	}
	qsort(v, nv, sizeof(*v), cmp_victim);
	for (size_t i = 0; i < nv && freed < over; i++) {
		(v[i].change ? keep_ch : keep_cnt)[v[i].index] = false;
		freed += v[i].bytes;
	}
	h->nch = filter(h->ch, h->nch, sizeof(*h->ch), keep_ch);
	h->ncnt = filter(h->cnt, h->ncnt, sizeof(*h->cnt), keep_cnt);
	r = 0;
out:
	free(seen);
	free(v);
	free(keep_ch);
	free(keep_cnt);
	return r;
}

int ng_histcompact(struct ng_hist *h, int64_t now)
{
	size_t size;
	int r = ng_hist_sort(h);

	if (r == 0)
		r = age_and_dedupe(h, now);
	if (r < 0)
		return r;
	merge_counts(h, now);
	size = size_of(h);
	/* Events go first, oldest first, a quarter more than needed each round so that a
	 * flood does not compact again at the next flush. */
	while (size > NG_HISTORY_KEEP && h->nev > 0) {
		r = fold_events(h, size - NG_HISTORY_KEEP + NG_HISTORY_KEEP / 4);
		if (r < 0)
			return r;
		merge_counts(h, now);
		size = size_of(h);
	}
	if (size > NG_HISTORY_KEEP)
		r = drop_by_priority(h, now, size - NG_HISTORY_KEEP);
	return r;
}
