/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nicguard.h: the public API of libnicguard, the only header an entry point includes.
 * The shape: a context (ctx.c) and a policy (policy.c, policyload.c); a resolver and the one
 * resolution of what an interface wants, every layer and set with each value's origin
 * (target.c); the one apply path that sets or compares it (apply.c: ng_apply_iface) and its
 * report (report.c: results, drift). docs/resolution.md has the order of the layers. */
#ifndef NICGUARD_H
#define NICGUARD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define NG_IFNAMSIZ 16		/* IFNAMSIZ, including the NUL */
#define NG_NAME_MAX 48		/* a setting's name: "tx-tcp-mangleid-segmentation" fits */
#define NG_TEXT_MAX 256		/* a setting's printed value */
#define NG_RPS_QUEUES_MAX 256	/* per-queue rps values in one setting */

/* ------------------------------------------------------------------ err.c */

/* One error: a message and, for input errors, the file and line it concerns. */
struct ng_err {
	char file[256];		/* empty when the error has no location */
	unsigned line;		/* 0 when the error has no line */
	char msg[512];
};

/* Fill err (when not NULL) with a message; file may be NULL. Returns errnum as given (a
 * negative errno), so a caller can write `return ng_err_set(err, -EINVAL, NULL, 0, "...")`. */
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
	const char *ethtool;		/* absolute program paths; NULL: the Debian paths (qm,
					 * pct and update-initramfs under root) */
	const char *qm;
	const char *pct;
	const char *update_initramfs;
	const char *ip;
	const char *systemctl;		/* NULL: /usr/bin/systemctl under root */
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

/* --------------------------------------------------------------- ifname.c */

/* Interface names as the kernel allows them (dev_valid_name) and nicguard accepts them:
 * 1-15 bytes, not "." or "..", no '/', ':', whitespace or control bytes; we also refuse
 * shell metacharacters, since names reach logs and pass-through argv. */
bool ng_ifname_valid(const char *name);

/* ---------------------------------------------------------------- iface.c */

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
	char perm_mac[18];	/* the burnt-in address: rtnetlink's IFLA_PERM_ADDRESS; under a
				 * fixture root the address when addr_assign_type is 0 (permanent);
				 * "" for devices without one (veth, bridge, tap) */
	char master[NG_IFNAMSIZ]; /* bridge or bond this port is enslaved to; "" if none */
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

/* -------------------------------------------------------------- ethtool.c */

/* Set interface IFNAME administratively up or down (SIOCSIFFLAGS) in the caller's network
 * namespace; nothing is written when it already is. Returns 0 or a negative errno. */
int ng_link_set_up(const struct ng_ctx *ctx, const char *ifname, bool up, struct ng_err *err);

/* Bounce IFNAME: down, then up (the mildest recovery of a hung NIC; on e1000e a full MAC
 * reset). Returns 0 or a negative errno (-ENODEV, -EPERM) with err filled. */
int ng_link_bounce(const struct ng_ctx *ctx, const char *ifname, struct ng_err *err);

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
	NG_CMDLINE,	/* kernel-cmdline = pcie_aspm=off; name: "kernel-cmdline"; text: the
			 * parameters in canonical order, "" for none. Not applied to the device:
			 * `nicguard cmdline` writes it to the boot configuration (cmdline.c) */
	NG_PAUSE,	/* pause = autoneg off rx off tx off (ethtool -A); name: autoneg|rx|tx */
	NG_EEE,		/* eee = eee off (ethtool --set-eee); name: eee|tx-lpi|tx-timer */
	NG_CHANNELS,	/* channels = combined 4 (ethtool -L); name: rx|tx|other|combined */
	NG_RFS,		/* rfs = 32768: RFS flow entries (rps_sock_flow_entries, never lowered),
			 * divided among the rx queues (rps_flow_cnt); name: "rfs" */
	NG_GROUP_MAX,
};

/* Which moment a setting is for: the key's prefix. */
enum ng_set {
	NG_SET_NORMAL,	/* offload, link, ... */
	NG_SET_BACKUP,	/* backup-offload, ...: applied during a vzdump job */
	NG_SET_WATCH,	/* watch-offload, ...: applied by nicguard-watch after a hang */
	NG_SET_MAX,
};

/* The layers a resolved value can come from, lowest first: a higher layer replaces what a
 * lower one says about the same setting. The policy's layers are the specificity of the
 * section that matched; the interface's stanza keys come above them all. (The cluster file
 * /etc/pve/nicguard.conf is no layer of its own: it is read first, so at the same layer a
 * node file wins.) docs/resolution.md has the whole order. */
enum ng_layer {
	NG_LAYER_NONE,		/* not resolved: a parsed value, a saved or read-back state */
	NG_LAYER_BUILTIN,	/* the built-in driver defaults */
	NG_LAYER_DRIVER,	/* [driver NAME] */
	NG_LAYER_GLOB,		/* [interface GLOB] */
	NG_LAYER_PCI,		/* [pci ADDR] */
	NG_LAYER_MAC,		/* [mac MAC] */
	NG_LAYER_NAME,		/* [interface NAME] */
	NG_LAYER_STANZA,	/* nicguard-* keys of its stanza in /etc/network/interfaces */
	NG_LAYER_MAX,
};

/* "built-in", "driver", "interface glob", "pci", "mac", "interface name", "stanza". */
const char *ng_layer_name(enum ng_layer layer);

/* Where a value came from: "FILE:LINE", or file "built-in" and line 0; and, once resolved
 * for an interface, the layer that put it there. */
struct ng_origin {
	const char *file;	/* owned by the policy (or a static string) */
	unsigned line;
	enum ng_layer layer;
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

/* One setting as a policy line says it: "offload = tso off", "rps = all", "skip = yes",
 * "ethtool = --set-eee {} eee off". The one renderer of a setting: the policy printer, the
 * backup state file and explain all write through it (ng_items_print). Returns buf. */
const char *ng_item_str(const struct ng_item *it, char *buf, size_t len);

/* Free the text of items[0..n) and the array. */
void ng_items_free(struct ng_item *items, size_t n);

/* The key of group g's normal set ("offload", "pause", "channels"), or NULL. */
const char *ng_group_key(enum ng_group g);

/* Section kinds of the policy file: [driver NAME...], [interface GLOB...], [mac MAC...],
 * [pci ADDR-GLOB...] match interfaces and hold settings; [watch] and [pve] are option
 * sections holding plain key = value pairs that their own files validate (watchopt.c,
 * pveopt.c).
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

/* Which cluster policy ng_policy_load reads in place of root/etc/pve/nicguard.conf: the
 * file itself while pmxcfs is mounted (root/etc/pve/local exists), else its last-known copy
 * root/var/lib/nicguard/cluster.conf (at boot, before pve-cluster.service), else none. */
enum ng_cluster_source {
	NG_CLUSTER_NONE,
	NG_CLUSTER_LIVE,
	NG_CLUSTER_COPY,
};

struct ng_cluster_policy {
	enum ng_cluster_source source;
	char path[PATH_MAX];	/* the file read; "" for none */
	time_t copied;		/* COPY: when the copy was written */
	bool pmxcfs;		/* /etc/pve is mounted */
};

int ng_cluster_policy_state(const struct ng_ctx *ctx, struct ng_cluster_policy *out);

struct ng_pve_change;

/* Keep the last-known copy equal to root/etc/pve/nicguard.conf: written (NG_MARKER and one
 * comment line, then the file's bytes) when it differs, removed when the cluster file is
 * gone; nothing while pmxcfs is not mounted. out->changed says whether the policy in effect
 * at the next boot changed. Returns 0 or a negative errno with err filled. */
int ng_cluster_policy_sync(const struct ng_ctx *ctx, bool dry_run, struct ng_pve_change *out,
			   struct ng_err *err);

/* Print the policy in its own syntax; the output parses back to the same policy. */
int ng_policy_print(const struct ng_policy *p, FILE *out);

void ng_policy_free(struct ng_policy *p);

/* What a program may read of a policy: its diagnostics (i < ng_policy_ndiags), the files it
 * was read from, and how many sections those files hold (the built-in ones not counted). */
size_t ng_policy_ndiags(const struct ng_policy *p);
const struct ng_diag *ng_policy_diag(const struct ng_policy *p, size_t i);
size_t ng_policy_nfiles(const struct ng_policy *p);
const char *ng_policy_file(const struct ng_policy *p, size_t i);
size_t ng_policy_nsections(const struct ng_policy *p);

/* ------------------------------------------------------------- report.c */

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

/* The results of one or more interfaces, in order; zero it before the first use. */
struct ng_report {
	struct ng_result *v;
	size_t n, cap;
	char **files;		/* copies of the origins' file names: a report outlives the
				 * policy or stanza its items came from */
	size_t nfiles;
	struct ng_diags diags;	/* what is no setting's outcome: stanza values left out */
};

void ng_report_free(struct ng_report *r);

/* True when some result is NG_FAILED or NG_UNSUPPORTED. */
bool ng_report_failed(const struct ng_report *r);

/* Drift, the one definition `status` and `doctor` both use: a dry-run result whose device
 * holds something else than wanted (NG_PLANNED: apply would change it; NG_FIXED: the driver
 * keeps another value). An `ethtool =` pass-through line cannot be read back, so it is never
 * drift, whatever its outcome. */
bool ng_result_drift(const struct ng_result *r);

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

/* ---------------------------------------------------- pve.c, pvetask.c, vzdump.c */

enum ng_guest_type {
	NG_GUEST_QEMU,		/* /etc/pve/nodes/NODE/qemu-server/VMID.conf */
	NG_GUEST_LXC,		/* /etc/pve/nodes/NODE/lxc/VMID.conf */
};

#define NG_NODE_MAX 64		/* a node name, as /etc/pve/nodes/NODE names it */

/* One guest, as its config file says. */
struct ng_guest {
	unsigned vmid;
	enum ng_guest_type type;
	char node[NG_NODE_MAX];	/* the node whose /etc/pve/nodes/NODE holds its config */
	char lock[24];		/* the main section's `lock:` value; "" when there is none */
	char hookscript[128];	/* its `hookscript:` volume id; "" when there is none */
	int error;		/* negative errno when the config could not be read, else 0 */
};

/* The value of key (e.g. "lock") in a guest config held in memory, main section only:
 * reading stops at the first section header ([snapshot name], [PENDING],
 * [special:cloudinit]); comment lines do not count; a later line overrides; a line without
 * a value ("lock:") is ignored, as PVE's parser ignores it. val gets "" when there is none.
 * Returns 0, or -EINVAL when the value is too long for val. */
int ng_guest_conf_value(const char *buf, size_t len, const char *key, char *val, size_t vlen);

/* The config text without the main section's key lines (those ng_guest_conf_value reads);
 * everything else byte for byte. *out is NUL-terminated; caller frees. 0 or -ENOMEM. */
int ng_guest_conf_drop(const char *buf, size_t len, const char *key, char **out, size_t *outlen);

/* This node's name: the last part of the root/etc/pve/local link pmxcfs makes (nodes/NODE).
 * Returns 0, -ENOENT (no such link: pmxcfs is not up, or not Proxmox), or another errno. */
int ng_pve_node_name(const struct ng_ctx *ctx, char *node, size_t len);

/* This node's guests: root/etc/pve/nodes/NODE/{qemu-server,lxc}/VMID.conf, sorted by type,
 * then vmid. A config that cannot be read is listed with error set. Without
 * /etc/pve/local, or a missing directory: none. Caller frees *out. Returns 0 or a negative
 * errno with err filled. */
int ng_pve_guests(const struct ng_ctx *ctx, struct ng_guest **out, size_t *n,
		  struct ng_err *err);

/* Every node's guests (every root/etc/pve/nodes/NODE/), sorted by node, type, vmid. */
int ng_pve_guests_all(const struct ng_ctx *ctx, struct ng_guest **out, size_t *n,
		      struct ng_err *err);

/* Is ifname one of guest vmid's host-side devices: tap<VMID>i<N> (QEMU), veth<VMID>i<N>
 * (LXC), fwpr<VMID>p<N>, fwln<VMID>i<N> or, on an Open vSwitch bridge, fwln<VMID>o<N>
 * (firewall bridge ports)? fwbr<VMID>i<N>, the
 * firewall bridge itself, is not: it has no settings of its own to keep. */
bool ng_pve_guest_dev(const char *ifname, unsigned vmid);

/* Is ifname any guest's host-side device, by those names? */
bool ng_pve_guest_port(const char *ifname);


/* A Proxmox task id: UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER: (numbers in hex). */
struct ng_upid {
	char node[64];
	int pid;
	unsigned long long pstart;	/* the process start time, /proc/PID/stat field 22 */
	unsigned long starttime;	/* the task's start, seconds since the epoch */
	char type[32];			/* "vzdump", "qmstart", ... */
	char id[64];
	char user[128];
};

/* Parse text (trailing blanks and newline allowed). Returns 0 or -EINVAL. */
int ng_upid_parse(const char *text, struct ng_upid *out);

/* Is the task's process alive: /proc/PID/stat under the root exists, its field 22 equals
 * pstart and its state is not Z (zombie) or X. Returns 1, 0, or a negative errno when
 * /proc/PID/stat exists but cannot be read or parsed. */
int ng_upid_alive(const struct ng_ctx *ctx, const struct ng_upid *u);

/* Is a vzdump backup running on this node? Yes when some process holds an flock on
 * /var/run/vzdump.lock (seen in /proc/locks: nicguard never takes that lock itself, since
 * holding it even briefly fails a vzdump started with lockwait 0), or when the UPID in
 * /var/run/vzdump.pid or a vzdump task in /var/log/pve/tasks/active is alive. Returns 1
 * with why saying which, 0, or a negative errno (err filled) when it cannot tell. */
int ng_pve_backup_alive(const struct ng_ctx *ctx, char *why, size_t whylen, struct ng_err *err);

/* --------------------------------------------------------------- pvelock.c */

/* The flock file Proxmox takes around every change of g's config: root +
 * /var/lock/qemu-server/lock-VMID.conf (PVE::QemuConfig) or /run/lock/lxc/pve-config-VMID.lock
 * (PVE::LXC::Config). Returns 0 or -ENAMETOOLONG. */
int ng_pve_lock_path(const struct ng_ctx *ctx, const struct ng_guest *g, char *path, size_t len);

/* Remove `lock: VALUE` from g's config as PVE::AbstractConfig remove_lock($vmid, VALUE)
 * does: take g's flock (waiting up to timeout_ms; Proxmox waits 10000), read the config
 * again, remove the main section's lock only if it is still value, write NAME.tmp.PID and
 * rename it over the config. With unless_backup_alive, a running backup (checked under the
 * flock) keeps it. Returns 0 when removed; -EBUSY when the flock stayed taken; -ESTALE when
 * the lock is another value or none by now; -EAGAIN when a backup runs; another negative
 * errno (read or write failed). err says which, in Proxmox's words where it has some. */
int ng_pve_remove_lock(const struct ng_ctx *ctx, const struct ng_guest *g, const char *value,
		       unsigned timeout_ms, bool unless_backup_alive, struct ng_err *err);

/* What happened to one guest's `lock: backup`. */
enum ng_unlock_outcome {
	NG_UNLOCK_REMOVED,	/* it was stale and is gone */
	NG_UNLOCK_WOULD,	/* dry run: it would be removed */
	NG_UNLOCK_CHANGED,	/* under the flock it was another value, or none: left alone */
	NG_UNLOCK_BUSY,		/* the config's flock stayed taken */
	NG_UNLOCK_ALIVE,	/* a backup runs (seen under the flock): kept */
	NG_UNLOCK_UNREADABLE,	/* its config could not be read at all: its lock is unknown */
	NG_UNLOCK_FAILED,	/* the config could not be read again or written */
};

struct ng_unlock_result {
	unsigned vmid;
	enum ng_guest_type type;
	enum ng_unlock_outcome outcome;
	char detail[256];	/* why, for every outcome but REMOVED and WOULD */
};

struct ng_unlock_report {
	struct ng_unlock_result *v;
	size_t n;
};

struct ng_unlock_opts {
	const unsigned *vmids;	/* only these guests (nvmids of them); every one when 0 */
	size_t nvmids;
	unsigned timeout_ms;	/* the flock wait per guest: 0 tries once */
	bool unless_backup_alive; /* refuse while a backup runs (not inside vzdump's own job) */
	bool dry_run;
};

/* The stale-lock sweep every caller shares (vzdump hook at job-end, guest hook at post-stop,
 * `nicguard pve unlock-stale`): each of this node's guests whose config says `lock: backup`
 * goes through ng_pve_remove_lock(..., "backup", ...), one result each; an unreadable config
 * is an UNREADABLE result. No other lock value is ever touched. Returns 0; -EAGAIN (err says
 * why) when unless_backup_alive and a backup runs; or a negative errno when the guests
 * cannot be listed. Free rep with ng_unlock_report_free. */
int ng_pve_unlock_stale(const struct ng_ctx *ctx, const struct ng_unlock_opts *o,
			struct ng_unlock_report *rep, struct ng_err *err);
void ng_unlock_report_free(struct ng_unlock_report *rep);

/* How long a removal handed over by the guest hook waits for the guest's flock: the stop
 * that holds it (qm cleanup: lock_config_full with 60 s) releases it when it is done. */
#define NG_UNLOCK_LATER_MS 120000

/* Hand guest vmid's stale-lock removal to systemd: `systemctl --no-block start
 * nicguard-unlock@VMID.service`, whose `nicguard pve unlock-stale --wait` runs in a cgroup
 * of its own, so it outlives the guest's (an LXC post-stop hook's processes die with the
 * container's unit). Returns 0; -ENOSYS when systemd does not run (root/run/systemd/system
 * is no directory): the caller does it in a process of its own; another errno on failure. */
int ng_pve_unlock_later(const struct ng_ctx *ctx, unsigned vmid, struct ng_err *err);

/* `systemctl --no-block start UNIT` (/usr/bin/systemctl, its own PATH, 10 s): 0, -ENOSYS
 * when systemd does not run (root/run/systemd/system is no directory), -EIO on its failure. */
int ng_pve_start_unit(const struct ng_ctx *ctx, const char *unit, struct ng_err *err);

/* The outcome in words, e.g. "removed a stale lock: backup". */
const char *ng_unlock_outcome_text(enum ng_unlock_outcome o);

/* ------------------------------------------------------------- pve.c (more) */

/* Set g's hookscript: `qm|pct set VMID --hookscript VOLID` (volid NULL: `--delete
 * hookscript`) through the context's "qm" or "pct" program, with an environment of its own
 * (PATH, LC_ALL=C) and a 30 s timeout. Returns 0, or a negative errno (-EIO for a non-zero
 * exit) with err holding the program's output on one line. */
int ng_pve_set_hookscript(const struct ng_ctx *ctx, const struct ng_guest *g, const char *volid,
			  struct ng_err *err);

/* Run program path with argv and envp as given, on the caller's stdin, stdout and stderr,
 * and wait for it (no timeout: a chained vzdump hook gets the time vzdump gives it).
 * *status gets its exit code or 128 + signal. Returns 0, or a negative errno when it could
 * not run (err filled). */
int ng_pve_run_chained(const char *path, char *const argv[], char *const envp[], int *status,
		       struct ng_err *err);

/* The [pve] options of a policy; later sections override earlier ones, sections marked
 * bad are ignored. Keys: abort-on-error = yes|no (default no: the hooks never fail a
 * backup or a guest start), unlock-stale = yes|no (default yes: job-end unlocks stale
 * `lock: backup`). */
struct ng_pve_opts {
	bool abort_on_error;
	bool unlock_stale;
};

void ng_pve_opts_get(const struct ng_policy *p, struct ng_pve_opts *out);

/* The value of the `script:` line of a vzdump.conf held in memory that vzdump uses, into
 * script ("" when there is none): lines as PVE::JSONSchema::parse_config reads them
 * (trimmed, '#' lines skipped, any blanks after the colon), the last one winning; an empty
 * value means no hook, as in vzdump. Returns 0 or -ENAMETOOLONG. */
int ng_vzdump_conf_script(const char *buf, size_t len, char *script, size_t scriptlen);

/* Make vzdump.conf text call hook: every `script:` line vzdump reads (indented ones too)
 * becomes `script: HOOK` (the rest of the file is kept byte for byte), else `script: HOOK`
 * is appended. The new text
 * goes to *out (caller frees). Returns 0 or -ENOMEM. */
int ng_vzdump_conf_enable(const char *buf, size_t len, const char *hook, char **out,
			  size_t *outlen);

/* Undo ng_vzdump_conf_enable line-wise in text edited since: the `script: HOOK` line is
 * turned back into `script: CHAIN`, or removed when chain is "" or NULL. Returns 0,
 * -ENOENT when no script line names hook, -ENOMEM. */
int ng_vzdump_conf_disable(const char *buf, size_t len, const char *hook, const char *chain,
			   char **out, size_t *outlen);

/* What `nicguard pve enable-hook` and `disable-hook` did or would do. */
struct ng_pve_hook_change {
	bool changed;		/* false: already so, nothing written */
	char chain[PATH_MAX];	/* the admin's hook kept as the chained one; "" if none */
	char text[640];		/* one line for the admin */
};

/* Enable: make root/etc/vzdump.conf call hook (an absolute path as vzdump sees it). The
 * original file is kept byte for byte as root/etc/nicguard/vzdump.conf.orig (its `script:`
 * is the chained hook); vzdump.conf is then written atomically. dry_run writes nothing.
 * Returns 0 or a negative errno with err filled. */
int ng_pve_hook_enable(const struct ng_ctx *ctx, const char *hook, bool dry_run,
		       struct ng_pve_hook_change *out, struct ng_err *err);

/* Disable: put back the original vzdump.conf byte for byte when the file is still as
 * enable-hook wrote it (or remove it when there was none), else undo the script line
 * only; then remove the kept copy. */
int ng_pve_hook_disable(const struct ng_ctx *ctx, const char *hook, bool dry_run,
			struct ng_pve_hook_change *out, struct ng_err *err);

/* The chained hook recorded by enable-hook ("" when none). Returns 0, or a negative errno
 * when the kept copy exists but cannot be read. */
int ng_pve_hook_chain(const struct ng_ctx *ctx, char *chain, size_t len);

/* Where a hook program runs from says which root it works on: a binary installed as
 * R + install_path (e.g. R/usr/libexec/nicguard/vzdump-hook) works on root R; any other
 * location on "/". Tests copy the hook into a fake tree, so vzdump's emptied environment
 * stays exactly as vzdump makes it. root gets "/" or R. Returns 0 or -ENAMETOOLONG. */
int ng_pve_root_from_exe(const char *exe, const char *install_path, char *root, size_t len);

/* --------------------------------------------------------------- storage.c */

/* One storage of /etc/pve/storage.cfg: "TYPE: ID" and its indented "key value" lines. */
struct ng_storage {
	char *type;		/* lowercased: dir, nfs, cifs, pbs, rbd, cephfs, lvmthin, ... */
	char *id;
	unsigned line;		/* of its header; 0 for the built-in `local` */
	bool builtin;		/* the `local` Proxmox puts in when the file has none */
	char **keys, **values;	/* n pairs, in file order; a flag's value is "" */
	size_t n;
};

struct ng_storage_cfg {
	struct ng_storage *v;
	size_t n;
};

/* Parse storage.cfg text as Proxmox does (PVE::SectionConfig parse_config, PVE::Storage::
 * Plugin's section header and `local` rule): '#' lines skipped, an empty line ends a
 * section, a section starts only at "TYPE: ID" (an invalid id skips it), properties are
 * indented "key value" lines (a repeated key keeps its first value), other lines ignored;
 * then `local` is a dir storage at /var/lib/vz with snippets unless the file says so.
 * Pure. Returns 0 or -ENOMEM. Free out with ng_storage_cfg_free. */
int ng_storage_parse(const char *buf, size_t len, struct ng_storage_cfg *out);
void ng_storage_cfg_free(struct ng_storage_cfg *c);

/* root/etc/pve/storage.cfg through ng_storage_parse; a missing file gives only `local`. */
int ng_storage_load(const struct ng_ctx *ctx, struct ng_storage_cfg *out, struct ng_err *err);

/* The storage of that id (the later section when there are two), or NULL. */
const struct ng_storage *ng_storage_find(const struct ng_storage_cfg *c, const char *id);

/* A key's value, or NULL when the storage does not set it. */
const char *ng_storage_get(const struct ng_storage *s, const char *key);

/* Is word an item of a PVE list (items separated by ',', ';' or blanks)? */
bool ng_storage_list_has(const char *list, const char *word);

/* Shared: `shared 1`, or a type shared by nature (PVE::Storage::Plugin @SHARED_STORAGE:
 * nfs, cifs, cephfs, rbd, pbs, iscsi, iscsidirect, zfs, drbd). */
bool ng_storage_shared(const struct ng_storage *s);
bool ng_storage_has_content(const struct ng_storage *s, const char *content);
/* Not restricted away from node by a `nodes` list; not `disable`d. */
bool ng_storage_on_node(const struct ng_storage *s, const char *node);
bool ng_storage_enabled(const struct ng_storage *s);

/* root + the storage's snippets directory: its path and "snippets" (or what content-dirs
 * says). Returns 0, -ENOENT (no path: not a directory storage), -ENAMETOOLONG. */
int ng_storage_snippets_dir(const struct ng_ctx *ctx, const struct ng_storage *s, char *dir,
			    size_t len);

/* --------------------------------------------------------------- pvenode.c */

/* The name of nicguard's guest hookscript snippet: STORAGE:snippets/nicguard-guest-hook. */
#define NG_SNIPPET "nicguard-guest-hook"

/* What a command did or would do to one file, in one line. */
struct ng_pve_change {
	bool changed;
	char text[768];
};

/* What one cluster node says of itself in root/etc/pve/nodes/NODE/nicguard-node (a file
 * every node sees): nicguard is installed there, with these snippet volids. */
struct ng_pve_node {
	char name[NG_NODE_MAX];
	bool nicguard;		/* the file is there and is nicguard's */
	char **snippets;	/* "STORAGE:snippets/nicguard-guest-hook" volids it provides */
	size_t nsnippets;
};

struct ng_pve_cluster {
	struct ng_pve_node *v;	/* sorted by name; this node is always among them */
	size_t n;
	char self[NG_NODE_MAX];
	bool quorate_known, quorate; /* from /etc/pve/.members, when it says */
};

/* The node file's text (pure): NG_MARKER, `guest-hook HOOK`, one `snippet VOLID` line each;
 * and back. A file without the marker says nothing (nicguard false). 0 or -ENOMEM. */
int ng_pve_node_render(const char *hook, char *const *snippets, size_t n, char **out,
		       size_t *len);
int ng_pve_node_parse(const char *buf, size_t len, struct ng_pve_node *nd);
bool ng_pve_node_provides(const struct ng_pve_node *nd, const char *volid);

/* The cluster's nodes (the members in root/etc/pve/.members; without a cluster, the
 * directories of /etc/pve/nodes) and what each one's node file says. Returns 0, or a
 * negative errno with err filled (-ENOENT: no /etc/pve/local, pmxcfs is not up). */
int ng_pve_cluster_load(const struct ng_ctx *ctx, struct ng_pve_cluster *c, struct ng_err *err);
void ng_pve_cluster_free(struct ng_pve_cluster *c);
struct ng_pve_node *ng_pve_cluster_node(struct ng_pve_cluster *c, const char *name);

/* Count node as having nicguard and (volid not NULL) providing volid: what a command is about
 * to make true there. Returns 0, -ENOENT (no such node in c), -ENOMEM. */
int ng_pve_cluster_assume(struct ng_pve_cluster *c, const char *node, const char *volid);

/* Is volid nicguard's snippet (any storage)? */
bool ng_pve_volid_is_ours(const char *volid);

/* Put nicguard's snippet into storage s's snippets directory: on a node's own storage a link
 * to root + hook (so upgrades reach it); on a shared one a small script that runs hook where
 * nicguard is installed and exits 0 elsewhere, so a guest starts on every node. An existing
 * file that is not nicguard's is left alone (-EEXIST). dry_run changes nothing. */
int ng_pve_snippet_install(const struct ng_ctx *ctx, const struct ng_storage *s,
			   const char *hook, bool dry_run, struct ng_pve_change *out,
			   struct ng_err *err);

/* Say that this node has nicguard: root/etc/pve/nodes/NODE/nicguard-node (0640, as pmxcfs
 * allows) listing the snippet volids this node's own storages hold (nicguard's link to hook),
 * written only when it changes. Without /etc/pve/local there is nothing to do (out says so).
 * Without quorum pmxcfs refuses the write: err says so. Unregister removes the file. */
int ng_pve_register(const struct ng_ctx *ctx, const char *hook, bool dry_run,
		    struct ng_pve_change *out, struct ng_err *err);
int ng_pve_unregister(const struct ng_ctx *ctx, bool dry_run, struct ng_pve_change *out,
		      struct ng_err *err);

/* A node where a guest with a given hookscript would not start, and why. */
struct ng_pve_gap {
	char node[NG_NODE_MAX];
	char why[192];
};

struct ng_pve_gaps {
	struct ng_pve_gap *v;
	size_t n;
};

/* The nodes of c on which a guest whose hookscript is volid would not start (PVE's
 * pre-start needs the snippet as an executable file there): the storage is missing,
 * disabled or not available on the node; or, on a node-local storage, the node's file does
 * not list volid; or a shared storage's snippet is a link to hook and the node has no
 * nicguard. A shared storage's shim starts everywhere. leaving (or NULL) names a node to
 * count as without nicguard (the one removing it); NG_GAPS_SHIM_COMING counts the shim as
 * already on a shared storage (the caller is about to write it). Only nicguard's own volid
 * is judged: another is no gap. Returns 0 or -ENOMEM; free out with ng_pve_gaps_free. */
#define NG_GAPS_SHIM_COMING 1u
int ng_pve_hookscript_gaps(const struct ng_ctx *ctx, const struct ng_pve_cluster *c,
			   const struct ng_storage_cfg *sc, const char *volid, const char *hook,
			   const char *leaving, unsigned flags, struct ng_pve_gaps *out);
void ng_pve_gaps_free(struct ng_pve_gaps *g);

/* ---------------------------------------------------------------- egress.c */

/* The ports a storage's traffic leaves by, and how they were found, in one line. */
struct ng_egress {
	char **ports;		/* interface names, no duplicates */
	size_t nports;
	char why[512];		/* "storage nas (nfs): 198.51.100.2 via eno2" */
};

/* Storage storeid's servers (nfs, cifs, pbs, glusterfs: server; rbd, cephfs: monhost, else
 * /etc/pve/ceph.conf's mon_host; iscsi: portal; a dir storage: the source of the network
 * mount its path is on, from root/proc/self/mountinfo), each resolved (numeric addresses
 * directly, names through getaddrinfo_a, all within timeout_ms), routed (rtnetlink
 * RTM_GETROUTE, as `ip route get`) and followed from the route's device down through VLAN,
 * bridge (not its guests' ports) and bond to the ports underneath. No ports (a local
 * storage, no route, a name that does not resolve) is no error: why says so. Returns 0 or
 * a negative errno with err filled; free e with ng_egress_free. */
int ng_egress_storage(const struct ng_ctx *ctx, const char *storeid, unsigned timeout_ms,
		      struct ng_egress *e, struct ng_err *err);

/* The ports under ifname (ifname itself when nothing is under it), appended to e->ports. */
int ng_egress_ports_of(const struct ng_ctx *ctx, const char *ifname, struct ng_egress *e);
void ng_egress_free(struct ng_egress *e);

/* ------------------------------------------------------- netlink.c (events) */

/* A socket that hears of every link change in the caller's network namespace (rtnetlink
 * RTMGRP_LINK: devices added, removed, changed; a feature change, e.g. QEMU's TUNSETOFFLOAD
 * on a tap, is one: NETDEV_FEAT_CHANGE makes an RTM_NEWLINK). The fd, or a negative errno. */
int ng_link_watch_open(struct ng_err *err);

/* Wait up to timeout_ms; for each link message, cb(ifname, gone). Returns 1 when messages
 * came, 0 on timeout, -ENOBUFS when the kernel dropped some (look at everything again),
 * another negative errno with err filled. */
int ng_link_watch_read(int fd, unsigned timeout_ms,
		       void (*cb)(const char *ifname, bool gone, void *arg), void *arg,
		       struct ng_err *err);

/* ---------------------------------------------------------------- backup.c */

/* The uplinks ng_backup_tighten chose, for the hook's log. */
struct ng_uplinks {
	char names[512];	/* space-separated */
	char why[512];
};

/* Open the backup window on the backup uplinks of a job whose storage is storeid (vzdump's
 * STOREID; NULL or "" when there is none). They are chosen from each interface's target
 * (policy and stanza keys): the interfaces that say backup-uplink = yes; when none does,
 * the ports the storage's traffic leaves by (ng_egress_storage); when that finds none (no
 * storeid, a local storage, no route), the physical ports enslaved to a bridge directly or
 * through a bond. `skip = yes` and `backup-uplink = no` leave a port out of every rule.
 * Save the current values of the settings their backup set names to
 * root/run/nicguard/backup-state (mode 0600, atomically), then apply that backup set
 * (policy and stanza keys, as ng_target_resolve gives it). A state file already there (a
 * crashed job) is kept: its interfaces keep their saved originals, only uplinks it lacks
 * are added. Nothing is applied to an uplink whose original values could not be saved.
 * Results go to rep; each problem is one line in problems. *kept tells whether an earlier
 * state was kept. ups (or NULL) gets the uplinks' names and one line saying which rule
 * chose them. Returns 0, or the negative errno of the first problem. */
int ng_backup_tighten(const struct ng_ctx *ctx, const struct ng_policy *p, const char *storeid,
		      struct ng_report *rep, struct ng_diags *problems, bool *kept,
		      struct ng_uplinks *ups);

struct ng_resolver;

/* Would ng_backup_tighten make ifname a backup uplink for storage storeid, and why (the
 * same choice, the same line)? For explain. Returns 0 or a negative errno with err filled. */
int ng_backup_is_uplink(const struct ng_resolver *rv, const char *storeid, const char *ifname,
			bool *yes, char *why, size_t whylen, struct ng_err *err);

/* Close the window: apply the saved values, then remove the state file. Interfaces that
 * are gone are dropped (with a problem line); those whose restore failed stay in the file
 * for the next try. *had_state is false when there was nothing to restore. Returns 0 or
 * the negative errno of the first problem. */
int ng_backup_restore(const struct ng_ctx *ctx, struct ng_report *rep,
		      struct ng_diags *problems, bool *had_state);

/* ------------------------------------------------------------- runstate.c */

/* Everything under root/run/nicguard (gone at reboot) is read and written by runstate.c
 * alone: the backup window's saved settings (backup-state), the interfaces nicguard-watch
 * escalated (watch-escalated), its recent events (watch-events), and the place and lock of
 * a port it is bouncing or rebinding (port-KEY, port-KEY.lock). Each file is nicguard's
 * (marker line), written atomically. */

/* True when a backup window is open: its saved state exists. */
bool ng_runstate_window_open(const struct ng_ctx *ctx);

/* One detection or action, as nicguard-watch records it for `nicguard status`. */
struct ng_watch_event {
	int64_t time;			/* wall clock */
	char sig[32];			/* signature id */
	char ifname[NG_IFNAMSIZ];	/* "" : the host */
	char action[16];		/* bounce, reapply, rebind, log, held, none */
	char detail[160];		/* the outcome, or why nothing was done */
};

/* Write the recent events (oldest first) to root/run/nicguard/watch-events. Returns 0 or a
 * negative errno with err filled. */
int ng_runstate_events_write(const struct ng_ctx *ctx, const struct ng_watch_event *v,
			     size_t n, struct ng_err *err);

/* Read them back, oldest first; no file: 0 events. Caller frees *v. */
int ng_runstate_events_read(const struct ng_ctx *ctx, struct ng_watch_event **v, size_t *n,
			    struct ng_err *err);

/* True while nicguard-watch holds the lock of ifc's port (root/run/nicguard/port-KEY.lock,
 * KEY its bus device or, without one, its name): it is bouncing or rebinding the port and
 * putting it back, and applies the policy itself once the port is in place. The udev
 * helper asks, and keeps off. */
bool ng_runstate_port_busy(const struct ng_ctx *ctx, const struct ng_iface *ifc);

/* ---------------------------------------------------------------- target.c */

/* THE answer to "what does this interface want, and why": every set (normal, backup, watch)
 * with the policy's layers and the interface's stanza keys, its flags, and the settings it
 * should hold now: the normal ones; with an open backup window that saved it, the backup-*
 * ones over them; once nicguard-watch escalated it, the watch-* ones over all. Every program
 * and library path that applies, compares or explains settings asks it (docs/resolution.md).
 *
 * A resolver holds what a resolution reads besides the interface, read once: the policy,
 * the nicguard-* keys of /etc/network/interfaces (and the files it sources) and the run
 * state of /run/nicguard (runstate.c). It sees those files as they were when it was made:
 * make a new one after changing them. */
struct ng_resolver;

/* A resolver for ctx and p (NULL: an empty policy). ctx NULL reads no file at all: the policy
 * alone, no stanza keys, no run state (for tests and pure use). p must outlive it. Returns 0,
 * or -ENOMEM with err filled; an unreadable interfaces file is a diagnostic of each target. */
int ng_resolver_new(const struct ng_ctx *ctx, const struct ng_policy *p,
		    struct ng_resolver **out, struct ng_err *err);
void ng_resolver_free(struct ng_resolver *rv);

enum {
	NG_TARGET_STANZA_GIVEN = 1 << 0, /* the stanza keys are o->stanza (if-up.d's environment),
					  * not the interfaces file's */
	NG_TARGET_WATCH = 1 << 1,	/* the watch-* settings are in force even before the mark
					 * (the reapply rung, which writes the mark after) */
};

/* How to resolve and apply; a NULL pointer means all zero. */
struct ng_target_opts {
	unsigned flags;			/* NG_TARGET_* */
	const struct ng_item *stanza;	/* with NG_TARGET_STANZA_GIVEN; origins must outlive
					 * the target */
	size_t nstanza;
	unsigned groups;		/* ng_apply_iface only: apply just these groups (bits
					 * 1 << enum ng_group); 0: every group */
};

struct ng_target;

/* Resolve ifc (see above). Bad stanza values are left out, each a diagnostic of the target.
 * Origins point into the policy, the resolver and o->stanza: free the target first. Returns
 * 0, or -ENOMEM with err filled. */
int ng_target_resolve(const struct ng_resolver *rv, const struct ng_iface *ifc,
		      const struct ng_target_opts *o, struct ng_target **out, struct ng_err *err);
void ng_target_free(struct ng_target *t);

/* The lists of a target: NG_SET_NORMAL, NG_SET_BACKUP, NG_SET_WATCH (each set's settings, the
 * most specific layer winning, no flags), NG_TARGET_NOW (what ifc should hold now) and
 * NG_TARGET_FLAGS (skip, backup-uplink). Items come in the order their keys were first met. */
enum { NG_TARGET_NOW = NG_SET_MAX, NG_TARGET_FLAGS, NG_TARGET_LISTS };

size_t ng_target_count(const struct ng_target *t, int list);
const struct ng_item *ng_target_item(const struct ng_target *t, int list, size_t i);

/* The flag item of that key ("skip", "backup-uplink"), or NULL when nothing sets it. */
const struct ng_item *ng_target_flag(const struct ng_target *t, const char *key);

/* True when skip = yes: nicguard leaves the interface alone. */
bool ng_target_skip(const struct ng_target *t);

enum {
	NG_TARGET_MATCHED = 1 << 0,	/* a policy section (not only built-in) or stanza key */
	NG_TARGET_BUILTIN = 1 << 1,	/* a built-in section matched */
	NG_TARGET_WINDOW = 1 << 2,	/* an open backup window saved it: backup-* in force */
	NG_TARGET_ESCALATED = 1 << 3,	/* watch-* in force (the mark, or NG_TARGET_WATCH) */
};

unsigned ng_target_state(const struct ng_target *t);

/* The policy sections that match, in file order, and the layer each matches at. */
size_t ng_target_nsections(const struct ng_target *t);
const struct ng_section *ng_target_section(const struct ng_target *t, size_t i,
					   enum ng_layer *layer);

/* The target's diagnostics: stanza values left out, unreadable sourced files. */
size_t ng_target_ndiags(const struct ng_target *t);
const struct ng_diag *ng_target_diag(const struct ng_target *t, size_t i);

/* ------------------------------------------------------------------ apply.c */

enum {
	NG_APPLY_DRY_RUN = 1 << 0,	/* read and compare; write nothing; NG_PLANNED for changes */
};

/* What became of one interface, beside its results in the report. */
enum ng_iface_outcome {
	NG_IFACE_APPLIED,	/* its settings were worked on (results in the report; none when
				 * nothing is wanted now) */
	NG_IFACE_SKIPPED,	/* skip = yes: nothing read or written */
	NG_IFACE_UNMATCHED,	/* no section, built-in default or stanza key concerns it */
};

struct ng_applied {
	enum ng_iface_outcome outcome;
	struct ng_origin skip;	/* NG_IFACE_SKIPPED: where skip = yes is set (the file name is
				 * the report's copy) */
	unsigned state;		/* ng_target_state(): which layers were in force */
};

/* THE apply path: resolve ifc's target, add its diagnostics to rep->diags, leave it alone
 * when skipped or unmatched, else apply the settings it should hold now (o->groups of them):
 * read the device, write only what differs (all features in one ETHTOOL_SFEATURES), read
 * back, and append one result per setting to rep. Every program that sets or compares an
 * interface calls it (a dry run for status and doctor). Returns 0 when the interface could
 * be worked on at all (per-setting failures are in rep), or a negative errno (-ENODEV, ...)
 * with err filled (*out is zeroed first, then filled as far as it got). */
int ng_apply_iface(const struct ng_resolver *rv, const struct ng_iface *ifc,
		   const struct ng_target_opts *o, unsigned flags, struct ng_report *rep,
		   struct ng_applied *out, struct ng_err *err);

/* ---------------------------------------------------------------- stanza.c */

/* Parse one stanza key's value: key without the "nicguard-" prefix ("offload",
 * "backup-offload", "skip"); text may hold several values joined by newlines (classic
 * ifupdown's form of a repeated key), each parsed by ng_value_parse. Items are appended.
 * Returns 0, -EINVAL (unknown key, module parameter, bad value: err says which) or -ENOMEM. */
int ng_stanza_value(const char *key, const char *text, struct ng_origin origin,
		    struct ng_item **items, size_t *n, struct ng_err *err);

/* -------------------------------------------------------------- modprobe.c */

#define NG_MODPROBE_FILE "/etc/modprobe.d/nicguard.conf"

/* One e1000e port, in the driver's probe order. */
struct ng_itr_port {
	char pci_addr[16];
	char ifname[NG_IFNAMSIZ];	/* "" when the port has no interface now */
	int64_t itr;			/* the value written for this port */
	bool from_policy;		/* false: the policy has none; the default 3 is written */
	struct ng_origin origin;
};

struct ng_modprobe {
	struct ng_itr_port *ports;
	size_t n;
	bool no_ports;		/* no e1000e port found: ports[0] stands for the first one */
	bool any;		/* some port has a policy value: an options line is written */
};

/* The e1000e ports (root/sys/bus/pci/drivers/e1000e, sorted by PCI address: the order the
 * driver probes them and reads its per-port parameter arrays) with the interrupt-throttle-rate
 * the policy resolves for each. Returns 0, -EINVAL for an invalid value (err says which
 * port and where it was set), or another negative errno. */
int ng_modprobe_plan(const struct ng_ctx *ctx, const struct ng_policy *p,
		     struct ng_modprobe *out, struct ng_err *err);

/* The file text: the marker line, one comment per port, and `options e1000e
 * InterruptThrottleRate=V,V` when m->any. Caller frees *text. Returns 0 or -ENOMEM. */
int ng_modprobe_render(const struct ng_modprobe *m, char **text, struct ng_err *err);

/* Write text to root/etc/modprobe.d/nicguard.conf with ng_atomic_write_owned. */
int ng_modprobe_write(const struct ng_ctx *ctx, const char *text, struct ng_err *err);

void ng_modprobe_free(struct ng_modprobe *m);

enum ng_initramfs {
	NG_INITRAMFS_UNKNOWN,	/* no initramfs-tools under the root */
	NG_INITRAMFS_WITHOUT,	/* e1000e is loaded from the root file system */
	NG_INITRAMFS_WITH,	/* e1000e is in the initramfs: options need update-initramfs -u */
};

/* Whether the initramfs carries e1000e (initramfs-tools' MODULES setting and
 * /etc/initramfs-tools/modules); why gets one line saying how that was decided. */
enum ng_initramfs ng_initramfs_e1000e(const struct ng_ctx *ctx, char *why, size_t len);

/* Run the context's update-initramfs with -u. *status gets its exit status and out its
 * output. Returns 0 when it ran, or a negative errno with err filled. */
int ng_initramfs_update(const struct ng_ctx *ctx, int *status, char *out, size_t outlen,
			struct ng_err *err);

/* ---------------------------------------------------------------- revert.c */

/* The way back: for each device, the value each setting had before nicguard first changed
 * it, one file per device (mode 0644, atomic, marker line) named by its key. Bounded: at
 * most NG_REVERT_MAX devices, 64 KiB each. Purging the package removes them. */
#define NG_REVERT_DIR "/var/lib/nicguard/revert"
#define NG_REVERT_MAX 4096

/* A device's record key, stable across renames and reboots: "mac-" and the permanent
 * address when it has one, else "pci-" and its PCI address (virtio-net: its virtio PCI
 * function), else "bus-" and its bus device, else "name-" and its name (veth, bridge, tap:
 * software devices are re-created under their names). Returns 0, -EINVAL, -ENAMETOOLONG. */
int ng_revert_key(const struct ng_iface *ifc, char *key, size_t len);

/* One device's record. */
struct ng_revert {
	char key[64];
	char ifname[NG_IFNAMSIZ];	/* the name it had when last recorded */
	bool found;			/* a record exists */
	char *file;			/* its path without the root; item origins point here */
	/* The first values, in the policy's words (set normal); NG_ETHTOOL items are
	 * pass-throughs nicguard ran. */
	struct ng_item *items;
	size_t n;
};

/* Read ifc's record (found false when there is none). Returns 0 or a negative errno. */
int ng_revert_read(const struct ng_ctx *ctx, const struct ng_iface *ifc, struct ng_revert *out,
		   struct ng_err *err);

/* Put back on ifc what rec holds, through the device half of the apply path (read, write
 * what differs, read back; flags NG_APPLY_DRY_RUN): one result per setting in rep. The
 * pass-through lines (NG_ETHTOOL) are not run: nobody knows what they changed. -EBUSY when
 * an open backup window holds ifc (its restore comes first). Returns 0 when the interface
 * could be worked on (per-setting failures are in rep), or a negative errno with err set. */
int ng_revert_apply(const struct ng_ctx *ctx, const struct ng_iface *ifc,
		    const struct ng_revert *rec, unsigned flags, struct ng_report *rep,
		    struct ng_err *err);

/* Remove the record of key (none: 0). */
int ng_revert_forget(const struct ng_ctx *ctx, const char *key, struct ng_err *err);

/* Every record, sorted by key. Free with ng_revert_list_free. */
int ng_revert_list(const struct ng_ctx *ctx, struct ng_revert **out, size_t *n,
		   struct ng_err *err);
void ng_revert_list_free(struct ng_revert *v, size_t n);
void ng_revert_free(struct ng_revert *r);

/* --------------------------------------------------------------- cmdline.c */

/* The places `nicguard cmdline` writes: a GRUB drop-in of its own, and on hosts booted by
 * proxmox-boot-tool with systemd-boot the admin's /etc/kernel/cmdline (first line), whose
 * bytes are kept in NG_CMDLINE_ORIG until --remove puts them back. */
#define NG_CMDLINE_DROPIN "/etc/default/grub.d/nicguard.cfg"
#define NG_CMDLINE_KERNEL "/etc/kernel/cmdline"
#define NG_CMDLINE_ORIG "/var/lib/nicguard/kernel-cmdline.orig"

/* One kernel parameter the policy asks for (kernel-cmdline), and where it stands. */
struct ng_cmdline_param {
	char word[64];			/* pcie_aspm=off */
	char file[256];			/* the policy line of the first interface asking */
	unsigned line;
	char ifnames[128];		/* every interface asking, space-separated */
	unsigned grub_default_line;	/* the /etc/default/grub line already giving it; 0 */
	bool kernel_admin;		/* the admin's /etc/kernel/cmdline has it already */
	bool kernel_written;		/* /etc/kernel/cmdline has it now */
	bool rendered;			/* /boot/grub/grub.cfg has it (plain GRUB hosts only) */
	bool booted;			/* /proc/cmdline has it: the running kernel got it */
};

struct ng_cmdline {
	struct ng_cmdline_param *v;	/* the parameters wanted, in the order first asked */
	size_t n;
	bool pbt;			/* /etc/kernel/proxmox-boot-uuids: proxmox-boot-tool */
	bool grub;			/* /etc/default/grub: the drop-in is a place */
	bool efi;			/* booted through EFI (/sys/firmware/efi) */
	bool kernel;			/* /etc/kernel/cmdline is a place (pbt, efi, file exists) */
	bool proc_read;			/* /proc/cmdline could be read */
	bool grub_cfg_read;		/* /boot/grub/grub.cfg could be read (not under pbt) */
	char refresh[32];		/* "update-grub" or "proxmox-boot-tool refresh" */
	char dropin[NG_TEXT_MAX];	/* the parameters nicguard's drop-in holds now */
	char kernel_added[NG_TEXT_MAX];	/* those nicguard added to /etc/kernel/cmdline */
};

/* Find the boot setup under the root and the parameters the policy asks for: kernel-cmdline
 * resolved for every interface not skipped. Returns 0 or a negative errno with err set. */
int ng_cmdline_plan(const struct ng_ctx *ctx, const struct ng_policy *p, struct ng_cmdline *c,
		    struct ng_err *err);
void ng_cmdline_free(struct ng_cmdline *c);

/* True when every place of c holds pm (the drop-in or /etc/default/grub, and
 * /etc/kernel/cmdline when that is a place). */
bool ng_cmdline_param_configured(const struct ng_cmdline *c, const struct ng_cmdline_param *pm);

/* Make the places hold exactly what c wants: the drop-in (written, or removed when nothing is
 * left for it) and /etc/kernel/cmdline (nicguard's earlier words replaced; the original kept
 * in NG_CMDLINE_ORIG before the first change). Each file changed is one line in done (also
 * with dry_run, which writes nothing). Never runs update-grub or proxmox-boot-tool. Returns
 * 0, -ENOENT (no place: err says), or a negative errno with err set. */
int ng_cmdline_write(const struct ng_ctx *ctx, const struct ng_cmdline *c, bool dry_run,
		     struct ng_diags *done, struct ng_err *err);

/* Take out everything nicguard put there: remove the drop-in; put /etc/kernel/cmdline back
 * byte for byte when it is still as nicguard left it, else take out only nicguard's words. */
int ng_cmdline_remove(const struct ng_ctx *ctx, const struct ng_cmdline *c, bool dry_run,
		      struct ng_diags *done, struct ng_err *err);

/* ---------------------------------------------------------------- sysctl.c */

#define NG_SYSCTL_LOCAL_FILE "/etc/sysctl.d/61-nicguard-local.conf"

/* One network sysctl: what is in effect, what this machine needs, and where the value in
 * effect was set. */
struct ng_sysctl_row {
	const char *name;	/* net.core.netdev_max_backlog */
	int64_t effective;	/* -1 when it cannot be read (e.g. not in this namespace) */
	int64_t needed;		/* by the formula for this machine */
	int64_t recommended;	/* max(effective, needed, lowered_value): an admin's higher
				 * value stays, or comes back */
	char source[300];	/* FILE:LINE of the sysctl.d line in effect, or "kernel default" */
	char lowered[300];	/* FILE:LINE of a higher value that the shipped 60-nicguard.conf,
				 * sorting after it, overrode; "" when none */
	int64_t lowered_value;	/* that value */
	const char *why;	/* one line */
};

struct ng_sysctl_check {
	struct ng_sysctl_row rows[8];
	size_t n;
	unsigned ncpus;		/* online CPUs */
	unsigned speed;		/* fastest link in Mb/s (1000 when no speed is known) */
};

/* Compare the effective values (root/proc/sys) with what this machine needs. Returns 0 or
 * a negative errno with err filled. */
int ng_sysctl_check(const struct ng_ctx *ctx, struct ng_sysctl_check *out, struct ng_err *err);

/* The sysctl.d text raising every row whose effective value is below what is needed (a
 * marker header, and a comment when nothing needs raising). Caller frees *text. */
int ng_sysctl_render(const struct ng_sysctl_check *c, char **text, struct ng_err *err);

/* Write text to root/etc/sysctl.d/61-nicguard-local.conf with ng_atomic_write_owned. */
int ng_sysctl_write(const struct ng_ctx *ctx, const char *text, struct ng_err *err);

/* ---------------------------------------------------------------- doctor.c */

/* One known trap found on this machine, with the way out. */
struct ng_finding {
	const char *check;	/* a short id: "ifupdown2-offload-keys", "itr-default", ... */
	char *where;		/* FILE:LINE, an interface, or "kernel log" */
	char *what;
	char *fix;
};

struct ng_doctor {
	struct ng_finding *v;
	size_t n, cap;
	struct ng_diags notes;	/* checks that could not run, and why */
};

/* Scan for every trap doctor knows; counters are sampled twice, interval_ms apart (0:
 * once, so nothing can be seen rising). Returns 0 (findings are data) or -ENOMEM. */
int ng_doctor_run(const struct ng_ctx *ctx, const struct ng_policy *p, unsigned interval_ms,
		  struct ng_doctor *out, struct ng_err *err);
void ng_doctor_free(struct ng_doctor *d);

/* ------------------------------------------------------- kmsg.c, signature.c */

#define NG_KMSG_READ_MAX 8192	/* one read() of /dev/kmsg: every kernel record fits */

/* One /dev/kmsg record: "PRIO,SEQ,TS_USEC,FLAG[,caller=T1];TEXT\n" and " KEY=VALUE\n" lines. */
struct ng_kmsg {
	unsigned facility;	/* PRIO >> 3: 0 kernel; writes to /dev/kmsg arrive as 1 (user) */
	unsigned level;		/* PRIO & 7: 0 emerg ... 7 debug */
	uint64_t seq;
	uint64_t ts_usec;	/* since boot */
	char flag;		/* '-', 'c' (continuation) or '+' (fragment, old kernels) */
	char caller[16];	/* "T123" or "C2" when the kernel adds caller=, else "" */
	char subsystem[32];	/* the SUBSYSTEM= dictionary value, else "" */
	char device[64];	/* the DEVICE= dictionary value ("+pci:0000:00:1f.6", "n3"), else "" */
	size_t text_len;
	bool truncated;		/* the text did not fit into text[] and was cut */
	char text[NG_KMSG_READ_MAX]; /* \xNN unescaped: a hang dump keeps its '\n's */
};

/* Parse one record (pure). Garbage, a bad header or numbers out of range give -EINVAL;
 * unknown header fields and dictionary keys are skipped. */
int ng_kmsg_parse(const char *buf, size_t len, struct ng_kmsg *rec);

/* The length of the first whole record in a byte stream (a FIFO or file holding records as
 * /dev/kmsg prints them): its line and the dictionary lines after it. A record is whole
 * when another record starts after it, or at the end of buf when buf ends with '\n' and
 * `whole` (the source delivers records whole). Returns 0 when more bytes are needed. */
size_t ng_kmsg_split(const char *buf, size_t len, bool whole);

const char *ng_kmsg_facility_name(unsigned facility);	/* "kern", "user", ... */
const char *ng_kmsg_level_name(unsigned level);		/* "emerg" ... "debug" */

enum ng_sig_class {
	NG_SIG_HANG,	/* the NIC stopped transmitting: recovery may act */
	NG_SIG_RESET,	/* the driver reset the NIC itself: counted and logged */
	NG_SIG_STALL,	/* a CPU stalled (soft lockup, RCU): host-wide, logged */
	NG_SIG_INFO,	/* a companion line (hints, false hang): logged only */
	NG_SIG_CLASS_MAX,
};

/* The printk prefix forms a signature's text may follow (bit mask). */
#define NG_PFX_NONE	(1u << 0)	/* the text starts the line */
#define NG_PFX_NETDEV	(1u << 1)	/* "DRIVER ADDR IFNAME: " (netdev_err and friends) */
#define NG_PFX_DEV	(1u << 2)	/* "DRIVER ADDR: " (dev_err: no interface name) */
#define NG_PFX_NAME	(1u << 3)	/* "IFNAME: " (a netdev without a parent device) */

/* Where the interface a signature concerns is found. */
enum ng_sig_locate {
	NG_LOC_NETDEV,	/* the name in the netdev prefix */
	NG_LOC_PCI,	/* the PCI address of the dev_err prefix or of DEVICE=+pci: */
	NG_LOC_VIRTIO,	/* the virtio bus device (virtio0) of the prefix or DEVICE=+virtio: */
	NG_LOC_TEXT,	/* the name inside the message (the old NETDEV WATCHDOG formats) */
	NG_LOC_HOST,	/* no interface: the whole host */
	NG_LOC_PROBE,	/* no kernel message: the reachability probe names the port */
};

/* One row of the signature table. */
struct ng_sig {
	const char *id;		/* "e1000e-hw-hang"; rows of one message in several forms share it */
	enum ng_sig_class cls;
	unsigned prefix;	/* NG_PFX_* */
	const char *driver;	/* the prefix's driver must be this one; NULL: any */
	const char *text;	/* template: literal text, %u %d %x numbers, %s a word, %i the
				 * interface name, %* the rest; without %* the line must end */
	enum ng_sig_locate locate;
	int level;		/* the level the kernel prints it at (documentation) */
	const char *source;	/* the kernel function that prints it */
};

/* What a match found in the record. */
struct ng_sig_match {
	const struct ng_sig *sig;
	char driver[32];		/* from the prefix; "" if none */
	char ifname[NG_IFNAMSIZ];	/* from the prefix or the text; "" if none */
	char busdev[32];		/* the prefix's device: PCI address or virtioN; "" if none */
	char device[64];		/* the record's DEVICE= value */
};

enum {
	NG_SIG_ACCEPT_USER = 1 << 0,	/* match facility-user records too (see ng_sig_match) */
};

/* Match a record's first line against the table (pure); first matching row wins. Only
 * kernel-facility records match: a user-space write to /dev/kmsg arrives as facility user,
 * so it matches only with NG_SIG_ACCEPT_USER. Returns true and fills m. */
bool ng_sig_match(const struct ng_kmsg *rec, unsigned flags, struct ng_sig_match *m);

/* The table, for listing and tests. */
const struct ng_sig *ng_sig_table(size_t *n);
const char *ng_sig_class_name(enum ng_sig_class c);

/* The hang no kernel message reports: nicguard-watch's reachability probe went unanswered
 * several times in a row while the port had its link up and carrier on. Not in the table
 * (no record matches it); class hang, so the ladder and its limits act on it. */
#define NG_SIG_SILENT "silent"
const struct ng_sig *ng_sig_silent(void);

/* The signature of that id, in the table or the silent one; NULL when unknown. */
const struct ng_sig *ng_sig_find(const char *id);

/* ------------------------------------------------------------- watchopt.c */

/* Default node_exporter textfile-collector path of the daemon's metrics. */
#define NG_METRICS_PATH "/var/lib/prometheus/node-exporter/nicguard.prom"

/* The rungs of the recovery ladder. */
enum ng_watch_step {
	NG_STEP_NONE,		/* nothing to do */
	NG_STEP_LOG,		/* a rung that only logs: act when the hang comes back */
	NG_STEP_BOUNCE,		/* link down, up */
	NG_STEP_REAPPLY,	/* re-apply the policy with the watch-* settings, and persist that */
	NG_STEP_REBIND,		/* unbind and bind the device's driver */
	NG_STEP_REBOOT,		/* opt-in, the last rung after others: reboot through systemd */
	NG_STEP_MAX,
};

const char *ng_watch_step_name(enum ng_watch_step s);	/* "bounce", ... */

/* What the daemon does about a hang on a backup uplink while a vzdump backup runs. */
enum ng_watch_backup {
	NG_BACKUP_REAPPLY,	/* re-apply the stricter watch-* settings (the link stays up) and
				 * hold bounce/rebind until the backup window closes */
	NG_BACKUP_LOG,		/* only log; hold every step until the window closes */
	NG_BACKUP_ALLOW,	/* act as at any other time */
};

#define NG_WATCH_LADDER_MAX 8
#define NG_WATCH_PER_HOUR_MAX 60
#define NG_PROBE_ADDRS_MAX 4

/* What the reachability probe asks for (probe = none|gateway|ADDRESS...). */
enum ng_probe_mode {
	NG_PROBE_NONE,		/* no probe (the default) */
	NG_PROBE_GATEWAY,	/* the default gateway of the bridge or address the port serves */
	NG_PROBE_ADDRS,		/* the IPv4 addresses the policy names, neighbours on the link */
};

/* The [watch] options, for the whole daemon or resolved for one interface. */
struct ng_watch_opts {
	enum ng_watch_step ladder[NG_WATCH_LADDER_MAX];	/* ladder = bounce reapply rebind */
	size_t nladder;
	unsigned act_on;		/* act-on = hang: bit (1 << enum ng_sig_class) */
	uint64_t debounce_ms;		/* debounce = 5s: identical repeats counted, not logged */
	uint64_t settle_ms;		/* settle = 3s: detections this soon after an action */
	uint64_t min_interval_ms;	/* min-interval = 10s: between two actions; doubles */
	uint64_t backoff_max_ms;	/* backoff-max = 1h: cap of the doubling */
	uint64_t reset_after_ms;	/* reset-after = 1h: no detection that long: first rung */
	uint64_t quiet_ms;		/* quiet-after-boot = 2m: uptime before any action */
	unsigned max_per_hour;		/* max-per-hour = 6: actions per interface, any hour */
	enum ng_watch_backup during_backup; /* during-backup = reapply|log|allow */
	bool accept_user;		/* accept-user = no: match facility-user records (global) */
	char metrics_path[256];		/* metrics = PATH|none (global) */
	bool metrics_set;		/* metrics = was given: a missing directory is an error
					 * then, not "no collector installed" */
	uint64_t metrics_interval_ms;	/* metrics-interval = 5m; 0: only on events (global) */
	enum ng_probe_mode probe;	/* probe = none|gateway|ADDRESS... */
	uint32_t probe_addrs[NG_PROBE_ADDRS_MAX];	/* network byte order */
	size_t nprobe_addrs;
	bool probe_named;		/* probe was set for this interface by name: also a port
					 * without a bus device (veth) is probed */
	unsigned probe_failures;	/* probe-failures = 3: unanswered in a row: a hang */
	uint64_t probe_interval_ms;	/* probe-interval = 10s (global) */
	uint64_t reboot_min_uptime_ms;	/* reboot-min-uptime = 1h: no reboot sooner (global) */
	uint64_t reboot_period_ms;	/* reboot-period = 24h: one reboot at most (global) */
	char reboot_watchdog[32];	/* reboot-watchdog = none|/dev/watchdog[N]: armed before
					 * systemd is asked; "" none (global) */
	uint64_t reboot_watchdog_timeout_ms; /* reboot-watchdog-timeout = 10m (global) */
};

void ng_watch_opts_default(struct ng_watch_opts *o);

/* Check one [watch] line: KEY, or driver.NAME.KEY / interface.NAME.KEY for the keys that
 * can be set per driver or interface. The policy parser calls it for each [watch] line.
 * Returns 0, or -EINVAL with err->msg saying what is wrong (no file or line). */
int ng_watch_option_check(const char *key, const char *value, struct ng_err *err);

/* The options for interface ifc (NULL: the daemon-wide ones): defaults, then the plain keys
 * of every good [watch] section in order, then keys scoped to ifc's driver, then to its
 * name. Sections marked bad are left out, as ng_target_resolve does. */
void ng_watch_opts_resolve(const struct ng_policy *p, const struct ng_iface *ifc,
			   struct ng_watch_opts *o);

/* Does any good [watch] section set probe (other than to none), for any scope? Without it
 * nicguard-watch opens no socket and takes no probe wakeup. */
bool ng_watch_probe_wanted(const struct ng_policy *p);

/* ---------------------------------------------------------------- watch.c */

/* The decision engine: per-interface state, pure (time is passed in). */
struct ng_watch;

struct ng_watch *ng_watch_new(void);
void ng_watch_free(struct ng_watch *w);

/* Transmit progress of an interface at one moment (ng_txprogress_read): what tells a port
 * that sends again from one that is still hung. */
struct ng_txprogress {
	bool ok;			/* sampled */
	int ifindex;			/* counters restart with a new device */
	uint64_t tx_packets;		/* statistics/tx_packets: counted when sent */
	uint64_t tx_timeouts;		/* sum of queues/tx-N/tx_timeout: the kernel's watchdog */
	uint64_t inflight;		/* sum of queues/tx-N/byte_queue_limits/inflight */
	bool bql;			/* the driver keeps byte queue limits: inflight means it */
	bool carrier;
};

/* Sample ifname's transmit progress from root/sys/class/net/IF. Returns 0, or a negative
 * errno (p->ok false). */
int ng_txprogress_read(const struct ng_ctx *ctx, const char *ifname, struct ng_txprogress *p);

/* What two samples, before and after, say about a port. */
enum ng_watch_verdict {
	NG_VERDICT_NONE,	/* no samples to compare (or another device) */
	NG_VERDICT_RECOVERED,	/* packets went out, no new transmit timeout */
	NG_VERDICT_HUNG,	/* a new transmit timeout, or bytes queued and none sent */
	NG_VERDICT_IDLE,	/* nothing sent, nothing stuck: no evidence either way */
	NG_VERDICT_NO_CARRIER,	/* no link: not a transmit hang to judge */
};

enum ng_watch_verdict ng_watch_judge(const struct ng_txprogress *before,
				     const struct ng_txprogress *after);
const char *ng_watch_verdict_name(enum ng_watch_verdict v);	/* "recovered", ... */

struct ng_watch_input {
	const struct ng_sig *sig;	/* the detection; NULL: a held step or a judgement due */
	const struct ng_txprogress *progress;	/* the interface's progress now; NULL: none */
	const char *ifname;		/* "" or NULL: host-wide, or no interface found */
	uint64_t now_ms;		/* CLOCK_BOOTTIME: monotonic, and the uptime */
	int64_t wall;			/* time(NULL), for last-event times */
	bool backup;			/* a backup window is open and ifname is an uplink */
	bool history;			/* from the ring buffer's backlog (--scan): never act */
};

enum ng_watch_why {
	NG_WHY_ACT,		/* do step now */
	NG_WHY_DEBOUNCED,	/* an identical repeat within debounce: counted, not logged */
	NG_WHY_LOG_ONLY,	/* class not acted on, no interface, or history */
	NG_WHY_SETTLING,	/* right after an action on this interface: its echo */
	NG_WHY_QUIET,		/* quiet period after boot: held until due_ms */
	NG_WHY_WAIT,		/* min-interval or backoff: held until due_ms */
	NG_WHY_HELD,		/* a step is already held until due_ms */
	NG_WHY_LIMIT,		/* max-per-hour reached: nothing (a slot frees at due_ms) */
	NG_WHY_BACKUP,		/* backup window: step is the gentle substitute or NONE; the
				 * disruptive step is held and re-checked at due_ms */
	NG_WHY_RECOVERED,	/* transmit resumed (verdict): the step worked, or the hang
				 * cleared by itself before a held step was due */
	NG_WHY_NO_EVIDENCE,	/* judged after a step: no traffic to tell by; the next
				 * kernel record decides */
	NG_WHY_UPTIME,		/* the reboot rung, within reboot-min-uptime of boot: held
				 * until due_ms */
};

const char *ng_watch_why_name(enum ng_watch_why why);

struct ng_watch_decision {
	enum ng_watch_step step;	/* what to do now; NG_STEP_NONE: nothing */
	enum ng_watch_why why;
	uint64_t due_ms;
	unsigned suppressed;		/* repeats folded in since the last logged detection */
	char repeated[32];		/* ... of this signature */
	unsigned rung;			/* the ladder rung this decision is about */
	bool substitute;		/* step stands in for a held one (backup window) */
	char ifname[NG_IFNAMSIZ];
	enum ng_watch_verdict verdict;	/* the judgement this decision rests on, if any */
	enum ng_watch_step judged;	/* the step judged (a judgement after a step) */
	uint64_t judged_after_ms;	/* how long after it */
	uint64_t sent, timeouts;	/* packets sent and new transmit timeouts meanwhile */
};

/* Decision d in words for the log and the events file: "action bounce", "no action yet
 * (waiting; rung 2 due in 9.500 s)", ... now_ms tells how long a held step still waits. */
void ng_watch_why_text(const struct ng_watch_decision *d, uint64_t now_ms, char *buf, size_t len);

/* Decide about one detection, or (in->sig NULL) about what came due for in->ifname: the
 * judgement settle after a step (in->progress against the sample taken after the step:
 * recovered, the next step if still hung, nothing without evidence), or a held step
 * (dropped when transmit resumed since the last report of the hang, taken otherwise). */
void ng_watch_detect(struct ng_watch *w, const struct ng_watch_opts *o,
		     const struct ng_watch_input *in, struct ng_watch_decision *d);

enum ng_watch_result {
	NG_WATCH_OK,
	NG_WATCH_FAILED,	/* tried and failed: counts as an action (limits, backoff) */
	NG_WATCH_SKIPPED,	/* nothing to do on that rung: the next rung comes due at once */
};

/* Tell the engine what became of decision d, carried out at now_ms; after (may be NULL)
 * is the port's progress sampled once the step was done, against which it is judged
 * settle later. A rung with nothing to do (NG_WATCH_SKIPPED) is no action: it counts
 * against no limit, and the next rung comes due at once. */
void ng_watch_done(struct ng_watch *w, const struct ng_watch_opts *o,
		   const struct ng_watch_decision *d, enum ng_watch_result r, uint64_t now_ms,
		   const struct ng_txprogress *after);

/* Evidence from outside the transmit counters (the reachability probe answered again) that
 * ifname is fine: a held step is dropped and no judgement is due. credit: it came after
 * nicguard's last step, which gets the credit (it comes first next time, as after a
 * "recovered" judgement); else (an outage beyond the port ended by itself) the ladder
 * starts again at its first step. */
void ng_watch_recovered(struct ng_watch *w, const char *ifname, bool credit);

/* When the earliest held step or judgement comes due (UINT64_MAX: none), and for which
 * interface. */
uint64_t ng_watch_next_due(const struct ng_watch *w, char *ifname, size_t len);

/* Counters per interface ("" is the host), for metrics and status. */
struct ng_watch_stats {
	char ifname[NG_IFNAMSIZ];
	uint64_t events[NG_SIG_CLASS_MAX];	/* detections per class, repeats included */
	uint64_t actions[NG_STEP_MAX];		/* actions carried out per step */
	uint64_t failed;			/* of which failed */
	uint64_t suppressed;			/* debounced repeats */
	uint64_t recovered;			/* judged recovered after a step */
	int64_t last_event;			/* wall clock; 0: never */
	char last_sig[32];			/* the last signature logged */
	unsigned rung;
	bool held;
};

size_t ng_watch_nstats(const struct ng_watch *w);
const struct ng_watch_stats *ng_watch_stats_at(const struct ng_watch *w, size_t i);

/* ---------------------------------------------------------------- probe.c */

/* nicguard-watch's reachability probe: every probe-interval, an ARP request from each
 * probed port, straight out of the port (not through its bridge or bond), for the default
 * gateway of what the port serves or for the neighbours the policy names. */

/* What one round found for a port. */
enum ng_probe_outcome {
	NG_PROBE_ANSWERED,	/* a reply came from an address asked for */
	NG_PROBE_UNANSWERED,	/* none, while the link was up with carrier, then and now */
	NG_PROBE_NO_LINK,	/* link down or no carrier: the kernel knows; not counted */
};

enum ng_probe_say {
	NG_PROBE_QUIET,		/* nothing to say */
	NG_PROBE_SILENT,	/* probe-failures in a row (and each such run after): a silent
				 * hang, for the ladder */
	NG_PROBE_FAR_SIDE,	/* still unanswered after the ladder's last step was taken:
				 * an outage beyond the port; no detection until an answer */
	NG_PROBE_BACK,		/* answered again after failures that counted */
};

/* One port's count; zeroed to start. */
struct ng_probe_state {
	unsigned streak;	/* unanswered rounds in a row, link up and carrier on */
	unsigned raised;	/* silent detections in this outage */
	bool last_rung;		/* set by the daemon once the ladder's last step was taken for
				 * this outage (whatever it did) */
	bool far_side;
};

/* Count one round (pure). failures: probe-failures for the port. */
enum ng_probe_say ng_probe_note(struct ng_probe_state *s, enum ng_probe_outcome out,
				unsigned failures);

/* ---------------------------------------------------------- probetarget.c */

/* A port to probe, and what to ask for. */
struct ng_probe_target {
	char port[NG_IFNAMSIZ];
	int ifindex;
	unsigned char mac[6];		/* the port's own: the request's sender */
	bool link_ok;			/* up, with carrier (IFF_UP and IFF_LOWER_UP) */
	char via[NG_IFNAMSIZ];		/* what holds the address the port serves; "" none */
	uint16_t vlan;			/* the 802.1Q VLAN via's frames carry on the port; 0 none */
	uint32_t sip;			/* that address (network byte order; 0: none) */
	uint32_t tips[NG_PROBE_ADDRS_MAX];	/* the addresses asked for */
	size_t ntips;			/* 0: nothing to ask for (why says why) */
	bool gateway;			/* tips[0] (tip6) is via's default gateway */
	bool v6;			/* IPv6 only: NDP for tip6 from sip6, not ARP for tips */
	unsigned char tip6[16], sip6[16];
	unsigned failures;		/* probe-failures for the port */
	char why[96];
};

/* The ports whose [watch] options say probe (a NIC, or any port named by interface.NAME.
 * probe), as rtnetlink shows the caller's namespace now: the port, or the bridge or bond
 * over it, or the bridge over that bond, holding an IPv4 address, else an 802.1Q VLAN device
 * on one of those (or the bridge over such a VLAN device), whose VLAN the probe then tags;
 * for probe = gateway the main table's default route through one of them (the lowest
 * metric), or, when none has an IPv4 one, the IPv6 default route (neighbour solicitation
 * from the device's link-local address). Free *out with free(). Returns 0 or a negative
 * errno with err filled. */
int ng_probe_targets(const struct ng_ctx *ctx, const struct ng_policy *p,
		     struct ng_probe_target **out, size_t *n, struct ng_err *err);

/* ------------------------------------------------------------ probesock.c */

/* A packet socket on t's port that keeps only the ARP replies from t's addresses (a
 * kernel filter). Needs CAP_NET_RAW. The fd, or a negative errno with err filled. */
int ng_probe_open(const struct ng_probe_target *t, struct ng_err *err);

/* Send one ARP request per address of t, broadcast, out of the port itself. A full or
 * stopped transmit queue is not an error (the probe goes unanswered). 0 or -errno. */
int ng_probe_send(int fd, const struct ng_probe_target *t, struct ng_err *err);

/* Read what came since the last call: 1 when a reply answered t, 0 when none did, or a
 * negative errno. */
int ng_probe_read(int fd, const struct ng_probe_target *t);

/* --------------------------------------------------------------- reboot.c */

/* The reboot rung (opt-in, the last of the ladder): at most one reboot per reboot-period,
 * remembered across the reboot in root/var/lib/nicguard/reboot-last; never within
 * reboot-min-uptime of boot (the engine holds it until then: NG_WHY_UPTIME). */

/* The time (Unix seconds) of the last reboot a record holds (pure): -EBADMSG without
 * nicguard's marker, -EINVAL without a good time= line. */
int ng_reboot_parse(const char *buf, size_t len, int64_t *when);

/* May nicguard-watch reboot now (wall time now)? 0: yes (no record, or the period is
 * over); -EAGAIN with why filled: not within reboot-period of the last one (or with the
 * clock set back before it); another negative errno with err filled when the record cannot
 * be read (a link, not nicguard's, garbage): no reboot either. */
int ng_reboot_check(const struct ng_ctx *ctx, const struct ng_watch_opts *o, int64_t now,
		    char *why, size_t len, struct ng_err *err);

/* Record the reboot about to be asked for (atomic, synced, never over a file nicguard did
 * not write). 0 or a negative errno with err filled: then do not reboot. */
int ng_reboot_record(const struct ng_ctx *ctx, int64_t now, const char *ifname,
		     const char *sig, struct ng_err *err);

/* Ask systemd for the reboot: `systemctl reboot` (ng_ctx_program "systemctl", execve, an
 * empty environment). 0 with detail saying so, or a negative errno with err filled. */
int ng_reboot_request(const struct ng_ctx *ctx, char *detail, size_t len, struct ng_err *err);

/* Arm the hardware watchdog dev (root/dev, e.g. "/dev/watchdog0") to reset the host in
 * timeout_ms unless the reboot comes first: open it (which starts it), set the timeout, and
 * hand the descriptor to the caller, who keeps it and never writes to it. When the process
 * ends, the kernel closes it without the magic character and the watchdog keeps running, so
 * a shutdown that hangs (a dead NFS mount) still ends in a reset. Refused, with the device
 * left stopped: not a character device, not a watchdog, busy (systemd's RuntimeWatchdogSec=
 * or Proxmox VE's watchdog-mux keeps it: that owner guards the reboot then), no settable
 * timeout or no magic close. Returns the descriptor with *secs the timeout the driver took,
 * or a negative errno with err filled. */
int ng_reboot_watchdog_arm(const struct ng_ctx *ctx, const char *dev, uint64_t timeout_ms,
			   unsigned *secs, struct ng_err *err);

/* Is dev (root/dev) there as a character device? Looked at only, never opened (opening a
 * watchdog starts it): nicguard-watch says at start when reboot-watchdog names none. 0, or
 * -ENODEV with err filled. */
int ng_reboot_watchdog_present(const struct ng_ctx *ctx, const char *dev, struct ng_err *err);

/* -------------------------------------------------------------- metrics.c */

/* /proc/net/softnet_stat summed over CPUs. */
struct ng_softnet {
	uint64_t processed;	/* column 1 */
	uint64_t dropped;	/* column 2: backlog full */
	uint64_t squeezed;	/* column 3: time_squeeze */
};

/* Parse softnet_stat text (pure): hex columns by position, more or fewer columns than 3
 * tolerated, rows with fewer than 3 or non-hex words skipped. *rows gets the rows used
 * (one per online CPU). Returns 0, or -EINVAL when no row was usable. */
int ng_softnet_parse(const char *buf, size_t len, struct ng_softnet *sum, unsigned *rows);

struct ng_metrics_if {
	char ifname[NG_IFNAMSIZ];
	uint64_t rx_dropped;
};

/* What the history says of one interface (ng_histreport_make's answers): the gauges of
 * issue 17 next to the daemon's own counters. */
struct ng_metrics_hist {
	char ifname[NG_IFNAMSIZ];
	int64_t last_hang;	/* 0: no hang recorded */
	int64_t since;		/* its settings last changed; 0: no change recorded */
	double hangs_since;	/* hang episodes since then (every one recorded, without a change) */
};

/* One sample of the drop counters: softnet, and rx_dropped of physical ports, bridges and
 * bonds (not of every container veth); with ng_metrics_history, the history's gauges. */
struct ng_metrics_sample {
	uint64_t at_ms;
	bool softnet_ok;
	unsigned ncpus;
	struct ng_softnet softnet;
	struct ng_metrics_if *ifs;
	size_t nifs;
	bool hist_ok;			/* the history was read: hist holds what it says */
	struct ng_metrics_hist *hist;	/* interfaces that hung or had a change, by name; not
					 * a guest's device that never hung */
	size_t nhist;
};

int ng_metrics_sample(const struct ng_ctx *ctx, uint64_t now_ms, struct ng_metrics_sample *s,
		      struct ng_err *err);
void ng_metrics_sample_free(struct ng_metrics_sample *s);

/* Add to s what the history (root/var/lib/nicguard/history) says at time now (seconds):
 * each interface's last hang, last settings change and hangs since. No history is an empty
 * one. Returns 0 or a negative errno with err filled (s->hist_ok stays false). */
int ng_metrics_history(const struct ng_ctx *ctx, int64_t now, struct ng_metrics_sample *s,
		       struct ng_err *err);

/* The daemon's own counters. */
struct ng_watch_counters {
	uint64_t records;	/* records read */
	uint64_t lost;		/* overwritten before they were read (EPIPE, sequence gaps) */
	uint64_t skipped;	/* too large for one read, or not parseable */
};

/* Render the metrics in Prometheus text format (marker line first): per-interface
 * detections, actions, failures, repeats and last event time from w; the daemon's counters;
 * and, with cur, rx_dropped and softnet totals plus their rates/deltas since prev (may be
 * NULL), and the history's gauges when cur->hist_ok. Caller frees *text. Returns 0 or
 * -ENOMEM. */
int ng_metrics_render(const struct ng_watch *w, const struct ng_watch_counters *c,
		      const struct ng_metrics_sample *cur, const struct ng_metrics_sample *prev,
		      char **text, size_t *len);

/* Write text to root + file (mode 0644, atomically, never over a file nicguard did not
 * write). */
int ng_metrics_write(const struct ng_ctx *ctx, const char *file, const char *text, size_t len,
		     struct ng_err *err);

/* -------------------------------------------------------------- recover.c */

/* The interface a match concerns: the name the record gives, when such an interface
 * exists; else the record's DEVICE= (+pci:ADDR, +virtio:virtioN, nIFINDEX) or the prefix's
 * bus device, through root/sys/bus/{pci,virtio}/devices/DEV/net/ (first name, sorted).
 * Returns 0, -EINVAL for a host-wide signature, -ENODEV when none is found (err says). */
int ng_recover_locate(const struct ng_ctx *ctx, const struct ng_sig_match *m, char *ifname,
		      size_t len, struct ng_err *err);

/* Unbind ifc's device from its driver and bind it again (root/sys/bus/{pci,virtio}/drivers/
 * DRIVER/{unbind,bind}). -ENODEV without a bus device (veth, bridge), -EOPNOTSUPP on other
 * buses. The interface comes back with a new ifindex. */
int ng_recover_rebind(const struct ng_ctx *ctx, const struct ng_iface *ifc, struct ng_err *err);

/* The "reapply" rung: through the apply path (ng_apply_iface), apply ifc's target with the
 * watch-* settings (policy and stanza keys) over everything it holds now; then (unless
 * NG_APPLY_DRY_RUN) mark ifc escalated in root/run/nicguard/watch-escalated, so whatever
 * re-applies it later (udev after a re-probe, apply) keeps them. -ENOENT when ifc has no
 * watch-* setting, -ECANCELED when it is skipped (skip = yes): nothing applied or marked. */
int ng_recover_reapply(const struct ng_ctx *ctx, const struct ng_policy *p,
		       const struct ng_iface *ifc, unsigned flags, struct ng_report *rep,
		       struct ng_err *err);

/* Apply the target to every interface marked escalated, through the apply path: after a
 * backup window's restore put back what an uplink held before the job, so a watch-*
 * escalation made during the job stays. Interfaces that are gone are skipped. Returns 0 or
 * the first negative errno; each problem is one line in problems. */
int ng_recover_reassert(const struct ng_ctx *ctx, const struct ng_policy *p,
			struct ng_report *rep, struct ng_diags *problems);

/* ------------------------------------------------------------ portstate.c */

/* A port's place in the network, recorded before a bounce or a rebind so that the step can
 * put back what it disturbed: its master (bridge, or bond and the bridge over it), the bond
 * role it held (primary, active slave), its bridge port options and VLANs, MTU, up state,
 * the addresses and routes it holds itself, its alternative names, its bus device and MAC
 * (to find it again under a new ifindex, maybe a new name). */
struct ng_portstate;

/* Record ifname's place from rtnetlink. Returns 0, or a negative errno with err filled.
 * Free with ng_portstate_free. */
int ng_portstate_record(const struct ng_ctx *ctx, const char *ifname, struct ng_portstate **out,
			struct ng_err *err);
void ng_portstate_free(struct ng_portstate *ps);

/* The port's name when recorded, and the key it is found again by: its bus device (PCI
 * address, virtioN) or, without one, its name. */
const char *ng_portstate_name(const struct ng_portstate *ps);
const char *ng_portstate_key(const struct ng_portstate *ps);

enum ng_restore_outcome {
	NG_RESTORED,		/* put back */
	NG_RESTORE_ALREADY,	/* it was still in place */
	NG_RESTORE_FAILED,	/* detail says why */
	NG_RESTORE_SKIPPED,	/* could not apply here (detail says why) */
};

#define NG_RESTORE_ITEMS 96

/* One thing put back: "master", "mtu", "vlans", "address", ... with its value. */
struct ng_restore_item {
	char what[16];
	char value[96];
	enum ng_restore_outcome outcome;
	char detail[160];
};

/* What a restore did: the port as found again, and each item. */
struct ng_restore {
	char name[NG_IFNAMSIZ];		/* the port's name now */
	int ifindex_before, ifindex_after;
	char step[24];			/* what disturbed it: "down and up", "unbind and bind" */
	unsigned step_ms;		/* how long that took; 0: not known here */
	unsigned waited_ms;		/* then until the device was back (and renamed) */
	unsigned restore_ms;		/* then until every item was put back */
	struct ng_restore_item v[NG_RESTORE_ITEMS];
	size_t n;
};

/* Find ps's port again (same bus device and MAC, or same name and MAC without a bus
 * device), waiting up to wait_ms for it to appear and for udev to name it (its name
 * recorded, or udev's database entry for it); give it back its recorded name if it has
 * another and that name is free; then put back everything recorded, in the order the
 * kernel needs (MTU before the master, a bond slave enslaved while down, addresses before
 * routes). rep tells item by item. Returns 0 when every item is back, -EIO when some
 * failed, -ENODEV when the port did not come back (err says). */
int ng_portstate_restore(const struct ng_ctx *ctx, const struct ng_portstate *ps,
			 unsigned wait_ms, struct ng_restore *rep, struct ng_err *err);

/* rep in one line for the log: "put back master vmbr0, mtu 9000, vlans 1 pvid untagged 10
 * 20-30, up, 2 routes (ens4 ifindex 3 -> 7, unbind and bind took 950 ms, back after 84 ms,
 * put back in 20 ms)", or "nothing to put back (...)"; items still in place are not named,
 * failures are ("failed: vlans ..."); times not known are left out. */
void ng_restore_summary(const struct ng_restore *rep, char *buf, size_t len);

/* ------------------------------------------------------------- portfile.c */

/* ps as text for a file under /run/nicguard (marker line first), and parsed back (pure;
 * name is used in diagnostics). Parse returns 0 or -EINVAL with err at the bad line. */
int ng_portstate_format(const struct ng_portstate *ps, char **text, size_t *len);
int ng_portstate_parse(const char *buf, size_t len, const char *name, struct ng_portstate **out,
		       struct ng_err *err);

/* ----------------------------------------------------------- recoverstep.c */

/* What a bounce or a rebind put back. */
struct ng_recoverstep {
	bool restored;			/* the port was found again and restore ran */
	struct ng_restore restore;
	struct ng_report policy;	/* the policy applied after a rebind */
	int policy_err;
	char policy_msg[512];
	char unrecorded[512];		/* why a bounce went ahead without its place recorded */
};

/* Carry out step (NG_STEP_BOUNCE or NG_STEP_REBIND) on ifc and put back what it disturbed:
 * record its place (when that fails, refuse a rebind; a bounce goes ahead, and
 * res->unrecorded says why nothing is put back), hold its lock, save the place to
 * root/run/nicguard/port-KEY, act, find the port again (a rebind: up to 5 s for the device
 * and udev's name), restore its place, after a rebind apply the policy, drop the file.
 * Returns 0, or a negative errno with err filled (the step's or the restore's). Free res's
 * report with ng_recoverstep_free. */
int ng_recoverstep_run(const struct ng_ctx *ctx, const struct ng_policy *p,
		       enum ng_watch_step step, const struct ng_iface *ifc,
		       struct ng_recoverstep *res, struct ng_err *err);
void ng_recoverstep_free(struct ng_recoverstep *res);

/* At start-up: finish every restore a crash left in root/run/nicguard/port-* (restore, apply
 * the policy, drop the file); fn hears of each (key "" and res NULL: the directory could not
 * be listed). Returns 0 or -ENOMEM. */
int ng_recoverstep_pending(const struct ng_ctx *ctx, const struct ng_policy *p,
			   void (*fn)(void *arg, const char *key, const struct ng_recoverstep *res,
				      int r, const struct ng_err *err),
			   void *arg);

/* Apply the policy (stanza keys, backup window and watch escalation included) to ifname:
 * the one place nicguard-watch does so after putting a port back. */
int ng_recoverstep_apply_policy(const struct ng_ctx *ctx, const struct ng_policy *p,
				const char *ifname, struct ng_report *rep, struct ng_err *err);

/* -------------------------------------------------------------- respond.c */

/* The [watch] options for ifname, as it is now: ng_watch_opts_resolve over its sysfs facts,
 * with act-on cleared when its target says `skip = yes` (policy or stanza key: hands off,
 * log only). dflt (the daemon-wide options) when ifname is "" or cannot be read. */
void ng_respond_opts(const struct ng_ctx *ctx, const struct ng_policy *p,
		     const struct ng_watch_opts *dflt, const char *ifname, struct ng_watch_opts *o);

/* True when a backup window is open and ifname is one of its uplinks, as ng_backup_tighten
 * picks them (or the uplinks cannot be told: the safe side). */
bool ng_respond_backup(const struct ng_ctx *ctx, const struct ng_policy *p, const char *ifname);

struct ng_history;	/* history.c */

/* Carry out d's step on d->ifname (dry_run: decide and report, change nothing), and say
 * how it went in detail ("done", "failed: ...", "2 of 5 settings changed"; for a rung with
 * nothing to do, "nothing to re-apply (no watch-* settings)"). A bounce or a rebind puts
 * back the port's place (ng_recoverstep_run): res tells what (free with
 * ng_recoverstep_free). The settings a reapply changed are queued in hist (may be NULL) as
 * changes at time now: the history marks the escalation. A reboot only asks systemd
 * (ng_reboot_request): the caller checks, records and logs it first. Returns what to tell
 * ng_watch_done(). */
enum ng_watch_result ng_respond_step(const struct ng_ctx *ctx, const struct ng_policy *p,
				     const struct ng_watch_decision *d, bool dry_run,
				     struct ng_history *hist, int64_t now, char *detail,
				     size_t len, struct ng_recoverstep *res);

/* -------------------------------------------------------------- kmsgsrc.c */

/* Where nicguard-watch reads records: /dev/kmsg (one record per read), or a FIFO or file
 * holding records as /dev/kmsg prints them (a byte stream, split into records). */
struct ng_kmsgsrc;

/* Open path non-blocking; a FIFO read-write as well, so writers coming and going never end
 * it. Returns 0 or a negative errno with err filled. Free with ng_kmsgsrc_free. */
int ng_kmsgsrc_open(const char *path, struct ng_kmsgsrc **out, struct ng_err *err);
void ng_kmsgsrc_free(struct ng_kmsgsrc *s);

/* On /dev/kmsg, go to the oldest record left (from_start) or past the newest; a FIFO or
 * file is read whole. Returns 0 or a negative errno with err filled (reading still works). */
int ng_kmsgsrc_seek(struct ng_kmsgsrc *s, bool from_start, struct ng_err *err);

/* The descriptor to poll for POLLIN; the records, lost and skipped counts so far. */
int ng_kmsgsrc_fd(const struct ng_kmsgsrc *s);
const struct ng_watch_counters *ng_kmsgsrc_counters(const struct ng_kmsgsrc *s);

enum ng_kmsgsrc_what {
	NG_KMSGSRC_RECORD,	/* rec: the next record; lost: records lost just before it */
	NG_KMSGSRC_OVERRUN,	/* /dev/kmsg said EPIPE: records were overwritten unread */
	NG_KMSGSRC_TOO_BIG,	/* a record over size bytes was skipped */
};

struct ng_kmsgsrc_event {
	enum ng_kmsgsrc_what what;
	const struct ng_kmsg *rec;	/* valid during the call only */
	uint64_t lost;			/* a gap in the sequence numbers (ring buffer overrun) */
	size_t size;
};

/* One read(): hand each record and mishap it yields to fn, in order (records that do not
 * parse are counted as skipped). Returns 1 when there may be more to read, 0 when there is
 * nothing more for now (poll), -ENODATA at the end of a file, or a negative errno with err
 * filled. */
int ng_kmsgsrc_read(struct ng_kmsgsrc *s, void (*fn)(void *data, const struct ng_kmsgsrc_event *ev),
		    void *data, struct ng_err *err);

/* --------------------------------------------------------------- notify.c */

/* sd_notify without libsystemd: send msg ("READY=1", "STATUS=...") as one datagram to addr,
 * the service manager's $NOTIFY_SOCKET ('@' starts an abstract name). NULL or "": nothing
 * to do. Returns 0 or a negative errno with err filled. */
int ng_notify_send(const char *addr, const char *msg, struct ng_err *err);

/* ------------------------------------------------------- histrec.c, history.c */

/* The event history (/var/lib/nicguard/history, mode 0600): what nicguard-watch detected
 * and did, each policy change that took effect on an interface, and the drop counters the
 * daemon samples, kept for NG_HISTORY_DAYS so `nicguard report` can show whether a change
 * helped. The file is the marker line, a version line, then records appended whole:
 *   0xff 'N' 'G' 'H' | u16le payload length | u8 type ('E', 'C', 'N') | u8 0 |
 *   payload (tab-separated text) | u32le CRC-32C of everything after the magic
 * A write torn by a crash leaves a record that fails its checksum: the reader skips it and
 * finds the next magic, so it costs that record only, even with records appended after it.
 * Past NG_HISTORY_MAX bytes the writer compacts the file (histcompact.c) into at most
 * NG_HISTORY_KEEP bytes and renames it into place; it refuses to append past
 * NG_HISTORY_HARD, so the file never grows beyond that, even when compaction fails. */
#define NG_HISTORY_FILE "/var/lib/nicguard/history"
#define NG_HISTORY_DAYS 62		/* records kept this long; `report --days` at most */
#define NG_HISTORY_MAX (2u << 20)	/* a flush that leaves the file bigger compacts it */
#define NG_HISTORY_KEEP (1u << 20)	/* compaction leaves at most this much */
#define NG_HISTORY_HARD (NG_HISTORY_MAX + (512u << 10)) /* appends refused beyond this */
#define NG_HISTREC_MAX 1024		/* one record, framing included */

/* One detection or action of nicguard-watch. */
struct ng_hist_event {
	int64_t time;			/* wall clock, seconds */
	char ifname[NG_IFNAMSIZ];	/* "": the host, or no interface found */
	bool action;			/* false: a detection; true: an action carried out */
	enum ng_sig_class cls;		/* of the signature */
	char sig[32];			/* signature id: e1000e-hw-hang */
	char what[16];			/* detection: the step decided, or why none (log-only,
					 * settling, ...); action: the step */
	char detail[160];		/* why, or how the action went */
};

/* One setting that changed on an interface (an apply result `changed`), or a network
 * sysctl whose value in effect changed (ifname ""). */
struct ng_hist_change {
	int64_t time;
	char ifname[NG_IFNAMSIZ];
	char setting[NG_NAME_MAX];	/* tso, rps, net.core.netdev_max_backlog */
	char value[128];		/* off, all, 5000 */
	char was[128];			/* before; "": not known (a first observation) */
	char origin[192];		/* FILE:LINE, built-in, kernel default */
	char source[16];		/* apply, udev, ifupdown, guest-hook, watch */
};

/* Counters over a stretch of time: one sample interval of the daemon, or many merged by
 * compaction. The host ("") carries the watched time and the softnet counters; an
 * interface carries its rx drops (only when there were some) and the detections that
 * compaction folded in when it dropped their event records. */
struct ng_hist_count {
	int64_t start, end;		/* wall clock, start <= end */
	char ifname[NG_IFNAMSIZ];
	uint32_t covered;		/* seconds watched within [start, end] */
	uint32_t hangs, resets, stalls;	/* folded episodes */
	uint64_t rx_dropped;
	uint64_t softnet_dropped, squeezed;
};

/* A history as read: each kind of record sorted by time (oldest first). */
struct ng_hist {
	struct ng_hist_event *ev;
	size_t nev;
	struct ng_hist_change *ch;
	size_t nch;
	struct ng_hist_count *cnt;
	size_t ncnt;
	size_t damaged;			/* bytes skipped: torn or damaged records */
	size_t unknown;			/* whole records of a kind or shape not known here */
};

/* Parse a history file held in memory (pure). Returns 0, -EINVAL when buf does not start
 * with the marker and version lines (not a history nicguard wrote), -ENOMEM. */
int ng_histrec_parse(const char *buf, size_t len, struct ng_hist *out);

/* Encode one record into buf (at least NG_HISTREC_MAX bytes): text is cut to its field's
 * size, tabs and control bytes become '?'. Returns the record's length. */
size_t ng_histrec_event(const struct ng_hist_event *e, char *buf);
size_t ng_histrec_change(const struct ng_hist_change *c, char *buf);
size_t ng_histrec_count(const struct ng_hist_count *c, char *buf);

/* The first bytes of every history file: the marker and version lines. */
const char *ng_histrec_header(size_t *len);

void ng_hist_free(struct ng_hist *h);

/* Encode a whole history (header first, records merged by time) into *buf (caller frees).
 * Returns 0 or -ENOMEM. */
int ng_histrec_encode(const struct ng_hist *h, char **buf, size_t *len);

/* Compact h as of now (pure, histcompact.c): records past NG_HISTORY_DAYS go (the change
 * that set a value still in effect stays at any age), a change that re-applies the value
 * already recorded goes (every boot re-applies tso off: it took effect the first time),
 * counters merge per interface and hour (the last two days) or day (older) without
 * crossing a change; then, while it would encode into more than NG_HISTORY_KEEP bytes,
 * the oldest events go first (their hang, reset and stall episodes folded into counters),
 * then superseded changes, changes of interfaces gone for a month, counters older than a
 * month, other changes, and last the month's counters. An episode still running where the
 * events are cut (its lines less than NG_HIST_EPISODE_GAP apart for longer than that)
 * counts once more. Returns 0 or -ENOMEM. */
int ng_histcompact(struct ng_hist *h, int64_t now);

/* Detections of one interface and class no more than this many seconds apart are one
 * episode: a hung e1000e repeats "Detected Hardware Unit Hang" every 2 s until it is
 * reset, and that is one hang, not thirty. */
#define NG_HIST_EPISODE_GAP 60

/* Does event i of ev (sorted by time) start an episode: a detection with no detection of
 * the same interface and class in the NG_HIST_EPISODE_GAP seconds before it? */
bool ng_hist_episode_start(const struct ng_hist_event *ev, size_t i);

/* Read root/var/lib/nicguard/history. No file: an empty history and 0. Refuses (-EPERM) a
 * file that is a link, not root's, or writable by others; -EINVAL when it is not a
 * history. Returns 0 or a negative errno with err filled. */
int ng_history_read(const struct ng_ctx *ctx, struct ng_hist *out, struct ng_err *err);

/* A writer of the history: records are queued in memory (no I/O) and written together by
 * ng_history_flush(), so nicguard-watch never waits for the disk between a detection and
 * its action, and `nicguard apply` syncs once for all its interfaces. */
struct ng_history;

#define NG_HISTORY_QUEUE (256u << 10)	/* queued bytes at most */

/* The source of nicguard-watch's change records: its reapply step's, an escalation. */
#define NG_HISTORY_WATCH "watch"

/* A writer for root/var/lib/nicguard/history; source names the program in its change
 * records ("udev", "apply", NG_HISTORY_WATCH). Keeps no pointer to ctx. NULL on no memory. */
struct ng_history *ng_history_new(const struct ng_ctx *ctx, const char *source);

/* Free w; records not written are dropped. */
void ng_history_free(struct ng_history *w);

/* Queue one record. Returns 0, or -ENOBUFS when the queue is full (the record is lost). */
int ng_history_event(struct ng_history *w, const struct ng_hist_event *e);
int ng_history_change(struct ng_history *w, const struct ng_hist_change *c);
int ng_history_count(struct ng_history *w, const struct ng_hist_count *c);

/* Queue a change record (time now, the writer's source) for each result of rep that
 * changed a setting. Returns 0 or -ENOBUFS. */
int ng_history_report(struct ng_history *w, const struct ng_report *rep, int64_t now);

/* Queue what nicguard-watch's periodic sample s (taken at wall time now) adds: the time
 * watched and the softnet counters since the previous sample (host), each interface's rx
 * drops since then (when there were some); and a change record for each network sysctl
 * whose value in effect changed (the first sample compares with the history's last
 * record of it). Counters that went backwards (a driver reload) count nothing. */
int ng_history_sample(struct ng_history *w, const struct ng_ctx *ctx,
		      const struct ng_metrics_sample *s, int64_t now, struct ng_err *err);

/* Write the queue: create the file (0600) when missing, lock it (waiting at most 2 s for
 * another writer), append in one write, fdatasync; then, past NG_HISTORY_MAX, compact it
 * as of now. The directory root/var/lib/nicguard is the package's: without it, -ENOENT and
 * no history is kept (the queue is dropped). A file that is a link, not root's, or not a
 * history is left alone. Returns 0, or a negative errno with err filled: the queue is kept
 * when nothing was written (the next flush tries again), else dropped. */
int ng_history_flush(struct ng_history *w, int64_t now, struct ng_err *err);

/* ------------------------------------------------------------ histreport.c */

/* What `nicguard report` shows (pure: computed from a history as read, at time now).
 * Time spans are (start, end]: a record at a change's second counts before it. Counts
 * are episodes (NG_HIST_EPISODE_GAP); rates divide by the time nicguard-watch watched
 * (the host's counters), not by calendar time: a day the daemon was stopped is no day
 * without hangs. A counter record that straddles a boundary is split pro rata. */
struct ng_histreport_period {
	int64_t start, end;
	double watched;			/* seconds */
	double hangs, resets, stalls;	/* episodes (whole numbers but for a split record) */
	double rx_dropped;		/* of the interface */
	double softnet_dropped, squeezed; /* of the host */
};

/* A change that took effect: the settings of one interface changed within a minute of
 * each other (one apply), or one host sysctl (listed for the host, and for each interface
 * that dropped packets in the window). A record that re-applies the value recorded last
 * for its setting (every boot) is no change. */
struct ng_histreport_change {
	int64_t time;
	char label[256];		/* "tso off gso off gro off", "net.core.netdev_max_backlog 5000" */
	char was[256];			/* "tso on gso on gro on"; "" when not known */
	char origin[192];		/* of its first setting */
	char source[16];
	bool own;			/* the interface's own, not a host sysctl */
	bool hangs;			/* hang rates answer to it (an own change) */
	bool drops;			/* drop rates answer to it (rps, a sysctl) */
	bool escalation;		/* nicguard-watch's reapply step (source NG_HISTORY_WATCH) */
	/* The hang rate: from the previous own change (or the window's start) to this one,
	 * and from this one to the next (or now); the same for the drop rate. */
	struct ng_histreport_period hang_before, hang_after, drop_before, drop_after;
};

/* One UTC day of the window: (day, day + 86400]. */
struct ng_histreport_day {
	int64_t day;			/* its midnight, UTC */
	double watched, hangs, resets, stalls, rx_dropped, softnet_dropped, squeezed;
};

struct ng_histreport_if {
	char ifname[NG_IFNAMSIZ];	/* "": the host (softnet, sysctls, stalls) */
	struct ng_histreport_period total; /* the whole window */
	struct ng_histreport_change *changes;	/* in the window, oldest first */
	size_t nchanges;
	struct ng_histreport_day *days;	/* the window's days, oldest first */
	size_t ndays;
	int64_t last_hang;		/* the last hang in the whole history; 0: none */
	int64_t since;			/* the last own change in the whole history; 0: none */
	char since_label[256];
	double hangs_since;		/* hang episodes after since (all of them when 0) */
};

struct ng_histreport {
	int64_t from, to;		/* the window: (now - days, now] */
	unsigned days;
	struct ng_histreport_if *v;	/* sorted by name, the host ("") first */
	size_t n;
};

/* The report for the last `days` days (1 to NG_HISTORY_DAYS) up to now, for the interfaces
 * named (every one with a record, and the host, when n is 0). Returns 0, -EINVAL for bad
 * days, -ENOMEM. */
int ng_histreport_make(const struct ng_hist *h, int64_t now, unsigned days,
		       const char *const *names, size_t n, struct ng_histreport *out);
void ng_histreport_free(struct ng_histreport *r);

/* The report as an SVG picture (histsvg.c, pure): one panel per interface with hangs,
 * drops or changes (and one for the host's softnet counters): hangs a day as bars, drops a
 * second as a line, each change a dashed line with its date and settings, days not watched
 * shaded; title goes on top. Caller frees *text. Returns 0 or -ENOMEM. */
int ng_histsvg_render(const struct ng_histreport *r, const char *title, char **text,
		      size_t *len);

/* ------------------------------------------------------------------ summary.c */

/* The cluster view: each Proxmox VE node publishes a small summary of its history to
 * /etc/pve/nodes/NODE/nicguard-summary, which pmxcfs carries to every node. It holds what
 * any cluster member may read anyway (interface names, hang counts, the settings in
 * effect), never policy files or origins. Text, the marker line first, then lines of
 * KEYWORD VALUE...; readers skip keywords they do not know. At most NG_SUMMARY_MAX bytes
 * (pmxcfs takes files up to 1 MiB): interfaces beyond it are left out, quietest first. */
#define NG_SUMMARY_FILE "nicguard-summary"
#define NG_SUMMARY_MAX (64u << 10)
#define NG_SUMMARY_DAYS 30
#define NG_SUMMARY_SETTINGS 32		/* settings in effect per interface */
#define NG_SUMMARY_IFACES 256

struct ng_summary_setting {
	char name[NG_NAME_MAX];
	char value[128];
	int64_t since;			/* when it took effect */
};

struct ng_summary_if {
	char ifname[NG_IFNAMSIZ];
	unsigned hangs[NG_SUMMARY_DAYS]; /* per UTC day, oldest first, the last the summary's */
	unsigned ndays;
	int64_t last_hang;		/* 0: none */
	int64_t since;			/* the last own change; 0: none */
	char since_label[256];
	double before, after;		/* hangs a day before that change and since; -1: not
					 * watched */
	double rx_drops;		/* per second over the days */
	struct ng_summary_setting settings[NG_SUMMARY_SETTINGS];
	size_t nsettings;
};

struct ng_summary {
	char node[64];
	int64_t time;			/* when it was made */
	double watched;			/* days nicguard-watch watched of the last NG_SUMMARY_DAYS */
	struct ng_summary_if *v;
	size_t n;
};

/* This node's name as Proxmox VE uses it (pmxcfs: uname's nodename up to the first dot).
 * Returns 0, or -EINVAL when it is empty or not a valid name. */
int ng_summary_nodename(char *buf, size_t len);

/* The summary of history h for node at time now (pure). Returns 0 or -ENOMEM. */
int ng_summary_make(const struct ng_hist *h, const char *node, int64_t now,
		    struct ng_summary *out);

/* As text (caller frees), at most NG_SUMMARY_MAX bytes. Returns 0 or -ENOMEM. */
int ng_summary_render(const struct ng_summary *s, char **text, size_t *len);

/* Parse a summary's text (pure); unknown keywords and bad lines are skipped. Returns 0,
 * -EINVAL when it is not a summary (no marker, or no node line), -ENOMEM. */
int ng_summary_parse(const char *buf, size_t len, struct ng_summary *out);

/* Write text to root/etc/pve/nodes/NODE/nicguard-summary (mode 0640, which pmxcfs allows),
 * atomically, never over a file without the marker. -ENOENT when the node's directory does
 * not exist (not a Proxmox VE node, or /etc/pve not mounted); without quorum pmxcfs refuses
 * the write (-EACCES). Returns 0 or a negative errno with err filled. */
int ng_summary_publish(const struct ng_ctx *ctx, const char *node, const char *text,
		       size_t len, struct ng_err *err);

/* Every node's summary under root/etc/pve/nodes/, sorted by node; a summary that cannot be
 * read or parsed is one line in problems. Caller frees with ng_summaries_free. Returns 0
 * (no /etc/pve/nodes: none) or -ENOMEM. */
int ng_summary_read_all(const struct ng_ctx *ctx, struct ng_summary **out, size_t *n,
			struct ng_diags *problems);

void ng_summary_free(struct ng_summary *s);
void ng_summaries_free(struct ng_summary *v, size_t n);

#endif
