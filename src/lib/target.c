/* SPDX-License-Identifier: GPL-2.0-or-later */
/* target.c: the one resolution: what an interface wants, every set and layer, and why. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nicguard.h"
#include "internal.h"

struct ng_resolver {
	const struct ng_ctx *ctx;	/* NULL: no file is read */
	const struct ng_policy *p;	/* NULL: an empty policy */
	struct ng_interfaces ifs;	/* the interfaces file: every stanza's options */
	struct ng_runstate rs;		/* /run/nicguard as it was */
};

/* A matching section and the layer it matches at. */
struct hit {
	size_t index;
	enum ng_layer layer;
};

struct ng_target {
	const struct ng_policy *p;	/* the hits' sections */
	struct ng_wanted list[NG_TARGET_LISTS];
	struct hit *hits;		/* file order */
	size_t nhits;
	unsigned state;			/* NG_TARGET_MATCHED, ... */
	struct ng_diags diags;
};

int ng_resolver_new(const struct ng_ctx *ctx, const struct ng_policy *p,
		    struct ng_resolver **out, struct ng_err *err)
{
	struct ng_resolver *rv = calloc(1, sizeof(*rv));
	int r = 0;

	*out = NULL;
	if (!rv)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	rv->ctx = ctx;
	rv->p = p;
	/* A file that cannot be read is a diagnostic of every target, not a failure here. */
	if (ctx && ng_interfaces_load(ctx, &rv->ifs, NULL) == -ENOMEM)
		r = -ENOMEM;
	if (ctx && r == 0)
		r = ng_runstate_read(ctx, &rv->rs);
	if (r < 0) {
		ng_resolver_free(rv);
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	*out = rv;
	return 0;
}

void ng_resolver_free(struct ng_resolver *rv)
{
	if (!rv)
		return;
	ng_interfaces_free(&rv->ifs);
	ng_runstate_free(&rv->rs);
	free(rv);
}

const struct ng_ctx *ng_resolver_ctx(const struct ng_resolver *rv)
{
	return rv->ctx;
}

const char *ng_layer_name(enum ng_layer layer)
{
	static const char *const names[NG_LAYER_MAX] = {
		[NG_LAYER_NONE] = "none",
		[NG_LAYER_BUILTIN] = "built-in",
		[NG_LAYER_DRIVER] = "driver",
		[NG_LAYER_GLOB] = "interface glob",
		[NG_LAYER_PCI] = "pci",
		[NG_LAYER_MAC] = "mac",
		[NG_LAYER_NAME] = "interface name",
		[NG_LAYER_STANZA] = "stanza",
	};

	return (unsigned)layer < NG_LAYER_MAX ? names[layer] : "?";
}

/* -------------------------------------------------------------- the policy */

/* The layer section s matches ifc at; NG_LAYER_NONE when it does not match. */
static enum ng_layer match_layer(const struct ng_section *s, const struct ng_iface *ifc)
{
	enum ng_layer best = NG_LAYER_NONE;

	for (size_t i = 0; i < s->npatterns; i++) {
		const char *pat = s->patterns[i];
		enum ng_layer l = NG_LAYER_NONE;

		switch (s->kind) {
		case NG_MATCH_DRIVER:
			if (ifc->driver[0] && strcmp(pat, ifc->driver) == 0)
				l = s->origin.line == 0 ? NG_LAYER_BUILTIN : NG_LAYER_DRIVER;
			break;
		case NG_MATCH_NAME:
			if (fnmatch(pat, ifc->name, 0) == 0)
				l = strpbrk(pat, "*?[") ? NG_LAYER_GLOB : NG_LAYER_NAME;
			break;
		case NG_MATCH_MAC:
			if (ifc->mac[0] && strcasecmp(pat, ifc->mac) == 0)
				l = NG_LAYER_MAC;
			break;
		case NG_MATCH_PCI:
			if (ifc->pci_addr[0] && fnmatch(pat, ifc->pci_addr, 0) == 0)
				l = NG_LAYER_PCI;
			break;
		default:	/* option sections never match interfaces */
			break;
		}
		if (l > best)
			best = l;
	}
	return best;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Put a copy of it into the list of its set (or the flags), its origin marked with layer:
 * each (group, name) is held once, a later put replacing an earlier one. */
static int put(struct ng_target *t, const struct ng_item *it, enum ng_layer layer)
{
	struct ng_item copy = *it;
	struct ng_wanted *w;

	if ((unsigned)it->set >= NG_SET_MAX)
		return 0;
	w = &t->list[it->group == NG_FLAG ? NG_TARGET_FLAGS : (int)it->set];
	copy.origin.layer = layer;
	return ng_items_put(&w->items, &w->n, &copy, false);
}

/* The policy's layers: each matching section's items, least specific layer first and file
 * order within a layer, so the most specific (then the last) wins. Sections marked bad are
 * left out. */
static int resolve_policy(const struct ng_policy *p, const struct ng_iface *ifc,
			  struct ng_target *t)
{
	struct hit *sorted;
	int r = 0;

	if (!p || p->nsections == 0)
		return 0;
	t->hits = calloc(p->nsections, sizeof(*t->hits));
	sorted = calloc(p->nsections, sizeof(*sorted));
	if (!t->hits || !sorted) {
		free(sorted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nsections; i++) {
		enum ng_layer l = p->sections[i].bad ? NG_LAYER_NONE :
				  match_layer(&p->sections[i], ifc);

		if (l == NG_LAYER_NONE)
			continue;
		t->hits[t->nhits++] = (struct hit){ i, l };
		t->state |= l == NG_LAYER_BUILTIN ? NG_TARGET_BUILTIN : NG_TARGET_MATCHED;
	}
	memcpy(sorted, t->hits, t->nhits * sizeof(*sorted));
	qsort(sorted, t->nhits, sizeof(*sorted), cmp_hit);
	for (size_t h = 0; h < t->nhits && r == 0; h++) {
		const struct ng_section *s = &p->sections[sorted[h].index];

		for (size_t i = 0; i < s->nitems && r == 0; i++)
			r = put(t, &s->items[i], sorted[h].layer);
	}
	free(sorted);
	return r;
}

/* --------------------------------------------------------- the stanza keys */

/* The top layer: the keys given (if-up.d), or the interface's keys in the interfaces file
 * (their origins point into the resolver's file names). */
static int resolve_stanza(const struct ng_resolver *rv, const struct ng_iface *ifc,
			  const struct ng_target_opts *o, struct ng_target *t)
{
	const struct ng_item *items = o->stanza;
	struct ng_item *read = NULL;
	size_t n = o->nstanza, nread = 0;
	int r = 0;

	if (!(o->flags & NG_TARGET_STANZA_GIVEN)) {
		if (rv->ctx)
			r = ng_stanza_items(&rv->ifs, ifc->name, &read, &nread, &t->diags);
		items = read;
		n = nread;
	}
	if (n)
		t->state |= NG_TARGET_MATCHED;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = put(t, &items[i], NG_LAYER_STANZA);
	ng_items_free(read, nread);
	return r;
}

/* ------------------------------------------------------------ now, in force */

static int merge(struct ng_wanted *into, const struct ng_wanted *from)
{
	for (size_t i = 0; i < from->n; i++) {
		int r = ng_items_put(&into->items, &into->n, &from->items[i], false);

		if (r < 0)
			return r;
	}
	return 0;
}

/* The normal set; with an open window that saved ifc, the backup set over it (a driver
 * reload or an `apply` during a backup must not undo the tightening: the window's saved
 * originals are what job-end restores); once escalated, the watch set over all. */
static int resolve_now(const struct ng_resolver *rv, const struct ng_iface *ifc,
		       const struct ng_target_opts *o, struct ng_target *t)
{
	struct ng_wanted *now = &t->list[NG_TARGET_NOW];
	int r = merge(now, &t->list[NG_SET_NORMAL]);

	if (rv->ctx && ng_runstate_holds(&rv->rs, ifc->name))
		t->state |= NG_TARGET_WINDOW;
	if ((o->flags & NG_TARGET_WATCH) ||
	    (rv->ctx && ng_runstate_is_escalated(&rv->rs, ifc->name)))
		t->state |= NG_TARGET_ESCALATED;
	if (r == 0 && (t->state & NG_TARGET_WINDOW))
		r = merge(now, &t->list[NG_SET_BACKUP]);
	if (r == 0 && (t->state & NG_TARGET_ESCALATED))
		r = merge(now, &t->list[NG_SET_WATCH]);
	return r;
}

int ng_target_resolve(const struct ng_resolver *rv, const struct ng_iface *ifc,
		      const struct ng_target_opts *o, struct ng_target **out, struct ng_err *err)
{
	static const struct ng_target_opts none = { 0 };
	struct ng_target *t = calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	if (!t)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	o = o ? o : &none;
	t->p = rv->p;
	r = resolve_policy(rv->p, ifc, t);
	if (r == 0)
		r = resolve_stanza(rv, ifc, o, t);
	if (r == 0)
		r = resolve_now(rv, ifc, o, t);
	if (r < 0) {
		ng_target_free(t);
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	*out = t;
	return 0;
}

void ng_target_free(struct ng_target *t)
{
	if (!t)
		return;
	for (int i = 0; i < NG_TARGET_LISTS; i++)
		ng_wanted_free(&t->list[i]);
	ng_diags_free(&t->diags);
	free(t->hits);
	free(t);
}

/* -------------------------------------------------------------- accessors */

const struct ng_wanted *ng_target_list(const struct ng_target *t, int list)
{
	return &t->list[list >= 0 && list < NG_TARGET_LISTS ? list : NG_TARGET_NOW];
}

size_t ng_target_count(const struct ng_target *t, int list)
{
	return ng_target_list(t, list)->n;
}

const struct ng_item *ng_target_item(const struct ng_target *t, int list, size_t i)
{
	const struct ng_wanted *w = ng_target_list(t, list);

	return i < w->n ? &w->items[i] : NULL;
}

const struct ng_item *ng_target_flag(const struct ng_target *t, const char *key)
{
	return ng_wanted_find(&t->list[NG_TARGET_FLAGS], NG_FLAG, key);
}

bool ng_target_skip(const struct ng_target *t)
{
	const struct ng_item *it = ng_target_flag(t, "skip");

	return it && it->num;
}

unsigned ng_target_state(const struct ng_target *t)
{
	return t->state;
}

size_t ng_target_nsections(const struct ng_target *t)
{
	return t->nhits;
}

const struct ng_section *ng_target_section(const struct ng_target *t, size_t i,
					   enum ng_layer *layer)
{
	if (i >= t->nhits)
		return NULL;
	if (layer)
		*layer = t->hits[i].layer;
	return &t->p->sections[t->hits[i].index];
}

size_t ng_target_ndiags(const struct ng_target *t)
{
	return t->diags.n;
}

const struct ng_diag *ng_target_diag(const struct ng_target *t, size_t i)
{
	return i < t->diags.n ? &t->diags.v[i] : NULL;
}
