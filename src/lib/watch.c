/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.c: [watch] options, and the decisions of nicguard-watch: debounce, ladder, limits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define HOUR_MS (3600ull * 1000)
#define MAX_STATES 256			/* interfaces tracked at once */
#define BACKUP_RECHECK_MS (30ull * 1000)	/* while a held step waits for a backup to end */
#define DURATION_MAX_MS (7ull * 24 * HOUR_MS)

/* ----------------------------------------------------------------- options */

enum otype { T_BOOL, T_CLASSES, T_DURATION, T_BACKUP, T_LADDER, T_COUNT, T_PATH };

/* [watch] keys. Keep sorted: bsearch, and a unit test checks the order. */
static const struct okey {
	const char *name;
	size_t off;
	enum otype type;
	bool global;		/* cannot be scoped to a driver or an interface */
} okeys[] = {
	{ "accept-user", offsetof(struct ng_watch_opts, accept_user), T_BOOL, true },
	{ "act-on", offsetof(struct ng_watch_opts, act_on), T_CLASSES, false },
	{ "backoff-max", offsetof(struct ng_watch_opts, backoff_max_ms), T_DURATION, false },
	{ "debounce", offsetof(struct ng_watch_opts, debounce_ms), T_DURATION, false },
	{ "during-backup", offsetof(struct ng_watch_opts, during_backup), T_BACKUP, false },
	{ "ladder", 0, T_LADDER, false },
	{ "max-per-hour", offsetof(struct ng_watch_opts, max_per_hour), T_COUNT, false },
	{ "metrics", offsetof(struct ng_watch_opts, metrics_path), T_PATH, true },
	{ "metrics-interval", offsetof(struct ng_watch_opts, metrics_interval_ms), T_DURATION,
	  true },
	{ "min-interval", offsetof(struct ng_watch_opts, min_interval_ms), T_DURATION, false },
	{ "quiet-after-boot", offsetof(struct ng_watch_opts, quiet_ms), T_DURATION, false },
	{ "reset-after", offsetof(struct ng_watch_opts, reset_after_ms), T_DURATION, false },
	{ "settle", offsetof(struct ng_watch_opts, settle_ms), T_DURATION, false },
};

static const char *const step_names[] = { "none", "log", "bounce", "reapply", "rebind" };
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
				  "bounce, reapply or rebind)", (int)n, w);
	if (ws->o->nladder == NG_WATCH_LADDER_MAX)
		return ng_err_set(ws->err, -EINVAL, NULL, 0, "a ladder has at most %d steps",
				  NG_WATCH_LADDER_MAX);
	ws->o->ladder[ws->o->nladder++] = (enum ng_watch_step)i;
	return 0;
}

static int set_value(struct ng_watch_opts *o, const struct okey *k, const char *v,
		     struct ng_err *err)
{
	void *field = (char *)o + k->off;
	struct ng_watch_opts tmp = *o;
	struct words ws = { &tmp, err, 0 };
	int r, i;

	switch (k->type) {
	case T_BOOL:
		return parse_bool(v, field, err);
	case T_DURATION:
		return parse_duration(v, field, err);
	case T_COUNT: {
		char *end;
		unsigned long n = strtoul(v, &end, 10);

		if (*v < '0' || *v > '9' || *end || n < 1 || n > NG_WATCH_PER_HOUR_MAX)
			return ng_err_set(err, -EINVAL, NULL, 0,
					  "bad count \"%s\" (expected 1 to %d)", v,
					  NG_WATCH_PER_HOUR_MAX);
		*(unsigned *)field = (unsigned)n;
		return 0;
	}
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
		tmp.nladder = 0;
		r = each_word(v, ladder_word, &ws);
		if (r == 0 && tmp.nladder == 0)
			r = ng_err_set(err, -EINVAL, NULL, 0, "empty ladder");
		if (r == 0) {
			memcpy(o->ladder, tmp.ladder, sizeof(o->ladder));
			o->nladder = tmp.nladder;
		}
		return r;
	case T_PATH:
		if (strcmp(v, "none") == 0) {
			o->metrics_path[0] = '\0';
			return 0;
		}
		if (v[0] != '/' || strlen(v) >= sizeof(o->metrics_path) || strstr(v, "/../") ||
		    strcmp(v + strlen(v) - 1, "/") == 0)
			return ng_err_set(err, -EINVAL, NULL, 0, "bad path \"%s\" (expected an "
					  "absolute file path, or none)", v);
		snprintf(o->metrics_path, sizeof(o->metrics_path), "%s", v);
		return 0;
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
		if (k && !(pass > 0 && k->global))
			set_value(o, k, s->opt_values[i], NULL);
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

/* ------------------------------------------------------------------ engine */

struct wstate {
	char ifname[NG_IFNAMSIZ];
	char last_sig[32];
	bool logged;
	uint64_t last_seen, last_logged, last_action;
	unsigned suppressed;		/* repeats since the last logged detection */
	unsigned rung;			/* the next ladder rung */
	unsigned streak;		/* actions in this episode: the backoff exponent */
	uint64_t hour[NG_WATCH_PER_HOUR_MAX];	/* times of recent actions, oldest first */
	unsigned nhour;
	bool held, backup_reapplied;
	uint64_t due;
	struct ng_watch_stats stats;
};

struct ng_watch {
	struct wstate *v;
	size_t n, cap;
};

struct ng_watch *ng_watch_new(void)
{
	return calloc(1, sizeof(struct ng_watch));
}

void ng_watch_free(struct ng_watch *w)
{
	if (!w)
		return;
	free(w->v);
	free(w);
}

static struct wstate *state_get(struct ng_watch *w, const char *ifname)
{
	struct wstate *victim = NULL;

	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].ifname, ifname) == 0)
			return &w->v[i];
	if (w->n == w->cap && w->cap < MAX_STATES) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct wstate *v = realloc(w->v, cap * sizeof(*v));

		if (v) {
			w->v = v;
			w->cap = cap;
		}
	}
	if (w->n < w->cap) {
		victim = &w->v[w->n++];
	} else {
		/* Full (records naming ever new interfaces): forget the one idle longest. */
		for (size_t i = 0; i < w->n; i++)
			if (!w->v[i].held && (!victim || w->v[i].last_seen < victim->last_seen))
				victim = &w->v[i];
		if (!victim)
			return NULL;
	}
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->ifname, sizeof(victim->ifname), "%s", ifname);
	snprintf(victim->stats.ifname, sizeof(victim->stats.ifname), "%s", ifname);
	return victim;
}

static struct wstate *state_find(struct ng_watch *w, const char *ifname)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i].ifname, ifname) == 0)
			return &w->v[i];
	return NULL;
}

/* The wait after `streak` actions: min-interval, doubled per further action, capped. */
static uint64_t backoff(const struct ng_watch_opts *o, unsigned streak)
{
	uint64_t gap = o->min_interval_ms;

	for (unsigned i = 1; i < streak && gap < o->backoff_max_ms; i++)
		gap *= 2;
	return gap > o->backoff_max_ms && o->backoff_max_ms >= o->min_interval_ms ?
		o->backoff_max_ms : gap;
}

static void hold(struct wstate *st, uint64_t due, struct ng_watch_decision *d)
{
	st->held = true;
	st->due = due;
	st->stats.held = true;
	if (d)
		d->due_ms = due;
}

static void prune_hour(struct wstate *st, uint64_t now)
{
	unsigned k = 0;

	while (k < st->nhour && st->hour[k] + HOUR_MS <= now)
		k++;
	memmove(st->hour, st->hour + k, (st->nhour - k) * sizeof(st->hour[0]));
	st->nhour -= k;
}

/* The checks every action passes, for a new detection or a held step come due. */
static void gate(const struct ng_watch_opts *o, struct wstate *st, const struct ng_watch_input *in,
		 struct ng_watch_decision *d)
{
	uint64_t now = in->now_ms;
	unsigned rung = st->rung < o->nladder ? st->rung : (unsigned)o->nladder - 1;
	enum ng_watch_step step = o->ladder[rung];

	d->rung = rung;
	if (now < o->quiet_ms) {
		d->why = NG_WHY_QUIET;
		hold(st, o->quiet_ms, d);
		return;
	}
	if (!in->backup)
		st->backup_reapplied = false;
	if (step == NG_STEP_LOG) {
		d->step = step;
		return;
	}
	prune_hour(st, now);
	if (st->nhour >= o->max_per_hour) {
		d->why = NG_WHY_LIMIT;
		d->due_ms = st->hour[0] + HOUR_MS;
		return;
	}
	if (st->last_action && now < st->last_action + backoff(o, st->streak)) {
		d->why = NG_WHY_WAIT;
		hold(st, st->last_action + backoff(o, st->streak), d);
		return;
	}
	if (in->backup && (step == NG_STEP_BOUNCE || step == NG_STEP_REBIND) &&
	    o->during_backup != NG_BACKUP_ALLOW) {
		d->why = NG_WHY_BACKUP;
		hold(st, now + (o->min_interval_ms > BACKUP_RECHECK_MS ? o->min_interval_ms :
				BACKUP_RECHECK_MS), d);
		if (o->during_backup == NG_BACKUP_REAPPLY && !st->backup_reapplied) {
			d->step = NG_STEP_REAPPLY;
			d->substitute = true;
		}
		return;
	}
	d->step = step;
}

void ng_watch_detect(struct ng_watch *w, const struct ng_watch_opts *o,
		     const struct ng_watch_input *in, struct ng_watch_decision *d)
{
	const char *ifname = in->ifname ? in->ifname : "";
	struct wstate *st;
	uint64_t now = in->now_ms;

	memset(d, 0, sizeof(*d));
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	d->why = NG_WHY_ACT;
	st = in->sig ? state_get(w, ifname) : state_find(w, ifname);
	if (!st) {
		d->why = NG_WHY_LOG_ONLY;
		return;
	}
	if (!in->sig) {
		if (!st->held || st->due > now) {
			d->why = NG_WHY_HELD;
			d->due_ms = st->held ? st->due : 0;
			return;
		}
		st->held = st->stats.held = false;
		gate(o, st, in, d);
		return;
	}
	st->stats.events[in->sig->cls]++;
	st->stats.last_event = in->wall;
	/* A long quiet stretch ends the episode: the next hang starts on the first rung. */
	if (st->last_seen && now - st->last_seen >= o->reset_after_ms)
		st->rung = st->streak = 0;
	st->last_seen = now;
	if (st->logged && strcmp(st->last_sig, in->sig->id) == 0 &&
	    now - st->last_logged < o->debounce_ms) {
		st->suppressed++;
		st->stats.suppressed++;
		d->why = NG_WHY_DEBOUNCED;
		d->suppressed = st->suppressed;
		return;
	}
	d->suppressed = st->suppressed;
	snprintf(d->repeated, sizeof(d->repeated), "%s", st->last_sig);
	st->suppressed = 0;
	st->logged = true;
	st->last_logged = now;
	snprintf(st->last_sig, sizeof(st->last_sig), "%s", in->sig->id);
	snprintf(st->stats.last_sig, sizeof(st->stats.last_sig), "%s", in->sig->id);
	if (in->history || !ifname[0] || !(o->act_on & (1u << in->sig->cls))) {
		d->why = NG_WHY_LOG_ONLY;
	} else if (st->last_action && now - st->last_action < o->settle_ms) {
		d->why = NG_WHY_SETTLING;
	} else if (st->held) {
		d->why = NG_WHY_HELD;
		d->due_ms = st->due;
	} else {
		gate(o, st, in, d);
	}
}

void ng_watch_done(struct ng_watch *w, const struct ng_watch_opts *o,
		   const struct ng_watch_decision *d, enum ng_watch_result r, uint64_t now_ms)
{
	struct wstate *st = state_find(w, d->ifname);

	if (!st || d->step == NG_STEP_NONE)
		return;
	if (d->step == NG_STEP_LOG) {
		st->rung = st->stats.rung = d->rung + 1;
		return;
	}
	if (r == NG_WATCH_SKIPPED) {
		/* Nothing to do on this rung (no watch-* settings, no bus device): go on to
		 * the next one at once, unless this was the last. */
		if (d->substitute)
			st->backup_reapplied = true;
		else if (d->rung + 1 < o->nladder)
			st->rung = st->stats.rung = d->rung + 1;
		else
			return;
		hold(st, now_ms, NULL);
		return;
	}
	st->stats.actions[d->step]++;
	if (r == NG_WATCH_FAILED)
		st->stats.failed++;
	st->last_action = now_ms;
	st->streak++;
	prune_hour(st, now_ms);
	if (st->nhour < NG_WATCH_PER_HOUR_MAX)
		st->hour[st->nhour++] = now_ms;
	if (d->substitute)
		st->backup_reapplied = true;
	else
		st->rung = d->rung + 1;
	st->stats.rung = st->rung;
}

uint64_t ng_watch_next_due(const struct ng_watch *w, char *ifname, size_t len)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].held && w->v[i].due < due) {
			due = w->v[i].due;
			if (ifname)
				snprintf(ifname, len, "%s", w->v[i].ifname);
		}
	}
	return due;
}

size_t ng_watch_nstats(const struct ng_watch *w)
{
	return w->n;
}

const struct ng_watch_stats *ng_watch_stats_at(const struct ng_watch *w, size_t i)
{
	return i < w->n ? &w->v[i].stats : NULL;
}

const char *ng_watch_why_name(enum ng_watch_why why)
{
	static const char *const names[] = {
		"act", "debounced", "log-only", "settling", "quiet-after-boot", "waiting",
		"held", "limit", "backup",
	};

	return (unsigned)why < NG_ARRAY_SIZE(names) ? names[why] : "?";
}
