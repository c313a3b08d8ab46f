/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-probe.c: libFuzzer target for what nicguard-watch's probe and reboot rung read and
 * are told: the packets the probe's socket hands it (ng_arp_parse, ng_arp_answers, IPv6's
 * ng_ndp_parse_advert, and the VLAN check ng_probe_vlan_matches), the
 * [watch] probe value (ng_watch_option_check), any sequence of rounds (ng_probe_note), and
 * the reboot record read back after a reboot (ng_reboot_parse). The first byte picks the
 * part; the rest is its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void packet(const uint8_t *p, size_t n)
{
	uint32_t asked[NG_PROBE_ADDRS_MAX] = { 0 };
	unsigned char again[NG_ARP_LEN];
	struct ng_arp a, b;

	if (n >= sizeof(asked))
		memcpy(asked, p + n - sizeof(asked), sizeof(asked));
	if (ng_arp_parse(p, n, &a) < 0)
		return;
	/* Only a reply can answer; what parsed builds back into a request that parses. */
	if (ng_arp_answers(&a, asked, NG_PROBE_ADDRS_MAX) && a.op != NG_ARP_REPLY)
		abort();
	ng_arp_request(again, a.sha, a.spa, a.tpa);
	if (ng_arp_parse(again, sizeof(again), &b) < 0 || b.op != NG_ARP_REQUEST ||
	    b.spa != a.spa || b.tpa != a.tpa || memcmp(b.sha, a.sha, 6) != 0)
		abort();
}

static void advert(const uint8_t *p, size_t n)
{
	static const unsigned char mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	unsigned char target[16], ns[NG_NS_LEN], got[16];
	uint16_t tci = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 0;

	/* A VLAN matches only itself; an untagged probe only untagged or VLAN 0 frames. */
	if (ng_probe_vlan_matches((uint16_t)(tci & 0x0fff), true, tci) != true ||
	    (ng_probe_vlan_matches(0, true, tci) && (tci & 0x0fff)))
		abort();
	if (ng_ndp_parse_advert(p, n, target) < 0)
		return;
	/* A solicitation for what was advertised is no advertisement itself. */
	ng_ndp_solicit(ns, mac, target, target);
	if (ng_ndp_parse_advert(ns, sizeof(ns), got) == 0)
		abort();
}

static void value(const uint8_t *p, size_t n)
{
	char *text = malloc(n + 1);
	struct ng_err err;

	if (!text)
		return;
	memcpy(text, p, n);
	text[n] = '\0';
	if (ng_watch_option_check("probe", text, &err) < 0 && !err.msg[0])
		abort();
	free(text);
}

static void rounds(const uint8_t *p, size_t n)
{
	struct ng_probe_state s = { 0 };
	unsigned failures = n ? p[0] % 8 : 3;

	for (size_t i = 1; i < n; i++) {
		bool far = s.far_side;
		enum ng_probe_say say;

		if (p[i] & 0x80)
			s.last_rung = true;
		say = ng_probe_note(&s, (enum ng_probe_outcome)(p[i] % 3), failures);
		/* Once the far side is blamed, nothing is raised until an answer. */
		if (far && say == NG_PROBE_SILENT)
			abort();
		if (say == NG_PROBE_BACK && (s.streak || s.raised || s.far_side))
			abort();
	}
}

static void record(const uint8_t *p, size_t n)
{
	char *text = malloc(n + 1);
	int64_t when = -1;

	if (!text)
		return;
	memcpy(text, p, n);
	text[n] = '\0';
	/* Only a time it wrote itself: digits, so never negative. */
	if (ng_reboot_parse(text, n, &when) == 0 && when < 0)
		abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		packet(data + 1, size - 1);
		break;
	case 1:
		value(data + 1, size - 1);
		break;
	case 2:
		rounds(data + 1, size - 1);
		break;
	case 3:
		record(data + 1, size - 1);
		break;
	default:
		advert(data + 1, size - 1);
		break;
	}
	return 0;
}
