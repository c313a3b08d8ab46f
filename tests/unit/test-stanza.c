/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-stanza.c: the interfaces(5) reader and the nicguard-* stanza values of one interface. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"
#include "fixture.h"

static const char text[] =
	"# comment\n"
	"auto lo eno1\n"
	"iface lo inet loopback\n"
	"\n"
	"iface eno1 inet manual\n"
	"\tnicguard-offload tso off \\\n"
	"\t  gso off\n"
	"    # indented comment\n"
	"\toffload-tso off   \n"
	"allow-hotplug eno2\n"
	"\tnot-an-option here\n"
	"iface vmbr0 inet static\n"
	"\tbridge-ports eno1\n"
	"\tnicguard-rps all\n"
	"mapping eth*\n"
	"\tscript /bin/true\n"
	"iface vmbr0 inet6 auto\n"
	"\tnicguard-offload gro off\n";

static void test_parse(void **state)
{
	struct ng_interfaces f = { 0 };

	(void)state;
	assert_int_equal(ng_interfaces_parse(&f, text, strlen(text), "/etc/network/interfaces"),
			 0);
	assert_int_equal(f.n, 5);
	/* A continued line keeps the number of its first physical line. */
	assert_string_equal(f.v[0].iface, "eno1");
	assert_string_equal(f.v[0].key, "nicguard-offload");
	assert_string_equal(f.v[0].value, "tso off  \t  gso off");
	assert_int_equal(f.v[0].line, 6);
	assert_string_equal(f.v[1].key, "offload-tso");
	assert_string_equal(f.v[1].value, "off");
	assert_int_equal(f.v[1].line, 9);
	/* allow-hotplug ends the stanza: "not-an-option" belongs to none. */
	assert_string_equal(f.v[2].iface, "vmbr0");
	assert_string_equal(f.v[2].key, "bridge-ports");
	assert_string_equal(f.v[3].key, "nicguard-rps");
	assert_int_equal(f.v[3].line, 14);
	/* mapping's script is not an iface option; a second vmbr0 stanza adds its own. */
	assert_string_equal(f.v[4].iface, "vmbr0");
	assert_string_equal(f.v[4].value, "gro off");
	assert_string_equal(f.v[4].file, "/etc/network/interfaces");
	assert_int_equal(f.diags.n, 0);
	ng_interfaces_free(&f);
}

static void test_value(void **state)
{
	struct ng_origin o = { .file = "ifupdown", .line = 0 };
	struct ng_item *items = NULL;
	struct ng_err err = { 0 };
	size_t n = 0;

	(void)state;
	/* Classic ifupdown's newline-joined repeats are several values. */
	assert_int_equal(ng_stanza_value("offload", "tso off gso off\ngro off", o, &items, &n,
					 &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[2].name, "gro");
	assert_int_equal(items[2].num, 0);
	assert_int_equal(ng_stanza_value("backup-offload", "sg off", o, &items, &n, &err), 0);
	assert_int_equal(items[3].set, NG_SET_BACKUP);
	assert_int_equal(ng_stanza_value("skip", "yes", o, &items, &n, &err), 0);
	assert_int_equal(items[4].group, NG_FLAG);
	assert_int_equal(ng_stanza_value("ofload", "tso off", o, &items, &n, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "unknown key nicguard-ofload (did you mean nicguard-offload?)");
	assert_int_equal(ng_stanza_value("interrupt-throttle-rate", "4", o, &items, &n, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "module parameter"));
	assert_int_equal(ng_stanza_value("kernel-cmdline", "pcie_aspm=off", o, &items, &n, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "nicguard cmdline --write"));
	assert_int_equal(ng_stanza_value("offload", "tso maybe", o, &items, &n, &err), -EINVAL);
	assert_int_equal(n, 5);
	/* The native keys as stanza keys; a variant that does not exist says so. */
	assert_int_equal(ng_stanza_value("eee", "eee off", o, &items, &n, &err), 0);
	assert_int_equal(items[5].group, NG_EEE);
	assert_int_equal(ng_stanza_value("watch-pause", "tx off", o, &items, &n, &err), 0);
	assert_int_equal(items[6].set, NG_SET_WATCH);
	assert_int_equal(ng_stanza_value("rfs", "32768", o, &items, &n, &err), 0);
	assert_int_equal(ng_stanza_value("backup-eee", "eee off", o, &items, &n, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown key nicguard-backup-eee: eee has no backup-* "
			    "variant (see nicguard.conf(5))");
	assert_int_equal(ng_stanza_value("channels", "combined many", o, &items, &n, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "channels combined: \"many\" is not a number (0-4294967295)");
	assert_int_equal(n, 8);
	ng_items_free(items, n);
}

static void put(const char *root, const char *rel, const char *body)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
}

/* The nicguard-* keys of ifname as a resolver reads them. */
struct keys {
	struct ng_item *items;
	size_t n;
	struct ng_diags diags;
};

static void load_keys(struct ng_ctx *ctx, const char *ifname, struct keys *k)
{
	struct ng_interfaces f = { 0 };

	memset(k, 0, sizeof(*k));
	assert_int_equal(ng_interfaces_load(ctx, &f, NULL), 0);
	assert_int_equal(ng_stanza_items(&f, ifname, &k->items, &k->n, &k->diags), 0);
	/* The items' origins point into f's file names: keep them for the test. */
	for (size_t i = 0; i < k->n; i++)
		k->items[i].origin.file = strdup(k->items[i].origin.file);
	ng_interfaces_free(&f);
}

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free((char *)k->items[i].origin.file);
	ng_items_free(k->items, k->n);
	ng_diags_free(&k->diags);
}

static void test_load(void **state)
{
	char root[] = "/tmp/test-stanza-XXXXXX";
	struct ng_ctx_opts opts = { 0 };
	struct keys st;
	struct ng_err err = { 0 };
	struct ng_ctx *ctx;

	(void)state;
	assert_non_null(mkdtemp(root));
	fx_mkdirs(root, "/etc/network/interfaces.d");
	put(root, "/etc/network/interfaces",
	    "source-directory interfaces.d\nsource /etc/network/more.*\n"
	    "iface eno1 inet manual\n\tnicguard-offload tso off\n");
	put(root, "/etc/network/interfaces.d/uplink",
	    "iface eno1 inet6 manual\n\tnicguard-offload tso maybe\n\tnicguard-rps all\n");
	put(root, "/etc/network/interfaces.d/skipped.conf", "iface eno1\n\tnicguard-skip yes\n");
	put(root, "/etc/network/more.a", "source /etc/network/more.*\niface eno2\n");
	opts.root = root;
	ctx = ng_ctx_new(&opts, &err);
	assert_non_null(ctx);
	load_keys(ctx, "eno1", &st);
	/* uplink (source-directory: run-parts names only, so not skipped.conf), then the rest. */
	assert_int_equal(st.n, 2);
	assert_string_equal(st.items[0].name, "rps");
	assert_string_equal(st.items[0].origin.file, "/etc/network/interfaces.d/uplink");
	assert_int_equal(st.items[0].origin.line, 3);
	assert_string_equal(st.items[1].name, "tso");
	assert_string_equal(st.items[1].origin.file, "/etc/network/interfaces");
	assert_int_equal(st.items[1].origin.line, 4);
	/* The bad value, and the file that sources itself (read once only). */
	assert_true(st.diags.n >= 2);
	assert_string_equal(st.diags.v[0].file, "/etc/network/interfaces.d/uplink");
	assert_int_equal(st.diags.v[0].line, 2);
	assert_non_null(strstr(st.diags.v[0].msg, "nicguard-offload: "));
	keys_free(&st);
	load_keys(ctx, "eno9", &st);
	assert_int_equal(st.n, 0);
	keys_free(&st);
	ng_ctx_free(ctx);
	assert_int_equal(fx_rmtree(root), 0);
}

/* The fuzzer's find: a file sourcing itself on N lines was read N^9 times (depth 8). Each
 * file is now read once: the loop is one diagnostic per repeated line, the keys count once. */
static void test_source_loop(void **state)
{
	char root[] = "/tmp/test-stanza-XXXXXX";
	struct ng_ctx_opts opts = { 0 };
	struct keys st;
	struct ng_err err = { 0 };
	struct ng_ctx *ctx;

	(void)state;
	assert_non_null(mkdtemp(root));
	fx_mkdirs(root, "/etc/network");
	put(root, "/etc/network/interfaces",
	    "source /etc/network/interfaces\nsource /etc/network/interfaces\n"
	    "source /etc/network/interfaces\nsource /etc/network/interfaces\n"
	    "source-directory /etc/network\nsource /etc/network/interfaces\n"
	    "iface eno1 inet manual\n\tnicguard-offload gso off\n");
	opts.root = root;
	ctx = ng_ctx_new(&opts, &err);
	assert_non_null(ctx);
	load_keys(ctx, "eno1", &st);
	assert_int_equal(st.n, 1);
	assert_string_equal(st.items[0].name, "gso");
	assert_int_equal(st.diags.n, 6);
	assert_non_null(strstr(st.diags.v[0].msg, "sourced again"));
	keys_free(&st);
	ng_ctx_free(ctx);
	assert_int_equal(fx_rmtree(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_source_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
