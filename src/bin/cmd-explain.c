/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-explain.c: `nicguard explain`: which sections match an interface, and why each value. */
#include <errno.h>
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
	"    nicguard explain - show how the policy resolves for one interface\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] [--no-builtin] explain IFACE\n"
	"\n"
	"DESCRIPTION\n"
	"    Prints the facts the policy matches on (driver, name, MAC, PCI address), the\n"
	"    policy files read, every section that matches IFACE with the FILE:LINE of its\n"
	"    header, and the resolved settings of each set with the FILE:LINE (or built-in)\n"
	"    and the layer (built-in, driver, interface glob, pci, mac, interface name,\n"
	"    stanza) each value comes from:\n"
	"        normal   what `nicguard apply` and the udev rule apply\n"
	"        backup   what the vzdump hook applies during a backup (backup-* keys)\n"
	"        watch    what nicguard-watch applies after a hang (watch-* keys)\n"
	"    When several sections set the same value, the later or more specific one wins:\n"
	"    built-in < [driver] < [interface GLOB] < [pci] < [mac] < [interface NAME] <\n"
	"    the nicguard-* keys of its /etc/network/interfaces stanza. Last, what is in\n"
	"    force now: an open backup window puts the backup set over the normal one, a\n"
	"    nicguard-watch escalation the watch set over all. On a Proxmox VE node, for\n"
	"    each storage backups go to: whether the vzdump hook would tighten IFACE as a\n"
	"    backup uplink for a job to it, and which rule chose the uplinks.\n"
	"    Nothing is read from or written to the device's settings.\n"
	"\n"
	"OPTIONS\n"
	"    -h, --help   show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0  explained\n"
	"    1  no such interface, or it could not be read\n"
	"    2  bad usage, an invalid interface name, or an invalid policy\n"
	"\n"
	"EXAMPLES\n"
	"    nicguard explain eno1\n"
	"    nicguard -c /tmp/candidate.conf explain eno1\n";

static void print_sections(const struct ng_target *t, const char *ifname)
{
	char where[300], head[512];

	printf("sections matching %s:\n", ifname);
	for (size_t i = 0; i < ng_target_nsections(t); i++) {
		enum ng_layer layer;
		const struct ng_section *s = ng_target_section(t, i, &layer);

		printf("  %-32s %s (%s)\n", ng_render_section(s, head, sizeof(head)),
		       ng_render_origin(&s->origin, where, sizeof(where)), ng_layer_name(layer));
	}
	if (!ng_target_nsections(t))
		printf("  none\n");
}

/* One resolved setting: "  offload = tso off    FILE:LINE (LAYER)". */
static void print_item(const struct ng_item *it)
{
	char setting[NG_NAME_MAX + NG_TEXT_MAX + 64], where[300];

	printf("  %-32s %s (%s)\n", ng_item_str(it, setting, sizeof(setting)),
	       ng_render_origin(&it->origin, where, sizeof(where)),
	       ng_layer_name(it->origin.layer));
}

/* Flags (skip, backup-uplink) once, then each set: the target's own lists. */
static void print_sets(const struct ng_target *t, const char *ifname)
{
	unsigned state = ng_target_state(t);

	printf("flags:%s\n", ng_target_count(t, NG_TARGET_FLAGS) ? "" : " none");
	for (size_t i = 0; i < ng_target_count(t, NG_TARGET_FLAGS); i++)
		print_item(ng_target_item(t, NG_TARGET_FLAGS, i));
	if (ng_target_skip(t))
		printf("  (skip = yes: nicguard leaves %s alone)\n", ifname);
	for (int set = 0; set < NG_SET_MAX; set++) {
		printf("%s settings:%s\n", ng_render_set_name((enum ng_set)set),
		       ng_target_count(t, set) ? "" : " none");
		for (size_t i = 0; i < ng_target_count(t, set); i++)
			print_item(ng_target_item(t, set, i));
	}
	if (state & NG_TARGET_WINDOW)
		printf("in force now: backup window open: backup settings over the normal ones\n");
	if (state & NG_TARGET_ESCALATED)
		printf("in force now: escalated by nicguard-watch: watch settings over all\n");
}

/* On a Proxmox VE node: is ifc a backup uplink for each storage backups go to (content
 * backup, or Proxmox Backup Server), and why (the vzdump hook picks them the same way). */
static void print_backup_uplinks(const struct ng_cli_env *env, const struct ng_iface *ifc)
{
	struct ng_storage_cfg sc;
	char node[NG_NODE_MAX], why[512];
	struct ng_err e;

	if (ng_pve_node_name(env->ctx, node, sizeof(node)) < 0 ||
	    ng_storage_load(env->ctx, &sc, &e) < 0)
		return;
	printf("backup uplink, per backup storage:\n");
	for (size_t i = 0; i < sc.n; i++) {
		const struct ng_storage *s = &sc.v[i];
		bool yes;

		if (ng_storage_find(&sc, s->id) != s || !ng_storage_enabled(s) ||
		    !ng_storage_on_node(s, node) ||
		    !(ng_storage_has_content(s, "backup") || strcmp(s->type, "pbs") == 0))
			continue;
		if (ng_backup_is_uplink(env->rv, s->id, ifc->name, &yes, why, sizeof(why), &e) < 0)
			printf("  %s: %s\n", s->id, e.msg);
		else
			printf("  %s: %s (%s)\n", s->id, yes ? "yes" : "no", why);
	}
	ng_storage_cfg_free(&sc);
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_cli_env env = { 0 };
	struct ng_target *t = NULL;
	struct ng_err err = { 0 };
	struct ng_iface ifc;
	char line[1024];
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h')
			return ng_cli_help(help);
		return ng_cli_bad_option("explain", argv);
	}
	if (argc - optind != 1) {
		ng_log(LOG_ERR, "explain: takes one interface name; see nicguard explain --help");
		return NG_EXIT_USAGE;
	}
	if (!ng_cli_names_valid(argv + optind, 1))
		return NG_EXIT_USAGE;
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	r = ng_iface_read(env.ctx, argv[optind], &ifc, &err);
	if (r < 0) {
		if (r == -ENODEV)
			ng_log(LOG_ERR, "%s: no such interface", argv[optind]);
		else
			ng_log(LOG_ERR, "%s: %s", argv[optind],
			       ng_err_str(&err, line, sizeof(line)));
		r = NG_EXIT_FAIL;
		goto out;
	}
	printf("%s\n", ng_render_facts(&ifc, line, sizeof(line)));
	printf("policy files:%s\n", ng_policy_nfiles(env.policy) ? "" : " none");
	for (size_t i = 0; i < ng_policy_nfiles(env.policy); i++)
		printf("  %s\n", ng_policy_file(env.policy, i));
	if (ng_target_resolve(env.rv, &ifc, NULL, &t, &err) < 0) {
		ng_log(LOG_ERR, "%s: %s", ifc.name, ng_err_str(&err, line, sizeof(line)));
		r = NG_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < ng_target_ndiags(t); i++) {
		const struct ng_diag *d = ng_target_diag(t, i);

		ng_log(LOG_WARNING, "%s:%u: %s", d->file, d->line, d->msg);
	}
	print_sections(t, ifc.name);
	print_sets(t, ifc.name);
	print_backup_uplinks(&env, &ifc);
	r = fflush(stdout) != 0 ? NG_EXIT_FAIL : NG_EXIT_OK;
out:
	ng_target_free(t);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_explain = {
	.name = "explain",
	.run = run,
	.summary = "show the sections matching IFACE and where each resolved value comes from",
};
