/* SPDX-License-Identifier: GPL-2.0-or-later */
/* floor.c: the least a program can do to turn tso, gso and gro off on every interface whose
 * name starts with PREFIX: per interface ETHTOOL_GSSET_INFO, GSTRINGS, GFEATURES, SFEATURES
 * and GFEATURES (the read-back), nothing else. bench/apply.sh times nicguard against it.
 * Not part of the package: a yardstick, with no error reporting beyond the exit status.
 *
 * Usage: floor PREFIX      exit 0 when every matching interface reads back off */
#include <errno.h>
#include <fnmatch.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int eth(int fd, const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

/* The features tso, gso and gro stand for, as ethtool(8) maps them. */
static int wanted(const char *name)
{
	return fnmatch("tx-tcp*-segmentation", name, 0) == 0 ||
	       strcmp(name, "tx-generic-segmentation") == 0 || strcmp(name, "rx-gro") == 0;
}

static int off(int fd, const char *ifname)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *gs;
	struct ethtool_gfeatures *gf;
	struct ethtool_sfeatures *sf;
	uint32_t n, nb;
	int bad = 0;

	if (eth(fd, ifname, &info) < 0)
		return -1;
	n = info.len;
	nb = (n + 31) / 32;
	gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	gf = calloc(1, sizeof(*gf) + nb * sizeof(gf->features[0]));
	sf = calloc(1, sizeof(*sf) + nb * sizeof(sf->features[0]));
	if (!gs || !gf || !sf)
		exit(2);
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = nb;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = nb;
	if (eth(fd, ifname, gs) < 0 || eth(fd, ifname, gf) < 0)
		bad = -1;
	for (uint32_t i = 0; !bad && i < n; i++) {
		uint32_t bit = UINT32_C(1) << (i % 32);

		if (wanted((const char *)gs->data + (size_t)i * ETH_GSTRING_LEN) &&
		    (gf->features[i / 32].available & bit))
			sf->features[i / 32].valid |= bit;
	}
	if (!bad && (eth(fd, ifname, sf) < 0 || eth(fd, ifname, gf) < 0))
		bad = -1;
	for (uint32_t b = 0; !bad && b < nb; b++)
		if (gf->features[b].active & sf->features[b].valid)
			bad = -1;
	free(gs);
	free(gf);
	free(sf);
	return bad;
}

int main(int argc, char *argv[])
{
	struct if_nameindex *ifs;
	int fd, bad = 0;

	if (argc != 2)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifs = if_nameindex();
	if (fd < 0 || !ifs)
		return 2;
	for (struct if_nameindex *i = ifs; i->if_index; i++)
		if (strncmp(i->if_name, argv[1], strlen(argv[1])) == 0 && off(fd, i->if_name) < 0)
			bad = 1;
	if_freenameindex(ifs);
	close(fd);
	return bad;
}
