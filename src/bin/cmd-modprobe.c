/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-modprobe.c: `nicguard modprobe`: e1000e InterruptThrottleRate per port for modprobe.d. */
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
	"    nicguard modprobe - render /etc/modprobe.d/nicguard.conf from the policy\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] modprobe [--print] [--write] [--update-initramfs]\n"
	"\n"
	"DESCRIPTION\n"
	"    e1000e takes InterruptThrottleRate as an array: one value per port, in the order\n"
	"    the driver probes its ports (PCI address order); a port beyond the last value\n"
	"    silently gets the default, 3. This command resolves interrupt-throttle-rate from\n"
	"    the policy for every e1000e port of this machine and renders one line\n"
	"        options e1000e InterruptThrottleRate=V,V,...\n"
	"    with a comment per port saying where its value came from. Values must be 0 (off),\n"
	"    1 (dynamic), 3 (dynamic conservative, the default), 4 (simplified) or 100-100000\n"
	"    (interrupts per second); a value of 3 is reported, since it changes nothing.\n"
	"    A machine without e1000e ports gets a file covering the first port.\n"
	"\n"
	"    With --write the file is written atomically, never over a file nicguard did not\n"
	"    write, and the same setting is applied now as rx-usecs coalescing (on the live\n"
	"    system only, not under --root), so no driver reload is needed. Whether the\n"
	"    initramfs carries e1000e (and must be rebuilt) is printed.\n"
	"\n"
	"OPTIONS\n"
	"    --print             print the file to stdout (the default)\n"
	"    --write             write the file, apply rx-usecs now\n"
	"    --update-initramfs  run update-initramfs -u afterwards\n"
	"    -h, --help          show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done; 1 writing, applying or update-initramfs failed; 2 bad usage or an invalid\n"
	"    policy value.\n";

enum { OPT_PRINT = 1, OPT_WRITE = 2, OPT_INITRAMFS = 4 };

static int parse(int argc, char *argv[], unsigned *flags)
{
	static const struct option options[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "write", no_argument, NULL, 'w' },
		{ "update-initramfs", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'p': *flags |= OPT_PRINT; break;
		case 'w': *flags |= OPT_WRITE; break;
		case 'u': *flags |= OPT_INITRAMFS; break;
		case 'h': ng_cli_help(help); return NG_EXIT_OK;
		default: return ng_cli_bad_option("modprobe", argv);
		}
	}
	if (optind < argc) {
		ng_log(LOG_ERR, "modprobe: takes no arguments; see nicguard modprobe --help");
		return NG_EXIT_USAGE;
	}
	if (!(*flags & (OPT_WRITE | OPT_INITRAMFS)))
		*flags |= OPT_PRINT;
	return -1;
}

static void warn_defaults(const struct ng_modprobe *m)
{
	if (m->no_ports)
		ng_log(LOG_WARNING, "no e1000e port found: the file covers the first port only");
	for (size_t i = 0; i < m->n; i++)
		if (m->ports[i].from_policy && m->ports[i].itr == 3)
			ng_log(LOG_WARNING, "%s:%u: interrupt-throttle-rate 3 for %s is the "
			       "driver's default (dynamic conservative): it changes nothing",
			       m->ports[i].origin.file, m->ports[i].origin.line,
			       m->ports[i].ifname[0] ? m->ports[i].ifname : "the first port");
}

/* The same setting now, as rx-usecs: the apply path turns an interrupt-throttle-rate item
 * into it; only that group, the rest of the policy is `nicguard apply`'s. */
static int apply_now(const struct ng_cli_env *env, const struct ng_modprobe *m)
{
	const struct ng_target_opts o = { .groups = 1u << NG_ITR };
	int status = NG_EXIT_OK;

	if (strcmp(ng_ctx_root(env->ctx), "/") != 0) {
		printf("run-time rx-usecs not applied: --root is not the live system\n");
		return status;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct ng_itr_port *pt = &m->ports[i];
		struct ng_report rep = { 0 };
		struct ng_err err = { 0 };
		struct ng_applied out;
		struct ng_iface ifc;
		char line[1024];

		if (!pt->from_policy || !pt->ifname[0] ||
		    ng_iface_read(env->ctx, pt->ifname, &ifc, &err) < 0)
			continue;
		if (ng_apply_iface(env->rv, &ifc, &o, 0, &rep, &out, &err) < 0) {
			ng_log(LOG_ERR, "%s", ng_err_str(&err, line, sizeof(line)));
			status = NG_EXIT_FAIL;
		}
		ng_log_print_report(env->ctx, "modprobe", &rep);
		if (ng_report_failed(&rep))
			status = NG_EXIT_FAIL;
		ng_report_free(&rep);
	}
	return status;
}

static int initramfs(const struct ng_ctx *ctx, unsigned flags)
{
	/* With --print alone stdout is the file: notes go to stderr. */
	FILE *o = (flags & (OPT_WRITE | OPT_INITRAMFS)) ? stdout : stderr;
	char why[256], out[4096], msg[1024];
	struct ng_err err = { 0 };
	int status;

	switch (ng_initramfs_e1000e(ctx, why, sizeof(why))) {
	case NG_INITRAMFS_WITH:
		fprintf(o, "initramfs: e1000e is loaded from it (%s): %s\n", why,
		       flags & OPT_INITRAMFS ? "rebuilding it" :
		       "run `update-initramfs -u` (or --update-initramfs) for the options to count "
		       "at boot");
		break;
	case NG_INITRAMFS_WITHOUT:
		fprintf(o, "initramfs: not needed (%s); the options count when e1000e is next "
		       "loaded\n", why);
		break;
	default:
		fprintf(o, "initramfs: %s; the options count when e1000e is next loaded\n", why);
		break;
	}
	if (!(flags & OPT_INITRAMFS))
		return NG_EXIT_OK;
	if (ng_initramfs_update(ctx, &status, out, sizeof(out), &err) < 0) {
		ng_log(LOG_ERR, "update-initramfs: %s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_FAIL;
	}
	fputs(out, stdout);
	if (status != 0) {
		ng_log(LOG_ERR, "update-initramfs -u exited with status %d", status);
		return NG_EXIT_FAIL;
	}
	return NG_EXIT_OK;
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	struct ng_cli_env env = { 0 };
	struct ng_modprobe m = { 0 };
	struct ng_err err = { 0 };
	unsigned flags = 0;
	char *text = NULL, msg[1024];
	int r = parse(argc, argv, &flags), r2;

	if (r >= 0)
		return r;
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	if (ng_modprobe_plan(env.ctx, env.policy, &m, &err) < 0 ||
	    ng_modprobe_render(&m, &text, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		r = err.file[0] ? NG_EXIT_USAGE : NG_EXIT_FAIL;
		goto out;
	}
	warn_defaults(&m);
	if (flags & OPT_PRINT)
		fputs(text, stdout);
	if (flags & OPT_WRITE) {
		if (ng_modprobe_write(env.ctx, text, &err) < 0) {
			ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
			r = NG_EXIT_FAIL;
			goto out;
		}
		printf("wrote %s\n", NG_MODPROBE_FILE);
		r = apply_now(&env, &m);
	}
	r2 = initramfs(env.ctx, flags);
	if (r2 != NG_EXIT_OK)
		r = r2;
	if (fflush(stdout) != 0)
		r = NG_EXIT_FAIL;
out:
	free(text);
	ng_modprobe_free(&m);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_modprobe = {
	.name = "modprobe",
	.run = run,
	.summary = "render /etc/modprobe.d/nicguard.conf: e1000e InterruptThrottleRate per port",
};
