/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-probe.c: the reachability probe's pure parts: its ARP packets, the count of a port's
 * rounds (silent hang, far side, answered again), its [watch] options, and the engine's
 * answer to a probe that answers again. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "watchopts.h"

#define S 1000ull
#define BOOTED (3600 * S)

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* ---------------------------------------------------------------------- arp */

static void test_arp(void **state)
{
	static const unsigned char mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	/* Written out from RFC 826: who has 192.0.2.1? tell 192.0.2.2 at 02:00:00:00:00:01. */
	static const unsigned char want[NG_ARP_LEN] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0x01,
		192, 0, 2, 2, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
	};
	unsigned char req[NG_ARP_LEN], reply[64] = { 0 };
	uint32_t asked[2] = { ip("198.51.100.7"), ip("192.0.2.1") };
	struct ng_arp a;

	(void)state;
	ng_arp_request(req, mac, ip("192.0.2.2"), ip("192.0.2.1"));
	assert_memory_equal(req, want, sizeof(want));
	assert_int_equal(ng_arp_parse(req, sizeof(req), &a), 0);
	assert_int_equal(a.op, NG_ARP_REQUEST);
	assert_int_equal(a.spa, ip("192.0.2.2"));
	assert_int_equal(a.tpa, ip("192.0.2.1"));
	/* Our own request is no answer, even from the address asked for. */
	assert_false(ng_arp_answers(&a, asked, 2));
	/* The reply: 192.0.2.1 is at 02:00:00:00:00:02, padded to Ethernet's 46 bytes. */
	memcpy(reply, want, sizeof(want));
	reply[7] = NG_ARP_REPLY;
	memcpy(reply + 8, "\x02\0\0\0\0\x02", 6);
	memcpy(reply + 14, &asked[1], 4);
	memcpy(reply + 18, mac, 6);
	memcpy(reply + 24, "\xc0\x00\x02\x02", 4);
	assert_int_equal(ng_arp_parse(reply, 46, &a), 0);
	assert_int_equal(a.op, NG_ARP_REPLY);
	assert_true(ng_arp_answers(&a, asked, 2));
	assert_false(ng_arp_answers(&a, asked, 1));
	/* Cut short, or not IPv4 over Ethernet: no packet at all. */
	assert_int_equal(ng_arp_parse(reply, NG_ARP_LEN - 1, &a), -EINVAL);
	reply[3] = 0xdd;	/* IPv6 */
	assert_int_equal(ng_arp_parse(reply, 46, &a), -EINVAL);
}

/* A test vector in hex, two digits a byte, into bytes. */
static void unhex(const char *h, unsigned char *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* IPv6: the neighbour solicitation for 2001:db8::1 from fe80::2 at 02:00:6e:67:00:02, to
 * its solicited-node group ff02::1:ff00:1 (33:33:ff:00:00:01), checksum 0xdcf7 as computed
 * by hand (RFC 8200 8.1); an advertisement read back, and refused when it is not one. */
static void test_ndp(void **state)
{
	static const unsigned char mac[6] = { 0x02, 0x00, 0x6e, 0x67, 0x00, 0x02 };
	unsigned char src[16], tgt[16], ns[NG_NS_LEN], group[16], gmac[6], na[72], got[16];

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "fe80::2", src), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", tgt), 1);
	ng_ndp_group(tgt, group, gmac);
	assert_memory_equal(gmac, ((unsigned char[]){ 0x33, 0x33, 0xff, 0, 0, 1 }), 6);
	ng_ndp_solicit(ns, mac, src, tgt);
	assert_int_equal(ns[0], 0x60);
	assert_int_equal(ns[5], 32);			/* payload */
	assert_int_equal(ns[6], 58);			/* ICMPv6 */
	assert_int_equal(ns[7], 255);			/* hop limit */
	assert_memory_equal(ns + 8, src, 16);
	assert_memory_equal(ns + 24, group, 16);
	assert_int_equal(ns[40], 135);
	assert_int_equal(ns[42] << 8 | ns[43], 0xdcf7);
	assert_memory_equal(ns + 48, tgt, 16);
	assert_memory_equal(ns + 64, ((unsigned char[]){ 1, 1 }), 2);
	assert_memory_equal(ns + 66, mac, 6);
	/* 2001:db8::1 advertises itself to fe80::2 (solicited, override, its MAC). */
	unhex("6000000000203aff20010db8000000000000000000000001fe800000000000000000000000000002"
	      "8800523d6000000020010db80000000000000000000000010201026e67000001", na);
	assert_int_equal(ng_ndp_parse_advert(na, sizeof(na), got), 0);
	assert_memory_equal(got, tgt, 16);
	assert_int_equal(ng_ndp_parse_advert(na, sizeof(na) - 1, got), -EINVAL);	/* cut */
	na[7] = 64;			/* routed from elsewhere: not a neighbour's */
	assert_int_equal(ng_ndp_parse_advert(na, sizeof(na), got), -EINVAL);
	na[7] = 255;
	na[43] ^= 1;			/* checksum */
	assert_int_equal(ng_ndp_parse_advert(na, sizeof(na), got), -EINVAL);
	na[43] ^= 1;
	na[40] = 135;			/* a solicitation is no answer */
	assert_int_equal(ng_ndp_parse_advert(na, sizeof(na), got), -EINVAL);
	/* Our own solicitation read back is no answer either. */
	assert_int_equal(ng_ndp_parse_advert(ns, sizeof(ns), got), -EINVAL);
}

/* A reply counts on the VLAN it was asked on only: a probe through vmbr0.10 is not answered
 * by the same address untagged or on VLAN 20, nor an untagged probe by a tagged reply. */
static void test_arp_vlan(void **state)
{
	(void)state;
	assert_true(ng_probe_vlan_matches(0, false, 0));
	assert_true(ng_probe_vlan_matches(0, true, 0x6000));	/* priority 3, VLAN 0 */
	assert_false(ng_probe_vlan_matches(0, true, 10));
	assert_true(ng_probe_vlan_matches(10, true, 10));
	assert_true(ng_probe_vlan_matches(10, true, 0xa00a));	/* priority 5, VLAN 10 */
	assert_false(ng_probe_vlan_matches(10, true, 20));
	assert_false(ng_probe_vlan_matches(10, false, 0));
	assert_false(ng_probe_vlan_matches(10, false, 10));	/* the tci without the flag */
	assert_true(ng_probe_vlan_matches(4094, true, 0x0ffe));
}

/* ------------------------------------------------------------------- counting */

static enum ng_probe_say run(struct ng_probe_state *s, const char *rounds, unsigned failures)
{
	enum ng_probe_say last = NG_PROBE_QUIET;

	for (const char *c = rounds; *c; c++)
		last = ng_probe_note(s, *c == 'a' ? NG_PROBE_ANSWERED : *c == 'u' ?
				     NG_PROBE_UNANSWERED : NG_PROBE_NO_LINK, failures);
	return last;
}

static void test_silent_after_failures(void **state)
{
	struct ng_probe_state s = { 0 };

	(void)state;
	assert_int_equal(run(&s, "uu", 3), NG_PROBE_QUIET);
	assert_int_equal(run(&s, "u", 3), NG_PROBE_SILENT);
	/* While it lasts, each further run of failures is a detection: the ladder's next
	 * step (within its limits). */
	assert_int_equal(run(&s, "uu", 3), NG_PROBE_QUIET);
	assert_int_equal(run(&s, "u", 3), NG_PROBE_SILENT);
	assert_int_equal(s.raised, 2);
	assert_int_equal(run(&s, "a", 3), NG_PROBE_BACK);
	assert_int_equal(s.streak, 0);
	assert_int_equal(s.raised, 0);
	/* A miss or two that an answer ends is not an outage, and says nothing. */
	assert_int_equal(run(&s, "uua", 3), NG_PROBE_QUIET);
	assert_int_equal(run(&s, "uuau", 3), NG_PROBE_QUIET);
	/* probe-failures = 1: the first miss. */
	s = (struct ng_probe_state){ 0 };
	assert_int_equal(run(&s, "u", 1), NG_PROBE_SILENT);
}

static void test_no_link_is_not_silent(void **state)
{
	struct ng_probe_state s = { 0 };

	(void)state;
	/* Link down or no carrier: the kernel knows; the row starts again when it is back
	 * (a bounce takes the link down too). */
	assert_int_equal(run(&s, "uunuu", 3), NG_PROBE_QUIET);
	assert_int_equal(run(&s, "nnnnnn", 3), NG_PROBE_QUIET);
	assert_int_equal(s.streak, 0);
	assert_int_equal(run(&s, "uuu", 3), NG_PROBE_SILENT);
}

static void test_far_side(void **state)
{
	struct ng_probe_state s = { 0 };

	(void)state;
	assert_int_equal(run(&s, "uuu", 3), NG_PROBE_SILENT);
	/* The daemon took the ladder's last step for it; still nothing answers: the outage
	 * is beyond the port, said once, and nothing more is raised however long it lasts. */
	s.last_rung = true;
	assert_int_equal(run(&s, "uu", 3), NG_PROBE_QUIET);
	assert_int_equal(run(&s, "u", 3), NG_PROBE_FAR_SIDE);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(run(&s, "u", 3), NG_PROBE_QUIET);
	assert_int_equal(s.raised, 1);
	/* A link bounce meanwhile does not start it again. */
	assert_int_equal(run(&s, "nuuuuuu", 3), NG_PROBE_QUIET);
	/* The gateway answers: the next outage gets the whole ladder again. */
	assert_int_equal(run(&s, "a", 3), NG_PROBE_BACK);
	assert_false(s.far_side);
	assert_false(s.last_rung);
	assert_int_equal(run(&s, "uuu", 3), NG_PROBE_SILENT);
}

/* ------------------------------------------------------------------- options */

static void test_options(void **state)
{
	static const char *const good[][2] = {
		{ "probe", "gateway" }, { "probe", "none" }, { "probe", "192.0.2.1" },
		{ "probe", "192.0.2.1 198.51.100.1 203.0.113.1 192.0.2.9" },
		{ "interface.eno1.probe", "gateway" }, { "driver.e1000e.probe", "none" },
		{ "probe-failures", "1" }, { "probe-failures", "60" },
		{ "interface.eno1.probe-failures", "5" },
		{ "probe-interval", "1s" }, { "probe-interval", "2m" },
	};
	static const char *const bad[][2] = {
		{ "probe", "" }, { "probe", "yes" }, { "probe", "gateway 192.0.2.1" },
		{ "probe", "192.0.2.256" }, { "probe", "192.0.2" }, { "probe", "2001:db8::1" },
		{ "probe", "0.0.0.0" }, { "probe", "255.255.255.255" }, { "probe", "127.0.0.1" },
		{ "probe", "224.0.0.1" }, { "probe", "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 "
		  "192.0.2.5" },
		{ "probe-failures", "0" }, { "probe-failures", "61" },
		{ "probe-interval", "500ms" }, { "probe-interval", "0" },
		{ "interface.eno1.probe-interval", "5s" },
	};
	(void)state;
	check_watch_lines(good, NG_ARRAY_SIZE(good), bad, NG_ARRAY_SIZE(bad));
}

static void test_options_resolve(void **state)
{
	static const char text[] =
		"[watch]\n"
		"driver.e1000e.probe = gateway\n"
		"interface.veth7.probe = 192.0.2.1 198.51.100.1\n"
		"interface.veth7.probe-failures = 5\n"
		"probe-interval = 30s\n";
	struct ng_policy *p = ng_policy_new();
	struct ng_iface eno1 = { .name = "eno1", .driver = "e1000e" };
	struct ng_iface veth7 = { .name = "veth7", .driver = "veth" };
	struct ng_iface ens3 = { .name = "ens3", .driver = "virtio_net" };
	struct ng_watch_opts o;

	(void)state;
	assert_non_null(p);
	/* Off unless the policy says so: no socket, no wakeup. */
	ng_watch_opts_resolve(NULL, &eno1, &o);
	assert_int_equal(o.probe, NG_PROBE_NONE);
	assert_int_equal(o.probe_failures, 3);
	assert_int_equal(o.probe_interval_ms, 10 * S);
	assert_false(ng_watch_probe_wanted(p));
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "t.conf"), 0);
	assert_true(ng_watch_probe_wanted(p));
	ng_watch_opts_resolve(p, &eno1, &o);
	assert_int_equal(o.probe, NG_PROBE_GATEWAY);
	assert_false(o.probe_named);
	ng_watch_opts_resolve(p, &veth7, &o);
	assert_int_equal(o.probe, NG_PROBE_ADDRS);
	assert_int_equal(o.nprobe_addrs, 2);
	assert_int_equal(o.probe_addrs[1], ip("198.51.100.1"));
	assert_true(o.probe_named);
	assert_int_equal(o.probe_failures, 5);
	assert_int_equal(o.probe_interval_ms, 30 * S);
	ng_watch_opts_resolve(p, &ens3, &o);
	assert_int_equal(o.probe, NG_PROBE_NONE);
	/* A bad [watch] section is left out: no probe from it. */
	p->sections[0].bad = true;
	assert_false(ng_watch_probe_wanted(p));
	ng_policy_free(p);
}

/* ------------------------------------------------------------------- engine */

static void test_probe_answers_again(void **state)
{
	struct ng_watch *w = ng_watch_new();
	struct ng_watch_opts o;
	struct ng_watch_decision d;
	struct ng_watch_input in = { .sig = ng_sig_silent(), .ifname = "eno1", .wall = 1 };

	(void)state;
	assert_non_null(w);
	assert_int_equal(ng_sig_silent()->cls, NG_SIG_HANG);
	assert_ptr_equal(ng_sig_find(NG_SIG_SILENT), ng_sig_silent());
	ng_watch_opts_default(&o);
	/* First silent hang: bounce. No transmit sample: the probe is the judge. */
	in.now_ms = BOOTED;
	ng_watch_detect(w, &o, &in, &d);
	assert_int_equal(d.step, NG_STEP_BOUNCE);
	ng_watch_done(w, &o, &d, NG_WATCH_OK, BOOTED, NULL);
	assert_int_equal(ng_watch_next_due(w, NULL, 0), UINT64_MAX);
	/* Still silent 30 s later: the next step. */
	in.now_ms = BOOTED + 30 * S;
	ng_watch_detect(w, &o, &in, &d);
	assert_int_equal(d.step, NG_STEP_REAPPLY);
	ng_watch_done(w, &o, &d, NG_WATCH_OK, in.now_ms, NULL);
	/* It answers: reapply gets the credit and comes first next time. */
	ng_watch_recovered(w, "eno1", true);
	assert_int_equal(ng_watch_stats_at(w, 0)->recovered, 1);
	in.now_ms = BOOTED + 200 * S;
	ng_watch_detect(w, &o, &in, &d);
	assert_int_equal(d.step, NG_STEP_REAPPLY);
	ng_watch_done(w, &o, &d, NG_WATCH_OK, in.now_ms, NULL);
	/* Held by the backoff, then an outage beyond the port ends by itself: the held
	 * step is dropped, and the ladder starts again at its first step. */
	in.now_ms += 1 * S;
	ng_watch_detect(w, &o, &in, &d);
	in.now_ms += 6 * S;
	ng_watch_detect(w, &o, &in, &d);
	assert_int_equal(d.why, NG_WHY_WAIT);
	assert_true(ng_watch_next_due(w, NULL, 0) != UINT64_MAX);
	ng_watch_recovered(w, "eno1", false);
	assert_int_equal(ng_watch_next_due(w, NULL, 0), UINT64_MAX);
	assert_int_equal(ng_watch_stats_at(w, 0)->rung, 0);
	/* An interface it never saw: nothing. */
	ng_watch_recovered(w, "eno9", true);
	ng_watch_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_arp_vlan),
		cmocka_unit_test(test_ndp),
		cmocka_unit_test(test_silent_after_failures),
		cmocka_unit_test(test_no_link_is_not_silent),
		cmocka_unit_test(test_far_side),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_options_resolve),
		cmocka_unit_test(test_probe_answers_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
