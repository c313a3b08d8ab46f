/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-guest-hook.c: Proxmox guest hookscript: policy on a guest's devices, stale locks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"

/* Installed here (mk/pve.mk); snippets link to it. A copy at R + this path works on R. */
#define HOOK_PATH NG_LIBEXECDIR "/guest-hook"

/* post-start: QEMU has made its taps (and reset their offloads with TUNSETOFFLOAD), the
 * container its veths; the firewall bridge ports exist. Apply the policy to each. */
static int post_start(struct ng_ctx *ctx, unsigned vmid)
{
	struct ng_policy *p = NULL;
	struct ng_iface *v;
	struct ng_err e;
	size_t n;
	int r, bad = 0;

	r = ng_policy_load(ctx, &p, &e);
	if (r < 0 && r != -EINVAL) {
		ng_log(LOG_ERR, "guest %u: policy: %s; nothing applied", vmid, e.msg);
		ng_policy_free(p);
		return r;
	}
	if (r == -EINVAL)
		ng_log(LOG_WARNING, "guest %u: the policy has problems (`nicguard check` lists "
		       "them); sections with problems are ignored", vmid);
	r = ng_iface_list(ctx, &v, &n, &e);
	if (r < 0) {
		ng_log(LOG_ERR, "guest %u: cannot list interfaces: %s", vmid, e.msg);
		ng_policy_free(p);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct ng_report rep = { 0 };
		struct ng_target t;
		char prefix[32];

		if (!ng_pve_guest_dev(v[i].name, vmid))
			continue;
		if (ng_target_resolve(ctx, p, &v[i], NG_TARGET_ALL, NULL, 0, &t, &e) < 0) {
			ng_log(LOG_ERR, "guest %u: %s: %s", vmid, v[i].name, e.msg);
			bad = -ENOMEM;
			continue;
		}
		if (!ng_wanted_skip(&t.w) && t.w.n > 0 &&
		    ng_apply(ctx, &v[i], &t.w, 0, &rep, &e) < 0) {
			ng_log(LOG_ERR, "guest %u: %s: %s", vmid, v[i].name, e.msg);
			bad = -EIO;
		}
		snprintf(prefix, sizeof(prefix), "guest %u: ", vmid);
		ng_log_report(prefix, &rep);
		for (size_t j = 0; j < rep.n; j++)
			bad = rep.v[j].outcome == NG_FAILED ? -EIO : bad;
		ng_report_free(&rep);
		ng_target_free(&t);
	}
	free(v);
	ng_policy_free(p);
	return bad;
}

/* One line per guest the sweep looked at. */
static void log_unlocks(const struct ng_unlock_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct ng_unlock_result *u = &rep->v[i];
		int prio = u->outcome == NG_UNLOCK_REMOVED ? LOG_NOTICE :
			   u->outcome == NG_UNLOCK_CHANGED ? LOG_INFO : LOG_ERR;

		ng_log(prio, "guest %u: %s%s%s", u->vmid, ng_unlock_outcome_text(u->outcome),
		       u->detail[0] ? ": " : "", u->detail);
	}
}

/* The removal in a process of its own, for hosts without systemd: out of the session,
 * every inherited fd closed (a caller's flock fd among them would hold the very lock it
 * waits for) and stdout with it (PVE::Tools::run_command reads the hook's output to EOF:
 * an open copy would make the stop wait after all). Logs to syslog only. */
static void unlock_detached(struct ng_ctx *ctx, unsigned vmid)
{
	pid_t pid = fork();

	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (pid < 0) {
		ng_log(LOG_ERR, "guest %u: stale lock: backup not removed: fork: %s", vmid,
		       strerror(errno));
		return;
	}
	if (setsid() < 0 || fork() != 0)
		_exit(0);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; fd <= 2 && devnull >= 0; fd++)
		dup2(devnull, fd);
	close_range(3, ~0U, 0);
	ng_log_open("guest-hook", NG_LOG_SYSLOG, false);
	{
		struct ng_unlock_opts o = { .vmids = &vmid, .nvmids = 1,
					    .timeout_ms = NG_UNLOCK_LATER_MS,
					    .unless_backup_alive = true };
		struct ng_unlock_report rep;
		struct ng_err e;
		int r = ng_pve_unlock_stale(ctx, &o, &rep, &e);

		if (r == -EAGAIN)
			ng_log(LOG_INFO, "guest %u: lock: backup kept: %s", vmid, e.msg);
		else if (r < 0)
			ng_log(LOG_ERR, "guest %u: stale lock: backup not removed: %s", vmid, e.msg);
		else
			log_unlocks(&rep);
		ng_unlock_report_free(&rep);
	}
	_exit(0);
}

/* QEMU runs post-stop while holding the guest's config flock (qemu-server: `qm cleanup` in
 * lock_config_full, vm_stop in lock_config); an LXC stop through the API holds it while it
 * waits for the container. Waiting for it here would make the stop wait for nicguard (10 s,
 * then fail): try once, and when the flock is taken hand the removal over, to be done once
 * it is free. A guest stopped for a stop-mode backup gets here while vzdump runs: its lock
 * is only stale when no backup is alive. */
static int post_stop(struct ng_ctx *ctx, unsigned vmid)
{
	struct ng_unlock_opts o = { .vmids = &vmid, .nvmids = 1, .unless_backup_alive = true };
	struct ng_unlock_report rep;
	struct ng_err e;
	bool busy = false;
	int r;

	r = ng_pve_unlock_stale(ctx, &o, &rep, &e);
	if (r == -EAGAIN) {
		ng_log(LOG_INFO, "guest %u: lock: backup kept: %s", vmid, e.msg);
		return 0;
	}
	if (r < 0) {
		ng_log(LOG_ERR, "guest %u: stale lock: backup not removed: %s", vmid, e.msg);
		return r;
	}
	for (size_t i = 0; i < rep.n; i++)
		busy |= rep.v[i].outcome == NG_UNLOCK_BUSY;
	if (!busy) {
		log_unlocks(&rep);
		ng_unlock_report_free(&rep);
		return 0;
	}
	ng_unlock_report_free(&rep);
	r = ng_pve_unlock_later(ctx, vmid, &e);
	if (r == 0) {
		ng_log(LOG_INFO, "guest %u: lock: backup is stale; its config is locked by the "
		       "stop: nicguard-unlock@%u.service removes it once that is done", vmid, vmid);
		return 0;
	}
	if (r != -ENOSYS)
		ng_log(LOG_WARNING, "guest %u: %s: removing it from a process of its own", vmid,
		       e.msg);
	ng_log(LOG_INFO, "guest %u: lock: backup is stale; its config is locked by the stop: "
	       "removed in the background once that is done (at most %d s)", vmid,
	       NG_UNLOCK_LATER_MS / 1000);
	unlock_detached(ctx, vmid);
	return 0;
}

int main(int argc, char *argv[])
{
	char self[PATH_MAX], root[PATH_MAX];
	struct ng_ctx_opts o = { 0 };
	struct ng_ctx *ctx;
	struct ng_err e;
	unsigned long vmid;
	char *end;
	ssize_t n;

	/* qm start copies a hookscript's output into the task log; syslog keeps it too. */
	ng_log_open("guest-hook", NG_LOG_STDOUT | NG_LOG_SYSLOG, false);
	if (argc != 3 || !*argv[1] || (vmid = strtoul(argv[1], &end, 10), *end) || vmid == 0 ||
	    vmid > 999999999UL) {
		ng_log(LOG_ERR, "usage: %s VMID PHASE (called as a Proxmox hookscript)",
		       argc > 0 ? argv[0] : "guest-hook");
		return 0;
	}
	/* pre-start and pre-stop need nothing; pre-start must never fail a start. */
	if (strcmp(argv[2], "post-start") != 0 && strcmp(argv[2], "post-stop") != 0)
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (ng_pve_root_from_exe(self, HOOK_PATH, root, sizeof(root)) < 0)
		snprintf(root, sizeof(root), "/");
	o.root = root;
	ctx = ng_ctx_new(&o, &e);
	if (!ctx) {
		ng_log(LOG_ERR, "guest %lu: %s", vmid, e.msg);
		return 0;
	}
	if (strcmp(argv[2], "post-start") == 0)
		post_start(ctx, (unsigned)vmid);
	else
		post_stop(ctx, (unsigned)vmid);
	ng_ctx_free(ctx);
	return 0;
}
