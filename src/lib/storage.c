/* SPDX-License-Identifier: GPL-2.0-or-later */
/* storage.c: /etc/pve/storage.cfg read as Proxmox reads it (PVE::SectionConfig parse_config
 * with PVE::Storage::Plugin's header and `local` rules): storages, their keys, shared or not. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define STORAGE_CFG_MAX (1u << 20)	/* pmxcfs's limit per file */

/* PVE::Storage::Plugin @SHARED_STORAGE: these types are shared whatever `shared` says. */
static const char *const shared_types[] = {
	"cephfs", "cifs", "drbd", "iscsi", "iscsidirect", "nfs", "pbs", "rbd", "zfs",
};

void ng_storage_cfg_free(struct ng_storage_cfg *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct ng_storage *s = &c->v[i];

		for (size_t j = 0; j < s->n; j++) {
			free(s->keys[j]);
			free(s->values[j]);
		}
		free(s->keys);
		free(s->values);
		free(s->type);
		free(s->id);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* PVE::JSONSchema parse_id: 2+ characters, /^[a-z][a-z0-9\-\_\.]*[a-z0-9]$/i. */
static bool storage_id_valid(const char *id, size_t n)
{
	if (n < 2 || !isalpha((unsigned char)id[0]) || !isalnum((unsigned char)id[n - 1]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("-_.", id[i]))
			return false;
	return true;
}

static bool ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* `^(\S+):\s*(\S+)\s*$` (Plugin.pm parse_section_header), the type lowercased. The type's
 * \S+ is greedy: its colon is the last one that leaves a single word after it. Returns 1,
 * 0 when the line is no header, 2 for a header whose id PVE refuses (the section is
 * skipped), -ENOMEM. */
static int header(const char *p, const char *e, struct ng_storage *s)
{
	const char *q = p, *r, *c = NULL, *id, *ide;

	while (q < e && !ws(*q))
		q++;
	for (r = q; r < e && ws(*r); r++)
		;
	if (r == e) {
		/* "type:id": the last colon with a word after it. */
		for (const char *t = q - 1; t > p && !c; t--)
			if (*t == ':' && t + 1 < q)
				c = t;
		id = c ? c + 1 : NULL;
		ide = q;
	} else {
		/* "type: id": the colon ends the first word, one more word ends the line. */
		c = q - 1 > p && q[-1] == ':' ? q - 1 : NULL;
		id = r;
		for (ide = r; ide < e && !ws(*ide); ide++)
			;
		for (const char *t = ide; t < e; t++)
			if (!ws(*t))
				c = NULL;
	}
	if (!c)
		return 0;
	s->type = strndup(p, (size_t)(c - p));
	s->id = strndup(id, (size_t)(ide - id));
	if (!s->type || !s->id)
		return -ENOMEM;
	for (char *t = s->type; *t; t++)
		*t = (char)tolower((unsigned char)*t);
	return storage_id_valid(s->id, strlen(s->id)) ? 1 : 2;
}

static int add_kv(struct ng_storage *s, const char *k, size_t kl, const char *v, size_t vl)
{
	char **nk, **nv;

	nk = realloc(s->keys, (s->n + 1) * sizeof(*nk));
	if (nk)
		s->keys = nk;
	nv = realloc(s->values, (s->n + 1) * sizeof(*nv));
	if (nv)
		s->values = nv;
	if (!nk || !nv)
		return -ENOMEM;
	s->keys[s->n] = strndup(k, kl);
	s->values[s->n] = strndup(v, vl);
	if (!s->keys[s->n] || !s->values[s->n]) {
		free(s->keys[s->n]);
		free(s->values[s->n]);
		return -ENOMEM;
	}
	s->n++;
	return 1;
}

/* `^\s+(\S+)(\s+(.*\S))?\s*$`: a key and its value ("" for a flag such as `disable`). A
 * duplicate key keeps the first value, as SectionConfig does ("duplicate attribute"). */
static int property(const char *p, const char *e, struct ng_storage *s)
{
	const char *k = p, *ke, *v, *ve = e;

	if (k == e || !ws(*k))
		return 0;
	while (k < e && ws(*k))
		k++;
	for (ke = k; ke < e && !ws(*ke); ke++)
		;
	if (ke == k)
		return 0;
	for (v = ke; v < e && ws(*v); v++)
		;
	while (ve > v && ws(ve[-1]))
		ve--;
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->keys[i]) == (size_t)(ke - k) && !memcmp(s->keys[i], k, ke - k))
			return 0;
	return add_kv(s, k, (size_t)(ke - k), v, (size_t)(ve - v));
}

static struct ng_storage *add(struct ng_storage_cfg *c)
{
	struct ng_storage *nv = realloc(c->v, (c->n + 1) * sizeof(*nv));

	if (!nv)
		return NULL;
	c->v = nv;
	memset(&nv[c->n], 0, sizeof(nv[0]));
	return &nv[c->n++];
}

static void drop_last(struct ng_storage_cfg *c)
{
	struct ng_storage_cfg last = { .v = &c->v[c->n - 1], .n = 1 };

	/* Free the entry's contents without freeing the array it lives in. */
	for (size_t j = 0; j < last.v->n; j++) {
		free(last.v->keys[j]);
		free(last.v->values[j]);
	}
	free(last.v->keys);
	free(last.v->values);
	free(last.v->type);
	free(last.v->id);
	c->n--;
}

/* PVE::Storage::Plugin parse_config: `local` is always a dir storage at /var/lib/vz with
 * snippets among its contents when the file does not say so itself. */
static int local_rule(struct ng_storage_cfg *c)
{
	static const char local_content[] = "backup,images,iso,rootdir,snippets,vztmpl";
	const struct ng_storage *l = ng_storage_find(c, "local");
	const char *path = l ? ng_storage_get(l, "path") : NULL;
	struct ng_storage *s;

	if (l && strcmp(l->type, "dir") == 0 && (!path || strcmp(path, "/var/lib/vz") == 0))
		return 0;
	if (l) {
		/* Replace it where it stands: remove it, then add the built-in one. */
		size_t at = (size_t)(l - c->v);
		struct ng_storage keep = c->v[at];

		c->v[at] = c->v[c->n - 1];
		c->v[c->n - 1] = keep;
		drop_last(c);
	}
	s = add(c);
	if (!s)
		return -ENOMEM;
	s->type = strdup("dir");
	s->id = strdup("local");
	if (!s->type || !s->id || add_kv(s, "path", 4, "/var/lib/vz", 11) < 0 ||
	    add_kv(s, "content", 7, local_content, strlen(local_content)) < 0)
		return -ENOMEM;
	s->builtin = true;
	return 0;
}

int ng_storage_parse(const char *buf, size_t len, struct ng_storage_cfg *out)
{
	const char *p = buf, *end = buf + len;
	struct ng_storage *cur = NULL;
	bool skip = false;
	unsigned lineno = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (p < end && r >= 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *e, *t;

		if (!eol)
			eol = end;
		e = eol;
		lineno++;
		for (t = p; t < e && (ws(*t)); t++)
			;
		/* Comment lines (`^\s*#`) are skipped and do not end a section. */
		if (t < e && *t == '#') {
			p = eol + 1;
			continue;
		}
		/* An empty line ends a section; only a header starts one. */
		if (e == p) {
			cur = NULL;
		} else if (cur || skip) {
			if (cur)
				r = property(p, e, cur);
		} else {
			cur = add(out);
			if (!cur) {
				r = -ENOMEM;
				break;
			}
			cur->line = lineno;
			r = header(p, e, cur);
			if (r == 0 || r == 2) {
				/* Not a header: the line is ignored. A bad id: the section is. */
				skip = r == 2;
				drop_last(out);
				cur = NULL;
			}
		}
		if (e == p)
			skip = false;
		p = eol + 1;
	}
	if (r >= 0)
		r = local_rule(out);
	if (r < 0) {
		ng_storage_cfg_free(out);
		return -ENOMEM;
	}
	return 0;
}

const struct ng_storage *ng_storage_find(const struct ng_storage_cfg *c, const char *id)
{
	/* A second section of the same id replaces the first, as it does in PVE's hash. */
	for (size_t i = c->n; i-- > 0;)
		if (strcmp(c->v[i].id, id) == 0)
			return &c->v[i];
	return NULL;
}

const char *ng_storage_get(const struct ng_storage *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return s->values[i];
	return NULL;
}

/* PVE::Tools split_list: ',' ';' and blanks separate. Is word one of list's items? */
bool ng_storage_list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);

	while (list && *list) {
		size_t n = strcspn(list, ",; \t\n");

		if (n == wl && memcmp(list, word, wl) == 0)
			return true;
		list += n;
		list += strspn(list, ",; \t\n");
	}
	return false;
}

bool ng_storage_shared(const struct ng_storage *s)
{
	const char *v = ng_storage_get(s, "shared");

	for (size_t i = 0; i < NG_ARRAY_SIZE(shared_types); i++)
		if (strcmp(s->type, shared_types[i]) == 0)
			return true;
	return v && strcmp(v, "1") == 0;
}

bool ng_storage_has_content(const struct ng_storage *s, const char *content)
{
	return ng_storage_list_has(ng_storage_get(s, "content"), content);
}

bool ng_storage_on_node(const struct ng_storage *s, const char *node)
{
	const char *nodes = ng_storage_get(s, "nodes");

	/* No `nodes` list: every node. `local` never has one (Plugin.pm removes it). */
	return s->builtin || !nodes || !nodes[0] || strcmp(s->id, "local") == 0 ||
	       ng_storage_list_has(nodes, node);
}

bool ng_storage_enabled(const struct ng_storage *s)
{
	const char *d = ng_storage_get(s, "disable");

	return !d || strcmp(d, "0") == 0;
}

int ng_storage_load(const struct ng_ctx *ctx, struct ng_storage_cfg *out, struct ng_err *err)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (ng_path(ctx, path, sizeof(path), "/etc/pve/storage.cfg") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	r = ng_read_file(path, false, STORAGE_CFG_MAX, &buf, &len);
	if (r < 0 && r != -ENOENT)
		return ng_err_set(err, r, path, 0, "cannot read: %s", strerror(-r));
	r = ng_storage_parse(buf ? buf : "", len, out);
	free(buf);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	return 0;
}

int ng_storage_snippets_dir(const struct ng_ctx *ctx, const struct ng_storage *s, char *dir,
			    size_t len)
{
	const char *path = ng_storage_get(s, "path"), *dirs = ng_storage_get(s, "content-dirs");
	char sub[256] = "snippets";

	if (!path || path[0] != '/')
		return -ENOENT;
	/* content-dirs snippets=SUBDIR moves it (Plugin.pm get_subdir). */
	while (dirs && *dirs) {
		size_t n = strcspn(dirs, ",; \t");

		if (n > 9 && n - 9 < sizeof(sub) && memcmp(dirs, "snippets=", 9) == 0)
			snprintf(sub, sizeof(sub), "%.*s", (int)(n - 9), dirs + 9);
		dirs += n;
		dirs += strspn(dirs, ",; \t");
	}
	return ng_path(ctx, dir, len, "%s/%s", path, sub) < 0 ? -ENAMETOOLONG : 0;
}
