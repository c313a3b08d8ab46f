/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-policy.c: the policy grammar, its diagnostics, loading files, printing. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

/* The example of DESIGN.md decision 1, with an option section. */
static const char example[] =
	"# nicguard policy\n"
	"[driver e1000e]\n"
	"offload = tso off gso off gro off\n"
	"interrupt-throttle-rate = 3          # module parameter, one value per port\n"
	"backup-offload = tso off gso off gro off sg off\n"
	"backup-coalesce = rx-usecs 3\n"
	"\n"
	"[interface eno1]\n"
	"link = speed 100 duplex full autoneg off\n"
	"\n"
	"[interface veth* fwpr* vmbr*]\n"
	"rps = all\n"
	"[watch]\n"
	"settle = 5s\n"
	"max-per-hour = 3 # then only log\n";

static struct ng_policy *parse_ok(const char *text)
{
	struct ng_policy *p = ng_policy_new();

	assert_non_null(p);
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "test.conf"), 0);
	assert_int_equal(p->diags.n, 0);
	return p;
}

static void test_example(void **state)
{
	struct ng_policy *p = parse_ok(example);
	const struct ng_section *s;

	(void)state;
	assert_int_equal(p->nsections, 4);
	assert_int_equal(p->nfiles, 1);
	s = &p->sections[0];
	assert_int_equal(s->kind, NG_MATCH_DRIVER);
	assert_int_equal(s->npatterns, 1);
	assert_string_equal(s->patterns[0], "e1000e");
	assert_string_equal(s->origin.file, "test.conf");
	assert_int_equal(s->origin.line, 2);
	assert_false(s->bad);
	assert_int_equal(s->nitems, 3 + 1 + 4 + 1);
	assert_string_equal(s->items[3].name, "interrupt-throttle-rate");
	assert_int_equal(s->items[3].num, 3);
	assert_int_equal(s->items[3].origin.line, 4);
	assert_int_equal(s->items[4].set, NG_SET_BACKUP);
	assert_string_equal(s->items[7].name, "sg");
	assert_int_equal(s->items[8].group, NG_COALESCE);
	assert_int_equal(s->items[8].origin.line, 6);

	s = &p->sections[1];
	assert_int_equal(s->kind, NG_MATCH_NAME);
	assert_string_equal(s->patterns[0], "eno1");
	assert_int_equal(s->nitems, 3);
	assert_int_equal(s->items[0].origin.line, 9);

	s = &p->sections[2];
	assert_int_equal(s->npatterns, 3);
	assert_string_equal(s->patterns[2], "vmbr*");
	assert_string_equal(s->items[0].text, "all");

	s = &p->sections[3];
	assert_int_equal(s->kind, NG_MATCH_WATCH);
	assert_int_equal(s->npatterns, 0);
	assert_int_equal(s->nitems, 0);
	assert_int_equal(s->nopts, 2);
	assert_string_equal(s->opt_keys[0], "settle");
	assert_string_equal(s->opt_values[0], "5s");
	assert_int_equal(s->opt_lines[0], 14);
	assert_string_equal(s->opt_keys[1], "max-per-hour");
	assert_string_equal(s->opt_values[1], "3");
	ng_policy_free(p);
}

static void test_lines(void **state)
{
	static const char text[] =
		"[mac AA:BB:cc:dd:ee:01 aa:bb:cc:dd:ee:02]\r\n"
		"offload = tso off \\\n"
		"          gso off \\\n"
		"\n"
		"# a comment between\n"
		"  ethtool = --set-eee {} eee off\t# no EEE: it drops links\n"
		"offload = tso on sg off\n"
		"[pci 0000:03:*]\n"
		"coalesce = rx-usecs 3 \\";
	struct ng_policy *p = parse_ok(text);
	const struct ng_section *s = &p->sections[0];

	(void)state;
	assert_int_equal(p->nsections, 2);
	assert_string_equal(s->patterns[0], "aa:bb:cc:dd:ee:01");	/* lowercased */
	assert_int_equal(s->nitems, 4);
	/* The continued line counts from its first line; a repeated key replaces by name. */
	assert_string_equal(s->items[0].name, "tso");
	assert_int_equal(s->items[0].num, 1);
	assert_int_equal(s->items[0].origin.line, 7);
	assert_string_equal(s->items[1].name, "gso");
	assert_int_equal(s->items[1].origin.line, 2);
	/* A blank line ends a continuation: the next line stands alone. */
	assert_string_equal(s->items[2].text, "--set-eee {} eee off");
	assert_int_equal(s->items[2].origin.line, 6);
	assert_string_equal(s->items[3].name, "sg");
	s = &p->sections[1];
	assert_int_equal(s->kind, NG_MATCH_PCI);
	assert_int_equal(s->items[0].num, 3);
	ng_policy_free(p);
}

static void test_lex_words(void **state)
{
	struct ng_words w;
	struct ng_lex lx;
	const char *line;
	unsigned no;
	const char buf[] = "a#b = c # d\n\\\nx \\\n y\nlast\\";

	(void)state;
	ng_lex_init(&lx, buf, sizeof(buf) - 1);
	assert_int_equal(ng_lex_next(&lx, &line, &no), 1);
	assert_string_equal(line, "a#b = c");
	assert_int_equal(no, 1);
	assert_int_equal(ng_lex_next(&lx, &line, &no), 1);
	assert_string_equal(line, "x y");
	assert_int_equal(no, 2);
	assert_int_equal(ng_lex_next(&lx, &line, &no), 1);
	assert_string_equal(line, "last");
	assert_int_equal(no, 5);
	assert_int_equal(ng_lex_next(&lx, &line, &no), 0);
	ng_lex_free(&lx);

	assert_int_equal(ng_words_split(&w, " \tone two\r three  "), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[0], "one");
	assert_string_equal(w.v[2], "three");
	ng_words_free(&w);
	assert_int_equal(ng_words_split(&w, ""), 0);
	assert_int_equal(w.n, 0);
	ng_words_free(&w);
}

/* Each bad line must give exactly one diagnostic with its place and text. */
static void test_diagnostics(void **state)
{
	static const char text[] =
		"offload = tso off\n"				/* 1 */
		"[driver e1000e]\n"				/* 2 */
		"ofload = tso off\n"				/* 3 */
		"offload = tos off\n"				/* 4 */
		"link = speed 100\n"				/* 5 */
		"rps =\n"					/* 6 */
		"just words\n"					/* 7 */
		"[drivr r8169]\n"				/* 8 */
		"offload = anything at all\n"			/* 9: dropped with its header */
		"[interface]\n"					/* 10 */
		"[mac 00:11:22:33:44]\n"			/* 11 */
		"[interface eno1\n"				/* 12 */
		"[watch now]\n"					/* 13 */
		"= 3\n"						/* 14 */
		"[frobnicate x]\n"				/* 15 */
		"[interface eth/0]\n"				/* 16 */
		"[pci 0000:00:1f.6;]\n"				/* 17 */
		"[]\n"						/* 18 */
		"[interface ok0]\n"				/* 19 */
		"offload = gro off\x01\n"			/* 20 */
		"interrupt-throttle-rate = 2\n"			/* 21 */
		"skip = perhaps\n"				/* 22 */
		"[interface good0]\n"				/* 23 */
		"offload = tso off\n";				/* 24 */
	static const struct {
		unsigned line;
		const char *msg;
	} want[] = {
		{ 1, "\"offload\" before any section header" },
		{ 3, "unknown key \"ofload\" (did you mean \"offload\"?)" },
		{ 4, "unknown offload \"tos\" (did you mean \"tso\"?)" },
		{ 5, "speed 100 needs autoneg off: with autoneg on the link partner decides" },
		{ 6, "empty value for \"rps\"" },
		{ 7, "expected \"key = value\" or a [section] header, got \"just words\"" },
		{ 8, "unknown section \"drivr\" (did you mean \"driver\"?)" },
		{ 10, "empty section pattern: [interface] needs at least one interface name or "
		      "glob" },
		{ 11, "bad MAC (expected six hex pairs like aa:bb:cc:dd:ee:ff): "
		      "\"00:11:22:33:44\"" },
		{ 12, "malformed section header \"[interface eno1\": expected [KIND NAME...]" },
		{ 13, "[watch] takes no patterns" },
		{ 14, "missing key before '='" },
		{ 15, "unknown section \"frobnicate\": use driver, interface, mac, pci, watch or "
		      "pve" },
		{ 16, "bad interface name or glob: \"eth/0\"" },
		{ 17, "bad PCI address pattern (expected e.g. 0000:00:1f.6 or 0000:03:*): "
		      "\"0000:00:1f.6;\"" },
		{ 18, "empty section header \"[]\"" },
		{ 20, "control character in line" },
		{ 21, "interrupt-throttle-rate \"2\" is not valid: use 0 (off), 1 (dynamic), "
		      "3 (dynamic conservative), 4 (simplified) or 100-100000 (interrupts per "
		      "second)" },
		{ 22, "skip \"perhaps\" is not yes or no" },
	};
	struct ng_policy *p = ng_policy_new();

	(void)state;
	assert_int_equal(ng_policy_parse(p, text, strlen(text), "/etc/nicguard/nicguard.conf"),
			 -EINVAL);
	for (size_t i = 0; i < p->diags.n && i < NG_ARRAY_SIZE(want); i++) {
		assert_string_equal(p->diags.v[i].file, "/etc/nicguard/nicguard.conf");
		assert_string_equal(p->diags.v[i].msg, want[i].msg);
		assert_int_equal(p->diags.v[i].line, want[i].line);
	}
	assert_int_equal(p->diags.n, NG_ARRAY_SIZE(want));
	/* Sections: e1000e(bad) [interface](bad) mac(bad) [watch](bad) eth/0(bad) pci(bad)
	 * ok0(bad) good0(fine). Broken headers made none. */
	assert_int_equal(p->nsections, 8);
	for (size_t i = 0; i < 7; i++)
		assert_true(p->sections[i].bad);
	assert_false(p->sections[7].bad);
	assert_string_equal(p->sections[7].patterns[0], "good0");
	assert_int_equal(p->sections[7].nitems, 1);
	/* The e1000e section kept its good items and lost the bad ones. */
	assert_int_equal(p->sections[0].nitems, 0);
	ng_policy_free(p);
}

static void test_builtin(void **state)
{
	static const char *const drivers[] = { "e1000e", "virtio_net", "r8169" };
	struct ng_policy *p = ng_policy_new();

	(void)state;
	assert_int_equal(ng_policy_add_builtin(p), 0);
	assert_int_equal(p->nsections, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct ng_section *s = &p->sections[i];

		assert_int_equal(s->kind, NG_MATCH_DRIVER);
		assert_string_equal(s->patterns[0], drivers[i]);
		assert_string_equal(s->origin.file, "built-in");
		assert_int_equal(s->origin.line, 0);
		assert_int_equal(s->nitems, 3);
		assert_string_equal(s->items[0].name, "tso");
		assert_string_equal(s->items[1].name, "gso");
		assert_string_equal(s->items[2].name, "gro");
		for (size_t j = 0; j < 3; j++) {
			assert_int_equal(s->items[j].num, 0);
			assert_int_equal(s->items[j].origin.line, 0);
		}
	}
	ng_policy_free(p);
}

static char *print(const struct ng_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ng_policy_print(p, f), 0);
	fclose(f);
	return buf;
}

static void same_policy(const struct ng_policy *a, const struct ng_policy *b)
{
	assert_int_equal(a->nsections, b->nsections);
	for (size_t i = 0; i < a->nsections; i++) {
		const struct ng_section *x = &a->sections[i], *y = &b->sections[i];

		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->npatterns, y->npatterns);
		for (size_t j = 0; j < x->npatterns; j++)
			assert_string_equal(x->patterns[j], y->patterns[j]);
		assert_int_equal(x->nitems, y->nitems);
		/* Printing puts the items of one key on one line (link needs speed and
		 * autoneg off together), so order within a section may change: match by
		 * (group, set, name), which is unique within a section. */
		for (size_t j = 0; j < x->nitems; j++) {
			const struct ng_item *u = &x->items[j], *v = NULL;

			for (size_t k = 0; k < y->nitems && !v; k++)
				if (y->items[k].group == u->group && y->items[k].set == u->set &&
				    strcmp(y->items[k].name, u->name) == 0)
					v = &y->items[k];
			assert_non_null(v);
			assert_int_equal(u->num, v->num);
			if (u->text || v->text)
				assert_string_equal(u->text, v->text);
		}
		assert_int_equal(x->nopts, y->nopts);
		for (size_t j = 0; j < x->nopts; j++) {
			assert_string_equal(x->opt_keys[j], y->opt_keys[j]);
			assert_string_equal(x->opt_values[j], y->opt_values[j]);
		}
	}
}

static void test_round_trip(void **state)
{
	static const char more[] =
		"[interface eno1 eno2]\n"
		"skip = no\n"
		"backup-uplink = yes\n"
		"ring = rx 4096 tx 4096\n"
		"offload = tso off\n"
		"coalesce = adaptive-rx off rx-usecs 3\n"
		"ethtool = --set-eee {} eee off\n"
		"ethtool = -A {} rx off tx off\n"
		"link = autoneg off\n"
		"backup-link = speed 100 duplex full autoneg off\n"
		"backup-ring = rx 256\n"
		"watch-offload = tx-tcp6-segmentation off sg off\n"
		"watch-coalesce = rx-usecs 10\n"
		"watch-ring = tx 512\n"
		"offload = generic-receive-offload off\n"
		"rps = 00000000,0000000f\n"
		"[pci 0000:00:1f.6]\n"
		"rps = 0-3,8\n"
		"[pve]\n"
		"unlock-stale = yes\n";
	struct ng_policy *p = ng_policy_new(), *q = ng_policy_new();
	char *text, *again;

	(void)state;
	assert_int_equal(ng_policy_add_builtin(p), 0);
	assert_int_equal(ng_policy_parse(p, example, strlen(example), "a.conf"), 0);
	assert_int_equal(ng_policy_parse(p, more, strlen(more), "b.conf"), 0);
	text = print(p);
	assert_non_null(strstr(text, "[driver e1000e]\t# built-in\n"
				     "offload = tso off gso off gro off\n"));
	assert_non_null(strstr(text, "link = speed 100 duplex full autoneg off\n"));
	assert_non_null(strstr(text, "ethtool = -A {} rx off tx off\n"));
	assert_non_null(strstr(text, "[watch]\t# a.conf:13\nsettle = 5s\n"));
	assert_int_equal(ng_policy_parse(q, text, strlen(text), "printed"), 0);
	same_policy(p, q);
	/* Printing is stable: the reparsed policy prints the same (origins aside). */
	again = print(q);
	assert_int_equal(strlen(again) > 0, 1);
	ng_policy_free(q);
	q = ng_policy_new();
	assert_int_equal(ng_policy_parse(q, again, strlen(again), "printed"), 0);
	same_policy(p, q);
	free(text);
	free(again);
	ng_policy_free(p);
	ng_policy_free(q);
}

/* ---- loading files */

static char tmpdir[64];

static void write_file(const char *rel, const char *text, unsigned mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup_dir(void **state)
{
	char path[128];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ng-test-policy.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/conf.d", tmpdir);
	return mkdir(path, 0755);
}

static int teardown_dir(void **state)
{
	(void)state;
	return fx_rmtree(tmpdir);
}

static int load(const char *const *rel, bool no_builtin, struct ng_policy **p,
		struct ng_err *err)
{
	struct ng_ctx_opts opts = { .no_builtin = no_builtin };
	char paths[8][256];
	const char *v[9] = { 0 };
	struct ng_ctx *ctx;
	int r;

	for (size_t i = 0; rel[i]; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", tmpdir, rel[i]);
		v[i] = paths[i];
	}
	opts.policy_paths = v;
	ctx = ng_ctx_new(&opts, err);
	assert_non_null(ctx);
	memset(err, 0, sizeof(*err));
	r = ng_policy_load(ctx, p, err);
	ng_ctx_free(ctx);
	return r;
}

static void test_load(void **state)
{
	static const char *const paths[] = { "cluster.conf", "node.conf", "conf.d/", "gone.conf",
					     "gone.d/", NULL };
	struct ng_policy *p;
	struct ng_err err;
	char where[256];

	(void)state;
	write_file("cluster.conf", "[driver igb]\noffload = tso off\n", 0644);
	write_file("node.conf", "[interface eno1]\nrps = all\n", 0600);
	write_file("conf.d/20-b.conf", "[interface b0]\nskip = yes\n", 0644);
	write_file("conf.d/10-a.conf", "[interface a0]\nskip = yes\n", 0644);
	write_file("conf.d/notes.txt", "this is not a policy\n", 0644);
	write_file("conf.d/.hidden.conf", "nor this\n", 0644);

	assert_int_equal(load(paths, false, &p, &err), 0);
	assert_int_equal(p->nsections, 3 + 4);
	assert_string_equal(p->sections[0].origin.file, "built-in");
	assert_string_equal(p->sections[3].patterns[0], "igb");
	assert_string_equal(p->sections[4].patterns[0], "eno1");
	assert_string_equal(p->sections[5].patterns[0], "a0");
	assert_string_equal(p->sections[6].patterns[0], "b0");
	snprintf(where, sizeof(where), "%s/conf.d/10-a.conf", tmpdir);
	assert_string_equal(p->sections[5].origin.file, where);
	assert_int_equal(p->nfiles, 4);
	ng_policy_free(p);

	assert_int_equal(load(paths, true, &p, &err), 0);
	assert_int_equal(p->nsections, 4);
	ng_policy_free(p);

	/* Diagnostics from several files, each with its own name; *out still set. */
	write_file("conf.d/30-c.conf", "[interface c0]\nskip = yes\nrps = everything\n", 0644);
	write_file("node.conf", "[interface eno1]\nrps = al\n", 0600);
	assert_int_equal(load(paths, true, &p, &err), -EINVAL);
	assert_non_null(p);
	assert_int_equal(p->diags.n, 2);
	snprintf(where, sizeof(where), "%s/node.conf", tmpdir);
	assert_string_equal(p->diags.v[0].file, where);
	assert_int_equal(p->diags.v[0].line, 2);
	snprintf(where, sizeof(where), "%s/conf.d/30-c.conf", tmpdir);
	assert_string_equal(p->diags.v[1].file, where);
	assert_int_equal(p->diags.v[1].line, 3);
	assert_string_equal(err.msg, "the policy has 2 error(s)");
	ng_policy_free(p);
}

static void test_load_refused(void **state)
{
	static const char *const one[] = { "node.conf", NULL };
	static const char *const dir_as_file[] = { "conf.d", NULL };
	struct ng_policy *p = (struct ng_policy *)1;
	struct ng_err err;
	char want[512], path[256], *big;

	(void)state;
	snprintf(path, sizeof(path), "%s/node.conf", tmpdir);
	write_file("node.conf", "[interface eno1]\nrps = all\n", 0666);
	assert_int_equal(load(one, true, &p, &err), -EPERM);
	assert_null(p);
	snprintf(want, sizeof(want), "refusing %s: writable by others; it could make nicguard "
		 "run ethtool with any argument", path);
	assert_string_equal(err.msg, want);

	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(load(one, true, &p, &err), -EPERM);
	assert_non_null(strstr(err.msg, ": writable by its group;"));

	assert_int_equal(chmod(path, 0644), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 4242, 4242), 0);
		assert_int_equal(load(one, true, &p, &err), -EPERM);
		assert_non_null(strstr(err.msg, ": owned by another user than root;"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(load(dir_as_file, true, &p, &err), -EPERM);
	assert_non_null(strstr(err.msg, "conf.d: not a regular file;"));

	/* Through a symbolic link is fine (/etc/pve files may be reached so). */
	{
		char link[256];

		snprintf(link, sizeof(link), "%s/link.conf", tmpdir);
		assert_int_equal(symlink(path, link), 0);
		static const char *const via[] = { "link.conf", NULL };

		assert_int_equal(load(via, true, &p, &err), 0);
		assert_int_equal(p->nsections, 1);
		ng_policy_free(p);
		unlink(link);
	}

	big = malloc(2 * 1024 * 1024);
	assert_non_null(big);
	memset(big, '#', 2 * 1024 * 1024 - 1);
	big[2 * 1024 * 1024 - 1] = '\0';
	write_file("node.conf", big, 0644);
	free(big);
	assert_int_equal(load(one, true, &p, &err), -EFBIG);
	assert_string_equal(err.file, path);
	assert_string_equal(err.msg, "too large (over 1048576 bytes)");
	write_file("node.conf", "[interface eno1]\nrps = all\n", 0644);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_lex_words),
		cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_refused, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
