/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-storage.c: libFuzzer target for /etc/pve/storage.cfg (storage.c) and the servers read
 * from it or from a mountinfo text (egress.c): the input's first part is the config, the
 * part after a NUL the mountinfo. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *mountinfo;
	struct ng_storage_cfg c;
	size_t cfglen;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cfglen = strlen(text);
	mountinfo = cfglen < size ? text + cfglen + 1 : NULL;
	if (ng_storage_parse(text, cfglen, &c) == 0) {
		/* `local` is always there, whatever the file says. */
		if (!ng_storage_find(&c, "local"))
			abort();
		for (size_t i = 0; i < c.n; i++) {
			const struct ng_storage *s = &c.v[i];
			char **hosts;
			size_t n;

			ng_storage_shared(s);
			ng_storage_enabled(s);
			ng_storage_on_node(s, "pve1");
			ng_storage_has_content(s, "snippets");
			if (ng_storage_hosts(s, mountinfo, mountinfo, &hosts, &n) == 0) {
				for (size_t j = 0; j < n; j++)
					if (!hosts[j][0] || strchr(hosts[j], '/'))
						abort();
				ng_strv_free(hosts, n);
			}
		}
		ng_storage_cfg_free(&c);
	}
	free(text);
	return 0;
}
