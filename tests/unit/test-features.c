/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-features.c: feature names, groups, aliases, parameter tables and suggestions. */
#include <errno.h>
#include <linux/ethtool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static void test_tables_sorted(void **state)
{
	(void)state;
	assert_true(ng_features_tables_sorted());
	assert_true(ng_value_tables_sorted());
	assert_true(ng_policy_tables_sorted());
	/* The checker itself must notice disorder. */
	{
		static const char *const bad[] = { "b", "a" }, *const dup[] = { "a", "a" };

		assert_false(ng_table_sorted(bad, 2, sizeof(bad[0])));
		assert_false(ng_table_sorted(dup, 2, sizeof(dup[0])));
	}
}

static void test_covers(void **state)
{
	static const char *const tso[] = {
		"tx-tcp-segmentation", "tx-tcp-ecn-segmentation", "tx-tcp-mangleid-segmentation",
		"tx-tcp6-segmentation", "tx-tcp-accecn-segmentation",
	};

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(tso); i++)
		assert_true(ng_feature_covers("tso", tso[i]));
	assert_false(ng_feature_covers("tso", "tx-udp-segmentation"));
	assert_false(ng_feature_covers("tso", "tx-generic-segmentation"));
	assert_true(ng_feature_covers("gso", "tx-generic-segmentation"));
	assert_true(ng_feature_covers("gro", "rx-gro"));
	assert_false(ng_feature_covers("gro", "rx-gro-hw"));
	assert_true(ng_feature_covers("tx", "tx-checksum-ipv4"));
	assert_true(ng_feature_covers("tx", "tx-checksum-ip-generic"));
	assert_false(ng_feature_covers("tx", "rx-checksum"));
	assert_true(ng_feature_covers("rx", "rx-checksum"));
	assert_true(ng_feature_covers("sg", "tx-scatter-gather"));
	assert_true(ng_feature_covers("sg", "tx-scatter-gather-fraglist"));
	assert_true(ng_feature_covers("ufo", "tx-udp-fragmentation"));
	assert_true(ng_feature_covers("lro", "rx-lro"));
	assert_true(ng_feature_covers("rxvlan", "rx-vlan-hw-parse"));
	assert_true(ng_feature_covers("txvlan", "tx-vlan-hw-insert"));
	assert_true(ng_feature_covers("ntuple", "rx-ntuple-filter"));
	assert_true(ng_feature_covers("rxhash", "rx-hashing"));
	/* A kernel name covers only itself. */
	assert_true(ng_feature_covers("tx-tcp-segmentation", "tx-tcp-segmentation"));
	assert_false(ng_feature_covers("tx-tcp-segmentation", "tx-tcp6-segmentation"));
}

static void test_canonical(void **state)
{
	static const char *const map[][2] = {
		{ "rx-checksumming", "rx" }, { "tx-checksumming", "tx" },
		{ "scatter-gather", "sg" }, { "tcp-segmentation-offload", "tso" },
		{ "udp-fragmentation-offload", "ufo" }, { "generic-segmentation-offload", "gso" },
		{ "generic-receive-offload", "gro" }, { "large-receive-offload", "lro" },
		{ "rx-vlan-offload", "rxvlan" }, { "tx-vlan-offload", "txvlan" },
		{ "ntuple-filters", "ntuple" }, { "receive-hashing", "rxhash" },
		{ "tso", "tso" }, { "gso", "gso" }, { "gro", "gro" }, { "sg", "sg" },
		{ "tx-tcp6-segmentation", "tx-tcp6-segmentation" },
		{ "tx-tcp-accecn-segmentation", "tx-tcp-accecn-segmentation" },
		{ "rx-udp-gro-forwarding", "rx-udp-gro-forwarding" },
		{ "tx-udp_tnl-csum-segmentation", "tx-udp_tnl-csum-segmentation" },
		{ "hsr-dup-offload", "hsr-dup-offload" }, { "highdma", "highdma" },
	};
	char out[NG_NAME_MAX], tiny[3];

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(map); i++) {
		assert_int_equal(ng_feature_canonical(map[i][0], out, sizeof(out)), 0);
		assert_string_equal(out, map[i][1]);
	}
	assert_int_equal(ng_feature_canonical("tos", out, sizeof(out)), -ENOENT);
	assert_int_equal(ng_feature_canonical("TSO", out, sizeof(out)), -ENOENT);
	assert_int_equal(ng_feature_canonical("", out, sizeof(out)), -ENOENT);
	assert_int_equal(ng_feature_canonical("tx-tcp-segmentation", tiny, sizeof(tiny)),
			 -ENAMETOOLONG);
	assert_true(ng_feature_is_group("tso"));
	assert_true(ng_feature_is_group("rxhash"));
	assert_false(ng_feature_is_group("tx-tcp-segmentation"));
	assert_false(ng_feature_is_group("tcp-segmentation-offload"));
	assert_true(ng_feature_is_kernel("tx-gso-list"));
	assert_false(ng_feature_is_kernel("tso"));
}

static void test_params(void **state)
{
	static const char *const coalesce[] = {
		"adaptive-rx", "adaptive-tx", "rx-usecs", "rx-frames", "rx-usecs-irq",
		"rx-frames-irq", "tx-usecs", "tx-frames", "tx-usecs-irq", "tx-frames-irq",
		"stats-block-usecs", "pkt-rate-low", "rx-usecs-low", "rx-frames-low",
		"tx-usecs-low", "tx-frames-low", "pkt-rate-high", "rx-usecs-high",
		"rx-frames-high", "tx-usecs-high", "tx-frames-high", "sample-interval",
	};

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(coalesce); i++) {
		const struct ng_param *pm = ng_param_find(NG_COALESCE, coalesce[i]);

		assert_non_null(pm);
		assert_string_equal(pm->name, coalesce[i]);
		assert_true(pm->offset + sizeof(__u32) <= sizeof(struct ethtool_coalesce));
	}
	assert_int_equal(ng_param_find(NG_COALESCE, "rx-usecs")->offset,
			 offsetof(struct ethtool_coalesce, rx_coalesce_usecs));
	assert_int_equal(ng_param_find(NG_COALESCE, "adaptive-rx")->offset,
			 offsetof(struct ethtool_coalesce, use_adaptive_rx_coalesce));
	assert_int_equal(ng_param_find(NG_COALESCE, "sample-interval")->offset,
			 offsetof(struct ethtool_coalesce, rate_sample_interval));
	assert_null(ng_param_find(NG_COALESCE, "rx-usec"));
	assert_int_equal(ng_param_find(NG_RING, "rx")->offset,
			 offsetof(struct ethtool_ringparam, rx_pending));
	assert_int_equal(ng_param_find(NG_RING, "rx-mini")->offset,
			 offsetof(struct ethtool_ringparam, rx_mini_pending));
	assert_int_equal(ng_param_find(NG_RING, "rx-jumbo")->offset,
			 offsetof(struct ethtool_ringparam, rx_jumbo_pending));
	assert_int_equal(ng_param_find(NG_RING, "tx")->offset,
			 offsetof(struct ethtool_ringparam, tx_pending));
	assert_null(ng_param_find(NG_RING, "rx-usecs"));
	assert_true(ng_param_find(NG_COALESCE, "adaptive-tx")->onoff);
	assert_false(ng_param_find(NG_COALESCE, "rx-usecs")->onoff);
}

/* The words of ethtool -A, --set-eee and -L, the fields they set, which take on|off. */
static void test_params_pause_eee_channels(void **state)
{
	const struct ng_param *p;
	char names[128];

	(void)state;
	p = ng_param_find(NG_PAUSE, "autoneg");
	assert_int_equal(p->offset, offsetof(struct ethtool_pauseparam, autoneg));
	assert_true(p->onoff);
	assert_int_equal(ng_param_find(NG_PAUSE, "rx")->offset,
			 offsetof(struct ethtool_pauseparam, rx_pause));
	assert_int_equal(ng_param_find(NG_PAUSE, "tx")->offset,
			 offsetof(struct ethtool_pauseparam, tx_pause));
	assert_null(ng_param_find(NG_PAUSE, "rx-pause"));
	p = ng_param_find(NG_EEE, "eee");
	assert_int_equal(p->offset, offsetof(struct ethtool_eee, eee_enabled));
	assert_true(p->onoff);
	assert_true(ng_param_find(NG_EEE, "tx-lpi")->onoff);
	p = ng_param_find(NG_EEE, "tx-timer");
	assert_int_equal(p->offset, offsetof(struct ethtool_eee, tx_lpi_timer));
	assert_false(p->onoff);
	assert_null(ng_param_find(NG_EEE, "advertise"));
	assert_int_equal(ng_param_find(NG_CHANNELS, "combined")->offset,
			 offsetof(struct ethtool_channels, combined_count));
	assert_int_equal(ng_param_find(NG_CHANNELS, "other")->offset,
			 offsetof(struct ethtool_channels, other_count));
	assert_int_equal(ng_param_find(NG_CHANNELS, "rx")->offset,
			 offsetof(struct ethtool_channels, rx_count));
	assert_int_equal(ng_param_find(NG_CHANNELS, "tx")->offset,
			 offsetof(struct ethtool_channels, tx_count));
	assert_false(ng_param_find(NG_CHANNELS, "rx")->onoff);
	/* Groups without a table have no parameters. */
	assert_null(ng_param_find(NG_LINK, "speed"));
	assert_null(ng_param_find(NG_RFS, "rfs"));
	assert_null(ng_param_find(NG_GROUP_MAX, "rx"));
	assert_string_equal(ng_param_names(NG_PAUSE, names, sizeof(names)), "autoneg, rx or tx");
	assert_string_equal(ng_param_names(NG_EEE, names, sizeof(names)), "eee, tx-lpi or tx-timer");
	assert_string_equal(ng_param_names(NG_CHANNELS, names, sizeof(names)),
			    "combined, other, rx or tx");
	assert_string_equal(ng_param_names(NG_RFS, names, sizeof(names)), "");
	assert_string_equal(ng_param_suggest(NG_CHANNELS, "combine"), "combined");
	assert_string_equal(ng_param_suggest(NG_EEE, "tx-lpl"), "tx-lpi");
	assert_null(ng_param_suggest(NG_LINK, "speed"));
}

static void test_suggest(void **state)
{
	static const char *const words[] = { "speed", "duplex", "autoneg" };

	(void)state;
	assert_string_equal(ng_feature_suggest("tos"), "tso");
	assert_string_equal(ng_feature_suggest("tcp-segmentation-ofload"),
			    "tcp-segmentation-offload");
	assert_string_equal(ng_feature_suggest("rx-gr"), "rx-gro");
	assert_null(ng_feature_suggest("completely-unrelated"));
	assert_string_equal(ng_param_suggest(NG_COALESCE, "rx-usec"), "rx-usecs");
	assert_string_equal(ng_param_suggest(NG_COALESCE, "adaptiv-rx"), "adaptive-rx");
	assert_string_equal(ng_param_suggest(NG_RING, "rx-jumb"), "rx-jumbo");
	assert_string_equal(ng_suggest("spede", words, 3), "speed");
	assert_string_equal(ng_suggest("duplx", words, 3), "duplex");
	assert_null(ng_suggest("mtu", words, 3));
	assert_null(ng_suggest("", words, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_sorted),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_params_pause_eee_channels),
		cmocka_unit_test(test_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
