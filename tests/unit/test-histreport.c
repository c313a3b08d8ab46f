/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-histreport.c: the report from a recorded history, against rates worked out by hand.
 *
 * `test-histreport --write-fixture PATH` writes the same history as a file, for the bats
 * tests of `nicguard report` (run with --until 2026-12-07T10:00:00). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

/* The story (all times UTC), seeds 001 and 002 on one host:
 *   W0  2026-11-20 22:00  nicguard-watch starts; from then on the host's counters come
 *                         every hour, except during
 *   GAP 2026-11-25 00:00 to 12:00, when the daemon was stopped (12 h not watched).
 *   eno1 (e1000e) hangs every 4 h from 2026-11-26 00:30 to 2026-12-01 04:30: 32 episodes,
 *       each "Detected Hardware Unit Hang" three times 2 s apart, a bounce, a reset line.
 *   C1  2026-12-01 10:00  `nicguard apply`: eno1 tso off gso off gro off (was on).
 *       2026-12-04 08:00  a reboot: udev re-applies tso off (was on again): no change.
 *   vmbr0 drops 10728 packets an hour (2.98/s, seed 002's rate) until
 *   C2  2026-12-03 12:00  rps all on vmbr0 (was none), then 3600 an hour (1/s), until
 *   C3  2026-12-05 12:00  net.core.netdev_max_backlog 1000 -> 5000, then 360 an hour (0.1/s).
 *   The host's softnet drops: 10 an hour until C3, none after.
 *   NOW 2026-12-07 10:00.
 */
#define W0 1795212000
#define GAP 1795564800
#define C1 1796119200
#define C2 1796299200
#define C3 1796472000
#define NOW 1796637600
#define FIRST_HANG 1795653000
#define H 3600
#define DAY 86400

static void add_ev(struct ng_hist *h, int64_t t, const char *ifname, const char *sig,
		   enum ng_sig_class cls, bool action)
{
	struct ng_hist_event *e;

	h->ev = realloc(h->ev, (h->nev + 1) * sizeof(*h->ev));
	assert_non_null(h->ev);
	e = memset(&h->ev[h->nev++], 0, sizeof(*e));
	e->time = t;
	e->cls = cls;
	e->action = action;
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	snprintf(e->sig, sizeof(e->sig), "%s", sig);
	snprintf(e->what, sizeof(e->what), "bounce");
	snprintf(e->detail, sizeof(e->detail), "%s", action ? "done" : "action bounce");
}

static void add_ch(struct ng_hist *h, int64_t t, const char *ifname, const char *setting,
		   const char *value, const char *was, const char *origin, const char *source)
{
	struct ng_hist_change *c;

	h->ch = realloc(h->ch, (h->nch + 1) * sizeof(*h->ch));
	assert_non_null(h->ch);
	c = memset(&h->ch[h->nch++], 0, sizeof(*c));
	c->time = t;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	snprintf(c->setting, sizeof(c->setting), "%s", setting);
	snprintf(c->value, sizeof(c->value), "%s", value);
	snprintf(c->was, sizeof(c->was), "%s", was);
	snprintf(c->origin, sizeof(c->origin), "%s", origin);
	snprintf(c->source, sizeof(c->source), "%s", source);
}

static void add_cnt(struct ng_hist *h, int64_t end, const char *ifname, uint64_t rx,
		    uint64_t softnet)
{
	struct ng_hist_count *c;

	h->cnt = realloc(h->cnt, (h->ncnt + 1) * sizeof(*h->cnt));
	assert_non_null(h->cnt);
	c = memset(&h->cnt[h->ncnt++], 0, sizeof(*c));
	c->start = end - H;
	c->end = end;
	c->covered = H;
	c->rx_dropped = rx;
	c->softnet_dropped = softnet;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
}

static void story(struct ng_hist *h)
{
	const char *conf = "/etc/nicguard/nicguard.conf";

	memset(h, 0, sizeof(*h));
	for (int64_t t = W0 + H; t <= NOW; t += H) {
		if (t > GAP && t <= GAP + 12 * H)
			continue;	/* the daemon was stopped */
		add_cnt(h, t, "", 0, t <= C3 ? 10 : 0);
		add_cnt(h, t, "vmbr0", t <= C2 ? 10728 : t <= C3 ? 3600 : 360, 0);
	}
	for (int k = 0; k < 32; k++) {
		int64_t t = FIRST_HANG + k * 4 * H;

		add_ev(h, t, "eno1", "e1000e-hw-hang", NG_SIG_HANG, false);
		add_ev(h, t + 1, "eno1", "e1000e-hw-hang", NG_SIG_HANG, true);
		add_ev(h, t + 2, "eno1", "e1000e-hw-hang", NG_SIG_HANG, false);
		add_ev(h, t + 3, "eno1", "e1000e-reset", NG_SIG_RESET, false);
		add_ev(h, t + 4, "eno1", "e1000e-hw-hang", NG_SIG_HANG, false);
	}
	add_ch(h, C1, "eno1", "tso", "off", "on", "/etc/nicguard/nicguard.conf:3", "apply");
	add_ch(h, C1 + 1, "eno1", "gso", "off", "on", "/etc/nicguard/nicguard.conf:3", "apply");
	add_ch(h, C1 + 1, "eno1", "gro", "off", "on", "/etc/nicguard/nicguard.conf:3", "apply");
	add_ch(h, C1 + 3 * DAY - 2 * H, "eno1", "tso", "off", "on", conf, "udev");
	add_ch(h, C2, "vmbr0", "rps", "all", "none", "/etc/nicguard/nicguard.conf:12", "udev");
	add_ch(h, C3, "", "net.core.netdev_max_backlog", "5000", "1000",
	       "/etc/sysctl.d/99-network-tuning.conf:6", "sysctl");
	assert_int_equal(ng_hist_sort(h), 0);
}

static const struct ng_histreport_if *find(const struct ng_histreport *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].ifname, name) == 0)
			return &r->v[i];
	fail_msg("no %s in the report", name);
	return NULL;
}

#define near(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-6 * (1 + fabs((double)(b))))

static void test_story(void **state)
{
	struct ng_hist h;
	struct ng_histreport r;
	const struct ng_histreport_if *eno1, *vmbr0, *host;
	const struct ng_histreport_change *c;

	(void)state;
	story(&h);
	assert_int_equal(ng_histreport_make(&h, NOW, 30, NULL, 0, &r), 0);
	assert_int_equal(r.n, 3);	/* the host first, then by name */
	assert_string_equal(r.v[0].ifname, "");
	host = find(&r, "");
	eno1 = find(&r, "eno1");
	vmbr0 = find(&r, "vmbr0");

	/* eno1: one change, C1 (the reboot's re-apply is no change). Before it: from W0 (the
	 * window starts 30 days back, the history later) to C1 is 10 days 12 h, of which 12 h
	 * not watched: 10 days watched, 32 episodes (the three lines of each are one; the
	 * reset is its own class): 32 / 10 = 3.2 hangs a day. After: C1 to NOW, 6 days, 0. */
	assert_int_equal(eno1->nchanges, 1);
	c = &eno1->changes[0];
	assert_int_equal(c->time, C1);
	assert_string_equal(c->label, "tso off gso off gro off");
	assert_string_equal(c->was, "tso on gso on gro on");
	assert_string_equal(c->origin, "/etc/nicguard/nicguard.conf:3");
	assert_string_equal(c->source, "apply");
	assert_true(c->own && c->hangs && !c->drops);
	near(c->hang_before.watched, 10 * DAY);
	near(c->hang_before.hangs, 32);
	near(c->hang_before.resets, 32);
	near(c->hang_before.hangs / (c->hang_before.watched / DAY), 3.2);
	near(c->hang_after.watched, 6 * DAY);
	near(c->hang_after.hangs, 0);
	assert_int_equal(eno1->since, C1);
	assert_string_equal(eno1->since_label, "tso off gso off gro off");
	near(eno1->hangs_since, 0);
	assert_int_equal(eno1->last_hang, FIRST_HANG + 31 * 4 * H + 4);
	near(eno1->total.hangs, 32);
	near(eno1->total.watched, (NOW - W0) - 12 * H);

	/* vmbr0: C2 (its rps) and C3 (the host's sysctl) split its drops. Before C2: W0 to
	 * C2 is 12 days 14 h = 302 h, 290 h watched, 10728 an hour: 2.98/s. C2 to C3: 48 h at
	 * 3600: 1/s. C3 to NOW: 46 h at 360: 0.1/s. No hang rates: neither is a hang fix...
	 * except that C2 is vmbr0's own change, so its hang rates are there (both 0). */
	assert_int_equal(vmbr0->nchanges, 2);
	c = &vmbr0->changes[0];
	assert_int_equal(c->time, C2);
	assert_string_equal(c->label, "rps all");
	assert_string_equal(c->was, "rps none");
	assert_true(c->own && c->drops && c->hangs);
	near(c->drop_before.watched, 290 * H);
	near(c->drop_before.rx_dropped / c->drop_before.watched, 2.98);
	near(c->drop_after.watched, 48 * H);
	near(c->drop_after.rx_dropped / c->drop_after.watched, 1.0);
	c = &vmbr0->changes[1];
	assert_int_equal(c->time, C3);
	assert_string_equal(c->label, "net.core.netdev_max_backlog 5000");
	assert_string_equal(c->was, "net.core.netdev_max_backlog 1000");
	assert_string_equal(c->source, "sysctl");
	assert_true(!c->own && c->drops && !c->hangs);
	near(c->drop_before.rx_dropped / c->drop_before.watched, 1.0);
	near(c->drop_after.watched, 46 * H);
	near(c->drop_after.rx_dropped / c->drop_after.watched, 0.1);

	/* The host: its sysctl C3. Before: W0 to C3 = 14 days 14 h = 350 h, 338 h watched, 10
	 * softnet drops an hour: 3380 / 1216800 s. After: none. */
	assert_int_equal(host->nchanges, 1);
	c = &host->changes[0];
	near(c->drop_before.watched, 338 * H);
	near(c->drop_before.softnet_dropped, 3380);
	near(c->drop_after.softnet_dropped, 0);

	/* Days: 30 of them, the last 2026-12-07. 2026-11-26 to -30: 6 hangs each (00:30 to
	 * 20:30), 2026-12-01: 2 (00:30, 04:30). 2026-11-20: watched from 22:00, 2 h. 11-25:
	 * 12 h watched. */
	assert_int_equal(eno1->ndays, 30);
	assert_int_equal(eno1->days[29].day, NOW - 10 * H);
	for (int d = 0; d < 30; d++) {
		int64_t day = eno1->days[d].day;
		double want = day >= FIRST_HANG - 30 * 60 && day < C1 - 10 * H ? 6 :
			      day == C1 - 10 * H ? 2 : 0;

		near(eno1->days[d].hangs, want);
		near(eno1->days[d].watched, day == W0 - 22 * H ? 2 * H : day < W0 - 22 * H ? 0 :
		     day == GAP ? 12 * H : day == NOW - 10 * H ? 10 * H : DAY);
		near(vmbr0->days[d].rx_dropped, vmbr0->days[d].watched / H *
		     (day < C2 - 12 * H ? 10728 : day > C3 ? 360 :
		      day == C2 - 12 * H ? (10728 + 3600) / 2.0 :
		      day == C3 - 12 * H ? (3600 + 360) / 2.0 : 3600));
	}

	/* A container's veth that got rps 40 days ago says nothing in these 30 days; one that
	 * got it yesterday does; a port's old change always does (its settings' age). */
	ng_histreport_free(&r);
	add_ch(&h, NOW - 40 * DAY, "veth100i0", "rps", "all", "none", "", "udev");
	add_ch(&h, NOW - 40 * DAY, "eno2", "tso", "off", "on", "", "udev");
	add_ch(&h, NOW - DAY, "veth101i0", "rps", "all", "none", "", "udev");
	assert_int_equal(ng_hist_sort(&h), 0);
	assert_int_equal(ng_histreport_make(&h, NOW, 30, NULL, 0, &r), 0);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.v[2].ifname, "eno2");
	assert_string_equal(r.v[3].ifname, "veth101i0");
	assert_string_equal(r.v[4].ifname, "vmbr0");

	/* Only the named, and a shorter window: C1 is 6 days back; with 5 days, no change in
	 * it, and the since and last hang still from the whole history. */
	ng_histreport_free(&r);
	{
		const char *names[] = { "eno1" };

		assert_int_equal(ng_histreport_make(&h, NOW, 5, names, 1, &r), 0);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.v[0].nchanges, 0);
		assert_int_equal(r.v[0].since, C1);
		near(r.v[0].total.watched, 5 * DAY);
		near(r.v[0].total.hangs, 0);
		ng_histreport_free(&r);
	}
	assert_int_equal(ng_histreport_make(&h, NOW, 0, NULL, 0, &r), -EINVAL);
	assert_int_equal(ng_histreport_make(&h, NOW, NG_HISTORY_DAYS + 1, NULL, 0, &r), -EINVAL);
	ng_hist_free(&h);
}

/* Compaction must not change the report: the counters merge per day (older than 2 days)
 * and hour, but never across a change. */
static void test_compacted(void **state)
{
	struct ng_hist h, c;
	struct ng_histreport a, b;
	char *buf;
	size_t len;

	(void)state;
	story(&h);
	assert_int_equal(ng_histrec_encode(&h, &buf, &len), 0);
	assert_int_equal(ng_histrec_parse(buf, len, &c), 0);
	free(buf);
	assert_int_equal(ng_histcompact(&c, NOW), 0);
	assert_true(c.ncnt < h.ncnt / 5);
	assert_int_equal(ng_histreport_make(&h, NOW, 30, NULL, 0, &a), 0);
	assert_int_equal(ng_histreport_make(&c, NOW, 30, NULL, 0, &b), 0);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_int_equal(a.v[i].nchanges, b.v[i].nchanges);
		for (size_t k = 0; k < a.v[i].nchanges; k++) {
			const struct ng_histreport_change *x = &a.v[i].changes[k];
			const struct ng_histreport_change *y = &b.v[i].changes[k];

			near(x->hang_before.hangs, y->hang_before.hangs);
			near(x->hang_before.watched, y->hang_before.watched);
			near(x->drop_before.rx_dropped, y->drop_before.rx_dropped);
			near(x->drop_after.rx_dropped, y->drop_after.rx_dropped);
			near(x->drop_after.watched, y->drop_after.watched);
		}
		near(a.v[i].total.rx_dropped, b.v[i].total.rx_dropped);
		near(a.v[i].total.watched, b.v[i].total.watched);
	}
	ng_histreport_free(&a);
	ng_histreport_free(&b);
	ng_hist_free(&h);
	ng_hist_free(&c);
}

static int write_fixture(const char *path)
{
	struct ng_hist h;
	char *buf;
	size_t len;
	int fd;

	story(&h);
	if (ng_histrec_encode(&h, &buf, &len) < 0)
		return 1;
	ng_hist_free(&h);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd) < 0) {
		perror(path);
		return 1;
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_story),
		cmocka_unit_test(test_compacted),
	};

	if (argc == 3 && strcmp(argv[1], "--write-fixture") == 0)
		return write_fixture(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
