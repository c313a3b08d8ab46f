/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch-history.c: what nicguard-watch adds to the event history, and when it is written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "log.h"
#include "watch.h"

/* The class of signature id; an action names the signature it answers ("held" for a held
 * step whose signature is unknown): only detections are counted, by class. */
static enum ng_sig_class sig_class(const char *id)
{
	const struct ng_sig *s = ng_sig_find(id);

	return s ? s->cls : NG_SIG_INFO;
}

void watch_history_event(struct daemon *dm, const char *sig, const char *ifname, bool action,
			 const char *what, const char *detail)
{
	struct ng_hist_event e = { .time = (int64_t)time(NULL), .action = action,
				   .cls = sig_class(sig) };

	/* The ring buffer read at start (--scan) holds hangs a previous run already counted. */
	if (!dm->hist || dm->backlog)
		return;
	snprintf(e.ifname, sizeof(e.ifname), "%s", ifname);
	snprintf(e.sig, sizeof(e.sig), "%s", sig);
	snprintf(e.what, sizeof(e.what), "%s", what);
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	if (ng_history_event(dm->hist, &e) < 0 && !dm->hist_full) {
		ng_log(LOG_WARNING, "history: queue full, events not recorded until the next write");
		dm->hist_full = true;
	}
	dm->events_dirty = true;	/* written within a second, after the action */
}

void watch_history_sample(struct daemon *dm, const struct ng_metrics_sample *s)
{
	struct ng_err err = { 0 };
	char line[1024];

	if (dm->hist && ng_history_sample(dm->hist, dm->ctx, s, (int64_t)time(NULL), &err) < 0)
		ng_log(LOG_DEBUG, "history sample: %s", ng_err_str(&err, line, sizeof(line)));
}

void watch_history_flush(struct daemon *dm)
{
	struct ng_err err = { 0 };
	char line[1024];
	int r;

	if (!dm->hist)
		return;
	r = ng_history_flush(dm->hist, (int64_t)time(NULL), &err);
	/* A queue that stays full (the file cannot be written) is said once, not each second. */
	if (r == 0 || r == -ENOENT)
		dm->hist_full = false;
	if (r == 0) {
		dm->hist_failed = false;
		return;
	}
	/* Once per streak of failures; no /var/lib/nicguard (not installed from the package,
	 * or a test tree) means no history, which is nothing to warn about. */
	if (!dm->hist_failed)
		ng_log(r == -ENOENT ? LOG_DEBUG : LOG_WARNING, "history: %s",
		       ng_err_str(&err, line, sizeof(line)));
	dm->hist_failed = true;
}

void watch_history_gauges(struct daemon *dm, struct ng_metrics_sample *s)
{
	struct ng_err err = { 0 };
	char line[1024];

	/* Read after the flush that wrote this round's detections: the gauges include them. */
	if (ng_metrics_history(dm->ctx, (int64_t)time(NULL), s, &err) < 0)
		ng_log(LOG_DEBUG, "history gauges: %s", ng_err_str(&err, line, sizeof(line)));
}
