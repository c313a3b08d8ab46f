/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-pve.c: libFuzzer target for guest configs, UPIDs and vzdump.conf edits (pve, vzdump). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOOK "/usr/libexec/nicguard/vzdump-hook"

/* enable then disable must give a file whose script: is what it was (or none). */
static void vzdump_round_trip(const char *buf, size_t len)
{
	char before[256], after[256];
	char *on, *off;
	size_t onlen, offlen;

	/* The values are C strings: a NUL inside a line cuts them, as it would vzdump's. */
	if (memchr(buf, '\0', len) ||
	    ng_vzdump_conf_script(buf, len, before, sizeof(before)) < 0 ||
	    strcmp(before, HOOK) == 0 || strchr(before, '\n'))
		return;
	if (ng_vzdump_conf_enable(buf, len, HOOK, &on, &onlen) < 0)
		return;
	if (ng_vzdump_conf_script(on, onlen, after, sizeof(after)) < 0 || strcmp(after, HOOK) != 0)
		abort();
	if (ng_vzdump_conf_disable(on, onlen, HOOK, before, &off, &offlen) == 0) {
		if (ng_vzdump_conf_script(off, offlen, after, sizeof(after)) < 0 ||
		    strcmp(after, before) != 0)
			abort();
		free(off);
	}
	free(on);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), lock[24];
	struct ng_upid u;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ng_guest_conf_value(text, size, "lock", lock, sizeof(lock));
	ng_upid_parse(text, &u);
	vzdump_round_trip(text, size);
	free(text);
	return 0;
}
