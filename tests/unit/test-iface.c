/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-iface.c: interface facts and RPS masks from the sysfs fixture tree tests/fixtures/iface. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

#define FIXTURE "tests/fixtures/iface/root"

static struct ng_ctx *fixture_ctx(const char *root)
{
	struct ng_ctx_opts o = { .root = root };
	struct ng_err err;
	struct ng_ctx *ctx = ng_ctx_new(&o, &err);

	assert_non_null(ctx);
	return ctx;
}

static int setup(void **state)
{
	char root[PATH_MAX];

	/* make runs the tests from the top of the tree. */
	if (!realpath(FIXTURE, root))
		return -1;
	*state = fixture_ctx(root);
	return 0;
}

static int teardown(void **state)
{
	ng_ctx_free(*state);
	return 0;
}

static void test_name_valid(void **state)
{
	static const char *const good[] = { "eno1", "vmbr0", "veth100i0", "a", "fwpr100p0",
					    "enp0s31f6", "x.100", "123456789012345" };
	static const char *const bad[] = { "", ".", "..", "a/b", "eth0:1", "a b", "a\tb",
					   "1234567890123456", "a;b", "$x", "a`b", "a\\b", "a|b",
					   "a&b", "a<b", "a>b", "a*", "a?", "a'b", "a\"b", "\x01",
					   "a\x7f" };

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(good); i++)
		assert_true(ng_ifname_valid(good[i]));
	for (size_t i = 0; i < NG_ARRAY_SIZE(bad); i++)
		assert_false(ng_ifname_valid(bad[i]));
	assert_false(ng_ifname_valid(NULL));
	assert_string_equal(ng_kind_name(NG_KIND_VETH), "veth");
	assert_string_equal(ng_kind_name(NG_KIND_PHYSICAL), "physical");
	assert_string_equal(ng_kind_name((enum ng_kind)99), "unknown");
}

static void test_e1000e(void **state)
{
	struct ng_iface ifc;

	assert_int_equal(ng_iface_read(*state, "eno1", &ifc, NULL), 0);
	assert_string_equal(ifc.name, "eno1");
	assert_int_equal(ifc.ifindex, 2);
	assert_int_equal(ifc.kind, NG_KIND_PHYSICAL);
	assert_string_equal(ifc.driver, "e1000e");
	assert_string_equal(ifc.bus_addr, "0000:00:1f.6");
	assert_string_equal(ifc.pci_addr, "0000:00:1f.6");
	assert_string_equal(ifc.mac, "3c:ec:ef:00:00:01");
	assert_string_equal(ifc.master, "vmbr0");
	assert_int_equal(ifc.rx_queues, 1);
	assert_true(ifc.up);
}

static void test_virtio(void **state)
{
	struct ng_iface ifc;

	assert_int_equal(ng_iface_read(*state, "ens3", &ifc, NULL), 0);
	assert_int_equal(ifc.kind, NG_KIND_PHYSICAL);
	assert_string_equal(ifc.driver, "virtio_net");
	assert_string_equal(ifc.bus_addr, "virtio0");
	/* The PCI function virtio0 sits under. */
	assert_string_equal(ifc.pci_addr, "0000:00:03.0");
	assert_string_equal(ifc.master, "");
	assert_int_equal(ifc.rx_queues, 2);
}

static void test_software(void **state)
{
	struct ng_iface ifc;

	assert_int_equal(ng_iface_read(*state, "vmbr0", &ifc, NULL), 0);
	assert_int_equal(ifc.kind, NG_KIND_BRIDGE);
	assert_string_equal(ifc.driver, "bridge");
	assert_string_equal(ifc.bus_addr, "");
	assert_string_equal(ifc.pci_addr, "");
	assert_string_equal(ifc.master, "");

	assert_int_equal(ng_iface_read(*state, "veth100i0", &ifc, NULL), 0);
	assert_int_equal(ifc.kind, NG_KIND_VETH);
	assert_string_equal(ifc.driver, "veth");
	assert_int_equal(ifc.ifindex, 7);

	/* A bridge port known only through brport/bridge. */
	assert_int_equal(ng_iface_read(*state, "tap101i0", &ifc, NULL), 0);
	assert_int_equal(ifc.kind, NG_KIND_TAP);
	assert_string_equal(ifc.driver, "tun");
	assert_string_equal(ifc.master, "vmbr0");

	assert_int_equal(ng_iface_read(*state, "lo", &ifc, NULL), 0);
	assert_int_equal(ifc.kind, NG_KIND_LOOPBACK);
}

static void test_errors_and_index(void **state)
{
	struct ng_iface ifc;
	struct ng_err err;

	assert_int_equal(ng_iface_read(*state, "nosuch0", &ifc, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "nosuch0"));
	assert_int_equal(ng_iface_read(*state, "../../etc", &ifc, &err), -EINVAL);
	assert_int_equal(ng_iface_read(*state, "x;reboot", &ifc, &err), -EINVAL);
	assert_int_equal(ng_iface_read_index(*state, 3, &ifc, &err), 0);
	assert_string_equal(ifc.name, "ens3");
	assert_int_equal(ng_iface_read_index(*state, 8, &ifc, &err), 0);
	assert_string_equal(ifc.name, "tap101i0");
	assert_int_equal(ng_iface_read_index(*state, 99, &ifc, &err), -ENODEV);
}

static void test_list(void **state)
{
	static const char *const names[] = { "eno1", "ens3", "tap101i0", "veth100i0", "vmbr0" };
	struct ng_iface *v;
	size_t n;

	assert_int_equal(ng_iface_list(*state, &v, &n, NULL), 0);
	assert_int_equal(n, NG_ARRAY_SIZE(names));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i].name, names[i]);
	free(v);
}

static void test_list_missing_root(void **state)
{
	struct ng_ctx *ctx = fixture_ctx("/nonexistent-nicguard-root");
	struct ng_iface *v;
	struct ng_err err;
	size_t n;

	(void)state;
	assert_int_equal(ng_iface_list(ctx, &v, &n, &err), -ENOENT);
	ng_ctx_free(ctx);
}

static void test_rps_masks(void **state)
{
	char buf[32];

	(void)state;
	assert_true(ng_rps_mask_equal("00000000,0000000f", "f"));
	assert_true(ng_rps_mask_equal("0", "00000000"));
	assert_true(ng_rps_mask_equal("F", "f"));
	assert_false(ng_rps_mask_equal("f", "ff"));
	assert_false(ng_rps_mask_equal("1,00000000", "1"));
	assert_string_equal(ng_rps_mask_norm("00000000,00000000", buf, sizeof(buf)), "0");
	assert_string_equal(ng_rps_mask_norm("0000000a,0000000F", buf, sizeof(buf)), "a0000000f");
}

/* Writes go to a copy of the fixture: no test writes into the tree. */
static void test_rps_read_apply(void **state)
{
	char tmpl[] = "/tmp/ng-test-iface.XXXXXX", src[PATH_MAX], root[PATH_MAX], out[256];
	const char *cp[] = { "cp", "-a", src, tmpl, NULL };
	const char *rm[] = { "rm", "-rf", tmpl, NULL };
	struct ng_ctx *ctx;
	unsigned written;
	char **m;
	size_t n;
	int st;

	(void)state;
	assert_non_null(realpath(FIXTURE, src));
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(ng_exec("/bin/cp", cp, NULL, 10000, out, sizeof(out), &st, NULL), 0);
	assert_int_equal(st, 0);
	snprintf(root, sizeof(root), "%s/root", tmpl);
	ctx = fixture_ctx(root);
	assert_int_equal(ng_rps_ncpus(ctx), 4);

	assert_int_equal(ng_rps_read(ctx, "ens3", &m, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0], "0");
	ng_rps_free(m, n);

	assert_int_equal(ng_rps_apply(ctx, "ens3", "f", &written, NULL), 0);
	assert_int_equal(written, 2);
	assert_int_equal(ng_rps_read(ctx, "ens3", &m, &n, NULL), 0);
	assert_string_equal(m[0], "f");
	assert_string_equal(m[1], "f");
	ng_rps_free(m, n);
	/* Only what differs is written. */
	assert_int_equal(ng_rps_apply(ctx, "ens3", "0000000f", &written, NULL), 0);
	assert_int_equal(written, 0);
	assert_int_equal(ng_rps_read(ctx, "nosuch0", &m, &n, NULL), -ENODEV);
	ng_ctx_free(ctx);
	assert_int_equal(ng_exec("/bin/rm", rm, NULL, 10000, out, sizeof(out), &st, NULL), 0);
	assert_int_equal(st, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_e1000e),
		cmocka_unit_test(test_virtio),
		cmocka_unit_test(test_software),
		cmocka_unit_test(test_errors_and_index),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_missing_root),
		cmocka_unit_test(test_rps_masks),
		cmocka_unit_test(test_rps_read_apply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
