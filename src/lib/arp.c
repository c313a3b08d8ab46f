/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arp.c: the ARP request of the reachability probe, and the packets it reads back, on
 * their VLAN (pure). */
#include <errno.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

/* RFC 826 over Ethernet: hardware type 1, protocol IPv4, 6- and 4-byte addresses. */
static const unsigned char arp_head[6] = { 0x00, 0x01, 0x08, 0x00, 6, 4 };

void ng_arp_request(unsigned char out[NG_ARP_LEN], const unsigned char sha[6], uint32_t spa,
		    uint32_t tpa)
{
	memcpy(out, arp_head, sizeof(arp_head));
	out[6] = 0;
	out[7] = NG_ARP_REQUEST;
	memcpy(out + 8, sha, 6);
	memcpy(out + 14, &spa, 4);
	memset(out + 18, 0, 6);		/* the target's hardware address: what we ask for */
	memcpy(out + 24, &tpa, 4);
}

int ng_arp_parse(const void *buf, size_t len, struct ng_arp *a)
{
	const unsigned char *p = buf;

	/* Ethernet pads short frames: more bytes than the packet are fine. */
	if (len < NG_ARP_LEN || memcmp(p, arp_head, sizeof(arp_head)) != 0)
		return -EINVAL;
	a->op = (uint16_t)(p[6] << 8 | p[7]);
	memcpy(a->sha, p + 8, 6);
	memcpy(&a->spa, p + 14, 4);
	memcpy(a->tha, p + 18, 6);
	memcpy(&a->tpa, p + 24, 4);
	return 0;
}

bool ng_arp_answers(const struct ng_arp *a, const uint32_t *asked, size_t n)
{
	/* Only a reply: a request from the gateway (refreshing its cache) proves frames come
	 * in, not that ours go out, and a transmit hang is the case to catch. */
	if (a->op != NG_ARP_REPLY)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->spa == asked[i])
			return true;
	return false;
}

bool ng_probe_vlan_matches(uint16_t want, bool tagged, uint16_t tci)
{
	uint16_t vid = tci & 0x0fff;

	/* A priority tag (VLAN 0) is an untagged frame with a priority. */
	if (!tagged || vid == 0)
		return want == 0;
	return vid == want;
}
