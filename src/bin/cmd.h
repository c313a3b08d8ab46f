/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd.h: the admin CLI's subcommand interface and the helpers every subcommand shares. */
#ifndef NICGUARD_CMD_H
#define NICGUARD_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "nicguard.h"

/* Exit status of the admin CLI. */
enum {
	NG_EXIT_OK = 0,		/* nothing failed */
	NG_EXIT_FAIL = 1,	/* an operation or a setting failed */
	NG_EXIT_USAGE = 2,	/* bad usage, or an invalid configuration */
};

/* The global options, given before the subcommand. */
struct ng_cli {
	const char *config;	/* -c FILE: the only policy file, or NULL for the default list */
	const char *root;	/* --root DIR, or NULL */
	bool no_builtin;	/* --no-builtin */
	bool verbose;		/* -v: library trace lines on stderr */
};

/* One subcommand. run() gets argv with argv[0] the subcommand's name and returns the exit
 * status; summary is the one line `nicguard --help` shows. */
struct ng_cmd {
	const char *name;
	int (*run)(const struct ng_cli *cli, int argc, char *argv[]);
	const char *summary;
};

extern const struct ng_cmd ng_cmd_apply;
extern const struct ng_cmd ng_cmd_status;
extern const struct ng_cmd ng_cmd_check;
extern const struct ng_cmd ng_cmd_explain;
extern const struct ng_cmd ng_cmd_modprobe;
extern const struct ng_cmd ng_cmd_sysctl;
extern const struct ng_cmd ng_cmd_doctor;
extern const struct ng_cmd ng_cmd_pve;
extern const struct ng_cmd ng_cmd_restore;
extern const struct ng_cmd ng_cmd_report;
extern const struct ng_cmd ng_cmd_cmdline;
extern const struct ng_cmd ng_cmd_revert;

/* A context with its policy loaded, and the resolver every interface is resolved with. */
struct ng_cli_env {
	struct ng_ctx *ctx;
	struct ng_policy *policy;
	struct ng_resolver *rv;
};

/* Build the context from the global options, load the policy and make the resolver. On any
 * problem prints every message (each diagnostic as FILE:LINE: msg) and returns
 * NG_EXIT_USAGE (NG_EXIT_FAIL when only the resolver failed); else NG_EXIT_OK.
 * ng_cli_close() is safe in every case. */
int ng_cli_open(const struct ng_cli *cli, struct ng_cli_env *env);
void ng_cli_close(struct ng_cli_env *env);

/* Print every diagnostic of p to stderr as FILE:LINE: msg. */
void ng_cli_print_diags(const struct ng_policy *p);

/* Check each of names[0..n) with ng_ifname_valid(); print the first bad one and return
 * false. */
bool ng_cli_names_valid(char *const names[], size_t n);

/* The interfaces to work on: each of names[0..n) (a missing or unreadable one is reported
 * on stderr and sets *failed), or every interface when n is 0. The caller frees *out.
 * Returns 0 or a negative errno (already reported). */
int ng_cli_ifaces(const struct ng_ctx *ctx, char *const names[], size_t n,
		  struct ng_iface **out, size_t *count, bool *failed);

/* Report an option getopt_long() refused (argv[optind - 1]) and return NG_EXIT_USAGE. */
int ng_cli_bad_option(const char *cmd, char *const argv[]);

/* Print a subcommand's help text to stdout and return NG_EXIT_OK. */
int ng_cli_help(const char *text);

#endif
