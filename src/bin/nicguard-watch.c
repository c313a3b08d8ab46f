/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-watch.c: the daemon: reads the kernel log, spots NIC hangs, recovers at once. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicguard.h"
#include "log.h"
#include "watch.h"

static void usage(FILE *f)
{
	fputs("usage: nicguard-watch [--kmsg PATH] [--scan] [--dry-run] [--root DIR] [-c FILE]\n"
	      "                      [--foreground] [-v]\n"
	      "Reads the kernel log and recovers NICs from the hangs it reports.\n"
	      "  --kmsg PATH   read records from PATH (default ROOT/dev/kmsg; a FIFO or file\n"
	      "                of records is read whole, and a file ends the run at its end)\n"
	      "  --scan        first read the whole ring buffer (logged, never acted on)\n"
	      "  --dry-run     decide and log, change nothing, write no state\n"
	      "  --root DIR    work on a tree under DIR (tests)\n"
	      "  -c FILE       read this policy file instead of the default ones\n"
	      "  --foreground  log to stderr as well as syslog\n", f);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kmsg", required_argument, NULL, 'k' }, { "scan", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' }, { "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	/* Static: the daemon's state is large, and lives as long as the program. */
	static struct daemon dm = { .sfd = -1, .watchdog_fd = -1 };
	struct ng_ctx_opts co = { 0 };
	const char *kmsg = NULL, *paths[2] = { NULL, NULL };
	bool fg = false, verbose = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:fvhn", lopts, NULL)) != -1) {
		switch (c) {
		case 'k': kmsg = optarg; break;
		case 's': dm.scan = true; break;
		case 'n': dm.dry_run = true; break;
		case 'r': co.root = optarg; break;
		case 'c': paths[0] = optarg; co.policy_paths = paths; break;
		case 'f': fg = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	ng_log_open("watch", NG_LOG_SYSLOG | (fg ? NG_LOG_STDERR : 0), verbose);
	/* The service manager's socket: the library reads no environment, so it comes from here. */
	r = watch_setup(&dm, &co, kmsg, getenv("NOTIFY_SOCKET"));
	if (r == 0) {
		if (verbose)
			ng_ctx_set_trace(dm.ctx, ng_log_trace, NULL);
		r = watch_loop(&dm);
	}
	watch_stop(&dm, r);
	return r == 0 ? 0 : 1;
}
