#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `nicguard cmdline` against fixture roots of both boot setups: plain GRUB (an r8169 port,
# legacy BIOS) and proxmox-boot-tool with systemd-boot (two e1000e ports, EFI); and the
# GRUB drop-in rendered by Debian's real grub-mkconfig in a private mount namespace.

bats_require_minimum_version 1.5.0

load ../helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (mount namespace for grub-mkconfig)"
}

DROPIN=/etc/default/grub.d/nicguard.cfg
ORIG=/var/lib/nicguard/kernel-cmdline.orig

# A fixture root with a snapshot of every file under it, to prove what changed.
grub_root() {
	root=$(copy_fixture cmdline-grub)
	(cd "$root" && find . -type f -exec sha256sum {} + | sort -k2) >"$BATS_TEST_TMPDIR/before"
}

pbt_root() {
	root=$(copy_fixture cmdline-pbt)
	cp "$root/etc/kernel/cmdline" "$BATS_TEST_TMPDIR/cmdline.orig"
	(cd "$root" && find . -type f -exec sha256sum {} + | sort -k2) >"$BATS_TEST_TMPDIR/before"
}

# The files added, removed or changed under the root since the snapshot, one diff line each.
tree_changes() {
	(cd "$root" && find . -type f -exec sha256sum {} + | sort -k2) |
		diff "$BATS_TEST_TMPDIR/before" - | grep '^[<>]' || true
}

# The tree is exactly as it was before the test (every file, byte for byte; nothing added).
assert_tree_unchanged() {
	local changes
	changes=$(tree_changes)
	echo "$changes"
	[ -z "$changes" ]
}

@test "GRUB: --check names the parameter, where the policy asks for it, and that it is not written" {
	grub_root
	run "$NICGUARD" --root "$root" cmdline
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "boot configuration: GRUB: GRUB drop-in $DROPIN; refreshed by \`update-grub\`" ]]
	[[ ${lines[1]} == "pcie_aspm=off [$root/etc/nicguard/nicguard.conf:4; enp3s0]: not written (nicguard cmdline --write), not booted" ]]
	assert_tree_unchanged
}

@test "GRUB: --write writes only the drop-in, names update-grub and the reboot, runs neither" {
	grub_root
	run "$NICGUARD" --root "$root" cmdline --write --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"would write $DROPIN: pcie_aspm=off"* ]]
	assert_tree_unchanged

	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "wrote $DROPIN: pcie_aspm=off" ]
	[ "${lines[1]}" = "now run \`update-grub\`, then reboot: the kernel reads its command line only at boot" ]
	head -1 "$root$DROPIN" | grep -qx '# Written by nicguard. Changes here are overwritten; edit the policy instead.'
	grep -qx 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX pcie_aspm=off"' "$root$DROPIN"
	grep -q "^#   pcie_aspm=off  ($root/etc/nicguard/nicguard.conf:4; enp3s0)" "$root$DROPIN"
	# Nothing else changed: /etc/default/grub and the rendered grub.cfg are the admin's.
	[ -z "$(tree_changes | grep -v "$DROPIN")" ]
	[ "$(stat -c %a "$root$DROPIN")" = 644 ]

	run "$NICGUARD" --root "$root" cmdline
	[[ $output == *"pcie_aspm=off ["*"]: written, not in /boot/grub/grub.cfg yet (run update-grub), not booted yet (reboot)"* ]]
	run "$NICGUARD" --root "$root" cmdline --write
	[ "$output" = "nothing to change" ]
}

@test "GRUB: Debian's grub-mkconfig renders the drop-in into every linux entry, recovery included" {
	command -v grub-mkconfig >/dev/null || {
		echo "grub-mkconfig is missing: apt-get install grub2-common (.ci/run installs it)"
		false
	}
	grub_root
	run "$NICGUARD" --root "$root" cmdline --write
	[ "$status" -eq 0 ]
	# A private mount namespace: /etc/default is the fixture's, /boot holds a kernel and an
	# initrd (empty files: grub-mkconfig only lists them); the output goes to a test file.
	boot=$BATS_TEST_TMPDIR/boot
	mkdir -p "$boot/grub"
	: >"$boot/vmlinuz-6.1.0-28-amd64"
	: >"$boot/initrd.img-6.1.0-28-amd64"
	run unshare -m --propagation private sh -c 'mount --bind "$1/etc/default" /etc/default &&
		mount --bind "$2" /boot && grub-mkconfig -o "$3"' sh "$root" "$boot" \
		"$BATS_TEST_TMPDIR/grub.cfg"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -E '^\s*linux\s' "$BATS_TEST_TMPDIR/grub.cfg" >"$BATS_TEST_TMPDIR/linux"
	cat "$BATS_TEST_TMPDIR/linux"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/linux")" -ge 2 ]
	# Every entry has it, /etc/default/grub's quiet stays on the normal ones.
	run grep -v 'pcie_aspm=off' "$BATS_TEST_TMPDIR/linux"
	[ "$status" -eq 1 ]
	grep -q ' ro .*pcie_aspm=off quiet$' "$BATS_TEST_TMPDIR/linux"
	grep -q ' single .*pcie_aspm=off' "$BATS_TEST_TMPDIR/linux"
}

@test "GRUB: a parameter /etc/default/grub already gives gets no drop-in line" {
	grub_root
	sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"/GRUB_CMDLINE_LINUX_DEFAULT="quiet pcie_aspm=off"/' \
		"$root/etc/default/grub"
	run "$NICGUARD" --root "$root" cmdline
	echo "$output"
	[[ $output == *"pcie_aspm=off ["*"]: already in /etc/default/grub:9, not in /boot/grub/grub.cfg yet (run update-grub), not booted yet (reboot)"* ]]
	run "$NICGUARD" --root "$root" cmdline --write
	[ "$output" = "nothing to change" ]
	[ ! -e "$root$DROPIN" ]
}

@test "GRUB: --remove deletes the drop-in; a policy without the key makes --write take it out" {
	grub_root
	"$NICGUARD" --root "$root" cmdline --write
	sed -i '/kernel-cmdline/d' "$root/etc/nicguard/nicguard.conf"
	run "$NICGUARD" --root "$root" cmdline
	echo "$output"
	[[ $output == *"no kernel-cmdline in the policy for any interface of this machine"* ]]
	[[ $output == *"pcie_aspm=off: in $DROPIN, no longer asked for by the policy (--write takes it out)"* ]]
	run "$NICGUARD" --root "$root" cmdline --write
	[ "${lines[0]}" = "removed $DROPIN" ]
	[ -z "$(tree_changes | grep -v /etc/nicguard/nicguard.conf)" ]

	printf '[driver r8169]\nkernel-cmdline = pcie_aspm=off\n' >>"$root/etc/nicguard/nicguard.conf"
	"$NICGUARD" --root "$root" cmdline --write
	run "$NICGUARD" --root "$root" cmdline --remove --dry-run
	[ "${lines[0]}" = "would remove $DROPIN" ]
	[ -e "$root$DROPIN" ]
	run "$NICGUARD" --root "$root" cmdline --remove
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "removed $DROPIN" ]
	[ ! -e "$root$DROPIN" ]
}

@test "GRUB: a drop-in nicguard did not write is left alone" {
	grub_root
	printf 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX mine"\n' >"$root$DROPIN"
	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$root$DROPIN: exists and was not written by nicguard (no marker line); left alone"* ]]
	[ "$(cat "$root$DROPIN")" = 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX mine"' ]
}

@test "proxmox-boot-tool: --write edits the first line of /etc/kernel/cmdline, keeps the original, names proxmox-boot-tool refresh" {
	pbt_root
	run "$NICGUARD" --root "$root" cmdline
	echo "$output"
	[ "${lines[0]}" = "boot configuration: proxmox-boot-tool (EFI): GRUB drop-in $DROPIN and systemd-boot /etc/kernel/cmdline; refreshed by \`proxmox-boot-tool refresh\`" ]
	[[ ${lines[1]} == "pcie_aspm=off [$root/etc/nicguard/nicguard.conf:3; eno1 eno2]: not written"* ]]

	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "wrote /etc/kernel/cmdline: root=ZFS=rpool/ROOT/pve-1 boot=zfs pcie_aspm=off" ]
	[ "${lines[1]}" = "wrote $DROPIN: pcie_aspm=off" ]
	[ "${lines[2]}" = "now run \`proxmox-boot-tool refresh\`, then reboot: the kernel reads its command line only at boot" ]
	[ "$(cat "$root/etc/kernel/cmdline")" = "root=ZFS=rpool/ROOT/pve-1 boot=zfs pcie_aspm=off" ]
	cmp "$root$ORIG" "$BATS_TEST_TMPDIR/cmdline.orig"
	# proxmox-boot-tool's get_first_line and its root= check still see one line with root=.
	[ "$(wc -l <"$root/etc/kernel/cmdline")" = 1 ]

	run "$NICGUARD" --root "$root" cmdline
	[[ ${lines[1]} == *"]: written, not booted yet (reboot)" ]]
	run "$NICGUARD" --root "$root" cmdline --write
	[ "$output" = "nothing to change" ]
}

@test "proxmox-boot-tool: --remove puts every file back byte for byte, a missing newline too" {
	pbt_root
	printf 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\tquiet' >"$root/etc/kernel/cmdline"
	(cd "$root" && find . -type f -exec sha256sum {} + | sort -k2) >"$BATS_TEST_TMPDIR/before"
	"$NICGUARD" --root "$root" cmdline --write
	[ "$(cat "$root/etc/kernel/cmdline")" = "$(printf 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\tquiet pcie_aspm=off')" ]
	# A second parameter later: the earlier word is replaced, not doubled.
	sed -i 's/pcie_aspm=off/pcie_aspm=off pcie_port_pm=off/' "$root/etc/nicguard/nicguard.conf"
	"$NICGUARD" --root "$root" cmdline --write
	[ "$(cat "$root/etc/kernel/cmdline")" = "$(printf 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\tquiet pcie_aspm=off pcie_port_pm=off')" ]
	sed -i 's/ pcie_port_pm=off//' "$root/etc/nicguard/nicguard.conf"

	run "$NICGUARD" --root "$root" cmdline --remove
	echo "$output"
	[ "$status" -eq 0 ]
	assert_tree_unchanged
	[ ! -e "$root$ORIG" ]
}

@test "proxmox-boot-tool: an admin's edit since --write is kept, only nicguard's word goes" {
	pbt_root
	"$NICGUARD" --root "$root" cmdline --write
	printf 'root=ZFS=rpool/ROOT/pve-1 boot=zfs pcie_aspm=off mitigations=off\n' >"$root/etc/kernel/cmdline"
	run "$NICGUARD" --root "$root" cmdline --remove
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$root/etc/kernel/cmdline")" = "root=ZFS=rpool/ROOT/pve-1 boot=zfs mitigations=off" ]
	[ ! -e "$root$ORIG" ]
	[ ! -e "$root$DROPIN" ]
}

@test "proxmox-boot-tool on legacy BIOS boots GRUB: /etc/kernel/cmdline is left alone" {
	pbt_root
	rm -r "$root/sys/firmware"
	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "wrote $DROPIN: pcie_aspm=off" ]
	[ "${lines[1]}" = "now run \`proxmox-boot-tool refresh\`, then reboot: the kernel reads its command line only at boot" ]
	cmp "$root/etc/kernel/cmdline" "$BATS_TEST_TMPDIR/cmdline.orig"
}

@test "a booted parameter reads as booted; no boot configuration at all is an error" {
	pbt_root
	"$NICGUARD" --root "$root" cmdline --write
	printf 'initrd=\\EFI\\proxmox\\6.8.12-4-pve\\initrd.img-6.8.12-4-pve root=ZFS=rpool/ROOT/pve-1 boot=zfs pcie_aspm=off\n' >"$root/proc/cmdline"
	run "$NICGUARD" --root "$root" cmdline
	[[ ${lines[1]} == *"]: written, booted" ]]

	grub_root
	rm -r "$root/etc/default"
	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"no boot configuration nicguard knows: neither GRUB (/etc/default/grub) nor proxmox-boot-tool with systemd-boot (/etc/kernel/cmdline) under $root"* ]]
}

@test "bad input: an unknown kernel parameter is FILE:LINE, options that exclude each other" {
	grub_root
	printf '[driver r8169]\nkernel-cmdline = pcie_aspm=off init=/bin/sh\n' >"$root/etc/nicguard/nicguard.conf"
	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "$root/etc/nicguard/nicguard.conf:2: kernel parameter \"init=/bin/sh\" is not one nicguard writes: use pcie_aspm=off, pcie_aspm.policy=performance, pcie_port_pm=off, or none" ]
	[ -z "$(tree_changes | grep -v /etc/nicguard/nicguard.conf)" ]
	run "$NICGUARD" --root "$root" cmdline --write --remove
	[ "$status" -eq 2 ]
	[[ $output == *"--check, --write and --remove exclude each other"* ]]
	run "$NICGUARD" --root "$root" cmdline --dry-run
	[ "$status" -eq 2 ]
	run "$NICGUARD" --root "$root" cmdline extra
	[ "$status" -eq 2 ]
}

@test "bad input: a symlinked or foreign-owned /etc/kernel/cmdline is refused and left as it is" {
	pbt_root
	mv "$root/etc/kernel/cmdline" "$root/etc/kernel/cmdline.real"
	ln -s cmdline.real "$root/etc/kernel/cmdline"
	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"/etc/kernel/cmdline: cannot read: Too many levels of symbolic links"* ]]
	[ -L "$root/etc/kernel/cmdline" ]
	cmp "$root/etc/kernel/cmdline.real" "$BATS_TEST_TMPDIR/cmdline.orig"

	rm "$root/etc/kernel/cmdline"
	mv "$root/etc/kernel/cmdline.real" "$root/etc/kernel/cmdline"
	chown 1000 "$root/etc/kernel/cmdline"
	run "$NICGUARD" --root "$root" cmdline --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$root/etc/kernel/cmdline: is not a regular file owned by uid 0; left alone"* ]]
	[ ! -e "$root$DROPIN" ]
	cmp "$root/etc/kernel/cmdline" "$BATS_TEST_TMPDIR/cmdline.orig"
	[ ! -e "$root$ORIG" ]
}
