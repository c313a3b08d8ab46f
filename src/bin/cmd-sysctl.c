/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-sysctl.c: `nicguard sysctl`: network sysctls in effect vs. what this machine needs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"

static const char help[] =
	"NAME\n"
	"    nicguard sysctl - compare network sysctls with what this machine needs\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [--root DIR] sysctl [--check] [--write]\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads the values in effect (/proc/sys) of the backlog, budget and socket buffer\n"
	"    sysctls, computes what this machine needs from its online CPU count and its\n"
	"    fastest link (see sysctl.c for the formulas), and prints a table:\n"
	"        SYSCTL  EFFECTIVE  RECOMMENDED  SOURCE\n"
	"    SOURCE is the sysctl.d line that set the value in effect, or \"kernel default\".\n"
	"    A value an admin raised above what is needed is never lowered.\n"
	"\n"
	"    With --write the values below what is needed are written to\n"
	"    /etc/sysctl.d/61-nicguard-local.conf (atomically, never over a file nicguard did\n"
	"    not write); `sysctl -p` on that file or a reboot puts them in effect.\n"
	"\n"
	"OPTIONS\n"
	"    --check     print the table (the default)\n"
	"    --write     write the suggestions too\n"
	"    -h, --help  show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done (values below the recommendation are not an error); 1 writing failed;\n"
	"    2 bad usage.\n";

static void table(const struct ng_sysctl_check *c)
{
	printf("# %u CPUs online, fastest link %u Mb/s\n", c->ncpus, c->speed);
	printf("%-28s %12s %12s  %s\n", "SYSCTL", "EFFECTIVE", "RECOMMENDED", "SOURCE");
	for (size_t i = 0; i < c->n; i++) {
		const struct ng_sysctl_row *r = &c->rows[i];
		char eff[24];

		if (r->effective < 0)
			snprintf(eff, sizeof(eff), "-");
		else
			snprintf(eff, sizeof(eff), "%lld", (long long)r->effective);
		printf("%-28s %12s %12lld  %s%s\n", r->name, eff, (long long)r->recommended,
		       r->source, r->effective >= 0 && r->effective < r->recommended ? "  (raise)" :
		       "");
		if (r->lowered[0])
			printf("%-28s %12s %12s  ^ lowered %lld from %s: --write puts it back\n",
			       "", "", "", (long long)r->lowered_value, r->lowered);
	}
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "write", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_cli_env env = { 0 };
	struct ng_sysctl_check chk;
	struct ng_err err = { 0 };
	char *text = NULL, msg[1024];
	bool write = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h')
			return ng_cli_help(help);
		if (c == 'w')
			write = true;
		else if (c != 'c')
			return ng_cli_bad_option("sysctl", argv);
	}
	if (optind < argc) {
		ng_log(LOG_ERR, "sysctl: takes no arguments; see nicguard sysctl --help");
		return NG_EXIT_USAGE;
	}
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	if (ng_sysctl_check(env.ctx, &chk, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		r = NG_EXIT_FAIL;
		goto out;
	}
	table(&chk);
	if (write) {
		if (ng_sysctl_render(&chk, &text, &err) < 0 ||
		    ng_sysctl_write(env.ctx, text, &err) < 0) {
			ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
			r = NG_EXIT_FAIL;
			goto out;
		}
		printf("wrote %s; apply now with: sysctl -p %s\n", NG_SYSCTL_LOCAL_FILE,
		       NG_SYSCTL_LOCAL_FILE);
	}
	if (fflush(stdout) != 0)
		r = NG_EXIT_FAIL;
out:
	free(text);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_sysctl = {
	.name = "sysctl",
	.run = run,
	.summary = "compare network sysctls with this machine's needs; --write suggestions",
};
