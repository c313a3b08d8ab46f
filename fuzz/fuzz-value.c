/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-value.c: libFuzzer target for the ethtool-words value parser and rps mask rendering. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte picks the key (group and set); the rest is the value text, as a stanza key
 * or a policy line would hand it over. */
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
	group = (enum ng_group)(data[0] % NG_GROUP_MAX);
	set = (enum ng_set)((data[0] / NG_GROUP_MAX) % NG_SET_MAX);
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
	}
	ng_items_free(items, n);
	free(text);
	return 0;
}
