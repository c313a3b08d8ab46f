/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egress.c: the ports a backup's traffic leaves by: the storage's servers (storage.cfg, or the
 * source of the mount a dir storage sits on), resolved, routed (rtnetlink), and followed down
 * through VLAN, bridge and bond to the ports underneath. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "nicguard.h"
#include "internal.h"

#define MOUNTINFO_MAX (4u << 20)
#define DEPTH_MAX 8		/* VLAN on a bridge on a bond: 3; stacks deeper are not real */

/* ------------------------------------------------------------------ servers */

/* The host of one server item: "host", "host:port", "[v6]:port", "v2:ip:port/nonce" (Ceph),
 * or a bare IPv6 address. */
static void host_part(const char *item, size_t n, char *out, size_t len)
{
	const char *p = item, *e = item + n, *c;

	out[0] = '\0';
	if (n > 3 && (memcmp(p, "v1:", 3) == 0 || memcmp(p, "v2:", 3) == 0))
		p += 3;
	if ((c = memchr(p, '/', (size_t)(e - p))))
		e = c;
	if (p < e && *p == '[') {
		c = memchr(p, ']', (size_t)(e - p));
		if (!c)
			return;
		p++;
		e = c;
	} else if ((c = memchr(p, ':', (size_t)(e - p))) && !memchr(c + 1, ':', (size_t)(e - c - 1))) {
		e = c;	/* one colon: host:port; more: a bare IPv6 address */
	}
	if (e > p && (size_t)(e - p) < len) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
}

static int add_host(char ***v, size_t *n, const char *item, size_t len)
{
	char host[256];

	host_part(item, len, host, sizeof(host));
	if (!host[0])
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], host) == 0)
			return 0;
	return ng_strv_push(v, n, host);
}

/* A list of server items (Ceph's monhost, mon_host: separated by blanks, ',' or ';'; a
 * "[v2:a:3300,v1:a:6789]" group is one item). */
static int add_list(char ***v, size_t *n, const char *list)
{
	int r = 0;

	while (list && *list && r == 0) {
		size_t k;

		list += strspn(list, " \t,;");
		if (*list == '[' && (list[1] == 'v' || !strchr(list, ']'))) {
			/* A Ceph address vector: its first address stands for it. */
			k = strcspn(list + 1, ",]");
			r = add_host(v, n, list + 1, k);
			k = strcspn(list, "]");
			list += list[k] ? k + 1 : k;
			continue;
		}
		k = strcspn(list, " \t,;");
		if (k)
			r = add_host(v, n, list, k);
		list += k;
	}
	return r;
}

/* The mount that holds path, from /proc/self/mountinfo text: "ID PARENT MAJ:MIN ROOT MOUNT
 * OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" (proc(5)); the longest mount point that is a
 * prefix of path wins. Mount points escape blanks as \040. */
static bool mount_of(const char *mountinfo, const char *path, char *fstype, size_t flen,
		     char *source, size_t slen)
{
	char *copy = strdup(mountinfo ? mountinfo : ""), *line, *save = NULL;
	size_t best = 0;
	bool found = false;

	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char mnt[4096], fs[64], src[1024], *dash = strstr(line, " - "), *w;
		size_t ml = 0;

		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %1023s", fs, src) != 2)
			continue;
		/* Undo the octal escapes of blanks in the mount point. */
		for (w = mnt; *w; w++) {
			if (w[0] == '\\' && isdigit((unsigned char)w[1]) &&
			    isdigit((unsigned char)w[2]) && isdigit((unsigned char)w[3])) {
				*w = (char)((w[1] - '0') * 64 + (w[2] - '0') * 8 + (w[3] - '0'));
				memmove(w + 1, w + 4, strlen(w + 4) + 1);
			}
		}
		ml = strlen(mnt);
		if (strcmp(mnt, "/") == 0)
			ml = 0;
		if (strncmp(path, mnt, ml) != 0 || (path[ml] && path[ml] != '/') ||
		    (found && ml < best))
			continue;
		best = ml;
		found = true;
		snprintf(fstype, flen, "%s", fs);
		snprintf(source, slen, "%s", src);
	}
	free(copy);
	return found;
}

/* The server of a network mount's source: "host:/export" (nfs, nfs4, glusterfs, sshfs
 * user@host:/p), "//host/share" (cifs, smb3), "mon1,mon2:/path" (ceph). */
static int mount_hosts(const char *fstype, const char *src, char ***v, size_t *n)
{
	static const char *const colon_types[] = { "nfs", "nfs4", "glusterfs", "fuse.glusterfs",
						   "fuse.sshfs" };
	const char *at, *c;

	if (strcmp(fstype, "cifs") == 0 || strcmp(fstype, "smb3") == 0)
		return src[0] == '/' && src[1] == '/' ? add_host(v, n, src + 2, strcspn(src + 2, "/"))
						      : 0;
	if (strcmp(fstype, "ceph") == 0) {
		char *mons = strdup(src);
		int r;

		if (!mons)
			return -ENOMEM;
		/* "mon1:6789,mon2:/path": the list ends at the last ":/". */
		c = strstr(mons, ":/");
		if (c)
			mons[c - mons] = '\0';
		r = strchr(mons, '@') ? 0 : add_list(v, n, mons);	/* new syntax: no hosts */
		free(mons);
		return r;
	}
	for (size_t i = 0; i < NG_ARRAY_SIZE(colon_types); i++) {
		if (strcmp(fstype, colon_types[i]) != 0)
			continue;
		at = strchr(src, '@');
		src = at ? at + 1 : src;
		/* "[v6]:/export" or "host:/export". */
		c = src[0] == '[' ? strstr(src, "]:") : strstr(src, ":/");
		if (!c)
			return 0;
		return add_host(v, n, src, (size_t)(c - src) + (src[0] == '[' ? 1 : 0));
	}
	return 0;
}

int ng_storage_hosts(const struct ng_storage *s, const char *mountinfo, const char *ceph_conf,
		     char ***out, size_t *n)
{
	static const char *const server_types[] = { "cifs", "esxi", "glusterfs", "nfs", "pbs" };
	static const char *const portal_types[] = { "iscsi", "iscsidirect", "zfs" };
	const char *path = ng_storage_get(s, "path");
	char fstype[64], src[1024];
	int r = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < NG_ARRAY_SIZE(server_types); i++)
		if (strcmp(s->type, server_types[i]) == 0) {
			r = add_list(out, n, ng_storage_get(s, "server"));
			if (r == 0)
				r = add_list(out, n, ng_storage_get(s, "server2"));
			return r;
		}
	for (size_t i = 0; i < NG_ARRAY_SIZE(portal_types); i++)
		if (strcmp(s->type, portal_types[i]) == 0)
			return add_list(out, n, ng_storage_get(s, "portal"));
	if (strcmp(s->type, "rbd") == 0 || strcmp(s->type, "cephfs") == 0) {
		const char *mon = ng_storage_get(s, "monhost");

		/* Without monhost, the cluster's own Ceph: /etc/pve/ceph.conf's mon_host. */
		return add_list(out, n, mon ? mon : ceph_conf);
	}
	/* A directory storage (dir, btrfs, ...) on a network mount: that mount's server. */
	if (path && mountinfo && mount_of(mountinfo, path, fstype, sizeof(fstype), src,
					  sizeof(src)))
		r = mount_hosts(fstype, src, out, n);
	return r;
}

/* mon_host (or "mon host") of a ceph.conf: the value of its last such line, or NULL. */
static char *ceph_mon_host(const char *buf)
{
	const char *p = buf, *val = NULL;
	size_t vlen = 0;

	while (p && *p) {
		const char *eol = strchr(p, '\n'), *k = p + strspn(p, " \t"), *v;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if ((strncmp(k, "mon_host", 8) == 0 || strncmp(k, "mon host", 8) == 0) &&
		    (v = memchr(k, '=', n - (size_t)(k - p)))) {
			val = v + 1;
			vlen = n - (size_t)(val - p);
		}
		p = eol ? eol + 1 : NULL;
	}
	return val ? strndup(val, vlen) : NULL;
}

/* --------------------------------------------------------------- addresses */

struct addrs {
	struct sockaddr_storage *v;
	size_t n;
};

static int addr_add(struct addrs *a, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage *nv = realloc(a->v, (a->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	a->v = nv;
	memset(&nv[a->n], 0, sizeof(nv[0]));
	memcpy(&nv[a->n], sa, len);
	a->n++;
	return 0;
}

/* A host name through the resolver the system is set up with (NSS: /etc/hosts, DNS), in
 * this process and bounded: getaddrinfo_a and gai_suspend until the deadline. A request
 * still running then cannot always be cancelled (EAI_NOTCANCELED): its buffers are left to
 * it, a few hundred bytes once per hung job, rather than freed under its feet. */
static int resolve_name(const char *host, long long deadline, struct addrs *a,
			struct ng_err *err)
{
	struct gaicb *req = calloc(1, sizeof(*req));
	struct addrinfo *hints = calloc(1, sizeof(*hints));
	char *name = strdup(host);
	const struct gaicb *list[1];
	int r;

	if (!req || !hints || !name) {
		free(req);
		free(hints);
		free(name);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	hints->ai_socktype = SOCK_STREAM;
	req->ar_name = name;
	req->ar_request = hints;
	list[0] = req;
	r = getaddrinfo_a(GAI_NOWAIT, (struct gaicb **)list, 1, NULL);
	while (r == 0 && gai_error(req) == EAI_INPROGRESS) {
		long long left = deadline - (long long)ng_now_ms();
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };

		if (left <= 0 || (gai_suspend(list, 1, &ts) == EAI_AGAIN &&
				  (long long)ng_now_ms() >= deadline)) {
			if (gai_cancel(req) == EAI_NOTCANCELED)
				return ng_err_set(err, -ETIMEDOUT, NULL, 0, "%s: no answer in time",
						  host);
			r = EAI_CANCELED;
			break;
		}
	}
	if (r == 0)
		r = gai_error(req);
	if (r == 0) {
		for (struct addrinfo *ai = req->ar_result; ai && r == 0; ai = ai->ai_next)
			if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
				r = addr_add(a, ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(req->ar_result);
		if (r < 0)
			ng_err_set(err, r, NULL, 0, "out of memory");
	} else {
		r = ng_err_set(err, r == EAI_CANCELED ? -ETIMEDOUT : -ENOENT, NULL, 0,
			       "%s: %s", host, r == EAI_CANCELED ? "no answer in time" :
			       gai_strerror(r));
	}
	free(name);
	free(hints);
	free(req);
	return r;
}

static int resolve(const char *host, long long deadline, struct addrs *a, struct ng_err *err)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	/* Numeric addresses need no resolver. */
	if (inet_pton(AF_INET, host, &in.sin_addr) == 1)
		return addr_add(a, (struct sockaddr *)&in, sizeof(in));
	if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1)
		return addr_add(a, (struct sockaddr *)&in6, sizeof(in6));
	return resolve_name(host, deadline, a, err);
}

/* ---------------------------------------------------------- down to the ports */

static int port_add(struct ng_egress *e, const char *name)
{
	for (size_t i = 0; i < e->nports; i++)
		if (strcmp(e->ports[i], name) == 0)
			return 0;
	return ng_strv_push(&e->ports, &e->nports, name);
}

/* The devices under name, as sysfs links them (lower_DEV: a VLAN's real device, a bridge's
 * or a bond's ports); the ones with none below are the ports. A bridge's guest ports
 * (tap, veth, firewall links) carry guests' traffic, not the host's. */
static int walk(const struct ng_ctx *ctx, const char *name, int depth, struct ng_egress *e)
{
	char path[PATH_MAX];
	struct ng_iface ifc;
	struct dirent *de;
	bool below = false;
	DIR *d;
	int r = 0;

	if (depth > DEPTH_MAX || ng_path(ctx, path, sizeof(path), "/sys/class/net/%s", name) < 0)
		return 0;
	if (ng_iface_read(ctx, name, &ifc, NULL) < 0 || ifc.kind == NG_KIND_LOOPBACK)
		return 0;
	d = opendir(path);
	while (d && r == 0 && (de = readdir(d))) {
		const char *low = de->d_name + 6;

		if (strncmp(de->d_name, "lower_", 6) != 0 || !ng_ifname_valid(low))
			continue;
		below = true;
		if (ifc.kind == NG_KIND_BRIDGE && ng_pve_guest_port(low))
			continue;
		r = walk(ctx, low, depth + 1, e);
	}
	if (d)
		closedir(d);
	if (r == 0 && !below)
		r = port_add(e, name);
	return r;
}

int ng_egress_ports_of(const struct ng_ctx *ctx, const char *ifname, struct ng_egress *e)
{
	return walk(ctx, ifname, 0, e);
}

void ng_egress_free(struct ng_egress *e)
{
	ng_strv_free(e->ports, e->nports);
	memset(e, 0, sizeof(*e));
}

static void why_add(struct ng_egress *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void why_add(struct ng_egress *e, const char *fmt, ...)
{
	size_t l = strlen(e->why);
	va_list ap;

	if (l >= sizeof(e->why) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(e->why + l, sizeof(e->why) - l, fmt, ap);
	va_end(ap);
}

/* One address of host: its route's device, then the ports under it. */
static int route_ports(const struct ng_ctx *ctx, int fd, const char *host,
		       const struct sockaddr_storage *sa, struct ng_egress *e)
{
	const void *raw = sa->ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	char text[INET6_ADDRSTRLEN] = "?";
	struct ng_nl_link l;
	struct ng_err err;
	size_t before = e->nports;
	unsigned rtype;
	int oif, r;

	inet_ntop(sa->ss_family, raw, text, sizeof(text));
	if (strcmp(text, host) != 0)
		why_add(e, " (%s)", text);
	r = ng_nl_route_get(fd, sa->ss_family, raw, &oif, &rtype, &err);
	if (r < 0) {
		why_add(e, ": %s", err.msg);
		return r == -ENOMEM ? r : 0;
	}
	if (rtype == RTN_LOCAL) {
		why_add(e, ": this host");
		return 0;
	}
	if (oif <= 0 || ng_nl_get_link(fd, oif, NULL, &l, &err) < 0) {
		why_add(e, ": no output device");
		return 0;
	}
	r = walk(ctx, l.name, 0, e);
	why_add(e, " via %s", l.name);
	if (r == 0 && e->nports > before && (e->nports - before > 1 || strcmp(e->ports[before],
									     l.name) != 0)) {
		why_add(e, " ->");
		for (size_t i = before; i < e->nports; i++)
			why_add(e, " %s", e->ports[i]);
	}
	return r;
}

static char *read_text(const struct ng_ctx *ctx, const char *rel, size_t max)
{
	char path[PATH_MAX], *buf = NULL;

	if (ng_path(ctx, path, sizeof(path), "%s", rel) < 0 ||
	    ng_read_file(path, false, max, &buf, NULL) < 0)
		return NULL;
	return buf;
}

int ng_egress_storage(const struct ng_ctx *ctx, const char *storeid, unsigned timeout_ms,
		      struct ng_egress *e, struct ng_err *err)
{
	long long deadline = (long long)ng_now_ms() + timeout_ms;
	const struct ng_storage *s;
	struct ng_storage_cfg sc;
	char **hosts = NULL, *mountinfo = NULL, *ceph = NULL, *mon = NULL;
	size_t nhosts = 0;
	int fd = -1, r;

	memset(e, 0, sizeof(*e));
	r = ng_storage_load(ctx, &sc, err);
	if (r < 0)
		return r;
	s = ng_storage_find(&sc, storeid);
	if (!s) {
		why_add(e, "storage %s: not in storage.cfg", storeid);
		goto out;
	}
	why_add(e, "storage %s (%s)", s->id, s->type);
	mountinfo = read_text(ctx, "/proc/self/mountinfo", MOUNTINFO_MAX);
	ceph = read_text(ctx, "/etc/pve/ceph.conf", 1u << 20);
	mon = ceph ? ceph_mon_host(ceph) : NULL;
	r = ng_storage_hosts(s, mountinfo, mon, &hosts, &nhosts);
	if (r < 0) {
		r = ng_err_set(err, r, NULL, 0, "out of memory");
		goto out;
	}
	if (nhosts == 0) {
		why_add(e, ": no network server");
		goto out;
	}
	fd = ng_nl_open(err);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	for (size_t i = 0; i < nhosts && r == 0; i++) {
		struct addrs a = { 0 };
		struct ng_err re;

		why_add(e, "%s%s", i ? "; " : ": ", hosts[i]);
		r = resolve(hosts[i], deadline, &a, &re);
		if (r == -ENOMEM) {
			ng_err_set(err, r, NULL, 0, "out of memory");
		} else if (r < 0) {
			why_add(e, ": %s", re.msg);
			r = 0;
		}
		for (size_t j = 0; j < a.n && r == 0; j++)
			r = route_ports(ctx, fd, hosts[i], &a.v[j], e);
		free(a.v);
	}
out:
	if (fd >= 0)
		close(fd);
	ng_strv_free(hosts, nhosts);
	free(mon);
	free(ceph);
	free(mountinfo);
	ng_storage_cfg_free(&sc);
	if (r < 0)
		ng_egress_free(e);
	return r;
}
