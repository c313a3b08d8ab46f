/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl.c: network sysctls in effect vs. what this machine needs; the local sysctl.d file. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define MIB (1024 * 1024)

/* What this machine needs, with f = max(1, fastest link in Mb/s / 1000) and n = online CPUs:
 *   netdev_max_backlog = min(250000, max(5000, 625 * n) * f)
 *       seed 002: 1000 overflowed on a 16-CPU host at 1 Gb/s; 5000 is the floor, more CPUs
 *       carry more guests whose bursts meet on the bridge (16 CPUs: 10000), and a link f
 *       times faster fills the queue f times sooner.
 *   netdev_budget = 600, 1200 from 10 Gb/s: seed 002's time_squeeze at 300.
 *   rmem_max = wmem_max = max(16 MiB, next power of two of speed * 1250 bytes): a 10 ms
 *       burst at line rate (bandwidth-delay product), 16 MiB up to 10 Gb/s.
 *   rmem_default = wmem_default = 262144 (seed 002).
 * Recommended is max(effective, needed): nicguard never lowers what an admin raised. */
enum row_id { BACKLOG, BUDGET, RMEM_DEF, RMEM_MAX, WMEM_DEF, WMEM_MAX, NROWS };

static const struct {
	const char *name;
	const char *why;
} rows[NROWS] = {
	[BACKLOG] = { "net.core.netdev_max_backlog",
		      "per-CPU queue between NIC and stack; overflow is softnet_stat's drops" },
	[BUDGET] = { "net.core.netdev_budget",
		     "packets per NET_RX softirq; too few shows as softnet_stat time_squeeze" },
	[RMEM_DEF] = { "net.core.rmem_default", "receive buffer a socket starts with" },
	[RMEM_MAX] = { "net.core.rmem_max",
		       "largest receive buffer: one 10 ms burst at line rate" },
	[WMEM_DEF] = { "net.core.wmem_default", "send buffer a socket starts with" },
	[WMEM_MAX] = { "net.core.wmem_max", "largest send buffer: one 10 ms burst at line rate" },
};

static int64_t pow2_at_least(int64_t v)
{
	int64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static int64_t needed(enum row_id id, unsigned ncpus, unsigned speed)
{
	int64_t f = speed > 1000 ? speed / 1000 : 1;
	int64_t base = 625 * (int64_t)ncpus;
	int64_t buf = pow2_at_least((int64_t)speed * 1250);

	switch (id) {
	case BACKLOG:
		base = (base < 5000 ? 5000 : base) * f;
		return base > 250000 ? 250000 : base;
	case BUDGET:
		return speed >= 10000 ? 1200 : 600;
	case RMEM_MAX:
	case WMEM_MAX:
		return buf < 16 * MIB ? 16 * MIB : buf;
	default:
		return 262144;
	}
}

static int64_t read_num(const char *path)
{
	char *buf, *end;
	long long v;

	if (ng_read_file(path, false, 4096, &buf, NULL) < 0)
		return -1;
	v = strtoll(buf, &end, 10);
	if (end == buf)
		v = -1;
	free(buf);
	return v;
}

/* Online CPUs from a list like "0-15,18". */
static unsigned online_cpus(const struct ng_ctx *ctx)
{
	char path[PATH_MAX], *buf, *p;
	unsigned n = 0;

	if (ng_path(ctx, path, sizeof(path), "/sys/devices/system/cpu/online") < 0 ||
	    ng_read_file(path, false, 4096, &buf, NULL) < 0)
		return ng_rps_ncpus(ctx);
	for (p = buf; *p && *p != '\n';) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (b >= a)
			n += (unsigned)(b - a + 1);
		p = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	free(buf);
	return n ? n : 1;
}

static unsigned fastest_link(const struct ng_ctx *ctx)
{
	struct ng_iface *v;
	unsigned best = 0;
	size_t n;

	if (ng_iface_list(ctx, &v, &n, NULL) < 0)
		return 1000;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		int64_t s;

		if (v[i].kind != NG_KIND_PHYSICAL ||
		    ng_path(ctx, path, sizeof(path), "/sys/class/net/%s/speed", v[i].name) < 0)
			continue;
		s = read_num(path);	/* -1 or unreadable while the link is down */
		if (s > best && s < 10000000)
			best = (unsigned)s;
	}
	free(v);
	return best ? best : 1000;
}

/* ------------------------------------------- where the value in effect was set */

static int cmp_base(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');

	return strcmp(x, y);
}

/* The sysctl.d files in the order systemd-sysctl and `sysctl --system` apply them: sorted
 * by file name; a name in an earlier directory hides the same name in later ones. */
static int sysctl_files(const struct ng_ctx *ctx, char ***out, size_t *n)
{
	static const char *const dirs[] = { "/etc/sysctl.d", "/run/sysctl.d",
					    "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
					    "/lib/sysctl.d" };
	char **v = NULL;

	*n = 0;
	for (size_t i = 0; i < NG_ARRAY_SIZE(dirs); i++) {
		char pattern[PATH_MAX];
		glob_t g;

		if (ng_path(ctx, pattern, sizeof(pattern), "%s/*.conf", dirs[i]) < 0 ||
		    glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			const char *base = strrchr(g.gl_pathv[j], '/');
			bool hidden = false;

			for (size_t k = 0; k < *n && !hidden; k++)
				hidden = strcmp(strrchr(v[k], '/'), base) == 0;
			if (!hidden && ng_strv_push(&v, n, g.gl_pathv[j]) < 0) {
				globfree(&g);
				goto nomem;
			}
		}
		globfree(&g);
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_base);
	*out = v;
	return 0;
nomem:
	ng_strv_free(v, *n);
	*n = 0;
	return -ENOMEM;
}

/* Where each row was last set in the sysctl.d files, and to what; and, when nicguard's
 * shipped file lowered a value an earlier file had set (files apply in name order, the last
 * wins), that earlier line and value: the admin's, to be put back. */
struct source {
	char where[280];
	int64_t value;
	char lowered_where[280];
	int64_t lowered_value;
};

/* The package's file; one of the same name in /etc or /run is the admin's own. */
static bool is_shipped(const char *shown)
{
	return strcmp(shown, "/usr/lib/sysctl.d/60-nicguard.conf") == 0 ||
	       strcmp(shown, "/lib/sysctl.d/60-nicguard.conf") == 0;
}

/* A line of file `shown` (at lineno) that sets this row to value. */
static void source_set(struct source *s, const char *shown, unsigned lineno, int64_t value)
{
	if (is_shipped(shown) && s->where[0] && s->value > value) {
		snprintf(s->lowered_where, sizeof(s->lowered_where), "%s", s->where);
		s->lowered_value = s->value;
	} else if (!is_shipped(shown)) {
		s->lowered_where[0] = '\0';	/* a later file decides again */
	}
	snprintf(s->where, sizeof(s->where), "%.260s:%u", shown, lineno);
	s->value = value;
}

/* Record in src[] the last FILE:LINE in file that sets one of the rows. */
static void scan_sysctl_file(const char *full, const char *shown, struct source *src)
{
	char *buf, *line, *next;
	unsigned lineno = 0;

	if (ng_read_file(full, false, 1 << 20, &buf, NULL) < 0)
		return;
	for (line = buf; line; line = next) {
		char key[128];
		size_t kl;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line += strspn(line, " \t");
		if (*line == '-')	/* "-key = value": ignore a failure to set it */
			line++;
		kl = strcspn(line, " \t=");
		if (!kl || kl >= sizeof(key) || *line == '#' || *line == ';')
			continue;
		/* sysctl.d(5) accepts '/' as separator as well as '.'. */
		for (size_t i = 0; i < kl; i++) {
			key[i] = line[i];
			if (key[i] == '/')
				key[i] = '.';
		}
		key[kl] = '\0';
		for (size_t i = 0; i < NROWS; i++) {
			const char *v = line + kl;

			if (strcmp(key, rows[i].name) != 0)
				continue;
			v += strspn(v, " \t=");
			source_set(&src[i], shown, lineno, strtoll(v, NULL, 10));
		}
	}
	free(buf);
}

static int find_sources(const struct ng_ctx *ctx, struct source *src)
{
	size_t plen = strlen(ng_ctx_root_prefix(ctx)), n;
	char path[PATH_MAX], **files;
	int r = sysctl_files(ctx, &files, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		scan_sysctl_file(files[i], files[i] + plen, src);
	ng_strv_free(files, n);
	/* procps' `sysctl --system` reads /etc/sysctl.conf after the directories. */
	if (ng_path(ctx, path, sizeof(path), "/etc/sysctl.conf") == 0)
		scan_sysctl_file(path, path + plen, src);
	return 0;
}

int ng_sysctl_check(const struct ng_ctx *ctx, struct ng_sysctl_check *out, struct ng_err *err)
{
	struct source src[NROWS] = { { { 0 }, 0, { 0 }, 0 } };
	int r;

	memset(out, 0, sizeof(*out));
	out->ncpus = online_cpus(ctx);
	out->speed = fastest_link(ctx);
	r = find_sources(ctx, src);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "out of memory");
	for (size_t i = 0; i < NROWS; i++) {
		struct ng_sysctl_row *row = &out->rows[out->n++];
		char path[PATH_MAX], rel[128];

		row->name = rows[i].name;
		row->why = rows[i].why;
		snprintf(rel, sizeof(rel), "%s", rows[i].name);
		for (char *c = rel; *c; c++)
			if (*c == '.')
				*c = '/';
		row->effective = ng_path(ctx, path, sizeof(path), "/proc/sys/%s", rel) == 0 ?
				 read_num(path) : -1;
		row->needed = needed(i, out->ncpus, out->speed);
		row->recommended = row->effective > row->needed ? row->effective : row->needed;
		if (src[i].lowered_where[0]) {
			snprintf(row->lowered, sizeof(row->lowered), "%.280s",
				 src[i].lowered_where);
			row->lowered_value = src[i].lowered_value;
			if (row->lowered_value > row->recommended)
				row->recommended = row->lowered_value;
		}
		/* A file may say one thing and the kernel hold another: sysctl.d was not applied
		 * (yet), or something changed the value at run time. */
		if (!src[i].where[0])
			snprintf(row->source, sizeof(row->source), "kernel default");
		else if (row->effective >= 0 && src[i].value != row->effective)
			snprintf(row->source, sizeof(row->source),
				 "%.250s says %lld, not in effect", src[i].where,
				 (long long)src[i].value);
		else
			snprintf(row->source, sizeof(row->source), "%.280s", src[i].where);
	}
	return 0;
}

int ng_sysctl_render(const struct ng_sysctl_check *c, char **text, struct ng_err *err)
{
	char *buf = NULL;
	size_t len = 0, raised = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	fprintf(f, "%s\n# Written by `nicguard sysctl --write` for this machine: %u CPUs, fastest "
		"link %u Mb/s.\n# Only values below what this machine needs, or below what an "
		"earlier sysctl.d file set\n# before 60-nicguard.conf lowered it, are raised; none "
		"is lowered.\n", NG_MARKER, c->ncpus, c->speed);
	for (size_t i = 0; i < c->n; i++) {
		const struct ng_sysctl_row *r = &c->rows[i];

		if (r->effective < 0 || r->effective >= r->recommended)
			continue;
		fprintf(f, "\n# %s (was %lld, set by %s)\n", r->why, (long long)r->effective,
			r->source);
		if (r->lowered[0])
			fprintf(f, "# %s set %lld; nicguard's shipped file came later and lowered "
				"it: put back\n", r->lowered, (long long)r->lowered_value);
		fprintf(f, "%s = %lld\n", r->name, (long long)r->recommended);
		raised++;
	}
	if (!raised)
		fprintf(f, "\n# Every value in effect is at least what this machine needs.\n");
	if (fclose(f) != 0) {
		free(buf);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	*text = buf;
	return 0;
}

int ng_sysctl_write(const struct ng_ctx *ctx, const char *text, struct ng_err *err)
{
	char path[PATH_MAX];

	if (ng_path(ctx, path, sizeof(path), NG_SYSCTL_LOCAL_FILE) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	return ng_atomic_write_owned(path, text, strlen(text), 0644, err);
}
