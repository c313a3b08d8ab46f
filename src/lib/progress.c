/* SPDX-License-Identifier: GPL-2.0-or-later */
/* progress.c: an interface's transmit progress from sysfs (packets sent, the kernel
 * watchdog's transmit timeouts, bytes in flight), the evidence nicguard-watch judges by. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* One decimal number from a small sysfs file: 0 or a negative errno. */
static int read_num(const char *path, uint64_t *v)
{
	char buf[32], *end;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*v = strtoull(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

static int num_at(const char *base, const char *rel, uint64_t *v)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", base, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	return read_num(path, v);
}

/* Sum tx_timeout and BQL inflight over queues/tx-N. */
static void queues(const char *base, struct ng_txprogress *p)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((size_t)snprintf(path, sizeof(path), "%s/queues", base) >= sizeof(path))
		return;
	d = opendir(path);
	if (!d)
		return;
	p->bql = true;
	while ((de = readdir(d)) != NULL) {
		char rel[300];
		uint64_t v = 0;

		if (strncmp(de->d_name, "tx-", 3) != 0)
			continue;
		snprintf(rel, sizeof(rel), "queues/%s/tx_timeout", de->d_name);
		if (num_at(base, rel, &v) == 0)
			p->tx_timeouts += v;
		snprintf(rel, sizeof(rel), "queues/%s/byte_queue_limits/inflight", de->d_name);
		if (num_at(base, rel, &v) == 0)
			p->inflight += v;
		else
			p->bql = false;
	}
	closedir(d);
}

int ng_txprogress_read(const struct ng_ctx *ctx, const char *ifname, struct ng_txprogress *p)
{
	char base[PATH_MAX];
	uint64_t v = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if (!ng_ifname_valid(ifname))
		return -EINVAL;
	if (ng_path(ctx, base, sizeof(base), "/sys/class/net/%s", ifname) < 0)
		return -ENAMETOOLONG;
	r = num_at(base, "ifindex", &v);
	if (r < 0)
		return r;
	p->ifindex = (int)v;
	r = num_at(base, "statistics/tx_packets", &p->tx_packets);
	if (r < 0)
		return r;
	/* carrier cannot be read while the interface is down (EINVAL): no carrier then. */
	p->carrier = num_at(base, "carrier", &v) == 0 && v == 1;
	queues(base, p);
	p->ok = true;
	return 0;
}
