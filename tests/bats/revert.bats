#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `nicguard revert` on real veth devices in a test namespace, with `ethtool -k` as witness:
# change, re-create the device (what a reboot does to it), apply again, revert, compare.
# The root's sys and proc are the kernel's (inside `ip netns exec`: the namespace's), its
# /var/lib is the test's, so the records never touch the machine's.

bats_require_minimum_version 1.5.0

load ../helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ng_ns_setup
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT/etc/nicguard" "$ROOT/var/lib" "$ROOT/run"
	ln -s /sys "$ROOT/sys"
	ln -s /proc "$ROOT/proc"
	RECORD=$ROOT/var/lib/nicguard/revert/name-ngt0
	cat >"$ROOT/etc/nicguard/nicguard.conf" <<-EOF
		[interface ngt0]
		offload = tso off gso off gro off
		rps = 1
	EOF
}

teardown() {
	ng_ns_teardown
}

ng() {
	ng_nicguard --root "$ROOT" "$@"
}

# What a reboot does to a software device: it goes, and comes back under its name (and
# here its MAC) with the kernel's defaults.
recreate() {
	local mac
	mac=$(cat "/sys/class/net/ngt0/address" 2>/dev/null || ng_ns_exec cat /sys/class/net/ngt0/address)
	ip -n "$NG_NS" link del ngt0
	ip -n "$NG_NS" link add name ngt0 address "$mac" type veth peer name ngt1
	ip -n "$NG_NS" link set ngt0 up
	ip -n "$NG_NS" link set ngt1 up
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
}

rps_of() {
	ng_ns_exec cat /sys/class/net/ngt0/queues/rx-0/rps_cpus
}

@test "change, re-create the device, apply again, revert: ethtool -k and rps_cpus as before" {
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/before"
	rps_before=$(rps_of)
	run ng apply ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	head -1 "$RECORD" | grep -qx '# Written by nicguard. Changes here are overwritten; edit the policy instead.'
	grep -qx 'name ngt0' "$RECORD"
	grep -q '^offload .*tx-tcp-segmentation on.* rx-gro on' "$RECORD"
	grep -qx "rps $rps_before" "$RECORD"
	[ "$(stat -c %a "$RECORD")" = 644 ]
	cp "$RECORD" "$BATS_TEST_TMPDIR/record"

	recreate
	run ng apply ngt0
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	# The first values stay: the second apply recorded nothing new.
	cmp "$RECORD" "$BATS_TEST_TMPDIR/record"

	run ng revert ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0 rx-gro on: changed (was off) [/var/lib/nicguard/revert/name-ngt0:"* ]]
	[[ $output == *"ngt0 tx-tcp-segmentation on: changed (was off)"* ]]
	[[ $output == *"the policy still holds"* ]]
	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/before" -
	[ "$(rps_of)" = "$rps_before" ]
	[ ! -e "$RECORD" ]

	run ng revert ngt0
	[ "$status" -eq 0 ]
	[ "$output" = "ngt0: nothing recorded (nicguard never changed it, or it was reverted)" ]
}

@test "the first value wins: a change by hand between two applies is not recorded" {
	run ng apply ngt0
	[ "$status" -eq 0 ]
	cp "$RECORD" "$BATS_TEST_TMPDIR/record"
	# Someone turns gro on by hand; nicguard turns it off again.
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	run ng apply ngt0
	[[ $output == *"ngt0 gro off: changed (was on)"* ]]
	cmp "$RECORD" "$BATS_TEST_TMPDIR/record"
}

@test "--dry-run changes nothing and keeps the record; a pass-through line is listed, not run" {
	echo 'ethtool = --set-priv-flags {} nosuch off' >>"$ROOT/etc/nicguard/nicguard.conf"
	run ng apply ngt0
	echo "$output"
	grep -qx 'ethtool --set-priv-flags {} nosuch off' "$RECORD"
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/applied"
	run ng revert --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0 rx-gro on: would change (now off)"* ]]
	[[ $output == *"ngt0 ethtool --set-priv-flags {} nosuch off: not reverted: a pass-through nicguard ran, undo it by hand [/var/lib/nicguard/revert/name-ngt0:"* ]]
	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/applied" -
	[ -e "$RECORD" ]
}

@test "revert without names: every present device; a record of an absent one is listed and kept" {
	run ng apply ngt0
	ip -n "$NG_NS" link del ngt0
	run ng revert
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "record name-ngt0 (last seen as ngt0): no such device now; kept" ]
	[ -e "$RECORD" ]
	run ng revert ngt0
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0: no such interface"* ]]
	run ng revert 'ngt0;reboot'
	[ "$status" -eq 2 ]
}

@test "on the live root, a device of another network namespace is never recorded" {
	before=$(ls /var/lib/nicguard/revert 2>/dev/null | sort)
	run ng_nicguard -c "$ROOT/etc/nicguard/nicguard.conf" apply ngt0
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	[ "$(ls /var/lib/nicguard/revert 2>/dev/null | sort)" = "$before" ]
}
