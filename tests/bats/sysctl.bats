#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `nicguard sysctl` against a fixture: 16 CPUs, a 1 Gb/s e1000e port, kernel defaults but
# for values raised by the shipped 60-nicguard.conf and by an admin.

load ../wiring

row() {
	awk -v k="$1" '$1 == k' <<<"$output"
}

@test "--check prints effective, recommended and source per sysctl and exits 0" {
	root=$(copy_fixture sysctl)
	run "$NICGUARD" --root "$root" sysctl --check
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^# 16 CPUs online, fastest link 1000 Mb/s" <<<"$output"
	grep -Eq "^SYSCTL +EFFECTIVE +RECOMMENDED +SOURCE" <<<"$output"
	# max(5000, 625 * 16 CPUs) * 1 (1 Gb/s)
	# The shipped file says 5000, but the kernel holds 1000: sysctl.d was not applied.
	row net.core.netdev_max_backlog | grep -Eq \
	  " 1000 +10000  /usr/lib/sysctl.d/60-nicguard.conf:12 says 5000, not in effect  \(raise\)$"
	[ "$(row net.core.netdev_budget | awk '{print $2, $3, $4}')" = \
	  "600 600 /usr/lib/sysctl.d/60-nicguard.conf:16" ]
	[ "$(row net.core.rmem_default | awk '{print $2, $3}')" = "212992 262144" ]
}

@test "a value an admin raised is never lowered" {
	root=$(copy_fixture sysctl)
	run "$NICGUARD" --root "$root" sysctl
	[ "$status" -eq 0 ]
	[ "$(row net.core.wmem_max | awk '{print $2, $3, $4}')" = \
	  "33554432 33554432 /etc/sysctl.d/90-admin.conf:2" ]
	run "$NICGUARD" --root "$root" sysctl --write
	! grep -q wmem_max "$root/etc/sysctl.d/61-nicguard-local.conf"
}

@test "a faster link and more CPUs raise what is needed" {
	root=$(copy_fixture sysctl)
	echo 25000 >"$root/sys/devices/pci0000:00/0000:00:1f.6/net/eno1/speed"
	echo 0-63 >"$root/sys/devices/system/cpu/online"
	run "$NICGUARD" --root "$root" sysctl --check
	echo "$output"
	# max(5000, 625 * 64) * 25 = 1000000, capped at 250000
	[ "$(row net.core.netdev_max_backlog | awk '{print $3}')" = 250000 ]
	[ "$(row net.core.netdev_budget | awk '{print $3}')" = 1200 ]
	# 25 Gb/s for 10 ms is 31.25 MB: the next power of two is 32 MiB
	[ "$(row net.core.rmem_max | awk '{print $3}')" = 33554432 ]
	[ "$(row net.core.wmem_max | awk '{print $3}')" = 33554432 ]
}

@test "nothing is written without --write; --write writes only what must rise" {
	root=$(copy_fixture sysctl)
	run "$NICGUARD" --root "$root" sysctl --check
	[ ! -e "$root/etc/sysctl.d/61-nicguard-local.conf" ]
	run "$NICGUARD" --root "$root" sysctl --write
	echo "$output"
	[ "$status" -eq 0 ]
	f=$root/etc/sysctl.d/61-nicguard-local.conf
	[ "$(head -1 "$f")" = "# Written by nicguard. Changes here are overwritten; edit the policy instead." ]
	[ "$(grep -v '^#' "$f" | grep .)" = "net.core.netdev_max_backlog = 10000
net.core.rmem_default = 262144
net.core.wmem_default = 262144" ]
	# Its own file it rewrites; somebody else's it leaves alone.
	run "$NICGUARD" --root "$root" sysctl --write
	[ "$status" -eq 0 ]
	echo "net.core.netdev_max_backlog = 2000" >"$f"
	run "$NICGUARD" --root "$root" sysctl --write
	[ "$status" -eq 1 ]
	[ "$(cat "$f")" = "net.core.netdev_max_backlog = 2000" ]
}

@test "sysctl.d order: /etc hides a file of the same name in /usr/lib; later names win" {
	root=$(copy_fixture sysctl)
	printf 'net.core.netdev_budget = 700\n' >"$root/etc/sysctl.d/60-nicguard.conf"
	printf -- '-net/core/rmem_max = 1\n' >"$root/etc/sysctl.d/99-late.conf"
	run "$NICGUARD" --root "$root" sysctl
	[ "$(row net.core.netdev_budget | awk '{print $4}')" = /etc/sysctl.d/60-nicguard.conf:1 ]
	[ "$(row net.core.rmem_max | awk '{print $4}')" = /etc/sysctl.d/99-late.conf:1 ]
}

@test "a higher value from a file sorting before the shipped one: shown, and --write puts it back" {
	root=$(copy_fixture sysctl)
	# systemd-sysctl applied 50-tuning.conf, then 60-nicguard.conf over it: the kernel holds
	# the shipped 16 MiB, not the admin's 64 MiB.
	printf 'net.core.rmem_max = 67108864\n' >"$root/etc/sysctl.d/50-tuning.conf"
	run "$NICGUARD" --root "$root" sysctl --check
	echo "$output"
	[ "$status" -eq 0 ]
	row net.core.rmem_max | grep -Eq \
		" 16777216 +67108864  /usr/lib/sysctl.d/60-nicguard.conf:[0-9]+  \(raise\)$"
	[[ $output == *"^ lowered 67108864 from /etc/sysctl.d/50-tuning.conf:1: --write puts it back"* ]]

	run "$NICGUARD" --root "$root" sysctl --write
	[ "$status" -eq 0 ]
	f=$root/etc/sysctl.d/61-nicguard-local.conf
	cat "$f"
	grep -qx "net.core.rmem_max = 67108864" "$f"
	grep -q "^# /etc/sysctl.d/50-tuning.conf:1 set 67108864; nicguard's shipped file" "$f"

	# A file after the shipped one decides again: nothing to put back. So does an admin's
	# own 60-nicguard.conf in /etc, which hides the shipped one.
	printf 'net.core.rmem_max = 8388608\n' >"$root/etc/sysctl.d/99-late.conf"
	run "$NICGUARD" --root "$root" sysctl --check
	[[ $output != *"lowered"* ]]
	rm "$root/etc/sysctl.d/99-late.conf"
	printf 'net.core.rmem_max = 4194304\n' >"$root/etc/sysctl.d/60-nicguard.conf"
	run "$NICGUARD" --root "$root" sysctl --check
	[[ $output != *"lowered"* ]]
}

@test "the shipped sysctl.d file parses: every line a comment or a known key" {
	run grep -Ev '^(#|$|net\.core\.(netdev_max_backlog|netdev_budget|[rw]mem_(default|max)) = [0-9]+$)' \
		"$NG_TOP/sysctl.d/60-nicguard.conf"
	[ "$status" -eq 1 ]
	grep -q "^net.core.netdev_max_backlog = 5000$" "$NG_TOP/sysctl.d/60-nicguard.conf"
}
