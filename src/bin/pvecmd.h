/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvecmd.h: the `nicguard pve` subcommands, shared by cmd-pve.c (dispatch, vzdump hook, stale
 * locks, cluster policy) and cmd-pve-guest.c (guest hookscripts, this node's registration). */
#ifndef NICGUARD_PVECMD_H
#define NICGUARD_PVECMD_H

#include <stdbool.h>

#include "nicguard.h"

#define VZDUMP_HOOK NG_LIBEXECDIR "/vzdump-hook"
#define GUEST_HOOK NG_LIBEXECDIR "/guest-hook"

/* The options of one `nicguard pve SUBCOMMAND` run, and its arguments. */
struct pve_opts {
	bool dry_run, all;
	bool if_changed;	/* cluster-sync --if-changed */
	const char *storage;	/* --storage, or NULL */
	unsigned wait_s;	/* unlock-stale --wait: seconds to wait for a guest's flock */
	int argc;
	char **argv;
};

/* Guest ids from the command line (decimal, 1-999999999) into *out (caller frees). Prints
 * the first bad one and returns -EINVAL. */
int pve_parse_vmids(int argc, char *const argv[], unsigned **out);

/* cmd-pve-guest.c; each returns the exit status. */
int pve_install_hookscript(struct ng_ctx *ctx, const struct pve_opts *o);
int pve_remove_hookscript(struct ng_ctx *ctx, const struct pve_opts *o);
int pve_register(struct ng_ctx *ctx, const struct pve_opts *o);
int pve_unregister(struct ng_ctx *ctx, const struct pve_opts *o);
int pve_check_removal(struct ng_ctx *ctx, const struct pve_opts *o);

#endif
