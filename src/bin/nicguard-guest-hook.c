/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-guest-hook.c: Proxmox guest hookscript: policy on a guest's devices, stale locks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"

/* Installed here (mk/pve.mk); snippets link to it. A copy at R + this path works on R. */
#define HOOK_PATH NG_LIBEXECDIR "/guest-hook"

/* post-start: QEMU has made its taps (and reset their offloads with TUNSETOFFLOAD), the
 * container its veths; the firewall bridge ports exist. Apply the policy to each. */
static int post_start(struct ng_ctx *ctx, unsigned vmid)
{
	struct ng_resolver *rv = NULL;
	struct ng_policy *p = NULL;
	struct ng_iface *v = NULL;
	struct ng_err e;
	size_t n = 0;
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
	r = ng_resolver_new(ctx, p, &rv, &e);
	if (r == 0 && (r = ng_iface_list(ctx, &v, &n, &e)) < 0)
		ng_log(LOG_ERR, "guest %u: cannot list interfaces: %s", vmid, e.msg);
	else if (r < 0)
		ng_log(LOG_ERR, "guest %u: %s", vmid, e.msg);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct ng_report rep = { 0 };
		struct ng_applied out;
		char prefix[32];

		if (!ng_pve_guest_dev(v[i].name, vmid))
			continue;
		if (ng_apply_iface(rv, &v[i], NULL, 0, &rep, &out, &e) < 0) {
			ng_log(LOG_ERR, "guest %u: %s: %s", vmid, v[i].name, e.msg);
			bad = -EIO;
		}
		ng_log_diags(&rep.diags);
		snprintf(prefix, sizeof(prefix), "guest %u: ", vmid);
		ng_log_report(ctx, prefix, &rep);
		for (size_t j = 0; j < rep.n; j++)
			bad = rep.v[j].outcome == NG_FAILED ? -EIO : bad;
		ng_report_free(&rep);
	}
	free(v);
	ng_resolver_free(rv);
	ng_policy_free(p);
	return r < 0 ? r : bad;
}

/* post-stop: outside the config flock. A guest stopped for a stop-mode backup gets here
 * while vzdump runs, so its lock is only stale when no backup is alive. */
static int post_stop(struct ng_ctx *ctx, unsigned vmid)
{
	struct ng_guest *g, *mine = NULL;
	char why[512];
	struct ng_err e;
	size_t n;
	int r;

	r = ng_pve_guests(ctx, &g, &n, &e);
	if (r < 0) {
		ng_log(LOG_ERR, "guest %u: cannot list this node's guests: %s", vmid, e.msg);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		if (g[i].vmid == vmid)
			mine = &g[i];
	if (mine && mine->error)
		ng_log(LOG_ERR, "guest %u: cannot read its config: %s", vmid,
		       strerror(-mine->error));
	if (!mine || mine->error || strcmp(mine->lock, "backup") != 0)
		goto out;
	r = ng_pve_backup_alive(ctx, why, sizeof(why), &e);
	if (r < 0)
		ng_log(LOG_ERR, "guest %u: lock: backup kept: cannot tell whether a backup runs: "
		       "%s", vmid, e.msg);
	else if (r > 0)
		ng_log(LOG_INFO, "guest %u: lock: backup kept: a backup is running (%s)", vmid,
		       why);
	else if ((r = ng_pve_unlock(ctx, mine, &e)) < 0)
		ng_log(LOG_ERR, "guest %u: stale lock: backup not removed: %s", vmid, e.msg);
	else
		ng_log(LOG_NOTICE, "guest %u: removed a stale lock: backup (%s unlock %u)", vmid,
		       mine->type == NG_GUEST_QEMU ? "qm" : "pct", vmid);
out:
	free(g);
	return r < 0 ? r : 0;
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
