/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-report.c: `nicguard report`: did a change help? The history per interface and node. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "render.h"
#include "report.h"

static const char help[] =
	"NAME\n"
	"    nicguard report - hangs and drops before and after each change, from the history\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [--root DIR] report [--json] [--svg FILE] [--days N] [--until TIME]\n"
	"                                 [IFACE...]\n"
	"    nicguard [--root DIR] report --cluster [--json] [IFACE...]\n"
	"    nicguard [--root DIR] report --publish\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads the history nicguard keeps in /var/lib/nicguard/history (what nicguard-watch\n"
	"    detected and did, every setting change that took effect, the drop counters) and\n"
	"    shows, for each interface (or the ones named), over the last N days: the hang\n"
	"    episodes a day before and after each change that took effect on it, e.g.\n"
	"      3.2 hangs/day in the 10.0 days before `tso off` took effect on 2026-12-01\n"
	"      10:00 UTC, 0 in the 6.0 days since\n"
	"    and the rx drops a second before and after each rps change and each network\n"
	"    sysctl change; the last hang; the hangs since its settings took effect. Days are\n"
	"    the days nicguard-watch watched; times are UTC.\n"
	"\n"
	"    --cluster reads every node's summary from /etc/pve/nodes/*/nicguard-summary and\n"
	"    shows them side by side; --publish writes this node's (the hourly\n"
	"    nicguard-summary.timer runs it; a failed write, e.g. without quorum, is reported\n"
	"    and not an error).\n"
	"\n"
	"OPTIONS\n"
	"    --json        print JSON instead of text\n"
	"    --svg FILE    also draw hangs and drops per day, the changes marked, into FILE\n"
	"    --days N      how many days back (1 to 62, default 30)\n"
	"    --until TIME  end the window at TIME (YYYY-MM-DD[THH:MM[:SS]] UTC, or @SECONDS)\n"
	"                  instead of now\n"
	"    --cluster     every node's published summary, side by side\n"
	"    --publish     write this node's summary for the cluster\n"
	"    -h, --help    show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0  report shown (or summary published, or nothing to publish)\n"
	"    1  the history or a summary could not be read, or FILE not written\n"
	"    2  bad usage or an invalid interface name\n"
	"\n"
	"EXAMPLES\n"
	"    nicguard report eno1\n"
	"    nicguard report --svg /tmp/nics.svg && rsvg-convert /tmp/nics.svg >/tmp/nics.png\n"
	"    nicguard report --json | jq '.interfaces[] | {name, hangs, hangs_since}'\n"
	"    nicguard report --cluster\n";

struct opts {
	bool json, cluster, publish;
	const char *svg;
	unsigned days;
	int64_t until;
};

/* YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS (UTC), or @SECONDS. */
static int parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	if (s[0] == '@') {
		char *e;
		long long v = strtoll(s + 1, &e, 10);

		if (e == s + 1 || *e || v < 0)
			return -EINVAL;
		*out = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	}
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!end || *end)
		return -EINVAL;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "until", required_argument, NULL, 'u' },
		{ "cluster", no_argument, NULL, 'c' },
		{ "publish", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 's': o->svg = optarg; break;
		case 'c': o->cluster = true; break;
		case 'p': o->publish = true; break;
		case 'h': return ng_cli_help(help);
		case 'd':
			v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > NG_HISTORY_DAYS) {
				ng_log(LOG_ERR, "report: --days takes 1 to %d", NG_HISTORY_DAYS);
				return NG_EXIT_USAGE;
			}
			o->days = (unsigned)v;
			break;
		case 'u':
			if (parse_time(optarg, &o->until) < 0) {
				ng_log(LOG_ERR, "report: bad --until \"%.40s\" (YYYY-MM-DD, "
				       "YYYY-MM-DDTHH:MM[:SS] in UTC, or @SECONDS)", optarg);
				return NG_EXIT_USAGE;
			}
			break;
		default:
			return ng_cli_bad_option("report", argv);
		}
	}
	if ((o->publish && (o->cluster || o->json || o->svg || optind < argc)) ||
	    (o->cluster && o->svg)) {
		ng_log(LOG_ERR, "report: --publish takes nothing else, --cluster no --svg");
		return NG_EXIT_USAGE;
	}
	return -1;
}

static int finish_json(struct ng_json *j)
{
	return ng_json_finish(j) < 0 ? NG_EXIT_FAIL : NG_EXIT_OK;
}

/* The hourly timer's job: a failed write (no quorum) is said, and not an error. */
static int publish(const struct ng_ctx *ctx, const struct ng_hist *h, int64_t now)
{
	struct ng_summary s;
	struct ng_err err = { 0 };
	char node[64], *text, msg[1024];
	size_t len;
	int r = ng_summary_nodename(node, sizeof(node));

	if (r < 0) {
		ng_log(LOG_ERR, "report: this node's name is not one Proxmox VE takes");
		return NG_EXIT_FAIL;
	}
	if (ng_summary_make(h, node, now, &s) < 0 || ng_summary_render(&s, &text, &len) < 0) {
		ng_summary_free(&s);
		ng_log(LOG_ERR, "report: out of memory");
		return NG_EXIT_FAIL;
	}
	ng_summary_free(&s);
	r = ng_summary_publish(ctx, node, text, len, &err);
	free(text);
	if (r == -ENOENT)
		ng_log(LOG_INFO, "report: not a Proxmox VE node (no /etc/pve/nodes/%s): nothing "
		       "published", node);
	else if (r < 0)
		ng_log(LOG_WARNING, "report: summary not published%s: %s",
		       r == -EACCES || r == -EPERM ? " (no quorum?)" : "",
		       ng_err_str(&err, msg, sizeof(msg)));
	return NG_EXIT_OK;
}

static int cluster(const struct ng_ctx *ctx, const struct opts *o, char *const names[],
		   size_t n, int64_t now)
{
	struct ng_summary *v = NULL;
	struct ng_diags problems = { 0 };
	struct ng_json j;
	size_t nv = 0;
	char line[1024];
	int r = ng_summary_read_all(ctx, &v, &nv, &problems);

	for (size_t i = 0; i < problems.n; i++)
		ng_log(LOG_WARNING, "%s", ng_render_diag(&problems.v[i], line, sizeof(line)));
	if (r < 0) {
		ng_log(LOG_ERR, "report: out of memory");
	} else if (o->json) {
		ng_json_init(&j, stdout);
		report_cluster_json(v, nv, names, n, &j);
		r = finish_json(&j);
	} else {
		report_cluster_text(v, nv, names, n, now, stdout);
	}
	ng_summaries_free(v, nv);
	r = r < 0 || problems.n ? NG_EXIT_FAIL : r;
	ng_diags_free(&problems);
	return r;
}

static int svg(const struct ng_histreport *rep, const char *file)
{
	struct ng_err err = { 0 };
	char *text, node[64] = "", title[128], msg[1024];
	size_t len;
	int r;

	ng_summary_nodename(node, sizeof(node));
	snprintf(title, sizeof(title), "nicguard report%s%s: the last %u days", node[0] ? " of " : "",
		 node, rep->days);
	if (ng_histsvg_render(rep, title, &text, &len) < 0) {
		ng_log(LOG_ERR, "report: out of memory");
		return NG_EXIT_FAIL;
	}
	r = ng_atomic_write(file, text, len, 0644, &err);
	free(text);
	if (r < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_FAIL;
	}
	return NG_EXIT_OK;
}

static int node_report(const struct ng_hist *h, const struct opts *o, char *const names[],
		       size_t n, int64_t now)
{
	struct ng_histreport rep;
	struct ng_json j;
	int r;

	if (ng_histreport_make(h, now, o->days, (const char *const *)names, n, &rep) < 0) {
		ng_log(LOG_ERR, "report: out of memory");
		return NG_EXIT_FAIL;
	}
	if (o->json) {
		ng_json_init(&j, stdout);
		report_json(&rep, &j);
		r = finish_json(&j);
	} else {
		report_text(&rep, stdout);
		r = fflush(stdout) == 0 ? NG_EXIT_OK : NG_EXIT_FAIL;
	}
	if (o->svg && svg(&rep, o->svg) != NG_EXIT_OK)
		r = NG_EXIT_FAIL;
	ng_histreport_free(&rep);
	return r;
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	struct opts o = { .days = 30, .until = (int64_t)time(NULL) };
	/* The history does not depend on the policy: a policy with errors still reports. */
	const char *none[] = { NULL };
	struct ng_ctx_opts co = { .root = cli->root, .policy_paths = none };
	struct ng_err err = { 0 };
	struct ng_ctx *ctx;
	struct ng_hist h;
	char msg[1024];
	int r = parse_opts(argc, argv, &o);
	size_t n;

	if (r >= 0)
		return r;
	n = (size_t)(argc - optind);
	if (!ng_cli_names_valid(argv + optind, n))
		return NG_EXIT_USAGE;
	ctx = ng_ctx_new(&co, &err);
	if (!ctx) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		return NG_EXIT_USAGE;
	}
	if (o.cluster) {
		r = cluster(ctx, &o, argv + optind, n, o.until);
		ng_ctx_free(ctx);
		return r;
	}
	if (ng_history_read(ctx, &h, &err) < 0) {
		ng_log(LOG_ERR, "%s", ng_err_str(&err, msg, sizeof(msg)));
		ng_ctx_free(ctx);
		return NG_EXIT_FAIL;
	}
	if (h.damaged)
		ng_log(LOG_WARNING, "history: %zu damaged bytes skipped (a write cut short by a "
		       "crash, or a bad disk block)", h.damaged);
	r = o.publish ? publish(ctx, &h, o.until) : node_report(&h, &o, argv + optind, n, o.until);
	ng_hist_free(&h);
	ng_ctx_free(ctx);
	return r;
}

const struct ng_cmd ng_cmd_report = {
	.name = "report",
	.run = run,
	.summary = "hangs and drops before and after each change, per interface and node",
};
