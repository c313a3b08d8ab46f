/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ethtool.c: SIOCETHTOOL and interface flag ioctls, the only file that talks to the kernel. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "nicguard.h"
#include "internal.h"

static const char *cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case ETHTOOL_GSSET_INFO: return "ETHTOOL_GSSET_INFO";
	case ETHTOOL_GSTRINGS: return "ETHTOOL_GSTRINGS";
	case ETHTOOL_GFEATURES: return "ETHTOOL_GFEATURES";
	case ETHTOOL_SFEATURES: return "ETHTOOL_SFEATURES";
	case ETHTOOL_GLINKSETTINGS: return "ETHTOOL_GLINKSETTINGS";
	case ETHTOOL_SLINKSETTINGS: return "ETHTOOL_SLINKSETTINGS";
	case ETHTOOL_GSET: return "ETHTOOL_GSET";
	case ETHTOOL_SSET: return "ETHTOOL_SSET";
	case ETHTOOL_GCOALESCE: return "ETHTOOL_GCOALESCE";
	case ETHTOOL_SCOALESCE: return "ETHTOOL_SCOALESCE";
	case ETHTOOL_GRINGPARAM: return "ETHTOOL_GRINGPARAM";
	case ETHTOOL_SRINGPARAM: return "ETHTOOL_SRINGPARAM";
	case ETHTOOL_GPAUSEPARAM: return "ETHTOOL_GPAUSEPARAM";
	case ETHTOOL_SPAUSEPARAM: return "ETHTOOL_SPAUSEPARAM";
	case ETHTOOL_GEEE: return "ETHTOOL_GEEE";
	case ETHTOOL_SEEE: return "ETHTOOL_SEEE";
	case ETHTOOL_GCHANNELS: return "ETHTOOL_GCHANNELS";
	case ETHTOOL_SCHANNELS: return "ETHTOOL_SCHANNELS";
	case ETHTOOL_GDRVINFO: return "ETHTOOL_GDRVINFO";
	default: return "SIOCETHTOOL";
	}
}

/* One SIOCETHTOOL call; data starts with the u32 command. Returns the ioctl's
 * non-negative result or -errno (err filled). */
static int eth_ioctl(int fd, const char *ifname, void *data, struct ng_err *err)
{
	struct ifreq ifr;
	uint32_t cmd;
	int r;

	memcpy(&cmd, data, sizeof(cmd));
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: name too long", ifname);
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ifr.ifr_data = data;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	if (r < 0) {
		int e = errno;

		return ng_err_set(err, -e, NULL, 0, "%s: %s: %s", ifname, cmd_name(cmd),
				  strerror(e));
	}
	return r;
}

int ng_eth_open(struct ng_err *err)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		int e = errno;

		return ng_err_set(err, -e, NULL, 0, "socket: %s", strerror(e));
	}
	return fd;
}

static int features_count(int fd, const char *ifname, size_t *n, struct ng_err *err)
{
	/* The head, then one length word: raw words, as a struct ending in a flexible array may
	 * not be a member of another. */
	struct ethtool_sset_info hdr = {
		.cmd = ETHTOOL_GSSET_INFO,
		.sset_mask = 1ULL << ETH_SS_FEATURES,
	};
	uint64_t buf[sizeof(hdr) / 8 + 1] = { 0 };
	uint32_t len;
	int r;

	memcpy(buf, &hdr, sizeof(hdr));
	r = eth_ioctl(fd, ifname, buf, err);
	if (r < 0)
		return r;
	memcpy(&hdr, buf, sizeof(hdr));
	memcpy(&len, (const char *)buf + sizeof(hdr), sizeof(len));
	/* The kernel clears the bit of every set it does not know. */
	if (!(hdr.sset_mask & (1ULL << ETH_SS_FEATURES)) || len == 0)
		return ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s: no feature strings", ifname);
	*n = len;
	return 0;
}

static int features_names(int fd, const char *ifname, struct ng_features *f,
			  struct ng_err *err)
{
	struct ethtool_gstrings *gs;
	int r;

	gs = calloc(1, sizeof(*gs) + f->n * ETH_GSTRING_LEN);
	if (!gs)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = (uint32_t)f->n;
	r = eth_ioctl(fd, ifname, gs, err);
	if (r >= 0) {
		memcpy(f->names, gs->data, f->n * ETH_GSTRING_LEN);
		for (size_t i = 0; i < f->n; i++)
			f->names[i][ETH_GSTRING_LEN - 1] = '\0';
		r = 0;
	}
	free(gs);
	return r;
}

static int features_blocks(int fd, const char *ifname, struct ng_features *f,
			   struct ng_err *err)
{
	struct ethtool_gfeatures *gf;
	int r;

	gf = calloc(1, sizeof(*gf) + f->nblocks * sizeof(gf->features[0]));
	if (!gf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = (uint32_t)f->nblocks;
	r = eth_ioctl(fd, ifname, gf, err);
	if (r >= 0) {
		for (size_t b = 0; b < f->nblocks; b++) {
			f->available[b] = gf->features[b].available;
			f->requested[b] = gf->features[b].requested;
			f->active[b] = gf->features[b].active;
			f->never_changed[b] = gf->features[b].never_changed;
		}
		r = 0;
	}
	free(gf);
	return r;
}

/* A table of n features with every array allocated; the names are the caller's to fill. */
static int features_alloc(struct ng_features *f, size_t n, struct ng_err *err)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	f->nblocks = (n + 31) / 32;
	f->names = calloc(n, sizeof(*f->names));
	f->available = calloc(f->nblocks, sizeof(uint32_t));
	f->requested = calloc(f->nblocks, sizeof(uint32_t));
	f->active = calloc(f->nblocks, sizeof(uint32_t));
	f->never_changed = calloc(f->nblocks, sizeof(uint32_t));
	if (!f->names || !f->available || !f->requested || !f->active || !f->never_changed) {
		ng_features_free(f);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	return 0;
}

/* The names from the cache when it holds a set of this size, else from the kernel (and
 * then into the cache: one GSTRINGS per run, not one per device). */
static int features_names_cached(int fd, const char *ifname, struct ng_featnames *cache,
				 struct ng_features *f, struct ng_err *err)
{
	char (*keep)[ETH_GSTRING_LEN];
	int r;

	if (cache && cache->n == f->n) {
		memcpy(f->names, cache->names, f->n * ETH_GSTRING_LEN);
		return 0;
	}
	r = features_names(fd, ifname, f, err);
	if (r < 0 || !cache)
		return r;
	keep = malloc(f->n * ETH_GSTRING_LEN);
	if (keep) {
		memcpy(keep, f->names, f->n * ETH_GSTRING_LEN);
		free(cache->names);
		cache->names = keep;
		cache->n = f->n;
	}
	return 0;
}

int ng_eth_features_get(int fd, const char *ifname, struct ng_featnames *cache,
			struct ng_features *f, struct ng_err *err)
{
	size_t n = 0;
	int r;

	memset(f, 0, sizeof(*f));
	r = features_count(fd, ifname, &n, err);
	if (r < 0)
		return r;
	/* No feature table at all: nothing to read or set (and no zero-size allocations). */
	if (n == 0)
		return ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s: no features", ifname);
	r = features_alloc(f, n, err);
	if (r == 0)
		r = features_names_cached(fd, ifname, cache, f, err);
	if (r == 0)
		r = features_blocks(fd, ifname, f, err);
	if (r < 0)
		ng_features_free(f);
	return r;
}

int ng_eth_features_reread(int fd, const char *ifname, const struct ng_features *before,
			   struct ng_features *f, struct ng_err *err)
{
	int r = features_alloc(f, before->n, err);

	if (r < 0)
		return r;
	memcpy(f->names, before->names, f->n * ETH_GSTRING_LEN);
	r = features_blocks(fd, ifname, f, err);
	if (r < 0)
		ng_features_free(f);
	return r;
}

int ng_eth_features_set(int fd, const char *ifname, const uint32_t *valid,
			const uint32_t *requested, size_t nblocks, int *ret, struct ng_err *err)
{
	struct ethtool_sfeatures *sf;
	int r;

	sf = calloc(1, sizeof(*sf) + nblocks * sizeof(sf->features[0]));
	if (!sf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = (uint32_t)nblocks;
	for (size_t b = 0; b < nblocks; b++) {
		sf->features[b].valid = valid[b];
		sf->features[b].requested = requested[b];
	}
	r = eth_ioctl(fd, ifname, sf, err);
	free(sf);
	if (r < 0)
		return r;
	*ret = r;
	return 0;
}

static struct ethtool_link_settings ks_head(const uint32_t *ks)
{
	struct ethtool_link_settings h;

	memcpy(&h, ks, sizeof(h));
	return h;
}

/* A fresh GLINKSETTINGS request for nwords mask words in l->ks. */
static void ks_request(struct ng_link *l, int8_t nwords)
{
	struct ethtool_link_settings h = {
		.cmd = ETHTOOL_GLINKSETTINGS,
		.link_mode_masks_nwords = nwords,
	};

	memset(l->ks, 0, sizeof(l->ks));
	memcpy(l->ks, &h, sizeof(h));
}

/* GLINKSETTINGS handshake: ask with nwords 0, the kernel answers with -N, ask with N. */
static int link_get_ksettings(int fd, const char *ifname, struct ng_link *l,
			      struct ng_err *err)
{
	struct ethtool_link_settings h;
	int8_t nwords;
	int r;

	ks_request(l, 0);
	r = eth_ioctl(fd, ifname, l->ks, err);
	if (r < 0)
		return r;
	h = ks_head(l->ks);
	nwords = h.link_mode_masks_nwords;
	if (nwords >= 0 || h.cmd != ETHTOOL_GLINKSETTINGS)
		return ng_err_set(err, -EOPNOTSUPP, NULL, 0, "%s: %s: no handshake", ifname,
				  cmd_name(ETHTOOL_GLINKSETTINGS));
	nwords = (int8_t)-nwords;
	if ((size_t)nwords * 3 > sizeof(l->ks) / 4 - sizeof(h) / 4)
		return ng_err_set(err, -EOVERFLOW, NULL, 0, "%s: %s: %d mask words", ifname,
				  cmd_name(ETHTOOL_GLINKSETTINGS), nwords);
	ks_request(l, nwords);
	r = eth_ioctl(fd, ifname, l->ks, err);
	if (r < 0)
		return r;
	h = ks_head(l->ks);
	if (h.link_mode_masks_nwords != nwords)
		return ng_err_set(err, -EIO, NULL, 0, "%s: %s: mask size changed", ifname,
				  cmd_name(ETHTOOL_GLINKSETTINGS));
	l->legacy = false;
	l->speed = h.speed;
	l->duplex = h.duplex;
	l->autoneg = h.autoneg;
	return 0;
}

int ng_eth_link_get(int fd, const char *ifname, struct ng_link *l, struct ng_err *err)
{
	int r;

	memset(l, 0, sizeof(*l));
	r = link_get_ksettings(fd, ifname, l, err);
	if (r != -EOPNOTSUPP)
		return r;
	/* Drivers without get_link_ksettings may still have the legacy interface. */
	l->cmd.cmd = ETHTOOL_GSET;
	r = eth_ioctl(fd, ifname, &l->cmd, err);
	if (r < 0)
		return r;
	l->legacy = true;
	l->speed = ethtool_cmd_speed(&l->cmd);
	l->duplex = l->cmd.duplex;
	l->autoneg = l->cmd.autoneg;
	return 0;
}

int ng_eth_link_set(int fd, const char *ifname, const struct ng_link *l, struct ng_err *err)
{
	int r;

	if (l->legacy) {
		struct ethtool_cmd cmd = l->cmd;

		cmd.cmd = ETHTOOL_SSET;
		ethtool_cmd_speed_set(&cmd, l->speed);
		cmd.duplex = l->duplex;
		cmd.autoneg = l->autoneg;
		r = eth_ioctl(fd, ifname, &cmd, err);
	} else {
		/* Send back what was read, masks included, with the three fields changed. */
		uint32_t ks[sizeof(l->ks) / 4];
		struct ethtool_link_settings h = ks_head(l->ks);

		h.cmd = ETHTOOL_SLINKSETTINGS;
		h.speed = l->speed;
		h.duplex = l->duplex;
		h.autoneg = l->autoneg;
		memcpy(ks, l->ks, sizeof(ks));
		memcpy(ks, &h, sizeof(h));
		r = eth_ioctl(fd, ifname, ks, err);
	}
	return r < 0 ? r : 0;
}

/* The largest struct through ng_eth_param_*: struct ethtool_coalesce, 23 words. */
#define PARAM_MAX 128

int ng_eth_param_get(int fd, const char *ifname, uint32_t cmd, void *data, size_t size,
		     struct ng_err *err)
{
	int r;

	if (size < sizeof(cmd) || size > PARAM_MAX)
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: %s: bad size %zu", ifname,
				  cmd_name(cmd), size);
	memset(data, 0, size);
	memcpy(data, &cmd, sizeof(cmd));
	r = eth_ioctl(fd, ifname, data, err);
	return r < 0 ? r : 0;
}

int ng_eth_param_set(int fd, const char *ifname, uint32_t cmd, const void *data, size_t size,
		     struct ng_err *err)
{
	uint32_t buf[PARAM_MAX / sizeof(uint32_t)];
	int r;

	if (size < sizeof(cmd) || size > sizeof(buf))
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: %s: bad size %zu", ifname,
				  cmd_name(cmd), size);
	/* A copy: the caller's struct keeps its read command. */
	memcpy(buf, data, size);
	buf[0] = cmd;
	r = eth_ioctl(fd, ifname, buf, err);
	return r < 0 ? r : 0;
}

int ng_eth_drvinfo(int fd, const char *ifname, struct ethtool_drvinfo *d, struct ng_err *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cmd = ETHTOOL_GDRVINFO;
	r = eth_ioctl(fd, ifname, d, err);
	if (r < 0)
		return r;
	d->driver[sizeof(d->driver) - 1] = '\0';
	d->bus_info[sizeof(d->bus_info) - 1] = '\0';
	return 0;
}

static int flags_ioctl(int fd, const char *ifname, unsigned long req, unsigned *flags,
		       struct ng_err *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return ng_err_set(err, -EINVAL, NULL, 0, "%s: name too long", ifname);
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ifr.ifr_flags = (short)*flags;
	if (ioctl(fd, req, &ifr) < 0) {
		int e = errno;

		return ng_err_set(err, -e, NULL, 0, "%s: %s: %s", ifname,
				  req == SIOCGIFFLAGS ? "SIOCGIFFLAGS" : "SIOCSIFFLAGS",
				  strerror(e));
	}
	*flags = (unsigned short)ifr.ifr_flags;
	return 0;
}

int ng_eth_flags_get(int fd, const char *ifname, unsigned *flags, struct ng_err *err)
{
	*flags = 0;
	return flags_ioctl(fd, ifname, SIOCGIFFLAGS, flags, err);
}

int ng_eth_flags_set(int fd, const char *ifname, unsigned flags, struct ng_err *err)
{
	return flags_ioctl(fd, ifname, SIOCSIFFLAGS, &flags, err);
}

static int set_up(int fd, const char *ifname, bool up, struct ng_err *err)
{
	unsigned flags;
	int r = ng_eth_flags_get(fd, ifname, &flags, err);

	if (r < 0)
		return r;
	if (!!(flags & IFF_UP) == up)
		return 0;
	flags = up ? flags | IFF_UP : flags & ~(unsigned)IFF_UP;
	return ng_eth_flags_set(fd, ifname, flags, err);
}

int ng_link_set_up(const struct ng_ctx *ctx, const char *ifname, bool up, struct ng_err *err)
{
	int fd, r;

	if (!ng_ifname_valid(ifname))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	fd = ng_eth_open(err);
	if (fd < 0)
		return fd;
	ng_trace(ctx, "%s: set %s", ifname, up ? "up" : "down");
	r = set_up(fd, ifname, up, err);
	close(fd);
	return r;
}

int ng_link_bounce(const struct ng_ctx *ctx, const char *ifname, struct ng_err *err)
{
	int fd, r;

	if (!ng_ifname_valid(ifname))
		return ng_err_set(err, -EINVAL, NULL, 0, "invalid interface name");
	fd = ng_eth_open(err);
	if (fd < 0)
		return fd;
	ng_trace(ctx, "%s: bounce (down, up)", ifname);
	/* Going down resets the MAC on e1000e (e1000e_down); up brings the queues back. */
	r = set_up(fd, ifname, false, err);
	if (r == 0)
		r = set_up(fd, ifname, true, err);
	close(fd);
	return r;
}
