/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-exec.c: running programs without a shell: status, output, environment, timeout. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static int run(const char *path, const char *const *argv, const char *const *envp,
	       unsigned timeout_ms, char *out, size_t outlen, int *status)
{
	struct ng_err err;

	return ng_exec(path, argv, envp, timeout_ms, out, outlen, status, &err);
}

static void test_status_and_output(void **state)
{
	const char *echo[] = { "echo", "hello", "{}", "a;b", NULL };
	const char *fail[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char out[128];
	int st;

	(void)state;
	/* Words pass verbatim: no shell sees the ';'. */
	assert_int_equal(run("/bin/echo", echo, NULL, 5000, out, sizeof(out), &st), 0);
	assert_int_equal(st, 0);
	assert_string_equal(out, "hello {} a;b\n");
	assert_int_equal(run("/bin/sh", fail, NULL, 5000, out, sizeof(out), &st), 0);
	assert_int_equal(st, 3);
	assert_string_equal(out, "out\nerr\n");
}

static void test_environment(void **state)
{
	const char *env[] = { "env", NULL };
	const char *given[] = { "A=1", "B=two", NULL };
	char out[128];
	int st;

	(void)state;
	assert_int_equal(run("/usr/bin/env", env, NULL, 5000, out, sizeof(out), &st), 0);
	assert_int_equal(st, 0);
	assert_string_equal(out, "");
	assert_int_equal(run("/usr/bin/env", env, given, 5000, out, sizeof(out), &st), 0);
	assert_string_equal(out, "A=1\nB=two\n");
}

static void test_truncation_and_drain(void **state)
{
	const char *echo[] = { "echo", "hello", NULL };
	const char *big[] = { "head", "-c", "300000", "/dev/zero", NULL };
	char out[4];
	int st;

	(void)state;
	assert_int_equal(run("/bin/echo", echo, NULL, 5000, out, sizeof(out), &st), 0);
	assert_string_equal(out, "hel");
	/* More output than a pipe holds: read to the end, keep what fits. */
	assert_int_equal(run("/usr/bin/head", big, NULL, 5000, out, sizeof(out), &st), 0);
	assert_int_equal(st, 0);
}

static void test_timeout_and_signal(void **state)
{
	const char *slow[] = { "sh", "-c", "sleep 20 & sleep 20", NULL };
	const char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	struct timespec a, b;
	char out[16];
	int st;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(run("/bin/sh", slow, NULL, 200, out, sizeof(out), &st), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* The background sleep holds the pipe too: killing the group ends it all. */
	assert_true(b.tv_sec - a.tv_sec < 5);
	assert_int_equal(run("/bin/sh", killed, NULL, 5000, out, sizeof(out), &st), 0);
	assert_int_equal(st, 128 + 9);
}

static void test_bad_program(void **state)
{
	const char *argv[] = { "x", NULL };
	struct ng_err err;
	char out[16];
	int st;

	(void)state;
	assert_int_equal(ng_exec("/nonexistent/program", argv, NULL, 5000, out, sizeof(out),
				 &st, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/program"));
	assert_int_equal(ng_exec("/dev/null", argv, NULL, 5000, out, sizeof(out), &st,
				 &err), -EACCES);
	assert_int_equal(ng_exec("bin/echo", argv, NULL, 5000, out, sizeof(out), &st, &err),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_and_output),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_truncation_and_drain),
		cmocka_unit_test(test_timeout_and_signal),
		cmocka_unit_test(test_bad_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
