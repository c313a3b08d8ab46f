/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-doctor.c: doctor's EEE check: which dry-run result is a finding, and the real read of
 * a port without EEE operations (a veth behind an e1000e port of a scratch sysfs: the
 * kernel answers EOPNOTSUPP, as for QEMU's 82574L) that must find nothing. */
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

static bool have_netns;

static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX];

	assert_int_equal(symlink(target, fx_path(rel, path)), 0);
}

/* ngu0 (a real veth of the test's network namespace) and eno9 (no such kernel device), both
 * e1000e ports in the scratch sysfs. */
static int setup(void **state)
{
	static const char *const ports[] = { "ngu0", "eno9" };
	char rel[128], dev[80];

	if (fx_setup(state) < 0)
		return -1;
	fx_mkdir("sys/bus/pci/drivers/e1000e");
	for (size_t i = 0; i < NG_ARRAY_SIZE(ports); i++) {
		snprintf(dev, sizeof(dev), "sys/devices/pci0000:00/0000:00:1%zu.0", i + 8);
		fx_mkdir(dev);
		snprintf(rel, sizeof(rel), "%s/driver", dev);
		link_to(rel, "../../../bus/pci/drivers/e1000e");
		snprintf(rel, sizeof(rel), "sys/class/net/%s/ifindex", ports[i]);
		fx_put(rel, i == 0 ? "2\n" : "3\n");
		snprintf(rel, sizeof(rel), "sys/class/net/%s/device", ports[i]);
		snprintf(dev, sizeof(dev), "../../../devices/pci0000:00/0000:00:1%zu.0", i + 8);
		link_to(rel, dev);
	}
	have_netns = fx_netns_veth("ngu0", "ngu1") == 0;
	return 0;
}

static struct ng_result result(enum ng_outcome o)
{
	struct ng_result r;

	memset(&r, 0, sizeof(r));
	r.group = NG_EEE;
	snprintf(r.name, sizeof(r.name), "eee");
	snprintf(r.want, sizeof(r.want), "off");
	r.outcome = o;
	return r;
}

/* Only "would change" is EEE on; off, no EEE at all, or unreadable say nothing. */
static void test_finding(void **state)
{
	static const enum ng_outcome quiet[] = { NG_ALREADY, NG_UNSUPPORTED, NG_FAILED };
	struct ng_iface e1000e = { .name = "eno1", .driver = "e1000e" };
	struct ng_iface igc = { .name = "enp3s0", .driver = "igc" };
	struct ng_doctor d = { 0 };
	struct ng_result r;

	(void)state;
	for (size_t i = 0; i < NG_ARRAY_SIZE(quiet); i++) {
		r = result(quiet[i]);
		assert_int_equal(ng_doctor_eee_finding(&d, &e1000e, &r), 0);
	}
	assert_int_equal(d.n, 0);
	r = result(NG_PLANNED);
	assert_int_equal(ng_doctor_eee_finding(&d, &e1000e, &r), 0);
	assert_int_equal(ng_doctor_eee_finding(&d, &igc, &r), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].check, "eee-on");
	assert_string_equal(d.v[0].where, "eno1");
	assert_non_null(strstr(d.v[0].what, "on this e1000e port"));
	assert_non_null(strstr(d.v[0].what, "I217/I218/I219 hangs"));
	assert_string_equal(d.v[0].fix, "add `eee = eee off` to [driver e1000e] (or [interface "
			    "eno1]) and run `nicguard apply`; the link renegotiates once");
	assert_non_null(strstr(d.v[1].what, "I225/I226 hangs"));
	ng_doctor_free(&d);
}

/* The whole check on the scratch sysfs: ngu0's real EEE read is EOPNOTSUPP, eno9 is no
 * kernel device: no finding, no note. */
static void test_check_no_eee(void **state)
{
	struct ng_policy *p = ng_policy_new();
	struct ng_doctor d = { 0 };

	(void)state;
	if (!have_netns)
		skip();
	assert_int_equal(ng_doctor_check_eee(fx.ctx, p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.notes.n, 0);
	ng_doctor_free(&d);
	ng_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finding),
		cmocka_unit_test(test_check_no_eee),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
