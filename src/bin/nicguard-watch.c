/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-watch.c: the daemon: reads the kernel log, spots NIC hangs, recovers at once. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"

#define EVENTS_KEPT 64
#define LOOKUPS 8
#define LOOKUP_TTL_MS 1000	/* how long a record's interface, options and backup state hold */
#define METRICS_MIN_GAP_MS 1000	/* a flood rewrites the metrics file at most once a second */

/* What one kind of record resolved to: a flood of identical hang lines (seed 004) costs one
 * sysfs walk a second, not one per line. */
struct lookup {
	char key[160];
	uint64_t at;
	char ifname[NG_IFNAMSIZ];
	char why[sizeof(((struct ng_err *)0)->msg)]; /* why no interface was found */
	struct ng_watch_opts o;
	bool backup;
};

struct daemon {
	struct ng_ctx *ctx;
	struct ng_policy *p;
	struct ng_watch *w;
	struct ng_watch_opts opts;	/* daemon-wide */
	char kmsg_path[PATH_MAX];
	char notify[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int kfd, sfd;
	bool dry_run, scan, chardev, regular, backlog, discarding;
	char disc_prev;
	uint64_t gap_ok;		/* records we skipped ourselves: not lost */
	size_t blen;
	char buf[2 * NG_KMSG_READ_MAX];
	struct ng_kmsg rec;
	struct ng_watch_counters cnt;
	uint64_t last_seq, detections, actions;
	bool have_seq;
	struct ng_watch_event ev[EVENTS_KEPT];
	size_t nev;
	bool events_dirty, metrics_dirty, metrics_failed, have_prev;
	uint64_t next_sample, last_metrics;
	struct ng_metrics_sample prev;
	struct lookup lk[LOOKUPS];
	unsigned lk_next;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET ('@' = abstract). */
static void notify(const struct daemon *dm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notify(const struct daemon *dm, const char *fmt, ...)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[256];
	size_t n = strlen(dm->notify);
	va_list ap;
	int fd;

	if (!n)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(sa.sun_path, dm->notify, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		ng_log(LOG_WARNING, "sd_notify to %s: %s", dm->notify, strerror(errno));
	close(fd);
}

static void status(const struct daemon *dm)
{
	notify(dm, "STATUS=Watching %s: %" PRIu64 " records, %" PRIu64 " detections, %" PRIu64
	       " actions%s", dm->kmsg_path, dm->cnt.records, dm->detections, dm->actions,
	       dm->dry_run ? " (dry run)" : "");
}

static void add_event(struct daemon *dm, const char *sig, const char *ifname, const char *action,
		      const char *detail)
{
	struct ng_watch_event *e;

	if (dm->nev == EVENTS_KEPT)
		memmove(dm->ev, dm->ev + 1, (EVENTS_KEPT - 1) * sizeof(dm->ev[0]));
	else
		dm->nev++;
	e = &dm->ev[dm->nev - 1];
	e->time = (int64_t)time(NULL);
	snprintf(e->sig, sizeof(e->sig), "%s", sig);
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	snprintf(e->action, sizeof(e->action), "%s", action);
	snprintf(e->detail, sizeof(e->detail), "%s", detail);
	dm->events_dirty = dm->metrics_dirty = true;
}

/* ------------------------------------------------------------- policy, iface */

static void load_policy(struct daemon *dm)
{
	struct ng_policy *p = NULL;
	struct ng_err err = { 0 };
	char line[1024];
	int r = ng_policy_load(dm->ctx, &p, &err);

	if (!p) {
		ng_log(LOG_ERR, "cannot load the policy, %s: %s",
		       dm->p ? "keeping the previous one" : "using defaults",
		       ng_err_str(&err, line, sizeof(line)));
		return;
	}
	/* Bad sections are left out; the rest of the policy still protects the host. */
	for (size_t i = 0; r == -EINVAL && i < p->diags.n; i++)
		ng_log(LOG_ERR, "%s:%u: %s (section ignored)", p->diags.v[i].file,
		       p->diags.v[i].line, p->diags.v[i].msg);
	ng_policy_free(dm->p);
	dm->p = p;
	memset(dm->lk, 0, sizeof(dm->lk));
	ng_watch_opts_resolve(p, NULL, &dm->opts);
}

/* Is a backup window open, and is ifname one of its uplinks? */
static bool backup_uplink(const struct daemon *dm, const char *ifname)
{
	struct ng_iface *ups = NULL;
	size_t n = 0;
	bool yes = false;

	if (!ifname[0] || !ng_backup_active(dm->ctx))
		return false;
	if (ng_backup_uplinks(dm->ctx, dm->p, &ups, &n, NULL) < 0)
		return true;	/* cannot tell: treat it as an uplink, the safe side */
	for (size_t i = 0; i < n && !yes; i++)
		yes = strcmp(ups[i].name, ifname) == 0;
	free(ups);
	return yes;
}

/* The options for ifname; `skip = yes` in the policy means hands off: log only. */
static void iface_opts(const struct daemon *dm, const char *ifname, struct ng_watch_opts *o,
		       struct ng_iface *ifc)
{
	struct ng_wanted w = { 0 };

	memset(ifc, 0, sizeof(*ifc));
	if (!ifname[0] || ng_iface_read(dm->ctx, ifname, ifc, NULL) < 0) {
		*o = dm->opts;
		return;
	}
	ng_watch_opts_resolve(dm->p, ifc, o);
	if (ng_resolve(dm->p, ifc, NG_SET_NORMAL, &w, NULL) == 0 && ng_wanted_skip(&w))
		o->act_on = 0;
	ng_wanted_free(&w);
}

/* ---------------------------------------------------------------- actions */

static enum ng_watch_result act(struct daemon *dm, const struct ng_watch_decision *d,
				char *detail, size_t len)
{
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	struct ng_iface ifc;
	char msg[1024];
	int r;

	if (d->step == NG_STEP_LOG) {
		snprintf(detail, len, "logged; acting if it comes back");
		return NG_WATCH_OK;
	}
	r = ng_iface_read(dm->ctx, d->ifname, &ifc, &err);
	if (r == 0 && d->step == NG_STEP_BOUNCE)
		r = dm->dry_run ? 0 : ng_link_bounce(dm->ctx, d->ifname, &err);
	else if (r == 0 && d->step == NG_STEP_REBIND && (!ifc.bus_addr[0] || !ifc.driver[0]))
		r = -ENODEV;
	else if (r == 0 && d->step == NG_STEP_REBIND)
		r = dm->dry_run ? 0 : ng_recover_rebind(dm->ctx, &ifc, &err);
	else if (r == 0 && d->step == NG_STEP_REAPPLY)
		r = ng_recover_reapply(dm->ctx, dm->p, &ifc, dm->dry_run ? NG_APPLY_DRY_RUN : 0,
				       &rep, &err);
	if ((d->step == NG_STEP_REAPPLY && r == -ENOENT) ||
	    (d->step == NG_STEP_REBIND && r == -ENODEV && !err.msg[0])) {
		snprintf(detail, len, "skipped: %s", d->step == NG_STEP_REAPPLY ?
			 "no watch-* settings for it" : "no bus device to rebind");
		ng_report_free(&rep);
		return NG_WATCH_SKIPPED;
	}
	if (r < 0) {
		snprintf(detail, len, "failed: %s", ng_err_str(&err, msg, sizeof(msg)));
	} else if (d->step == NG_STEP_REAPPLY) {
		unsigned changed = 0, failed = 0;

		for (size_t i = 0; i < rep.n; i++) {
			changed += rep.v[i].outcome == NG_CHANGED || rep.v[i].outcome == NG_PLANNED;
			failed += rep.v[i].outcome == NG_FAILED;
		}
		snprintf(detail, len, "%s%u of %zu settings %s, %u failed%s",
			 dm->dry_run ? "dry run: " : "", changed, rep.n,
			 dm->dry_run ? "would change" : "changed", failed,
			 dm->dry_run ? "" : "; marked escalated");
		r = failed ? -EIO : 0;
	} else {
		snprintf(detail, len, "%s%s", dm->dry_run ? "dry run: would " : "",
			 dm->dry_run ? ng_watch_step_name(d->step) : "done");
	}
	ng_report_free(&rep);
	return r < 0 ? NG_WATCH_FAILED : NG_WATCH_OK;
}

static void carry_out(struct daemon *dm, const struct ng_watch_opts *o,
		      const struct ng_watch_decision *d, const char *sig)
{
	char detail[160];
	uint64_t t0 = now_ms();
	enum ng_watch_result r = act(dm, d, detail, sizeof(detail));

	ng_watch_done(dm->w, o, d, r, now_ms());
	/* An action changes what sysfs says (a rebind re-creates the interface). */
	memset(dm->lk, 0, sizeof(dm->lk));
	if (d->step != NG_STEP_LOG && r != NG_WATCH_SKIPPED)
		dm->actions++;
	ng_log(r == NG_WATCH_FAILED ? LOG_ERR : LOG_WARNING,
	       "action %s on %s for %s%s: %s (%" PRIu64 " ms)", ng_watch_step_name(d->step),
	       d->ifname, sig, d->substitute ? " (backup window: instead of bounce/rebind)" : "",
	       detail, now_ms() - t0);
	add_event(dm, sig, d->ifname, ng_watch_step_name(d->step), detail);
}

static void why_text(const struct ng_watch_decision *d, uint64_t now, char *buf, size_t len)
{
	uint64_t wait = d->due_ms > now ? d->due_ms - now : 0;

	switch (d->why) {
	case NG_WHY_ACT:
		snprintf(buf, len, "action %s", ng_watch_step_name(d->step));
		break;
	case NG_WHY_QUIET:
	case NG_WHY_WAIT:
	case NG_WHY_HELD:
		snprintf(buf, len, "no action yet (%s; rung %u due in %" PRIu64 ".%03" PRIu64 " s)",
			 ng_watch_why_name(d->why), d->rung + 1, wait / 1000, wait % 1000);
		break;
	case NG_WHY_BACKUP:
		snprintf(buf, len, "backup window open: %s, bounce/rebind held",
			 d->step == NG_STEP_REAPPLY ? "re-applying stricter settings" :
			 "logging only");
		break;
	case NG_WHY_LIMIT:
		snprintf(buf, len, "no action (max-per-hour reached; next slot in %" PRIu64 " s)",
			 wait / 1000);
		break;
	default:
		snprintf(buf, len, "no action (%s)", ng_watch_why_name(d->why));
		break;
	}
}

/* ---------------------------------------------------------------- records */

static const struct lookup *lookup(struct daemon *dm, const struct ng_sig_match *m, uint64_t now)
{
	struct lookup *l;
	struct ng_err err = { 0 };
	struct ng_iface ifc;
	char key[sizeof(l->key)];

	snprintf(key, sizeof(key), "%d|%s|%s|%s", m->sig->locate == NG_LOC_HOST, m->ifname,
		 m->busdev, m->device);
	for (unsigned i = 0; i < LOOKUPS; i++)
		if (dm->lk[i].at && now - dm->lk[i].at < LOOKUP_TTL_MS &&
		    strcmp(dm->lk[i].key, key) == 0)
			return &dm->lk[i];
	l = &dm->lk[dm->lk_next++ % LOOKUPS];
	memset(l, 0, sizeof(*l));
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->at = now ? now : 1;
	if (m->sig->locate != NG_LOC_HOST &&
	    ng_recover_locate(dm->ctx, m, l->ifname, sizeof(l->ifname), &err) < 0) {
		l->ifname[0] = '\0';
		snprintf(l->why, sizeof(l->why), "%s", err.msg);
	}
	iface_opts(dm, l->ifname, &l->o, &ifc);
	l->backup = backup_uplink(dm, l->ifname);
	return l;
}

static void on_match(struct daemon *dm, const struct ng_sig_match *m)
{
	struct ng_watch_opts o;
	struct ng_watch_decision d;
	struct ng_err err = { 0 };
	char ifname[NG_IFNAMSIZ] = "", why[160], rep[96] = "";
	struct ng_watch_input in = { .sig = m->sig, .ifname = ifname, .now_ms = now_ms(),
				     .wall = (int64_t)time(NULL), .history = dm->backlog };
	const struct lookup *l = lookup(dm, m, in.now_ms);

	dm->detections++;
	snprintf(ifname, sizeof(ifname), "%s", l->ifname);
	snprintf(err.msg, sizeof(err.msg), "%s", l->why);
	o = l->o;
	in.backup = l->backup;
	ng_watch_detect(dm->w, &o, &in, &d);
	if (d.why == NG_WHY_DEBOUNCED)
		return;
	why_text(&d, in.now_ms, why, sizeof(why));
	if (d.suppressed)
		snprintf(rep, sizeof(rep), " (%s repeated %u times before)", d.repeated,
			 d.suppressed);
	ng_log(m->sig->cls == NG_SIG_INFO ? LOG_INFO : LOG_WARNING,
	       "detected %s (%s) on %s%s%s%s%s: %s", m->sig->id, ng_sig_class_name(m->sig->cls),
	       ifname[0] ? ifname : err.msg[0] ? "no known interface" : "the host",
	       err.msg[0] ? " (" : "", err.msg, err.msg[0] ? ")" : "", rep, why);
	add_event(dm, m->sig->id, ifname, d.step != NG_STEP_NONE ? ng_watch_step_name(d.step) :
		  ng_watch_why_name(d.why), why);
	if (d.step != NG_STEP_NONE)
		carry_out(dm, &o, &d, m->sig->id);
}

static void on_record(struct daemon *dm, const char *buf, size_t len)
{
	struct ng_sig_match m;

	dm->cnt.records++;
	if (ng_kmsg_parse(buf, len, &dm->rec) < 0) {
		dm->cnt.skipped++;
		return;
	}
	/* A gap in the sequence numbers: records overwritten before we read them. */
	if (dm->have_seq && dm->rec.seq > dm->last_seq + 1 + dm->gap_ok) {
		uint64_t lost = dm->rec.seq - dm->last_seq - 1 - dm->gap_ok;

		dm->cnt.lost += lost;
		ng_log(LOG_WARNING, "%" PRIu64 " kernel log records lost before seq %" PRIu64
		       " (ring buffer overrun)", lost, dm->rec.seq);
	}
	dm->gap_ok = 0;
	dm->have_seq = true;
	dm->last_seq = dm->rec.seq;
	if (ng_sig_match(&dm->rec, dm->opts.accept_user ? NG_SIG_ACCEPT_USER : 0, &m))
		on_match(dm, &m);
}

/* /dev/kmsg: one record per read. Returns 1 to go on, 0 at the end (EAGAIN), -1 on error. */
static int read_chardev(struct daemon *dm)
{
	ssize_t n = read(dm->kfd, dm->buf, NG_KMSG_READ_MAX);

	if (n > 0) {
		on_record(dm, dm->buf, (size_t)n);
		return 1;
	}
	if (n < 0 && errno == EPIPE) {
		/* Overwritten records: the next read returns the oldest one left; the
		 * sequence gap counts them. */
		ng_log(LOG_WARNING, "kernel log overrun: records were lost (EPIPE)");
		return 1;
	}
	if (n < 0 && errno == EINVAL) {
		/* Larger than our buffer: the kernel skips it. */
		dm->cnt.skipped++;
		dm->gap_ok++;
		ng_log(LOG_WARNING, "skipped a kernel log record over %d bytes", NG_KMSG_READ_MAX);
		return 1;
	}
	if (n < 0 && errno == EINTR)
		return 1;
	if (n < 0 && errno == EAGAIN)
		return 0;
	ng_log(LOG_ERR, "reading %s: %s", dm->kmsg_path, n < 0 ? strerror(errno) : "end of file");
	return -1;
}

/* Hand the whole records in the buffer on; `whole`: the buffer's end ends a record. */
static void split_stream(struct daemon *dm, bool whole)
{
	size_t off = 0, rl;

	/* Dropping an oversized record: up to the first line after it that does not start
	 * with a space (its dictionary lines go with it). */
	while (dm->discarding && off < dm->blen) {
		char ch = dm->buf[off];

		if (dm->disc_prev == '\n' && ch != ' ')
			dm->discarding = false;
		else
			off++;
		dm->disc_prev = ch;
	}
	while ((rl = ng_kmsg_split(dm->buf + off, dm->blen - off, whole)) > 0) {
		on_record(dm, dm->buf + off, rl);
		off += rl;
	}
	memmove(dm->buf, dm->buf + off, dm->blen - off);
	dm->blen -= off;
	if (dm->blen == sizeof(dm->buf)) {
		/* One record larger than any the kernel makes: drop it up to its end. */
		dm->cnt.skipped++;
		ng_log(LOG_WARNING, "skipped a record over %zu bytes", sizeof(dm->buf));
		dm->blen = 0;
		dm->discarding = true;
		dm->disc_prev = '\0';
		dm->gap_ok++;
	}
}

/* A FIFO or file of records as /dev/kmsg prints them: a byte stream to split. A record's
 * dictionary lines may come in the next read, so the last record waits: until the file
 * ends, or until a FIFO has nothing more to read (its writers write whole records, as
 * /dev/kmsg hands them out; writes of up to PIPE_BUF bytes arrive whole). */
static int read_stream(struct daemon *dm)
{
	ssize_t n = read(dm->kfd, dm->buf + dm->blen, sizeof(dm->buf) - dm->blen);

	if (n < 0 && errno == EAGAIN) {
		split_stream(dm, true);
		return 0;
	}
	if (n < 0)
		return errno == EINTR ? 1 : -1;
	if (n == 0) {
		split_stream(dm, true);
		return -2;
	}
	dm->blen += (size_t)n;
	split_stream(dm, false);
	return 1;
}

/* ------------------------------------------------------------ state files */

static void flush(struct daemon *dm, bool sample)
{
	struct ng_metrics_sample cur = { 0 };
	struct ng_err err = { 0 };
	char *text = NULL, line[1024];
	size_t len;
	uint64_t now = now_ms();

	if (dm->dry_run)
		return;
	if (dm->events_dirty && ng_recover_events_write(dm->ctx, dm->ev, dm->nev, &err) < 0)
		ng_log(LOG_ERR, "events: %s", ng_err_str(&err, line, sizeof(line)));
	dm->events_dirty = false;
	if (!dm->opts.metrics_path[0] || (!sample && !dm->metrics_dirty))
		return;
	if (ng_metrics_sample(dm->ctx, now, &cur, NULL) < 0)
		memset(&cur, 0, sizeof(cur));
	if (ng_metrics_render(dm->w, &dm->cnt, &cur, dm->have_prev ? &dm->prev : NULL, &text,
			      &len) == 0 &&
	    ng_metrics_write(dm->ctx, dm->opts.metrics_path, text, len, &err) < 0) {
		if (!dm->metrics_failed)
			ng_log(LOG_ERR, "metrics: %s", ng_err_str(&err, line, sizeof(line)));
		dm->metrics_failed = true;
	} else {
		dm->metrics_failed = false;
	}
	free(text);
	/* Rates compare whole sampling intervals, not the gaps between two events. */
	if (sample || !dm->have_prev) {
		ng_metrics_sample_free(&dm->prev);
		dm->prev = cur;
		dm->have_prev = true;
	} else {
		ng_metrics_sample_free(&cur);
	}
	dm->metrics_dirty = false;
	dm->last_metrics = now;
}

/* ------------------------------------------------------------------- main */

static int open_kmsg(struct daemon *dm)
{
	struct stat st;

	dm->kfd = open(dm->kmsg_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (dm->kfd < 0 || fstat(dm->kfd, &st) < 0) {
		ng_log(LOG_ERR, "cannot open %s: %s", dm->kmsg_path, strerror(errno));
		return -1;
	}
	dm->chardev = S_ISCHR(st.st_mode);
	dm->regular = S_ISREG(st.st_mode);
	if (S_ISFIFO(st.st_mode)) {
		/* Held open for writing too, so writers coming and going never give EOF. */
		close(dm->kfd);
		dm->kfd = open(dm->kmsg_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (dm->kfd < 0) {
			ng_log(LOG_ERR, "cannot open %s: %s", dm->kmsg_path, strerror(errno));
			return -1;
		}
	}
	/* The kernel log from its newest record on; --scan reads the ring once first (those
	 * records are counted and logged, never acted on). A FIFO or file is read whole. */
	if (dm->chardev && lseek(dm->kfd, 0, dm->scan ? SEEK_SET : SEEK_END) < 0)
		ng_log(LOG_WARNING, "seeking %s: %s", dm->kmsg_path, strerror(errno));
	dm->backlog = dm->scan;
	return 0;
}

static int setup(struct daemon *dm, const struct ng_ctx_opts *co, const char *kmsg)
{
	struct ng_err err = { 0 };
	char line[1024];
	const char *ns = getenv("NOTIFY_SOCKET");
	sigset_t set;

	dm->ctx = ng_ctx_new(co, &err);
	if (!dm->ctx) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, line, sizeof(line)));
		return -1;
	}
	if (ns && strlen(ns) < sizeof(dm->notify))
		snprintf(dm->notify, sizeof(dm->notify), "%s", ns);
	dm->w = ng_watch_new();
	if (!dm->w)
		return -1;
	ng_watch_opts_default(&dm->opts);
	load_policy(dm);
	if (kmsg)
		snprintf(dm->kmsg_path, sizeof(dm->kmsg_path), "%s", kmsg);
	else if (ng_path(dm->ctx, dm->kmsg_path, sizeof(dm->kmsg_path), "/dev/kmsg") < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	dm->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (dm->sfd < 0)
		return -1;
	return open_kmsg(dm);
}

/* How long poll may sleep: until the next held step or metrics write; -1: no limit. */
static int timeout(struct daemon *dm, uint64_t now)
{
	uint64_t next = ng_watch_next_due(dm->w, NULL, 0);

	if (!dm->dry_run && dm->opts.metrics_path[0]) {
		if (dm->opts.metrics_interval_ms && dm->next_sample < next)
			next = dm->next_sample;
		if (dm->metrics_dirty && dm->last_metrics + METRICS_MIN_GAP_MS < next)
			next = dm->last_metrics + METRICS_MIN_GAP_MS;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

static void run_due(struct daemon *dm, uint64_t now)
{
	char name[NG_IFNAMSIZ];

	while (ng_watch_next_due(dm->w, name, sizeof(name)) <= now) {
		struct ng_watch_input in = { .ifname = name, .now_ms = now,
					     .wall = (int64_t)time(NULL) };
		struct ng_watch_decision d;
		struct ng_watch_opts o;
		struct ng_iface ifc;
		const char *sig = "held";
		char why[160];

		for (size_t i = 0; i < ng_watch_nstats(dm->w); i++)
			if (strcmp(ng_watch_stats_at(dm->w, i)->ifname, name) == 0)
				sig = ng_watch_stats_at(dm->w, i)->last_sig;
		iface_opts(dm, name, &o, &ifc);
		in.backup = backup_uplink(dm, name);
		ng_watch_detect(dm->w, &o, &in, &d);
		if (d.step != NG_STEP_NONE) {
			carry_out(dm, &o, &d, sig);
		} else if (d.why != NG_WHY_HELD) {
			why_text(&d, now, why, sizeof(why));
			ng_log(LOG_INFO, "held step for %s on %s: %s", sig, name, why);
		}
		now = now_ms();
	}
}

static int loop(struct daemon *dm)
{
	struct pollfd pfd[2] = { { .fd = dm->sfd, .events = POLLIN },
				 { .fd = dm->kfd, .events = POLLIN | POLLPRI } };

	dm->next_sample = now_ms();
	for (;;) {
		uint64_t now = now_ms();
		struct signalfd_siginfo si;
		int r = 0;

		run_due(dm, now);
		if (dm->opts.metrics_interval_ms && now >= dm->next_sample) {
			flush(dm, true);
			dm->next_sample = now + dm->opts.metrics_interval_ms;
		} else if ((dm->metrics_dirty || dm->events_dirty) &&
			   now >= dm->last_metrics + METRICS_MIN_GAP_MS) {
			flush(dm, false);
		}
		if (poll(pfd, 2, timeout(dm, now_ms())) < 0 && errno != EINTR)
			return -1;
		if (read(dm->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGHUP)
				return 0;
			ng_log(LOG_INFO, "reloading the policy");
			load_policy(dm);
			status(dm);
		}
		if (!(pfd[1].revents & (POLLIN | POLLPRI | POLLERR | POLLHUP)))
			continue;
		/* Bounded batches keep signals and held steps served during a flood. */
		for (int i = 0; i < 4096; i++) {
			r = dm->chardev ? read_chardev(dm) : read_stream(dm);
			if (r <= 0)
				break;
		}
		if (r == 0 && dm->backlog) {
			dm->backlog = false;
			ng_log(LOG_INFO, "scanned the ring buffer: %" PRIu64 " records, %" PRIu64
			       " detections", dm->cnt.records, dm->detections);
		}
		if (r == -2)
			return 0;
		if (r < 0)
			return -1;
		status(dm);
	}
}

static void usage(FILE *f)
{
	fputs("usage: nicguard-watch [--kmsg PATH] [--scan] [--dry-run] [--root DIR] [-c FILE]\n"
	      "                      [--foreground] [-v]\n"
	      "Reads the kernel log and recovers NICs from the hangs it reports.\n"
	      "  --kmsg PATH   read records from PATH (default ROOT/dev/kmsg; a FIFO or file\n"
	      "                of records is read whole, and a file ends the run at its end)\n"
	      "  --scan        first read the whole ring buffer (logged, never acted on)\n"
	      "  --dry-run     decide and log, change nothing, write no state\n"
	      "  --root DIR    work on a tree under DIR (tests)\n"
	      "  -c FILE       read this policy file instead of the default ones\n"
	      "  --foreground  log to stderr as well as syslog\n", f);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kmsg", required_argument, NULL, 'k' }, { "scan", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' }, { "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	static struct daemon dm = { .kfd = -1, .sfd = -1 };
	struct ng_ctx_opts co = { 0 };
	const char *kmsg = NULL, *paths[2] = { NULL, NULL };
	bool fg = false, verbose = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:fvhn", lopts, NULL)) != -1) {
		switch (c) {
		case 'k': kmsg = optarg; break;
		case 's': dm.scan = true; break;
		case 'n': dm.dry_run = true; break;
		case 'r': co.root = optarg; break;
		case 'c': paths[0] = optarg; co.policy_paths = paths; break;
		case 'f': fg = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	ng_log_open("watch", NG_LOG_SYSLOG | (fg ? NG_LOG_STDERR : 0), verbose);
	r = setup(&dm, &co, kmsg);
	if (r == 0) {
		if (verbose)
			ng_ctx_set_trace(dm.ctx, ng_log_trace, NULL);
		ng_log(LOG_INFO, "watching %s%s%s", dm.kmsg_path,
		       dm.scan ? " (scanning first)" : "",
		       dm.dry_run ? " (dry run: no changes)" : "");
		notify(&dm, "READY=1");
		status(&dm);
		r = loop(&dm);
		notify(&dm, "STOPPING=1");
		flush(&dm, false);
	}
	ng_log(r == 0 ? LOG_INFO : LOG_ERR, "stopping: %" PRIu64 " records (%" PRIu64 " lost, %"
	       PRIu64 " skipped), %" PRIu64 " detections, %" PRIu64 " actions", dm.cnt.records,
	       dm.cnt.lost, dm.cnt.skipped, dm.detections, dm.actions);
	ng_metrics_sample_free(&dm.prev);
	ng_watch_free(dm.w);
	ng_policy_free(dm.p);
	ng_ctx_free(dm.ctx);
	if (dm.kfd >= 0)
		close(dm.kfd);
	if (dm.sfd >= 0)
		close(dm.sfd);
	return r == 0 ? 0 : 1;
}
