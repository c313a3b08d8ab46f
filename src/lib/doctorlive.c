/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctorlive.c: doctor's live-machine checks: policy drift, EEE on e1000e and igc ports,
 * hang signatures, rising drops. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "internal.h"

/* --------------------------------------------------------------- policy drift */

static int drift_one(const struct ng_resolver *rv, const struct ng_iface *ifc,
		     struct ng_doctor *d)
{
	struct ng_report rep = { 0 };
	struct ng_applied out;
	int r = 0;

	/* A dry run of the one apply path: against what the interface should hold now, so an
	 * open backup window's settings and a watch escalation are not drift; skipped
	 * interfaces have none. An interface the kernel does not have (a fixture's) is
	 * skipped. */
	if (ng_apply_iface(rv, ifc, NULL, NG_APPLY_DRY_RUN, &rep, &out, NULL) < 0)
		goto out;
	for (size_t i = 0; r == 0 && i < rep.n; i++) {
		const struct ng_result *res = &rep.v[i];

		if (!ng_result_drift(res))
			continue;
		r = ng_doctor_add(d, "drift", ifc->name, res->outcome == NG_FIXED ?
			"the driver does not let it change: drop the setting for this device, or "
			"find what fixed it (a driver option, the hypervisor's offer)" :
			"run `nicguard apply` (and find what changed it: a post-up line, a driver "
			"reload without the udev rule, QEMU resetting a tap's offloads)",
			"%s is %s, the policy wants %s (%s:%u)", res->name,
			res->was[0] ? res->was : "?", res->want,
			res->origin.file ? res->origin.file : "?", res->origin.line);
	}
out:
	ng_report_free(&rep);
	return r == -ENOMEM ? r : 0;
}

/* Run one check (what, for the note when it cannot) on every interface but lo, with one
 * resolver over p. Returns 0 or -ENOMEM. */
static int each_iface(const struct ng_ctx *ctx, const struct ng_policy *p, struct ng_doctor *d,
		      const char *what, int (*one)(const struct ng_resolver *rv,
						   const struct ng_iface *ifc, struct ng_doctor *d))
{
	struct ng_resolver *rv;
	struct ng_iface *v;
	size_t n;
	int r;

	r = ng_iface_list(ctx, &v, &n, NULL);
	if (r < 0)
		return ng_diags_add(&d->notes, NULL, 0, "%s not checked: cannot list "
				    "interfaces: %s", what, strerror(-r));
	r = ng_resolver_new(ctx, p, &rv, NULL);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (v[i].kind != NG_KIND_LOOPBACK)
			r = one(rv, &v[i], d);
	ng_resolver_free(rv);
	free(v);
	return r < 0 ? r : 0;
}

int ng_doctor_check_drift(const struct ng_ctx *ctx, const struct ng_policy *p,
			  struct ng_doctor *d)
{
	return each_iface(ctx, p, d, "drift", drift_one);
}

/* ------------------------------------------------- EEE on e1000e and igc */

int ng_doctor_eee_finding(struct ng_doctor *d, const struct ng_iface *ifc,
			  const struct ng_result *r)
{
	char fix[256];

	/* Planned: `eee off` would change it, so EEE is on. Already: off. Unsupported: the
	 * port has no EEE (82574L, 82583). Failed: unreadable, nothing to say. */
	if (r->outcome != NG_PLANNED)
		return 0;
	snprintf(fix, sizeof(fix), "add `eee = eee off` to [driver %s] (or [interface %s]) and "
		 "run `nicguard apply`; the link renegotiates once", ifc->driver, ifc->name);
	return ng_doctor_add(d, "eee-on", ifc->name, fix, "Energy Efficient Ethernet is on "
			     "(ethtool --show-eee: enabled) on this %s port: its low-power idle is "
			     "the most common trigger of %s hangs after offloads", ifc->driver,
			     strcmp(ifc->driver, "igc") == 0 ? "I225/I226" : "I217/I218/I219");
}

/* One e1000e or igc port: unless its target says something about eee itself (then drift
 * covers it) or skips it, a dry run of `eee = eee off` through the apply path reads EEE the way apply
 * would. A port the kernel does not have (a fixture's) is left out. */
static int eee_one(const struct ng_resolver *rv, const struct ng_iface *ifc,
		   struct ng_doctor *d)
{
	struct ng_item off = { .group = NG_EEE, .name = "eee", .origin.file = "doctor" };
	struct ng_wanted w = { &off, 1 };
	struct ng_report rep = { 0 };
	struct ng_target *t;
	bool own;
	int r;

	if (strcmp(ifc->driver, "e1000e") != 0 && strcmp(ifc->driver, "igc") != 0)
		return 0;
	if (ng_target_resolve(rv, ifc, NULL, &t, NULL) < 0)
		return -ENOMEM;
	own = ng_target_skip(t) ||
	      ng_wanted_find(ng_target_list(t, NG_TARGET_NOW), NG_EEE, "eee") != NULL;
	ng_target_free(t);
	if (own)
		return 0;
	r = ng_apply(ng_resolver_ctx(rv), ifc, &w, NG_APPLY_DRY_RUN, &rep, NULL);
	r = r == 0 && rep.n == 1 ? ng_doctor_eee_finding(d, ifc, &rep.v[0]) : 0;
	ng_report_free(&rep);
	return r == -ENOMEM ? r : 0;
}

int ng_doctor_check_eee(const struct ng_ctx *ctx, const struct ng_policy *p,
			struct ng_doctor *d)
{
	return each_iface(ctx, p, d, "EEE", eee_one);
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

struct sighits {
	struct sighit *v;
	size_t n;
	int err;		/* -ENOMEM: the rest of the log is not looked at */
};

/* A kernel record naming the transmit watchdog that no row of the signature table matches:
 * a kernel printing a format the table does not know yet, so nicguard-watch misses its hangs. */
static const struct ng_sig unknown_watchdog = {
	"netdev-watchdog-unknown", NG_SIG_HANG, NG_PFX_NONE, NULL, "NETDEV WATCHDOG%*",
	NG_LOC_TEXT, 2, "dev_watchdog, a format src/lib/signature.c does not have"
};

/* The record source's callback: count each hang, reset or stall signature once per
 * interface (or bus device), with its last time and text. */
static void note_record(void *data, const struct ng_kmsgsrc_event *ev)
{
	struct sighits *hs = data;
	const struct ng_kmsg *rec = ev->rec;
	struct ng_sig_match m;
	struct sighit *h;

	if (hs->err || ev->what != NG_KMSGSRC_RECORD)
		return;
	if (!ng_sig_match(rec, 0, &m)) {
		size_t l = strcspn(rec->text, "\n");

		if (rec->facility != 0 || !memmem(rec->text, l, "NETDEV WATCHDOG", 15))
			return;
		memset(&m, 0, sizeof(m));
		m.sig = &unknown_watchdog;
	}
	if (m.sig->cls == NG_SIG_INFO)
		return;
	for (size_t i = 0; i < hs->n; i++) {
		h = &hs->v[i];
		if (strcmp(h->sig->id, m.sig->id) == 0 && strcmp(h->ifname, m.ifname) == 0 &&
		    strcmp(h->busdev, m.busdev) == 0) {
			h->count++;
			h->last_usec = rec->ts_usec;
			return;
		}
	}
	h = realloc(hs->v, (hs->n + 1) * sizeof(*h));
	if (!h) {
		hs->err = -ENOMEM;
		return;
	}
	hs->v = h;
	h += hs->n++;
	memset(h, 0, sizeof(*h));
	h->sig = m.sig;
	h->count = 1;
	h->last_usec = rec->ts_usec;
	snprintf(h->ifname, sizeof(h->ifname), "%s", m.ifname);
	snprintf(h->busdev, sizeof(h->busdev), "%s", m.busdev);
	snprintf(h->text, sizeof(h->text), "%.*s", (int)strcspn(rec->text, "\n"), rec->text);
}

/* The kernel ring buffer from its oldest record, through the daemon's record source:
 * /dev/kmsg until EAGAIN; a fixture's plain file or FIFO is a stream of records. */
static int read_kmsg(const struct ng_ctx *ctx, struct sighits *hs, struct ng_doctor *d)
{
	char path[PATH_MAX];
	struct ng_kmsgsrc *src;
	int r;

	if (ng_path(ctx, path, sizeof(path), "/dev/kmsg") < 0)
		return 0;
	r = ng_kmsgsrc_open(path, &src, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return ng_diags_add(&d->notes, NULL, 0, "kernel log not read: %s: %s", path,
				    strerror(-r));
	ng_kmsgsrc_seek(src, true, NULL);
	/* Until nothing is left (0), the end of a file, or a read error: what was read counts. */
	while (ng_kmsgsrc_read(src, note_record, hs, NULL) > 0 && !hs->err)
		;
	ng_kmsgsrc_free(src);
	return hs->err;
}

static const char *sig_fix(const struct ng_sig *s)
{
	if (s == &unknown_watchdog)
		return "nicguard-watch does not recognise this format and will not recover the "
		       "port: report the line to nicguard's developers (src/lib/signature.c)";
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

int ng_doctor_check_kmsg(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct sighits hs = { 0 };
	int r = read_kmsg(ctx, &hs, d);

	for (size_t i = 0; r == 0 && i < hs.n; i++) {
		const struct sighit *h = &hs.v[i];
		char where[64];

		snprintf(where, sizeof(where), "%s", h->ifname[0] ? h->ifname :
			 h->busdev[0] ? h->busdev : "kernel log");
		r = ng_doctor_add(d, h->sig == &unknown_watchdog ? "kernel-log-unknown" :
			"kernel-log", where, sig_fix(h->sig),
			"%u× %s (%s) in the kernel log, last %llu.%06llu s after boot: %s",
			h->count, h->sig->id, ng_sig_class_name(h->sig->cls),
			(unsigned long long)(h->last_usec / 1000000),
			(unsigned long long)(h->last_usec % 1000000), h->text);
	}
	free(hs.v);
	return r;
}

/* What the ASPM check (doctorboot.c) asks of this boot's ring buffer: every interface or bus
 * device with a hang or reset signature, once each, with its count. */
int ng_doctor_kmsg_hung(const struct ng_ctx *ctx, struct ng_doctor *d, struct ng_hung **out,
			size_t *n)
{
	struct sighits hs = { 0 };
	int r = read_kmsg(ctx, &hs, d);

	*out = NULL;
	*n = 0;
	for (size_t i = 0; r == 0 && i < hs.n; i++) {
		const struct sighit *h = &hs.v[i];

		if (h->sig->cls == NG_SIG_HANG || h->sig->cls == NG_SIG_RESET)
			r = ng_hung_add(out, n, h->ifname[0] ? h->ifname : h->busdev, h->count);
	}
	free(hs.v);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
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
	char path[PATH_MAX], *buf;
	struct ng_softnet sum;
	unsigned rows;
	size_t len;

	c->softnet_dropped = c->softnet_squeeze = -1;
	if (ng_path(ctx, path, sizeof(path), "/proc/net/softnet_stat") < 0 ||
	    ng_read_file(path, false, 1 << 20, &buf, &len) < 0)
		return;
	/* No usable row reads as no drops, as a file of zeros would. */
	ng_softnet_parse(buf, len, &sum, &rows);
	c->softnet_dropped = (int64_t)sum.dropped;
	c->softnet_squeeze = (int64_t)sum.squeezed;
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

int ng_doctor_check_drops(const struct ng_ctx *ctx, unsigned interval_ms, struct ng_doctor *d)
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
			r = ng_doctor_add(d, "rx-dropped", a.names[i],
				"set `rps = all` for it in the policy (spreads receive work over "
				"the CPUs) and check `nicguard sysctl --check`",
				"rx_dropped rose by %lld in %.1f s (now %lld)",
				(long long)(b.rx_dropped[j] - a.rx_dropped[i]), secs,
				(long long)b.rx_dropped[j]);
		}
	}
	if (r == 0 && a.softnet_dropped >= 0 && b.softnet_dropped > a.softnet_dropped)
		r = ng_doctor_add(d, "softnet-dropped", "/proc/net/softnet_stat",
			"raise net.core.netdev_max_backlog: `nicguard sysctl --check`, then "
			"--write",
			"the per-CPU backlog overflowed: softnet drops rose by %lld in %.1f s",
			(long long)(b.softnet_dropped - a.softnet_dropped), secs);
	if (r == 0 && a.softnet_squeeze >= 0 && b.softnet_squeeze > a.softnet_squeeze)
		r = ng_doctor_add(d, "softnet-squeeze", "/proc/net/softnet_stat",
			"raise net.core.netdev_budget (`nicguard sysctl --check`) and spread the "
			"load with `rps = all`",
			"the receive softirq ran out of budget: time_squeeze rose by %lld in "
			"%.1f s",
			(long long)(b.softnet_squeeze - a.softnet_squeeze), secs);
	counters_free(&a);
	counters_free(&b);
	return r;
}
