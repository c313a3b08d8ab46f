/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor.c: known NIC traps in the configuration (ifupdown2 keys and settings, e1000e options);
 * the run. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

int ng_doctor_add(struct ng_doctor *d, const char *check, const char *where, const char *fix,
		  const char *fmt, ...)
{
	struct ng_finding *f;
	va_list ap;
	int r;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct ng_finding *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	f = &d->v[d->n];
	f->check = check;
	f->where = strdup(where);
	f->fix = strdup(fix);
	va_start(ap, fmt);
	r = vasprintf(&f->what, fmt, ap);
	va_end(ap);
	if (r < 0)
		f->what = NULL;
	if (!f->where || !f->fix || !f->what) {
		free(f->where);
		free(f->fix);
		free(f->what);
		return -ENOMEM;
	}
	d->n++;
	return 0;
}

void ng_doctor_free(struct ng_doctor *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].what);
		free(d->v[i].fix);
	}
	free(d->v);
	ng_diags_free(&d->notes);
	memset(d, 0, sizeof(*d));
}

static bool exists(const struct ng_ctx *ctx, const char *p)
{
	char path[PATH_MAX];

	return ng_path(ctx, path, sizeof(path), "%s", p) == 0 && access(path, F_OK) == 0;
}

/* ------------------------------------- stanza keys that do nothing under ifupdown2 */

/* Keys of Debian's ethtool if-up.d hook, which ifupdown2 never runs (its addon of the same
 * name hides it), and how to say them with nicguard. Keep sorted by prefix. */
static const struct {
	const char *prefix;
	const char *key;	/* the nicguard key taking the rest of the name and the value */
	const char *fix;	/* when there is none */
} debian_keys[] = {
	{ "driver-message-level", NULL, "use the policy's `ethtool = -s {} msglvl ...` line" },
	{ "ethernet-autoneg", "nicguard-link autoneg", NULL },
	{ "ethernet-pause-", NULL, "use the policy's `ethtool = -A {} ...` pass-through" },
	{ "ethernet-port", NULL, "use the policy's `ethtool = -s {} port ...` pass-through" },
	{ "ethernet-wol", NULL, "use the policy's `ethtool = -s {} wol ...` pass-through" },
	{ "hardware-dma-ring-", "nicguard-ring", NULL },
	{ "hardware-irq-coalesce-", "nicguard-coalesce", NULL },
	{ "offload-", "nicguard-offload", NULL },
};

/* ifupdown2's ethtool addon skips these on bridge, bond and VLAN stanzas. */
static const char *const addon_keys[] = {
	"gro-offload", "gso-offload", "link-autoneg", "link-duplex", "link-speed", "lro-offload",
	"ring-rx", "ring-tx", "rx-offload", "tso-offload", "tx-offload", "ufo-offload",
};

static bool is_bridge_stanza(const struct ng_interfaces *f, const char *iface)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].iface, iface) == 0 &&
		    (strcmp(f->v[i].key, "bridge-ports") == 0 ||
		     strcmp(f->v[i].key, "bridge_ports") == 0 ||
		     strcmp(f->v[i].key, "bond-slaves") == 0 ||
		     strcmp(f->v[i].key, "vlan-raw-device") == 0))
			return true;
	return false;
}

/* A key of Debian's if-up.d/ethtool hook: ifupdown2 never runs that hook. */
static int debian_key(const struct ng_ifopt *o, const char *where, struct ng_doctor *d)
{
	char fix[400];
	int r = 0;

	for (size_t k = 0; r == 0 && k < NG_ARRAY_SIZE(debian_keys); k++) {
		size_t l = strlen(debian_keys[k].prefix);
		bool prefix = debian_keys[k].prefix[l - 1] == '-';

		if (prefix ? strncmp(o->key, debian_keys[k].prefix, l) != 0 :
		    strcmp(o->key, debian_keys[k].prefix) != 0)
			continue;
		if (debian_keys[k].key)
			snprintf(fix, sizeof(fix), "write `%s%s%s %s` instead (nicguard reads it "
				 "under both ifupdowns)", debian_keys[k].key, prefix ? " " : "",
				 prefix ? o->key + l : "", o->value);
		else
			snprintf(fix, sizeof(fix), "%s", debian_keys[k].fix);
		r = ng_doctor_add(d, "ifupdown2-ethtool-keys", where, fix,
				  "`%s %s` on iface %s does nothing: ifupdown2 never runs "
				  "Debian's if-up.d/ethtool hook that reads it", o->key, o->value,
				  o->iface);
	}
	return r;
}

/* ------------------------------------------ ifupdown2 running no if-up.d script */

#define IFUPDOWN2_CONF "/etc/network/ifupdown2/ifupdown2.conf"

unsigned ng_ifupdown2_conf_value(const char *buf, size_t len, const char *key, char *val,
				 size_t cap)
{
	const char *p = buf, *end = buf + len;
	unsigned line = 0, found = 0;
	size_t klen = strlen(key), vlen;

	val[0] = '\0';
	while (p < end) {
		const char *s = p, *e = memchr(p, '\n', (size_t)(end - p)), *k, *ke, *v;

		if (!e)
			e = end;
		p = e < end ? e + 1 : end;
		line++;
		for (k = s; k < e && (*k == ' ' || *k == '\t' || *k == '\r'); k++)
			;
		if (k == e || *k == '#' || *k == ';')
			continue;
		if (found) {
			/* The next line that says something: indented, it continues the value. */
			vlen = strlen(val);
			if (k > s && vlen + 1 < cap)
				memcpy(val + vlen, "\n", 2);
			break;
		}
		if (k > s)	/* indented: the continuation of another key's value */
			continue;
		for (ke = k; ke < e && *ke != '=' && *ke != ':'; ke++)
			;
		if (ke == e)
			continue;
		v = ke + 1;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		if ((size_t)(ke - k) != klen || strncasecmp(k, key, klen) != 0)
			continue;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		vlen = (size_t)(e - v) < cap ? (size_t)(e - v) : cap - 1;
		memcpy(val, v, vlen);
		val[vlen] = '\0';
		found = line;
	}
	return found;
}

/* With addon_scripts_support other than 1, ifupdown2 runs no /etc/network/if-*.d script:
 * nicguard's if-up.d script never sees a nicguard-* key. Said only where it matters: ifupdown2
 * is the ifupdown installed (its code in /usr/share/ifupdown2; Debian's ifupdown and ifupdown2
 * conflict) and some stanza has a nicguard-* key. */
static int check_addon_scripts(const struct ng_ctx *ctx, const struct ng_interfaces *f,
			       struct ng_doctor *d)
{
	const struct ng_ifopt *first = NULL;
	char path[PATH_MAX], where[PATH_MAX + 16], val[64], state[128], *buf = NULL;
	size_t n = 0, len = 0;
	unsigned line = 0;
	bool have;
	int r;

	if (!exists(ctx, "/usr/share/ifupdown2"))
		return 0;
	for (size_t i = 0; i < f->n; i++)
		if (strncmp(f->v[i].key, "nicguard-", 9) == 0 && n++ == 0)
			first = &f->v[i];
	if (!first)
		return 0;
	r = ng_path(ctx, path, sizeof(path), IFUPDOWN2_CONF);
	if (r < 0)
		return r;
	r = ng_read_file(path, false, 1 << 20, &buf, &len);
	if (r < 0 && r != -ENOENT)
		return r == -ENOMEM ? r : 0;
	have = buf != NULL;
	if (have)
		line = ng_ifupdown2_conf_value(buf, len, "addon_scripts_support", val,
					       sizeof(val));
	free(buf);
	if (line && strcmp(val, "1") == 0)
		return 0;
	if (!have)
		snprintf(state, sizeof(state), "there is no such file (ifupdown2's own default is "
			 "addon_scripts_support=0)");
	else if (!line)
		snprintf(state, sizeof(state), "addon_scripts_support is not set (ifupdown2's "
			 "own default is 0)");
	else
		snprintf(state, sizeof(state), "addon_scripts_support=%s", strchr(val, '\n') ?
			 "(a value continued on the next line)" : val);
	if (line)
		snprintf(where, sizeof(where), "%s:%u", IFUPDOWN2_CONF, line);
	else
		snprintf(where, sizeof(where), "%s", IFUPDOWN2_CONF);
	return ng_doctor_add(d, "ifupdown2-no-scripts", where,
		"set `addon_scripts_support=1` in " IFUPDOWN2_CONF " (Debian's and Proxmox VE's "
		"default), then run `ifreload -a`",
		"%s: ifupdown2 runs no /etc/network/if-up.d script, so none of the %zu nicguard-* "
		"stanza key%s ever takes effect (the first: `%s %s` on iface %s, %s:%u)", state, n,
		n == 1 ? "" : "s", first->key, first->value, first->iface, first->file,
		first->line);
}

static int check_ifupdown2(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_interfaces f = { 0 };
	int r;

	if (!exists(ctx, "/usr/share/ifupdown2") &&
	    !exists(ctx, "/etc/network/ifupdown2/ifupdown2.conf"))
		return 0;
	r = ng_interfaces_load(ctx, &f, NULL);
	for (size_t i = 0; r == 0 && i < f.n; i++) {
		const struct ng_ifopt *o = &f.v[i];
		char where[320];

		snprintf(where, sizeof(where), "%.300s:%u", o->file, o->line);
		r = debian_key(o, where, d);
		for (size_t k = 0; r == 0 && k < NG_ARRAY_SIZE(addon_keys); k++)
			if (strcmp(o->key, addon_keys[k]) == 0 && is_bridge_stanza(&f, o->iface))
				r = ng_doctor_add(d, "ifupdown2-bridge-keys", where,
					"move it to the ports' stanzas, or write the nicguard- key "
					"(nicguard applies it on bridges too)",
					"`%s %s` on iface %s is ignored: ifupdown2's ethtool "
					"addon skips bridge, bond and VLAN stanzas", o->key,
					o->value, o->iface);
	}
	if (r == 0)
		r = check_addon_scripts(ctx, &f, d);
	for (size_t i = 0; r == 0 && i < f.diags.n; i++)
		r = ng_diags_add(&d->notes, f.diags.v[i].file, f.diags.v[i].line, "%s",
				 f.diags.v[i].msg);
	ng_interfaces_free(&f);
	return r;
}

/* ------------------------------------------------------- e1000e module options */

static size_t count_values(const char *v)
{
	size_t n = *v ? 1 : 0;

	for (; *v; v++)
		n += *v == ',';
	return n;
}

static bool all_default(const char *v)
{
	while (*v) {
		size_t l = strcspn(v, ",");

		if (l != 1 || *v != '3')
			return false;
		v += l + (v[l] == ',');
	}
	return true;
}

static int check_modprobe(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_modopt *o;
	char (*ports)[16];
	size_t n, nports;
	long long newest = -1, initrd;
	char why[200];
	int r;

	r = ng_modprobe_options(ctx, "e1000e", &o, &n);
	if (r < 0)
		return r;
	r = ng_e1000e_ports(ctx, &ports, &nports);
	if (r < 0) {
		ng_modopts_free(o, n);
		return r;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		char where[320];
		size_t nv = count_values(o[i].value);

		if (o[i].mtime > newest)
			newest = o[i].mtime;
		if (strcmp(o[i].param, "InterruptThrottleRate") != 0)
			continue;
		snprintf(where, sizeof(where), "%.300s:%u", o[i].file, o[i].line);
		if (all_default(o[i].value))
			r = ng_doctor_add(d, "itr-default", where,
				"remove the option, or set interrupt-throttle-rate in the policy "
				"to a value that changes something (0, 1, 4, 100-100000) and "
				"run `nicguard modprobe --write`",
				"InterruptThrottleRate=%s is the driver's default (3, dynamic "
				"conservative): setting it changes nothing", o[i].value);
		if (r == 0 && nports > nv)
			r = ng_doctor_add(d, "itr-too-few", where,
				"run `nicguard modprobe --write`: one value per port, in probe "
				"order",
				"InterruptThrottleRate has %zu value%s for %zu e1000e ports: "
				"port %s and any after it silently get the default (3)", nv,
				nv == 1 ? "" : "s", nports, ports[nv]);
	}
	initrd = ng_initramfs_mtime(ctx);
	if (r == 0 && n && initrd >= 0 && newest > initrd &&
	    ng_initramfs_e1000e(ctx, why, sizeof(why)) == NG_INITRAMFS_WITH)
		r = ng_doctor_add(d, "initramfs-stale", "/boot/initrd.img-*",
			"run `update-initramfs -u` (or `nicguard modprobe --update-initramfs`)",
			"e1000e is loaded from the initramfs (%s), which is older than the e1000e "
			"options in modprobe.d: they take effect only after a rebuild", why);
	ng_modopts_free(o, n);
	free(ports);
	return r;
}

/* nicguard's own trap: the shipped 60-nicguard.conf sorts after an admin's file that set
 * a higher value, and wins. */
static int check_sysctl(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_sysctl_check c;
	int r = 0;

	if (ng_sysctl_check(ctx, &c, NULL) < 0)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < c.n; i++) {
		const struct ng_sysctl_row *row = &c.rows[i];

		if (!row->lowered[0] || row->effective < 0 || row->effective >= row->lowered_value)
			continue;
		r = ng_doctor_add(d, "sysctl-lowered", row->lowered,
			"run `nicguard sysctl --write` (it puts the higher value back in "
			NG_SYSCTL_LOCAL_FILE "), or move the setting to a file that sorts "
			"after 60-nicguard.conf",
			"%s = %lld here is overridden by nicguard's shipped %s, which sorts "
			"later: %lld is in effect", row->name, (long long)row->lowered_value,
			row->source, (long long)row->effective);
	}
	return r;
}

/* --------------------------------- Proxmox VE: guests a node could not start */

#ifndef NG_LIBEXECDIR
#define NG_LIBEXECDIR "/usr/libexec/nicguard"	/* the Makefile's default */
#endif

/* A guest whose hookscript is nicguard's snippet does not start (pre-start fails) on a node
 * that lacks it; HA recovery and migration can send it to any node of the cluster. */
static int check_hookscripts(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_storage_cfg sc = { 0 };
	struct ng_pve_cluster c;
	struct ng_guest *g = NULL;
	struct ng_err e;
	size_t n = 0;
	int r;

	if (ng_pve_cluster_load(ctx, &c, &e) < 0)
		return 0;	/* not a running Proxmox VE node */
	r = ng_storage_load(ctx, &sc, &e);
	if (r == 0)
		r = ng_pve_guests_all(ctx, &g, &n, &e);
	if (r < 0)
		r = ng_diags_add(&d->notes, NULL, 0, "hookscripts not checked: %s", e.msg);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct ng_pve_gaps gaps;
		char where[128], fix[512];

		if (!ng_pve_volid_is_ours(g[i].hookscript))
			continue;
		r = ng_pve_hookscript_gaps(ctx, &c, &sc, g[i].hookscript,
					   NG_LIBEXECDIR "/guest-hook", NULL, 0, &gaps);
		snprintf(where, sizeof(where), "guest %u (on %s)", g[i].vmid, g[i].node);
		snprintf(fix, sizeof(fix), "install nicguard on that node, or `nicguard pve "
			 "remove-hookscript %u` on %s, or a snippets storage every node shares "
			 "(`nicguard pve install-hookscript --storage NAME %u`)", g[i].vmid,
			 g[i].node, g[i].vmid);
		for (size_t j = 0; r == 0 && j < gaps.n; j++)
			r = ng_doctor_add(d, "hookscript-node", where, fix, "hookscript %s: would "
					  "not start on %s: %s", g[i].hookscript, gaps.v[j].node,
					  gaps.v[j].why);
		ng_pve_gaps_free(&gaps);
	}
	free(g);
	ng_storage_cfg_free(&sc);
	ng_pve_cluster_free(&c);
	return r;
}

int ng_doctor_run(const struct ng_ctx *ctx, const struct ng_policy *p, unsigned interval_ms,
		  struct ng_doctor *out, struct ng_err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = check_ifupdown2(ctx, out);
	if (r == 0)
		r = check_modprobe(ctx, out);
	if (r == 0)
		r = check_sysctl(ctx, out);
	if (r == 0)
		r = check_hookscripts(ctx, out);
	if (r == 0)
		r = ng_doctor_check_drift(ctx, p, out);
	if (r == 0)
		r = ng_doctor_check_eee(ctx, p, out);
	if (r == 0)
		r = ng_doctor_check_kmsg(ctx, out);
	if (r == 0)
		r = ng_doctor_check_drops(ctx, interval_ms, out);
	if (r == 0)
		r = ng_doctor_check_cmdline(ctx, p, out);
	if (r == 0)
		r = ng_doctor_check_aspm(ctx, out);
	if (r < 0)
		return ng_err_set(err, r, NULL, 0, "%s", strerror(-r));
	return 0;
}
