/* SPDX-License-Identifier: GPL-2.0-or-later */
/* features.c: the offload, coalesce and ring vocabulary, as ethtool(8) and the kernel spell it,
 * and the bitmaps of a device's feature table. */
#include <errno.h>
#include <fnmatch.h>
#include <linux/ethtool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicguard.h"
#include "internal.h"

/* ethtool(8)'s short names, their long names as `ethtool -k` prints them, and the kernel
 * features each covers (ethtool's off_flag_def patterns). Keep sorted by short name. */
struct group {
	const char *name;
	const char *glob;
};

static const struct group groups[] = {
	{ "gro", "rx-gro" },
	{ "gso", "tx-generic-segmentation" },
	{ "lro", "rx-lro" },
	{ "ntuple", "rx-ntuple-filter" },
	{ "rx", "rx-checksum" },
	{ "rxhash", "rx-hashing" },
	{ "rxvlan", "rx-vlan-hw-parse" },
	{ "sg", "tx-scatter-gather*" },
	{ "tso", "tx-tcp*-segmentation" },
	{ "tx", "tx-checksum-*" },
	{ "txvlan", "tx-vlan-hw-insert" },
	{ "ufo", "tx-udp-fragmentation" },
};

/* Long name -> short name. Keep sorted by long name. */
struct alias {
	const char *name;
	const char *canonical;
};

static const struct alias aliases[] = {
	{ "generic-receive-offload", "gro" },
	{ "generic-segmentation-offload", "gso" },
	{ "large-receive-offload", "lro" },
	{ "ntuple-filters", "ntuple" },
	{ "receive-hashing", "rxhash" },
	{ "rx-checksumming", "rx" },
	{ "rx-vlan-offload", "rxvlan" },
	{ "scatter-gather", "sg" },
	{ "tcp-segmentation-offload", "tso" },
	{ "tx-checksumming", "tx" },
	{ "tx-vlan-offload", "txvlan" },
	{ "udp-fragmentation-offload", "ufo" },
};

/* Every name of the kernel's netdev_features_strings (net/ethtool/common.c), current ones
 * (6.18: tx-tcp-accecn-segmentation) and those older kernels still have (tx-lockless,
 * netns-local, fcoe-mtu, tx-udp-fragmentation). Keep sorted (strcmp order). */
static const char *const kernel_features[] = {
	"esp-hw-offload",
	"esp-tx-csum-hw-offload",
	"fcoe-mtu",
	"highdma",
	"hsr-dup-offload",
	"hsr-fwd-offload",
	"hsr-tag-ins-offload",
	"hsr-tag-rm-offload",
	"hw-tc-offload",
	"l2-fwd-offload",
	"loopback",
	"macsec-hw-offload",
	"netns-local",
	"rx-all",
	"rx-checksum",
	"rx-fcs",
	"rx-gro",
	"rx-gro-hw",
	"rx-gro-list",
	"rx-hashing",
	"rx-lro",
	"rx-ntuple-filter",
	"rx-udp-gro-forwarding",
	"rx-udp_tunnel-port-offload",
	"rx-vlan-filter",
	"rx-vlan-hw-parse",
	"rx-vlan-stag-filter",
	"rx-vlan-stag-hw-parse",
	"tls-hw-record",
	"tls-hw-rx-offload",
	"tls-hw-tx-offload",
	"tx-checksum-fcoe-crc",
	"tx-checksum-ip-generic",
	"tx-checksum-ipv4",
	"tx-checksum-ipv6",
	"tx-checksum-sctp",
	"tx-esp-segmentation",
	"tx-fcoe-segmentation",
	"tx-generic-segmentation",
	"tx-gre-csum-segmentation",
	"tx-gre-segmentation",
	"tx-gso-list",
	"tx-gso-partial",
	"tx-gso-robust",
	"tx-ipxip4-segmentation",
	"tx-ipxip6-segmentation",
	"tx-lockless",
	"tx-nocache-copy",
	"tx-scatter-gather",
	"tx-scatter-gather-fraglist",
	"tx-sctp-segmentation",
	"tx-tcp-accecn-segmentation",
	"tx-tcp-ecn-segmentation",
	"tx-tcp-mangleid-segmentation",
	"tx-tcp-segmentation",
	"tx-tcp6-segmentation",
	"tx-tunnel-remcsum-segmentation",
	"tx-udp-fragmentation",
	"tx-udp-segmentation",
	"tx-udp_tnl-csum-segmentation",
	"tx-udp_tnl-segmentation",
	"tx-vlan-hw-insert",
	"tx-vlan-stag-hw-insert",
	"vlan-challenged",
};

/* struct ethtool_coalesce fields by `ethtool -C` name. Keep sorted. */
static const struct ng_param coalesce_params[] = {
	{ "adaptive-rx", offsetof(struct ethtool_coalesce, use_adaptive_rx_coalesce), true },
	{ "adaptive-tx", offsetof(struct ethtool_coalesce, use_adaptive_tx_coalesce), true },
	{ "pkt-rate-high", offsetof(struct ethtool_coalesce, pkt_rate_high), false },
	{ "pkt-rate-low", offsetof(struct ethtool_coalesce, pkt_rate_low), false },
	{ "rx-frames", offsetof(struct ethtool_coalesce, rx_max_coalesced_frames), false },
	{ "rx-frames-high", offsetof(struct ethtool_coalesce, rx_max_coalesced_frames_high), false },
	{ "rx-frames-irq", offsetof(struct ethtool_coalesce, rx_max_coalesced_frames_irq), false },
	{ "rx-frames-low", offsetof(struct ethtool_coalesce, rx_max_coalesced_frames_low), false },
	{ "rx-usecs", offsetof(struct ethtool_coalesce, rx_coalesce_usecs), false },
	{ "rx-usecs-high", offsetof(struct ethtool_coalesce, rx_coalesce_usecs_high), false },
	{ "rx-usecs-irq", offsetof(struct ethtool_coalesce, rx_coalesce_usecs_irq), false },
	{ "rx-usecs-low", offsetof(struct ethtool_coalesce, rx_coalesce_usecs_low), false },
	{ "sample-interval", offsetof(struct ethtool_coalesce, rate_sample_interval), false },
	{ "stats-block-usecs", offsetof(struct ethtool_coalesce, stats_block_coalesce_usecs), false },
	{ "tx-frames", offsetof(struct ethtool_coalesce, tx_max_coalesced_frames), false },
	{ "tx-frames-high", offsetof(struct ethtool_coalesce, tx_max_coalesced_frames_high), false },
	{ "tx-frames-irq", offsetof(struct ethtool_coalesce, tx_max_coalesced_frames_irq), false },
	{ "tx-frames-low", offsetof(struct ethtool_coalesce, tx_max_coalesced_frames_low), false },
	{ "tx-usecs", offsetof(struct ethtool_coalesce, tx_coalesce_usecs), false },
	{ "tx-usecs-high", offsetof(struct ethtool_coalesce, tx_coalesce_usecs_high), false },
	{ "tx-usecs-irq", offsetof(struct ethtool_coalesce, tx_coalesce_usecs_irq), false },
	{ "tx-usecs-low", offsetof(struct ethtool_coalesce, tx_coalesce_usecs_low), false },
};

/* struct ethtool_ringparam fields by `ethtool -G` name. Keep sorted. */
static const struct ng_param ring_params[] = {
	{ "rx", offsetof(struct ethtool_ringparam, rx_pending), false },
	{ "rx-jumbo", offsetof(struct ethtool_ringparam, rx_jumbo_pending), false },
	{ "rx-mini", offsetof(struct ethtool_ringparam, rx_mini_pending), false },
	{ "tx", offsetof(struct ethtool_ringparam, tx_pending), false },
};

/* struct ethtool_pauseparam fields by `ethtool -A` name. Keep sorted. */
static const struct ng_param pause_params[] = {
	{ "autoneg", offsetof(struct ethtool_pauseparam, autoneg), true },
	{ "rx", offsetof(struct ethtool_pauseparam, rx_pause), true },
	{ "tx", offsetof(struct ethtool_pauseparam, tx_pause), true },
};

/* struct ethtool_eee fields by `ethtool --set-eee` name (advertise, a link mode mask, is left
 * to an ethtool = line). Keep sorted. */
static const struct ng_param eee_params[] = {
	{ "eee", offsetof(struct ethtool_eee, eee_enabled), true },
	{ "tx-lpi", offsetof(struct ethtool_eee, tx_lpi_enabled), true },
	{ "tx-timer", offsetof(struct ethtool_eee, tx_lpi_timer), false },
};

/* struct ethtool_channels counts by `ethtool -L` name. Keep sorted. */
static const struct ng_param channel_params[] = {
	{ "combined", offsetof(struct ethtool_channels, combined_count), false },
	{ "other", offsetof(struct ethtool_channels, other_count), false },
	{ "rx", offsetof(struct ethtool_channels, rx_count), false },
	{ "tx", offsetof(struct ethtool_channels, tx_count), false },
};

/* The parameter table of each key group that has one. */
static const struct param_table {
	const struct ng_param *v;
	size_t n;
} param_tables[NG_GROUP_MAX] = {
#define TABLE(t) { t, NG_ARRAY_SIZE(t) }
	[NG_COALESCE] = TABLE(coalesce_params),
	[NG_RING] = TABLE(ring_params),
	[NG_PAUSE] = TABLE(pause_params),
	[NG_EEE] = TABLE(eee_params),
	[NG_CHANNELS] = TABLE(channel_params),
#undef TABLE
};

static const struct param_table *param_table(enum ng_group g)
{
	return (unsigned)g < NG_GROUP_MAX && param_tables[g].n ? &param_tables[g] : NULL;
}

/* The name tables (kernel features, parameters) start each entry with its name. */
static int cmp_name(const void *key, const void *entry)
{
	return strcmp(key, *(const char *const *)entry);
}

static const void *find(const char *name, const void *base, size_t n, size_t size)
{
	return bsearch(name, base, n, size, cmp_name);
}

static int cmp_group(const void *key, const void *entry)
{
	const struct group *g = entry;

	return strcmp(key, g->name);
}

static int cmp_alias(const void *key, const void *entry)
{
	const struct alias *a = entry;

	return strcmp(key, a->name);
}

static const struct group *find_group(const char *name)
{
	return bsearch(name, groups, NG_ARRAY_SIZE(groups), sizeof(groups[0]), cmp_group);
}

bool ng_feature_is_group(const char *canonical)
{
	return find_group(canonical) != NULL;
}

bool ng_feature_is_kernel(const char *name)
{
	return find(name, kernel_features, NG_ARRAY_SIZE(kernel_features),
		    sizeof(kernel_features[0])) != NULL;
}

bool ng_feature_covers(const char *item_name, const char *kernel_feature)
{
	const struct group *g = find_group(item_name);

	if (g)
		return fnmatch(g->glob, kernel_feature, 0) == 0;
	return strcmp(item_name, kernel_feature) == 0;
}

int ng_feature_canonical(const char *written, char *out, size_t len)
{
	const struct alias *a;
	const char *c = NULL;

	if (find_group(written) || ng_feature_is_kernel(written))
		c = written;
	else if ((a = bsearch(written, aliases, NG_ARRAY_SIZE(aliases), sizeof(aliases[0]),
			      cmp_alias)))
		c = a->canonical;
	if (!c)
		return -ENOENT;
	if (strlen(c) >= len)
		return -ENAMETOOLONG;
	memcpy(out, c, strlen(c) + 1);
	return 0;
}

const struct ng_param *ng_param_find(enum ng_group g, const char *name)
{
	const struct param_table *t = param_table(g);

	return t ? find(name, t->v, t->n, sizeof(t->v[0])) : NULL;
}

const char *ng_param_names(enum ng_group g, char *buf, size_t len)
{
	const struct param_table *t = param_table(g);
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; t && i < t->n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i == 0 ? "" :
				      i + 1 == t->n ? " or " : ", ", t->v[i].name);
	return buf;
}

/* The name of entry i of a table of structs of size bytes whose first member is the name.
 * memcpy rather than a cast through char **: clang 14's analyzer crashes on the cast. */
static const char *name_at(const void *base, size_t i, size_t size)
{
	const char *name;

	memcpy(&name, (const char *)base + i * size, sizeof(name));
	return name;
}

/* Edit distance, capped: words longer than 63 bytes get no suggestion. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 64 || lb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Best candidate within distance 2 among n entries of size bytes, each starting with its
 * name; *best_d carries the best distance across calls so several tables can compete. */
static const char *suggest_in(const char *word, const void *base, size_t n, size_t size,
			      const char *best, size_t *best_d)
{
	for (size_t i = 0; i < n; i++) {
		const char *c = name_at(base, i, size);
		size_t d = distance(word, c);

		if (d <= 2 && d < *best_d) {
			best = c;
			*best_d = d;
		}
	}
	return best;
}

const char *ng_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t d = (size_t)-1;

	return suggest_in(word, cands, n, sizeof(cands[0]), NULL, &d);
}

const char *ng_feature_suggest(const char *word)
{
	const char *best = NULL;
	size_t d = (size_t)-1;

	best = suggest_in(word, groups, NG_ARRAY_SIZE(groups), sizeof(groups[0]), best, &d);
	best = suggest_in(word, aliases, NG_ARRAY_SIZE(aliases), sizeof(aliases[0]), best, &d);
	return suggest_in(word, kernel_features, NG_ARRAY_SIZE(kernel_features),
			  sizeof(kernel_features[0]), best, &d);
}

const char *ng_param_suggest(enum ng_group g, const char *word)
{
	const struct param_table *t = param_table(g);
	size_t d = (size_t)-1;

	return t ? suggest_in(word, t->v, t->n, sizeof(t->v[0]), NULL, &d) : NULL;
}

bool ng_table_sorted(const void *base, size_t n, size_t size)
{
	for (size_t i = 1; i < n; i++) {
		if (strcmp(name_at(base, i - 1, size), name_at(base, i, size)) >= 0)
			return false;
	}
	return true;
}

bool ng_features_tables_sorted(void)
{
#define SORTED(t) ng_table_sorted(t, NG_ARRAY_SIZE(t), sizeof((t)[0]))
	for (size_t g = 0; g < NG_GROUP_MAX; g++)
		if (param_tables[g].n && !ng_table_sorted(param_tables[g].v, param_tables[g].n,
							  sizeof(param_tables[g].v[0])))
			return false;
	return SORTED(groups) && SORTED(aliases) && SORTED(kernel_features);
#undef SORTED
}

/* ------------------------------------------------- a device's feature table */

bool ng_features_bit(const uint32_t *blocks, size_t i)
{
	return blocks[i / 32] & (UINT32_C(1) << (i % 32));
}

void ng_features_set_bit(uint32_t *blocks, size_t i, bool on)
{
	if (on)
		blocks[i / 32] |= UINT32_C(1) << (i % 32);
	else
		blocks[i / 32] &= ~(UINT32_C(1) << (i % 32));
}

void ng_features_free(struct ng_features *f)
{
	free(f->names);
	free(f->available);
	free(f->requested);
	free(f->active);
	free(f->never_changed);
	memset(f, 0, sizeof(*f));
}
