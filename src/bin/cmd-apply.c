/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-apply.c: `nicguard apply`: put interfaces into the state the policy wants. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "render.h"

static const char help[] =
	"NAME\n"
	"    nicguard apply - set network interfaces as the policy says\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] [--no-builtin] [-v] apply [--dry-run] [IFACE...]\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads the policy (/etc/pve/nicguard.conf, /etc/nicguard/nicguard.conf and\n"
	"    /etc/nicguard/conf.d/*.conf, or only the -c FILE), resolves the settings each\n"
	"    interface should have, and applies them through the kernel's ethtool interface:\n"
	"    the current state is read, only what differs is written (all offload features\n"
	"    of an interface in one call), and the result is read back.\n"
	"\n"
	"    With IFACE arguments only those interfaces are worked on; without, every\n"
	"    interface some section of the policy (or a built-in driver default) matches,\n"
	"    except those with `skip = yes`.\n"
	"\n"
	"    One line is printed per setting:\n"
	"        IFACE SETTING VALUE: OUTCOME [FILE:LINE]\n"
	"    where OUTCOME is `changed (was OLD)`, `already`, `unsupported: REASON`,\n"
	"    `fixed by the driver` or `failed: REASON`, and FILE:LINE (or `built-in`) is\n"
	"    where the value comes from. With --dry-run a change is shown as `would change`.\n"
	"\n"
	"    A policy with any error applies nothing: every error is printed to stderr as\n"
	"    FILE:LINE: message, and the exit status is 2.\n"
	"\n"
	"OPTIONS\n"
	"    -n, --dry-run   read and compare only; write nothing\n"
	"    -h, --help      show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0  every setting is as wanted (changed or already)\n"
	"    1  a setting failed or is not supported by the device, or an interface is missing\n"
	"    2  bad usage, an invalid interface name, or an invalid policy\n"
	"\n"
	"EXAMPLES\n"
	"    nicguard apply\n"
	"    nicguard apply --dry-run eno1\n"
	"    nicguard -c /tmp/test.conf apply eno1 eno2\n";

/* Apply and print one interface; sets *failed when anything failed. */
static void apply_one(const struct ng_cli_env *env, const struct ng_iface *ifc, bool named,
		      unsigned flags, bool *failed)
{
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	char line[1024], where[300];
	struct ng_applied out;
	int r;

	/* The one apply path udev and the hooks take: stanza keys, an open backup window and a
	 * watch escalation included, so `apply` never undoes them. */
	r = ng_apply_iface(env->rv, ifc, NULL, flags, &rep, &out, &err);
	ng_log_diags(&rep.diags);
	if (out.outcome == NG_IFACE_SKIPPED && named)
		printf("%s: skipped (skip = yes) [%s]\n", ifc->name,
		       ng_render_origin(&out.skip, where, sizeof(where)));
	if (out.outcome == NG_IFACE_UNMATCHED && named)
		printf("%s: no policy section matches\n", ifc->name);
	if (out.outcome == NG_IFACE_APPLIED && (out.state & NG_TARGET_WINDOW))
		printf("%s: backup window open: backup-* settings in force until job-end\n",
		       ifc->name);
	if (out.outcome == NG_IFACE_APPLIED && (out.state & NG_TARGET_ESCALATED))
		printf("%s: escalated by nicguard-watch: watch-* settings in force\n", ifc->name);
	if (r < 0) {
		ng_log(LOG_ERR, "%s: %s", ifc->name, ng_err_str(&err, line, sizeof(line)));
		*failed = true;
	}
	ng_log_print_report(env->ctx, "apply", &rep);
	if (out.outcome == NG_IFACE_APPLIED && rep.n == 0 && named && r == 0)
		printf("%s: nothing to apply\n", ifc->name);
	if (ng_report_failed(&rep))
		*failed = true;
	ng_report_free(&rep);
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_cli_env env = { 0 };
	struct ng_iface *ifs = NULL;
	unsigned flags = 0;
	bool failed = false;
	size_t n, nnames;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "nh", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			flags |= NG_APPLY_DRY_RUN;
			break;
		case 'h':
			return ng_cli_help(help);
		default:
			return ng_cli_bad_option("apply", argv);
		}
	}
	nnames = (size_t)(argc - optind);
	if (!ng_cli_names_valid(argv + optind, nnames))
		return NG_EXIT_USAGE;
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	if (ng_cli_ifaces(env.ctx, argv + optind, nnames, &ifs, &n, &failed) == 0) {
		for (size_t i = 0; i < n; i++)
			apply_one(&env, &ifs[i], nnames > 0, flags, &failed);
	}
	if (fflush(stdout) != 0)
		failed = true;
	r = failed ? NG_EXIT_FAIL : NG_EXIT_OK;
out:
	free(ifs);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_apply = {
	.name = "apply",
	.run = run,
	.summary = "set interfaces as the policy says (--dry-run: only show what would change)",
};
