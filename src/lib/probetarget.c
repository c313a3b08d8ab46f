/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probetarget.c: which ports nicguard-watch's reachability probe watches, and what it asks
 * each for: the default gateway of the bridge or address the port serves, or the neighbours
 * the policy names. Read from rtnetlink (links, IPv4 addresses and routes) at each round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "nicguard.h"
#include "internal.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* carrier (linux/if.h; net/if.h does not have it) */
#endif

#define MAX_ADDRS 256		/* IPv4 addresses of the namespace kept for the lookup */

struct v4addr {
	int ifindex;
	uint32_t addr;		/* network byte order */
	uint8_t prefixlen;
};

/* A default route through a gateway, IPv4 or IPv6. */
struct gwroute {
	uint8_t family;
	int oif;
	unsigned char gw[16];	/* network byte order; IPv4 in the first 4 bytes */
	uint32_t priority;
};

struct v6addr {
	int ifindex;
	unsigned char addr[16];
	bool link_local;
};


struct tables {
	struct ng_nl_link *links;
	size_t nlinks;
	struct v4addr addrs[MAX_ADDRS];
	size_t naddrs;
	struct gwroute gw[NG_PROBE_ADDRS_MAX * 8];	/* default routes, both families */
	size_t ngw;
	struct v6addr addrs6[MAX_ADDRS];
	size_t naddrs6;
};

static int on_addr(const struct nlmsghdr *h, void *arg)
{
	struct tables *t = arg;
	struct ng_portaddr a;

	if (ng_portnl_addr(h, h->nlmsg_len, &a) < 0)
		return 0;
	/* An address still in duplicate address detection (or failed it) cannot answer. */
	if (a.family == AF_INET6 && t->naddrs6 < MAX_ADDRS &&
	    !(a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) {
		struct v6addr *v = &t->addrs6[t->naddrs6++];

		v->ifindex = a.ifindex;
		memcpy(v->addr, a.has_local ? a.local : a.address, 16);
		v->link_local = v->addr[0] == 0xfe && (v->addr[1] & 0xc0) == 0x80;
	} else if (a.family == AF_INET && t->naddrs < MAX_ADDRS) {
		t->addrs[t->naddrs].ifindex = a.ifindex;
		memcpy(&t->addrs[t->naddrs].addr, a.has_local ? a.local : a.address, 4);
		t->addrs[t->naddrs++].prefixlen = a.prefixlen;
	}
	return 0;
}

/* The main table's default routes through a gateway, IPv4 and IPv6 (what `ip route` and
 * `ip -6 route` show first). */
static int on_route(const struct nlmsghdr *h, void *arg)
{
	struct tables *t = arg;
	struct ng_portroute r;

	if (ng_portnl_route(h, h->nlmsg_len, &r) < 0 || r.dst_len || r.table != RT_TABLE_MAIN ||
	    r.type != RTN_UNICAST || !r.has_gw || r.multipath ||
	    (r.family != AF_INET && r.family != AF_INET6) || t->ngw == NG_ARRAY_SIZE(t->gw))
		return 0;
	t->gw[t->ngw].family = r.family;
	t->gw[t->ngw].oif = r.oif;
	memcpy(t->gw[t->ngw].gw, r.gw, r.family == AF_INET ? 4 : 16);
	t->gw[t->ngw++].priority = r.has_priority ? r.priority : 0;
	return 0;
}

static int dump(int fd, uint16_t type, const void *hdr, size_t hdrlen,
		int (*cb)(const struct nlmsghdr *, void *), void *arg, struct ng_err *err)
{
	struct ng_nlreq *q = malloc(sizeof(*q));
	int r;

	if (!q)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	ng_nlreq_init(q, type, NLM_F_DUMP, hdr, hdrlen);
	r = ng_nl_talk(fd, q, cb, arg, NULL, err);
	free(q);
	return r;
}

static int read_tables(struct tables *t, struct ng_err *err)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET }, ifa6 = { .ifa_family = AF_INET6 };
	struct rtmsg rt = { .rtm_family = AF_INET }, rt6 = { .rtm_family = AF_INET6 };
	int fd = ng_nl_open(err), r;

	if (fd < 0)
		return fd;
	r = ng_nl_dump_links(fd, &t->links, &t->nlinks, err);
	if (r == 0)
		r = dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), on_addr, t, err);
	if (r == 0)
		r = dump(fd, RTM_GETROUTE, &rt, sizeof(rt), on_route, t, err);
	/* A host without IPv6 (disabled, or no such family) answers these with an error:
	 * nothing of IPv6 then, not a failed round. */
	if (r == 0 && dump(fd, RTM_GETADDR, &ifa6, sizeof(ifa6), on_addr, t, NULL) == 0)
		(void)dump(fd, RTM_GETROUTE, &rt6, sizeof(rt6), on_route, t, NULL);
	close(fd);
	return r;
}

static const struct ng_nl_link *link_at(const struct tables *t, int ifindex)
{
	for (size_t i = 0; ifindex > 0 && i < t->nlinks; i++)
		if (t->links[i].ifindex == ifindex)
			return &t->links[i];
	return NULL;
}

static bool has_addr(const struct tables *t, int ifindex)
{
	for (size_t i = 0; i < t->naddrs; i++)
		if (t->addrs[i].ifindex == ifindex)
			return true;
	return false;
}

/* An IPv6 address other than link-local: what says the device serves an IPv6 network (a
 * link-local address is on every device that is up). */
static bool has_addr6(const struct tables *t, int ifindex)
{
	for (size_t i = 0; i < t->naddrs6; i++)
		if (t->addrs6[i].ifindex == ifindex && !t->addrs6[i].link_local)
			return true;
	return false;
}

/* The source of a solicitation from ifindex: its link-local address (a gateway learnt
 * from router advertisements is link-local, and answers one), else its first. */
static bool source6_for(const struct tables *t, int ifindex, unsigned char out[16])
{
	const struct v6addr *pick = NULL;

	for (size_t i = 0; i < t->naddrs6; i++) {
		const struct v6addr *a = &t->addrs6[i];

		if (a->ifindex == ifindex && (!pick || (a->link_local && !pick->link_local)))
			pick = a;
	}
	if (pick)
		memcpy(out, pick->addr, 16);
	return pick != NULL;
}

/* The address of ifindex in the subnet of dst; 0: none. */
static uint32_t on_subnet(const struct tables *t, int ifindex, uint32_t dst)
{
	for (size_t i = 0; i < t->naddrs; i++) {
		const struct v4addr *a = &t->addrs[i];
		uint32_t mask = a->prefixlen ? htonl(~0u << (32 - a->prefixlen)) : 0;

		if (a->ifindex == ifindex && ((a->addr ^ dst) & mask) == 0)
			return a->addr;
	}
	return 0;
}

/* The address of ifindex in the subnet of dst, else its first one, else 0. */
static uint32_t source_for(const struct tables *t, int ifindex, uint32_t dst)
{
	uint32_t a = on_subnet(t, ifindex, dst);

	for (size_t i = 0; !a && i < t->naddrs; i++)
		if (t->addrs[i].ifindex == ifindex)
			a = t->addrs[i].addr;
	return a;
}

/* A device that holds an address the port serves, and the VLAN its frames carry on the port
 * (0: untagged). */
struct serve {
	const struct ng_nl_link *dev;
	uint16_t vlan;
};

#define SERVE_MAX 16

/* The devices holding an address the port serves, nearest first: the port, the bridge or
 * bond over it, the bridge over that bond (Proxmox VE: eno1 in bond0 in vmbr0); then the
 * 802.1Q VLAN devices on any of those (vmbr0.10 on a VLAN-aware vmbr0, bond0.10, eno1.10)
 * and the bridge over such a VLAN device (vmbr0v10 over eno1.10). holds says which
 * family's address counts. */
static size_t serving(const struct tables *t, const struct ng_nl_link *port, struct serve *out,
		      bool (*holds)(const struct tables *, int))
{
	const struct ng_nl_link *chain[3];
	size_t nchain = 0, n = 0;

	for (const struct ng_nl_link *l = port; l && nchain < 3; l = link_at(t, l->master))
		chain[nchain++] = l;
	for (size_t i = 0; i < nchain; i++)
		if (holds(t, chain[i]->ifindex))
			out[n++] = (struct serve){ chain[i], 0 };
	for (size_t i = 0; i < nchain; i++)
		for (size_t j = 0; j < t->nlinks && n < SERVE_MAX - 1; j++) {
			const struct ng_nl_link *v = &t->links[j], *m;

			if (!v->vlan_id || v->link != chain[i]->ifindex)
				continue;
			if (holds(t, v->ifindex))
				out[n++] = (struct serve){ v, v->vlan_id };
			m = link_at(t, v->master);
			if (m && holds(t, m->ifindex))
				out[n++] = (struct serve){ m, v->vlan_id };
		}
	return n;
}

/* "aa:bb:cc:dd:ee:ff" (as ng_nl_link holds it) into 6 bytes; zeros when it is not one. */
static void mac_bytes(const char *text, unsigned char mac[6])
{
	const char *p = text;

	memset(mac, 0, 6);
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long v = strtoul(p, &end, 16);

		if (end == p || end - p > 2 || v > 0xff || *end != (i < 5 ? ':' : '\0')) {
			memset(mac, 0, 6);
			return;
		}
		mac[i] = (unsigned char)v;
		p = end + 1;
	}
}

/* The lowest-metric default route of family through any of the ns devices in sv, as the
 * kernel chooses, with *via the device it goes through; NULL: none. */
static const struct gwroute *best_gateway(const struct tables *t, const struct serve *sv,
					  size_t ns, uint8_t family, const struct serve **via)
{
	const struct gwroute *best = NULL;

	for (size_t i = 0; i < t->ngw; i++)
		for (size_t k = 0; k < ns; k++)
			if (t->gw[i].family == family && t->gw[i].oif == sv[k].dev->ifindex &&
			    (!best || t->gw[i].priority < best->priority)) {
				best = &t->gw[i];
				*via = &sv[k];
			}
	return best;
}

/* probe = gateway for a port that serves IPv6 only: the IPv6 default gateway of a device
 * serving it, asked for by neighbour solicitation. false: none. */
static bool aim6(const struct tables *t, const struct ng_nl_link *l, struct ng_probe_target *pt)
{
	struct serve sv[SERVE_MAX];
	size_t ns = serving(t, l, sv, has_addr6);
	const struct serve *via = NULL;
	const struct gwroute *best = best_gateway(t, sv, ns, AF_INET6, &via);

	if (!best || !source6_for(t, via->dev->ifindex, pt->sip6))
		return false;
	memcpy(pt->tip6, best->gw, 16);
	pt->v6 = pt->gateway = true;
	pt->ntips = 1;
	pt->vlan = via->vlan;
	snprintf(pt->via, sizeof(pt->via), "%s", via->dev->name);
	return true;
}

/* What to ask for on port l, with options o. */
static void aim(const struct tables *t, const struct ng_nl_link *l, const struct ng_watch_opts *o,
		struct ng_probe_target *pt)
{
	struct serve sv[SERVE_MAX];
	size_t ns = serving(t, l, sv, has_addr);
	const struct serve *via = ns ? &sv[0] : NULL;
	const struct gwroute *best = NULL;

	/* Its ARP would carry the bond's MAC from the standby port: the switch would then send
	 * the host's traffic to a port the bond drops it on. The active port is probed. */
	if (l->bond_backup) {
		snprintf(pt->why, sizeof(pt->why), "standby port of an active-backup bond: ARP "
			 "from it would move the bond's MAC");
		return;
	}
	if (o->probe == NG_PROBE_ADDRS) {
		memcpy(pt->tips, o->probe_addrs, sizeof(pt->tips));
		pt->ntips = o->nprobe_addrs;
		/* The device on the first neighbour's subnet speaks for the port (its VLAN). */
		for (size_t i = 0; i < ns; i++)
			if (on_subnet(t, sv[i].dev->ifindex, pt->tips[0])) {
				via = &sv[i];
				break;
			}
	} else {
		best = best_gateway(t, sv, ns, AF_INET, &via);
		if (!best && aim6(t, l, pt))
			return;
		if (!best && !via) {
			snprintf(pt->why, sizeof(pt->why), "no IPv4 address nor IPv6 default gateway "
				 "on %s or a device over it", l->name);
			return;
		}
		if (!best) {
			snprintf(pt->why, sizeof(pt->why), "no default gateway through %s%s",
				 via->dev->name, ns > 1 ? " or the others serving it" : "");
			return;
		}
		memcpy(&pt->tips[0], best->gw, 4);
		pt->ntips = 1;
		pt->gateway = true;
	}
	if (!via)
		return;
	snprintf(pt->via, sizeof(pt->via), "%s", via->dev->name);
	pt->vlan = via->vlan;
	pt->sip = source_for(t, via->dev->ifindex, pt->tips[0]);
}

/* A candidate port: not loopback, not a bridge, bond, VLAN, tunnel or other software
 * device stacked on ports, not a guest's own device. Its options decide the rest. */
static bool candidate(const struct ng_nl_link *l)
{
	return !(l->flags & IFF_LOOPBACK) && (!l->kind[0] || strcmp(l->kind, "veth") == 0) &&
	       !ng_hist_guest_dev(l->name);
}

static int add_target(const struct ng_ctx *ctx, const struct ng_policy *p, const struct tables *t,
		      const struct ng_nl_link *l, struct ng_probe_target **out, size_t *n)
{
	struct ng_probe_target *v, *pt;
	struct ng_watch_opts o;
	struct ng_iface ifc;

	if (ng_iface_read(ctx, l->name, &ifc, NULL) < 0)
		return 0;
	ng_watch_opts_resolve(p, &ifc, &o);
	/* A port with a bus device (a NIC), or one the policy names (a veth, in tests). */
	if (o.probe == NG_PROBE_NONE || (ifc.kind != NG_KIND_PHYSICAL && !o.probe_named))
		return 0;
	v = realloc(*out, (*n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*out = v;
	pt = &v[(*n)++];
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->port, sizeof(pt->port), "%s", l->name);
	pt->ifindex = l->ifindex;
	mac_bytes(l->mac, pt->mac);
	pt->link_ok = (l->flags & IFF_UP) && (l->flags & IFF_LOWER_UP);
	pt->failures = o.probe_failures;
	aim(t, l, &o, pt);
	return 0;
}

int ng_probe_targets(const struct ng_ctx *ctx, const struct ng_policy *p,
		     struct ng_probe_target **out, size_t *n, struct ng_err *err)
{
	struct tables *t = calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	*n = 0;
	if (!t)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	r = read_tables(t, err);
	for (size_t i = 0; r == 0 && i < t->nlinks; i++)
		if (candidate(&t->links[i]) &&
		    add_target(ctx, p, t, &t->links[i], out, n) < 0)
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	free(t->links);
	free(t);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}
