/* SPDX-License-Identifier: GPL-2.0-or-later */
/* histsvg.c: the report as a picture: hangs and drops per day, the changes marked (SVG). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "internal.h"

#define W 960			/* the picture's width */
#define LEFT 70			/* plot area inside a panel */
#define RIGHT 80
#define PANEL 230		/* a panel's height */
#define TOP 60			/* room for the change labels above the plot */
#define PLOT 120		/* the plot's height */
#define DAY 86400

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

enum datefmt { FULL, SHORT, DAYONLY };

/* A UTC date: FULL 2026-12-01 10:00, SHORT 12-01 10:00, DAYONLY 12-01. */
static const char *date(int64_t t, enum datefmt k, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&tt, &tm))
		n = k == FULL ? strftime(buf, len, "%Y-%m-%d %H:%M", &tm) :
		    k == SHORT ? strftime(buf, len, "%m-%d %H:%M", &tm) :
		    strftime(buf, len, "%m-%d", &tm);
	if (!n)
		snprintf(buf, len, "?");
	return buf;
}

/* A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least v. */
static double nice(double v)
{
	double p = 1e-6;

	if (!(v > 0))
		return 1;
	while (p * 10 <= v && p < 1e18)
		p *= 10;
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static double maxd(double a, double b)
{
	return a > b ? a : b;
}

static void num(char *buf, size_t len, double v)
{
	if (v < 1e9 && v == (double)(long long)v)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, v >= 10 ? "%.0f" : v >= 1 ? "%.1f" : "%.2g", v);
}

struct panel {
	FILE *f;
	double y0;			/* the plot's top */
	double x0, dx;			/* the first day's left edge, one day's width */
	int64_t from;			/* the first day's midnight */
	int64_t to;			/* the window's end */
	unsigned ndays;
};

static double x_at(const struct panel *p, int64_t t)
{
	return p->x0 + (double)(t - p->from) / DAY * p->dx;
}

/* The frame, the days not watched (hatched), the date labels under the axis. */
static void frame(const struct panel *p, const struct ng_histreport_if *r, const char *title)
{
	char d[32];

	fprintf(p->f, "<text x=\"10\" y=\"%.0f\" class=\"title\">", p->y0 - TOP + 18);
	esc(p->f, title);
	fputs("</text>\n", p->f);
	for (unsigned i = 0; i < p->ndays; i++) {
		double x = p->x0 + i * p->dx;

		int64_t expected = p->to - r->days[i].day < DAY ? p->to - r->days[i].day : DAY;

		/* Days nicguard-watch watched less than 90% of are shaded: no news is no news. */
		if (r->days[i].watched < 0.9 * (double)expected)
			fprintf(p->f, "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" "
				"class=\"unwatched\"/>\n", x, p->y0, p->dx, PLOT);
		if ((p->ndays - 1 - i) % 5 == 0)
			fprintf(p->f, "<text x=\"%.1f\" y=\"%.0f\" class=\"tick\" text-anchor=\"middle\">"
				"%s</text>\n", x + p->dx / 2, p->y0 + PLOT + 16,
				date(r->days[i].day, DAYONLY, d, sizeof(d)));
	}
	fprintf(p->f, "<rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n",
		LEFT, p->y0, W - LEFT - RIGHT, PLOT);
}

/* An axis: its maximum at the top, 0 at the bottom, its name along the side. */
static void axis(const struct panel *p, bool right, double max, const char *name,
		 const char *cls)
{
	char v[32];
	double x = right ? W - RIGHT + 6 : LEFT - 6;
	const char *anchor = right ? "start" : "end";

	num(v, sizeof(v), max);
	fprintf(p->f, "<text x=\"%.0f\" y=\"%.0f\" class=\"tick %s\" text-anchor=\"%s\">%s</text>\n",
		x, p->y0 + 10, cls, anchor, v);
	fprintf(p->f, "<text x=\"%.0f\" y=\"%.0f\" class=\"tick %s\" text-anchor=\"%s\">0</text>\n",
		x, p->y0 + PLOT, cls, anchor);
	fprintf(p->f, "<text class=\"axis %s\" transform=\"translate(%.0f %.0f) rotate(-90)\" "
		"text-anchor=\"middle\">%s</text>\n", cls, right ? W - 18.0 : 22.0,
		p->y0 + PLOT / 2.0, name);
}

static void bars(const struct panel *p, const struct ng_histreport_if *r, double max)
{
	for (unsigned i = 0; i < p->ndays; i++) {
		double h = r->days[i].hangs / max * PLOT;

		if (h > 0)
			fprintf(p->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"class=\"hangs\"><title>%.0f hangs</title></rect>\n",
				p->x0 + i * p->dx + 1, p->y0 + PLOT - h, p->dx - 2, h,
				r->days[i].hangs);
	}
}

/* A rate per day as a line through the days' middles; a day not watched breaks it. */
static void line(const struct panel *p, const struct ng_histreport_if *r, double max,
		 int which, const char *cls)
{
	bool open = false;

	for (unsigned i = 0; i <= p->ndays; i++) {
		const struct ng_histreport_day *d = i < p->ndays ? &r->days[i] : NULL;
		double v, y;

		if (!d || d->watched < 1) {
			if (open)
				fputs("\"/>\n", p->f);
			open = false;
			continue;
		}
		v = (which == 0 ? d->rx_dropped : which == 1 ? d->softnet_dropped : d->squeezed) /
		    d->watched;
		y = p->y0 + PLOT - (v / max > 1 ? 1 : v / max) * PLOT;
		if (!open)
			fprintf(p->f, "<polyline class=\"%s\" points=\"", cls);
		fprintf(p->f, "%s%.1f,%.1f", open ? " " : "", p->x0 + (i + 0.5) * p->dx, y);
		open = true;
	}
	for (unsigned i = 0; i < p->ndays; i++) {
		const struct ng_histreport_day *d = &r->days[i];
		double v;

		if (d->watched < 1)
			continue;
		v = (which == 0 ? d->rx_dropped : which == 1 ? d->softnet_dropped : d->squeezed) /
		    d->watched;
		fprintf(p->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"%s\"/>\n",
			p->x0 + (i + 0.5) * p->dx,
			p->y0 + PLOT - (v / max > 1 ? 1 : v / max) * PLOT, cls);
	}
}

static double max_rate(const struct ng_histreport_if *r, int which)
{
	double m = 0;

	for (size_t i = 0; i < r->ndays; i++) {
		const struct ng_histreport_day *d = &r->days[i];
		double v = which == 0 ? d->rx_dropped : which == 1 ? d->softnet_dropped :
			   d->squeezed;

		if (d->watched >= 1 && v / d->watched > m)
			m = v / d->watched;
	}
	return m;
}

/* Each change: a dashed line at its time, its date and settings above the plot (three
 * rows, so that changes close together do not write over each other). */
static void changes(const struct panel *p, const struct ng_histreport_if *r)
{
	for (size_t i = 0; i < r->nchanges; i++) {
		const struct ng_histreport_change *c = &r->changes[i];
		double x = x_at(p, c->time), y = p->y0 - 8 - 14.0 * (double)(i % 3);
		char when[32], label[64];

		snprintf(label, sizeof(label), "%.50s%s", c->label, strlen(c->label) > 50 ? "..." : "");
		fprintf(p->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.0f\" class=\"change%s\"/>\n",
			x, y + 3, x, p->y0 + PLOT, !c->own || !r->ifname[0] ? " host" :
			c->escalation ? " escalation" : "");
		fprintf(p->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"label\" text-anchor=\"%s\">%s ",
			x + (x > W / 2.0 ? -3 : 3), y, x > W / 2.0 ? "end" : "start",
			date(c->time, SHORT, when, sizeof(when)));
		esc(p->f, label);
		fputs("</text>\n", p->f);
	}
}

static bool worth_a_panel(const struct ng_histreport_if *r)
{
	return r->total.hangs + r->total.resets > 0 || r->total.rx_dropped > 0 ||
	       r->total.softnet_dropped + r->total.squeezed > 0 || r->nchanges > 0;
}

static void panel(struct panel *p, const struct ng_histreport_if *r)
{
	char title[300];
	double hmax = 0, dmax;

	if (!r->ifname[0]) {
		snprintf(title, sizeof(title), "host: softnet drops (blue) and time squeeze (orange) "
			 "per second");
		frame(p, r, title);
		dmax = nice(maxd(max_rate(r, 1), max_rate(r, 2)));
		axis(p, true, dmax, "per second", "drops");
		line(p, r, dmax, 2, "squeeze");
		line(p, r, dmax, 1, "drops");
		changes(p, r);
		return;
	}
	for (size_t i = 0; i < r->ndays; i++)
		hmax = maxd(hmax, r->days[i].hangs);
	snprintf(title, sizeof(title), "%s: %.0f hangs, %.0f resets, %.0f rx drops in %u days",
		 r->ifname, r->total.hangs, r->total.resets, r->total.rx_dropped, p->ndays);
	frame(p, r, title);
	if (hmax > 0) {
		hmax = nice(hmax);
		axis(p, false, hmax, "hangs a day", "hangs");
		bars(p, r, hmax);
	}
	if (r->total.rx_dropped > 0) {
		dmax = nice(max_rate(r, 0));
		axis(p, true, dmax, "rx drops/s", "drops");
		line(p, r, dmax, 0, "drops");
	}
	changes(p, r);
}

static const char style[] =
	"<style>\n"
	"text { font-family: sans-serif; font-size: 12px; fill: #222; }\n"
	".title { font-size: 15px; font-weight: bold; }\n"
	".tick { font-size: 11px; fill: #555; }\n"
	".axis { font-size: 12px; }\n"
	".frame { fill: none; stroke: #888; }\n"
	".unwatched { fill: #eee; }\n"
	"rect.hangs { fill: #d9534f; }\n"
	"text.hangs { fill: #b52b27; }\n"
	"polyline.drops { fill: none; stroke: #1f6fb4; stroke-width: 2; }\n"
	"circle.drops { fill: #1f6fb4; }\n"
	"text.drops { fill: #1f6fb4; }\n"
	"polyline.squeeze { fill: none; stroke: #e0a020; stroke-width: 2; }\n"
	"circle.squeeze { fill: #e0a020; }\n"
	".change { stroke: #2a8a2a; stroke-width: 2; stroke-dasharray: 6 4; }\n"
	".change.host { stroke: #7a4fb0; }\n"
	".change.escalation { stroke: #e07b00; }\n"
	".label { font-size: 11px; fill: #222; }\n"
	".legend { font-size: 11px; fill: #555; }\n"
	"</style>\n";

int ng_histsvg_render(const struct ng_histreport *r, const char *title, char **text,
		      size_t *len)
{
	struct panel p = { 0 };
	size_t npanels = 0;
	char a[32], b[32];
	FILE *f;

	for (size_t i = 0; i < r->n; i++)
		npanels += worth_a_panel(&r->v[i]);
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" "
		"viewBox=\"0 0 %d %zu\">\n%s<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		W, 70 + (npanels ? npanels : 1) * PANEL, W, 70 + (npanels ? npanels : 1) * PANEL,
		style);
	fputs("<text x=\"10\" y=\"24\" class=\"title\">", f);
	esc(f, title);
	fprintf(f, "</text>\n<text x=\"10\" y=\"42\" class=\"legend\">%s to %s UTC. Red bars: "
		"hang episodes a day (left axis). Blue line: drops a second (right axis).</text>\n"
		"<text x=\"10\" y=\"56\" class=\"legend\">Dashed lines: a change took effect "
		"(green: the interface's settings, orange: nicguard-watch escalated, purple: a host "
		"sysctl). Grey: days "
		"nicguard-watch did not watch.</text>\n",
		date(r->from, FULL, a, sizeof(a)), date(r->to, FULL, b, sizeof(b)));
	p.f = f;
	p.ndays = r->n ? (unsigned)r->v[0].ndays : r->days;
	p.dx = (double)(W - LEFT - RIGHT) / (p.ndays ? p.ndays : 1);
	p.x0 = LEFT;
	p.from = r->n && p.ndays ? r->v[0].days[0].day : r->from;
	p.to = r->to;
	p.y0 = 70 + TOP;
	for (size_t i = 0; i < r->n; i++) {
		if (!worth_a_panel(&r->v[i]))
			continue;
		panel(&p, &r->v[i]);
		p.y0 += PANEL;
	}
	if (!npanels)
		fprintf(f, "<text x=\"10\" y=\"%.0f\">No hangs, drops or changes recorded in "
			"these %u days.</text>\n", p.y0, r->days);
	fputs("</svg>\n", f);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}
