/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devstate.c: a device's state: each part read and written through one table row, and
 * snapshots of it to restore later. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* What a part's read and write work on: the device, the socket, the context's paths, and
 * the part itself. */
struct io {
	const struct ng_ctx *ctx;
	int fd;
	const char *ifname;
	enum ng_part part;
};

static int read_features(const struct io *io, struct ng_devstate *s,
			 const struct ng_devstate *before, struct ng_err *err)
{
	/* A read-back in the same run: the feature table's shape is the one just read. */
	if (before && !before->err[NG_PART_FEATURES] && before->feat.n)
		return ng_eth_features_reread(io->fd, io->ifname, &before->feat, &s->feat, err);
	return ng_eth_features_get(io->fd, io->ifname, ng_ctx_featnames(io->ctx), &s->feat, err);
}

static int write_features(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	int ret = 0, r;

	r = ng_eth_features_set(io->fd, io->ifname, plan->valid, plan->requested, plan->nblocks,
				&ret, err);
	ng_trace(io->ctx, "%s: ETHTOOL_SFEATURES: %s (flags %d)", io->ifname,
		 r ? err->msg : "ok", ret);
	return r;
}

static int read_link(const struct io *io, struct ng_devstate *s,
		     const struct ng_devstate *before, struct ng_err *err)
{
	(void)before;
	return ng_eth_link_get(io->fd, io->ifname, &s->link, err);
}

static int write_link(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	int r = ng_eth_link_set(io->fd, io->ifname, &plan->link, err);

	ng_trace(io->ctx, "%s: link speed %u duplex %u autoneg %u: %s", io->ifname,
		 plan->link.speed, plan->link.duplex, plan->link.autoneg, r ? err->msg : "ok");
	return r;
}

/* A part that is one ethtool struct (coalesce, ring, pause, eee, channels): its row in
 * plan.c's table says where the struct sits and which ioctls read and write it. */
static int read_param(const struct io *io, struct ng_devstate *s,
		      const struct ng_devstate *before, struct ng_err *err)
{
	const struct ng_part_struct *ps = ng_part_struct(io->part);

	(void)before;
	return ng_eth_param_get(io->fd, io->ifname, ps->get, (char *)s + ps->state_off, ps->size,
				err);
}

static int write_param(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	const struct ng_part_struct *ps = ng_part_struct(io->part);
	int r = ng_eth_param_set(io->fd, io->ifname, ps->set, (const char *)plan + ps->plan_off,
				 ps->size, err);

	ng_trace(io->ctx, "%s: %s: %s", io->ifname, ng_devstate_write_op(io->part),
		 r ? err->msg : "ok");
	return r;
}

static int read_rps(const struct io *io, struct ng_devstate *s,
		    const struct ng_devstate *before, struct ng_err *err)
{
	(void)before;
	s->ncpus = ng_rps_ncpus(io->ctx);
	return ng_rps_read(io->ctx, io->ifname, &s->rps, &s->nrps, err);
}

static int write_rps(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	unsigned n;
	int r = ng_rps_apply(io->ctx, io->ifname, plan->rps_mask, &n, err);

	if (r)
		ng_trace(io->ctx, "%s: rps: %s", io->ifname, err->msg);
	return r;
}

static int read_rfs(const struct io *io, struct ng_devstate *s,
		    const struct ng_devstate *before, struct ng_err *err)
{
	(void)before;
	return ng_rfs_read(io->ctx, io->ifname, &s->rfs_global, &s->rfs, &s->nrfs, err);
}

static int write_rfs(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	unsigned n;
	int r = ng_rfs_apply(io->ctx, io->ifname, plan->rfs_global, plan->rfs_entries, &n, err);

	if (r)
		ng_trace(io->ctx, "%s: rfs: %s", io->ifname, err->msg);
	return r;
}

/* The parts of a device's state: how each is read and written. One row per enum ng_part. */
static const struct part_io {
	const char *write_op;
	int (*read)(const struct io *io, struct ng_devstate *s, const struct ng_devstate *before,
		    struct ng_err *err);
	int (*write)(const struct io *io, const struct ng_plan *plan, struct ng_err *err);
} parts[NG_PART_MAX] = {
	[NG_PART_FEATURES] = { "ETHTOOL_SFEATURES", read_features, write_features },
	[NG_PART_LINK] = { "link settings write", read_link, write_link },
	[NG_PART_COALESCE] = { "ETHTOOL_SCOALESCE", read_param, write_param },
	[NG_PART_RING] = { "ETHTOOL_SRINGPARAM", read_param, write_param },
	[NG_PART_PAUSE] = { "ETHTOOL_SPAUSEPARAM", read_param, write_param },
	[NG_PART_EEE] = { "ETHTOOL_SEEE", read_param, write_param },
	[NG_PART_CHANNELS] = { "ETHTOOL_SCHANNELS", read_param, write_param },
	[NG_PART_RPS] = { "rps_cpus write", read_rps, write_rps },
	[NG_PART_RFS] = { "rps_flow_cnt write", read_rfs, write_rfs },
};

const char *ng_devstate_write_op(enum ng_part p)
{
	return (unsigned)p < NG_PART_MAX ? parts[p].write_op : "write";
}

int ng_devstate_read(const struct ng_ctx *ctx, int fd, const struct ng_iface *ifc,
		     const struct ng_wanted *w, const struct ng_devstate *before,
		     struct ng_devstate *s, struct ng_err *err)
{
	struct io io = { ctx, fd, ifc->name, NG_PART_NONE };
	bool need[NG_PART_MAX] = { false };

	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifc->name);
	snprintf(s->driver, sizeof(s->driver), "%s", ifc->driver);
	/* Only the parts the wanted settings name: offloads alone cost no link, coalesce or
	 * ring request. */
	for (size_t i = 0; i < w->n; i++) {
		enum ng_part p = ng_group_part(w->items[i].group);

		if (p != NG_PART_NONE)
			need[p] = true;
	}
	for (int p = 0; p < NG_PART_MAX; p++) {
		if (!need[p])
			continue;
		io.part = (enum ng_part)p;
		s->err[p] = parts[p].read(&io, s, before, err);
		/* Gone: every later request would say the same. */
		if (s->err[p] == -ENODEV) {
			ng_devstate_free(s);
			return ng_err_set(err, -ENODEV, NULL, 0, "%s: no such interface",
					  ifc->name);
		}
	}
	return 0;
}

void ng_devstate_write(const struct ng_ctx *ctx, int fd, const char *ifname,
		       const struct ng_plan *plan, int err[NG_PART_MAX])
{
	struct io io = { ctx, fd, ifname, NG_PART_NONE };

	/* In part order: channels before the rx queue parts whose queues they make. */
	for (int p = 0; p < NG_PART_MAX; p++) {
		struct ng_err e = { 0 };

		io.part = (enum ng_part)p;
		err[p] = plan->write[p] ? parts[p].write(&io, plan, &e) : 0;
	}
}

/* --------------------------------------------------------------- snapshots */

static int snap_put(struct ng_wanted *out, enum ng_group g,
		    const char *name, int64_t num, const char *text)
{
	static const char origin[] = "snapshot";
	struct ng_item it;

	memset(&it, 0, sizeof(it));
	it.group = g;
	it.set = NG_SET_NORMAL;	/* what the interface held: plain settings, restorable */
	snprintf(it.name, sizeof(it.name), "%s", name);
	it.num = num;
	it.text = (char *)text;
	it.origin.file = origin;
	return ng_items_put(&out->items, &out->n, &it, false);
}

static uint32_t field_u32(const void *base, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

/* Every rx queue's rps_cpus as read, one mask per queue ("3 3 0 0"); value.c puts them in
 * canonical form when the text is parsed back. */
static int snap_rps(const struct ng_devstate *s, struct ng_wanted *out)
{
	size_t len = 1;
	char *text;
	int r;

	if (s->err[NG_PART_RPS] || s->nrps == 0)
		return 0;
	for (size_t q = 0; q < s->nrps; q++)
		len += strlen(s->rps[q]) + 1;
	text = calloc(1, len);
	if (!text)
		return -ENOMEM;
	len = 0;
	for (size_t q = 0; q < s->nrps; q++) {
		size_t l = strlen(s->rps[q]);

		if (q)
			text[len++] = ' ';
		memcpy(text + len, s->rps[q], l);
		len += l;
	}
	r = snap_put(out, NG_RPS, "rps", 0, text);
	free(text);
	return r;
}

/* The rfs value that gives each rx queue the largest rps_flow_cnt it has back (the kernel
 * keeps them powers of two, so the division is exact). rps_sock_flow_entries is not put
 * back: rfs never lowers it, other devices share it, and without queue tables it steers
 * nothing. */
static int snap_rfs(const struct ng_devstate *s, struct ng_wanted *out)
{
	unsigned long most = 0, total;

	if (s->err[NG_PART_RFS] || s->nrfs == 0)
		return 0;
	for (size_t q = 0; q < s->nrfs; q++)
		if (s->rfs[q] > most)
			most = s->rfs[q];
	total = most > NG_RFS_MAX / s->nrfs ? NG_RFS_MAX : most * s->nrfs;
	return snap_put(out, NG_RFS, "rfs", (int64_t)total, NULL);
}

int ng_devstate_snap_item(const struct ng_devstate *s, const struct ng_plan_item *pi,
			  struct ng_wanted *out)
{
	const struct ng_item *it = pi->item;
	const struct ng_part_struct *ps;
	const struct ng_param *p;
	uint32_t v = 0;
	int r = 0;

	if (pi->res.outcome == NG_UNSUPPORTED || pi->res.outcome == NG_FAILED)
		return 0;
	switch (it->group) {
	case NG_OFFLOAD:
		/* The requested bit: put back, the kernel derives the same active state. */
		for (size_t k = 0; k < s->feat.n && r == 0; k++)
			if (ng_features_bit(pi->feats, k) && ng_features_bit(s->feat.available, k))
				r = snap_put(out, NG_OFFLOAD, s->feat.names[k],
					     ng_features_bit(s->feat.requested, k), NULL);
		return r;
	case NG_LINK:
		/* Under autoneg, speed and duplex are negotiated: autoneg on restores them. */
		if (s->link.autoneg == AUTONEG_ENABLE)
			return snap_put(out, NG_LINK, "autoneg", 1, NULL);
		if (s->link.speed != 0 && s->link.speed != (uint32_t)SPEED_UNKNOWN)
			r = snap_put(out, NG_LINK, "speed", s->link.speed, NULL);
		if (r == 0 && s->link.duplex != DUPLEX_UNKNOWN)
			r = snap_put(out, NG_LINK, "duplex", s->link.duplex == DUPLEX_FULL,
				     NULL);
		return r ? r : snap_put(out, NG_LINK, "autoneg", 0, NULL);
	case NG_COALESCE:
	case NG_RING:
	case NG_PAUSE:
	case NG_EEE:
	case NG_CHANNELS:
		/* The field of the part's ethtool struct as read; on|off fields as 1 or 0. */
		p = ng_param_find(it->group, it->name);
		ps = ng_part_struct(ng_group_part(it->group));
		v = field_u32((const char *)s + ps->state_off, p->offset);
		return snap_put(out, it->group, it->name, p->onoff ? v != 0 : v, NULL);
	case NG_ITR:
		return snap_put(out, NG_COALESCE, "rx-usecs", s->coal.rx_coalesce_usecs, NULL);
	case NG_RPS:
		/* No backup-* key: only nicguard revert's record asks for it. */
		return snap_rps(s, out);
	case NG_RFS:
		/* Likewise. */
		return snap_rfs(s, out);
	default:
		/* ethtool pass-through lines and flags cannot be read back: never saved. */
		return 0;
	}
}

int ng_snapshot(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
		struct ng_wanted *out, struct ng_err *err)
{
	struct ng_devstate s;
	struct ng_plan plan;
	int fd, r;

	memset(out, 0, sizeof(*out));
	if (!ng_ifname_valid(ifc->name))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	fd = ng_eth_open(err);
	if (fd < 0)
		return fd;
	r = ng_devstate_read(ctx, fd, ifc, w, NULL, &s, err);
	close(fd);
	if (r < 0)
		return r;
	r = ng_plan_make(&s, w, &plan);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		r = ng_devstate_snap_item(&s, &plan.items[i], out);
	ng_plan_free(&plan);
	ng_devstate_free(&s);
	if (r < 0) {
		ng_items_free(out->items, out->n);
		memset(out, 0, sizeof(*out));
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}
