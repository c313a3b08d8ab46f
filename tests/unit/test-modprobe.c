/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-modprobe.c: InterruptThrottleRate values, per-port planning in probe order, the
 * rendered file, modprobe.d option scanning and the initramfs decision. */
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

static void test_valid(void **state)
{
	static const int64_t good[] = { 0, 1, 3, 4, 100, 8000, 100000 };
	static const int64_t bad[] = { -1, 2, 5, 99, 100001 };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ng_itr_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ng_itr_valid(bad[i]));
}

static void test_render(void **state)
{
	struct ng_itr_port ports[2] = {
		{ "0000:00:19.0", "eno2", 8000, true, { .file = "/etc/nicguard/nicguard.conf", .line = 6 } },
		{ "0000:00:1f.6", "", 3, false, { .file = NULL } },
	};
	struct ng_modprobe m = { ports, 2, false, true };
	struct ng_err err = { 0 };
	char *text;

	(void)state;
	assert_int_equal(ng_modprobe_render(&m, &text, &err), 0);
	assert_memory_equal(text, NG_MARKER "\n", strlen(NG_MARKER) + 1);
	assert_non_null(strstr(text, "\n# port 0: 0000:00:19.0 (eno2) = 8000 (interrupts per "
				     "second), from /etc/nicguard/nicguard.conf:6\n"));
	assert_non_null(strstr(text, "\n# port 1: 0000:00:1f.6 = 3 (dynamic conservative, the "
				     "driver's default), no policy value\n"));
	assert_non_null(strstr(text, "\noptions e1000e InterruptThrottleRate=8000,3\n"));
	assert_null(strstr(text, "No e1000e port"));
	free(text);
	m.any = false;
	assert_int_equal(ng_modprobe_render(&m, &text, &err), 0);
	assert_null(strstr(text, "\noptions"));
	free(text);
}

static struct ng_ctx *fixture(const char *name, char *root)
{
	struct ng_ctx_opts opts = { 0 };
	struct ng_err err = { 0 };
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "tests/fixtures/%s/root", name);
	assert_non_null(realpath(rel, root));
	opts.root = root;
	return ng_ctx_new(&opts, &err);
}

static void test_plan(void **state)
{
	char root[PATH_MAX], (*addrs)[16];
	struct ng_policy *p = NULL;
	struct ng_modprobe m;
	struct ng_err err = { 0 };
	struct ng_ctx *ctx = fixture("modprobe-2port", root);
	size_t n;

	(void)state;
	assert_non_null(ctx);
	assert_int_equal(ng_e1000e_ports(ctx, &addrs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(addrs[0], "0000:00:19.0");
	assert_string_equal(addrs[1], "0000:00:1f.6");
	free(addrs);
	assert_int_equal(ng_policy_load(ctx, &p, &err), 0);
	assert_int_equal(ng_modprobe_plan(ctx, p, &m, &err), 0);
	assert_int_equal(m.n, 2);
	assert_false(m.no_ports);
	assert_true(m.any);
	assert_string_equal(m.ports[0].ifname, "eno2");
	assert_int_equal(m.ports[0].itr, 8000);
	assert_int_equal(m.ports[0].origin.line, 6);
	assert_string_equal(m.ports[1].ifname, "eno1");
	assert_int_equal(m.ports[1].itr, 4);
	ng_modprobe_free(&m);
	ng_policy_free(p);
	ng_ctx_free(ctx);

	ctx = fixture("modprobe-none", root);
	p = NULL;
	assert_int_equal(ng_policy_load(ctx, &p, &err), 0);
	assert_int_equal(ng_modprobe_plan(ctx, p, &m, &err), 0);
	assert_true(m.no_ports);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.ports[0].itr, 1);
	ng_modprobe_free(&m);
	ng_policy_free(p);
	ng_ctx_free(ctx);
}

static void test_options_initramfs(void **state)
{
	char root[PATH_MAX], why[200];
	struct ng_modopt *o;
	struct ng_ctx *ctx = fixture("doctor-traps", root);
	size_t n;

	(void)state;
	assert_int_equal(ng_modprobe_options(ctx, "e1000e", &o, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].file, "/etc/modprobe.d/e1000e.conf");
	assert_int_equal(o[0].line, 2);
	assert_string_equal(o[0].param, "InterruptThrottleRate");
	assert_string_equal(o[0].value, "3");
	assert_false(o[0].ours);
	ng_modopts_free(o, n);
	assert_int_equal(ng_modprobe_options(ctx, "r8169", &o, &n), 0);
	assert_int_equal(n, 0);
	ng_modopts_free(o, n);
	assert_int_equal(ng_initramfs_e1000e(ctx, why, sizeof(why)), NG_INITRAMFS_WITH);
	assert_string_equal(why, "initramfs-tools MODULES=most copies network drivers");
	assert_true(ng_initramfs_mtime(ctx) > 0);
	ng_ctx_free(ctx);
	ctx = fixture("sysctl", root);
	assert_int_equal(ng_initramfs_e1000e(ctx, why, sizeof(why)), NG_INITRAMFS_UNKNOWN);
	assert_int_equal(ng_initramfs_mtime(ctx), -1);
	ng_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_options_initramfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
