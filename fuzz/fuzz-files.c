/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-files.c: libFuzzer target for the parsers that read other programs' files by path
 * (modprobe.d, sysctl.d, storage.cfg, /proc/locks, UPID files, state files, interfaces,
 * guest configs, policy files, revert records): the input is written into a scratch root
 * and loaded. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first input byte picks the file; the rest is its content. The scratch root has no
 * sys/class/net, so no loader can reach a real interface. */
static const char *const files[] = {
	"/etc/modprobe.d/fuzz.conf",
	"/etc/sysctl.d/fuzz.conf",
	"/etc/pve/storage.cfg",
	"/proc/locks",
	"/var/run/vzdump.pid",
	"/var/log/pve/tasks/active",
	"/run/nicguard/watch-events",
	"/run/nicguard/watch-escalated",
	"/run/nicguard/backup-state",
	"/etc/network/interfaces",
	"/etc/pve/local/qemu-server/100.conf",
	"/etc/initramfs-tools/initramfs.conf",
	"/etc/nicguard/nicguard.conf",
	"/proc/1/stat",
	"/var/lib/nicguard/revert/name-eth0",
};

static void mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(buf, 0755);
		*s = '/';
	}
}

static int setup(void)
{
	char path[512];
	int r = scratch_make("files");

	if (r != 0)
		return r < 0 ? -1 : 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, files[i]);
		mkdirs(path);
	}
	return 0;
}

static void run(struct ng_ctx *ctx, size_t which)
{
	struct ng_err err = { 0 };
	char buf[4096];

	switch (which) {
	case 0: {
		struct ng_modopt *v = NULL;
		size_t n = 0;

		if (ng_modprobe_options(ctx, "e1000e", &v, &n) == 0)
			ng_modopts_free(v, n);
		break;
	}
	case 1: {
		struct ng_sysctl_check c;

		ng_sysctl_check(ctx, &c, &err);
		break;
	}
	case 2: {
		struct ng_storage_cfg sc;

		if (ng_storage_load(ctx, &sc, &err) == 0) {
			for (size_t i = 0; i < sc.n; i++)
				ng_storage_snippets_dir(ctx, &sc.v[i], buf, sizeof(buf));
			ng_storage_cfg_free(&sc);
		}
		break;
	}
	case 3:
	case 4:
	case 5:
		ng_pve_backup_alive(ctx, buf, sizeof(buf), &err);
		break;
	case 6: {
		struct ng_watch_event *v = NULL;
		size_t n = 0;

		if (ng_runstate_events_read(ctx, &v, &n, &err) == 0)
			free(v);
		break;
	}
	case 7: {
		struct ng_runstate rs;

		if (ng_runstate_read(ctx, &rs) == 0)
			ng_runstate_free(&rs);
		break;
	}
	case 8: {
		struct ng_report rep = { 0 };
		struct ng_diags d = { 0 };
		bool had;

		ng_backup_restore(ctx, &rep, &d, &had);
		if (rep.n)	/* no interface exists under the scratch root */
			abort();
		ng_report_free(&rep);
		ng_diags_free(&d);
		break;
	}
	case 9: {
		static const struct ng_iface eth0 = { .name = "eth0" };
		struct ng_resolver *rv;
		struct ng_target *t;

		if (ng_resolver_new(ctx, NULL, &rv, &err) < 0)
			break;
		if (ng_target_resolve(rv, &eth0, NULL, &t, &err) == 0)
			ng_target_free(t);
		ng_resolver_free(rv);
		break;
	}
	case 10: {
		struct ng_guest *g = NULL;
		size_t n = 0;

		if (ng_pve_guests(ctx, &g, &n, &err) == 0)
			free(g);
		break;
	}
	case 11:
		ng_initramfs_e1000e(ctx, buf, sizeof(buf));
		break;
	case 12: {
		struct ng_policy *p = NULL;

		ng_policy_load(ctx, &p, &err);
		ng_policy_free(p);
		break;
	}
	case 13: {
		struct ng_upid u = { .pid = 1, .pstart = 12345 };

		ng_upid_alive(ctx, &u);
		break;
	}
	case 14: {
		struct ng_revert *v = NULL;
		size_t n = 0;

		if (ng_revert_list(ctx, &v, &n, &err) == 0)
			ng_revert_list_free(v, n);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ng_ctx_opts o = { .no_builtin = true };
	const char *policy[2] = { NULL, NULL };
	char path[512], conf[512];
	struct ng_ctx *ctx;
	size_t which;

	if (size < 1 || setup() < 0)
		return 0;
	/* Given policy paths are taken as they are, not under the root. */
	snprintf(conf, sizeof(conf), "%s/etc/nicguard/nicguard.conf", root);
	policy[0] = conf;
	o.policy_paths = policy;
	which = data[0] % (sizeof(files) / sizeof(files[0]));
	o.root = root;
	ctx = ng_ctx_new(&o, NULL);
	if (!ctx)
		return 0;
	scratch_put(files[which], data + 1, size - 1);
	run(ctx, which);
	ng_ctx_free(ctx);
	/* Loaders may remove or rewrite state files: start the next input from nothing. */
	snprintf(path, sizeof(path), "%s%s", root, files[which]);
	unlink(path);
	return 0;
}
