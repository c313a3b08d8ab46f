/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch-loop.c: nicguard-watch's setup, poll loop (records, signals, held steps, state files). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"
#include "watch.h"

#define METRICS_MIN_GAP_MS 1000	/* a flood rewrites the metrics file at most once a second */
#define READS_PER_WAKEUP 4096	/* bounded batches keep signals and held steps served */
#define HISTORY_SAMPLE_MS 300000 /* drop counters for the history when metrics-interval = 0 */

static const struct ng_watch_counters *counters(const struct daemon *dm)
{
	static const struct ng_watch_counters none;

	return dm->src ? ng_kmsgsrc_counters(dm->src) : &none;
}

static void notify(const struct daemon *dm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notify(const struct daemon *dm, const char *fmt, ...)
{
	struct ng_err err = { 0 };
	char msg[256];
	va_list ap;

	if (!dm->notify[0])
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ng_notify_send(dm->notify, msg, &err) < 0)
		ng_log(LOG_WARNING, "%s", err.msg);
}

static void status(const struct daemon *dm)
{
	notify(dm, "STATUS=Watching %s: %" PRIu64 " records, %" PRIu64 " detections, %" PRIu64
	       " actions%s", dm->kmsg_path, counters(dm)->records, dm->detections, dm->actions,
	       dm->dry_run ? " (dry run)" : "");
}

/* How often the drop counters are sampled: at the metrics interval, or (metrics-interval =
 * 0: metrics only on events) every 5 minutes for the history alone. */
static uint64_t sample_period(const struct daemon *dm)
{
	return dm->opts.metrics_interval_ms ? dm->opts.metrics_interval_ms : HISTORY_SAMPLE_MS;
}

/* Write the events file, the history and the metrics (sample: a sampling interval ends). */
static void flush(struct daemon *dm, bool sample)
{
	struct ng_metrics_sample cur = { 0 };
	struct ng_err err = { 0 };
	char *text = NULL, line[1024];
	size_t len;
	uint64_t now = watch_now_ms();
	bool periodic = sample && dm->opts.metrics_interval_ms;
	int r;
	bool metrics = dm->opts.metrics_path[0] && (periodic || dm->metrics_dirty);

	if (dm->dry_run)
		return;
	if (dm->events_dirty && ng_runstate_events_write(dm->ctx, dm->ev, dm->nev, &err) < 0)
		ng_log(LOG_ERR, "events: %s", ng_err_str(&err, line, sizeof(line)));
	dm->events_dirty = false;
	if ((sample || metrics) && ng_metrics_sample(dm->ctx, now, &cur, NULL) < 0)
		memset(&cur, 0, sizeof(cur));
	if (sample)
		watch_history_sample(dm, &cur);	/* history: drop counters, sysctl changes */
	watch_history_flush(dm);		/* history: what was queued, in one write */
	dm->metrics_dirty = false;
	dm->last_metrics = now;
	if (!metrics) {
		ng_metrics_sample_free(&cur);
		return;
	}
	watch_history_gauges(dm, &cur);		/* history: last hang, hangs since a change */
	r = ng_metrics_render(dm->w, counters(dm), &cur, dm->have_prev ? &dm->prev : NULL,
			      &text, &len);
	if (r < 0)
		ng_err_set(&err, r, NULL, 0, "out of memory");
	else
		r = ng_metrics_write(dm->ctx, dm->opts.metrics_path, text, len, &err);
	if (r < 0) {
		/* No node_exporter textfile directory at the default path: no collector, nothing
		 * to say. A path the admin gave is an error, said once per streak. */
		if (!dm->metrics_failed && (r != -ENOENT || dm->opts.metrics_set))
			ng_log(LOG_ERR, "metrics: %s", ng_err_str(&err, line, sizeof(line)));
		dm->metrics_failed = true;
	} else {
		dm->metrics_failed = false;
	}
	free(text);
	/* Rates compare whole sampling intervals, not the gaps between two events. */
	if (periodic || !dm->have_prev) {
		ng_metrics_sample_free(&dm->prev);
		dm->prev = cur;
		dm->have_prev = true;
	} else {
		ng_metrics_sample_free(&cur);
	}
}

static int open_source(struct daemon *dm)
{
	struct ng_err err = { 0 };

	if (ng_kmsgsrc_open(dm->kmsg_path, &dm->src, &err) < 0) {
		ng_log(LOG_ERR, "%s", err.msg);
		return -1;
	}
	/* The kernel log from its newest record on; --scan reads the ring once first (those
	 * records are counted and logged, never acted on). A FIFO or file is read whole. */
	if (ng_kmsgsrc_seek(dm->src, dm->scan, &err) < 0)
		ng_log(LOG_WARNING, "seeking %s: %s", dm->kmsg_path, err.msg);
	dm->backlog = dm->scan;
	return 0;
}

int watch_setup(struct daemon *dm, const struct ng_ctx_opts *co, const char *kmsg,
		const char *notify_socket)
{
	struct ng_err err = { 0 };
	char line[1024];
	sigset_t set;

	dm->ctx = ng_ctx_new(co, &err);
	if (!dm->ctx) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, line, sizeof(line)));
		return -1;
	}
	if (notify_socket && strlen(notify_socket) < sizeof(dm->notify))
		snprintf(dm->notify, sizeof(dm->notify), "%s", notify_socket);
	dm->w = ng_watch_new();
	if (!dm->w)
		return -1;
	if (!dm->dry_run)
		dm->hist = ng_history_new(dm->ctx, NG_HISTORY_WATCH);
	dm->next_probe = UINT64_MAX;
	ng_watch_opts_default(&dm->opts);
	watch_load_policy(dm);
	watch_finish_restores(dm);
	if (kmsg)
		snprintf(dm->kmsg_path, sizeof(dm->kmsg_path), "%s", kmsg);
	else if (ng_path(dm->ctx, dm->kmsg_path, sizeof(dm->kmsg_path), "/dev/kmsg") < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	dm->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (dm->sfd < 0)
		return -1;
	return open_source(dm);
}

/* How long poll may sleep: until the next held step, probe round, sample or state write;
 * -1: no limit. */
static int timeout(struct daemon *dm, uint64_t now)
{
	uint64_t next = ng_watch_next_due(dm->w, NULL, 0);

	if (dm->next_probe < next)
		next = dm->next_probe;
	if (!dm->dry_run) {
		if (dm->next_sample < next)
			next = dm->next_sample;
		if ((dm->metrics_dirty || dm->events_dirty) &&
		    dm->last_metrics + METRICS_MIN_GAP_MS < next)
			next = dm->last_metrics + METRICS_MIN_GAP_MS;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

/* Held steps come due, metrics are sampled, and the state files are flushed. */
static void run_timers(struct daemon *dm, uint64_t now)
{
	watch_run_due(dm, now);
	watch_probe_round(dm, now);
	if (now >= dm->next_sample) {
		flush(dm, true);
		dm->next_sample = now + sample_period(dm);
	} else if ((dm->metrics_dirty || dm->events_dirty) &&
		   now >= dm->last_metrics + METRICS_MIN_GAP_MS) {
		flush(dm, false);
	}
}

/* Read what the source has; 0 to go on polling, 1 at the end of a file, -1 on error. */
static int read_records(struct daemon *dm)
{
	struct ng_err err = { 0 };
	int r = 0;

	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		r = ng_kmsgsrc_read(dm->src, watch_on_record, dm, &err);
		if (r <= 0)
			break;
	}
	if (r == 0 && dm->backlog) {
		dm->backlog = false;
		ng_log(LOG_INFO, "scanned the ring buffer: %" PRIu64 " records, %" PRIu64
		       " detections", counters(dm)->records, dm->detections);
	}
	if (r == -ENODATA)
		return 1;
	if (r < 0) {
		ng_log(LOG_ERR, "reading %s: %s", dm->kmsg_path, err.msg);
		return -1;
	}
	return 0;
}

int watch_loop(struct daemon *dm)
{
	struct pollfd pfd[2] = { { .fd = dm->sfd, .events = POLLIN },
				 { .fd = ng_kmsgsrc_fd(dm->src), .events = POLLIN | POLLPRI } };

	ng_log(LOG_INFO, "watching %s%s%s", dm->kmsg_path, dm->scan ? " (scanning first)" : "",
	       dm->dry_run ? " (dry run: no changes)" : "");
	notify(dm, "READY=1");
	status(dm);
	dm->next_sample = watch_now_ms();
	for (;;) {
		struct signalfd_siginfo si;
		int r;

		run_timers(dm, watch_now_ms());
		if (poll(pfd, 2, timeout(dm, watch_now_ms())) < 0 && errno != EINTR)
			return -1;
		if (read(dm->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGHUP)
				return 0;
			ng_log(LOG_INFO, "reloading the policy");
			watch_load_policy(dm);
			status(dm);
		}
		if (!(pfd[1].revents & (POLLIN | POLLPRI | POLLERR | POLLHUP)))
			continue;
		r = read_records(dm);
		if (r != 0)
			return r > 0 ? 0 : -1;
		status(dm);
	}
}

/* After the loop (r: its result) or a failed setup: last state, last words, cleanup. */
void watch_stop(struct daemon *dm, int r)
{
	const struct ng_watch_counters *c = counters(dm);

	if (dm->src) {
		notify(dm, "STOPPING=1");
		flush(dm, false);
	}
	ng_log(r == 0 ? LOG_INFO : LOG_ERR, "stopping: %" PRIu64 " records (%" PRIu64 " lost, %"
	       PRIu64 " skipped), %" PRIu64 " detections, %" PRIu64 " actions", c->records,
	       c->lost, c->skipped, dm->detections, dm->actions);
	ng_metrics_sample_free(&dm->prev);
	watch_probe_stop(dm);
	ng_history_free(dm->hist);
	ng_watch_free(dm->w);
	ng_policy_free(dm->p);
	ng_ctx_free(dm->ctx);
	ng_kmsgsrc_free(dm->src);
	if (dm->sfd >= 0)
		close(dm->sfd);
}
