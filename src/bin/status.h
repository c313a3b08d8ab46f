/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status.h: parts of `nicguard status` that live in files of their own (status-*.c). */
#ifndef NICGUARD_STATUS_H
#define NICGUARD_STATUS_H

#include <stdio.h>

#include "nicguard.h"
#include "render.h"

/* status-history.c: read the history once per run (a failure is logged; h stays empty),
 * then per interface the hangs since its settings in effect took effect, and the last
 * hang, as one text line (none when the history says nothing of it) or a "history" key. */
int status_history_load(const struct ng_ctx *ctx, struct ng_hist *h);
void status_history_text(const struct ng_hist *h, const char *ifname, FILE *out);
void status_history_json(const struct ng_hist *h, const char *ifname, struct ng_json *j);

#endif
