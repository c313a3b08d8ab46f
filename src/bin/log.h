/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h: entry-point logging: stderr for the admin CLI, syslog (ident "nicguard") for helpers. */
#ifndef NICGUARD_LOG_H
#define NICGUARD_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum ng_log_to {
	NG_LOG_STDERR = 1 << 0,
	NG_LOG_SYSLOG = 1 << 1,
	NG_LOG_STDOUT = 1 << 2,	/* vzdump copies a hook's stdout into the task log */
};

/* Start logging for program PROG (the word after "nicguard" in syslog lines, e.g. "udev")
 * to the given destinations; verbose lets LOG_DEBUG through. */
void ng_log_open(const char *prog, unsigned to, bool verbose);

/* One line at priority PRIO (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG); no newline needed. */
void ng_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct ng_report;
struct ng_ctx;
struct ng_policy;
struct ng_err;
struct ng_diags;

/* ng_policy_load, with each diagnostic logged at LOG_WARNING: for the programs that must
 * keep working with the good sections of a policy that has a bad one (resolve skips it).
 * Returns what ng_policy_load returns. */
int ng_log_policy_load(const struct ng_ctx *ctx, struct ng_policy **p, struct ng_err *err);

/* How a program hands on the one apply path's results; both record each `changed` result
 * in the history (source: the program), the one place that does.
 * ng_log_report: one line per result: failures at LOG_WARNING, changes at LOG_INFO, the rest
 * at LOG_DEBUG; each line starts with prefix (e.g. "add "), then "IFACE: SETTING VALUE:
 * OUTCOME (was X)"; the history is written at once (the helpers: udev, if-up.d, guest hook);
 * with ctx NULL the lines only (nicguard-watch queues the changes in its own writer).
 * ng_log_print_report: the admin CLI's lines on stdout (ng_render_result); the history is
 * written by ng_log_changes_flush(), which ng_cli_close() calls: one sync for the run. */
void ng_log_report(const struct ng_ctx *ctx, const char *prefix, const struct ng_report *rep);
void ng_log_print_report(const struct ng_ctx *ctx, const char *source,
			 const struct ng_report *rep);

/* Write what was queued for the history and log why when it cannot (at LOG_DEBUG when there
 * is no /var/lib/nicguard or the root is still read-only). */
void ng_log_changes_flush(void);

/* Each diagnostic (a stanza value left out, ...) as "FILE:LINE: msg" at LOG_WARNING. */
void ng_log_diags(const struct ng_diags *d);

/* A trace sink for ng_ctx_set_trace(): sends library trace lines to LOG_DEBUG. */
void ng_log_trace(void *data, const char *line);

#endif
