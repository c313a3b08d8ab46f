/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recover.c: what nicguard-watch does to an interface, and the state it keeps in /run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define ESCALATED_PATH "/run/nicguard/watch-escalated"
#define EVENTS_PATH "/run/nicguard/watch-events"
#define STATE_MAX (256 * 1024)

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
	/* unbind removes the interface; bind probes the device again (a new ifindex: udev's
	 * add event re-applies the policy, and the watch settings when marked). */
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

static size_t count_set(const struct ng_wanted *w, enum ng_set set)
{
	size_t n = 0;

	for (size_t i = 0; i < w->n; i++)
		n += w->items[i].set == set && w->items[i].group != NG_FLAG;
	return n;
}

int ng_recover_reapply(const struct ng_ctx *ctx, const struct ng_policy *p,
		       const struct ng_iface *ifc, unsigned flags, struct ng_report *rep,
		       struct ng_err *err)
{
	struct ng_wanted watch = { 0 };
	struct ng_target t = { 0 };
	int r;

	r = ng_resolve(p, ifc, NG_SET_WATCH, &watch, err);
	if (r == 0 && count_set(&watch, NG_SET_WATCH) == 0)
		r = ng_err_set(err, -ENOENT, NULL, 0, "no watch-* settings for %s", ifc->name);
	ng_wanted_free(&watch);
	/* Everything the interface holds now (stanza keys, an open backup window), with the
	 * watch-* settings over it before the mark that keeps them is written. */
	if (r == 0)
		r = ng_target_resolve(ctx, p, ifc, NG_TARGET_ALL | NG_TARGET_FORCE_WATCH, NULL, 0,
				      &t, err);
	if (r == 0)
		r = ng_apply(ctx, ifc, &t.w, flags, rep, err);
	if (r == 0 && !(flags & NG_APPLY_DRY_RUN))
		r = ng_recover_mark(ctx, ifc->name, err);
	ng_target_free(&t);
	return r;
}

/* Read a state file: NULL buffer (0) when it does not exist. */
static int read_state(const struct ng_ctx *ctx, const char *rel, char *path, size_t plen,
		      char **buf)
{
	int r;

	*buf = NULL;
	if (ng_path(ctx, path, plen, "%s", rel) < 0)
		return -ENAMETOOLONG;
	r = ng_read_file(path, true, STATE_MAX, buf, NULL);
	return r == -ENOENT ? 0 : r;
}

static bool has_line(const char *buf, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static int mkdir_run(const struct ng_ctx *ctx, struct ng_err *err)
{
	char dir[PATH_MAX];

	if (ng_path(ctx, dir, sizeof(dir), "/run/nicguard") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
	return 0;
}

int ng_recover_mark(const struct ng_ctx *ctx, const char *ifname, struct ng_err *err)
{
	char path[PATH_MAX], *old = NULL, *text = NULL;
	size_t len;
	FILE *f;
	int r;

	if (!ng_ifname_valid(ifname))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	r = mkdir_run(ctx, err);
	if (r < 0)
		return r;
	r = read_state(ctx, ESCALATED_PATH, path, sizeof(path), &old);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	if (old && strncmp(old, NG_MARKER, strlen(NG_MARKER)) != 0) {
		free(old);
		return ng_err_set(err, -EEXIST, path, 0, "exists and was not written by "
				  "nicguard (no marker line); left alone");
	}
	if (old && has_line(old, ifname)) {
		free(old);
		return 0;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		free(old);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	/* Keep the names already there (the marker line is written anew). */
	fprintf(f, "%s\n# Interfaces nicguard-watch moved to their watch-* settings.\n", NG_MARKER);
	for (char *p = old, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (ng_ifname_valid(p))
			fprintf(f, "%s\n", p);
		if (!nl)
			break;
	}
	fprintf(f, "%s\n", ifname);
	free(old);
	if (fclose(f) != 0) {
		free(text);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	r = ng_atomic_write_owned(path, text, len, 0644, err);
	free(text);
	return r;
}

bool ng_recover_marked(const struct ng_ctx *ctx, const char *ifname)
{
	char path[PATH_MAX], *buf;
	bool yes;

	if (!ng_ifname_valid(ifname) ||
	    read_state(ctx, ESCALATED_PATH, path, sizeof(path), &buf) < 0 || !buf)
		return false;
	yes = strncmp(buf, NG_MARKER, strlen(NG_MARKER)) == 0 && has_line(buf, ifname);
	free(buf);
	return yes;
}

/* Event fields go into a tab-separated line: no tabs, newlines or control bytes. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

int ng_recover_events_write(const struct ng_ctx *ctx, const struct ng_watch_event *v, size_t n,
			    struct ng_err *err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	FILE *f;
	int r;

	r = mkdir_run(ctx, err);
	if (r < 0)
		return r;
	if (ng_path(ctx, path, sizeof(path), EVENTS_PATH) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	f = open_memstream(&text, &len);
	if (!f)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	fprintf(f, "%s\n# time\tsignature\tinterface\taction\tdetail\n", NG_MARKER);
	for (size_t i = 0; i < n; i++) {
		struct ng_watch_event e = v[i];

		clean(e.sig);
		clean(e.ifname);
		clean(e.action);
		clean(e.detail);
		fprintf(f, "%" PRId64 "\t%s\t%s\t%s\t%s\n", e.time, e.sig[0] ? e.sig : "-",
			e.ifname[0] ? e.ifname : "-", e.action[0] ? e.action : "-", e.detail);
	}
	if (fclose(f) != 0) {
		free(text);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	r = ng_atomic_write_owned(path, text, len, 0644, err);
	free(text);
	return r;
}

static void field(char **p, char *out, size_t len)
{
	char *tab = strchr(*p, '\t');

	if (tab)
		*tab = '\0';
	snprintf(out, len, "%s", strcmp(*p, "-") == 0 ? "" : *p);
	*p = tab ? tab + 1 : *p + strlen(*p);
}

int ng_recover_events_read(const struct ng_ctx *ctx, struct ng_watch_event **out, size_t *n,
			   struct ng_err *err)
{
	char path[PATH_MAX], *buf, *line, *save = NULL;
	struct ng_watch_event *v = NULL;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = read_state(ctx, EVENTS_PATH, path, sizeof(path), &buf);
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	if (!buf)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct ng_watch_event *nv;
		char *p = line, *end;
		long long t;

		if (line[0] == '#')
			continue;
		t = strtoll(p, &end, 10);
		if (end == p || *end != '\t')
			continue;	/* not a line this file's writer makes */
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			free(buf);
			return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].time = t;
		p = end + 1;
		field(&p, v[cnt].sig, sizeof(v[cnt].sig));
		field(&p, v[cnt].ifname, sizeof(v[cnt].ifname));
		field(&p, v[cnt].action, sizeof(v[cnt].action));
		field(&p, v[cnt].detail, sizeof(v[cnt].detail));
		cnt++;
	}
	free(buf);
	*out = v;
	*n = cnt;
	return 0;
}

int ng_recover_reassert(const struct ng_ctx *ctx, const struct ng_policy *p,
			struct ng_report *rep, struct ng_diags *problems)
{
	char path[PATH_MAX], *buf, *save = NULL;
	int first = 0, r;

	r = read_state(ctx, ESCALATED_PATH, path, sizeof(path), &buf);
	if (r < 0) {
		ng_diags_add(problems, path, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	if (!buf || strncmp(buf, NG_MARKER, strlen(NG_MARKER)) != 0) {
		free(buf);
		return 0;
	}
	for (char *name = strtok_r(buf, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		struct ng_target t;
		struct ng_iface ifc;
		struct ng_err e = { 0 };

		if (!ng_ifname_valid(name))
			continue;	/* the marker and comment lines */
		r = ng_iface_read(ctx, name, &ifc, &e);
		if (r == -ENODEV)
			continue;
		if (r == 0)
			r = ng_target_resolve(ctx, p, &ifc, NG_TARGET_ALL, NULL, 0, &t, &e);
		if (r == 0) {
			size_t from = rep->n;

			r = ng_apply(ctx, &ifc, &t.w, 0, rep, &e);
			ng_target_free(&t);
			for (size_t i = from; r == 0 && i < rep->n; i++)
				if (rep->v[i].outcome == NG_FAILED)
					ng_diags_add(problems, NULL, 0, "%s: %s %s: failed: %s",
						     name, rep->v[i].name, rep->v[i].want,
						     rep->v[i].detail);
		}
		if (r < 0) {
			ng_diags_add(problems, NULL, 0, "%s: cannot re-apply its watch-* settings: %s",
				     name, e.msg);
			first = first ? first : r;
		}
	}
	free(buf);
	return first;
}
