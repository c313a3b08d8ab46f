/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portfile.c: a recorded port place as text (the file that lets a restarted nicguard-watch
 * finish a restore), and parsed back. Pure: memory in, memory out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"

/* Every word written is a name, a number or an address: no blanks, no control bytes. */
static const char *word(const char *s)
{
	return s[0] ? s : "-";
}

static const char *addr(int family, const unsigned char *a, bool has, char *buf, size_t len)
{
	if (!has || !inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "-");
	return buf;
}

static void format_addr(FILE *f, const struct ng_portaddr *a)
{
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	fprintf(f, "addr %s %u %u %u %s %s %s %s %u %u\n", a->family == AF_INET ? "inet" : "inet6",
		a->prefixlen, a->scope, a->flags, addr(a->family, a->local, a->has_local, l, sizeof(l)),
		addr(a->family, a->address, a->has_address, p, sizeof(p)),
		addr(a->family, a->brd, a->has_brd, b, sizeof(b)), word(a->label), a->valid,
		a->preferred);
}

static void format_route(FILE *f, const struct ng_portroute *r)
{
	char d[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], m[12] = "-";

	if (r->has_priority)
		snprintf(m, sizeof(m), "%u", r->priority);
	fprintf(f, "route %s %s %u %u %u %u %u %u %u %s %s %s\n",
		r->family == AF_INET ? "inet" : "inet6",
		addr(r->family, r->dst, r->has_dst, d, sizeof(d)), r->dst_len, r->tos, r->protocol,
		r->scope, r->type, r->table, r->rtm_flags,
		addr(r->family, r->gw, r->has_gw, g, sizeof(g)),
		addr(r->family, r->prefsrc, r->has_prefsrc, s, sizeof(s)), m);
}

int ng_portstate_format(const struct ng_portstate *ps, char **text, size_t *len)
{
	const struct ng_portlink *l = &ps->link;
	FILE *f = open_memstream(text, len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n# nicguard-watch: the place of a port before a bounce or a rebind; "
		"removed once it is put back.\n", NG_MARKER);
	fprintf(f, "port %s %d %s %s %s %u %u\n", l->name, l->ifindex, word(ps->busdev),
		word(l->mac), word(l->permaddr), l->mtu, l->flags);
	for (size_t i = 0; i < l->naltnames; i++)
		fprintf(f, "altname %s\n", l->altnames[i]);
	if (ps->master[0])
		fprintf(f, "master %s %s %s %u %u\n", ps->master, word(ps->master_kind),
			word(ps->bridge), ps->vlan_filtering, ps->stp_state);
	if (ps->bond_primary || ps->bond_active || ps->bond_mode)
		fprintf(f, "bond %u %u %u\n", ps->bond_mode, ps->bond_primary, ps->bond_active);
	for (size_t i = 0; i < ps->br.nflags; i++)
		fprintf(f, "brport %s %u\n", ng_brflag_name(ps->br.flags[i].attr),
			ps->br.flags[i].value);
	if (ps->br.have_vlans)
		fprintf(f, "vlans\n");
	for (size_t i = 0; i < ps->br.nvlans; i++)
		fprintf(f, "vlan %u %u %u\n", ps->br.vlans[i].vid, ps->br.vlans[i].end,
			ps->br.vlans[i].flags);
	for (size_t i = 0; i < ps->naddrs; i++)
		format_addr(f, &ps->addrs[i]);
	for (size_t i = 0; i < ps->nroutes; i++)
		format_route(f, &ps->routes[i]);
	for (size_t i = 0; i < ps->nuppers; i++)
		fprintf(f, "upper %s %s\n", ps->uppers[i].name, word(ps->uppers[i].kind));
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------ parsing */

static int num(const char *s, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* One word as the writer prints it: visible characters, none the line reader treats
 * specially (a trailing backslash continues the line, '#' and '"' start a comment or a
 * quote), so that what parses prints back the same. */
static int text(const char *s, char *out, size_t len)
{
	if (strlen(s) >= len)
		return -EINVAL;
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~' || *c == '\\' || *c == '#' || *c == '"')
			return -EINVAL;
	snprintf(out, len, "%s", strcmp(s, "-") == 0 ? "" : s);
	return 0;
}

static int family(const char *s, uint8_t *fam)
{
	if (strcmp(s, "inet") == 0)
		*fam = AF_INET;
	else if (strcmp(s, "inet6") == 0)
		*fam = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static int inaddr(int fam, const char *s, unsigned char *out, bool *has)
{
	*has = strcmp(s, "-") != 0;
	return !*has || inet_pton(fam, s, out) == 1 ? 0 : -EINVAL;
}

static int parse_port(struct ng_portstate *ps, char **w)
{
	struct ng_portlink *l = &ps->link;
	uint32_t idx, mtu, flags;

	if (!ng_ifname_valid(w[1]) || num(w[2], 0x7fffffff, &idx) < 0 || idx == 0 ||
	    text(w[3], ps->busdev, sizeof(ps->busdev)) < 0 || text(w[4], l->mac, sizeof(l->mac)) < 0 ||
	    text(w[5], l->permaddr, sizeof(l->permaddr)) < 0 || num(w[6], UINT32_MAX, &mtu) < 0 ||
	    num(w[7], UINT32_MAX, &flags) < 0)
		return -EINVAL;
	/* The bus device becomes a path: only what sysfs names a PCI or virtio device with. */
	if (ps->busdev[0] && strspn(ps->busdev, "0123456789abcdefABCDEFvirtio:.") !=
	    strlen(ps->busdev))
		return -EINVAL;
	snprintf(l->name, sizeof(l->name), "%s", w[1]);
	l->ifindex = (int)idx;
	l->mtu = mtu;
	l->flags = flags;
	return 0;
}

static int parse_master(struct ng_portstate *ps, char **w)
{
	uint32_t vf, stp;

	if (!ng_ifname_valid(w[1]) || text(w[2], ps->master_kind, sizeof(ps->master_kind)) < 0 ||
	    text(w[3], ps->bridge, sizeof(ps->bridge)) < 0 ||
	    (ps->bridge[0] && !ng_ifname_valid(ps->bridge)) || num(w[4], 1, &vf) < 0 ||
	    num(w[5], UINT32_MAX, &stp) < 0)
		return -EINVAL;
	snprintf(ps->master, sizeof(ps->master), "%s", w[1]);
	ps->vlan_filtering = vf;
	ps->stp_state = stp;
	return 0;
}

static int parse_bond(struct ng_portstate *ps, char **w)
{
	uint32_t mode, primary, active;

	if (num(w[1], 6, &mode) < 0 || num(w[2], 1, &primary) < 0 || num(w[3], 1, &active) < 0)
		return -EINVAL;
	ps->bond_mode = (uint8_t)mode;
	ps->bond_primary = primary;
	ps->bond_active = active;
	return 0;
}

static int parse_brport(struct ng_portstate *ps, char **w)
{
	uint16_t attr;
	unsigned size;
	uint32_t v;

	if (ps->br.nflags == NG_PORT_BRFLAGS || ng_brflag_attr(w[1], &attr, &size) < 0 ||
	    num(w[2], size == 4 ? UINT32_MAX : size == 2 ? 0xffff : 0xff, &v) < 0)
		return -EINVAL;
	ps->br.flags[ps->br.nflags++] = (struct ng_brflag){ attr, v };
	return 0;
}

static int parse_vlan(struct ng_portstate *ps, char **w)
{
	uint32_t vid, end, flags;

	if (ps->br.nvlans == NG_PORT_VLANS || num(w[1], 4094, &vid) < 0 || vid == 0 ||
	    num(w[2], 4094, &end) < 0 || end < vid || num(w[3], 0xffff, &flags) < 0)
		return -EINVAL;
	ps->br.vlans[ps->br.nvlans++] = (struct ng_vlanrange){ (uint16_t)vid, (uint16_t)end,
							       (uint16_t)flags };
	return 0;
}

static int parse_addr(struct ng_portstate *ps, char **w)
{
	struct ng_portaddr a = { 0 };
	uint32_t plen, scope, flags;

	if (ps->naddrs == NG_PORT_ADDRS || family(w[1], &a.family) < 0 ||
	    num(w[2], a.family == AF_INET ? 32 : 128, &plen) < 0 || num(w[3], 255, &scope) < 0 ||
	    num(w[4], UINT32_MAX, &flags) < 0 || inaddr(a.family, w[5], a.local, &a.has_local) < 0 ||
	    inaddr(a.family, w[6], a.address, &a.has_address) < 0 ||
	    inaddr(a.family, w[7], a.brd, &a.has_brd) < 0 ||
	    text(w[8], a.label, sizeof(a.label)) < 0 || num(w[9], UINT32_MAX, &a.valid) < 0 ||
	    num(w[10], UINT32_MAX, &a.preferred) < 0 || (!a.has_local && !a.has_address))
		return -EINVAL;
	a.prefixlen = (uint8_t)plen;
	a.scope = (uint8_t)scope;
	a.flags = flags;
	a.ifindex = ps->link.ifindex;
	ps->addrs[ps->naddrs++] = a;
	return 0;
}

static int parse_route(struct ng_portstate *ps, char **w)
{
	struct ng_portroute r = { 0 };
	uint32_t v[7];

	if (ps->nroutes == NG_PORT_ROUTES || family(w[1], &r.family) < 0 ||
	    inaddr(r.family, w[2], r.dst, &r.has_dst) < 0 ||
	    num(w[3], r.family == AF_INET ? 32 : 128, &v[0]) < 0 || num(w[4], 255, &v[1]) < 0 ||
	    num(w[5], 255, &v[2]) < 0 || num(w[6], 255, &v[3]) < 0 || num(w[7], 255, &v[4]) < 0 ||
	    num(w[8], UINT32_MAX, &r.table) < 0 || num(w[9], UINT32_MAX, &v[5]) < 0 ||
	    inaddr(r.family, w[10], r.gw, &r.has_gw) < 0 ||
	    inaddr(r.family, w[11], r.prefsrc, &r.has_prefsrc) < 0)
		return -EINVAL;
	r.has_priority = strcmp(w[12], "-") != 0;
	if (r.has_priority && num(w[12], UINT32_MAX, &r.priority) < 0)
		return -EINVAL;
	r.dst_len = (uint8_t)v[0];
	r.tos = (uint8_t)v[1];
	r.protocol = (uint8_t)v[2];
	r.scope = (uint8_t)v[3];
	r.type = (uint8_t)v[4];
	r.rtm_flags = v[5];
	r.oif = ps->link.ifindex;
	ps->routes[ps->nroutes++] = r;
	return 0;
}

static int parse_upper(struct ng_portstate *ps, char **w)
{
	if (ps->nuppers == NG_PORT_UPPERS || !ng_ifname_valid(w[1]) ||
	    text(w[2], ps->uppers[ps->nuppers].kind, sizeof(ps->uppers[0].kind)) < 0)
		return -EINVAL;
	snprintf(ps->uppers[ps->nuppers].name, sizeof(ps->uppers[0].name), "%s", w[1]);
	ps->nuppers++;
	return 0;
}

/* Line kinds: their first word, the number of words, the parser. */
static const struct kind {
	const char *name;
	size_t words;
	int (*parse)(struct ng_portstate *ps, char **w);
} kinds[] = {
	{ "addr", 11, parse_addr }, { "altname", 2, NULL }, { "bond", 4, parse_bond },
	{ "brport", 3, parse_brport }, { "master", 6, parse_master }, { "port", 8, parse_port },
	{ "route", 13, parse_route }, { "upper", 3, parse_upper }, { "vlan", 4, parse_vlan },
	{ "vlans", 1, NULL },
};

static int parse_line(struct ng_portstate *ps, struct ng_words *w, bool *port)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(kinds); i++) {
		if (strcmp(w->v[0], kinds[i].name) != 0)
			continue;
		if (w->n != kinds[i].words || (!*port && kinds[i].parse != parse_port))
			return -EINVAL;
		if (kinds[i].parse == parse_port)
			*port = true;
		if (kinds[i].parse)
			return kinds[i].parse(ps, w->v);
		if (strcmp(w->v[0], "vlans") == 0) {
			ps->br.have_vlans = true;
			return 0;
		}
		/* The same words as every other name here: a control byte or a trailing
		 * backslash would not read back as written (found by fuzz-portfile). */
		if (ps->link.naltnames == NG_PORT_ALTNAMES ||
		    text(w->v[1], ps->link.altnames[ps->link.naltnames],
			 sizeof(ps->link.altnames[0])) < 0 ||
		    !ps->link.altnames[ps->link.naltnames][0])
			return -EINVAL;
		ps->link.naltnames++;
		return 0;
	}
	return -EINVAL;
}

int ng_portstate_parse(const char *buf, size_t len, const char *name, struct ng_portstate **out,
		       struct ng_err *err)
{
	struct ng_portstate *ps;
	struct ng_lex lx;
	const char *line;
	unsigned lineno = 0;
	bool port = false;
	int r;

	*out = NULL;
	if (len < strlen(NG_MARKER) || strncmp(buf, NG_MARKER, strlen(NG_MARKER)) != 0)
		return ng_err_set(err, -EINVAL, name, 1, "not written by nicguard (no marker line)");
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	ng_lex_init(&lx, buf, len);
	while ((r = ng_lex_next(&lx, &line, &lineno)) > 0) {
		struct ng_words w = { 0 };

		r = ng_words_split(&w, line);
		if (r == 0 && w.n)
			r = parse_line(ps, &w, &port);
		ng_words_free(&w);
		if (r < 0)
			break;
	}
	ng_lex_free(&lx);
	if (r == 0 && !port)
		r = -EINVAL;
	if (r < 0) {
		free(ps);
		return ng_err_set(err, r, name, lineno, r == -ENOMEM ? "out of memory" :
				  "not a port place nicguard-watch wrote");
	}
	*out = ps;
	return 0;
}
