/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report-render.c: `nicguard report` as text and JSON, for one node and for the cluster. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "report.h"

#define DAY 86400.0

const char *report_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, len, "?");
	return buf;
}

/* A rate as people read it: 0, 3.2, 0.41, 0.0028. */
static const char *rate(double v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "0");
	else if (v >= 10)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 0.01)
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.2g", v);
	return buf;
}

static double per_day(double n, double watched)
{
	return watched > 0 ? n / (watched / DAY) : 0;
}

static double per_sec(double n, double watched)
{
	return watched > 0 ? n / watched : 0;
}

/* "3.2 hangs/day in the 10.0 days before `tso off` took effect on DATE, 0 in the 6.0 days
 * since": the sentence, with the days nicguard-watch watched. */
static void sentence(FILE *out, const struct ng_histreport_change *c, const char *unit,
		     double before, double after, const struct ng_histreport_period *b,
		     const struct ng_histreport_period *a, int64_t to)
{
	char r1[32], r2[32], when[40];
	/* "0 in the 6.0 days since" for hangs, as one says it; "0.1/s" for a rate. */
	const char *suffix = strstr(unit, "/s") ? "/s" : "";

	report_date(c->time, when, sizeof(when));
	if (b->watched > 0)
		fprintf(out, "  %s %s in the %.1f days before `%s` took effect on %s",
			rate(before, r1, sizeof(r1)), unit, b->watched / DAY, c->label, when);
	else
		fprintf(out, "  `%s` took effect on %s, before nicguard-watch watched", c->label,
			when);
	if (a->watched > 0)
		fprintf(out, ", %s%s%s in the %.1f days %s\n", rate(after, r2, sizeof(r2)),
			b->watched > 0 ? "" : " ", b->watched > 0 ? suffix : unit, a->watched / DAY,
			a->end >= to ? "since" : "after");
	else
		fprintf(out, "; not watched since\n");
}

static void change_text(FILE *out, const struct ng_histreport_if *r,
			const struct ng_histreport_change *c, int64_t to)
{
	bool host = !r->ifname[0];
	bool hangs = c->hangs && (c->hang_before.hangs + c->hang_after.hangs > 0 || !c->drops);

	if (hangs)
		sentence(out, c, "hangs/day", per_day(c->hang_before.hangs, c->hang_before.watched),
			 per_day(c->hang_after.hangs, c->hang_after.watched), &c->hang_before,
			 &c->hang_after, to);
	if (c->drops && host)
		sentence(out, c, "softnet drops/s",
			 per_sec(c->drop_before.softnet_dropped, c->drop_before.watched),
			 per_sec(c->drop_after.softnet_dropped, c->drop_after.watched),
			 &c->drop_before, &c->drop_after, to);
	else if (c->drops)
		sentence(out, c, "rx drops/s",
			 per_sec(c->drop_before.rx_dropped, c->drop_before.watched),
			 per_sec(c->drop_after.rx_dropped, c->drop_after.watched),
			 &c->drop_before, &c->drop_after, to);
	fprintf(out, "    (%s, %s%s%s)\n", c->escalation ? "nicguard-watch escalated: its reapply "
		"step put the watch-* settings in force" : c->source[0] ? c->source : "?",
		c->origin[0] ? c->origin : "origin not recorded", c->was[0] ? "; was " : "",
		c->was);
}

static void iface_text(FILE *out, const struct ng_histreport *rep,
		       const struct ng_histreport_if *r)
{
	const struct ng_histreport_period *t = &r->total;
	char when[40], r1[32];
	bool since_shown = false;

	if (!r->ifname[0]) {
		fprintf(out, "host: %.0f softnet drops, %.0f time squeezes, %.0f CPU stalls in "
			"%.1f days watched\n", t->softnet_dropped, t->squeezed, t->stalls,
			t->watched / DAY);
	} else {
		fprintf(out, "%s: ", r->ifname);
		if (t->hangs + t->resets > 0)
			fprintf(out, "%.0f hangs, %.0f resets", t->hangs, t->resets);
		else
			fputs("no hangs", out);
		fprintf(out, " in %.1f days watched", t->watched / DAY);
		if (t->rx_dropped > 0)
			fprintf(out, "; %.0f rx drops (%s/s)", t->rx_dropped,
				rate(per_sec(t->rx_dropped, t->watched), r1, sizeof(r1)));
		if (r->last_hang)
			fprintf(out, "; the last hang %s", report_date(r->last_hang, when,
									sizeof(when)));
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->nchanges; i++) {
		change_text(out, r, &r->changes[i], rep->to);
		since_shown |= r->changes[i].time == r->since;
	}
	if (r->since && !since_shown)
		fprintf(out, "  %.0f hangs since its settings took effect on %s (`%s`)\n",
			r->hangs_since, report_date(r->since, when, sizeof(when)), r->since_label);
}

void report_text(const struct ng_histreport *r, FILE *out)
{
	char a[40], b[40];
	/* Every entry counts the host's watched time: the first one says it. */
	double watched = r->n ? r->v[0].total.watched : 0;
	bool empty = watched == 0;

	fprintf(out, "History from %s to %s (%u days); nicguard-watch watched %.1f days of it.\n",
		report_date(r->from, a, sizeof(a)), report_date(r->to, b, sizeof(b)), r->days,
		watched / DAY);
	for (size_t i = 0; i < r->n; i++) {
		const struct ng_histreport_if *v = &r->v[i];

		/* The host only when it has something to say. */
		if (!v->ifname[0] && !v->nchanges && v->total.softnet_dropped + v->total.squeezed +
		    v->total.stalls == 0)
			continue;
		iface_text(out, r, v);
	}
	for (size_t i = 0; i < r->n; i++)
		empty &= !r->v[i].since && !r->v[i].last_hang && !r->v[i].nchanges;
	if (empty)
		fputs("Nothing recorded yet: nicguard-watch keeps the history in "
		      "/var/lib/nicguard/history.\n", out);
}

/* --------------------------------------------------------------------- JSON */

static void period_json(struct ng_json *j, const char *key, const struct ng_histreport_period *p,
			bool hangs, bool host)
{
	ng_json_open(j, key, '{');
	ng_json_int(j, "start", p->start);
	ng_json_int(j, "end", p->end);
	ng_json_num(j, "watched_days", p->watched / DAY);
	if (hangs) {
		ng_json_num(j, "hangs", p->hangs);
		ng_json_num(j, "hangs_per_day", per_day(p->hangs, p->watched));
	} else if (host) {
		ng_json_num(j, "softnet_dropped", p->softnet_dropped);
		ng_json_num(j, "softnet_dropped_per_second", per_sec(p->softnet_dropped,
								      p->watched));
		ng_json_num(j, "time_squeeze", p->squeezed);
		ng_json_num(j, "time_squeeze_per_second", per_sec(p->squeezed, p->watched));
	} else {
		ng_json_num(j, "rx_dropped", p->rx_dropped);
		ng_json_num(j, "rx_dropped_per_second", per_sec(p->rx_dropped, p->watched));
	}
	ng_json_close(j, '}');
}

static void change_json(struct ng_json *j, const struct ng_histreport_if *r,
			const struct ng_histreport_change *c)
{
	ng_json_open(j, NULL, '{');
	ng_json_int(j, "time", c->time);
	ng_json_str(j, "settings", c->label);
	ng_json_str(j, "was", c->was);
	ng_json_str(j, "origin", c->origin);
	ng_json_str(j, "source", c->source);
	ng_json_bool(j, "escalation", c->escalation);
	ng_json_bool(j, "host_sysctl", !c->own || !r->ifname[0]);
	if (c->hangs) {
		ng_json_open(j, "hangs", '{');
		period_json(j, "before", &c->hang_before, true, false);
		period_json(j, "after", &c->hang_after, true, false);
		ng_json_close(j, '}');
	}
	if (c->drops) {
		ng_json_open(j, "drops", '{');
		period_json(j, "before", &c->drop_before, false, !r->ifname[0]);
		period_json(j, "after", &c->drop_after, false, !r->ifname[0]);
		ng_json_close(j, '}');
	}
	ng_json_close(j, '}');
}

static void days_json(struct ng_json *j, const struct ng_histreport_if *r)
{
	ng_json_open(j, "days", '[');
	for (size_t i = 0; i < r->ndays; i++) {
		const struct ng_histreport_day *d = &r->days[i];
		char day[40];
		time_t t = (time_t)d->day;
		struct tm tm;

		if (!gmtime_r(&t, &tm) || !strftime(day, sizeof(day), "%Y-%m-%d", &tm))
			snprintf(day, sizeof(day), "?");
		ng_json_open(j, NULL, '{');
		ng_json_str(j, "date", day);
		ng_json_num(j, "watched_seconds", d->watched);
		if (r->ifname[0]) {
			ng_json_num(j, "hangs", d->hangs);
			ng_json_num(j, "resets", d->resets);
			ng_json_num(j, "rx_dropped", d->rx_dropped);
		} else {
			ng_json_num(j, "stalls", d->stalls);
			ng_json_num(j, "softnet_dropped", d->softnet_dropped);
			ng_json_num(j, "time_squeeze", d->squeezed);
		}
		ng_json_close(j, '}');
	}
	ng_json_close(j, ']');
}

static void iface_json(struct ng_json *j, const struct ng_histreport_if *r)
{
	const struct ng_histreport_period *t = &r->total;

	ng_json_open(j, r->ifname[0] ? NULL : "host", '{');
	if (r->ifname[0]) {
		ng_json_str(j, "name", r->ifname);
		ng_json_num(j, "hangs", t->hangs);
		ng_json_num(j, "resets", t->resets);
		ng_json_num(j, "rx_dropped", t->rx_dropped);
		ng_json_num(j, "rx_dropped_per_second", per_sec(t->rx_dropped, t->watched));
		ng_json_time(j, "last_hang", r->last_hang);
		ng_json_time(j, "settings_since", r->since);
		ng_json_str(j, "settings", r->since_label);
		ng_json_num(j, "hangs_since", r->hangs_since);
	} else {
		ng_json_num(j, "stalls", t->stalls);
		ng_json_num(j, "softnet_dropped", t->softnet_dropped);
		ng_json_num(j, "time_squeeze", t->squeezed);
	}
	ng_json_num(j, "watched_days", t->watched / DAY);
	ng_json_open(j, "changes", '[');
	for (size_t i = 0; i < r->nchanges; i++)
		change_json(j, r, &r->changes[i]);
	ng_json_close(j, ']');
	days_json(j, r);
	ng_json_close(j, '}');
}

void report_json(const struct ng_histreport *r, struct ng_json *j)
{
	ng_json_open(j, NULL, '{');
	ng_json_int(j, "from", r->from);
	ng_json_int(j, "to", r->to);
	ng_json_int(j, "days", r->days);
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].ifname[0])
			iface_json(j, &r->v[i]);
	ng_json_open(j, "interfaces", '[');
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].ifname[0])
			iface_json(j, &r->v[i]);
	ng_json_close(j, ']');
	ng_json_close(j, '}');
}

/* ------------------------------------------------------------------ cluster */

static bool wanted(const char *ifname, char *const names[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], ifname) == 0)
			return true;
	return n == 0;
}

static unsigned total_hangs(const struct ng_summary_if *s, unsigned last)
{
	unsigned n = 0;

	for (unsigned d = s->ndays > last ? s->ndays - last : 0; d < s->ndays; d++)
		n += s->hangs[d];
	return n;
}

void report_cluster_text(const struct ng_summary *v, size_t n, char *const names[],
			 size_t nnames, int64_t now, FILE *out)
{
	char when[40], r1[32], r2[32];

	if (n == 0) {
		fputs("No node has published a summary (/etc/pve/nodes/NODE/nicguard-summary; "
		      "nicguard-summary.timer writes it hourly).\n", out);
		return;
	}
	fprintf(out, "%-12s %-15s %6s %6s  %-20s  %-26s %s\n", "NODE", "IFACE", "30D", "7D",
		"LAST HANG", "HANGS/DAY BEFORE -> SINCE", "SETTINGS SINCE");
	for (size_t i = 0; i < n; i++) {
		const struct ng_summary *s = &v[i];
		bool any = false;

		for (size_t k = 0; k < s->n; k++) {
			const struct ng_summary_if *f = &s->v[k];
			char change[40] = "-", since[300] = "-";

			if (!wanted(f->ifname, names, nnames))
				continue;
			any = true;
			if (f->since) {
				snprintf(change, sizeof(change), "%s -> %s",
					 f->before < 0 ? "?" : rate(f->before, r1, sizeof(r1)),
					 f->after < 0 ? "?" : rate(f->after, r2, sizeof(r2)));
				snprintf(since, sizeof(since), "%.10s `%s`",
					 report_date(f->since, when, sizeof(when)), f->since_label);
			}
			fprintf(out, "%-12s %-15s %6u %6u  %-20.16s  %-26s %s\n", s->node, f->ifname,
				total_hangs(f, 30), total_hangs(f, 7),
				f->last_hang ? report_date(f->last_hang, when, sizeof(when)) : "-",
				change, since);
		}
		if (!any)
			fprintf(out, "%-12s %-15s %6s %6s  %-20s  %-26s %s\n", s->node, "-", "-", "-",
				"-", "-", "nothing to report");
		/* A node that stopped publishing (down, no quorum) must not look healthy. */
		if (now - s->time > 3 * 3600)
			fprintf(out, "%-12s (its summary is from %s, %.1f days old)\n", s->node,
				report_date(s->time, when, sizeof(when)), (double)(now - s->time) / DAY);
	}
}

void report_cluster_json(const struct ng_summary *v, size_t n, char *const names[],
			 size_t nnames, struct ng_json *j)
{
	ng_json_open(j, NULL, '{');
	ng_json_open(j, "nodes", '[');
	for (size_t i = 0; i < n; i++) {
		const struct ng_summary *s = &v[i];

		ng_json_open(j, NULL, '{');
		ng_json_str(j, "node", s->node);
		ng_json_int(j, "time", s->time);
		ng_json_num(j, "watched_days", s->watched);
		ng_json_open(j, "interfaces", '[');
		for (size_t k = 0; k < s->n; k++) {
			const struct ng_summary_if *f = &s->v[k];

			if (!wanted(f->ifname, names, nnames))
				continue;
			ng_json_open(j, NULL, '{');
			ng_json_str(j, "name", f->ifname);
			ng_json_open(j, "hangs_per_day", '[');
			for (unsigned d = 0; d < f->ndays; d++)
				ng_json_int(j, NULL, f->hangs[d]);
			ng_json_close(j, ']');
			ng_json_int(j, "hangs_30d", total_hangs(f, 30));
			ng_json_time(j, "last_hang", f->last_hang);
			if (f->since) {
				ng_json_int(j, "settings_since", f->since);
				ng_json_str(j, "settings", f->since_label);
				if (f->before >= 0)
					ng_json_num(j, "hangs_per_day_before", f->before);
				if (f->after >= 0)
					ng_json_num(j, "hangs_per_day_since", f->after);
			}
			ng_json_num(j, "rx_dropped_per_second", f->rx_drops);
			ng_json_open(j, "in_effect", '[');
			for (size_t m = 0; m < f->nsettings; m++) {
				ng_json_open(j, NULL, '{');
				ng_json_str(j, "setting", f->settings[m].name);
				ng_json_str(j, "value", f->settings[m].value);
				ng_json_int(j, "since", f->settings[m].since);
				ng_json_close(j, '}');
			}
			ng_json_close(j, ']');
			ng_json_close(j, '}');
		}
		ng_json_close(j, ']');
		ng_json_close(j, '}');
	}
	ng_json_close(j, ']');
	ng_json_close(j, '}');
}
