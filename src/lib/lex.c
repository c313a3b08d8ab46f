/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lex.c: the one line reader (comments, continuations, line numbers) and word splitter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

void ng_lex_init(struct ng_lex *lx, const char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->pos = buf;
	lx->end = buf + len;
	lx->next_line = 1;
}

void ng_lex_free(struct ng_lex *lx)
{
	free(lx->line);
	lx->line = NULL;
	lx->cap = 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int append(struct ng_lex *lx, const char *s, size_t n)
{
	if (lx->len + n + 2 > lx->cap) {
		size_t cap = lx->cap ? lx->cap : 128;
		char *nl;

		while (lx->len + n + 2 > cap)
			cap *= 2;
		nl = realloc(lx->line, cap);
		if (!nl)
			return -ENOMEM;
		lx->line = nl;
		lx->cap = cap;
	}
	memcpy(lx->line + lx->len, s, n);
	lx->len += n;
	lx->line[lx->len] = '\0';
	return 0;
}

/* One physical line [s, e): drop a comment ('#' at the start or after a blank, so that a
 * value like "a#b" survives), trailing blanks and a continuation backslash. */
static int take(struct ng_lex *lx, const char *s, const char *e, bool *cont)
{
	const char *c;

	for (c = s; c < e; c++) {
		if (*c == '#' && (c == s || is_blank(c[-1]))) {
			e = c;
			break;
		}
		if ((unsigned char)*c < 0x20 && !is_blank(*c))
			lx->ctrl = true;
		if (*c == 0x7f)
			lx->ctrl = true;
	}
	while (e > s && is_blank(e[-1]))
		e--;
	*cont = e > s && e[-1] == '\\';
	if (*cont)
		e--;
	while (e > s && is_blank(e[-1]))
		e--;
	while (s < e && is_blank(*s))
		s++;
	if (lx->len > 0 && s < e && append(lx, " ", 1) < 0)
		return -ENOMEM;
	return append(lx, s, (size_t)(e - s));
}

int ng_lex_next(struct ng_lex *lx, const char **line, unsigned *lineno)
{
	bool cont;

	for (;;) {
		if (lx->pos >= lx->end)
			return 0;
		lx->len = 0;
		lx->ctrl = false;
		if (append(lx, "", 0) < 0)
			return -ENOMEM;
		*lineno = lx->next_line;
		do {
			const char *nl = memchr(lx->pos, '\n', (size_t)(lx->end - lx->pos));
			const char *e = nl ? nl : lx->end;

			if (take(lx, lx->pos, e, &cont) < 0)
				return -ENOMEM;
			lx->pos = nl ? nl + 1 : lx->end;
			lx->next_line++;
		} while (cont && lx->pos < lx->end);
		if (lx->len > 0) {
			*line = lx->line;
			return 1;
		}
	}
}

void ng_words_free(struct ng_words *w)
{
	free(w->buf);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

int ng_words_split(struct ng_words *w, const char *text)
{
	size_t n = 0, len = strlen(text);
	char *p;

	memset(w, 0, sizeof(*w));
	w->buf = malloc(len + 1);
	/* At most one word per two bytes, plus one: enough slots without counting twice. */
	w->v = calloc(len / 2 + 2, sizeof(char *));
	if (!w->buf || !w->v) {
		ng_words_free(w);
		return -ENOMEM;
	}
	memcpy(w->buf, text, len + 1);
	for (p = w->buf; *p;) {
		while (*p && is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		w->v[n++] = p;
		while (*p && !is_blank(*p))
			p++;
	}
	w->n = n;
	return 0;
}

int ng_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
