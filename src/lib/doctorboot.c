/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctorboot.c: doctor's boot-time checks: kernel parameters not booted, ASPM on hung ports. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

/* journalctl reads the journal files under --root itself: the machine's program serves a
 * fixture root as well as the live one. */
#define JOURNALCTL "/usr/bin/journalctl"
#define EARLIER_BOOTS 3		/* boots before this one looked at */
#define JOURNAL_LINES "2000"	/* the last kernel lines of each */

int ng_hung_add(struct ng_hung **v, size_t *n, const char *name, unsigned count)
{
	struct ng_hung *nv;

	if (!name[0])
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0) {
			(*v)[i].count += count;
			return 0;
		}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].name, sizeof(nv[*n].name), "%s", name);
	nv[(*n)++].count = count;
	return 0;
}

/* -------------------------------------------------- parameters not booted */

int ng_doctor_check_cmdline(const struct ng_ctx *ctx, const struct ng_policy *p,
			    struct ng_doctor *d)
{
	struct ng_cmdline c;
	char where[300], fix[300];
	int r = 0;

	if (ng_cmdline_plan(ctx, p, &c, NULL) < 0)
		return ng_diags_add(&d->notes, NULL, 0, "kernel command line not checked: "
				    "cannot list interfaces");
	snprintf(where, sizeof(where), "%s%s%s", c.grub ? NG_CMDLINE_DROPIN : "",
		 c.grub && c.kernel ? " " : "", c.kernel ? NG_CMDLINE_KERNEL : "");
	for (size_t k = 0; r == 0 && k < c.n; k++) {
		const struct ng_cmdline_param *pm = &c.v[k];

		if (!ng_cmdline_param_configured(&c, pm)) {
			snprintf(fix, sizeof(fix), "%s:%u", pm->file, pm->line);
			r = ng_doctor_add(d, "cmdline-not-written", fix,
				"run `nicguard cmdline --write`, then the command it names, then reboot",
				"the policy asks for %s (for %s), but the boot configuration does not "
				"hold it", pm->word, pm->ifnames);
			continue;
		}
		if (!c.proc_read || pm->booted)
			continue;
		if (c.grub_cfg_read && !pm->rendered)
			snprintf(fix, sizeof(fix), "run `%s` (/boot/grub/grub.cfg lacks it), then "
				 "reboot", c.refresh);
		else
			snprintf(fix, sizeof(fix), "reboot (after `%s`, if it has not run since "
				 "the change)", c.refresh);
		r = ng_doctor_add(d, "cmdline-not-booted", where[0] ? where : "boot configuration",
			fix, "%s is written (asked for by %s:%u) but the running kernel was not "
			"booted with it (/proc/cmdline)", pm->word, pm->file, pm->line);
	}
	ng_cmdline_free(&c);
	return r;
}

/* ---------------------------------------------------- ASPM on hung ports */

/* Count the hang and reset signatures of journal output (one kernel message per line, as
 * `-o cat` prints them) per interface or bus device. rec is scratch space. */
static int scan_lines(char *out, struct ng_kmsg *rec, struct ng_hung **v, size_t *n)
{
	char *line, *save;
	int r = 0;

	for (line = strtok_r(out, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		struct ng_sig_match m;

		memset(rec, 0, offsetof(struct ng_kmsg, text));
		rec->level = 3;		/* facility 0: the journal's kernel transport only */
		rec->text_len = strlen(line) < sizeof(rec->text) ? strlen(line) :
				sizeof(rec->text) - 1;
		memcpy(rec->text, line, rec->text_len);
		rec->text[rec->text_len] = '\0';
		if (ng_sig_match(rec, 0, &m) &&
		    (m.sig->cls == NG_SIG_HANG || m.sig->cls == NG_SIG_RESET))
			r = ng_hung_add(v, n, m.ifname[0] ? m.ifname : m.busdev, 1);
	}
	return r;
}

/* The hang and reset signatures of up to EARLIER_BOOTS boots before this one, from the
 * persistent journal (root/var/log/journal). *boots gets how many boots were read; why says
 * why none could be (the finding tells; without a hang there is nothing to tell). */
static int journal_hung(const struct ng_ctx *ctx, struct ng_hung **v, size_t *n,
			unsigned *boots, char *why, size_t whylen)
{
	static const char *const envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	char path[4096], rootopt[4200], boot[8], *out;
	struct ng_kmsg *rec;
	size_t outlen = 512 * 1024;
	int r = 0, status;

	*boots = 0;
	why[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "/var/log/journal") < 0 || access(path, F_OK) < 0) {
		snprintf(why, whylen, "no persistent journal (/var/log/journal), so journald "
			 "kept no earlier boot");
		return 0;
	}
	if (access(JOURNALCTL, X_OK) < 0) {
		snprintf(why, whylen, "no %s to read them", JOURNALCTL);
		return 0;
	}
	snprintf(rootopt, sizeof(rootopt), "--root=%s", ng_ctx_root(ctx));
	out = malloc(outlen);
	rec = malloc(sizeof(*rec));
	if (!out || !rec) {
		free(out);
		free(rec);
		return -ENOMEM;
	}
	for (unsigned b = 1; b <= EARLIER_BOOTS && r == 0; b++) {
		const char *argv[] = { JOURNALCTL, rootopt, "-k", "-b", boot, "-o", "cat", "-q",
				       "--no-pager", "-n", JOURNAL_LINES, NULL };
		size_t before = *n;

		snprintf(boot, sizeof(boot), "-%u", b);
		if (ng_exec(JOURNALCTL, argv, envp, 10000, out, outlen, &status, NULL) < 0 ||
		    status != 0)
			break;	/* no such boot: the journal goes back no further */
		(*boots)++;
		r = scan_lines(out, rec, v, n);
		/* Each boot counts once per device, however often it hung in it. */
		for (size_t i = before; i < *n; i++)
			(*v)[i].count = 1;
	}
	free(out);
	free(rec);
	return r;
}

/* One word of a sysfs file ("1", "[default] performance ..."), or "" when there is none. */
static void read_word(const struct ng_ctx *ctx, const char *rel, char *out, size_t len)
{
	char path[4096], *buf;

	out[0] = '\0';
	if (ng_path(ctx, path, sizeof(path), "%s", rel) < 0 ||
	    ng_read_file(path, false, 4096, &buf, NULL) < 0)
		return;
	snprintf(out, len, "%.*s", (int)strcspn(buf, "\n"), buf);
	free(buf);
}

/* The state of ASPM for one PCI device, in words, and whether low-power states may be
 * entered. */
struct aspm {
	bool cmd_off;		/* pcie_aspm=off booted */
	bool performance;	/* pcie_aspm.policy=performance booted, or the policy is */
	char policy[64];	/* /sys/module/pcie_aspm/parameters/policy */
};

static bool aspm_may_sleep(const struct ng_ctx *ctx, const struct aspm *a, const char *pci,
			   char *state, size_t len)
{
	char l0s[8], l1[8], rel[128];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/link/l0s_aspm", pci);
	read_word(ctx, rel, l0s, sizeof(l0s));
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/link/l1_aspm", pci);
	read_word(ctx, rel, l1, sizeof(l1));
	if (l0s[0] || l1[0]) {
		snprintf(state, len, "L0s %s, L1 %s%s", strcmp(l0s, "1") == 0 ? "on" : "off",
			 strcmp(l1, "1") == 0 ? "on" : "off", a->cmd_off ?
			 " (pcie_aspm=off booted: the firmware's setting stays)" : "");
		return strcmp(l0s, "1") == 0 || strcmp(l1, "1") == 0;
	}
	/* No link/ attributes (an older kernel, or none for this link): the policy says; no
	 * policy either (a kernel without ASPM support) says nothing. */
	snprintf(state, len, "link state unknown, policy %s%s", a->policy,
		 a->cmd_off ? ", pcie_aspm=off booted" : "");
	return a->policy[0] && !a->cmd_off && !a->performance;
}

static const struct ng_iface *find_port(const struct ng_iface *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0 || strcmp(v[i].pci_addr, name) == 0)
			return &v[i];
	return NULL;
}

static int aspm_finding(const struct ng_ctx *ctx, struct ng_doctor *d, const struct aspm *a,
			const struct ng_iface *port, unsigned now, unsigned before,
			unsigned boots, const char *nojournal)
{
	char state[256], fix[512], when[192];

	if (!aspm_may_sleep(ctx, a, port->pci_addr, state, sizeof(state)))
		return 0;
	if (a->cmd_off)
		snprintf(fix, sizeof(fix), "pcie_aspm=off leaves what the firmware enabled: put "
			 "`kernel-cmdline = pcie_aspm.policy=performance` in [driver %s], run "
			 "`nicguard cmdline --write` and reboot, or turn ASPM off in the firmware "
			 "setup", port->driver);
	else
		snprintf(fix, sizeof(fix), "put `kernel-cmdline = pcie_aspm=off` (or "
			 "pcie_aspm.policy=performance) in [driver %s], run `nicguard cmdline "
			 "--write`, the command it names, and reboot", port->driver);
	if (boots)
		snprintf(when, sizeof(when), "%u× in this boot, in %u of the %u boots before", now,
			 before, boots);
	else
		snprintf(when, sizeof(when), "%u× in this boot; earlier boots unknown: %s", now,
			 nojournal[0] ? nojournal : "the journal holds none");
	return ng_doctor_add(d, "aspm-hung-port", port->name, fix,
		"%s port %s hung (%s) and its PCIe link may enter power-saving states (%s)",
		port->driver, port->pci_addr, when, state);
}

int ng_doctor_check_aspm(const struct ng_ctx *ctx, struct ng_doctor *d)
{
	struct ng_hung *now = NULL, *before = NULL;
	size_t nnow = 0, nbefore = 0, nifs = 0;
	struct ng_iface *ifs = NULL;
	struct aspm a = { 0 };
	char *cmd = NULL, nojournal[128];
	size_t cmdlen = 0;
	unsigned boots = 0;
	int r;

	r = ng_doctor_kmsg_hung(ctx, d, &now, &nnow);
	if (r == 0)
		r = journal_hung(ctx, &before, &nbefore, &boots, nojournal, sizeof(nojournal));
	if (r < 0 || (nnow == 0 && nbefore == 0) || ng_iface_list(ctx, &ifs, &nifs, NULL) < 0)
		goto out;
	read_word(ctx, "/sys/module/pcie_aspm/parameters/policy", a.policy, sizeof(a.policy));
	{
		char path[4096];

		if (ng_path(ctx, path, sizeof(path), "/proc/cmdline") == 0 &&
		    ng_read_file(path, false, 65536, &cmd, &cmdlen) == 0) {
			a.cmd_off = ng_cmdline_has(cmd, cmdlen, "pcie_aspm=off");
			a.performance = ng_cmdline_has(cmd, cmdlen, "pcie_aspm.policy=performance");
		}
	}
	a.performance |= strstr(a.policy, "[performance]") != NULL;
	for (size_t i = 0; r == 0 && i < nifs; i++) {
		const struct ng_iface *port = &ifs[i];
		unsigned cnow = 0, cbefore = 0;

		if ((strcmp(port->driver, "r8169") != 0 && strcmp(port->driver, "e1000e") != 0) ||
		    !port->pci_addr[0])
			continue;
		for (size_t k = 0; k < nnow; k++)
			if (find_port(port, 1, now[k].name))
				cnow += now[k].count;
		for (size_t k = 0; k < nbefore; k++)
			if (find_port(port, 1, before[k].name))
				cbefore += before[k].count;
		if (cnow || cbefore)
			r = aspm_finding(ctx, d, &a, port, cnow, cbefore, boots, nojournal);
	}
out:
	free(cmd);
	free(ifs);
	free(now);
	free(before);
	return r;
}
