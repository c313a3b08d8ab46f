/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-sysctl.c: effective vs. needed network sysctls on a fixture, and the rendered file. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static const struct ng_sysctl_row *row(const struct ng_sysctl_check *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->rows[i].name, name) == 0)
			return &c->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void test_check(void **state)
{
	char root[PATH_MAX], *text;
	struct ng_ctx_opts opts = { 0 };
	struct ng_sysctl_check c;
	struct ng_err err = { 0 };
	const struct ng_sysctl_row *r;
	struct ng_ctx *ctx;

	(void)state;
	assert_non_null(realpath("tests/fixtures/sysctl/root", root));
	opts.root = root;
	ctx = ng_ctx_new(&opts, &err);
	assert_non_null(ctx);
	assert_int_equal(ng_sysctl_check(ctx, &c, &err), 0);
	assert_int_equal(c.ncpus, 16);
	assert_int_equal(c.speed, 1000);
	assert_int_equal(c.n, 6);
	r = row(&c, "net.core.netdev_max_backlog");
	assert_int_equal(r->effective, 1000);
	assert_int_equal(r->needed, 10000);
	assert_int_equal(r->recommended, 10000);
	assert_string_equal(r->source,
			    "/usr/lib/sysctl.d/60-nicguard.conf:12 says 5000, not in effect");
	r = row(&c, "net.core.wmem_max");
	assert_int_equal(r->effective, 33554432);
	assert_int_equal(r->needed, 16777216);
	assert_int_equal(r->recommended, 33554432);	/* never lowered */
	assert_string_equal(r->source, "/etc/sysctl.d/90-admin.conf:2");
	r = row(&c, "net.core.netdev_budget");
	assert_int_equal(r->recommended, 600);
	assert_string_equal(r->source, "/usr/lib/sysctl.d/60-nicguard.conf:16");
	assert_int_equal(ng_sysctl_render(&c, &text, &err), 0);
	assert_memory_equal(text, NG_MARKER "\n", strlen(NG_MARKER) + 1);
	assert_non_null(strstr(text, "\nnet.core.netdev_max_backlog = 10000\n"));
	assert_non_null(strstr(text, "\nnet.core.rmem_default = 262144\n"));
	assert_null(strstr(text, "wmem_max ="));
	assert_null(strstr(text, "netdev_budget ="));
	free(text);
	/* Everything high enough: a file that says so. */
	for (size_t i = 0; i < c.n; i++)
		c.rows[i].effective = c.rows[i].recommended;
	assert_int_equal(ng_sysctl_render(&c, &text, &err), 0);
	assert_non_null(strstr(text, "Every value in effect is at least"));
	assert_null(strstr(text, " = "));
	free(text);
	ng_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
