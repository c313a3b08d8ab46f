/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-ifupdown2conf.c: libFuzzer target for /etc/network/ifupdown2/ifupdown2.conf as doctor
 * reads it (ng_ifupdown2_conf_value): any text, any key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char val[64], small[2];
	unsigned line, lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	line = ng_ifupdown2_conf_value((const char *)data, size, "addon_scripts_support", val,
				       sizeof(val));
	/* The line is one of the text's; the value is a string that fits. */
	if (line > lines || strnlen(val, sizeof(val)) == sizeof(val) || (!line && val[0]))
		abort();
	/* The smallest buffer still gets a string, and the same line. */
	if (ng_ifupdown2_conf_value((const char *)data, size, "addon_scripts_support", small,
				    sizeof(small)) != line || strnlen(small, 2) == 2)
		abort();
	return 0;
}
