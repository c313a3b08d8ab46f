/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h: declarations shared inside libnicguard only, one section per .c file. */
#ifndef NICGUARD_INTERNAL_H
#define NICGUARD_INTERNAL_H

#include <stdarg.h>

#include "nicguard.h"

#define NG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ ctx.c */

/* Send one formatted line to the context's trace sink, if one is installed. */
void ng_trace(const struct ng_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when the built-in driver defaults are to be left out. */
bool ng_ctx_no_builtin(const struct ng_ctx *ctx);

/* The root without a trailing slash: "" for the real root. path.c joins paths to it. */
const char *ng_ctx_root_prefix(const struct ng_ctx *ctx);

/* ------------------------------------------------------------------ err.c */

int ng_err_vset(struct ng_err *err, int errnum, const char *file, unsigned line,
		const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* ------------------------------------------------------- (sections below) */

/* ---------------------------------------------------------------- iface.c */

/* A PCI address written as sysfs names it, DDDD:BB:DD.F in hex digits, exactly. */
bool ng_pci_addr_valid(const char *s);
/* Each further .c file adds its lib-only declarations in its own section below, headed
 * by a comment line with the file's name. Keep each section next to its file's job. */

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

/* ------------------------------------------------------------- features.c */

/* A coalesce or ring parameter: its ethtool(8) name and where it sits in struct
 * ethtool_coalesce or struct ethtool_ringparam. */
struct ng_param {
	const char *name;
	size_t offset;
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

/* The coalesce (ethtool -C) or ring (ethtool -G) parameter of that name, or NULL. */
const struct ng_param *ng_coalesce_param(const char *name);
const struct ng_param *ng_ring_param(const char *name);

/* "Did you mean": the candidate closest to word (edit distance at most 2), or NULL. The
 * _suggest variants search the feature (all spellings), coalesce and ring tables. */
const char *ng_suggest(const char *word, const char *const *cands, size_t n);
const char *ng_feature_suggest(const char *word);
const char *ng_coalesce_suggest(const char *word);
const char *ng_ring_suggest(const char *word);

/* True when n entries of size bytes, each starting with a name pointer, are in strictly
 * increasing strcmp order (bsearch needs it; unit tests check every keyword table). */
bool ng_table_sorted(const void *base, size_t n, size_t size);
bool ng_features_tables_sorted(void);

/* ------------------------------------------------------------- ethtool.c */

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

/* Each returns 0 or a negative errno (-EOPNOTSUPP when the device has no such operation)
 * with err filled. */
int ng_eth_features_get(int fd, const char *ifname, struct ng_features *f, struct ng_err *err);
/* One ETHTOOL_SFEATURES; *ret gets the ETHTOOL_F_* bits the kernel returned. */
int ng_eth_features_set(int fd, const char *ifname, const uint32_t *valid,
			const uint32_t *requested, size_t nblocks, int *ret, struct ng_err *err);
int ng_eth_link_get(int fd, const char *ifname, struct ng_link *l, struct ng_err *err);
/* Writes l->speed, duplex and autoneg through the interface l was read with. */
int ng_eth_link_set(int fd, const char *ifname, const struct ng_link *l, struct ng_err *err);
int ng_eth_coalesce_get(int fd, const char *ifname, struct ethtool_coalesce *c,
			struct ng_err *err);
int ng_eth_coalesce_set(int fd, const char *ifname, const struct ethtool_coalesce *c,
			struct ng_err *err);
int ng_eth_ring_get(int fd, const char *ifname, struct ethtool_ringparam *r,
		    struct ng_err *err);
int ng_eth_ring_set(int fd, const char *ifname, const struct ethtool_ringparam *r,
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

/* ----------------------------------------------------------------- exec.c */

/* Run path with argv (argv[0] included) and envp (NULL: an empty environment), stdin from
 * /dev/null, stdout and stderr captured together into out (NUL-terminated, truncated to
 * outlen - 1 bytes). No shell. *status gets the exit code, or 128 + signal number.
 * Returns 0 when the program ran, -ETIMEDOUT when it was killed after timeout_ms, or the
 * negative errno of fork/execve with err filled. */
int ng_exec(const char *path, const char *const *argv, const char *const *envp,
	    unsigned timeout_ms, char *out, size_t outlen, int *status, struct ng_err *err);

/* ----------------------------------------------------------------- plan.c */

/* What apply read from a device: each part with 0 or the negative errno of its read. */
struct ng_devstate {
	char driver[32];
	struct ng_features feat;
	int feat_err;
	struct ng_link link;
	int link_err;
	struct ethtool_coalesce coal;
	int coal_err;
	struct ethtool_ringparam ring;
	int ring_err;
	char **rps;			/* rps_cpus of every rx queue */
	size_t nrps;
	int rps_err;
	unsigned ncpus;
};

void ng_devstate_free(struct ng_devstate *s);

/* The plan for one wanted item. */
struct ng_plan_item {
	const struct ng_item *item;
	enum ng_outcome outcome;	/* provisional: NG_PLANNED means "to be written" */
	int error;
	bool write;
	uint32_t *feats;		/* NG_OFFLOAD: the kernel features this item decides */
	bool no_result;			/* NG_FLAG */
	char want[NG_TEXT_MAX];
	char was[NG_TEXT_MAX];
	char detail[NG_TEXT_MAX];
	uint32_t target;		/* NG_ITR: the rx-usecs it becomes */
};

/* The changes for one device: one feature write, one link, coalesce and ring write each. */
struct ng_plan {
	struct ng_plan_item *items;
	size_t n;
	size_t nblocks;			/* of valid and requested */
	uint32_t *valid, *requested;	/* SFEATURES blocks */
	bool feat_write;
	struct ng_link link;
	bool link_write;
	struct ethtool_coalesce coal;
	bool coal_write;
	struct ethtool_ringparam ring;
	bool ring_write;
	char rps_mask[NG_RPS_QUEUES_MAX * 64];	/* one mask, or one per queue */
	bool rps_write;
};

/* Compare s with w and fill plan. Pure. Returns 0 or -ENOMEM. */
int ng_plan_make(const struct ng_devstate *s, const struct ng_wanted *w, struct ng_plan *plan);
void ng_plan_free(struct ng_plan *plan);

/* Printable values, shared with apply.c: a feature set ("on", "off", "mixed"), a link field,
 * a u32 parameter. */
const char *ng_plan_feat_str(const struct ng_features *f, const uint32_t *sel,
			     const uint32_t *blocks, char *buf, size_t len);
const char *ng_plan_link_str(const struct ng_link *l, const char *name, char *buf, size_t len);
/* The rx-usecs an e1000e InterruptThrottleRate value selects, or -EINVAL. */
int ng_itr_to_usecs(int64_t itr, uint32_t *usecs);

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

/* Put a copy of it into items: it replaces the item of the same group and name (and set,
 * when by_set), or is appended. Returns 0 or -ENOMEM. */
int ng_items_put(struct ng_item **items, size_t *n, const struct ng_item *it, bool by_set);

/* The policy key closest to word (for "did you mean"), or NULL. */
const char *ng_key_suggest(const char *word);
bool ng_value_tables_sorted(void);

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

/* Validate the key = value pairs of one [pve] section: each bad one becomes a diagnostic
 * (file and its line). Returns the number of bad pairs, or -ENOMEM. policy.c calls it for
 * every [pve] section and marks the section bad when it returns more than 0. */
int ng_pve_section_check(const struct ng_section *s, const char *file, struct ng_diags *d);
bool ng_pve_tables_sorted(void);

/* --------------------------------------------------------------- doctor.c */

/* Add one finding to d (what from fmt). Returns 0 or -ENOMEM. */
int ng_doctor_add(struct ng_doctor *d, const char *check, const char *where, const char *fix,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ----------------------------------------------------------- doctorlive.c */

/* The live-machine checks ng_doctor_run makes after the configuration ones: settings that
 * drifted from the policy, hang signatures in the kernel ring buffer, and drop counters
 * rising over interval_ms. Each adds findings, or notes when it cannot run; returns 0 or
 * -ENOMEM. */
int ng_doctor_check_drift(const struct ng_ctx *ctx, const struct ng_policy *p,
			  struct ng_doctor *d);
int ng_doctor_check_kmsg(const struct ng_ctx *ctx, struct ng_doctor *d);
int ng_doctor_check_drops(const struct ng_ctx *ctx, unsigned interval_ms, struct ng_doctor *d);

/* -------------------------------------------------------------- netlink.c */

/* What one RTM_NEWLINK message says about a link. */
struct ng_nl_link {
	char name[NG_IFNAMSIZ];
	int ifindex;
	unsigned flags;			/* ifi_flags: IFF_UP, IFF_LOOPBACK, ... */
	char mac[18];			/* IFLA_ADDRESS as sysfs prints it, cut to fit; "" if none */
	int master;			/* IFLA_MASTER ifindex, 0 if none */
	char kind[32];			/* IFLA_INFO_KIND: "veth", "bridge", ...; "" if none */
	int tun_type;			/* IFLA_TUN_TYPE (IFF_TUN, IFF_TAP) or -1 when absent */
	unsigned num_rx_queues;		/* IFLA_NUM_RX_QUEUES: allocated, not necessarily used */
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

#endif
