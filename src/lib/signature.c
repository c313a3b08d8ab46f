/* SPDX-License-Identifier: GPL-2.0-or-later */
/* signature.c: the table of kernel messages that mean a NIC hang, reset or CPU stall. */
#include <string.h>

#include "nicguard.h"
#include "internal.h"

#define NETDEV NG_PFX_NETDEV
#define DEV NG_PFX_DEV
#define NAME NG_PFX_NAME
#define NONE NG_PFX_NONE

/*
 * One row per message of reference/kernel.md section 1, first match wins, so a driver's own
 * row comes before the generic one. Templates match the record's first line after the
 * prefix: literal text; %u %d %x a number; %s a word (up to a space or the next literal
 * character); %i the interface name; %* the rest of the line. Without %* the whole line
 * must match, which is what tells the three NETDEV WATCHDOG formats apart.
 */
static const struct ng_sig sigs[] = {
	{ "e1000e-hw-hang", NG_SIG_HANG, NETDEV, "e1000e", "Detected Hardware Unit Hang:%*",
	  NG_LOC_NETDEV, 3, "e1000e e1000_print_hw_hang" },
	{ "e1000e-false-hang", NG_SIG_INFO, NETDEV, "e1000e", "false hang detected, ignoring",
	  NG_LOC_NETDEV, 7, "e1000e e1000_clean_tx_irq (TDH == TDT)" },
	{ "e1000e-tx-pause-hint", NG_SIG_INFO, NETDEV, "e1000e",
	  "Try turning off Tx pause (flow control) via ethtool", NG_LOC_NETDEV, 3,
	  "e1000e e1000_print_hw_hang" },
	{ "e1000e-reset", NG_SIG_RESET, NETDEV, "e1000e", "Reset adapter unexpectedly",
	  NG_LOC_NETDEV, 3, "e1000e e1000_reset_task" },
	{ "e1000-tx-hang", NG_SIG_HANG, NETDEV, "e1000", "Detected Tx Unit Hang%*",
	  NG_LOC_NETDEV, 3, "e1000 e1000_clean_tx_irq" },
	{ "e1000-reset", NG_SIG_RESET, NETDEV, "e1000", "Reset adapter", NG_LOC_NETDEV, 3,
	  "e1000 e1000_reset_task" },
	{ "igb-tx-hang", NG_SIG_HANG, DEV, "igb", "Detected Tx Unit Hang%*", NG_LOC_PCI, 3,
	  "igb igb_clean_tx_irq (dev_err: no interface name)" },
	{ "igb-reset", NG_SIG_RESET, NETDEV, "igb", "Reset adapter", NG_LOC_NETDEV, 3,
	  "igb igb_reset_task" },
	{ "igc-tx-hang", NG_SIG_HANG, NETDEV, "igc", "Detected Tx Unit Hang%*", NG_LOC_NETDEV,
	  3, "igc igc_clean_tx_irq" },
	{ "igc-reset", NG_SIG_RESET, NETDEV, "igc", "Reset adapter", NG_LOC_NETDEV, 3,
	  "igc igc_reset_task" },
	/* Other Intel drivers (ixgbe, i40e, ...) print the same words. */
	{ "tx-unit-hang", NG_SIG_HANG, NETDEV, NULL, "Detected Tx Unit Hang%*", NG_LOC_NETDEV,
	  3, "Intel drivers' tx hang check (netdev_err)" },
	{ "tx-unit-hang", NG_SIG_HANG, DEV, NULL, "Detected Tx Unit Hang%*", NG_LOC_PCI, 3,
	  "Intel drivers' tx hang check (dev_err)" },
	{ "r8169-aspm-tx-timeout", NG_SIG_RESET, NETDEV, "r8169", "ASPM disabled on Tx timeout",
	  NG_LOC_NETDEV, 4, "r8169 rtl_task" },
	{ "r8169-detach", NG_SIG_HANG, NETDEV, "r8169",
	  "Can't reset secondary PCI bus, detach NIC", NG_LOC_NETDEV, 3, "r8169 rtl_task" },
	/* The format of 6.8 and later, and of the 6.1 and 6.6 stable trees since August 2024, so of
	 * Debian 12's, Debian 13's 6.12 and Proxmox VE 9's 6.14+ (test-signature.c has each). */
	{ "netdev-watchdog", NG_SIG_HANG, NETDEV | NAME, NULL,
	  "NETDEV WATCHDOG: CPU: %d: transmit queue %u timed out %u ms", NG_LOC_NETDEV, 2,
	  "dev_watchdog, 6.8 and later" },
	{ "netdev-watchdog", NG_SIG_HANG, NONE, NULL,
	  "NETDEV WATCHDOG: %i (%s): transmit queue %u timed out %u ms", NG_LOC_TEXT, 4,
	  "dev_watchdog WARN_ONCE, 6.4 to 6.7" },
	{ "netdev-watchdog", NG_SIG_HANG, NONE, NULL,
	  "NETDEV WATCHDOG: %i (%s): transmit queue %u timed out", NG_LOC_TEXT, 6,
	  "dev_watchdog WARN_ONCE, before 6.4" },
	{ "virtio-not-a-head", NG_SIG_HANG, DEV, "virtio_net", "%s:id %u is not a head!",
	  NG_LOC_VIRTIO, 3, "virtio_ring BAD_RING" },
	{ "virtio-out-of-range", NG_SIG_HANG, DEV, "virtio_net", "%s:id %u out of range",
	  NG_LOC_VIRTIO, 3, "virtio_ring BAD_RING" },
	/* netdev_err: level 3, as Debian 12's 6.1 and Debian 13's 6.12 print it (tests/vm). */
	{ "virtio-tx-timeout", NG_SIG_HANG, NETDEV, "virtio_net",
	  "TX timeout on queue: %u, sq: %s, vq: 0x%x, name: %s, %u usecs ago", NG_LOC_NETDEV, 3,
	  "virtio_net virtnet_tx_timeout" },
	{ "soft-lockup", NG_SIG_STALL, NONE, NULL,
	  "watchdog: BUG: soft lockup - CPU#%u stuck for %us! [%*", NG_LOC_HOST, 0,
	  "kernel/watchdog.c watchdog_timer_fn" },
	{ "soft-lockup", NG_SIG_STALL, NONE, NULL, "BUG: soft lockup - CPU#%u stuck for %us! [%*",
	  NG_LOC_HOST, 0, "kernel/watchdog.c watchdog_timer_fn, old kernels" },
	{ "rcu-stall", NG_SIG_STALL, NONE, NULL, "rcu: INFO: %s self-detected stall on CPU%*",
	  NG_LOC_HOST, 3, "rcu print_cpu_stall" },
	{ "rcu-stall", NG_SIG_STALL, NONE, NULL, "rcu: INFO: %s detected stalls on CPUs/tasks:%*",
	  NG_LOC_HOST, 3, "rcu print_other_cpu_stall" },
	{ "rcu-stall", NG_SIG_STALL, NONE, NULL, "INFO: %s self-detected stall on CPU%*",
	  NG_LOC_HOST, 3, "rcu print_cpu_stall, before 4.20" },
	{ "rcu-stall", NG_SIG_STALL, NONE, NULL, "INFO: %s detected stalls on CPUs/tasks:%*",
	  NG_LOC_HOST, 3, "rcu print_other_cpu_stall, before 4.20" },
};

/* No prefix form: no record can match it; only the probe raises it. */
static const struct ng_sig silent = {
	NG_SIG_SILENT, NG_SIG_HANG, 0, NULL, "", NG_LOC_PROBE, -1,
	"nicguard-watch's reachability probe: ARP unanswered, link up, carrier on"
};

const struct ng_sig *ng_sig_table(size_t *n)
{
	*n = NG_ARRAY_SIZE(sigs);
	return sigs;
}

const struct ng_sig *ng_sig_silent(void)
{
	return &silent;
}

const struct ng_sig *ng_sig_find(const char *id)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(sigs); i++)
		if (strcmp(sigs[i].id, id) == 0)
			return &sigs[i];
	return strcmp(id, silent.id) == 0 ? &silent : NULL;
}

const char *ng_sig_class_name(enum ng_sig_class c)
{
	static const char *const names[] = { "hang", "reset", "stall", "info" };

	return (unsigned)c < NG_ARRAY_SIZE(names) ? names[c] : "?";
}

/* The record's first line split into its printk prefix forms. Each form's body starts at
 * an offset; NULL when the line does not have that form. */
struct prefix {
	const char *body[4];		/* indexed by the NG_PFX_ bit number */
	const char *w1, *w2, *w3;	/* words of the netdev form: driver, device, name */
	size_t l1, l2, l3;
	const char *d2;			/* the dev_err form's device (w1 is its driver) */
	size_t dl2;
};

static size_t word(const char *p, const char *end, const char *stop)
{
	const char *s = p;

	while (p < end && *p != ' ' && !strchr(stop, *p))
		p++;
	return (size_t)(p - s);
}

static bool starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

static void split_prefix(const char *line, const char *end, struct prefix *pf)
{
	const char *p;

	memset(pf, 0, sizeof(*pf));
	pf->body[0] = line;
	/* "NAME: " (netdev without a parent; also "watchdog: ", which the table never asks
	 * to strip). */
	pf->l1 = word(line, end, ":");
	pf->w1 = line;
	p = line + pf->l1;
	if (pf->l1 && pf->l1 < NG_IFNAMSIZ && starts(p, end, ": "))
		pf->body[3] = p + 2;
	if (!pf->l1 || p == end || *p != ' ')
		return;
	/* "DRIVER DEVICE: " (dev_printk): the device may hold ':' (PCI addresses). */
	pf->d2 = ++p;
	while (p < end && *p != ' ' && !starts(p, end, ": "))
		p++;
	pf->dl2 = (size_t)(p - pf->d2);
	if (pf->dl2 && starts(p, end, ": "))
		pf->body[2] = p + 2;
	if (p == end || *p != ' ' || !pf->dl2)
		return;
	/* "DRIVER DEVICE IFNAME: ", the name optionally followed by " (unregistered)". */
	pf->w2 = pf->d2;
	pf->l2 = pf->dl2;
	pf->w3 = ++p;
	pf->l3 = word(p, end, ":");
	p += pf->l3;
	if (starts(p, end, " (unregistered)"))
		p += 15;
	else if (starts(p, end, " (uninitialized)"))
		p += 16;
	if (pf->l3 && pf->l3 < NG_IFNAMSIZ && starts(p, end, ": "))
		pf->body[1] = p + 2;
}

static void copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool is_digit(char c, bool hex)
{
	return (c >= '0' && c <= '9') ||
	       (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

/* Match template t against s..end; the %i capture goes to ifname (a word too long for an
 * interface name is no match: no interface has it). */
static bool tmatch(const char *t, const char *s, const char *end, char *ifname)
{
	while (*t) {
		const char *start = s;
		char spec;

		if (*t != '%') {
			if (s == end || *s != *t)
				return false;
			s++;
			t++;
			continue;
		}
		spec = t[1];
		t += 2;
		switch (spec) {
		case '*':
			return true;
		case 'd':
			if (s < end && *s == '-')
				s++;
			/* fall through */
		case 'u':
		case 'x':
			while (s < end && is_digit(*s, spec == 'x'))
				s++;
			if (s == start || (spec == 'd' && s == start + 1 && *start == '-'))
				return false;
			break;
		default:	/* 's', 'i' */
			while (s < end && *s != ' ' && *s != *t)
				s++;
			if (s == start || (spec == 'i' && s - start >= NG_IFNAMSIZ))
				return false;
			if (spec == 'i')
				copy(ifname, NG_IFNAMSIZ, start, (size_t)(s - start));
			break;
		}
	}
	return s == end;
}

static int pfx_index(unsigned bit)
{
	return bit == NG_PFX_NONE ? 0 : bit == NG_PFX_NETDEV ? 1 : bit == NG_PFX_DEV ? 2 : 3;
}

static bool row_match(const struct ng_sig *sig, const struct prefix *pf, const char *end,
		      struct ng_sig_match *m)
{
	static const unsigned order[] = { NG_PFX_NETDEV, NG_PFX_DEV, NG_PFX_NAME, NG_PFX_NONE };

	for (size_t i = 0; i < NG_ARRAY_SIZE(order); i++) {
		const char *body = pf->body[pfx_index(order[i])];
		char ifname[NG_IFNAMSIZ] = "";

		if (!(sig->prefix & order[i]) || !body)
			continue;
		if (sig->driver && (order[i] == NG_PFX_NETDEV || order[i] == NG_PFX_DEV) &&
		    (strlen(sig->driver) != pf->l1 || memcmp(sig->driver, pf->w1, pf->l1) != 0))
			continue;
		if (!tmatch(sig->text, body, end, ifname))
			continue;
		m->sig = sig;
		if (order[i] == NG_PFX_NETDEV) {
			copy(m->driver, sizeof(m->driver), pf->w1, pf->l1);
			copy(m->busdev, sizeof(m->busdev), pf->w2, pf->l2);
			copy(m->ifname, sizeof(m->ifname), pf->w3, pf->l3);
		} else if (order[i] == NG_PFX_DEV) {
			copy(m->driver, sizeof(m->driver), pf->w1, pf->l1);
			copy(m->busdev, sizeof(m->busdev), pf->d2, pf->dl2);
		} else if (order[i] == NG_PFX_NAME) {
			copy(m->ifname, sizeof(m->ifname), pf->w1, pf->l1);
		}
		if (ifname[0])
			copy(m->ifname, sizeof(m->ifname), ifname, strlen(ifname));
		return true;
	}
	return false;
}

bool ng_sig_match(const struct ng_kmsg *rec, unsigned flags, struct ng_sig_match *m)
{
	const char *line = rec->text, *end;
	struct prefix pf;

	/* Only the kernel writes facility 0; anything written to /dev/kmsg from user space
	 * arrives as facility 1 (user) and is someone quoting the kernel, unless the policy
	 * says to trust it (tests, the VM check). */
	if (rec->facility != 0 && !(rec->facility == 1 && (flags & NG_SIG_ACCEPT_USER)))
		return false;
	/* '+' (old kernels) is the tail of a continued line, with no prefix of its own. 'c'
	 * is matched: before 5.10 it flags the first fragment, which carries the message. */
	if (rec->flag == '+')
		return false;
	end = memchr(line, '\n', rec->text_len);
	if (!end)
		end = line + rec->text_len;
	/* A NUL (an escaped \x00) ends the text as far as matching goes. */
	end = line + strnlen(line, (size_t)(end - line));
	split_prefix(line, end, &pf);
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < NG_ARRAY_SIZE(sigs); i++) {
		if (row_match(&sigs[i], &pf, end, m)) {
			copy(m->device, sizeof(m->device), rec->device, strlen(rec->device));
			return true;
		}
	}
	return false;
}
