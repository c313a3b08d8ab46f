/* SPDX-License-Identifier: GPL-2.0-or-later */
/* render.h: library results, interface facts and wanted settings as text lines and JSON. */
#ifndef NICGUARD_RENDER_H
#define NICGUARD_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "nicguard.h"

/* Every renderer writes into buf (truncating to len) and returns buf. */

/* "/etc/nicguard/nicguard.conf:12", or "built-in". */
const char *ng_render_origin(const struct ng_origin *o, char *buf, size_t len);

/* The setting a result is about: "tso off", "speed 100", "ethtool --set-eee {} eee off". */
const char *ng_render_setting(const struct ng_result *r, char *buf, size_t len);

/* One apply outcome: "ngt0 tso off: changed (was on) [/tmp/p.conf:2]". */
const char *ng_render_result(const struct ng_result *r, char *buf, size_t len);

/* One diagnostic: "FILE:LINE: msg". */
const char *ng_render_diag(const struct ng_diag *d, char *buf, size_t len);

/* A section header as written: "[interface ngt0 eno*]". */
const char *ng_render_section(const struct ng_section *s, char *buf, size_t len);

/* The facts of an interface on one line: "ngt0: ifindex 3, kind veth, driver veth, ...". */
const char *ng_render_facts(const struct ng_iface *ifc, char *buf, size_t len);

/* Untrusted text (an interface name from argv) with control and non-ASCII bytes as \xNN. */
const char *ng_render_quoted(const char *s, char *buf, size_t len);

/* "driver", "interface", "mac", "pci", "watch", "pve". */
const char *ng_render_match_name(enum ng_match kind);

/* "normal", "backup", "watch". */
const char *ng_render_set_name(enum ng_set set);

/* A small streaming JSON writer: keys are NULL inside arrays; a NULL or empty string value
 * is written as null. Nesting deeper than NG_JSON_DEPTH is not supported. */
#define NG_JSON_DEPTH 16

struct ng_json {
	FILE *out;
	unsigned depth;
	bool comma[NG_JSON_DEPTH];
};

void ng_json_init(struct ng_json *j, FILE *out);
void ng_json_open(struct ng_json *j, const char *key, char bracket);	/* '{' or '[' */
void ng_json_close(struct ng_json *j, char bracket);			/* '}' or ']' */
void ng_json_str(struct ng_json *j, const char *key, const char *val);
void ng_json_int(struct ng_json *j, const char *key, long long val);
void ng_json_bool(struct ng_json *j, const char *key, bool val);
void ng_json_num(struct ng_json *j, const char *key, double val);	/* %.6g; null if not finite */
void ng_json_time(struct ng_json *j, const char *key, long long t);	/* seconds; 0 is null */

/* End the document with a newline and flush. Returns 0, or -EIO when the stream failed. */
int ng_json_finish(struct ng_json *j);

/* The interface's facts as keys of the object being written. */
void ng_json_facts(struct ng_json *j, const struct ng_iface *ifc);

/* One result as an object: setting, want, actual, drift, outcome, error, origin. */
void ng_json_result(struct ng_json *j, const struct ng_result *r);

#endif
