/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-status.c: `nicguard status`: interface facts, wanted settings, actual state, drift. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "render.h"
#include "status.h"

static const char help[] =
	"NAME\n"
	"    nicguard status - show interfaces, the settings the policy wants, and drift\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [-c FILE] [--root DIR] [--no-builtin] [-v] status [--json] [IFACE...]\n"
	"\n"
	"DESCRIPTION\n"
	"    For each named interface (or every interface when none is named) shows its\n"
	"    facts (ifindex, kind, driver, PCI address, MAC, master, up/down), then each\n"
	"    setting the policy wants with the place it comes from (FILE:LINE or built-in),\n"
	"    the value the device holds now, and whether it drifted: the device holds\n"
	"    something else than the policy wants (`nicguard apply` would change it, or the\n"
	"    driver refuses). Nothing is written: status compares through a dry run.\n"
	"    The last line says which cluster policy is in effect: /etc/pve/nicguard.conf, its\n"
	"    last-known copy (with its date, while /etc/pve is not mounted), or none.\n"
	"\n"
	"    --json prints one document:\n"
	"      {\"interfaces\": [{\"name\": \"eno1\", \"ifindex\": 2, \"kind\": \"physical\",\n"
	"        \"driver\": \"e1000e\", \"pci\": \"0000:00:1f.6\", \"mac\": \"...\", ...,\n"
	"        \"settings\": [{\"setting\": \"tso\", \"want\": \"off\", \"actual\": \"off\",\n"
	"          \"drift\": false, \"outcome\": \"already\", \"origin\": \"FILE:LINE\"}]}],\n"
	"       \"cluster_policy\": {\"source\": \"live|copy|none\", \"path\": \"...\"}}\n"
	"    Values that are unknown or absent are null.\n"
	"\n"
	"OPTIONS\n"
	"    --json       print JSON instead of text\n"
	"    -h, --help   show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0  status shown (drift does not change the exit status: test it with --json)\n"
	"    1  an interface is missing or could not be read\n"
	"    2  bad usage, an invalid interface name, or an invalid policy\n"
	"\n"
	"EXAMPLES\n"
	"    nicguard status eno1\n"
	"    nicguard status --json | jq '.interfaces[].settings[] | select(.drift)'\n";

/* What the section printers get for one interface. */
struct status_iface {
	const struct ng_iface *ifc;
	const struct ng_applied *out;	/* skipped, which layers are in force */
	const struct ng_report *rep;	/* a dry run of the apply path: actual state and drift */
	const struct ng_watch_event *events; /* nicguard-watch's recent events, all interfaces */
	size_t nevents;
	const struct ng_hist *hist;	/* the event history (status-history.c) */
};

static bool skipped(const struct status_iface *s)
{
	return s->out->outcome == NG_IFACE_SKIPPED;
}

/* One part of an interface's status. To show more (watch events, stanza provenance), add
 * a row to the table below: each printer adds lines in text and keys in JSON. */
struct status_section {
	void (*text)(const struct status_iface *s, FILE *out);
	void (*json)(const struct status_iface *s, struct ng_json *j);
};

static void facts_text(const struct status_iface *s, FILE *out)
{
	char line[512];

	fprintf(out, "%s\n", ng_render_facts(s->ifc, line, sizeof(line)));
}

static void facts_json(const struct status_iface *s, struct ng_json *j)
{
	ng_json_facts(j, s->ifc);
}

static const char *state_text(const struct ng_result *r, char *buf, size_t len)
{
	if (r->group == NG_ETHTOOL && r->outcome == NG_PLANNED)
		return "unknown (a pass-through line cannot be read back)";
	if (ng_result_drift(r))
		return r->outcome == NG_FIXED ? "DRIFT (fixed by the driver)" : "DRIFT";
	switch (r->outcome) {
	case NG_ALREADY:
		return "ok";
	case NG_UNSUPPORTED:
		snprintf(buf, len, "unsupported (%s)",
			 r->error ? strerror(-r->error) : "not supported by the device");
		return buf;
	default:
		snprintf(buf, len, "%s (%s)", ng_outcome_name(r->outcome),
			 r->error ? strerror(-r->error) : "see nicguard apply");
		return buf;
	}
}

static void settings_text(const struct status_iface *s, FILE *out)
{
	char want[NG_NAME_MAX + NG_TEXT_MAX + 16], state[NG_TEXT_MAX], where[300];

	if (skipped(s)) {
		fprintf(out, "  skipped (skip = yes) [%s]\n",
			ng_render_origin(&s->out->skip, where, sizeof(where)));
		return;
	}
	if (s->rep->n == 0) {
		fprintf(out, "  no settings\n");
		return;
	}
	for (size_t i = 0; i < s->rep->n; i++) {
		const struct ng_result *r = &s->rep->v[i];

		ng_render_setting(r, want, sizeof(want));
		fprintf(out, "  %-24s actual %-8s %s [%s]\n", want, r->was[0] ? r->was : "-",
			state_text(r, state, sizeof(state)),
			ng_render_origin(&r->origin, where, sizeof(where)));
	}
}

static void settings_json(const struct status_iface *s, struct ng_json *j)
{
	bool drift = false;

	ng_json_bool(j, "skip", skipped(s));
	ng_json_open(j, "settings", '[');
	for (size_t i = 0; i < s->rep->n; i++) {
		ng_json_result(j, &s->rep->v[i]);
		drift |= ng_result_drift(&s->rep->v[i]);
	}
	ng_json_close(j, ']');
	ng_json_bool(j, "drift", drift);
}

/* Which layers are in force beyond the policy: an open backup window, a watch escalation. */
static void layers_text(const struct status_iface *s, FILE *out)
{
	if (s->out->state & NG_TARGET_WINDOW)
		fprintf(out, "  backup window open: backup-* settings in force until job-end\n");
	if (s->out->state & NG_TARGET_ESCALATED)
		fprintf(out, "  escalated by nicguard-watch: watch-* settings in force\n");
}

static void layers_json(const struct status_iface *s, struct ng_json *j)
{
	ng_json_bool(j, "backup_window", (s->out->state & NG_TARGET_WINDOW) != 0);
	ng_json_bool(j, "escalated", (s->out->state & NG_TARGET_ESCALATED) != 0);
}

static bool event_of(const struct status_iface *s, size_t i)
{
	return strcmp(s->events[i].ifname, s->ifc->name) == 0;
}

static void events_text(const struct status_iface *s, FILE *out)
{
	for (size_t i = 0; i < s->nevents; i++) {
		const struct ng_watch_event *e = &s->events[i];
		char when[32];
		time_t t = (time_t)e->time;
		struct tm tm;

		if (!event_of(s, i))
			continue;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		fprintf(out, "  watch %s %s: %s: %s\n", when, e->sig, e->action, e->detail);
	}
}

static void events_json(const struct status_iface *s, struct ng_json *j)
{
	ng_json_open(j, "watch_events", '[');
	for (size_t i = 0; i < s->nevents; i++) {
		if (!event_of(s, i))
			continue;
		ng_json_open(j, NULL, '{');
		ng_json_int(j, "time", (long long)s->events[i].time);
		ng_json_str(j, "signature", s->events[i].sig);
		ng_json_str(j, "action", s->events[i].action);
		ng_json_str(j, "detail", s->events[i].detail);
		ng_json_close(j, '}');
	}
	ng_json_close(j, ']');
}

static void history_text(const struct status_iface *s, FILE *out)
{
	status_history_text(s->hist, s->ifc->name, out);
}

static void history_json(const struct status_iface *s, struct ng_json *j)
{
	status_history_json(s->hist, s->ifc->name, j);
}

static const struct status_section sections[] = {
	{ facts_text, facts_json },
	{ layers_text, layers_json },
	{ settings_text, settings_json },
	{ events_text, events_json },
	{ history_text, history_json },
};

/* Dry-run one interface through the apply path, then run every section printer. */
static void status_one(const struct ng_cli_env *env, const struct ng_iface *ifc,
		       const struct ng_watch_event *events, size_t nevents,
		       const struct ng_hist *hist, struct ng_json *j, bool *failed)
{
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	struct ng_applied out;
	struct status_iface s = { ifc, &out, &rep, events, nevents, hist };
	char msg[1024];
	int r;

	/* What udev, if-up.d and the hooks would apply now: drift is measured against that. */
	r = ng_apply_iface(env->rv, ifc, NULL, NG_APPLY_DRY_RUN, &rep, &out, &err);
	ng_log_diags(&rep.diags);
	if (r < 0) {
		ng_log(LOG_ERR, "%s: %s", ifc->name, ng_err_str(&err, msg, sizeof(msg)));
		*failed = true;
	}
	if (j)
		ng_json_open(j, NULL, '{');
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (j)
			sections[i].json(&s, j);
		else
			sections[i].text(&s, stdout);
	}
	if (j)
		ng_json_close(j, '}');
	ng_report_free(&rep);
}

/* Which cluster policy is in effect: /etc/pve/nicguard.conf, its last-known copy (at boot,
 * before /etc/pve is mounted), or none. */
static void cluster_policy(const struct ng_ctx *ctx, struct ng_json *j)
{
	static const char *const names[] = { "none", "live", "copy" };
	struct ng_cluster_policy cp;
	char when[32] = "";

	if (ng_cluster_policy_state(ctx, &cp) < 0)
		return;
	if (cp.source == NG_CLUSTER_COPY)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&cp.copied));
	if (j) {
		ng_json_open(j, "cluster_policy", '{');
		ng_json_str(j, "source", names[cp.source]);
		ng_json_str(j, "path", cp.path);
		if (cp.source == NG_CLUSTER_COPY)
			ng_json_int(j, "copied", (long long)cp.copied);
		ng_json_close(j, '}');
	} else if (cp.source == NG_CLUSTER_LIVE) {
		printf("cluster policy: %s\n", cp.path);
	} else if (cp.source == NG_CLUSTER_COPY) {
		printf("cluster policy: the last-known copy %s of %s (/etc/pve is not mounted)\n",
		       cp.path, when);
	} else {
		printf("cluster policy: none\n");
	}
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ng_cli_env env = { 0 };
	struct ng_watch_event *events = NULL;
	struct ng_hist hist = { 0 };
	struct ng_iface *ifs = NULL;
	struct ng_err err = { 0 };
	struct ng_json json;
	size_t nevents = 0;
	char msg[1024];
	bool failed = false, as_json = false;
	size_t n = 0, nnames;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = true;
			break;
		case 'h':
			return ng_cli_help(help);
		default:
			return ng_cli_bad_option("status", argv);
		}
	}
	nnames = (size_t)(argc - optind);
	if (!ng_cli_names_valid(argv + optind, nnames))
		return NG_EXIT_USAGE;
	r = ng_cli_open(cli, &env);
	if (r != NG_EXIT_OK)
		goto out;
	ng_cli_ifaces(env.ctx, argv + optind, nnames, &ifs, &n, &failed);
	/* No events file (no daemon, or nothing seen since boot) is no error. */
	if (ng_runstate_events_read(env.ctx, &events, &nevents, &err) < 0) {
		ng_log(LOG_WARNING, "watch events: %s", ng_err_str(&err, msg, sizeof(msg)));
		events = NULL;
		nevents = 0;
	}
	status_history_load(env.ctx, &hist);
	ng_json_init(&json, stdout);
	if (as_json) {
		ng_json_open(&json, NULL, '{');
		ng_json_open(&json, "interfaces", '[');
	}
	for (size_t i = 0; i < n; i++)
		status_one(&env, &ifs[i], events, nevents, &hist, as_json ? &json : NULL, &failed);
	if (as_json)
		ng_json_close(&json, ']');
	cluster_policy(env.ctx, as_json ? &json : NULL);
	if (as_json) {
		ng_json_close(&json, '}');
		if (ng_json_finish(&json) < 0)
			failed = true;
	} else if (fflush(stdout) != 0) {
		failed = true;
	}
	r = failed ? NG_EXIT_FAIL : NG_EXIT_OK;
out:
	ng_hist_free(&hist);
	free(events);
	free(ifs);
	ng_cli_close(&env);
	return r;
}

const struct ng_cmd ng_cmd_status = {
	.name = "status",
	.run = run,
	.summary = "show interfaces, wanted settings with their origin, actual state and drift",
};
