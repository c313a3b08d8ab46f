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

#define T0 1764547200		/* 2025-12-01 00:00:00 UTC: every test's clock starts here */
#define DAY 86400

static char root[256], path[512];
static struct ng_ctx *ctx;

static int setup(void **state)
{
	struct ng_ctx_opts o = { 0 };
	char dir[512];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/ng-test-history-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/var", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/var/lib", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/var/lib/nicguard/history", root);
	o.root = root;
	ctx = ng_ctx_new(&o, NULL);
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	ng_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test starts without a history file. */
static int fresh(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static long file_size(void)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
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
	struct ng_history *w = ng_history_new(ctx, "apply");
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
	assert_int_equal(ng_history_read(ctx, &h, &err), 0);
	assert_int_equal(h.nev + h.nch + h.ncnt, 0);
	assert_int_equal(ng_history_event(w, &e), 0);
	assert_int_equal(ng_history_change(w, &c), 0);
	assert_int_equal(ng_history_flush(w, T0, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A second writer appends to the same file. */
	{
		struct ng_history *w2 = ng_history_new(ctx, "udev");
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
	assert_int_equal(ng_history_read(ctx, &h, &err), 0);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.nch, 2);
	assert_string_equal(h.ch[1].ifname, "eno2");
	assert_string_equal(h.ch[1].setting, "gso");
	assert_string_equal(h.ch[1].origin, "/etc/nicguard/nicguard.conf:4");
	assert_string_equal(h.ch[1].source, "udev");
	ng_hist_free(&h);
	ng_history_free(w);
	/* A file nicguard did not write is left alone, for writing and for reading. */
	unlink(path);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("my notes\n", f);
		fclose(f);
		chmod(path, 0600);
	}
	w = ng_history_new(ctx, "apply");
	assert_int_equal(ng_history_event(w, &e), 0);
	assert_int_equal(ng_history_flush(w, T0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a history nicguard wrote"));
	assert_int_equal(file_size(), 9);
	assert_int_equal(ng_history_read(ctx, &h, &err), -EINVAL);
	/* Nor is a link. */
	unlink(path);
	snprintf(other, sizeof(other), "%s/elsewhere", root);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(ng_history_flush(w, T0, &err), -EPERM);
	assert_int_equal(ng_history_read(ctx, &h, &err), -EPERM);
	assert_int_equal(access(other, F_OK), -1);
	unlink(path);
	/* The queue was kept while nothing could be written: it goes in now. */
	assert_int_equal(ng_history_flush(w, T0, &err), 0);
	assert_int_equal(ng_history_read(ctx, &h, &err), 0);
	assert_int_equal(h.nev, 1);
	ng_hist_free(&h);
	ng_history_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_records, fresh),
		cmocka_unit_test_setup(test_torn_everywhere, fresh),
		cmocka_unit_test_setup(test_damage, fresh),
		cmocka_unit_test_setup(test_writer, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
