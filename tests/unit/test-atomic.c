/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-atomic.c: unit tests for atomic.c: publishing files safely and reading them back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ng-test-atomic.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return fx_rmtree(dir);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The number of entries in dir: temp files must not survive. */
static int entries(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_write_mode_and_content(void **state)
{
	char path[128], *buf;
	struct ng_err err;
	struct stat st;
	size_t len;
	mode_t old;

	(void)state;
	path_of(path, sizeof(path), "a.conf");
	old = umask(0);
	assert_int_equal(ng_atomic_write(path, "x\n", 2, 0644, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(ng_read_file(path, true, 100, &buf, &len), 0);
	assert_int_equal(len, 2);
	assert_string_equal(buf, "x\n");
	free(buf);
	/* Rewritten in place of the old one, 0600 this time. */
	assert_int_equal(ng_atomic_write(path, "yz", 2, 0600, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(entries(), 1);
}

static void test_owned(void **state)
{
	char path[128], target[128], *buf;
	struct ng_err err;

	(void)state;
	path_of(path, sizeof(path), "owned.conf");
	path_of(target, sizeof(target), "target");
	/* Not there: written. There with the marker: rewritten. */
	assert_int_equal(ng_atomic_write_owned(path, NG_MARKER "\n1\n", sizeof(NG_MARKER) + 2,
					       0644, &err), 0);
	assert_int_equal(ng_atomic_write_owned(path, NG_MARKER "\n2\n", sizeof(NG_MARKER) + 2,
					       0644, &err), 0);
	/* Someone else's file: left alone. */
	assert_int_equal(ng_atomic_write(path, "admin\n", 6, 0644, &err), 0);
	assert_int_equal(ng_atomic_write_owned(path, "x", 1, 0644, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "no marker line"));
	/* A link: never written through, its target untouched. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ng_atomic_write(target, "secret", 6, 0644, &err), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ng_atomic_write_owned(path, "x", 1, 0644, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(ng_read_file(target, true, 100, &buf, NULL), 0);
	assert_string_equal(buf, "secret");
	free(buf);
	assert_int_equal(entries(), 2);
}

static void test_unsafe_dir(void **state)
{
	char sub[128], path[160];
	struct ng_err err;

	(void)state;
	path_of(sub, sizeof(sub), "open");
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	snprintf(path, sizeof(path), "%s/f", sub);
	assert_int_equal(ng_atomic_write(path, "x", 1, 0644, &err), -EPERM);
	assert_non_null(strstr(err.msg, "writable by anyone"));
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(ng_atomic_write(path, "x", 1, 0644, &err), 0);
	/* No directory at all. */
	snprintf(path, sizeof(path), "%s/none/f", dir);
	assert_int_equal(ng_atomic_write(path, "x", 1, 0644, &err), -ENOENT);
	/* A name that is no file name. */
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(ng_atomic_write(path, "x", 1, 0644, &err), -EINVAL);
}

static void test_read_limits(void **state)
{
	char path[128], fifo[128], *buf = NULL;
	struct ng_err err;
	size_t len;

	(void)state;
	path_of(path, sizeof(path), "eight");
	assert_int_equal(ng_atomic_write(path, "12345678", 8, 0644, &err), 0);
	/* Exactly max bytes is fine; one byte less of room is too large. */
	assert_int_equal(ng_read_file(path, false, 8, &buf, &len), 0);
	assert_int_equal(len, 8);
	free(buf);
	assert_int_equal(ng_read_file(path, false, 7, &buf, &len), -EFBIG);
	/* Not a regular file: refused at once, a FIFO without waiting for a writer. */
	path_of(fifo, sizeof(fifo), "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(ng_read_file(fifo, false, 100, &buf, &len), -EINVAL);
	assert_int_equal(ng_read_file(dir, false, 100, &buf, &len), -EISDIR);
	assert_int_equal(ng_read_file("/nonexistent/x", false, 100, &buf, &len), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_mode_and_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
