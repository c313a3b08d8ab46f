/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portstate.c: a port's place in the network (master, bridge port options and VLANs, bond
 * role, MTU, up state, addresses, routes, alternative names), recorded from rtnetlink before
 * a bounce or a rebind and put back afterwards, in process. */
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

#define BOND_MODE_ACTIVEBACKUP 1	/* include/uapi/linux/if_bonding.h */
#define LOWER_UP 0x10000		/* IFF_LOWER_UP of linux/if.h (carrier) */

const char *ng_portstate_name(const struct ng_portstate *ps)
{
	return ps->link.name;
}

const char *ng_portstate_key(const struct ng_portstate *ps)
{
	return ps->busdev[0] ? ps->busdev : ps->link.name;
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
static int get_link(int fd, int ifindex, const char *name, struct ng_portlink *l,
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
static int get_brport(int fd, int ifindex, struct ng_portbr *b, struct ng_err *err)
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
	int r = get_link(fd, ps->link.master, NULL, &m, err);

	if (r < 0)
		return r;
	snprintf(ps->master, sizeof(ps->master), "%s", m.name);
	snprintf(ps->master_kind, sizeof(ps->master_kind), "%s", m.kind);
	if (strcmp(m.kind, "bridge") == 0) {
		snprintf(ps->bridge, sizeof(ps->bridge), "%s", m.name);
		ps->vlan_filtering = m.vlan_filtering;
		ps->stp_state = m.stp_state;
		return get_brport(fd, ps->link.ifindex, &ps->br, err);
	}
	if (strcmp(m.kind, "bond") == 0) {
		ps->bond_mode = m.bond_mode;
		ps->bond_primary = m.bond_primary == ps->link.ifindex;
		ps->bond_active = m.bond_active == ps->link.ifindex;
		/* The bond stays where it is; its bridge is named for the log and the check. */
		if (m.master > 0 && get_link(fd, m.master, NULL, &up, NULL) == 0 &&
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
	r = get_link(fd, 0, ifname, &ps->link, err);
	if (r == 0 && ng_iface_read(ctx, ifname, &ifc, NULL) == 0)
		snprintf(ps->busdev, sizeof(ps->busdev), "%s", ifc.bus_addr);
	if (r == 0 && ps->link.master > 0)
		r = record_master(ctx, fd, ps, err);
	if (r == 0)
		r = dump(fd, RTM_GETADDR, &ifa, sizeof(ifa), on_addr, ps, err);
	if (r == 0)
		r = dump(fd, RTM_GETROUTE, &rt, sizeof(rt), on_route, ps, err);
	close(fd);
	if (r < 0) {
		free(ps);
		return ng_err_set(err, r, NULL, 0, "%s: cannot record its place: %s", ifname,
				  err ? err->msg : strerror(-r));
	}
	*out = ps;
	return 0;
}

/* ------------------------------------------------------------- the report */

static void item(struct ng_restore *rep, const char *what, enum ng_restore_outcome o,
		 const char *detail, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void item(struct ng_restore *rep, const char *what, enum ng_restore_outcome o,
		 const char *detail, const char *fmt, ...)
{
	struct ng_restore_item *it;
	va_list ap;

	if (rep->n == NG_RESTORE_ITEMS)
		return;
	it = &rep->v[rep->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->what, sizeof(it->what), "%s", what);
	it->outcome = o;
	/* "File exists" says nothing more than "already". */
	snprintf(it->detail, sizeof(it->detail), "%s", detail && o != NG_RESTORE_ALREADY ?
		 detail : "");
	va_start(ap, fmt);
	vsnprintf(it->value, sizeof(it->value), fmt, ap);
	va_end(ap);
}

static enum ng_restore_outcome done(int r)
{
	return r == 0 ? NG_RESTORED : r == -EEXIST ? NG_RESTORE_ALREADY : NG_RESTORE_FAILED;
}

/* --------------------------------------------------------------- setting */

static void link_req(struct ng_nlreq *q, uint16_t type, uint16_t flags, int family, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = (unsigned char)family, .ifi_index = ifindex };

	ng_nlreq_init(q, type, flags, &ifi, sizeof(ifi));
}

static int set_u32(int fd, int ifindex, uint16_t attr, uint32_t v, struct ng_err *err)
{
	struct ng_nlreq q;

	link_req(&q, RTM_SETLINK, 0, AF_UNSPEC, ifindex);
	ng_nlreq_u32(&q, attr, v);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

static int set_name(int fd, int ifindex, const char *name, struct ng_err *err)
{
	struct ng_nlreq q;

	link_req(&q, RTM_SETLINK, 0, AF_UNSPEC, ifindex);
	ng_nlreq_str(&q, IFLA_IFNAME, name);
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

static int set_up(int fd, int ifindex, bool up, struct ng_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = up ? IFF_UP : 0, .ifi_change = IFF_UP };
	struct ng_nlreq q;

	ng_nlreq_init(&q, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	return ng_nl_talk(fd, &q, NULL, NULL, NULL, err);
}

static int add_altname(int fd, int ifindex, const char *name, struct ng_err *err)
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
static int set_bond(int fd, int bond, uint16_t attr, uint32_t v, struct ng_err *err)
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

static int set_brflags(int fd, int ifindex, const struct ng_brflag *f, size_t n,
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

/* VLAN bits per vid, as ranges are easier to compare expanded. */
#define V_ON 1
#define V_PVID 2
#define V_UNTAGGED 4

static void expand(const struct ng_vlanrange *v, size_t n, uint8_t *map)
{
	memset(map, 0, 4096);
	for (size_t i = 0; i < n; i++)
		for (unsigned vid = v[i].vid; vid <= v[i].end && vid < 4095; vid++)
			map[vid] = V_ON | (v[i].flags & BRIDGE_VLAN_INFO_PVID ? V_PVID : 0) |
				   (v[i].flags & BRIDGE_VLAN_INFO_UNTAGGED ? V_UNTAGGED : 0);
}

static void put_vlan(struct ng_nlreq *q, uint16_t vid, uint16_t flags)
{
	struct bridge_vlan_info vi = { .flags = flags, .vid = vid };

	ng_nlreq_put(q, IFLA_BRIDGE_VLAN_INFO, &vi, sizeof(vi));
}

/* RTM_SETLINK (add) or RTM_DELLINK (remove) the vids where pick(vid) holds, in runs of equal
 * bits; a PVID stands alone (the kernel refuses it in a range). *n counts the vids. */
static int vlans_send(int fd, int ifindex, uint16_t type, const uint8_t *want,
		      const uint8_t *have, bool add, unsigned *n, struct ng_err *err)
{
	struct ng_nlreq q;
	size_t nest;

	*n = 0;
	link_req(&q, type, 0, AF_BRIDGE, ifindex);
	nest = ng_nlreq_nest(&q, IFLA_AF_SPEC);
	for (unsigned vid = 1; vid < 4095;) {
		uint8_t bits = add ? want[vid] : have[vid];
		bool pick = add ? want[vid] && want[vid] != have[vid] : have[vid] && !want[vid];
		unsigned end = vid;
		uint16_t flags;

		if (!pick) {
			vid++;
			continue;
		}
		while (!(bits & V_PVID) && end + 1 < 4095 &&
		       (add ? want[end + 1] == bits && want[end + 1] != have[end + 1] :
			have[end + 1] && !want[end + 1]))
			end++;
		flags = (bits & V_PVID ? BRIDGE_VLAN_INFO_PVID : 0) |
			(bits & V_UNTAGGED ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
		if (!add)
			flags = 0;
		if (end == vid) {
			put_vlan(&q, (uint16_t)vid, flags);
		} else {
			put_vlan(&q, (uint16_t)vid, flags | BRIDGE_VLAN_INFO_RANGE_BEGIN);
			put_vlan(&q, (uint16_t)end, flags | BRIDGE_VLAN_INFO_RANGE_END);
		}
		*n += end - vid + 1;
		vid = end + 1;
	}
	ng_nlreq_end(&q, nest);
	return *n ? ng_nl_talk(fd, &q, NULL, NULL, NULL, err) : 0;
}

static int add_addr(int fd, int ifindex, const struct ng_portaddr *a, const char *label,
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

static int add_route(int fd, int oif, const struct ng_portroute *r, struct ng_err *err)
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

/* ------------------------------------------------------------ finding again */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Is l the recorded port? A bond gave its slaves its own MAC: compare the permanent one
 * when it was known, and no MAC at all for a bond slave found by its bus device. */
static bool same_port(const struct ng_portstate *ps, const struct ng_portlink *l, bool by_bus)
{
	const char *was = ps->link.permaddr[0] ? ps->link.permaddr : ps->link.mac;
	const char *now = l->permaddr[0] ? l->permaddr : l->mac;

	if (!ps->link.permaddr[0] && by_bus && strcmp(ps->master_kind, "bond") == 0)
		return true;
	return strcasecmp(was, now) == 0;
}

/* The port under its bus device (root/sys/bus/BUS/devices/DEV/net/NAME), or by name. */
static int lookup(const struct ng_ctx *ctx, int fd, const struct ng_portstate *ps,
		  struct ng_portlink *l)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = -ENODEV;

	if (!ps->busdev[0])
		return get_link(fd, 0, ps->link.name, l, NULL) == 0 && same_port(ps, l, false) ?
		       0 : -ENODEV;
	if (ng_path(ctx, path, sizeof(path), "/sys/bus/%s/devices/%s/net",
		    strncmp(ps->busdev, "virtio", 6) == 0 ? "virtio" : "pci", ps->busdev) < 0)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -ENODEV;
	while (r < 0 && (de = readdir(d)) != NULL)
		if (ng_ifname_valid(de->d_name) && get_link(fd, 0, de->d_name, l, NULL) == 0 &&
		    same_port(ps, l, true))
			r = 0;
	closedir(d);
	return r;
}

/* udev has run its rules for the device (the rename included) once its database entry
 * exists. */
static bool udev_done(const struct ng_ctx *ctx, int ifindex)
{
	char path[PATH_MAX];

	return ng_path(ctx, path, sizeof(path), "/run/udev/data/n%d", ifindex) == 0 &&
	       access(path, F_OK) == 0;
}

static int find(const struct ng_ctx *ctx, int fd, const struct ng_portstate *ps,
		unsigned wait_ms, struct ng_portlink *l, unsigned *waited, struct ng_err *err)
{
	uint64_t t0 = now_ms();
	bool seen = false;

	for (;;) {
		uint64_t t = now_ms();

		if (lookup(ctx, fd, ps, l) == 0) {
			seen = true;
			if (strcmp(l->name, ps->link.name) == 0 || udev_done(ctx, l->ifindex))
				break;
		}
		if (t - t0 >= wait_ms)
			break;
		usleep(10000);
	}
	*waited = (unsigned)(now_ms() - t0);
	if (!seen)
		return ng_err_set(err, -ENODEV, NULL, 0, "%s (%s) did not come back within "
				  "%u ms", ps->link.name, ps->busdev[0] ? ps->busdev : ps->link.mac,
				  wait_ms);
	return 0;
}

/* --------------------------------------------------------------- restoring */

static void vlans_text(const uint8_t *map, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned vid = 1; vid < 4095 && pos < len;) {
		unsigned end = vid;

		if (!map[vid]) {
			vid++;
			continue;
		}
		while (end + 1 < 4095 && map[end + 1] == map[vid] && !(map[vid] & V_PVID))
			end++;
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%u", pos ? " " : "", vid);
		if (end > vid && pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "-%u", end);
		if (pos < len && (map[vid] & (V_PVID | V_UNTAGGED)))
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s",
						map[vid] & V_PVID ? " pvid" : "",
						map[vid] & V_UNTAGGED ? " untagged" : "");
		vid = end + 1;
	}
}

static void restore_vlans(int fd, const struct ng_portstate *ps, int ifindex,
			  struct ng_restore *rep)
{
	uint8_t *want = malloc(2 * 4096), *have;
	struct ng_portbr *cur = malloc(sizeof(*cur));
	struct ng_err e = { 0 };
	char text[96];
	unsigned nadd = 0, ndel = 0;
	int r;

	if (!want || !cur) {
		item(rep, "vlans", NG_RESTORE_FAILED, "out of memory", "-");
		goto out;
	}
	have = want + 4096;
	expand(ps->br.vlans, ps->br.nvlans, want);
	vlans_text(want, text, sizeof(text));
	r = get_brport(fd, ifindex, cur, &e);
	if (r == 0) {
		expand(cur->vlans, cur->nvlans, have);
		/* Add first: the recorded PVID then replaces the bridge's default one. */
		r = vlans_send(fd, ifindex, RTM_SETLINK, want, have, true, &nadd, &e);
	}
	if (r == 0)
		r = vlans_send(fd, ifindex, RTM_DELLINK, want, have, false, &ndel, &e);
	if (r < 0)
		item(rep, "vlans", NG_RESTORE_FAILED, e.msg, "%s", text);
	else
		item(rep, "vlans", nadd + ndel ? NG_RESTORED : NG_RESTORE_ALREADY, NULL, "%s", text);
out:
	free(want);
	free(cur);
}

static void restore_brport(int fd, const struct ng_portstate *ps, int ifindex,
			   struct ng_restore *rep)
{
	struct ng_brflag diff[NG_PORT_BRFLAGS];
	struct ng_portbr *cur = malloc(sizeof(*cur));
	struct ng_err e = { 0 };
	char text[96] = "";
	size_t n = 0, pos = 0;
	int r;

	if (!cur) {
		item(rep, "bridge-port", NG_RESTORE_FAILED, "out of memory", "-");
		return;
	}
	r = get_brport(fd, ifindex, cur, &e);
	for (size_t i = 0; r == 0 && i < ps->br.nflags; i++) {
		const struct ng_brflag *f = &ps->br.flags[i];
		bool same = false;

		/* The STP state is the protocol's to set, unless STP is off and someone had
		 * blocked the port by hand. */
		if (f->attr == IFLA_BRPORT_STATE &&
		    (ps->stp_state != 0 || f->value != BR_STATE_BLOCKING))
			continue;
		for (size_t j = 0; j < cur->nflags; j++)
			same |= cur->flags[j].attr == f->attr && cur->flags[j].value == f->value;
		if (same)
			continue;
		diff[n++] = *f;
		if (pos < sizeof(text))
			pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%s%s %u",
						pos ? " " : "", ng_brflag_name(f->attr), f->value);
	}
	if (r == 0 && n)
		r = set_brflags(fd, ifindex, diff, n, &e);
	if (r < 0)
		item(rep, "bridge-port", NG_RESTORE_FAILED, e.msg, "%s", text[0] ? text : "-");
	else
		item(rep, "bridge-port", n ? NG_RESTORED : NG_RESTORE_ALREADY, NULL, "%s",
		     n ? text : "options");
	free(cur);
	if (ps->vlan_filtering && ps->br.have_vlans)
		restore_vlans(fd, ps, ifindex, rep);
}

/* Into its bridge or bond. A bond takes a slave only while it is down. */
static int restore_master(int fd, const struct ng_portstate *ps, struct ng_portlink *cur,
			  struct ng_restore *rep)
{
	struct ng_portlink m;
	struct ng_err e = { 0 };
	int r = get_link(fd, 0, ps->master, &m, &e);

	if (r < 0) {
		item(rep, "master", NG_RESTORE_FAILED, "it no longer exists", "%s", ps->master);
		return r;
	}
	if (cur->master == m.ifindex) {
		item(rep, "master", NG_RESTORE_ALREADY, NULL, "%s", ps->master);
		return 0;
	}
	if (strcmp(m.kind, "bond") == 0 && (cur->flags & IFF_UP))
		r = set_up(fd, cur->ifindex, false, &e);
	if (r == 0)
		r = set_u32(fd, cur->ifindex, IFLA_MASTER, (uint32_t)m.ifindex, &e);
	item(rep, "master", done(r), e.msg, "%s", ps->master);
	if (r == 0)
		r = get_link(fd, cur->ifindex, NULL, cur, &e);
	return r;
}

static void restore_bond(int fd, const struct ng_portstate *ps, const struct ng_portlink *cur,
			 bool active, struct ng_restore *rep)
{
	struct ng_portlink b;
	struct ng_err e = { 0 };
	bool want = active ? ps->bond_active : ps->bond_primary;
	const char *what = active ? "active-slave" : "bond-primary";
	int r;

	if (!want || (active && ps->bond_mode != BOND_MODE_ACTIVEBACKUP))
		return;
	r = get_link(fd, 0, ps->master, &b, &e);
	if (r == 0 && (active ? b.bond_active : b.bond_primary) == cur->ifindex) {
		item(rep, what, NG_RESTORE_ALREADY, NULL, "%s of %s", cur->name, ps->master);
		return;
	}
	if (r == 0 && active && !(cur->flags & LOWER_UP)) {
		item(rep, what, NG_RESTORE_SKIPPED, "no carrier yet: the bond chooses", "%s of %s",
		     cur->name, ps->master);
		return;
	}
	if (r == 0)
		r = set_bond(fd, b.ifindex, active ? IFLA_BOND_ACTIVE_SLAVE : IFLA_BOND_PRIMARY,
			     (uint32_t)cur->ifindex, &e);
	item(rep, what, done(r), e.msg, "%s of %s", cur->name, ps->master);
}

static void addr_text(int family, const unsigned char *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void restore_addrs(int fd, const struct ng_portstate *ps, const struct ng_portlink *cur,
			  struct ng_restore *rep)
{
	for (size_t i = 0; i < ps->naddrs; i++) {
		const struct ng_portaddr *a = &ps->addrs[i];
		char text[INET6_ADDRSTRLEN], label[NG_IFNAMSIZ];
		struct ng_err e = { 0 };
		int r;

		/* The label is the port's name (or NAME:N): follow a rename. */
		if (strncmp(a->label, ps->link.name, strlen(ps->link.name)) == 0)
			snprintf(label, sizeof(label), "%s%s", cur->name,
				 a->label + strlen(ps->link.name));
		else
			snprintf(label, sizeof(label), "%s", a->label);
		r = add_addr(fd, cur->ifindex, a, label, &e);
		addr_text(a->family, a->has_local ? a->local : a->address, text, sizeof(text));
		item(rep, "address", done(r), e.msg, "%s/%u", text, a->prefixlen);
	}
}

/* Routes may lean on each other (a gateway reached through another restored route): the
 * ones refused as unreachable get a second round. */
static void restore_routes(int fd, const struct ng_portstate *ps, int oif, struct ng_restore *rep)
{
	bool again[NG_PORT_ROUTES] = { false };

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < ps->nroutes; i++) {
			const struct ng_portroute *rt = &ps->routes[i];
			char dst[INET6_ADDRSTRLEN] = "default", gw[INET6_ADDRSTRLEN] = "";
			struct ng_err e = { 0 };
			int r;

			if (round && !again[i])
				continue;
			r = add_route(fd, oif, rt, &e);
			if (!round && (r == -ENETUNREACH || r == -EHOSTUNREACH)) {
				again[i] = true;
				continue;
			}
			if (rt->has_dst)
				addr_text(rt->family, rt->dst, dst, sizeof(dst));
			if (rt->has_gw)
				addr_text(rt->family, rt->gw, gw, sizeof(gw));
			item(rep, "route", done(r), e.msg, "%s%s%u%s%s table %u", dst,
			     rt->has_dst ? "/" : "", rt->has_dst ? rt->dst_len : 0,
			     rt->has_gw ? " via " : "", gw, rt->table);
		}
	}
}

static void restore_link(int fd, const struct ng_portstate *ps, struct ng_portlink *cur,
			 struct ng_restore *rep)
{
	struct ng_err e = { 0 };
	struct ng_portlink other;
	int r;

	if (strcmp(cur->name, ps->link.name) != 0) {
		if (get_link(fd, 0, ps->link.name, &other, NULL) == 0) {
			item(rep, "name", NG_RESTORE_SKIPPED, "another device has it", "%s",
			     ps->link.name);
		} else {
			r = set_up(fd, cur->ifindex, false, &e);
			if (r == 0)
				r = set_name(fd, cur->ifindex, ps->link.name, &e);
			item(rep, "name", done(r), e.msg, "%s (was %s)", ps->link.name, cur->name);
			if (r == 0)
				(void)get_link(fd, cur->ifindex, NULL, cur, NULL);
		}
	}
	if (ps->link.mtu && cur->mtu != ps->link.mtu) {
		r = set_u32(fd, cur->ifindex, IFLA_MTU, ps->link.mtu, &e);
		item(rep, "mtu", done(r), e.msg, "%u", ps->link.mtu);
	}
	for (size_t i = 0; i < ps->link.naltnames; i++) {
		bool have = false;

		for (size_t j = 0; j < cur->naltnames; j++)
			have |= strcmp(cur->altnames[j], ps->link.altnames[i]) == 0;
		if (have)
			continue;
		r = add_altname(fd, cur->ifindex, ps->link.altnames[i], &e);
		item(rep, "altname", done(r), e.msg, "%s", ps->link.altnames[i]);
	}
}

int ng_portstate_restore(const struct ng_ctx *ctx, const struct ng_portstate *ps,
			 unsigned wait_ms, struct ng_restore *rep, struct ng_err *err)
{
	struct ng_portlink cur;
	struct ng_err e = { 0 };
	bool up = ps->link.flags & IFF_UP;
	int fd, r;

	memset(rep, 0, sizeof(*rep));
	rep->ifindex_before = ps->link.ifindex;
	snprintf(rep->name, sizeof(rep->name), "%s", ps->link.name);
	fd = ng_nl_open(err);
	if (fd < 0)
		return fd;
	r = find(ctx, fd, ps, wait_ms, &cur, &rep->waited_ms, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	ng_trace(ctx, "%s: found again as %s (ifindex %d) after %u ms", ps->link.name, cur.name,
		 cur.ifindex, rep->waited_ms);
	rep->ifindex_after = cur.ifindex;
	/* Name and MTU first: a rename needs the port down, and a bridge takes the lowest
	 * MTU of its ports. */
	restore_link(fd, ps, &cur, rep);
	if (ps->master[0] && restore_master(fd, ps, &cur, rep) == 0) {
		if (strcmp(ps->master_kind, "bridge") == 0)
			restore_brport(fd, ps, cur.ifindex, rep);
		else if (strcmp(ps->master_kind, "bond") == 0)
			restore_bond(fd, ps, &cur, false, rep);
	}
	if (up != !!(cur.flags & IFF_UP)) {
		r = set_up(fd, cur.ifindex, up, &e);
		item(rep, "up", done(r), e.msg, "%s", up ? "up" : "down");
		(void)get_link(fd, cur.ifindex, NULL, &cur, NULL);
	}
	restore_addrs(fd, ps, &cur, rep);
	restore_routes(fd, ps, cur.ifindex, rep);
	if (strcmp(ps->master_kind, "bond") == 0)
		restore_bond(fd, ps, &cur, true, rep);
	close(fd);
	snprintf(rep->name, sizeof(rep->name), "%s", cur.name);
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome == NG_RESTORE_FAILED)
			return ng_err_set(err, -EIO, NULL, 0, "%s: %s %s: %s", cur.name,
					  rep->v[i].what, rep->v[i].value, rep->v[i].detail);
	return 0;
}

void ng_restore_summary(const struct ng_restore *rep, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned addrs = 0, routes = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rep->n && pos < len; i++) {
		const struct ng_restore_item *it = &rep->v[i];

		if (it->outcome == NG_RESTORE_ALREADY)
			continue;
		if (it->outcome == NG_RESTORED && strcmp(it->what, "address") == 0) {
			addrs++;
			continue;
		}
		if (it->outcome == NG_RESTORED && strcmp(it->what, "route") == 0) {
			routes++;
			continue;
		}
		/* "up" needs no value after it. */
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s%s%s%s%s%s%s", pos ? ", " : "",
					it->outcome == NG_RESTORE_FAILED ? "failed: " :
					it->outcome == NG_RESTORE_SKIPPED ? "not: " : "",
					strcmp(it->what, "up") == 0 ? "" : it->what,
					strcmp(it->what, "up") == 0 ? "" : " ", it->value,
					it->detail[0] ? " (" : "", it->detail, it->detail[0] ? ")" : "");
	}
	if (addrs && pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%u address%s", pos ? ", " : "",
					addrs, addrs == 1 ? "" : "es");
	if (routes && pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%u route%s", pos ? ", " : "",
					routes, routes == 1 ? "" : "s");
	if (pos < len)
		snprintf(buf + pos, len - pos, "%s%s ifindex %d -> %d, back after %u ms)",
			 pos ? " (" : "nothing to put back (", rep->name, rep->ifindex_before,
			 rep->ifindex_after, rep->waited_ms);
}
