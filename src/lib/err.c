/* SPDX-License-Identifier: GPL-2.0-or-later */
/* err.c: one-line errors with a place, and the diagnostics list parsers fill. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int ng_err_vset(struct ng_err *err, int errnum, const char *file, unsigned line,
		const char *fmt, va_list ap)
{
	if (!err)
		return errnum;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return errnum;
}

int ng_err_set(struct ng_err *err, int errnum, const char *file, unsigned line,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ng_err_vset(err, errnum, file, line, fmt, ap);
	va_end(ap);
	return errnum;
}

const char *ng_err_str(const struct ng_err *err, char *buf, size_t len)
{
	if (err->file[0] && err->line)
		snprintf(buf, len, "%s:%u: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}

int ng_diags_vadd(struct ng_diags *d, const char *file, unsigned line, const char *fmt,
		  va_list ap)
{
	struct ng_diag *dg;
	char *msg;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct ng_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	dg = &d->v[d->n];
	dg->file = strdup(file ? file : "");
	if (!dg->file) {
		free(msg);
		return -ENOMEM;
	}
	dg->line = line;
	dg->msg = msg;
	d->n++;
	return 0;
}

int ng_diags_add(struct ng_diags *d, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ng_diags_vadd(d, file, line, fmt, ap);
	va_end(ap);
	return r;
}

void ng_diags_free(struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

int ng_diags_problem(struct ng_diags *d, int r, int *first, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (d)
		ng_diags_vadd(d, NULL, 0, fmt, ap);
	va_end(ap);
	if (first && *first == 0)
		*first = r;
	return r;
}
