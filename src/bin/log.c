/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c: entry-point logging to stderr, stdout and/or syslog with ident "nicguard". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "nicguard.h"
#include "log.h"

/* Entry points are single-threaded programs; their logger state lives here, not in the lib. */
static unsigned log_to = NG_LOG_STDERR;
static bool log_verbose;
static const char *log_prog = "nicguard";

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

void ng_log_report(const char *prefix, const struct ng_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct ng_result *r = &rep->v[i];
		int prio = r->outcome == NG_FAILED ? LOG_WARNING :
			   r->outcome == NG_CHANGED ? LOG_INFO : LOG_DEBUG;

		ng_log(prio, "%s%s: %s %s: %s (was %s)%s%s", prefix, r->ifname, r->name, r->want,
		       ng_outcome_name(r->outcome), r->was[0] ? r->was : "?",
		       r->error ? ": " : "", r->error ? strerror(-r->error) : "");
	}
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
