/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-cmdline.c: libFuzzer target for the kernel command-line files: the word editor on any
 * bytes, and `nicguard cmdline`'s reading of /etc/kernel/cmdline, its kept original,
 * /etc/default/grub and the drop-in in a scratch proxmox-boot-tool root. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nicguard.h"
#include "internal.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WORDS "pcie_aspm=off pcie_port_pm=off"

/* The first input byte picks the file; the rest is its content. */
static const char *const files[] = {
	NG_CMDLINE_KERNEL, NG_CMDLINE_ORIG, "/etc/default/grub", NG_CMDLINE_DROPIN,
};

/* A proxmox-boot-tool root booted through EFI, every file in place, no interfaces. */
static int setup(void)
{
	static const char *const dirs[] = { "/etc", "/etc/kernel", "/etc/default",
					    "/etc/default/grub.d", "/var", "/var/lib",
					    "/var/lib/nicguard", "/sys", "/sys/firmware",
					    "/sys/firmware/efi", "/proc" };
	char path[512];
	int r = scratch_make("cmdline");

	if (r != 0)
		return r < 0 ? -1 : 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	scratch_put("/etc/kernel/proxmox-boot-uuids", (const uint8_t *)"5A1B-2C3D\n", 10);
	return 0;
}

/* The editor: adding then taking out the same words leaves none of them, and whatever
 * follows the first line is kept. */
static void edit(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nl = memchr(buf, '\n', size);
	size_t al, bl, tail = nl ? size - (size_t)(nl - buf) : 0;
	char *a, *b;

	if (ng_cmdline_edit(buf, size, WORDS, "", &a, &al) < 0)
		return;
	if (!ng_cmdline_has(a, al, "pcie_aspm=off") || strlen(a) > al)
		abort();
	if (ng_cmdline_edit(a, al, "", WORDS, &b, &bl) == 0) {
		if (ng_cmdline_has(b, bl, "pcie_port_pm=off"))
			abort();
		if (nl && (bl < tail || memcmp(b + bl - tail, nl, tail) != 0))
			abort();
		free(b);
	}
	free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const none[] = { NULL };
	struct ng_ctx_opts o = { .no_builtin = true, .policy_paths = none };
	struct ng_policy *p = NULL;
	struct ng_diags done = { 0 };
	struct ng_cmdline c;
	struct ng_ctx *ctx;
	size_t which;

	if (size < 1 || setup() < 0)
		return 0;
	edit(data + 1, size - 1);
	which = data[0] % (sizeof(files) / sizeof(files[0]));
	o.root = root;
	ctx = ng_ctx_new(&o, NULL);
	if (!ctx)
		return 0;
	scratch_put(NG_CMDLINE_KERNEL, (const uint8_t *)"root=ZFS=rpool/ROOT/pve-1 boot=zfs\n", 35);
	scratch_put(files[which], data + 1, size - 1);
	if (ng_policy_load(ctx, &p, NULL) == 0 && ng_cmdline_plan(ctx, p, &c, NULL) == 0) {
		/* Nothing is asked for: remove takes out whatever looks like nicguard's. */
		ng_cmdline_remove(ctx, &c, true, &done, NULL);
		ng_cmdline_free(&c);
	}
	ng_diags_free(&done);
	ng_policy_free(p);
	ng_ctx_free(ctx);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s%s", root, files[i]);
		unlink(path);
	}
	return 0;
}
