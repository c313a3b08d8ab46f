/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portstate.c: a port's place in the network (master, bridge port options and VLANs, bond
 * role, MTU, up state, addresses, routes, alternative names), recorded from rtnetlink before
 * a bounce or a rebind (portrestore.c puts it back). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <net/if.h>
#include <time.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"


const char *ng_portstate_name(const struct ng_portstate *ps)
{
	return ps->link.name;
}

const char *ng_port_key(const char *busdev, const char *name)
{
	return busdev[0] ? busdev : name;
}

const char *ng_portstate_key(const struct ng_portstate *ps)
{
	return ng_port_key(ps->busdev, ps->link.name);
}

void ng_portstate_free(struct ng_portstate *ps)
{
	free(ps);
}

/* ------------------------------------------------------------------ asking */

struct one_link {
	struct ng_portlink *l;
	bool found;
};

static int on_link(const struct nlmsghdr *h, void *arg)
{
	struct one_link *o = arg;

	if (!o->found && ng_portnl_link(h, h->nlmsg_len, o->l) == 0)
		o->found = true;
	return 0;
}

/* The link of that ifindex, or of that name when name is not NULL. */
int ng_portget_link(int fd, int ifindex, const char *name, struct ng_portlink *l,
		    struct ng_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = name ? 0 : ifindex };
	struct one_link o = { .l = l };
	struct ng_nlreq q;
	int r;

	ng_nlreq_init(&q, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	ng_nlreq_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (name)
		ng_nlreq_str(&q, IFLA_IFNAME, name);
	r = ng_nl_talk(fd, &q, on_link, &o, NULL, err);
	if (r == 0 && !o.found)
		r = ng_err_set(err, -ENODEV, NULL, 0, "no link in the answer");
	return r;
}

struct one_br {
	struct ng_portbr *b;
	int ifindex;
	bool found;
};

static int on_br(const struct nlmsghdr *h, void *arg)
{
	struct one_br *o = arg;
	struct ng_portbr *b = malloc(sizeof(*b));

	if (!b)
		return -ENOMEM;
	if (!o->found && ng_portnl_bridge(h, h->nlmsg_len, b) == 0 && b->ifindex == o->ifindex) {
		*o->b = *b;
		o->found = true;
	}
	free(b);
	return 0;
}

/* A bridge port's options and VLANs: the kernel answers AF_BRIDGE only with a dump. */
int ng_portget_brport(int fd, int ifindex, struct ng_portbr *b, struct ng_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE };
	struct one_br o = { .b = b, .ifindex = ifindex };
	struct ng_nlreq q;
	int r;

	memset(b, 0, sizeof(*b));
	ng_nlreq_init(&q, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	ng_nlreq_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN_COMPRESSED);
	r = ng_nl_talk(fd, &q, on_br, &o, NULL, err);
	if (r == 0 && !o.found)
		r = ng_err_set(err, -ENODEV, NULL, 0, "ifindex %d is no bridge port", ifindex);
	return r;
}

/* Addresses the port holds that a bounce or a rebind loses and nothing else brings back:
 * IPv6 link-local and autoconfigured ones come back by themselves. */
static bool keep_addr(const struct ng_portaddr *a)
{
	if (a->family == AF_INET)
		return true;
	return a->scope != RT_SCOPE_LINK && (a->flags & IFA_F_PERMANENT) &&
	       !(a->flags & IFA_F_TEMPORARY);
}

static int on_addr(const struct nlmsghdr *h, void *arg)
{
	struct ng_portstate *ps = arg;
	struct ng_portaddr a;

	if (ng_portnl_addr(h, h->nlmsg_len, &a) < 0 || a.ifindex != ps->link.ifindex ||
	    !keep_addr(&a))
		return 0;
	if (ps->naddrs < NG_PORT_ADDRS)
		ps->addrs[ps->naddrs++] = a;
	return 0;
}

/* Routes through the port that its addresses do not bring back (kernel prefix routes do),
 * nor router advertisements; the local table is the kernel's own. */
static bool keep_route(const struct ng_portroute *r, int oif)
{
	return r->oif == oif && !r->multipath && !(r->rtm_flags & RTM_F_CLONED) &&
	       r->type == RTN_UNICAST && r->table != RT_TABLE_LOCAL &&
	       r->protocol != RTPROT_KERNEL && r->protocol != RTPROT_RA &&
	       r->protocol != RTPROT_REDIRECT;
}

static int on_route(const struct nlmsghdr *h, void *arg)
{
	struct ng_portstate *ps = arg;
	struct ng_portroute r;

	if (ng_portnl_route(h, h->nlmsg_len, &r) < 0 || !keep_route(&r, ps->link.ifindex))
		return 0;
	if (ps->nroutes < NG_PORT_ROUTES)
		ps->routes[ps->nroutes++] = r;
	return 0;
}

/* Kinds of device stacked on a port that go when the port goes. */
static bool upper_kind(const char *kind)
{
	static const char *const kinds[] = { "ipvlan", "macvlan", "macvtap", "vlan" };

	for (size_t i = 0; i < NG_ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

static int on_upper(const struct nlmsghdr *h, void *arg)
{
	struct ng_portstate *ps = arg;
	struct ng_portlink l;

	if (ng_portnl_link(h, h->nlmsg_len, &l) < 0 || l.link != ps->link.ifindex ||
	    l.ifindex == ps->link.ifindex || !upper_kind(l.kind) ||
	    ps->nuppers == NG_PORT_UPPERS)
		return 0;
	snprintf(ps->uppers[ps->nuppers].name, sizeof(ps->uppers[0].name), "%s", l.name);
	snprintf(ps->uppers[ps->nuppers].kind, sizeof(ps->uppers[0].kind), "%s", l.kind);
	ps->nuppers++;
	return 0;
}

static int dump(int fd, uint16_t type, const void *hdr, size_t hdrlen,
		int (*cb)(const struct nlmsghdr *, void *), void *arg, struct ng_err *err)
{
	struct ng_nlreq q;

	ng_nlreq_init(&q, type, NLM_F_DUMP, hdr, hdrlen);
	return ng_nl_talk(fd, &q, cb, arg, NULL, err);
}

/* ---------------------------------------------------------------- recording */

static int record_master(const struct ng_ctx *ctx, int fd, struct ng_portstate *ps,
			 struct ng_err *err)
{
	struct ng_portlink m, up;
	int r = ng_portget_link(fd, ps->link.master, NULL, &m, err);

	if (r < 0)
		return r;
	snprintf(ps->master, sizeof(ps->master), "%s", m.name);
	snprintf(ps->master_kind, sizeof(ps->master_kind), "%s", m.kind);
	if (strcmp(m.kind, "bridge") == 0) {
		snprintf(ps->bridge, sizeof(ps->bridge), "%s", m.name);
		ps->vlan_filtering = m.vlan_filtering;
		ps->stp_state = m.stp_state;
		return ng_portget_brport(fd, ps->link.ifindex, &ps->br, err);
	}
	if (strcmp(m.kind, "bond") == 0) {
		ps->bond_mode = m.bond_mode;
		ps->bond_primary = m.bond_primary == ps->link.ifindex;
		ps->bond_active = m.bond_active == ps->link.ifindex;
		/* The bond stays where it is; its bridge is named for the log and the check. */
		if (m.master > 0 && ng_portget_link(fd, m.master, NULL, &up, NULL) == 0 &&
		    strcmp(up.kind, "bridge") == 0)
			snprintf(ps->bridge, sizeof(ps->bridge), "%s", up.name);
	}
	ng_trace(ctx, "%s: in %s %s", ps->link.name, ps->master_kind, ps->master);
	return 0;
}

int ng_portstate_record(const struct ng_ctx *ctx, const char *ifname, struct ng_portstate **out,
			struct ng_err *err)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct rtmsg rt = { .rtm_family = AF_UNSPEC };
	struct ng_portstate *ps;
	struct ng_iface ifc;
	int fd, r;

	*out = NULL;
	if (!ng_ifname_valid(ifname))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	fd = ng_nl_open(err);
	if (fd < 0) {
		free(ps);
		return fd;
	}
	r = ng_portget_link(fd, 0, ifname, &ps->link, err);
	if (r == 0 && ng_iface_read(ctx, ifname, &ifc, NULL) == 0)
		snprintf(ps->busdev, sizeof(ps->busdev), "%s", ifc.bus_addr);
	if (r == 0 && ps->link.master > 0)
		r = record_master(ctx, fd, ps, err);
	if (r == 0)
		r = dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), on_addr, ps, err);
	if (r == 0)
		r = dump(fd, RTM_GETROUTE, &rt, sizeof(rt), on_route, ps, err);
	if (r == 0) {
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

		r = dump(fd, RTM_GETLINK, &ifi, sizeof(ifi), on_upper, ps, err);
	}
	close(fd);
	if (r < 0) {
		free(ps);
		return ng_err_set(err, r, NULL, 0, "%s: cannot record its place: %s", ifname,
				  err ? err->msg : strerror(-r));
	}
	*out = ps;
	return 0;
}
