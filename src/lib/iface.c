/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iface.c: facts about network interfaces from sysfs under the root; name validation. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
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

bool ng_ifname_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len >= NG_IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f || strchr("/:\"';$`\\|&<>*?", c))
			return false;
	}
	return true;
}

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

/* One attribute of /sys/class/net/NAME, trailing whitespace removed. */
static int read_attr(const struct ng_ctx *ctx, const char *name, const char *attr, char *out,
		     size_t len)
{
	char path[PATH_MAX], *buf;
	size_t n;
	int r;

	out[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/%s", name, attr) < 0)
		return -ENAMETOOLONG;
	r = ng_read_file(path, false, 65536, &buf, &n);
	if (r < 0)
		return r;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	copy_str(out, len, buf);
	free(buf);
	return 0;
}

/* The last path component a symlink points to ("" when it is not a link). */
static int link_base(const struct ng_ctx *ctx, const char *name, const char *attr, char *out,
		     size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/%s", name, attr) < 0)
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	copy_str(out, len, base ? base + 1 : target);
	return 0;
}

static bool is_pci_addr(const char *s)
{
	unsigned dom, bus, dev, fn;
	int end = 0;

	return sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &end) == 4 &&
	       (size_t)end == strlen(s) && strlen(s) == 12;
}

/* Driver, bus device and nearest PCI ancestor from the `device` link. */
static void read_device(const struct ng_ctx *ctx, struct ng_iface *ifc)
{
	char path[PATH_MAX], real[PATH_MAX], *p;

	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/device", ifc->name) < 0 ||
	    !realpath(path, real))
		return;
	link_base(ctx, ifc->name, "device/driver", ifc->driver, sizeof(ifc->driver));
	p = strrchr(real, '/');
	copy_str(ifc->bus_addr, sizeof(ifc->bus_addr), p ? p + 1 : real);
	/* virtio0 sits under its PCI function: walk up to the nearest PCI address. */
	while ((p = strrchr(real, '/'))) {
		if (is_pci_addr(p + 1)) {
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

/* Software devices: sysfs says bridge, bond, vlan and tun/tap itself; veth has no marker
 * there, only a peer (iflink != ifindex), so on the live system the driver name from
 * ETHTOOL_GDRVINFO decides. Fixture roots have no kernel behind them and use sysfs alone. */
static void read_kind(const struct ng_ctx *ctx, struct ng_iface *ifc, unsigned flags)
{
	char devtype[32], val[64];
	bool has_device = ifc->bus_addr[0] != '\0';

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
		ifc->kind = strtoul(val, NULL, 16) & IFF_TAP_FLAG ? NG_KIND_TAP : NG_KIND_TUN;
		snprintf(ifc->driver, sizeof(ifc->driver), "tun");
	} else if (has_device) {
		ifc->kind = NG_KIND_PHYSICAL;
	} else {
		ifc->kind = NG_KIND_VIRTUAL;
	}
	if (ifc->kind != NG_KIND_VIRTUAL)
		return;
	if (ng_ctx_root_prefix(ctx)[0] == '\0') {
		struct ethtool_drvinfo d;
		int fd = ng_eth_open(NULL);

		if (fd >= 0 && ng_eth_drvinfo(fd, ifc->name, &d, NULL) == 0)
			snprintf(ifc->driver, sizeof(ifc->driver), "%s", d.driver);
		if (fd >= 0)
			close(fd);
		if (strcmp(ifc->driver, "veth") == 0)
			ifc->kind = NG_KIND_VETH;
	} else if (read_attr(ctx, ifc->name, "iflink", val, sizeof(val)) == 0 &&
		   atoi(val) != ifc->ifindex) {
		ifc->kind = NG_KIND_VETH;
		snprintf(ifc->driver, sizeof(ifc->driver), "veth");
	}
}

static unsigned count_rx_queues(const struct ng_ctx *ctx, const char *name)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if (ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/queues", name) < 0)
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "rx-", 3) == 0 && isdigit((unsigned char)de->d_name[3]))
			n++;
	closedir(d);
	return n;
}

int ng_iface_read(const struct ng_ctx *ctx, const char *name, struct ng_iface *out,
		  struct ng_err *err)
{
	char val[64];
	unsigned flags;
	int r;

	memset(out, 0, sizeof(*out));
	if (!ng_ifname_valid(name))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	snprintf(out->name, sizeof(out->name), "%s", name);
	r = read_attr(ctx, name, "ifindex", val, sizeof(val));
	if (r == -ENOENT || r == -ENOTDIR)
		return ng_err_set(err, -ENODEV, NULL, 0, "%s: no such interface", name);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s: ifindex: %s", name, strerror(-r));
	out->ifindex = atoi(val);
	read_attr(ctx, name, "address", out->mac, sizeof(out->mac));
	flags = read_attr(ctx, name, "flags", val, sizeof(val)) == 0 ?
		(unsigned)strtoul(val, NULL, 16) : 0;
	out->up = flags & IFF_UP;
	read_device(ctx, out);
	read_kind(ctx, out, flags);
	/* Bridges and bonds both create a `master` link on their ports. */
	if (link_base(ctx, name, "master", out->master, sizeof(out->master)) < 0)
		link_base(ctx, name, "brport/bridge", out->master, sizeof(out->master));
	out->rx_queues = count_rx_queues(ctx, name);
	return 0;
}

int ng_iface_read_index(const struct ng_ctx *ctx, int ifindex, struct ng_iface *out,
			struct ng_err *err)
{
	struct ng_iface *v;
	size_t n;
	int r;

	r = ng_iface_list(ctx, &v, &n, err);
	if (r < 0)
		return r;
	r = ng_err_set(err, -ENODEV, NULL, 0, "no interface with ifindex %d", ifindex);
	for (size_t i = 0; i < n; i++) {
		if (v[i].ifindex == ifindex) {
			*out = v[i];
			r = 0;
			break;
		}
	}
	free(v);
	return r;
}

static int cmp_iface(const void *a, const void *b)
{
	return strcmp(((const struct ng_iface *)a)->name, ((const struct ng_iface *)b)->name);
}

int ng_iface_list(const struct ng_ctx *ctx, struct ng_iface **out, size_t *n,
		  struct ng_err *err)
{
	struct ng_iface *v = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	size_t cnt = 0, cap = 0;
	DIR *d;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (ng_path(ctx, path, sizeof(path), "/sys/class/net") < 0)
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
		/* An interface that vanished since readdir is simply not listed. */
		if (ng_iface_read(ctx, de->d_name, &ifc, NULL) < 0 ||
		    ifc.kind == NG_KIND_LOOPBACK)
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ng_iface *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt++] = ifc;
	}
	closedir(d);
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
