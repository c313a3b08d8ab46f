/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-doctor.c: `nicguard doctor`: known NIC traps on this machine, each with a fix. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"

static const char help[] =
	"NAME\n"
	"    nicguard doctor - look for known NIC traps on this machine\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] doctor [--interval MS]\n"
	"\n"
	"DESCRIPTION\n"
	"    Checks, and prints each finding with its fix:\n"
	"    - Debian ethtool-hook keys (offload-*, hardware-irq-coalesce-*, ...) in\n"
	"      /etc/network/interfaces under ifupdown2, which silently ignores them, and\n"
	"      ifupdown2 ethtool keys on bridge stanzas, which its addon skips\n"
	"    - ifupdown2 set to run no if-up.d script (addon_scripts_support other than 1\n"
	"      in /etc/network/ifupdown2/ifupdown2.conf) while stanzas have nicguard-* keys\n"
	"    - e1000e InterruptThrottleRate=3 set explicitly (the default: changes nothing)\n"
	"    - an InterruptThrottleRate option with fewer values than e1000e ports\n"
	"    - e1000e loaded from an initramfs older than its modprobe.d options\n"
	"    - policy drift: a live interface holding other values than the policy wants\n"
	"    - Energy Efficient Ethernet on an e1000e or igc port whose policy says\n"
	"      nothing of eee (fix: eee = eee off)\n"
	"    - NIC hang signatures in the kernel ring buffer (/dev/kmsg, from the oldest),\n"
	"      and NETDEV WATCHDOG records in a format nicguard does not know\n"
	"    - rx_dropped or softnet drops rising while doctor watches (--interval)\n"
	"    - kernel-cmdline parameters not written (nicguard cmdline --write), or written\n"
	"      but not in /boot/grub/grub.cfg or not booted (/proc/cmdline)\n"
	"    - an r8169 or e1000e port that hung in this boot, or in one of the 3 boots\n"
	"      before it (persistent journal), while its PCIe link may enter ASPM\n"
	"      power-saving states (link/l0s_aspm, l1_aspm, the pcie_aspm policy)\n"
	"    Each finding is printed as\n"
	"        CHECK WHERE: what is wrong\n"
	"            fix: what to do\n"
	"\n"
	"OPTIONS\n"
	"    --interval MS  watch counters this long (default 1000; 0: do not sample)\n"
	"    -h, --help     show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 nothing found; 1 findings were printed; 2 bad usage or an invalid policy.\n";

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_cli_env env = { 0 };
	struct ng_doctor d = { 0 };
	struct ng_err err = { 0 };
	unsigned long interval = 1000;
	char msg[1024], *end;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h')
			return ng_cli_help(help);
		if (c != 'i')
			return ng_cli_bad_option("doctor", argv);
		interval = strtoul(optarg, &end, 10);
		if (end == optarg || *end || interval > 60000) {
			ng_log(LOG_ERR, "doctor: --interval takes milliseconds, 0-60000");
			return NG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		ng_log(LOG_ERR, "doctor: takes no arguments; see nicguard doctor --help");
		return NG_EXIT_USAGE;
	}
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	if (ng_doctor_run(env.ctx, env.policy, (unsigned)interval, &d, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		r = NG_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < d.n; i++)
		printf("%s %s: %s\n    fix: %s\n", d.v[i].check, d.v[i].where, d.v[i].what,
		       d.v[i].fix);
	for (size_t i = 0; i < d.notes.n; i++)
		fprintf(stderr, "note: %s%s%s\n", d.notes.v[i].file,
			d.notes.v[i].file[0] ? ": " : "", d.notes.v[i].msg);
	if (d.n == 0)
		printf("no known trap found\n");
	r = d.n ? NG_EXIT_FAIL : NG_EXIT_OK;
	if (fflush(stdout) != 0)
		r = NG_EXIT_FAIL;
out:
	ng_doctor_free(&d);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_doctor = {
	.name = "doctor",
	.run = run,
	.summary = "look for known NIC traps (config, module options, drift, kernel log, drops)",
};
