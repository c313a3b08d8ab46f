/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor.c: known NIC traps on this machine (config, module options, drift, kernel log, drops). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

static int add(struct ng_doctor *d, const char *check, const char *where, const char *fix,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int add(struct ng_doctor *d, const char *check, const char *where, const char *fix,
	       const char *fmt, ...)
{
	struct ng_finding *f;
	va_list ap;
	int r;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct ng_finding *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	f = &d->v[d->n];
	f->check = check;
	f->where = strdup(where);
	f->fix = strdup(fix);
	va_start(ap, fmt);
	r = vasprintf(&f->what, fmt, ap);
	va_end(ap);
	if (r < 0)
		f->what = NULL;
	if (!f->where || !f->fix || !f->what) {
		free(f->where);
		free(f->fix);
		free(f->what);
		return -ENOMEM;
	}
	d->n++;
	return 0;
}

void ng_doctor_free(struct ng_doctor *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].what);
		free(d->v[i].fix);
	}
	free(d->v);
	ng_diags_free(&d->notes);
	memset(d, 0, sizeof(*d));
}

static bool exists(const struct ng_ctx *ctx, const char *p)
{
	char path[PATH_MAX];

	return ng_path(ctx, path, sizeof(path), "%s", p) == 0 && access(path, F_OK) == 0;
}

/* ------------------------------------- stanza keys that do nothing under ifupdown2 */

/* Keys of Debian's ethtool if-up.d hook, which ifupdown2 never runs (its addon of the same
 * name hides it), and how to say them with nicguard. Keep sorted by prefix. */
static const struct {
	const char *prefix;
	const char *key;	/* the nicguard key taking the rest of the name and the value */
	const char *fix;	/* when there is none */
} debian_keys[] = {
	{ "driver-message-level", NULL, "use the policy's `ethtool = -s {} msglvl ...` line" },
	{ "ethernet-autoneg", "nicguard-link autoneg", NULL },
	{ "ethernet-pause-", NULL, "use the policy's `ethtool = -A {} ...` pass-through" },
	{ "ethernet-port", NULL, "use the policy's `ethtool = -s {} port ...` pass-through" },
	{ "ethernet-wol", NULL, "use the policy's `ethtool = -s {} wol ...` pass-through" },
	{ "hardware-dma-ring-", "nicguard-ring", NULL },
	{ "hardware-irq-coalesce-", "nicguard-coalesce", NULL },
	{ "offload-", "nicguard-offload", NULL },
};

/* ifupdown2's ethtool addon skips these on bridge, bond and VLAN stanzas. */
static const char *const addon_keys[] = {
	"gro-offload", "gso-offload", "link-autoneg", "link-duplex", "link-speed", "lro-offload",
	"ring-rx", "ring-tx", "rx-offload", "tso-offload", "tx-offload", "ufo-offload",
};

static bool is_bridge_stanza(const struct ng_interfaces *f, const char *iface)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].iface, iface) == 0 &&
		    (strcmp(f->v[i].key, "bridge-ports") == 0 ||
		     strcmp(f->v[i].key, "bridge_ports") == 0 ||
		     strcmp(f->v[i].key, "bond-slaves") == 0 ||
		     strcmp(f->v[i].key, "vlan-raw-device") == 0))
			return true;
	return false;
}

static int check_ifupdown2(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_interfaces f = { 0 };
	int r;

	if (!exists(ctx, "/usr/share/ifupdown2") &&
	    !exists(ctx, "/etc/network/ifupdown2/ifupdown2.conf"))
		return 0;
	r = ng_interfaces_load(ctx, &f, NULL);
	for (size_t i = 0; r == 0 && i < f.n; i++) {
		const struct ng_ifopt *o = &f.v[i];
		char where[320], fix[400];

		snprintf(where, sizeof(where), "%.300s:%u", o->file, o->line);
		for (size_t k = 0; r == 0 && k < NG_ARRAY_SIZE(debian_keys); k++) {
			size_t l = strlen(debian_keys[k].prefix);
			bool prefix = debian_keys[k].prefix[l - 1] == '-';

			if (prefix ? strncmp(o->key, debian_keys[k].prefix, l) != 0 :
			    strcmp(o->key, debian_keys[k].prefix) != 0)
				continue;
			if (debian_keys[k].key)
				snprintf(fix, sizeof(fix), "write `%s%s%s %s` instead (nicguard "
					 "reads it under both ifupdowns)", debian_keys[k].key,
					 prefix ? " " : "", prefix ? o->key + l : "", o->value);
			else
				snprintf(fix, sizeof(fix), "%s", debian_keys[k].fix);
			r = add(d, "ifupdown2-ethtool-keys", where, fix,
				"`%s %s` on iface %s does nothing: ifupdown2 never runs Debian's "
				"if-up.d/ethtool hook that reads it", o->key, o->value, o->iface);
		}
		for (size_t k = 0; r == 0 && k < NG_ARRAY_SIZE(addon_keys); k++)
			if (strcmp(o->key, addon_keys[k]) == 0 && is_bridge_stanza(&f, o->iface))
				r = add(d, "ifupdown2-bridge-keys", where,
					"move it to the ports' stanzas, or write the nicguard- key "
					"(nicguard applies it on bridges too)",
					"`%s %s` on iface %s is ignored: ifupdown2's ethtool "
					"addon skips bridge, bond and VLAN stanzas", o->key,
					o->value, o->iface);
	}
	for (size_t i = 0; r == 0 && i < f.diags.n; i++)
		r = ng_diags_add(&d->notes, f.diags.v[i].file, f.diags.v[i].line, "%s",
				 f.diags.v[i].msg);
	ng_interfaces_free(&f);
	return r;
}

/* ------------------------------------------------------- e1000e module options */

static size_t count_values(const char *v)
{
	size_t n = *v ? 1 : 0;

	for (; *v; v++)
		n += *v == ',';
	return n;
}

static bool all_default(const char *v)
{
	while (*v) {
		size_t l = strcspn(v, ",");

		if (l != 1 || *v != '3')
			return false;
		v += l + (v[l] == ',');
	}
	return true;
}

static int check_modprobe(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_modopt *o;
	char (*ports)[16];
	size_t n, nports;
	long long newest = -1, initrd;
	char why[200];
	int r;

	r = ng_modprobe_options(ctx, "e1000e", &o, &n);
	if (r < 0)
		return r;
	r = ng_e1000e_ports(ctx, &ports, &nports);
	if (r < 0) {
		ng_modopts_free(o, n);
		return r;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		char where[320];
		size_t nv = count_values(o[i].value);

		if (o[i].mtime > newest)
			newest = o[i].mtime;
		if (strcmp(o[i].param, "InterruptThrottleRate") != 0)
			continue;
		snprintf(where, sizeof(where), "%.300s:%u", o[i].file, o[i].line);
		if (all_default(o[i].value))
			r = add(d, "itr-default", where,
				"remove the option, or set interrupt-throttle-rate in the policy "
				"to a value that changes something (0, 1, 4, 100-100000) and "
				"run `nicguard modprobe --write`",
				"InterruptThrottleRate=%s is the driver's default (3, dynamic "
				"conservative): setting it changes nothing", o[i].value);
		if (r == 0 && nports > nv)
			r = add(d, "itr-too-few", where,
				"run `nicguard modprobe --write`: one value per port, in probe "
				"order",
				"InterruptThrottleRate has %zu value%s for %zu e1000e ports: "
				"port %s and any after it silently get the default (3)", nv,
				nv == 1 ? "" : "s", nports, ports[nv]);
	}
	initrd = ng_initramfs_mtime(ctx);
	if (r == 0 && n && initrd >= 0 && newest > initrd &&
	    ng_initramfs_e1000e(ctx, why, sizeof(why)) == NG_INITRAMFS_WITH)
		r = add(d, "initramfs-stale", "/boot/initrd.img-*",
			"run `update-initramfs -u` (or `nicguard modprobe --update-initramfs`)",
			"e1000e is loaded from the initramfs (%s), which is older than the e1000e "
			"options in modprobe.d: they take effect only after a rebuild", why);
	ng_modopts_free(o, n);
	free(ports);
	return r;
}

/* --------------------------------------------------------------- policy drift */

static int drift_one(const struct ng_ctx *ctx, const struct ng_policy *p,
		     const struct ng_iface *ifc, struct ng_doctor *d)
{
	struct ng_report rep = { 0 };
	struct ng_stanza st = { 0 };
	struct ng_wanted w = { 0 };
	int r;

	r = ng_resolve(p, ifc, NG_SET_NORMAL, &w, NULL);
	if (r == 0 && ng_stanza_load(ctx, ifc->name, &st, NULL) == 0)
		r = ng_stanza_merge(&w, st.items, st.n, NG_SET_NORMAL);
	if (r < 0 || ng_wanted_skip(&w) || w.n == 0)
		goto out;
	/* A dry run only reads; an interface the kernel does not have (a fixture's) is skipped. */
	if (ng_apply(ctx, ifc, &w, NG_APPLY_DRY_RUN, &rep, NULL) < 0)
		goto out;
	for (size_t i = 0; r == 0 && i < rep.n; i++) {
		const struct ng_result *res = &rep.v[i];

		if (res->outcome != NG_PLANNED)
			continue;
		r = add(d, "drift", ifc->name,
			"run `nicguard apply` (and find what changed it: a post-up line, a driver "
			"reload without the udev rule, QEMU resetting a tap's offloads)",
			"%s is %s, the policy wants %s (%s:%u)", res->name,
			res->was[0] ? res->was : "?", res->want,
			res->origin.file ? res->origin.file : "?", res->origin.line);
	}
out:
	ng_report_free(&rep);
	ng_wanted_free(&w);
	ng_stanza_free(&st);
	return r == -ENOMEM ? r : 0;
}

static int check_drift(const struct ng_ctx *ctx, const struct ng_policy *p, struct ng_doctor *d)
{
	struct ng_iface *v;
	size_t n;
	int r;

	if (ng_backup_active(ctx))
		return ng_diags_add(&d->notes, NULL, 0, "drift not checked: a backup window is "
				    "open (backup-* settings are applied on purpose)");
	r = ng_iface_list(ctx, &v, &n, NULL);
	if (r < 0)
		return ng_diags_add(&d->notes, NULL, 0, "drift not checked: cannot list "
				    "interfaces: %s", strerror(-r));
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (v[i].kind != NG_KIND_LOOPBACK)
			r = drift_one(ctx, p, &v[i], d);
	free(v);
	return r < 0 ? r : 0;
}

/* -------------------------------------------------- hang signatures in kmsg */

struct sighit {
	const struct ng_sig *sig;
	char ifname[NG_IFNAMSIZ];
	char busdev[32];
	unsigned count;
	uint64_t last_usec;
	char text[160];
};

static int note_record(struct ng_kmsg *rec, struct sighit **hits, size_t *n, const char *buf,
		       size_t len)
{
	struct ng_sig_match m;
	struct sighit *h;

	if (ng_kmsg_parse(buf, len, rec) < 0 || !ng_sig_match(rec, 0, &m) ||
	    m.sig->cls == NG_SIG_INFO)
		return 0;
	for (size_t i = 0; i < *n; i++) {
		h = &(*hits)[i];
		if (strcmp(h->sig->id, m.sig->id) == 0 && strcmp(h->ifname, m.ifname) == 0 &&
		    strcmp(h->busdev, m.busdev) == 0) {
			h->count++;
			h->last_usec = rec->ts_usec;
			return 0;
		}
	}
	h = realloc(*hits, (*n + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	*hits = h;
	h += (*n)++;
	memset(h, 0, sizeof(*h));
	h->sig = m.sig;
	h->count = 1;
	h->last_usec = rec->ts_usec;
	snprintf(h->ifname, sizeof(h->ifname), "%s", m.ifname);
	snprintf(h->busdev, sizeof(h->busdev), "%s", m.busdev);
	snprintf(h->text, sizeof(h->text), "%.*s", (int)strcspn(rec->text, "\n"), rec->text);
	return 0;
}

/* The kernel ring buffer from its oldest record: one record per read() of /dev/kmsg until
 * EAGAIN; a fixture's plain file or FIFO is a stream of records to split. */
static int read_kmsg(const struct ng_ctx *ctx, struct sighit **hits, size_t *n,
		     struct ng_doctor *d)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0, cap = 0;
	struct ng_kmsg *rec;
	struct stat st;
	int fd, r = 0;

	if (ng_path(ctx, path, sizeof(path), "/dev/kmsg") < 0)
		return 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ng_diags_add(&d->notes, NULL, 0, "kernel log not read: %s: %s", path,
				    strerror(errno));
	rec = malloc(sizeof(*rec));	/* 8 KiB of text: not on the stack */
	if (!rec) {
		close(fd);
		return -ENOMEM;
	}
	lseek(fd, 0, SEEK_SET);
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	for (;;) {
		ssize_t got;

		if (cap - len < NG_KMSG_READ_MAX) {
			char *t = realloc(buf, cap + 4 * NG_KMSG_READ_MAX);

			if (!t) {
				r = -ENOMEM;
				break;
			}
			buf = t;
			cap += 4 * NG_KMSG_READ_MAX;
		}
		got = read(fd, buf + len, NG_KMSG_READ_MAX);
		if (got < 0 && (errno == EINTR || errno == EPIPE))
			continue;	/* EPIPE: overwritten records; we are at the oldest now */
		if (got <= 0)
			break;	/* EAGAIN: the newest record was read; 0: end of file */
		if (S_ISCHR(st.st_mode)) {
			r = note_record(rec, hits, n, buf, (size_t)got);
			if (r < 0)
				break;
		} else {
			len += (size_t)got;
		}
	}
	close(fd);
	for (size_t off = 0, l; r == 0 && (l = ng_kmsg_split(buf + off, len - off, true));
	     off += l)
		r = note_record(rec, hits, n, buf + off, l);
	free(buf);
	free(rec);
	return r;
}

static const char *sig_fix(const struct ng_sig *s)
{
	if (s->cls == NG_SIG_STALL)
		return "CPU stalls often follow a NIC hang under load (seed 003): check the other "
		       "findings; run nicguard-watch to recover the NIC within a second";
	if (strncmp(s->id, "virtio", 6) == 0)
		return "turn TSO/GSO/GRO off in the guest (the built-in virtio_net policy does: "
		       "`nicguard status`), and run nicguard-watch";
	if (strncmp(s->id, "r8169", 5) == 0 || strstr(s->id, "watchdog"))
		return "offloads off (built-in policy), if it persists `link = speed 100 duplex "
		       "full autoneg off` and pcie_aspm=off; run nicguard-watch to recover";
	return "keep TSO/GSO/GRO off (built-in e1000e policy: `nicguard status`), tighten "
	       "backups with backup-offload, and run nicguard-watch to recover within a second";
}

static int check_kmsg(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct sighit *hits = NULL;
	size_t n = 0;
	int r = read_kmsg(ctx, &hits, &n, d);

	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct sighit *h = &hits[i];
		char where[64];

		snprintf(where, sizeof(where), "%s", h->ifname[0] ? h->ifname :
			 h->busdev[0] ? h->busdev : "kernel log");
		r = add(d, "kernel-log", where, sig_fix(h->sig),
			"%u× %s (%s) in the kernel log, last %llu.%06llu s after boot: %s",
			h->count, h->sig->id, ng_sig_class_name(h->sig->cls),
			(unsigned long long)(h->last_usec / 1000000),
			(unsigned long long)(h->last_usec % 1000000), h->text);
	}
	free(hits);
	return r;
}

/* -------------------------------------------------------------- rising drops */

struct counters {
	size_t n;
	char (*names)[NG_IFNAMSIZ];
	int64_t *rx_dropped;
	int64_t softnet_dropped, softnet_squeeze;
};

static int64_t read_counter(const char *path)
{
	char *buf;
	int64_t v;

	if (ng_read_file(path, false, 4096, &buf, NULL) < 0)
		return -1;
	v = strtoll(buf, NULL, 10);
	free(buf);
	return v;
}

static void softnet(const struct ng_ctx *ctx, struct counters *c)
{
	char path[PATH_MAX], *buf, *line, *next;

	c->softnet_dropped = c->softnet_squeeze = -1;
	if (ng_path(ctx, path, sizeof(path), "/proc/net/softnet_stat") < 0 ||
	    ng_read_file(path, false, 1 << 20, &buf, NULL) < 0)
		return;
	c->softnet_dropped = c->softnet_squeeze = 0;
	/* Columns by position, hex: processed, dropped, time_squeeze, ... (kernel.md §5). */
	for (line = buf; line && *line; line = next) {
		unsigned long long processed, dropped, squeeze;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%llx %llx %llx", &processed, &dropped, &squeeze) == 3) {
			c->softnet_dropped += (int64_t)dropped;
			c->softnet_squeeze += (int64_t)squeeze;
		}
	}
	free(buf);
}

static int sample(const struct ng_ctx *ctx, struct counters *c)
{
	struct ng_iface *v;
	size_t n;
	int r = ng_iface_list(ctx, &v, &n, NULL);

	memset(c, 0, sizeof(*c));
	softnet(ctx, c);
	if (r < 0)
		return 0;
	c->names = calloc(n ? n : 1, sizeof(*c->names));
	c->rx_dropped = calloc(n ? n : 1, sizeof(*c->rx_dropped));
	if (!c->names || !c->rx_dropped) {
		free(v);
		return -ENOMEM;
	}
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(c->names[i], sizeof(c->names[i]), "%s", v[i].name);
		c->rx_dropped[i] = ng_path(ctx, path, sizeof(path),
					   "/sys/class/net/%s/statistics/rx_dropped",
					   v[i].name) == 0 ? read_counter(path) : -1;
	}
	free(v);
	return 0;
}

static void counters_free(struct counters *c)
{
	free(c->names);
	free(c->rx_dropped);
}

static int check_drops(const struct ng_ctx *ctx, unsigned interval_ms, struct ng_doctor *d)
{
	struct counters a = { 0 }, b = { 0 };
	struct timespec ts = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L };
	double secs = interval_ms / 1000.0;
	int r;

	if (!interval_ms)
		return ng_diags_add(&d->notes, NULL, 0, "counters not sampled (interval 0): "
				    "rising drops cannot be seen");
	r = sample(ctx, &a);
	if (r == 0) {
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		r = sample(ctx, &b);
	}
	for (size_t i = 0; r == 0 && i < a.n; i++) {
		for (size_t j = 0; r == 0 && j < b.n; j++) {
			if (strcmp(a.names[i], b.names[j]) != 0 || a.rx_dropped[i] < 0 ||
			    b.rx_dropped[j] <= a.rx_dropped[i])
				continue;
			r = add(d, "rx-dropped", a.names[i],
				"set `rps = all` for it in the policy (spreads receive work over "
				"the CPUs) and check `nicguard sysctl --check`",
				"rx_dropped rose by %lld in %.1f s (now %lld)",
				(long long)(b.rx_dropped[j] - a.rx_dropped[i]), secs,
				(long long)b.rx_dropped[j]);
		}
	}
	if (r == 0 && a.softnet_dropped >= 0 && b.softnet_dropped > a.softnet_dropped)
		r = add(d, "softnet-dropped", "/proc/net/softnet_stat",
			"raise net.core.netdev_max_backlog: `nicguard sysctl --check`, then "
			"--write",
			"the per-CPU backlog overflowed: softnet drops rose by %lld in %.1f s",
			(long long)(b.softnet_dropped - a.softnet_dropped), secs);
	if (r == 0 && a.softnet_squeeze >= 0 && b.softnet_squeeze > a.softnet_squeeze)
		r = add(d, "softnet-squeeze", "/proc/net/softnet_stat",
			"raise net.core.netdev_budget (`nicguard sysctl --check`) and spread the "
			"load with `rps = all`",
			"the receive softirq ran out of budget: time_squeeze rose by %lld in "
			"%.1f s",
			(long long)(b.softnet_squeeze - a.softnet_squeeze), secs);
	counters_free(&a);
	counters_free(&b);
	return r;
}

int ng_doctor_run(const struct ng_ctx *ctx, const struct ng_policy *p, unsigned interval_ms,
		  struct ng_doctor *out, struct ng_err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = check_ifupdown2(ctx, out);
	if (r == 0)
		r = check_modprobe(ctx, out);
	if (r == 0)
		r = check_drift(ctx, p, out);
	if (r == 0)
		r = check_kmsg(ctx, out);
	if (r == 0)
		r = check_drops(ctx, interval_ms, out);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s", strerror(-r));
	return 0;
}
