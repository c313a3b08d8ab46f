/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fixture.h: a scratch root for unit tests: files put under it, a context on it, removal.
 * Include after cmocka.h; a test file uses one fixture at a time (static state below). */
#ifndef NG_TEST_FIXTURE_H
#define NG_TEST_FIXTURE_H

#include <ftw.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"

struct fixture {
	char root[64];
	struct ng_ctx *ctx;
};

static struct fixture fx;

/* root + rel into buf (PATH_MAX bytes). */
static inline char *fx_path(const char *rel, char *buf)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", fx.root, rel[0] == '/' ? rel + 1 : rel);

	assert_true(n > 0 && n < PATH_MAX);
	return buf;
}

/* mkdir -p base + rel (rel starting with '/'), for a test's own scratch directory base. */
static inline void fx_mkdirs(const char *base, const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s", base, rel);

	assert_true(n > 0 && n < PATH_MAX);
	for (char *p = path + strlen(base) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

/* mkdir -p root + rel. */
static inline void fx_mkdir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/%s", rel[0] == '/' ? rel + 1 : rel);
	fx_mkdirs(fx.root, path);
}

/* Write text to root + rel, creating its directories. */
static inline void fx_put(const char *rel, const char *text)
{
	char path[PATH_MAX], parent[PATH_MAX];
	FILE *f;

	assert_true(strlen(rel) < sizeof(parent));
	memcpy(parent, rel, strlen(rel) + 1);
	if (strrchr(parent, '/') && strrchr(parent, '/') != parent) {
		*strrchr(parent, '/') = '\0';
		fx_mkdir(parent);
	}
	f = fopen(fx_path(rel, path), "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The text of root + rel (caller frees), or NULL when it cannot be read. */
static inline char *fx_get(const char *rel)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;

	return ng_read_file(fx_path(rel, path), false, 1 << 20, &buf, &len) == 0 ? buf : NULL;
}

/* Remove root + rel (a file). */
static inline void fx_remove(const char *rel)
{
	char path[PATH_MAX];

	assert_int_equal(unlink(fx_path(rel, path)), 0);
}

/* Run the context's ip program with argv (argv[0] included). Returns its exit status. */
static inline int fx_ip(const char *const *argv)
{
	char out[512];
	int status = -1;

	if (ng_exec(ng_ctx_program(fx.ctx, "ip"), argv, NULL, 10000, out, sizeof(out), &status,
		    NULL) < 0)
		return -1;
	return status;
}

/* Move this test process into a network namespace of its own (gone with the process) and
 * make a veth pair a/b there, up: a real device for the ioctls, never the machine's. Returns
 * 0, or -1 when that cannot be done here (not root): the caller skips. */
static inline int fx_netns_veth(const char *a, const char *b)
{
	const char *add[] = { "ip", "link", "add", a, "type", "veth", "peer", "name", b, NULL };
	const char *up_a[] = { "ip", "link", "set", a, "up", NULL };
	const char *up_b[] = { "ip", "link", "set", b, "up", NULL };

	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	return fx_ip(add) == 0 && fx_ip(up_a) == 0 && fx_ip(up_b) == 0 ? 0 : -1;
}

static inline int fx_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -r dir: a test's own mkdtemp directory, depth first, never following links. */
static inline int fx_rmtree(const char *dir)
{
	return nftw(dir, fx_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A cmocka group or test setup: a new scratch root and a context on it (no built-ins unless
 * builtin, the policy files of the root). */
static inline int fx_setup_opts(bool builtin)
{
	struct ng_ctx_opts o = { .no_builtin = !builtin };

	snprintf(fx.root, sizeof(fx.root), "/tmp/ng-unit-XXXXXX");
	if (!mkdtemp(fx.root))
		return -1;
	o.root = fx.root;
	fx.ctx = ng_ctx_new(&o, NULL);
	return fx.ctx ? 0 : -1;
}

static inline int fx_setup(void **state)
{
	(void)state;
	return fx_setup_opts(false);
}

static inline int fx_teardown(void **state)
{
	(void)state;
	ng_ctx_free(fx.ctx);
	fx.ctx = NULL;
	return fx_rmtree(fx.root);
}

#endif
