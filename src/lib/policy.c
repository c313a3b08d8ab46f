/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.c: policy text -> ng_policy, each value carrying its file:line; printing it back
 * (reading the files: policyload.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* Section kinds by header word. Keep sorted: bsearch, and a unit test checks the order. */
static const struct kind {
	const char *name;
	enum ng_match match;
} kinds[] = {
	{ "driver", NG_MATCH_DRIVER },
	{ "interface", NG_MATCH_NAME },
	{ "mac", NG_MATCH_MAC },
	{ "pci", NG_MATCH_PCI },
	{ "pve", NG_MATCH_PVE },
	{ "watch", NG_MATCH_WATCH },
};

static const char *const builtin_drivers[] = { "e1000e", "virtio_net", "r8169" };

static int cmp_kind(const void *k, const void *e)
{
	return strcmp(k, ((const struct kind *)e)->name);
}

bool ng_policy_tables_sorted(void)
{
	return ng_table_sorted(kinds, NG_ARRAY_SIZE(kinds), sizeof(kinds[0]));
}

const char *ng_match_name(enum ng_match m)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(kinds); i++)
		if (kinds[i].match == m)
			return kinds[i].name;
	return "?";
}

static bool is_option_kind(enum ng_match m)
{
	return m == NG_MATCH_WATCH || m == NG_MATCH_PVE;
}

static void section_free(struct ng_section *s)
{
	for (size_t i = 0; i < s->npatterns; i++)
		free(s->patterns[i]);
	free(s->patterns);
	ng_items_free(s->items, s->nitems);
	for (size_t i = 0; i < s->nopts; i++) {
		free(s->opt_keys[i]);
		free(s->opt_values[i]);
	}
	free(s->opt_keys);
	free(s->opt_values);
	free(s->opt_lines);
	memset(s, 0, sizeof(*s));
}

struct ng_policy *ng_policy_new(void)
{
	return calloc(1, sizeof(struct ng_policy));
}

void ng_policy_free(struct ng_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsections; i++)
		section_free(&p->sections[i]);
	free(p->sections);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	ng_diags_free(&p->diags);
	free(p);
}

static struct ng_section *section_add(struct ng_policy *p)
{
	struct ng_section *v = realloc(p->sections, (p->nsections + 1) * sizeof(*v));

	if (!v)
		return NULL;
	p->sections = v;
	memset(&v[p->nsections], 0, sizeof(v[0]));
	return &v[p->nsections++];
}

static int pattern_add(struct ng_section *s, const char *pat)
{
	char **v = realloc(s->patterns, (s->npatterns + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->patterns = v;
	v[s->npatterns] = strdup(pat);
	if (!v[s->npatterns])
		return -ENOMEM;
	s->npatterns++;
	return 0;
}

static int option_add(struct ng_section *s, const char *key, const char *value, unsigned line)
{
	char **k = realloc(s->opt_keys, (s->nopts + 1) * sizeof(*k));
	char **v;
	unsigned *l;

	if (!k)
		return -ENOMEM;
	s->opt_keys = k;
	v = realloc(s->opt_values, (s->nopts + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->opt_values = v;
	l = realloc(s->opt_lines, (s->nopts + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	s->opt_lines = l;
	k[s->nopts] = strdup(key);
	v[s->nopts] = strdup(value);
	l[s->nopts] = line;
	if (!k[s->nopts] || !v[s->nopts]) {
		free(k[s->nopts]);
		free(v[s->nopts]);
		return -ENOMEM;
	}
	s->nopts++;
	return 0;
}

int ng_policy_add_builtin(struct ng_policy *p)
{
	const struct ng_origin origin = { .file = "built-in", .line = 0 };

	for (size_t i = 0; i < NG_ARRAY_SIZE(builtin_drivers); i++) {
		struct ng_section *s = section_add(p);
		int r;

		if (!s)
			return -ENOMEM;
		s->kind = NG_MATCH_DRIVER;
		s->origin = origin;
		r = pattern_add(s, builtin_drivers[i]);
		if (r == 0)
			r = ng_value_parse(NG_OFFLOAD, NG_SET_NORMAL, "tso off gso off gro off",
					   origin, &s->items, &s->nitems, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The state of one ng_policy_parse call. Lines under a header too broken to make a section
 * go to `scratch`: still checked, so every diagnostic shows, then dropped. */
struct parser {
	struct ng_policy *p;
	const char *file;
	size_t cur;		/* index into p->sections; SIZE_MAX: none */
	bool in_scratch;
	struct ng_section scratch;
	size_t ndiags;
};

static struct ng_section *current(struct parser *ps)
{
	if (ps->in_scratch)
		return &ps->scratch;
	return ps->cur == SIZE_MAX ? NULL : &ps->p->sections[ps->cur];
}

static int diag(struct parser *ps, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a diagnostic and mark the current section bad. Returns 0 or -ENOMEM. */
static int diag(struct parser *ps, unsigned line, const char *fmt, ...)
{
	struct ng_section *s = current(ps);
	va_list ap;
	int r;

	if (s)
		s->bad = true;
	ps->ndiags++;
	va_start(ap, fmt);
	r = ng_diags_vadd(&ps->p->diags, ps->file, line, fmt, ap);
	va_end(ap);
	return r;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool only(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static bool mac_valid(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		bool colon = i % 3 == 2;

		if (colon ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

/* Why a pattern is not acceptable for a section kind, or NULL when it is. */
static const char *pattern_problem(enum ng_match kind, const char *pat)
{
	switch (kind) {
	case NG_MATCH_DRIVER:
		return only(pat, "_-.") ? NULL : "bad driver name";
	case NG_MATCH_NAME:
		if (!only(pat, "_-.@+*?[]!") || (!has_glob(pat) && strlen(pat) >= NG_IFNAMSIZ) ||
		    strlen(pat) > 64 || strcmp(pat, ".") == 0 || strcmp(pat, "..") == 0)
			return "bad interface name or glob";
		return NULL;
	case NG_MATCH_MAC:
		return mac_valid(pat) ? NULL : "bad MAC (expected six hex pairs like "
					       "aa:bb:cc:dd:ee:ff)";
	case NG_MATCH_PCI:
		return strspn(pat, "0123456789abcdefABCDEF:.*?[]!-") == strlen(pat) &&
		       strlen(pat) <= 64 ? NULL :
			"bad PCI address pattern (expected e.g. 0000:00:1f.6 or 0000:03:*)";
	default:
		return "takes no patterns";
	}
}

static int unknown_kind(struct parser *ps, unsigned lineno, const char *word)
{
	const char *names[NG_ARRAY_SIZE(kinds)];
	const char *hint;

	for (size_t i = 0; i < NG_ARRAY_SIZE(kinds); i++)
		names[i] = kinds[i].name;
	hint = ng_suggest(word, names, NG_ARRAY_SIZE(names));
	if (hint)
		return diag(ps, lineno, "unknown section \"%s\" (did you mean \"%s\"?)", word,
			    hint);
	return diag(ps, lineno, "unknown section \"%s\": use driver, interface, mac, pci, "
		    "watch or pve", word);
}

/* Start a section of a known kind; its patterns are w->v[1..]. A section with a bad
 * pattern still becomes current (marked bad), so its lines are checked as settings. */
static int open_section(struct parser *ps, const struct kind *k, struct ng_words *w,
			unsigned lineno)
{
	struct ng_section *s = section_add(ps->p);
	bool opt = is_option_kind(k->match);
	int r = 0;

	if (!s)
		return -ENOMEM;
	ps->in_scratch = false;
	ps->cur = ps->p->nsections - 1;
	s->kind = k->match;
	s->origin = (struct ng_origin){ .file = ps->file, .line = lineno };
	if (!opt && w->n == 1)
		return diag(ps, lineno, "empty section pattern: [%s] needs at least one %s",
			    k->name,
			    k->match == NG_MATCH_DRIVER ? "driver name" :
			    k->match == NG_MATCH_NAME ? "interface name or glob" :
			    k->match == NG_MATCH_MAC ? "MAC address" : "PCI address");
	if (opt && w->n > 1)
		return diag(ps, lineno, "[%s] takes no patterns", k->name);
	for (size_t i = 1; i < w->n && r == 0; i++) {
		const char *why = pattern_problem(k->match, w->v[i]);

		if (why)
			r = diag(ps, lineno, "%s: \"%s\"", why, w->v[i]);
		if (k->match == NG_MATCH_MAC)	/* matched case-insensitively; print one way */
			for (char *c = w->v[i]; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
		if (r == 0)
			r = pattern_add(&ps->p->sections[ps->cur], w->v[i]);
	}
	return r;
}

static int parse_header(struct parser *ps, const char *line, unsigned lineno)
{
	size_t len = strlen(line);
	const struct kind *k;
	struct ng_words w;
	char *inner;
	int r;

	/* Until the header proves good, lines go to a scratch option section: kept raw,
	 * so a misspelt [wacth] does not bury its error under "unknown key" noise. */
	section_free(&ps->scratch);
	ps->in_scratch = true;
	ps->scratch.kind = NG_MATCH_PVE;
	ps->scratch.bad = true;
	if (line[len - 1] != ']')
		return diag(ps, lineno, "malformed section header \"%s\": expected [KIND NAME...]",
			    line);
	inner = strndup(line + 1, len - 2);
	if (!inner)
		return -ENOMEM;
	r = ng_words_split(&w, inner);
	free(inner);
	if (r < 0)
		return r;
	if (w.n == 0) {
		r = diag(ps, lineno, "empty section header \"%s\"", line);
	} else {
		k = bsearch(w.v[0], kinds, NG_ARRAY_SIZE(kinds), sizeof(kinds[0]), cmp_kind);
		r = k ? open_section(ps, k, &w, lineno) : unknown_kind(ps, lineno, w.v[0]);
	}
	ng_words_free(&w);
	return r;
}

static void trim(char **s, char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
	**e = '\0';
}

static int parse_setting(struct parser *ps, struct ng_section *s, const char *key,
			 const char *value, unsigned lineno)
{
	struct ng_origin origin = { .file = ps->file, .line = lineno };
	struct ng_err err = { 0 };
	enum ng_group group;
	enum ng_set set;
	int r;

	if (ng_key_lookup(key, &group, &set) < 0) {
		const char *hint = ng_key_suggest(key);
		char which[16];
		const char *base = ng_key_without_variant(key, which, sizeof(which));

		if (base)
			return diag(ps, lineno, "unknown key \"%s\": %s has no %s-* variant "
				    "(see nicguard.conf(5))", key, base, which);
		if (hint)
			return diag(ps, lineno, "unknown key \"%s\" (did you mean \"%s\"?)", key,
				    hint);
		return diag(ps, lineno, "unknown key \"%s\"", key);
	}
	r = ng_value_parse(group, set, value, origin, &s->items, &s->nitems, &err);
	if (r == -ENOMEM)
		return r;
	return r < 0 ? diag(ps, lineno, "%s", err.msg) : 0;
}

static int parse_line(struct parser *ps, char *line, unsigned lineno)
{
	struct ng_section *s;
	char *eq, *ks, *ke, *vs, *ve;

	if (line[0] == '[')
		return parse_header(ps, line, lineno);
	eq = strchr(line, '=');
	if (!eq)
		return diag(ps, lineno,
			    "expected \"key = value\" or a [section] header, got \"%s\"", line);
	ks = line;
	ke = eq;
	vs = eq + 1;
	ve = line + strlen(line);
	trim(&ks, &ke);
	trim(&vs, &ve);
	s = current(ps);
	if (!*ks)
		return diag(ps, lineno, "missing key before '='");
	if (!only(ks, "-_."))
		return diag(ps, lineno, "bad key \"%s\"", ks);
	if (!s)
		return diag(ps, lineno, "\"%s\" before any section header", ks);
	if (!*vs)
		return diag(ps, lineno, "empty value for \"%s\"", ks);
	if (s->kind == NG_MATCH_WATCH) {
		struct ng_err werr = { 0 };
		int r = ng_watch_option_check(ks, vs, &werr) < 0 ?
			diag(ps, lineno, "%s", werr.msg) : 0;

		if (r < 0)
			return r;
	}
	if (is_option_kind(s->kind))
		return option_add(s, ks, vs, lineno);
	return parse_setting(ps, s, ks, vs, lineno);
}

int ng_policy_parse(struct ng_policy *p, const char *buf, size_t len, const char *name)
{
	struct parser ps = { .p = p, .cur = SIZE_MAX };
	size_t first = p->nsections;
	struct ng_lex lx;
	const char *line;
	unsigned lineno;
	char **files;
	int r;

	files = realloc(p->files, (p->nfiles + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	p->files = files;
	files[p->nfiles] = strdup(name);
	if (!files[p->nfiles])
		return -ENOMEM;
	ps.file = files[p->nfiles++];
	ng_lex_init(&lx, buf, len);
	while ((r = ng_lex_next(&lx, &line, &lineno)) > 0) {
		if (lx.ctrl)
			r = diag(&ps, lineno, "control character in line");
		else
			r = parse_line(&ps, lx.line, lineno);
		if (r < 0)
			break;
	}
	ng_lex_free(&lx);
	section_free(&ps.scratch);
	/* [pve] keys are pve.c's to know: its check adds their diagnostics here. */
	for (size_t i = first; r == 0 && i < p->nsections; i++) {
		if (p->sections[i].kind != NG_MATCH_PVE)
			continue;
		r = ng_pve_section_check(&p->sections[i], ps.file, &p->diags);
		if (r > 0) {
			p->sections[i].bad = true;
			ps.ndiags += (size_t)r;
			r = 0;
		}
	}
	if (r < 0)
		return r;
	return ps.ndiags ? -EINVAL : 0;
}

int ng_policy_print(const struct ng_policy *p, FILE *out)
{
	for (size_t i = 0; i < p->nsections; i++) {
		const struct ng_section *s = &p->sections[i];

		fprintf(out, "%s[%s", i ? "\n" : "", ng_match_name(s->kind));
		for (size_t j = 0; j < s->npatterns; j++)
			fprintf(out, " %s", s->patterns[j]);
		if (s->origin.line)
			fprintf(out, "]\t# %s:%u%s\n", s->origin.file, s->origin.line,
				s->bad ? " (has errors, ignored)" : "");
		else
			fprintf(out, "]\t# %s\n", s->origin.file ? s->origin.file : "built-in");
		ng_items_print(out, "", " =", s->items, s->nitems);
		for (size_t j = 0; j < s->nopts; j++)
			fprintf(out, "%s = %s\n", s->opt_keys[j], s->opt_values[j]);
	}
	return ferror(out) ? -EIO : 0;
}

size_t ng_policy_ndiags(const struct ng_policy *p)
{
	return p ? p->diags.n : 0;
}

const struct ng_diag *ng_policy_diag(const struct ng_policy *p, size_t i)
{
	return p && i < p->diags.n ? &p->diags.v[i] : NULL;
}

size_t ng_policy_nfiles(const struct ng_policy *p)
{
	return p ? p->nfiles : 0;
}

const char *ng_policy_file(const struct ng_policy *p, size_t i)
{
	return p && i < p->nfiles ? p->files[i] : NULL;
}

size_t ng_policy_nsections(const struct ng_policy *p)
{
	size_t n = 0;

	for (size_t i = 0; p && i < p->nsections; i++)
		n += p->sections[i].origin.line != 0;
	return n;
}
