/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvenode.c: which cluster nodes have nicguard and its guest hookscript snippet (each says so
 * in /etc/pve/nodes/NODE/nicguard-node), the snippet itself, and where a guest using it
 * would not start. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

#define NODE_FILE "nicguard-node"
#define FILE_MAX (64u * 1024)
#define SHIM_HEAD "#!/bin/sh\n" NG_MARKER "\n"

/* ---------------------------------------------------------------- the node file */

int ng_pve_node_render(const char *hook, char *const *snippets, size_t n, char **out,
		       size_t *len)
{
	FILE *f = open_memstream(out, len);
	bool bad;

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n# nicguard is installed on this node; `nicguard pve install-hookscript` "
		"on any node reads\n# this file. Written by `nicguard pve register`, removed when "
		"the package is.\nguest-hook %s\n", NG_MARKER, hook);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "snippet %s\n", snippets[i]);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void node_clear(struct ng_pve_node *nd)
{
	ng_strv_free(nd->snippets, nd->nsnippets);
	nd->snippets = NULL;
	nd->nsnippets = 0;
	nd->nicguard = false;
}

int ng_pve_node_parse(const char *buf, size_t len, struct ng_pve_node *nd)
{
	const char *p = buf, *end = buf + len;
	size_t ml = strlen(NG_MARKER);

	node_clear(nd);
	/* Only nicguard's own file says anything: its marker comes first. */
	if (len < ml || memcmp(buf, NG_MARKER, ml) != 0)
		return 0;
	nd->nicguard = true;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!eol)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 8 && n < 256 && memcmp(p, "snippet ", 8) == 0) {
			char v[256];

			snprintf(v, sizeof(v), "%.*s", (int)(n - 8), p + 8);
			if (ng_strv_push(&nd->snippets, &nd->nsnippets, v) < 0)
				return -ENOMEM;
		}
		p = eol + 1;
	}
	return 0;
}

static int node_file(const struct ng_ctx *ctx, const char *node, char *path, size_t len)
{
	return ng_path(ctx, path, len, "/etc/pve/nodes/%s/" NODE_FILE, node);
}

bool ng_pve_node_provides(const struct ng_pve_node *nd, const char *volid)
{
	for (size_t i = 0; nd->nicguard && i < nd->nsnippets; i++)
		if (strcmp(nd->snippets[i], volid) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------- the cluster */

void ng_pve_cluster_free(struct ng_pve_cluster *c)
{
	for (size_t i = 0; i < c->n; i++)
		node_clear(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int add_node(struct ng_pve_cluster *c, const char *name, size_t len)
{
	struct ng_pve_node *nv;

	if (len == 0 || len >= NG_NODE_MAX || memchr(name, '/', len) || name[0] == '.')
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i].name) == len && memcmp(c->v[i].name, name, len) == 0)
			return 0;
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	memset(&nv[c->n], 0, sizeof(nv[0]));
	memcpy(nv[c->n].name, name, len);
	c->n++;
	return 0;
}

/* pmxcfs's /etc/pve/.members (status.c cfs_create_memberlist_msg): one line per member,
 * `  "NAME": { "id": N, "online": N, ...`, and "quorate": N. A single node without a
 * cluster lists none. */
static int members(const struct ng_ctx *ctx, struct ng_pve_cluster *c)
{
	char path[PATH_MAX], *buf, *line, *save = NULL;
	int r = 0;

	if (ng_path(ctx, path, sizeof(path), "/etc/pve/.members") < 0 ||
	    ng_read_file(path, false, FILE_MAX, &buf, NULL) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		char *q = strstr(line, "\"quorate\": ");
		char *name = line + strspn(line, " "), *e;

		if (q) {
			c->quorate_known = true;
			c->quorate = q[11] == '1';
		}
		if (*name != '"' || !(e = strchr(name + 1, '"')) ||
		    strncmp(e, "\": { \"id\":", 10) != 0)
			continue;
		r = add_node(c, name + 1, (size_t)(e - name - 1));
	}
	free(buf);
	return r;
}

static int node_dirs(const struct ng_ctx *ctx, struct ng_pve_cluster *c, struct ng_err *err)
{
	char **names;
	size_t n;
	int r = ng_pve_node_dirs(ctx, &names, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++)
		r = add_node(c, names[i], strlen(names[i]));
	ng_strv_free(names, n);
	return r == -ENOMEM ? ng_err_set(err, r, NULL, 0, "out of memory") : r;
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct ng_pve_node *)a)->name, ((const struct ng_pve_node *)b)->name);
}

int ng_pve_cluster_load(const struct ng_ctx *ctx, struct ng_pve_cluster *c, struct ng_err *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	r = ng_pve_node_name(ctx, c->self, sizeof(c->self));
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, r == -ENOENT ?
				  "not a running Proxmox VE node: no /etc/pve/local (is pve-cluster "
				  "running?)" : "cannot tell this node's name from /etc/pve/local: %s",
				  strerror(-r));
	/* The members pmxcfs knows; without a cluster, the node directories. A node directory
	 * that outlived its node (pvecm delnode leaves it) is no member. */
	r = members(ctx, c);
	if (r == 0 && c->n == 0)
		r = node_dirs(ctx, c, err);
	if (r == 0)
		r = add_node(c, c->self, strlen(c->self));
	for (size_t i = 0; r == 0 && i < c->n; i++) {
		char path[PATH_MAX], *buf;
		size_t len;
		int rr;

		if (node_file(ctx, c->v[i].name, path, sizeof(path)) < 0) {
			r = ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
			break;
		}
		rr = ng_read_file(path, true, FILE_MAX, &buf, &len);
		if (rr == -ENOENT)
			continue;
		if (rr < 0) {
			r = ng_err_set(err, rr, path, 0, "cannot read: %s", strerror(-rr));
			break;
		}
		rr = ng_pve_node_parse(buf, len, &c->v[i]);
		free(buf);
		if (rr < 0)
			r = ng_err_set(err, rr, NULL, 0, "out of memory");
	}
	if (r < 0) {
		if (r == -ENOMEM)
			ng_err_set(err, r, NULL, 0, "out of memory");
		ng_pve_cluster_free(c);
		return r;
	}
	qsort(c->v, c->n, sizeof(*c->v), cmp_node);
	return 0;
}

struct ng_pve_node *ng_pve_cluster_node(struct ng_pve_cluster *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

int ng_pve_cluster_assume(struct ng_pve_cluster *c, const char *node, const char *volid)
{
	struct ng_pve_node *nd = ng_pve_cluster_node(c, node);

	if (!nd)
		return -ENOENT;
	nd->nicguard = true;
	if (volid && !ng_pve_node_provides(nd, volid))
		return ng_strv_push(&nd->snippets, &nd->nsnippets, volid);
	return 0;
}

/* ------------------------------------------------------------------ the snippet */

/* "STORE:snippets/NAME" -> store, name. */
static bool volid_split(const char *volid, char *store, size_t slen, const char **name)
{
	const char *c = strchr(volid, ':');

	if (!c || (size_t)(c - volid) >= slen || strncmp(c + 1, "snippets/", 9) != 0)
		return false;
	snprintf(store, slen, "%.*s", (int)(c - volid), volid);
	*name = c + 10;
	return true;
}

bool ng_pve_volid_is_ours(const char *volid)
{
	char store[128];
	const char *name;

	return volid_split(volid, store, sizeof(store), &name) && strcmp(name, NG_SNIPPET) == 0;
}

/* The file a shared storage holds: a small script that runs the hook where it is installed
 * and lets the guest start without it elsewhere. */
static int shim_text(const char *hook, char *buf, size_t len)
{
	int n = snprintf(buf, len, SHIM_HEAD
			 "# nicguard's guest hookscript on a storage every node shares: it runs\n"
			 "# nicguard's guest hook where nicguard is installed; on a node without it\n"
			 "# the guest starts all the same.\n"
			 "[ -x %s ] || exit 0\nexec %s \"$@\"\n", hook, hook);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* root + storage s's snippets directory (dir) and nicguard's snippet in it (path), each
 * PATH_MAX bytes. Returns 0, -ENOENT (no directory: not a directory storage), -ENAMETOOLONG. */
static int snippet_path(const struct ng_ctx *ctx, const struct ng_storage *s, char *dir,
			char *path)
{
	int r = ng_storage_snippets_dir(ctx, s, dir, PATH_MAX);

	if (r < 0)
		return r;
	return snprintf(path, PATH_MAX, "%s/" NG_SNIPPET, dir) < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* What the snippet at path is: 1 nicguard's link to target (node-local storage), 2 its
 * shim, 0 none, -EEXIST someone else's file, another negative errno. */
static int snippet_kind(const char *path, const char *target)
{
	char cur[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, cur, sizeof(cur) - 1);
		if (n < 0)
			return -errno;
		cur[n] = '\0';
		return strcmp(cur, target) == 0 ? 1 : -EEXIST;
	}
	if (!S_ISREG(st.st_mode))
		return -EEXIST;
	r = ng_read_file(path, true, FILE_MAX, &buf, NULL);
	if (r < 0)
		return r;
	r = strncmp(buf, SHIM_HEAD, strlen(SHIM_HEAD)) == 0 ? 2 : -EEXIST;
	free(buf);
	return r;
}

int ng_pve_snippet_install(const struct ng_ctx *ctx, const struct ng_storage *s,
			   const char *hook, bool dry_run, struct ng_pve_change *out,
			   struct ng_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX], shim[8192];
	bool shared = ng_storage_shared(s);
	int kind, r;

	memset(out, 0, sizeof(*out));
	r = snippet_path(ctx, s, dir, path);
	if (r == -ENOENT)
		return ng_err_set(err, -ENOENT, NULL, 0, "storage %s has no directory for snippets "
				  "(type %s)", s->id, s->type);
	if (r < 0 || ng_path(ctx, target, sizeof(target), "%s", hook) < 0 ||
	    shim_text(target, shim, sizeof(shim)) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	kind = snippet_kind(path, target);
	if (kind == -EEXIST)
		return ng_err_set(err, -EEXIST, path, 0, "exists and is not nicguard's: left alone");
	if (kind < 0)
		return ng_err_set(err, kind, path, 0, "cannot read: %s", strerror(-kind));
	/* A shared storage gets the shim, so every node can start the guest; a node's own
	 * storage a link, so package upgrades reach it. */
	if (kind == (shared ? 2 : 1))
		return 0;
	out->changed = true;
	if (shared)
		snprintf(out->text, sizeof(out->text), "%s %.300s (runs %.300s where it is "
			 "installed)", dry_run ? "would write" : "wrote", path, target);
	else
		snprintf(out->text, sizeof(out->text), "%s %.300s -> %.300s", dry_run ?
			 "would link" : "linked", path, target);
	if (dry_run)
		return 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ng_err_set(err, -errno, dir, 0, "cannot create: %s", strerror(errno));
	if (shared)
		return ng_atomic_write(path, shim, strlen(shim), 0755, err);
	if (kind && unlink(path) < 0)
		return ng_err_set(err, -errno, path, 0, "cannot replace: %s", strerror(errno));
	r = symlink(target, path);
	if (r < 0)
		return ng_err_set(err, -errno, path, 0, "cannot link: %s", strerror(errno));
	return 0;
}

/* The volids of the snippet this node provides: nicguard's link in the snippets directory
 * of each enabled node-local storage here (a shared one's shim is no node's own). */
static int provided(const struct ng_ctx *ctx, const struct ng_storage_cfg *sc, const char *self,
		    const char *hook, char ***out, size_t *n)
{
	char target[PATH_MAX];

	*out = NULL;
	*n = 0;
	if (ng_path(ctx, target, sizeof(target), "%s", hook) < 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sc->n; i++) {
		const struct ng_storage *s = &sc->v[i];
		char dir[PATH_MAX], path[PATH_MAX], volid[256];

		if (ng_storage_find(sc, s->id) != s || ng_storage_shared(s) ||
		    !ng_storage_enabled(s) || !ng_storage_on_node(s, self) ||
		    snippet_path(ctx, s, dir, path) < 0)
			continue;
		if (snippet_kind(path, target) != 1)
			continue;
		snprintf(volid, sizeof(volid), "%.120s:snippets/" NG_SNIPPET, s->id);
		if (ng_strv_push(out, n, volid) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------- register this node */

int ng_pve_register(const struct ng_ctx *ctx, const char *hook, bool dry_run,
		    struct ng_pve_change *out, struct ng_err *err)
{
	struct ng_storage_cfg sc;
	char node[NG_NODE_MAX], path[PATH_MAX], **snip = NULL, *text = NULL, *cur = NULL;
	size_t nsnip = 0, len = 0, clen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = ng_pve_node_name(ctx, node, sizeof(node));
	if (r == -ENOENT) {
		snprintf(out->text, sizeof(out->text), "not a running Proxmox VE node (no "
			 "/etc/pve/local): nothing to register");
		return 0;
	}
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "cannot tell this node's name: %s", strerror(-r));
	r = ng_storage_load(ctx, &sc, err);
	if (r < 0)
		return r;
	r = provided(ctx, &sc, node, hook, &snip, &nsnip);
	if (r == 0)
		r = ng_pve_node_render(hook, snip, nsnip, &text, &len);
	ng_strv_free(snip, nsnip);
	ng_storage_cfg_free(&sc);
	if (r < 0 || !text || node_file(ctx, node, path, sizeof(path)) < 0) {
		free(text);
		return ng_err_set(err, r < 0 || !text ? -ENOMEM : -ENAMETOOLONG, NULL, 0,
				  "out of memory");
	}
	/* pmxcfs replicates every write to every node: write only what changed. */
	if (ng_read_file(path, true, FILE_MAX, &cur, &clen) == 0 && clen == len &&
	    memcmp(cur, text, len) == 0) {
		snprintf(out->text, sizeof(out->text), "%.400s: already up to date", path);
	} else {
		out->changed = true;
		snprintf(out->text, sizeof(out->text), "%s %.400s", dry_run ? "would write" :
			 "wrote", path);
		/* pmxcfs allows 0640 only; without quorum the write fails (read-only). */
		if (!dry_run && (r = ng_atomic_write_owned(path, text, len, 0640, err)) < 0 &&
		    (r == -EACCES || r == -EPERM || r == -EROFS))
			ng_err_set(err, r, path, 0, "cannot write: %s (no cluster quorum?)",
				   strerror(-r));
	}
	free(cur);
	free(text);
	return r;
}

int ng_pve_unregister(const struct ng_ctx *ctx, bool dry_run, struct ng_pve_change *out,
		      struct ng_err *err)
{
	char node[NG_NODE_MAX], path[PATH_MAX], *buf;
	int r;

	memset(out, 0, sizeof(*out));
	r = ng_pve_node_name(ctx, node, sizeof(node));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "cannot tell this node's name: %s", strerror(-r));
	if (node_file(ctx, node, path, sizeof(path)) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = ng_read_file(path, true, FILE_MAX, &buf, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	r = strncmp(buf, NG_MARKER, strlen(NG_MARKER)) == 0;
	free(buf);
	if (!r)
		return ng_err_set(err, -EEXIST, path, 0, "is not nicguard's: left alone");
	out->changed = true;
	snprintf(out->text, sizeof(out->text), "%s %.400s", dry_run ? "would remove" : "removed",
		 path);
	if (!dry_run && unlink(path) < 0)
		return ng_err_set(err, -errno, path, 0, "cannot remove: %s%s", strerror(errno),
				  errno == EACCES || errno == EPERM || errno == EROFS ?
				  " (no cluster quorum?)" : "");
	return 0;
}

/* ---------------------------------------------------------- where it would not start */

static int gap_add(struct ng_pve_gaps *g, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int gap_add(struct ng_pve_gaps *g, const char *node, const char *fmt, ...)
{
	struct ng_pve_gap *nv = realloc(g->v, (g->n + 1) * sizeof(*nv));
	va_list ap;

	if (!nv)
		return -ENOMEM;
	g->v = nv;
	memset(&nv[g->n], 0, sizeof(nv[0]));
	snprintf(nv[g->n].node, sizeof(nv[0].node), "%s", node);
	va_start(ap, fmt);
	vsnprintf(nv[g->n].why, sizeof(nv[0].why), fmt, ap);
	va_end(ap);
	g->n++;
	return 0;
}

void ng_pve_gaps_free(struct ng_pve_gaps *g)
{
	free(g->v);
	memset(g, 0, sizeof(*g));
}

int ng_pve_hookscript_gaps(const struct ng_ctx *ctx, const struct ng_pve_cluster *c,
			   const struct ng_storage_cfg *sc, const char *volid, const char *hook,
			   const char *leaving, unsigned flags, struct ng_pve_gaps *out)
{
	char store[128], dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	const struct ng_storage *s;
	const char *name;
	int kind = 0, r = 0;

	memset(out, 0, sizeof(*out));
	if (!volid_split(volid, store, sizeof(store), &name) || strcmp(name, NG_SNIPPET) != 0)
		return 0;	/* not nicguard's: its files are its owner's business */
	s = ng_storage_find(sc, store);
	if (ng_path(ctx, target, sizeof(target), "%s", hook) < 0)
		return -ENAMETOOLONG;
	if (s && ng_storage_shared(s) && snippet_path(ctx, s, dir, path) == 0) {
		kind = flags & NG_GAPS_SHIM_COMING ? 2 : snippet_kind(path, target);
	}
	for (size_t i = 0; i < c->n && r == 0; i++) {
		const struct ng_pve_node *nd = &c->v[i];
		bool has = nd->nicguard && !(leaving && strcmp(nd->name, leaving) == 0);

		if (!s || !ng_storage_enabled(s))
			r = gap_add(out, nd->name, "storage %s %s", store,
				    s ? "is disabled" : "does not exist");
		else if (!ng_storage_on_node(s, nd->name))
			r = gap_add(out, nd->name, "storage %s is not available there (nodes %s)",
				    store, ng_storage_get(s, "nodes"));
		else if (ng_storage_shared(s) && kind == 2)
			continue;	/* the shim: starts everywhere, with or without nicguard */
		else if (ng_storage_shared(s) && kind != 1)
			r = gap_add(out, nd->name, "the shared storage %s holds no %s", store,
				    NG_SNIPPET);
		else if (!has)
			r = gap_add(out, nd->name, "nicguard is not installed there%s",
				    leaving && strcmp(nd->name, leaving) == 0 ? " any more" : "");
		else if (!ng_storage_shared(s) && !ng_pve_node_provides(nd, volid))
			r = gap_add(out, nd->name, "nicguard there has no %s (run `nicguard pve "
				    "register --storage %s` there)", volid, store);
	}
	if (r < 0)
		ng_pve_gaps_free(out);
	return r;
}
