/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pveopt.c: the [pve] options: their table, checking a section, reading them from a policy.
 * Pure: the policy parser links this file, and nothing here runs a program or opens a socket. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

/* Keep sorted: searched with bsearch. */
static const struct pve_key {
	const char *name;
	size_t offset;
} pve_keys[] = {
	{ "abort-on-error", offsetof(struct ng_pve_opts, abort_on_error) },
	{ "unlock-stale", offsetof(struct ng_pve_opts, unlock_stale) },
};

static int key_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct pve_key *)e)->name);
}

static const struct pve_key *pve_key(const char *name)
{
	return bsearch(name, pve_keys, NG_ARRAY_SIZE(pve_keys), sizeof(pve_keys[0]), key_cmp);
}

static int yes_no(const char *v)
{
	if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true"))
		return 1;
	if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false"))
		return 0;
	return -1;
}

int ng_pve_section_check(const struct ng_section *s, const char *file, struct ng_diags *d)
{
	int bad = 0;

	for (size_t i = 0; i < s->nopts; i++) {
		const char *k = s->opt_keys[i], *v = s->opt_values[i];
		int r = 0;

		if (!pve_key(k))
			r = ng_diags_add(d, file, s->opt_lines[i],
					 "[pve]: unknown key \"%s\" (known: abort-on-error, "
					 "unlock-stale)", k);
		else if (yes_no(v) < 0)
			r = ng_diags_add(d, file, s->opt_lines[i],
					 "[pve] %s: \"%s\" is not yes or no", k, v);
		else
			continue;
		if (r < 0)
			return r;
		bad++;
	}
	return bad;
}

bool ng_pve_tables_sorted(void)
{
	return ng_table_sorted(pve_keys, NG_ARRAY_SIZE(pve_keys), sizeof(pve_keys[0]));
}

void ng_pve_opts_get(const struct ng_policy *p, struct ng_pve_opts *out)
{
	out->abort_on_error = false;
	out->unlock_stale = true;
	for (size_t i = 0; p && i < p->nsections; i++) {
		const struct ng_section *s = &p->sections[i];

		if (s->kind != NG_MATCH_PVE || s->bad)
			continue;
		for (size_t j = 0; j < s->nopts; j++) {
			const struct pve_key *k = pve_key(s->opt_keys[j]);
			int v = yes_no(s->opt_values[j]);

			if (k && v >= 0)
				*(bool *)((char *)out + k->offset) = v;
		}
	}
}

