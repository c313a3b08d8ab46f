/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-ifupdown.c: the if-up.d script: nicguard-* stanza keys merged over the policy. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "log.h"

#define ENV_PREFIX "IF_NICGUARD_"

extern char **environ;

/* The stanza keys as the environment carries them: `nicguard-backup-offload` arrives as
 * IF_NICGUARD_BACKUP_OFFLOAD (ifupdown uppercases and turns '-' into '_'). Classic ifupdown
 * joins a repeated key's values with newlines; ifupdown2 passes the first value only. */
static int collect_env(const char *ifname, struct ng_item **items, size_t *n, bool *bad)
{
	for (char **e = environ; *e; e++) {
		struct ng_origin origin = { .file = "ifupdown", .line = 0 };
		const char *eq = strchr(*e, '=');
		struct ng_err err = { 0 };
		char key[64];
		size_t klen;
		int r;

		if (strncmp(*e, ENV_PREFIX, strlen(ENV_PREFIX)) != 0 || !eq)
			continue;
		klen = (size_t)(eq - *e) - strlen(ENV_PREFIX);
		if (klen == 0 || klen >= sizeof(key))
			continue;
		for (size_t i = 0; i < klen; i++) {
			char c = (*e)[strlen(ENV_PREFIX) + i];

			/* IF_NICGUARD_BACKUP_OFFLOAD -> backup-offload; ASCII only, no locale. */
			if (c == '_')
				c = '-';
			else if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			key[i] = c;
		}
		key[klen] = '\0';
		r = ng_stanza_value(key, eq + 1, origin, items, n, &err);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			/* One bad key must not cost the others: log it and go on. */
			ng_log(LOG_ERR, "%s: nicguard-%s \"%.80s\": %s; ignored", ifname, key,
			       eq + 1, err.msg);
			*bad = true;
		}
	}
	return 0;
}

/* Runs after the interface is up: classic ifupdown's post-up, ifupdown2's up. */
static bool our_phase(void)
{
	const char *phase = getenv("PHASE"), *mode = getenv("MODE");

	if (phase)
		return strcmp(phase, "post-up") == 0 || strcmp(phase, "up") == 0;
	return mode && strcmp(mode, "start") == 0;
}

static int run(const char *ifname)
{
	struct ng_ctx_opts opts = { .root = secure_getenv("NICGUARD_ROOT") };
	struct ng_target_opts to = { .flags = NG_TARGET_STANZA_GIVEN };
	struct ng_resolver *rv = NULL;
	struct ng_item *items = NULL;
	struct ng_report rep = { 0 };
	struct ng_policy *p = NULL;
	struct ng_err err = { 0 };
	struct ng_ctx *ctx = NULL;
	struct ng_applied out;
	struct ng_iface ifc;
	char msg[1024];
	bool bad = false;
	size_t n = 0;
	int r;

	r = collect_env(ifname, &items, &n, &bad);
	if (r < 0) {
		ng_err_set(&err, r, NULL, 0, "out of memory");
		goto out;
	}
	ctx = ng_ctx_new(&opts, &err);
	if (!ctx) {
		r = -EINVAL;
		goto out;
	}
	r = ng_iface_read(ctx, ifname, &ifc, &err);
	if (r == -ENODEV) {
		ng_log(LOG_INFO, "%s: no such interface now; nothing applied", ifname);
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	/* A bad section is ignored by resolve; the rest of the policy still holds. */
	r = ng_log_policy_load(ctx, &p, &err);
	if (r < 0 && r != -EINVAL)
		goto out;
	/* The stanza values come from our environment, not from reading the file again. */
	to.stanza = items;
	to.nstanza = n;
	r = ng_resolver_new(ctx, p, &rv, &err);
	if (r == 0)
		r = ng_apply_iface(rv, &ifc, &to, 0, &rep, &out, &err);
	if (r == 0 && out.outcome == NG_IFACE_SKIPPED)
		ng_log(LOG_INFO, "%s: skip = yes, left alone", ifname);
	if (r == 0)
		ng_log_report(ctx, "", &rep);
out:
	if (r < 0)
		ng_log(LOG_ERR, "%s: %s", ifname, ng_err_str(&err, msg, sizeof(msg)));
	ng_report_free(&rep);
	ng_resolver_free(rv);
	ng_items_free(items, n);
	ng_policy_free(p);
	ng_ctx_free(ctx);
	return r < 0 || bad ? -1 : 0;
}

int main(void)
{
	const char *ifname = getenv("IFACE"), *verbosity = getenv("VERBOSITY");
	/* ifupdown2 sends our output to /dev/null; classic ifupdown shows it with -v. */
	bool verbose = verbosity && strcmp(verbosity, "1") == 0;

	ng_log_open("ifupdown", NG_LOG_SYSLOG | (verbose ? NG_LOG_STDERR : 0), verbose);
	if (!our_phase() || !ifname || strcmp(ifname, "lo") == 0 ||
	    strncmp(ifname, "--", 2) == 0)
		return 0;	/* `ifup -a` runs us once with IFACE=--all */
	if (!ng_ifname_valid(ifname)) {
		ng_log(LOG_ERR, "IFACE \"%.40s\" is not a valid interface name", ifname);
		return 0;
	}
	run(ifname);
	return 0;
}
