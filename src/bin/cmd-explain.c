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
	"    each value comes from:\n"
	"        normal   what `nicguard apply` and the udev rule apply\n"
	"        backup   what the vzdump hook applies during a backup (backup-* keys)\n"
	"        watch    what nicguard-watch applies after a hang (watch-* keys)\n"
	"    When several sections set the same value, the later or more specific one wins:\n"
	"    built-in < [driver] < [interface GLOB] < [pci] < [mac] < [interface NAME].\n"
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

/* Whether section s matches ifc, decided by the resolver itself: resolve a policy that
 * holds only s, so explain can never disagree with apply. */
static int section_matches(const struct ng_policy *p, size_t i, const struct ng_iface *ifc,
			   bool *match, struct ng_err *err)
{
	struct ng_policy one = *p;
	struct ng_wanted w = { 0 };
	int r;

	one.sections = &p->sections[i];
	one.nsections = 1;
	r = ng_resolve(&one, ifc, NG_SET_NORMAL, &w, err);
	*match = r == 0 && (w.matched || w.builtin);
	ng_wanted_free(&w);
	return r;
}

static int print_sections(const struct ng_policy *p, const struct ng_iface *ifc)
{
	char where[300], head[512];
	struct ng_err err = { 0 };
	bool any = false, match;

	printf("sections matching %s:\n", ifc->name);
	for (size_t i = 0; i < p->nsections; i++) {
		const struct ng_section *s = &p->sections[i];

		if (s->kind == NG_MATCH_WATCH || s->kind == NG_MATCH_PVE)
			continue;
		if (section_matches(p, i, ifc, &match, &err) < 0) {
			ng_log(LOG_ERR, "%s: %s", ifc->name, err.msg);
			return -1;
		}
		if (!match)
			continue;
		printf("  %-32s %s\n", ng_render_section(s, head, sizeof(head)),
		       ng_render_origin(&s->origin, where, sizeof(where)));
		any = true;
	}
	if (!any)
		printf("  none\n");
	return 0;
}

/* One resolved setting: "  offload = tso off    FILE:LINE". */
static void print_item(const struct ng_item *it)
{
	char setting[NG_NAME_MAX + NG_TEXT_MAX + 64], val[NG_TEXT_MAX], where[300];
	const char *key = ng_key_name(it->group, it->set);

	switch (it->group) {
	case NG_OFFLOAD:
	case NG_LINK:
	case NG_COALESCE:
	case NG_RING:
		snprintf(setting, sizeof(setting), "%s = %s %s", key ? key : "?", it->name,
			 ng_item_value_str(it, val, sizeof(val)));
		break;
	default:
		snprintf(setting, sizeof(setting), "%s = %s", key ? key : it->name,
			 ng_item_value_str(it, val, sizeof(val)));
		break;
	}
	printf("  %-32s %s\n", setting, ng_render_origin(&it->origin, where, sizeof(where)));
}

static int print_sets(const struct ng_policy *p, const struct ng_iface *ifc,
		      const struct ng_stanza *st)
{
	struct ng_err err = { 0 };
	char msg[1024];

	for (int set = 0; set < NG_SET_MAX; set++) {
		struct ng_wanted w = { 0 };
		size_t nflags = 0;

		/* The interface's nicguard-* stanza keys win, as in if-up.d. */
		if (ng_resolve(p, ifc, (enum ng_set)set, &w, &err) < 0 ||
		    ng_stanza_merge(&w, st->items, st->n, (enum ng_set)set) < 0) {
			ng_log(LOG_ERR, "%s: %s", ifc->name, ng_err_str(&err, msg, sizeof(msg)));
			ng_wanted_free(&w);
			return -1;
		}
		/* Flags (skip, backup-uplink) come with every set: show them once. */
		for (size_t i = 0; i < w.n; i++)
			nflags += w.items[i].group == NG_FLAG;
		if (set == NG_SET_NORMAL) {
			printf("flags:%s\n", nflags ? "" : " none");
			for (size_t i = 0; i < w.n; i++)
				if (w.items[i].group == NG_FLAG)
					print_item(&w.items[i]);
			if (ng_wanted_skip(&w))
				printf("  (skip = yes: nicguard leaves %s alone)\n", ifc->name);
		}
		printf("%s settings:%s\n", ng_render_set_name((enum ng_set)set),
		       w.n > nflags ? "" : " none");
		for (size_t i = 0; i < w.n; i++)
			if (w.items[i].group != NG_FLAG)
				print_item(&w.items[i]);
		ng_wanted_free(&w);
	}
	return 0;
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
		struct ng_iface *v = NULL;
		bool yes = false;
		size_t n = 0;

		if (ng_storage_find(&sc, s->id) != s || !ng_storage_enabled(s) ||
		    !ng_storage_on_node(s, node) ||
		    !(ng_storage_has_content(s, "backup") || strcmp(s->type, "pbs") == 0))
			continue;
		if (ng_backup_uplinks(env->ctx, env->policy, s->id, &v, &n, why, sizeof(why),
				      &e) < 0) {
			printf("  %s: %s\n", s->id, e.msg);
			continue;
		}
		for (size_t j = 0; j < n; j++)
			yes |= strcmp(v[j].name, ifc->name) == 0;
		printf("  %s: %s (%s)\n", s->id, yes ? "yes" : "no", why);
		free(v);
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
	struct ng_stanza st = { 0 };
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
	printf("policy files:%s\n", env.policy->nfiles ? "" : " none");
	for (size_t i = 0; i < env.policy->nfiles; i++)
		printf("  %s\n", env.policy->files[i]);
	if (ng_stanza_load(env.ctx, ifc.name, &st, &err) < 0) {
		ng_log(LOG_ERR, "%s: %s", ifc.name, ng_err_str(&err, line, sizeof(line)));
		r = NG_EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < st.diags.n; i++)
		ng_log(LOG_WARNING, "%s:%u: %s", st.diags.v[i].file, st.diags.v[i].line,
		       st.diags.v[i].msg);
	r = NG_EXIT_OK;
	if (print_sections(env.policy, &ifc) < 0 || print_sets(env.policy, &ifc, &st) < 0)
		r = NG_EXIT_FAIL;
	print_backup_uplinks(&env, &ifc);
	if (fflush(stdout) != 0)
		r = NG_EXIT_FAIL;
out:
	ng_stanza_free(&st);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_explain = {
	.name = "explain",
	.run = run,
	.summary = "show the sections matching IFACE and where each resolved value comes from",
};
