/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-value.c: libFuzzer target for the ethtool-words value parser and rps mask rendering. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte picks the key: its low four bits the group, the high ones the set. Seeds keep
 * their key when a group is added (the corpus names each seed's byte); numbers past the last
 * group are fed too (no such group). */
_Static_assert(NG_GROUP_MAX <= 16, "the key byte has four bits of group");

/* Printed with the one item printer and parsed back, the items are the same. */
static void roundtrip(const struct ng_item *items, size_t n)
{
	struct ng_item *back = NULL;
	size_t len = 0, nback = 0;
	char *out = NULL, *sp;
	enum ng_group g;
	enum ng_set s;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return;
	if (ng_items_print(f, "", "", items, n) < 0 || fclose(f) != 0 || !len) {
		free(out);
		return;
	}
	/* One line: every item of one parse shares its key. */
	out[len - 1] = '\0';
	sp = strchr(out, ' ');
	if (!sp || strchr(out, '\n'))
		abort();
	*sp = '\0';
	if (ng_key_lookup(out, &g, &s) < 0 || g != items[0].group || s != items[0].set)
		abort();
	if (ng_value_parse(g, s, sp + 1, items[0].origin, &back, &nback, NULL) < 0 || nback != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(back[i].name, items[i].name) != 0 || back[i].num != items[i].num ||
		    !back[i].text != !items[i].text ||
		    (items[i].text && strcmp(back[i].text, items[i].text) != 0))
			abort();
	ng_items_free(back, nback);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ng_origin origin = { .file = "fuzz", .line = 1 };
	struct ng_item *items = NULL;
	enum ng_group group;
	enum ng_set set;
	struct ng_err err;
	size_t n = 0;
	char *text;

	if (size < 1)
		return 0;
	group = (enum ng_group)(data[0] & 0x0f);
	set = (enum ng_set)((data[0] >> 4) % NG_SET_MAX);
	text = strndup((const char *)data + 1, size - 1);
	if (!text)
		return 0;
	if (ng_value_parse(group, set, text, origin, &items, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++) {
			char buf[NG_TEXT_MAX], mask[1024];

			ng_item_value_str(&items[i], buf, sizeof(buf));
			if (items[i].group == NG_RPS) {
				/* One rendered mask per parsed value, never more or fewer. */
				if (ng_rps_mask(&items[i], 1, mask, sizeof(mask)) == 0 &&
				    ng_rps_nmasks(mask) != ng_rps_nmasks(items[i].text))
					abort();
				ng_rps_mask(&items[i], 4096, mask, sizeof(mask));
			}
		}
		if (n)
			roundtrip(items, n);
	}
	ng_items_free(items, n);
	free(text);
	return 0;
}
