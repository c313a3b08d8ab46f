/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-policy.c: libFuzzer target for the policy parser, with a print/parse round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A policy that parsed without diagnostics must print to text that parses back cleanly
 * to as many sections: the generators and `nicguard check` rely on that. */
static void round_trip(const struct ng_policy *p)
{
	struct ng_policy *q;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	if (ng_policy_print(p, f) < 0) {
		fclose(f);
		free(text);
		return;
	}
	fclose(f);
	q = ng_policy_new();
	if (q) {
		if (ng_policy_parse(q, text, len, "printed") != 0 || q->nsections != p->nsections)
			abort();
		ng_policy_free(q);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_policy *p = ng_policy_new();
	int r;

	if (!p)
		return 0;
	r = ng_policy_parse(p, (const char *)data, size, "fuzz.conf");
	if (r == 0)
		round_trip(p);
	ng_policy_free(p);
	return 0;
}
