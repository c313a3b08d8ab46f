/* SPDX-License-Identifier: GPL-2.0-or-later */
/* histrec.c: the history file's records: framing, CRC-32C, encoding and the parser (pure). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define HEADER NG_MARKER "\nnicguard-history 1\n"
#define FRAME 12		/* magic 4, length 2, type 1, reserved 1 ... crc 4 */
#define PAYLOAD_MAX (NG_HISTREC_MAX - FRAME)

static const unsigned char magic[4] = { 0xff, 'N', 'G', 'H' };

/* CRC-32C (Castagnoli), four bits at a time: a 16-entry table instead of 256, fast enough
 * for a file of a few MiB read by the CLI. */
uint32_t ng_crc32c(const void *data, size_t n)
{
	const unsigned char *p = data;
	static const uint32_t t[16] = {
		0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3,
		0x61c69362, 0x7198540d, 0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
		0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
	};
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		c = (c >> 4) ^ t[c & 15];
		c = (c >> 4) ^ t[c & 15];
	}
	return c ^ 0xffffffffu;
}

const char *ng_histrec_header(size_t *len)
{
	*len = sizeof(HEADER) - 1;
	return HEADER;
}

/* ------------------------------------------------------------------ encoding */

struct out {
	char *p, *end;
};

/* Text as one field: cut to max - 1 bytes (a field's size when read back); a tab, newline
 * or other control byte would end or break the field, so it becomes '?'. */
static void put_text(struct out *o, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i + 1 < max && o->p < o->end; i++) {
		unsigned char c = (unsigned char)s[i];
		char ch = s[i];

		if (c < 0x20 || c == 0x7f)
			ch = '?';
		*o->p++ = ch;
	}
}

static void put_sep(struct out *o)
{
	if (o->p < o->end)
		*o->p++ = '\t';
}

static void put_num(struct out *o, long long v)
{
	size_t room = (size_t)(o->end - o->p);
	int n = snprintf(o->p, room, "%lld", v);

	/* Never cut: the largest record (a change) leaves over 400 bytes to spare. */
	o->p += n > 0 && (size_t)n < room ? (size_t)n : 0;
}

static size_t frame(char *buf, char type, size_t len)
{
	uint32_t crc;

	memcpy(buf, magic, 4);
	buf[4] = (char)(len & 0xff);
	buf[5] = (char)(len >> 8);
	buf[6] = type;
	buf[7] = 0;
	crc = ng_crc32c(buf + 4, 4 + len);
	for (int i = 0; i < 4; i++)
		buf[8 + len + (size_t)i] = (char)(crc >> (8 * i));
	return FRAME + len;
}

static struct out payload(char *buf)
{
	return (struct out){ buf + 8, buf + 8 + PAYLOAD_MAX };
}

#define TEXT(o, field) put_text(o, field, sizeof(field))

size_t ng_histrec_event(const struct ng_hist_event *e, char *buf)
{
	struct out o = payload(buf);

	put_num(&o, e->time);
	put_sep(&o);
	TEXT(&o, e->ifname);
	put_sep(&o);
	put_text(&o, e->action ? "action" : "detect", 8);
	put_sep(&o);
	TEXT(&o, e->sig);
	put_sep(&o);
	put_text(&o, ng_sig_class_name(e->cls), 8);
	put_sep(&o);
	TEXT(&o, e->what);
	put_sep(&o);
	TEXT(&o, e->detail);
	return frame(buf, 'E', (size_t)(o.p - buf - 8));
}

size_t ng_histrec_change(const struct ng_hist_change *c, char *buf)
{
	struct out o = payload(buf);

	put_num(&o, c->time);
	put_sep(&o);
	TEXT(&o, c->ifname);
	put_sep(&o);
	TEXT(&o, c->setting);
	put_sep(&o);
	TEXT(&o, c->value);
	put_sep(&o);
	TEXT(&o, c->was);
	put_sep(&o);
	TEXT(&o, c->origin);
	put_sep(&o);
	TEXT(&o, c->source);
	return frame(buf, 'C', (size_t)(o.p - buf - 8));
}

size_t ng_histrec_count(const struct ng_hist_count *c, char *buf)
{
	struct out o = payload(buf);
	const long long v[] = { c->start, c->covered, c->hangs, c->resets, c->stalls,
				(long long)c->rx_dropped, (long long)c->softnet_dropped,
				(long long)c->squeezed };

	put_num(&o, c->end);
	put_sep(&o);
	TEXT(&o, c->ifname);
	for (size_t i = 0; i < NG_ARRAY_SIZE(v); i++) {
		put_sep(&o);
		put_num(&o, v[i]);
	}
	return frame(buf, 'N', (size_t)(o.p - buf - 8));
}

/* ------------------------------------------------------------------- parsing */

#define FIELDS_MAX 10

struct fields {
	const char *s[FIELDS_MAX];
	size_t len[FIELDS_MAX];
	size_t n;
};

/* Split a payload on tabs; every byte must be printable (what put_text writes). */
static int split(const char *p, size_t len, struct fields *f)
{
	const char *start = p, *end = p + len;

	f->n = 0;
	for (; p <= end; p++) {
		if (p == end || *p == '\t') {
			if (f->n == FIELDS_MAX)
				return -EINVAL;
			f->s[f->n] = start;
			f->len[f->n++] = (size_t)(p - start);
			start = p + 1;
		} else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			return -EINVAL;
		}
	}
	return 0;
}

static int text(const struct fields *f, size_t i, char *dst, size_t size)
{
	if (f->len[i] >= size)
		return -EINVAL;
	memcpy(dst, f->s[i], f->len[i]);
	dst[f->len[i]] = '\0';
	return 0;
}

/* A decimal number 0..max, digits only. */
static int num(const struct fields *f, size_t i, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (f->len[i] == 0 || f->len[i] > 20)
		return -EINVAL;
	for (size_t k = 0; k < f->len[i]; k++) {
		unsigned d = (unsigned)(f->s[i][k] - '0');

		if (d > 9 || n > (max - d) / 10)
			return -EINVAL;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

static int head(const struct fields *f, int64_t *time, char *ifname)
{
	uint64_t t;

	if (num(f, 0, INT64_MAX, &t) < 0 || text(f, 1, ifname, NG_IFNAMSIZ) < 0 ||
	    (ifname[0] && !ng_ifname_valid(ifname)))
		return -EINVAL;
	*time = (int64_t)t;
	return 0;
}

static int parse_event(const struct fields *f, struct ng_hist_event *e)
{
	char kind[8], cls[8];
	int c;

	if (f->n != 7 || head(f, &e->time, e->ifname) < 0 || text(f, 2, kind, sizeof(kind)) < 0 ||
	    text(f, 3, e->sig, sizeof(e->sig)) < 0 || text(f, 4, cls, sizeof(cls)) < 0 ||
	    text(f, 5, e->what, sizeof(e->what)) < 0 ||
	    text(f, 6, e->detail, sizeof(e->detail)) < 0)
		return -EINVAL;
	if (strcmp(kind, "detect") != 0 && strcmp(kind, "action") != 0)
		return -EINVAL;
	e->action = kind[0] == 'a';
	for (c = 0; c < NG_SIG_CLASS_MAX; c++)
		if (strcmp(cls, ng_sig_class_name((enum ng_sig_class)c)) == 0)
			break;
	if (c == NG_SIG_CLASS_MAX)
		return -EINVAL;
	e->cls = (enum ng_sig_class)c;
	return 0;
}

static int parse_change(const struct fields *f, struct ng_hist_change *c)
{
	if (f->n != 7 || head(f, &c->time, c->ifname) < 0 ||
	    text(f, 2, c->setting, sizeof(c->setting)) < 0 || !c->setting[0] ||
	    text(f, 3, c->value, sizeof(c->value)) < 0 || text(f, 4, c->was, sizeof(c->was)) < 0 ||
	    text(f, 5, c->origin, sizeof(c->origin)) < 0 ||
	    text(f, 6, c->source, sizeof(c->source)) < 0)
		return -EINVAL;
	return 0;
}

static int parse_count(const struct fields *f, struct ng_hist_count *c)
{
	uint64_t v[8];
	static const uint64_t max[8] = { INT64_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
					 UINT32_MAX, INT64_MAX, INT64_MAX, INT64_MAX };

	if (f->n != 10 || head(f, &c->end, c->ifname) < 0)
		return -EINVAL;
	for (size_t i = 0; i < 8; i++)
		if (num(f, i + 2, max[i], &v[i]) < 0)
			return -EINVAL;
	c->start = (int64_t)v[0];
	if (c->start > c->end || v[1] > (uint64_t)(c->end - c->start))
		return -EINVAL;
	c->covered = (uint32_t)v[1];
	c->hangs = (uint32_t)v[2];
	c->resets = (uint32_t)v[3];
	c->stalls = (uint32_t)v[4];
	c->rx_dropped = v[5];
	c->softnet_dropped = v[6];
	c->squeezed = v[7];
	return 0;
}

/* Grow *v (of elem-sized items) to hold one more; returns the new item, zeroed, or NULL. */
static void *grow(void *pv, size_t *n, size_t *cap, size_t elem)
{
	char *v;

	memcpy(&v, pv, sizeof(v));	/* pv points at a struct X *: no void ** punning */
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char *nv = realloc(v, nc * elem);

		if (!nv)
			return NULL;
		v = nv;
		memcpy(pv, &v, sizeof(v));
		*cap = nc;
	}
	return memset(v + (*n)++ * elem, 0, elem);
}

struct caps {
	size_t ev, ch, cnt;
};

/* One framed record whose checksum held: 0 kept, 1 unknown or malformed, -ENOMEM. */
static int add_record(struct ng_hist *h, struct caps *cap, char type, const char *p, size_t len)
{
	struct fields f;
	void *r;
	int bad;

	if (split(p, len, &f) < 0)
		return 1;
	switch (type) {
	case 'E':
		r = grow(&h->ev, &h->nev, &cap->ev, sizeof(*h->ev));
		bad = r ? parse_event(&f, r) : -ENOMEM;
		if (bad == -EINVAL)
			h->nev--;
		break;
	case 'C':
		r = grow(&h->ch, &h->nch, &cap->ch, sizeof(*h->ch));
		bad = r ? parse_change(&f, r) : -ENOMEM;
		if (bad == -EINVAL)
			h->nch--;
		break;
	case 'N':
		r = grow(&h->cnt, &h->ncnt, &cap->cnt, sizeof(*h->cnt));
		bad = r ? parse_count(&f, r) : -ENOMEM;
		if (bad == -EINVAL)
			h->ncnt--;
		break;
	default:
		return 1;
	}
	return bad == -ENOMEM ? -ENOMEM : bad ? 1 : 0;
}

/* The record at p (with at most avail bytes) if its frame and checksum hold: its length,
 * else 0. */
static size_t framed(const unsigned char *p, size_t avail)
{
	size_t len;
	uint32_t crc = 0;

	if (avail < FRAME || memcmp(p, magic, 4) != 0)
		return 0;
	len = (size_t)p[4] | (size_t)p[5] << 8;
	if (len > PAYLOAD_MAX || p[7] != 0 || FRAME + len > avail)
		return 0;
	for (int i = 0; i < 4; i++)
		crc |= (uint32_t)p[8 + len + (size_t)i] << (8 * i);
	return ng_crc32c(p + 4, 4 + len) == crc ? FRAME + len : 0;
}

static int by_time(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_ev(const void *a, const void *b)
{
	return by_time(((const struct ng_hist_event *)a)->time,
		       ((const struct ng_hist_event *)b)->time);
}

static int cmp_ch(const void *a, const void *b)
{
	return by_time(((const struct ng_hist_change *)a)->time,
		       ((const struct ng_hist_change *)b)->time);
}

static int cmp_cnt(const void *a, const void *b)
{
	return by_time(((const struct ng_hist_count *)a)->end,
		       ((const struct ng_hist_count *)b)->end);
}

/* A stable merge sort: records of equal time keep their file order (two changes of one
 * setting within a second must stay in the order they were made). */
static int sort_stable(void *v, size_t n, size_t elem, int (*cmp)(const void *, const void *))
{
	char *a = v, *tmp;
	size_t sorted = 1;

	while (sorted < n && cmp(a + (sorted - 1) * elem, a + sorted * elem) <= 0)
		sorted++;
	if (sorted >= n)
		return 0;	/* appended in time order: the usual case */
	tmp = malloc(n * elem);
	if (!tmp)
		return -ENOMEM;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid || j < hi) {
				bool left = j >= hi || (i < mid && cmp(a + i * elem, a + j * elem) <= 0);

				memcpy(tmp + k++ * elem, a + (left ? i++ : j++) * elem, elem);
			}
		}
		memcpy(a, tmp, n * elem);
	}
	free(tmp);
	return 0;
}

int ng_hist_sort(struct ng_hist *h)
{
	if (sort_stable(h->ev, h->nev, sizeof(*h->ev), cmp_ev) < 0 ||
	    sort_stable(h->ch, h->nch, sizeof(*h->ch), cmp_ch) < 0 ||
	    sort_stable(h->cnt, h->ncnt, sizeof(*h->cnt), cmp_cnt) < 0)
		return -ENOMEM;
	return 0;
}

int ng_histrec_parse(const char *buf, size_t len, struct ng_hist *out)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	struct caps cap = { 0 };

	memset(out, 0, sizeof(*out));
	if (len < sizeof(HEADER) - 1 || memcmp(buf, HEADER, sizeof(HEADER) - 1) != 0)
		return -EINVAL;
	p += sizeof(HEADER) - 1;
	while (p < end) {
		size_t n = framed(p, (size_t)(end - p));
		const unsigned char *next;
		int r;

		if (n) {
			r = add_record(out, &cap, (char)p[6], (const char *)p + 8, n - FRAME);
			if (r < 0) {
				ng_hist_free(out);
				return r;
			}
			out->unknown += (size_t)r;
			p += n;
			continue;
		}
		/* Damaged or torn: resynchronize on the next magic. */
		next = memmem(p + 1, (size_t)(end - p - 1), magic, sizeof(magic));
		next = next ? next : end;
		out->damaged += (size_t)(next - p);
		p = next;
	}
	if (ng_hist_sort(out) < 0) {
		ng_hist_free(out);
		return -ENOMEM;
	}
	return 0;
}

void ng_hist_free(struct ng_hist *h)
{
	free(h->ev);
	free(h->ch);
	free(h->cnt);
	memset(h, 0, sizeof(*h));
}

int ng_histrec_encode(const struct ng_hist *h, char **buf, size_t *len)
{
	size_t i = 0, j = 0, k = 0, cap = sizeof(HEADER) + (h->nev + h->nch + h->ncnt) * 64;
	char *b = malloc(cap), rec[NG_HISTREC_MAX];

	if (!b)
		return -ENOMEM;
	memcpy(b, HEADER, sizeof(HEADER) - 1);
	*len = sizeof(HEADER) - 1;
	/* Merged by time, so the file reads in order (the parser does not depend on it). */
	while (i < h->nev || j < h->nch || k < h->ncnt) {
		bool e = i < h->nev, c = j < h->nch, n = k < h->ncnt;
		size_t rlen;

		if (n && (!e || h->cnt[k].end <= h->ev[i].time) &&
		    (!c || h->cnt[k].end <= h->ch[j].time))
			rlen = ng_histrec_count(&h->cnt[k++], rec);
		else if (c && (!e || h->ch[j].time <= h->ev[i].time))
			rlen = ng_histrec_change(&h->ch[j++], rec);
		else
			rlen = ng_histrec_event(&h->ev[i++], rec);
		if (*len + rlen > cap) {
			char *nb = realloc(b, cap * 2 + rlen);

			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap = cap * 2 + rlen;
		}
		memcpy(b + *len, rec, rlen);
		*len += rlen;
	}
	*buf = b;
	return 0;
}
