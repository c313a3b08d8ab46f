/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-softnet.c: libFuzzer target for the text nicguard reads from /proc and /sys: the
 * softnet_stat table and rps_cpus masks (normalized and compared). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_softnet sum;
	unsigned rows;
	char *text = malloc(size + 1), norm[1024], norm2[1024];
	const char *a, *b;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ng_softnet_parse(text, size, &sum, &rows) == 0 && rows == 0)
		abort();
	/* A mask is one line of sysfs text; normalizing twice must change nothing, and a mask
	 * must equal itself and its normal form. */
	a = ng_rps_mask_norm(text, norm, sizeof(norm));
	if (a) {
		b = ng_rps_mask_norm(a, norm2, sizeof(norm2));
		if (!b || strcmp(a, b) != 0)
			abort();
		/* rps.c compares in buffers of this size: longer masks are cut alike. */
		if (strlen(a) < sizeof(norm) - 1 && !ng_rps_mask_equal(text, a))
			abort();
	}
	ng_rps_mask_equal(text, "0");
	free(text);
	return 0;
}
