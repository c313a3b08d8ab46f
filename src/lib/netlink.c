/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.c: interface facts from rtnetlink RTM_GETLINK, one request for many interfaces;
 * the route to one address (RTM_GETROUTE); link events as they happen (RTMGRP_LINK). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
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
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return ng_err_set(err, -errno, NULL, 0, "netlink socket: %s", strerror(errno));
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

/* Walk the attributes of [p, p + len): each in tb[type] when type < max. -EINVAL when an
 * attribute overruns its container. */
static int parse_attrs(const unsigned char *p, size_t len, const unsigned char **tb, size_t max)
{
	memset(tb, 0, max * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		struct nlattr h = attr_hdr(p);
		size_t alen = h.nla_len, step = NLA_ALIGN(alen);
		unsigned type = h.nla_type & NLA_TYPE_MASK;

		if (alen < NLA_HDRLEN || alen > len)
			return -EINVAL;
		if (type < max)
			tb[type] = p;
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static const unsigned char *attr_data(const unsigned char *a)
{
	return a + NLA_HDRLEN;
}

static size_t attr_len(const unsigned char *a)
{
	return attr_hdr(a).nla_len - NLA_HDRLEN;
}

static int attr_u32(const unsigned char *a, uint32_t *v)
{
	if (!a || attr_len(a) < sizeof(*v))
		return -EINVAL;
	memcpy(v, attr_data(a), sizeof(*v));
	return 0;
}

/* A NUL-terminated string attribute into out (len bytes): -EINVAL when it does not fit. */
static int attr_str(const unsigned char *a, char *out, size_t len)
{
	size_t n;

	if (!a)
		return -EINVAL;
	n = strnlen((const char *)attr_data(a), attr_len(a));
	if (n >= len)
		return -EINVAL;
	memcpy(out, attr_data(a), n);
	out[n] = '\0';
	return 0;
}

/* Hardware address as sysfs prints it (bytes in hex joined by ':'), cut to fit out. */
static void format_addr(const unsigned char *a, char *out, size_t len)
{
	const unsigned char *b = attr_data(a);
	size_t n = attr_len(a) < NL_ADDR_MAX ? attr_len(a) : NL_ADDR_MAX;
	char full[3 * NL_ADDR_MAX + 1] = "";
	size_t pos = 0;

	for (size_t i = 0; i < n; i++)
		pos += (size_t)snprintf(full + pos, sizeof(full) - pos, i ? ":%02x" : "%02x", b[i]);
	snprintf(out, len, "%s", full);
}

static void parse_linkinfo(const unsigned char *info, struct ng_nl_link *l)
{
	const unsigned char *li[IFLA_INFO_MAX + 1], *td[IFLA_TUN_MAX + 1];
	uint8_t type;

	if (parse_attrs(attr_data(info), attr_len(info), li, NG_ARRAY_SIZE(li)) < 0 ||
	    attr_str(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind)) < 0) {
		l->kind[0] = '\0';
		return;
	}
	if (strcmp(l->kind, "tun") != 0 || !li[IFLA_INFO_DATA] ||
	    parse_attrs(attr_data(li[IFLA_INFO_DATA]), attr_len(li[IFLA_INFO_DATA]), td,
			NG_ARRAY_SIZE(td)) < 0 || !td[IFLA_TUN_TYPE] ||
	    attr_len(td[IFLA_TUN_TYPE]) < 1)
		return;
	memcpy(&type, attr_data(td[IFLA_TUN_TYPE]), 1);
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
	if (parse_attrs((const unsigned char *)msg + NLMSG_ALIGN(hdr),
			h.nlmsg_len > NLMSG_ALIGN(hdr) ? h.nlmsg_len - NLMSG_ALIGN(hdr) : 0,
			tb, NG_ARRAY_SIZE(tb)) < 0 ||
	    attr_str(tb[IFLA_IFNAME], l->name, sizeof(l->name)) < 0 || ifi.ifi_index <= 0)
		return -EINVAL;
	l->ifindex = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	if (tb[IFLA_ADDRESS])
		format_addr(tb[IFLA_ADDRESS], l->mac, sizeof(l->mac));
	if (attr_u32(tb[IFLA_MASTER], &v) == 0)
		l->master = (int)v;
	if (attr_u32(tb[IFLA_NUM_RX_QUEUES], &v) == 0)
		l->num_rx_queues = v;
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], l);
	return 0;
}

int ng_nl_parse_link(const void *msg, size_t len, struct ng_nl_link *l)
{
	return parse_link(msg, len, false, l);
}

/* One RTM_GETLINK: a dump (flags NLM_F_DUMP), or the link of ifindex or name. Statistics are
 * left out of the replies (RTEXT_FILTER_SKIP_STATS; older kernels ignore the bit). */
static int send_getlink(int fd, uint32_t seq, uint16_t flags, int ifindex, const char *name)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		unsigned char attrs[2 * NLA_HDRLEN + NLA_ALIGN(NG_IFNAMSIZ) + 4];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlattr *a;
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;
	size_t off = 0;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | flags;
	req.h.nlmsg_seq = seq;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	a = (struct nlattr *)(req.attrs + off);
	a->nla_type = IFLA_EXT_MASK;
	a->nla_len = NLA_HDRLEN + sizeof(mask);
	memcpy(req.attrs + off + NLA_HDRLEN, &mask, sizeof(mask));
	off += NLA_ALIGN(a->nla_len);
	if (name) {
		size_t n = strlen(name) + 1;

		a = (struct nlattr *)(req.attrs + off);
		a->nla_type = IFLA_IFNAME;
		a->nla_len = NLA_HDRLEN + n;
		memcpy(req.attrs + off + NLA_HDRLEN, name, n);
		off += NLA_ALIGN(a->nla_len);
	}
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + off;
	for (;;) {
		ssize_t w = sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa,
				   sizeof(sa));

		if (w >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

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

/* Read the replies to request seq until NLMSG_DONE (dump) or one link (single get); each
 * RTM_NEWLINK goes to add(). *intr is set when the kernel flagged the dump inconsistent. */
static int read_replies(int fd, uint32_t seq, bool dump, unsigned char *buf,
			int (*add)(const struct ng_nl_link *, void *), void *arg, bool *intr,
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
			struct ng_nl_link l;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (h->nlmsg_type == NLMSG_DONE)
				return r;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return ng_err_set(err, -EBADMSG, NULL, 0,
							  "netlink: short error message");
				if (e->error == 0)
					return r;
				return ng_err_set(err, e->error, NULL, 0, "RTM_GETLINK: %s",
						  strerror(-e->error));
			}
			if (h->nlmsg_type != RTM_NEWLINK)
				continue;
			/* A message that does not parse is skipped: the others still count. */
			if (r == 0 && ng_nl_parse_link(h, h->nlmsg_len, &l) == 0)
				r = add(&l, arg);
			if (!dump)
				return r;
		}
	}
}

struct link_vec {
	struct ng_nl_link *v;
	size_t n, cap;
};

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
	unsigned char *buf = malloc(NL_BUFSIZE);
	struct link_vec lv = { 0 };
	int r = -EAGAIN;

	*out = NULL;
	*n = 0;
	if (!buf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	/* A dump the kernel marks interrupted (links changed under it) may miss or repeat
	 * links: read it again, a few times, as iproute2 does. */
	for (uint32_t try = 1; try <= NL_DUMP_TRIES; try++) {
		bool intr = false;

		lv.n = 0;
		r = send_getlink(fd, try, NLM_F_DUMP, 0, NULL);
		if (r < 0) {
			ng_err_set(err, r, NULL, 0, "netlink send: %s", strerror(-r));
			break;
		}
		r = read_replies(fd, try, true, buf, vec_add, &lv, &intr, err);
		if (r == -ENOMEM)
			ng_err_set(err, r, NULL, 0, "out of memory");
		if (r < 0 || !intr)
			break;
		r = ng_err_set(err, -EAGAIN, NULL, 0, "link dump interrupted %d times",
			       NL_DUMP_TRIES);
	}
	free(buf);
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
	unsigned char *buf;
	bool intr = false;
	int r;

	memset(l, 0, sizeof(*l));
	if (name && strlen(name) >= NG_IFNAMSIZ)
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	buf = malloc(NL_BUFSIZE);
	if (!buf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	r = send_getlink(fd, 1, 0, name ? 0 : ifindex, name);
	if (r < 0)
		ng_err_set(err, r, NULL, 0, "netlink send: %s", strerror(-r));
	else
		r = read_replies(fd, 1, false, buf, one_add, l, &intr, err);
	free(buf);
	if (r == 0 && l->ifindex <= 0)
		r = ng_err_set(err, -EBADMSG, NULL, 0, "RTM_GETLINK: no link in the reply");
	return r;
}

/* ------------------------------------------------------------------ routes */

int ng_nl_route_get(int fd, int family, const void *addr, int *oif, unsigned *rtype,
		    struct ng_err *err)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rt;
		unsigned char attrs[NLA_HDRLEN + 16];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t alen = family == AF_INET6 ? 16 : 4;
	unsigned char *buf;
	struct nlattr a;
	int r = -EBADMSG;

	*oif = 0;
	*rtype = 0;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 1;
	req.rt.rtm_family = (unsigned char)family;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	a.nla_type = RTA_DST;
	a.nla_len = (unsigned short)(NLA_HDRLEN + alen);
	memcpy(req.attrs, &a, sizeof(a));
	memcpy(req.attrs + NLA_HDRLEN, addr, alen);
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt)) + NLA_ALIGN(a.nla_len);
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return ng_err_set(err, -errno, NULL, 0, "netlink send: %s", strerror(errno));
	buf = malloc(NL_BUFSIZE);
	if (!buf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	for (;;) {
		ssize_t n = recv_some(fd, buf, NL_BUFSIZE);
		size_t left;

		if (n < 0) {
			r = ng_err_set(err, (int)n, NULL, 0, "netlink recv: %s", strerror((int)-n));
			break;
		}
		left = (size_t)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			const unsigned char *tb[RTA_MAX + 1];
			struct rtmsg rt;
			uint32_t v;

			if (h->nlmsg_seq != 1)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				r = h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ? -EBADMSG : e->error;
				if (r < 0)
					ng_err_set(err, r, NULL, 0, "no route: %s", strerror(-r));
				goto out;
			}
			if (h->nlmsg_type != RTM_NEWROUTE ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(rt)))
				continue;
			memcpy(&rt, NLMSG_DATA(h), sizeof(rt));
			*rtype = rt.rtm_type;
			if (parse_attrs((const unsigned char *)h + NLMSG_LENGTH(sizeof(rt)),
					h->nlmsg_len - NLMSG_LENGTH(sizeof(rt)), tb,
					NG_ARRAY_SIZE(tb)) == 0 && attr_u32(tb[RTA_OIF], &v) == 0)
				*oif = (int)v;
			r = 0;
			goto out;
		}
	}
out:
	free(buf);
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
