/* SPDX-License-Identifier: GPL-2.0-or-later */
/* target.c: what one interface should hold now: policy, stanza keys, backup window, watch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

/* Merge the non-flag items of set from src over w. */
static int merge_set(struct ng_wanted *w, const struct ng_item *src, size_t n, enum ng_set set)
{
	for (size_t i = 0; src && i < n; i++) {
		int r;

		if (src[i].set != set || src[i].group == NG_FLAG)
			continue;
		r = ng_wanted_merge(w, &src[i], 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The policy's items of set for ifc, merged over w. */
static int merge_policy(struct ng_wanted *w, const struct ng_policy *p,
			const struct ng_iface *ifc, enum ng_set set, struct ng_err *err)
{
	struct ng_wanted layer;
	int r = ng_resolve(p, ifc, set, &layer, err);

	if (r < 0)
		return r;
	r = merge_set(w, layer.items, layer.n, set);
	ng_wanted_free(&layer);
	return r;
}

int ng_target_resolve(const struct ng_ctx *ctx, const struct ng_policy *p,
		      const struct ng_iface *ifc, unsigned flags, const struct ng_item *stanza_items,
		      size_t n, struct ng_target *t, struct ng_err *err)
{
	const struct ng_item *st_items = stanza_items;
	size_t st_n = n;
	int r;

	memset(t, 0, sizeof(*t));
	r = ng_resolve(p, ifc, NG_SET_NORMAL, &t->w, err);
	if (r < 0)
		return r;
	if (!stanza_items && (flags & NG_TARGET_STANZA)) {
		t->stanza = calloc(1, sizeof(*t->stanza));
		if (!t->stanza) {
			r = -ENOMEM;
			goto fail;
		}
		r = ng_stanza_load(ctx, ifc->name, t->stanza, err);
		if (r < 0)
			goto fail;
		st_items = t->stanza->items;
		st_n = t->stanza->n;
	}
	r = ng_stanza_merge(&t->w, st_items, st_n, NG_SET_NORMAL);
	/* A driver reload or an `apply` during a backup must not undo the tightening: the
	 * window's saved originals are what job-end restores, not the normal policy. */
	if (r == 0 && ((flags & NG_TARGET_FORCE_BACKUP) ||
		       ((flags & NG_TARGET_BACKUP) && ng_backup_holds(ctx, ifc->name)))) {
		t->backup = true;
		r = merge_policy(&t->w, p, ifc, NG_SET_BACKUP, err);
		if (r == 0)
			r = merge_set(&t->w, st_items, st_n, NG_SET_BACKUP);
	}
	if (r == 0 && ((flags & NG_TARGET_FORCE_WATCH) ||
		       ((flags & NG_TARGET_WATCH) && ng_recover_marked(ctx, ifc->name)))) {
		t->watch = true;
		r = merge_policy(&t->w, p, ifc, NG_SET_WATCH, err);
	}
	if (r == 0)
		return 0;
fail:
	if (r == -ENOMEM)
		ng_err_set(err, r, NULL, 0, "out of memory");
	ng_target_free(t);
	return r;
}

void ng_target_free(struct ng_target *t)
{
	ng_wanted_free(&t->w);
	if (t->stanza) {
		ng_stanza_free(t->stanza);
		free(t->stanza);
	}
	memset(t, 0, sizeof(*t));
}
