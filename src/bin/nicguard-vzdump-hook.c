/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-vzdump-hook.c: vzdump's hook script: tighten the backup uplinks, restore, unlock. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"

/* Installed here (mk/pve.mk); a copy at R + this path works on the tree under R. */
#define HOOK_PATH NG_LIBEXECDIR "/vzdump-hook"

/* What vzdump does with a phase, from PVE::VZDump (exec_backup, exec_backup_task). */
struct phase {
	const char *name;
	bool guest;		/* argv PHASE MODE VMID; else PHASE alone */
	bool may_fail;		/* [pve] abort-on-error may fail it for nicguard's own failure */
	const char *fails;	/* what a non-zero exit makes vzdump do */
};

/* pre-restart and post-restart never fail for nicguard's sake: in stop mode they run after
 * the unlock, in the cleanup path, and a failure there means vzdump does not restart or
 * resume the guest (an LXC guest in suspend mode stays frozen). Unknown phases do nothing
 * here, so they never fail for nicguard either. */
static const struct phase phases[] = {	/* keep sorted: bsearch */
	{ "backup-abort", true, true, "vzdump only warns" },
	{ "backup-end", true, true, "this guest's backup fails" },
	{ "backup-start", true, true, "this guest's backup fails" },
	{ "job-abort", false, true, "vzdump adds it to the job's error" },
	{ "job-end", false, true, "job-abort runs and the job fails" },
	{ "job-init", false, true, "nothing is backed up, the job fails" },
	{ "job-start", false, true, "nothing is backed up, the job fails" },
	{ "log-end", true, true, "vzdump only warns" },
	{ "post-restart", true, false, "the guest is not restarted or resumed" },
	{ "pre-restart", true, false, "the guest is not restarted or resumed" },
	{ "pre-stop", true, true, "this guest's backup fails" },
};

static const struct phase unknown_phase = { "(unknown)", false, false, "" };

struct hook {
	struct ng_ctx *ctx;
	struct ng_policy *policy;
	struct ng_pve_opts opts;
	bool loaded;		/* policy and opts: loaded only by phases that need them */
	const char *name;	/* argv[1] */
	const char *storeid;	/* vzdump's STOREID: the backup storage (unset without one) */
	const struct phase *phase;
	unsigned failures;	/* own failures, each logged as one line */
};

static void load_policy(struct hook *h, bool quiet);

/* Does a failure of nicguard's own work fail this phase? Only with abort-on-error = yes,
 * and never where it would keep a guest from coming back. */
static bool own_failure_fails(struct hook *h)
{
	if (!h->phase->may_fail || !h->ctx)
		return false;
	load_policy(h, true);
	return h->opts.abort_on_error;
}

static void fail(struct hook *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line per failure of nicguard's own work, saying what it does to the backup. */
static void fail(struct hook *h, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	h->failures++;
	if (own_failure_fails(h))
		ng_log(LOG_ERR, "%s: %s ([pve] abort-on-error = yes: this phase fails: %s)",
		       h->name, msg, h->phase->fails);
	else if (h->phase->may_fail || h->phase == &unknown_phase)
		ng_log(LOG_ERR, "%s: %s (the backup goes on)", h->name, msg);
	else
		ng_log(LOG_ERR, "%s: %s (nicguard never fails this phase: the guest comes back "
		       "all the same)", h->name, msg);
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
	if (r < 0 && r != -EINVAL) {
		ng_policy_free(h->policy);
		h->policy = NULL;
	}
	/* The options first: every message below says what abort-on-error makes of it. */
	ng_pve_opts_get(h->policy, &h->opts);
	if (r == -EINVAL && h->policy && ng_policy_ndiags(h->policy)) {
		const struct ng_diag *d = ng_policy_diag(h->policy, 0);

		snprintf(where, sizeof(where), "%s:%u: %s", d->file ? d->file : "", d->line,
			 d->msg);
		if (!quiet)
			fail(h, "policy: %s (%zu problem(s); sections with problems are ignored)",
			     where, ng_policy_ndiags(h->policy));
	} else if (r < 0) {
		fail(h, "policy: %s: no backup settings are applied; restoring and unlocking "
		     "need none", ng_err_str(&e, where, sizeof(where)));
	}
}

/* job-start, or backup-start without a job-start before it. */
static void tighten(struct hook *h)
{
	struct ng_report rep = { 0 };
	struct ng_uplinks ups = { 0 };
	struct ng_diags d = { 0 };
	bool kept;

	if (!h->policy)
		return;		/* load_policy said so, once */
	ng_backup_tighten(h->ctx, h->policy, h->storeid, &rep, &d, &kept, &ups);
	ng_log(LOG_INFO, "%s: backup uplinks: %s (%s)", h->name, ups.names[0] ? ups.names : "none",
	       ups.why);
	if (kept)
		ng_log(LOG_WARNING, "%s: kept the saved settings of an earlier job that did not "
		       "end: they are the originals job-end restores", h->name);
	log_results(&rep, "backup settings:");
	if (rep.n == 0 && d.n == 0)
		ng_log(LOG_INFO, "%s: no backup uplink has backup-* settings: nothing to tighten",
		       h->name);
	log_problems(h, &d);
	ng_report_free(&rep);
	ng_diags_free(&d);
}

/* At job-end and job-abort vzdump holds its node lock and is done with every guest: a
 * `lock: backup` left on a guest of this node is stale (so no liveness check: the running
 * backup is vzdump itself). Removed as vzdump's own unlock does, value-checked under the
 * guest's flock, waiting as long as Proxmox waits for it. */
static void unlock_stale(struct hook *h)
{
	struct ng_unlock_opts o = { .timeout_ms = 10000 };
	struct ng_unlock_report rep;
	struct ng_err e;

	if (ng_pve_unlock_stale(h->ctx, &o, &rep, &e) < 0) {
		fail(h, "cannot list this node's guests: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < rep.n; i++) {
		const struct ng_unlock_result *u = &rep.v[i];

		if (u->outcome == NG_UNLOCK_REMOVED)
			ng_log(LOG_NOTICE, "guest %u: %s", u->vmid,
			       ng_unlock_outcome_text(u->outcome));
		else if (u->outcome == NG_UNLOCK_CHANGED)
			ng_log(LOG_INFO, "guest %u: %s: %s", u->vmid,
			       ng_unlock_outcome_text(u->outcome), u->detail);
		else
			fail(h, "guest %u: %s: %s", u->vmid, ng_unlock_outcome_text(u->outcome),
			     u->detail);
	}
	ng_unlock_report_free(&rep);
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

static int phase_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct phase *)e)->name);
}

static void run(struct hook *h, int argc, char *argv[])
{
	if (h->phase->guest && (argc != 4 || strspn(argv[3], "0123456789") != strlen(argv[3]))) {
		fail(h, "called with %d arguments, expected PHASE MODE VMID", argc - 1);
		return;
	}
	if (strcmp(h->name, "job-start") == 0 ||
	    (strcmp(h->name, "backup-start") == 0 && !ng_runstate_window_open(h->ctx))) {
		load_policy(h, false);
		tighten(h);
	} else if (strcmp(h->name, "job-end") == 0 || strcmp(h->name, "job-abort") == 0) {
		load_policy(h, true);
		restore(h);
	}
	/* Other phases, known (job-init, ...) or new, need nothing from nicguard. */
}

/* PVE::VZDump run_hook_script checks its script before every phase and dies without it:
 * "Error: The hook script '...' does not exist." (or "is not executable."). The admin's
 * chained hook gets the same check, with the same consequence, except where a failure would
 * keep a guest from coming back. Returns the exit status, 0 to go on. */
static int chain_missing(struct hook *h, const char *script, const char *path)
{
	struct stat st;
	const char *what;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		what = "does not exist";
	else if (access(path, X_OK) < 0)
		what = "is not executable";
	else
		return 0;
	if (h->phase == &unknown_phase) {
		ng_log(LOG_ERR, "%s: Error: The hook script '%s' %s. (the hook enable-hook chained; "
		       "not run)", h->name, script, what);
		return 0;
	}
	if (!h->phase->may_fail) {
		ng_log(LOG_ERR, "%s: Error: The hook script '%s' %s. (the hook enable-hook chained; "
		       "not run: nicguard never fails this phase, the guest comes back all the "
		       "same)", h->name, script, what);
		return 0;
	}
	ng_log(LOG_ERR, "%s: Error: The hook script '%s' %s. (the hook enable-hook chained: "
	       "vzdump would stop here without nicguard too, so this phase fails: %s)", h->name,
	       script, what, h->phase->fails);
	return 2;
}

/* The admin's earlier hook, recorded by `nicguard pve enable-hook`: same argv, same
 * environment, its exit status passed on. */
static int chain(struct hook *h, const char *self, char *argv[])
{
	char script[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
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
	status = chain_missing(h, script, path);
	if (status)
		return status;
	argv[0] = path;
	if (ng_pve_run_chained(path, argv, environ, &status, &e) < 0) {
		fail(h, "chained hook: %s", e.msg);
		return 0;
	}
	return status;
}

int main(int argc, char *argv[])
{
	struct hook h = { .name = argc > 1 ? argv[1] : "(no phase)", .phase = &unknown_phase };
	char self[PATH_MAX], root[PATH_MAX];
	struct ng_ctx_opts o = { 0 };
	const struct phase *ph;
	struct ng_err e;
	ssize_t n;
	int status = 0;

	ng_log_open("vzdump-hook", NG_LOG_STDOUT | NG_LOG_SYSLOG, false);
	/* The job's storage: PVE::VZDump run_hook_script sets it in every phase of a job that
	 * writes to a storage (not for --dumpdir or --stdout). */
	h.storeid = getenv("STOREID");
	ph = bsearch(h.name, phases, sizeof(phases) / sizeof(phases[0]), sizeof(phases[0]),
		     phase_cmp);
	if (ph)
		h.phase = ph;
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
	if (status == 0 && h.failures && own_failure_fails(&h))
		status = 1;
	ng_policy_free(h.policy);
	ng_ctx_free(h.ctx);
	return status;
}
