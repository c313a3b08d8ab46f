/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-resolve.c: which sections match an interface, specificity, order, stanza merge. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static const struct ng_iface eno1 = {
	.name = "eno1",
	.kind = NG_KIND_PHYSICAL,
	.driver = "e1000e",
	.bus_addr = "0000:00:1f.6",
	.pci_addr = "0000:00:1f.6",
	.mac = "aa:bb:cc:dd:ee:01",
};

static struct ng_policy *policy(const char *text, bool builtin)
{
	struct ng_policy *p = ng_policy_new();

	assert_non_null(p);
	if (builtin)
		assert_int_equal(ng_policy_add_builtin(p), 0);
	if (text)
		ng_policy_parse(p, text, strlen(text), "t.conf");
	return p;
}

static const struct ng_item *want(const struct ng_wanted *w, enum ng_group g, const char *name,
				  int64_t num, unsigned line)
{
	const struct ng_item *it = ng_wanted_find(w, g, name);

	assert_non_null(it);
	assert_int_equal(it->num, num);
	assert_int_equal(it->origin.line, line);
	return it;
}

static void test_builtin_only(void **state)
{
	struct ng_policy *p = policy(NULL, true);
	struct ng_iface veth = { .name = "veth100i0", .driver = "veth" };
	struct ng_wanted w;

	(void)state;
	assert_int_equal(ng_resolve(p, &eno1, NG_SET_NORMAL, &w, NULL), 0);
	assert_true(w.builtin);
	assert_false(w.matched);
	assert_int_equal(w.n, 3);
	assert_string_equal(want(&w, NG_OFFLOAD, "tso", 0, 0)->origin.file, "built-in");
	want(&w, NG_OFFLOAD, "gso", 0, 0);
	want(&w, NG_OFFLOAD, "gro", 0, 0);
	assert_false(ng_wanted_skip(&w));
	ng_wanted_free(&w);

	assert_int_equal(ng_resolve(p, &veth, NG_SET_NORMAL, &w, NULL), 0);
	assert_false(w.builtin);
	assert_false(w.matched);
	assert_int_equal(w.n, 0);
	ng_wanted_free(&w);
	ng_policy_free(p);
}

/* Sections written from most to least specific, so file order alone would get it wrong. */
static void test_specificity(void **state)
{
	static const char text[] =
		"[interface eno1]\n"				/* 1: exact name */
		"coalesce = rx-usecs 6 rx-frames 6\n"
		"[mac AA:BB:CC:DD:EE:01]\n"			/* 3: MAC, other case */
		"coalesce = rx-usecs 5 rx-frames 5 tx-usecs 5\n"
		"[pci 0000:00:1f.*]\n"				/* 5: PCI glob */
		"coalesce = rx-usecs 4 rx-frames 4 tx-usecs 4 tx-frames 4\n"
		"[interface en*]\n"				/* 7: name glob */
		"coalesce = rx-usecs 3 rx-frames 3 tx-usecs 3 tx-frames 3 rx-usecs-irq 3\n"
		"offload = sg off\n"
		"[driver e1000e]\n"				/* 10: driver */
		"coalesce = rx-usecs 2 rx-frames 2 tx-usecs 2 tx-frames 2 rx-usecs-irq 2 "
		"tx-usecs-irq 2\n"
		"offload = tso on\n";
	struct ng_policy *p = policy(text, true);
	struct ng_wanted w;

	(void)state;
	assert_int_equal(p->diags.n, 0);
	assert_int_equal(ng_resolve(p, &eno1, NG_SET_NORMAL, &w, NULL), 0);
	assert_true(w.matched);
	assert_true(w.builtin);
	want(&w, NG_COALESCE, "rx-usecs", 6, 2);
	want(&w, NG_COALESCE, "rx-frames", 6, 2);
	want(&w, NG_COALESCE, "tx-usecs", 5, 4);
	want(&w, NG_COALESCE, "tx-frames", 4, 6);
	want(&w, NG_COALESCE, "rx-usecs-irq", 3, 8);
	want(&w, NG_COALESCE, "tx-usecs-irq", 2, 11);
	want(&w, NG_OFFLOAD, "tso", 1, 12);		/* driver section beats built-in */
	want(&w, NG_OFFLOAD, "gso", 0, 0);
	want(&w, NG_OFFLOAD, "sg", 0, 9);
	assert_int_equal(w.n, 6 + 4);
	ng_wanted_free(&w);
	ng_policy_free(p);
}

static void test_same_rank_later_wins(void **state)
{
	static const char text[] =
		"[interface veth* fwpr* vmbr*]\n"
		"rps = all\n"
		"[interface vmbr?]\n"
		"rps = ffff\n"
		"[interface veth*]\n"
		"rps = 0-3\n";
	struct ng_policy *p = policy(text, false);
	struct ng_iface vmbr0 = { .name = "vmbr0", .driver = "bridge", .kind = NG_KIND_BRIDGE };
	struct ng_iface fwpr = { .name = "fwpr100p0", .driver = "veth" };
	struct ng_wanted w;

	(void)state;
	assert_int_equal(ng_resolve(p, &vmbr0, NG_SET_NORMAL, &w, NULL), 0);
	assert_string_equal(want(&w, NG_RPS, "rps", 0, 4)->text, "ffff");
	assert_int_equal(w.n, 1);
	ng_wanted_free(&w);
	assert_int_equal(ng_resolve(p, &fwpr, NG_SET_NORMAL, &w, NULL), 0);
	assert_string_equal(want(&w, NG_RPS, "rps", 0, 2)->text, "all");
	ng_wanted_free(&w);

	/* A second file: later still wins within a rank. */
	ng_policy_parse(p, "[interface vmbr*]\nrps = none\n", 28, "u.conf");
	assert_int_equal(ng_resolve(p, &vmbr0, NG_SET_NORMAL, &w, NULL), 0);
	assert_string_equal(want(&w, NG_RPS, "rps", 0, 2)->origin.file, "u.conf");
	ng_wanted_free(&w);
	ng_policy_free(p);
}

static void test_sets_and_flags(void **state)
{
	static const char text[] =
		"[driver e1000e]\n"
		"offload = tso off\n"
		"backup-offload = tso off gso off gro off sg off\n"
		"backup-coalesce = rx-usecs 3\n"
		"watch-offload = tso off\n"
		"[interface eno1]\n"
		"backup-uplink = yes\n"
		"[pve]\n"
		"unlock-stale = yes\n"
		"[watch]\n"
		"settle = 5s\n";
	struct ng_policy *p = policy(text, false);
	struct ng_wanted w;

	(void)state;
	assert_int_equal(p->diags.n, 0);
	assert_int_equal(ng_resolve(p, &eno1, NG_SET_BACKUP, &w, NULL), 0);
	assert_int_equal(w.n, 4 + 1 + 1);
	want(&w, NG_OFFLOAD, "sg", 0, 3);
	assert_int_equal(ng_wanted_find(&w, NG_OFFLOAD, "sg")->set, NG_SET_BACKUP);
	want(&w, NG_COALESCE, "rx-usecs", 3, 4);
	want(&w, NG_FLAG, "backup-uplink", 1, 7);
	ng_wanted_free(&w);

	assert_int_equal(ng_resolve(p, &eno1, NG_SET_NORMAL, &w, NULL), 0);
	assert_int_equal(w.n, 2);
	want(&w, NG_OFFLOAD, "tso", 0, 2);
	want(&w, NG_FLAG, "backup-uplink", 1, 7);
	assert_null(ng_wanted_find(&w, NG_OFFLOAD, "sg"));
	ng_wanted_free(&w);

	assert_int_equal(ng_resolve(p, &eno1, NG_SET_WATCH, &w, NULL), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(ng_wanted_find(&w, NG_OFFLOAD, "tso")->set, NG_SET_WATCH);
	ng_wanted_free(&w);
	ng_policy_free(p);
}

static void test_bad_and_nonmatching(void **state)
{
	static const char text[] =
		"[interface eno1]\n"
		"offload = gso off\n"
		"offload = tos off\n"		/* makes the whole section bad */
		"[mac aa:bb:cc:dd:ee:02]\n"
		"offload = gro off\n"
		"[pci 0000:03:*]\n"
		"offload = sg off\n"
		"[driver igb]\n"
		"offload = lro off\n"
		"[interface eno1*]\n"
		"skip = yes\n";
	struct ng_policy *p = policy(text, false);
	struct ng_iface nopci = eno1;
	struct ng_wanted w;

	(void)state;
	assert_int_equal(p->diags.n, 1);
	assert_int_equal(ng_resolve(p, &eno1, NG_SET_NORMAL, &w, NULL), 0);
	assert_int_equal(w.n, 1);
	assert_true(ng_wanted_skip(&w));
	assert_true(w.matched);
	assert_false(w.builtin);
	ng_wanted_free(&w);

	/* Empty facts never match a pattern. */
	nopci.pci_addr[0] = '\0';
	nopci.mac[0] = '\0';
	nopci.driver[0] = '\0';
	snprintf(nopci.name, sizeof(nopci.name), "lan0");
	ng_policy_parse(p, "[pci *]\nskip = yes\n[mac *]\nskip = yes\n", 36, "v.conf");
	assert_int_equal(ng_resolve(p, &nopci, NG_SET_NORMAL, &w, NULL), 0);
	assert_int_equal(w.n, 0);
	assert_false(w.matched);
	ng_wanted_free(&w);
	ng_policy_free(p);
}

static void test_merge(void **state)
{
	static const struct ng_origin stanza = { "/etc/network/interfaces", 12 };
	struct ng_policy *p = policy("[interface eno1]\nlink = autoneg on\nrps = all\n", true);
	struct ng_item *items = NULL;
	struct ng_wanted w;
	size_t n = 0;

	(void)state;
	assert_int_equal(ng_resolve(p, &eno1, NG_SET_NORMAL, &w, NULL), 0);
	assert_int_equal(w.n, 5);
	/* nicguard-offload tso on gso off, nicguard-link ..., nicguard-skip yes */
	assert_int_equal(ng_value_parse(NG_OFFLOAD, NG_SET_NORMAL, "tso on sg off", stanza,
					&items, &n, NULL), 0);
	assert_int_equal(ng_value_parse(NG_LINK, NG_SET_NORMAL, "speed 100 duplex full "
					"autoneg off", stanza, &items, &n, NULL), 0);
	assert_int_equal(ng_wanted_merge(&w, items, n), 0);
	assert_int_equal(w.n, 5 + 1 + 2);
	assert_string_equal(want(&w, NG_OFFLOAD, "tso", 1, 12)->origin.file,
			    "/etc/network/interfaces");
	want(&w, NG_OFFLOAD, "gso", 0, 0);
	want(&w, NG_OFFLOAD, "sg", 0, 12);
	want(&w, NG_LINK, "autoneg", 0, 12);
	want(&w, NG_LINK, "speed", 100, 12);
	assert_string_equal(want(&w, NG_RPS, "rps", 0, 3)->text, "all");
	assert_false(ng_wanted_skip(&w));
	ng_items_free(items, n);
	items = NULL;
	n = 0;
	assert_int_equal(ng_value_parse(NG_FLAG, NG_SET_NORMAL, "yes", stanza, &items, &n, NULL),
			 0);
	assert_int_equal(ng_wanted_merge(&w, items, n), 0);
	assert_true(ng_wanted_skip(&w));
	ng_items_free(items, n);
	ng_wanted_free(&w);
	assert_int_equal(w.n, 0);
	assert_null(w.items);
	ng_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_only),
		cmocka_unit_test(test_specificity),
		cmocka_unit_test(test_same_rank_later_wins),
		cmocka_unit_test(test_sets_and_flags),
		cmocka_unit_test(test_bad_and_nonmatching),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
