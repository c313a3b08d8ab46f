/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portnl.c: what rtnetlink answers say about a port's place (link, bridge port, addresses,
 * routes), parsed from untrusted bytes. Pure: no socket, no path. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"

/* Bridge port options nicguard puts back, named as `bridge link set` names them. Keep
 * sorted by name: ng_brflag_attr searches it, and a unit test checks the order. */
static const struct brflag {
	const char *name;
	uint16_t attr;
	uint8_t size;		/* bytes: 1 (u8), 2 (u16) or 4 (u32) */
} brflags[] = {
	{ "bcast-flood", IFLA_BRPORT_BCAST_FLOOD, 1 },
	{ "cost", IFLA_BRPORT_COST, 4 },
	{ "fastleave", IFLA_BRPORT_FAST_LEAVE, 1 },
	{ "flood", IFLA_BRPORT_UNICAST_FLOOD, 1 },
	{ "guard", IFLA_BRPORT_GUARD, 1 },
	{ "hairpin", IFLA_BRPORT_MODE, 1 },
	{ "isolated", IFLA_BRPORT_ISOLATED, 1 },
	{ "learning", IFLA_BRPORT_LEARNING, 1 },
	{ "locked", IFLA_BRPORT_LOCKED, 1 },
	{ "mcast-flood", IFLA_BRPORT_MCAST_FLOOD, 1 },
	{ "mcast-router", IFLA_BRPORT_MULTICAST_ROUTER, 1 },
	{ "mcast-to-unicast", IFLA_BRPORT_MCAST_TO_UCAST, 1 },
	{ "neigh-suppress", IFLA_BRPORT_NEIGH_SUPPRESS, 1 },
	{ "priority", IFLA_BRPORT_PRIORITY, 2 },
	{ "proxy-arp", IFLA_BRPORT_PROXYARP, 1 },
	{ "proxy-arp-wifi", IFLA_BRPORT_PROXYARP_WIFI, 1 },
	{ "root-block", IFLA_BRPORT_PROTECT, 1 },
	{ "state", IFLA_BRPORT_STATE, 1 },
	{ "vlan-tunnel", IFLA_BRPORT_VLAN_TUNNEL, 1 },
};

bool ng_portnl_tables_sorted(void)
{
	return ng_table_sorted(brflags, NG_ARRAY_SIZE(brflags), sizeof(brflags[0]));
}

const char *ng_brflag_name(uint16_t attr)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(brflags); i++)
		if (brflags[i].attr == attr)
			return brflags[i].name;
	return NULL;
}

int ng_brflag_attr(const char *name, uint16_t *attr, unsigned *size)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(brflags); i++) {
		if (strcmp(brflags[i].name, name) == 0) {
			*attr = brflags[i].attr;
			*size = brflags[i].size;
			return 0;
		}
	}
	return -ENOENT;
}

static int attr_uint(const unsigned char *a, unsigned size, uint32_t *v)
{
	uint8_t b;
	uint16_t w;

	switch (size) {
	case 1:
		if (ng_nla_u8(a, &b) < 0)
			return -EINVAL;
		*v = b;
		return 0;
	case 2:
		if (ng_nla_u16(a, &w) < 0)
			return -EINVAL;
		*v = w;
		return 0;
	default:
		return ng_nla_u32(a, v);
	}
}

/* IFLA_PROP_LIST: every IFLA_ALT_IFNAME in it (as many as fit). */
static void parse_altnames(const unsigned char *list, struct ng_portlink *l)
{
	const unsigned char *p = ng_nla_data(list), *a;
	size_t len = ng_nla_len(list);

	while ((a = ng_nla_next(&p, &len)) != NULL) {
		if (ng_nla_type(a) != IFLA_ALT_IFNAME || l->naltnames == NG_PORT_ALTNAMES)
			continue;
		if (ng_nla_str(a, l->altnames[l->naltnames], sizeof(l->altnames[0])) == 0 &&
		    l->altnames[l->naltnames][0])
			l->naltnames++;
	}
}

/* IFLA_INFO_DATA of a bond or a bridge; IFLA_INFO_SLAVE_DATA of a bond slave. */
static void parse_info_data(const unsigned char *data, const char *kind, struct ng_portlink *l)
{
	const unsigned char *tb[64];
	uint32_t v;

	if (!data || ng_nla_parse(ng_nla_data(data), ng_nla_len(data), tb, NG_ARRAY_SIZE(tb)) < 0)
		return;
	if (strcmp(kind, "bond") == 0) {
		(void)ng_nla_u8(tb[IFLA_BOND_MODE], &l->bond_mode);
		if (ng_nla_u32(tb[IFLA_BOND_ACTIVE_SLAVE], &v) == 0)
			l->bond_active = (int)v;
		if (ng_nla_u32(tb[IFLA_BOND_PRIMARY], &v) == 0)
			l->bond_primary = (int)v;
	} else if (strcmp(kind, "bridge") == 0) {
		uint8_t f = 0;

		(void)ng_nla_u8(tb[IFLA_BR_VLAN_FILTERING], &f);
		l->vlan_filtering = f != 0;
		(void)ng_nla_u32(tb[IFLA_BR_STP_STATE], &l->stp_state);
	}
}

static void parse_linkinfo(const unsigned char *info, struct ng_portlink *l)
{
	const unsigned char *li[IFLA_INFO_MAX + 1], *sd[IFLA_BOND_SLAVE_MAX + 1];

	if (ng_nla_parse(ng_nla_data(info), ng_nla_len(info), li, NG_ARRAY_SIZE(li)) < 0)
		return;
	if (ng_nla_str(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind)) == 0)
		parse_info_data(li[IFLA_INFO_DATA], l->kind, l);
	if (ng_nla_str(li[IFLA_INFO_SLAVE_KIND], l->slave_kind, sizeof(l->slave_kind)) < 0 ||
	    strcmp(l->slave_kind, "bond") != 0 || !li[IFLA_INFO_SLAVE_DATA] ||
	    ng_nla_parse(ng_nla_data(li[IFLA_INFO_SLAVE_DATA]), ng_nla_len(li[IFLA_INFO_SLAVE_DATA]),
			 sd, NG_ARRAY_SIZE(sd)) < 0)
		return;
	/* A bond gives its slaves its own MAC: the slave's own is kept here. */
	if (sd[IFLA_BOND_SLAVE_PERM_HWADDR])
		ng_nla_hwaddr(sd[IFLA_BOND_SLAVE_PERM_HWADDR], l->permaddr, sizeof(l->permaddr));
}

int ng_portnl_link(const void *msg, size_t len, struct ng_portlink *l)
{
	const unsigned char *tb[IFLA_MAX + 1];
	struct ifinfomsg ifi;

	memset(l, 0, sizeof(*l));
	if (ng_nlmsg_attrs(msg, len, RTM_NEWLINK, &ifi, sizeof(ifi), tb, NG_ARRAY_SIZE(tb)) < 0 ||
	    ng_nla_str(tb[IFLA_IFNAME], l->name, sizeof(l->name)) < 0 || ifi.ifi_index <= 0)
		return -EINVAL;
	l->ifindex = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	(void)ng_nla_u32(tb[IFLA_MTU], &l->mtu);
	if (ng_nla_u32(tb[IFLA_MASTER], (uint32_t *)&l->master) < 0)
		l->master = 0;
	if (ng_nla_u32(tb[IFLA_LINK], (uint32_t *)&l->link) < 0)
		l->link = 0;
	if (tb[IFLA_ADDRESS])
		ng_nla_hwaddr(tb[IFLA_ADDRESS], l->mac, sizeof(l->mac));
	if (tb[IFLA_PERM_ADDRESS])
		ng_nla_hwaddr(tb[IFLA_PERM_ADDRESS], l->permaddr, sizeof(l->permaddr));
	if (tb[IFLA_PROP_LIST])
		parse_altnames(tb[IFLA_PROP_LIST], l);
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], l);
	return 0;
}

/* IFLA_AF_SPEC of an AF_BRIDGE answer: the VLANs as ranges (RTEXT_FILTER_BRVLAN_COMPRESSED
 * sends RANGE_BEGIN/RANGE_END pairs; single VLANs stand alone). */
static void parse_vlans(const unsigned char *spec, struct ng_portbr *b)
{
	const unsigned char *p = ng_nla_data(spec), *a;
	size_t len = ng_nla_len(spec);
	uint16_t begin = 0;

	b->have_vlans = true;
	while ((a = ng_nla_next(&p, &len)) != NULL) {
		struct bridge_vlan_info vi;
		uint16_t flags;

		if (ng_nla_type(a) != IFLA_BRIDGE_VLAN_INFO || ng_nla_len(a) < sizeof(vi))
			continue;
		memcpy(&vi, ng_nla_data(a), sizeof(vi));
		if (vi.vid < 1 || vi.vid > 4094)
			continue;
		if (vi.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			begin = vi.vid;
			continue;
		}
		flags = vi.flags & (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
		if (!(vi.flags & BRIDGE_VLAN_INFO_RANGE_END) || begin == 0 || begin > vi.vid)
			begin = vi.vid;
		if (b->nvlans < NG_PORT_VLANS)
			b->vlans[b->nvlans++] = (struct ng_vlanrange){ begin, vi.vid, flags };
		else
			b->vlans_cut = true;
		begin = 0;
	}
}

int ng_portnl_bridge(const void *msg, size_t len, struct ng_portbr *b)
{
	const unsigned char *tb[IFLA_MAX + 1], *pt[IFLA_BRPORT_MAX + 1];
	struct ifinfomsg ifi;

	memset(b, 0, sizeof(*b));
	if (ng_nlmsg_attrs(msg, len, RTM_NEWLINK, &ifi, sizeof(ifi), tb, NG_ARRAY_SIZE(tb)) < 0 ||
	    ifi.ifi_family != AF_BRIDGE || ifi.ifi_index <= 0)
		return -EINVAL;
	b->ifindex = ifi.ifi_index;
	if (ng_nla_u32(tb[IFLA_MASTER], (uint32_t *)&b->master) < 0)
		b->master = 0;
	if (tb[IFLA_PROTINFO] &&
	    ng_nla_parse(ng_nla_data(tb[IFLA_PROTINFO]), ng_nla_len(tb[IFLA_PROTINFO]), pt,
			 NG_ARRAY_SIZE(pt)) == 0) {
		for (size_t i = 0; i < NG_ARRAY_SIZE(brflags); i++) {
			uint32_t v;

			if (brflags[i].attr < NG_ARRAY_SIZE(pt) &&
			    attr_uint(pt[brflags[i].attr], brflags[i].size, &v) == 0)
				b->flags[b->nflags++] = (struct ng_brflag){ brflags[i].attr, v };
		}
	}
	if (tb[IFLA_AF_SPEC])
		parse_vlans(tb[IFLA_AF_SPEC], b);
	return 0;
}

/* An address attribute of the family's size into out. */
static bool inaddr(const unsigned char *a, uint8_t family, unsigned char *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (!a || ng_nla_len(a) != n)
		return false;
	memcpy(out, ng_nla_data(a), n);
	return true;
}

int ng_portnl_addr(const void *msg, size_t len, struct ng_portaddr *a)
{
	const unsigned char *tb[IFA_MAX + 1];
	struct ifaddrmsg ifa;
	uint32_t flags;

	memset(a, 0, sizeof(*a));
	if (ng_nlmsg_attrs(msg, len, RTM_NEWADDR, &ifa, sizeof(ifa), tb, NG_ARRAY_SIZE(tb)) < 0 ||
	    (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6) ||
	    ifa.ifa_prefixlen > (ifa.ifa_family == AF_INET ? 32 : 128))
		return -EINVAL;
	a->family = ifa.ifa_family;
	a->prefixlen = ifa.ifa_prefixlen;
	a->scope = ifa.ifa_scope;
	a->ifindex = (int)ifa.ifa_index;
	a->flags = ng_nla_u32(tb[IFA_FLAGS], &flags) == 0 ? flags : ifa.ifa_flags;
	a->has_local = inaddr(tb[IFA_LOCAL], a->family, a->local);
	a->has_address = inaddr(tb[IFA_ADDRESS], a->family, a->address);
	a->has_brd = inaddr(tb[IFA_BROADCAST], a->family, a->brd);
	if (!a->has_local && !a->has_address)
		return -EINVAL;
	(void)ng_nla_str(tb[IFA_LABEL], a->label, sizeof(a->label));
	a->valid = a->preferred = UINT32_MAX;
	if (tb[IFA_CACHEINFO] && ng_nla_len(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
		struct ifa_cacheinfo ci;

		memcpy(&ci, ng_nla_data(tb[IFA_CACHEINFO]), sizeof(ci));
		a->valid = ci.ifa_valid;
		a->preferred = ci.ifa_prefered;
	}
	return 0;
}

int ng_portnl_route(const void *msg, size_t len, struct ng_portroute *r)
{
	const unsigned char *tb[RTA_MAX + 1];
	struct rtmsg rt;
	uint32_t v;

	memset(r, 0, sizeof(*r));
	if (ng_nlmsg_attrs(msg, len, RTM_NEWROUTE, &rt, sizeof(rt), tb, NG_ARRAY_SIZE(tb)) < 0 ||
	    (rt.rtm_family != AF_INET && rt.rtm_family != AF_INET6) ||
	    rt.rtm_dst_len > (rt.rtm_family == AF_INET ? 32 : 128))
		return -EINVAL;
	r->family = rt.rtm_family;
	r->dst_len = rt.rtm_dst_len;
	r->tos = rt.rtm_tos;
	r->protocol = rt.rtm_protocol;
	r->scope = rt.rtm_scope;
	r->type = rt.rtm_type;
	r->rtm_flags = rt.rtm_flags;
	r->table = ng_nla_u32(tb[RTA_TABLE], &v) == 0 ? v : rt.rtm_table;
	if (ng_nla_u32(tb[RTA_OIF], &v) == 0)
		r->oif = (int)v;
	r->has_priority = ng_nla_u32(tb[RTA_PRIORITY], &r->priority) == 0;
	r->has_dst = inaddr(tb[RTA_DST], r->family, r->dst);
	r->has_gw = inaddr(tb[RTA_GATEWAY], r->family, r->gw);
	r->has_prefsrc = inaddr(tb[RTA_PREFSRC], r->family, r->prefsrc);
	r->multipath = tb[RTA_MULTIPATH] != NULL;
	return 0;
}
