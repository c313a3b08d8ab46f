/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-backup.c: which interfaces a backup window tightens: from their targets, so stanza
 * keys (nicguard-backup-uplink, nicguard-skip) count like the policy's. */
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

static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX];

	assert_int_equal(symlink(target, fx_path(rel, path)), 0);
}

/* A sysfs tree: eno1 in vmbr0, eno2 in bond0 in vmbr0, eno3 alone, tap100i0 in vmbr0. */
static int setup(void **state)
{
	static const char *const ports[] = { "eno1", "eno2", "eno3" };
	char rel[128], dev[64];

	if (fx_setup(state) < 0)
		return -1;
	fx_mkdir("sys/bus/pci/drivers/e1000e");
	for (size_t i = 0; i < 3; i++) {
		snprintf(dev, sizeof(dev), "sys/devices/pci0000:00/0000:00:1%zu.0", i + 2);
		fx_mkdir(dev);
		snprintf(rel, sizeof(rel), "%s/driver", dev);
		link_to(rel, "../../../bus/pci/drivers/e1000e");
		snprintf(rel, sizeof(rel), "sys/class/net/%s/ifindex", ports[i]);
		fx_put(rel, i == 0 ? "2\n" : i == 1 ? "3\n" : "4\n");
		snprintf(rel, sizeof(rel), "sys/class/net/%s/flags", ports[i]);
		fx_put(rel, "0x1003\n");
		snprintf(rel, sizeof(rel), "sys/class/net/%s/device", ports[i]);
		snprintf(dev, sizeof(dev), "../../../devices/pci0000:00/0000:00:1%zu.0", i + 2);
		link_to(rel, dev);
	}
	fx_mkdir("sys/class/net/vmbr0/bridge");
	fx_mkdir("sys/class/net/bond0/bonding");
	fx_put("sys/class/net/vmbr0/ifindex", "10\n");
	fx_put("sys/class/net/bond0/ifindex", "11\n");
	fx_put("sys/class/net/tap100i0/ifindex", "12\n");
	fx_put("sys/class/net/tap100i0/tun_flags", "0x1003\n");
	link_to("sys/class/net/eno1/master", "../vmbr0");
	link_to("sys/class/net/eno2/master", "../bond0");
	link_to("sys/class/net/bond0/master", "../vmbr0");
	link_to("sys/class/net/tap100i0/master", "../vmbr0");
	return 0;
}

/* Why the last uplinks() chose what it did. */
static char why[512];

/* The uplinks a window would tighten, space-separated, for this policy and interfaces file
 * ("" leaves the file out). */
static const char *uplinks_for(const char *storeid, const char *policy_text,
			       const char *interfaces)
{
	static char names[128];
	struct ng_policy *p = ng_policy_new();
	struct ng_resolver *rv;
	struct ng_iface *v;
	size_t n;

	assert_int_equal(ng_policy_parse(p, policy_text, strlen(policy_text), "t.conf"), 0);
	if (interfaces[0])
		fx_put("etc/network/interfaces", interfaces);
	assert_int_equal(ng_resolver_new(fx.ctx, p, &rv, NULL), 0);
	assert_int_equal(ng_backup_uplinks(rv, storeid, &v, &n, why, sizeof(why), NULL), 0);
	names[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? " " : "", v[i].name);
	free(v);
	ng_resolver_free(rv);
	ng_policy_free(p);
	if (interfaces[0])
		fx_remove("etc/network/interfaces");
	return names;
}

static const char *uplinks(const char *policy_text, const char *interfaces)
{
	return uplinks_for(NULL, policy_text, interfaces);
}

static void test_policy_uplinks(void **state)
{
	(void)state;
	/* Physical ports of bridges, directly or through a bond; not a guest's tap. */
	assert_string_equal(uplinks("", ""), "eno1 eno2");
	assert_string_equal(uplinks("[interface eno1]\nskip = yes\n", ""), "eno2");
	/* Named uplinks replace the guess. */
	assert_string_equal(uplinks("[interface eno3]\nbackup-uplink = yes\n", ""), "eno3");
	assert_string_equal(uplinks("[driver e1000e]\nbackup-uplink = yes\n"
				    "[interface eno2]\nbackup-uplink = no\n", ""), "eno1 eno3");
}

/* Bug 2 of issue 12: the hook chose from the policy alone, so a stanza's
 * nicguard-backup-uplink (shown by explain as in force) was ignored and the bridge ports
 * tightened instead; nicguard-skip likewise. */
static void test_stanza_uplinks(void **state)
{
	(void)state;
	assert_string_equal(uplinks("", "iface eno3 inet manual\n\tnicguard-backup-uplink yes\n"),
			    "eno3");
	assert_string_equal(uplinks("", "iface eno1 inet manual\n\tnicguard-skip yes\n"), "eno2");
	/* The stanza is the top layer: it can also take back the policy's choice. */
	assert_string_equal(uplinks("[driver e1000e]\nbackup-uplink = yes\n",
				    "iface eno2\n\tnicguard-backup-uplink no\n"), "eno1 eno3");
	assert_string_equal(why, "named by the policy (backup-uplink = yes)");
}

/* The job's storage comes after the named uplinks: a stanza's choice still wins over it, and
 * a storage reached by no port of this host (a local directory) leaves the bridge ports. The
 * walk from a storage to its ports is egress.c's (test-pve.c, pve.bats with real links). */
static void test_storage_uplinks(void **state)
{
	(void)state;
	fx_put("etc/pve/storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent backup\n");
	assert_string_equal(uplinks_for("local", "",
					"iface eno3 inet manual\n\tnicguard-backup-uplink yes\n"),
			    "eno3");
	assert_string_equal(why, "named by a stanza (nicguard-backup-uplink yes)");
	assert_string_equal(uplinks_for("local", "", "iface eno1\n\tnicguard-skip yes\n"),
			    "eno2");
	assert_string_equal(why, "storage local (dir): no network server: no port of this host "
			    "found for it, so the physical ports under bridges");
	assert_string_equal(uplinks_for(NULL, "", ""), "eno1 eno2");
	assert_string_equal(why, "no backup storage given, so the physical ports under bridges");
	fx_remove("etc/pve/storage.cfg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_uplinks),
		cmocka_unit_test(test_stanza_uplinks),
		cmocka_unit_test(test_storage_uplinks),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
