/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-metrics.c: softnet_stat parsing by position, the Prometheus text rendered, and the
 * gauges the event history adds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

#define T0 1764547200		/* 2025-12-01 00:00:00 UTC */

static void test_softnet(void **state)
{
	/* 6.x rows (13 columns), an old kernel's (11), a newer one's (15), and rows to skip. */
	static const char text[] =
		"0001e240 00000001 00000008 00000000 00000000 00000000 00000000 00000000 "
		"00000000 00000000 00000000 00000000 00000000\n"
		"0000000a 00000002 00000015 00000000 00000000 00000000 00000000 00000000 "
		"00000000 00000000 00000000\n"
		"00000005 00000000 0000002e 00000000 00000000 00000000 00000000 00000000 "
		"00000000 00000000 00000000 00000000 00000002 00000000 00000000\n"
		"zzzz 1 2\n"
		"00000001 00000002\n"
		"\n"
		"0000000A\t00000003\t00000004";
	struct ng_softnet s;
	unsigned rows;

	(void)state;
	assert_int_equal(ng_softnet_parse(text, strlen(text), &s, &rows), 0);
	assert_int_equal(rows, 4);
	assert_int_equal(s.processed, 0x1e240 + 0xa + 5 + 0xa);
	assert_int_equal(s.dropped, 1 + 2 + 0 + 3);
	assert_int_equal(s.squeezed, 8 + 0x15 + 0x2e + 4);
	assert_int_equal(ng_softnet_parse("", 0, &s, &rows), -EINVAL);
	assert_int_equal(ng_softnet_parse("1 2\n", 4, &s, &rows), -EINVAL);
	/* A word longer than 64 bits of hex is not a counter. */
	assert_int_equal(ng_softnet_parse("11111111111111111 1 1\n", 22, &s, &rows), -EINVAL);
}

static const struct ng_sig *sig(const char *id)
{
	size_t n;
	const struct ng_sig *t = ng_sig_table(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].id, id) == 0)
			return &t[i];
	return NULL;
}

static void test_render(void **state)
{
	struct ng_watch *w = ng_watch_new();
	struct ng_watch_opts o;
	struct ng_watch_decision d;
	struct ng_watch_input in = { .sig = sig("e1000e-hw-hang"), .ifname = "eno1",
				     .now_ms = 3600000, .wall = 1700000000 };
	struct ng_watch_counters c = { .records = 12, .lost = 3, .skipped = 1 };
	struct ng_metrics_if prev_if[] = { { "eno1", 100 }, { "vmbr0", 7 } };
	struct ng_metrics_if cur_if[] = { { "eno1", 160 }, { "vmbr0", 7 }, { "eno2", 1 } };
	struct ng_metrics_sample prev = { .at_ms = 1000, .softnet_ok = true, .ncpus = 2,
					  .softnet = { 100, 5, 20 }, .ifs = prev_if, .nifs = 2 };
	struct ng_metrics_sample cur = { .at_ms = 31000, .softnet_ok = true, .ncpus = 2,
					 .softnet = { 200, 7, 26 }, .ifs = cur_if, .nifs = 3 };
	char *text;
	size_t len;

	(void)state;
	assert_non_null(w);
	ng_watch_opts_default(&o);
	ng_watch_detect(w, &o, &in, &d);
	ng_watch_done(w, &o, &d, NG_WATCH_OK, 3600000, NULL);
	in.sig = sig("soft-lockup");
	in.ifname = "";
	ng_watch_detect(w, &o, &in, &d);
	assert_int_equal(ng_metrics_render(w, &c, &cur, &prev, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_int_equal(strncmp(text, NG_MARKER "\n", strlen(NG_MARKER) + 1), 0);
	assert_non_null(strstr(text, "\nnicguard_watch_events_total{interface=\"eno1\","
				    "class=\"hang\"} 1\n"));
	assert_non_null(strstr(text, "\nnicguard_watch_events_total{interface=\"\","
				    "class=\"stall\"} 1\n"));
	assert_non_null(strstr(text, "\nnicguard_watch_actions_total{interface=\"eno1\","
				    "action=\"bounce\"} 1\n"));
	assert_non_null(strstr(text, "\nnicguard_watch_last_event_timestamp_seconds{interface="
				    "\"eno1\"} 1700000000\n"));
	assert_non_null(strstr(text, "\nnicguard_watch_records_lost_total 3\n"));
	assert_non_null(strstr(text, "\nnicguard_rx_dropped_total{interface=\"eno1\"} 160\n"));
	/* 60 drops in 30 s; eno2 has no earlier sample, so no rate. */
	assert_non_null(strstr(text, "\nnicguard_rx_dropped_per_second{interface=\"eno1\"} "
				    "2.000\n"));
	assert_non_null(strstr(text, "\nnicguard_rx_dropped_per_second{interface=\"vmbr0\"} "
				    "0.000\n"));
	assert_null(strstr(text, "per_second{interface=\"eno2\"}"));
	assert_non_null(strstr(text, "\nnicguard_softnet_dropped_delta 2\n"));
	assert_non_null(strstr(text, "\nnicguard_softnet_time_squeeze_delta 6\n"));
	assert_non_null(strstr(text, "\n# TYPE nicguard_softnet_time_squeeze_total counter\n"));
	/* Every non-comment line is "name[{labels}] value". */
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
		if (l[0] != '#')
			assert_non_null(strchr(l, ' '));
	free(text);
	/* A counter that went backwards (a re-created interface) gives no delta. */
	cur.softnet.dropped = 1;
	assert_int_equal(ng_metrics_render(w, &c, &cur, &prev, &text, &len), 0);
	assert_null(strstr(text, "softnet_dropped_delta"));
	free(text);
	/* Without samples: the watch counters only. */
	assert_int_equal(ng_metrics_render(w, &c, NULL, NULL, &text, &len), 0);
	assert_null(strstr(text, "rx_dropped"));
	free(text);
	ng_watch_free(w);
}

static void hang(struct ng_history *w, int64_t t, const char *ifname)
{
	struct ng_hist_event e = { .time = t, .cls = NG_SIG_HANG };

	snprintf(e.ifname, sizeof(e.ifname), "%s", ifname);
	snprintf(e.sig, sizeof(e.sig), "e1000e-hw-hang");
	snprintf(e.what, sizeof(e.what), "bounce");
	assert_int_equal(ng_history_event(w, &e), 0);
}

static void change(struct ng_history *w, int64_t t, const char *ifname)
{
	struct ng_hist_change c = { .time = t };

	snprintf(c.ifname, sizeof(c.ifname), "%s", ifname);
	snprintf(c.setting, sizeof(c.setting), "offload");
	snprintf(c.value, sizeof(c.value), "tso off");
	snprintf(c.was, sizeof(c.was), "tso on");
	snprintf(c.source, sizeof(c.source), "apply");
	assert_int_equal(ng_history_change(w, &c), 0);
}

/* The gauges are the report's answers: episodes (detections up to 60 s apart are one hang)
 * since the last own change; a guest's device only when it hung. */
static void test_history(void **state)
{
	struct ng_history *w;
	struct ng_metrics_sample cur = { .at_ms = 1000 };
	struct ng_watch_counters c = { 0 };
	struct ng_watch *wt = ng_watch_new();
	struct ng_err err = { 0 };
	char *text;
	size_t len;

	assert_int_equal(fx_setup(state), 0);
	assert_non_null(wt);
	/* No history yet: the gauges' help lines, no series. */
	assert_int_equal(ng_metrics_history(fx.ctx, T0, &cur, &err), 0);
	assert_true(cur.hist_ok);
	assert_int_equal(cur.nhist, 0);
	fx_mkdir("/var/lib/nicguard");
	w = ng_history_new(fx.ctx, "apply");
	assert_non_null(w);
	hang(w, T0, "eno1");
	hang(w, T0 + 30, "eno1");		/* the same episode */
	hang(w, T0 + 600, "eno1");
	change(w, T0 + 3600, "eno1");
	hang(w, T0 + 7200, "eno1");
	change(w, T0 + 100, "eno2");		/* changed, never hung */
	hang(w, T0 + 50, "eno3");		/* hung, never changed */
	hang(w, T0 + 900, "eno3");
	change(w, T0 + 200, "tap100i0");	/* a guest's device that never hung */
	hang(w, T0 + 300, "veth101i0");		/* one that did */
	assert_int_equal(ng_history_flush(w, T0 + 7200, &err), 0);
	ng_history_free(w);
	assert_int_equal(ng_metrics_history(fx.ctx, T0 + 86400, &cur, &err), 0);
	assert_int_equal(cur.nhist, 4);
	assert_int_equal(ng_metrics_render(wt, &c, &cur, NULL, &text, &len), 0);
	assert_non_null(strstr(text, "\n# TYPE nicguard_history_last_hang_timestamp_seconds "
				    "gauge\n"));
	assert_non_null(strstr(text, "\nnicguard_history_last_hang_timestamp_seconds{interface="
				    "\"eno1\"} 1764554400\n"));
	assert_non_null(strstr(text, "\nnicguard_history_settings_changed_timestamp_seconds{"
				    "interface=\"eno1\"} 1764550800\n"));
	assert_non_null(strstr(text, "\nnicguard_history_hangs_since_change{interface=\"eno1\"} "
				    "1\n"));
	assert_non_null(strstr(text, "\nnicguard_history_last_hang_timestamp_seconds{interface="
				    "\"eno2\"} 0\n"));
	assert_non_null(strstr(text, "\nnicguard_history_hangs_since_change{interface=\"eno2\"} "
				    "0\n"));
	assert_non_null(strstr(text, "\nnicguard_history_settings_changed_timestamp_seconds{"
				    "interface=\"eno3\"} 0\n"));
	assert_non_null(strstr(text, "\nnicguard_history_hangs_since_change{interface=\"eno3\"} "
				    "2\n"));
	assert_non_null(strstr(text, "\nnicguard_history_hangs_since_change{interface="
				    "\"veth101i0\"} 1\n"));
	assert_null(strstr(text, "tap100i0"));
	free(text);
	/* Not read (no ng_metrics_history): no history gauges at all. */
	ng_metrics_sample_free(&cur);
	assert_int_equal(ng_metrics_render(wt, &c, &cur, NULL, &text, &len), 0);
	assert_null(strstr(text, "nicguard_history_"));
	free(text);
	ng_watch_free(wt);
	assert_int_equal(fx_teardown(state), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_softnet),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
