/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portrestore.c: put a recorded port place back: find the port again (a rebind gives a new
 * ifindex, udev may rename it), then each part in the order the kernel needs; a report item
 * by item. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"

#define BOND_MODE_ACTIVEBACKUP 1	/* include/uapi/linux/if_bonding.h */
#define LOWER_UP 0x10000		/* IFF_LOWER_UP of linux/if.h (carrier) */
#define BOND_LINK_WAIT_MS 2000		/* for the bond's link monitor to see a slave up */
#define UDEV_DB_MAX (256 * 1024)	/* a device's udev database entry, read whole */

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

/* ------------------------------------------------------------ finding again */

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
		return ng_portget_link(fd, 0, ps->link.name, l, NULL) == 0 && same_port(ps, l, false) ?
		       0 : -ENODEV;
	if (ng_path(ctx, path, sizeof(path), "/sys/bus/%s/devices/%s/net",
		    strncmp(ps->busdev, "virtio", 6) == 0 ? "virtio" : "pci", ps->busdev) < 0)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -ENODEV;
	while (r < 0 && (de = readdir(d)) != NULL)
		if (ng_ifname_valid(de->d_name) && ng_portget_link(fd, 0, de->d_name, l, NULL) == 0 &&
		    same_port(ps, l, true))
			r = 0;
	closedir(d);
	return r;
}

/* udev has run its rules for the device (the rename included) once its database entry
 * exists without ID_RENAMING=1: udev marks the entry so while it renames the interface
 * (systemd 255 and later save it so before the rename) and drops the mark when it handles
 * the rename's move event; systemd-networkd waits for the same. */
static bool udev_done(const struct ng_ctx *ctx, int ifindex)
{
	char path[PATH_MAX], *db = NULL;
	bool named;

	if (ng_path(ctx, path, sizeof(path), "/run/udev/data/n%d", ifindex) < 0 ||
	    ng_read_file(path, true, UDEV_DB_MAX, &db, NULL) < 0)
		return false;
	named = strncmp(db, "E:ID_RENAMING=1\n", 16) != 0 && !strstr(db, "\nE:ID_RENAMING=1\n");
	free(db);
	return named;
}

static int find(const struct ng_ctx *ctx, int fd, const struct ng_portstate *ps,
		unsigned wait_ms, struct ng_portlink *l, unsigned *waited, struct ng_err *err)
{
	uint64_t t0 = ng_now_ms();
	bool seen = false;

	for (;;) {
		uint64_t t = ng_now_ms();

		if (lookup(ctx, fd, ps, l) == 0) {
			seen = true;
			if (strcmp(l->name, ps->link.name) == 0)
				break;
			/* udev may have renamed it between the lookup and its database entry:
			 * the name it has now. */
			if (udev_done(ctx, l->ifindex) &&
			    ng_portget_link(fd, l->ifindex, NULL, l, NULL) == 0)
				break;
		}
		if (t - t0 >= wait_ms)
			break;
		usleep(10000);
	}
	*waited = (unsigned)(ng_now_ms() - t0);
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
		while (end + 1 < 4095 && map[end + 1] == map[vid] && !(map[vid] & NG_VLAN_PVID))
			end++;
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%u", pos ? " " : "", vid);
		if (end > vid && pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "-%u", end);
		if (pos < len && (map[vid] & (NG_VLAN_PVID | NG_VLAN_UNTAGGED)))
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s",
						(map[vid] & NG_VLAN_PVID) ? " pvid" : "",
						(map[vid] & NG_VLAN_UNTAGGED) ? " untagged" : "");
		vid = end + 1;
	}
}

/* The VLANs in two rounds around the port's up: first the untagged ones and the PVID (what
 * carries the host's address on the bridge) and away with what was not there (the
 * bridge's default VLAN 1 on a new port), then, with the port up and the host reachable,
 * the tagged ones: on a device that programs a hardware filter per VLAN (virtio-net: one
 * control command each), Proxmox's bridge-vids 2-4094 take seconds. The port never carries
 * a VLAN it did not have. *done counts what changed, -1 after a failure (then no second
 * round); the second round reports. */
static void restore_vlans(int fd, const struct ng_portstate *ps, int ifindex, bool first,
			  int *done, struct ng_restore *rep)
{
	uint8_t *want = malloc(3 * 4096), *have, *now;
	struct ng_portbr *cur = malloc(sizeof(*cur));
	struct ng_err e = { 0 };
	char text[96];
	unsigned nadd = 0, ndel = 0;
	int r;

	if (!want || !cur) {
		item(rep, "vlans", NG_RESTORE_FAILED, "out of memory", "-");
		*done = -1;
		goto out;
	}
	have = want + 4096;
	now = have + 4096;
	ng_vlan_expand(ps->br.vlans, ps->br.nvlans, want);
	vlans_text(want, text, sizeof(text));
	r = ng_portget_brport(fd, ifindex, cur, &e);
	if (r == 0)
		ng_vlan_expand(cur->vlans, cur->nvlans, have);
	/* First round: the untagged and PVID entries, wanted or to be taken away from a VLAN
	 * that stays; the rest stays as it is for now. */
	for (unsigned vid = 0; r == 0 && vid < 4096; vid++) {
		uint8_t flags = NG_VLAN_PVID | NG_VLAN_UNTAGGED;

		now[vid] = !first || (want[vid] & flags) || (want[vid] && (have[vid] & flags)) ?
			   want[vid] : have[vid];
	}
	/* Add first: the recorded PVID then replaces the bridge's default one. */
	if (r == 0)
		r = ng_portset_vlans(fd, ifindex, RTM_SETLINK, now, have, true, &nadd, &e);
	if (r == 0 && first)
		r = ng_portset_vlans(fd, ifindex, RTM_DELLINK, want, have, false, &ndel, &e);
	if (r < 0) {
		item(rep, "vlans", NG_RESTORE_FAILED, e.msg, "%s", text);
		*done = -1;
	} else {
		*done += (int)(nadd + ndel);
		if (!first)
			item(rep, "vlans", *done ? NG_RESTORED : NG_RESTORE_ALREADY, NULL, "%s", text);
	}
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
	r = ng_portget_brport(fd, ifindex, cur, &e);
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
		r = ng_portset_brflags(fd, ifindex, diff, n, &e);
	if (r < 0)
		item(rep, "bridge-port", NG_RESTORE_FAILED, e.msg, "%s", text[0] ? text : "-");
	else
		item(rep, "bridge-port", n ? NG_RESTORED : NG_RESTORE_ALREADY, NULL, "%s",
		     n ? text : "options");
	free(cur);
}

/* Into its bridge or bond. A bond takes a slave only while it is down. */
static int restore_master(int fd, const struct ng_portstate *ps, struct ng_portlink *cur,
			  struct ng_restore *rep)
{
	struct ng_portlink m;
	struct ng_err e = { 0 };
	int r = ng_portget_link(fd, 0, ps->master, &m, &e);

	if (r < 0) {
		item(rep, "master", NG_RESTORE_FAILED, "it no longer exists", "%s", ps->master);
		return r;
	}
	if (cur->master == m.ifindex) {
		item(rep, "master", NG_RESTORE_ALREADY, NULL, "%s", ps->master);
		return 0;
	}
	if (strcmp(m.kind, "bond") == 0 && (cur->flags & IFF_UP))
		r = ng_portset_up(fd, cur->ifindex, false, &e);
	if (r == 0)
		r = ng_portset_u32(fd, cur->ifindex, IFLA_MASTER, (uint32_t)m.ifindex, &e);
	item(rep, "master", done(r), e.msg, "%s", ps->master);
	if (r == 0)
		r = ng_portget_link(fd, cur->ifindex, NULL, cur, &e);
	return r;
}

/* The bond takes a slave as active only once its link monitor (miimon, or ARP) saw the
 * slave's link up: a port just brought up is refused with EINVAL for up to a monitor
 * interval (or its updelay). Ask again until then; meanwhile the bond may choose it itself
 * (its primary, with primary_reselect): 1 then, with the item added. */
static int set_active(int fd, struct ng_portlink *b, const struct ng_portlink *cur,
		      struct ng_restore *rep, struct ng_err *e)
{
	uint64_t t0 = ng_now_ms();
	int r;

	for (;;) {
		r = ng_portset_bond(fd, b->ifindex, IFLA_BOND_ACTIVE_SLAVE, (uint32_t)cur->ifindex,
				    e);
		if (r != -EINVAL || ng_now_ms() - t0 >= BOND_LINK_WAIT_MS)
			return r;
		usleep(20000);
		if (ng_portget_link(fd, b->ifindex, NULL, b, NULL) == 0 &&
		    b->bond_active == cur->ifindex) {
			item(rep, "active-slave", NG_RESTORED, NULL, "%s of %s (the bond chose it "
			     "after %u ms)", cur->name, b->name, (unsigned)(ng_now_ms() - t0));
			return 1;
		}
	}
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
	r = ng_portget_link(fd, 0, ps->master, &b, &e);
	if (r == 0 && (active ? b.bond_active : b.bond_primary) == cur->ifindex) {
		item(rep, what, NG_RESTORE_ALREADY, NULL, "%s of %s", cur->name, ps->master);
		return;
	}
	if (r == 0 && active && !(cur->flags & LOWER_UP)) {
		item(rep, what, NG_RESTORE_SKIPPED, "no carrier yet: the bond chooses", "%s of %s",
		     cur->name, ps->master);
		return;
	}
	if (r == 0 && active)
		r = set_active(fd, &b, cur, rep, &e);
	else if (r == 0)
		r = ng_portset_bond(fd, b.ifindex, IFLA_BOND_PRIMARY, (uint32_t)cur->ifindex, &e);
	if (r != 1)
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
		r = ng_portset_addr(fd, cur->ifindex, a, label, &e);
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
			r = ng_portset_route(fd, oif, rt, &e);
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

/* A rebind deletes the VLAN and macvlan devices on the port; they are not re-created
 * here (their own place is not recorded): said loudly, with what brings them back. */
static void restore_uppers(int fd, const struct ng_portstate *ps, struct ng_restore *rep)
{
	for (size_t i = 0; i < ps->nuppers; i++) {
		struct ng_portlink l;

		if (ng_portget_link(fd, 0, ps->uppers[i].name, &l, NULL) == 0)
			item(rep, "upper", NG_RESTORE_ALREADY, NULL, "%s", ps->uppers[i].name);
		else
			item(rep, "upper", NG_RESTORE_FAILED, "deleted with the port and not "
			     "re-created by nicguard: ifreload -a (or ifup) brings it back", "%s (%s)",
			     ps->uppers[i].name, ps->uppers[i].kind);
	}
}

static void restore_link(int fd, const struct ng_portstate *ps, struct ng_portlink *cur,
			 struct ng_restore *rep)
{
	struct ng_err e = { 0 };
	struct ng_portlink other;
	int r;

	if (strcmp(cur->name, ps->link.name) != 0) {
		if (ng_portget_link(fd, 0, ps->link.name, &other, NULL) == 0 &&
		    other.ifindex == cur->ifindex) {
			/* Renamed by udev since it was found: it has its name. */
			*cur = other;
		} else if (ng_portget_link(fd, 0, ps->link.name, &other, NULL) == 0) {
			item(rep, "name", NG_RESTORE_SKIPPED, "another device has it", "%s",
			     ps->link.name);
		} else {
			r = ng_portset_up(fd, cur->ifindex, false, &e);
			if (r == 0)
				r = ng_portset_name(fd, cur->ifindex, ps->link.name, &e);
			item(rep, "name", done(r), e.msg, "%s (was %s)", ps->link.name, cur->name);
			if (r == 0)
				(void)ng_portget_link(fd, cur->ifindex, NULL, cur, NULL);
		}
	}
	if (ps->link.mtu && cur->mtu != ps->link.mtu) {
		r = ng_portset_u32(fd, cur->ifindex, IFLA_MTU, ps->link.mtu, &e);
		item(rep, "mtu", done(r), e.msg, "%u", ps->link.mtu);
	}
	for (size_t i = 0; i < ps->link.naltnames; i++) {
		bool have = false;

		for (size_t j = 0; j < cur->naltnames; j++)
			have |= strcmp(cur->altnames[j], ps->link.altnames[i]) == 0;
		if (have)
			continue;
		r = ng_portset_altname(fd, cur->ifindex, ps->link.altnames[i], &e);
		item(rep, "altname", done(r), e.msg, "%s", ps->link.altnames[i]);
	}
}

int ng_portstate_restore(const struct ng_ctx *ctx, const struct ng_portstate *ps,
			 unsigned wait_ms, struct ng_restore *rep, struct ng_err *err)
{
	struct ng_portlink cur = { .ifindex = 0 };
	struct ng_err e = { 0 };
	bool up = ps->link.flags & IFF_UP;
	int fd, r, vlans = -1;
	uint64_t t0;

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
	t0 = ng_now_ms();
	rep->ifindex_after = cur.ifindex;
	/* Name and MTU first: a rename needs the port down, and a bridge takes the lowest
	 * MTU of its ports. */
	restore_link(fd, ps, &cur, rep);
	if (ps->master[0] && restore_master(fd, ps, &cur, rep) == 0) {
		if (strcmp(ps->master_kind, "bridge") == 0) {
			restore_brport(fd, ps, cur.ifindex, rep);
			vlans = ps->vlan_filtering && ps->br.have_vlans ? 0 : -1;
			if (vlans == 0)
				restore_vlans(fd, ps, cur.ifindex, true, &vlans, rep);
		} else if (strcmp(ps->master_kind, "bond") == 0) {
			restore_bond(fd, ps, &cur, false, rep);
		}
	}
	if (up != !!(cur.flags & IFF_UP)) {
		r = ng_portset_up(fd, cur.ifindex, up, &e);
		item(rep, "up", done(r), e.msg, "%s", up ? "up" : "down");
		(void)ng_portget_link(fd, cur.ifindex, NULL, &cur, NULL);
	}
	if (vlans >= 0)
		restore_vlans(fd, ps, cur.ifindex, false, &vlans, rep);
	restore_addrs(fd, ps, &cur, rep);
	restore_routes(fd, ps, cur.ifindex, rep);
	if (strcmp(ps->master_kind, "bond") == 0)
		restore_bond(fd, ps, &cur, true, rep);
	restore_uppers(fd, ps, rep);
	close(fd);
	rep->restore_ms = (unsigned)(ng_now_ms() - t0);
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
	bool any;

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
	any = pos > 0;
	if (pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s ifindex %d -> %d",
					any ? " (" : "nothing to put back (", rep->name,
					rep->ifindex_before, rep->ifindex_after);
	if (rep->step_ms && pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, ", %s took %u ms", rep->step,
					rep->step_ms);
	if (pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, ", back after %u ms", rep->waited_ms);
	if (rep->restore_ms && pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, ", put back in %u ms",
					rep->restore_ms);
	if (pos < len)
		snprintf(buf + pos, len - pos, ")");
	/* What was done reads "put back ...". */
	if (any && strlen(buf) + 9 < len) {
		memmove(buf + 9, buf, strlen(buf) + 1);
		memcpy(buf, "put back ", 9);
	}
}
