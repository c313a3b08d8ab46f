/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portset.c: the rtnetlink requests that put a port's place back: link settings, master,
 * bridge port options and VLANs, bond options, addresses, routes. */
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"

static void link_req(struct ng_nlreq *q, uint16_t type, uint16_t flags, int family, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = (unsigned char)family, .ifi_index = ifindex };

	ng_nlreq_init(q, type, flags, &ifi, sizeof(ifi));
}

int ng_portset_u32(int fd, int ifindex, uint16_t attr, uint32_t v, struct ng_err *err)
{
	struct ng_nlreq q;

	link_req(&q, RTM_SETLINK, 0, AF_UNSPEC, ifindex);
	ng_nlreq_u32(&q, attr, v);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

int ng_portset_name(int fd, int ifindex, const char *name, struct ng_err *err)
{
	struct ng_nlreq q;

	link_req(&q, RTM_SETLINK, 0, AF_UNSPEC, ifindex);
	ng_nlreq_str(&q, IFLA_IFNAME, name);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

int ng_portset_up(int fd, int ifindex, bool up, struct ng_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = up ? IFF_UP : 0, .ifi_change = IFF_UP };
	struct ng_nlreq q;

	ng_nlreq_init(&q, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

int ng_portset_altname(int fd, int ifindex, const char *name, struct ng_err *err)
{
	struct ng_nlreq q;
	size_t nest;

	link_req(&q, RTM_NEWLINKPROP, NLM_F_EXCL, AF_UNSPEC, ifindex);
	nest = ng_nlreq_nest(&q, IFLA_PROP_LIST);
	ng_nlreq_str(&q, IFLA_ALT_IFNAME, name);
	ng_nlreq_end(&q, nest);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

/* One changelink of a bond: IFLA_INFO_DATA { attr = v }. */
int ng_portset_bond(int fd, int bond, uint16_t attr, uint32_t v, struct ng_err *err)
{
	struct ng_nlreq q;
	size_t info, data;

	link_req(&q, RTM_NEWLINK, 0, AF_UNSPEC, bond);
	info = ng_nlreq_nest(&q, IFLA_LINKINFO);
	ng_nlreq_str(&q, IFLA_INFO_KIND, "bond");
	data = ng_nlreq_nest(&q, IFLA_INFO_DATA);
	ng_nlreq_u32(&q, attr, v);
	ng_nlreq_end(&q, data);
	ng_nlreq_end(&q, info);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

int ng_portset_brflags(int fd, int ifindex, const struct ng_brflag *f, size_t n,
		       struct ng_err *err)
{
	struct ng_nlreq q;
	size_t nest;

	link_req(&q, RTM_SETLINK, 0, AF_BRIDGE, ifindex);
	nest = ng_nlreq_nest(&q, IFLA_PROTINFO);
	for (size_t i = 0; i < n; i++) {
		uint16_t attr;
		unsigned size;

		if (ng_brflag_attr(ng_brflag_name(f[i].attr), &attr, &size) < 0)
			continue;
		if (size == 1)
			ng_nlreq_u8(&q, attr, (uint8_t)f[i].value);
		else if (size == 2)
			ng_nlreq_u16(&q, attr, (uint16_t)f[i].value);
		else
			ng_nlreq_u32(&q, attr, f[i].value);
	}
	ng_nlreq_end(&q, nest);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

void ng_vlan_expand(const struct ng_vlanrange *v, size_t n, uint8_t *map)
{
	memset(map, 0, 4096);
	for (size_t i = 0; i < n; i++)
		for (unsigned vid = v[i].vid; vid <= v[i].end && vid < 4095; vid++)
			map[vid] = NG_VLAN_ON |
				   ((v[i].flags & BRIDGE_VLAN_INFO_PVID) ? NG_VLAN_PVID : 0) |
				   ((v[i].flags & BRIDGE_VLAN_INFO_UNTAGGED) ? NG_VLAN_UNTAGGED : 0);
}

static void put_vlan(struct ng_nlreq *q, uint16_t vid, uint16_t flags)
{
	struct bridge_vlan_info vi = { .flags = flags, .vid = vid };

	ng_nlreq_put(q, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
}

/* RTM_SETLINK (add) or RTM_DELLINK (remove) the vids where pick(vid) holds, in runs of equal
 * bits; a PVID stands alone (the kernel refuses it in a range). *n counts the vids. */
void ng_vlan_req(struct ng_nlreq *q, uint16_t type, int ifindex, const uint8_t *want,
		 const uint8_t *have, bool add, unsigned *n)
{
	size_t nest;

	*n = 0;
	link_req(q, type, 0, AF_BRIDGE, ifindex);
	nest = ng_nlreq_nest(q, IFLA_AF_SPEC);
	for (unsigned vid = 1; vid < 4095;) {
		uint8_t bits = add ? want[vid] : have[vid];
		bool pick = add ? want[vid] && want[vid] != have[vid] : have[vid] && !want[vid];
		unsigned end = vid;
		uint16_t flags;

		if (!pick) {
			vid++;
			continue;
		}
		while (!(bits & NG_VLAN_PVID) && end + 1 < 4095 &&
		       (add ? want[end + 1] == bits && want[end + 1] != have[end + 1] :
			have[end + 1] && !want[end + 1]))
			end++;
		flags = ((bits & NG_VLAN_PVID) ? BRIDGE_VLAN_INFO_PVID : 0) |
			((bits & NG_VLAN_UNTAGGED) ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
		if (!add)
			flags = 0;
		if (end == vid) {
			put_vlan(q, (uint16_t)vid, flags);
		} else {
			put_vlan(q, (uint16_t)vid, flags | BRIDGE_VLAN_INFO_RANGE_BEGIN);
			put_vlan(q, (uint16_t)end, flags | BRIDGE_VLAN_INFO_RANGE_END);
		}
		*n += end - vid + 1;
		vid = end + 1;
	}
	ng_nlreq_end(q, nest);
}

int ng_portset_vlans(int fd, int ifindex, uint16_t type, const uint8_t *want,
		     const uint8_t *have, bool add, unsigned *n, struct ng_err *err)
{
	struct ng_nlreq q;

	ng_vlan_req(&q, type, ifindex, want, have, add, n);
	return *n ? ng_nl_talk(fd, &q, NULL, NULL, NULL, err) : 0;
}

int ng_portset_addr(int fd, int ifindex, const struct ng_portaddr *a, const char *label,
		    struct ng_err *err)
{
	struct ifaddrmsg ifa = { .ifa_family = a->family, .ifa_prefixlen = a->prefixlen,
				 .ifa_flags = (uint8_t)a->flags, .ifa_scope = a->scope,
				 .ifa_index = (uint32_t)ifindex };
	size_t n = a->family == AF_INET ? 4 : 16;
	struct ng_nlreq q;

	ng_nlreq_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (a->has_local)
		ng_nlreq_put(&q, IFA_LOCAL, a->local, n);
	if (a->has_address)
		ng_nlreq_put(&q, IFA_ADDRESS, a->address, n);
	if (a->has_brd)
		ng_nlreq_put(&q, IFA_BROADCAST, a->brd, n);
	if (a->family == AF_INET && label[0])
		ng_nlreq_str(&q, IFA_LABEL, label);
	ng_nlreq_u32(&q, IFA_FLAGS, a->flags & ~(uint32_t)(IFA_F_TENTATIVE | IFA_F_DADFAILED |
							    IFA_F_DEPRECATED));
	if (a->valid != UINT32_MAX) {
		struct ifa_cacheinfo ci = { .ifa_prefered = a->preferred, .ifa_valid = a->valid };

		ng_nlreq_put(&q, IFA_CACHEINFO, &ci, sizeof(ci));
	}
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

int ng_portset_route(int fd, int oif, const struct ng_portroute *r, struct ng_err *err)
{
	struct rtmsg rt = { .rtm_family = r->family, .rtm_dst_len = r->dst_len, .rtm_tos = r->tos,
			    .rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
			    .rtm_protocol = r->protocol, .rtm_scope = r->scope,
			    .rtm_type = r->type, .rtm_flags = r->rtm_flags & RTNH_F_ONLINK };
	size_t n = r->family == AF_INET ? 4 : 16;
	struct ng_nlreq q;

	ng_nlreq_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	ng_nlreq_u32(&q, RTA_TABLE, r->table);
	if (r->has_dst)
		ng_nlreq_put(&q, RTA_DST, r->dst, n);
	if (r->has_gw)
		ng_nlreq_put(&q, RTA_GATEWAY, r->gw, n);
	if (r->has_prefsrc)
		ng_nlreq_put(&q, RTA_PREFSRC, r->prefsrc, n);
	if (r->has_priority)
		ng_nlreq_u32(&q, RTA_PRIORITY, r->priority);
	ng_nlreq_u32(&q, RTA_OIF, (uint32_t)oif);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}
