/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-recover.c: locating a record's interface, rebind (the rest of recover.c: test-apply.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

static int setup(void **state)
{
	char link[PATH_MAX];

	(void)state;
	if (fx_setup_opts(true) < 0)
		return -1;
	fx_mkdir("run");
	fx_mkdir("sys/class/net/eno1");
	fx_mkdir("sys/class/net/ens3");
	fx_mkdir("sys/class/net/veth0");
	fx_mkdir("sys/bus/pci/devices/0000:00:1f.6/net/eno1");
	fx_mkdir("sys/bus/pci/devices/0000:01:00.0/net/enp1s0f1");
	fx_mkdir("sys/bus/pci/devices/0000:01:00.0/net/enp1s0f0");
	fx_mkdir("sys/bus/virtio/devices/virtio0/net/ens3");
	fx_mkdir("sys/bus/pci/drivers/e1000e");
	fx_mkdir("sys/bus/usb");
	fx_put("sys/bus/pci/drivers/e1000e/unbind", "");
	fx_put("sys/bus/pci/drivers/e1000e/bind", "");
	fx_mkdir("sys/class/net/eno1/device");
	fx_path("sys/class/net/eno1/device/subsystem", link);
	if (symlink("../../../../bus/pci", link) < 0)
		return -1;
	fx_mkdir("sys/class/net/usb0/device");
	fx_path("sys/class/net/usb0/device/subsystem", link);
	if (symlink("../../../../bus/usb", link) < 0)
		return -1;
	return 0;
}

static int locate(const char *id, const char *ifname, const char *busdev, const char *device,
		  char *out)
{
	size_t n;
	const struct ng_sig *t = ng_sig_table(&n);
	struct ng_sig_match m = { 0 };
	struct ng_err err = { 0 };

	for (size_t i = 0; i < n && !m.sig; i++)
		if (strcmp(t[i].id, id) == 0)
			m.sig = &t[i];
	snprintf(m.ifname, sizeof(m.ifname), "%s", ifname);
	snprintf(m.busdev, sizeof(m.busdev), "%s", busdev);
	snprintf(m.device, sizeof(m.device), "%s", device);
	out[0] = '\0';
	return ng_recover_locate(fx.ctx, &m, out, NG_IFNAMSIZ, &err);
}

static void test_locate(void **state)
{
	char name[NG_IFNAMSIZ];

	(void)state;
	/* The name in the record, when it exists. */
	assert_int_equal(locate("e1000e-hw-hang", "eno1", "0000:00:1f.6", "", name), 0);
	assert_string_equal(name, "eno1");
	/* Renamed since (eth0 -> eno1): the DEVICE= line still finds it. */
	assert_int_equal(locate("e1000e-hw-hang", "eth0", "0000:00:1f.6", "+pci:0000:00:1f.6",
				name), 0);
	assert_string_equal(name, "eno1");
	/* dev_err without a name: the prefix's PCI address; two ports: the first sorted. */
	assert_int_equal(locate("igb-tx-hang", "", "0000:01:00.0", "", name), 0);
	assert_string_equal(name, "enp1s0f0");
	/* virtio bus device, from the dictionary or the prefix. */
	assert_int_equal(locate("virtio-not-a-head", "", "", "+virtio:virtio0", name), 0);
	assert_string_equal(name, "ens3");
	assert_int_equal(locate("virtio-not-a-head", "", "virtio0", "", name), 0);
	assert_string_equal(name, "ens3");
	/* Nothing there, host-wide, or names that try to leave sysfs. */
	assert_int_equal(locate("e1000e-hw-hang", "eth9", "0000:09:00.0", "", name), -ENODEV);
	assert_int_equal(locate("soft-lockup", "", "", "", name), -EINVAL);
	assert_int_equal(locate("igb-tx-hang", "", "../../../etc", "+pci:../../x", name), -ENODEV);
	assert_int_equal(locate("virtio-not-a-head", "", "virtio0/../x", "", name), -ENODEV);
	assert_int_equal(locate("netdev-watchdog", "../eno1", "", "", name), -ENODEV);
}

static void test_rebind(void **state)
{
	struct ng_iface eno1 = { .name = "eno1", .driver = "e1000e", .bus_addr = "0000:00:1f.6" };
	struct ng_iface veth = { .name = "veth0", .driver = "" };
	struct ng_iface usb = { .name = "usb0", .driver = "cdc_ether", .bus_addr = "1-1:1.0" };
	struct ng_iface bad = { .name = "eno1", .driver = "../x", .bus_addr = "0000:00:1f.6" };
	struct ng_err err = { 0 };

	(void)state;
	assert_int_equal(ng_recover_rebind(fx.ctx, &eno1, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		char *written = fx_get(i ? "sys/bus/pci/drivers/e1000e/bind" :
				       "sys/bus/pci/drivers/e1000e/unbind");

		assert_non_null(written);
		assert_string_equal(written, "0000:00:1f.6");
		free(written);
	}
	assert_int_equal(ng_recover_rebind(fx.ctx, &veth, &err), -ENODEV);
	assert_int_equal(ng_recover_rebind(fx.ctx, &usb, &err), -EINVAL);
	snprintf(usb.bus_addr, sizeof(usb.bus_addr), "0001:00:00.0");
	assert_int_equal(ng_recover_rebind(fx.ctx, &usb, &err), -EOPNOTSUPP);
	assert_int_equal(ng_recover_rebind(fx.ctx, &bad, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_rebind),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
