/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watchopt.c: the [watch] options: their defaults, checking one line, resolving per interface. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define HOUR_MS (3600ull * 1000)
#define DURATION_MAX_MS (7ull * 24 * HOUR_MS)

enum otype { T_BOOL, T_CLASSES, T_DURATION, T_BACKUP, T_LADDER, T_COUNT, T_PATH, T_PROBE,
	     T_WATCHDOG };

/* [watch] keys. Keep sorted: bsearch, and a unit test checks the order. */
static const struct okey {
	const char *name;
	size_t off;
	enum otype type;
	bool global;		/* cannot be scoped to a driver or an interface */
	const char *min;	/* a duration's least value, in its own words; NULL: none */
} okeys[] = {
	{ "accept-user", offsetof(struct ng_watch_opts, accept_user), T_BOOL, true, NULL },
	{ "act-on", offsetof(struct ng_watch_opts, act_on), T_CLASSES, false, NULL },
	{ "backoff-max", offsetof(struct ng_watch_opts, backoff_max_ms), T_DURATION, false, NULL },
	{ "debounce", offsetof(struct ng_watch_opts, debounce_ms), T_DURATION, false, NULL },
	{ "during-backup", offsetof(struct ng_watch_opts, during_backup), T_BACKUP, false, NULL },
	{ "ladder", 0, T_LADDER, false, NULL },
	{ "max-per-hour", offsetof(struct ng_watch_opts, max_per_hour), T_COUNT, false, NULL },
	{ "metrics", offsetof(struct ng_watch_opts, metrics_path), T_PATH, true, NULL },
	{ "metrics-interval", offsetof(struct ng_watch_opts, metrics_interval_ms), T_DURATION,
	  true, NULL },
	{ "min-interval", offsetof(struct ng_watch_opts, min_interval_ms), T_DURATION, false,
	  NULL },
	{ "probe", 0, T_PROBE, false, NULL },
	{ "probe-failures", offsetof(struct ng_watch_opts, probe_failures), T_COUNT, false, NULL },
	/* Each probe round is a wakeup; below a second it would be a busy loop. */
	{ "probe-interval", offsetof(struct ng_watch_opts, probe_interval_ms), T_DURATION, true,
	  "1s" },
	{ "quiet-after-boot", offsetof(struct ng_watch_opts, quiet_ms), T_DURATION, false, NULL },
	/* A host that reboots for a hang must come up and stay up a while first: no loop. */
	{ "reboot-min-uptime", offsetof(struct ng_watch_opts, reboot_min_uptime_ms), T_DURATION,
	  true, "1m" },
	{ "reboot-period", offsetof(struct ng_watch_opts, reboot_period_ms), T_DURATION, true,
	  "1h" },
	{ "reboot-watchdog", offsetof(struct ng_watch_opts, reboot_watchdog), T_WATCHDOG, true,
	  NULL },
	/* Shorter than a normal shutdown would reset a host that was rebooting fine. */
	{ "reboot-watchdog-timeout", offsetof(struct ng_watch_opts, reboot_watchdog_timeout_ms),
	  T_DURATION, true, "1m" },
	{ "reset-after", offsetof(struct ng_watch_opts, reset_after_ms), T_DURATION, false, NULL },
	{ "settle", offsetof(struct ng_watch_opts, settle_ms), T_DURATION, false, NULL },
};

static const char *const step_names[] = { "none", "log", "bounce", "reapply", "rebind",
					    "reboot" };
static const char *const backup_names[] = { "reapply", "log", "allow" };

bool ng_watch_tables_sorted(void)
{
	return ng_table_sorted(okeys, NG_ARRAY_SIZE(okeys), sizeof(okeys[0]));
}

const char *ng_watch_step_name(enum ng_watch_step s)
{
	return (unsigned)s < NG_ARRAY_SIZE(step_names) ? step_names[s] : "?";
}

void ng_watch_opts_default(struct ng_watch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ladder[0] = NG_STEP_BOUNCE;
	o->ladder[1] = NG_STEP_REAPPLY;
	o->ladder[2] = NG_STEP_REBIND;
	o->nladder = 3;
	o->act_on = 1u << NG_SIG_HANG;
	o->debounce_ms = 5000;
	o->settle_ms = 3000;
	o->min_interval_ms = 10000;
	o->backoff_max_ms = HOUR_MS;
	o->reset_after_ms = HOUR_MS;
	o->quiet_ms = 120000;
	o->max_per_hour = 6;
	o->during_backup = NG_BACKUP_REAPPLY;
	snprintf(o->metrics_path, sizeof(o->metrics_path), "%s", NG_METRICS_PATH);
	o->metrics_interval_ms = 300000;
	o->probe = NG_PROBE_NONE;
	o->probe_failures = 3;
	o->probe_interval_ms = 10000;
	o->reboot_min_uptime_ms = HOUR_MS;
	o->reboot_period_ms = 24 * HOUR_MS;
	o->reboot_watchdog_timeout_ms = 10 * 60000;
}

static int cmp_okey(const void *k, const void *e)
{
	return strcmp(k, ((const struct okey *)e)->name);
}

static int parse_duration(const char *v, uint64_t *out, struct ng_err *err)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", HOUR_MS } };
	uint64_t n = 0;
	const char *p = v;

	if (*p < '0' || *p > '9')
		goto bad;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (uint64_t)(*p++ - '0');
		if (n > DURATION_MAX_MS)
			goto bad;
	}
	for (size_t i = 0; i < NG_ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			if (n * units[i].ms > DURATION_MAX_MS)
				goto bad;
			*out = n * units[i].ms;
			return 0;
		}
	}
bad:
	return ng_err_set(err, -EINVAL, NULL, 0, "bad duration \"%s\" (expected e.g. 500ms, 10s, "
			  "5m, 1h; at most 7 days)", v);
}

static int parse_bool(const char *v, bool *out, struct ng_err *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < NG_ARRAY_SIZE(yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return ng_err_set(err, -EINVAL, NULL, 0, "bad boolean \"%s\" (expected yes or no)", v);
}

/* Run fn over the space-separated words of v. */
static int each_word(const char *v, int (*fn)(const char *w, size_t n, void *data), void *data)
{
	while (*v) {
		size_t n;
		int r;

		while (*v == ' ' || *v == '\t')
			v++;
		n = strcspn(v, " \t");
		if (n == 0)
			break;
		r = fn(v, n, data);
		if (r < 0)
			return r;
		v += n;
	}
	return 0;
}

static int lookup_word(const char *w, size_t n, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], w, n) == 0)
			return (int)i;
	return -1;
}

struct words {
	struct ng_watch_opts *o;
	struct ng_err *err;
	unsigned mask;
};

static int class_word(const char *w, size_t n, void *data)
{
	static const char *const names[] = { "hang", "reset", "stall" };
	struct words *ws = data;
	int i = lookup_word(w, n, names, NG_ARRAY_SIZE(names));

	if (i < 0)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "unknown class \"%.*s\" (expected "
				  "hang, reset, stall or none)", (int)n, w);
	ws->mask |= 1u << i;
	return 0;
}

static int ladder_word(const char *w, size_t n, void *data)
{
	struct words *ws = data;
	int i = lookup_word(w, n, step_names, NG_ARRAY_SIZE(step_names));

	if (i <= NG_STEP_NONE)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "unknown step \"%.*s\" (expected log, "
				  "bounce, reapply, rebind or reboot)", (int)n, w);
	if (ws->o->nladder == NG_WATCH_LADDER_MAX)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "a ladder has at most %d steps",
				  NG_WATCH_LADDER_MAX);
	ws->o->ladder[ws->o->nladder++] = (enum ng_watch_step)i;
	return 0;
}

static int parse_count(const char *v, unsigned *out, struct ng_err *err)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*v < '0' || *v > '9' || *end || n < 1 || n > NG_WATCH_PER_HOUR_MAX)
		return ng_err_set(err, -EINVAL, NULL, 0, "bad count \"%s\" (expected 1 to %d)", v,
				  NG_WATCH_PER_HOUR_MAX);
	*out = (unsigned)n;
	return 0;
}

/* A ladder replaces the whole default one, and only when every word is good. */
static int parse_ladder(const char *v, struct ng_watch_opts *o, struct ng_err *err)
{
	struct ng_watch_opts tmp = *o;
	struct words ws = { &tmp, err, 0 };
	int r;

	tmp.nladder = 0;
	r = each_word(v, ladder_word, &ws);
	if (r == 0 && tmp.nladder == 0)
		r = ng_err_set(err, -EINVAL, NULL, 0, "empty ladder");
	/* The last resort: only after the other steps failed, so never first, and nothing
	 * after it. */
	for (size_t i = 0; r == 0 && i < tmp.nladder; i++)
		if (tmp.ladder[i] == NG_STEP_REBOOT && (i == 0 || i + 1 < tmp.nladder))
			r = ng_err_set(err, -EINVAL, NULL, 0, "reboot can only be the last step, "
				       "after another (e.g. ladder = bounce reapply rebind reboot)");
	if (r == 0) {
		memcpy(o->ladder, tmp.ladder, sizeof(o->ladder));
		o->nladder = tmp.nladder;
	}
	return r;
}

static int parse_path(const char *v, char *out, size_t len, struct ng_err *err)
{
	if (strcmp(v, "none") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (v[0] != '/' || strlen(v) >= len || strstr(v, "/../") ||
	    strcmp(v + strlen(v) - 1, "/") == 0)
		return ng_err_set(err, -EINVAL, NULL, 0, "bad path \"%s\" (expected an "
				  "absolute file path, or none)", v);
	snprintf(out, len, "%s", v);
	return 0;
}

static int probe_word(const char *w, size_t n, void *data)
{
	struct words *ws = data;
	struct ng_watch_opts *o = ws->o;
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;
	uint32_t h;

	if (o->probe == NG_PROBE_ADDRS && o->nprobe_addrs == NG_PROBE_ADDRS_MAX)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "probe names at most %d addresses",
				  NG_PROBE_ADDRS_MAX);
	snprintf(addr, sizeof(addr), "%.*s", (int)n, w);
	if (n >= sizeof(addr) || inet_pton(AF_INET, addr, &a) != 1)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "bad probe \"%.*s\" (expected none, "
				  "gateway, or IPv4 addresses of neighbours on the link)", (int)n, w);
	h = ntohl(a.s_addr);
	/* A neighbour answers ARP for a unicast address of its own. */
	if (h == 0 || h == 0xffffffffu || (h >> 24) == 127 || (h >> 28) == 0xe)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "probe address %s is not a "
				  "neighbour's unicast address", addr);
	o->probe = NG_PROBE_ADDRS;
	o->probe_addrs[o->nprobe_addrs++] = a.s_addr;
	return 0;
}

/* reboot-watchdog = none|/dev/watchdog|/dev/watchdogN: a watchdog device node by name only,
 * nothing else under /dev is ever opened for it. */
static int parse_watchdog(const char *v, char *out, size_t len, struct ng_err *err)
{
	static const char pre[] = "/dev/watchdog";
	const char *n = strncmp(v, pre, strlen(pre)) == 0 ? v + strlen(pre) : NULL;

	if (strcmp(v, "none") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (!n || strlen(v) >= len || strspn(n, "0123456789") != strlen(n) ||
	    (n[0] == '0' && n[1]))
		return ng_err_set(err, -EINVAL, NULL, 0, "bad reboot-watchdog \"%s\" (expected "
				  "none, /dev/watchdog or /dev/watchdogN)", v);
	snprintf(out, len, "%s", v);
	return 0;
}

/* probe = none|gateway|ADDRESS...: the whole value replaces the one before, when good. */
static int parse_probe(const char *v, struct ng_watch_opts *o, struct ng_err *err)
{
	struct ng_watch_opts tmp = *o;
	struct words ws = { &tmp, err, 0 };
	int r = 0;

	tmp.probe = NG_PROBE_NONE;
	tmp.nprobe_addrs = 0;
	if (strcmp(v, "gateway") == 0)
		tmp.probe = NG_PROBE_GATEWAY;
	else if (strcmp(v, "none") != 0)
		r = each_word(v, probe_word, &ws);
	if (r == 0 && tmp.probe == NG_PROBE_NONE && strcmp(v, "none") != 0)
		r = ng_err_set(err, -EINVAL, NULL, 0, "empty probe (expected none, gateway, or "
			       "IPv4 addresses)");
	if (r < 0)
		return r;
	o->probe = tmp.probe;
	o->nprobe_addrs = tmp.nprobe_addrs;
	memcpy(o->probe_addrs, tmp.probe_addrs, sizeof(o->probe_addrs));
	return 0;
}

static int set_value(struct ng_watch_opts *o, const struct okey *k, const char *v,
		     struct ng_err *err)
{
	void *field = (char *)o + k->off;
	struct words ws = { o, err, 0 };
	uint64_t ms = 0;
	int r, i;

	switch (k->type) {
	case T_BOOL:
		return parse_bool(v, field, err);
	case T_DURATION:
		r = parse_duration(v, &ms, err);
		if (r == 0 && k->min) {
			uint64_t min = 0;

			(void)parse_duration(k->min, &min, NULL);
			if (ms < min)
				r = ng_err_set(err, -EINVAL, NULL, 0, "%s below %s", k->name,
					       k->min);
		}
		if (r == 0)
			*(uint64_t *)field = ms;
		return r;
	case T_COUNT:
		return parse_count(v, field, err);
	case T_CLASSES:
		r = strcmp(v, "none") == 0 ? 0 : each_word(v, class_word, &ws);
		if (r == 0)
			*(unsigned *)field = ws.mask;
		return r;
	case T_BACKUP:
		i = lookup_word(v, strlen(v), backup_names, NG_ARRAY_SIZE(backup_names));
		if (i < 0)
			return ng_err_set(err, -EINVAL, NULL, 0,
					  "bad value \"%s\" (expected reapply, log or allow)", v);
		*(enum ng_watch_backup *)field = (enum ng_watch_backup)i;
		return 0;
	case T_LADDER:
		return parse_ladder(v, o, err);
	case T_PATH:
		o->metrics_set = true;
		return parse_path(v, o->metrics_path, sizeof(o->metrics_path), err);
	case T_PROBE:
		return parse_probe(v, o, err);
	case T_WATCHDOG:
		return parse_watchdog(v, field, sizeof(o->reboot_watchdog), err);
	}
	return -EINVAL;
}

/* Split "driver.NAME.KEY" / "interface.NAME.KEY" (NAME may hold dots: eth0.100) or "KEY". */
static int split_key(const char *key, char *scope, size_t slen, char *name, size_t nlen,
		     const char **bare, struct ng_err *err)
{
	const char *dot = strchr(key, '.'), *last = strrchr(key, '.');

	scope[0] = name[0] = '\0';
	*bare = key;
	if (!dot)
		return 0;
	if (dot == last || last == dot + 1 || (size_t)(dot - key) >= slen ||
	    (size_t)(last - dot - 1) >= nlen)
		return ng_err_set(err, -EINVAL, NULL, 0, "bad scoped key \"%s\" (expected "
				  "driver.NAME.KEY or interface.NAME.KEY)", key);
	memcpy(scope, key, (size_t)(dot - key));
	scope[dot - key] = '\0';
	memcpy(name, dot + 1, (size_t)(last - dot - 1));
	name[last - dot - 1] = '\0';
	*bare = last + 1;
	if (strcmp(scope, "driver") != 0 && strcmp(scope, "interface") != 0)
		return ng_err_set(err, -EINVAL, NULL, 0, "bad scope \"%s\" in \"%s\" (expected "
				  "driver or interface)", scope, key);
	if (strcmp(scope, "interface") == 0 && !ng_ifname_valid(name))
		return ng_err_set(err, -EINVAL, NULL, 0, "bad interface name \"%s\" in \"%s\"",
				  name, key);
	return 0;
}

static const struct okey *find_key(const char *bare, struct ng_err *err)
{
	const struct okey *k = bsearch(bare, okeys, NG_ARRAY_SIZE(okeys), sizeof(okeys[0]),
				       cmp_okey);
	const char *names[NG_ARRAY_SIZE(okeys)];
	const char *hint;

	if (k)
		return k;
	for (size_t i = 0; i < NG_ARRAY_SIZE(okeys); i++)
		names[i] = okeys[i].name;
	hint = ng_suggest(bare, names, NG_ARRAY_SIZE(names));
	if (hint)
		ng_err_set(err, -ENOENT, NULL, 0, "unknown [watch] key \"%s\" (did you mean "
			   "\"%s\"?)", bare, hint);
	else
		ng_err_set(err, -ENOENT, NULL, 0, "unknown [watch] key \"%s\"", bare);
	return NULL;
}

int ng_watch_option_check(const char *key, const char *value, struct ng_err *err)
{
	char scope[16], name[NG_IFNAMSIZ + 32];
	struct ng_watch_opts o;
	const struct okey *k;
	const char *bare;
	int r;

	r = split_key(key, scope, sizeof(scope), name, sizeof(name), &bare, err);
	if (r < 0)
		return r;
	k = find_key(bare, err);
	if (!k)
		return -EINVAL;
	if (scope[0] && k->global)
		return ng_err_set(err, -EINVAL, NULL, 0, "\"%s\" holds for the whole daemon and "
				  "cannot be set per %s", bare, scope);
	ng_watch_opts_default(&o);
	return set_value(&o, k, value, err);
}

/* Apply one section's options of one scope (0 plain, 1 driver, 2 interface) for ifc. */
static void apply_section(const struct ng_section *s, int pass, const struct ng_iface *ifc,
			  struct ng_watch_opts *o)
{
	for (size_t i = 0; i < s->nopts; i++) {
		char scope[16], name[NG_IFNAMSIZ + 32];
		const struct okey *k;
		const char *bare;

		if (split_key(s->opt_keys[i], scope, sizeof(scope), name, sizeof(name), &bare,
			      NULL) < 0)
			continue;
		if (pass == 0 && scope[0])
			continue;
		if (pass > 0 && (!ifc || strcmp(scope, pass == 1 ? "driver" : "interface") != 0 ||
				 strcmp(name, pass == 1 ? ifc->driver : ifc->name) != 0))
			continue;
		k = bsearch(bare, okeys, NG_ARRAY_SIZE(okeys), sizeof(okeys[0]), cmp_okey);
		if (k && !(pass > 0 && k->global) && set_value(o, k, s->opt_values[i], NULL) == 0 &&
		    k->type == T_PROBE)
			o->probe_named = pass == 2;
	}
}

void ng_watch_opts_resolve(const struct ng_policy *p, const struct ng_iface *ifc,
			   struct ng_watch_opts *o)
{
	ng_watch_opts_default(o);
	for (int pass = 0; p && pass < 3; pass++)
		for (size_t i = 0; i < p->nsections; i++)
			if (p->sections[i].kind == NG_MATCH_WATCH && !p->sections[i].bad)
				apply_section(&p->sections[i], pass, ifc, o);
}

bool ng_watch_probe_wanted(const struct ng_policy *p)
{
	for (size_t i = 0; p && i < p->nsections; i++) {
		const struct ng_section *s = &p->sections[i];

		for (size_t j = 0; s->kind == NG_MATCH_WATCH && !s->bad && j < s->nopts; j++) {
			const char *dot = strrchr(s->opt_keys[j], '.');
			const char *bare = dot ? dot + 1 : s->opt_keys[j];

			if (strcmp(bare, "probe") == 0 && strcmp(s->opt_values[j], "none") != 0)
				return true;
		}
	}
	return false;
}
