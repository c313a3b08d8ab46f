/* SPDX-License-Identifier: GPL-2.0-or-later */
/* history-bench.c: the cost of the event history against a plain append to a log file.
 * Built and run by bench/history.sh: history-bench ROOT N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nicguard.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ng_hist_event event(int i)
{
	struct ng_hist_event e = { .time = 1796119200 + i, .cls = NG_SIG_HANG };

	snprintf(e.ifname, sizeof(e.ifname), "eno1");
	snprintf(e.sig, sizeof(e.sig), "e1000e-hw-hang");
	snprintf(e.what, sizeof(e.what), "bounce");
	snprintf(e.detail, sizeof(e.detail), "action bounce");
	return e;
}

/* The line nicguard-watch logs for the same detection, as syslog would append it. */
static int line(char *buf, size_t len, int i)
{
	return snprintf(buf, len, "Dec  7 03:00:%02d vm nicguard[123]: watch: detected "
			"e1000e-hw-hang (hang) on eno1: action bounce\n", i % 60);
}

static long size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	struct ng_ctx_opts o = { .root = argc > 1 ? argv[1] : NULL };
	int n = argc > 2 ? atoi(argv[2]) : 2000;
	struct ng_ctx *ctx = ng_ctx_new(&o, NULL);
	struct ng_history *w = ctx ? ng_history_new(ctx, "watch") : NULL;
	struct ng_err err = { 0 };
	char hist[4096], log[4096], buf[256];
	double t, queue, sync1, batch, plain, plain_sync;
	int fd;

	if (!w || n < 1)
		return 2;
	snprintf(hist, sizeof(hist), "%s/var/lib/nicguard/history", argv[1]);
	snprintf(log, sizeof(log), "%s/syslog", argv[1]);
	/* 1. Queueing, what the daemon does on its detection path. */
	t = now();
	for (int i = 0; i < n; i++) {
		struct ng_hist_event e = event(i);

		if (ng_history_event(w, &e) < 0 && ng_history_flush(w, e.time, &err) < 0)
			return 1;
	}
	queue = (now() - t) / n;
	ng_history_flush(w, 1796119200, &err);
	unlink(hist);
	/* 2. One flush per event: lock, append, fdatasync (the worst case). */
	t = now();
	for (int i = 0; i < n; i++) {
		struct ng_hist_event e = event(i);

		if (ng_history_event(w, &e) < 0 || ng_history_flush(w, e.time, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	}
	sync1 = (now() - t) / n;
	printf("bytes per event: %.0f (history record); ", (double)size_of(hist) / n);
	/* 3. As the daemon flushes: all events of a second at once. */
	unlink(hist);
	t = now();
	for (int i = 0; i < n; i++) {
		struct ng_hist_event e = event(i);

		ng_history_event(w, &e);
		if (i % 100 == 99 && ng_history_flush(w, e.time, &err) < 0)
			return 1;
	}
	ng_history_flush(w, 1796119200, &err);
	batch = (now() - t) / n;
	/* 4. A plain append to a log file, with and without a sync per line. */
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	t = now();
	for (int i = 0; i < n; i++) {
		int k = line(buf, sizeof(buf), i);

		if (write(fd, buf, (size_t)k) != k)
			return 1;
	}
	plain = (now() - t) / n;
	printf("%.0f (syslog line)\n", (double)size_of(log) / n);
	t = now();
	for (int i = 0; i < n; i++) {
		int k = line(buf, sizeof(buf), i);

		if (write(fd, buf, (size_t)k) != k || fdatasync(fd) < 0)
			return 1;
	}
	plain_sync = (now() - t) / n;
	close(fd);
	printf("%-52s %10.1f us %12.0f events/s\n", "queue an event (the daemon's detection path)",
	       queue * 1e6, 1 / queue);
	printf("%-52s %10.1f us %12.0f events/s\n", "history: flush each event (lock, append, sync)",
	       sync1 * 1e6, 1 / sync1);
	printf("%-52s %10.1f us %12.0f events/s\n", "history: flush 100 events at once", batch * 1e6,
	       1 / batch);
	printf("%-52s %10.1f us %12.0f events/s\n", "plain append to a log file, no sync",
	       plain * 1e6, 1 / plain);
	printf("%-52s %10.1f us %12.0f events/s\n", "plain append to a log file, sync each",
	       plain_sync * 1e6, 1 / plain_sync);
	printf("ratio history flush-each / plain append+sync:   %.2fx\n", sync1 / plain_sync);
	printf("ratio history batched / plain append (no sync): %.2fx\n", batch / plain);
	printf("ratio queue / plain append (no sync):           %.2fx\n", queue / plain);
	ng_history_free(w);
	ng_ctx_free(ctx);
	return 0;
}
