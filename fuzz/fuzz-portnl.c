/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-portnl.c: libFuzzer target for the rtnetlink answers a port's place is read from
 * (RTM_NEWLINK of both families, RTM_NEWADDR, RTM_NEWROUTE), and the link parser the probe,
 * the daemon and the udev helper read links with (ng_nl_parse_link: kinds, bond slave state,
 * VLAN id): the first byte picks the parser, and the message type is set to its kind, so
 * every input reaches the attributes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nicguard.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t len)
{
	if (strnlen(s, len) == len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { RTM_NEWLINK, RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE,
					  RTM_NEWLINK };
	unsigned char *msg;
	size_t len;
	unsigned pick;

	if (size < 1)
		return 0;
	pick = data[0] % 5;
	len = size - 1;
	msg = malloc(len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, len);
	if (len >= sizeof(struct nlmsghdr)) {
		uint16_t type = types[pick];

		memcpy(msg + offsetof(struct nlmsghdr, nlmsg_type), &type, sizeof(type));
	}
	if (pick == 0) {
		struct ng_portlink l;

		if (ng_portnl_link(msg, len, &l) == 0) {
			terminated(l.name, sizeof(l.name));
			terminated(l.kind, sizeof(l.kind));
			terminated(l.slave_kind, sizeof(l.slave_kind));
			terminated(l.mac, sizeof(l.mac));
			terminated(l.permaddr, sizeof(l.permaddr));
			if (l.naltnames > NG_PORT_ALTNAMES)
				abort();
			for (size_t i = 0; i < l.naltnames; i++)
				terminated(l.altnames[i], sizeof(l.altnames[i]));
		}
	} else if (pick == 1) {
		struct ng_portbr *b = malloc(sizeof(*b));

		if (b && ng_portnl_bridge(msg, len, b) == 0) {
			if (b->nflags > NG_PORT_BRFLAGS || b->nvlans > NG_PORT_VLANS)
				abort();
			for (size_t i = 0; i < b->nvlans; i++)
				if (b->vlans[i].vid < 1 || b->vlans[i].vid > b->vlans[i].end ||
				    b->vlans[i].end > 4094)
					abort();
		}
		free(b);
	} else if (pick == 2) {
		struct ng_portaddr a;

		if (ng_portnl_addr(msg, len, &a) == 0)
			terminated(a.label, sizeof(a.label));
	} else if (pick == 3) {
		struct ng_portroute r;

		(void)ng_portnl_route(msg, len, &r);
	} else {
		struct ng_nl_link l;

		if (ng_nl_parse_link(msg, len, &l) == 0) {
			terminated(l.name, sizeof(l.name));
			terminated(l.kind, sizeof(l.kind));
			terminated(l.mac, sizeof(l.mac));
			terminated(l.perm_mac, sizeof(l.perm_mac));
			if (l.vlan_id > 4094 || (l.vlan_id && strcmp(l.kind, "vlan") != 0))
				abort();
		}
	}
	free(msg);
	return 0;
}
