/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.c: rtnetlink: requests and their answers, attributes, the link facts of RTM_GETLINK,
 * the route to one address (RTM_GETROUTE) and link events as they happen (RTMGRP_LINK). */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_bonding.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nicguard.h"
#include "internal.h"

/* The kernel sizes dump messages from the largest buffer seen so far, up to 32 KiB: a buffer
 * this large takes a whole message at once, and many interfaces per recv. */
#define NL_BUFSIZE 65536
#define NL_DUMP_TRIES 5
#define NL_ADDR_MAX 32		/* MAX_ADDR_LEN of linux/netdevice.h */

int ng_nl_open(struct ng_err *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), one = 1;

	if (fd < 0)
		return ng_err_set(err, -errno, NULL, 0, "netlink socket: %s", strerror(errno));
	/* The kernel's own words for a refused request ("Device can not be enslaved while
	 * up") are worth more in a log than an errno; kernels before 4.12 refuse the option. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return fd;
}

/* Attributes are kept as byte pointers and their headers copied out: a message handed in
 * from elsewhere (a test's captured bytes) need not be aligned. */
static struct nlattr attr_hdr(const unsigned char *a)
{
	struct nlattr h;

	memcpy(&h, a, sizeof(h));
	return h;
}

const unsigned char *ng_nla_next(const unsigned char **p, size_t *len)
{
	const unsigned char *a = *p;
	struct nlattr h;
	size_t step;

	if (*len < NLA_HDRLEN)
		return NULL;
	h = attr_hdr(a);
	if (h.nla_len < NLA_HDRLEN || h.nla_len > *len)
		return NULL;	/* overruns: *len stays, which the caller can tell */
	step = NLA_ALIGN(h.nla_len);
	if (step >= *len) {
		*len = 0;
	} else {
		*p += step;
		*len -= step;
	}
	return a;
}

int ng_nla_type(const unsigned char *a)
{
	return attr_hdr(a).nla_type & NLA_TYPE_MASK;
}

int ng_nla_parse(const unsigned char *p, size_t len, const unsigned char **tb, size_t max)
{
	const unsigned char *a;

	memset(tb, 0, max * sizeof(*tb));
	while ((a = ng_nla_next(&p, &len)) != NULL)
		if ((size_t)ng_nla_type(a) < max)
			tb[ng_nla_type(a)] = a;
	/* ng_nla_next leaves a whole header's worth only before an attribute that overruns. */
	return len >= NLA_HDRLEN ? -EINVAL : 0;
}

const unsigned char *ng_nla_data(const unsigned char *a)
{
	return a + NLA_HDRLEN;
}

size_t ng_nla_len(const unsigned char *a)
{
	return attr_hdr(a).nla_len - NLA_HDRLEN;
}

int ng_nla_u32(const unsigned char *a, uint32_t *v)
{
	if (!a || ng_nla_len(a) < sizeof(*v))
		return -EINVAL;
	memcpy(v, ng_nla_data(a), sizeof(*v));
	return 0;
}

/* A NUL-terminated string attribute into out (len bytes): -EINVAL when it does not fit. */
int ng_nla_str(const unsigned char *a, char *out, size_t len)
{
	size_t n;

	if (!a)
		return -EINVAL;
	n = strnlen((const char *)ng_nla_data(a), ng_nla_len(a));
	if (n >= len)
		return -EINVAL;
	memcpy(out, ng_nla_data(a), n);
	out[n] = '\0';
	return 0;
}

/* Hardware address as sysfs prints it (bytes in hex joined by ':'), cut to fit out. */
void ng_nla_hwaddr(const unsigned char *a, char *out, size_t len)
{
	const unsigned char *b = ng_nla_data(a);
	size_t n = ng_nla_len(a);
	char full[3 * NL_ADDR_MAX + 1] = "";
	size_t pos = 0;

	for (size_t i = 0; i < n && i < NL_ADDR_MAX; i++)
		pos += (size_t)snprintf(full + pos, sizeof(full) - pos, i ? ":%02x" : "%02x", b[i]);
	snprintf(out, len, "%s", full);
}

/* A bond's slave says its state in the slave data: active-backup's standby is "backup". */
static void parse_slave(const unsigned char **li, struct ng_nl_link *l)
{
	const unsigned char *sd[IFLA_BOND_SLAVE_MAX + 1];
	char kind[16];
	uint8_t state;

	if (ng_nla_str(li[IFLA_INFO_SLAVE_KIND], kind, sizeof(kind)) < 0 ||
	    strcmp(kind, "bond") != 0 || !li[IFLA_INFO_SLAVE_DATA] ||
	    ng_nla_parse(ng_nla_data(li[IFLA_INFO_SLAVE_DATA]), ng_nla_len(li[IFLA_INFO_SLAVE_DATA]),
			 sd, NG_ARRAY_SIZE(sd)) < 0 || ng_nla_u8(sd[IFLA_BOND_SLAVE_STATE], &state) < 0)
		return;
	l->bond_backup = state == BOND_STATE_BACKUP;
}

/* An 802.1Q VLAN device's id (802.1ad, QinQ's outer tag, is left at 0: not followed). */
static void parse_vlan(const unsigned char *data, struct ng_nl_link *l)
{
	const unsigned char *vd[IFLA_VLAN_MAX + 1];
	uint16_t id = 0, proto = htons(ETH_P_8021Q);

	if (!data || ng_nla_parse(ng_nla_data(data), ng_nla_len(data), vd, NG_ARRAY_SIZE(vd)) < 0 ||
	    ng_nla_u16(vd[IFLA_VLAN_ID], &id) < 0)
		return;
	/* The kernel sends the protocol in network byte order; absent means 802.1Q. */
	(void)ng_nla_u16(vd[IFLA_VLAN_PROTOCOL], &proto);
	if (proto == htons(ETH_P_8021Q) && id >= 1 && id <= 4094)
		l->vlan_id = id;
}

static void parse_linkinfo(const unsigned char *info, struct ng_nl_link *l)
{
	const unsigned char *li[IFLA_INFO_MAX + 1], *td[IFLA_TUN_MAX + 1];
	uint8_t type;

	if (ng_nla_parse(ng_nla_data(info), ng_nla_len(info), li, NG_ARRAY_SIZE(li)) < 0)
		return;
	/* A NIC in a bond has slave data and no kind of its own. */
	parse_slave(li, l);
	if (ng_nla_str(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind)) < 0) {
		l->kind[0] = '\0';
		return;
	}
	if (strcmp(l->kind, "vlan") == 0) {
		parse_vlan(li[IFLA_INFO_DATA], l);
		return;
	}
	if (strcmp(l->kind, "tun") != 0 || !li[IFLA_INFO_DATA] ||
	    ng_nla_parse(ng_nla_data(li[IFLA_INFO_DATA]), ng_nla_len(li[IFLA_INFO_DATA]), td,
			NG_ARRAY_SIZE(td)) < 0 || !td[IFLA_TUN_TYPE] ||
	    ng_nla_len(td[IFLA_TUN_TYPE]) < 1)
		return;
	memcpy(&type, ng_nla_data(td[IFLA_TUN_TYPE]), 1);
	l->tun_type = type;
}

/* RTM_NEWLINK, or (dellink) RTM_DELLINK too: the two carry the same attributes. */
static int parse_link(const void *msg, size_t len, bool dellink, struct ng_nl_link *l)
{
	const unsigned char *tb[IFLA_MAX + 1];
	struct ifinfomsg ifi;
	struct nlmsghdr h;
	size_t hdr = NLMSG_LENGTH(sizeof(ifi));
	uint32_t v;

	memset(l, 0, sizeof(*l));
	l->tun_type = -1;
	if (len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len > len || h.nlmsg_len < hdr ||
	    (h.nlmsg_type != RTM_NEWLINK && !(dellink && h.nlmsg_type == RTM_DELLINK)))
		return -EINVAL;
	memcpy(&ifi, (const unsigned char *)msg + NLMSG_HDRLEN, sizeof(ifi));
	if (ng_nla_parse((const unsigned char *)msg + NLMSG_ALIGN(hdr),
			h.nlmsg_len > NLMSG_ALIGN(hdr) ? h.nlmsg_len - NLMSG_ALIGN(hdr) : 0,
			tb, NG_ARRAY_SIZE(tb)) < 0 ||
	    ng_nla_str(tb[IFLA_IFNAME], l->name, sizeof(l->name)) < 0 || ifi.ifi_index <= 0)
		return -EINVAL;
	l->ifindex = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	if (tb[IFLA_ADDRESS])
		ng_nla_hwaddr(tb[IFLA_ADDRESS], l->mac, sizeof(l->mac));
	/* The kernel sends it only for a device with a burnt-in address (not veth, bridge). */
	if (tb[IFLA_PERM_ADDRESS])
		ng_nla_hwaddr(tb[IFLA_PERM_ADDRESS], l->perm_mac, sizeof(l->perm_mac));
	if (ng_nla_u32(tb[IFLA_MASTER], &v) == 0)
		l->master = (int)v;
	if (ng_nla_u32(tb[IFLA_LINK], &v) == 0)
		l->link = (int)v;
	if (ng_nla_u32(tb[IFLA_NUM_RX_QUEUES], &v) == 0)
		l->num_rx_queues = v;
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], l);
	return 0;
}

int ng_nl_parse_link(const void *msg, size_t len, struct ng_nl_link *l)
{
	return parse_link(msg, len, false, l);
}


int ng_nla_u8(const unsigned char *a, uint8_t *v)
{
	if (!a || ng_nla_len(a) < sizeof(*v))
		return -EINVAL;
	memcpy(v, ng_nla_data(a), sizeof(*v));
	return 0;
}

int ng_nla_u16(const unsigned char *a, uint16_t *v)
{
	if (!a || ng_nla_len(a) < sizeof(*v))
		return -EINVAL;
	memcpy(v, ng_nla_data(a), sizeof(*v));
	return 0;
}

int ng_nlmsg_attrs(const void *msg, size_t len, uint16_t type, void *hdr, size_t hdrlen,
		   const unsigned char **tb, size_t max)
{
	struct nlmsghdr h;
	size_t off = NLMSG_ALIGN(NLMSG_LENGTH(hdrlen));

	memset(tb, 0, max * sizeof(*tb));
	if (len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len > len || h.nlmsg_len < NLMSG_LENGTH(hdrlen) || h.nlmsg_type != type)
		return -EINVAL;
	memcpy(hdr, (const unsigned char *)msg + NLMSG_HDRLEN, hdrlen);
	return ng_nla_parse((const unsigned char *)msg + off, h.nlmsg_len > off ?
			    h.nlmsg_len - off : 0, tb, max);
}

/* ------------------------------------------------------------ requests */

/* The header's length follows the request as it grows: it is a whole message at any time. */
static void set_len(struct ng_nlreq *q)
{
	uint32_t len = (uint32_t)q->len;

	memcpy(q->buf + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
}

void ng_nlreq_init(struct ng_nlreq *q, uint16_t type, uint16_t flags, const void *hdr,
		   size_t hdrlen)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | flags };

	q->len = NLMSG_ALIGN(NLMSG_LENGTH(hdrlen));
	q->overflow = q->len > sizeof(q->buf);
	if (q->overflow)
		return;
	memset(q->buf, 0, q->len);
	memcpy(q->buf, &h, sizeof(h));
	memcpy(q->buf + NLMSG_HDRLEN, hdr, hdrlen);
	set_len(q);
}

void ng_nlreq_put(struct ng_nlreq *q, uint16_t type, const void *data, size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	if (q->overflow || len > 0xffff - NLA_HDRLEN ||
	    q->len + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(q->buf)) {
		q->overflow = true;
		return;
	}
	memset(q->buf + q->len, 0, NLA_ALIGN(NLA_HDRLEN + len));
	memcpy(q->buf + q->len, &a, sizeof(a));
	if (len)
		memcpy(q->buf + q->len + NLA_HDRLEN, data, len);
	q->len += NLA_ALIGN(NLA_HDRLEN + len);
	set_len(q);
}

void ng_nlreq_u8(struct ng_nlreq *q, uint16_t type, uint8_t v)
{
	ng_nlreq_put(q, type, &v, sizeof(v));
}

void ng_nlreq_u16(struct ng_nlreq *q, uint16_t type, uint16_t v)
{
	ng_nlreq_put(q, type, &v, sizeof(v));
}

void ng_nlreq_u32(struct ng_nlreq *q, uint16_t type, uint32_t v)
{
	ng_nlreq_put(q, type, &v, sizeof(v));
}

void ng_nlreq_str(struct ng_nlreq *q, uint16_t type, const char *s)
{
	ng_nlreq_put(q, type, s, strlen(s) + 1);
}

size_t ng_nlreq_nest(struct ng_nlreq *q, uint16_t type)
{
	size_t at = q->len;

	ng_nlreq_put(q, type | NLA_F_NESTED, NULL, 0);
	return at;
}

void ng_nlreq_end(struct ng_nlreq *q, size_t nest)
{
	struct nlattr a;

	if (q->overflow || q->len - nest > 0xffff)
		return;
	memcpy(&a, q->buf + nest, sizeof(a));
	a.nla_len = (uint16_t)(q->len - nest);
	memcpy(q->buf + nest, &a, sizeof(a));
}

/* ------------------------------------------------------------- answers */

static ssize_t recv_some(int fd, void *buf, size_t len)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
			     .msg_iovlen = 1 };

	for (;;) {
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		/* Only the kernel (port 0) answers; anything else is not ours. */
		if (sa.nl_pid != 0) {
			mh.msg_flags = 0;
			continue;
		}
		return n;
	}
}

/* The kernel's extended ack message, when NLM_F_ACK_TLVS says one follows the error. */
static void ext_ack(const struct nlmsghdr *h, const struct nlmsgerr *e, char *msg, size_t len)
{
	const unsigned char *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	msg[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Unless NLM_F_CAPPED, the error carries the whole request back. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(e->msg))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	if (off >= h->nlmsg_len ||
	    ng_nla_parse((const unsigned char *)h + off, h->nlmsg_len - off, tb,
			 NG_ARRAY_SIZE(tb)) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;
	(void)ng_nla_str(tb[NLMSGERR_ATTR_MSG], msg, len);
}

/* The answers to request seq until its ack, error or NLMSG_DONE; each other message of
 * seq goes to cb. Returns cb's first negative value, the kernel's negative errno, or 0. */
static int read_answer(int fd, uint32_t seq, unsigned char *buf,
		       int (*cb)(const struct nlmsghdr *, void *), void *arg, bool *intr,
		       struct ng_err *err)
{
	int r = 0;

	for (;;) {
		ssize_t n = recv_some(fd, buf, NL_BUFSIZE);
		size_t left;

		if (n < 0)
			return ng_err_set(err, (int)n, NULL, 0, "netlink recv: %s",
					  strerror((int)-n));
		left = (size_t)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		     NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			char msg[256];

			if (h->nlmsg_seq != seq)
				continue;
			if ((h->nlmsg_flags & NLM_F_DUMP_INTR) && intr)
				*intr = true;
			if (h->nlmsg_type == NLMSG_DONE)
				return r;
			if (h->nlmsg_type != NLMSG_ERROR) {
				if (r == 0 && cb)
					r = cb(h, arg);
				continue;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return ng_err_set(err, -EBADMSG, NULL, 0,
						  "netlink: short error message");
			if (e->error == 0)
				return r;
			ext_ack(h, e, msg, sizeof(msg));
			return ng_err_set(err, e->error, NULL, 0, "%s%s%s", strerror(-e->error),
					  msg[0] ? ": " : "", msg);
		}
	}
}

static bool is_dump(const struct nlmsghdr *h)
{
	return (h->nlmsg_type & 3) == (RTM_GETLINK & 3) &&
	       (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

int ng_nl_talk(int fd, struct ng_nlreq *q, int (*cb)(const struct nlmsghdr *, void *),
	       void *arg, bool *intr, struct ng_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timespec ts;
	struct nlmsghdr h;
	unsigned char *buf;
	int r;

	if (q->overflow)
		return ng_err_set(err, -EMSGSIZE, NULL, 0, "netlink request too large");
	/* A sequence number of its own: answers to an earlier, abandoned request are skipped. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	memcpy(&h, q->buf, sizeof(h));
	h.nlmsg_len = (uint32_t)q->len;
	h.nlmsg_seq = (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
	/* Without a dump, the ack ends the answer (a GET's reply comes before it). The dump
	 * bits mean another thing (NLM_F_EXCL) in a NEW request: only a GET dumps. */
	if (!is_dump(&h))
		h.nlmsg_flags |= NLM_F_ACK;
	memcpy(q->buf, &h, sizeof(h));
	if (intr)
		*intr = false;
	buf = malloc(NL_BUFSIZE);
	if (!buf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	for (;;) {
		if (sendto(fd, q->buf, q->len, 0, (struct sockaddr *)&sa, sizeof(sa)) >= 0) {
			r = read_answer(fd, h.nlmsg_seq, buf, cb, arg, intr, err);
			break;
		}
		if (errno != EINTR) {
			r = ng_err_set(err, -errno, NULL, 0, "netlink send: %s", strerror(errno));
			break;
		}
	}
	free(buf);
	return r;
}

/* ------------------------------------------------------------- links */

/* One RTM_GETLINK: a dump (flags NLM_F_DUMP), or the link of ifindex or name. Statistics are
 * left out of the replies (RTEXT_FILTER_SKIP_STATS; older kernels ignore the bit). */
static void getlink_req(struct ng_nlreq *q, uint16_t flags, int ifindex, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };

	ng_nlreq_init(q, RTM_GETLINK, flags, &ifi, sizeof(ifi));
	ng_nlreq_u32(q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (name)
		ng_nlreq_str(q, IFLA_IFNAME, name);
}

struct link_vec {
	struct ng_nl_link *v;
	size_t n, cap;
	int (*add)(const struct ng_nl_link *, void *);
	void *arg;
};

/* A message that does not parse is skipped: the others still count. */
static int on_link(const struct nlmsghdr *h, void *arg)
{
	struct link_vec *lv = arg;
	struct ng_nl_link l;

	if (h->nlmsg_type != RTM_NEWLINK || ng_nl_parse_link(h, h->nlmsg_len, &l) < 0)
		return 0;
	return lv->add(&l, lv->arg ? lv->arg : lv);
}

static int vec_add(const struct ng_nl_link *l, void *arg)
{
	struct link_vec *lv = arg;

	if (lv->n == lv->cap) {
		size_t ncap = lv->cap ? lv->cap * 2 : 64;
		struct ng_nl_link *nv = realloc(lv->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		lv->v = nv;
		lv->cap = ncap;
	}
	lv->v[lv->n++] = *l;
	return 0;
}

int ng_nl_dump_links(int fd, struct ng_nl_link **out, size_t *n, struct ng_err *err)
{
	struct link_vec lv = { .add = vec_add };
	struct ng_nlreq *q = malloc(sizeof(*q));
	int r = -EAGAIN;

	*out = NULL;
	*n = 0;
	if (!q)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	/* A dump the kernel marks interrupted (links changed under it) may miss or repeat
	 * links: read it again, a few times, as iproute2 does. */
	for (int try = 1; try <= NL_DUMP_TRIES; try++) {
		bool intr = false;

		lv.n = 0;
		getlink_req(q, NLM_F_DUMP, 0, NULL);
		r = ng_nl_talk(fd, q, on_link, &lv, &intr, err);
		if (r == -ENOMEM)
			ng_err_set(err, r, NULL, 0, "out of memory");
		if (r < 0 || !intr)
			break;
		r = ng_err_set(err, -EAGAIN, NULL, 0, "link dump interrupted %d times",
			       NL_DUMP_TRIES);
	}
	free(q);
	if (r < 0) {
		free(lv.v);
		return r;
	}
	*out = lv.v;
	*n = lv.n;
	return 0;
}

static int one_add(const struct ng_nl_link *l, void *arg)
{
	*(struct ng_nl_link *)arg = *l;
	return 0;
}

int ng_nl_get_link(int fd, int ifindex, const char *name, struct ng_nl_link *l,
		   struct ng_err *err)
{
	struct link_vec lv = { .add = one_add, .arg = l };
	struct ng_nlreq *q;
	int r;

	memset(l, 0, sizeof(*l));
	if (name && strlen(name) >= NG_IFNAMSIZ)
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	q = malloc(sizeof(*q));
	if (!q)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	getlink_req(q, 0, name ? 0 : ifindex, name);
	r = ng_nl_talk(fd, q, on_link, &lv, NULL, err);
	free(q);
	if (r == 0 && l->ifindex <= 0)
		r = ng_err_set(err, -EBADMSG, NULL, 0, "RTM_GETLINK: no link in the reply");
	return r;
}

/* ------------------------------------------------------------------ routes */

struct route_answer {
	int *oif;
	unsigned *rtype;
	bool seen;
};

static int on_route(const struct nlmsghdr *h, void *arg)
{
	struct route_answer *ra = arg;
	const unsigned char *tb[RTA_MAX + 1];
	struct rtmsg rt;
	uint32_t v;

	if (ra->seen || ng_nlmsg_attrs(h, h->nlmsg_len, RTM_NEWROUTE, &rt, sizeof(rt), tb,
				       NG_ARRAY_SIZE(tb)) < 0)
		return 0;
	ra->seen = true;
	*ra->rtype = rt.rtm_type;
	if (ng_nla_u32(tb[RTA_OIF], &v) == 0)
		*ra->oif = (int)v;
	return 0;
}

int ng_nl_route_get(int fd, int family, const void *addr, int *oif, unsigned *rtype,
		    struct ng_err *err)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct rtmsg rt = { .rtm_family = (unsigned char)family,
			    .rtm_dst_len = (unsigned char)(alen * 8) };
	struct route_answer ra = { .oif = oif, .rtype = rtype };
	struct ng_nlreq *q = malloc(sizeof(*q));
	int r;

	*oif = 0;
	*rtype = 0;
	if (!q)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	ng_nlreq_init(q, RTM_GETROUTE, 0, &rt, sizeof(rt));
	ng_nlreq_put(q, RTA_DST, addr, alen);
	r = ng_nl_talk(fd, q, on_route, &ra, NULL, err);
	free(q);
	if (r == 0 && !ra.seen)
		r = ng_err_set(err, -EBADMSG, NULL, 0, "RTM_GETROUTE: no route in the reply");
	return r;
}

/* ------------------------------------------------------------- link events */

int ng_link_watch_open(struct ng_err *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return ng_err_set(err, -errno, NULL, 0, "netlink socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = ng_err_set(err, -errno, NULL, 0, "netlink bind: %s", strerror(errno));

		close(fd);
		return r;
	}
	return fd;
}

int ng_link_watch_read(int fd, unsigned timeout_ms,
		       void (*cb)(const char *ifname, bool gone, void *arg), void *arg,
		       struct ng_err *err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char *buf;
	ssize_t n;
	size_t left;
	int r;

	r = poll(&p, 1, (int)timeout_ms);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r < 0)
		return ng_err_set(err, -errno, NULL, 0, "poll: %s", strerror(errno));
	if (r == 0)
		return 0;
	buf = malloc(NL_BUFSIZE);
	if (!buf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	n = recv_some(fd, buf, NL_BUFSIZE);
	if (n < 0) {
		free(buf);
		/* -ENOBUFS: the kernel dropped events; the caller looks at everything again. */
		return ng_err_set(err, (int)n, NULL, 0, "netlink recv: %s", strerror((int)-n));
	}
	left = (size_t)n;
	for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, left);
	     h = NLMSG_NEXT(h, left)) {
		struct ng_nl_link l;

		if (parse_link(h, h->nlmsg_len, true, &l) == 0)
			cb(l.name, h->nlmsg_type == RTM_DELLINK, arg);
	}
	free(buf);
	return 1;
}
