/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recover.c: what nicguard-watch does to an interface: find it, rebind it, re-apply it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

static bool only_chars(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

static bool iface_exists(const struct ng_ctx *ctx, const char *name)
{
	char path[PATH_MAX];

	return ng_ifname_valid(name) &&
	       ng_path(ctx, path, sizeof(path), "/sys/class/net/%s", name) == 0 &&
	       access(path, F_OK) == 0;
}

/* The first interface (sorted) under root/sys/bus/BUS/devices/DEV/net/. */
static int first_net(const struct ng_ctx *ctx, const char *bus, const char *dev, char *ifname,
		     size_t len)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n, r = -ENODEV;

	if (ng_path(ctx, path, sizeof(path), "/sys/bus/%s/devices/%s/net", bus, dev) < 0)
		return -ENAMETOOLONG;
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return -ENODEV;
	for (int i = 0; i < n; i++) {
		if (r < 0 && ng_ifname_valid(names[i]->d_name) && strlen(names[i]->d_name) < len) {
			snprintf(ifname, len, "%s", names[i]->d_name);
			r = 0;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* A bus device named by a DEVICE= value or a printk prefix: "+pci:ADDR", "+virtio:virtioN",
 * a bare PCI address or virtioN. Characters are checked: the name becomes a path. */
static int from_device(const struct ng_ctx *ctx, const char *dev, char *ifname, size_t len)
{
	static const char hex[] = "0123456789abcdefABCDEF:.";

	if (strncmp(dev, "+pci:", 5) == 0)
		dev += 5;
	else if (strncmp(dev, "+virtio:", 8) == 0)
		dev += 8;
	if (strncmp(dev, "virtio", 6) == 0 && only_chars(dev + 6, "0123456789"))
		return first_net(ctx, "virtio", dev, ifname, len);
	if (only_chars(dev, hex) && strchr(dev, ':') && strlen(dev) < 32)
		return first_net(ctx, "pci", dev, ifname, len);
	return -ENODEV;
}

int ng_recover_locate(const struct ng_ctx *ctx, const struct ng_sig_match *m, char *ifname,
		      size_t len, struct ng_err *err)
{
	const char *dev = m->device;

	if (m->sig && m->sig->locate == NG_LOC_HOST)
		return ng_err_set(err, -EINVAL, NULL, 0, "%s concerns the whole host", m->sig->id);
	if (m->ifname[0] && iface_exists(ctx, m->ifname) && strlen(m->ifname) < len) {
		snprintf(ifname, len, "%s", m->ifname);
		return 0;
	}
	/* A netdev's own DEVICE= is "nIFINDEX"; dev_printk's is its parent bus device. */
	if (dev[0] == 'n' && only_chars(dev + 1, "0123456789") && strlen(dev) < 11) {
		struct ng_iface ifc;

		if (ng_iface_read_index(ctx, (int)strtol(dev + 1, NULL, 10), &ifc, NULL) == 0 &&
		    strlen(ifc.name) < len) {
			snprintf(ifname, len, "%s", ifc.name);
			return 0;
		}
	} else if (dev[0] && from_device(ctx, dev, ifname, len) == 0) {
		return 0;
	}
	if (m->busdev[0] && from_device(ctx, m->busdev, ifname, len) == 0)
		return 0;
	return ng_err_set(err, -ENODEV, NULL, 0, "no interface found for%s%s%s%s%s%s",
			  m->ifname[0] ? " " : "", m->ifname, m->busdev[0] ? " " : "", m->busdev,
			  dev[0] ? " " : "", dev);
}

static int write_sysfs(const char *path, const char *value, struct ng_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t w;
	int r = 0;

	if (fd < 0)
		return ng_err_set(err, -errno, path, 0, "cannot open: %s", strerror(errno));
	w = write(fd, value, strlen(value));
	if (w < 0)
		r = -errno;
	else if ((size_t)w != strlen(value))
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r < 0 ? ng_err_set(err, r, path, 0, "cannot write %s: %s", value, strerror(-r)) : 0;
}

int ng_recover_rebind(const struct ng_ctx *ctx, const struct ng_iface *ifc, struct ng_err *err)
{
	char link[PATH_MAX], target[PATH_MAX], path[PATH_MAX];
	const char *bus;
	ssize_t n;
	int r;

	if (!ifc->bus_addr[0] || !ifc->driver[0])
		return ng_err_set(err, -ENODEV, NULL, 0, "%s has no bus device to rebind",
				  ifc->name);
	if (!only_chars(ifc->bus_addr, "0123456789abcdefABCDEFvirtio:.") ||
	    !only_chars(ifc->driver, "abcdefghijklmnopqrstuvwxyz0123456789_-"))
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: unexpected device %s or driver %s",
				  ifc->name, ifc->bus_addr, ifc->driver);
	if (ng_path(ctx, link, sizeof(link), "/sys/class/net/%s/device/subsystem", ifc->name) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return ng_err_set(err, -errno, link, 0, "cannot read: %s", strerror(errno));
	target[n] = '\0';
	bus = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (strcmp(bus, "pci") != 0 && strcmp(bus, "virtio") != 0)
		return ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s is on bus %s; only pci and virtio "
				  "devices are rebound", ifc->name, bus);
	/* unbind removes the interface; bind probes the device again (a new ifindex). The
	 * caller (recoverstep.c) puts the port back and applies the policy; udev keeps off. */
	if (ng_path(ctx, path, sizeof(path), "/sys/bus/%s/drivers/%s/unbind", bus, ifc->driver) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	ng_trace(ctx, "%s: unbind %s from %s", ifc->name, ifc->bus_addr, ifc->driver);
	r = write_sysfs(path, ifc->bus_addr, err);
	if (r < 0)
		return r;
	if (ng_path(ctx, path, sizeof(path), "/sys/bus/%s/drivers/%s/bind", bus, ifc->driver) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	ng_trace(ctx, "%s: bind %s to %s", ifc->name, ifc->bus_addr, ifc->driver);
	return write_sysfs(path, ifc->bus_addr, err);
}

int ng_recover_reapply(const struct ng_ctx *ctx, const struct ng_policy *p,
		       const struct ng_iface *ifc, unsigned flags, struct ng_report *rep,
		       struct ng_err *err)
{
	/* Everything ifc holds now (stanza keys, an open backup window), with the watch-*
	 * settings over it before the mark that keeps them is written. */
	const struct ng_target_opts o = { .flags = NG_TARGET_WATCH };
	struct ng_resolver *rv = NULL;
	struct ng_target *t = NULL;
	struct ng_applied out;
	int r;

	r = ng_resolver_new(ctx, p, &rv, err);
	if (r == 0)
		r = ng_target_resolve(rv, ifc, &o, &t, err);
	if (r == 0 && ng_target_skip(t))
		r = ng_err_set(err, -ECANCELED, NULL, 0, "%s: skip = yes", ifc->name);
	else if (r == 0 && ng_target_count(t, NG_SET_WATCH) == 0)
		r = ng_err_set(err, -ENOENT, NULL, 0, "no watch-* settings for %s", ifc->name);
	if (r == 0)
		r = ng_apply_target(rv, ifc, t, &o, flags, rep, &out, err);
	if (r == 0 && !(flags & NG_APPLY_DRY_RUN))
		r = ng_runstate_escalate(ctx, ifc->name, err);
	ng_target_free(t);
	ng_resolver_free(rv);
	return r;
}

static void report_failures(const struct ng_report *rep, size_t from, const char *name,
			    struct ng_diags *problems)
{
	for (size_t i = from; i < rep->n; i++)
		if (rep->v[i].outcome == NG_FAILED)
			ng_diags_add(problems, NULL, 0, "%s: %s %s: failed: %s", name,
				     rep->v[i].name, rep->v[i].want, rep->v[i].detail);
}

int ng_recover_reassert(const struct ng_ctx *ctx, const struct ng_policy *p,
			struct ng_report *rep, struct ng_diags *problems)
{
	struct ng_resolver *rv = NULL;
	struct ng_err e = { 0 };
	char **names = NULL;
	size_t n = 0;
	int first = 0, r;

	r = ng_runstate_escalated(ctx, &names, &n, &e);
	if (r < 0) {
		ng_diags_add(problems, e.file, 0, "%s", e.msg);
		return r;
	}
	if (n && (r = ng_resolver_new(ctx, p, &rv, &e)) < 0) {
		ng_strv_free(names, n);
		return ng_diags_problem(problems, r, NULL, "%s", e.msg);
	}
	for (size_t i = 0; i < n; i++) {
		size_t from = rep->n;
		struct ng_applied out;
		struct ng_iface ifc;

		r = ng_iface_read(ctx, names[i], &ifc, &e);
		if (r == -ENODEV)
			continue;
		if (r == 0)
			r = ng_apply_iface(rv, &ifc, NULL, 0, rep, &out, &e);
		if (r == 0)
			report_failures(rep, from, names[i], problems);
		else
			ng_diags_problem(problems, r, &first, "%s: cannot re-apply its watch-* "
					 "settings: %s", names[i], e.msg);
	}
	ng_resolver_free(rv);
	ng_strv_free(names, n);
	return first;
}
