/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch-act.c: nicguard-watch from a record to a decision and an action, each one logged. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "log.h"
#include "watch.h"

#define LOOKUP_TTL_MS 1000	/* how long a record's interface, options and backup state hold */

uint64_t watch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* reboot-watchdog names a device that is not there: said at load, not first when the host
 * is about to reboot. */
static void watch_check_watchdog(const struct daemon *dm)
{
	struct ng_err err = { 0 };

	if (dm->opts.reboot_watchdog[0] &&
	    ng_reboot_watchdog_present(dm->ctx, dm->opts.reboot_watchdog, &err) < 0)
		ng_log(LOG_WARNING, "reboot-watchdog %s: the reboot step would rely on systemd "
		       "alone; load the driver at boot (modules-load.d) and restart nicguard-watch",
		       err.msg);
}

void watch_load_policy(struct daemon *dm)
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
	watch_probe_setup(dm);
	watch_check_watchdog(dm);
}

void watch_add_event(struct daemon *dm, const char *sig, const char *ifname, const char *action,
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

/* What a bounce or a rebind put back, and the policy after a rebind: one line each, and one
 * line per item that failed. The policy's changes go into the daemon's history queue, with
 * the action's event: nicguard-watch's escalation, as a reapply's are. */
static void log_restore(struct daemon *dm, const char *what, const struct ng_recoverstep *res)
{
	char line[1024];

	if (res->unrecorded[0])
		ng_log(LOG_WARNING, "%s: went ahead without its place recorded (%s)", what,
		       res->unrecorded);
	if (!res->restored)
		return;
	ng_restore_summary(&res->restore, line, sizeof(line));
	ng_log(LOG_WARNING, "%s: %s", what, line);
	for (size_t i = 0; i < res->restore.n; i++)
		if (res->restore.v[i].outcome == NG_RESTORE_FAILED)
			ng_log(LOG_ERR, "%s: could not put back %s %s: %s", what,
			       res->restore.v[i].what, res->restore.v[i].value,
			       res->restore.v[i].detail);
	if (res->policy_err < 0) {
		ng_log(LOG_ERR, "%s: policy not applied: %s", what, res->policy_msg);
	} else if (res->policy.n) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "%.40s: policy ", what);
		ng_log_report(NULL, prefix, &res->policy);
		if (dm->hist && ng_history_report(dm->hist, &res->policy, (int64_t)time(NULL)) < 0)
			ng_log(LOG_WARNING, "history: too many changes at once; some not recorded");
	}
}

/* The name of the rung after d's, for the log of a rung with nothing to do. */
static const char *next_step(const struct ng_watch_opts *o, const struct ng_watch_decision *d)
{
	return d->rung + 1 < o->nladder ? ng_watch_step_name(o->ladder[d->rung + 1]) : NULL;
}

/* reboot-watchdog: armed before systemd is asked, so that a shutdown that hangs (or a
 * systemd that does not answer) still ends in a reset. A failure is logged: the reboot is
 * then asked of systemd alone. */
static void arm_watchdog(struct daemon *dm)
{
	const struct ng_watch_opts *o = &dm->opts;
	struct ng_err err = { 0 };
	char line[512];
	unsigned secs = 0;
	int fd;

	if (!o->reboot_watchdog[0] || dm->watchdog_fd >= 0)
		return;
	fd = ng_reboot_watchdog_arm(dm->ctx, o->reboot_watchdog, o->reboot_watchdog_timeout_ms,
				    &secs, &err);
	if (fd < 0) {
		ng_log(LOG_ERR, "reboot-watchdog not armed: %s; the reboot is up to systemd alone",
		       ng_err_str(&err, line, sizeof(line)));
		return;
	}
	dm->watchdog_fd = fd;
	ng_log(LOG_CRIT, "reboot-watchdog %s armed: it resets the host in %u s unless the reboot "
	       "comes first", o->reboot_watchdog, secs);
}

/* The reboot rung before systemd is asked: allowed (reboot-period), recorded, logged, and the
 * events and the history written, in that order, so that all of it outlives the reboot.
 * NG_WATCH_OK: go on and ask; else detail says why not. */
static enum ng_watch_result reboot_first(struct daemon *dm, const struct ng_watch_decision *d,
					 const char *sig, char *detail, size_t len)
{
	static const char asking[] = "asking systemd to reboot the host";
	struct ng_err err = { 0 };
	char why[128], line[1024];
	int64_t now = (int64_t)time(NULL);
	int r = ng_reboot_check(dm->ctx, &dm->opts, now, why, sizeof(why), &err);

	if (r == -EAGAIN) {
		snprintf(detail, len, "not now: %s", why);
		return NG_WATCH_SKIPPED;
	}
	if (r == 0)
		r = ng_reboot_record(dm->ctx, now, d->ifname, sig, &err);
	if (r < 0) {
		snprintf(detail, len, "failed: not rebooting: %s",
			 ng_err_str(&err, line, sizeof(line)));
		return NG_WATCH_FAILED;
	}
	arm_watchdog(dm);
	ng_log(LOG_CRIT, "reboot on %s for %s: every step before it was taken; %s (%s reboot)",
	       d->ifname, sig, asking, ng_ctx_program(dm->ctx, "systemctl"));
	watch_add_event(dm, sig, d->ifname, "reboot", asking);
	watch_history_event(dm, sig, d->ifname, true, "reboot", asking);
	if (ng_runstate_events_write(dm->ctx, dm->ev, dm->nev, &err) < 0)
		ng_log(LOG_ERR, "events: %s", ng_err_str(&err, line, sizeof(line)));
	dm->events_dirty = false;
	watch_history_flush(dm);
	return NG_WATCH_OK;
}

static void carry_out(struct daemon *dm, const struct ng_watch_opts *o,
		      const struct ng_watch_decision *d, const char *sig)
{
	struct ng_txprogress after;
	char detail[160], what[96];
	uint64_t t0 = watch_now_ms();
	/* A silent hang is judged by the probe's next answers, not by transmit counters that
	 * the probe's own requests move. */
	bool by_tx = strcmp(sig, NG_SIG_SILENT) != 0;
	enum ng_watch_result r = NG_WATCH_OK;
	const char *name;

	memset(&dm->step, 0, sizeof(dm->step));
	if (d->step == NG_STEP_REBOOT && !dm->dry_run)
		r = reboot_first(dm, d, sig, detail, sizeof(detail));
	if (r == NG_WATCH_OK)
		r = ng_respond_step(dm->ctx, dm->p, d, dm->dry_run, dm->hist, (int64_t)time(NULL),
				    detail, sizeof(detail), &dm->step);
	name = dm->step.restored ? dm->step.restore.name : d->ifname;

	/* Judged later against the port as the step left it (a rebind: a new device). */
	ng_txprogress_read(dm->ctx, name, &after);
	ng_watch_done(dm->w, o, d, r, watch_now_ms(), dm->dry_run || !by_tx ? NULL : &after);
	if (!by_tx && d->rung + 1 >= o->nladder)
		watch_probe_last_rung(dm, d->ifname);
	/* An action changes what sysfs says (a rebind re-creates the interface). */
	memset(dm->lk, 0, sizeof(dm->lk));
	snprintf(what, sizeof(what), "%s on %s", ng_watch_step_name(d->step), d->ifname);
	if (r == NG_WATCH_SKIPPED) {
		/* Not an action: the log says what happened instead, and what comes next. */
		ng_log(LOG_WARNING, "%s for %s: %s: %s%s", what, sig, detail,
		       next_step(o, d) ? "next step " : "no further step",
		       next_step(o, d) ? next_step(o, d) : "");
		watch_add_event(dm, sig, d->ifname, "none", detail);
		watch_history_event(dm, sig, d->ifname, true, "none", detail);
		ng_recoverstep_free(&dm->step);
		return;
	}
	if (d->step != NG_STEP_LOG)
		dm->actions++;
	ng_log(r == NG_WATCH_FAILED ? LOG_ERR : LOG_WARNING,
	       "action %s for %s%s: %s (%" PRIu64 " ms)", what, sig,
	       d->substitute ? " (backup window: instead of bounce/rebind)" : "", detail,
	       watch_now_ms() - t0);
	log_restore(dm, what, &dm->step);
	ng_recoverstep_free(&dm->step);
	watch_add_event(dm, sig, d->ifname, ng_watch_step_name(d->step), detail);
	watch_history_event(dm, sig, d->ifname, true, ng_watch_step_name(d->step), detail);
}

static const struct lookup *lookup(struct daemon *dm, const struct ng_sig_match *m, uint64_t now)
{
	struct lookup *l;
	struct ng_err err = { 0 };
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
	ng_respond_opts(dm->ctx, dm->p, &dm->opts, l->ifname, &l->o);
	l->backup = ng_respond_backup(dm->ctx, dm->p, l->ifname);
	if (l->ifname[0])
		ng_txprogress_read(dm->ctx, l->ifname, &l->progress);
	return l;
}

/* A detection of sig on ifname ("": none found; where then says so, note why): decided,
 * logged, recorded, carried out. progress: the port's transmit counters now (NULL: a
 * silent hang, which they do not judge). */
static void detect(struct daemon *dm, const struct ng_sig *sig, const char *ifname,
		   const char *where, const char *note, const struct ng_watch_opts *lo, bool backup,
		   const struct ng_txprogress *progress)
{
	struct ng_watch_opts o = *lo;
	struct ng_watch_decision d;
	char why[320], rep[96] = "";
	struct ng_watch_input in = { .sig = sig, .ifname = ifname, .now_ms = watch_now_ms(),
				     .wall = (int64_t)time(NULL), .history = dm->backlog,
				     .backup = backup, .progress = progress };

	dm->detections++;
	ng_watch_detect(dm->w, &o, &in, &d);
	if (d.why == NG_WHY_DEBOUNCED)
		return;
	ng_watch_why_text(&d, in.now_ms, why, sizeof(why));
	if (d.suppressed)
		snprintf(rep, sizeof(rep), " (%s repeated %u times before)", d.repeated,
			 d.suppressed);
	ng_log(sig->cls == NG_SIG_INFO ? LOG_INFO : LOG_WARNING,
	       "detected %s (%s) on %s%s%s%s%s: %s", sig->id, ng_sig_class_name(sig->cls),
	       where, note[0] ? " (" : "", note, note[0] ? ")" : "", rep, why);
	watch_add_event(dm, sig->id, ifname, d.step != NG_STEP_NONE ?
			ng_watch_step_name(d.step) : ng_watch_why_name(d.why), why);
	watch_history_event(dm, sig->id, ifname, false, d.step != NG_STEP_NONE ?
			    ng_watch_step_name(d.step) : ng_watch_why_name(d.why), why);
	if (d.step != NG_STEP_NONE)
		carry_out(dm, &o, &d, sig->id);
}

static void on_match(struct daemon *dm, const struct ng_sig_match *m)
{
	const struct lookup *l = lookup(dm, m, watch_now_ms());
	const char *where = l->ifname[0] ? l->ifname : l->why[0] ? "no known interface" :
			    "the host";

	detect(dm, m->sig, l->ifname, where, l->why, &l->o, l->backup, &l->progress);
}

void watch_probe_detected(struct daemon *dm, const char *ifname, const char *note)
{
	struct ng_watch_opts o;

	ng_respond_opts(dm->ctx, dm->p, &dm->opts, ifname, &o);
	detect(dm, ng_sig_silent(), ifname, ifname, note, &o,
	       ng_respond_backup(dm->ctx, dm->p, ifname), NULL);
}

/* The record source's callback: each record read, and what went wrong reading. */
void watch_on_record(void *data, const struct ng_kmsgsrc_event *ev)
{
	struct daemon *dm = data;
	struct ng_sig_match m;

	if (ev->what == NG_KMSGSRC_OVERRUN) {
		ng_log(LOG_WARNING, "kernel log overrun: records were lost (EPIPE)");
		return;
	}
	if (ev->what == NG_KMSGSRC_TOO_BIG) {
		ng_log(LOG_WARNING, "skipped a record over %zu bytes", ev->size);
		return;
	}
	if (ev->lost)
		ng_log(LOG_WARNING, "%" PRIu64 " kernel log records lost before seq %" PRIu64
		       " (ring buffer overrun)", ev->lost, ev->rec->seq);
	if (ng_sig_match(ev->rec, dm->opts.accept_user ? NG_SIG_ACCEPT_USER : 0, &m))
		on_match(dm, &m);
}

/* Decide again about every held step that came due, and carry out what is due now. */
void watch_run_due(struct daemon *dm, uint64_t now)
{
	char name[NG_IFNAMSIZ];

	while (ng_watch_next_due(dm->w, name, sizeof(name)) <= now) {
		struct ng_watch_input in = { .ifname = name, .now_ms = now,
					     .wall = (int64_t)time(NULL) };
		struct ng_watch_decision d;
		struct ng_watch_opts o;
		struct ng_txprogress now_p;
		const char *sig = "held";
		char why[320];

		for (size_t i = 0; i < ng_watch_nstats(dm->w); i++)
			if (strcmp(ng_watch_stats_at(dm->w, i)->ifname, name) == 0)
				sig = ng_watch_stats_at(dm->w, i)->last_sig;
		ng_respond_opts(dm->ctx, dm->p, &dm->opts, name, &o);
		in.backup = ng_respond_backup(dm->ctx, dm->p, name);
		ng_txprogress_read(dm->ctx, name, &now_p);
		/* A held step for a silent hang waits for the probe, not the counters. */
		in.progress = strcmp(sig, NG_SIG_SILENT) != 0 ? &now_p : NULL;
		ng_watch_detect(dm->w, &o, &in, &d);
		if (d.verdict != NG_VERDICT_NONE || d.why != NG_WHY_HELD) {
			ng_watch_why_text(&d, now, why, sizeof(why));
			ng_log(d.why == NG_WHY_RECOVERED ? LOG_INFO : LOG_WARNING, "%s on %s: %s",
			       d.judged != NG_STEP_NONE ? "judged" : "held step", name, why);
			watch_add_event(dm, sig, name, d.step != NG_STEP_NONE ?
				  ng_watch_step_name(d.step) : ng_watch_why_name(d.why), why);
		}
		if (d.step != NG_STEP_NONE)
			carry_out(dm, &o, &d, sig);
		now = watch_now_ms();
	}
}

static void on_pending(void *arg, const char *key, const struct ng_recoverstep *res, int r,
		       const struct ng_err *err)
{
	struct daemon *dm = arg;
	char what[96];

	if (!res) {
		ng_log(LOG_ERR, "unfinished restores: %s", err->msg);
		return;
	}
	snprintf(what, sizeof(what), "unfinished restore of port %s", key);
	if (r < 0 && !res->restored)
		ng_log(LOG_ERR, "%s: %s (its place is kept for the next start)", what, err->msg);
	log_restore(dm, what, res);
}

void watch_finish_restores(struct daemon *dm)
{
	if (!dm->dry_run)
		ng_recoverstep_pending(dm->ctx, dm->p, on_pending, dm);
}
