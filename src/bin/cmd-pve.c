/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-pve.c: `nicguard pve`: the vzdump hook in vzdump.conf, guest hookscripts, stale locks. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"

#include "pvecmd.h"

static const char help[] =
	"NAME\n"
	"    nicguard pve - wire nicguard into Proxmox VE\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [--root DIR] pve enable-hook [--dry-run]\n"
	"    nicguard [--root DIR] pve disable-hook [--dry-run]\n"
	"    nicguard [--root DIR] pve install-hookscript [--storage NAME] [--dry-run]\n"
	"                                                 VMID...|--all\n"
	"    nicguard [--root DIR] pve remove-hookscript [--dry-run] VMID...|--all\n"
	"    nicguard [--root DIR] pve register [--storage NAME] [--dry-run]\n"
	"    nicguard [--root DIR] pve unregister [--dry-run]\n"
	"    nicguard [--root DIR] pve check-removal\n"
	"    nicguard [--root DIR] pve cluster-sync [--dry-run] [--if-changed]\n"
	"    nicguard [--root DIR] pve unlock-stale [--dry-run] [--wait SECONDS] [VMID...]\n"
	"\n"
	"DESCRIPTION\n"
	"    enable-hook sets `script: " VZDUMP_HOOK "` in /etc/vzdump.conf.\n"
	"    The script: line vzdump used stays in use: nicguard's hook calls it with the same\n"
	"    arguments and environment and passes on its exit status. The original file is\n"
	"    kept as /etc/nicguard/vzdump.conf.orig; vzdump.conf is written atomically.\n"
	"    Backup jobs with a script of their own (jobs.cfg, --script) are not changed.\n"
	"\n"
	"    disable-hook reverses it: the original file comes back byte for byte, or, when\n"
	"    vzdump.conf was edited since, only the script line is put back.\n"
	"\n"
	"    install-hookscript puts nicguard's snippet " NG_SNIPPET " on the\n"
	"    storage (a link to " GUEST_HOOK "; on a storage all nodes share, a\n"
	"    script that runs it where nicguard is installed) and sets it as each guest's\n"
	"    hookscript (qm set VMID --hookscript STORAGE:snippets/" NG_SNIPPET ", pct\n"
	"    for containers). It refuses, naming them, when a cluster node that may run the\n"
	"    guest lacks nicguard or the snippet. A guest with a hookscript of its own is left\n"
	"    alone. remove-hookscript takes nicguard's hookscript off guests of this node.\n"
	"\n"
	"    register says to the cluster that this node has nicguard, and which snippets it\n"
	"    holds (/etc/pve/nodes/NODE/nicguard-node; the package does it), after linking the\n"
	"    snippet into the storage (default local); unregister removes that file.\n"
	"    check-removal lists the guests, on any node, that would not start here without\n"
	"    nicguard, and fails when there are any (the package's removal runs it).\n"
	"\n"
	"    cluster-sync keeps /var/lib/nicguard/cluster.conf, the copy of\n"
	"    /etc/pve/nicguard.conf that policy loading uses while /etc/pve is not mounted\n"
	"    (at boot, udev and ifupdown run before pve-cluster.service mounts it), equal to\n"
	"    the cluster file, and re-registers this node. With --if-changed it exits 0 only\n"
	"    when the copy changed (nicguard-cluster.service then applies the policy), 1 when\n"
	"    not.\n"
	"\n"
	"    unlock-stale removes `lock: backup` from this node's guests as Proxmox's own\n"
	"    remove_lock does (under the guest's config flock, the value checked again), after\n"
	"    checking that no backup runs (vzdump's lock in /proc/locks, the UPID in\n"
	"    /var/run/vzdump.pid, vzdump tasks in /var/log/pve/tasks/active). Other lock values\n"
	"    are never touched.\n"
	"\n"
	"    With --root DIR, Proxmox's tools are taken from DIR/usr/sbin as well.\n"
	"\n"
	"OPTIONS\n"
	"    --dry-run       print what would be done; change nothing\n"
	"    --storage NAME  the snippets storage (default: local)\n"
	"    --all           every guest of this node\n"
	"    --wait SECONDS  how long to wait for a guest's config flock (default 10)\n"
	"    --if-changed    cluster-sync: exit 1 when the copy did not change\n"
	"    -h, --help      show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done (or nothing to do), 1 something failed, a backup runs, or guests need\n"
	"    nicguard (check-removal), 2 bad usage\n";

static struct ng_ctx *open_ctx(const struct ng_cli *cli)
{
	const char *paths[2] = { cli->config, NULL };
	struct ng_ctx_opts o = {
		.root = cli->root,
		.policy_paths = cli->config ? paths : NULL,
		.no_builtin = cli->no_builtin,
	};
	struct ng_err e;
	struct ng_ctx *ctx = ng_ctx_new(&o, &e);

	if (!ctx)
		ng_log(LOG_ERR, "%s", e.msg);
	return ctx;
}

static int hook(struct ng_ctx *ctx, const struct pve_opts *o, bool enable)
{
	struct ng_pve_hook_change c;
	struct ng_err e;
	int r;

	r = enable ? ng_pve_hook_enable(ctx, VZDUMP_HOOK, o->dry_run, &c, &e) :
		     ng_pve_hook_disable(ctx, VZDUMP_HOOK, o->dry_run, &c, &e);
	if (r < 0) {
		char msg[1024];

		ng_log(LOG_ERR, "%s", ng_err_str(&e, msg, sizeof(msg)));
		return NG_EXIT_FAIL;
	}
	printf("%s\n", c.text);
	if (c.chain[0])
		printf("chained hook: %s\n", c.chain);
	return NG_EXIT_OK;
}

static int unlock_stale(struct ng_ctx *ctx, const struct pve_opts *o)
{
	struct ng_unlock_opts uo = {
		.timeout_ms = o->wait_s * 1000,
		.unless_backup_alive = true,
		.dry_run = o->dry_run,
	};
	struct ng_unlock_report rep;
	unsigned *vmids;
	struct ng_err e;
	int r, status = NG_EXIT_OK;

	if (pve_parse_vmids(o->argc, o->argv, &vmids) < 0) {
		free(vmids);
		return NG_EXIT_USAGE;
	}
	uo.vmids = vmids;
	uo.nvmids = (size_t)o->argc;
	r = ng_pve_unlock_stale(ctx, &uo, &rep, &e);
	free(vmids);
	if (r == -EAGAIN) {
		ng_log(LOG_ERR, "refusing: %s", e.msg);
		return NG_EXIT_FAIL;
	}
	if (r < 0) {
		ng_log(LOG_ERR, "refusing: %s%s%s", e.file, e.file[0] ? ": " : "", e.msg);
		return NG_EXIT_FAIL;
	}
	for (size_t i = 0; i < rep.n; i++) {
		const struct ng_unlock_result *u = &rep.v[i];
		bool bad = u->outcome == NG_UNLOCK_BUSY || u->outcome == NG_UNLOCK_FAILED ||
			   u->outcome == NG_UNLOCK_UNREADABLE;

		if (bad) {
			status = NG_EXIT_FAIL;
			ng_log(LOG_ERR, "guest %u: %s: %s", u->vmid,
			       ng_unlock_outcome_text(u->outcome), u->detail);
		} else {
			printf("guest %u: %s%s%s\n", u->vmid, ng_unlock_outcome_text(u->outcome),
			       u->detail[0] ? ": " : "", u->detail);
		}
	}
	ng_unlock_report_free(&rep);
	return status;
}

static int enable_hook(struct ng_ctx *ctx, const struct pve_opts *o)
{
	return hook(ctx, o, true);
}

static int disable_hook(struct ng_ctx *ctx, const struct pve_opts *o)
{
	return hook(ctx, o, false);
}

enum { O_DRY = 1, O_STORAGE = 2, O_ALL = 4, O_WAIT = 8, O_ARGS = 16, O_IF_CHANGED = 32 };

/* Keep the last-known copy of the cluster policy for early boot, and this node's
 * registration, up to date (nicguard-cluster.service runs it: after pve-cluster.service,
 * when /etc/pve/nicguard.conf changes here, and every minute for changes made on other
 * nodes, which no inotify watch on pmxcfs sees). */
static int cluster_sync(struct ng_ctx *ctx, const struct pve_opts *o)
{
	struct ng_pve_change ch, reg;
	struct ng_err e;

	if (ng_cluster_policy_sync(ctx, o->dry_run, &ch, &e) < 0) {
		char msg[1024];

		ng_log(LOG_ERR, "%s", ng_err_str(&e, msg, sizeof(msg)));
		return o->if_changed ? NG_EXIT_USAGE : NG_EXIT_FAIL;
	}
	printf("%s\n", ch.text);
	/* A node registered while the cluster had no quorum gets its file now. */
	if (ng_pve_register(ctx, GUEST_HOOK, o->dry_run, &reg, &e) < 0)
		ng_log(LOG_WARNING, "this node's registration: %s", e.msg);
	else if (reg.changed)
		printf("%s\n", reg.text);
	if (o->if_changed)
		return ch.changed ? NG_EXIT_OK : NG_EXIT_FAIL;
	return NG_EXIT_OK;
}

/* Keep sorted: bsearch. */
static const struct sub {
	const char *name;
	int (*run)(struct ng_ctx *ctx, const struct pve_opts *o);
	unsigned takes;		/* the options and arguments it accepts */
} subs[] = {
	{ "check-removal", pve_check_removal, 0 },
	{ "cluster-sync", cluster_sync, O_DRY | O_IF_CHANGED },
	{ "disable-hook", disable_hook, O_DRY },
	{ "enable-hook", enable_hook, O_DRY },
	{ "install-hookscript", pve_install_hookscript, O_DRY | O_STORAGE | O_ALL | O_ARGS },
	{ "register", pve_register, O_DRY | O_STORAGE },
	{ "remove-hookscript", pve_remove_hookscript, O_DRY | O_ALL | O_ARGS },
	{ "unlock-stale", unlock_stale, O_DRY | O_WAIT | O_ARGS },
	{ "unregister", pve_unregister, O_DRY },
};

static int sub_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct sub *)e)->name);
}

static int parse(const struct sub *sc, int argc, char *argv[], struct pve_opts *o)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "storage", required_argument, NULL, O_STORAGE },
		{ "all", no_argument, NULL, O_ALL },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "if-changed", no_argument, NULL, O_IF_CHANGED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h')
			return ng_cli_help(help);
		if (c == '?')
			return ng_cli_bad_option("pve", argv);
		if (!(sc->takes & (unsigned)c)) {
			ng_log(LOG_ERR, "pve %s: takes no %s; see nicguard pve --help", sc->name,
			       argv[optind - 1]);
			return NG_EXIT_USAGE;
		}
		if (c == O_DRY)
			o->dry_run = true;
		else if (c == O_STORAGE)
			o->storage = optarg;
		else if (c == O_ALL)
			o->all = true;
		else if (c == O_IF_CHANGED)
			o->if_changed = true;
		else if ((o->wait_s = (unsigned)strtoul(optarg, &end, 10), *end || !*optarg ||
			  o->wait_s > 3600)) {
			ng_log(LOG_ERR, "pve %s: --wait takes seconds, 0-3600", sc->name);
			return NG_EXIT_USAGE;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->argc > 0 && !(sc->takes & O_ARGS)) {
		ng_log(LOG_ERR, "pve %s: unexpected arguments; see nicguard pve --help", sc->name);
		return NG_EXIT_USAGE;
	}
	return -1;
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	struct pve_opts o = { .wait_s = 10 };
	const struct sub *sc;
	struct ng_ctx *ctx;
	int r;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return argc < 2 ? (fputs(help, stderr), NG_EXIT_USAGE) : ng_cli_help(help);
	sc = bsearch(argv[1], subs, sizeof(subs) / sizeof(subs[0]), sizeof(subs[0]), sub_cmp);
	if (!sc) {
		ng_log(LOG_ERR, "pve: unknown subcommand \"%s\"; see nicguard pve --help", argv[1]);
		return NG_EXIT_USAGE;
	}
	r = parse(sc, argc - 1, argv + 1, &o);
	if (r >= 0)
		return r;
	ctx = open_ctx(cli);
	if (!ctx)
		return NG_EXIT_USAGE;
	r = sc->run(ctx, &o);
	ng_ctx_free(ctx);
	if (fflush(stdout) != 0 && r == NG_EXIT_OK)
		r = NG_EXIT_FAIL;
	return r;
}

const struct ng_cmd ng_cmd_pve = {
	.name = "pve",
	.run = run,
	.summary = "Proxmox VE: vzdump hook, guest hookscripts, stale backup locks",
};
