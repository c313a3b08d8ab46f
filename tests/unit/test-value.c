/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-value.c: every key, every value form and every value error message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static const struct ng_origin here = { .file = "test.conf", .line = 7 };

/* Parse text as a fresh value; returns the result, items in *items. */
static int parse(enum ng_group g, enum ng_set set, const char *text, struct ng_item **items,
		 size_t *n, struct ng_err *err)
{
	*items = NULL;
	*n = 0;
	memset(err, 0, sizeof(*err));
	return ng_value_parse(g, set, text, here, items, n, err);
}

/* The value must fail with exactly this message and add no items. */
static void bad(enum ng_group g, const char *text, const char *msg)
{
	struct ng_item *items;
	struct ng_err err;
	size_t n;

	assert_int_equal(parse(g, NG_SET_NORMAL, text, &items, &n, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(n, 0);
	assert_null(items);
}

static void test_keys(void **state)
{
	static const struct {
		const char *key;
		enum ng_group g;
		enum ng_set s;
	} keys[] = {
		{ "offload", NG_OFFLOAD, NG_SET_NORMAL }, { "link", NG_LINK, NG_SET_NORMAL },
		{ "coalesce", NG_COALESCE, NG_SET_NORMAL }, { "ring", NG_RING, NG_SET_NORMAL },
		{ "rps", NG_RPS, NG_SET_NORMAL }, { "ethtool", NG_ETHTOOL, NG_SET_NORMAL },
		{ "interrupt-throttle-rate", NG_ITR, NG_SET_NORMAL },
		{ "kernel-cmdline", NG_CMDLINE, NG_SET_NORMAL },
		{ "skip", NG_FLAG, NG_SET_NORMAL }, { "backup-uplink", NG_FLAG, NG_SET_BACKUP },
		{ "backup-offload", NG_OFFLOAD, NG_SET_BACKUP },
		{ "backup-coalesce", NG_COALESCE, NG_SET_BACKUP },
		{ "backup-ring", NG_RING, NG_SET_BACKUP },
		{ "backup-link", NG_LINK, NG_SET_BACKUP },
		{ "watch-offload", NG_OFFLOAD, NG_SET_WATCH },
		{ "watch-coalesce", NG_COALESCE, NG_SET_WATCH },
		{ "watch-ring", NG_RING, NG_SET_WATCH },
		{ "pause", NG_PAUSE, NG_SET_NORMAL }, { "backup-pause", NG_PAUSE, NG_SET_BACKUP },
		{ "watch-pause", NG_PAUSE, NG_SET_WATCH },
		{ "eee", NG_EEE, NG_SET_NORMAL }, { "watch-eee", NG_EEE, NG_SET_WATCH },
		{ "channels", NG_CHANNELS, NG_SET_NORMAL }, { "rfs", NG_RFS, NG_SET_NORMAL },
	};
	enum ng_group g;
	enum ng_set s;

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(keys); i++) {
		assert_int_equal(ng_key_lookup(keys[i].key, &g, &s), 0);
		assert_int_equal(g, keys[i].g);
		assert_int_equal(s, keys[i].s);
		assert_string_equal(ng_key_name(g, s), keys[i].key);
	}
	assert_int_equal(ng_key_lookup("ofload", &g, &s), -ENOENT);
	assert_int_equal(ng_key_lookup("", &g, &s), -ENOENT);
	assert_null(ng_key_name(NG_RPS, NG_SET_WATCH));
	/* No variant where a change resets the link twice a job or makes new queues. */
	assert_null(ng_key_name(NG_EEE, NG_SET_BACKUP));
	assert_null(ng_key_name(NG_CHANNELS, NG_SET_BACKUP));
	assert_null(ng_key_name(NG_CHANNELS, NG_SET_WATCH));
	assert_null(ng_key_name(NG_RFS, NG_SET_BACKUP));
	assert_null(ng_key_name(NG_RFS, NG_SET_WATCH));
	assert_string_equal(ng_group_key(NG_CHANNELS), "channels");
	assert_null(ng_group_key(NG_GROUP_MAX));
	assert_string_equal(ng_key_suggest("ofload"), "offload");
	assert_string_equal(ng_key_suggest("backup-oflod"), "backup-offload");
	assert_null(ng_key_suggest("mtu"));
	assert_true(ng_value_tables_sorted());
}

static void test_offload(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	size_t n;

	(void)state;
	/* The seed's words: ethtool -K eth0 gso off gro off tso off */
	assert_int_equal(parse(NG_OFFLOAD, NG_SET_NORMAL, "gso off gro off tso off", &items, &n,
			       &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].name, "gso");
	assert_string_equal(items[1].name, "gro");
	assert_string_equal(items[2].name, "tso");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(items[i].group, NG_OFFLOAD);
		assert_int_equal(items[i].set, NG_SET_NORMAL);
		assert_int_equal(items[i].num, 0);
		assert_null(items[i].text);
		assert_string_equal(items[i].origin.file, "test.conf");
		assert_int_equal(items[i].origin.line, 7);
	}
	ng_items_free(items, n);

	/* Long names and kernel names; a repeated name within one value: later wins. */
	assert_int_equal(parse(NG_OFFLOAD, NG_SET_BACKUP,
			       "tcp-segmentation-offload off tx-tcp6-segmentation on\t"
			       "scatter-gather off tso on", &items, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].name, "tso");
	assert_int_equal(items[0].num, 1);
	assert_int_equal(items[0].set, NG_SET_BACKUP);
	assert_string_equal(items[1].name, "tx-tcp6-segmentation");
	assert_int_equal(items[1].num, 1);
	assert_string_equal(items[2].name, "sg");
	ng_items_free(items, n);

	bad(NG_OFFLOAD, "tos off", "unknown offload \"tos\" (did you mean \"tso\"?)");
	bad(NG_OFFLOAD, "frobnicate off", "unknown offload \"frobnicate\"");
	bad(NG_OFFLOAD, "tso off gso", "offload \"gso\" needs on or off");
	bad(NG_OFFLOAD, "tso maybe", "offload tso: \"maybe\" is not on or off");
	bad(NG_OFFLOAD, "   ", "empty value");
	bad(NG_OFFLOAD, "tso\noff", "control character in value");
}

static void test_append_replaces(void **state)
{
	struct ng_item *items = NULL;
	struct ng_err err;
	size_t n = 0;

	(void)state;
	assert_int_equal(ng_value_parse(NG_OFFLOAD, NG_SET_NORMAL, "tso off gso off", here,
					&items, &n, &err), 0);
	assert_int_equal(ng_value_parse(NG_OFFLOAD, NG_SET_BACKUP, "tso off", here, &items, &n,
					&err), 0);
	assert_int_equal(n, 3);	/* another set: not the same setting */
	assert_int_equal(ng_value_parse(NG_OFFLOAD, NG_SET_NORMAL, "gso on gro off", here,
					&items, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(items[1].name, "gso");
	assert_int_equal(items[1].num, 1);
	/* A bad value changes nothing, not even its good first half. */
	assert_int_equal(ng_value_parse(NG_OFFLOAD, NG_SET_NORMAL, "tso on tos off", here,
					&items, &n, &err), -EINVAL);
	assert_int_equal(n, 4);
	assert_int_equal(items[0].num, 0);
	ng_items_free(items, n);
}

static void test_link(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[32];
	size_t n;

	(void)state;
	assert_int_equal(parse(NG_LINK, NG_SET_NORMAL, "speed 100 duplex full autoneg off", &items,
			       &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].name, "speed");
	assert_int_equal(items[0].num, 100);
	assert_string_equal(ng_item_value_str(&items[0], buf, sizeof(buf)), "100");
	assert_string_equal(items[1].name, "duplex");
	assert_int_equal(items[1].num, 1);
	assert_string_equal(ng_item_value_str(&items[1], buf, sizeof(buf)), "full");
	assert_string_equal(items[2].name, "autoneg");
	assert_int_equal(items[2].num, 0);
	assert_string_equal(ng_item_value_str(&items[2], buf, sizeof(buf)), "off");
	ng_items_free(items, n);

	assert_int_equal(parse(NG_LINK, NG_SET_NORMAL, "autoneg on", &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].num, 1);
	ng_items_free(items, n);
	assert_int_equal(parse(NG_LINK, NG_SET_NORMAL, "autoneg off duplex half", &items, &n,
			       &err), 0);
	assert_int_equal(items[1].num, 0);
	assert_string_equal(ng_item_value_str(&items[1], buf, sizeof(buf)), "half");
	ng_items_free(items, n);

	bad(NG_LINK, "speed 100",
	    "speed 100 needs autoneg off: with autoneg on the link partner decides");
	bad(NG_LINK, "speed 100 duplex full autoneg on",
	    "speed 100 needs autoneg off: with autoneg on the link partner decides");
	bad(NG_LINK, "duplex full",
	    "duplex full needs autoneg off: with autoneg on the link partner decides");
	bad(NG_LINK, "speed 0 autoneg off", "link speed \"0\" is not a positive number of Mb/s");
	bad(NG_LINK, "speed -100 autoneg off",
	    "link speed \"-100\" is not a positive number of Mb/s");
	bad(NG_LINK, "speed fast autoneg off",
	    "link speed \"fast\" is not a positive number of Mb/s");
	bad(NG_LINK, "duplex both autoneg off", "link duplex \"both\" is not half or full");
	bad(NG_LINK, "autoneg maybe", "link autoneg \"maybe\" is not on or off");
	bad(NG_LINK, "autoneg off speed", "link speed needs a value");
	bad(NG_LINK, "spead 100 autoneg off",
	    "unknown link setting \"spead\" (did you mean \"speed\"?)");
	bad(NG_LINK, "wol g", "unknown link setting \"wol\": use speed, duplex, autoneg, or an "
	    "ethtool = line for others");
}

static void test_coalesce_ring(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[32];
	size_t n;

	(void)state;
	assert_int_equal(parse(NG_COALESCE, NG_SET_BACKUP, "rx-usecs 3", &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "rx-usecs");
	assert_int_equal(items[0].num, 3);
	assert_int_equal(items[0].group, NG_COALESCE);
	assert_int_equal(items[0].set, NG_SET_BACKUP);
	ng_items_free(items, n);

	assert_int_equal(parse(NG_COALESCE, NG_SET_NORMAL,
			       "adaptive-rx off rx-frames 64 tx-usecs 4294967295", &items, &n,
			       &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(items[0].num, 0);
	assert_string_equal(ng_item_value_str(&items[0], buf, sizeof(buf)), "off");
	assert_int_equal(items[2].num, 4294967295LL);
	assert_string_equal(ng_item_value_str(&items[2], buf, sizeof(buf)), "4294967295");
	ng_items_free(items, n);

	bad(NG_COALESCE, "rx-usec 3",
	    "unknown coalesce parameter \"rx-usec\" (did you mean \"rx-usecs\"?)");
	bad(NG_COALESCE, "mtu 3", "unknown coalesce parameter \"mtu\"");
	bad(NG_COALESCE, "rx-usecs", "coalesce rx-usecs needs a value");
	bad(NG_COALESCE, "rx-usecs 4294967296",
	    "coalesce rx-usecs: \"4294967296\" is not a number (0-4294967295)");
	bad(NG_COALESCE, "adaptive-tx 1", "coalesce adaptive-tx: \"1\" is not on or off");

	assert_int_equal(parse(NG_RING, NG_SET_NORMAL, "rx 4096 tx 4096 rx-mini 0 rx-jumbo 8",
			       &items, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(items[3].name, "rx-jumbo");
	assert_int_equal(items[0].num, 4096);
	ng_items_free(items, n);
	bad(NG_RING, "rx-jumb 4",
	    "unknown ring parameter \"rx-jumb\" (did you mean \"rx-jumbo\"?)");
	bad(NG_RING, "tx big", "ring tx: \"big\" is not a number (0-4294967295)");
}

static void rps_ok(const char *text, const char *canonical)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[64];
	size_t n;

	assert_int_equal(parse(NG_RPS, NG_SET_NORMAL, text, &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "rps");
	assert_string_equal(items[0].text, canonical);
	assert_string_equal(ng_item_value_str(&items[0], buf, sizeof(buf)), canonical);
	ng_items_free(items, n);
}

/* A per-queue value of `want` masks parses. */
static void rps_ok_count(const char *text, size_t want)
{
	struct ng_item *items;
	struct ng_err err;
	size_t n;

	assert_int_equal(parse(NG_RPS, NG_SET_NORMAL, text, &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ng_rps_nmasks(items[0].text), want);
	ng_items_free(items, n);
}

static void test_rps(void **state)
{
	(void)state;
	rps_ok("all", "all");
	rps_ok("none", "none");
	rps_ok("ffff", "ffff");			/* the seed: rps = ffff */
	rps_ok("FF", "ff");
	rps_ok("f", "f");
	rps_ok("00000000,0000000f", "f");
	rps_ok("00000001,00000000", "100000000");
	rps_ok("0", "none");
	rps_ok("10", "10");			/* a lone number is a hex mask: CPU 4 */
	rps_ok("0-3,8", "0-3,8");
	rps_ok("8,2,0-3", "0-3,8");
	rps_ok("1,2,3", "1-3");
	rps_ok("0-8191", "0-8191");
	/* One CPU as a list stays a list: "3" would read back as the mask of CPUs 0 and 1. */
	rps_ok("3-3", "3-3");
	rps_ok("0,0", "0-0");
	rps_ok("0000000000,000000", "0-0");
	/* One value per rx queue, rx-0 first. */
	rps_ok("all none", "all none");
	rps_ok("FF  0-1,3\t0", "ff 0-1,3 none");
	{
		char many[NG_RPS_QUEUES_MAX * 2 + 4] = "";

		for (int i = 0; i < NG_RPS_QUEUES_MAX; i++)
			strcat(many, "1 ");
		rps_ok_count(many, NG_RPS_QUEUES_MAX);
		strcat(many, "1");
		bad(NG_RPS, many, "rps takes all, none, a hex mask (ffff) or a CPU list (0-3,8); "
		    "or one such value per rx queue (at most 256)");
	}
	bad(NG_RPS, "f every", "rps \"every\" is not all, none, a hex mask (ffff, "
	    "00000000,0000000f) or a CPU list (0-3,8)");
	bad(NG_RPS, "0-", "rps \"0-\" is not all, none, a hex mask (ffff, 00000000,0000000f) "
	    "or a CPU list (0-3,8)");
	bad(NG_RPS, "3-1", "rps \"3-1\" is not all, none, a hex mask (ffff, 00000000,0000000f) "
	    "or a CPU list (0-3,8)");
	bad(NG_RPS, "1,", "rps \"1,\" is not all, none, a hex mask (ffff, 00000000,0000000f) "
	    "or a CPU list (0-3,8)");
	bad(NG_RPS, "0000000f,1", "rps \"0000000f,1\" is not all, none, a hex mask (ffff, "
	    "00000000,0000000f) or a CPU list (0-3,8)");
	bad(NG_RPS, "every", "rps \"every\" is not all, none, a hex mask (ffff, "
	    "00000000,0000000f) or a CPU list (0-3,8)");
	bad(NG_RPS, "0-8192", "rps \"0-8192\" is not all, none, a hex mask (ffff, "
	    "00000000,0000000f) or a CPU list (0-3,8)");
}

static void mask_is(const char *text, unsigned ncpus, const char *want)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[256];
	size_t n;

	assert_int_equal(parse(NG_RPS, NG_SET_NORMAL, text, &items, &n, &err), 0);
	assert_int_equal(ng_rps_mask(&items[0], ncpus, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	ng_items_free(items, n);
}

static void test_rps_mask(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[4];
	size_t n;

	(void)state;
	mask_is("all", 2, "3");
	mask_is("all", 16, "ffff");
	mask_is("all", 40, "ff,ffffffff");
	mask_is("all", 64, "ffffffff,ffffffff");
	mask_is("all", 1, "1");
	mask_is("all", 33, "1,ffffffff");
	mask_is("none", 2, "0");
	mask_is("none", 16, "0000");
	mask_is("none", 64, "00000000,00000000");
	mask_is("ffff", 2, "3");
	mask_is("ffff", 16, "ffff");
	mask_is("ffff", 40, "00,0000ffff");
	mask_is("00000000,0000000f", 64, "00000000,0000000f");
	mask_is("0-3,8", 16, "010f");
	mask_is("0-3,8", 40, "00,0000010f");
	mask_is("0-3,32-39", 40, "ff,0000000f");
	mask_is("0-3,63", 64, "80000000,0000000f");
	mask_is("0-3,63", 2, "3");
	mask_is("f 1 none all", 2, "3 1 0 3");	/* per queue */
	mask_is("0-3,63 1", 64, "80000000,0000000f 00000000,00000001");

	assert_int_equal(parse(NG_RPS, NG_SET_NORMAL, "all", &items, &n, &err), 0);
	assert_int_equal(ng_rps_mask(&items[0], 64, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(ng_rps_mask(&items[0], 0, buf, sizeof(buf)), -EINVAL);
	items[0].group = NG_ITR;
	assert_int_equal(ng_rps_mask(&items[0], 2, buf, sizeof(buf)), -EINVAL);
	ng_items_free(items, n);
}

static void test_rps_queue_mask(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(ng_rps_nmasks(""), 0);
	assert_int_equal(ng_rps_nmasks("3"), 1);
	assert_int_equal(ng_rps_nmasks("3 1 0"), 3);
	/* One mask stands for every queue. */
	assert_string_equal(ng_rps_queue_mask("ff,00000003", 0, buf, sizeof(buf)), "ff,00000003");
	assert_string_equal(ng_rps_queue_mask("3", 7, buf, sizeof(buf)), "3");
	/* A list gives each queue its own, and nothing past its end. */
	assert_string_equal(ng_rps_queue_mask("3 1 0", 0, buf, sizeof(buf)), "3");
	assert_string_equal(ng_rps_queue_mask("3 1 0", 2, buf, sizeof(buf)), "0");
	assert_null(ng_rps_queue_mask("3 1 0", 3, buf, sizeof(buf)));
	assert_null(ng_rps_queue_mask("", 0, buf, sizeof(buf)));
	/* Never cut: a mask longer than buf is refused. */
	assert_null(ng_rps_queue_mask("ffffffff,ffffffff 1", 0, buf, sizeof(buf)));
}

static void test_ethtool(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[64];
	size_t n;

	(void)state;
	assert_int_equal(parse(NG_ETHTOOL, NG_SET_NORMAL, "--set-eee  {}\teee off", &items, &n,
			       &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "--set-eee");
	assert_string_equal(items[0].text, "--set-eee {} eee off");
	assert_string_equal(ng_item_value_str(&items[0], buf, sizeof(buf)),
			    "--set-eee {} eee off");
	ng_items_free(items, n);
	bad(NG_ETHTOOL, "--set-eee eth0 eee off",
	    "ethtool line must name the interface as {}, e.g. \"--set-eee {} eee off\"");
	bad(NG_ETHTOOL, "set-eee {} eee off", "ethtool line must start with an ethtool option "
	    "such as --set-eee, not \"set-eee\"");
	bad(NG_ETHTOOL, "- {}", "ethtool line must start with an ethtool option such as "
	    "--set-eee, not \"-\"");
	bad(NG_ETHTOOL, "-A {} rx off\x1b[2J", "control character in value");
}

static void test_itr(void **state)
{
	static const char *const good[] = { "0", "1", "3", "4", "100", "8000", "100000" };
	static const char *const nope[] = { "2", "5", "99", "100001", "-1", "abc", "" };
	struct ng_item *items;
	struct ng_err err;
	size_t n;

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(good); i++) {
		assert_int_equal(parse(NG_ITR, NG_SET_NORMAL, good[i], &items, &n, &err), 0);
		assert_string_equal(items[0].name, "interrupt-throttle-rate");
		assert_int_equal(items[0].num, atoi(good[i]));
		ng_items_free(items, n);
	}
	for (size_t i = 0; i < NG_ARRAY_SIZE(nope); i++) {
		char msg[256];

		if (!nope[i][0]) {
			bad(NG_ITR, nope[i], "empty value");
			continue;
		}
		snprintf(msg, sizeof(msg), "interrupt-throttle-rate \"%s\" is not valid: use 0 "
			 "(off), 1 (dynamic), 3 (dynamic conservative), 4 (simplified) or "
			 "100-100000 (interrupts per second)", nope[i]);
		bad(NG_ITR, nope[i], msg);
	}
	bad(NG_ITR, "3 4", "interrupt-throttle-rate \"3\" is not valid: use 0 (off), 1 "
	    "(dynamic), 3 (dynamic conservative), 4 (simplified) or 100-100000 (interrupts per "
	    "second)");
}

static void test_flags(void **state)
{
	static const char *const words[][2] = {
		{ "yes", "1" }, { "on", "1" }, { "true", "1" },
		{ "no", "0" }, { "off", "0" }, { "false", "0" },
	};
	struct ng_item *items;
	struct ng_err err;
	char buf[8];
	size_t n;

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(words); i++) {
		assert_int_equal(parse(NG_FLAG, NG_SET_NORMAL, words[i][0], &items, &n, &err), 0);
		assert_string_equal(items[0].name, "skip");
		assert_int_equal(items[0].num, atoi(words[i][1]));
		assert_string_equal(ng_item_value_str(&items[0], buf, sizeof(buf)),
				    words[i][1][0] == '1' ? "yes" : "no");
		ng_items_free(items, n);
	}
	assert_int_equal(parse(NG_FLAG, NG_SET_BACKUP, "yes", &items, &n, &err), 0);
	assert_string_equal(items[0].name, "backup-uplink");
	assert_int_equal(items[0].set, NG_SET_BACKUP);
	ng_items_free(items, n);
	assert_int_equal(parse(NG_FLAG, NG_SET_WATCH, "yes", &items, &n, &err), -EINVAL);
	bad(NG_FLAG, "maybe", "skip \"maybe\" is not yes or no");
	bad(NG_FLAG, "yes no", "skip \"yes\" is not yes or no");
}

/* kernel-cmdline: known parameters only, in one canonical order, or none. */
static void test_cmdline(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char val[NG_TEXT_MAX];
	size_t n;

	(void)state;
	assert_int_equal(parse(NG_CMDLINE, NG_SET_NORMAL,
			       "pcie_port_pm=off pcie_aspm=off pcie_aspm=off", &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "kernel-cmdline");
	assert_string_equal(items[0].text, "pcie_aspm=off pcie_port_pm=off");
	assert_string_equal(ng_item_value_str(&items[0], val, sizeof(val)),
			    "pcie_aspm=off pcie_port_pm=off");
	ng_items_free(items, n);
	assert_int_equal(parse(NG_CMDLINE, NG_SET_NORMAL, "none", &items, &n, &err), 0);
	assert_string_equal(items[0].text, "");
	assert_string_equal(ng_item_value_str(&items[0], val, sizeof(val)), "none");
	ng_items_free(items, n);
	bad(NG_CMDLINE, "pcie_aspm=of", "unknown kernel parameter \"pcie_aspm=of\" "
	    "(did you mean \"pcie_aspm=off\"?)");
	bad(NG_CMDLINE, "pcie_aspm=off init=/bin/sh", "kernel parameter \"init=/bin/sh\" is "
	    "not one nicguard writes: use pcie_aspm=off, pcie_aspm.policy=performance, "
	    "pcie_port_pm=off, or none");
	bad(NG_CMDLINE, "none pcie_aspm=off", "kernel parameter \"none\" is not one nicguard "
	    "writes: use pcie_aspm=off, pcie_aspm.policy=performance, pcie_port_pm=off, or none");
}

/* pause, eee, channels: ethtool -A, --set-eee and -L words; a policy line round-trips. */
static void test_pause_eee_channels(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[NG_TEXT_MAX];
	size_t n;

	(void)state;
	assert_int_equal(parse(NG_PAUSE, NG_SET_NORMAL, "autoneg off rx off tx off", &items, &n,
			       &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].name, "autoneg");
	assert_int_equal(items[2].num, 0);
	assert_string_equal(ng_item_str(&items[0], buf, sizeof(buf)), "pause = autoneg off");
	ng_items_free(items, n);
	assert_int_equal(parse(NG_PAUSE, NG_SET_WATCH, "tx off", &items, &n, &err), 0);
	assert_string_equal(ng_item_str(&items[0], buf, sizeof(buf)), "watch-pause = tx off");
	ng_items_free(items, n);
	bad(NG_PAUSE, "rx 0", "pause rx: \"0\" is not on or off");
	bad(NG_PAUSE, "tx", "pause tx needs a value");
	bad(NG_PAUSE, "rx-pause off", "unknown pause parameter \"rx-pause\": use autoneg, rx or tx");
	bad(NG_PAUSE, "autoneq off",
	    "unknown pause parameter \"autoneq\" (did you mean \"autoneg\"?)");

	assert_int_equal(parse(NG_EEE, NG_SET_NORMAL, "eee off tx-lpi on tx-timer 250", &items, &n,
			       &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ng_item_value_str(&items[0], buf, sizeof(buf)), "off");
	assert_string_equal(ng_item_value_str(&items[1], buf, sizeof(buf)), "on");
	assert_int_equal(items[2].num, 250);
	ng_items_free(items, n);
	bad(NG_EEE, "eee no", "eee eee: \"no\" is not on or off");
	bad(NG_EEE, "tx-timer -1", "eee tx-timer: \"-1\" is not a number (0-4294967295)");
	bad(NG_EEE, "advertise 0x20",
	    "unknown eee parameter \"advertise\": use eee, tx-lpi or tx-timer");

	assert_int_equal(parse(NG_CHANNELS, NG_SET_NORMAL, "combined 4 other 1", &items, &n, &err),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].num, 4);
	assert_string_equal(ng_item_str(&items[0], buf, sizeof(buf)), "channels = combined 4");
	ng_items_free(items, n);
	bad(NG_CHANNELS, "combined four",
	    "channels combined: \"four\" is not a number (0-4294967295)");
	bad(NG_CHANNELS, "queues 4", "unknown channels parameter \"queues\": use combined, "
	    "other, rx or tx");
	bad(NG_CHANNELS, "rx", "channels rx needs a value");
	bad(NG_RING, "rxx 4", "unknown ring parameter \"rxx\" (did you mean \"rx\"?)");
	bad(NG_RING, "queue 4", "unknown ring parameter \"queue\": use rx, rx-jumbo, rx-mini or tx");
}

/* rfs: a number of flow entries up to the kernel's limit. */
static void test_rfs(void **state)
{
	struct ng_item *items;
	struct ng_err err;
	char buf[NG_TEXT_MAX];
	size_t n;

	(void)state;
	assert_int_equal(parse(NG_RFS, NG_SET_NORMAL, "32768", &items, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].name, "rfs");
	assert_int_equal(items[0].num, 32768);
	assert_string_equal(ng_item_str(&items[0], buf, sizeof(buf)), "rfs = 32768");
	ng_items_free(items, n);
	assert_int_equal(parse(NG_RFS, NG_SET_NORMAL, "0", &items, &n, &err), 0);
	ng_items_free(items, n);
	assert_int_equal(parse(NG_RFS, NG_SET_NORMAL, "536870912", &items, &n, &err), 0);
	ng_items_free(items, n);
	bad(NG_RFS, "536870913", "rfs \"536870913\" is not a number of flow entries "
	    "(0-536870912), e.g. 32768");
	bad(NG_RFS, "32k", "rfs \"32k\" is not a number of flow entries (0-536870912), e.g. 32768");
	bad(NG_RFS, "1 2", "rfs \"1\" is not a number of flow entries (0-536870912), e.g. 32768");
	/* The kernel's rounding and the division among the queues. */
	assert_int_equal(ng_rfs_round(0), 0);
	assert_int_equal(ng_rfs_round(1), 1);
	assert_int_equal(ng_rfs_round(30000), 32768);
	assert_int_equal(ng_rfs_round(32768), 32768);
	assert_int_equal(ng_rfs_per_queue(32768, 4), 8192);
	assert_int_equal(ng_rfs_per_queue(32768, 3), 16384);
	assert_int_equal(ng_rfs_per_queue(32768, 1), 32768);
	assert_int_equal(ng_rfs_per_queue(32768, 0), 32768);
	assert_int_equal(ng_rfs_per_queue(2, 8), 1);
	assert_int_equal(ng_rfs_per_queue(0, 4), 0);
}

/* Items of one grouped key share one line, in the order first met; long text stays whole. */
static void test_items_print(void **state)
{
	static const char *const lines[] = {
		"pause autoneg off rx off tx off", "eee eee off", "channels combined 2",
		"rfs 65536",
	};
	struct ng_item *items = NULL;
	char *out = NULL, want[NG_RPS_QUEUES_MAX * 3 + 8] = "rps", *rps;
	size_t n = 0, len = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(lines); i++) {
		enum ng_group g;
		enum ng_set set;
		const char *sp = strchr(lines[i], ' ');
		char key[32];

		snprintf(key, sizeof(key), "%.*s", (int)(sp - lines[i]), lines[i]);
		assert_int_equal(ng_key_lookup(key, &g, &set), 0);
		assert_int_equal(ng_value_parse(g, set, sp + 1, here, &items, &n, NULL), 0);
	}
	/* 200 per-queue masks: longer than any buffer a value goes through. */
	rps = want + strlen(want);
	for (int q = 0; q < 200; q++)
		rps += sprintf(rps, " %x", q % 15 + 1);
	assert_int_equal(ng_value_parse(NG_RPS, NG_SET_NORMAL, want + 4, here, &items, &n, NULL), 0);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(ng_items_print(f, "", "", items, n), 0);
	fclose(f);
	assert_string_equal(strtok(out, "\n"), lines[0]);
	for (size_t i = 1; i < NG_ARRAY_SIZE(lines); i++)
		assert_string_equal(strtok(NULL, "\n"), lines[i]);
	assert_string_equal(strtok(NULL, "\n"), want);
	free(out);
	ng_items_free(items, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_offload),
		cmocka_unit_test(test_append_replaces),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_coalesce_ring),
		cmocka_unit_test(test_rps),
		cmocka_unit_test(test_rps_mask),
		cmocka_unit_test(test_rps_queue_mask),
		cmocka_unit_test(test_ethtool),
		cmocka_unit_test(test_itr),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_pause_eee_channels),
		cmocka_unit_test(test_rfs),
		cmocka_unit_test(test_items_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
