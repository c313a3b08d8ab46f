/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-metrics.c: softnet_stat parsing by position, and the Prometheus text rendered. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_softnet),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
