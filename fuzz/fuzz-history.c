/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-history.c: libFuzzer target for the history file (ng_histrec_parse): the input as a
 * whole file, and (since random bytes never carry a good checksum) its bytes as the payload
 * of one record framed with a good one; what parses must survive compaction and encode
 * into a file that parses back to the same records, cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *buf, size_t len)
{
	struct ng_hist h, back;
	int64_t now = 1764547200;
	char *out, *out2;
	size_t olen, olen2;

	if (ng_histrec_parse(buf, len, &h) != 0)
		return;
	for (size_t i = 0; i < h.nev; i++)
		if (h.ev[i].time > now)
			now = h.ev[i].time;
	if (ng_histcompact(&h, now) != 0 || ng_histrec_encode(&h, &out, &olen) != 0)
		abort();
	if (ng_histrec_parse(out, olen, &back) != 0 || back.damaged || back.unknown ||
	    back.nev != h.nev || back.nch != h.nch || back.ncnt != h.ncnt)
		abort();
	/* What was read back encodes to the same bytes: nothing is lost in a round trip. */
	if (ng_histrec_encode(&back, &out2, &olen2) != 0 || olen2 != olen ||
	    memcmp(out, out2, olen) != 0)
		abort();
	for (size_t i = 0; i < back.nev; i++)
		ng_hist_episode_start(back.ev, i);
	free(out);
	free(out2);
	ng_hist_free(&h);
	ng_hist_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hlen, plen = size > 1 ? size - 1 : 0;
	const char *hdr = ng_histrec_header(&hlen);
	char *file = malloc(hlen + NG_HISTREC_MAX);
	uint32_t crc;

	if (!file)
		return 0;
	check((const char *)data, size);
	/* data[0] is the type, the rest the payload of one well-framed record. */
	if (size >= 1 && plen <= NG_HISTREC_MAX - 12) {
		char *r = file + hlen;

		memcpy(file, hdr, hlen);
		r[0] = (char)0xff;
		r[1] = 'N';
		r[2] = 'G';
		r[3] = 'H';
		r[4] = (char)(plen & 0xff);
		r[5] = (char)(plen >> 8);
		r[6] = (char)data[0];
		r[7] = 0;
		memcpy(r + 8, data + 1, plen);
		crc = ng_crc32c(r + 4, 4 + plen);
		for (int i = 0; i < 4; i++)
			r[8 + plen + (size_t)i] = (char)(crc >> (8 * i));
		check(file, hlen + 12 + plen);
	}
	free(file);
	return 0;
}
