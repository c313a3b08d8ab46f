/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h: declarations shared inside libnicguard only, one section per .c file. */
#ifndef NICGUARD_INTERNAL_H
#define NICGUARD_INTERNAL_H

#include <stdarg.h>

#include "nicguard.h"

#define NG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ ctx.c */

/* Send one formatted line to the context's trace sink, if one is installed. */
void ng_trace(const struct ng_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when the built-in driver defaults are to be left out. */
bool ng_ctx_no_builtin(const struct ng_ctx *ctx);

/* The root without a trailing slash: "" for the real root. path.c joins paths to it. */
const char *ng_ctx_root_prefix(const struct ng_ctx *ctx);

/* ------------------------------------------------------------------ err.c */

int ng_err_vset(struct ng_err *err, int errnum, const char *file, unsigned line,
		const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* ------------------------------------------------------- (sections below) */
/* Each further .c file adds its lib-only declarations in its own section below, headed
 * by a comment line with the file's name. Keep each section next to its file's job. */

#endif
