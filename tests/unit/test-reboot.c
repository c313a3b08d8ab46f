/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-reboot.c: the reboot rung: only last and after another step, never within
 * reboot-min-uptime of boot, held through a backup window, at most once per reboot-period
 * (a record that outlives the reboot), and asked of systemctl by its path under the root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"
#include "watchopts.h"
#include "fixture.h"

#define S 1000ull
#define MIN (60 * S)
#define HOUR (3600 * S)
#define NOW 1800000000

static void test_ladder_rules(void **state)
{
	static const char *const good[][2] = {
		{ "ladder", "bounce reboot" }, { "ladder", "bounce reapply rebind reboot" },
		{ "ladder", "log reboot" }, { "interface.eno1.ladder", "rebind reboot" },
		{ "reboot-min-uptime", "1m" }, { "reboot-min-uptime", "2h" },
		{ "reboot-period", "1h" }, { "reboot-period", "168h" },
	};
	static const char *const bad[][2] = {
		{ "ladder", "reboot" }, { "ladder", "reboot bounce" },
		{ "ladder", "bounce reboot rebind" }, { "ladder", "bounce reboot reboot" },
		{ "reboot-min-uptime", "59s" }, { "reboot-period", "59m" },
		{ "reboot-period", "169h" }, { "interface.eno1.reboot-period", "2h" },
		{ "driver.e1000e.reboot-min-uptime", "2h" },
	};
	struct ng_watch_opts o;
	struct ng_err err;

	(void)state;
	check_watch_lines(good, NG_ARRAY_SIZE(good), bad, NG_ARRAY_SIZE(bad));
	ng_watch_option_check("ladder", "reboot", &err);
	assert_non_null(strstr(err.msg, "reboot can only be the last step, after another"));
	/* Opt-in: not in the default ladder. */
	ng_watch_opts_default(&o);
	for (size_t i = 0; i < o.nladder; i++)
		assert_int_not_equal(o.ladder[i], NG_STEP_REBOOT);
	assert_int_equal(o.reboot_min_uptime_ms, HOUR);
	assert_int_equal(o.reboot_period_ms, 24 * HOUR);
	assert_string_equal(ng_watch_step_name(NG_STEP_REBOOT), "reboot");
}

/* One hang on eno1 at now: the decision. */
static void detect(struct ng_watch *w, const struct ng_watch_opts *o, uint64_t now, bool backup,
		   struct ng_watch_decision *d)
{
	size_t n;
	const struct ng_sig *hang = ng_sig_table(&n);
	struct ng_watch_input in = { .sig = hang, .ifname = "eno1", .now_ms = now, .wall = 1,
				     .backup = backup };

	ng_watch_detect(w, o, &in, d);
}

static void test_engine(void **state)
{
	struct ng_watch *w = ng_watch_new();
	struct ng_watch_opts o;
	struct ng_watch_decision d;
	struct ng_watch_input due = { .ifname = "eno1", .wall = 1 };
	struct ng_err err;
	uint64_t t = 10 * MIN;

	(void)state;
	assert_non_null(w);
	ng_watch_opts_default(&o);
	assert_int_equal(ng_watch_option_check("ladder", "bounce reboot", &err), 0);
	o.ladder[1] = NG_STEP_REBOOT;
	o.nladder = 2;
	o.quiet_ms = 0;
	/* 10 minutes after boot: the bounce, then (still hung) the reboot is held until the
	 * host has been up reboot-min-uptime. */
	detect(w, &o, t, false, &d);
	assert_int_equal(d.step, NG_STEP_BOUNCE);
	ng_watch_done(w, &o, &d, NG_WATCH_OK, t, NULL);
	t += MIN;
	detect(w, &o, t, false, &d);
	assert_int_equal(d.step, NG_STEP_NONE);
	assert_int_equal(d.why, NG_WHY_UPTIME);
	assert_int_equal(d.due_ms, HOUR);
	assert_int_equal(ng_watch_next_due(w, NULL, 0), HOUR);
	/* Due: a backup runs on this uplink now: held again, like a bounce or a rebind (the
	 * stricter settings re-applied meanwhile). */
	due.now_ms = HOUR;
	due.backup = true;
	ng_watch_detect(w, &o, &due, &d);
	assert_int_equal(d.why, NG_WHY_BACKUP);
	assert_int_equal(d.step, NG_STEP_REAPPLY);
	assert_true(d.substitute);
	ng_watch_done(w, &o, &d, NG_WATCH_OK, HOUR, NULL);
	/* The backup is over: the reboot. */
	due.now_ms = HOUR + 31 * S;
	due.backup = false;
	ng_watch_detect(w, &o, &due, &d);
	assert_int_equal(d.step, NG_STEP_REBOOT);
	assert_int_equal(d.rung, 1);
	ng_watch_free(w);
}

static void test_record_and_period(void **state)
{
	struct ng_watch_opts o;
	struct ng_err err = { 0 };
	char why[160], *text;
	int64_t when = 0;

	(void)state;
	ng_watch_opts_default(&o);
	/* No record: allowed. No /var/lib/nicguard: cannot be recorded, so no reboot. */
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW, why, sizeof(why), &err), 0);
	assert_int_equal(ng_reboot_record(fx.ctx, NOW, "eno1", "silent", &err), -ENOENT);
	fx_mkdir("/var/lib/nicguard");
	assert_int_equal(ng_reboot_record(fx.ctx, NOW, "eno1", "silent", &err), 0);
	text = fx_get("/var/lib/nicguard/reboot-last");
	assert_non_null(text);
	assert_non_null(strstr(text, "\ntime=1800000000\ninterface=eno1\nsignature=silent\n"));
	assert_int_equal(ng_reboot_parse(text, strlen(text), &when), 0);
	assert_int_equal(when, NOW);
	free(text);
	/* Within the period: not now, and why. After it: allowed. */
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW + 23 * 3600, why, sizeof(why), &err),
			 -EAGAIN);
	assert_string_equal(why, "the last reboot for a hang was 1380 min ago "
			    "(reboot-period 1440 min)");
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW + 24 * 3600, why, sizeof(why), &err), 0);
	/* A clock set back before the last reboot: the period is not known to be over. */
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW - 3600, why, sizeof(why), &err),
			 -EAGAIN);
	/* A record that is not nicguard's, or garbage: no reboot, and never overwritten. */
	fx_put("/var/lib/nicguard/reboot-last", "time=1\n");
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW, why, sizeof(why), &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "not written by nicguard; not rebooting"));
	assert_int_equal(ng_reboot_record(fx.ctx, NOW, "eno1", "silent", &err), -EEXIST);
	fx_put("/var/lib/nicguard/reboot-last", NG_MARKER "\ntime=soon\n");
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW, why, sizeof(why), &err), -EINVAL);
	fx_put("/var/lib/nicguard/reboot-last", NG_MARKER "\ntime=99999999999999999999\n");
	assert_int_equal(ng_reboot_check(fx.ctx, &o, NOW, why, sizeof(why), &err), -EINVAL);
}

static void test_request(void **state)
{
	char detail[160], path[PATH_MAX], *argv;
	struct ng_err err = { 0 };

	(void)state;
	/* The program is systemctl under the root: a stand-in here records its arguments. */
	fx_put("/usr/bin/systemctl", "#!/bin/sh\necho \"$@\" >\"${0%/usr/bin/systemctl}/argv\"\n");
	assert_int_equal(chmod(fx_path("/usr/bin/systemctl", path), 0755), 0);
	assert_int_equal(ng_reboot_request(fx.ctx, detail, sizeof(detail), &err), 0);
	argv = fx_get("/argv");
	assert_non_null(argv);
	assert_string_equal(argv, "reboot\n");
	free(argv);
	assert_non_null(strstr(detail, "/usr/bin/systemctl reboot accepted"));
	/* It refuses (no systemd, a locked shutdown): failed, with its words. */
	fx_put("/usr/bin/systemctl", "#!/bin/sh\necho 'System has not been booted with systemd'\n"
	       "exit 1\n");
	assert_int_equal(ng_reboot_request(fx.ctx, detail, sizeof(detail), &err), -EIO);
	assert_non_null(strstr(err.msg, "reboot: exit 1: System has not been booted with systemd"));
}

/* reboot-watchdog: only a watchdog device node by name, set for the whole daemon, and a
 * timeout no shorter than a minute (a normal shutdown must not be cut short). */
static void test_watchdog_options(void **state)
{
	static const char *const good[][2] = {
		{ "reboot-watchdog", "/dev/watchdog" }, { "reboot-watchdog", "/dev/watchdog0" },
		{ "reboot-watchdog", "/dev/watchdog12" }, { "reboot-watchdog", "none" },
		{ "reboot-watchdog-timeout", "1m" }, { "reboot-watchdog-timeout", "30m" },
	};
	static const char *const bad[][2] = {
		{ "reboot-watchdog", "/dev/sda" }, { "reboot-watchdog", "watchdog0" },
		{ "reboot-watchdog", "/dev/watchdog0/../sda" }, { "reboot-watchdog", "/dev/watchdog01" },
		{ "reboot-watchdog", "/dev/watchdogx" }, { "reboot-watchdog", "" },
		{ "interface.eno1.reboot-watchdog", "/dev/watchdog0" },
		{ "reboot-watchdog-timeout", "59s" },
		{ "driver.e1000e.reboot-watchdog-timeout", "5m" },
	};
	struct ng_watch_opts o;
	struct ng_err err;

	(void)state;
	check_watch_lines(good, NG_ARRAY_SIZE(good), bad, NG_ARRAY_SIZE(bad));
	ng_watch_option_check("reboot-watchdog", "/dev/sda", &err);
	assert_non_null(strstr(err.msg, "expected none, /dev/watchdog or /dev/watchdogN"));
	/* Off unless named; ten minutes when named. */
	ng_watch_opts_default(&o);
	assert_string_equal(o.reboot_watchdog, "");
	assert_int_equal(o.reboot_watchdog_timeout_ms, 10 * MIN);
}

/* What is not a watchdog is refused and left as it was (and said at start when it is no
 * character device at all): missing, a link, a regular file, a character device of another
 * kind (/dev/null's numbers, when this test may make nodes). The arming of a real one is
 * proven in the guests (tests/vm, i6300esb). */
static void test_watchdog_refusals(void **state)
{
	struct ng_err err = { 0 };
	char path[PATH_MAX], *text;
	unsigned secs = 0;

	(void)state;
	assert_int_equal(ng_reboot_watchdog_present(fx.ctx, "/dev/watchdog0", &err), -ENODEV);
	assert_non_null(strstr(err.msg, "no such watchdog device"));
	assert_int_equal(ng_reboot_watchdog_arm(fx.ctx, "/dev/watchdog0", 10 * MIN, &secs, &err),
			 -ENOENT);
	fx_put("/dev/watchdog1", "not a device\n");
	assert_int_equal(ng_reboot_watchdog_arm(fx.ctx, "/dev/watchdog1", 10 * MIN, &secs, &err),
			 -ENODEV);
	assert_non_null(strstr(err.msg, "is not a character device"));
	assert_int_equal(ng_reboot_watchdog_present(fx.ctx, "/dev/watchdog1", &err), -ENODEV);
	text = fx_get("/dev/watchdog1");
	assert_string_equal(text, "not a device\n");
	free(text);
	assert_int_equal(symlink("watchdog1", fx_path("/dev/watchdog2", path)), 0);
	assert_int_equal(ng_reboot_watchdog_arm(fx.ctx, "/dev/watchdog2", 10 * MIN, &secs, &err),
			 -ELOOP);
	if (mknod(fx_path("/dev/watchdog3", path), S_IFCHR | 0600, makedev(1, 3)) == 0) {
		/* A character device is there: looked at, not opened. */
		assert_int_equal(ng_reboot_watchdog_present(fx.ctx, "/dev/watchdog3", &err), 0);
		assert_int_equal(ng_reboot_watchdog_arm(fx.ctx, "/dev/watchdog3", 10 * MIN, &secs,
							&err), -ENODEV);
		assert_non_null(strstr(err.msg, "is not a watchdog"));
	}
	assert_int_equal(secs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ladder_rules),
		cmocka_unit_test(test_engine),
		cmocka_unit_test_setup_teardown(test_record_and_period, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_request, fx_setup, fx_teardown),
		cmocka_unit_test(test_watchdog_options),
		cmocka_unit_test_setup_teardown(test_watchdog_refusals, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
