/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-kmsg.c: libFuzzer target for /dev/kmsg records: the stream splitter, the record
 * parser and the hang signature matcher, as nicguard-watch and doctor chain them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything a match hands on must be a terminated string of its field's size: the daemon
 * puts ifname into paths and log lines. */
static void check_match(const struct ng_kmsg *rec)
{
	static const unsigned flags[] = { 0, NG_SIG_ACCEPT_USER };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct ng_sig_match m;

		if (!ng_sig_match(rec, flags[i], &m))
			continue;
		if (!m.sig || !m.sig->id ||
		    strnlen(m.driver, sizeof(m.driver)) == sizeof(m.driver) ||
		    strnlen(m.ifname, sizeof(m.ifname)) == sizeof(m.ifname) ||
		    strnlen(m.busdev, sizeof(m.busdev)) == sizeof(m.busdev) ||
		    strnlen(m.device, sizeof(m.device)) == sizeof(m.device))
			abort();
		if (rec->facility > 1 || (rec->facility == 1 && !(flags[i] & NG_SIG_ACCEPT_USER)))
			abort();
	}
}

static void one_record(const char *buf, size_t len)
{
	struct ng_kmsg *rec = malloc(sizeof(*rec));

	if (!rec)
		return;
	if (ng_kmsg_parse(buf, len, rec) == 0) {
		if (rec->text_len >= sizeof(rec->text) || rec->text[rec->text_len] != '\0' ||
		    strnlen(rec->caller, sizeof(rec->caller)) == sizeof(rec->caller) ||
		    strnlen(rec->device, sizeof(rec->device)) == sizeof(rec->device) ||
		    strnlen(rec->subsystem, sizeof(rec->subsystem)) == sizeof(rec->subsystem))
			abort();
		ng_kmsg_facility_name(rec->facility);
		ng_kmsg_level_name(rec->level);
		check_match(rec);
	}
	free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy without a terminator: reads past the end are caught by ASan. */
	char *buf = malloc(size ? size : 1);
	size_t off = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* As /dev/kmsg delivers it: one record per read. */
	one_record(buf, size);
	/* As a FIFO or file delivers it: a stream cut into records. */
	while (off < size) {
		size_t n = ng_kmsg_split(buf + off, size - off, true);

		if (n == 0)
			break;
		if (n > size - off)
			abort();
		one_record(buf + off, n);
		off += n;
	}
	if (ng_kmsg_split(buf, size, false) > size)
		abort();
	free(buf);
	return 0;
}
