/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c: entry-point logging to stderr, stdout and/or syslog with ident "nicguard". */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

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

void ng_log(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
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
