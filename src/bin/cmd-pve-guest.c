/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-pve-guest.c: `nicguard pve` for guest hookscripts: install and remove them, say that this
 * node has nicguard, and refuse a package removal that would strand a guest. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nicguard.h"
#include "cmd.h"
#include "log.h"
#include "pvecmd.h"

int pve_parse_vmids(int argc, char *const argv[], unsigned **out)
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

static void log_err(const struct ng_err *e)
{
	char msg[1024];

	ng_log(LOG_ERR, "%s", ng_err_str(e, msg, sizeof(msg)));
}

static const char *tool(const struct ng_guest *g)
{
	return g->type == NG_GUEST_QEMU ? "qm" : "pct";
}

/* The guests named on the command line, all of them this node's (qm and pct change only
 * those), or with --all every guest of this node that keep() accepts. All or nothing: a
 * typo changes no guest. Returns the chosen ones (caller frees) or NULL after saying why. */
static struct ng_guest *pick(struct ng_ctx *ctx, const struct pve_opts *o, const char *cmd,
			     size_t *n)
{
	struct ng_guest *all = NULL, *mine = NULL;
	char self[NG_NODE_MAX];
	unsigned *ids = NULL;
	size_t nall = 0, k = 0;
	struct ng_err e;
	bool bad = false;

	*n = 0;
	if (o->all == (o->argc > 0)) {
		ng_log(LOG_ERR, "pve %s: give VMIDs or --all", cmd);
		return NULL;
	}
	if (pve_parse_vmids(o->argc, o->argv, &ids) < 0)
		goto out;
	if (ng_pve_node_name(ctx, self, sizeof(self)) < 0) {
		ng_log(LOG_ERR, "not a running Proxmox VE node: no /etc/pve/local (is pve-cluster "
		       "running?)");
		goto out;
	}
	if (ng_pve_guests_all(ctx, &all, &nall, &e) < 0) {
		log_err(&e);
		goto out;
	}
	mine = calloc(nall + 1, sizeof(*mine));
	for (int i = 0; mine && i < o->argc; i++) {
		const struct ng_guest *g = NULL;

		for (size_t j = 0; j < nall; j++)
			if (all[j].vmid == ids[i])
				g = &all[j];
		if (!g)
			ng_log(LOG_ERR, "guest %u: no such guest in the cluster", ids[i]);
		else if (strcmp(g->node, self) != 0)
			ng_log(LOG_ERR, "guest %u is on node %s: run `nicguard pve %s %u` there",
			       g->vmid, g->node, cmd, g->vmid);
		bad |= !g || strcmp(g->node, self) != 0;
	}
	for (size_t j = 0; mine && !bad && j < nall; j++) {
		bool want = o->all;

		for (int i = 0; i < o->argc; i++)
			want |= all[j].vmid == ids[i];
		if (want && strcmp(all[j].node, self) == 0)
			mine[k++] = all[j];
	}
out:
	free(ids);
	free(all);
	if (!mine || bad) {
		free(mine);
		return NULL;
	}
	*n = k;
	return mine;
}

/* Say which nodes would not start a guest with volid, and what to do. */
static void print_gaps(const char *volid, const struct ng_pve_gaps *g)
{
	ng_log(LOG_ERR, "refusing: a guest with hookscript %s would not start on %zu node(s):",
	       volid, g->n);
	for (size_t i = 0; i < g->n; i++)
		ng_log(LOG_ERR, "  %s: %s", g->v[i].node, g->v[i].why);
	ng_log(LOG_ERR, "install nicguard on those nodes (`nicguard pve register` there says so "
	       "to the cluster), or put the hookscript on a snippets storage every node shares "
	       "(--storage NAME)");
}

/* The storage for the snippet, checked: it exists here and can hold snippets. */
static const struct ng_storage *snippet_storage(struct ng_ctx *ctx,
						const struct ng_storage_cfg *sc, const char *id,
						const char *self)
{
	const struct ng_storage *s = ng_storage_find(sc, id);
	char dir[PATH_MAX];

	if (!s || !ng_storage_enabled(s) || !ng_storage_on_node(s, self)) {
		ng_log(LOG_ERR, "storage %s: %s", id, !s ? "no such storage in storage.cfg" :
		       !ng_storage_enabled(s) ? "disabled" : "not available on this node");
		return NULL;
	}
	if (ng_storage_snippets_dir(ctx, s, dir, sizeof(dir)) == -ENOENT) {
		ng_log(LOG_ERR, "storage %s (%s) has no directory for snippets", id, s->type);
		return NULL;
	}
	if (!ng_storage_has_content(s, "snippets"))
		ng_log(LOG_WARNING, "storage %s does not list the snippets content type: enable "
		       "it (pvesm set %s --content ...,snippets) or qm set will refuse", id, id);
	return s;
}

/* Would a guest with volid start on every node once this node has the snippet? */
static int check_nodes(struct ng_ctx *ctx, const struct ng_storage_cfg *sc, const char *volid,
		       bool shared)
{
	struct ng_pve_cluster c;
	struct ng_pve_gaps g;
	struct ng_err e;
	int r;

	if (ng_pve_cluster_load(ctx, &c, &e) < 0) {
		log_err(&e);
		return -1;
	}
	/* What this run does here first: nicguard registered, the snippet in place. */
	if (ng_pve_cluster_assume(&c, c.self, shared ? NULL : volid) < 0) {
		ng_pve_cluster_free(&c);
		return -1;
	}
	r = ng_pve_hookscript_gaps(ctx, &c, sc, volid, GUEST_HOOK, NULL,
				   shared ? NG_GAPS_SHIM_COMING : 0, &g);
	if (r == 0 && g.n)
		print_gaps(volid, &g);
	r = r < 0 ? -1 : (int)g.n;
	ng_pve_gaps_free(&g);
	ng_pve_cluster_free(&c);
	return r;
}

static int set_guests(struct ng_ctx *ctx, const struct pve_opts *o, struct ng_guest *g, size_t n,
		      const char *volid)
{
	int status = NG_EXIT_OK;
	struct ng_err e;

	for (size_t j = 0; j < n; j++) {
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
		       o->dry_run ? "would run" : "ran", tool(&g[j]), g[j].vmid, volid);
		if (!o->dry_run && ng_pve_set_hookscript(ctx, &g[j], volid, &e) < 0) {
			ng_log(LOG_ERR, "guest %u: %s", g[j].vmid, e.msg);
			status = NG_EXIT_FAIL;
		}
	}
	return status;
}

int pve_install_hookscript(struct ng_ctx *ctx, const struct pve_opts *o)
{
	const char *store = o->storage ? o->storage : "local";
	const struct ng_storage *s;
	struct ng_storage_cfg sc;
	struct ng_pve_change ch;
	char volid[256], self[NG_NODE_MAX];
	struct ng_guest *g;
	struct ng_err e;
	int status = NG_EXIT_FAIL;
	size_t n;

	g = pick(ctx, o, "install-hookscript", &n);
	if (!g)
		return o->all == (o->argc > 0) ? NG_EXIT_USAGE : NG_EXIT_FAIL;
	if (ng_pve_node_name(ctx, self, sizeof(self)) < 0 || ng_storage_load(ctx, &sc, &e) < 0) {
		ng_log(LOG_ERR, "cannot read /etc/pve: is pve-cluster running?");
		free(g);
		return NG_EXIT_FAIL;
	}
	snprintf(volid, sizeof(volid), "%.200s:snippets/" NG_SNIPPET, store);
	s = snippet_storage(ctx, &sc, store, self);
	/* Never a hookscript that a node which may run the guest lacks: check them all
	 * before anything changes. */
	if (!s || check_nodes(ctx, &sc, volid, ng_storage_shared(s)) != 0)
		goto out;
	if (ng_pve_snippet_install(ctx, s, GUEST_HOOK, o->dry_run, &ch, &e) < 0) {
		log_err(&e);
		goto out;
	}
	if (ch.changed)
		printf("%s\n", ch.text);
	if (ng_pve_register(ctx, GUEST_HOOK, o->dry_run, &ch, &e) < 0) {
		log_err(&e);
		goto out;
	}
	if (ch.changed)
		printf("%s\n", ch.text);
	status = set_guests(ctx, o, g, n, volid);
out:
	ng_storage_cfg_free(&sc);
	free(g);
	return status;
}

int pve_remove_hookscript(struct ng_ctx *ctx, const struct pve_opts *o)
{
	int status = NG_EXIT_OK;
	struct ng_guest *g;
	struct ng_err e;
	size_t n;

	g = pick(ctx, o, "remove-hookscript", &n);
	if (!g)
		return o->all == (o->argc > 0) ? NG_EXIT_USAGE : NG_EXIT_FAIL;
	for (size_t j = 0; j < n; j++) {
		if (!ng_pve_volid_is_ours(g[j].hookscript)) {
			if (!o->all)
				ng_log(LOG_WARNING, "guest %u: hookscript %s is not nicguard's: left "
				       "alone", g[j].vmid, g[j].hookscript[0] ? g[j].hookscript :
				       "(none)");
			continue;
		}
		printf("guest %u: %s %s set %u --delete hookscript\n", g[j].vmid,
		       o->dry_run ? "would run" : "ran", tool(&g[j]), g[j].vmid);
		if (!o->dry_run && ng_pve_set_hookscript(ctx, &g[j], NULL, &e) < 0) {
			ng_log(LOG_ERR, "guest %u: %s", g[j].vmid, e.msg);
			status = NG_EXIT_FAIL;
		}
	}
	free(g);
	return status;
}

int pve_register(struct ng_ctx *ctx, const struct pve_opts *o)
{
	struct ng_storage_cfg sc;
	struct ng_pve_change ch;
	char self[NG_NODE_MAX];
	bool failed = false;
	struct ng_err e;
	int r;

	r = ng_pve_node_name(ctx, self, sizeof(self));
	if (r == -ENOENT) {
		printf("not a running Proxmox VE node (no /etc/pve/local): nothing to register\n");
		return NG_EXIT_OK;
	}
	if (r < 0 || ng_storage_load(ctx, &sc, &e) < 0) {
		ng_log(LOG_ERR, "cannot read /etc/pve: is pve-cluster running?");
		return NG_EXIT_FAIL;
	}
	/* The snippet on `local`, so every node offers the same volid, and on --storage. */
	for (int i = 0; i < 2; i++) {
		const char *id = i == 0 ? "local" : o->storage;
		const struct ng_storage *s;

		if (!id || (i == 1 && strcmp(id, "local") == 0))
			continue;
		s = snippet_storage(ctx, &sc, id, self);
		r = s ? ng_pve_snippet_install(ctx, s, GUEST_HOOK, o->dry_run, &ch, &e) : -EINVAL;
		if (r < 0)
			failed = true;
		if (r < 0 && r != -EINVAL)
			log_err(&e);
		else if (r == 0 && ch.changed)
			printf("%s\n", ch.text);
	}
	ng_storage_cfg_free(&sc);
	/* Registered all the same: the node file lists the snippets that are there, so the
	 * cluster knows nicguard is here and which volids it cannot start guests with. */
	if (ng_pve_register(ctx, GUEST_HOOK, o->dry_run, &ch, &e) < 0) {
		log_err(&e);
		return NG_EXIT_FAIL;
	}
	printf("%s\n", ch.text);
	return failed ? NG_EXIT_FAIL : NG_EXIT_OK;
}

int pve_unregister(struct ng_ctx *ctx, const struct pve_opts *o)
{
	struct ng_pve_change ch;
	struct ng_err e;

	if (ng_pve_unregister(ctx, o->dry_run, &ch, &e) < 0) {
		log_err(&e);
		return NG_EXIT_FAIL;
	}
	if (ch.changed)
		printf("%s\n", ch.text);
	return NG_EXIT_OK;
}

/* Every guest of the cluster that uses nicguard's hookscript and would not start on this
 * node without nicguard. */
int pve_check_removal(struct ng_ctx *ctx, const struct pve_opts *o)
{
	struct ng_storage_cfg sc = { 0 };
	struct ng_pve_cluster c;
	struct ng_guest *g = NULL;
	char path[PATH_MAX];
	struct stat st;
	struct ng_err e;
	size_t n = 0, bad = 0;
	int r;

	(void)o;
	r = ng_pve_cluster_load(ctx, &c, &e);
	if (r == -ENOENT && ng_path(ctx, path, sizeof(path), "/etc/pve") == 0 &&
	    stat(path, &st) < 0)
		return NG_EXIT_OK;	/* no Proxmox VE here: no guest to strand */
	if (r < 0 || ng_storage_load(ctx, &sc, &e) < 0 || ng_pve_guests_all(ctx, &g, &n, &e) < 0) {
		log_err(&e);
		ng_log(LOG_ERR, "cannot check the cluster's guests for nicguard's hookscript: "
		       "start pve-cluster and try again");
		if (r == 0)
			ng_pve_cluster_free(&c);
		ng_storage_cfg_free(&sc);
		return NG_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		struct ng_pve_gaps gaps;

		if (!ng_pve_volid_is_ours(g[i].hookscript) ||
		    ng_pve_hookscript_gaps(ctx, &c, &sc, g[i].hookscript, GUEST_HOOK, c.self, 0,
					   &gaps) < 0)
			continue;
		for (size_t j = 0; j < gaps.n; j++) {
			if (strcmp(gaps.v[j].node, c.self) != 0)
				continue;
			if (!bad++)
				ng_log(LOG_ERR, "these guests use nicguard's hookscript and would not "
				       "start on %s once nicguard is removed from it:", c.self);
			ng_log(LOG_ERR, "  guest %u (on %s): %s; fix: `nicguard pve "
			       "remove-hookscript %u` on %s", g[i].vmid, g[i].node,
			       g[i].hookscript, g[i].vmid, g[i].node);
		}
		ng_pve_gaps_free(&gaps);
	}
	if (bad)
		ng_log(LOG_ERR, "or give them the hookscript on a snippets storage every node "
		       "shares (`nicguard pve install-hookscript --storage NAME VMID`)");
	else
		printf("no guest in the cluster needs nicguard on %s\n", c.self);
	free(g);
	ng_storage_cfg_free(&sc);
	ng_pve_cluster_free(&c);
	return bad ? NG_EXIT_FAIL : NG_EXIT_OK;
}
