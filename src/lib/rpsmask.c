/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rpsmask.c: RPS mask text: parse (all, none, hex masks, CPU lists), canonical form, the
 * kernel's rps_cpus rendering, and comparing masks as numbers. rps.c does the sysfs I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

const char *ng_rps_mask_norm(const char *mask, char *buf, size_t len)
{
	size_t o = 0;
	bool lead = true;

	for (const char *p = mask; *p && o + 1 < len; p++) {
		if (*p == ',' || isspace((unsigned char)*p))
			continue;
		if (lead && *p == '0')
			continue;
		lead = false;
		buf[o++] = (char)tolower((unsigned char)*p);
	}
	if (o == 0 && len > 1)
		buf[o++] = '0';
	if (len > 0)
		buf[o] = '\0';
	return buf;
}

bool ng_rps_mask_equal(const char *a, const char *b)
{
	char na[NG_RPS_MASK_MAX], nb[NG_RPS_MASK_MAX];

	return strcmp(ng_rps_mask_norm(a, na, sizeof(na)), ng_rps_mask_norm(b, nb, sizeof(nb)))
	       == 0;
}

size_t ng_rps_nmasks(const char *masks)
{
	size_t n = 0;

	for (const char *p = masks; *p;) {
		p += strspn(p, " ");
		if (!*p)
			break;
		n++;
		p += strcspn(p, " ");
	}
	return n;
}

const char *ng_rps_queue_mask(const char *masks, size_t q, char *buf, size_t len)
{
	size_t n = ng_rps_nmasks(masks), i = 0;

	if (n == 0 || (n > 1 && q >= n) || len == 0)
		return NULL;
	for (const char *p = masks; *p;) {
		size_t w;

		p += strspn(p, " ");
		w = strcspn(p, " ");
		if (n == 1 || i == q) {
			if (w >= len)
				return NULL;
			memcpy(buf, p, w);
			buf[w] = '\0';
			return buf;
		}
		i++;
		p += w;
	}
	return NULL;
}

/* A sysfs mask: hex digits, or comma-separated groups of exactly 8 (as the kernel prints). */
static bool is_mask(const char *s)
{
	size_t run = 0;
	bool comma = false;

	if (!*s)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c == ',') {
			if (run != 8)
				return false;
			comma = true;
			run = 0;
		} else if (ng_hexval(*c) < 0) {
			return false;
		} else {
			run++;
		}
	}
	return !comma || run == 8;
}

static void set_bit32(uint32_t *bits, unsigned b)
{
	bits[b / 32] |= UINT32_C(1) << (b % 32);
}

/* A CPU number: decimal digits, below NG_RPS_CPUS_MAX. Returns the text after it, or NULL. */
static const char *cpu_number(const char *c, int64_t *out)
{
	int64_t v = 0;
	const char *s = c;

	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (*c - '0');
		if (v >= NG_RPS_CPUS_MAX)
			return NULL;
	}
	*out = v;
	return c > s ? c : NULL;
}

/* Fill bits (NG_RPS_CPUS_MAX wide) from canonical rps text; bits from `limit` up are dropped. */
static int rps_bits(const char *t, uint32_t *bits, unsigned limit)
{
	if (strcmp(t, "all") == 0) {
		for (unsigned b = 0; b < limit; b++)
			set_bit32(bits, b);
		return 0;
	}
	if (strcmp(t, "none") == 0)
		return 0;
	if (is_mask(t)) {
		size_t len = strlen(t);
		unsigned b = 0;

		for (size_t i = len; i-- > 0;) {
			int d = ng_hexval(t[i]);

			if (d < 0)
				continue;	/* a comma */
			for (int k = 0; k < 4; k++, b++)
				if ((d >> k) & 1) {
					if (b >= NG_RPS_CPUS_MAX)
						return -ERANGE;
					if (b < limit)
						set_bit32(bits, b);
				}
		}
		return 0;
	}
	for (const char *c = t; *c;) {
		int64_t lo, hi;

		c = cpu_number(c, &lo);
		if (!c)
			return -EINVAL;
		hi = lo;
		if (*c == '-') {
			c = cpu_number(c + 1, &hi);
			if (!c || hi < lo)
				return -EINVAL;
		}
		if (*c != ',' && *c != '\0')
			return -EINVAL;
		if (*c == ',' && !*++c)
			return -EINVAL;
		for (int64_t b = lo; b <= hi && b < limit; b++)
			set_bit32(bits, (unsigned)b);
	}
	return 0;
}

/* Canonical text: masks lose commas and leading zeros ("none" if zero); lists become
 * sorted ranges ("0-3,8"). */
int ng_rps_canonical(const char *t, char **out)
{
	uint32_t bits[NG_RPS_CPUS_MAX / 32] = { 0 };
	bool mask = is_mask(t);
	char buf[NG_RPS_CPUS_MAX / 4 + 2];
	size_t o = 0;

	if (strcmp(t, "all") == 0 || strcmp(t, "none") == 0) {
		*out = strdup(t);
		return *out ? 0 : -ENOMEM;
	}
	if (!mask && !strpbrk(t, "-,"))
		return -EINVAL;
	if (rps_bits(t, bits, NG_RPS_CPUS_MAX) < 0)
		return mask ? -ERANGE : -EINVAL;
	if (mask) {
		bool lead = true;

		for (const char *c = t; *c; c++) {
			if (*c == ',' || (lead && *c == '0'))
				continue;
			lead = false;
			buf[o++] = (char)(ng_hexval(*c) < 10 ? *c : 'a' + ng_hexval(*c) - 10);
		}
		buf[o] = '\0';
		*out = strdup(o ? buf : "none");
		return *out ? 0 : -ENOMEM;
	}
	for (unsigned b = 0; b < NG_RPS_CPUS_MAX; b++) {
		unsigned e = b;

		if (!(bits[b / 32] >> (b % 32) & 1))
			continue;
		while (e + 1 < NG_RPS_CPUS_MAX && (bits[(e + 1) / 32] >> ((e + 1) % 32) & 1))
			e++;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, e > b ? "%s%u-%u" : "%s%u",
				      o ? "," : "", b, e);
		if (o >= sizeof(buf))
			return -ERANGE;
		b = e;
	}
	/* One CPU alone would read back as a hex mask ("5" is CPUs 0 and 2): a range. */
	if (!strpbrk(buf, "-,")) {
		unsigned long cpu = strtoul(buf, NULL, 10);

		snprintf(buf, sizeof(buf), "%lu-%lu", cpu, cpu);
	}
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

/* One canonical word as the kernel prints a mask, appended at buf + *o. */
static int rps_mask_word(const char *word, unsigned ncpus, char *buf, size_t len, size_t *o)
{
	uint32_t bits[NG_RPS_CPUS_MAX / 32] = { 0 };
	unsigned chunks, width;
	bool first = true;

	if (rps_bits(word, bits, ncpus) < 0)
		return -EINVAL;
	/* As the kernel's bitmap_string() prints it: 32-bit chunks, the first one only as
	 * wide as the CPUs it holds need, so 2 CPUs give "3" and 40 give "ff,ffffffff". */
	chunks = (ncpus + 31) / 32;
	width = ((ncpus % 32) ? ncpus % 32 : 32);
	width = (width + 3) / 4;
	for (unsigned c = chunks; c-- > 0;) {
		int m = snprintf(buf + *o, len - *o, "%s%0*x", first ? "" : ",", (int)width,
				 bits[c]);

		if (m < 0 || (size_t)m >= len - *o)
			return -ENOSPC;
		*o += (size_t)m;
		width = 8;
		first = false;
	}
	return 0;
}

int ng_rps_mask(const struct ng_item *it, unsigned ncpus, char *buf, size_t len)
{
	char word[NG_RPS_CPUS_MAX / 4 + 2];
	size_t nw, o = 0;
	int r = 0;

	if (it->group != NG_RPS || !it->text || ncpus == 0 || ncpus > NG_RPS_CPUS_MAX || len == 0)
		return -EINVAL;
	nw = ng_rps_nmasks(it->text);
	buf[0] = '\0';
	for (size_t q = 0; q < nw && r == 0; q++) {
		if (!ng_rps_queue_mask(it->text, q, word, sizeof(word)))
			return -EINVAL;
		if (q > 0) {
			if (o + 1 >= len)
				return -ENOSPC;
			buf[o++] = ' ';
			buf[o] = '\0';
		}
		r = rps_mask_word(word, ncpus, buf, len, &o);
	}
	return nw == 0 ? -EINVAL : r;
}
