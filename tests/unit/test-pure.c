/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-pure.c: the policy parser, its printer and the planner, linked without the library:
 * only the objects of the pure layer (Makefile: PURE_OBJ, POLICY_OBJ). That this program
 * links at all is the test that the parser and the planner open no socket and read no
 * device; what it runs checks that they work alone. */
#include <errno.h>
#include <linux/ethtool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static const char text[] =
	"[interface ngt*]\n"
	"offload = tso off gso off\n"
	"backup-offload = gro off\n"
	"[watch]\n"
	"settle = 5s\n"
	"[pve]\n"
	"unlock-stale = no\n";

/* Parse, print, parse the printout: the same sections, no diagnostic. */
static void test_parse_print(void **state)
{
	struct ng_policy *p = ng_policy_new(), *q = ng_policy_new();
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "t.conf"), 0);
	assert_int_equal(ng_policy_print(p, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(out, "offload = tso off gso off\n"));
	assert_int_equal(ng_policy_parse(q, out, len, "printed"), 0);
	assert_int_equal(q->nsections, p->nsections);
	free(out);
	ng_policy_free(q);
	ng_policy_free(p);
}

/* The normal items of the first section planned against a device state made in memory. */
static void test_plan(void **state)
{
	static const char *const names[] = { "tx-tcp-segmentation", "tx-generic-segmentation",
					     "rx-gro" };
	struct ng_policy *p = ng_policy_new();
	struct ng_wanted w = { 0 };
	struct ng_devstate s;
	struct ng_plan plan;

	(void)state;
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "t.conf"), 0);
	for (size_t i = 0; i < p->sections[0].nitems; i++)
		if (p->sections[0].items[i].set == NG_SET_NORMAL)
			assert_int_equal(ng_items_put(&w.items, &w.n, &p->sections[0].items[i],
						      false), 0);
	memset(&s, 0, sizeof(s));
	snprintf(s.ifname, sizeof(s.ifname), "ngt0");
	s.feat.n = 3;
	s.feat.nblocks = 1;
	s.feat.names = calloc(3, sizeof(*s.feat.names));
	s.feat.available = calloc(1, sizeof(uint32_t));
	s.feat.requested = calloc(1, sizeof(uint32_t));
	s.feat.active = calloc(1, sizeof(uint32_t));
	s.feat.never_changed = calloc(1, sizeof(uint32_t));
	assert_non_null(s.feat.never_changed);
	for (size_t i = 0; i < 3; i++) {
		snprintf(s.feat.names[i], sizeof(s.feat.names[i]), "%s", names[i]);
		ng_features_set_bit(s.feat.available, i, true);
		ng_features_set_bit(s.feat.active, i, i < 2);	/* tso, gso on; gro off */
		ng_features_set_bit(s.feat.requested, i, i < 2);
	}
	assert_int_equal(ng_plan_make(&s, &w, &plan), 0);
	assert_true(plan.write[NG_PART_FEATURES]);
	assert_int_equal(plan.n, 2);
	assert_int_equal(plan.items[0].res.outcome, NG_PLANNED);
	assert_string_equal(plan.items[0].res.ifname, "ngt0");
	assert_string_equal(plan.items[0].res.was, "on");
	assert_int_equal(plan.items[0].res.origin.line, 2);
	assert_int_equal(plan.valid[0], 3u);
	assert_int_equal(plan.requested[0], 0u);
	assert_true(ng_result_drift(&plan.items[0].res));
	ng_plan_free(&plan);
	ng_devstate_free(&s);
	ng_wanted_free(&w);
	ng_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_print),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
