/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ifname.c: which interface names and PCI addresses nicguard accepts (pure: no I/O). */
#include <ctype.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

bool ng_ifname_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len >= NG_IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f || strchr("/:\"';$`\\|&<>*?", c))
			return false;
	}
	return true;
}

bool ng_pci_addr_valid(const char *s)
{
	static const char form[] = "xxxx:xx:xx.x";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != form[i])
			return false;
	return true;
}
