/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard.h: the public API of libnicguard, the only header an entry point includes. */
#ifndef NICGUARD_H
#define NICGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NG_IFNAMSIZ 16		/* IFNAMSIZ, including the NUL */
#define NG_NAME_MAX 48		/* a setting's name: "tx-tcp-mangleid-segmentation" fits */
#define NG_TEXT_MAX 256		/* a setting's printed value */

/* ------------------------------------------------------------------ err.c */

/* One error: a message and, for input errors, the file and line it concerns. */
struct ng_err {
	char file[256];		/* empty when the error has no location */
	unsigned line;		/* 0 when the error has no line */
	char msg[512];
};

/* Fill err (when not NULL) with a message; file may be NULL. Returns -errnum so a caller
 * can write `return ng_err_set(err, -EINVAL, NULL, 0, "...")`. */
int ng_err_set(struct ng_err *err, int errnum, const char *file, unsigned line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Render err as "FILE:LINE: msg", "FILE: msg" or "msg" into buf; returns buf. */
const char *ng_err_str(const struct ng_err *err, char *buf, size_t len);

/* A diagnostics list, as parsers collect it: every problem, each with its place. */
struct ng_diag {
	char *file;
	unsigned line;
	char *msg;
};

struct ng_diags {
	struct ng_diag *v;
	size_t n, cap;
};

/* Append one diagnostic (copies file and the formatted message). Returns 0 or -ENOMEM. */
int ng_diags_add(struct ng_diags *d, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ng_diags_free(struct ng_diags *d);

/* ------------------------------------------------------------------ ctx.c */

/* What a context is built from. Every field may be zero/NULL for the default. */
struct ng_ctx_opts {
	const char *root;		/* prefix for every path the library touches; NULL: "/" */
	const char *const *policy_paths; /* NULL: the built-in list; a list with only NULL: none */
	bool no_builtin;		/* leave out the built-in driver defaults */
	const char *ethtool;		/* absolute program paths; NULL: the Debian paths */
	const char *qm;
	const char *pct;
	const char *update_initramfs;
	const char *ip;
};

struct ng_ctx;

/* A new context. Returns NULL with err filled on a bad option or no memory. */
struct ng_ctx *ng_ctx_new(const struct ng_ctx_opts *opts, struct ng_err *err);
void ng_ctx_free(struct ng_ctx *ctx);

/* Install a trace sink for -v; the library calls it with one line of text, no newline. */
void ng_ctx_set_trace(struct ng_ctx *ctx, void (*fn)(void *data, const char *line), void *data);

/* Program paths and the root, as the context holds them. */
const char *ng_ctx_root(const struct ng_ctx *ctx);
const char *ng_ctx_program(const struct ng_ctx *ctx, const char *name); /* "ethtool", "qm", ... */

/* The policy files the context reads, in order (NULL-terminated). */
const char *const *ng_ctx_policy_paths(const struct ng_ctx *ctx);

/* ----------------------------------------------------------------- path.c */

/* buf = root + the path formatted from fmt (which starts with '/'). Returns 0, or
 * -ENAMETOOLONG when it does not fit. */
int ng_path(const struct ng_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---------------------------------------------------------------- iface.c */

/* Interface names as the kernel allows them (dev_valid_name) and nicguard accepts them:
 * 1-15 bytes, not "." or "..", no '/', ':', whitespace or control bytes; we also refuse
 * shell metacharacters, since names reach logs and pass-through argv. */
bool ng_ifname_valid(const char *name);

enum ng_kind {
	NG_KIND_PHYSICAL,	/* has a bus device (PCI, virtio, USB) */
	NG_KIND_BRIDGE,
	NG_KIND_BOND,
	NG_KIND_VLAN,
	NG_KIND_VETH,
	NG_KIND_TAP,
	NG_KIND_TUN,
	NG_KIND_LOOPBACK,
	NG_KIND_VIRTUAL,	/* any other software device */
};

const char *ng_kind_name(enum ng_kind kind);

/* Facts about one interface, read from sysfs under the context's root. */
struct ng_iface {
	char name[NG_IFNAMSIZ];
	int ifindex;
	enum ng_kind kind;
	char driver[32];	/* e1000e, virtio_net, r8169, veth, tun, bridge; "" if none */
	char bus_addr[32];	/* PCI address (0000:00:1f.6) or bus device (virtio0); "" if none */
	char pci_addr[16];	/* PCI address of the device or its parent; "" if none */
	char mac[18];		/* aa:bb:cc:dd:ee:ff */
	char master[NG_IFNAMSIZ]; /* bridge or bond this port is enslaved to; "" if none */
	unsigned rx_queues;	/* rx-N directories under queues/ */
	bool up;		/* IFF_UP */
};

/* Read the facts of interface NAME. Returns 0, -EINVAL for an invalid name, -ENODEV when
 * there is no such interface, or another negative errno. */
int ng_iface_read(const struct ng_ctx *ctx, const char *name, struct ng_iface *out,
		  struct ng_err *err);

/* Read the facts of the interface with this ifindex (udev's stable handle on `add`). */
int ng_iface_read_index(const struct ng_ctx *ctx, int ifindex, struct ng_iface *out,
			struct ng_err *err);

/* Every interface under root/sys/class/net, sorted by name; lo is left out. The caller
 * frees *out with free(). */
int ng_iface_list(const struct ng_ctx *ctx, struct ng_iface **out, size_t *n,
		  struct ng_err *err);

/* -------------------------------------------------------- value.c, policy.c */

/* What a setting belongs to. */
enum ng_group {
	NG_OFFLOAD,	/* offload = tso off gso off; name: short name or kernel feature name */
	NG_LINK,	/* link = speed 100 duplex full autoneg off; name: speed|duplex|autoneg */
	NG_COALESCE,	/* coalesce = rx-usecs 3; name: an ethtool -C parameter */
	NG_RING,	/* ring = rx 4096 tx 4096; name: rx|rx-mini|rx-jumbo|tx */
	NG_RPS,		/* rps = all|none|HEXMASK|CPU-LIST; name: "rps" */
	NG_ETHTOOL,	/* ethtool = --set-eee {} eee off; name: the first word */
	NG_ITR,		/* interrupt-throttle-rate = 3; name: "interrupt-throttle-rate" */
	NG_FLAG,	/* skip = yes, backup-uplink = yes; name: the key */
	NG_GROUP_MAX,
};

/* Which moment a setting is for: the key's prefix. */
enum ng_set {
	NG_SET_NORMAL,	/* offload, link, ... */
	NG_SET_BACKUP,	/* backup-offload, ...: applied during a vzdump job */
	NG_SET_WATCH,	/* watch-offload, ...: applied by nicguard-watch after a hang */
	NG_SET_MAX,
};

/* Where a value came from: "FILE:LINE", or file "built-in" and line 0. */
struct ng_origin {
	const char *file;	/* owned by the policy (or a static string) */
	unsigned line;
};

/* One setting: a name and its value, in one vocabulary whatever spelling was written. */
struct ng_item {
	enum ng_group group;
	enum ng_set set;
	char name[NG_NAME_MAX];
	int64_t num;		/* on/off: 1/0; duplex: 0 half, 1 full; numbers as given */
	char *text;		/* NG_RPS: canonical mask text; NG_ETHTOOL: the words; else NULL */
	struct ng_origin origin;
};

/* Parse one value in ethtool(8) words for (group, set) into items appended to *items.
 * Used by the policy parser and the stanza-key helpers alike. On bad input returns -EINVAL
 * and err says what is wrong (without file/line: the caller adds the place). */
int ng_value_parse(enum ng_group group, enum ng_set set, const char *text,
		   struct ng_origin origin, struct ng_item **items, size_t *n,
		   struct ng_err *err);

/* Render an item's value as written in a policy file ("off", "100", "full", "all"). */
const char *ng_item_value_str(const struct ng_item *it, char *buf, size_t len);

/* Look a policy key up ("offload", "backup-coalesce", "interrupt-throttle-rate", "skip"):
 * returns 0 and fills group/set, or -ENOENT. */
int ng_key_lookup(const char *key, enum ng_group *group, enum ng_set *set);

/* The key as written for (group, set), e.g. "backup-offload". NULL if there is none. */
const char *ng_key_name(enum ng_group group, enum ng_set set);

/* Free the text of items[0..n) and the array. */
void ng_items_free(struct ng_item *items, size_t n);

/* Section kinds of the policy file: [driver NAME...], [interface GLOB...], [mac MAC...],
 * [pci ADDR-GLOB...] match interfaces and hold settings; [watch] and [pve] are option
 * sections holding plain key = value pairs that their own files validate (watch.c, pve.c).
 * The built-in defaults are sections of kind driver. */
enum ng_match {
	NG_MATCH_DRIVER,
	NG_MATCH_NAME,
	NG_MATCH_MAC,
	NG_MATCH_PCI,
	NG_MATCH_WATCH,
	NG_MATCH_PVE,
	NG_MATCH_MAX,
};

struct ng_section {
	enum ng_match kind;
	char **patterns;	/* at least one, except for [watch] */
	size_t npatterns;
	struct ng_origin origin; /* the header line */
	struct ng_item *items;
	size_t nitems;
	char **opt_keys;	/* option sections only: key and value text, and each line */
	char **opt_values;
	unsigned *opt_lines;
	size_t nopts;
	bool bad;		/* holds a diagnostic: ignored by resolve */
};

struct ng_policy {
	struct ng_section *sections;
	size_t nsections;
	char **files;		/* file names origins point into */
	size_t nfiles;
	struct ng_diags diags;
};

/* A new, empty policy (without built-ins). NULL on no memory. */
struct ng_policy *ng_policy_new(void);

/* Append the built-in defaults (e1000e, virtio_net, r8169: tso off gso off gro off). */
int ng_policy_add_builtin(struct ng_policy *p);

/* Parse text from memory (name is the file name used in diagnostics) and append its
 * sections. Collects every diagnostic in p->diags and keeps going; returns 0 when the
 * text had none, -EINVAL when it had some, -ENOMEM. */
int ng_policy_parse(struct ng_policy *p, const char *buf, size_t len, const char *name);

/* Read every policy file of the context (missing optional files are skipped; conf.d/
 * sorted), after the built-in defaults unless the context says otherwise. *out is set even
 * on -EINVAL so the caller can print p->diags. Returns 0, -EINVAL (diagnostics), or an
 * errno for a file that exists but cannot be read (err says which). */
int ng_policy_load(const struct ng_ctx *ctx, struct ng_policy **out, struct ng_err *err);

/* Print the policy in its own syntax; the output parses back to the same policy. */
int ng_policy_print(const struct ng_policy *p, FILE *out);

void ng_policy_free(struct ng_policy *p);

/* ------------------------------------------------------------- resolve.c */

/* The settings wanted for one interface and one set, each with its origin. At most one
 * item per (group, name): a later or more specific section replaces an earlier one.
 * Specificity: built-in < driver < interface glob < pci < mac < exact interface name <
 * merged stanza keys. */
struct ng_wanted {
	struct ng_item *items;
	size_t n;
	bool matched;		/* some section (not only built-in) matched */
	bool builtin;		/* a built-in section matched */
};

/* Resolve p for ifc and set. Returns 0 or -ENOMEM. */
int ng_resolve(const struct ng_policy *p, const struct ng_iface *ifc, enum ng_set set,
	       struct ng_wanted *out, struct ng_err *err);

/* Merge items over w (same rule: each (group, name) replaced). Copies the items. */
int ng_wanted_merge(struct ng_wanted *w, const struct ng_item *items, size_t n);

/* The item for (group, name), or NULL. */
const struct ng_item *ng_wanted_find(const struct ng_wanted *w, enum ng_group group,
				     const char *name);

/* True when skip = yes is among w's items. */
bool ng_wanted_skip(const struct ng_wanted *w);

void ng_wanted_free(struct ng_wanted *w);

/* ----------------------------------------------------------- apply.c, plan.c */

enum ng_outcome {
	NG_CHANGED,		/* differed, written, read back as wanted */
	NG_ALREADY,		/* already as wanted: nothing written */
	NG_UNSUPPORTED,		/* the device or kernel has no such setting (EOPNOTSUPP, no name) */
	NG_FIXED,		/* the driver does not let it change (fixed feature, wish only) */
	NG_FAILED,		/* the write failed or did not take: see error */
	NG_PLANNED,		/* dry run: would be written */
};

const char *ng_outcome_name(enum ng_outcome o);

/* The outcome of one setting on one interface. */
struct ng_result {
	char ifname[NG_IFNAMSIZ];
	enum ng_group group;
	char name[NG_NAME_MAX];		/* as the item says: "tso", "speed", "rx-usecs" */
	char want[NG_TEXT_MAX];		/* "off", "100" */
	char was[NG_TEXT_MAX];		/* before; "" if it could not be read */
	char now[NG_TEXT_MAX];		/* after (read back); "" if it could not be read */
	char detail[NG_TEXT_MAX];	/* e.g. the kernel features a group covered */
	enum ng_outcome outcome;
	int error;			/* negative errno for NG_FAILED/NG_UNSUPPORTED, else 0 */
	struct ng_origin origin;
};

struct ng_report {
	struct ng_result *v;
	size_t n, cap;
};

void ng_report_free(struct ng_report *r);

/* True when some result is NG_FAILED or NG_UNSUPPORTED. */
bool ng_report_failed(const struct ng_report *r);

enum {
	NG_APPLY_DRY_RUN = 1 << 0,	/* read and compare; write nothing; NG_PLANNED for changes */
};

/* Apply w to ifc: read the current state, write only what differs (all features in one
 * ETHTOOL_SFEATURES call), read back, append one result per item to rep. Returns 0 when
 * the interface could be worked on at all (per-setting failures are in rep), or a negative
 * errno (e.g. -ENODEV) with err filled. */
int ng_apply(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
	     unsigned flags, struct ng_report *rep, struct ng_err *err);

/* Read the current values of the settings w names, in restorable form: offload groups are
 * expanded into one item per kernel feature, so applying the snapshot later puts back
 * exactly what was there. Items the device does not support are left out. */
int ng_snapshot(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
		struct ng_wanted *out, struct ng_err *err);

/* ------------------------------------------------------------- atomic.c */

/* The first line of every file nicguard writes; a file without it is not nicguard's. */
#define NG_MARKER "# Written by nicguard. Changes here are overwritten; edit the policy instead."

/* Write buf to path atomically: temp file in the same directory (O_EXCL|O_NOFOLLOW, mode),
 * write, fsync, rename, fsync the directory. Returns 0 or a negative errno with err set;
 * on failure the old file is untouched and no temp file is left. */
int ng_atomic_write(const char *path, const void *buf, size_t len, unsigned mode,
		    struct ng_err *err);

/* Like ng_atomic_write, but refuses (-EEXIST) to replace an existing file that does not
 * start with NG_MARKER, that is a symlink, or that root does not own. */
int ng_atomic_write_owned(const char *path, const void *buf, size_t len, unsigned mode,
			  struct ng_err *err);

/* Read a whole (small) file into a NUL-terminated buffer; refuses symlinks when
 * nofollow. Caller frees. Returns 0 or a negative errno. */
int ng_read_file(const char *path, bool nofollow, size_t max, char **buf, size_t *len);

#endif
