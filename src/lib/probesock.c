/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probesock.c: the reachability probe on the wire: one packet socket per port, bound to the
 * port itself (not its bridge or bond), sending ARP requests (or IPv6 neighbour
 * solicitations) and keeping only the replies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "nicguard.h"
#include "internal.h"

/* Classic BPF, run by the kernel on every frame the port receives: only ARP replies sent to
 * this host (PACKET_HOST: a bridge port is promiscuous and sees others' replies too) from
 * one of the addresses asked for reach the socket. A packet socket bound with ETH_P_ALL sees
 * a bridge or bond port's frames before the bridge or bond takes them. */
static size_t filter(const struct ng_probe_target *t, struct sock_filter *f)
{
	size_t n = 0, ntips = t->ntips;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0,
					      (uint8_t)(5 + ntips));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_HOST, 0,
					      (uint8_t)(3 + ntips));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6);	/* op */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NG_ARP_REPLY, 0,
					      (uint8_t)(1 + ntips));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 14);	/* sender */
	for (size_t i = 0; i < ntips; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(t->tips[i]),
						      (uint8_t)(ntips - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
	return n;
}

/* The same for neighbour advertisements of t->tip6 (IPv6, ICMPv6 type 136, its target
 * address word by word): 18 instructions, a mismatch jumps to the last (drop). */
static size_t filter6(const struct ng_probe_target *t, struct sock_filter *f)
{
	size_t n = 0;
	uint32_t w[4];

	memcpy(w, t->tip6, sizeof(w));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 15);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_HOST, 0, 13);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6);	/* next header */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 11);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40);	/* ICMPv6 type */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 0, 9);
	for (int i = 0; i < 4; i++) {		/* the target address */
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(48 + 4 * i));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(w[i]), 0,
						      (uint8_t)(7 - 2 * i));
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return n;
}

int ng_probe_open(const struct ng_probe_target *t, struct ng_err *err)
{
	struct sock_filter code[18 + NG_PROBE_ADDRS_MAX];
	struct sock_fprog prog = { .filter = code };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = t->ifindex };
	int one = 1;
	/* Protocol 0: nothing is queued before the filter is in place and the bind done. */
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return ng_err_set(err, -errno, NULL, 0, "packet socket: %s (CAP_NET_RAW, and "
				  "AF_PACKET in the unit's RestrictAddressFamilies=)",
				  strerror(errno));
	prog.len = (unsigned short)(t->v6 ? filter6(t, code) : filter(t, code));
	/* The kernel takes a reply's VLAN tag off before the socket sees it: auxdata says it. */
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;

		close(fd);
		return ng_err_set(err, -e, NULL, 0, "packet socket on %s: %s", t->port,
				  strerror(e));
	}
	return fd;
}

int ng_probe_send(int fd, const struct ng_probe_target *t, struct ng_err *err)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = t->ifindex, .sll_halen = 6 };
	/* Tagged: the 802.1Q tag's TCI and the inner type come first, the kernel writes the
	 * Ethernet header with type 802.1Q before them. */
	unsigned char frame[4 + NG_NS_LEN], *req = frame, group[16];
	size_t len = t->v6 ? NG_NS_LEN : NG_ARP_LEN;
	uint16_t type = htons(t->v6 ? ETH_P_IPV6 : ETH_P_ARP);

	to.sll_protocol = type;
	if (t->vlan) {
		uint16_t tci = htons(t->vlan);

		memcpy(frame, &tci, 2);
		memcpy(frame + 2, &type, 2);
		to.sll_protocol = htons(ETH_P_8021Q);
		req = frame + 4;
		len += 4;
	}
	/* To all (ARP: broadcast), or to the target's solicited-node group (NDP), as the
	 * kernel's first request is. */
	memset(to.sll_addr, 0xff, 6);
	if (t->v6)
		ng_ndp_group(t->tip6, group, to.sll_addr);
	for (size_t i = 0; i < t->ntips; i++) {
		if (t->v6)
			ng_ndp_solicit(req, t->mac, t->sip6, t->tip6);
		else
			ng_arp_request(req, t->mac, t->sip, t->tips[i]);
		/* A full transmit queue (a hung port) is the probe failing, not an error. */
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN && errno != ENETDOWN)
			return ng_err_set(err, -errno, NULL, 0, "%s on %s: %s",
					  t->v6 ? "neighbour solicitation" : "ARP", t->port,
					  strerror(errno));
	}
	return 0;
}

int ng_probe_read(int fd, const struct ng_probe_target *t)
{
	unsigned char buf[128];
	int answered = 0;

	for (;;) {
		union {
			struct cmsghdr h;
			unsigned char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				     .msg_controllen = sizeof(ctl.b) };
		bool tagged = false;
		uint16_t tci = 0;
		unsigned char target[16];
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		struct ng_arp a;

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? answered : -errno;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			tagged = aux.tp_status & TP_STATUS_VLAN_VALID;
			tci = aux.tp_vlan_tci;
		}
		/* The filter let it through; checked again here, so the kernel's word is not
		 * the only one. A reply counts on the VLAN it was asked on only. */
		if (!ng_probe_vlan_matches(t->vlan, tagged, tci))
			continue;
		if (t->v6 ? ng_ndp_parse_advert(buf, (size_t)n, target) == 0 &&
			    memcmp(target, t->tip6, 16) == 0 :
			    ng_arp_parse(buf, (size_t)n, &a) == 0 &&
			    ng_arp_answers(&a, t->tips, t->ntips))
			answered = 1;
	}
}
