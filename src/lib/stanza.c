/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stanza.c: /etc/network/interfaces (with source/source-directory) and its nicguard-* keys. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define MAX_DEPTH 8		/* source nesting; deeper is a loop or a mistake */
#define MAX_FILES 256		/* files read in all: a bound whatever the sources say */
#define MAX_FILE (4u << 20)

/* Words that end the option list of an `iface` stanza (interfaces(5), and ifupdown2's
 * `template`). Anything else inside a stanza is an option line. */
static const char *const stanza_words[] = {
	"allow-", "auto", "iface", "mapping", "no-auto-down", "no-scripts", "rename",
	"source", "source-directory", "template",
};

static bool is_stanza_word(const char *w, size_t len)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(stanza_words); i++) {
		size_t l = strlen(stanza_words[i]);

		if (stanza_words[i][l - 1] == '-' ? len > l && strncmp(w, stanza_words[i], l) == 0 :
		    len == l && strncmp(w, stanza_words[i], l) == 0)
			return true;
	}
	return false;
}

static int add_opt(struct ng_interfaces *f, const char *iface, const char *key, size_t klen,
		   const char *value, const char *file, unsigned line)
{
	struct ng_ifopt *o;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct ng_ifopt *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	o = &f->v[f->n];
	o->iface = strdup(iface);
	o->key = strndup(key, klen);
	o->value = strdup(value);
	o->file = file;
	o->line = line;
	if (!o->iface || !o->key || !o->value) {
		free(o->iface);
		free(o->key);
		free(o->value);
		return -ENOMEM;
	}
	f->n++;
	return 0;
}

/* Keep the name as the admin wrote it (without the root) for provenance; return the copy. */
static const char *add_file(struct ng_interfaces *f, const char *name)
{
	char **v = realloc(f->files, (f->nfiles + 1) * sizeof(*v));

	if (!v)
		return NULL;
	f->files = v;
	v[f->nfiles] = strdup(name);
	return v[f->nfiles] ? v[f->nfiles++] : NULL;
}

static int load_file(const struct ng_ctx *ctx, struct ng_interfaces *f, const char *name,
		     unsigned depth);

/* `source PATTERN`: a glob, relative to the including file's directory when relative. */
static int do_source(const struct ng_ctx *ctx, struct ng_interfaces *f, const char *from,
		     const char *pattern, unsigned line, unsigned depth)
{
	char rel[PATH_MAX], full[PATH_MAX];
	const char *slash = strrchr(from, '/');
	size_t plen = strlen(ng_ctx_root_prefix(ctx));
	glob_t g;
	int r = 0;

	if (pattern[0] == '/')
		snprintf(rel, sizeof(rel), "%s", pattern);
	else
		snprintf(rel, sizeof(rel), "%.*s/%s", slash ? (int)(slash - from) : 0, from,
			 pattern);
	if (ng_path(ctx, full, sizeof(full), "%s", rel) < 0)
		return ng_diags_add(&f->diags, from, line, "source path too long");
	if (glob(full, 0, NULL, &g) != 0)
		return 0;	/* ifupdown too lets a pattern match nothing */
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
		r = load_file(ctx, f, g.gl_pathv[i] + plen, depth + 1);
	globfree(&g);
	return r;
}

/* run-parts names only, as ifupdown's source-directory reads them. */
static bool part_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int do_source_dir(const struct ng_ctx *ctx, struct ng_interfaces *f, const char *from,
			 const char *dir, unsigned line, unsigned depth)
{
	char full[PATH_MAX], rel[PATH_MAX];
	const char *slash = strrchr(from, '/');
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (dir[0] == '/')
		snprintf(rel, sizeof(rel), "%s", dir);
	else
		snprintf(rel, sizeof(rel), "%.*s/%s", slash ? (int)(slash - from) : 0, from, dir);
	if (ng_path(ctx, full, sizeof(full), "%s", rel) < 0)
		return ng_diags_add(&f->diags, from, line, "source-directory path too long");
	d = opendir(full);
	if (!d)
		return 0;
	while ((de = readdir(d)) && r == 0) {
		if (part_name(de->d_name))
			r = ng_strv_push(&names, &n, de->d_name);
	}
	closedir(d);
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (r >= 0 && snprintf(path, sizeof(path), "%s/%s", rel, names[i]) <
			      (int)sizeof(path))
			r = load_file(ctx, f, path, depth + 1);
	}
	ng_strv_free(names, n);
	return r;
}

/* The next logical line: a trailing backslash joins the next physical line. */
static size_t next_line(const char *buf, size_t len, size_t pos, char **out, unsigned *nlines)
{
	size_t cap = 128, n = 0;
	char *s = malloc(cap);

	*nlines = 0;
	if (!s) {
		*out = NULL;
		return len;
	}
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		bool cont;

		(*nlines)++;
		while (l > 0 && (buf[pos + l - 1] == '\r'))
			l--;
		cont = l > 0 && buf[pos + l - 1] == '\\';
		if (cont)
			l--;
		if (n + l + 2 > cap) {
			char *t;

			cap = n + l + 2 + cap;
			t = realloc(s, cap);
			if (!t) {
				free(s);
				*out = NULL;
				return len;
			}
			s = t;
		}
		memcpy(s + n, buf + pos, l);
		n += l;
		pos = nl ? (size_t)(nl - buf) + 1 : len;
		if (!cont)
			break;
		s[n++] = ' ';
	}
	s[n] = '\0';
	*out = s;
	return pos;
}

static char *skip_blank(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}

/* Parse one file's text; `source` lines are followed only when ctx is given. */
static int parse_text(const struct ng_ctx *ctx, struct ng_interfaces *f, const char *buf,
		      size_t len, const char *file, unsigned depth)
{
	char *iface = NULL;
	unsigned lineno = 1;
	size_t pos = 0;
	int r = 0;

	while (pos < len && r >= 0) {
		unsigned first = lineno, nlines;
		char *line, *p, *rest;
		size_t wl;

		pos = next_line(buf, len, pos, &line, &nlines);
		if (!line) {
			r = -ENOMEM;
			break;
		}
		lineno += nlines;
		p = skip_blank(line);
		wl = word_len(p);
		if (!*p || *p == '#') {
			free(line);
			continue;
		}
		rest = skip_blank(p + wl);
		/* Trailing blanks are not part of a value (ifupdown strips them too). */
		for (size_t e = strlen(rest); e > 0 && (rest[e - 1] == ' ' || rest[e - 1] == '\t');
		     e--)
			rest[e - 1] = '\0';
		if (is_stanza_word(p, wl)) {
			free(iface);
			iface = NULL;
			if (wl == 5 && strncmp(p, "iface", 5) == 0) {
				size_t nl = word_len(rest);

				iface = strndup(rest, nl);
				if (!iface)
					r = -ENOMEM;
				else if (!nl)
					r = ng_diags_add(&f->diags, file, first,
							 "iface without a name");
			} else if (ctx && wl == 6 && strncmp(p, "source", 6) == 0) {
				r = do_source(ctx, f, file, rest, first, depth);
			} else if (ctx && wl == 16 && strncmp(p, "source-directory", 16) == 0) {
				r = do_source_dir(ctx, f, file, rest, first, depth);
			}
		} else if (iface && *iface) {
			r = add_opt(f, iface, p, wl, rest, file, first);
		}
		free(line);
	}
	free(iface);
	return r < 0 ? r : 0;
}

static int load_file(const struct ng_ctx *ctx, struct ng_interfaces *f, const char *name,
		     unsigned depth)
{
	char path[PATH_MAX];
	const char *kept;
	size_t len;
	char *buf;
	int r;

	if (depth > MAX_DEPTH)
		return ng_diags_add(&f->diags, name, 0,
				    "sourced more than %d levels deep; not read", MAX_DEPTH);
	/* A file that sources itself, or two that source each other, would otherwise be read
	 * again at every level: exponential work for udev and ifup. Each file is read once. */
	for (size_t i = 0; i < f->nfiles; i++)
		if (strcmp(f->files[i], name) == 0)
			return ng_diags_add(&f->diags, name, 0,
					    "sourced again (a source loop?); read once only");
	if (f->nfiles >= MAX_FILES)
		return ng_diags_add(&f->diags, name, 0, "more than %d files sourced; not read",
				    MAX_FILES);
	if (ng_path(ctx, path, sizeof(path), "%s", name) < 0)
		return ng_diags_add(&f->diags, name, 0, "path too long");
	r = ng_read_file(path, false, MAX_FILE, &buf, &len);
	if (r < 0) {
		if (r == -ENOENT && depth == 0)
			return 0;	/* a machine without ifupdown */
		return ng_diags_add(&f->diags, name, 0, "cannot read: %s", strerror(-r));
	}
	kept = add_file(f, name);
	r = kept ? parse_text(ctx, f, buf, len, kept, depth) : -ENOMEM;
	free(buf);
	return r;
}

int ng_interfaces_parse(struct ng_interfaces *f, const char *buf, size_t len, const char *name)
{
	const char *kept = add_file(f, name);

	return kept ? parse_text(NULL, f, buf, len, kept, 0) : -ENOMEM;
}

int ng_interfaces_load(const struct ng_ctx *ctx, struct ng_interfaces *f, struct ng_err *err)
{
	int r = load_file(ctx, f, NG_INTERFACES_FILE, 0);

	return r < 0 ? ng_err_set(err, r, NG_INTERFACES_FILE, 0, "%s", strerror(-r)) : 0;
}

void ng_interfaces_free(struct ng_interfaces *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].iface);
		free(f->v[i].key);
		free(f->v[i].value);
	}
	free(f->v);
	for (size_t i = 0; i < f->nfiles; i++)
		free(f->files[i]);
	free(f->files);
	ng_diags_free(&f->diags);
	memset(f, 0, sizeof(*f));
}

int ng_stanza_value(const char *key, const char *text, struct ng_origin origin,
		    struct ng_item **items, size_t *n, struct ng_err *err)
{
	enum ng_group group;
	enum ng_set set;
	const char *p = text;

	if (ng_key_lookup(key, &group, &set) < 0) {
		const char *s = ng_key_suggest(key);
		char which[16];
		const char *base = ng_key_without_variant(key, which, sizeof(which));

		if (base)
			return ng_err_set(err, -EINVAL, NULL, 0, "unknown key nicguard-%s: %s has no "
					  "%s-* variant (see nicguard.conf(5))", key, base, which);
		return ng_err_set(err, -EINVAL, NULL, 0, "unknown key nicguard-%s%s%s%s", key,
				  s ? " (did you mean nicguard-" : "", s ? s : "", s ? "?)" : "");
	}
	if (group == NG_ITR)
		return ng_err_set(err, -EINVAL, NULL, 0,
				  "nicguard-%s is a module parameter: set it in the policy and run "
				  "`nicguard modprobe --write`", key);
	if (group == NG_CMDLINE)
		return ng_err_set(err, -EINVAL, NULL, 0,
				  "nicguard-%s belongs to the boot configuration: set it in the "
				  "policy and run `nicguard cmdline --write`", key);
	/* Classic ifupdown joins a repeated key's values with newlines: each is one value. */
	do {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char *one = strndup(p, l);
		int r;

		if (!one)
			return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		r = ng_value_parse(group, set, one, origin, items, n, err);
		free(one);
		if (r < 0)
			return r;
		p = nl ? nl + 1 : NULL;
	} while (p);
	return 0;
}

int ng_stanza_items(const struct ng_interfaces *f, const char *ifname, struct ng_item **items,
		    size_t *n, struct ng_diags *d)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < f->n; i++) {
		const struct ng_ifopt *o = &f->v[i];
		struct ng_origin origin = { .file = o->file, .line = o->line };
		struct ng_err e = { 0 };

		if (strcmp(o->iface, ifname) != 0 || strncmp(o->key, "nicguard-", 9) != 0)
			continue;
		r = ng_stanza_value(o->key + 9, o->value, origin, items, n, &e);
		/* A bad value is the admin's to fix: note it with its place and go on. */
		if (r < 0 && r != -ENOMEM)
			r = ng_diags_add(d, o->file, o->line, "%s: %s", o->key, e.msg);
	}
	/* Sourced files that could not be read may hold this interface's keys. */
	for (size_t i = 0; r == 0 && i < f->diags.n; i++)
		r = ng_diags_add(d, f->diags.v[i].file, f->diags.v[i].line, "%s",
				 f->diags.v[i].msg);
	return r;
}
