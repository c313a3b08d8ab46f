/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-history.c: the history's records, torn writes, the writer, compaction and its bound. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

#define T0 1764547200		/* 2025-12-01 00:00:00 UTC: every test's clock starts here */
#define DAY 86400

static char hist_path[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (fx_setup_opts(true) < 0)
		return -1;
	fx_mkdir("var/lib/nicguard");
	fx_path("var/lib/nicguard/history", hist_path);
	return 0;
}

/* Each test starts without a history file. */
static int fresh(void **state)
{
	(void)state;
	unlink(hist_path);
	return 0;
}

static long file_size(void)
{
	struct stat st;

	return stat(hist_path, &st) == 0 ? (long)st.st_size : -1;
}

static struct ng_hist_event ev(int64_t t, const char *ifname, enum ng_sig_class cls,
			       bool action)
{
	struct ng_hist_event e = { .time = t, .cls = cls, .action = action };

	snprintf(e.ifname, sizeof(e.ifname), "%s", ifname);
	snprintf(e.sig, sizeof(e.sig), "%s", cls == NG_SIG_HANG ? "e1000e-hw-hang" :
		 cls == NG_SIG_RESET ? "e1000e-reset" : "soft-lockup");
	snprintf(e.what, sizeof(e.what), "%s", action ? "bounce" : "act");
	snprintf(e.detail, sizeof(e.detail), "%s", action ? "done" : "action bounce");
	return e;
}

static struct ng_hist_change ch(int64_t t, const char *ifname, const char *setting,
				const char *value, const char *was)
{
	struct ng_hist_change c = { .time = t };

	snprintf(c.ifname, sizeof(c.ifname), "%s", ifname);
	snprintf(c.setting, sizeof(c.setting), "%s", setting);
	snprintf(c.value, sizeof(c.value), "%s", value);
	snprintf(c.was, sizeof(c.was), "%s", was);
	snprintf(c.origin, sizeof(c.origin), "/etc/nicguard/nicguard.conf:3");
	snprintf(c.source, sizeof(c.source), "apply");
	return c;
}

static struct ng_hist_count cnt(int64_t start, int64_t end, const char *ifname,
				uint64_t rx_dropped)
{
	struct ng_hist_count c = { .start = start, .end = end,
				   .covered = (uint32_t)(end - start), .rx_dropped = rx_dropped };

	snprintf(c.ifname, sizeof(c.ifname), "%s", ifname);
	return c;
}

/* header + a + the first cut bytes of b + c, as a crash half-way through b's write and
 * a later append leave the file. */
static size_t torn(char *buf, const char *a, size_t alen, const char *b, size_t cut,
		   const char *c, size_t clen)
{
	size_t hlen, n;
	const char *h = ng_histrec_header(&hlen);

	memcpy(buf, h, hlen);
	n = hlen;
	memcpy(buf + n, a, alen);
	n += alen;
	memcpy(buf + n, b, cut);
	n += cut;
	memcpy(buf + n, c, clen);
	return n + clen;
}

static void test_records(void **state)
{
	struct ng_hist_event e = ev(T0, "eno1", NG_SIG_HANG, false);
	struct ng_hist_change c = ch(T0 + 1, "eno1", "tso", "off", "on");
	struct ng_hist_count n = cnt(T0 - 300, T0 + 2, "", 0);
	char a[NG_HISTREC_MAX], b[NG_HISTREC_MAX], d[NG_HISTREC_MAX], buf[4 * NG_HISTREC_MAX];
	size_t al, bl, dl;
	struct ng_hist h;

	(void)state;
	/* A tab or newline in a field would split it: written as '?'. */
	snprintf(e.detail, sizeof(e.detail), "line\tone\ntwo");
	n.softnet_dropped = 7;
	n.squeezed = 12345678901ull;
	al = ng_histrec_event(&e, a);
	bl = ng_histrec_change(&c, b);
	dl = ng_histrec_count(&n, d);
	assert_int_equal(ng_histrec_parse(buf, torn(buf, a, al, b, bl, d, dl), &h), 0);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.nch, 1);
	assert_int_equal(h.ncnt, 1);
	assert_int_equal(h.damaged, 0);
	assert_int_equal(h.ev[0].time, T0);
	assert_string_equal(h.ev[0].ifname, "eno1");
	assert_false(h.ev[0].action);
	assert_int_equal(h.ev[0].cls, NG_SIG_HANG);
	assert_string_equal(h.ev[0].sig, "e1000e-hw-hang");
	assert_string_equal(h.ev[0].detail, "line?one?two");
	assert_string_equal(h.ch[0].setting, "tso");
	assert_string_equal(h.ch[0].value, "off");
	assert_string_equal(h.ch[0].was, "on");
	assert_string_equal(h.ch[0].origin, "/etc/nicguard/nicguard.conf:3");
	assert_string_equal(h.ch[0].source, "apply");
	assert_int_equal(h.cnt[0].start, T0 - 300);
	assert_int_equal(h.cnt[0].end, T0 + 2);
	assert_int_equal(h.cnt[0].covered, 302);
	assert_int_equal(h.cnt[0].softnet_dropped, 7);
	assert_true(h.cnt[0].squeezed == 12345678901ull);
	ng_hist_free(&h);
	/* Not a history: no header. */
	assert_int_equal(ng_histrec_parse(a, al, &h), -EINVAL);
	assert_int_equal(ng_histrec_parse("", 0, &h), -EINVAL);
}

/* A crash at any byte of a record's write loses that record only: the one before and one
 * appended after (at the next start) are both read back. */
static void test_torn_everywhere(void **state)
{
	struct ng_hist_event e1 = ev(T0, "eno1", NG_SIG_HANG, false);
	struct ng_hist_event e2 = ev(T0 + 1, "eno1", NG_SIG_HANG, true);
	struct ng_hist_change c3 = ch(T0 + 2, "eno1", "tso", "off", "on");
	char a[NG_HISTREC_MAX], b[NG_HISTREC_MAX], c[NG_HISTREC_MAX], buf[4 * NG_HISTREC_MAX];
	size_t al = ng_histrec_event(&e1, a), bl = ng_histrec_event(&e2, b);
	size_t cl = ng_histrec_change(&c3, c);

	(void)state;
	for (size_t cut = 0; cut <= bl; cut++) {
		struct ng_hist h;

		assert_int_equal(ng_histrec_parse(buf, torn(buf, a, al, b, cut, c, cl), &h), 0);
		assert_int_equal(h.nev, cut == bl ? 2 : 1);
		assert_int_equal(h.ev[0].time, T0);
		assert_int_equal(h.nch, 1);
		assert_string_equal(h.ch[0].value, "off");
		assert_int_equal(h.damaged, cut == bl ? 0 : cut);
		ng_hist_free(&h);
	}
	/* And a crash that leaves zeros (a file system that grew the file before the data
	 * reached the disk) costs nothing more. */
	{
		struct ng_hist h;
		size_t n = torn(buf, a, al, b, 0, c, 0);

		memset(buf + n, 0, 200);
		assert_int_equal(ng_histrec_parse(buf, n + 200, &h), 0);
		assert_int_equal(h.nev, 1);
		assert_int_equal(h.damaged, 200);
		ng_hist_free(&h);
	}
}

static void test_damage(void **state)
{
	struct ng_hist_event e1 = ev(T0, "eno1", NG_SIG_HANG, false);
	struct ng_hist_event e2 = ev(T0 + 1, "eno2", NG_SIG_RESET, false);
	char a[NG_HISTREC_MAX], b[NG_HISTREC_MAX], buf[4 * NG_HISTREC_MAX];
	size_t al = ng_histrec_event(&e1, a), bl = ng_histrec_event(&e2, b), n;
	struct ng_hist h;

	(void)state;
	/* A flipped bit in the middle costs that record; the next is found again. */
	n = torn(buf, a, al, a, 0, b, bl);
	buf[n - bl - al / 2] ^= 0x10;
	assert_int_equal(ng_histrec_parse(buf, n, &h), 0);
	assert_int_equal(h.nev, 1);
	assert_string_equal(h.ev[0].ifname, "eno2");
	assert_int_equal(h.damaged, al);
	ng_hist_free(&h);
	/* A record of a kind this version does not know, or of a known kind with fields it
	 * does not understand (checksums good), is skipped whole. */
	for (int k = 0; k < 2; k++) {
		char z[64] = { (char)0xff, 'N', 'G', 'H', 5, 0, k ? 'Z' : 'E', 0 };
		uint32_t crc;

		memcpy(z + 8, "1\t2\t3", 5);
		crc = ng_crc32c(z + 4, 4 + 5);
		for (int i = 0; i < 4; i++)
			z[13 + i] = (char)(crc >> (8 * i));
		n = torn(buf, a, al, z, 17, b, bl);
		assert_int_equal(ng_histrec_parse(buf, n, &h), 0);
		assert_int_equal(h.nev, 2);
		assert_int_equal(h.unknown, 1);
		assert_int_equal(h.damaged, 0);
		ng_hist_free(&h);
	}
	/* Records out of time order (two writers) are sorted, equal times kept in order. */
	{
		struct ng_hist_change c1 = ch(T0 + 5, "eno1", "tso", "off", "on");
		struct ng_hist_change c2 = ch(T0 + 5, "eno1", "tso", "on", "off");
		char x[NG_HISTREC_MAX], y[NG_HISTREC_MAX];
		size_t xl = ng_histrec_change(&c1, x), yl = ng_histrec_change(&c2, y);

		n = torn(buf, b, bl, x, xl, y, yl);
		memcpy(buf + n, a, al);
		assert_int_equal(ng_histrec_parse(buf, n + al, &h), 0);
		assert_int_equal(h.nev, 2);
		assert_int_equal(h.ev[0].time, T0);
		assert_int_equal(h.ev[1].time, T0 + 1);
		assert_string_equal(h.ch[0].value, "off");
		assert_string_equal(h.ch[1].value, "on");
		ng_hist_free(&h);
	}
}

static void test_writer(void **state)
{
	struct ng_history *w = ng_history_new(fx.ctx, "apply");
	struct ng_hist_event e = ev(T0, "eno1", NG_SIG_HANG, false);
	struct ng_hist_change c = ch(T0, "eno1", "tso", "off", "on");
	struct ng_err err = { 0 };
	struct ng_hist h;
	struct stat st;
	char other[600];

	(void)state;
	assert_non_null(w);
	/* Nothing queued: nothing written, no file made. */
	assert_int_equal(ng_history_flush(w, T0, &err), 0);
	assert_int_equal(file_size(), -1);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
	assert_int_equal(h.nev + h.nch + h.ncnt, 0);
	assert_int_equal(ng_history_event(w, &e), 0);
	assert_int_equal(ng_history_change(w, &c), 0);
	assert_int_equal(ng_history_flush(w, T0, &err), 0);
	assert_int_equal(stat(hist_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A second writer appends to the same file. */
	{
		struct ng_history *w2 = ng_history_new(fx.ctx, "udev");
		struct ng_report rep = { 0 };
		struct ng_result res[2] = { { .ifname = "eno2", .group = NG_OFFLOAD, .name = "gso",
					      .want = "off", .was = "on", .outcome = NG_CHANGED,
					      .origin = { "/etc/nicguard/nicguard.conf", 4 } },
					    { .ifname = "eno2", .group = NG_OFFLOAD, .name = "gro",
					      .want = "off", .was = "off", .outcome = NG_ALREADY } };

		rep.v = res;
		rep.n = 2;
		assert_int_equal(ng_history_report(w2, &rep, T0 + 10), 0);
		assert_int_equal(ng_history_flush(w2, T0 + 10, &err), 0);
		ng_history_free(w2);
	}
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.nch, 2);
	assert_string_equal(h.ch[1].ifname, "eno2");
	assert_string_equal(h.ch[1].setting, "gso");
	assert_string_equal(h.ch[1].origin, "/etc/nicguard/nicguard.conf:4");
	assert_string_equal(h.ch[1].source, "udev");
	ng_hist_free(&h);
	ng_history_free(w);
	/* A file nicguard did not write is left alone, for writing and for reading. */
	unlink(hist_path);
	{
		FILE *f = fopen(hist_path, "w");

		assert_non_null(f);
		fputs("my notes\n", f);
		fclose(f);
		chmod(hist_path, 0600);
	}
	w = ng_history_new(fx.ctx, "apply");
	assert_int_equal(ng_history_event(w, &e), 0);
	assert_int_equal(ng_history_flush(w, T0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a history nicguard wrote"));
	assert_int_equal(file_size(), 9);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), -EINVAL);
	/* Nor is a link. */
	unlink(hist_path);
	snprintf(other, sizeof(other), "%s/elsewhere", fx.root);
	assert_int_equal(symlink(other, hist_path), 0);
	assert_int_equal(ng_history_flush(w, T0, &err), -EPERM);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), -EPERM);
	assert_int_equal(access(other, F_OK), -1);
	unlink(hist_path);
	/* The queue was kept while nothing could be written: it goes in now. */
	assert_int_equal(ng_history_flush(w, T0, &err), 0);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
	assert_int_equal(h.nev, 1);
	ng_hist_free(&h);
	/* No /var/lib/nicguard: no history kept, and nothing piles up in memory. */
	{
		char dir[600], moved[600];

		snprintf(dir, sizeof(dir), "%s/var/lib/nicguard", fx.root);
		snprintf(moved, sizeof(moved), "%s/var/lib/moved", fx.root);
		assert_int_equal(rename(dir, moved), 0);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(ng_history_event(w, &e), 0);
			assert_int_equal(ng_history_flush(w, T0, &err), -ENOENT);
		}
		assert_int_equal(rename(moved, dir), 0);
		assert_int_equal(ng_history_flush(w, T0, &err), 0);
		assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
		assert_int_equal(h.nev, 1);
		ng_hist_free(&h);
	}
	ng_history_free(w);
}

/* Episodes as a report counts them: starts among the events, plus what compaction folded. */
static unsigned episodes(const struct ng_hist *h, enum ng_sig_class cls)
{
	unsigned n = 0;

	for (size_t i = 0; i < h->nev; i++)
		n += h->ev[i].cls == cls && ng_hist_episode_start(h->ev, i);
	for (size_t i = 0; i < h->ncnt; i++)
		n += cls == NG_SIG_HANG ? h->cnt[i].hangs : cls == NG_SIG_RESET ?
		     h->cnt[i].resets : h->cnt[i].stalls;
	return n;
}

/* Room for one more of n items: doubling, so a test of 30,000 events stays linear (under
 * ASan every realloc copies). */
static void *room(void *v, size_t n, size_t elem)
{
	/* The capacity is 16, then doubles: full when n is 16 or a power of two above. */
	if (n == 0)
		v = malloc(16 * elem);
	else if (n >= 16 && !(n & (n - 1)))
		v = realloc(v, 2 * n * elem);
	assert_non_null(v);
	return v;
}

static void add_ev(struct ng_hist *h, struct ng_hist_event e)
{
	h->ev = room(h->ev, h->nev, sizeof(*h->ev));
	assert_non_null(h->ev);
	h->ev[h->nev++] = e;
}

static void add_ch(struct ng_hist *h, struct ng_hist_change c)
{
	h->ch = room(h->ch, h->nch, sizeof(*h->ch));
	assert_non_null(h->ch);
	h->ch[h->nch++] = c;
}

static void add_cnt(struct ng_hist *h, struct ng_hist_count c)
{
	h->cnt = room(h->cnt, h->ncnt, sizeof(*h->cnt));
	assert_non_null(h->cnt);
	h->cnt[h->ncnt++] = c;
}

static void test_compact(void **state)
{
	int64_t now = T0 + 10 * DAY;
	struct ng_hist h = { 0 };

	(void)state;
	/* tso off took effect on day 0; each boot re-applies it (re-applies say nothing new);
	 * on day 5 someone turned it on, on day 6 nicguard turned it off again. */
	add_ch(&h, ch(T0 - 120 * DAY, "eno2", "gso", "on", ""));
	add_ch(&h, ch(T0 - 100 * DAY, "eno2", "gso", "off", "on"));
	add_ch(&h, ch(T0, "eno1", "tso", "off", "on"));
	add_ch(&h, ch(T0 + DAY, "eno1", "tso", "off", "on"));
	add_ch(&h, ch(T0 + 2 * DAY, "eno1", "tso", "off", "on"));
	add_ch(&h, ch(T0 + 5 * DAY, "eno1", "tso", "on", "off"));
	add_ch(&h, ch(T0 + 6 * DAY, "eno1", "tso", "off", "on"));
	/* An event from before the retention, and one from a clock set a year ahead. */
	add_ev(&h, ev(T0 - 70 * DAY, "eno1", NG_SIG_HANG, false));
	add_ev(&h, ev(T0 + 400 * DAY, "eno1", NG_SIG_HANG, false));
	add_ev(&h, ev(T0 + 9 * DAY, "eno1", NG_SIG_HANG, false));
	/* Five-minute samples of day 3 (old: merged per day) split by a sysctl change at
	 * 12:00, and of the last hour (recent: merged per hour). */
	add_ch(&h, ch(T0 + 3 * DAY + 12 * 3600, "", "net.core.netdev_max_backlog", "5000",
		      "1000"));
	for (int64_t t = T0 + 3 * DAY + 300; t <= T0 + 4 * DAY; t += 300)
		add_cnt(&h, cnt(t - 300, t, "vmbr0", 2));
	for (int64_t t = now - 3600 + 300; t <= now; t += 300)
		add_cnt(&h, cnt(t - 300, t, "vmbr0", 1));
	assert_int_equal(ng_histcompact(&h, now), 0);

	/* The superseded gso on went (past the retention); gso off stays, in effect, though
	 * older than NG_HISTORY_DAYS; the re-applies of tso off went. */
	assert_int_equal(h.nch, 5);
	assert_string_equal(h.ch[0].setting, "gso");
	assert_string_equal(h.ch[0].value, "off");
	assert_int_equal(h.ch[1].time, T0);
	assert_int_equal(h.ch[2].time, T0 + 3 * DAY + 12 * 3600);
	assert_int_equal(h.ch[3].time, T0 + 5 * DAY);
	assert_int_equal(h.ch[4].time, T0 + 6 * DAY);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0].time, T0 + 9 * DAY);
	/* Day 3: 144 samples before the change (ends up to 12:00), 144 after; the last hour:
	 * 12 samples. */
	assert_int_equal(h.ncnt, 3);
	assert_int_equal(h.cnt[0].start, T0 + 3 * DAY);
	assert_int_equal(h.cnt[0].end, T0 + 3 * DAY + 12 * 3600);
	assert_int_equal(h.cnt[0].covered, 12 * 3600);
	assert_int_equal(h.cnt[0].rx_dropped, 144 * 2);
	assert_int_equal(h.cnt[1].start, T0 + 3 * DAY + 12 * 3600);
	assert_int_equal(h.cnt[1].end, T0 + 4 * DAY);
	assert_int_equal(h.cnt[1].rx_dropped, 144 * 2);
	assert_int_equal(h.cnt[2].covered, 3600);
	assert_int_equal(h.cnt[2].rx_dropped, 12);
	ng_hist_free(&h);
}

/* Over the bound, the oldest events go; the episodes they held are folded into counters,
 * so the counts a report makes are the same before and after. */
static void test_fold(void **state)
{
	int64_t now = T0 + 20 * DAY, t = T0, last;
	struct ng_hist h = { 0 };
	unsigned hangs, resets;
	char *buf;
	size_t len;

	(void)state;
	/* Every 10 minutes a hang on eno1 (the line repeats 5 times, 2 s apart), the bounce,
	 * and now and then a reset on eno2: 20 days, about 2 MB of events. */
	for (int i = 0; t < now - 3600; i++, t += 600) {
		for (int k = 0; k < 5; k++)
			add_ev(&h, ev(t + 2 * k, "eno1", NG_SIG_HANG, false));
		add_ev(&h, ev(t + 9, "eno1", NG_SIG_HANG, true));
		if (i % 7 == 0)
			add_ev(&h, ev(t + 30, "eno2", NG_SIG_RESET, false));
	}
	last = h.ev[h.nev - 1].time;
	hangs = episodes(&h, NG_SIG_HANG);
	resets = episodes(&h, NG_SIG_RESET);
	assert_int_equal(hangs, 20 * 144 - 6);
	assert_int_equal(ng_histcompact(&h, now), 0);
	assert_int_equal(ng_histrec_encode(&h, &buf, &len), 0);
	free(buf);
	assert_true(len <= NG_HISTORY_KEEP);
	assert_true(h.nev > 1000);	/* the newest events stay */
	assert_int_equal(h.ev[h.nev - 1].time, last);
	assert_int_equal(episodes(&h, NG_SIG_HANG), hangs);
	assert_int_equal(episodes(&h, NG_SIG_RESET), resets);
	/* And the first event left starts an episode: none was cut in two. */
	assert_true(h.ev[0].action || ng_hist_episode_start(h.ev, 0));
	ng_hist_free(&h);

	/* A hang nothing fixes: its line every 6 s for 3 days, one endless episode. The
	 * newest events still stay, and it counts as two episodes at most (cut once). */
	memset(&h, 0, sizeof(h));
	for (t = now - 3 * DAY; t < now; t += 6)
		add_ev(&h, ev(t, "eno1", NG_SIG_HANG, false));
	assert_int_equal(episodes(&h, NG_SIG_HANG), 1);
	assert_int_equal(ng_histcompact(&h, now), 0);
	assert_true(h.nev > 1000);
	assert_true(episodes(&h, NG_SIG_HANG) <= 2);
	ng_hist_free(&h);
}

/* A flood of events through the writer never takes the file past NG_HISTORY_HARD, and
 * never costs the month of counters or the settings in effect. */
static void test_flood(void **state)
{
	struct ng_history *w = ng_history_new(fx.ctx, "watch");
	struct ng_err err = { 0 };
	int64_t start = T0 - 31 * DAY, t;
	long biggest = 0;
	uint64_t covered = 0;
	struct ng_hist h;

	(void)state;
	assert_non_null(w);
	/* A month of five-minute samples, and tso off taken effect 40 days ago. */
	{
		struct ng_hist_change c = ch(T0 - 40 * DAY, "eno1", "tso", "off", "on");

		assert_int_equal(ng_history_change(w, &c), 0);
	}
	for (t = start + 300; t <= T0; t += 300) {
		struct ng_hist_count c = cnt(t - 300, t, "", 0);

		if (ng_history_count(w, &c) == -ENOBUFS) {
			assert_int_equal(ng_history_flush(w, t, &err), 0);
			assert_int_equal(ng_history_count(w, &c), 0);
		}
	}
	assert_int_equal(ng_history_flush(w, T0, &err), 0);
	/* Then 120,000 detections within the next hour. */
	for (int i = 0; i < 120000; i++) {
		struct ng_hist_event e = ev(T0 + i * 3600 / 120000, i % 2 ? "eno1" : "eno2",
					    NG_SIG_HANG, i % 3 == 0);

		snprintf(e.detail, sizeof(e.detail), "flood %d: a long detail to fill the "
			 "history faster than any real daemon would", i);
		if (ng_history_event(w, &e) == -ENOBUFS || i % 1000 == 999) {
			long size;

			assert_int_equal(ng_history_flush(w, e.time, &err), 0);
			size = file_size();
			assert_true(size <= (long)NG_HISTORY_HARD);
			biggest = size > biggest ? size : biggest;
			if (ng_history_event(w, &e) == -ENOBUFS)
				fail();
		}
	}
	assert_int_equal(ng_history_flush(w, T0 + 3600, &err), 0);
	ng_history_free(w);
	assert_true(biggest > (long)NG_HISTORY_KEEP);	/* the bound was really tested */
	assert_true(file_size() <= (long)NG_HISTORY_MAX);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
	assert_int_equal(h.damaged, 0);
	for (size_t i = 0; i < h.ncnt; i++)
		if (!h.cnt[i].ifname[0] && h.cnt[i].end > T0 - 30 * DAY && h.cnt[i].end <= T0)
			covered += h.cnt[i].covered;
	assert_int_equal(covered, 30 * DAY);
	assert_int_equal(h.nch, 1);
	assert_string_equal(h.ch[0].value, "off");
	assert_true(h.nev > 5000);
	assert_int_equal(h.ev[h.nev - 1].time, T0 + 119999 * 3600 / 120000);
	ng_hist_free(&h);
}

/* The daemon's samples become counters since the previous sample; a sysctl whose value in
 * effect changed becomes a change record, also across a restart of the daemon. */
static void test_sample(void **state)
{
	struct ng_history *w = ng_history_new(fx.ctx, "watch");
	struct ng_metrics_if ifs[2] = { { "eno1", 100 }, { "vmbr0", 5000 } };
	struct ng_metrics_sample s = { .at_ms = 1000000, .softnet_ok = true,
				       .softnet = { 10, 3, 40 }, .ifs = ifs, .nifs = 2 };
	struct ng_err err = { 0 };
	struct ng_hist h;

	(void)state;
	fx_put("proc/sys/net/core/netdev_max_backlog", "1000\n");
	/* The first sample: nothing to compare with but the sysctl's first observation. */
	assert_int_equal(ng_history_sample(w, fx.ctx, &s, T0, &err), 0);
	/* 300 s later: eno1 dropped 7, vmbr0 nothing, softnet 2 drops and 5 squeezes. */
	s.at_ms += 300000;
	ifs[0].rx_dropped = 107;
	s.softnet.dropped = 5;
	s.softnet.squeezed = 45;
	assert_int_equal(ng_history_sample(w, fx.ctx, &s, T0 + 300, &err), 0);
	/* Then the driver was reloaded (eno1 counts from 0 again), and the backlog raised. */
	s.at_ms += 300000;
	ifs[0].rx_dropped = 2;
	ifs[1].rx_dropped = 5010;
	fx_put("proc/sys/net/core/netdev_max_backlog", "5000\n");
	assert_int_equal(ng_history_sample(w, fx.ctx, &s, T0 + 600, &err), 0);
	assert_int_equal(ng_history_flush(w, T0 + 600, &err), 0);
	ng_history_free(w);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
	assert_int_equal(h.ncnt, 4);
	assert_string_equal(h.cnt[0].ifname, "");
	assert_int_equal(h.cnt[0].start, T0);
	assert_int_equal(h.cnt[0].end, T0 + 300);
	assert_int_equal(h.cnt[0].covered, 300);
	assert_int_equal(h.cnt[0].softnet_dropped, 2);
	assert_int_equal(h.cnt[0].squeezed, 5);
	assert_string_equal(h.cnt[1].ifname, "eno1");
	assert_int_equal(h.cnt[1].rx_dropped, 7);
	assert_string_equal(h.cnt[2].ifname, "");
	assert_string_equal(h.cnt[3].ifname, "vmbr0");
	assert_int_equal(h.cnt[3].rx_dropped, 10);
	assert_int_equal(h.nch, 2);
	assert_string_equal(h.ch[0].setting, "net.core.netdev_max_backlog");
	assert_string_equal(h.ch[0].value, "1000");
	assert_string_equal(h.ch[0].was, "");
	assert_string_equal(h.ch[1].value, "5000");
	assert_string_equal(h.ch[1].was, "1000");
	assert_string_equal(h.ch[1].source, "sysctl");
	assert_string_equal(h.ch[1].origin, "kernel default");
	ng_hist_free(&h);
	/* A restarted daemon records only what changed while it was away. */
	w = ng_history_new(fx.ctx, "watch");
	assert_int_equal(ng_history_sample(w, fx.ctx, &s, T0 + 900, &err), 0);
	fx_put("proc/sys/net/core/netdev_max_backlog", "8000\n");
	ng_history_free(w);
	w = ng_history_new(fx.ctx, "watch");
	assert_int_equal(ng_history_sample(w, fx.ctx, &s, T0 + 1200, &err), 0);
	assert_int_equal(ng_history_flush(w, T0 + 1200, &err), 0);
	ng_history_free(w);
	assert_int_equal(ng_history_read(fx.ctx, &h, &err), 0);
	assert_int_equal(h.nch, 3);
	assert_string_equal(h.ch[2].value, "8000");
	assert_string_equal(h.ch[2].was, "5000");
	ng_hist_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_records, fresh),
		cmocka_unit_test_setup(test_torn_everywhere, fresh),
		cmocka_unit_test_setup(test_damage, fresh),
		cmocka_unit_test_setup(test_writer, fresh),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_fold),
		cmocka_unit_test_setup(test_flood, fresh),
		cmocka_unit_test_setup(test_sample, fresh),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
