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

#define VZDUMP_HOOK NG_LIBEXECDIR "/vzdump-hook"
#define GUEST_HOOK NG_LIBEXECDIR "/guest-hook"
#define SNIPPET "nicguard-guest-hook"

static const char help[] =
	"NAME\n"
	"    nicguard pve - wire nicguard into Proxmox VE\n"
	"\n"
	"SYNOPSIS\n"
	"    nicguard [--root DIR] pve enable-hook [--dry-run]\n"
	"    nicguard [--root DIR] pve disable-hook [--dry-run]\n"
	"    nicguard [--root DIR] pve install-hookscript [--storage NAME] [--dry-run]\n"
	"                                                 VMID...|--all\n"
	"    nicguard [--root DIR] pve unlock-stale [--dry-run]\n"
	"\n"
	"DESCRIPTION\n"
	"    enable-hook sets `script: " VZDUMP_HOOK "` in /etc/vzdump.conf.\n"
	"    An earlier script: stays in use: nicguard's hook calls it with the same\n"
	"    arguments and environment and passes on its exit status. The original file is\n"
	"    kept as /etc/nicguard/vzdump.conf.orig; vzdump.conf is written atomically.\n"
	"    Backup jobs with a script of their own (jobs.cfg, --script) are not changed.\n"
	"\n"
	"    disable-hook reverses it: the original file comes back byte for byte, or, when\n"
	"    vzdump.conf was edited since, only the script line is put back.\n"
	"\n"
	"    install-hookscript links " GUEST_HOOK " into the storage's\n"
	"    snippets directory as " SNIPPET " and sets it as each guest's hookscript\n"
	"    (qm set VMID --hookscript STORAGE:snippets/" SNIPPET ", pct for containers).\n"
	"    A guest with a hookscript of its own is left alone.\n"
	"\n"
	"    unlock-stale removes `lock: backup` from this node's guests with qm/pct unlock,\n"
	"    after checking that no backup runs (vzdump's lock in /proc/locks, the UPID in\n"
	"    /var/run/vzdump.pid, vzdump tasks in /var/log/pve/tasks/active). Other lock\n"
	"    values are never touched.\n"
	"\n"
	"    With --root DIR, Proxmox's tools are taken from DIR/usr/sbin as well.\n"
	"\n"
	"OPTIONS\n"
	"    --dry-run       print what would be done; change nothing\n"
	"    --storage NAME  the snippets storage (default: local)\n"
	"    --all           every guest of this node\n"
	"    -h, --help      show this help\n"
	"\n"
	"EXIT STATUS\n"
	"    0 done (or nothing to do), 1 something failed or a backup runs, 2 bad usage\n";

struct opts {
	bool dry_run, all;
	const char *storage;
	unsigned wait_s;	/* unlock-stale --wait: seconds to wait for a guest's flock */
};

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

static int hook(struct ng_ctx *ctx, const struct opts *o, bool enable)
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

/* root/snippets/NAME -> root + GUEST_HOOK: a link, so package upgrades reach it. */
static int link_snippet(struct ng_ctx *ctx, const char *dir, bool dry_run)
{
	char link[PATH_MAX], target[PATH_MAX], cur[PATH_MAX];
	ssize_t n;

	if (snprintf(link, sizeof(link), "%s/%s", dir, SNIPPET) >= (int)sizeof(link) ||
	    ng_path(ctx, target, sizeof(target), "%s", GUEST_HOOK) < 0) {
		ng_log(LOG_ERR, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	n = readlink(link, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (strcmp(cur, target) == 0)
			return 0;
		ng_log(LOG_ERR, "%s exists and points to %s, not %s: left alone", link, cur,
		       target);
		return -EEXIST;
	}
	if (errno != ENOENT) {
		ng_log(LOG_ERR, "%s exists and is not nicguard's link: left alone", link);
		return -EEXIST;
	}
	if (!dry_run && ((mkdir(dir, 0755) < 0 && errno != EEXIST) || symlink(target, link) < 0)) {
		int e = errno;

		ng_log(LOG_ERR, "%s: %s", link, strerror(e));
		return -e;
	}
	printf("%s %s -> %s\n", dry_run ? "would link" : "linked", link, target);
	return 0;
}

static int install(struct ng_ctx *ctx, const struct opts *o, int argc, char *argv[])
{
	char dir[PATH_MAX], volid[256];
	struct ng_guest *g;
	struct ng_err e;
	bool snippets;
	int status = NG_EXIT_OK;
	size_t n;

	if (o->all == (argc > 0)) {
		ng_log(LOG_ERR, "pve install-hookscript: give VMIDs or --all");
		return NG_EXIT_USAGE;
	}
	if (ng_pve_snippets_dir(ctx, o->storage, dir, sizeof(dir), &snippets, &e) < 0 ||
	    ng_pve_guests(ctx, &g, &n, &e) < 0) {
		ng_log(LOG_ERR, "%s%s%s", e.file, e.file[0] ? ": " : "", e.msg);
		return NG_EXIT_FAIL;
	}
	if (!snippets)
		ng_log(LOG_WARNING, "storage %s does not list the snippets content type: enable it "
		       "(pvesm set %s --content ...,snippets) or qm set will refuse", o->storage,
		       o->storage);
	snprintf(volid, sizeof(volid), "%s:snippets/%s", o->storage, SNIPPET);
	/* All or nothing for the arguments: a typo in one VMID changes no guest. */
	for (int i = 0; i < argc; i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found |= strspn(argv[i], "0123456789") == strlen(argv[i]) &&
				 strtoul(argv[i], NULL, 10) == g[j].vmid;
		if (!found) {
			ng_log(LOG_ERR, "guest %s: no such guest on this node", argv[i]);
			status = NG_EXIT_FAIL;
		}
	}
	if (status != NG_EXIT_OK || link_snippet(ctx, dir, o->dry_run) < 0) {
		free(g);
		return NG_EXIT_FAIL;
	}
	for (size_t j = 0; j < n; j++) {
		bool want = o->all;

		for (int i = 0; i < argc; i++)
			want |= strtoul(argv[i], NULL, 10) == g[j].vmid;
		if (!want)
			continue;
		if (g[j].hookscript[0] && strcmp(g[j].hookscript, volid) != 0) {
			ng_log(LOG_WARNING, "guest %u has its own hookscript %s: left alone",
			       g[j].vmid, g[j].hookscript);
			continue;
		}
		if (strcmp(g[j].hookscript, volid) == 0) {
			printf("guest %u: hookscript already %s\n", g[j].vmid, volid);
			continue;
		}
		printf("guest %u: %s %s set %u --hookscript %s\n", g[j].vmid,
		       o->dry_run ? "would run" : "ran", g[j].type == NG_GUEST_QEMU ? "qm" : "pct",
		       g[j].vmid, volid);
		if (!o->dry_run && ng_pve_set_hookscript(ctx, &g[j], volid, &e) < 0) {
			ng_log(LOG_ERR, "guest %u: %s", g[j].vmid, e.msg);
			status = NG_EXIT_FAIL;
		}
	}
	free(g);
	return status;
}

/* Guest ids from the command line: decimal, 1-999999999. */
static int parse_vmids(int argc, char *argv[], unsigned **out)
{
	unsigned *v = calloc((size_t)argc + 1, sizeof(*v));

	*out = v;
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		char *end;
		unsigned long id = strtoul(argv[i], &end, 10);

		if (!argv[i][0] || *end || argv[i][0] < '1' || argv[i][0] > '9' || id > 999999999UL) {
			ng_log(LOG_ERR, "pve: \"%s\" is not a guest id", argv[i]);
			return -EINVAL;
		}
		v[i] = (unsigned)id;
	}
	return 0;
}

static int unlock_stale(struct ng_ctx *ctx, const struct opts *o, int argc, char *argv[])
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

	if (parse_vmids(argc, argv, &vmids) < 0) {
		free(vmids);
		return NG_EXIT_USAGE;
	}
	uo.vmids = vmids;
	uo.nvmids = (size_t)argc;
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

		if (bad)
			status = NG_EXIT_FAIL;
		if (bad)
			ng_log(LOG_ERR, "guest %u: %s: %s", u->vmid,
			       ng_unlock_outcome_text(u->outcome), u->detail);
		else
			printf("guest %u: %s%s%s\n", u->vmid, ng_unlock_outcome_text(u->outcome),
			       u->detail[0] ? ": " : "", u->detail);
	}
	ng_unlock_report_free(&rep);
	return status;
}

static int run(const struct ng_cli *cli, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "storage", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .storage = "local", .wait_s = 10 };
	char *end;
	const char *sub;
	struct ng_ctx *ctx;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return argc < 2 ? (fputs(help, stderr), NG_EXIT_USAGE) : ng_cli_help(help);
	sub = argv[1];
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'n')
			o.dry_run = true;
		else if (c == 's')
			o.storage = optarg;
		else if (c == 'a')
			o.all = true;
		else if (c == 'w' && strcmp(sub, "unlock-stale") == 0 &&
			 (o.wait_s = (unsigned)strtoul(optarg, &end, 10), !*end && *optarg &&
			  o.wait_s <= 3600))
			continue;
		else if (c == 'w') {
			ng_log(LOG_ERR, "pve %s: --wait takes seconds (0-3600), for unlock-stale "
			       "only", sub);
			return NG_EXIT_USAGE;
		}
		else if (c == 'h')
			return ng_cli_help(help);
		else
			return ng_cli_bad_option("pve", argv);
	}
	if (strcmp(sub, "install-hookscript") != 0 &&
	    ((optind < argc && strcmp(sub, "unlock-stale") != 0) || o.all ||
						       strcmp(o.storage, "local") != 0)) {
		ng_log(LOG_ERR, "pve %s: unexpected arguments; see nicguard pve --help", sub);
		return NG_EXIT_USAGE;
	}
	if (strcmp(sub, "enable-hook") != 0 && strcmp(sub, "disable-hook") != 0 &&
	    strcmp(sub, "install-hookscript") != 0 && strcmp(sub, "unlock-stale") != 0) {
		ng_log(LOG_ERR, "pve: unknown subcommand \"%s\"; see nicguard pve --help", sub);
		return NG_EXIT_USAGE;
	}
	ctx = open_ctx(cli);
	if (!ctx)
		return NG_EXIT_USAGE;
	if (strcmp(sub, "install-hookscript") == 0)
		r = install(ctx, &o, argc - optind, argv + optind);
	else if (strcmp(sub, "unlock-stale") == 0)
		r = unlock_stale(ctx, &o, argc - optind, argv + optind);
	else
		r = hook(ctx, &o, strcmp(sub, "enable-hook") == 0);
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
