/* SPDX-License-Identifier: GPL-2.0-or-later */
/* histsample.c: from nicguard-watch's periodic samples to history records (drops, sysctls). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define SYSCTLS_MAX 8

/* What the previous sample held, to count what happened in between. */
struct ng_histsample {
	uint64_t at_ms;
	bool softnet_ok;
	struct ng_softnet softnet;
	struct ng_metrics_if *ifs;
	size_t nifs;
	bool sysctl_known;		/* the values below are the last ones recorded */
	size_t nsysctl;
	struct {
		char name[NG_NAME_MAX];
		char value[128];
	} sysctl[SYSCTLS_MAX];
};

void ng_histsample_free(struct ng_histsample *st)
{
	if (st)
		free(st->ifs);
	free(st);
}

static const struct ng_metrics_if *prev_if(const struct ng_histsample *st, const char *name)
{
	for (size_t i = 0; i < st->nifs; i++)
		if (strcmp(st->ifs[i].ifname, name) == 0)
			return &st->ifs[i];
	return NULL;
}

/* The counters since the previous sample: the host's watched time and softnet deltas, and
 * each interface's rx drops (only where there were some: most interfaces never drop, and
 * their silence costs no record). */
static int counters(struct ng_history *w, const struct ng_histsample *st,
		    const struct ng_metrics_sample *s, int64_t now)
{
	uint64_t secs = (s->at_ms - st->at_ms + 500) / 1000;
	struct ng_hist_count host = { .end = now, .start = now - (int64_t)secs };
	int r;

	if (secs == 0 || secs > UINT32_MAX)
		return 0;
	if (host.start < 0)
		host.start = 0;
	host.covered = (uint32_t)(host.end - host.start);
	if (s->softnet_ok && st->softnet_ok && s->softnet.dropped >= st->softnet.dropped &&
	    s->softnet.squeezed >= st->softnet.squeezed) {
		host.softnet_dropped = s->softnet.dropped - st->softnet.dropped;
		host.squeezed = s->softnet.squeezed - st->softnet.squeezed;
	}
	r = ng_history_count(w, &host);
	for (size_t i = 0; r == 0 && i < s->nifs; i++) {
		const struct ng_metrics_if *p = prev_if(st, s->ifs[i].ifname);
		struct ng_hist_count c = host;

		if (!p || s->ifs[i].rx_dropped <= p->rx_dropped)
			continue;
		snprintf(c.ifname, sizeof(c.ifname), "%s", s->ifs[i].ifname);
		c.softnet_dropped = c.squeezed = 0;
		c.rx_dropped = s->ifs[i].rx_dropped - p->rx_dropped;
		r = ng_history_count(w, &c);
	}
	return r;
}

/* The last value the history recorded for each sysctl: the first sample after a restart
 * then records only what changed while the daemon was away. */
static void recorded_sysctls(const struct ng_ctx *ctx, struct ng_histsample *st)
{
	struct ng_hist h;

	st->sysctl_known = true;
	if (ng_history_read(ctx, &h, NULL) < 0)
		return;
	for (size_t i = 0; i < h.nch; i++) {
		const struct ng_hist_change *c = &h.ch[i];
		size_t k;

		if (c->ifname[0])
			continue;
		for (k = 0; k < st->nsysctl; k++)
			if (strcmp(st->sysctl[k].name, c->setting) == 0)
				break;
		if (k == st->nsysctl) {
			if (k == SYSCTLS_MAX)
				continue;
			st->nsysctl++;
			snprintf(st->sysctl[k].name, sizeof(st->sysctl[k].name), "%s", c->setting);
		}
		snprintf(st->sysctl[k].value, sizeof(st->sysctl[k].value), "%s", c->value);
	}
	ng_hist_free(&h);
}

/* A change record for each network sysctl whose value in effect is not the one recorded
 * last; a first observation has no "was" and is not a change a report shows. */
static int sysctls(struct ng_history *w, struct ng_histsample *st, const struct ng_ctx *ctx,
		   int64_t now, struct ng_err *err)
{
	struct ng_sysctl_check chk;
	int r = ng_sysctl_check(ctx, &chk, err);

	if (r < 0)
		return r;
	if (!st->sysctl_known)
		recorded_sysctls(ctx, st);
	for (size_t i = 0; r == 0 && i < chk.n; i++) {
		const struct ng_sysctl_row *row = &chk.rows[i];
		struct ng_hist_change c = { .time = now };
		size_t k;

		if (row->effective < 0)
			continue;	/* not readable here (another network namespace) */
		snprintf(c.value, sizeof(c.value), "%lld", (long long)row->effective);
		for (k = 0; k < st->nsysctl; k++)
			if (strcmp(st->sysctl[k].name, row->name) == 0)
				break;
		if (k < st->nsysctl && strcmp(st->sysctl[k].value, c.value) == 0)
			continue;
		if (k == st->nsysctl) {
			if (k == SYSCTLS_MAX)
				continue;
			st->nsysctl++;
		} else {
			snprintf(c.was, sizeof(c.was), "%s", st->sysctl[k].value);
		}
		snprintf(st->sysctl[k].name, sizeof(st->sysctl[k].name), "%s", row->name);
		snprintf(st->sysctl[k].value, sizeof(st->sysctl[k].value), "%s", c.value);
		snprintf(c.setting, sizeof(c.setting), "%s", row->name);
		snprintf(c.origin, sizeof(c.origin), "%s", row->source);
		snprintf(c.source, sizeof(c.source), "sysctl");
		r = ng_history_change(w, &c);
	}
	return r;
}

int ng_histsample_take(struct ng_histsample **stp, struct ng_history *w,
		       const struct ng_ctx *ctx, const struct ng_metrics_sample *s, int64_t now,
		       struct ng_err *err)
{
	struct ng_histsample *st = *stp;
	struct ng_metrics_if *ifs;
	int r = 0;

	if (!st) {
		st = *stp = calloc(1, sizeof(*st));
		if (!st)
			return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	} else if (s->at_ms > st->at_ms) {
		r = counters(w, st, s, now);
	}
	if (r == 0)
		r = sysctls(w, st, ctx, now, err);
	else
		ng_err_set(err, r, NULL, 0, "history queue full");
	ifs = malloc((s->nifs ? s->nifs : 1) * sizeof(*ifs));
	if (!ifs)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (s->nifs)
		memcpy(ifs, s->ifs, s->nifs * sizeof(*ifs));
	free(st->ifs);
	st->ifs = ifs;
	st->nifs = s->nifs;
	st->at_ms = s->at_ms;
	st->softnet_ok = s->softnet_ok;
	st->softnet = s->softnet;
	return r;
}
