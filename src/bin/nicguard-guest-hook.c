/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-guest-hook.c: Proxmox guest hookscript: policy on a guest's devices, stale locks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nicguard.h"
#include "log.h"

/* Installed here (mk/pve.mk); snippets link to it. A copy at R + this path works on R. */
#define HOOK_PATH NG_LIBEXECDIR "/guest-hook"

/* In a detached process: stdin, stdout and stderr on /dev/null, every other fd closed. */
static void detach_stdio(void)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; fd <= 2 && devnull >= 0; fd++)
		dup2(devnull, fd);
	close_range(3, ~0U, 0);
}

/* The policy on one of guest vmid's devices through the one apply path (ng_apply_iface),
 * one log line per setting changed or failed, each change into the history. Returns 0 or a
 * negative errno. */
static int apply_dev(const struct ng_ctx *ctx, const struct ng_resolver *rv,
		     const struct ng_iface *ifc, unsigned vmid)
{
	struct ng_report rep = { 0 };
	struct ng_applied out;
	struct ng_err e;
	char prefix[32];
	int bad = 0;

	if (ng_apply_iface(rv, ifc, NULL, 0, &rep, &out, &e) < 0) {
		ng_log(LOG_ERR, "guest %u: %s: %s", vmid, ifc->name, e.msg);
		bad = -EIO;
	}
	ng_log_diags(&rep.diags);
	snprintf(prefix, sizeof(prefix), "guest %u: ", vmid);
	ng_log_report(ctx, prefix, &rep);
	for (size_t j = 0; j < rep.n; j++)
		bad = rep.v[j].outcome == NG_FAILED ? -EIO : bad;
	ng_report_free(&rep);
	return bad;
}

static int load_policy(struct ng_ctx *ctx, unsigned vmid, struct ng_policy **p)
{
	struct ng_err e;
	int r = ng_policy_load(ctx, p, &e);

	if (r < 0 && r != -EINVAL) {
		ng_log(LOG_ERR, "guest %u: policy: %s; nothing applied", vmid, e.msg);
		ng_policy_free(*p);
		*p = NULL;
		return r;
	}
	if (r == -EINVAL)
		ng_log(LOG_WARNING, "guest %u: the policy has problems (`nicguard check` lists "
		       "them); sections with problems are ignored", vmid);
	return 0;
}

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

	r = load_policy(ctx, vmid, &p);
	if (r < 0)
		return r;
	r = ng_resolver_new(ctx, p, &rv, &e);
	if (r == 0 && (r = ng_iface_list(ctx, &v, &n, &e)) < 0)
		ng_log(LOG_ERR, "guest %u: cannot list interfaces: %s", vmid, e.msg);
	else if (r < 0)
		ng_log(LOG_ERR, "guest %u: %s", vmid, e.msg);
	for (size_t i = 0; r == 0 && i < n; i++) {
		int ri;

		if (ng_pve_guest_dev(v[i].name, vmid) && (ri = apply_dev(ctx, rv, &v[i], vmid)) < 0)
			bad = ri;
	}
	free(v);
	ng_resolver_free(rv);
	ng_policy_free(p);
	return r < 0 ? r : bad;
}

/* ------------------------------------------------ after post-start: the follower */

/* QEMU sets a tap's offloads with TUNSETOFFLOAD (net/tap-linux.c tap_fd_set_offload) when it
 * opens the tap and again each time the guest's virtio driver negotiates its features or
 * changes its offloads (hw/net/virtio-net.c virtio_net_set_features and
 * virtio_net_handle_offloads -> virtio_net_apply_guest_offloads): after post-start, at every
 * boot, reboot and driver load in the guest. Each call puts back the tap's TSO and checksum
 * features (drivers/net/tun.c set_offload, TUN_USER_FEATURES) whatever the policy turned
 * off. No udev event says so, but the kernel sends an RTM_NEWLINK for every feature change
 * (NETDEV_FEAT_CHANGE): one follower for the host hears them and applies the policy to the
 * guest device again. It ends once no guest device has been left for FOLLOW_IDLE_MS. */
#define FOLLOW_IDLE_MS 10000
#define FOLLOW_LOCK "/run/lock/nicguard-guests.lock"

struct follow {
	char (*names)[NG_IFNAMSIZ];
	size_t n, cap;
};

static void heard(const char *ifname, bool gone, void *arg)
{
	struct follow *f = arg;

	if (gone || !ng_pve_guest_port(ifname))
		return;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->names[i], ifname) == 0)
			return;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		char (*nv)[NG_IFNAMSIZ] = realloc(f->names, cap * sizeof(*nv));

		if (!nv)
			return;
		f->names = nv;
		f->cap = cap;
	}
	snprintf(f->names[f->n++], NG_IFNAMSIZ, "%s", ifname);
}

/* The guest id in a guest device's name: the digits after its prefix. */
static unsigned port_vmid(const char *name)
{
	return (unsigned)strtoul(name + strcspn(name, "0123456789"), NULL, 10);
}

static bool any_guest_port(struct ng_ctx *ctx)
{
	struct ng_iface *v;
	bool any = false;
	size_t n;

	if (ng_iface_list(ctx, &v, &n, NULL) < 0)
		return true;	/* cannot tell: keep following */
	for (size_t i = 0; i < n && !any; i++)
		any = ng_pve_guest_port(v[i].name);
	free(v);
	return any;
}

static void follow(struct ng_ctx *ctx)
{
	struct follow f = { 0 };
	char lock[PATH_MAX];
	long idle = 0;
	struct ng_err e;
	int fd, lfd;

	/* One follower for the host. */
	if (ng_path(ctx, lock, sizeof(lock), FOLLOW_LOCK) < 0 ||
	    (lfd = open(lock, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0 ||
	    flock(lfd, LOCK_EX | LOCK_NB) < 0)
		return;
	fd = ng_link_watch_open(&e);
	if (fd < 0) {
		ng_log(LOG_ERR, "guests' devices not followed: %s", e.msg);
		close(lfd);
		return;
	}
	while (idle < FOLLOW_IDLE_MS) {
		struct ng_resolver *rv = NULL;
		struct ng_policy *p = NULL;
		int r = ng_link_watch_read(fd, 1000, heard, &f, &e);

		if (r < 0 && r != -ENOBUFS) {
			ng_log(LOG_ERR, "guests' devices no longer followed: %s", e.msg);
			break;
		}
		idle = any_guest_port(ctx) ? 0 : idle + 1000;
		if (f.n == 0 || load_policy(ctx, port_vmid(f.names[0]), &p) < 0) {
			f.n = 0;
			continue;
		}
		/* One resolver a round: the policy, stanza keys and run state as they are now. */
		if (ng_resolver_new(ctx, p, &rv, &e) < 0)
			ng_log(LOG_ERR, "guests' devices: %s", e.msg);
		for (size_t i = 0; rv && i < f.n; i++) {
			struct ng_iface ifc;

			if (ng_iface_read(ctx, f.names[i], &ifc, NULL) == 0)
				apply_dev(ctx, rv, &ifc, port_vmid(f.names[i]));
		}
		f.n = 0;
		ng_resolver_free(rv);
		ng_policy_free(p);
	}
	free(f.names);
	close(fd);
	close(lfd);
}

/* Started once per host: by systemd (nicguard-guests.service, a cgroup of its own), else as
 * a process of its own, out of the session, with no inherited fd (the stop's run_command
 * reads the hook's output until EOF). */
static void start_follower(struct ng_ctx *ctx, unsigned vmid)
{
	struct ng_err e;
	pid_t pid;
	int r = ng_pve_start_unit(ctx, "nicguard-guests.service", &e);

	if (r == 0)
		return;
	if (r != -ENOSYS)
		ng_log(LOG_WARNING, "guest %u: %s: following its devices from a process of its "
		       "own", vmid, e.msg);
	pid = fork();
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (pid < 0 || setsid() < 0 || fork() != 0)
		_exit(0);
	detach_stdio();
	ng_log_open("guest-hook", NG_LOG_SYSLOG, false);
	follow(ctx);
	_exit(0);
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
	detach_stdio();
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

/* The context for the tree this binary is installed in (R + HOOK_PATH works on R). */
static struct ng_ctx *open_ctx(const char *what)
{
	char self[PATH_MAX], root[PATH_MAX];
	struct ng_ctx_opts o = { 0 };
	struct ng_ctx *ctx;
	struct ng_err e;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (ng_pve_root_from_exe(self, HOOK_PATH, root, sizeof(root)) < 0)
		snprintf(root, sizeof(root), "/");
	o.root = root;
	ctx = ng_ctx_new(&o, &e);
	if (!ctx)
		ng_log(LOG_ERR, "%s: %s", what, e.msg);
	return ctx;
}

int main(int argc, char *argv[])
{
	bool following = argc == 2 && strcmp(argv[1], "--follow") == 0;
	struct ng_ctx *ctx;
	unsigned long vmid;
	char *end;

	/* qm start copies a hookscript's output into the task log; syslog keeps it too. The
	 * follower (nicguard-guests.service) has syslog only. */
	ng_log_open("guest-hook", following ? NG_LOG_SYSLOG : NG_LOG_STDOUT | NG_LOG_SYSLOG,
		    false);
	if (following) {
		ctx = open_ctx("guests' devices");
		if (ctx)
			follow(ctx);
		ng_ctx_free(ctx);
		return 0;
	}
	if (argc != 3 || !*argv[1] || (vmid = strtoul(argv[1], &end, 10), *end) || vmid == 0 ||
	    vmid > 999999999UL) {
		ng_log(LOG_ERR, "usage: %s VMID PHASE (called as a Proxmox hookscript)",
		       argc > 0 ? argv[0] : "guest-hook");
		return 0;
	}
	/* pre-start and pre-stop need nothing; pre-start must never fail a start. */
	if (strcmp(argv[2], "post-start") != 0 && strcmp(argv[2], "post-stop") != 0)
		return 0;
	ctx = open_ctx("guest");
	if (!ctx)
		return 0;
	if (strcmp(argv[2], "post-start") == 0) {
		post_start(ctx, (unsigned)vmid);
		start_follower(ctx, (unsigned)vmid);
	} else {
		post_stop(ctx, (unsigned)vmid);
	}
	ng_ctx_free(ctx);
	return 0;
}
