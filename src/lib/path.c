/* SPDX-License-Identifier: GPL-2.0-or-later */
/* path.c: every path the library touches, built from the context's root prefix. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "nicguard.h"
#include "internal.h"

int ng_path(const struct ng_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	const char *root = ng_ctx_root_prefix(ctx);
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s", root);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}
