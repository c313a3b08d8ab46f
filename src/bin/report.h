/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h: `nicguard report` as text and JSON, for one node and for the cluster. */
#ifndef NICGUARD_REPORT_H
#define NICGUARD_REPORT_H

#include <stdio.h>

#include "nicguard.h"
#include "render.h"

/* "2026-12-01 10:00 UTC" into buf; returns buf. */
const char *report_date(int64_t t, char *buf, size_t len);

/* One node's report: per interface, the hang and drop rates before and after each change
 * that took effect, the last hang, the hangs since the settings in effect took effect. */
void report_text(const struct ng_histreport *r, FILE *out);
void report_json(const struct ng_histreport *r, struct ng_json *j);

/* Every node's summary side by side: one row per node and interface (names: only those;
 * n 0: all), now to tell how old each summary is. */
void report_cluster_text(const struct ng_summary *v, size_t n, char *const names[],
			 size_t nnames, int64_t now, FILE *out);
void report_cluster_json(const struct ng_summary *v, size_t n, char *const names[],
			 size_t nnames, struct ng_json *j);

#endif
