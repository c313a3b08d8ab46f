/* SPDX-License-Identifier: GPL-2.0-or-later */
/* value.c: values in ethtool(8) words turned into items, for policy files and stanza keys. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nicguard.h"
#include "internal.h"

/* Policy keys. Keep sorted: ng_key_lookup uses bsearch and a unit test checks the order.
 * backup-uplink is a flag of the backup set: it says which ports a vzdump job tightens.
 * Variants where they help: backup-pause (flow control off while a backup loads the port;
 * with autoneg off e1000e forces it without a link reset), watch-pause and watch-eee (what
 * e1000e's own hang report and the I217/I218/I219 hangs call for, after a hang). None for
 * eee during a backup (an EEE change resets an e1000e link: twice a job), channels (new
 * queues: a reset on every driver, and rps masks start over) or rfs (steady tuning). */
static const struct key {
	const char *name;
	enum ng_group group;
	enum ng_set set;
} keys[] = {
	{ "backup-coalesce", NG_COALESCE, NG_SET_BACKUP },
	{ "backup-link", NG_LINK, NG_SET_BACKUP },
	{ "backup-offload", NG_OFFLOAD, NG_SET_BACKUP },
	{ "backup-pause", NG_PAUSE, NG_SET_BACKUP },
	{ "backup-ring", NG_RING, NG_SET_BACKUP },
	{ "backup-uplink", NG_FLAG, NG_SET_BACKUP },
	{ "channels", NG_CHANNELS, NG_SET_NORMAL },
	{ "coalesce", NG_COALESCE, NG_SET_NORMAL },
	{ "eee", NG_EEE, NG_SET_NORMAL },
	{ "ethtool", NG_ETHTOOL, NG_SET_NORMAL },
	{ "interrupt-throttle-rate", NG_ITR, NG_SET_NORMAL },
	{ "kernel-cmdline", NG_CMDLINE, NG_SET_NORMAL },
	{ "link", NG_LINK, NG_SET_NORMAL },
	{ "offload", NG_OFFLOAD, NG_SET_NORMAL },
	{ "pause", NG_PAUSE, NG_SET_NORMAL },
	{ "rfs", NG_RFS, NG_SET_NORMAL },
	{ "ring", NG_RING, NG_SET_NORMAL },
	{ "rps", NG_RPS, NG_SET_NORMAL },
	{ "skip", NG_FLAG, NG_SET_NORMAL },
	{ "watch-coalesce", NG_COALESCE, NG_SET_WATCH },
	{ "watch-eee", NG_EEE, NG_SET_WATCH },
	{ "watch-offload", NG_OFFLOAD, NG_SET_WATCH },
	{ "watch-pause", NG_PAUSE, NG_SET_WATCH },
	{ "watch-ring", NG_RING, NG_SET_WATCH },
};

static int cmp_key(const void *k, const void *e)
{
	return strcmp(k, ((const struct key *)e)->name);
}

int ng_key_lookup(const char *key, enum ng_group *group, enum ng_set *set)
{
	const struct key *k = bsearch(key, keys, NG_ARRAY_SIZE(keys), sizeof(keys[0]), cmp_key);

	if (!k)
		return -ENOENT;
	*group = k->group;
	*set = k->set;
	return 0;
}

const char *ng_key_name(enum ng_group group, enum ng_set set)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(keys); i++)
		if (keys[i].group == group && keys[i].set == set)
			return keys[i].name;
	return NULL;
}

const char *ng_key_without_variant(const char *word, char *set, size_t len)
{
	static const char *const prefixes[] = { "backup-", "watch-" };

	for (size_t i = 0; i < NG_ARRAY_SIZE(prefixes); i++) {
		size_t pl = strlen(prefixes[i]);
		enum ng_group g;
		enum ng_set st;

		if (strncmp(word, prefixes[i], pl) != 0 || ng_key_lookup(word + pl, &g, &st) < 0 ||
		    st != NG_SET_NORMAL)
			continue;
		snprintf(set, len, "%.*s", (int)pl - 1, prefixes[i]);
		return ng_key_name(g, NG_SET_NORMAL);
	}
	return NULL;
}

const char *ng_group_key(enum ng_group g)
{
	return ng_key_name(g, NG_SET_NORMAL);
}

const char *ng_key_suggest(const char *word)
{
	const char *names[NG_ARRAY_SIZE(keys)];

	for (size_t i = 0; i < NG_ARRAY_SIZE(keys); i++)
		names[i] = keys[i].name;
	return ng_suggest(word, names, NG_ARRAY_SIZE(names));
}

bool ng_value_tables_sorted(void)
{
	return ng_table_sorted(keys, NG_ARRAY_SIZE(keys), sizeof(keys[0]));
}

void ng_items_free(struct ng_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].text);
	free(items);
}

int ng_items_put(struct ng_item **items, size_t *n, const struct ng_item *it, bool by_set)
{
	struct ng_item *slot = NULL, *v;
	char *text = NULL;

	if (it->text && !(text = strdup(it->text)))
		return -ENOMEM;
	for (size_t i = 0; i < *n && !slot; i++) {
		struct ng_item *o = &(*items)[i];

		if (o->group == it->group && strcmp(o->name, it->name) == 0 &&
		    (!by_set || o->set == it->set))
			slot = o;
	}
	if (!slot) {
		v = realloc(*items, (*n + 1) * sizeof(*v));
		if (!v) {
			free(text);
			return -ENOMEM;
		}
		*items = v;
		slot = &v[(*n)++];
	} else {
		free(slot->text);
	}
	*slot = *it;
	slot->text = text;
	return 0;
}

const struct ng_item *ng_wanted_find(const struct ng_wanted *w, enum ng_group group,
				     const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->items[i].group == group && strcmp(w->items[i].name, name) == 0)
			return &w->items[i];
	return NULL;
}

void ng_wanted_free(struct ng_wanted *w)
{
	ng_items_free(w->items, w->n);
	w->items = NULL;
	w->n = 0;
}

/* The parse of one value: items collected here first, so a bad value adds nothing. */
struct parse {
	enum ng_group group;
	enum ng_set set;
	struct ng_origin origin;
	struct ng_item *v;
	size_t n;
	struct ng_err *err;
};

static int fail(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Say what is wrong with the value; the caller adds where it was. Returns -EINVAL. */
static int fail(struct parse *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ng_err_vset(ps->err, -EINVAL, NULL, 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int add(struct parse *ps, const char *name, int64_t num, const char *text)
{
	struct ng_item it = {
		.group = ps->group, .set = ps->set, .num = num, .origin = ps->origin,
		.text = (char *)text,
	};

	if (strlen(name) >= sizeof(it.name))
		return fail(ps, "name too long: \"%.60s\"", name);
	memcpy(it.name, name, strlen(name) + 1);
	if (ng_items_put(&ps->v, &ps->n, &it, true) < 0)
		return ng_err_set(ps->err, -ENOMEM, NULL, 0, "out of memory");
	return 0;
}

/* A decimal number in [0, max]; no sign, no hex: ethtool words are plain numbers. */
static bool number(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool onoff(const char *s, int64_t *out)
{
	if (strcmp(s, "on") == 0)
		*out = 1;
	else if (strcmp(s, "off") == 0)
		*out = 0;
	else
		return false;
	return true;
}

/* "unknown offload "tos" (did you mean "tso"?)"; hint may be NULL. Returns -EINVAL. */
static int unknown(struct parse *ps, const char *what, const char *word, const char *hint)
{
	if (hint)
		return fail(ps, "unknown %s \"%s\" (did you mean \"%s\"?)", what, word, hint);
	return fail(ps, "unknown %s \"%s\"", what, word);
}

static int parse_offload(struct parse *ps, const struct ng_words *w)
{
	for (size_t i = 0; i < w->n; i += 2) {
		const char *name = w->v[i];
		char canon[NG_NAME_MAX];
		int64_t on;
		int r;

		if (ng_feature_canonical(name, canon, sizeof(canon)) < 0)
			return unknown(ps, "offload", name, ng_feature_suggest(name));
		if (i + 1 >= w->n)
			return fail(ps, "offload \"%s\" needs on or off", name);
		if (!onoff(w->v[i + 1], &on))
			return fail(ps, "offload %s: \"%s\" is not on or off", name, w->v[i + 1]);
		r = add(ps, canon, on, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One link word and its value into *v; returns 0 or -EINVAL. */
static int link_word(struct parse *ps, const char *k, const char *val, int64_t *v)
{
	static const char *const words[] = { "autoneg", "duplex", "speed" };

	if (strcmp(k, "speed") != 0 && strcmp(k, "duplex") != 0 && strcmp(k, "autoneg") != 0) {
		const char *hint = ng_suggest(k, words, NG_ARRAY_SIZE(words));

		if (hint)
			return unknown(ps, "link setting", k, hint);
		return fail(ps, "unknown link setting \"%s\": use speed, duplex, autoneg, "
			    "or an ethtool = line for others", k);
	}
	if (!val)
		return fail(ps, "link %s needs a value", k);
	if (strcmp(k, "speed") == 0) {
		if (!number(val, INT32_MAX, v) || *v == 0)
			return fail(ps, "link speed \"%s\" is not a positive number of Mb/s", val);
	} else if (strcmp(k, "duplex") == 0) {
		if (strcmp(val, "half") != 0 && strcmp(val, "full") != 0)
			return fail(ps, "link duplex \"%s\" is not half or full", val);
		*v = strcmp(val, "full") == 0;
	} else if (!onoff(val, v)) {
		return fail(ps, "link autoneg \"%s\" is not on or off", val);
	}
	return 0;
}

static int parse_link(struct parse *ps, const struct ng_words *w)
{
	const char *speed = NULL, *duplex = NULL;
	int64_t v = 0, autoneg = -1;

	for (size_t i = 0; i < w->n; i += 2) {
		const char *k = w->v[i], *val = i + 1 < w->n ? w->v[i + 1] : NULL;
		int r = link_word(ps, k, val, &v);

		if (r < 0)
			return r;
		if (strcmp(k, "speed") == 0)
			speed = val;
		else if (strcmp(k, "duplex") == 0)
			duplex = val;
		else
			autoneg = v;
		r = add(ps, k, v, NULL);
		if (r < 0)
			return r;
	}
	/* Forcing speed or duplex with autoneg on only changes what is advertised. */
	if ((speed || duplex) && autoneg != 0)
		return fail(ps, "%s %s needs autoneg off: with autoneg on the link partner decides",
			    speed ? "speed" : "duplex", speed ? speed : duplex);
	return 0;
}

/* coalesce, ring, pause, eee, channels: NAME VALUE pairs of the group's table (ethtool -C,
 * -G, -A, --set-eee, -L words), each on|off or a number. */
static int parse_params(struct parse *ps, const struct ng_words *w)
{
	const char *what = ng_key_name(ps->group, NG_SET_NORMAL);

	for (size_t i = 0; i < w->n; i += 2) {
		const char *k = w->v[i], *val = i + 1 < w->n ? w->v[i + 1] : NULL;
		const struct ng_param *pm = ng_param_find(ps->group, k);
		char names[128];
		int64_t v;
		int r;

		if (!pm) {
			const char *hint = ng_param_suggest(ps->group, k);

			/* coalesce has 22 names: the man page lists them, a message cannot */
			if (hint || ps->group == NG_COALESCE) {
				snprintf(names, sizeof(names), "%s parameter", what);
				return unknown(ps, names, k, hint);
			}
			return fail(ps, "unknown %s parameter \"%.40s\": use %s", what, k,
				    ng_param_names(ps->group, names, sizeof(names)));
		}
		if (!val)
			return fail(ps, "%s %s needs a value", what, k);
		if (pm->onoff) {
			if (!onoff(val, &v))
				return fail(ps, "%s %s: \"%s\" is not on or off", what, k, val);
		} else if (!number(val, UINT32_MAX, &v)) {
			return fail(ps, "%s %s: \"%s\" is not a number (0-%u)", what, k, val,
				    UINT32_MAX);
		}
		r = add(ps, k, v, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* rfs = ENTRIES: the RFS table size, 0 (the queues' tables off) to NG_RFS_MAX. */
static int parse_rfs(struct parse *ps, const struct ng_words *w)
{
	int64_t v;

	if (w->n != 1 || !number(w->v[0], (int64_t)NG_RFS_MAX, &v))
		return fail(ps, "rfs \"%.40s\" is not a number of flow entries (0-%lu), e.g. "
			    "32768", w->v[0], NG_RFS_MAX);
	return add(ps, "rfs", v, NULL);
}

/* One value for every rx queue, or one per rx queue in queue order (rx-0 first): the
 * canonical words joined by single spaces. */
static int parse_rps(struct parse *ps, const struct ng_words *w)
{
	char *text = NULL;
	size_t len = 0;
	int r = 0;

	if (w->n == 0 || w->n > NG_RPS_QUEUES_MAX)
		return fail(ps, "rps takes all, none, a hex mask (ffff) or a CPU list (0-3,8); "
			    "or one such value per rx queue (at most %d)", NG_RPS_QUEUES_MAX);
	for (size_t i = 0; i < w->n && r == 0; i++) {
		char *one = NULL, *grown;

		r = ng_rps_canonical(w->v[i], &one);
		if (r == -ERANGE)
			r = fail(ps, "rps \"%.40s\" names CPUs beyond %u", w->v[i],
				 NG_RPS_CPUS_MAX - 1);
		else if (r == -EINVAL)
			r = fail(ps, "rps \"%.40s\" is not all, none, a hex mask (ffff, "
				 "00000000,0000000f) or a CPU list (0-3,8)", w->v[i]);
		if (r < 0)
			break;
		grown = one ? realloc(text, len + strlen(one) + 2) : NULL;
		if (!grown) {
			free(one);
			r = -ENOMEM;
			break;
		}
		text = grown;
		len += (size_t)sprintf(text + len, "%s%s", len ? " " : "", one);
		free(one);
	}
	if (r == -ENOMEM)
		r = ng_err_set(ps->err, r, NULL, 0, "out of memory");
	if (r == 0)
		r = add(ps, "rps", 0, text);
	free(text);
	return r;
}

static int parse_ethtool(struct parse *ps, const struct ng_words *w)
{
	size_t len = 0, o = 0;
	bool ifname = false;
	char *text;
	int r;

	if (w->v[0][0] != '-' || !w->v[0][1])
		return fail(ps, "ethtool line must start with an ethtool option such as "
			    "--set-eee, not \"%.40s\"", w->v[0]);
	for (size_t i = 0; i < w->n; i++) {
		ifname |= strcmp(w->v[i], "{}") == 0;
		len += strlen(w->v[i]) + 1;
	}
	if (!ifname)
		return fail(ps, "ethtool line must name the interface as {}, e.g. "
			    "\"--set-eee {} eee off\"");
	text = malloc(len);
	if (!text)
		return ng_err_set(ps->err, -ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < w->n; i++)
		o += (size_t)sprintf(text + o, "%s%s", i ? " " : "", w->v[i]);
	r = add(ps, w->v[0], 0, text);
	free(text);
	return r;
}

/* e1000e's InterruptThrottleRate (e1000e_validate_option in the driver's param.c): the modes
 * 0, 1, 3, 4, or a rate in interrupts per second. The one rule for the parser, the planner
 * and the modprobe.d generator. */
bool ng_itr_valid(int64_t v)
{
	return v == 0 || v == 1 || v == 3 || v == 4 || (v >= 100 && v <= 100000);
}

int ng_itr_to_usecs(int64_t itr, uint32_t *usecs)
{
	if (!ng_itr_valid(itr))
		return -EINVAL;
	/* e1000e takes the modes as rx-usecs too; a rate becomes the interval: 100-100000
	 * interrupts/s are 10000-10 us, the range the driver accepts. */
	*usecs = (uint32_t)(itr < 100 ? itr : 1000000 / itr);
	return 0;
}

static int parse_itr(struct parse *ps, const struct ng_words *w)
{
	int64_t v;

	if (w->n != 1 || !number(w->v[0], 100000, &v) || !ng_itr_valid(v))
		return fail(ps, "interrupt-throttle-rate \"%.40s\" is not valid: use %s", w->v[0],
			    NG_ITR_VALUES);
	return add(ps, "interrupt-throttle-rate", v, NULL);
}

static int parse_flag(struct parse *ps, const struct ng_words *w)
{
	static const char *const yes[] = { "yes", "on", "true" };
	static const char *const no[] = { "no", "off", "false" };
	const char *key = ng_key_name(NG_FLAG, ps->set);
	int64_t v = -1;

	for (size_t i = 0; i < NG_ARRAY_SIZE(yes) && w->n == 1; i++) {
		if (strcmp(w->v[0], yes[i]) == 0)
			v = 1;
		if (strcmp(w->v[0], no[i]) == 0)
			v = 0;
	}
	if (!key)
		return fail(ps, "no flag for this set");
	if (v < 0)
		return fail(ps, "%s \"%.40s\" is not yes or no", key, w->v[0]);
	return add(ps, key, v, NULL);
}

/* Kernel parameters that help against NIC hangs, in the order they are written. Each is
 * opt-in through kernel-cmdline; nothing else may reach the boot configuration from a
 * policy file. See nicguard.conf(5) for what each does. */
static const char *const cmdline_params[] = {
	"pcie_aspm=off",
	"pcie_aspm.policy=performance",
	"pcie_port_pm=off",
};

bool ng_cmdline_param_known(const char *word)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(cmdline_params); i++)
		if (strcmp(word, cmdline_params[i]) == 0)
			return true;
	return false;
}

/* kernel-cmdline = PARAM=VALUE... | none: known parameters only, kept in table order. */
static int parse_cmdline(struct parse *ps, const struct ng_words *w)
{
	char text[256] = "";
	size_t o = 0;

	if (w->n == 1 && strcmp(w->v[0], "none") == 0)
		return add(ps, "kernel-cmdline", 0, "");
	for (size_t i = 0; i < w->n; i++) {
		if (!ng_cmdline_param_known(w->v[i])) {
			const char *hint = ng_suggest(w->v[i], cmdline_params,
						      NG_ARRAY_SIZE(cmdline_params));

			if (hint)
				return unknown(ps, "kernel parameter", w->v[i], hint);
			return fail(ps, "kernel parameter \"%.60s\" is not one nicguard writes: "
				    "use pcie_aspm=off, pcie_aspm.policy=performance, "
				    "pcie_port_pm=off, or none", w->v[i]);
		}
	}
	for (size_t k = 0; k < NG_ARRAY_SIZE(cmdline_params); k++)
		for (size_t i = 0; i < w->n; i++)
			if (strcmp(w->v[i], cmdline_params[k]) == 0) {
				o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s",
						      o ? " " : "", cmdline_params[k]);
				break;
			}
	return add(ps, "kernel-cmdline", 1, text);
}

int ng_value_parse(enum ng_group group, enum ng_set set, const char *text,
		   struct ng_origin origin, struct ng_item **items, size_t *n,
		   struct ng_err *err)
{
	struct parse ps = { .group = group, .set = set, .origin = origin, .err = err };
	struct ng_words w;
	int r;

	for (const char *c = text; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t' && *c != ' ') || *c == 0x7f)
			return ng_err_set(err, -EINVAL, NULL, 0, "control character in value");
	if (ng_words_split(&w, text) < 0)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (w.n == 0) {
		ng_words_free(&w);
		return ng_err_set(err, -EINVAL, NULL, 0, "empty value");
	}
	switch (group) {
	case NG_OFFLOAD:
		r = parse_offload(&ps, &w);
		break;
	case NG_LINK:
		r = parse_link(&ps, &w);
		break;
	case NG_COALESCE:
	case NG_RING:
	case NG_PAUSE:
	case NG_EEE:
	case NG_CHANNELS:
		r = parse_params(&ps, &w);
		break;
	case NG_RFS:
		r = parse_rfs(&ps, &w);
		break;
	case NG_RPS:
		r = parse_rps(&ps, &w);
		break;
	case NG_ETHTOOL:
		r = parse_ethtool(&ps, &w);
		break;
	case NG_ITR:
		r = parse_itr(&ps, &w);
		break;
	case NG_FLAG:
		r = parse_flag(&ps, &w);
		break;
	case NG_CMDLINE:
		r = parse_cmdline(&ps, &w);
		break;
	default:
		r = ng_err_set(err, -EINVAL, NULL, 0, "no such setting group");
		break;
	}
	ng_words_free(&w);
	/* Only a value without errors reaches the caller's items: later replaces earlier. */
	for (size_t i = 0; r == 0 && i < ps.n; i++)
		if (ng_items_put(items, n, &ps.v[i], true) < 0)
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	ng_items_free(ps.v, ps.n);
	return r;
}

const char *ng_item_value_str(const struct ng_item *it, char *buf, size_t len)
{
	const struct ng_param *pm = ng_param_find(it->group, it->name);
	const char *s = NULL;

	if (pm && pm->onoff)
		s = it->num ? "on" : "off";
	switch (it->group) {
	case NG_OFFLOAD:
		s = it->num ? "on" : "off";
		break;
	case NG_LINK:
		if (strcmp(it->name, "duplex") == 0)
			s = it->num ? "full" : "half";
		else if (strcmp(it->name, "autoneg") == 0)
			s = it->num ? "on" : "off";
		break;
	case NG_RPS:
	case NG_ETHTOOL:
		s = it->text ? it->text : "";
		break;
	case NG_FLAG:
		s = it->num ? "yes" : "no";
		break;
	case NG_CMDLINE:
		s = it->text && it->text[0] ? it->text : "none";
		break;
	default:
		break;
	}
	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%lld", (long long)it->num);
	return buf;
}

/* Keys whose items share one line, each as NAME VALUE: link needs speed and autoneg off on
 * the same line; the ethtool struct groups are written as ethtool takes them. The others
 * hold one value. */
static bool grouped(enum ng_group g)
{
	return g == NG_OFFLOAD || g == NG_LINK || g == NG_COALESCE || g == NG_RING ||
	       g == NG_PAUSE || g == NG_EEE || g == NG_CHANNELS;
}

/* The item as written after its key: "tso off", "speed 100"; the value alone for the keys
 * of one value ("all", "3", "--set-eee {} eee off"). */
static const char *item_words(const struct ng_item *it, char *buf, size_t len)
{
	char val[NG_TEXT_MAX];

	if (grouped(it->group))
		snprintf(buf, len, "%s %s", it->name, ng_item_value_str(it, val, sizeof(val)));
	else
		ng_item_value_str(it, buf, len);
	return buf;
}

const char *ng_item_str(const struct ng_item *it, char *buf, size_t len)
{
	const char *key = ng_key_name(it->group, it->set);
	char words[NG_NAME_MAX + NG_TEXT_MAX + 2];

	snprintf(buf, len, "%s = %s", key ? key : "?", item_words(it, words, sizeof(words)));
	return buf;
}

int ng_items_print(FILE *out, const char *prefix, const char *eq, const struct ng_item *items,
		   size_t n)
{
	char words[NG_NAME_MAX + NG_TEXT_MAX + 2];

	for (size_t i = 0; i < n; i++) {
		const struct ng_item *it = &items[i];
		const char *key = ng_key_name(it->group, it->set);
		bool first = true;

		/* A grouped key's line is written at its first item, with all of them. */
		for (size_t j = 0; j < i && grouped(it->group); j++)
			first &= !(items[j].group == it->group && items[j].set == it->set);
		if (!key || !first)
			continue;
		fprintf(out, "%s%s%s", prefix, key, eq);
		/* A one-value key's text (rps masks per queue, ethtool words) may be longer
		 * than any buffer here: it goes out as it is. */
		if (!grouped(it->group) && it->text && it->text[0])
			fprintf(out, " %s", it->text);
		for (size_t j = i; j < n && (grouped(it->group) || !it->text || !it->text[0]); j++)
			if (j == i || (grouped(it->group) && items[j].group == it->group &&
				       items[j].set == it->set))
				fprintf(out, " %s", item_words(&items[j], words, sizeof(words)));
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
