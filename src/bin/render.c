/* SPDX-License-Identifier: GPL-2.0-or-later */
/* render.c: library results, interface facts and wanted settings as text lines and JSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nicguard.h"
#include "render.h"

const char *ng_render_origin(const struct ng_origin *o, char *buf, size_t len)
{
	if (!o->file || !o->file[0])
		snprintf(buf, len, "unknown");
	else if (o->line)
		snprintf(buf, len, "%s:%u", o->file, o->line);
	else
		snprintf(buf, len, "%s", o->file);
	return buf;
}

/* The reason part of a failed or unsupported result: the errno text, and the library's
 * detail when it says more than that ("written, but reads back 1000"). */
static const char *reason(const struct ng_result *r, char *buf, size_t len)
{
	const char *text = r->error ? strerror(-r->error) : "not supported by the device";

	if (r->detail[0] && !strstr(r->detail, text))
		snprintf(buf, len, "%s (%s)", text, r->detail);
	else
		snprintf(buf, len, "%s", text);
	return buf;
}

const char *ng_render_setting(const struct ng_result *r, char *buf, size_t len)
{
	/* A pass-through line's value holds all its words, the first one included. pause and
	 * channels name their fields as link (autoneg) and ring (rx, tx) do: their key goes
	 * first. */
	if (r->group == NG_ETHTOOL)
		snprintf(buf, len, "ethtool %s", r->want);
	else if (r->group == NG_PAUSE || r->group == NG_CHANNELS)
		snprintf(buf, len, "%s %s %s", ng_group_key(r->group), r->name, r->want);
	else
		snprintf(buf, len, "%s %s", r->name, r->want);
	return buf;
}

const char *ng_render_result(const struct ng_result *r, char *buf, size_t len)
{
	char where[300], why[NG_TEXT_MAX + 64], state[NG_TEXT_MAX + 16] = "";
	char set[NG_NAME_MAX + NG_TEXT_MAX + 16];

	ng_render_origin(&r->origin, where, sizeof(where));
	ng_render_setting(r, set, sizeof(set));
	switch (r->outcome) {
	case NG_CHANGED:
		if (r->was[0])
			snprintf(state, sizeof(state), " (was %s)", r->was);
		snprintf(buf, len, "%s %s: changed%s [%s]", r->ifname, set, state, where);
		break;
	case NG_ALREADY:
		snprintf(buf, len, "%s %s: already [%s]", r->ifname, set, where);
		break;
	case NG_PLANNED:
		if (r->was[0])
			snprintf(state, sizeof(state), " (now %s)", r->was);
		snprintf(buf, len, "%s %s: would change%s [%s]", r->ifname, set, state,
			 where);
		break;
	case NG_FIXED:
		if (r->detail[0])
			snprintf(state, sizeof(state), " (%s)", r->detail);
		else if (r->now[0] || r->was[0])
			snprintf(state, sizeof(state), " (stays %s)", r->now[0] ? r->now : r->was);
		snprintf(buf, len, "%s %s: fixed by the driver%s [%s]", r->ifname, set,
			 state, where);
		break;
	case NG_UNSUPPORTED:
		snprintf(buf, len, "%s %s: unsupported: %s [%s]", r->ifname, set,
			 reason(r, why, sizeof(why)), where);
		break;
	case NG_FAILED:
	default:
		snprintf(buf, len, "%s %s: failed: %s [%s]", r->ifname, set,
			 reason(r, why, sizeof(why)), where);
		break;
	}
	return buf;
}

const char *ng_render_diag(const struct ng_diag *d, char *buf, size_t len)
{
	if (d->file && d->file[0] && d->line)
		snprintf(buf, len, "%s:%u: %s", d->file, d->line, d->msg);
	else if (d->file && d->file[0])
		snprintf(buf, len, "%s: %s", d->file, d->msg);
	else
		snprintf(buf, len, "%s", d->msg);
	return buf;
}

const char *ng_render_match_name(enum ng_match kind)
{
	static const char *const names[NG_MATCH_MAX] = {
		[NG_MATCH_DRIVER] = "driver",
		[NG_MATCH_NAME] = "interface",
		[NG_MATCH_MAC] = "mac",
		[NG_MATCH_PCI] = "pci",
		[NG_MATCH_WATCH] = "watch",
		[NG_MATCH_PVE] = "pve",
	};

	return (unsigned)kind < NG_MATCH_MAX && names[kind] ? names[kind] : "?";
}

const char *ng_render_set_name(enum ng_set set)
{
	static const char *const names[NG_SET_MAX] = {
		[NG_SET_NORMAL] = "normal",
		[NG_SET_BACKUP] = "backup",
		[NG_SET_WATCH] = "watch",
	};

	return (unsigned)set < NG_SET_MAX && names[set] ? names[set] : "?";
}

const char *ng_render_section(const struct ng_section *s, char *buf, size_t len)
{
	size_t off;

	off = (size_t)snprintf(buf, len, "[%s", ng_render_match_name(s->kind));
	for (size_t i = 0; i < s->npatterns && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s", s->patterns[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
	return buf;
}

static const char *or_dash(const char *s)
{
	return s[0] ? s : "-";
}

const char *ng_render_facts(const struct ng_iface *ifc, char *buf, size_t len)
{
	snprintf(buf, len, "%s: ifindex %d, kind %s, driver %s, pci %s, mac %s, master %s, %s",
		 ifc->name, ifc->ifindex, ng_kind_name(ifc->kind), or_dash(ifc->driver),
		 or_dash(ifc->pci_addr), or_dash(ifc->mac), or_dash(ifc->master),
		 ifc->up ? "up" : "down");
	return buf;
}

const char *ng_render_quoted(const char *s, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return buf;
	for (; *s && off + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			off += (size_t)snprintf(buf + off, len - off, "\\x%02x", c);
		else
			buf[off++] = (char)c;
	}
	buf[off] = '\0';
	return buf;
}

/* ----------------------------------------------------------------- JSON */

void ng_json_init(struct ng_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static void indent(struct ng_json *j)
{
	fputc('\n', j->out);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* The separator, indentation and key before a value. */
static void begin_value(struct ng_json *j, const char *key)
{
	if (j->depth == 0)
		return;
	if (j->comma[j->depth])
		fputc(',', j->out);
	j->comma[j->depth] = true;
	indent(j);
	if (key) {
		put_string(j->out, key);
		fputs(": ", j->out);
	}
}

void ng_json_open(struct ng_json *j, const char *key, char bracket)
{
	begin_value(j, key);
	fputc(bracket, j->out);
	if (j->depth + 1 < NG_JSON_DEPTH)
		j->depth++;
	j->comma[j->depth] = false;
}

void ng_json_close(struct ng_json *j, char bracket)
{
	bool had_values = j->comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had_values)
		indent(j);
	fputc(bracket, j->out);
}

void ng_json_str(struct ng_json *j, const char *key, const char *val)
{
	begin_value(j, key);
	if (val && val[0])
		put_string(j->out, val);
	else
		fputs("null", j->out);
}

void ng_json_int(struct ng_json *j, const char *key, long long val)
{
	begin_value(j, key);
	fprintf(j->out, "%lld", val);
}

void ng_json_time(struct ng_json *j, const char *key, long long t)
{
	if (t)
		ng_json_int(j, key, t);
	else
		ng_json_str(j, key, NULL);
}

void ng_json_num(struct ng_json *j, const char *key, double val)
{
	begin_value(j, key);
	/* JSON has no infinity or NaN. */
	if (val == val && val < 1e300 && val > -1e300)
		fprintf(j->out, "%.6g", val);
	else
		fputs("null", j->out);
}

void ng_json_bool(struct ng_json *j, const char *key, bool val)
{
	begin_value(j, key);
	fputs(val ? "true" : "false", j->out);
}

int ng_json_finish(struct ng_json *j)
{
	fputc('\n', j->out);
	if (fflush(j->out) != 0 || ferror(j->out))
		return -EIO;
	return 0;
}

void ng_json_facts(struct ng_json *j, const struct ng_iface *ifc)
{
	ng_json_str(j, "name", ifc->name);
	ng_json_int(j, "ifindex", ifc->ifindex);
	ng_json_str(j, "kind", ng_kind_name(ifc->kind));
	ng_json_str(j, "driver", ifc->driver);
	ng_json_str(j, "pci", ifc->pci_addr);
	ng_json_str(j, "bus", ifc->bus_addr);
	ng_json_str(j, "mac", ifc->mac);
	ng_json_str(j, "master", ifc->master);
	ng_json_bool(j, "up", ifc->up);
}

void ng_json_result(struct ng_json *j, const struct ng_result *r)
{
	char where[300];

	ng_json_open(j, NULL, '{');
	/* The key tells ring rx from channels rx, link autoneg from pause autoneg. */
	ng_json_str(j, "key", ng_group_key(r->group) ? ng_group_key(r->group) : "");
	ng_json_str(j, "setting", r->name);
	ng_json_str(j, "want", r->want);
	ng_json_str(j, "actual", r->was);
	ng_json_bool(j, "drift", ng_result_drift(r));
	ng_json_str(j, "outcome", ng_outcome_name(r->outcome));
	if (r->error)
		ng_json_str(j, "error", strerror(-r->error));
	if (r->detail[0])
		ng_json_str(j, "detail", r->detail);
	ng_json_str(j, "origin", ng_render_origin(&r->origin, where, sizeof(where)));
	ng_json_close(j, '}');
}
