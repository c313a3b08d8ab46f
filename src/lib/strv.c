/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strv.c: a growable array of owned strings (directory listings, rx queue masks). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int ng_strv_push(char ***v, size_t *n, const char *s)
{
	char **t = realloc(*v, (*n + 1) * sizeof(**v));

	if (!t)
		return -ENOMEM;
	*v = t;
	t[*n] = strdup(s);
	if (!t[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

void ng_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}
