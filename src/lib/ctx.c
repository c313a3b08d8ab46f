/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctx.c: the context every call takes: root prefix, policy paths, program paths, trace. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nicguard.h"
#include "internal.h"

#ifndef NG_ETHTOOL_PATH
#define NG_ETHTOOL_PATH "/sbin/ethtool"
#endif
#ifndef NG_IP_PATH
#define NG_IP_PATH "/sbin/ip"
#endif
#ifndef NG_QM_PATH
#define NG_QM_PATH "/usr/sbin/qm"
#endif
#ifndef NG_PCT_PATH
#define NG_PCT_PATH "/usr/sbin/pct"
#endif
#ifndef NG_SYSTEMCTL_PATH
#define NG_SYSTEMCTL_PATH "/usr/bin/systemctl"
#endif
#ifndef NG_UPDATE_INITRAMFS_PATH
#define NG_UPDATE_INITRAMFS_PATH "/usr/sbin/update-initramfs"
#endif

/* Read in this order; later files override earlier ones. A trailing '/' names a directory
 * whose *.conf files are read in sorted order. */
static const char *const default_policy_paths[] = {
	"/etc/pve/nicguard.conf",
	"/etc/nicguard/nicguard.conf",
	"/etc/nicguard/conf.d/",
};

struct ng_ctx {
	char *root;
	char **policy_paths;	/* NULL-terminated */
	bool no_builtin;
	char *programs[6];	/* indexed like program_names */
	void (*trace)(void *data, const char *line);
	void *trace_data;
	/* A cache, not state: what the kernel answers the same for every device and every
	 * call, kept so a run over many interfaces asks it once. */
	struct ng_featnames *featnames;
};

static const char *const program_names[] = { "ethtool", "qm", "pct", "update-initramfs", "ip",
					       "systemctl" };

/* A program's path: the one given, else the Debian path. The programs that act on the
 * machine's files rather than on the kernel (qm, pct, update-initramfs) default to their
 * path under the root, so a fake tree carries its own stand-ins as it carries its configs;
 * so does systemctl (nicguard-watch's reboot step: a test root's stand-in records the call,
 * since rebooting the test machine is no option). ethtool and ip act on the kernel and
 * stay the machine's. */
static int set_program(struct ng_ctx *ctx, size_t i, const char *given, const char *dflt,
		       bool rooted, struct ng_err *err)
{
	const char *p = given ? given : dflt;

	if (p[0] != '/')
		return ng_err_set(err, -EINVAL, NULL, 0, "%s path must be absolute: %s",
				  program_names[i], p);
	if (!given && rooted && ctx->root[0]) {
		if (asprintf(&ctx->programs[i], "%s%s", ctx->root, p) < 0)
			ctx->programs[i] = NULL;
	} else {
		ctx->programs[i] = strdup(p);
	}
	return ctx->programs[i] ? 0 : ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
}

static int set_policy_paths(struct ng_ctx *ctx, const char *const *given, struct ng_err *err)
{
	size_t n = 0;

	if (given) {
		while (given[n])
			n++;
	} else {
		n = NG_ARRAY_SIZE(default_policy_paths);
	}
	ctx->policy_paths = calloc(n + 1, sizeof(char *));
	if (!ctx->policy_paths)
		return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char buf[4096];

		/* Given paths are the caller's own (e.g. -c FILE); defaults live under the root. */
		if (given)
			snprintf(buf, sizeof(buf), "%s", given[i]);
		else if (ng_path(ctx, buf, sizeof(buf), "%s", default_policy_paths[i]) < 0)
			return ng_err_set(err, -ENAMETOOLONG, NULL, 0, "root path too long");
		ctx->policy_paths[i] = strdup(buf);
		if (!ctx->policy_paths[i])
			return ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	return 0;
}

struct ng_ctx *ng_ctx_new(const struct ng_ctx_opts *opts, struct ng_err *err)
{
	static const struct ng_ctx_opts none;
	struct ng_ctx *ctx;
	const char *root;
	size_t len;

	if (!opts)
		opts = &none;
	root = opts->root && opts->root[0] ? opts->root : "/";
	if (root[0] != '/') {
		ng_err_set(err, -EINVAL, NULL, 0, "root must be an absolute path: %s", root);
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		return NULL;
	}
	/* Keep the root without a trailing slash, so "/" becomes "" and paths join cleanly. */
	len = strlen(root);
	while (len > 0 && root[len - 1] == '/')
		len--;
	ctx->root = strndup(root, len);
	ctx->no_builtin = opts->no_builtin;
	ctx->featnames = calloc(1, sizeof(*ctx->featnames));
	if (!ctx->featnames) {
		ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		ng_ctx_free(ctx);
		return NULL;
	}
	if (!ctx->root ||
	    set_program(ctx, 0, opts->ethtool, NG_ETHTOOL_PATH, false, err) < 0 ||
	    set_program(ctx, 1, opts->qm, NG_QM_PATH, true, err) < 0 ||
	    set_program(ctx, 2, opts->pct, NG_PCT_PATH, true, err) < 0 ||
	    set_program(ctx, 3, opts->update_initramfs, NG_UPDATE_INITRAMFS_PATH, true, err) < 0 ||
	    set_program(ctx, 4, opts->ip, NG_IP_PATH, false, err) < 0 ||
	    set_program(ctx, 5, opts->systemctl, NG_SYSTEMCTL_PATH, true, err) < 0 ||
	    set_policy_paths(ctx, opts->policy_paths, err) < 0) {
		if (!ctx->root)
			ng_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		ng_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void ng_ctx_free(struct ng_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->root);
	for (size_t i = 0; ctx->policy_paths && ctx->policy_paths[i]; i++)
		free(ctx->policy_paths[i]);
	free(ctx->policy_paths);
	for (size_t i = 0; i < NG_ARRAY_SIZE(ctx->programs); i++)
		free(ctx->programs[i]);
	if (ctx->featnames)
		free(ctx->featnames->names);
	free(ctx->featnames);
	free(ctx);
}

void ng_ctx_set_trace(struct ng_ctx *ctx, void (*fn)(void *data, const char *line), void *data)
{
	ctx->trace = fn;
	ctx->trace_data = data;
}

void ng_trace(const struct ng_ctx *ctx, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!ctx || !ctx->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctx->trace(ctx->trace_data, line);
}

const char *ng_ctx_root(const struct ng_ctx *ctx)
{
	return ctx->root[0] ? ctx->root : "/";
}

const char *ng_ctx_program(const struct ng_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < NG_ARRAY_SIZE(program_names); i++)
		if (strcmp(program_names[i], name) == 0)
			return ctx->programs[i];
	return NULL;
}

const char *const *ng_ctx_policy_paths(const struct ng_ctx *ctx)
{
	return (const char *const *)ctx->policy_paths;
}

bool ng_ctx_no_builtin(const struct ng_ctx *ctx)
{
	return ctx->no_builtin;
}

const char *ng_ctx_root_prefix(const struct ng_ctx *ctx)
{
	return ctx->root;
}

struct ng_featnames *ng_ctx_featnames(const struct ng_ctx *ctx)
{
	return ctx ? ctx->featnames : NULL;
}

uint64_t ng_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
