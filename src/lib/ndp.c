/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ndp.c: the IPv6 neighbour solicitation of the reachability probe (RFC 4861), and the
 * advertisements it reads back (pure): ARP's counterpart for a port that serves IPv6 only. */
#include <errno.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define IP6_HDR 40
#define NH_ICMP6 58
#define ND_SOLICIT 135
#define ND_ADVERT 136
#define OPT_SOURCE_LLADDR 1

/* The Internet checksum of ICMPv6 over the pseudo-header (RFC 8200 8.1). */
static uint16_t icmp6_sum(const unsigned char *src, const unsigned char *dst,
			  const unsigned char *msg, size_t len)
{
	uint32_t s = (uint32_t)len + NH_ICMP6;

	for (int i = 0; i < 16; i += 2)
		s += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)(msg[i] << 8 | (i + 1 < len ? msg[i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void ng_ndp_group(const unsigned char target[16], unsigned char group[16], unsigned char mac[6])
{
	static const unsigned char pre[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	memcpy(group, pre, sizeof(pre));
	memcpy(group + 13, target + 13, 3);
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

void ng_ndp_solicit(unsigned char out[NG_NS_LEN], const unsigned char sha[6],
		    const unsigned char src[16], const unsigned char target[16])
{
	unsigned char *ns = out + IP6_HDR, group[16], mac[6];
	uint16_t sum;

	ng_ndp_group(target, group, mac);
	memset(out, 0, NG_NS_LEN);
	out[0] = 0x60;				/* version 6 */
	out[5] = NG_NS_LEN - IP6_HDR;		/* payload length */
	out[6] = NH_ICMP6;
	out[7] = 255;				/* a neighbour takes only hop limit 255 */
	memcpy(out + 8, src, 16);
	memcpy(out + 24, group, 16);
	ns[0] = ND_SOLICIT;
	memcpy(ns + 8, target, 16);
	ns[24] = OPT_SOURCE_LLADDR;
	ns[25] = 1;				/* in units of 8 bytes */
	memcpy(ns + 26, sha, 6);
	sum = icmp6_sum(src, group, ns, NG_NS_LEN - IP6_HDR);
	ns[2] = (unsigned char)(sum >> 8);
	ns[3] = (unsigned char)sum;
}

int ng_ndp_parse_advert(const void *buf, size_t len, unsigned char target[16])
{
	const unsigned char *p = buf, *icmp = p + IP6_HDR;
	size_t plen;

	if (len < IP6_HDR + 24 || (p[0] >> 4) != 6 || p[6] != NH_ICMP6)
		return -EINVAL;
	plen = (size_t)(p[4] << 8 | p[5]);
	/* RFC 4861 7.1.2: hop limit 255 (from the link itself), code 0, 24 bytes at least,
	 * and a good checksum. */
	if (plen < 24 || IP6_HDR + plen > len || p[7] != 255 || icmp[0] != ND_ADVERT ||
	    icmp[1] != 0 || icmp6_sum(p + 8, p + 24, icmp, plen) != 0)
		return -EINVAL;
	memcpy(target, icmp + 8, 16);
	return 0;
}
