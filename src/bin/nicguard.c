/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard.c: the admin CLI: global options, the subcommand table, and their shared helpers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "render.h"

#ifndef NG_VERSION
#define NG_VERSION "0.1"
#endif

static const struct ng_cmd *const cmds[] = {
	&ng_cmd_apply,
	&ng_cmd_status,
	&ng_cmd_check,
	&ng_cmd_explain,
	&ng_cmd_modprobe,
	&ng_cmd_sysctl,
	&ng_cmd_doctor,
	&ng_cmd_pve,
	&ng_cmd_restore,
	&ng_cmd_report,
	&ng_cmd_cmdline,
	&ng_cmd_revert,
};

static const char usage_head[] =
	"Usage: nicguard [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Keep network card settings (offloads, link, coalescing, rings, RPS) as the policy in\n"
	"/etc/nicguard/nicguard.conf and conf.d/*.conf says, and show where each came from.\n"
	"\n"
	"Options (before the command):\n"
	"  -c, --config FILE  read only FILE instead of /etc/pve/nicguard.conf,\n"
	"                     /etc/nicguard/nicguard.conf and /etc/nicguard/conf.d/*.conf\n"
	"      --root DIR     look for /sys, /etc, /run under DIR (test fixtures)\n"
	"      --no-builtin   leave out the built-in driver defaults\n"
	"                     (e1000e, virtio_net, r8169: tso off gso off gro off)\n"
	"  -v, --verbose      trace what the library reads and writes on stderr\n"
	"  -h, --help         show this help; `nicguard COMMAND --help` for a command\n"
	"      --version      show the version\n"
	"\n"
	"Commands:\n";

static const char usage_tail[] =
	"\n"
	"Exit status: 0 success, 1 an operation or setting failed, 2 bad usage or an invalid\n"
	"configuration (every problem is printed as FILE:LINE: message).\n";

static void usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-9s %s\n", cmds[i]->name, cmds[i]->summary);
	fputs(usage_tail, out);
}

static const struct ng_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i]->name, name) == 0)
			return cmds[i];
	return NULL;
}

/* Parse the global options. Returns -1 to go on to the command, else the exit status. */
static int parse_global(int argc, char *argv[], struct ng_cli *cli)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'R' },
		{ "no-builtin", no_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	/* '+': stop at the command name; the command parses what follows. */
	while ((c = getopt_long(argc, argv, "+c:vh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config = optarg;
			break;
		case 'R':
			cli->root = optarg;
			break;
		case 'B':
			cli->no_builtin = true;
			break;
		case 'v':
			cli->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return NG_EXIT_OK;
		case 'V':
			printf("nicguard %s\n", NG_VERSION);
			return NG_EXIT_OK;
		default:
			return ng_cli_bad_option(NULL, argv);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return NG_EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char *argv[])
{
	struct ng_cli cli = { 0 };
	const struct ng_cmd *cmd;
	int r = parse_global(argc, argv, &cli);

	if (r >= 0)
		return r;
	ng_log_open("nicguard", NG_LOG_STDERR, cli.verbose);
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		char q[80];

		ng_log(LOG_ERR, "unknown command \"%s\"; see nicguard --help",
		       ng_render_quoted(argv[optind], q, sizeof(q)));
		return NG_EXIT_USAGE;
	}
	return cmd->run(&cli, argc - optind, argv + optind);
}

/* ------------------------------------------------- helpers shared by the commands */

/* cppcheck-suppress constParameter ; argv is getopt's, passed on as the commands got it */
int ng_cli_bad_option(const char *cmd, char *const argv[])
{
	const char *last = argv[optind - 1];
	char q[80], opt[3] = { '-', (char)optopt, '\0' };
	/* A short option may sit inside a cluster ("-vx"): name it alone. */
	const char *arg = optopt > ' ' && optopt < 0x7f && strncmp(last, "--", 2) != 0 ? opt : last;

	ng_log(LOG_ERR, "%s%sunknown option or missing argument: %s; see nicguard %s%s--help",
	       cmd ? cmd : "", cmd ? ": " : "", ng_render_quoted(arg, q, sizeof(q)),
	       cmd ? cmd : "", cmd ? " " : "");
	return NG_EXIT_USAGE;
}

int ng_cli_help(const char *text)
{
	fputs(text, stdout);
	return NG_EXIT_OK;
}

void ng_cli_print_diags(const struct ng_policy *p)
{
	char line[1024];

	for (size_t i = 0; i < ng_policy_ndiags(p); i++)
		fprintf(stderr, "%s\n", ng_render_diag(ng_policy_diag(p, i), line, sizeof(line)));
}

int ng_cli_open(const struct ng_cli *cli, struct ng_cli_env *env)
{
	const char *paths[2] = { cli->config, NULL };
	struct ng_ctx_opts opts = {
		.root = cli->root,
		.policy_paths = cli->config ? paths : NULL,
		.no_builtin = cli->no_builtin,
	};
	struct ng_err err = { 0 };
	struct stat st;
	char msg[1024];
	int r;

	env->ctx = NULL;
	env->policy = NULL;
	env->rv = NULL;
	/* The default files are optional, a file named on the command line is not. */
	if (cli->config && stat(cli->config, &st) < 0) {
		ng_log(LOG_ERR, "%s: %s", cli->config, strerror(errno));
		return NG_EXIT_USAGE;
	}
	env->ctx = ng_ctx_new(&opts, &err);
	if (!env->ctx) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_USAGE;
	}
	if (cli->verbose)
		ng_ctx_set_trace(env->ctx, ng_log_trace, NULL);
	r = ng_policy_load(env->ctx, &env->policy, &err);
	if (ng_policy_ndiags(env->policy)) {
		ng_cli_print_diags(env->policy);
		return NG_EXIT_USAGE;
	}
	if (r < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_USAGE;
	}
	if (ng_resolver_new(env->ctx, env->policy, &env->rv, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_FAIL;
	}
	return NG_EXIT_OK;
}

void ng_cli_close(struct ng_cli_env *env)
{
	ng_log_changes_flush();	/* what the run queued for the history (ng_log_print_report) */
	ng_resolver_free(env->rv);
	env->rv = NULL;
	ng_policy_free(env->policy);
	ng_ctx_free(env->ctx);
	env->policy = NULL;
	env->ctx = NULL;
}

bool ng_cli_names_valid(char *const names[], size_t n)
{
	char q[80];

	for (size_t i = 0; i < n; i++) {
		if (!ng_ifname_valid(names[i])) {
			ng_log(LOG_ERR, "invalid interface name \"%s\"",
			       ng_render_quoted(names[i], q, sizeof(q)));
			return false;
		}
	}
	return true;
}

int ng_cli_ifaces(const struct ng_ctx *ctx, char *const names[], size_t n,
		  struct ng_iface **out, size_t *count, bool *failed)
{
	struct ng_err err = { 0 };
	char msg[1024];
	int r;

	*out = NULL;
	*count = 0;
	if (n == 0) {
		r = ng_iface_list(ctx, out, count, &err);
		if (r < 0) {
			ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
			*failed = true;
		}
		return r;
	}
	*out = calloc(n, sizeof(**out));
	if (!*out) {
		ng_log(LOG_ERR, "out of memory");
		*failed = true;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r = ng_iface_read(ctx, names[i], &(*out)[*count], &err);
		if (r == -ENODEV) {
			ng_log(LOG_ERR, "%s: no such interface", names[i]);
			*failed = true;
		} else if (r < 0) {
			ng_log(LOG_ERR, "%s: %s", names[i], ng_err_str(&err, msg, sizeof(msg)));
			*failed = true;
		} else {
			(*count)++;
		}
	}
	return 0;
}
