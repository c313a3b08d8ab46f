/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard-udev.c: run by the udev rule on add/bind/move of a net device; applies the policy.
 * For tests and debugging: NICGUARD_ROOT (fixture root), NICGUARD_DEBUG (library trace),
 * NICGUARD_STDERR (a copy of the log on stderr, which udevd discards). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "log.h"

/* udev's argv: IFINDEX ACTION. On `add` the kernel's first name is all udev has, although
 * the device may already carry its final name; the ifindex is the stable handle. */
static int parse_args(int argc, char *argv[], int *ifindex, const char **action)
{
	char *end;
	long v;

	if (argc != 3) {
		ng_log(LOG_ERR, "usage: nicguard-udev IFINDEX ACTION (run by the udev rule)");
		return -EINVAL;
	}
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || v <= 0 || v > 0x7fffffff) {
		ng_log(LOG_ERR, "invalid ifindex \"%.20s\"", argv[1]);
		return -EINVAL;
	}
	*ifindex = (int)v;
	*action = argv[2];
	return 0;
}

static int run(int argc, char *argv[], bool debug)
{
	struct ng_ctx_opts opts = { .root = secure_getenv("NICGUARD_ROOT") };
	struct ng_resolver *rv = NULL;
	struct ng_report rep = { 0 };
	struct ng_policy *p = NULL;
	struct ng_err err = { 0 };
	struct ng_applied out;
	struct ng_iface ifc;
	struct ng_ctx *ctx;
	const char *action;
	char msg[1024];
	int ifindex, r;

	r = parse_args(argc, argv, &ifindex, &action);
	if (r < 0)
		return r;
	ctx = ng_ctx_new(&opts, &err);
	if (!ctx)
		goto fail;
	if (debug)
		ng_ctx_set_trace(ctx, ng_log_trace, NULL);
	r = ng_iface_read_index(ctx, ifindex, &ifc, &err);
	if (r == -ENODEV) {
		/* Gone again before we ran (a short-lived veth): nothing to do. */
		ng_log(LOG_DEBUG, "%s: ifindex %d is gone", action, ifindex);
		r = 0;
		goto out;
	}
	if (r < 0 || ifc.kind == NG_KIND_LOOPBACK)
		goto out;
	/* nicguard-watch is bouncing or rebinding this port and putting it back in its bridge
	 * or bond: it applies the policy itself once the port is in place. */
	if (ng_runstate_port_busy(ctx, &ifc)) {
		ng_log(LOG_INFO, "%s %s: nicguard-watch is putting the port back in place and "
		       "applies the policy then; left to it", action, ifc.name);
		goto out;
	}
	/* A bad section is ignored by resolve; the rest of the policy still holds. */
	r = ng_log_policy_load(ctx, &p, &err);
	if (r < 0 && r != -EINVAL)
		goto out;
	/* Stanza keys, an open backup window and a watch escalation all survive a driver
	 * reload: this event is often the first thing that runs after one. */
	r = ng_resolver_new(ctx, p, &rv, &err);
	if (r == 0)
		r = ng_apply_iface(rv, &ifc, NULL, 0, &rep, &out, &err);
	ng_log_diags(&rep.diags);
	if (r == 0 && out.outcome == NG_IFACE_SKIPPED)
		ng_log(LOG_INFO, "%s %s: skip = yes, left alone", action, ifc.name);
	if (r == 0) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "%.20s ", action);
		ng_log_report(ctx, prefix, &rep);
	}
out:
	ng_report_free(&rep);
	ng_resolver_free(rv);
	ng_policy_free(p);
	ng_ctx_free(ctx);
	if (r >= 0)
		return 0;
fail:
	ng_log(LOG_ERR, "ifindex %d: %s", ifindex, ng_err_str(&err, msg, sizeof(msg)));
	return -1;
}

int main(int argc, char *argv[])
{
	bool debug = secure_getenv("NICGUARD_DEBUG") != NULL;

	/* udevd discards our output: syslog it is. */
	ng_log_open("udev", NG_LOG_SYSLOG | (secure_getenv("NICGUARD_STDERR") ? NG_LOG_STDERR : 0),
		    debug);
	run(argc, argv, debug);
	return 0;
}
