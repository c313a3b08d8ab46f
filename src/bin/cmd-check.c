/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-check.c: `nicguard check`: validate the policy and report every problem. */
#include <getopt.h>
#include <stdio.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"

static const char help[] =
	"NAME\n"
	"    nicguard check - validate the policy files\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] [--no-builtin] check\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads every policy file (/etc/pve/nicguard.conf, /etc/nicguard/nicguard.conf,\n"
	"    /etc/nicguard/conf.d/*.conf in sorted order, or only the -c FILE) and checks\n"
	"    every section and key: unknown keys, unknown offload names (with a suggestion),\n"
	"    values ethtool would refuse, impossible combinations. Nothing is applied.\n"
	"\n"
	"    When the policy is valid one line is printed:\n"
	"        OK: N sections from FILE[, FILE...]\n"
	"    Otherwise every problem is printed to stderr, one per line, as\n"
	"        FILE:LINE: what is wrong\n"
	"\n"
	"OPTIONS\n"
	"    -h, --help   show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0  the policy is valid\n"
	"    2  bad usage, or the policy has errors (a policy with errors is never applied)\n"
	"\n"
	"EXAMPLES\n"
	"    nicguard check\n"
	"    nicguard -c /etc/nicguard/conf.d/50-e1000e.conf check\n";

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_cli_env env = { 0 };
	size_t nsections = 0;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h')
			return ng_cli_help(help);
		return ng_cli_bad_option("check", argv);
	}
	if (optind < argc) {
		ng_log(LOG_ERR, "check: takes no arguments; see nicguard check --help");
		return NG_EXIT_USAGE;
	}
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	/* Count what the admin wrote, not the built-in sections. */
	nsections = ng_policy_nsections(env.policy);
	if (ng_policy_nfiles(env.policy) == 0) {
		printf("OK: %zu sections (no policy file found)\n", nsections);
	} else {
		printf("OK: %zu sections from ", nsections);
		for (size_t i = 0; i < ng_policy_nfiles(env.policy); i++)
			printf("%s%s", i ? ", " : "", ng_policy_file(env.policy, i));
		printf("\n");
	}
	if (fflush(stdout) != 0)
		r = NG_EXIT_FAIL;
out:
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_check = {
	.name = "check",
	.run = run,
	.summary = "validate the policy; print every problem as FILE:LINE: message",
};
