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

/* What a part's read and write work on: the device, the socket, the context's paths. */
struct io {
	const struct ng_ctx *ctx;
	int fd;
	const char *ifname;
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

static int read_coalesce(const struct io *io, struct ng_devstate *s,
			 const struct ng_devstate *before, struct ng_err *err)
{
	(void)before;
	return ng_eth_coalesce_get(io->fd, io->ifname, &s->coal, err);
}

static int write_coalesce(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	int r = ng_eth_coalesce_set(io->fd, io->ifname, &plan->coal, err);

	ng_trace(io->ctx, "%s: ETHTOOL_SCOALESCE: %s", io->ifname, r ? err->msg : "ok");
	return r;
}

static int read_ring(const struct io *io, struct ng_devstate *s,
		     const struct ng_devstate *before, struct ng_err *err)
{
	(void)before;
	return ng_eth_ring_get(io->fd, io->ifname, &s->ring, err);
}

static int write_ring(const struct io *io, const struct ng_plan *plan, struct ng_err *err)
{
	int r = ng_eth_ring_set(io->fd, io->ifname, &plan->ring, err);

	ng_trace(io->ctx, "%s: ETHTOOL_SRINGPARAM: %s", io->ifname, r ? err->msg : "ok");
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

/* The parts of a device's state: how each is read and written. One row per enum ng_part. */
static const struct part_io {
	const char *write_op;
	int (*read)(const struct io *io, struct ng_devstate *s, const struct ng_devstate *before,
		    struct ng_err *err);
	int (*write)(const struct io *io, const struct ng_plan *plan, struct ng_err *err);
} parts[NG_PART_MAX] = {
	[NG_PART_FEATURES] = { "ETHTOOL_SFEATURES", read_features, write_features },
	[NG_PART_LINK] = { "link settings write", read_link, write_link },
	[NG_PART_COALESCE] = { "ETHTOOL_SCOALESCE", read_coalesce, write_coalesce },
	[NG_PART_RING] = { "ETHTOOL_SRINGPARAM", read_ring, write_ring },
	[NG_PART_RPS] = { "rps_cpus write", read_rps, write_rps },
};

const char *ng_devstate_write_op(enum ng_part p)
{
	return (unsigned)p < NG_PART_MAX ? parts[p].write_op : "write";
}

int ng_devstate_read(const struct ng_ctx *ctx, int fd, const struct ng_iface *ifc,
		     const struct ng_wanted *w, const struct ng_devstate *before,
		     struct ng_devstate *s, struct ng_err *err)
{
	const struct io io = { ctx, fd, ifc->name };
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
	const struct io io = { ctx, fd, ifname };

	for (int p = 0; p < NG_PART_MAX; p++) {
		struct ng_err e = { 0 };

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

/* The restorable value(s) of one planned item. */
static int snap_item(const struct ng_devstate *s, const struct ng_plan_item *pi,
		     struct ng_wanted *out)
{
	const struct ng_item *it = pi->item;
	const struct ng_param *p;
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
		p = ng_coalesce_param(it->name);
		return snap_put(out, NG_COALESCE, it->name, field_u32(&s->coal, p->offset),
				NULL);
	case NG_ITR:
		return snap_put(out, NG_COALESCE, "rx-usecs", s->coal.rx_coalesce_usecs, NULL);
	case NG_RING:
		p = ng_ring_param(it->name);
		return snap_put(out, NG_RING, it->name, field_u32(&s->ring, p->offset), NULL);
	default:
		/* rps, ethtool pass-through lines and flags have no backup-* key: never saved. */
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
		r = snap_item(&s, &plan.items[i], out);
	ng_plan_free(&plan);
	ng_devstate_free(&s);
	if (r < 0) {
		ng_items_free(out->items, out->n);
		memset(out, 0, sizeof(*out));
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}
