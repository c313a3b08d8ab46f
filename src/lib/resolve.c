/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolve.c: policy + interface facts -> the settings wanted for it, with provenance. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nicguard.h"
#include "internal.h"

/* Specificity ranks, lowest first; stanza keys (ng_wanted_merge) come above them all. */
enum rank {
	RANK_NONE = -1,
	RANK_BUILTIN,
	RANK_DRIVER,
	RANK_GLOB,
	RANK_PCI,
	RANK_MAC,
	RANK_NAME,
};

/* How specifically section s matches ifc; RANK_NONE when it does not. */
static int match_rank(const struct ng_section *s, const struct ng_iface *ifc)
{
	int best = RANK_NONE;

	for (size_t i = 0; i < s->npatterns; i++) {
		const char *pat = s->patterns[i];
		int r = RANK_NONE;

		switch (s->kind) {
		case NG_MATCH_DRIVER:
			if (ifc->driver[0] && strcmp(pat, ifc->driver) == 0)
				r = s->origin.line == 0 ? RANK_BUILTIN : RANK_DRIVER;
			break;
		case NG_MATCH_NAME:
			if (fnmatch(pat, ifc->name, 0) == 0)
				r = strpbrk(pat, "*?[") ? RANK_GLOB : RANK_NAME;
			break;
		case NG_MATCH_MAC:
			if (ifc->mac[0] && strcasecmp(pat, ifc->mac) == 0)
				r = RANK_MAC;
			break;
		case NG_MATCH_PCI:
			if (ifc->pci_addr[0] && fnmatch(pat, ifc->pci_addr, 0) == 0)
				r = RANK_PCI;
			break;
		default:	/* option sections never match interfaces */
			break;
		}
		if (r > best)
			best = r;
	}
	return best;
}

struct hit {
	size_t index;
	int rank;
};

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int ng_resolve(const struct ng_policy *p, const struct ng_iface *ifc, enum ng_set set,
	       struct ng_wanted *out, struct ng_err *err)
{
	struct hit *hits;
	size_t nhits = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	hits = calloc(p->nsections ? p->nsections : 1, sizeof(*hits));
	if (!hits)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < p->nsections; i++) {
		int rank = p->sections[i].bad ? RANK_NONE : match_rank(&p->sections[i], ifc);

		if (rank == RANK_NONE)
			continue;
		hits[nhits++] = (struct hit){ i, rank };
		if (rank == RANK_BUILTIN)
			out->builtin = true;
		else
			out->matched = true;
	}
	/* Least specific first, file order within a rank: each later put replaces. */
	qsort(hits, nhits, sizeof(*hits), cmp_hit);
	for (size_t h = 0; h < nhits && r == 0; h++) {
		const struct ng_section *s = &p->sections[hits[h].index];

		for (size_t i = 0; i < s->nitems && r == 0; i++) {
			const struct ng_item *it = &s->items[i];

			/* Flags describe the interface itself (skip it; it is a backup uplink),
			 * so every set sees them. */
			if (it->set == set || it->group == NG_FLAG)
				r = ng_items_put(&out->items, &out->n, it, false);
		}
	}
	free(hits);
	if (r < 0) {
		ng_wanted_free(out);
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}

int ng_wanted_merge(struct ng_wanted *w, const struct ng_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = ng_items_put(&w->items, &w->n, &items[i], false);

		if (r < 0)
			return r;
	}
	return 0;
}

const struct ng_item *ng_wanted_find(const struct ng_wanted *w, enum ng_group group,
				     const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->items[i].group == group && strcmp(w->items[i].name, name) == 0)
			return &w->items[i];
	return NULL;
}

bool ng_wanted_skip(const struct ng_wanted *w)
{
	const struct ng_item *it = ng_wanted_find(w, NG_FLAG, "skip");

	return it && it->num;
}

void ng_wanted_free(struct ng_wanted *w)
{
	ng_items_free(w->items, w->n);
	w->items = NULL;
	w->n = 0;
}
