/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c: entry-point logging to stderr, stdout and/or syslog with ident "nicguard". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "nicguard.h"
#include "log.h"
#include "render.h"

/* Entry points are single-threaded programs; their logger state lives here, not in the lib. */
static unsigned log_to = NG_LOG_STDERR;
static bool log_verbose;
static const char *log_prog = "nicguard";
static struct ng_history *log_hist;	/* changes queued for the history */

void ng_log_open(const char *prog, unsigned to, bool verbose)
{
	log_to = to;
	log_verbose = verbose;
	log_prog = prog;
	if (to & NG_LOG_SYSLOG)
		openlog("nicguard", LOG_PID, LOG_DAEMON);
}

/* Control bytes from outside input (a name, a file's line) become \xNN: one message stays
 * one line in syslog and cannot drive the admin's terminal. */
static void escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 5 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

void ng_log(int prio, const char *fmt, ...)
{
	char raw[2048], line[2048];
	va_list ap;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape(raw, line, sizeof(line));
	if (log_to & NG_LOG_SYSLOG)
		syslog(prio, "%s: %s", log_prog, line);
	if (log_to & NG_LOG_STDOUT) {
		printf("nicguard: %s\n", line);
		fflush(stdout);
	}
	if (log_to & NG_LOG_STDERR)
		fprintf(stderr, "%s: %s\n", log_prog, line);
}

void ng_log_trace(void *data, const char *line)
{
	(void)data;
	ng_log(LOG_DEBUG, "%s", line);
}

/* The one place apply results reach the history: each `changed` result becomes a change
 * record (source: the program). Both ways a program hands on its results come here. */
static void record(const struct ng_ctx *ctx, const char *source, const struct ng_report *rep)
{
	if (!log_hist)
		log_hist = ng_history_new(ctx, source);
	if (log_hist && ng_history_report(log_hist, rep, (int64_t)time(NULL)) < 0)
		ng_log(LOG_WARNING, "history: too many changes at once; some not recorded");
}

void ng_log_report(const struct ng_ctx *ctx, const char *prefix, const struct ng_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct ng_result *r = &rep->v[i];
		int prio = r->outcome == NG_FAILED ? LOG_WARNING :
			   r->outcome == NG_CHANGED ? LOG_INFO : LOG_DEBUG;

		ng_log(prio, "%s%s: %s %s: %s (was %s)%s%s", prefix, r->ifname, r->name, r->want,
		       ng_outcome_name(r->outcome), r->was[0] ? r->was : "?",
		       r->error ? ": " : "", r->error ? strerror(-r->error) : "");
	}
	if (!ctx)
		return;
	record(ctx, log_prog, rep);
	ng_log_changes_flush();	/* a helper's run applies one interface (or a guest's few) */
}

void ng_log_print_report(const struct ng_ctx *ctx, const char *source,
			 const struct ng_report *rep)
{
	char line[1024];

	for (size_t i = 0; i < rep->n; i++)
		printf("%s\n", ng_render_result(&rep->v[i], line, sizeof(line)));
	record(ctx, source, rep);	/* written by ng_cli_close: one sync per run */
}

void ng_log_changes_flush(void)
{
	struct ng_err err = { 0 };
	char line[1024];
	int r = log_hist ? ng_history_flush(log_hist, (int64_t)time(NULL), &err) : 0;

	/* No /var/lib/nicguard (not installed from the package) or a root file system still
	 * read-only early in boot: no history, nothing wrong with the apply itself. */
	if (r < 0)
		ng_log(r == -ENOENT || r == -EROFS ? LOG_DEBUG : LOG_WARNING, "history: %s",
		       ng_err_str(&err, line, sizeof(line)));
	ng_history_free(log_hist);
	log_hist = NULL;
}

int ng_log_policy_load(const struct ng_ctx *ctx, struct ng_policy **p, struct ng_err *err)
{
	int r = ng_policy_load(ctx, p, err);

	for (size_t i = 0; i < ng_policy_ndiags(*p); i++) {
		const struct ng_diag *d = ng_policy_diag(*p, i);

		ng_log(LOG_WARNING, "%s:%u: %s", d->file, d->line, d->msg);
	}
	return r;
}

void ng_log_diags(const struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		ng_log(LOG_WARNING, "%s:%u: %s", d->v[i].file, d->v[i].line, d->v[i].msg);
}
