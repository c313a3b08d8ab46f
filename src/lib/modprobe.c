/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modprobe.c: e1000e InterruptThrottleRate per port, rendered for modprobe.d; initramfs facts. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nicguard.h"
#include "internal.h"

#define ITR_KEY "interrupt-throttle-rate"
#define ITR_DEFAULT 3

static int cmp_addr(const void *a, const void *b)
{
	return strcmp(a, b);
}

int ng_e1000e_ports(const struct ng_ctx *ctx, char (**out)[16], size_t *n)
{
	char path[PATH_MAX], (*v)[16] = NULL;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (ng_path(ctx, path, sizeof(path), "/sys/bus/pci/drivers/e1000e") < 0)
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return 0;	/* driver not loaded: no ports it drives */
	while ((de = readdir(d))) {
		char (*t)[16];

		if (!ng_pci_addr_valid(de->d_name))
			continue;
		t = realloc(v, (*n + 1) * sizeof(*v));
		if (!t) {
			closedir(d);
			free(v);
			*n = 0;
			return -ENOMEM;
		}
		v = t;
		/* ng_pci_addr_valid: exactly 12 characters, so it fits with its NUL. */
		memcpy(v[*n], de->d_name, 12);
		v[(*n)++][12] = '\0';
	}
	closedir(d);
	/* The PCI core probes devices in bus order, and the driver fills its parameter arrays
	 * in probe order: the sorted addresses are the order of the values. */
	if (*n)
		qsort(v, *n, sizeof(v[0]), cmp_addr);
	*out = v;
	return 0;
}

/* The interface on a PCI function (its net/ directory), or "" when there is none. */
static void port_ifname(const struct ng_ctx *ctx, const char *addr, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	out[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/sys/bus/pci/devices/%s/net", addr) < 0)
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && ng_ifname_valid(de->d_name) &&
		    (!out[0] || strcmp(de->d_name, out) < 0))
			snprintf(out, len, "%.15s", de->d_name);
	closedir(d);
}

static int plan_port(const struct ng_ctx *ctx, const struct ng_resolver *rv, const char *addr,
		     struct ng_itr_port *port, struct ng_err *err)
{
	const struct ng_item *it;
	struct ng_iface ifc = { 0 };
	struct ng_target *t;
	int r;

	snprintf(port->pci_addr, sizeof(port->pci_addr), "%s", addr);
	port_ifname(ctx, addr, port->ifname, sizeof(port->ifname));
	if (!port->ifname[0] || ng_iface_read(ctx, port->ifname, &ifc, NULL) < 0) {
		/* No interface (yet): resolve as a bare e1000e port at that address. */
		memset(&ifc, 0, sizeof(ifc));
		ifc.kind = NG_KIND_PHYSICAL;
		snprintf(ifc.name, sizeof(ifc.name), "%s", port->ifname);
		snprintf(ifc.bus_addr, sizeof(ifc.bus_addr), "%s", addr);
		snprintf(ifc.pci_addr, sizeof(ifc.pci_addr), "%s", addr);
	}
	/* The module parameter belongs to the driver, whatever sysfs says about the port. */
	snprintf(ifc.driver, sizeof(ifc.driver), "e1000e");
	r = ng_target_resolve(rv, &ifc, NULL, &t, err);
	if (r < 0)
		return r;
	/* A module parameter is the policy's alone: no stanza key sets it. */
	it = ng_wanted_find(ng_target_list(t, NG_SET_NORMAL), NG_ITR, ITR_KEY);
	port->itr = it ? it->num : ITR_DEFAULT;
	port->from_policy = it != NULL;
	if (it)
		port->origin = it->origin;
	ng_target_free(t);
	if (!ng_itr_valid(port->itr))
		return ng_err_set(err, -EINVAL, port->origin.file, port->origin.line,
				  "interrupt-throttle-rate %lld for %s%s%s is not valid: use "
				  NG_ITR_VALUES,
				  (long long)port->itr,
				  port->pci_addr[0] ? port->pci_addr : "the first port",
				  port->ifname[0] ? " " : "", port->ifname);
	return 0;
}

int ng_modprobe_plan(const struct ng_ctx *ctx, const struct ng_policy *p,
		     struct ng_modprobe *out, struct ng_err *err)
{
	struct ng_resolver *rv;
	char (*addrs)[16];
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	r = ng_e1000e_ports(ctx, &addrs, &n);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "e1000e ports: %s", strerror(-r));
	r = ng_resolver_new(ctx, p, &rv, err);
	if (r < 0) {
		free(addrs);
		return r;
	}
	out->no_ports = n == 0;
	out->ports = calloc(n ? n : 1, sizeof(*out->ports));
	if (!out->ports) {
		ng_resolver_free(rv);
		free(addrs);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	out->n = n ? n : 1;
	for (size_t i = 0; i < out->n && r == 0; i++) {
		r = plan_port(ctx, rv, n ? addrs[i] : "", &out->ports[i], err);
		out->any |= out->ports[i].from_policy;
	}
	ng_resolver_free(rv);
	free(addrs);
	if (r < 0)
		ng_modprobe_free(out);
	return r;
}

void ng_modprobe_free(struct ng_modprobe *m)
{
	free(m->ports);
	memset(m, 0, sizeof(*m));
}

static const char *itr_meaning(int64_t v)
{
	switch (v) {
	case 0: return "off";
	case 1: return "dynamic";
	case 3: return "dynamic conservative, the driver's default";
	case 4: return "simplified, 2000-8000 interrupts/s";
	default: return "interrupts per second";
	}
}

int ng_modprobe_render(const struct ng_modprobe *m, char **text, struct ng_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	fprintf(f, "%s\n# e1000e InterruptThrottleRate takes one value per port, in the order the "
		"driver probes\n# them (PCI address order); a port beyond the last value gets the "
		"default (3).\n# Rendered by `nicguard modprobe --write` from the policy.\n",
		NG_MARKER);
	if (m->no_ports)
		fprintf(f, "# No e1000e port was found on this machine: the value below covers "
			"the first port\n# the driver will find.\n");
	for (size_t i = 0; i < m->n; i++) {
		const struct ng_itr_port *pt = &m->ports[i];

		fprintf(f, "# port %zu: %s%s%s%s = %lld (%s)", i, pt->pci_addr[0] ? pt->pci_addr :
			"first port", pt->ifname[0] ? " (" : "", pt->ifname,
			pt->ifname[0] ? ")" : "", (long long)pt->itr, itr_meaning(pt->itr));
		if (pt->from_policy)
			fprintf(f, ", from %s:%u\n", pt->origin.file, pt->origin.line);
		else
			fprintf(f, ", no policy value\n");
	}
	if (m->any) {
		fprintf(f, "options e1000e InterruptThrottleRate=");
		for (size_t i = 0; i < m->n; i++)
			fprintf(f, "%s%lld", i ? "," : "", (long long)m->ports[i].itr);
		fputc('\n', f);
	} else {
		fprintf(f, "# The policy sets no interrupt-throttle-rate: no options line.\n");
	}
	if (fclose(f) != 0) {
		free(buf);
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	*text = buf;
	return 0;
}

int ng_modprobe_write(const struct ng_ctx *ctx, const char *text, struct ng_err *err)
{
	char path[PATH_MAX];

	if (ng_path(ctx, path, sizeof(path), NG_MODPROBE_FILE) < 0)
		return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
	return ng_atomic_write_owned(path, text, strlen(text), 0644, err);
}

/* --------------------------------------------------------------- initramfs */

/* The value of KEY=VALUE in a shell-style conf file (last one wins), or "". */
static void conf_value(const char *path, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	char *buf, *line, *save;

	out[0] = '\0';
	if (ng_read_file(path, false, 1 << 20, &buf, NULL) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			const char *v = line + klen + 1;
			size_t vl = strcspn(v, " \t#");

			if (*v == '"' || *v == '\'')
				vl = strcspn(++v, "\"'");
			snprintf(out, len, "%.*s", (int)vl, v);
		}
	}
	free(buf);
}

/* Does /etc/initramfs-tools/modules (or a file of modules.d) list e1000e? */
static bool listed(const struct ng_ctx *ctx)
{
	char pattern[PATH_MAX];
	bool found = false;
	glob_t g;

	if (ng_path(ctx, pattern, sizeof(pattern),
		    "/{etc/initramfs-tools/modules,usr/share/initramfs-tools/modules.d/*}") < 0 ||
	    glob(pattern, GLOB_BRACE, NULL, &g) != 0)
		return false;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		char *buf, *line, *save;

		if (ng_read_file(g.gl_pathv[i], false, 1 << 20, &buf, NULL) < 0)
			continue;
		for (line = strtok_r(buf, "\n", &save); line && !found;
		     line = strtok_r(NULL, "\n", &save))
			found = strncmp(line, "e1000e", 6) == 0 &&
				(line[6] == '\0' || line[6] == ' ' || line[6] == '\t');
		free(buf);
	}
	globfree(&g);
	return found;
}

enum ng_initramfs ng_initramfs_e1000e(const struct ng_ctx *ctx, char *why, size_t len)
{
	char path[PATH_MAX], modules[32];
	struct stat st;

	if (ng_path(ctx, path, sizeof(path), "/usr/share/initramfs-tools") < 0 ||
	    stat(path, &st) < 0) {
		snprintf(why, len, "initramfs-tools is not installed");
		return NG_INITRAMFS_UNKNOWN;
	}
	if (listed(ctx)) {
		snprintf(why, len, "e1000e is listed in /etc/initramfs-tools/modules");
		return NG_INITRAMFS_WITH;
	}
	modules[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/etc/initramfs-tools/initramfs.conf") == 0)
		conf_value(path, "MODULES", modules, sizeof(modules));
	if (ng_path(ctx, path, sizeof(path), "/etc/initramfs-tools/conf.d/driver-policy") == 0) {
		char v[32];

		conf_value(path, "MODULES", v, sizeof(v));
		if (v[0])
			snprintf(modules, sizeof(modules), "%s", v);
	}
	if (!modules[0])
		snprintf(modules, sizeof(modules), "most");	/* initramfs-tools' default */
	/* most and netboot copy every network driver; dep and list only what is needed or
	 * named. */
	if (strcmp(modules, "most") == 0 || strcmp(modules, "netboot") == 0) {
		snprintf(why, len, "initramfs-tools MODULES=%s copies network drivers", modules);
		return NG_INITRAMFS_WITH;
	}
	snprintf(why, len, "initramfs-tools MODULES=%s and e1000e is not listed", modules);
	return NG_INITRAMFS_WITHOUT;
}

long long ng_initramfs_mtime(const struct ng_ctx *ctx)
{
	char pattern[PATH_MAX];
	long long newest = -1;
	glob_t g;

	if (ng_path(ctx, pattern, sizeof(pattern), "/boot/initrd.img-*") < 0 ||
	    glob(pattern, 0, NULL, &g) != 0)
		return -1;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;

		if (stat(g.gl_pathv[i], &st) == 0 && (long long)st.st_mtime > newest)
			newest = (long long)st.st_mtime;
	}
	globfree(&g);
	return newest;
}

int ng_initramfs_update(const struct ng_ctx *ctx, int *status, char *out, size_t outlen,
			struct ng_err *err)
{
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
					     NULL };
	const char *prog = ng_ctx_program(ctx, "update-initramfs");
	const char *argv[] = { prog, "-u", NULL };

	/* Rebuilding an initramfs takes tens of seconds on a slow disk: allow ten minutes. */
	return ng_exec(prog, argv, envp, 600000, out, outlen, status, err);
}

/* ------------------------------------------------------- modprobe.d options */

static int add_opt(struct ng_modopt **v, size_t *n, const char *file, unsigned line,
		   const char *word, bool ours, long long mtime)
{
	const char *eq = strchr(word, '=');
	struct ng_modopt *t = realloc(*v, (*n + 1) * sizeof(**v));

	if (!t)
		return -ENOMEM;
	*v = t;
	t += *n;
	t->file = strdup(file);
	t->line = line;
	t->param = eq ? strndup(word, (size_t)(eq - word)) : strdup(word);
	t->value = strdup(eq ? eq + 1 : "");
	t->ours = ours;
	t->mtime = mtime;
	if (!t->file || !t->param || !t->value) {
		free(t->file);
		free(t->param);
		free(t->value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

static int scan_file(const char *full, const char *shown, const char *module,
		     struct ng_modopt **v, size_t *n)
{
	char *buf, *line, *save;
	unsigned lineno = 0;
	struct stat st;
	bool ours;
	int r = 0;

	if (stat(full, &st) < 0 || ng_read_file(full, false, 1 << 20, &buf, NULL) < 0)
		return 0;
	ours = strncmp(buf, NG_MARKER, strlen(NG_MARKER)) == 0;
	/* strtok_r would hide empty lines and break the numbering: split by hand. */
	for (line = buf; line && r == 0; line = save) {
		char *w, *ws;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		w = strtok_r(line, " \t", &ws);
		if (!w || strcmp(w, "options") != 0)
			continue;
		w = strtok_r(NULL, " \t", &ws);
		if (!w || strcmp(w, module) != 0)
			continue;
		while (r == 0 && (w = strtok_r(NULL, " \t", &ws)) && w[0] != '#')
			r = add_opt(v, n, shown, lineno, w, ours, (long long)st.st_mtime);
	}
	free(buf);
	return r;
}

int ng_modprobe_options(const struct ng_ctx *ctx, const char *module, struct ng_modopt **out,
			size_t *n)
{
	static const char *const dirs[] = { "/etc/modprobe.d", "/run/modprobe.d",
					    "/usr/lib/modprobe.d", "/lib/modprobe.d" };
	size_t plen = strlen(ng_ctx_root_prefix(ctx));
	int r = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < NG_ARRAY_SIZE(dirs) && r == 0; i++) {
		char pattern[PATH_MAX];
		glob_t g;

		if (ng_path(ctx, pattern, sizeof(pattern), "%s/*.conf", dirs[i]) < 0 ||
		    glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc && r == 0; j++)
			r = scan_file(g.gl_pathv[j], g.gl_pathv[j] + plen, module, out, n);
		globfree(&g);
	}
	if (r < 0) {
		ng_modopts_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void ng_modopts_free(struct ng_modopt *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].file);
		free(v[i].param);
		free(v[i].value);
	}
	free(v);
}
