/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-cmdline.c: editing the first line of a kernel command-line file, word by word. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nicguard.h"
#include "internal.h"

static void edit_is(const char *in, const char *add, const char *del, const char *want)
{
	char *out;
	size_t len;

	assert_int_equal(ng_cmdline_edit(in, strlen(in), add, del, &out, &len), 0);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(out);
}

static void test_add(void **state)
{
	(void)state;
	edit_is("root=ZFS=rpool/ROOT/pve-1 boot=zfs\n", "pcie_aspm=off",  "",
		"root=ZFS=rpool/ROOT/pve-1 boot=zfs pcie_aspm=off\n");
	/* No final newline stays none; a word already there is not doubled. */
	edit_is("root=/dev/sda1 pcie_aspm=off", "pcie_aspm=off pcie_port_pm=off", "",
		"root=/dev/sda1 pcie_aspm=off pcie_port_pm=off");
	/* Trailing blanks: the word goes after them, nothing else moves. */
	edit_is("root=/dev/sda1 \t\n", "pcie_aspm=off", "", "root=/dev/sda1 \tpcie_aspm=off\n");
	/* Only the first line is the command line (proxmox-boot-tool's get_first_line). */
	edit_is("a=1\nb=2\n", "pcie_aspm=off", "", "a=1 pcie_aspm=off\nb=2\n");
	edit_is("", "pcie_aspm=off", "", "pcie_aspm=off");
	edit_is("\n", "pcie_aspm=off", "", "pcie_aspm=off\n");
}

static void test_del(void **state)
{
	(void)state;
	edit_is("root=x pcie_aspm=off quiet\n", "", "pcie_aspm=off", "root=x quiet\n");
	edit_is("pcie_aspm=off root=x\n", "", "pcie_aspm=off", "root=x\n");
	edit_is("root=x\tpcie_aspm=off", "", "pcie_aspm=off", "root=x");
	/* A longer word that starts the same is another word. */
	edit_is("root=x pcie_aspm=offx\n", "", "pcie_aspm=off", "root=x pcie_aspm=offx\n");
	/* Replace: out with the old set, in with the new. */
	edit_is("root=x pcie_aspm=off pcie_port_pm=off\n", "pcie_port_pm=off",
		"pcie_aspm=off pcie_port_pm=off", "root=x\n");
	edit_is("root=x pcie_aspm=off\nsecond pcie_aspm=off\n", "", "pcie_aspm=off",
		"root=x\nsecond pcie_aspm=off\n");
}

/* Adding, then deleting the same words gives back the bytes, whatever the spacing. */
static void test_round_trip(void **state)
{
	static const char *const lines[] = {
		"root=ZFS=rpool/ROOT/pve-1 boot=zfs\n", "root=x  quiet", " root=x\n\n",
		"root=x\t\n# comment\n", "",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *a, *b;
		size_t al, bl;

		assert_int_equal(ng_cmdline_edit(lines[i], strlen(lines[i]),
						 "pcie_aspm=off pcie_port_pm=off", "", &a, &al), 0);
		assert_true(ng_cmdline_has(a, al, "pcie_port_pm=off"));
		assert_int_equal(ng_cmdline_edit(a, al, "", "pcie_aspm=off pcie_port_pm=off", &b,
						 &bl), 0);
		if (lines[i][0] && !strchr(" \t", lines[i][strcspn(lines[i], "\n") - 1]))
			assert_string_equal(b, lines[i]);
		assert_false(ng_cmdline_has(b, bl, "pcie_aspm=off"));
		free(a);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
