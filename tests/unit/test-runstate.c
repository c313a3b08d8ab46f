/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-runstate.c: /run/nicguard: the backup window file, escalation marks, watch events,
 * a port's place and lock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

static void test_window_round_trip(void **state)
{
	static const struct ng_origin o = { .file = "snapshot" };
	struct ng_window w = { 0 }, back;
	struct ng_saved *sv;
	struct ng_diags d = { 0 };
	int first = 0;
	char *text;

	(void)state;
	fx_mkdir("run");
	assert_false(ng_runstate_window_open(fx.ctx));
	assert_int_equal(ng_runstate_window_read(fx.ctx, &back, &d, &first), 0);
	sv = ng_runstate_window_add(&w, "eno1");
	assert_non_null(sv);
	assert_int_equal(ng_value_parse(NG_OFFLOAD, NG_SET_NORMAL, "tx-tcp-segmentation on "
					"rx-gro off", o, &sv->items, &sv->n, NULL), 0);
	assert_int_equal(ng_value_parse(NG_COALESCE, NG_SET_NORMAL, "rx-usecs 3", o, &sv->items,
					&sv->n, NULL), 0);
	assert_int_equal(ng_value_parse(NG_LINK, NG_SET_NORMAL, "autoneg on", o, &sv->items,
					&sv->n, NULL), 0);
	assert_non_null(ng_runstate_window_add(&w, "eno2"));
	assert_int_equal(ng_runstate_window_write(fx.ctx, &w, NULL), 0);
	assert_true(ng_runstate_window_open(fx.ctx));
	/* The policy's words without '=': one line per interface and key. */
	text = fx_get("run/nicguard/backup-state");
	assert_non_null(text);
	assert_int_equal(strncmp(text, NG_MARKER "\n", strlen(NG_MARKER) + 1), 0);
	assert_non_null(strstr(text, "\neno1 offload tx-tcp-segmentation on rx-gro off\n"
			       "eno1 coalesce rx-usecs 3\neno1 link autoneg on\n"));
	free(text);
	assert_int_equal(ng_runstate_window_read(fx.ctx, &back, &d, &first), 1);
	assert_int_equal(back.n, 1);		/* eno2 saved nothing: no line */
	assert_int_equal(back.v[0].n, 4);
	assert_string_equal(back.v[0].items[0].origin.file, "/run/nicguard/backup-state");
	assert_int_equal(back.v[0].items[3].origin.line, 5);
	assert_int_equal(d.n, 0);
	ng_runstate_window_free(&back);
	ng_runstate_window_free(&w);
	assert_int_equal(ng_runstate_window_remove(fx.ctx, NULL), 0);
	assert_false(ng_runstate_window_open(fx.ctx));
	assert_int_equal(ng_runstate_window_remove(fx.ctx, NULL), 0);
}

static void test_window_bad_lines(void **state)
{
	struct ng_diags d = { 0 };
	struct ng_window w;
	int first = 0;

	(void)state;
	fx_put("run/nicguard/backup-state", NG_MARKER "\n../x offload rx-gro on\n"
	       "eno1 backup-offload tso off\neno1 offload tos off\neno1 offload rx-gro on\n");
	assert_int_equal(ng_runstate_window_read(fx.ctx, &w, &d, &first), 1);
	assert_int_equal(first, -EINVAL);
	assert_int_equal(d.n, 3);
	assert_non_null(strstr(d.v[0].msg, "backup-state:2: bad line ignored"));
	assert_non_null(strstr(d.v[1].msg, "backup-state:3: bad line ignored"));
	assert_non_null(strstr(d.v[2].msg, "backup-state:4: unknown offload"));
	assert_int_equal(w.n, 1);
	assert_int_equal(w.v[0].n, 1);
	ng_runstate_window_free(&w);
	ng_diags_free(&d);
	fx_remove("run/nicguard/backup-state");
}

static void test_marks(void **state)
{
	struct ng_runstate rs;
	struct ng_err err = { 0 };
	char **names, *text;
	size_t n;

	(void)state;
	assert_int_equal(ng_runstate_escalated(fx.ctx, &names, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ng_runstate_escalate(fx.ctx, "eno1", &err), 0);
	assert_int_equal(ng_runstate_escalate(fx.ctx, "ens3", &err), 0);
	assert_int_equal(ng_runstate_escalate(fx.ctx, "eno1", &err), 0);
	assert_int_equal(ng_runstate_read(fx.ctx, &rs), 0);
	assert_true(ng_runstate_is_escalated(&rs, "eno1"));
	assert_true(ng_runstate_is_escalated(&rs, "ens3"));
	assert_false(ng_runstate_is_escalated(&rs, "eno"));
	assert_false(ng_runstate_holds(&rs, "eno1"));
	ng_runstate_free(&rs);
	text = fx_get("run/nicguard/watch-escalated");
	assert_non_null(text);
	assert_int_equal(strncmp(text, NG_MARKER "\n", strlen(NG_MARKER) + 1), 0);
	assert_non_null(strstr(text, "\neno1\nens3\n"));
	assert_null(strstr(strstr(text, "\neno1\n") + 1, "\neno1\n"));
	free(text);
	/* A file nicguard did not write is never replaced, nor believed. */
	fx_put("run/nicguard/watch-escalated", "eno2\n");
	assert_int_equal(ng_runstate_read(fx.ctx, &rs), 0);
	assert_false(ng_runstate_is_escalated(&rs, "eno2"));
	ng_runstate_free(&rs);
	assert_int_equal(ng_runstate_escalate(fx.ctx, "eno2", &err), -EEXIST);
	text = fx_get("run/nicguard/watch-escalated");
	assert_string_equal(text, "eno2\n");
	free(text);
	assert_int_equal(ng_runstate_escalate(fx.ctx, "a b", &err), -EINVAL);
	fx_remove("run/nicguard/watch-escalated");
}

static void test_holds(void **state)
{
	struct ng_runstate rs;

	(void)state;
	fx_put("run/nicguard/backup-state", NG_MARKER "\neno1 offload rx-gro on\n");
	assert_int_equal(ng_runstate_read(fx.ctx, &rs), 0);
	assert_true(rs.window);
	assert_true(ng_runstate_holds(&rs, "eno1"));
	assert_false(ng_runstate_holds(&rs, "eno2"));
	ng_runstate_free(&rs);
	assert_int_equal(ng_runstate_window_remove(fx.ctx, NULL), 0);
}

static void test_events(void **state)
{
	struct ng_watch_event ev[2] = {
		{ 1700000000, "e1000e-hw-hang", "eno1", "bounce", "done" },
		{ 1700000005, "soft-lockup", "", "log-only", "no action\t(log-only)\nx" },
	};
	struct ng_watch_event *got;
	struct ng_err err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(ng_runstate_events_read(fx.ctx, &got, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ng_runstate_events_write(fx.ctx, ev, 2, &err), 0);
	assert_int_equal(ng_runstate_events_read(fx.ctx, &got, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].time, 1700000000);
	assert_string_equal(got[0].sig, "e1000e-hw-hang");
	assert_string_equal(got[0].ifname, "eno1");
	assert_string_equal(got[0].action, "bounce");
	assert_string_equal(got[0].detail, "done");
	assert_string_equal(got[1].ifname, "");
	/* Tabs and newlines in a field cannot break the line format. */
	assert_string_equal(got[1].detail, "no action (log-only) x");
	free(got);
	/* Lines this writer never makes are skipped. */
	fx_put("run/nicguard/watch-events", NG_MARKER "\ngarbage\n12\n1700\ta\tb\tc\td\n");
	assert_int_equal(ng_runstate_events_read(fx.ctx, &got, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].detail, "d");
	free(got);
}

/* A port under a bounce or a rebind: its lock keeps a second holder out and tells the udev
 * helper to keep off; its place file is saved, found by a start-up listing, read back and
 * dropped; a key that would become a path is refused. */
static void test_port(void **state)
{
	static const char place[] = NG_MARKER "\n"
		"port ens4 3 0000:00:04.0 52:54:00:12:34:56 - 1500 69699\n"
		"master vmbr0 bridge vmbr0 0 0\n";
	struct ng_iface ifc = { .name = "ens4", .bus_addr = "0000:00:04.0" };
	struct ng_iface other = { .name = "ens5" };
	struct ng_portstate *ps, *back;
	struct ng_err err = { 0 };
	char **keys;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(ng_portstate_parse(place, strlen(place), "p", &ps, &err), 0);
	assert_false(ng_runstate_port_busy(fx.ctx, &ifc));
	fd = ng_runstate_port_lock(fx.ctx, "0000:00:04.0", &err);
	assert_true(fd >= 0);
	assert_true(ng_runstate_port_busy(fx.ctx, &ifc));
	assert_false(ng_runstate_port_busy(fx.ctx, &other));
	assert_int_equal(ng_runstate_port_lock(fx.ctx, "0000:00:04.0", &err), -EBUSY);
	assert_non_null(strstr(err.msg, "another nicguard-watch"));
	assert_int_equal(ng_runstate_port_lock(fx.ctx, "../x", &err), -EINVAL);
	assert_int_equal(ng_runstate_port_save(fx.ctx, ps, &err), 0);
	assert_int_equal(ng_runstate_port_pending(fx.ctx, &keys, &n, &err), 0);
	assert_int_equal(n, 1);			/* the place, not its lock */
	assert_string_equal(keys[0], "0000:00:04.0");
	ng_strv_free(keys, n);
	assert_int_equal(ng_runstate_port_load(fx.ctx, "0000:00:04.0", &back, &err), 0);
	assert_string_equal(back->master, "vmbr0");
	ng_portstate_free(back);
	assert_int_equal(ng_runstate_port_drop(fx.ctx, "0000:00:04.0", &err), 0);
	assert_int_equal(ng_runstate_port_load(fx.ctx, "0000:00:04.0", &back, &err), -ENOENT);
	assert_int_equal(ng_runstate_port_pending(fx.ctx, &keys, &n, &err), 0);
	assert_int_equal(n, 0);
	ng_runstate_port_unlock(fd);
	assert_false(ng_runstate_port_busy(fx.ctx, &ifc));
	/* A place file nicguard did not write is not overwritten. */
	fx_put("run/nicguard/port-0000:00:04.0", "someone else's\n");
	assert_true(ng_runstate_port_save(fx.ctx, ps, &err) < 0);
	fx_remove("run/nicguard/port-0000:00:04.0");
	ng_portstate_free(ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_round_trip),
		cmocka_unit_test(test_window_bad_lines),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_holds),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_port),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
