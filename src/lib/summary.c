/* SPDX-License-Identifier: GPL-2.0-or-later */
/* summary.c: one node's history in brief for the cluster (/etc/pve/nodes/NODE), and back. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "nicguard.h"
#include "internal.h"

#define VERSION_LINE "nicguard-summary 1"
#define DAY 86400

static bool node_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

int ng_summary_nodename(char *buf, size_t len)
{
	struct utsname u;
	char *dot;

	/* As pmxcfs names the node's directory: the nodename cut at its first dot. */
	if (uname(&u) < 0)
		return -errno;
	dot = strchr(u.nodename, '.');
	if (dot)
		*dot = '\0';
	if (!node_valid(u.nodename) || strlen(u.nodename) >= len)
		return -EINVAL;
	snprintf(buf, len, "%s", u.nodename);
	return 0;
}

/* The settings of ifname in effect: the last value recorded for each, and since when it
 * has held (the first of the records that repeat it). */
static void settings(const struct ng_hist *h, struct ng_summary_if *s)
{
	for (size_t i = h->nch; i-- > 0;) {
		const struct ng_hist_change *c = &h->ch[i];
		struct ng_summary_setting *st;
		size_t k;
		int64_t since = c->time;

		if (strcmp(c->ifname, s->ifname) != 0)
			continue;
		for (k = 0; k < s->nsettings; k++)
			if (strcmp(s->settings[k].name, c->setting) == 0)
				break;
		if (k < s->nsettings || k == NG_SUMMARY_SETTINGS)
			continue;	/* a later record of it was taken already */
		for (size_t j = i; j-- > 0;) {
			if (strcmp(h->ch[j].ifname, c->ifname) != 0 ||
			    strcmp(h->ch[j].setting, c->setting) != 0)
				continue;
			if (strcmp(h->ch[j].value, c->value) != 0)
				break;
			since = h->ch[j].time;
		}
		st = &s->settings[s->nsettings++];
		snprintf(st->name, sizeof(st->name), "%s", c->setting);
		snprintf(st->value, sizeof(st->value), "%s", c->value);
		st->since = since;
	}
}

static void from_report(const struct ng_histreport_if *r, struct ng_summary_if *s)
{
	double watched = r->total.watched / DAY;

	snprintf(s->ifname, sizeof(s->ifname), "%s", r->ifname);
	s->ndays = r->ndays < NG_SUMMARY_DAYS ? (unsigned)r->ndays : NG_SUMMARY_DAYS;
	for (unsigned d = 0; d < s->ndays; d++)
		s->hangs[d] = (unsigned)(r->days[r->ndays - s->ndays + d].hangs + 0.5);
	s->last_hang = r->last_hang;
	s->since = r->since;
	snprintf(s->since_label, sizeof(s->since_label), "%s", r->since_label);
	s->before = -1;
	s->after = watched > 0 ? r->total.hangs / watched : -1;
	for (size_t i = 0; i < r->nchanges; i++) {
		const struct ng_histreport_change *c = &r->changes[i];

		if (c->time != r->since || !c->hangs)
			continue;
		s->before = c->hang_before.watched > 0 ?
			    c->hang_before.hangs / (c->hang_before.watched / DAY) : -1;
		s->after = c->hang_after.watched > 0 ?
			   c->hang_after.hangs / (c->hang_after.watched / DAY) : -1;
	}
	s->rx_drops = r->total.watched > 0 ? r->total.rx_dropped / r->total.watched : 0;
}

/* Interfaces that hung or dropped first, then the rest by name: what fits goes in. */
static int cmp_if(const void *a, const void *b)
{
	const struct ng_summary_if *x = a, *y = b;
	unsigned hx = 0, hy = 0;

	for (unsigned d = 0; d < x->ndays; d++)
		hx += x->hangs[d];
	for (unsigned d = 0; d < y->ndays; d++)
		hy += y->hangs[d];
	if (hx != hy)
		return hx > hy ? -1 : 1;
	if ((x->rx_drops > 0) != (y->rx_drops > 0))
		return x->rx_drops > 0 ? -1 : 1;
	return strcmp(x->ifname, y->ifname);
}

int ng_summary_make(const struct ng_hist *h, const char *node, int64_t now,
		    struct ng_summary *out)
{
	struct ng_histreport r;
	int e = ng_histreport_make(h, now, NG_SUMMARY_DAYS, NULL, 0, &r);

	memset(out, 0, sizeof(*out));
	if (e < 0)
		return e;
	snprintf(out->node, sizeof(out->node), "%s", node);
	out->time = now;
	out->v = calloc(r.n + 1, sizeof(*out->v));
	if (!out->v) {
		ng_histreport_free(&r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct ng_histreport_if *ri = &r.v[i];

		if (!ri->ifname[0]) {
			out->watched = ri->total.watched / DAY;
			continue;
		}
		if (ri->total.hangs + ri->total.resets == 0 && ri->last_hang == 0 &&
		    ri->total.rx_dropped == 0 && (ng_hist_guest_dev(ri->ifname) || !ri->since))
			continue;
		from_report(ri, &out->v[out->n]);
		settings(h, &out->v[out->n++]);
	}
	ng_histreport_free(&r);
	qsort(out->v, out->n, sizeof(*out->v), cmp_if);
	if (out->n > NG_SUMMARY_IFACES)
		out->n = NG_SUMMARY_IFACES;
	return 0;
}

/* ------------------------------------------------------------------ the text */

static void render_if(FILE *f, const struct ng_summary_if *s)
{
	fprintf(f, "iface %s\nhangs", s->ifname);
	for (unsigned d = 0; d < s->ndays; d++)
		fprintf(f, " %u", s->hangs[d]);
	fprintf(f, "\nlast-hang %" PRId64 "\nrx-drops %.4f\n", s->last_hang, s->rx_drops);
	if (s->since) {
		fprintf(f, "since %" PRId64 " ", s->since);
		if (s->before < 0)
			fputs("- ", f);
		else
			fprintf(f, "%.2f ", s->before);
		if (s->after < 0)
			fputs("- ", f);
		else
			fprintf(f, "%.2f ", s->after);
		fprintf(f, "%s\n", s->since_label);
	}
	for (size_t k = 0; k < s->nsettings; k++)
		fprintf(f, "setting %s %" PRId64 " %s\n", s->settings[k].name,
			s->settings[k].since, s->settings[k].value);
}

int ng_summary_render(const struct ng_summary *s, char **text, size_t *len)
{
	char *buf = NULL, *one = NULL;
	size_t blen = 0, olen = 0;
	FILE *f = open_memstream(&buf, &blen);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n%s\nnode %s\ntime %" PRId64 "\nwatched %.2f\n", NG_MARKER, VERSION_LINE,
		s->node, s->time, s->watched);
	for (size_t i = 0; i < s->n; i++) {
		FILE *g = open_memstream(&one, &olen);

		if (!g)
			break;
		render_if(g, &s->v[i]);
		if (fclose(g) != 0)
			break;
		/* Sorted hung-first: what does not fit is the quietest. */
		fflush(f);
		if (blen + olen > NG_SUMMARY_MAX)
			break;
		fwrite(one, 1, olen, f);
		free(one);
		one = NULL;
	}
	free(one);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*text = buf;
	*len = blen;
	return 0;
}

static int num64(const char *s, int64_t *v)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || *end || n < 0)
		return -EINVAL;
	*v = n;
	return 0;
}

static int rate(const char *s, double *v)
{
	char *end;

	if (strcmp(s, "-") == 0) {
		*v = -1;
		return 0;
	}
	*v = strtod(s, &end);
	return end == s || *end || !(*v >= 0 && *v < 1e12) ? -EINVAL : 0;
}

/* One line of an interface's block: words w[0..n). */
static void parse_if_line(struct ng_summary_if *s, char **w, size_t n, const char *rest)
{
	int64_t t;

	if (strcmp(w[0], "hangs") == 0) {
		memset(s->hangs, 0, sizeof(s->hangs));	/* a second hangs line replaces the first */
		s->ndays = 0;
		for (size_t i = 1; i < n && s->ndays < NG_SUMMARY_DAYS; i++) {
			int64_t v;

			if (num64(w[i], &v) < 0 || v > UINT_MAX)
				break;
			s->hangs[s->ndays++] = (unsigned)v;
		}
	} else if (strcmp(w[0], "last-hang") == 0 && n == 2 && num64(w[1], &t) == 0) {
		s->last_hang = t;
	} else if (strcmp(w[0], "rx-drops") == 0 && n == 2) {
		if (rate(w[1], &s->rx_drops) < 0 || s->rx_drops < 0)
			s->rx_drops = 0;
	} else if (strcmp(w[0], "since") == 0 && n >= 5 && num64(w[1], &t) == 0 &&
		   rate(w[2], &s->before) == 0 && rate(w[3], &s->after) == 0) {
		s->since = t;
		snprintf(s->since_label, sizeof(s->since_label), "%.255s", rest);
	} else if (strcmp(w[0], "setting") == 0 && n >= 4 && num64(w[2], &t) == 0 &&
		   s->nsettings < NG_SUMMARY_SETTINGS && strlen(w[1]) < NG_NAME_MAX) {
		struct ng_summary_setting *st = &s->settings[s->nsettings++];

		snprintf(st->name, sizeof(st->name), "%s", w[1]);
		snprintf(st->value, sizeof(st->value), "%.127s", rest);
		st->since = t;
	}
}

/* The text after the first `skip` words of line (for labels and values with blanks). */
static const char *after_words(const char *line, size_t skip)
{
	const char *p = line;

	for (size_t i = 0; i < skip; i++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	while (*p == ' ')
		p++;
	return p;
}

static int parse_line(struct ng_summary *out, size_t *cap, const char *line)
{
	struct ng_words w = { 0 };
	int r = ng_words_split(&w, line);
	int64_t t;

	if (r < 0 || w.n == 0) {
		ng_words_free(&w);
		return r;
	}
	if (strcmp(w.v[0], "node") == 0 && w.n == 2 && node_valid(w.v[1])) {
		snprintf(out->node, sizeof(out->node), "%s", w.v[1]);
	} else if (strcmp(w.v[0], "time") == 0 && w.n == 2 && num64(w.v[1], &t) == 0) {
		out->time = t;
	} else if (strcmp(w.v[0], "watched") == 0 && w.n == 2) {
		if (rate(w.v[1], &out->watched) < 0 || out->watched < 0)
			out->watched = 0;
	} else if (strcmp(w.v[0], "iface") == 0 && w.n == 2 && ng_ifname_valid(w.v[1]) &&
		   out->n < NG_SUMMARY_IFACES) {
		if (out->n == *cap) {
			size_t nc = *cap ? *cap * 2 : 8;
			struct ng_summary_if *v = realloc(out->v, nc * sizeof(*v));

			if (!v) {
				ng_words_free(&w);
				return -ENOMEM;
			}
			out->v = v;
			*cap = nc;
		}
		memset(&out->v[out->n], 0, sizeof(*out->v));
		snprintf(out->v[out->n++].ifname, NG_IFNAMSIZ, "%s", w.v[1]);
	} else if (out->n > 0) {
		parse_if_line(&out->v[out->n - 1], w.v, w.n,
			      after_words(line, strcmp(w.v[0], "since") == 0 ? 4 : 3));
	}
	ng_words_free(&w);
	return 0;
}

int ng_summary_parse(const char *buf, size_t len, struct ng_summary *out)
{
	const char *p = buf, *end = buf + len;
	size_t cap = 0, mlen = sizeof(NG_MARKER) - 1;
	char line[1024];

	memset(out, 0, sizeof(*out));
	if (len < mlen + 1 || memcmp(buf, NG_MARKER "\n", mlen + 1) != 0)
		return -EINVAL;
	p += mlen + 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		bool ok = n < sizeof(line);
		int r;

		/* Control bytes have no place in a summary: such a line is skipped. */
		for (size_t i = 0; ok && i < n; i++)
			ok = (unsigned char)p[i] >= 0x20 && p[i] != 0x7f;
		if (ok) {
			memcpy(line, p, n);
			line[n] = '\0';
			r = parse_line(out, &cap, line);
			if (r < 0) {
				ng_summary_free(out);
				return r;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (!out->node[0]) {
		ng_summary_free(out);
		return -EINVAL;
	}
	return 0;
}

void ng_summary_free(struct ng_summary *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void ng_summaries_free(struct ng_summary *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ng_summary_free(&v[i]);
	free(v);
}

/* ------------------------------------------------------------------- the files */

int ng_summary_publish(const struct ng_ctx *ctx, const char *node, const char *text,
		       size_t len, struct ng_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	DIR *d;

	if (!node_valid(node))
		return ng_err_set(err, -EINVAL, NULL, 0, "bad node name \"%.64s\"", node);
	if (ng_path(ctx, dir, sizeof(dir), "/etc/pve/nodes/%s", node) < 0 ||
	    ng_path(ctx, path, sizeof(path), "/etc/pve/nodes/%s/%s", node, NG_SUMMARY_FILE) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "path too long");
	d = opendir(dir);
	if (!d)
		return ng_err_set(err, -errno, dir, 0, "%s", strerror(errno));
	closedir(d);
	return ng_atomic_write_owned(path, text, len, 0640, err);
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct ng_summary *)a)->node, ((const struct ng_summary *)b)->node);
}

int ng_summary_read_all(const struct ng_ctx *ctx, struct ng_summary **out, size_t *n,
			struct ng_diags *problems)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (ng_path(ctx, dir, sizeof(dir), "/etc/pve/nodes") < 0 || !(d = opendir(dir)))
		return 0;
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX], *buf;
		size_t len;
		struct ng_summary s;
		int e;

		if (!node_valid(de->d_name) ||
		    ng_path(ctx, path, sizeof(path), "/etc/pve/nodes/%s/%s", de->d_name,
			    NG_SUMMARY_FILE) < 0)
			continue;
		e = ng_read_file(path, true, 1 << 20, &buf, &len);
		if (e == -ENOENT || e == -ENOTDIR)
			continue;	/* a node without nicguard */
		if (e < 0) {
			r = ng_diags_add(problems, path, 0, "cannot read: %s", strerror(-e));
			continue;
		}
		e = ng_summary_parse(buf, len, &s);
		free(buf);
		if (e < 0) {
			r = e == -ENOMEM ? e : ng_diags_add(problems, path, 0,
							    "not a nicguard summary");
			continue;
		}
		/* The directory names the node; a summary copied from another says otherwise. */
		if (strcmp(s.node, de->d_name) != 0)
			r = ng_diags_add(problems, path, 0, "says node %s; shown as %s", s.node,
					 de->d_name);
		snprintf(s.node, sizeof(s.node), "%.63s", de->d_name);
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct ng_summary *v = realloc(*out, nc * sizeof(*v));

			if (!v) {
				ng_summary_free(&s);
				r = -ENOMEM;
				break;
			}
			*out = v;
			cap = nc;
		}
		(*out)[(*n)++] = s;
	}
	closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_node);
	return r < 0 ? -ENOMEM : 0;
}
