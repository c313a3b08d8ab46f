/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-watch.c: [watch] options and the recovery decisions: debounce, ladder, limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "watchopts.h"

#define S 1000ull
#define BOOTED (3600 * S)	/* long past the quiet period */

static const struct ng_sig *sig(const char *id)
{
	size_t n;
	const struct ng_sig *t = ng_sig_table(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].id, id) == 0)
			return &t[i];
	fail_msg("no signature %s", id);
	return NULL;
}

static const struct ng_sig *hang(void)
{
	return sig("e1000e-hw-hang");
}

/* ------------------------------------------------------------------ options */

static void test_option_check(void **state)
{
	static const char *const good[][2] = {
		{ "ladder", "log bounce reapply rebind" }, { "ladder", "bounce" },
		{ "act-on", "hang reset" }, { "act-on", "none" }, { "debounce", "0" },
		{ "min-interval", "250ms" }, { "backoff-max", "2h" }, { "quiet-after-boot", "5m" },
		{ "max-per-hour", "60" }, { "during-backup", "allow" }, { "accept-user", "yes" },
		{ "metrics", "/tmp/x.prom" }, { "metrics", "none" }, { "metrics-interval", "0" },
		{ "settle", "1s" }, { "reset-after", "168h" },
		{ "driver.e1000e.ladder", "bounce rebind" },
		{ "interface.eno1.during-backup", "log" },
		{ "interface.vmbr0.100.min-interval", "1m" },
	};
	static const char *const bad[][2] = {
		{ "ladder", "bounce restart" }, { "ladder", "" }, { "ladder", "none" },
		{ "ladder", "log log log log log log log log log" },
		{ "act-on", "hangs" }, { "debounce", "5 s" }, { "debounce", "-1" },
		{ "debounce", "5d" }, { "min-interval", "169h" },
		{ "min-interval", "99999999999999" },
		{ "max-per-hour", "0" }, { "max-per-hour", "61" }, { "max-per-hour", "3x" },
		{ "during-backup", "sometimes" }, { "accept-user", "maybe" },
		{ "metrics", "relative.prom" }, { "metrics", "/var/lib/" },
		{ "metrics", "/a/../b" },
		{ "ladders", "bounce" }, { "driver.e1000e.metrics", "/x" },
		{ "driver.e1000e.accept-user", "yes" }, { "pci.0000.ladder", "bounce" },
		{ "driver..ladder", "bounce" }, { "driver.ladder", "bounce" },
		{ "interface.a/b.ladder", "bounce" }, { "driver.e1000e.", "x" },
	};
	struct ng_err err;

	(void)state;
	check_watch_lines(good, NG_ARRAY_SIZE(good), bad, NG_ARRAY_SIZE(bad));
	ng_watch_option_check("min-intervall", "1s", &err);
	assert_non_null(strstr(err.msg, "did you mean \"min-interval\""));
}

static void test_opts_resolve(void **state)
{
	static const char text[] =
		"[watch]\n"
		"ladder = log bounce\n"
		"min-interval = 30s\n"
		"driver.e1000e.min-interval = 1m\n"
		"interface.eno1.min-interval = 2m\n"
		"interface.eno1.during-backup = allow\n"
		"metrics = /tmp/ng.prom\n"
		"[watch]\n"
		"max-per-hour = 3\n";
	struct ng_policy *p = ng_policy_new();
	struct ng_iface eno1 = { .name = "eno1", .driver = "e1000e" };
	struct ng_iface eno2 = { .name = "eno2", .driver = "e1000e" };
	struct ng_iface ens3 = { .name = "ens3", .driver = "virtio_net" };
	struct ng_watch_opts o;

	(void)state;
	assert_non_null(p);
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "t.conf"), 0);
	ng_watch_opts_resolve(p, NULL, &o);
	assert_int_equal(o.nladder, 2);
	assert_int_equal(o.ladder[0], NG_STEP_LOG);
	assert_int_equal(o.min_interval_ms, 30 * S);
	assert_int_equal(o.max_per_hour, 3);
	assert_string_equal(o.metrics_path, "/tmp/ng.prom");
	assert_int_equal(o.during_backup, NG_BACKUP_REAPPLY);
	ng_watch_opts_resolve(p, &eno2, &o);
	assert_int_equal(o.min_interval_ms, 60 * S);
	ng_watch_opts_resolve(p, &eno1, &o);
	assert_int_equal(o.min_interval_ms, 120 * S);
	assert_int_equal(o.during_backup, NG_BACKUP_ALLOW);
	ng_watch_opts_resolve(p, &ens3, &o);
	assert_int_equal(o.min_interval_ms, 30 * S);
	/* A section marked bad is left out, as resolve does for settings. */
	p->sections[0].bad = true;
	ng_watch_opts_resolve(p, &eno1, &o);
	assert_int_equal(o.min_interval_ms, 10 * S);
	assert_int_equal(o.max_per_hour, 3);
	ng_policy_free(p);
	/* Defaults. */
	ng_watch_opts_resolve(NULL, NULL, &o);
	assert_int_equal(o.nladder, 3);
	assert_int_equal(o.ladder[0], NG_STEP_BOUNCE);
	assert_int_equal(o.ladder[2], NG_STEP_REBIND);
	assert_int_equal(o.act_on, 1u << NG_SIG_HANG);
	assert_string_equal(o.metrics_path, NG_METRICS_PATH);
	assert_false(o.accept_user);
}

/* ------------------------------------------------------------------- engine */

struct rig {
	struct ng_watch *w;
	struct ng_watch_opts o;
	struct ng_watch_decision d;
};

static int setup(void **state)
{
	static struct rig r;

	r.w = ng_watch_new();
	ng_watch_opts_default(&r.o);
	*state = &r;
	return r.w ? 0 : -1;
}

static int teardown(void **state)
{
	struct rig *r = *state;

	ng_watch_free(r->w);
	return 0;
}

static struct ng_watch_decision *detect(struct rig *r, const struct ng_sig *s, const char *ifname,
					uint64_t now, bool backup)
{
	struct ng_watch_input in = { .sig = s, .ifname = ifname, .now_ms = now, .wall = 1700000000,
				     .backup = backup };

	ng_watch_detect(r->w, &r->o, &in, &r->d);
	return &r->d;
}

/* Carry out the decision (as the daemon would) with result res. */
static void done(struct rig *r, enum ng_watch_result res, uint64_t now)
{
	ng_watch_done(r->w, &r->o, &r->d, res, now, NULL);
}

/* A held step comes due at `now`. */
static struct ng_watch_decision *due(struct rig *r, const char *ifname, uint64_t now, bool backup)
{
	return detect(r, NULL, ifname, now, backup);
}

static void test_ladder_and_debounce(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_watch_decision *d;

	d = detect(r, hang(), "eno1", t, false);
	assert_int_equal(d->why, NG_WHY_ACT);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	done(r, NG_WATCH_OK, t);
	/* The e1000e message repeats every 2 s: within debounce it is only counted. */
	d = detect(r, hang(), "eno1", t + 2 * S, false);
	assert_int_equal(d->why, NG_WHY_DEBOUNCED);
	assert_int_equal(d->step, NG_STEP_NONE);
	d = detect(r, hang(), "eno1", t + 4 * S, false);
	assert_int_equal(d->suppressed, 2);
	/* Past debounce, past settle, before min-interval: the next rung is held. */
	d = detect(r, hang(), "eno1", t + 6 * S, false);
	assert_int_equal(d->why, NG_WHY_WAIT);
	assert_int_equal(d->suppressed, 2);
	assert_int_equal(d->step, NG_STEP_NONE);
	assert_int_equal(d->due_ms, t + 10 * S);
	{
		char name[NG_IFNAMSIZ];

		assert_int_equal(ng_watch_next_due(r->w, name, sizeof(name)), t + 10 * S);
		assert_string_equal(name, "eno1");
	}
	/* Repeats while held change nothing; the held step does not fire early. */
	d = detect(r, hang(), "eno1", t + 12 * S, false);
	assert_int_equal(d->why, NG_WHY_HELD);
	d = due(r, "eno1", t + 10 * S - 1, false);
	assert_int_equal(d->step, NG_STEP_NONE);
	d = due(r, "eno1", t + 10 * S, false);
	assert_int_equal(d->step, NG_STEP_REAPPLY);
	done(r, NG_WATCH_OK, t + 10 * S);
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), UINT64_MAX);
	/* Backoff: the third action waits 2 x min-interval after the second. */
	d = detect(r, hang(), "eno1", t + 20 * S, false);
	assert_int_equal(d->why, NG_WHY_WAIT);
	assert_int_equal(d->due_ms, t + 30 * S);
	d = due(r, "eno1", t + 30 * S, false);
	assert_int_equal(d->step, NG_STEP_REBIND);
	done(r, NG_WATCH_OK, t + 30 * S);
	/* Past the top rung the last step repeats, 4 x min-interval later. */
	d = detect(r, hang(), "eno1", t + 40 * S, false);
	assert_int_equal(d->due_ms, t + 70 * S);
	d = due(r, "eno1", t + 70 * S, false);
	assert_int_equal(d->step, NG_STEP_REBIND);
	assert_int_equal(d->rung, 2);
	done(r, NG_WATCH_FAILED, t + 70 * S);
	{
		const struct ng_watch_stats *st = ng_watch_stats_at(r->w, 0);

		assert_string_equal(st->ifname, "eno1");
		assert_int_equal(st->actions[NG_STEP_BOUNCE], 1);
		assert_int_equal(st->actions[NG_STEP_REAPPLY], 1);
		assert_int_equal(st->actions[NG_STEP_REBIND], 2);
		assert_int_equal(st->failed, 1);
		assert_int_equal(st->events[NG_SIG_HANG], 7);
		assert_int_equal(st->suppressed, 2);
		assert_int_equal(st->last_event, 1700000000);
	}
}

static void test_interfaces_independent(void **state)
{
	struct rig *r = *state;
	struct ng_watch_decision *d;

	d = detect(r, hang(), "eno1", BOOTED, false);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	done(r, NG_WATCH_OK, BOOTED);
	d = detect(r, hang(), "eno2", BOOTED + 1, false);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	assert_string_equal(d->ifname, "eno2");
	/* A different signature on the same interface is not a repeat. */
	d = detect(r, sig("e1000e-reset"), "eno1", BOOTED + 2, false);
	assert_int_equal(d->why, NG_WHY_LOG_ONLY);
	d = detect(r, sig("e1000e-reset"), "eno1", BOOTED + 3, false);
	assert_int_equal(d->why, NG_WHY_DEBOUNCED);
}

static void test_flood_limits(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED, last = 0;
	unsigned acts = 0, logged = 0;

	r->o.min_interval_ms = 1 * S;
	r->o.backoff_max_ms = 4 * S;
	r->o.debounce_ms = 500;
	r->o.max_per_hour = 5;
	/* 10,000 hang lines, one every 100 ms for 1000 s, carried out as the daemon would. */
	for (unsigned i = 0; i < 10000; i++, t += 100) {
		struct ng_watch_decision *d = detect(r, hang(), "eno1", t, false);
		char name[NG_IFNAMSIZ];

		if (d->why != NG_WHY_DEBOUNCED)
			logged++;
		if (d->step == NG_STEP_NONE && ng_watch_next_due(r->w, name, sizeof(name)) <= t)
			d = due(r, name, t, false);
		if (d->step != NG_STEP_NONE) {
			if (last)
				assert_true(t - last >= 1 * S);
			last = t;
			acts++;
			done(r, NG_WATCH_OK, t);
		}
	}
	assert_int_equal(acts, 5);
	/* One logged line per debounce window at most. */
	assert_true(logged <= 10000 / 5 + 1);
	/* Within an hour of the first action nothing more happens, whatever comes. */
	assert_int_equal(detect(r, hang(), "eno1", t, false)->step, NG_STEP_NONE);
	/* An hour later the window frees one slot (the episode goes on: top rung). */
	r->o.debounce_ms = 0;
	assert_int_equal(detect(r, hang(), "eno1", BOOTED + 3600 * S + 1, false)->step,
			 NG_STEP_REBIND);
}

static void test_quiet_after_boot(void **state)
{
	struct rig *r = *state;
	struct ng_watch_decision *d;

	d = detect(r, hang(), "eno1", 30 * S, false);
	assert_int_equal(d->why, NG_WHY_QUIET);
	assert_int_equal(d->step, NG_STEP_NONE);
	assert_int_equal(d->due_ms, 120 * S);
	d = due(r, "eno1", 120 * S, false);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
}

static void test_backup_window(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_watch_decision *d;

	/* A hang on an uplink during a backup: stricter settings, no link drop. */
	d = detect(r, hang(), "eno1", t, true);
	assert_int_equal(d->why, NG_WHY_BACKUP);
	assert_int_equal(d->step, NG_STEP_REAPPLY);
	assert_true(d->substitute);
	done(r, NG_WATCH_OK, t);
	/* Still hung, window still open: nothing more, re-checked later. */
	d = due(r, "eno1", t + 30 * S, true);
	assert_int_equal(d->why, NG_WHY_BACKUP);
	assert_int_equal(d->step, NG_STEP_NONE);
	/* The window closed: the held bounce comes. */
	d = due(r, "eno1", t + 60 * S, false);
	assert_int_equal(d->why, NG_WHY_ACT);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	assert_false(d->substitute);

	/* during-backup = log: nothing at all; allow: as any time. */
	r->o.during_backup = NG_BACKUP_LOG;
	d = detect(r, hang(), "eno2", t, true);
	assert_int_equal(d->why, NG_WHY_BACKUP);
	assert_int_equal(d->step, NG_STEP_NONE);
	r->o.during_backup = NG_BACKUP_ALLOW;
	d = detect(r, hang(), "eno3", t, true);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
}

static void test_skipped_and_log_rung(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_watch_decision *d;

	r->o.ladder[0] = NG_STEP_LOG;
	r->o.ladder[1] = NG_STEP_REAPPLY;
	r->o.ladder[2] = NG_STEP_REBIND;
	r->o.nladder = 3;
	/* First rung: log only; the hang coming back (after debounce) goes to the next. */
	d = detect(r, hang(), "veth0", t, false);
	assert_int_equal(d->step, NG_STEP_LOG);
	done(r, NG_WATCH_OK, t);
	d = detect(r, hang(), "veth0", t + 6 * S, false);
	assert_int_equal(d->step, NG_STEP_REAPPLY);
	/* No watch-* settings: skipped, the next rung is due at once. */
	done(r, NG_WATCH_SKIPPED, t + 6 * S);
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), t + 6 * S);
	d = due(r, "veth0", t + 6 * S, false);
	assert_int_equal(d->step, NG_STEP_REBIND);
	/* Nothing to rebind either: the ladder is exhausted, nothing more is held. */
	done(r, NG_WATCH_SKIPPED, t + 6 * S);
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), UINT64_MAX);
}

static void test_log_only_cases(void **state)
{
	struct rig *r = *state;
	struct ng_watch_input in = { .sig = hang(), .ifname = "eno1", .now_ms = BOOTED,
				     .history = true };

	ng_watch_detect(r->w, &r->o, &in, &r->d);
	assert_int_equal(r->d.why, NG_WHY_LOG_ONLY);
	/* Host-wide stalls and resets are not acted on by default. */
	assert_int_equal(detect(r, sig("soft-lockup"), "", BOOTED, false)->why, NG_WHY_LOG_ONLY);
	assert_int_equal(detect(r, sig("e1000e-reset"), "eno2", BOOTED, false)->why,
			 NG_WHY_LOG_ONLY);
	r->o.act_on |= 1u << NG_SIG_RESET;
	assert_int_equal(detect(r, sig("e1000e-reset"), "eno3", BOOTED, false)->step,
			 NG_STEP_BOUNCE);
	/* Even with stalls acted on, no interface means nothing to act on. */
	r->o.act_on |= 1u << NG_SIG_STALL;
	assert_int_equal(detect(r, sig("rcu-stall"), "", BOOTED + 10 * S, false)->why,
			 NG_WHY_LOG_ONLY);
}

static void test_settle_and_reset_after(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;

	r->o.debounce_ms = 0;
	assert_int_equal(detect(r, hang(), "eno1", t, false)->step, NG_STEP_BOUNCE);
	done(r, NG_WATCH_OK, t);
	/* An echo right after the bounce is not evidence it failed. */
	assert_int_equal(detect(r, hang(), "eno1", t + 1 * S, false)->why, NG_WHY_SETTLING);
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), UINT64_MAX);
	/* Quiet for reset-after: the next hang starts again at the first rung, no backoff. */
	t += 3600 * S + 2 * S;
	assert_int_equal(detect(r, hang(), "eno1", t, false)->step, NG_STEP_BOUNCE);
}

static void test_many_interfaces(void **state)
{
	struct rig *r = *state;

	/* Records naming ever new interfaces cannot grow the state without bound. */
	for (unsigned i = 0; i < 2000; i++) {
		char name[NG_IFNAMSIZ];

		snprintf(name, sizeof(name), "x%u", i);
		detect(r, hang(), name, BOOTED + i, false);
		done(r, NG_WATCH_OK, BOOTED + i);
	}
	assert_true(ng_watch_nstats(r->w) <= 256);
	assert_null(ng_watch_stats_at(r->w, 256));
	assert_string_equal(ng_watch_step_name(NG_STEP_REAPPLY), "reapply");
	assert_string_equal(ng_watch_why_name(NG_WHY_BACKUP), "backup");
}


/* ------------------------------------------------------------- evidence */

static struct ng_txprogress tx(uint64_t packets, uint64_t timeouts)
{
	return (struct ng_txprogress){ .ok = true, .ifindex = 3, .tx_packets = packets,
				       .tx_timeouts = timeouts, .carrier = true };
}

static struct ng_watch_decision *detect_p(struct rig *r, const struct ng_sig *s,
					  const char *ifname, uint64_t now,
					  const struct ng_txprogress *p)
{
	struct ng_watch_input in = { .sig = s, .ifname = ifname, .now_ms = now, .wall = 1,
				     .progress = p };

	ng_watch_detect(r->w, &r->o, &in, &r->d);
	return &r->d;
}

static void done_p(struct rig *r, enum ng_watch_result res, uint64_t now,
		   const struct ng_txprogress *after)
{
	ng_watch_done(r->w, &r->o, &r->d, res, now, after);
}

static void test_judge_verdicts(void **state)
{
	struct ng_txprogress a = tx(100, 2), b;

	(void)state;
	b = tx(150, 2);
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_RECOVERED);
	/* A new timeout outweighs packets sent before the queue stalled again. */
	b = tx(150, 3);
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_HUNG);
	b = tx(100, 2);
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_IDLE);
	/* Bytes stuck in the device (BQL), before and after, nothing sent: hung. */
	a.bql = b.bql = true;
	a.inflight = b.inflight = 1500;
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_HUNG);
	b.carrier = false;
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_NO_CARRIER);
	/* Another device (a rebind between the samples), or a sample missing: no verdict. */
	b = tx(150, 2);
	b.ifindex = 7;
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_NONE);
	b.ok = false;
	assert_int_equal(ng_watch_judge(&a, &b), NG_VERDICT_NONE);
	assert_int_equal(ng_watch_judge(NULL, &a), NG_VERDICT_NONE);
	assert_string_equal(ng_watch_verdict_name(NG_VERDICT_HUNG), "hung");
}

static void test_still_hung_escalates(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_txprogress p = tx(500, 1);
	struct ng_watch_decision *d;
	char text[320];

	d = detect_p(r, hang(), "ens4", t, &p);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	p = tx(500, 1);
	done_p(r, NG_WATCH_OK, t, &p);
	/* The judgement is due settle (3 s) after the step, before any new record. */
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), t + 3 * S);
	d = due(r, "ens4", t + 3 * S - 1, false);
	assert_int_equal(d->step, NG_STEP_NONE);
	assert_int_equal(d->verdict, NG_VERDICT_NONE);
	/* The kernel's watchdog counted another timeout, nothing was sent: still hung. The
	 * next rung waits for min-interval (10 s after the bounce). */
	p = tx(500, 2);
	d = detect_p(r, NULL, "ens4", t + 3 * S, &p);
	assert_int_equal(d->verdict, NG_VERDICT_HUNG);
	assert_int_equal(d->judged, NG_STEP_BOUNCE);
	assert_int_equal(d->timeouts, 1);
	assert_int_equal(d->why, NG_WHY_WAIT);
	assert_int_equal(d->due_ms, t + 10 * S);
	ng_watch_why_text(d, t + 3 * S, text, sizeof(text));
	assert_string_equal(text, "still hung 3.000 s after bounce (0 packets sent, 1 new "
			    "transmit timeouts): no action yet (waiting; rung 2 due in 7.000 s)");
	/* Still nothing sent when it comes due: the next rung is taken. */
	p = tx(500, 3);
	d = detect_p(r, NULL, "ens4", t + 10 * S, &p);
	assert_int_equal(d->step, NG_STEP_REAPPLY);
}

static void test_recovered_stops_the_ladder(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_txprogress p = tx(500, 1);
	struct ng_watch_decision *d;
	char text[320];

	d = detect_p(r, hang(), "ens4", t, &p);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	done_p(r, NG_WATCH_OK, t, &p);
	/* An echo of the same timeout right after the step is not evidence. */
	assert_int_equal(detect_p(r, sig("virtio-tx-timeout"), "ens4", t + 100, &p)->why,
			 NG_WHY_SETTLING);
	p = tx(720, 1);
	d = detect_p(r, NULL, "ens4", t + 3 * S, &p);
	assert_int_equal(d->verdict, NG_VERDICT_RECOVERED);
	assert_int_equal(d->why, NG_WHY_RECOVERED);
	assert_int_equal(d->step, NG_STEP_NONE);
	assert_int_equal(d->sent, 220);
	ng_watch_why_text(d, t + 3 * S, text, sizeof(text));
	assert_string_equal(text, "transmit resumed 3.000 s after bounce (220 packets sent, 0 "
			    "new transmit timeouts): recovered, no further step");
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), UINT64_MAX);
	assert_int_equal(ng_watch_stats_at(r->w, 0)->recovered, 1);
	/* It hangs again later: the step that worked comes first again, not the next rung. */
	d = detect_p(r, hang(), "ens4", t + 600 * S, &p);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
}

static void test_no_evidence_waits_for_the_kernel(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_txprogress p = tx(500, 1);
	struct ng_watch_decision *d;

	r->o.debounce_ms = 0;
	detect_p(r, hang(), "ens4", t, &p);
	done_p(r, NG_WATCH_OK, t, &p);
	d = detect_p(r, NULL, "ens4", t + 3 * S, &p);
	assert_int_equal(d->verdict, NG_VERDICT_IDLE);
	assert_int_equal(d->why, NG_WHY_NO_EVIDENCE);
	assert_int_equal(d->step, NG_STEP_NONE);
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), UINT64_MAX);
	/* The kernel reports the hang again: that is the evidence, the next rung follows. */
	d = detect_p(r, hang(), "ens4", t + 10 * S, &p);
	assert_int_equal(d->step, NG_STEP_REAPPLY);
}

static void test_skip_is_not_an_action(void **state)
{
	struct rig *r = *state;
	uint64_t t = BOOTED;
	struct ng_watch_decision *d;

	r->o.max_per_hour = 2;
	r->o.debounce_ms = 0;
	d = detect(r, hang(), "ens4", t, false);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
	done(r, NG_WATCH_OK, t);
	d = detect(r, hang(), "ens4", t + 10 * S, false);
	assert_int_equal(d->step, NG_STEP_REAPPLY);
	/* Nothing to re-apply: no action, the next rung is due at once. */
	done(r, NG_WATCH_SKIPPED, t + 10 * S);
	assert_int_equal(ng_watch_stats_at(r->w, 0)->actions[NG_STEP_REAPPLY], 0);
	d = due(r, "ens4", t + 10 * S, false);
	/* The skip took no slot of max-per-hour (2) and no backoff: the rebind is the 2nd
	 * action, min-interval (not twice that) after the bounce. */
	assert_int_equal(d->step, NG_STEP_REBIND);
	done(r, NG_WATCH_OK, t + 10 * S);
	d = detect(r, hang(), "ens4", t + 40 * S, false);
	assert_int_equal(d->why, NG_WHY_LIMIT);
}

static void test_quiet_after_boot_evidence(void **state)
{
	struct rig *r = *state;
	struct ng_txprogress p = tx(10, 0);
	struct ng_watch_decision *d;

	/* A hang during boot is held to the end of quiet-after-boot, never dropped unseen... */
	d = detect_p(r, hang(), "eno1", 30 * S, &p);
	assert_int_equal(d->why, NG_WHY_QUIET);
	/* ...and dropped then only if transmit resumed meanwhile (the driver was settling). */
	p = tx(900, 0);
	d = detect_p(r, NULL, "eno1", 120 * S, &p);
	assert_int_equal(d->why, NG_WHY_RECOVERED);
	assert_int_equal(d->step, NG_STEP_NONE);
	assert_int_equal(ng_watch_next_due(r->w, NULL, 0), UINT64_MAX);
	/* The hang went on after the detection (the watchdog fired four more times), then
	 * transmit resumed: judged from the last report, the held step is dropped. */
	p = tx(10, 1);
	d = detect_p(r, hang(), "eno3", 30 * S, &p);
	assert_int_equal(d->why, NG_WHY_QUIET);
	p = tx(10, 5);
	d = detect_p(r, hang(), "eno3", 50 * S, &p);
	assert_int_equal(d->why, NG_WHY_HELD);
	p = tx(700, 5);
	d = detect_p(r, NULL, "eno3", 120 * S, &p);
	assert_int_equal(d->why, NG_WHY_RECOVERED);
	assert_int_equal(d->step, NG_STEP_NONE);
	/* Still hung when the period ends: the first step is taken at once. */
	p = tx(10, 0);
	d = detect_p(r, hang(), "eno2", 60 * S, &p);
	assert_int_equal(d->why, NG_WHY_QUIET);
	p = tx(10, 4);
	d = detect_p(r, NULL, "eno2", 120 * S, &p);
	assert_int_equal(d->step, NG_STEP_BOUNCE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_check),
		cmocka_unit_test(test_opts_resolve),
		cmocka_unit_test_setup_teardown(test_ladder_and_debounce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interfaces_independent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_after_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skipped_and_log_rung, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_only_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_and_reset_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_interfaces, setup, teardown),
		cmocka_unit_test(test_judge_verdicts),
		cmocka_unit_test_setup_teardown(test_still_hung_escalates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovered_stops_the_ladder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_evidence_waits_for_the_kernel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_skip_is_not_an_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_after_boot_evidence, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
