/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-stanza.c: libFuzzer target for the interfaces(5) reader and the stanza key values as
 * ifupdown hands them over (IF_NICGUARD_* text, newline-joined repeats included). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "offload", "link", "coalesce", "ring", "rps",
					    "backup-offload", "skip" };
	struct ng_origin origin = { .file = "ifupdown", .line = 0 };
	struct ng_interfaces f = { 0 };
	struct ng_item *items = NULL;
	size_t n = 0;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The file: every nicguard- option goes through the value parser, as ng_stanza_items
	 * does; a diagnostic must carry the line it came from. */
	if (ng_interfaces_parse(&f, (const char *)data, size, "interfaces") == 0) {
		for (size_t i = 0; i < f.n; i++) {
			struct ng_err err = { 0 };

			if (f.v[i].line == 0 || !f.v[i].file)
				abort();
			if (strncmp(f.v[i].key, "nicguard-", 9) == 0)
				ng_stanza_value(f.v[i].key + 9, f.v[i].value, origin, &items, &n,
						&err);
		}
	}
	ng_interfaces_free(&f);
	/* The environment: the whole input as one variable's value, for each key. */
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		struct ng_err err = { 0 };

		ng_stanza_value(keys[k], text, origin, &items, &n, &err);
	}
	ng_items_free(items, n);
	free(text);
	return 0;
}
