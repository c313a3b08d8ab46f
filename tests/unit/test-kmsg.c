/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-kmsg.c: /dev/kmsg record parsing and stream splitting, garbage included. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static struct ng_kmsg rec;

static int parse(const char *s)
{
	return ng_kmsg_parse(s, strlen(s), &rec);
}

static void test_header(void **state)
{
	(void)state;
	assert_int_equal(parse("3,1234,5678901,-;e1000e 0000:00:1f.6 eth0: Reset adapter "
			       "unexpectedly\n"), 0);
	assert_int_equal(rec.facility, 0);
	assert_int_equal(rec.level, 3);
	assert_int_equal(rec.seq, 1234);
	assert_int_equal(rec.ts_usec, 5678901);
	assert_int_equal(rec.flag, '-');
	assert_string_equal(rec.caller, "");
	assert_string_equal(rec.text, "e1000e 0000:00:1f.6 eth0: Reset adapter unexpectedly");
	assert_int_equal(rec.text_len, strlen(rec.text));
	assert_false(rec.truncated);

	/* A user-space write with <3>: facility 1, level 3, priority 11. */
	assert_int_equal(parse("11,502,9000,-;e1000e 0000:00:02.0 ens2: Detected Hardware Unit "
			       "Hang:\n"), 0);
	assert_int_equal(rec.facility, 1);
	assert_int_equal(rec.level, 3);
	assert_string_equal(ng_kmsg_facility_name(rec.facility), "user");
	assert_string_equal(ng_kmsg_level_name(rec.level), "err");

	/* caller= and a field a future kernel may add. */
	assert_int_equal(parse("6,77,1,c,caller=T412,future=x;  TDH <8d>"), 0);
	assert_int_equal(rec.flag, 'c');
	assert_string_equal(rec.caller, "T412");
	assert_string_equal(rec.text, "  TDH <8d>");

	/* An empty message is still a record. */
	assert_int_equal(parse("4,1,2,-;\n"), 0);
	assert_int_equal(rec.text_len, 0);
}

static void test_unescape(void **state)
{
	(void)state;
	assert_int_equal(parse("3,9,10,-;e1000e 0000:00:1f.6 eth0: Detected Hardware Unit Hang:"
			       "\\x0a  TDH                  <0>\\x0a  TDT                  <1>\n"),
			 0);
	assert_string_equal(rec.text, "e1000e 0000:00:1f.6 eth0: Detected Hardware Unit Hang:\n"
			    "  TDH                  <0>\n  TDT                  <1>");
	/* A backslash arrives as \x5c; an escape the kernel would not write stays as it is;
	 * a cut-off escape at the end stays too. */
	assert_int_equal(parse("6,1,1,-;a\\x5cb \\q \\xZZ \\x4"), 0);
	assert_string_equal(rec.text, "a\\b \\q \\xZZ \\x4");
	/* \x00 unescapes to a NUL byte: text_len counts it. */
	assert_int_equal(parse("6,1,1,-;ab\\x00cd"), 0);
	assert_int_equal(rec.text_len, 5);
	assert_memory_equal(rec.text, "ab\0cd", 5);
}

static void test_dictionary(void **state)
{
	(void)state;
	assert_int_equal(parse("3,12,100,-;igb 0000:01:00.0: Detected Tx Unit Hang\\x0a  Tx Queue"
			       "             <3>\n SUBSYSTEM=pci\n DEVICE=+pci:0000:01:00.0\n"
			       " UNKNOWN=whatever\n"), 0);
	assert_string_equal(rec.subsystem, "pci");
	assert_string_equal(rec.device, "+pci:0000:01:00.0");
	assert_string_equal(rec.text, "igb 0000:01:00.0: Detected Tx Unit Hang\n  Tx Queue"
			    "             <3>");
	/* Dictionary values are escaped like the text; no dictionary leaves them empty. */
	assert_int_equal(parse("3,13,100,-;x\n DEVICE=n\\x33\n"), 0);
	assert_string_equal(rec.device, "n3");
	assert_string_equal(rec.subsystem, "");
	assert_int_equal(parse("3,14,100,-;x\n"), 0);
	assert_string_equal(rec.device, "");
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"", "\n", ";", "garbage", "3;no seq", "3,4;x", "3,4,5;x", "3,4,5,-", "a,4,5,-;x",
		"3,,5,-;x", "3,4,,-;x", "99999,1,1,-;x", "3,99999999999999999999999,1,-;x",
		"-3,1,1,-;x", " 3,1,1,-;x", "3,1,1,-\nx;y",
	};

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(bad); i++) {
		memset(&rec, 0x55, sizeof(rec));
		assert_int_equal(ng_kmsg_parse(bad[i], strlen(bad[i]), &rec), -EINVAL);
	}
	/* Bytes the kernel would have escaped are tolerated when they come raw. */
	assert_int_equal(parse("3,1,1,-;\x01\xff\x7f"), 0);
	assert_int_equal(rec.text_len, 3);
}

static void test_truncated(void **state)
{
	size_t n = NG_KMSG_READ_MAX * 3;
	char *big = malloc(n + 16);

	(void)state;
	assert_non_null(big);
	memcpy(big, "3,1,1,-;", 8);
	/* Escapes are 4 bytes each: the unescaped text is a quarter of their length. */
	memset(big + 8, 'A', n - 8);
	for (size_t i = 8; i + 4 <= 8 + 4 * 100; i += 4)
		memcpy(big + i, "\\x42", 4);
	assert_int_equal(ng_kmsg_parse(big, n, &rec), 0);
	assert_true(rec.truncated);
	assert_int_equal(rec.text_len, sizeof(rec.text) - 1);
	assert_int_equal(rec.text[rec.text_len], '\0');
	assert_int_equal(rec.text[0], 'B');
	assert_int_equal(rec.text[100], 'A');
	free(big);
}

static void test_split(void **state)
{
	const char *s = "3,1,1,-;a\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:1f.6\n6,2,2,-;b\n";
	size_t first = strlen("3,1,1,-;a\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:1f.6\n");

	(void)state;
	assert_int_equal(ng_kmsg_split(s, strlen(s), false), first);
	assert_int_equal(ng_kmsg_split(s, strlen(s), true), first);
	/* The last record: whole only if the source delivers whole records. */
	assert_int_equal(ng_kmsg_split(s + first, strlen(s + first), true), strlen(s + first));
	assert_int_equal(ng_kmsg_split(s + first, strlen(s + first), false), 0);
	/* Half a line, or a record whose dictionary may still continue. */
	assert_int_equal(ng_kmsg_split("3,1,1,-;ab", 10, true), 0);
	assert_int_equal(ng_kmsg_split("3,1,1,-;a\n SUBSYS", 17, true), 0);
	assert_int_equal(ng_kmsg_split("", 0, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_dictionary),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
