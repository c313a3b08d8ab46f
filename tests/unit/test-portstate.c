/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-portstate.c: the port place file (format, parse, refusals) and the restore summary. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"

static const char place[] =
	NG_MARKER "\n"
	"# nicguard-watch: the place of a port before a bounce or a rebind; removed once it is put"
	" back.\n"
	"port ens4 3 0000:00:04.0 52:54:00:12:34:56 - 9000 69699\n"
	"altname enp0s4\n"
	"master vmbr0 bridge vmbr0 1 0\n"
	"brport cost 100\n"
	"brport learning 0\n"
	"vlans\n"
	"vlan 1 1 6\n"
	"vlan 10 20 0\n"
	"addr inet 24 0 128 192.0.2.10 192.0.2.10 192.0.2.255 ens4:1 4294967295 4294967295\n"
	"addr inet6 64 0 128 - 2001:db8::10 - - 3600 1800\n"
	"route inet 198.51.100.0 24 0 4 0 1 254 0 192.0.2.1 192.0.2.10 100\n"
	"route inet6 - 0 0 3 0 1 254 0 2001:db8::1 - -\n";

static void test_roundtrip(void **state)
{
	struct ng_portstate *ps;
	struct ng_err err = { 0 };
	char *text;
	size_t len;

	(void)state;
	assert_true(ng_portnl_tables_sorted());
	assert_int_equal(ng_portstate_parse(place, strlen(place), "p", &ps, &err), 0);
	assert_string_equal(ng_portstate_name(ps), "ens4");
	/* Found again by its bus device, not by a name udev may change. */
	assert_string_equal(ng_portstate_key(ps), "0000:00:04.0");
	assert_int_equal(ps->link.mtu, 9000);
	assert_string_equal(ps->master, "vmbr0");
	assert_true(ps->vlan_filtering);
	assert_int_equal(ps->br.nvlans, 2);
	assert_int_equal(ps->br.vlans[0].flags, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	assert_int_equal(ps->br.flags[1].attr, IFLA_BRPORT_LEARNING);
	assert_int_equal(ps->naddrs, 2);
	assert_string_equal(ps->addrs[0].label, "ens4:1");
	assert_int_equal(ps->addrs[1].valid, 3600);
	assert_int_equal(ps->nroutes, 2);
	assert_true(ps->routes[0].has_priority);
	assert_int_equal(ps->routes[0].priority, 100);
	assert_false(ps->routes[1].has_dst);
	/* Printed back, byte for byte. */
	assert_int_equal(ng_portstate_format(ps, &text, &len), 0);
	assert_int_equal(len, strlen(place));
	assert_memory_equal(text, place, len);
	free(text);
	ng_portstate_free(ps);
}

static void test_refused(void **state)
{
	static const struct {
		const char *line;	/* replaces line 3 */
		unsigned at;
	} bad[] = {
		{ "port ens4 0 - - - 1500 1", 3 },		/* ifindex 0 */
		{ "port ../x 3 - - - 1500 1", 3 },		/* not an interface name */
		{ "port ens4 3 ../../x - - 1500 1", 3 },	/* bus device becomes a path */
		{ "port ens4 3 - - - 1500", 3 },		/* a word short */
		{ "vlan 1 1 0", 3 },				/* before the port line */
	};
	static const char *const after[] = {
		"vlan 0 1 0", "vlan 5 4 0", "vlan 1 4095 0", "brport learnin 1", "brport priority 70000",
		"addr inet 33 0 0 192.0.2.1 - - - 1 1", "addr inet 24 0 0 2001:db8::1 - - - 1 1",
		"addr inet 24 0 0 - - - - 1 1", "route inet 198.51.100.0 24 0 4 0 1 254 0 x - -",
		"bond 9 1 1", "master vmbr0 bridge vmbr0 2 0", "frobnicate", "altname",
		/* Words the line reader would read back otherwise (found by fuzz-portfile: a
		 * trailing backslash continues the line), and control characters. */
		"upper ens5.100 vlan\\\\", "upper ens5.100 vl\001an", "master vmbr0 bri#dge - 0 0",
		"altname enp0s\021\021rrr\\\\", "altname enp0s\377", "altname -",
	};
	struct ng_portstate *ps;
	struct ng_err err;
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\n# c\n%s\n", NG_MARKER, bad[i].line);
		memset(&err, 0, sizeof(err));
		if (ng_portstate_parse(buf, strlen(buf), "p", &ps, &err) != -EINVAL)
			fail_msg("accepted %s", bad[i].line);
		assert_int_equal(err.line, bad[i].at);
	}
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\nport ens4 3 - - - 1500 1\n%s\n", NG_MARKER, after[i]);
		memset(&err, 0, sizeof(err));
		if (ng_portstate_parse(buf, strlen(buf), "p", &ps, &err) != -EINVAL)
			fail_msg("accepted %s", after[i]);
		assert_int_equal(err.line, 3);
	}
	/* Not nicguard's: refused whole, at line 1. */
	assert_int_equal(ng_portstate_parse("port ens4 3 - - - 1500 1\n", 25, "p", &ps, &err),
			 -EINVAL);
	assert_int_equal(err.line, 1);
	/* The marker alone: no port line. */
	snprintf(buf, sizeof(buf), "%s\n", NG_MARKER);
	assert_int_equal(ng_portstate_parse(buf, strlen(buf), "p", &ps, &err), -EINVAL);
}

static void test_summary(void **state)
{
	static struct ng_restore rep = {
		.name = "ens4", .ifindex_before = 3, .ifindex_after = 7, .waited_ms = 84, .n = 6,
		.v = {
			{ "mtu", "9000", NG_RESTORED, "" },
			{ "master", "vmbr0", NG_RESTORED, "" },
			{ "vlans", "1 pvid untagged 10-20", NG_RESTORE_FAILED, "Operation not permitted" },
			{ "up", "up", NG_RESTORED, "" },
			{ "address", "192.0.2.10/24", NG_RESTORE_ALREADY, "" },
			{ "route", "default via 192.0.2.1 table 254", NG_RESTORED, "" },
		},
	};
	char buf[512];

	(void)state;
	ng_restore_summary(&rep, buf, sizeof(buf));
	assert_string_equal(buf, "put back mtu 9000, master vmbr0, failed: vlans 1 pvid untagged 10-20 "
			    "(Operation not permitted), up, 1 route (ens4 ifindex 3 -> 7, back "
			    "after 84 ms)");
	rep.n = 0;
	ng_restore_summary(&rep, buf, sizeof(buf));
	assert_string_equal(buf, "nothing to put back (ens4 ifindex 3 -> 7, back after 84 ms)");
	/* What the step took and how long the restore took, when known. */
	snprintf(rep.step, sizeof(rep.step), "unbind and bind");
	rep.step_ms = 950;
	rep.restore_ms = 20;
	rep.n = 1;
	ng_restore_summary(&rep, buf, sizeof(buf));
	assert_string_equal(buf, "put back mtu 9000 (ens4 ifindex 3 -> 7, unbind and bind took "
			    "950 ms, back after 84 ms, put back in 20 ms)");
}


/* The VLAN entries of a request, as "vid:flags" words. */
static void vlan_words(const struct ng_nlreq *q, char *out, size_t len)
{
	const unsigned char *tb[IFLA_MAX + 1], *p, *a;
	struct ifinfomsg ifi;
	size_t left, pos = 0;

	out[0] = '\0';
	assert_int_equal(ng_nlmsg_attrs(q->buf, q->len, ((const struct nlmsghdr *)q->buf)->nlmsg_type,
					&ifi, sizeof(ifi), tb, IFLA_MAX + 1), 0);
	assert_int_equal(ifi.ifi_family, AF_BRIDGE);
	assert_non_null(tb[IFLA_AF_SPEC]);
	p = ng_nla_data(tb[IFLA_AF_SPEC]);
	left = ng_nla_len(tb[IFLA_AF_SPEC]);
	while ((a = ng_nla_next(&p, &left)) != NULL) {
		struct bridge_vlan_info vi;

		assert_int_equal(ng_nla_type(a), IFLA_BRIDGE_VLAN_INFO);
		memcpy(&vi, ng_nla_data(a), sizeof(vi));
		pos += (size_t)snprintf(out + pos, len - pos, "%s%u:%x", pos ? " " : "", vi.vid,
					vi.flags);
	}
}

static void test_vlan_request(void **state)
{
	/* Recorded: 10 PVID untagged, 20-30 tagged. The re-created port got the bridge's
	 * default, 1 PVID untagged, and still has 25. */
	static const struct ng_vlanrange rec[] = { { 10, 10, 6 }, { 20, 30, 0 } };
	static const struct ng_vlanrange now[] = { { 1, 1, 6 }, { 25, 25, 0 } };
	static uint8_t want[4096], have[4096];
	static struct ng_nlreq q;
	char words[256];
	unsigned n;

	(void)state;
	ng_vlan_expand(rec, 2, want);
	ng_vlan_expand(now, 2, have);
	ng_vlan_req(&q, RTM_SETLINK, 7, want, have, true, &n);
	assert_false(q.overflow);
	vlan_words(&q, words, sizeof(words));
	/* The PVID alone; the range split around 25, which is already there. */
	assert_string_equal(words, "10:6 20:8 24:10 26:8 30:10");
	assert_int_equal(n, 11);
	ng_vlan_req(&q, RTM_DELLINK, 7, want, have, false, &n);
	vlan_words(&q, words, sizeof(words));
	assert_string_equal(words, "1:0");
	assert_int_equal(n, 1);
	/* In place: nothing to send. */
	ng_vlan_req(&q, RTM_SETLINK, 7, want, want, true, &n);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_vlan_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
