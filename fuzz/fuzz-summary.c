/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-summary.c: libFuzzer target for the cluster summaries other nodes publish in
 * /etc/pve/nodes/NODE/nicguard-summary (ng_summary_parse): what parses renders to text
 * that parses back to the same summary, within the size bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_summary s, back;
	char *text;
	size_t len;

	if (ng_summary_parse((const char *)data, size, &s) != 0)
		return 0;
	if (ng_summary_render(&s, &text, &len) != 0 || len > NG_SUMMARY_MAX)
		abort();
	if (ng_summary_parse(text, len, &back) != 0 || strcmp(back.node, s.node) != 0 ||
	    back.n > s.n)
		abort();
	for (size_t i = 0; i < back.n; i++) {
		const struct ng_summary_if *a = &s.v[i], *b = &back.v[i];

		if (strcmp(a->ifname, b->ifname) != 0 || a->ndays != b->ndays ||
		    memcmp(a->hangs, b->hangs, a->ndays * sizeof(a->hangs[0])) != 0 || a->since != b->since ||
		    a->nsettings != b->nsettings || a->last_hang != b->last_hang)
			abort();
	}
	free(text);
	ng_summary_free(&s);
	ng_summary_free(&back);
	return 0;
}
