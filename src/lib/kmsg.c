/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmsg.c: split and parse /dev/kmsg records (header, \xNN-escaped text, dictionary lines). */
#include <errno.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

const char *ng_kmsg_facility_name(unsigned facility)
{
	static const char *const names[] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
		"uucp", "cron", "authpriv", "ftp",
	};

	if (facility < NG_ARRAY_SIZE(names))
		return names[facility];
	return facility >= 16 && facility <= 23 ? "local" : "unknown";
}

const char *ng_kmsg_level_name(unsigned level)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};

	return names[level & 7];
}

size_t ng_kmsg_split(const char *buf, size_t len, bool whole)
{
	const char *p = buf, *end = buf + len;

	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return 0;
		p = nl + 1;
		if (p == end)
			return whole ? len : 0;
		/* Dictionary lines start with a space; anything else starts the next record. */
		if (*p != ' ')
			return (size_t)(p - buf);
	}
}

/* Parse an unsigned decimal field; stops at the first non-digit. */
static bool parse_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p == end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return true;
}

/* Copy src[0..len) into dst (size cap, NUL-terminated) undoing the kernel's \xNN escapes.
 * A backslash not followed by two hex digits is kept as it is. Returns the length written;
 * *cut is set when the text did not fit. */
static size_t unescape(char *dst, size_t cap, const char *src, size_t len, bool *cut)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];

		if (o + 1 >= cap) {
			*cut = true;
			break;
		}
		if (c == '\\' && i + 3 < len && src[i + 1] == 'x' &&
		    ng_hexval(src[i + 2]) >= 0 && ng_hexval(src[i + 3]) >= 0) {
			c = (char)(ng_hexval(src[i + 2]) << 4 | ng_hexval(src[i + 3]));
			i += 3;
		}
		dst[o++] = c;
	}
	dst[o] = '\0';
	return o;
}

static void dict_line(struct ng_kmsg *rec, const char *p, size_t len)
{
	static const struct {
		const char *key;
		size_t off, size;
	} keys[] = {
		{ "DEVICE=", offsetof(struct ng_kmsg, device), sizeof(rec->device) },
		{ "SUBSYSTEM=", offsetof(struct ng_kmsg, subsystem), sizeof(rec->subsystem) },
	};

	for (size_t i = 0; i < NG_ARRAY_SIZE(keys); i++) {
		size_t kl = strlen(keys[i].key);
		bool cut = false;

		if (len >= kl && memcmp(p, keys[i].key, kl) == 0) {
			unescape((char *)rec + keys[i].off, keys[i].size, p + kl, len - kl, &cut);
			return;
		}
	}
}

/* PRIO,SEQ,TS_USEC,FLAGS[,more fields];  Unknown later fields are skipped, as the kernel
 * documents that more may be added. */
static int parse_header(struct ng_kmsg *rec, const char **pp, const char *end)
{
	const char *p = *pp;
	uint64_t prio;

	if (!parse_u64(&p, end, &prio) || prio > 1023 || p == end || *p++ != ',')
		return -EINVAL;
	if (!parse_u64(&p, end, &rec->seq) || p == end || *p++ != ',')
		return -EINVAL;
	if (!parse_u64(&p, end, &rec->ts_usec) || p == end || *p++ != ',')
		return -EINVAL;
	rec->facility = (unsigned)(prio >> 3);
	rec->level = (unsigned)(prio & 7);
	rec->flag = '-';
	/* The flags field: '-', 'c' (a continuation), '+' (a fragment, old kernels). */
	while (p < end && *p != ',' && *p != ';' && *p != '\n') {
		if (*p != '-')
			rec->flag = *p;
		p++;
	}
	while (p < end && *p == ',') {
		const char *f = ++p;

		while (p < end && *p != ',' && *p != ';' && *p != '\n')
			p++;
		if ((size_t)(p - f) > 7 && memcmp(f, "caller=", 7) == 0 &&
		    (size_t)(p - f) - 7 < sizeof(rec->caller)) {
			memcpy(rec->caller, f + 7, (size_t)(p - f) - 7);
			rec->caller[p - f - 7] = '\0';
		}
	}
	if (p == end || *p != ';')
		return -EINVAL;
	*pp = p + 1;
	return 0;
}

int ng_kmsg_parse(const char *buf, size_t len, struct ng_kmsg *rec)
{
	const char *p = buf, *end = buf + len, *nl;
	int r;

	rec->caller[0] = rec->device[0] = rec->subsystem[0] = '\0';
	rec->text[0] = '\0';
	rec->text_len = 0;
	rec->truncated = false;
	r = parse_header(rec, &p, end);
	if (r < 0)
		return r;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		nl = end;
	rec->text_len = unescape(rec->text, sizeof(rec->text), p, (size_t)(nl - p),
				 &rec->truncated);
	for (p = nl; p < end; p = nl) {
		p++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (p < nl && *p == ' ')
			dict_line(rec, p + 1, (size_t)(nl - p - 1));
	}
	return 0;
}
