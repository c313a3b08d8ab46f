#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The if-up.d script under the real classic ifupdown and the real ifupdown2 (Debian packages,
# extracted side by side), bringing up veths in a test namespace from the test's own
# interfaces file, /etc/network and state: never the host's. ethtool is the witness.

load ../wiring

setup_file() {
	ng_ifupdown_pkgs
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ng_ns_setup
	# veth starts with gro off: turn it on so "gro off" is a visible change.
	ng_ns_exec "$ETHTOOL" -K ngt0 tso on gso on gro on
	ip -n "$NG_NS" link set ngt0 down
	ROOT=$(ng_live_root </dev/null)
	ng_etc_network "$ROOT" >/dev/null
	LOG=$BATS_TEST_TMPDIR/syslog
}

teardown() {
	ng_ns_teardown
}

interfaces() {
	cat >"$BATS_TEST_TMPDIR/interfaces"
}

offloads() {
	echo "tso=$(ng_feature "$NG_NS" "$1" tx-tcp-segmentation)" \
	     "tso6=$(ng_feature "$NG_NS" "$1" tx-tcp6-segmentation)" \
	     "gso=$(ng_feature "$NG_NS" "$1" tx-generic-segmentation)" \
	     "gro=$(ng_feature "$NG_NS" "$1" rx-gro)"
}

@test "classic ifupdown: nicguard-offload tso off gso off gro off is applied after ifup" {
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-offload tso off gso off gro off
	EOF
	run ng_classic_ifup "$LOG" ngt0
	[ "$status" -eq 0 ]
	run offloads ngt0
	[ "$output" = "tso=off tso6=off gso=off gro=off" ]
	grep -q "nicguard.*ifupdown: ngt0: tso off: changed (was on)" "$LOG"
}

@test "ifupdown2: nicguard-offload tso off gso off gro off is applied after ifup" {
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-offload tso off gso off gro off
	EOF
	run ng_ifupdown2_ifup "$LOG" ngt0
	[ "$status" -eq 0 ]
	run offloads ngt0
	[ "$output" = "tso=off tso6=off gso=off gro=off" ]
	grep -q "nicguard.*ifupdown: ngt0: gro off: changed (was on)" "$LOG"
}

@test "classic ifupdown: a repeated key arrives newline-joined and every value counts" {
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-offload tso off gso off
		nicguard-offload gro off
	EOF
	run ng_classic_ifup "$LOG" ngt0
	[ "$status" -eq 0 ]
	run offloads ngt0
	[ "$output" = "tso=off tso6=off gso=off gro=off" ]
}

@test "ifupdown2: only the first value of a repeated key arrives (reference §8)" {
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-offload tso off gso off
		nicguard-offload gro off
	EOF
	run ng_ifupdown2_ifup "$LOG" ngt0
	[ "$status" -eq 0 ]
	run offloads ngt0
	[ "$output" = "tso=off tso6=off gso=off gro=on" ]
}

@test "a broken stanza value does not make ifup fail, is logged, and the other keys apply" {
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-offload tso maybe
		nicguard-rps all
	EOF
	for ifup in ng_classic_ifup ng_ifupdown2_ifup; do
		ip -n "$NG_NS" link set ngt0 down
		ng_ns_exec sh -c 'echo 0 >/sys/class/net/ngt0/queues/rx-0/rps_cpus'
		run "$ifup" "$LOG" ngt0
		echo "$ifup: $output"
		[ "$status" -eq 0 ]
		ip -n "$NG_NS" link show ngt0 | grep -q "state UP\|,UP"
		grep -q 'nicguard.*ngt0: nicguard-offload "tso maybe": .*ignored' "$LOG"
		run ng_ns_exec cat /sys/class/net/ngt0/queues/rx-0/rps_cpus
		[ "$(printf '%d' "0x$output")" -ne 0 ]
		[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = on ]
	done
}

@test "stanza keys merge over the policy and win where both speak" {
	cat >"$ROOT/etc/nicguard/nicguard.conf" <<-'EOF'
	[interface ngt0]
	offload = tso off gso off gro off
	EOF
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-offload gso on
	EOF
	run ng_ifupdown2_ifup "$LOG" ngt0
	[ "$status" -eq 0 ]
	run offloads ngt0
	[ "$output" = "tso=off tso6=off gso=on gro=off" ]
}

@test "nicguard-skip yes leaves the interface alone, whatever the policy says" {
	cat >"$ROOT/etc/nicguard/nicguard.conf" <<-'EOF'
	[interface ngt0]
	offload = tso off
	EOF
	interfaces <<-'EOF'
	iface ngt0 inet manual
		nicguard-skip yes
	EOF
	run ng_classic_ifup "$LOG" ngt0
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = on ]
	grep -q "ngt0: skip = yes" "$LOG"
}

@test "ifupdown2: keys on a bridge stanza work (its own ethtool addon ignores them)" {
	interfaces <<-'EOF'
	auto ngbr0
	iface ngbr0 inet manual
		bridge-ports ngt0
		bridge-stp off
		nicguard-offload tso off gso off
		nicguard-rps all
	EOF
	run ng_ifupdown2_ifup "$LOG" ngbr0
	echo "$output"
	[ "$status" -eq 0 ]
	ng_ns_exec test -d /sys/class/net/ngbr0/bridge
	[ "$(ng_feature "$NG_NS" ngbr0 tx-generic-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngbr0 tx-tcp-segmentation)" = off ]
	# rps = all: every CPU of this machine, as the kernel prints the mask.
	run ng_ns_exec cat /sys/class/net/ngbr0/queues/rx-0/rps_cpus
	[ "$(printf '%d' "0x${output//,/}")" -eq $(((1 << $(nproc --all)) - 1)) ]
}

@test "the script exits 0 and does nothing outside post-up/up, for lo and for --all" {
	for env in "PHASE=pre-up MODE=start IFACE=ngt0" "PHASE=post-up MODE=start IFACE=lo" \
		   "PHASE=post-up MODE=start IFACE=--all" "PHASE=post-down MODE=stop IFACE=ngt0"; do
		run ng_ns_exec env -i $env IF_NICGUARD_OFFLOAD="tso off" \
			NICGUARD_ROOT="$ROOT" "$NG_IFUPDOWN_HELPER"
		[ "$status" -eq 0 ]
		[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = on ]
	done
}

@test "status and explain show stanza values with their /etc/network/interfaces:LINE" {
	mkdir -p "$ROOT/etc/network/interfaces.d"
	printf 'source /etc/network/interfaces.d/*\n' >"$ROOT/etc/network/interfaces"
	cat >"$ROOT/etc/network/interfaces.d/ngt" <<-'EOF'
	# the test veth
	auto ngt0
	iface ngt0 inet manual
		mtu 1500
		nicguard-offload gso off
	EOF
	run ng_nicguard --root "$ROOT" explain ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "offload = gso off +/etc/network/interfaces.d/ngt:5"
	run ng_nicguard --root "$ROOT" status ngt0
	echo "$output"
	echo "$output" | grep -q "/etc/network/interfaces.d/ngt:5"
}
