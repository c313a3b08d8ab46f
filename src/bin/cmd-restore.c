/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-restore.c: `nicguard restore`: close a backup window by hand, as job-end would. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"

static const char help[] =
	"NAME\n"
	"    nicguard restore - put back the settings saved when a backup job started\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [--root DIR] restore [--force]\n"
	"\n"
	"DESCRIPTION\n"
	"    At job-start the vzdump hook saves the settings of the backup uplinks to\n"
	"    /run/nicguard/backup-state and applies the backup-* settings; job-end and\n"
	"    job-abort put the saved ones back. After a job that never ended (vzdump killed,\n"
	"    host hung), this command does the same by hand: each setting is printed with\n"
	"    its outcome, and the state file is removed once everything is back. An interface\n"
	"    that is gone is dropped from it; one whose restore failed stays for a retry.\n"
	"\n"
	"    While a backup runs the window is its own: restore refuses unless --force.\n"
	"\n"
	"OPTIONS\n"
	"    --force     restore even while a backup runs\n"
	"    -h, --help  show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 restored (or nothing saved), 1 something failed or a backup runs, 2 bad usage\n";

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_ctx_opts o = { .root = cli->root, .no_builtin = cli->no_builtin };
	struct ng_report rep = { 0 };
	struct ng_diags d = { 0 };
	struct ng_ctx *ctx;
	struct ng_err e;
	bool force = false, had;
	char why[512];
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h')
			return ng_cli_help(help);
		else
			return ng_cli_bad_option("restore", argv);
	}
	if (optind < argc) {
		ng_log(LOG_ERR, "restore: takes no arguments; see nicguard restore --help");
		return NG_EXIT_USAGE;
	}
	ctx = ng_ctx_new(&o, &e);
	if (!ctx) {
		ng_log(LOG_ERR, "%s", e.msg);
		return NG_EXIT_USAGE;
	}
	r = force ? 0 : ng_pve_backup_alive(ctx, why, sizeof(why), &e);
	if (r != 0) {
		ng_log(LOG_ERR, "refusing: %s%s; its job-end restores (--force to restore now)",
		       r > 0 ? "a backup is running: " : "cannot tell whether a backup runs: ",
		       r > 0 ? why : e.msg);
		ng_ctx_free(ctx);
		return NG_EXIT_FAIL;
	}
	r = ng_backup_restore(ctx, &rep, &d, &had);
	for (size_t i = 0; i < rep.n; i++)
		printf("%s %s %s (was %s): %s\n", rep.v[i].ifname, rep.v[i].name, rep.v[i].want,
		       rep.v[i].was[0] ? rep.v[i].was : "?", ng_outcome_name(rep.v[i].outcome));
	for (size_t i = 0; i < d.n; i++)
		ng_log(LOG_ERR, "%s", d.v[i].msg);
	if (!had)
		printf("nothing to restore: no saved backup-window state\n");
	ng_report_free(&rep);
	ng_diags_free(&d);
	ng_ctx_free(ctx);
	if (fflush(stdout) != 0)
		r = -EIO;
	return r < 0 ? NG_EXIT_FAIL : NG_EXIT_OK;
}

const struct ng_cmd ng_cmd_restore = {
	.name = "restore",
	.run = run,
	.summary = "put back the NIC settings saved at the start of a backup job",
};
