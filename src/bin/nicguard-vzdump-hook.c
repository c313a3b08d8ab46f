/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-vzdump-hook.c: vzdump's hook script: tighten the backup uplinks, restore, unlock. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"

/* Installed here (mk/pve.mk); a copy at R + this path works on the tree under R. */
#define HOOK_PATH NG_LIBEXECDIR "/vzdump-hook"

struct hook {
	struct ng_ctx *ctx;
	struct ng_policy *policy;
	struct ng_pve_opts opts;
	bool loaded;		/* policy and opts: loaded only by phases that need them */
	const char *phase;
	unsigned failures;	/* own failures, each logged as one line */
};

static void fail(struct hook *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct hook *h, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ng_log(LOG_ERR, "%s: %s (the backup goes on)", h->phase, msg);
	h->failures++;
}

static void log_problems(struct hook *h, const struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fail(h, "%s", d->v[i].msg);
}

static void log_results(const struct ng_report *rep, const char *what)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct ng_result *r = &rep->v[i];

		if (r->outcome != NG_FAILED)	/* failures are logged as problems */
			ng_log(LOG_INFO, "%s %s: %s %s (was %s): %s", what, r->ifname, r->name,
			       r->want, r->was[0] ? r->was : "?", ng_outcome_name(r->outcome));
	}
}

/* A policy with diagnostics still counts (resolve ignores its bad sections): a typo must
 * not switch the backup window off; its first problem is told where it matters (quiet
 * false), once per job. One that cannot be read at all is dropped: restoring and
 * unlocking need no policy. */
static void load_policy(struct hook *h, bool quiet)
{
	char where[1024];
	struct ng_err e = { 0 };
	int r;

	if (h->loaded)
		return;
	h->loaded = true;
	r = ng_policy_load(h->ctx, &h->policy, &e);
	if (r == -EINVAL && h->policy && h->policy->diags.n) {
		const struct ng_diag *d = &h->policy->diags.v[0];

		snprintf(where, sizeof(where), "%s:%u: %s", d->file ? d->file : "", d->line,
			 d->msg);
		if (!quiet)
			fail(h, "policy: %s (%zu problem(s); sections with problems are ignored)",
			     where, h->policy->diags.n);
	} else if (r < 0) {
		fail(h, "policy: %s: no backup settings are applied; restoring and unlocking "
		     "need none", ng_err_str(&e, where, sizeof(where)));
		ng_policy_free(h->policy);
		h->policy = NULL;
	}
	ng_pve_opts_get(h->policy, &h->opts);
}

/* job-start, or backup-start without a job-start before it. */
static void tighten(struct hook *h)
{
	struct ng_report rep = { 0 };
	struct ng_diags d = { 0 };
	bool kept;

	if (!h->policy)
		return;		/* load_policy said so, once */
	ng_backup_tighten(h->ctx, h->policy, &rep, &d, &kept);
	if (kept)
		ng_log(LOG_WARNING, "%s: kept the saved settings of an earlier job that did not "
		       "end: they are the originals job-end restores", h->phase);
	log_results(&rep, "backup settings:");
	if (rep.n == 0 && d.n == 0)
		ng_log(LOG_INFO, "%s: no backup uplink has backup-* settings: nothing to tighten",
		       h->phase);
	log_problems(h, &d);
	ng_report_free(&rep);
	ng_diags_free(&d);
}

/* At job-end and job-abort vzdump holds its node lock and is done with every guest: a
 * `lock: backup` left on a guest of this node is stale. */
static void unlock_stale(struct hook *h)
{
	struct ng_guest *g;
	struct ng_err e;
	size_t n;

	if (ng_pve_guests(h->ctx, &g, &n, &e) < 0) {
		fail(h, "cannot list this node's guests: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *tool = g[i].type == NG_GUEST_QEMU ? "qm" : "pct";

		if (g[i].error)
			fail(h, "guest %u: cannot read its config: %s", g[i].vmid,
			     strerror(-g[i].error));
		else if (strcmp(g[i].lock, "backup") != 0)
			continue;
		else if (ng_pve_unlock(h->ctx, &g[i], &e) < 0)
			fail(h, "guest %u: stale lock: backup not removed: %s", g[i].vmid, e.msg);
		else
			ng_log(LOG_NOTICE, "guest %u: removed a stale lock: backup (%s unlock %u)",
			       g[i].vmid, tool, g[i].vmid);
	}
	free(g);
}

static void restore(struct hook *h)
{
	struct ng_report rep = { 0 };
	struct ng_diags d = { 0 };
	bool had;

	ng_backup_restore(h->ctx, &rep, &d, &had);
	log_results(&rep, "restored:");
	/* The originals predate any escalation nicguard-watch made during the job. */
	if (had && h->policy) {
		ng_report_free(&rep);
		ng_recover_reassert(h->ctx, h->policy, &rep, &d);
		log_results(&rep, "kept escalated:");
	}
	log_problems(h, &d);
	ng_report_free(&rep);
	ng_diags_free(&d);
	if (h->opts.unlock_stale)
		unlock_stale(h);
}

static void run(struct hook *h, int argc, char *argv[])
{
	static const char *const guest_phases[] = {
		"backup-start", "pre-stop", "pre-restart", "post-restart", "backup-end",
		"backup-abort", "log-end",
	};
	bool guest_phase = false;

	for (size_t i = 0; i < sizeof(guest_phases) / sizeof(guest_phases[0]); i++)
		guest_phase |= strcmp(h->phase, guest_phases[i]) == 0;
	if (guest_phase && (argc != 4 || strspn(argv[3], "0123456789") != strlen(argv[3]))) {
		fail(h, "called with %d arguments, expected PHASE MODE VMID", argc - 1);
		return;
	}
	if (strcmp(h->phase, "job-start") == 0 ||
	    (strcmp(h->phase, "backup-start") == 0 && !ng_runstate_window_open(h->ctx))) {
		load_policy(h, false);
		tighten(h);
	} else if (strcmp(h->phase, "job-end") == 0 || strcmp(h->phase, "job-abort") == 0) {
		load_policy(h, true);
		restore(h);
	}
	/* Other phases, known (job-init, ...) or new, need nothing from nicguard. */
}

/* The admin's earlier hook, recorded by `nicguard pve enable-hook`: same argv, same
 * environment, its exit status passed on. */
static int chain(struct hook *h, const char *self, char *argv[])
{
	char script[4096], path[4096], real[PATH_MAX];
	struct ng_err e;
	int status;

	if (ng_pve_hook_chain(h->ctx, script, sizeof(script)) < 0) {
		fail(h, "cannot read the chained hook's record: the admin's hook was not run");
		return 0;
	}
	if (!script[0])
		return 0;
	/* A path of the tree nicguard works on, like qm and pct: "/" + script in production. */
	if (ng_path(h->ctx, path, sizeof(path), "%s", script) < 0) {
		fail(h, "chained hook %s: path too long: not run", script);
		return 0;
	}
	if (realpath(path, real) && strcmp(real, self) == 0) {
		fail(h, "the chained hook %s is nicguard's own hook: not run again", script);
		return 0;
	}
	argv[0] = path;
	if (ng_pve_run_chained(path, argv, environ, &status, &e) < 0) {
		fail(h, "chained hook: %s", e.msg);
		return 0;
	}
	return status;
}

int main(int argc, char *argv[])
{
	struct hook h = { .phase = argc > 1 ? argv[1] : "(no phase)" };
	char self[PATH_MAX], root[PATH_MAX];
	struct ng_ctx_opts o = { 0 };
	struct ng_err e;
	ssize_t n;
	int status = 0;

	ng_log_open("vzdump-hook", NG_LOG_STDOUT | NG_LOG_SYSLOG, false);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (ng_pve_root_from_exe(self, HOOK_PATH, root, sizeof(root)) < 0)
		snprintf(root, sizeof(root), "/");
	o.root = root;
	h.ctx = ng_ctx_new(&o, &e);
	if (!h.ctx) {
		fail(&h, "%s", e.msg);
		return 0;
	}
	if (argc < 2)
		fail(&h, "called without a phase");
	else
		run(&h, argc, argv);
	if (argc >= 2)
		status = chain(&h, self, argv);
	if (status == 0 && h.failures) {
		load_policy(&h, true);
		status = h.opts.abort_on_error;
	}
	ng_policy_free(h.policy);
	ng_ctx_free(h.ctx);
	return status;
}
