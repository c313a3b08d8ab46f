/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pve.c: Proxmox VE guests of this node, their locks, unlocking, guest devices
 * (is a backup alive: pvetask.c). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* ------------------------------------------------------------ guest configs */

int ng_guest_conf_value(const char *buf, size_t len, const char *key, char *val, size_t vlen)
{
	const char *p = buf, *end = buf + len;
	size_t kl = strlen(key);

	val[0] = '\0';
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;

		if (!eol)
			eol = end;
		/* PVE's parser: "[name]", "[PENDING]", "[special:...]" end the main section. */
		if (*p == '[')
			break;
		/* Keys start in column 0 (`^([a-z][a-z_]*\d*):`); a later line overrides. */
		if ((size_t)(eol - p) > kl && memcmp(p, key, kl) == 0 && p[kl] == ':') {
			const char *v = p + kl + 1, *e = eol;
			size_t n;

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			n = (size_t)(e - v);
			/* PVE's regex needs a value (`:\s*(.+?)\s*$`): "key:" alone is ignored. */
			if (n >= vlen)
				return -EINVAL;
			if (e != v) {
				memcpy(val, v, n);
				val[n] = '\0';
			}
		}
		p = next;
	}
	return 0;
}

int ng_guest_conf_drop(const char *buf, size_t len, const char *key, char **out, size_t *outlen)
{
	const char *p = buf, *end = buf + len;
	size_t kl = strlen(key), o = 0;
	bool main_section = true;
	char *t = malloc(len + 1);

	if (!t)
		return -ENOMEM;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;

		if (*p == '[')
			main_section = false;
		/* The lines ng_guest_conf_value reads: every one of them, as PVE's writer drops
		 * the key from its hash and writes the rest. */
		if (!(main_section && (size_t)(next - p) > kl && memcmp(p, key, kl) == 0 &&
		      p[kl] == ':')) {
			memcpy(t + o, p, (size_t)(next - p));
			o += (size_t)(next - p);
		}
		p = next;
	}
	t[o] = '\0';
	*out = t;
	*outlen = o;
	return 0;
}

/* "VMID.conf" with a plain decimal VMID, as PVE names guest configs. */
static bool conf_name(const char *name, unsigned *vmid)
{
	unsigned long v = 0;
	const char *p = name;

	if (*p < '1' || *p > '9')
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 999999999UL)
			return false;
	}
	if (strcmp(p, ".conf") != 0)
		return false;
	*vmid = (unsigned)v;
	return true;
}

struct sweep {
	struct ng_guest *v;
	size_t n, cap;
	char *buf;		/* one read buffer for every config */
	size_t bufcap;
};

static int read_at(struct sweep *s, int dfd, const char *name, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int r = 0;

	*len = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (*len == s->bufcap) {
			size_t cap = s->bufcap * 2;
			char *nb;

			if (cap > (16u << 20)) {
				r = -EFBIG;
				break;
			}
			nb = realloc(s->buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			s->buf = nb;
			s->bufcap = cap;
		}
		got = read(fd, s->buf + *len, s->bufcap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		*len += (size_t)got;
		/* A regular file reads short only at its end: spare the read that says so. */
		if (got == 0 || *len < s->bufcap)
			break;
	}
	close(fd);
	return r;
}

/* One directory of guest configs: root/etc/pve/nodes/NODE/SUB (qemu-server or lxc). */
static int sweep_dir(const struct ng_ctx *ctx, struct sweep *s, const char *node, const char *sub,
		     enum ng_guest_type type, struct ng_err *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (ng_path(ctx, path, sizeof(path), "/etc/pve/nodes/%s/%s", node, sub) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return ng_err_set(err, -errno, path, 0, "cannot list: %s", strerror(errno));
	}
	while ((de = readdir(d))) {
		struct ng_guest *g;
		unsigned vmid;
		size_t len;

		if (!conf_name(de->d_name, &vmid))
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct ng_guest *nv = realloc(s->v, cap * sizeof(*nv));

			if (!nv) {
				r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
				break;
			}
			s->v = nv;
			s->cap = cap;
		}
		g = &s->v[s->n++];
		memset(g, 0, sizeof(*g));
		g->vmid = vmid;
		g->type = type;
		snprintf(g->node, sizeof(g->node), "%s", node);
		g->error = read_at(s, dirfd(d), de->d_name, &len);
		if (g->error == -ENOMEM) {
			r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
			break;
		}
		if (g->error == 0 &&
		    ng_guest_conf_value(s->buf, len, "lock", g->lock, sizeof(g->lock)) < 0)
			g->error = -EINVAL;
		/* Too long to be ours: still someone's hookscript, to be left alone. */
		if (g->error == 0 && ng_guest_conf_value(s->buf, len, "hookscript", g->hookscript,
							 sizeof(g->hookscript)) < 0)
			snprintf(g->hookscript, sizeof(g->hookscript), "(too long to show)");
	}
	closedir(d);
	return r;
}

static int sweep_node(const struct ng_ctx *ctx, struct sweep *s, const char *node,
		      struct ng_err *err)
{
	int r = sweep_dir(ctx, s, node, "qemu-server", NG_GUEST_QEMU, err);

	return r < 0 ? r : sweep_dir(ctx, s, node, "lxc", NG_GUEST_LXC, err);
}

static int guest_cmp(const void *a, const void *b)
{
	const struct ng_guest *x = a, *y = b;
	int c = strcmp(x->node, y->node);

	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->vmid < y->vmid ? -1 : x->vmid > y->vmid;
}

/* A node directory name as pmxcfs has them (the node name, no domain). */
static bool node_name(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len < NG_NODE_MAX && n[0] != '.' && !strchr(n, '/');
}

int ng_pve_node_name(const struct ng_ctx *ctx, char *node, size_t len)
{
	char path[PATH_MAX];
	int r;

	node[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/etc/pve/local") < 0)
		return -ENAMETOOLONG;
	/* pmxcfs's own link: local -> nodes/NODE. */
	r = ng_link_base(path, node, len);
	if (r < 0)
		return r;
	if ((size_t)r >= len || !node_name(node)) {
		node[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

static int sweep_finish(struct sweep *s, int r, struct ng_guest **out, size_t *n)
{
	free(s->buf);
	if (r < 0) {
		free(s->v);
		return r;
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), guest_cmp);
	*out = s->v;
	*n = s->n;
	return 0;
}

int ng_pve_guests(const struct ng_ctx *ctx, struct ng_guest **out, size_t *n,
		  struct ng_err *err)
{
	struct sweep s = { .bufcap = 16384 };
	char node[NG_NODE_MAX];
	int r;

	*out = NULL;
	*n = 0;
	r = ng_pve_node_name(ctx, node, sizeof(node));
	if (r == -ENOENT)
		return 0;	/* no /etc/pve/local: not a Proxmox node, or pmxcfs is not up */
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "cannot tell this node's name from "
				  "/etc/pve/local: %s", strerror(-r));
	s.buf = malloc(s.bufcap);
	if (!s.buf)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	return sweep_finish(&s, sweep_node(ctx, &s, node, err), out, n);
}

int ng_pve_node_dirs(const struct ng_ctx *ctx, char ***names, size_t *n, struct ng_err *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	*names = NULL;
	*n = 0;
	if (ng_path(ctx, path, sizeof(path), "/etc/pve/nodes") < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 :
			ng_err_set(err, -errno, path, 0, "cannot list: %s", strerror(errno));
	while (r == 0 && (de = readdir(d)))
		if (node_name(de->d_name))
			r = ng_strv_push(names, n, de->d_name);
	closedir(d);
	if (r < 0) {
		ng_strv_free(*names, *n);
		*names = NULL;
		*n = 0;
		return ng_err_set(err, r, NULL, 0, "out of memory");
	}
	return 0;
}

int ng_pve_guests_all(const struct ng_ctx *ctx, struct ng_guest **out, size_t *n,
		      struct ng_err *err)
{
	struct sweep s = { .bufcap = 16384 };
	char **nodes;
	size_t nnodes;
	int r;

	*out = NULL;
	*n = 0;
	r = ng_pve_node_dirs(ctx, &nodes, &nnodes, err);
	if (r < 0)
		return r;
	s.buf = malloc(s.bufcap);
	if (!s.buf)
		r = ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; r == 0 && i < nnodes; i++)
		r = sweep_node(ctx, &s, nodes[i], err);
	ng_strv_free(nodes, nnodes);
	return sweep_finish(&s, r, out, n);
}

/* -------------------------------------------------------------- unlocking */

/* Run `qm|pct ARGS...` for guest g; a non-zero exit is -EIO with its first output line. */
static int run_tool(const struct ng_ctx *ctx, const struct ng_guest *g, const char *a1,
		    const char *a2, const char *a3, struct ng_err *err)
{
	/* qm and pct are Perl programs: give them a PATH of their own, nothing else. */
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
					    NULL };
	const char *tool = g->type == NG_GUEST_QEMU ? "qm" : "pct";
	const char *prog = ng_ctx_program(ctx, tool);
	char vmid[16], out[512];
	const char *argv[] = { prog, a1, vmid, a2, a3, NULL };
	int status, r;

	snprintf(vmid, sizeof(vmid), "%u", g->vmid);
	r = ng_exec(prog, argv, envp, 30000, out, sizeof(out), &status, err);
	if (r < 0)
		return r;
	if (status != 0) {
		char *nl;

		/* Its messages on one line ("400 Parameter verification failed." comes first). */
		while ((nl = strchr(out, '\n')))
			*nl = nl[1] ? ' ' : '\0';
		return ng_err_set(err, -EIO, NULL, 0, "%s %s %u exited with %d%s%s", tool, a1,
				  g->vmid, status, out[0] ? ": " : "", out);
	}
	return 0;
}

int ng_pve_set_hookscript(const struct ng_ctx *ctx, const struct ng_guest *g, const char *volid,
			  struct ng_err *err)
{
	if (!volid)
		return run_tool(ctx, g, "set", "--delete", "hookscript", err);
	return run_tool(ctx, g, "set", "--hookscript", volid, err);
}

/* ------------------------------------------------------------ guest devices */

/* prefix, VMID, sep, N: the whole name, digits without leading zeros. */
static bool dev_name(const char *name, const char *prefix, unsigned vmid, char sep)
{
	char want[32];
	size_t n = (size_t)snprintf(want, sizeof(want), "%s%u%c", prefix, vmid, sep);
	const char *p = name + n;

	if (strncmp(name, want, n) != 0 || !isdigit((unsigned char)*p) || (*p == '0' && p[1]))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

bool ng_pve_guest_dev(const char *ifname, unsigned vmid)
{
	/* pve-common PVE/Network.pm compute_fwbr_names: fwln<VMID>i<N> is the firewall link
	 * on a Linux bridge, fwln<VMID>o<N> the internal port on an Open vSwitch bridge. */
	return dev_name(ifname, "tap", vmid, 'i') || dev_name(ifname, "veth", vmid, 'i') ||
	       dev_name(ifname, "fwpr", vmid, 'p') || dev_name(ifname, "fwln", vmid, 'i') ||
	       dev_name(ifname, "fwln", vmid, 'o');
}

/* prefix, digits, one of seps, digits: the whole name. */
static bool any_dev(const char *name, const char *prefix, const char *seps)
{
	size_t n = strlen(prefix);
	const char *p = name + n;

	if (strncmp(name, prefix, n) != 0 || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (!*p || !strchr(seps, *p))
		return false;
	p++;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

bool ng_pve_guest_port(const char *ifname)
{
	return any_dev(ifname, "tap", "i") || any_dev(ifname, "veth", "i") ||
	       any_dev(ifname, "fwpr", "p") || any_dev(ifname, "fwln", "io");
}
