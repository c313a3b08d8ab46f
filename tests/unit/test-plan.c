/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-plan.c: current state vs wanted items -> feature bits, link/coalesce/ring/rps writes. */
#include <errno.h>
#include <linux/ethtool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

/* A fabricated feature table: name, changeable, active (requested = active). */
static const struct fake_feature {
	const char *name;
	bool available, on;
} fake[] = {
	{ "tx-scatter-gather", true, true },		/* 0 */
	{ "tx-tcp-segmentation", true, true },		/* 1 */
	{ "tx-tcp-ecn-segmentation", true, true },	/* 2 */
	{ "tx-tcp-mangleid-segmentation", true, true },	/* 3 */
	{ "tx-tcp6-segmentation", true, true },		/* 4 */
	{ "tx-generic-segmentation", true, true },	/* 5 */
	{ "rx-gro", true, false },			/* 6 */
	{ "tx-fcoe-segmentation", false, false },	/* 7 */
	{ "rx-lro", false, false },			/* 8 */
	{ "tx-checksum-ipv4", true, true },		/* 9 */
	{ "f10", true, false }, { "f11", true, false }, { "f12", true, false },
	{ "f13", true, false }, { "f14", true, false }, { "f15", true, false },
	{ "f16", true, false }, { "f17", true, false }, { "f18", true, false },
	{ "f19", true, false }, { "f20", true, false }, { "f21", true, false },
	{ "f22", true, false }, { "f23", true, false }, { "f24", true, false },
	{ "f25", true, false }, { "f26", true, false }, { "f27", true, false },
	{ "f28", true, false }, { "f29", true, false }, { "f30", true, false },
	{ "f31", true, false },
	{ "tx-udp-segmentation", true, true },		/* 32: the second block */
};

enum { SG, TCP, TCP_ECN, TCP_MANGLE, TCP6, GSO, GRO, FCOE, LRO, CSUM4, UDP_SEG = 32 };

static void make_state(struct ng_devstate *s, const char *driver)
{
	struct ng_features *f = &s->feat;

	memset(s, 0, sizeof(*s));
	snprintf(s->driver, sizeof(s->driver), "%s", driver);
	f->n = NG_ARRAY_SIZE(fake);
	f->nblocks = (f->n + 31) / 32;
	f->names = calloc(f->n, sizeof(*f->names));
	f->available = calloc(f->nblocks, sizeof(uint32_t));
	f->requested = calloc(f->nblocks, sizeof(uint32_t));
	f->active = calloc(f->nblocks, sizeof(uint32_t));
	f->never_changed = calloc(f->nblocks, sizeof(uint32_t));
	assert_non_null(f->names);
	assert_non_null(f->never_changed);
	for (size_t i = 0; i < f->n; i++) {
		snprintf(f->names[i], sizeof(f->names[i]), "%s", fake[i].name);
		ng_features_set_bit(f->available, i, fake[i].available);
		ng_features_set_bit(f->requested, i, fake[i].on);
		ng_features_set_bit(f->active, i, fake[i].on);
	}
	s->link.speed = 1000;
	s->link.duplex = DUPLEX_FULL;
	s->link.autoneg = AUTONEG_ENABLE;
	s->coal.rx_coalesce_usecs = 3;
	s->ring.rx_pending = 256;
	s->ring.tx_pending = 256;
	s->ncpus = 4;
}

static struct ng_item item(enum ng_group g, const char *name, int64_t num, char *text)
{
	struct ng_item it;

	memset(&it, 0, sizeof(it));
	it.group = g;
	snprintf(it.name, sizeof(it.name), "%s", name);
	it.num = num;
	it.text = text;
	it.origin.file = "test";
	return it;
}

static void test_tso_group(void **state)
{
	struct ng_item items[] = {
		item(NG_OFFLOAD, "tso", 0, NULL),
		item(NG_OFFLOAD, "gso", 0, NULL),
		item(NG_OFFLOAD, "gro", 0, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_state(&s, "e1000e");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_true(p.write[NG_PART_FEATURES]);
	assert_int_equal(p.nblocks, 2);
	/* Exactly the four tcp features and gso are valid, all requested off. */
	assert_int_equal(p.valid[0], (1u << TCP) | (1u << TCP_ECN) | (1u << TCP_MANGLE) |
				     (1u << TCP6) | (1u << GSO));
	assert_int_equal(p.valid[1], 0);
	assert_int_equal(p.requested[0], 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[0].res.detail, "tx-tcp-segmentation tx-tcp-ecn-segmentation "
			    "tx-tcp-mangleid-segmentation tx-tcp6-segmentation");
	assert_string_equal(p.items[0].res.want, "off");
	assert_string_equal(p.items[0].res.was, "on");
	assert_int_equal(p.items[1].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[1].res.detail, "tx-generic-segmentation");
	assert_int_equal(p.items[2].res.outcome, NG_ALREADY);
	assert_string_equal(p.items[2].res.was, "off");
	assert_false(p.write[NG_PART_LINK] || p.write[NG_PART_COALESCE] || p.write[NG_PART_RING] || p.write[NG_PART_RPS]);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

/* A kernel-name item decides its one feature, before or after the group. */
static void check_override(struct ng_item *items, size_t n, size_t tso, size_t tcp6)
{
	struct ng_wanted w = { .items = items, .n = n };
	struct ng_devstate s;
	struct ng_plan p;

	make_state(&s, "virtio_net");
	ng_features_set_bit(s.feat.active, TCP6, false);
	ng_features_set_bit(s.feat.requested, TCP6, false);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.valid[0], (1u << TCP) | (1u << TCP_ECN) | (1u << TCP_MANGLE) |
				     (1u << TCP6));
	assert_int_equal(p.requested[0], 1u << TCP6);
	assert_false(ng_features_bit(p.items[tso].feats, TCP6));
	assert_true(ng_features_bit(p.items[tso].feats, TCP));
	assert_true(ng_features_bit(p.items[tcp6].feats, TCP6));
	assert_string_equal(p.items[tcp6].res.detail, "tx-tcp6-segmentation");
	assert_int_equal(p.items[tso].res.outcome, NG_PLANNED);
	assert_int_equal(p.items[tcp6].res.outcome, NG_PLANNED);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void test_kernel_name_overrides(void **state)
{
	struct ng_item a[] = {
		item(NG_OFFLOAD, "tso", 0, NULL),
		item(NG_OFFLOAD, "tx-tcp6-segmentation", 1, NULL),
	};
	struct ng_item b[] = {
		item(NG_OFFLOAD, "tx-tcp6-segmentation", 1, NULL),
		item(NG_OFFLOAD, "tso", 0, NULL),
	};

	(void)state;
	check_override(a, 2, 0, 1);
	check_override(b, 2, 1, 0);
}

static void test_unsupported_fixed_already(void **state)
{
	struct ng_item items[] = {
		item(NG_OFFLOAD, "ufo", 0, NULL),			/* no such feature */
		item(NG_OFFLOAD, "tx-udp-fragmentation", 0, NULL),	/* same, kernel name */
		item(NG_OFFLOAD, "lro", 1, NULL),			/* fixed off */
		item(NG_OFFLOAD, "lro", 0, NULL),			/* fixed, but as wanted */
		item(NG_OFFLOAD, "tx-udp-segmentation", 0, NULL),	/* block 1 */
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_state(&s, "e1000e");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_UNSUPPORTED);
	assert_int_equal(p.items[0].res.error, -EOPNOTSUPP);
	assert_int_equal(p.items[1].res.outcome, NG_UNSUPPORTED);
	/* The later lro item owns rx-lro: the earlier one covers it but decides nothing. */
	assert_int_equal(p.items[2].res.outcome, NG_ALREADY);
	assert_int_equal(p.items[3].res.outcome, NG_ALREADY);
	assert_int_equal(p.valid[0], 0);
	assert_int_equal(p.valid[1], 1u << (UDP_SEG - 32));
	assert_int_equal(p.requested[1], 0);
	assert_int_equal(p.items[4].res.outcome, NG_PLANNED);
	ng_plan_free(&p);
	ng_devstate_free(&s);

	/* Alone, a wish against a fixed feature is reported as fixed and not written. */
	w.items = &items[2];
	w.n = 1;
	make_state(&s, "e1000e");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_FIXED);
	assert_false(p.write[NG_PART_FEATURES]);
	assert_string_equal(p.items[0].res.detail, "rx-lro (fixed: rx-lro)");
	ng_plan_free(&p);
	ng_devstate_free(&s);

	/* No feature table at all: every offload item is unsupported, nothing written. */
	w.items = items;
	w.n = NG_ARRAY_SIZE(items);
	make_state(&s, "e1000e");
	s.err[NG_PART_FEATURES] = -EOPNOTSUPP;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	for (size_t i = 0; i < w.n; i++)
		assert_int_equal(p.items[i].res.outcome, NG_UNSUPPORTED);
	assert_false(p.write[NG_PART_FEATURES]);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

/* Only a requested bit that differs from active (a driver dependency): write it again. */
static void test_wish_rewritten(void **state)
{
	struct ng_item items[] = { item(NG_OFFLOAD, "tso", 1, NULL) };
	struct ng_wanted w = { .items = items, .n = 1 };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_state(&s, "veth");
	for (int k = TCP; k <= TCP6; k++)
		ng_features_set_bit(s.feat.active, (size_t)k, false);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[0].res.was, "off (requested on)");
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void test_link(void **state)
{
	struct ng_item items[] = {
		item(NG_LINK, "speed", 100, NULL),
		item(NG_LINK, "duplex", 1, NULL),
		item(NG_LINK, "autoneg", 0, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_state(&s, "r8169");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_true(p.write[NG_PART_LINK]);
	assert_int_equal(p.link.speed, 100);
	assert_int_equal(p.link.duplex, DUPLEX_FULL);
	assert_int_equal(p.link.autoneg, AUTONEG_DISABLE);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[0].res.was, "1000");
	/* Duplex is full already, but only negotiated: forcing it is a change. */
	assert_int_equal(p.items[1].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[1].res.was, "full");
	assert_int_equal(p.items[2].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[2].res.was, "on");
	ng_plan_free(&p);

	/* Speed alone forces autoneg off too. */
	w.n = 1;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.link.autoneg, AUTONEG_DISABLE);
	ng_plan_free(&p);

	s.link.speed = 100;
	s.link.autoneg = AUTONEG_DISABLE;
	w.n = NG_ARRAY_SIZE(items);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_false(p.write[NG_PART_LINK]);
	for (size_t i = 0; i < w.n; i++)
		assert_int_equal(p.items[i].res.outcome, NG_ALREADY);
	ng_plan_free(&p);

	s.err[NG_PART_LINK] = -EOPNOTSUPP;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_false(p.write[NG_PART_LINK]);
	assert_int_equal(p.items[0].res.outcome, NG_UNSUPPORTED);
	assert_int_equal(p.items[0].res.error, -EOPNOTSUPP);
	ng_plan_free(&p);
	s.err[NG_PART_LINK] = -EIO;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_FAILED);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void test_coalesce_ring(void **state)
{
	struct ng_item items[] = {
		item(NG_COALESCE, "rx-usecs", 3, NULL),
		item(NG_COALESCE, "tx-usecs", 10, NULL),
		item(NG_COALESCE, "no-such-param", 1, NULL),
		item(NG_RING, "rx", 4096, NULL),
		item(NG_RING, "tx", 256, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_state(&s, "e1000e");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	assert_int_equal(p.items[1].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[1].res.was, "0");
	assert_int_equal(p.items[2].res.outcome, NG_UNSUPPORTED);
	assert_true(p.write[NG_PART_COALESCE]);
	assert_int_equal(p.coal.tx_coalesce_usecs, 10);
	assert_int_equal(p.coal.rx_coalesce_usecs, 3);
	assert_true(p.write[NG_PART_RING]);
	assert_int_equal(p.ring.rx_pending, 4096);
	assert_int_equal(p.items[4].res.outcome, NG_ALREADY);
	ng_plan_free(&p);

	s.err[NG_PART_COALESCE] = -EOPNOTSUPP;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_false(p.write[NG_PART_COALESCE]);
	assert_int_equal(p.items[0].res.outcome, NG_UNSUPPORTED);
	assert_int_equal(p.items[3].res.outcome, NG_PLANNED);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void test_itr(void **state)
{
	struct ng_item items[] = {
		item(NG_ITR, "interrupt-throttle-rate", 8000, NULL),
		item(NG_COALESCE, "rx-usecs", 1, NULL),
	};
	struct ng_wanted w = { .items = items, .n = 1 };
	struct ng_devstate s;
	struct ng_plan p;
	uint32_t u;

	(void)state;
	assert_int_equal(ng_itr_to_usecs(3, &u), 0);
	assert_int_equal(u, 3);
	assert_int_equal(ng_itr_to_usecs(0, &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(ng_itr_to_usecs(100, &u), 0);
	assert_int_equal(u, 10000);
	assert_int_equal(ng_itr_to_usecs(150, &u), 0);
	assert_int_equal(u, 6666);
	assert_int_equal(ng_itr_to_usecs(100000, &u), 0);
	assert_int_equal(u, 10);
	assert_int_equal(ng_itr_to_usecs(2, &u), -EINVAL);
	assert_int_equal(ng_itr_to_usecs(99, &u), -EINVAL);
	assert_int_equal(ng_itr_to_usecs(100001, &u), -EINVAL);

	make_state(&s, "e1000e");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_true(p.write[NG_PART_COALESCE]);
	assert_int_equal(p.coal.rx_coalesce_usecs, 125);
	assert_string_equal(p.items[0].res.detail, "rx-usecs 125");
	ng_plan_free(&p);

	/* An explicit rx-usecs wins over the throttle rate, whatever the order. */
	w.n = 2;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.coal.rx_coalesce_usecs, 1);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	assert_int_equal(p.items[1].res.outcome, NG_PLANNED);
	ng_plan_free(&p);

	items[0].num = 3;
	w.n = 1;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	assert_false(p.write[NG_PART_COALESCE]);
	ng_plan_free(&p);
	ng_devstate_free(&s);

	make_state(&s, "virtio_net");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_UNSUPPORTED);
	assert_false(p.write[NG_PART_COALESCE]);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

/* A veth with two rx queues whose rps masks differ: none, and CPUs 0-3. */
static void make_rps_state(struct ng_devstate *s)
{
	char **masks = calloc(2, sizeof(char *));

	make_state(s, "veth");
	assert_non_null(masks);
	masks[0] = strdup("0");
	masks[1] = strdup("00000000,0000000f");
	s->rps = masks;
	s->nrps = 2;
}

/* A per-queue rps value: each queue against its own mask; a count that does not match the
 * queues is a failed setting, never a guess. */
static void test_rps_per_queue(void **state)
{
	char same[] = "none f", swapped[] = "f none", three[] = "f f f";
	struct ng_item it = item(NG_RPS, "rps", 0, same);
	struct ng_wanted w = { .items = &it, .n = 1 };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_rps_state(&s);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_false(p.write[NG_PART_RPS]);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	ng_plan_free(&p);

	it.text = swapped;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_true(p.write[NG_PART_RPS]);
	assert_string_equal(p.rps_mask, "f 0");
	assert_string_equal(p.items[0].res.was, "mixed");
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	ng_plan_free(&p);

	it.text = three;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_false(p.write[NG_PART_RPS]);
	assert_int_equal(p.items[0].res.outcome, NG_FAILED);
	assert_int_equal(p.items[0].res.error, -EINVAL);
	assert_string_equal(p.items[0].res.detail, "3 masks for 2 rx queues");
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void test_rps_ethtool_flag(void **state)
{
	char all[] = "all", words[] = "--set-eee {} eee off";
	struct ng_item items[] = {
		item(NG_RPS, "rps", 0, all),
		item(NG_ETHTOOL, "--set-eee", 0, words),
		item(NG_FLAG, "backup-uplink", 1, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_rps_state(&s);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_true(p.write[NG_PART_RPS]);
	assert_string_equal(p.rps_mask, "f");
	assert_string_equal(p.items[0].res.was, "mixed");
	assert_string_equal(p.items[0].res.want, "f");
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_int_equal(p.items[1].res.outcome, NG_PLANNED);
	assert_true(p.items[2].no_result);
	ng_plan_free(&p);

	free(s.rps[0]);
	s.rps[0] = strdup("f");
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_false(p.write[NG_PART_RPS]);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

/* pause, eee, channels: a field of their ethtool struct; on|off fields compare as the
 * drivers read them (any value but 0 is on); only a change is written. */
static void test_pause_eee_channels(void **state)
{
	struct ng_item items[] = {
		item(NG_PAUSE, "autoneg", 0, NULL),
		item(NG_PAUSE, "rx", 1, NULL),
		item(NG_PAUSE, "tx", 0, NULL),
		item(NG_EEE, "eee", 0, NULL),
		item(NG_EEE, "tx-timer", 17, NULL),
		item(NG_CHANNELS, "combined", 4, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_state(&s, "e1000e");
	s.pause.autoneg = AUTONEG_ENABLE;
	s.pause.rx_pause = 2;		/* a driver's "on" that is not 1 */
	s.pause.tx_pause = 1;
	s.eee.eee_enabled = 1;
	s.eee.advertised = 0x28;
	s.eee.tx_lpi_timer = 17;
	s.chan.max_combined = 8;
	s.chan.combined_count = 4;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_string_equal(p.items[0].res.was, "on");
	assert_string_equal(p.items[0].res.want, "off");
	assert_int_equal(p.items[1].res.outcome, NG_ALREADY);
	assert_int_equal(p.items[2].res.outcome, NG_PLANNED);
	assert_true(p.write[NG_PART_PAUSE]);
	/* Written as read but for the fields that change. */
	assert_int_equal(p.pause.autoneg, 0);
	assert_int_equal(p.pause.rx_pause, 2);
	assert_int_equal(p.pause.tx_pause, 0);
	assert_int_equal(p.items[3].res.outcome, NG_PLANNED);
	assert_int_equal(p.items[4].res.outcome, NG_ALREADY);
	assert_string_equal(p.items[4].res.was, "17");
	assert_true(p.write[NG_PART_EEE]);
	assert_int_equal(p.eee.eee_enabled, 0);
	assert_int_equal(p.eee.advertised, 0x28);
	assert_int_equal(p.items[5].res.outcome, NG_ALREADY);
	assert_false(p.write[NG_PART_CHANNELS]);
	ng_plan_free(&p);

	/* QEMU's 82574L: no EEE, no channels (EOPNOTSUPP from the reads). */
	s.err[NG_PART_EEE] = -EOPNOTSUPP;
	s.err[NG_PART_CHANNELS] = -EOPNOTSUPP;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[3].res.outcome, NG_UNSUPPORTED);
	assert_string_equal(p.items[3].res.detail, "eee parameters: Operation not supported");
	assert_int_equal(p.items[5].res.outcome, NG_UNSUPPORTED);
	assert_false(p.write[NG_PART_EEE]);
	assert_false(p.write[NG_PART_CHANNELS]);
	assert_true(p.write[NG_PART_PAUSE]);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void make_rfs_state(struct ng_devstate *s, size_t nq, unsigned long count,
			   unsigned long global)
{
	make_rps_state(s);
	s->rfs = calloc(nq, sizeof(*s->rfs));
	assert_non_null(s->rfs);
	for (size_t q = 0; q < nq; q++)
		s->rfs[q] = count;
	s->nrfs = nq;
	s->rfs_global = global;
}

/* rfs: the global table raised, never lowered; each queue entries / queues. */
static void test_rfs(void **state)
{
	struct ng_item it = item(NG_RFS, "rfs", 32768, NULL);
	struct ng_wanted w = { .items = &it, .n = 1 };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_rfs_state(&s, 4, 0, 0);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_true(p.write[NG_PART_RFS]);
	assert_int_equal(p.rfs_global, 32768);
	assert_int_equal(p.rfs_entries, 32768);
	assert_string_equal(p.items[0].res.was, "0, rps_flow_cnt 0");
	assert_string_equal(p.items[0].res.detail, "4 rx queues, rps_flow_cnt 8192 each; "
			    "rps_sock_flow_entries raised to 32768");
	ng_plan_free(&p);
	ng_devstate_free(&s);

	/* An admin's larger table stays; the queues are right: nothing to write. */
	make_rfs_state(&s, 4, 8192, 65536);
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	assert_int_equal(p.rfs_global, 0);
	assert_false(p.write[NG_PART_RFS]);
	assert_string_equal(p.items[0].res.detail, "4 rx queues, rps_flow_cnt 8192 each; "
			    "rps_sock_flow_entries stays at 65536");
	ng_plan_free(&p);

	/* One queue differs: written, the global left alone. */
	s.rfs[2] = 4096;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_int_equal(p.rfs_global, 0);
	assert_string_equal(p.items[0].res.was, "65536, rps_flow_cnt mixed");
	ng_plan_free(&p);

	/* Not in the host's network namespace: no global table to read. */
	s.err[NG_PART_RFS] = -ENOENT;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_FAILED);
	assert_non_null(strstr(p.items[0].res.detail, "only the host's network namespace"));
	ng_plan_free(&p);
	s.err[NG_PART_RFS] = -EOPNOTSUPP;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_UNSUPPORTED);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

/* New channels renew the rx queues: rps and rfs that read right are written again. */
static void test_channels_renew_queues(void **state)
{
	char f[] = "f";
	struct ng_item items[] = {
		item(NG_RPS, "rps", 0, f),
		item(NG_CHANNELS, "rx", 4, NULL),
		item(NG_RFS, "rfs", 2, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_rfs_state(&s, 2, 1, 2);
	free(s.rps[0]);
	s.rps[0] = strdup("f");
	s.chan.rx_count = 4;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_ALREADY);
	assert_int_equal(p.items[2].res.outcome, NG_ALREADY);
	assert_false(p.write[NG_PART_RPS]);
	ng_plan_free(&p);

	s.chan.rx_count = 2;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[1].res.outcome, NG_PLANNED);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_true(p.write[NG_PART_RPS]);
	assert_string_equal(p.items[0].res.detail, "2 rx queues; new channels");
	assert_int_equal(p.items[2].res.outcome, NG_PLANNED);
	assert_true(p.write[NG_PART_RFS]);
	assert_int_equal(p.rfs_entries, 2);
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

/* Per-queue rps values counted for the queues new channels make: no failure before the
 * write (which checks them against the queues there are then); without a channel change the
 * count is checked now. */
static void test_channels_recount_rps(void **state)
{
	char four[] = "1 1 2 2";
	struct ng_item items[] = {
		item(NG_RPS, "rps", 0, four),
		item(NG_CHANNELS, "rx", 4, NULL),
	};
	struct ng_wanted w = { .items = items, .n = NG_ARRAY_SIZE(items) };
	struct ng_devstate s;
	struct ng_plan p;

	(void)state;
	make_rps_state(&s);
	s.chan.rx_count = 4;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_FAILED);
	assert_string_equal(p.items[0].res.detail, "4 masks for 2 rx queues");
	ng_plan_free(&p);
	s.chan.rx_count = 2;
	assert_int_equal(ng_plan_make(&s, &w, &p), 0);
	assert_int_equal(p.items[0].res.outcome, NG_PLANNED);
	assert_int_equal(p.items[0].res.error, 0);
	assert_true(p.write[NG_PART_RPS]);
	assert_string_equal(p.rps_mask, "1 1 2 2");
	ng_plan_free(&p);
	ng_devstate_free(&s);
}

static void test_strings(void **state)
{
	struct ng_devstate s;
	uint32_t sel[2] = { (1u << TCP) | (1u << GRO), 0 };
	char buf[16];

	(void)state;
	make_state(&s, "x");
	assert_string_equal(ng_plan_feat_str(&s.feat, sel, s.feat.active, buf, sizeof(buf)),
			    "mixed");
	sel[0] = 1u << GRO;
	assert_string_equal(ng_plan_feat_str(&s.feat, sel, s.feat.active, buf, sizeof(buf)),
			    "off");
	sel[0] = 0;
	assert_string_equal(ng_plan_feat_str(&s.feat, sel, s.feat.active, buf, sizeof(buf)), "");
	s.link.speed = (uint32_t)SPEED_UNKNOWN;
	s.link.duplex = DUPLEX_UNKNOWN;
	assert_string_equal(ng_plan_link_str(&s.link, "speed", buf, sizeof(buf)), "unknown");
	assert_string_equal(ng_plan_link_str(&s.link, "duplex", buf, sizeof(buf)), "unknown");
	assert_string_equal(ng_plan_link_str(&s.link, "autoneg", buf, sizeof(buf)), "on");
	assert_string_equal(ng_outcome_name(NG_FIXED), "fixed");
	assert_string_equal(ng_outcome_name(NG_PLANNED), "planned");
	assert_string_equal(ng_outcome_name((enum ng_outcome)42), "unknown");
	ng_devstate_free(&s);
}

static void test_report(void **state)
{
	struct ng_report r = { 0 };
	struct ng_result v[2];

	(void)state;
	memset(v, 0, sizeof(v));
	r.v = v;
	r.n = 2;
	v[0].outcome = NG_CHANGED;
	v[1].outcome = NG_FIXED;
	assert_false(ng_report_failed(&r));
	v[1].outcome = NG_UNSUPPORTED;
	assert_true(ng_report_failed(&r));
	v[1].outcome = NG_FAILED;
	assert_true(ng_report_failed(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tso_group),
		cmocka_unit_test(test_kernel_name_overrides),
		cmocka_unit_test(test_unsupported_fixed_already),
		cmocka_unit_test(test_wish_rewritten),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_coalesce_ring),
		cmocka_unit_test(test_itr),
		cmocka_unit_test(test_rps_per_queue),
		cmocka_unit_test(test_rps_ethtool_flag),
		cmocka_unit_test(test_pause_eee_channels),
		cmocka_unit_test(test_rfs),
		cmocka_unit_test(test_channels_renew_queues),
		cmocka_unit_test(test_channels_recount_rps),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
