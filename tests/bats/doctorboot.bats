#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# doctor's boot checks on the cmdline-grub fixture (an r8169 port, enp3s0 at 0000:03:00.0):
# kernel parameters written but not booted, and the PCIe ASPM state of a port that hung in
# this boot (a /dev/kmsg file) or in an earlier one (a real journal, written by systemd's
# own systemd-journal-remote from export-format records, read by the real journalctl).

bats_require_minimum_version 1.5.0

load ../helpers

JOURNAL_REMOTE=/lib/systemd/systemd-journal-remote
ADDR=0000:03:00.0

setup() {
	root=$(copy_fixture cmdline-grub)
	mkdir -p "$root/dev" "$root/sys/bus/pci/devices/$ADDR/link" \
		"$root/sys/module/pcie_aspm/parameters"
	: >"$root/dev/kmsg"
	echo 0 >"$root/sys/bus/pci/devices/$ADDR/link/l0s_aspm"
	echo 1 >"$root/sys/bus/pci/devices/$ADDR/link/l1_aspm"
	echo '[default] performance powersave powersupersave' \
		>"$root/sys/module/pcie_aspm/parameters/policy"
}

doctor() {
	run "$NICGUARD" --root "$root" doctor --interval 0
	echo "$output"
}

hang_now() {
	printf '4,700,5120000,-;NETDEV WATCHDOG: enp3s0 (r8169): transmit queue 0 timed out 5120 ms\n' \
		>"$root/dev/kmsg"
}

# Boots in the journal, oldest first, as export-format records: "BOOT MESSAGE" lines on
# stdin. The last boot is the running one.
journal() {
	local boot msg i=0 dir=$root/var/log/journal/5a3c0e2f1d7b4c9e8f6a2b1c0d9e8f7a
	[ -x "$JOURNAL_REMOTE" ] || {
		echo "$JOURNAL_REMOTE is missing: apt-get install systemd-journal-remote"
		return 1
	}
	mkdir -p "$dir"
	while read -r boot msg; do
		i=$((i + 1))
		printf '__CURSOR=s=0;i=%d\n__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n' \
			"$i" $((1733500000000000 + i * 1000000)) $((i * 1000000))
		printf '_BOOT_ID=%s\n_TRANSPORT=kernel\nPRIORITY=3\nSYSLOG_FACILITY=0\n' "$boot"
		printf '_MACHINE_ID=5a3c0e2f1d7b4c9e8f6a2b1c0d9e8f7a\nMESSAGE=%s\n\n' "$msg"
	done >"$BATS_TEST_TMPDIR/export"
	"$JOURNAL_REMOTE" -o "$dir/system.journal" "$BATS_TEST_TMPDIR/export"
}

@test "an r8169 port that hung in this boot, ASPM L1 on its link: doctor names the kernel parameter" {
	hang_now
	doctor
	[ "$status" -eq 1 ]
	[[ $output == *"aspm-hung-port enp3s0: r8169 port $ADDR hung (1× in this boot; earlier boots unknown: no persistent journal (/var/log/journal), so journald kept no earlier boot) and its PCIe link may enter power-saving states (L0s off, L1 on)"* ]]
	[[ $output == *"fix: put \`kernel-cmdline = pcie_aspm=off\` (or pcie_aspm.policy=performance) in [driver r8169]"* ]]
}

@test "ASPM already off on the link, or no hang: no ASPM finding" {
	hang_now
	echo 0 >"$root/sys/bus/pci/devices/$ADDR/link/l1_aspm"
	doctor
	[[ $output != *"aspm-hung-port"* ]]
	echo 1 >"$root/sys/bus/pci/devices/$ADDR/link/l1_aspm"
	: >"$root/dev/kmsg"
	doctor
	[[ $output != *"aspm-hung-port"* ]]
}

@test "pcie_aspm=off booted but the firmware left L1 on: doctor says pcie_aspm=off cannot help" {
	hang_now
	sed -i 's/ quiet$/ quiet pcie_aspm=off/' "$root/proc/cmdline"
	doctor
	[[ $output == *"(L0s off, L1 on (pcie_aspm=off booted: the firmware's setting stays))"* ]]
	[[ $output == *"fix: pcie_aspm=off leaves what the firmware enabled: put \`kernel-cmdline = pcie_aspm.policy=performance\` in [driver r8169]"* ]]
	# Without link attributes, pcie_aspm=off booted counts as off.
	rm -r "$root/sys/bus/pci/devices/$ADDR/link"
	doctor
	[[ $output != *"aspm-hung-port"* ]]
}

@test "a hang only in an earlier boot, found in the persistent journal" {
	journal <<-EOF
		0f0c8ad5d4c54c0e9a3a1f6c5e8b1a01 r8169 $ADDR enp3s0: rtl_rxtx_empty_cond == 0 (loop: 42, delay: 100).
		0f0c8ad5d4c54c0e9a3a1f6c5e8b1a01 NETDEV WATCHDOG: enp3s0 (r8169): transmit queue 0 timed out 5120 ms
		1f0c8ad5d4c54c0e9a3a1f6c5e8b1a02 NETDEV WATCHDOG: enp3s0 (r8169): transmit queue 0 timed out 5120 ms
		2f0c8ad5d4c54c0e9a3a1f6c5e8b1a03 Linux version 6.1.0-28-amd64
	EOF
	doctor
	[ "$status" -eq 1 ]
	[[ $output == *"aspm-hung-port enp3s0: r8169 port $ADDR hung (0× in this boot, in 2 of the 2 boots before)"* ]]
	[[ $output != *"earlier boots unknown"* ]]
}

@test "kernel-cmdline written but not booted, then booted: doctor follows it" {
	doctor
	[[ $output == *"cmdline-not-written $root/etc/nicguard/nicguard.conf:4: the policy asks for pcie_aspm=off (for enp3s0), but the boot configuration does not hold it"* ]]
	"$NICGUARD" --root "$root" cmdline --write
	doctor
	[[ $output == *"cmdline-not-booted /etc/default/grub.d/nicguard.cfg: pcie_aspm=off is written (asked for by $root/etc/nicguard/nicguard.conf:4) but the running kernel was not booted with it (/proc/cmdline)"* ]]
	[[ $output == *"fix: run \`update-grub\` (/boot/grub/grub.cfg lacks it), then reboot"* ]]
	sed -i 's/ quiet$/ pcie_aspm=off quiet/' "$root/boot/grub/grub.cfg"
	doctor
	[[ $output == *"fix: reboot (after \`update-grub\`, if it has not run since the change)"* ]]
	sed -i 's/ quiet$/ quiet pcie_aspm=off/' "$root/proc/cmdline"
	doctor
	[[ $output != *"cmdline-not"* ]]
}
