/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-target.c: the one resolution: layers, specificity, order, sets, flags, stanza keys,
 * what is in force now (backup window, escalation), and what explain reads of it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

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

/* A resolution and the resolver it came from (freed together). */
struct res {
	struct ng_resolver *rv;
	struct ng_target *t;
};

/* Resolve ifc with p; ctx NULL reads no file (the policy alone). */
static struct res resolve(struct ng_ctx *ctx, const struct ng_policy *p,
			  const struct ng_iface *ifc, const struct ng_target_opts *o)
{
	struct res r;

	assert_int_equal(ng_resolver_new(ctx, p, &r.rv, NULL), 0);
	assert_int_equal(ng_target_resolve(r.rv, ifc, o, &r.t, NULL), 0);
	return r;
}

static void res_free(struct res *r)
{
	ng_target_free(r->t);
	ng_resolver_free(r->rv);
}

static const struct ng_item *want(const struct ng_target *t, int list, enum ng_group g,
				  const char *name, int64_t num, unsigned line)
{
	const struct ng_item *it = ng_wanted_find(ng_target_list(t, list), g, name);

	assert_non_null(it);
	assert_int_equal(it->num, num);
	assert_int_equal(it->origin.line, line);
	return it;
}

static void test_builtin_only(void **state)
{
	struct ng_policy *p = policy(NULL, true);
	struct ng_iface veth = { .name = "veth100i0", .driver = "veth" };
	struct res r = resolve(NULL, p, &eno1, NULL);

	(void)state;
	assert_int_equal(ng_target_state(r.t), NG_TARGET_BUILTIN);
	assert_int_equal(ng_target_count(r.t, NG_SET_NORMAL), 3);
	assert_string_equal(want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "tso", 0, 0)->origin.file,
			    "built-in");
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "gso", 0, 0)->origin.layer,
			 NG_LAYER_BUILTIN);
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "gro", 0, 0);
	assert_false(ng_target_skip(r.t));
	/* Nothing in force beyond the normal set: now is that set. */
	assert_int_equal(ng_target_count(r.t, NG_TARGET_NOW), 3);
	assert_int_equal(ng_target_count(r.t, NG_TARGET_FLAGS), 0);
	res_free(&r);

	r = resolve(NULL, p, &veth, NULL);
	assert_int_equal(ng_target_state(r.t), 0);
	assert_int_equal(ng_target_count(r.t, NG_TARGET_NOW), 0);
	assert_int_equal(ng_target_nsections(r.t), 0);
	res_free(&r);
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
	static const enum ng_layer layers[] = {
		NG_LAYER_BUILTIN, NG_LAYER_NAME, NG_LAYER_MAC, NG_LAYER_PCI, NG_LAYER_GLOB,
		NG_LAYER_DRIVER,
	};
	struct res r;
	enum ng_layer l;

	(void)state;
	assert_int_equal(ng_policy_ndiags(p), 0);
	r = resolve(NULL, p, &eno1, NULL);
	assert_int_equal(ng_target_state(r.t), NG_TARGET_MATCHED | NG_TARGET_BUILTIN);
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_COALESCE, "rx-usecs", 6, 2)->origin.layer,
			 NG_LAYER_NAME);
	want(r.t, NG_SET_NORMAL, NG_COALESCE, "rx-frames", 6, 2);
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_COALESCE, "tx-usecs", 5, 4)->origin.layer,
			 NG_LAYER_MAC);
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_COALESCE, "tx-frames", 4, 6)->origin.layer,
			 NG_LAYER_PCI);
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_COALESCE, "rx-usecs-irq", 3, 8)
			 ->origin.layer, NG_LAYER_GLOB);
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_COALESCE, "tx-usecs-irq", 2, 11)
			 ->origin.layer, NG_LAYER_DRIVER);
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "tso", 1, 12);	/* driver beats built-in */
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "gso", 0, 0);
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "sg", 0, 9);
	assert_int_equal(ng_target_count(r.t, NG_SET_NORMAL), 6 + 4);
	/* explain's list: every matching section in file order, with its layer. */
	assert_int_equal(ng_target_nsections(r.t), 6);
	for (size_t i = 0; i < 6; i++) {
		assert_non_null(ng_target_section(r.t, i, &l));
		assert_int_equal(l, layers[i]);
	}
	assert_int_equal(ng_target_section(r.t, 1, NULL)->origin.line, 1);
	assert_null(ng_target_section(r.t, 6, NULL));
	res_free(&r);
	ng_policy_free(p);
}

static void test_same_layer_later_wins(void **state)
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
	struct res r;

	(void)state;
	r = resolve(NULL, p, &vmbr0, NULL);
	assert_string_equal(want(r.t, NG_SET_NORMAL, NG_RPS, "rps", 0, 4)->text, "ffff");
	assert_int_equal(ng_target_count(r.t, NG_SET_NORMAL), 1);
	res_free(&r);
	r = resolve(NULL, p, &fwpr, NULL);
	assert_string_equal(want(r.t, NG_SET_NORMAL, NG_RPS, "rps", 0, 2)->text, "all");
	res_free(&r);

	/* A second file (a node file after the cluster file): later still wins in a layer. */
	ng_policy_parse(p, "[interface vmbr*]\nrps = none\n", 28, "u.conf");
	r = resolve(NULL, p, &vmbr0, NULL);
	assert_string_equal(want(r.t, NG_SET_NORMAL, NG_RPS, "rps", 0, 2)->origin.file, "u.conf");
	res_free(&r);
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
	struct res r;

	(void)state;
	assert_int_equal(ng_policy_ndiags(p), 0);
	r = resolve(NULL, p, &eno1, NULL);
	/* Each set alone, flags apart: they describe the interface, not a moment. */
	assert_int_equal(ng_target_count(r.t, NG_SET_BACKUP), 5);
	want(r.t, NG_SET_BACKUP, NG_OFFLOAD, "sg", 0, 3);
	assert_int_equal(ng_wanted_find(ng_target_list(r.t, NG_SET_BACKUP), NG_OFFLOAD, "sg")->set,
			 NG_SET_BACKUP);
	want(r.t, NG_SET_BACKUP, NG_COALESCE, "rx-usecs", 3, 4);
	assert_int_equal(ng_target_count(r.t, NG_SET_NORMAL), 1);
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "tso", 0, 2);
	assert_int_equal(ng_target_count(r.t, NG_SET_WATCH), 1);
	assert_int_equal(ng_target_count(r.t, NG_TARGET_FLAGS), 1);
	assert_int_equal(ng_target_flag(r.t, "backup-uplink")->num, 1);
	assert_int_equal(ng_target_flag(r.t, "backup-uplink")->origin.layer, NG_LAYER_NAME);
	assert_null(ng_target_flag(r.t, "skip"));
	/* No window, no escalation: now is the normal set only. */
	assert_int_equal(ng_target_count(r.t, NG_TARGET_NOW), 1);
	assert_null(ng_target_item(r.t, NG_TARGET_NOW, 1));
	res_free(&r);
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
	struct res r;

	(void)state;
	assert_int_equal(ng_policy_ndiags(p), 1);
	r = resolve(NULL, p, &eno1, NULL);
	assert_int_equal(ng_target_count(r.t, NG_SET_NORMAL), 0);
	assert_true(ng_target_skip(r.t));
	assert_int_equal(ng_target_state(r.t), NG_TARGET_MATCHED);
	assert_int_equal(ng_target_nsections(r.t), 1);
	res_free(&r);

	/* Empty facts never match a pattern. */
	nopci.pci_addr[0] = '\0';
	nopci.mac[0] = '\0';
	nopci.driver[0] = '\0';
	snprintf(nopci.name, sizeof(nopci.name), "lan0");
	ng_policy_parse(p, "[pci *]\nskip = yes\n[mac *]\nskip = yes\n", 36, "v.conf");
	r = resolve(NULL, p, &nopci, NULL);
	assert_int_equal(ng_target_count(r.t, NG_TARGET_FLAGS), 0);
	assert_int_equal(ng_target_state(r.t), 0);
	res_free(&r);
	ng_policy_free(p);
}

/* Stanza keys handed over (if-up.d): the top layer of every set, flags included. */
static void test_stanza_given(void **state)
{
	static const struct ng_origin env = { .file = "ifupdown" };
	struct ng_policy *p = policy("[interface eno1]\nlink = autoneg on\nrps = all\n"
				     "backup-offload = sg off\n", true);
	struct ng_target_opts o = { .flags = NG_TARGET_STANZA_GIVEN };
	struct ng_item *items = NULL;
	size_t n = 0;
	struct res r;

	(void)state;
	assert_int_equal(ng_stanza_value("offload", "tso on sg off", env, &items, &n, NULL), 0);
	assert_int_equal(ng_stanza_value("link", "speed 100 duplex full autoneg off", env, &items,
					 &n, NULL), 0);
	assert_int_equal(ng_stanza_value("backup-offload", "sg on", env, &items, &n, NULL), 0);
	assert_int_equal(ng_stanza_value("watch-offload", "gro off", env, &items, &n, NULL), 0);
	o.stanza = items;
	o.nstanza = n;
	r = resolve(NULL, p, &eno1, &o);
	assert_int_equal(ng_target_count(r.t, NG_SET_NORMAL), 3 + 1 + 1 + 2 + 1);
	assert_int_equal(want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "tso", 1, 0)->origin.layer,
			 NG_LAYER_STANZA);
	assert_string_equal(want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "tso", 1, 0)->origin.file,
			    "ifupdown");
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "gso", 0, 0);
	want(r.t, NG_SET_NORMAL, NG_LINK, "autoneg", 0, 0);
	assert_string_equal(want(r.t, NG_SET_NORMAL, NG_RPS, "rps", 0, 3)->text, "all");
	/* The stanza's backup and watch keys sit on top of their own sets. */
	assert_int_equal(want(r.t, NG_SET_BACKUP, NG_OFFLOAD, "sg", 1, 0)->origin.layer,
			 NG_LAYER_STANZA);
	assert_int_equal(ng_target_count(r.t, NG_SET_WATCH), 1);
	want(r.t, NG_SET_WATCH, NG_OFFLOAD, "gro", 0, 0);
	assert_false(ng_target_skip(r.t));
	res_free(&r);

	/* nicguard-skip yes: a flag like the policy's. */
	assert_int_equal(ng_stanza_value("skip", "yes", env, &items, &n, NULL), 0);
	o.stanza = items;
	o.nstanza = n;
	r = resolve(NULL, p, &eno1, &o);
	assert_true(ng_target_skip(r.t));
	assert_int_equal(ng_target_flag(r.t, "skip")->origin.layer, NG_LAYER_STANZA);
	res_free(&r);
	ng_items_free(items, n);
	ng_policy_free(p);
}

/* The interfaces file, the backup window and the escalation marks, read by the resolver. */
static void test_files_and_now(void **state)
{
	struct ng_policy *p = policy("[driver e1000e]\noffload = tso off gso off\n"
				     "backup-offload = gso off gro off\n"
				     "watch-offload = tso on\n", false);
	const struct ng_item *it;
	struct res r;

	(void)state;
	fx_put("etc/network/interfaces", "iface eno1 inet manual\n"
	       "\tnicguard-offload gso on\n"
	       "\tnicguard-backup-coalesce rx-usecs 7\n"
	       "\tnicguard-watch-offload gro off\n"
	       "\tnicguard-offload tos off\n"
	       "iface eno2 inet manual\n\tnicguard-skip yes\n");
	r = resolve(fx.ctx, p, &eno1, NULL);
	assert_int_equal(ng_target_state(r.t), NG_TARGET_MATCHED);
	want(r.t, NG_SET_NORMAL, NG_OFFLOAD, "gso", 1, 2);
	want(r.t, NG_SET_BACKUP, NG_COALESCE, "rx-usecs", 7, 3);
	want(r.t, NG_SET_WATCH, NG_OFFLOAD, "gro", 0, 4);
	/* The bad value is left out, with its place. */
	assert_int_equal(ng_target_ndiags(r.t), 1);
	assert_string_equal(ng_target_diag(r.t, 0)->file, "/etc/network/interfaces");
	assert_int_equal(ng_target_diag(r.t, 0)->line, 5);
	assert_null(ng_target_diag(r.t, 1));
	assert_int_equal(ng_target_count(r.t, NG_TARGET_NOW), 2);
	res_free(&r);

	/* A window that saved eno1: its backup set (policy and stanza) over the normal one. */
	fx_put("run/nicguard/backup-state", NG_MARKER "\neno1 offload rx-gro on\n");
	r = resolve(fx.ctx, p, &eno1, NULL);
	assert_int_equal(ng_target_state(r.t), NG_TARGET_MATCHED | NG_TARGET_WINDOW);
	it = ng_wanted_find(ng_target_list(r.t, NG_TARGET_NOW), NG_OFFLOAD, "gso");
	assert_int_equal(it->set, NG_SET_BACKUP);
	assert_int_equal(it->num, 0);
	assert_non_null(ng_wanted_find(ng_target_list(r.t, NG_TARGET_NOW), NG_COALESCE,
				       "rx-usecs"));
	assert_int_equal(ng_target_count(r.t, NG_TARGET_NOW), 4);	/* tso gso gro rx-usecs */
	res_free(&r);

	/* Escalated too: the watch set over all, the stanza's watch key included. */
	fx_put("run/nicguard/watch-escalated", NG_MARKER "\neno1\n");
	r = resolve(fx.ctx, p, &eno1, NULL);
	assert_int_equal(ng_target_state(r.t),
			 NG_TARGET_MATCHED | NG_TARGET_WINDOW | NG_TARGET_ESCALATED);
	want(r.t, NG_TARGET_NOW, NG_OFFLOAD, "tso", 1, 4);
	it = want(r.t, NG_TARGET_NOW, NG_OFFLOAD, "gro", 0, 4);
	assert_int_equal(it->set, NG_SET_WATCH);
	assert_int_equal(it->origin.layer, NG_LAYER_STANZA);
	res_free(&r);
	fx_remove("run/nicguard/backup-state");
	fx_remove("run/nicguard/watch-escalated");

	/* NG_TARGET_WATCH: the watch layer before the mark exists (the reapply rung). */
	r = resolve(fx.ctx, p, &eno1, &(struct ng_target_opts){ .flags = NG_TARGET_WATCH });
	assert_int_equal(ng_target_state(r.t), NG_TARGET_MATCHED | NG_TARGET_ESCALATED);
	want(r.t, NG_TARGET_NOW, NG_OFFLOAD, "gro", 0, 4);
	res_free(&r);
	ng_policy_free(p);
	fx_remove("etc/network/interfaces");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_only),
		cmocka_unit_test(test_specificity),
		cmocka_unit_test(test_same_layer_later_wins),
		cmocka_unit_test(test_sets_and_flags),
		cmocka_unit_test(test_bad_and_nonmatching),
		cmocka_unit_test(test_stanza_given),
		cmocka_unit_test(test_files_and_now),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
