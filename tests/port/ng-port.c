/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ng-port.c: the library's record and restore of a port's place, for the bats tests and the
 * benchmark, which simulate on a veth what a rebind does (a veth cannot be rebound).
 *   ng-port record IF           print IF's place as nicguard-watch saves it
 *   ng-port restore FILE [MS]   put the place in FILE back (wait up to MS for the port)
 * restore prints the summary line nicguard-watch logs, then one line per item. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"

static const char *const outcomes[] = { "restored", "already", "failed", "skipped" };

static int record(struct ng_ctx *ctx, const char *ifname)
{
	struct ng_portstate *ps;
	struct ng_err err = { 0 };
	char *text;
	size_t len;

	if (ng_portstate_record(ctx, ifname, &ps, &err) < 0) {
		fprintf(stderr, "ng-port: %s\n", err.msg);
		return 1;
	}
	if (ng_portstate_format(ps, &text, &len) < 0)
		return 1;
	fwrite(text, 1, len, stdout);
	free(text);
	ng_portstate_free(ps);
	return 0;
}

static int restore(struct ng_ctx *ctx, const char *file, unsigned wait_ms)
{
	static struct ng_restore rep;
	struct ng_portstate *ps;
	struct ng_err err = { 0 };
	char line[2048];
	char *buf;
	size_t len;
	int r;

	if (ng_read_file(file, false, 1 << 20, &buf, &len) < 0 ||
	    ng_portstate_parse(buf, len, file, &ps, &err) < 0) {
		fprintf(stderr, "ng-port: %s: %s\n", file, err.msg[0] ? err.msg : "cannot read");
		return 1;
	}
	free(buf);
	r = ng_portstate_restore(ctx, ps, wait_ms, &rep, &err);
	ng_restore_summary(&rep, line, sizeof(line));
	printf("%s\n", line);
	for (size_t i = 0; i < rep.n; i++)
		printf("%s %s: %s%s%s\n", rep.v[i].what, rep.v[i].value,
		       outcomes[rep.v[i].outcome], rep.v[i].detail[0] ? ": " : "",
		       rep.v[i].detail);
	if (r < 0)
		fprintf(stderr, "ng-port: %s\n", err.msg);
	ng_portstate_free(ps);
	return r < 0;
}

int main(int argc, char **argv)
{
	struct ng_err err = { 0 };
	struct ng_ctx_opts co = { .root = getenv("NG_PORT_ROOT") };
	struct ng_ctx *ctx;
	int r = 2;

	ctx = ng_ctx_new(&co, &err);
	if (!ctx)
		return 2;
	if (argc == 3 && strcmp(argv[1], "record") == 0)
		r = record(ctx, argv[2]);
	else if ((argc == 3 || argc == 4) && strcmp(argv[1], "restore") == 0)
		r = restore(ctx, argv[2], argc == 4 ? (unsigned)atoi(argv[3]) : 1000);
	else
		fprintf(stderr, "usage: ng-port record IF | ng-port restore FILE [WAIT_MS]\n");
	ng_ctx_free(ctx);
	return r;
}
