/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iface.c: facts about network interfaces: rtnetlink on the live root, sysfs under a fixture
 * root (the names it accepts: ifname.c). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define IFF_TUN_FLAG 0x0001	/* linux/if_tun.h IFF_TUN, IFF_TAP */
#define IFF_TAP_FLAG 0x0002

static const char *const kind_names[] = {
	[NG_KIND_PHYSICAL] = "physical",
	[NG_KIND_BRIDGE] = "bridge",
	[NG_KIND_BOND] = "bond",
	[NG_KIND_VLAN] = "vlan",
	[NG_KIND_VETH] = "veth",
	[NG_KIND_TAP] = "tap",
	[NG_KIND_TUN] = "tun",
	[NG_KIND_LOOPBACK] = "loopback",
	[NG_KIND_VIRTUAL] = "virtual",
};

const char *ng_kind_name(enum ng_kind kind)
{
	if ((size_t)kind >= NG_ARRAY_SIZE(kind_names) || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

/* Copy src into dst, truncated to len - 1 bytes. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* What one read of interfaces shares: the context, and the ethtool socket for the driver
 * names of other software devices, opened when first needed and reused. */
struct probe {
	const struct ng_ctx *ctx;
	int eth_fd;			/* -1: not opened yet; -2: could not be opened */
};

static void probe_init(struct probe *pr, const struct ng_ctx *ctx)
{
	pr->ctx = ctx;
	pr->eth_fd = -1;
}

static void probe_close(struct probe *pr)
{
	if (pr->eth_fd >= 0)
		close(pr->eth_fd);
	pr->eth_fd = -1;
}

static bool is_live(const struct ng_ctx *ctx)
{
	return ng_ctx_root_prefix(ctx)[0] == '\0';
}

/* One attribute of /sys/class/net/NAME, trailing whitespace removed, cut to len - 1 bytes.
 * sysfs hands an attribute over in one read: one read into the caller's buffer. */
static int read_attr(const struct ng_ctx *ctx, const char *name, const char *attr, char *out,
		     size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	out[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/%s", name, attr) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, out, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
	return 0;
}

/* The last path component a symlink points to ("" when it is not a link). */
static int link_base(const struct ng_ctx *ctx, const char *name, const char *attr, char *out,
		     size_t len)
{
	char path[PATH_MAX];
	int r;

	out[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/%s", name, attr) < 0)
		return -ENAMETOOLONG;
	r = ng_link_base(path, out, len);
	return r < 0 ? r : 0;
}

/* A sysfs decimal attribute (ifindex, iflink): -EINVAL unless it is a whole int. */
static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || (*end && *end != '\n') || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Driver, bus device and nearest PCI ancestor from the `device` link. Software devices have
 * none: one failing readlink tells, where realpath would try every path component. */
static void read_device(const struct ng_ctx *ctx, struct ng_iface *ifc)
{
	char path[PATH_MAX], real[PATH_MAX], *p;

	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/device", ifc->name) < 0 ||
	    readlink(path, real, sizeof(real)) < 0 || !realpath(path, real))
		return;
	link_base(ctx, ifc->name, "device/driver", ifc->driver, sizeof(ifc->driver));
	p = strrchr(real, '/');
	copy_str(ifc->bus_addr, sizeof(ifc->bus_addr), p ? p + 1 : real);
	/* virtio0 sits under its PCI function: walk up to the nearest PCI address. */
	while ((p = strrchr(real, '/'))) {
		if (ng_pci_addr_valid(p + 1)) {
			snprintf(ifc->pci_addr, sizeof(ifc->pci_addr), "%s", p + 1);
			break;
		}
		*p = '\0';
	}
}

static bool attr_exists(const struct ng_ctx *ctx, const char *name, const char *attr)
{
	char path[PATH_MAX];

	return ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/%s", name, attr) == 0 &&
	       access(path, F_OK) == 0;
}

static void uevent_devtype(const struct ng_ctx *ctx, const char *name, char *out, size_t len)
{
	char buf[4096];

	out[0] = '\0';
	if (read_attr(ctx, name, "uevent", buf, sizeof(buf)) < 0)
		return;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "DEVTYPE=", 8) == 0)
			snprintf(out, len, "%s", line + 8);
}

/* The driver name ETHTOOL_GDRVINFO reports, through the probe's one socket. */
static void drvinfo_driver(struct probe *pr, struct ng_iface *ifc)
{
	struct ethtool_drvinfo d;

	if (pr->eth_fd == -1) {
		pr->eth_fd = ng_eth_open(NULL);
		if (pr->eth_fd < 0)
			pr->eth_fd = -2;
	}
	if (pr->eth_fd >= 0 && ng_eth_drvinfo(pr->eth_fd, ifc->name, &d, NULL) == 0)
		snprintf(ifc->driver, sizeof(ifc->driver), "%s", d.driver);
}

static void set_tun(struct ng_iface *ifc, unsigned long tun_flags)
{
	ifc->kind = tun_flags & IFF_TAP_FLAG ? NG_KIND_TAP : NG_KIND_TUN;
	snprintf(ifc->driver, sizeof(ifc->driver), "tun");
}

/* A device that is none of the kinds named above: physical when it has a bus device, else
 * virtual, whose driver only ETHTOOL_GDRVINFO names on the live system (veth too, when the
 * kind is not known otherwise). */
static void other_kind(struct probe *pr, struct ng_iface *ifc)
{
	if (ifc->bus_addr[0]) {
		ifc->kind = NG_KIND_PHYSICAL;
		return;
	}
	ifc->kind = NG_KIND_VIRTUAL;
	drvinfo_driver(pr, ifc);
	if (strcmp(ifc->driver, "veth") == 0)
		ifc->kind = NG_KIND_VETH;
}

/* Software devices: sysfs says bridge, bond, vlan and tun/tap itself; veth has no marker
 * there, only a peer (iflink != ifindex), so on the live system the driver name from
 * ETHTOOL_GDRVINFO decides. Fixture roots have no kernel behind them and use sysfs alone. */
static void read_kind(struct probe *pr, struct ng_iface *ifc, unsigned flags)
{
	const struct ng_ctx *ctx = pr->ctx;
	char devtype[32], val[64];
	int iflink;

	uevent_devtype(ctx, ifc->name, devtype, sizeof(devtype));
	if (flags & IFF_LOOPBACK) {
		ifc->kind = NG_KIND_LOOPBACK;
	} else if (strcmp(devtype, "bridge") == 0 || attr_exists(ctx, ifc->name, "bridge")) {
		ifc->kind = NG_KIND_BRIDGE;
		snprintf(ifc->driver, sizeof(ifc->driver), "bridge");
	} else if (strcmp(devtype, "bond") == 0 || attr_exists(ctx, ifc->name, "bonding")) {
		ifc->kind = NG_KIND_BOND;
		snprintf(ifc->driver, sizeof(ifc->driver), "bonding");
	} else if (strcmp(devtype, "vlan") == 0) {
		ifc->kind = NG_KIND_VLAN;
		snprintf(ifc->driver, sizeof(ifc->driver), "802.1Q VLAN Support");
	} else if (read_attr(ctx, ifc->name, "tun_flags", val, sizeof(val)) == 0) {
		set_tun(ifc, strtoul(val, NULL, 16));
	} else if (is_live(ctx)) {
		other_kind(pr, ifc);
	} else if (ifc->bus_addr[0]) {
		ifc->kind = NG_KIND_PHYSICAL;
	} else if (read_attr(ctx, ifc->name, "iflink", val, sizeof(val)) == 0 &&
		   parse_int(val, &iflink) == 0 && iflink != ifc->ifindex) {
		ifc->kind = NG_KIND_VETH;
		snprintf(ifc->driver, sizeof(ifc->driver), "veth");
	} else {
		ifc->kind = NG_KIND_VIRTUAL;
	}
}

/* ng_iface_read from sysfs alone: fixture roots, or a live system without rtnetlink. */
static int read_sysfs(struct probe *pr, const char *name, struct ng_iface *out,
		      struct ng_err *err)
{
	const struct ng_ctx *ctx = pr->ctx;
	char val[64];
	unsigned flags;
	int r;

	snprintf(out->name, sizeof(out->name), "%s", name);
	r = read_attr(ctx, name, "ifindex", val, sizeof(val));
	if (r == -ENOENT || r == -ENOTDIR)
		return ng_err_set(err, -ENODEV, NULL, 0, "%s: no such interface", name);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: ifindex: %s", name, strerror(-r));
	if (parse_int(val, &out->ifindex) < 0)
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: ifindex: not a number: \"%.20s\"",
				  name, val);
	read_attr(ctx, name, "address", out->mac, sizeof(out->mac));
	/* sysfs has no permanent address; an address the device still has from birth is one. */
	if (read_attr(ctx, name, "addr_assign_type", val, sizeof(val)) == 0 &&
	    strcmp(val, "0") == 0 && strcmp(out->mac, "00:00:00:00:00:00") != 0)
		copy_str(out->perm_mac, sizeof(out->perm_mac), out->mac);
	flags = read_attr(ctx, name, "flags", val, sizeof(val)) == 0 ?
		(unsigned)strtoul(val, NULL, 16) : 0;
	out->up = flags & IFF_UP;
	read_device(ctx, out);
	read_kind(pr, out, flags);
	/* Bridges and bonds both create a `master` link on their ports. */
	if (link_base(ctx, name, "master", out->master, sizeof(out->master)) < 0)
		link_base(ctx, name, "brport/bridge", out->master, sizeof(out->master));
	return 0;
}

/* A software device's kind, as IFLA_INFO_KIND names it: it never sits on a bus. */
static bool software_kind(const char *kind)
{
	static const char *const kinds[] = { "bond", "bridge", "tun", "veth", "vlan" };

	for (size_t i = 0; i < NG_ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* The facts of one link from its RTM_NEWLINK, the same as read_sysfs finds: the kind from
 * IFLA_INFO_KIND, sysfs only for what rtnetlink lacks (the bus device of a device that can
 * have one, tun_flags on kernels without IFLA_TUN_TYPE). master is the name of l->master. */
static void fill_live(struct probe *pr, const struct ng_nl_link *l, const char *master,
		      struct ng_iface *out)
{
	char val[64];

	memset(out, 0, sizeof(*out));
	copy_str(out->name, sizeof(out->name), l->name);
	out->ifindex = l->ifindex;
	copy_str(out->mac, sizeof(out->mac), l->mac);
	copy_str(out->perm_mac, sizeof(out->perm_mac), l->perm_mac);
	out->up = l->flags & IFF_UP;
	copy_str(out->master, sizeof(out->master), master);
	if (!software_kind(l->kind))
		read_device(pr->ctx, out);
	if (l->flags & IFF_LOOPBACK) {
		out->kind = NG_KIND_LOOPBACK;
	} else if (strcmp(l->kind, "bridge") == 0) {
		out->kind = NG_KIND_BRIDGE;
		snprintf(out->driver, sizeof(out->driver), "bridge");
	} else if (strcmp(l->kind, "bond") == 0) {
		out->kind = NG_KIND_BOND;
		snprintf(out->driver, sizeof(out->driver), "bonding");
	} else if (strcmp(l->kind, "vlan") == 0) {
		out->kind = NG_KIND_VLAN;
		snprintf(out->driver, sizeof(out->driver), "802.1Q VLAN Support");
	} else if (strcmp(l->kind, "tun") == 0 && l->tun_type >= 0) {
		set_tun(out, (unsigned long)l->tun_type);
	} else if (strcmp(l->kind, "tun") == 0 &&
		   read_attr(pr->ctx, l->name, "tun_flags", val, sizeof(val)) == 0) {
		set_tun(out, strtoul(val, NULL, 16));
	} else if (strcmp(l->kind, "veth") == 0) {
		out->kind = NG_KIND_VETH;
		snprintf(out->driver, sizeof(out->driver), "veth");
	} else {
		other_kind(pr, out);
	}
}

/* One link on the live root, by name or ifindex, through rtnetlink. Returns -EAFNOSUPPORT
 * (err untouched) when there is no rtnetlink socket to be had, for the sysfs path. */
static int read_live(struct probe *pr, const char *name, int ifindex, struct ng_iface *out,
		     struct ng_err *err)
{
	struct ng_nl_link l, m = { .name = "" };
	int fd = ng_nl_open(NULL), r;

	if (fd < 0)
		return -EAFNOSUPPORT;
	r = ng_nl_get_link(fd, ifindex, name, &l, err);
	/* The kernel finds a link by an alternative name too; sysfs does not. */
	if (r == 0 && name && strcmp(l.name, name) != 0)
		r = -ENODEV;
	if (r == -ENODEV) {
		if (name)
			r = ng_err_set(err, -ENODEV, NULL, 0, "%s: no such interface", name);
		else
			r = ng_err_set(err, -ENODEV, NULL, 0, "no interface with ifindex %d",
				       ifindex);
	}
	if (r == 0 && l.master > 0 && ng_nl_get_link(fd, l.master, NULL, &m, NULL) < 0)
		m.name[0] = '\0';
	close(fd);
	if (r == 0)
		fill_live(pr, &l, m.name, out);
	return r;
}

int ng_iface_read(const struct ng_ctx *ctx, const char *name, struct ng_iface *out,
		  struct ng_err *err)
{
	struct probe pr;
	int r = -EAFNOSUPPORT;

	memset(out, 0, sizeof(*out));
	if (!ng_ifname_valid(name))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	probe_init(&pr, ctx);
	if (is_live(ctx))
		r = read_live(&pr, name, 0, out, err);
	if (r == -EAFNOSUPPORT) {
		memset(out, 0, sizeof(*out));
		r = read_sysfs(&pr, name, out, err);
	}
	probe_close(&pr);
	return r;
}

/* Under a fixture root: the interface whose ifindex attribute says so, one small read per
 * interface relative to the directory (the root is not walked again each time), and then
 * the whole read of that one. */
static int read_index_sysfs(const struct ng_ctx *ctx, int ifindex, struct ng_iface *out,
			    struct ng_err *err)
{
	char path[PATH_MAX], val[64], rel[NAME_MAX + 16];
	struct dirent *de;
	int r, idx;
	DIR *d;

	if (ng_path(ctx, path, sizeof(path), "/sys/class/net") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	d = opendir(path);
	if (!d) {
		r = -errno;
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	}
	r = ng_err_set(err, -ENODEV, NULL, 0, "no interface with ifindex %d", ifindex);
	while ((de = readdir(d))) {
		ssize_t n;
		int fd;

		if (!ng_ifname_valid(de->d_name))
			continue;
		snprintf(rel, sizeof(rel), "%s/ifindex", de->d_name);
		fd = openat(dirfd(d), rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, val, sizeof(val) - 1);
		close(fd);
		if (n <= 0)
			continue;
		val[n] = '\0';
		if (parse_int(val, &idx) < 0 || idx != ifindex)
			continue;
		r = ng_iface_read(ctx, de->d_name, out, err);
		if (r == 0 && out->ifindex != ifindex)
			r = ng_err_set(err, -ENODEV, NULL, 0, "no interface with ifindex %d",
				       ifindex);
		break;
	}
	closedir(d);
	return r;
}

int ng_iface_read_index(const struct ng_ctx *ctx, int ifindex, struct ng_iface *out,
			struct ng_err *err)
{
	struct probe pr;
	int r = -EAFNOSUPPORT;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return ng_err_set(err, -ENODEV, NULL, 0, "no interface with ifindex %d", ifindex);
	if (is_live(ctx)) {
		probe_init(&pr, ctx);
		r = read_live(&pr, NULL, ifindex, out, err);
		probe_close(&pr);
		/* Not an interface name nicguard would accept: as if it were not there. */
		if (r == 0 && !ng_ifname_valid(out->name))
			r = ng_err_set(err, -ENODEV, NULL, 0, "no interface with ifindex %d",
				       ifindex);
	}
	if (r == -EAFNOSUPPORT)
		r = read_index_sysfs(ctx, ifindex, out, err);
	return r;
}

static int cmp_iface(const void *a, const void *b)
{
	return strcmp(((const struct ng_iface *)a)->name, ((const struct ng_iface *)b)->name);
}

/* Append ifc to *v (cnt used, cap allocated). */
static int push_iface(struct ng_iface **v, size_t *cnt, size_t *cap, const struct ng_iface *ifc)
{
	if (*cnt == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct ng_iface *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*cnt)++] = *ifc;
	return 0;
}

/* Every interface from sysfs: fixture roots, or a live system without rtnetlink. */
static int list_sysfs(struct probe *pr, struct ng_iface **v, size_t *cnt, struct ng_err *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int r = 0;

	if (ng_path(pr->ctx, path, sizeof(path), "/sys/class/net") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	d = opendir(path);
	if (!d) {
		r = -errno;
		return ng_err_set(err, r, NULL, 0, "%s: %s", path, strerror(-r));
	}
	while ((de = readdir(d))) {
		struct ng_iface ifc;

		if (!ng_ifname_valid(de->d_name))
			continue;
		memset(&ifc, 0, sizeof(ifc));
		/* An interface that vanished since readdir is simply not listed. */
		if (read_sysfs(pr, de->d_name, &ifc, NULL) < 0 || ifc.kind == NG_KIND_LOOPBACK)
			continue;
		if (push_iface(v, cnt, &cap, &ifc) < 0) {
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
			break;
		}
	}
	closedir(d);
	return r;
}

/* Every interface from one RTM_GETLINK dump; masters are named from the same dump. Returns
 * -EAFNOSUPPORT (err untouched) when there is no rtnetlink socket to be had. */
static int list_live(struct probe *pr, struct ng_iface **v, size_t *cnt, struct ng_err *err)
{
	struct ng_nl_link *links;
	size_t n, cap = 0;
	int fd = ng_nl_open(NULL), r;

	if (fd < 0)
		return -EAFNOSUPPORT;
	r = ng_nl_dump_links(fd, &links, &n, err);
	close(fd);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *master = "";
		struct ng_iface ifc;

		if (!ng_ifname_valid(links[i].name) || links[i].flags & IFF_LOOPBACK)
			continue;
		for (size_t j = 0; links[i].master > 0 && j < n; j++) {
			if (links[j].ifindex == links[i].master) {
				master = links[j].name;
				break;
			}
		}
		fill_live(pr, &links[i], master, &ifc);
		if (push_iface(v, cnt, &cap, &ifc) < 0)
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	free(links);
	return r;
}

int ng_iface_list(const struct ng_ctx *ctx, struct ng_iface **out, size_t *n,
		  struct ng_err *err)
{
	struct ng_iface *v = NULL;
	size_t cnt = 0;
	struct probe pr;
	int r = -EAFNOSUPPORT;

	*out = NULL;
	*n = 0;
	probe_init(&pr, ctx);
	if (is_live(ctx))
		r = list_live(&pr, &v, &cnt, err);
	if (r == -EAFNOSUPPORT)
		r = list_sysfs(&pr, &v, &cnt, err);
	probe_close(&pr);
	if (r < 0) {
		free(v);
		return r;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_iface);
	*out = v;
	*n = cnt;
	return 0;
}
