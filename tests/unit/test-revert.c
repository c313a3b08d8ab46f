/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-revert.c: the record store of `nicguard revert`: keys, first value wins, read back,
 * forget, list, and its bound, in a scratch root. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

static const struct ng_origin snap = { .file = "snapshot" };

/* A scratch root with /var/lib, where the records go. */
static int setup(void **state)
{
	(void)state;
	if (fx_setup_opts(true) < 0)
		return -1;
	fx_mkdir("var/lib");
	return 0;
}

static struct ng_iface port(const char *name, const char *perm, const char *pci, const char *bus)
{
	struct ng_iface ifc;

	memset(&ifc, 0, sizeof(ifc));
	snprintf(ifc.name, sizeof(ifc.name), "%s", name);
	snprintf(ifc.perm_mac, sizeof(ifc.perm_mac), "%s", perm);
	snprintf(ifc.pci_addr, sizeof(ifc.pci_addr), "%s", pci);
	snprintf(ifc.bus_addr, sizeof(ifc.bus_addr), "%s", bus);
	return ifc;
}

/* A snapshot as ng_apply hands it over: VALUES of GROUP in the policy's words. */
static void found(struct ng_wanted *w, enum ng_group g, const char *values)
{
	assert_int_equal(ng_value_parse(g, NG_SET_NORMAL, values, snap, &w->items, &w->n, NULL), 0);
}

static void test_keys(void **state)
{
	struct ng_iface a = port("eno1", "3c:ec:ef:00:00:01", "0000:00:1f.6", "0000:00:1f.6");
	struct ng_iface b = port("ens3", "", "0000:00:03.0", "virtio0");
	struct ng_iface c = port("x0", "", "", "virtio1");
	struct ng_iface d = port("veth101i0", "", "", "");
	struct ng_iface bad = port("eth0", "", "", "a/b");
	char key[64];

	(void)state;
	assert_int_equal(ng_revert_key(&a, key, sizeof(key)), 0);
	assert_string_equal(key, "mac-3c:ec:ef:00:00:01");
	assert_int_equal(ng_revert_key(&b, key, sizeof(key)), 0);
	assert_string_equal(key, "pci-0000:00:03.0");
	assert_int_equal(ng_revert_key(&c, key, sizeof(key)), 0);
	assert_string_equal(key, "bus-virtio1");
	assert_int_equal(ng_revert_key(&d, key, sizeof(key)), 0);
	assert_string_equal(key, "name-veth101i0");
	assert_int_equal(ng_revert_key(&bad, key, sizeof(key)), -EINVAL);
}

/* The first value of each setting stays, whatever is recorded later; a rename does not
 * matter; the record reads back in the policy's words with its own file as origin. */
static void test_first_value_wins(void **state)
{
	struct ng_iface a = port("eno1", "3c:ec:ef:00:00:01", "0000:00:1f.6", "0000:00:1f.6");
	struct ng_wanted w1 = { 0 }, w2 = { 0 };
	struct ng_revert r;
	const struct ng_item *it;
	char path[256];
	struct stat st;

	(void)state;
	found(&w1, NG_OFFLOAD, "tx-tcp-segmentation on rx-gro on");
	found(&w1, NG_RPS, "00000000,00000003 0");
	assert_int_equal(ng_revert_record(fx.ctx, &a, &w1, NULL), 0);
	snprintf(path, sizeof(path), "%s" NG_REVERT_DIR "/mac-3c:ec:ef:00:00:01", fx.root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* Renamed, later: gro was off then (nicguard's own doing), coalesce is new. */
	snprintf(a.name, sizeof(a.name), "lan0");
	found(&w2, NG_OFFLOAD, "rx-gro off");
	found(&w2, NG_COALESCE, "rx-usecs 3");
	assert_int_equal(ng_revert_record(fx.ctx, &a, &w2, NULL), 0);

	assert_int_equal(ng_revert_read(fx.ctx, &a, &r, NULL), 0);
	assert_true(r.found);
	assert_string_equal(r.ifname, "lan0");
	assert_int_equal(r.n, 4);
	it = ng_wanted_find(&(struct ng_wanted){ r.items, r.n }, NG_OFFLOAD, "rx-gro");
	assert_non_null(it);
	assert_int_equal(it->num, 1);
	assert_string_equal(it->origin.file, NG_REVERT_DIR "/mac-3c:ec:ef:00:00:01");
	it = ng_wanted_find(&(struct ng_wanted){ r.items, r.n }, NG_COALESCE, "rx-usecs");
	assert_non_null(it);
	assert_int_equal(it->num, 3);
	it = ng_wanted_find(&(struct ng_wanted){ r.items, r.n }, NG_RPS, "rps");
	assert_non_null(it);
	assert_string_equal(it->text, "3 none");
	ng_revert_free(&r);

	assert_int_equal(ng_revert_forget(fx.ctx, "mac-3c:ec:ef:00:00:01", NULL), 0);
	assert_int_equal(ng_revert_read(fx.ctx, &a, &r, NULL), 0);
	assert_false(r.found);
	ng_revert_free(&r);
	ng_wanted_free(&w1);
	ng_wanted_free(&w2);
}

/* Nothing new: nothing written (the file keeps its inode and time); flags are never kept. */
static void test_nothing_new(void **state)
{
	struct ng_iface d = port("veth0", "", "", "");
	struct ng_wanted w = { 0 }, f = { 0 };
	struct stat st1, st2;
	char path[256];

	(void)state;
	found(&w, NG_OFFLOAD, "rx-gro on");
	assert_int_equal(ng_revert_record(fx.ctx, &d, &w, NULL), 0);
	snprintf(path, sizeof(path), "%s" NG_REVERT_DIR "/name-veth0", fx.root);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(ng_revert_record(fx.ctx, &d, &w, NULL), 0);
	assert_int_equal(ng_value_parse(NG_FLAG, NG_SET_NORMAL, "yes", snap, &f.items, &f.n, NULL),
			 0);
	assert_int_equal(ng_revert_record(fx.ctx, &d, &f, NULL), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	ng_wanted_free(&w);
	ng_wanted_free(&f);
	assert_int_equal(ng_revert_forget(fx.ctx, "name-veth0", NULL), 0);
}

/* A file someone else put there is not nicguard's record: not read, never overwritten. */
static void test_foreign_and_bad_lines(void **state)
{
	struct ng_iface d = port("veth1", "", "", "");
	struct ng_wanted w = { 0 };
	struct ng_revert r;
	char path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s" NG_REVERT_DIR, fx.root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s" NG_REVERT_DIR "/name-veth1", fx.root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("offload rx-gro on\n", f);
	fclose(f);
	assert_int_equal(ng_revert_read(fx.ctx, &d, &r, NULL), 0);
	assert_false(r.found);
	ng_revert_free(&r);
	found(&w, NG_OFFLOAD, "rx-gro on");
	assert_int_equal(ng_revert_record(fx.ctx, &d, &w, NULL), -EEXIST);

	/* nicguard's, edited by hand: bad lines are skipped, the rest holds. */
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\nname veth1\noffload rx-gro maybe\nfrobnicate 1\nskip yes\n"
		"coalesce rx-usecs 8\nname ../../etc\n", NG_MARKER);
	fclose(f);
	assert_int_equal(ng_revert_read(fx.ctx, &d, &r, NULL), 0);
	assert_true(r.found);
	assert_string_equal(r.ifname, "veth1");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.items[0].group, NG_COALESCE);
	ng_revert_free(&r);
	ng_wanted_free(&w);
	assert_int_equal(ng_revert_forget(fx.ctx, "name-veth1", NULL), 0);
}

/* At NG_REVERT_MAX records a new device is not recorded; a known one still is. */
static void test_bound(void **state)
{
	struct ng_iface known = port("k0", "", "", "");
	struct ng_iface extra = port("x0", "", "", "");
	struct ng_wanted w = { 0 };
	struct ng_revert *all;
	struct ng_err err;
	char path[256];
	size_t n;

	(void)state;
	found(&w, NG_OFFLOAD, "rx-gro on");
	assert_int_equal(ng_revert_record(fx.ctx, &known, &w, NULL), 0);
	for (int i = 1; i < NG_REVERT_MAX; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s" NG_REVERT_DIR "/name-f%d", fx.root, i);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(ng_revert_record(fx.ctx, &extra, &w, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "x0 not recorded"));
	ng_wanted_free(&w);
	found(&w, NG_COALESCE, "rx-usecs 1");
	assert_int_equal(ng_revert_record(fx.ctx, &known, &w, NULL), 0);
	/* The list holds nicguard's records only: the empty files are not. */
	assert_int_equal(ng_revert_list(fx.ctx, &all, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(all[0].key, "name-k0");
	assert_int_equal(all[0].n, 2);
	ng_revert_list_free(all, n);
	ng_wanted_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_first_value_wins),
		cmocka_unit_test(test_nothing_new),
		cmocka_unit_test(test_foreign_and_bad_lines),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
