/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-kmsgsrc.c: the daemon's record source (file, FIFO) and its sd_notify sender. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"

/* What the callback saw, in order: 'R' + seq, 'O' overrun, 'B' too big; and lost counts. */
struct seen {
	char log[512];
	uint64_t lost;
};

static void collect(void *data, const struct ng_kmsgsrc_event *ev)
{
	struct seen *s = data;
	size_t n = strlen(s->log);

	if (ev->what == NG_KMSGSRC_RECORD)
		snprintf(s->log + n, sizeof(s->log) - n, "R%llu ", (unsigned long long)ev->rec->seq);
	else
		snprintf(s->log + n, sizeof(s->log) - n, "%c%zu ",
			 ev->what == NG_KMSGSRC_OVERRUN ? 'O' : 'B', ev->size);
	s->lost += ev->lost;
}

static char *write_tmp(const char *text, size_t len)
{
	char *path = strdup("/tmp/test-kmsgsrc-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Read until the source says something other than "go on". */
static int drain(struct ng_kmsgsrc *src, struct seen *s)
{
	int r;

	while ((r = ng_kmsgsrc_read(src, collect, s, NULL)) > 0)
		;
	return r;
}

static void test_file(void **state)
{
	static const char text[] =
		"6,1,100,-;first\n SUBSYSTEM=pci\n"
		"not a record\n"
		"6,5,200,-;after a gap of three\n"
		"6,6,300,-;last, its dictionary at the very end\n DEVICE=+pci:0000:00:1f.6\n";
	struct seen s = { "", 0 };
	struct ng_kmsgsrc *src;
	const struct ng_watch_counters *c;
	char *path = write_tmp(text, sizeof(text) - 1);

	(void)state;
	assert_int_equal(ng_kmsgsrc_open(path, &src, NULL), 0);
	assert_int_equal(ng_kmsgsrc_seek(src, false, NULL), 0);	/* a file is read whole */
	assert_int_equal(drain(src, &s), -ENODATA);
	assert_string_equal(s.log, "R1 R5 R6 ");
	assert_int_equal(s.lost, 3);
	c = ng_kmsgsrc_counters(src);
	assert_int_equal(c->records, 4);
	assert_int_equal(c->lost, 3);
	assert_int_equal(c->skipped, 1);
	ng_kmsgsrc_free(src);
	unlink(path);
	free(path);
}

static void test_too_big(void **state)
{
	size_t big = 20000, len = 0;
	char *text = malloc(big + 256), *path;
	struct seen s = { "", 0 };
	struct ng_kmsgsrc *src;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text + len, "6,1,100,-;small\n6,2,200,-;");
	memset(text + len, 'x', big);
	len += big;
	len += (size_t)sprintf(text + len, "\n DEVICE=n2\n6,3,300,-;small again\n");
	path = write_tmp(text, len);
	assert_int_equal(ng_kmsgsrc_open(path, &src, NULL), 0);
	assert_int_equal(drain(src, &s), -ENODATA);
	/* Dropped with its dictionary line; the record we skipped is not counted lost. */
	assert_string_equal(s.log, "R1 B16384 R3 ");
	assert_int_equal(s.lost, 0);
	assert_int_equal(ng_kmsgsrc_counters(src)->skipped, 1);
	assert_int_equal(ng_kmsgsrc_counters(src)->lost, 0);
	ng_kmsgsrc_free(src);
	unlink(path);
	free(path);
	free(text);
}

static void test_fifo(void **state)
{
	static const char rec[] = "3,7,100,-;e1000e 0000:00:1f.6 eth0: Reset adapter unexpectedly\n";
	char path[64] = "/tmp/test-kmsgsrc-fifo-XXXXXX";
	struct seen s = { "", 0 };
	struct ng_kmsgsrc *src;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(path));
	strcat(path, "/kmsg");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ng_kmsgsrc_open(path, &src, NULL), 0);
	/* Nothing written yet: nothing for now, and no end either. */
	assert_int_equal(ng_kmsgsrc_read(src, collect, &s, NULL), 0);
	fd = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rec, sizeof(rec) - 1), (ssize_t)sizeof(rec) - 1);
	close(fd);
	/* The writer is gone: the source holds the FIFO open for writing, so no EOF. */
	assert_int_equal(drain(src, &s), 0);
	assert_string_equal(s.log, "R7 ");
	assert_true(ng_kmsgsrc_fd(src) >= 0);
	ng_kmsgsrc_free(src);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

static void test_open_missing(void **state)
{
	struct ng_err err = { 0 };
	struct ng_kmsgsrc *src = (struct ng_kmsgsrc *)&err;

	(void)state;
	assert_int_equal(ng_kmsgsrc_open("/nonexistent/kmsg", &src, &err), -ENOENT);
	assert_null(src);
	assert_non_null(strstr(err.msg, "cannot open /nonexistent/kmsg"));
}

/* A datagram socket bound at addr (sun_path as given: a leading NUL for abstract). */
static int bound(const char *addr, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, addr, n);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	return fd;
}

static void test_notify(void **state)
{
	char dir[] = "/tmp/test-notify-XXXXXX", path[64], abs[64], buf[64];
	struct ng_err err = { 0 };
	int fd;
	ssize_t n;

	(void)state;
	assert_int_equal(ng_notify_send(NULL, "READY=1", NULL), 0);
	assert_int_equal(ng_notify_send("", "READY=1", NULL), 0);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = bound(path, strlen(path));
	assert_int_equal(ng_notify_send(path, "READY=1", &err), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 7);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1");
	close(fd);
	unlink(path);

	/* '@': the abstract namespace, the name without a trailing NUL. */
	snprintf(abs, sizeof(abs), "@ng-test-notify-%d", (int)getpid());
	abs[0] = '\0';
	fd = bound(abs, strlen(abs + 1) + 1);
	abs[0] = '@';
	assert_int_equal(ng_notify_send(abs, "STOPPING=1", &err), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 10);
	close(fd);

	/* Nobody listening: an error for the caller to log. */
	assert_true(ng_notify_send(path, "READY=1", &err) < 0);
	assert_non_null(strstr(err.msg, "sd_notify to "));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
