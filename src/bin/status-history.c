/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status-history.c: the history part of `nicguard status`: hangs since the settings in effect. */
#include <stdio.h>
#include <time.h>

#include "nicguard.h"
#include "log.h"
#include "report.h"
#include "status.h"

int status_history_load(const struct ng_ctx *ctx, struct ng_hist *h)
{
	struct ng_err err = { 0 };
	char msg[1024];
	int r = ng_history_read(ctx, h, &err);

	if (r < 0)
		ng_log(LOG_WARNING, "history: %s", ng_err_str(&err, msg, sizeof(msg)));
	return r;
}

/* What the history says of ifname: since when its settings are in effect, the hangs since
 * then, the last hang. False when it says nothing. */
static bool facts(const struct ng_hist *h, const char *ifname, struct ng_histreport *r)
{
	const char *names[] = { ifname };

	/* One day: status needs the totals since the change, not the days around it. */
	if (!h || ng_histreport_make(h, (int64_t)time(NULL), 1, names, 1, r) < 0)
		return false;
	if (!r->v[0].since && !r->v[0].last_hang) {
		ng_histreport_free(r);
		return false;
	}
	return true;
}

void status_history_text(const struct ng_hist *h, const char *ifname, FILE *out)
{
	struct ng_histreport r;
	const struct ng_histreport_if *v;
	char when[40];

	if (!facts(h, ifname, &r))
		return;
	v = &r.v[0];
	if (v->since)
		fprintf(out, "  history: %.0f hang%s since its settings took effect on %s (`%s`)",
			v->hangs_since, v->hangs_since == 1 ? "" : "s",
			report_date(v->since, when, sizeof(when)), v->since_label);
	else
		fprintf(out, "  history: %.0f hang%s recorded, no settings change", v->hangs_since,
			v->hangs_since == 1 ? "" : "s");
	if (v->last_hang)
		fprintf(out, "; the last hang %s",
			report_date(v->last_hang, when, sizeof(when)));
	fputs(" [nicguard report]\n", out);
	ng_histreport_free(&r);
}

void status_history_json(const struct ng_hist *h, const char *ifname, struct ng_json *j)
{
	struct ng_histreport r;
	const struct ng_histreport_if *v;

	if (!facts(h, ifname, &r)) {
		ng_json_str(j, "history", NULL);
		return;
	}
	v = &r.v[0];
	ng_json_open(j, "history", '{');
	ng_json_time(j, "settings_since", v->since);
	ng_json_str(j, "settings", v->since_label);
	ng_json_num(j, "hangs_since", v->hangs_since);
	ng_json_time(j, "last_hang", v->last_hang);
	ng_json_close(j, '}');
	ng_histreport_free(&r);
}
