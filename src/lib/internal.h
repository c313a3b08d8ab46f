/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h: declarations shared inside libnicguard only, one section per .c file. */
#ifndef NICGUARD_INTERNAL_H
#define NICGUARD_INTERNAL_H

#include <stdarg.h>

#include "nicguard.h"

#define NG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ng_wanted;	/* value.c */

/* ------------------------------------------------------------------ ctx.c */

/* Send one formatted line to the context's trace sink, if one is installed. */
void ng_trace(const struct ng_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in milliseconds: the one clock of the library's own waits and timings. */
uint64_t ng_now_ms(void);

/* True when the built-in driver defaults are to be left out. */
bool ng_ctx_no_builtin(const struct ng_ctx *ctx);

/* The root without a trailing slash: "" for the real root. path.c joins paths to it. */
const char *ng_ctx_root_prefix(const struct ng_ctx *ctx);

/* ------------------------------------------------------------------ err.c */

int ng_err_vset(struct ng_err *err, int errnum, const char *file, unsigned line,
		const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* ng_diags_add with a va_list. */
int ng_diags_vadd(struct ng_diags *d, const char *file, unsigned line, const char *fmt,
		  va_list ap) __attribute__((format(printf, 4, 0)));

/* Add one problem line to d (when not NULL) and keep the first errno in *first (when not
 * NULL and still 0): for the operations that go on past a problem and report each one.
 * Returns r. */
int ng_diags_problem(struct ng_diags *d, int r, int *first, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Each further .c file has its lib-only declarations in a section of its own below, headed
 * by a comment line with the file's name. */

/* --------------------------------------------------------------- ifname.c */

/* A PCI address written as sysfs names it, DDDD:BB:DD.F in hex digits, exactly. */
bool ng_pci_addr_valid(const char *s);

/* --------------------------------------------------------------- atomic.c */

/* Read what is left of an open file into a NUL-terminated buffer (caller frees), at most
 * max bytes: -EFBIG when there is more. For callers that check the fd (fstat) first. */
int ng_read_fd(int fd, size_t max, char **buf, size_t *len);

/* Open directory dir (of the file path, named in errors) for writing into it: refused when
 * someone else owns it or anyone may write to it without the sticky bit. Returns the fd. */
int ng_atomic_open_dir(const char *path, const char *dir, struct ng_err *err);

/* Create a hidden temp file for base in dfd (O_EXCL|O_NOFOLLOW, mode 0600); its name goes to
 * tmp. Returns the fd or a negative errno. */
int ng_atomic_temp(int dfd, const char *base, char *tmp, size_t len);

/* The last part of the target of the symbolic link at path (sysfs's ../../bus/pci/drivers/
 * e1000e, pmxcfs's nodes/pve1) into out, cut to len - 1 bytes. Returns its whole length
 * (>= len when cut, as snprintf does), or readlink's negative errno. */
int ng_link_base(const char *path, char *out, size_t len);

/* ------------------------------------------------------------- features.c */

/* A parameter of a key group that is one ethtool struct (coalesce: struct ethtool_coalesce,
 * ring: ethtool_ringparam, pause: ethtool_pauseparam, eee: ethtool_eee, channels:
 * ethtool_channels): its ethtool(8) name, the __u32 field it is, and whether it takes on|off
 * rather than a number. */
struct ng_param {
	const char *name;
	size_t offset;
	bool onoff;
};

/* Does the canonical offload item name (short name or kernel feature) cover this kernel
 * feature? tso covers every tx-tcp*-segmentation; a kernel name covers only itself. */
bool ng_feature_covers(const char *item_name, const char *kernel_feature);

/* Normalize a written feature name: short names and kernel names stay, ethtool's long names
 * (tcp-segmentation-offload) become short names. Returns 0, -ENOENT or -ENAMETOOLONG. */
int ng_feature_canonical(const char *written, char *out, size_t len);

/* True for ethtool's short group names (tso, gso, sg, ...); for kernel feature names. */
bool ng_feature_is_group(const char *canonical);
bool ng_feature_is_kernel(const char *name);

/* The parameter NAME of key group g (ethtool -C, -G, -A, --set-eee, -L words), or NULL (also
 * for a group that has no parameter table). */
const struct ng_param *ng_param_find(enum ng_group g, const char *name);

/* Group g's parameter names, in table order, as "a, b or c" into buf; returns buf. */
const char *ng_param_names(enum ng_group g, char *buf, size_t len);

/* "Did you mean": the candidate closest to word (edit distance at most 2), or NULL. The
 * other two search the feature table (all spellings) and group g's parameters. */
const char *ng_suggest(const char *word, const char *const *cands, size_t n);
const char *ng_feature_suggest(const char *word);
const char *ng_param_suggest(enum ng_group g, const char *word);

/* True when n entries of size bytes, each starting with a name pointer, are in strictly
 * increasing strcmp order (bsearch needs it; unit tests check every keyword table). */
bool ng_table_sorted(const void *base, size_t n, size_t size);
bool ng_features_tables_sorted(void);

#include <linux/ethtool.h>

/* The kernel's feature table of one device (ETHTOOL_GSTRINGS + ETHTOOL_GFEATURES). Bit i of
 * block i / 32 belongs to names[i]. */
struct ng_features {
	size_t n;			/* number of features */
	size_t nblocks;			/* (n + 31) / 32 */
	char (*names)[ETH_GSTRING_LEN];
	uint32_t *available;		/* changeable */
	uint32_t *requested;
	uint32_t *active;
	uint32_t *never_changed;
};

void ng_features_free(struct ng_features *f);
bool ng_features_bit(const uint32_t *blocks, size_t i);
void ng_features_set_bit(uint32_t *blocks, size_t i, bool on);

/* ------------------------------------------------------------- ethtool.c */

/* Link settings as read: the GLINKSETTINGS request with its masks, or the legacy GSET. */
struct ng_link {
	bool legacy;			/* read through ETHTOOL_GSET */
	/* The GLINKSETTINGS buffer: struct ethtool_link_settings, then its three link-mode masks
	 * (supported, advertising, lp_advertising). Raw words, because a struct ending in a
	 * flexible array may not be a member of another (C11 6.7.2.1p3); ethtool.c copies the
	 * head in and out with memcpy. */
	uint32_t ks[sizeof(struct ethtool_link_settings) / 4 + 3 * 127];
	struct ethtool_cmd cmd;
	uint32_t speed;			/* SPEED_UNKNOWN when there is no link */
	uint8_t duplex;			/* DUPLEX_HALF, DUPLEX_FULL, DUPLEX_UNKNOWN */
	uint8_t autoneg;		/* AUTONEG_DISABLE, AUTONEG_ENABLE */
};

/* An AF_INET datagram socket for SIOCETHTOOL in the caller's network namespace. Returns
 * the fd or a negative errno. */
int ng_eth_open(struct ng_err *err);

/* The kernel's feature names: one string set for every device (netdev_features_strings),
 * so a context reads it once (ETHTOOL_GSTRINGS) and keeps it; a device that reports another
 * count (ETHTOOL_GSSET_INFO) has it read again. */
struct ng_featnames {
	size_t n;
	char (*names)[ETH_GSTRING_LEN];
};

/* The context's cache (never NULL for a context made by ng_ctx_new). */
struct ng_featnames *ng_ctx_featnames(const struct ng_ctx *ctx);

/* Each returns 0 or a negative errno (-EOPNOTSUPP when the device has no such operation)
 * with err filled. ng_eth_features_get asks the count, takes the names from cache (NULL:
 * none) when the count matches, and reads the bits; ng_eth_features_reread reads only the
 * bits, into a table shaped like before's (the same device, a moment later). */
int ng_eth_features_get(int fd, const char *ifname, struct ng_featnames *cache,
			struct ng_features *f, struct ng_err *err);
int ng_eth_features_reread(int fd, const char *ifname, const struct ng_features *before,
			   struct ng_features *f, struct ng_err *err);
/* One ETHTOOL_SFEATURES; *ret gets the ETHTOOL_F_* bits the kernel returned. */
int ng_eth_features_set(int fd, const char *ifname, const uint32_t *valid,
			const uint32_t *requested, size_t nblocks, int *ret, struct ng_err *err);
int ng_eth_link_get(int fd, const char *ifname, struct ng_link *l, struct ng_err *err);
/* Writes l->speed, duplex and autoneg through the interface l was read with. */
int ng_eth_link_set(int fd, const char *ifname, const struct ng_link *l, struct ng_err *err);
/* A get or set of one ethtool struct that starts with its u32 command (ETHTOOL_GCOALESCE,
 * ETHTOOL_SPAUSEPARAM, ...): data is size bytes (at most 128); get zeroes it first, each sets
 * the command word itself. */
int ng_eth_param_get(int fd, const char *ifname, uint32_t cmd, void *data, size_t size,
		     struct ng_err *err);
int ng_eth_param_set(int fd, const char *ifname, uint32_t cmd, const void *data, size_t size,
		     struct ng_err *err);
int ng_eth_drvinfo(int fd, const char *ifname, struct ethtool_drvinfo *d, struct ng_err *err);
int ng_eth_flags_get(int fd, const char *ifname, unsigned *flags, struct ng_err *err);
int ng_eth_flags_set(int fd, const char *ifname, unsigned flags, struct ng_err *err);

/* ----------------------------------------------------------------- strv.c */

/* Append a copy of s to the array *v of *n strings. On -ENOMEM *v and *n stay valid for
 * ng_strv_free. */
int ng_strv_push(char ***v, size_t *n, const char *s);
void ng_strv_free(char **v, size_t n);

/* ------------------------------------------------------------------ rps.c */

#define NG_RPS_CPUS_MAX 8192	/* the kernel's largest NR_CPUS */
/* An rps_cpus mask as the kernel prints it for NG_RPS_CPUS_MAX CPUs: 256 groups of 8 hex
 * digits and their commas. */
#define NG_RPS_MASK_MAX (NG_RPS_CPUS_MAX / 4 + NG_RPS_CPUS_MAX / 32 + 2)

/* The rps_cpus masks of every rx queue of ifname (queue i in masks[i], as the kernel prints
 * it). Caller frees with ng_strv_free. Returns 0, -ENOENT (no rx queue files), or an errno. */
int ng_rps_read(const struct ng_ctx *ctx, const char *ifname, char ***masks, size_t *n,
		struct ng_err *err);

/* Write masks to the rx queues: one mask for every queue, or one per queue separated by
 * spaces (queue order; their number must match the queues'), each only where it differs.
 * *written counts the writes. */
int ng_rps_apply(const struct ng_ctx *ctx, const char *ifname, const char *mask,
		 unsigned *written, struct ng_err *err);

/* Possible CPUs of the machine (root/sys/devices/system/cpu/possible), at least 1. */
unsigned ng_rps_ncpus(const struct ng_ctx *ctx);

/* RFS: the global flow table net.core.rps_sock_flow_entries (root/proc/sys; only the host's
 * network namespace has it) and every rx queue's rps_flow_cnt, queue order. Caller frees
 * *counts. Returns 0, -ENOENT when the global file is missing, -EOPNOTSUPP (no rx queue or
 * no rps_flow_cnt: a kernel without RFS), or an errno; err says which file. */
int ng_rfs_read(const struct ng_ctx *ctx, const char *ifname, unsigned long *global,
		unsigned long **counts, size_t *n, struct ng_err *err);

/* Raise rps_sock_flow_entries to global when it is lower (read again under a lock on the
 * file, so two nicguard runs never lower each other's value; 0: leave it), then give each rx
 * queue ng_rfs_per_queue(entries, queues now) where it differs. *written counts the writes. */
int ng_rfs_apply(const struct ng_ctx *ctx, const char *ifname, unsigned long global,
		 unsigned long entries, unsigned *written, struct ng_err *err);

/* ---------------------------------------------------------------- rpsmask.c */

/* One rps word (all, none, a hex mask, a CPU list) in canonical form: masks lose commas and
 * leading zeros ("none" if zero), lists become sorted ranges ("0-3,8"). Returns 0, -EINVAL,
 * -ERANGE (a CPU beyond NG_RPS_CPUS_MAX) or -ENOMEM; *out is the caller's to free. */
int ng_rps_canonical(const char *t, char **out);

/* Compare two hex masks as numbers ("00000000,0000000f" equals "f"). */
bool ng_rps_mask_equal(const char *a, const char *b);

/* Normalize a hex mask into buf: no commas, no leading zeros ("0" for none). */
const char *ng_rps_mask_norm(const char *mask, char *buf, size_t len);

/* The number of masks in a space-separated list (ng_rps_mask's output). */
size_t ng_rps_nmasks(const char *masks);

/* Mask q of such a list into buf; a single mask stands for every queue. NULL when the list
 * has neither one mask nor more than q. */
const char *ng_rps_queue_mask(const char *masks, size_t q, char *buf, size_t len);

/* Render an NG_RPS item as the sysfs rps_cpus mask for a machine with ncpus CPUs, the way
 * the kernel prints it (32-bit groups split by commas, the first only as wide as it needs:
 * 2 CPUs "3", 40 CPUs "ff,ffffffff"); CPUs beyond ncpus are dropped. A per-queue value gives
 * one mask per queue, separated by spaces. Returns 0, -EINVAL (not an rps item, a word that
 * is no rps value, ncpus 0 or over NG_RPS_CPUS_MAX, len 0) or -ENOSPC (buf too small). */
int ng_rps_mask(const struct ng_item *it, unsigned ncpus, char *buf, size_t len);

/* ----------------------------------------------------------------- exec.c */

/* Run path with argv (argv[0] included) and envp (NULL: an empty environment), stdin from
 * /dev/null, stdout and stderr captured together into out (NUL-terminated, truncated to
 * outlen - 1 bytes). No shell. *status gets the exit code, or 128 + signal number.
 * Returns 0 when the program ran, -ETIMEDOUT when it was killed after timeout_ms, or the
 * negative errno of fork/execve with err filled. */
int ng_exec(const char *path, const char *const *argv, const char *const *envp,
	    unsigned timeout_ms, char *out, size_t outlen, int *status, struct ng_err *err);

/* ----------------------------------------------------------------- plan.c */

/* The largest RFS table the kernel takes (rps_sock_flow_sysctl: 1 << 29 entries). */
#define NG_RFS_MAX (1UL << 29)

/* What the kernel makes of a flow table size: the next power of two (0 stays 0). */
unsigned long ng_rfs_round(unsigned long v);

/* Each rx queue's rps_flow_cnt for rfs = entries on nqueues queues, as the kernel's
 * documentation divides it (Documentation/networking/scaling.rst: entries / N) and the
 * kernel rounds it; at least 1 when entries is not 0. */
unsigned long ng_rfs_per_queue(unsigned long entries, size_t nqueues);

/* The parts of a device's state that settings are read from and written to. devstate.c
 * reads and writes each (one row of its table), plan.c plans each key group against the part
 * it names (one row of its table). A new key group is a row in value.c's key table with its
 * value parser, a row in plan.c's group table with its plan function and, when it touches a
 * part of its own, a part here with a row in devstate.c's table (its read and write); a part
 * that is one ethtool struct also gets a row in plan.c's part_structs (and its words a table
 * in features.c). Parts are read and written in this order. */
enum ng_part {
	NG_PART_FEATURES,	/* ETHTOOL_GFEATURES, one SFEATURES for every feature */
	NG_PART_LINK,		/* ETHTOOL_GLINKSETTINGS (or GSET) and its write */
	NG_PART_COALESCE,	/* ETHTOOL_GCOALESCE, SCOALESCE: coalesce, interrupt-throttle-rate */
	NG_PART_RING,		/* ETHTOOL_GRINGPARAM, SRINGPARAM */
	NG_PART_PAUSE,		/* ETHTOOL_GPAUSEPARAM, SPAUSEPARAM */
	NG_PART_EEE,		/* ETHTOOL_GEEE, SEEE */
	NG_PART_CHANNELS,	/* ETHTOOL_GCHANNELS, SCHANNELS: written before the rx queue parts
				 * below, whose queues it makes */
	NG_PART_RPS,		/* the rx queues' rps_cpus files */
	NG_PART_RFS,		/* rps_sock_flow_entries and the rx queues' rps_flow_cnt files */
	NG_PART_MAX,
	NG_PART_NONE = NG_PART_MAX,	/* a group that reads no part: ethtool =, flags */
};

/* The part key group g reads and writes, or NG_PART_NONE. */
enum ng_part ng_group_part(enum ng_group g);

/* What was read of a device: the parts its settings need, each with 0 or the negative
 * errno of its read (parts not needed stay zero and unread). */
struct ng_devstate {
	char ifname[NG_IFNAMSIZ];
	char driver[32];
	int err[NG_PART_MAX];
	struct ng_features feat;
	struct ng_link link;
	struct ethtool_coalesce coal;
	struct ethtool_ringparam ring;
	struct ethtool_pauseparam pause;
	struct ethtool_eee eee;
	struct ethtool_channels chan;
	char **rps;			/* rps_cpus of every rx queue */
	size_t nrps;
	unsigned ncpus;
	unsigned long rfs_global;	/* rps_sock_flow_entries */
	unsigned long *rfs;		/* rps_flow_cnt of every rx queue */
	size_t nrfs;
};

void ng_devstate_free(struct ng_devstate *s);

/* Where the ethtool struct of a parameter part (coalesce, ring, pause, eee, channels) sits in
 * struct ng_devstate and struct ng_plan, its size, and its ioctl pair; size 0 for the other
 * parts. The one table of them (plan.c); devstate.c reads and writes through it. */
struct ng_part_struct {
	size_t state_off, plan_off, size;
	uint32_t get, set;
};

const struct ng_part_struct *ng_part_struct(enum ng_part p);

/* One wanted item: what to write, and its result. ng_plan_make fills res as planned
 * (NG_PLANNED: to be written; the outcome when nothing is), apply.c settles it after the
 * writes and hands it to the report. */
struct ng_plan_item {
	const struct ng_item *item;
	struct ng_result res;
	bool write;
	bool no_result;			/* a group that has no outcome (flags) */
	uint32_t *feats;		/* NG_OFFLOAD: the kernel features this item decides */
	uint32_t target;		/* NG_ITR: the rx-usecs it becomes */
	bool recount;			/* NG_RPS: failed only for its number of per-queue
					 * values: the channels written first may fit it */
};

/* The changes for one device: at most one write per part. */
struct ng_plan {
	struct ng_plan_item *items;
	size_t n;
	bool write[NG_PART_MAX];	/* the parts to write */
	size_t nblocks;			/* of valid and requested */
	uint32_t *valid, *requested;	/* NG_PART_FEATURES: the SFEATURES blocks */
	struct ng_link link;		/* NG_PART_LINK, _COALESCE, _RING: what is written */
	struct ethtool_coalesce coal;
	struct ethtool_ringparam ring;
	struct ethtool_pauseparam pause;	/* NG_PART_PAUSE, _EEE, _CHANNELS: likewise */
	struct ethtool_eee eee;
	struct ethtool_channels chan;
	char rps_mask[NG_RPS_QUEUES_MAX * 64];	/* NG_PART_RPS: one mask, or one per queue */
	unsigned long rfs_entries;	/* NG_PART_RFS: divided among the queues at write time */
	unsigned long rfs_global;	/* rps_sock_flow_entries to raise to; 0: leave it */
};

/* Compare s with w and fill plan (items point into w). Pure. Returns 0 or -ENOMEM. */
int ng_plan_make(const struct ng_devstate *s, const struct ng_wanted *w, struct ng_plan *plan);
void ng_plan_free(struct ng_plan *plan);

/* Printable values: a feature set ("on", "off", "mixed"), a link field. */
const char *ng_plan_feat_str(const struct ng_features *f, const uint32_t *sel,
			     const uint32_t *blocks, char *buf, size_t len);
const char *ng_plan_link_str(const struct ng_link *l, const char *name, char *buf, size_t len);

/* -------------------------------------------------------------- devstate.c */

/* Read what w needs of ifname through fd (SIOCETHTOOL) and the sysfs files of ctx's root:
 * only the parts w's groups name. A part's failure is its err[]; only a device that is
 * gone fails the call (-ENODEV, err filled). With before (the same device read earlier in
 * this run) the feature names are taken from it instead of asked again. */
int ng_devstate_read(const struct ng_ctx *ctx, int fd, const struct ng_iface *ifc,
		     const struct ng_wanted *w, const struct ng_devstate *before,
		     struct ng_devstate *s, struct ng_err *err);

/* Write each part the plan changes: err[part] gets 0 or the write's negative errno. */
void ng_devstate_write(const struct ng_ctx *ctx, int fd, const char *ifname,
		       const struct ng_plan *plan, int err[NG_PART_MAX]);

/* The operation that writes part p, for messages ("ETHTOOL_SFEATURES"). */
const char *ng_devstate_write_op(enum ng_part p);

/* Append to out the value(s) the item of pi holds in s, in restorable form: an offload
 * group as one item per kernel feature, a forced link or autoneg on, rps as every queue's
 * mask. Nothing for an item that is unsupported or failed, or of a group that cannot be
 * read back (ethtool =, flags). The backup window's snapshot and nicguard revert's record
 * both take it. Returns 0 or -ENOMEM. */
int ng_devstate_snap_item(const struct ng_devstate *s, const struct ng_plan_item *pi,
			  struct ng_wanted *out);

/* ------------------------------------------------------------------ lex.c */

/* The value of one hex digit, or -1: for sysfs masks and the kernel's \xNN escapes. */
int ng_hexval(char c);

/* The one line reader: '#' comments (at the start of a line or after a blank), a trailing
 * backslash continues a line, blank lines are skipped, line numbers kept. */
struct ng_lex {
	const char *pos, *end;
	unsigned next_line;
	char *line;		/* the current logical line, trimmed */
	size_t len, cap;
	bool ctrl;		/* the current line held a control byte (other than tab, CR) */
};

void ng_lex_init(struct ng_lex *lx, const char *buf, size_t len);

/* The next non-empty logical line and the number of its first physical line. Returns 1,
 * 0 at the end, or -ENOMEM. *line stays valid until the next call. */
int ng_lex_next(struct ng_lex *lx, const char **line, unsigned *lineno);
void ng_lex_free(struct ng_lex *lx);

/* Words of a text split on blanks (space, tab, CR). */
struct ng_words {
	char *buf;
	char **v;
	size_t n;
};

int ng_words_split(struct ng_words *w, const char *text);
void ng_words_free(struct ng_words *w);

/* ---------------------------------------------------------------- value.c */

/* Parse one value in ethtool(8) words for (group, set) into items appended to *items.
 * Used by the policy parser and the stanza-key helpers alike. On bad input returns -EINVAL
 * and err says what is wrong (without file/line: the caller adds the place). */
int ng_value_parse(enum ng_group group, enum ng_set set, const char *text,
		   struct ng_origin origin, struct ng_item **items, size_t *n,
		   struct ng_err *err);

/* Render an item's value as written in a policy file ("off", "100", "full", "all"). */
const char *ng_item_value_str(const struct ng_item *it, char *buf, size_t len);

/* The valid e1000e InterruptThrottleRate values: 0, 1, 3, 4, 100-100000; the one rule the
 * policy parser, the planner and the modprobe.d generator all ask. */
bool ng_itr_valid(int64_t v);

/* Look a policy key up ("offload", "backup-coalesce", "interrupt-throttle-rate", "skip"):
 * returns 0 and fills group/set, or -ENOENT. Flags: skip is (NG_FLAG, NG_SET_NORMAL),
 * backup-uplink is (NG_FLAG, NG_SET_BACKUP); a target holds flags apart from every set. */
int ng_key_lookup(const char *key, enum ng_group *group, enum ng_set *set);

/* The key as written for (group, set), e.g. "backup-offload". NULL if there is none. */
const char *ng_key_name(enum ng_group group, enum ng_set set);

/* Put a copy of it into items: it replaces the item of the same group and name (and set,
 * when by_set), or is appended. Returns 0 or -ENOMEM. */
int ng_items_put(struct ng_item **items, size_t *n, const struct ng_item *it, bool by_set);

/* True for a kernel parameter kernel-cmdline accepts ("pcie_aspm=off", ...). */
bool ng_cmdline_param_known(const char *word);

/* A list of settings, at most one item per (group, name): a set of a target, what an
 * interface should hold now, a snapshot to restore. */
struct ng_wanted {
	struct ng_item *items;
	size_t n;
};

/* The item for (group, name), or NULL. */
const struct ng_item *ng_wanted_find(const struct ng_wanted *w, enum ng_group group,
				     const char *name);
void ng_wanted_free(struct ng_wanted *w);

/* Write items as policy lines, PREFIX KEY EQ WORDS: the items of one offload, link, coalesce
 * or ring key share a line ("offload = tso off gso off"), at the place of the first. The
 * policy printer passes eq " =", the backup state file "". Returns 0 or -EIO. */
int ng_items_print(FILE *out, const char *prefix, const char *eq, const struct ng_item *items,
		   size_t n);

/* The policy key closest to word (for "did you mean"), or NULL. */
const char *ng_key_suggest(const char *word);

/* For a word like "backup-eee" or "watch-rfs": the key it varies ("eee") when that key has
 * no such variant, with the set ("backup") into set; NULL otherwise. */
const char *ng_key_without_variant(const char *word, char *set, size_t len);
bool ng_value_tables_sorted(void);

/* The valid InterruptThrottleRate values, for messages (ng_itr_valid decides). */
#define NG_ITR_VALUES "0 (off), 1 (dynamic), 3 (dynamic conservative), 4 (simplified) " \
	"or 100-100000 (interrupts per second)"

/* The rx-usecs an e1000e InterruptThrottleRate value selects at run time, or -EINVAL. */
int ng_itr_to_usecs(int64_t itr, uint32_t *usecs);

/* --------------------------------------------------------------- policy.c */

/* The header word of a section kind ("driver", "interface", ...). */
const char *ng_match_name(enum ng_match m);
bool ng_policy_tables_sorted(void);

/* ---------------------------------------------------------------- stanza.c */

#define NG_INTERFACES_FILE "/etc/network/interfaces"

/* One option line of an `iface NAME` stanza. */
struct ng_ifopt {
	char *iface;
	char *key;		/* as written: "offload-tso", "nicguard-offload" */
	char *value;		/* the rest of the line, blanks trimmed */
	const char *file;	/* points into files[] */
	unsigned line;
};

struct ng_interfaces {
	struct ng_ifopt *v;
	size_t n, cap;
	char **files;
	size_t nfiles;
	struct ng_diags diags;
};

/* Every option of every iface stanza: from memory (source lines not followed), or from
 * root/etc/network/interfaces and what it sources. Returns 0 or -ENOMEM. */
int ng_interfaces_parse(struct ng_interfaces *f, const char *buf, size_t len, const char *name);
int ng_interfaces_load(const struct ng_ctx *ctx, struct ng_interfaces *f, struct ng_err *err);
void ng_interfaces_free(struct ng_interfaces *f);

/* The nicguard-* keys of ifname's stanzas in f, parsed with ng_stanza_value and appended to
 * *items (origins point into f's file names). Bad values and the sourced files f could not
 * read go to d, each with its place. Returns 0 or -ENOMEM. */
int ng_stanza_items(const struct ng_interfaces *f, const char *ifname, struct ng_item **items,
		    size_t *n, struct ng_diags *d);

/* -------------------------------------------------------------- modprobe.c */

/* One `options MODULE PARAM=VALUE` setting found in a modprobe.d file. */
struct ng_modopt {
	char *file;		/* without the root */
	unsigned line;
	char *param;
	char *value;
	bool ours;		/* the file starts with NG_MARKER */
	long long mtime;	/* of the file */
};

/* Every option of module in the .conf files of root/{etc,run,usr/lib,lib}/modprobe.d.
 * Returns 0 or -ENOMEM; unreadable files are skipped. Free with ng_modopts_free. */
int ng_modprobe_options(const struct ng_ctx *ctx, const char *module, struct ng_modopt **out,
			size_t *n);
void ng_modopts_free(struct ng_modopt *v, size_t n);

/* The PCI addresses of the e1000e ports, sorted (probe order). Caller frees *out. */
int ng_e1000e_ports(const struct ng_ctx *ctx, char (**out)[16], size_t *n);

/* The modification time of the newest root/boot/initrd.img-*, or -1. */
long long ng_initramfs_mtime(const struct ng_ctx *ctx);

/* ------------------------------------------------------------------ pve.c */

/* The node directories of root/etc/pve/nodes (a missing one: none). Free with
 * ng_strv_free. Returns 0 or a negative errno with err filled. */
int ng_pve_node_dirs(const struct ng_ctx *ctx, char ***names, size_t *n, struct ng_err *err);

/* --------------------------------------------------------------- pveopt.c */

/* Validate the key = value pairs of one [pve] section: each bad one becomes a diagnostic
 * (file and its line). Returns the number of bad pairs, or -ENOMEM. policy.c calls it for
 * every [pve] section and marks the section bad when it returns more than 0. */
int ng_pve_section_check(const struct ng_section *s, const char *file, struct ng_diags *d);
bool ng_pve_tables_sorted(void);

/* -------------------------------------------------------------- cmdline.c */

/* Is word among the blank-separated words of the first line of buf[0..len)? */
bool ng_cmdline_has(const char *buf, size_t len, const char *word);

/* A kernel command-line file edited on its first line: every word of del taken out (with
 * the blanks before it), then every word of add that is missing appended after one space;
 * the rest of the file, and a missing final newline, kept byte for byte. *out is NUL-
 * terminated; the caller frees it. Returns 0 or -ENOMEM. Pure. */
int ng_cmdline_edit(const char *buf, size_t len, const char *add, const char *del, char **out,
		    size_t *outlen);

/* --------------------------------------------------------------- doctor.c */

/* Add one finding to d (what from fmt). Returns 0 or -ENOMEM. */
int ng_doctor_add(struct ng_doctor *d, const char *check, const char *where, const char *fix,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The first KEY line of an ifupdown2.conf text (pure), read the way ifupdown2 reads that file
 * (Python's RawConfigParser under a made-up section header): `key = value` or `key: value`,
 * the key case-blind, blanks around both trimmed; a line whose first non-blank is '#' or ';'
 * is a comment; an indented line continues the value before it; there is no comment after a
 * value. Returns the line number (0: no such key) and the value in val (cap > 0), with "\n"
 * appended when a continuation line made it a longer one. */
unsigned ng_ifupdown2_conf_value(const char *buf, size_t len, const char *key, char *val,
				 size_t cap);

/* ----------------------------------------------------------- doctorlive.c */

/* The live-machine checks ng_doctor_run makes after the configuration ones: settings that
 * drifted from the policy, hang signatures in the kernel ring buffer, and drop counters
 * rising over interval_ms. Each adds findings, or notes when it cannot run; returns 0 or
 * -ENOMEM. */
int ng_doctor_check_drift(const struct ng_ctx *ctx, const struct ng_policy *p,
			  struct ng_doctor *d);
int ng_doctor_check_kmsg(const struct ng_ctx *ctx, struct ng_doctor *d);

/* EEE on: every e1000e and igc port whose target says nothing of eee (nor skips it), read
 * through a dry run of `eee = eee off`; ng_doctor_eee_finding turns that dry run's result
 * into the finding (only NG_PLANNED, EEE on, is one). Return 0 or -ENOMEM. */
int ng_doctor_check_eee(const struct ng_ctx *ctx, const struct ng_policy *p,
			struct ng_doctor *d);
int ng_doctor_eee_finding(struct ng_doctor *d, const struct ng_iface *ifc,
			  const struct ng_result *r);
int ng_doctor_check_drops(const struct ng_ctx *ctx, unsigned interval_ms, struct ng_doctor *d);

/* An interface or bus device a hang or reset signature named, and how often. */
struct ng_hung {
	char name[32];		/* ifname, or the bus device (PCI address) */
	unsigned count;
};

/* Add count to name's entry (a new one when there is none). Returns 0 or -ENOMEM. */
int ng_hung_add(struct ng_hung **v, size_t *n, const char *name, unsigned count);

/* Every interface or bus device with a hang or reset signature in this boot's kernel ring
 * buffer (as ng_doctor_check_kmsg reads it). The caller frees *out. */
int ng_doctor_kmsg_hung(const struct ng_ctx *ctx, struct ng_doctor *d, struct ng_hung **out,
			size_t *n);

/* ---------------------------------------------------------- doctorboot.c */

/* Kernel parameters the policy asks for that are written but not booted (or not written);
 * the PCIe ASPM state of r8169 and e1000e ports that hung in this boot or, where a
 * persistent journal keeps them, in the boots before. Each adds findings or notes; returns
 * 0 or -ENOMEM. */
int ng_doctor_check_cmdline(const struct ng_ctx *ctx, const struct ng_policy *p,
			    struct ng_doctor *d);
int ng_doctor_check_aspm(const struct ng_ctx *ctx, struct ng_doctor *d);

/* -------------------------------------------------------------- netlink.c */

/* What one RTM_NEWLINK message says about a link. */
struct ng_nl_link {
	char name[NG_IFNAMSIZ];
	int ifindex;
	unsigned flags;			/* ifi_flags: IFF_UP, IFF_LOOPBACK, ... */
	char mac[18];			/* IFLA_ADDRESS as sysfs prints it, cut to fit; "" if none */
	char perm_mac[18];		/* IFLA_PERM_ADDRESS, likewise; "" if none */
	int master;			/* IFLA_MASTER ifindex, 0 if none */
	char kind[32];			/* IFLA_INFO_KIND: "veth", "bridge", ...; "" if none */
	int tun_type;			/* IFLA_TUN_TYPE (IFF_TUN, IFF_TAP) or -1 when absent */
	unsigned num_rx_queues;		/* IFLA_NUM_RX_QUEUES: allocated, not necessarily used */
	bool bond_backup;		/* a bond's slave in the backup state (IFLA_BOND_SLAVE_STATE) */
	int link;			/* IFLA_LINK: a VLAN's lower device; 0 none */
	uint16_t vlan_id;		/* kind vlan, 802.1Q: its id (1-4094); 0 otherwise */
};

/* Parse one RTM_NEWLINK message of len bytes (header included). Pure. Returns 0, or -EINVAL
 * for another message type, a truncated message or one without IFLA_IFNAME. */
int ng_nl_parse_link(const void *msg, size_t len, struct ng_nl_link *l);

/* A NETLINK_ROUTE socket in the caller's network namespace: the fd or a negative errno. */
int ng_nl_open(struct ng_err *err);

/* Every link of the namespace (one RTM_GETLINK dump, read again when the kernel marks it
 * interrupted), in kernel order. The caller frees *out. */
int ng_nl_dump_links(int fd, struct ng_nl_link **out, size_t *n, struct ng_err *err);

/* The link of that name (when name is not NULL) or that ifindex: -ENODEV when none. */
int ng_nl_get_link(int fd, int ifindex, const char *name, struct ng_nl_link *l,
		   struct ng_err *err);

/* Attributes of [p, p + len) into tb[type] (type < max; others ignored): -EINVAL when one
 * overruns its container. Attributes are byte pointers: a message need not be aligned. */
int ng_nla_parse(const unsigned char *p, size_t len, const unsigned char **tb, size_t max);
/* The next attribute of [*p, *p + *len), moving past it; NULL at the end, or (with *len
 * left at least NLA_HDRLEN) at an attribute that overruns. For repeated attributes. */
const unsigned char *ng_nla_next(const unsigned char **p, size_t *len);
int ng_nla_type(const unsigned char *a);	/* without the NESTED and BYTEORDER bits */
const unsigned char *ng_nla_data(const unsigned char *a);
size_t ng_nla_len(const unsigned char *a);
/* The value of attribute a (NULL allowed): -EINVAL when absent or too short. */
int ng_nla_u8(const unsigned char *a, uint8_t *v);
int ng_nla_u16(const unsigned char *a, uint16_t *v);
int ng_nla_u32(const unsigned char *a, uint32_t *v);
int ng_nla_str(const unsigned char *a, char *out, size_t len);
/* A hardware address as sysfs prints it (hex bytes joined by ':'), cut to fit out. */
void ng_nla_hwaddr(const unsigned char *a, char *out, size_t len);

/* Message msg (len bytes) of this type: its family header copied to hdr (hdrlen bytes), its
 * attributes into tb. -EINVAL for another type or a truncated message. Pure. */
int ng_nlmsg_attrs(const void *msg, size_t len, uint16_t type, void *hdr, size_t hdrlen,
		   const unsigned char **tb, size_t max);

/* A request being built: header, family header, attributes (nests with ng_nlreq_nest and
 * ng_nlreq_end). A request that outgrew the buffer is refused by ng_nl_talk. */
struct ng_nlreq {
	unsigned char buf[8192];
	size_t len;
	bool overflow;
};

void ng_nlreq_init(struct ng_nlreq *q, uint16_t type, uint16_t flags, const void *hdr,
		   size_t hdrlen);
void ng_nlreq_put(struct ng_nlreq *q, uint16_t type, const void *data, size_t len);
void ng_nlreq_u8(struct ng_nlreq *q, uint16_t type, uint8_t v);
void ng_nlreq_u16(struct ng_nlreq *q, uint16_t type, uint16_t v);
void ng_nlreq_u32(struct ng_nlreq *q, uint16_t type, uint32_t v);
void ng_nlreq_str(struct ng_nlreq *q, uint16_t type, const char *s);
size_t ng_nlreq_nest(struct ng_nlreq *q, uint16_t type);
void ng_nlreq_end(struct ng_nlreq *q, size_t nest);

struct nlmsghdr;

/* Send q (NLM_F_ACK added unless it is a dump) and read its answer: each reply message to
 * cb (NULL: none expected). Returns 0, cb's first negative value, or the kernel's negative
 * errno with err holding its words (extended ack). *intr (may be NULL): the dump was
 * marked interrupted. */
int ng_nl_talk(int fd, struct ng_nlreq *q, int (*cb)(const struct nlmsghdr *, void *),
	       void *arg, bool *intr, struct ng_err *err);

/* -------------------------------------------------------------- portnl.c */

#define NG_PORT_ALTNAMES 8	/* alternative names kept per port */
#define NG_PORT_BRFLAGS 24
#define NG_PORT_VLANS 128	/* VLAN ranges (pvid and untagged ones alone) */
#define NG_PORT_ADDRS 32
#define NG_PORT_ROUTES 32
#define NG_PORT_UPPERS 8	/* VLAN and macvlan devices on the port */

/* One RTM_NEWLINK (AF_UNSPEC) as a port's place needs it. */
struct ng_portlink {
	char name[NG_IFNAMSIZ];
	int ifindex;
	unsigned flags;			/* IFF_UP, ... */
	uint32_t mtu;
	int master;			/* ifindex, 0: none */
	int link;			/* IFLA_LINK: a VLAN's or macvlan's lower device; 0 */
	char mac[18];
	char permaddr[18];		/* IFLA_PERM_ADDRESS, or a bond slave's own MAC; "" */
	char kind[16];			/* IFLA_INFO_KIND: bridge, bond, veth, ... */
	char slave_kind[16];		/* IFLA_INFO_SLAVE_KIND: bridge, bond; "" */
	char altnames[NG_PORT_ALTNAMES][128];	/* ALTIFNAMSIZ */
	size_t naltnames;
	uint8_t bond_mode;		/* kind bond: BOND_MODE_ACTIVEBACKUP is 1 */
	int bond_primary, bond_active;	/* kind bond: ifindex, 0 none */
	bool vlan_filtering;		/* kind bridge */
	uint32_t stp_state;		/* kind bridge */
};

struct ng_brflag {
	uint16_t attr;			/* IFLA_BRPORT_* */
	uint32_t value;
};

struct ng_vlanrange {
	uint16_t vid, end;		/* 1-4094, vid <= end */
	uint16_t flags;			/* BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED */
};

/* One RTM_NEWLINK of family AF_BRIDGE: a bridge port's options and VLANs. */
struct ng_portbr {
	int ifindex, master;
	struct ng_brflag flags[NG_PORT_BRFLAGS];
	size_t nflags;
	struct ng_vlanrange vlans[NG_PORT_VLANS];
	size_t nvlans;
	bool have_vlans;		/* the answer carried a VLAN list (vlan_filtering) */
	bool vlans_cut;			/* more ranges than NG_PORT_VLANS */
};

struct ng_portaddr {
	uint8_t family, prefixlen, scope;
	uint32_t flags;			/* IFA_F_* */
	int ifindex;
	unsigned char local[16], address[16], brd[16];
	bool has_local, has_address, has_brd;
	char label[NG_IFNAMSIZ];
	uint32_t valid, preferred;	/* seconds left; UINT32_MAX: forever */
};

struct ng_portroute {
	uint8_t family, dst_len, tos, protocol, scope, type;
	unsigned rtm_flags;
	uint32_t table, priority;
	bool has_priority;
	int oif;
	unsigned char dst[16], gw[16], prefsrc[16];
	bool has_dst, has_gw, has_prefsrc, multipath;
};

/* Parse one answer message of len bytes; -EINVAL when it is not of that kind or cut. */
int ng_portnl_link(const void *msg, size_t len, struct ng_portlink *l);
int ng_portnl_bridge(const void *msg, size_t len, struct ng_portbr *b);
int ng_portnl_addr(const void *msg, size_t len, struct ng_portaddr *a);
int ng_portnl_route(const void *msg, size_t len, struct ng_portroute *r);

/* The bridge port options nicguard keeps: name <-> IFLA_BRPORT_* and its size in bytes. */
const char *ng_brflag_name(uint16_t attr);
int ng_brflag_attr(const char *name, uint16_t *attr, unsigned *size);
bool ng_portnl_tables_sorted(void);

/* ------------------------------------------------------------ portstate.c */

struct ng_portstate {
	struct ng_portlink link;	/* the port as it was */
	char busdev[32];		/* its bus device; "" none */
	char master[NG_IFNAMSIZ];	/* the bridge or bond it was in; "" none */
	char master_kind[16];		/* "bridge", "bond", ... */
	char bridge[NG_IFNAMSIZ];	/* the bridge over the port or over its bond; "" */
	bool vlan_filtering;		/* of that bridge, when it is the master */
	uint32_t stp_state;
	struct ng_portbr br;		/* its bridge port options and VLANs */
	uint8_t bond_mode;
	bool bond_primary, bond_active;
	struct ng_portaddr addrs[NG_PORT_ADDRS];
	size_t naddrs;
	struct ng_portroute routes[NG_PORT_ROUTES];
	size_t nroutes;
	/* Devices stacked on the port (ens4.100): a rebind deletes them with it. */
	struct {
		char name[NG_IFNAMSIZ];
		char kind[16];
	} uppers[NG_PORT_UPPERS];
	size_t nuppers;
};

/* The key a port is found again by, and its files named: its bus device, or its name
 * when it has none. */
const char *ng_port_key(const char *busdev, const char *name);

/* The link of that ifindex, or of that name when name is not NULL (-ENODEV: none); a
 * bridge port's options and VLANs (RTM_GETLINK AF_BRIDGE). */
int ng_portget_link(int fd, int ifindex, const char *name, struct ng_portlink *l,
		    struct ng_err *err);
int ng_portget_brport(int fd, int ifindex, struct ng_portbr *b, struct ng_err *err);

/* --------------------------------------------------------------- portset.c */

/* Each sends one request on rtnetlink socket fd and returns 0 or the kernel's negative errno
 * with err holding its words. */
int ng_portset_u32(int fd, int ifindex, uint16_t attr, uint32_t v, struct ng_err *err);
int ng_portset_name(int fd, int ifindex, const char *name, struct ng_err *err);
int ng_portset_up(int fd, int ifindex, bool up, struct ng_err *err);
int ng_portset_altname(int fd, int ifindex, const char *name, struct ng_err *err);
/* One option of bond (IFLA_BOND_*, a u32 such as an ifindex). */
int ng_portset_bond(int fd, int bond, uint16_t attr, uint32_t v, struct ng_err *err);
int ng_portset_brflags(int fd, int ifindex, const struct ng_brflag *f, size_t n,
		       struct ng_err *err);
int ng_portset_addr(int fd, int ifindex, const struct ng_portaddr *a, const char *label,
		    struct ng_err *err);
int ng_portset_route(int fd, int oif, const struct ng_portroute *r, struct ng_err *err);

/* A bridge port's VLANs as one byte per vid (4096): these bits. */
#define NG_VLAN_ON 1
#define NG_VLAN_PVID 2
#define NG_VLAN_UNTAGGED 4
void ng_vlan_expand(const struct ng_vlanrange *v, size_t n, uint8_t *map);
/* Add (RTM_SETLINK, add) the vids wanted that the port has not as wanted, or remove
 * (RTM_DELLINK) the vids it has and should not; *n counts them (0: nothing sent). */
int ng_portset_vlans(int fd, int ifindex, uint16_t type, const uint8_t *want,
		     const uint8_t *have, bool add, unsigned *n, struct ng_err *err);
/* The request ng_portset_vlans sends (pure): runs of equal bits as RANGE_BEGIN/RANGE_END
 * pairs, a PVID alone (the kernel refuses it in a range). */
void ng_vlan_req(struct ng_nlreq *q, uint16_t type, int ifindex, const uint8_t *want,
		 const uint8_t *have, bool add, unsigned *n);

/* The kernel's route to addr (4 bytes for AF_INET, 16 for AF_INET6), as `ip route get`
 * asks for it (RTM_GETROUTE): its output interface and route type (RTN_UNICAST, RTN_LOCAL,
 * ...). Returns 0, or the kernel's negative errno (-ENETUNREACH, ...) with err filled. */
int ng_nl_route_get(int fd, int family, const void *addr, int *oif, unsigned *rtype,
		    struct ng_err *err);

/* --------------------------------------------------------------- egress.c */

/* The server hosts of storage s (see ng_egress_storage), pure: mountinfo is the text of
 * /proc/self/mountinfo (or NULL), ceph_mon_host the mon_host value of /etc/pve/ceph.conf (or
 * NULL). Ports and brackets are stripped; each host once. 0 or -ENOMEM; free with
 * ng_strv_free. */
int ng_storage_hosts(const struct ng_storage *s, const char *mountinfo,
		     const char *ceph_mon_host, char ***out, size_t *n);

/* ------------------------------------------------------------------ arp.c */

#define NG_ARP_LEN 28		/* an ARP packet for IPv4 over Ethernet, no link header */
#define NG_ARP_REQUEST 1
#define NG_ARP_REPLY 2

struct ng_arp {
	uint16_t op;
	unsigned char sha[6], tha[6];
	uint32_t spa, tpa;		/* network byte order */
};

/* The request "who has tpa? tell spa (at sha)" (addresses in network byte order; spa 0:
 * an RFC 5227 probe, for a port that holds no address of its own). */
void ng_arp_request(unsigned char out[NG_ARP_LEN], const unsigned char sha[6], uint32_t spa,
		    uint32_t tpa);
/* Parse an ARP packet (the link header already off): -EINVAL when it is not IPv4 over
 * Ethernet or too short. */
int ng_arp_parse(const void *buf, size_t len, struct ng_arp *a);
/* Is a the answer to a request for one of the n addresses asked (a reply from it)? */
bool ng_arp_answers(const struct ng_arp *a, const uint32_t *asked, size_t n);

#define NG_NS_LEN 72		/* an IPv6 neighbour solicitation with our MAC: header, 32 */

/* The solicited-node group of target (ff02::1:ffXX:XXXX) and its Ethernet address. */
void ng_ndp_group(const unsigned char target[16], unsigned char group[16], unsigned char mac[6]);
/* The neighbour solicitation "who has target? tell src (at sha)", IPv6 header included, to
 * target's solicited-node group, hop limit 255, checksum filled in. */
void ng_ndp_solicit(unsigned char out[NG_NS_LEN], const unsigned char sha[6],
		    const unsigned char src[16], const unsigned char target[16]);
/* A neighbour advertisement (the link header already off): its target address, or -EINVAL
 * when it is none or not valid (RFC 4861 7.1.2: hop limit 255, code 0, checksum). */
int ng_ndp_parse_advert(const void *buf, size_t len, unsigned char target[16]);

/* Did a probe's answer (ARP or NDP) come on the VLAN it was asked on (want; 0: untagged)? tagged and tci as the
 * packet socket's auxdata says (the kernel takes the tag off before the socket sees it).
 * A priority tag (VLAN 0) counts as untagged. */
bool ng_probe_vlan_matches(uint16_t want, bool tagged, uint16_t tci);

/* --------------------------------------------------------------- histrec.c */

/* CRC-32C (Castagnoli) of n bytes: the history records' checksum. */
uint32_t ng_crc32c(const void *data, size_t n);

/* Sort each kind of record of h by time (counters by end), stably. 0 or -ENOMEM. */
int ng_hist_sort(struct ng_hist *h);

/* ------------------------------------------------------------ histreport.c */

/* A guest's host-side device by its name (tap100i0, veth100i0, fwpr100p0, fwln100i0,
 * fwbr100i0): they come and go with their guest. */
bool ng_hist_guest_dev(const char *name);

/* ------------------------------------------------------------ histsample.c */

/* What one periodic sample of nicguard-watch adds to the history, queued on w (see
 * ng_history_sample); *st keeps the previous sample (created on the first call). */
struct ng_histsample;
int ng_histsample_take(struct ng_histsample **st, struct ng_history *w,
		       const struct ng_ctx *ctx, const struct ng_metrics_sample *s, int64_t now,
		       struct ng_err *err);
void ng_histsample_free(struct ng_histsample *st);

/* ------------------------------------------------------------- watchopt.c */

/* True when the [watch] key table is sorted (bsearch needs it; a unit test checks). */
bool ng_watch_tables_sorted(void);

/* ------------------------------------------------------------- runstate.c */

/* One interface's settings as the backup window saved them. */
struct ng_saved {
	char ifname[NG_IFNAMSIZ];
	struct ng_item *items;
	size_t n;
};

/* The backup window's saved state, root/run/nicguard/backup-state. */
struct ng_window {
	struct ng_saved *v;
	size_t n;
};

/* Read the window: 1 when the file exists, 0 when it does not, or a negative errno when it
 * exists but cannot be read (then nobody may overwrite it: the true originals may be in it).
 * Bad lines are left out, each one line in problems (may be NULL); *first (may be NULL)
 * keeps the first problem's errno. */
int ng_runstate_window_read(const struct ng_ctx *ctx, struct ng_window *w,
			    struct ng_diags *problems, int *first);
/* Write it (mode 0600), creating root/run/nicguard; remove it. Err says why not. */
int ng_runstate_window_write(const struct ng_ctx *ctx, const struct ng_window *w,
			     struct ng_err *err);
int ng_runstate_window_remove(const struct ng_ctx *ctx, struct ng_err *err);
struct ng_saved *ng_runstate_window_find(const struct ng_window *w, const char *ifname);
/* A new, empty entry for ifname, or NULL on no memory. */
struct ng_saved *ng_runstate_window_add(struct ng_window *w, const char *ifname);
void ng_runstate_window_free(struct ng_window *w);

/* Mark ifname escalated (root/run/nicguard/watch-escalated, one name per line); refuses a
 * file without the marker. The names marked, for ng_recover_reassert (caller frees with
 * ng_strv_free; no file, or not nicguard's: none). */
int ng_runstate_escalate(const struct ng_ctx *ctx, const char *ifname, struct ng_err *err);
int ng_runstate_escalated(const struct ng_ctx *ctx, char ***names, size_t *n,
			  struct ng_err *err);

/* What a resolution reads of /run/nicguard, read once: whether a window is open, the
 * interfaces it holds, the interfaces escalated. Files that cannot be read hold nothing.
 * Returns 0 or -ENOMEM. */
struct ng_runstate {
	bool window;
	char **held;
	size_t nheld;
	char **escalated;
	size_t nescalated;
};

int ng_runstate_read(const struct ng_ctx *ctx, struct ng_runstate *rs);
bool ng_runstate_holds(const struct ng_runstate *rs, const char *ifname);
bool ng_runstate_is_escalated(const struct ng_runstate *rs, const char *ifname);
void ng_runstate_free(struct ng_runstate *rs);

/* A port under a bounce or a rebind. Take its lock (root/run/nicguard/port-KEY.lock, KEY
 * ng_portstate_key's): the fd (release with ng_runstate_port_unlock), -EBUSY when another
 * process holds it. Its place file root/run/nicguard/port-KEY: written atomically (marker
 * line), read back, removed; and the keys of those left (sorted; free with ng_strv_free). */
int ng_runstate_port_lock(const struct ng_ctx *ctx, const char *key, struct ng_err *err);
void ng_runstate_port_unlock(int fd);
int ng_runstate_port_save(const struct ng_ctx *ctx, const struct ng_portstate *ps,
			  struct ng_err *err);
int ng_runstate_port_load(const struct ng_ctx *ctx, const char *key, struct ng_portstate **ps,
			  struct ng_err *err);
int ng_runstate_port_drop(const struct ng_ctx *ctx, const char *key, struct ng_err *err);
int ng_runstate_port_pending(const struct ng_ctx *ctx, char ***keys, size_t *n,
			     struct ng_err *err);

/* --------------------------------------------------------------- target.c */

/* The context a resolver was made with (NULL: it reads no files). */
const struct ng_ctx *ng_resolver_ctx(const struct ng_resolver *rv);

/* A list of the target (NG_SET_*, NG_TARGET_NOW, NG_TARGET_FLAGS) as the library uses it. */
const struct ng_wanted *ng_target_list(const struct ng_target *t, int list);

/* ---------------------------------------------------------------- report.c */

/* Append a copy of res; its origin's file name becomes the report's own copy. Returns 0 or
 * -ENOMEM. */
int ng_report_add(struct ng_report *rep, const struct ng_result *res);

/* The report's copy of a file name (one per distinct name), or NULL on no memory. */
const char *ng_report_file(struct ng_report *rep, const char *file);

/* ----------------------------------------------------------------- apply.c */

/* Apply w to ifc: read what w needs of the device, write only what differs, read back,
 * append one result per item to rep. The device half of ng_apply_iface. Returns 0 when the
 * interface could be worked on at all, or a negative errno (-ENODEV) with err filled. */
int ng_apply(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
	     unsigned flags, struct ng_report *rep, struct ng_err *err);

/* ng_apply_iface for a target already resolved (the reapply rung looks at it first). */
int ng_apply_target(const struct ng_resolver *rv, const struct ng_iface *ifc,
		    const struct ng_target *t, const struct ng_target_opts *o, unsigned flags,
		    struct ng_report *rep, struct ng_applied *out, struct ng_err *err);

/* Read the current values of the settings w names, in restorable form: offload groups are
 * expanded into one item per kernel feature, so applying the snapshot later puts back
 * exactly what was there. Items the device does not support are left out. */
int ng_snapshot(const struct ng_ctx *ctx, const struct ng_iface *ifc, const struct ng_wanted *w,
		struct ng_wanted *out, struct ng_err *err);

/* ---------------------------------------------------------------- revert.c */

/* Add what ifc holds now (found: ng_devstate_snap_item's restorable form, plus the
 * pass-through lines about to run) to its record; a setting already recorded keeps its first
 * value, and nothing is written when nothing is new. On the live root only devices of the
 * host's network namespace are recorded. The apply path calls it before each write.
 * Returns 0, -ENOSPC (NG_REVERT_MAX records), or a negative errno with err set. */
int ng_revert_record(const struct ng_ctx *ctx, const struct ng_iface *ifc,
		     const struct ng_wanted *found, struct ng_err *err);

/* ---------------------------------------------------------------- backup.c */

/* The backup uplinks of a job whose storage is storeid (or NULL), chosen as
 * ng_backup_tighten says from rv's targets; why (whylen bytes, or NULL) gets one line saying
 * which rule chose them. Caller frees *out. Returns 0 or a negative errno. */
int ng_backup_uplinks(const struct ng_resolver *rv, const char *storeid, struct ng_iface **out,
		      size_t *n, char *why, size_t whylen, struct ng_err *err);

#endif
