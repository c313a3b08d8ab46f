/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-revert.c: `nicguard revert`: put back what each device held before nicguard. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "render.h"

static const char help[] =
	"NAME\n"
	"    nicguard revert - put back the settings interfaces had before nicguard\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [--root DIR] revert [--dry-run] [IFACE...]\n"
	"\n"
	"DESCRIPTION\n"
	"    The first time nicguard changes a setting of a device, it records the value it\n"
	"    found in /var/lib/nicguard/revert/, one file per device, kept across renames and\n"
	"    reboots (by permanent MAC address, else PCI or bus address, else name). This\n"
	"    command applies those values to the named interfaces, or to every interface with\n"
	"    a record, prints one line per setting, and removes each record once all of it is\n"
	"    back. A pass-through ethtool line nicguard ran cannot be read back: it is listed\n"
	"    to undo by hand. Records of devices not present now are listed and kept.\n"
	"\n"
	"    The policy still holds: udev, ifupdown or `nicguard apply` apply it again (and\n"
	"    record anew). To keep an interface as it was, add `skip = yes` for it, or remove\n"
	"    the package.\n"
	"\n"
	"OPTIONS\n"
	"    -n, --dry-run  say what would change, change nothing, keep the records\n"
	"    -h, --help     show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done (or nothing recorded); 1 a setting failed or an interface is missing or\n"
	"    held by an open backup window; 2 bad usage or an invalid interface name.\n";

struct run_state {
	const struct ng_ctx *ctx;
	bool dry_run;
	bool failed;
	unsigned reverted;
};

/* Revert one present interface from its record. */
static void revert_one(struct run_state *st, const struct ng_iface *ifc, struct ng_revert *rec)
{
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	char line[1024];

	/* Pass-through lines are reported, not run: nobody knows what they changed. */
	for (size_t i = 0; i < rec->n; i++) {
		const struct ng_item *it = &rec->items[i];

		if (it->group == NG_ETHTOOL)
			printf("%s ethtool %s: not reverted: a pass-through nicguard ran, undo it "
			       "by hand [%s:%u]\n", ifc->name, it->text ? it->text : "",
			       it->origin.file, it->origin.line);
	}
	if (ng_revert_apply(st->ctx, ifc, rec, st->dry_run ? NG_APPLY_DRY_RUN : 0, &rep,
			    &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, line, sizeof(line)));
		st->failed = true;
	} else {
		for (size_t i = 0; i < rep.n; i++)
			printf("%s\n", ng_render_result(&rep.v[i], line, sizeof(line)));
		if (ng_report_failed(&rep)) {
			st->failed = true;
		} else if (!st->dry_run) {
			/* All back: the record has done its job. */
			if (ng_revert_forget(st->ctx, rec->key, &err) < 0) {
				ng_log(LOG_ERR, "%s", ng_err_str(&err, line, sizeof(line)));
				st->failed = true;
			}
			st->reverted++;
		}
	}
	ng_report_free(&rep);
}

static int revert_ifaces(struct run_state *st, const struct ng_iface *v, size_t n, bool named,
			 char **seen)
{
	for (size_t i = 0; i < n; i++) {
		struct ng_revert rec;
		struct ng_err err = { 0 };
		char msg[1024];

		if (ng_revert_read(st->ctx, &v[i], &rec, &err) < 0) {
			ng_log(LOG_ERR, "%s: %s", v[i].name, ng_err_str(&err, msg, sizeof(msg)));
			st->failed = true;
			continue;
		}
		seen[i] = strdup(rec.key);
		if (rec.found)
			revert_one(st, &v[i], &rec);
		else if (named)
			printf("%s: nothing recorded (nicguard never changed it, or it was "
			       "reverted)\n", v[i].name);
		ng_revert_free(&rec);
	}
	return 0;
}

/* Records whose device is not present now: kept for when it is. */
static void list_absent(struct run_state *st, char **seen, size_t nseen)
{
	struct ng_revert *all;
	struct ng_err err = { 0 };
	char msg[1024];
	size_t n;

	if (ng_revert_list(st->ctx, &all, &n, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		st->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool present = false;

		for (size_t j = 0; j < nseen && !present; j++)
			present = seen[j] && strcmp(seen[j], all[i].key) == 0;
		if (!present)
			printf("record %s (last seen as %s): no such device now; kept\n", all[i].key,
			       all[i].ifname[0] ? all[i].ifname : "?");
	}
	ng_revert_list_free(all, n);
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_ctx_opts o = { .root = cli->root, .no_builtin = cli->no_builtin };
	struct run_state st = { 0 };
	struct ng_iface *v = NULL;
	struct ng_ctx *ctx;
	struct ng_err e;
	char **seen = NULL;
	size_t n = 0, nnames;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "nh", options, NULL)) != -1) {
		if (c == 'n')
			st.dry_run = true;
		else if (c == 'h')
			return ng_cli_help(help);
		else
			return ng_cli_bad_option("revert", argv);
	}
	nnames = (size_t)(argc - optind);
	if (!ng_cli_names_valid(argv + optind, nnames))
		return NG_EXIT_USAGE;
	ctx = ng_ctx_new(&o, &e);
	if (!ctx) {
		ng_log(LOG_ERR, "%s", e.msg);
		return NG_EXIT_USAGE;
	}
	if (cli->verbose)
		ng_ctx_set_trace(ctx, ng_log_trace, NULL);
	st.ctx = ctx;
	if (ng_cli_ifaces(ctx, argv + optind, nnames, &v, &n, &st.failed) == 0 &&
	    (seen = calloc(n + 1, sizeof(*seen)))) {
		revert_ifaces(&st, v, n, nnames > 0, seen);
		if (nnames == 0)
			list_absent(&st, seen, n);
	}
	if (st.reverted)
		printf("the policy still holds: udev, ifupdown or `nicguard apply` apply it again; "
		       "`skip = yes` keeps an interface as it is now\n");
	for (size_t i = 0; seen && i < n; i++)
		free(seen[i]);
	free(seen);
	free(v);
	ng_ctx_free(ctx);
	if (fflush(stdout) != 0)
		st.failed = true;
	return st.failed ? NG_EXIT_FAIL : NG_EXIT_OK;
}

const struct ng_cmd ng_cmd_revert = {
	.name = "revert",
	.run = run,
	.summary = "put back the settings interfaces had before nicguard first changed them",
};
