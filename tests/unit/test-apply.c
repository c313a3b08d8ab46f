/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-apply.c: the one apply path (ng_apply_iface) and what goes through it (reapply,
 * reassert), on a real veth in a network namespace of the test's own, with the interfaces
 * file and /run/nicguard under a scratch root. Needs root (skipped otherwise). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

static const struct ng_iface ngu0 = { .name = "ngu0", .kind = NG_KIND_VETH, .driver = "veth" };
static bool have_netns;

static int setup(void **state)
{
	if (fx_setup(state) < 0)
		return -1;
	fx_mkdir("run");
	have_netns = fx_netns_veth("ngu0", "ngu1") == 0;
	return 0;
}

/* One pass of the apply path over ngu0 with this policy text; rep gets the results. */
static int apply(const char *policy_text, const struct ng_target_opts *o, unsigned flags,
		 struct ng_report *rep, struct ng_applied *out)
{
	struct ng_policy *p = ng_policy_new();
	struct ng_resolver *rv;
	struct ng_err err = { 0 };
	int r;

	assert_int_equal(ng_policy_parse(p, policy_text, strlen(policy_text), "t.conf"), 0);
	assert_int_equal(ng_resolver_new(fx.ctx, p, &rv, NULL), 0);
	memset(rep, 0, sizeof(*rep));
	r = ng_apply_iface(rv, &ngu0, o, flags, rep, out, &err);
	ng_resolver_free(rv);
	ng_policy_free(p);
	return r;
}

/* The result of setting name in rep, or NULL. */
static const struct ng_result *result(const struct ng_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->n; i++)
		if (strcmp(rep->v[i].name, name) == 0)
			return &rep->v[i];
	return NULL;
}

static void test_apply_and_drift(void **state)
{
	struct ng_report rep;
	struct ng_applied out;

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(apply("[interface ngu0]\noffload = gso on\n", NULL, 0, &rep, &out), 0);
	ng_report_free(&rep);
	assert_int_equal(apply("[interface ngu0]\noffload = gso off\n", NULL, 0, &rep, &out), 0);
	assert_int_equal(out.outcome, NG_IFACE_APPLIED);
	assert_int_equal(out.state, NG_TARGET_MATCHED);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.v[0].outcome, NG_CHANGED);
	assert_string_equal(rep.v[0].was, "on");
	assert_string_equal(rep.v[0].now, "off");
	assert_string_equal(rep.v[0].ifname, "ngu0");
	/* The origin outlives the policy: the report keeps its own copy of the name. */
	assert_string_equal(rep.v[0].origin.file, "t.conf");
	assert_int_equal(rep.v[0].origin.line, 2);
	assert_int_equal(rep.v[0].origin.layer, NG_LAYER_NAME);
	assert_false(ng_result_drift(&rep.v[0]));
	ng_report_free(&rep);
	assert_int_equal(apply("[interface ngu0]\noffload = gso off\n", NULL, 0, &rep, &out), 0);
	assert_int_equal(rep.v[0].outcome, NG_ALREADY);
	ng_report_free(&rep);
	/* A dry run only reads: what would change is drift. */
	assert_int_equal(apply("[interface ngu0]\noffload = gso on\n", NULL, NG_APPLY_DRY_RUN,
			       &rep, &out), 0);
	assert_int_equal(rep.v[0].outcome, NG_PLANNED);
	assert_true(ng_result_drift(&rep.v[0]));
	ng_report_free(&rep);
	assert_int_equal(apply("[interface ngu0]\noffload = gso off\n", NULL, NG_APPLY_DRY_RUN,
			       &rep, &out), 0);
	assert_int_equal(rep.v[0].outcome, NG_ALREADY);
	ng_report_free(&rep);
}

/* Bug 3 of issue 12: a pass-through line cannot be read back, so it is never drift. */
static void test_passthrough_is_no_drift(void **state)
{
	struct ng_report rep;
	struct ng_applied out;

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(apply("[interface ngu0]\nethtool = --set-eee {} eee off\n", NULL,
			       NG_APPLY_DRY_RUN, &rep, &out), 0);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.v[0].group, NG_ETHTOOL);
	assert_int_equal(rep.v[0].outcome, NG_PLANNED);
	assert_false(ng_result_drift(&rep.v[0]));
	ng_report_free(&rep);
}

/* Skipped and unmatched interfaces are left alone: nothing read or written. */
static void test_skipped_and_unmatched(void **state)
{
	struct ng_report rep;
	struct ng_applied out;

	(void)state;
	if (!have_netns)
		skip();
	fx_put("etc/network/interfaces", "iface ngu0 inet manual\n\tnicguard-skip yes\n"
	       "\tnicguard-offload tos off\n");
	assert_int_equal(apply("[interface ngu0]\noffload = gso on\n", NULL, 0, &rep, &out), 0);
	assert_int_equal(out.outcome, NG_IFACE_SKIPPED);
	assert_string_equal(out.skip.file, "/etc/network/interfaces");
	assert_int_equal(out.skip.line, 2);
	assert_int_equal(out.skip.layer, NG_LAYER_STANZA);
	assert_int_equal(rep.n, 0);
	/* The stanza's bad value is a diagnostic of the report, with its place. */
	assert_int_equal(rep.diags.n, 1);
	assert_int_equal(rep.diags.v[0].line, 3);
	ng_report_free(&rep);
	fx_remove("etc/network/interfaces");
	assert_int_equal(apply("[interface ngu1]\noffload = gso on\n", NULL, 0, &rep, &out), 0);
	assert_int_equal(out.outcome, NG_IFACE_UNMATCHED);
	assert_int_equal(rep.n, 0);
	ng_report_free(&rep);
	/* Matched, nothing to set now (only a backup-* key): applied, no result. */
	assert_int_equal(apply("[interface ngu0]\nbackup-offload = gso on\n", NULL, 0, &rep,
			       &out), 0);
	assert_int_equal(out.outcome, NG_IFACE_APPLIED);
	assert_int_equal(rep.n, 0);
	ng_report_free(&rep);
}

/* What is in force now: the window's backup set, the escalation's watch set (stanza keys
 * too); o->groups narrows what is applied. */
static void test_layers_in_force(void **state)
{
	static const char text[] = "[interface ngu0]\noffload = gso off gro off\n"
				   "backup-offload = gro on\ninterrupt-throttle-rate = 3\n";
	const struct ng_target_opts itr = { .groups = 1u << NG_ITR };
	struct ng_report rep;
	struct ng_applied out;

	(void)state;
	if (!have_netns)
		skip();
	fx_put("run/nicguard/backup-state", NG_MARKER "\nngu0 offload rx-gro off\n");
	fx_put("etc/network/interfaces", "iface ngu0\n\tnicguard-watch-offload gso on\n");
	fx_put("run/nicguard/watch-escalated", NG_MARKER "\nngu0\n");
	assert_int_equal(apply(text, NULL, NG_APPLY_DRY_RUN, &rep, &out), 0);
	assert_int_equal(out.state, NG_TARGET_MATCHED | NG_TARGET_WINDOW | NG_TARGET_ESCALATED);
	assert_string_equal(result(&rep, "gro")->want, "on");
	assert_int_equal(result(&rep, "gro")->origin.line, 3);
	assert_string_equal(result(&rep, "gso")->want, "on");
	assert_string_equal(result(&rep, "gso")->origin.file, "/etc/network/interfaces");
	ng_report_free(&rep);
	/* Only the module parameter: a veth has none (veth is not e1000e). */
	assert_int_equal(apply(text, &itr, NG_APPLY_DRY_RUN, &rep, &out), 0);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.v[0].group, NG_ITR);
	assert_int_equal(rep.v[0].outcome, NG_UNSUPPORTED);
	ng_report_free(&rep);
	fx_remove("run/nicguard/backup-state");
	fx_remove("run/nicguard/watch-escalated");
	fx_remove("etc/network/interfaces");
}

/* Bug 1 of issue 12: the reapply rung applies a stanza's nicguard-watch-offload (it merged
 * the policy's watch-* settings only, and said there were none). */
static void test_reapply(void **state)
{
	struct ng_policy *p = ng_policy_new();
	struct ng_report rep = { 0 };
	struct ng_err err = { 0 };
	struct ng_runstate rs;
	struct ng_applied out;

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(ng_policy_parse(p, "[interface ngu0]\noffload = gso on\n", 34, "t.conf"),
			 0);
	assert_int_equal(ng_recover_reapply(fx.ctx, p, &ngu0, 0, &rep, &err), -ENOENT);
	assert_int_equal(rep.n, 0);
	assert_int_equal(apply("[interface ngu0]\noffload = gso on\n", NULL, 0, &rep, &out), 0);
	ng_report_free(&rep);
	fx_put("etc/network/interfaces", "iface ngu0\n\tnicguard-watch-offload gso off\n");
	assert_int_equal(ng_recover_reapply(fx.ctx, p, &ngu0, NG_APPLY_DRY_RUN, &rep, &err), 0);
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.v[0].outcome, NG_PLANNED);
	assert_int_equal(ng_runstate_read(fx.ctx, &rs), 0);
	assert_false(ng_runstate_is_escalated(&rs, "ngu0"));	/* a dry run marks nothing */
	ng_runstate_free(&rs);
	ng_report_free(&rep);
	assert_int_equal(ng_recover_reapply(fx.ctx, p, &ngu0, 0, &rep, &err), 0);
	assert_string_equal(result(&rep, "gso")->want, "off");
	assert_true(result(&rep, "gso")->outcome == NG_CHANGED ||
		    result(&rep, "gso")->outcome == NG_ALREADY);
	assert_int_equal(ng_runstate_read(fx.ctx, &rs), 0);
	assert_true(ng_runstate_is_escalated(&rs, "ngu0"));
	ng_runstate_free(&rs);
	ng_report_free(&rep);
	/* Skipped: hands off, nothing applied or marked. */
	fx_put("etc/network/interfaces", "iface ngu0\n\tnicguard-watch-offload gso off\n"
	       "\tnicguard-skip yes\n");
	assert_int_equal(ng_recover_reapply(fx.ctx, p, &ngu0, 0, &rep, &err), -ECANCELED);
	assert_int_equal(rep.n, 0);
	fx_remove("etc/network/interfaces");
	fx_remove("run/nicguard/watch-escalated");
	ng_policy_free(p);
}

/* After a window's restore, every escalated interface gets its target back (watch set). */
static void test_reassert(void **state)
{
	static const char text[] = "[interface ngu0]\noffload = gso on\nwatch-offload = gso off\n";
	struct ng_policy *p = ng_policy_new();
	struct ng_report rep = { 0 };
	struct ng_diags d = { 0 };

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "t.conf"), 0);
	/* The context's root is a fixture: its sysfs names the interface, the kernel has it. */
	fx_put("sys/class/net/ngu0/ifindex", "40\n");
	fx_put("sys/class/net/gone0/ifindex", "41\n");
	fx_put("run/nicguard/watch-escalated", NG_MARKER "\nngu0\ngone1\n");
	assert_int_equal(ng_recover_reassert(fx.ctx, p, &rep, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.v[0].want, "off");
	assert_int_equal(rep.v[0].origin.line, 3);
	ng_report_free(&rep);
	fx_remove("run/nicguard/watch-escalated");
	ng_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_and_drift),
		cmocka_unit_test(test_passthrough_is_no_drift),
		cmocka_unit_test(test_skipped_and_unmatched),
		cmocka_unit_test(test_layers_in_force),
		cmocka_unit_test(test_reapply),
		cmocka_unit_test(test_reassert),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
