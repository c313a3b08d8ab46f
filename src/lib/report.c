/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c: the results of applying settings, and what counts as drift among them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

static const char *const outcome_names[] = {
	[NG_CHANGED] = "changed",
	[NG_ALREADY] = "already",
	[NG_UNSUPPORTED] = "unsupported",
	[NG_FIXED] = "fixed",
	[NG_FAILED] = "failed",
	[NG_PLANNED] = "planned",
};

const char *ng_outcome_name(enum ng_outcome o)
{
	if ((size_t)o >= NG_ARRAY_SIZE(outcome_names))
		return "unknown";
	return outcome_names[o];
}

void ng_report_free(struct ng_report *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	free(r->v);
	ng_diags_free(&r->diags);
	memset(r, 0, sizeof(*r));
}

const char *ng_report_file(struct ng_report *rep, const char *file)
{
	char **nv;

	for (size_t i = 0; i < rep->nfiles; i++)
		if (strcmp(rep->files[i], file) == 0)
			return rep->files[i];
	nv = realloc(rep->files, (rep->nfiles + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	rep->files = nv;
	nv[rep->nfiles] = strdup(file);
	return nv[rep->nfiles] ? nv[rep->nfiles++] : NULL;
}

int ng_report_add(struct ng_report *rep, const struct ng_result *res)
{
	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 16;
		struct ng_result *v = realloc(rep->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rep->v = v;
		rep->cap = cap;
	}
	rep->v[rep->n] = *res;
	if (res->origin.file) {
		rep->v[rep->n].origin.file = ng_report_file(rep, res->origin.file);
		if (!rep->v[rep->n].origin.file)
			return -ENOMEM;
	}
	rep->n++;
	return 0;
}

bool ng_report_failed(const struct ng_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].outcome == NG_FAILED || r->v[i].outcome == NG_UNSUPPORTED)
			return true;
	return false;
}

bool ng_result_drift(const struct ng_result *r)
{
	return r->group != NG_ETHTOOL && (r->outcome == NG_PLANNED || r->outcome == NG_FIXED);
}
