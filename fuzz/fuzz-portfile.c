/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-portfile.c: libFuzzer target for the port place file nicguard-watch reads back at
 * start-up (/run/nicguard/port-KEY): parse; what parses must print and parse again to the
 * same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy without a terminator: reads past the end are caught by ASan. */
	char *buf = malloc(size ? size : 1), *t1 = NULL, *t2 = NULL;
	struct ng_portstate *ps = NULL, *again = NULL;
	size_t n1, n2;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (ng_portstate_parse(buf, size, "fuzz", &ps, NULL) == 0) {
		if (!ng_ifname_valid(ng_portstate_name(ps)) || ps->naddrs > NG_PORT_ADDRS ||
		    ps->nroutes > NG_PORT_ROUTES || ps->br.nvlans > NG_PORT_VLANS ||
		    ps->br.nflags > NG_PORT_BRFLAGS || ps->link.naltnames > NG_PORT_ALTNAMES)
			abort();
		if (ng_portstate_format(ps, &t1, &n1) == 0 &&
		    (ng_portstate_parse(t1, n1, "again", &again, NULL) != 0 ||
		     ng_portstate_format(again, &t2, &n2) != 0 || n1 != n2 ||
		     memcmp(t1, t2, n1) != 0))
			abort();
	}
	free(t1);
	free(t2);
	ng_portstate_free(again);
	ng_portstate_free(ps);
	free(buf);
	return 0;
}
