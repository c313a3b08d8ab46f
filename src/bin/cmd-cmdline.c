/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-cmdline.c: `nicguard cmdline`: kernel parameters against NIC hangs in the boot config. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "render.h"

static const char help[] =
	"NAME\n"
	"    nicguard cmdline - kernel parameters against NIC hangs in the boot configuration\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] cmdline [--check | --write | --remove] [--dry-run]\n"
	"\n"
	"DESCRIPTION\n"
	"    Some fixes live on the kernel command line (pcie_aspm=off for r8169 and e1000e\n"
	"    ports). The policy asks for them with kernel-cmdline in the section of the ports\n"
	"    concerned; nothing is written unless it does. --check says, for each parameter,\n"
	"    where it was asked for, whether the boot configuration holds it, and whether the\n"
	"    running kernel was booted with it (/proc/cmdline).\n"
	"\n"
	"    --write puts the parameters into the boot configuration: on GRUB hosts the drop-in\n"
	"    /etc/default/grub.d/nicguard.cfg; on hosts booted by proxmox-boot-tool with\n"
	"    systemd-boot also the first line of /etc/kernel/cmdline (its original bytes kept in\n"
	"    /var/lib/nicguard/kernel-cmdline.orig). A parameter /etc/default/grub already gives\n"
	"    is not repeated. --remove takes out everything nicguard put there, the\n"
	"    /etc/kernel/cmdline byte for byte. nicguard never runs update-grub or\n"
	"    proxmox-boot-tool itself: it prints the command, and a reboot is needed after it.\n"
	"\n"
	"OPTIONS\n"
	"    --check     say what is asked for, written and booted (the default)\n"
	"    --write     write what the policy asks for (and take out what it no longer does)\n"
	"    --remove    take out everything nicguard wrote\n"
	"    --dry-run   with --write or --remove: say what would change, change nothing\n"
	"    -h, --help  show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done (a parameter not written or not booted yet is not an error); 1 writing\n"
	"    failed, or no boot configuration nicguard knows; 2 bad usage or an invalid policy.\n";

enum { OPT_CHECK = 1, OPT_WRITE = 2, OPT_REMOVE = 4, OPT_DRY_RUN = 8 };

static int parse(int argc, char *argv[], unsigned *flags)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "write", no_argument, NULL, 'w' },
		{ "remove", no_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned modes;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'c': *flags |= OPT_CHECK; break;
		case 'w': *flags |= OPT_WRITE; break;
		case 'r': *flags |= OPT_REMOVE; break;
		case 'n': *flags |= OPT_DRY_RUN; break;
		case 'h': return ng_cli_help(help);
		default: return ng_cli_bad_option("cmdline", argv);
		}
	}
	modes = *flags & (OPT_CHECK | OPT_WRITE | OPT_REMOVE);
	if (optind < argc || (modes & (modes - 1))) {
		ng_log(LOG_ERR, "cmdline: %s; see nicguard cmdline --help", optind < argc ?
		       "takes no arguments" : "--check, --write and --remove exclude each other");
		return NG_EXIT_USAGE;
	}
	if ((*flags & OPT_DRY_RUN) && !(modes & (OPT_WRITE | OPT_REMOVE))) {
		ng_log(LOG_ERR, "cmdline: --dry-run goes with --write or --remove");
		return NG_EXIT_USAGE;
	}
	if (!modes)
		*flags |= OPT_CHECK;
	return -1;
}

static void print_setup(const struct ng_cmdline *c)
{
	if (!c->grub && !c->kernel) {
		printf("boot configuration: none nicguard knows (no /etc/default/grub, no "
		       "proxmox-boot-tool with systemd-boot)\n");
		return;
	}
	printf("boot configuration: %s:%s%s%s%s; refreshed by `%s`\n",
	       c->pbt ? (c->efi ? "proxmox-boot-tool (EFI)" : "proxmox-boot-tool (legacy BIOS)") :
	       "GRUB", c->grub ? " GRUB drop-in " NG_CMDLINE_DROPIN : "",
	       c->grub && c->kernel ? " and" : "", c->kernel ? " systemd-boot " : "",
	       c->kernel ? NG_CMDLINE_KERNEL : "", c->refresh);
}

/* One line per parameter: why it is wanted, and how far it got. */
static void print_param(const struct ng_cmdline *c, const struct ng_cmdline_param *pm)
{
	char state[512];
	size_t o = 0;

	if (pm->grub_default_line)
		o += (size_t)snprintf(state + o, sizeof(state) - o, "already in /etc/default/grub:%u",
				      pm->grub_default_line);
	else if (!ng_cmdline_param_configured(c, pm))
		o += (size_t)snprintf(state + o, sizeof(state) - o,
				      "not written (nicguard cmdline --write)");
	else
		o += (size_t)snprintf(state + o, sizeof(state) - o, "written");
	if (ng_cmdline_param_configured(c, pm) && c->grub_cfg_read && !pm->rendered &&
	    o < sizeof(state))
		o += (size_t)snprintf(state + o, sizeof(state) - o,
				      ", not in /boot/grub/grub.cfg yet (run %s)", c->refresh);
	if (o < sizeof(state))
		snprintf(state + o, sizeof(state) - o, "%s", !c->proc_read ?
			 ", /proc/cmdline unreadable" : pm->booted ? ", booted" :
			 ng_cmdline_param_configured(c, pm) ? ", not booted yet (reboot)" :
			 ", not booted");
	printf("%s [%s:%u; %s]: %s\n", pm->word, pm->file, pm->line, pm->ifnames, state);
}

/* Words nicguard wrote that the policy no longer asks for. */
static void print_stale(const struct ng_cmdline *c, const char *what, const char *words)
{
	char list[NG_TEXT_MAX], *tok, *save;

	snprintf(list, sizeof(list), "%s", words);
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		bool wanted = false;

		for (size_t k = 0; k < c->n; k++)
			wanted |= strcmp(c->v[k].word, tok) == 0;
		if (!wanted)
			printf("%s: in %s, no longer asked for by the policy (--write takes it "
			       "out)\n", tok, what);
	}
}

static void check(const struct ng_cmdline *c)
{
	print_setup(c);
	if (c->n == 0)
		printf("no kernel-cmdline in the policy for any interface of this machine\n");
	for (size_t k = 0; k < c->n; k++)
		print_param(c, &c->v[k]);
	print_stale(c, NG_CMDLINE_DROPIN, c->dropin);
	print_stale(c, NG_CMDLINE_KERNEL, c->kernel_added);
}

static int change(const struct ng_ctx *ctx, const struct ng_cmdline *c, unsigned flags)
{
	bool dry = flags & OPT_DRY_RUN;
	struct ng_diags done = { 0 };
	struct ng_err err = { 0 };
	char msg[1024];
	size_t n;
	int r;

	r = flags & OPT_WRITE ? ng_cmdline_write(ctx, c, dry, &done, &err) :
				ng_cmdline_remove(ctx, c, dry, &done, &err);
	for (size_t i = 0; i < done.n; i++)
		printf("%s\n", done.v[i].msg);
	n = done.n;
	ng_diags_free(&done);
	if (r < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_FAIL;
	}
	if (n == 0)
		printf("nothing to change\n");
	else
		/* nicguard never refreshes the boot loader itself: the admin picks the moment. */
		printf("%s `%s`, then reboot: the kernel reads its command line only at boot\n",
		       dry ? "afterwards this needs" : "now run", c->refresh);
	return NG_EXIT_OK;
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	struct ng_cli_env env = { 0 };
	struct ng_cmdline c = { 0 };
	struct ng_err err = { 0 };
	unsigned flags = 0;
	char msg[1024];
	int r = parse(argc, argv, &flags);

	if (r >= 0)
		return r;
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	if (ng_cmdline_plan(env.ctx, env.policy, &c, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		r = NG_EXIT_FAIL;
		goto out;
	}
	if (flags & OPT_CHECK)
		check(&c);
	else
		r = change(env.ctx, &c, flags);
	if (fflush(stdout) != 0)
		r = NG_EXIT_FAIL;
out:
	ng_cmdline_free(&c);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_cmdline = {
	.name = "cmdline",
	.run = run,
	.summary = "kernel parameters (pcie_aspm=off) into the GRUB or systemd-boot command line",
};
