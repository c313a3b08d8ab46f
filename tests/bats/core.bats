#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# core.bats: the admin CLI against real veth devices, with the real `ethtool -k` as witness.

load ../helpers

setup() {
	ng_ns_setup
	# veth starts with GRO off: turn it on on both ends, so turning it off is real work.
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	ng_ns_exec "$ETHTOOL" -K ngt1 gro on
}

teardown() {
	ng_ns_teardown
}

# Every offload feature `tso off gso off gro off` must turn off on ngt0.
assert_tso_gso_gro() { # STATE
	local f n=0
	for f in $(ng_feature_names "$NG_NS" ngt0 'tx-tcp*-segmentation'); do
		[ "$(ng_feature "$NG_NS" ngt0 "$f")" = "$1" ] || {
			echo "$f is not $1"
			return 1
		}
		n=$((n + 1))
	done
	# tcp, tcp-ecn, tcp-mangleid, tcp6 at least: tso is the whole group, not one feature.
	[ "$n" -ge 4 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = "$1" ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = "$1" ]
}

tso_gso_gro_conf() {
	ng_conf <<-EOF
		[interface ngt0]
		offload = tso off gso off gro off
	EOF
}

@test "apply turns every tx-tcp*-segmentation, gso and gro off on ngt0 and leaves ngt1 alone" {
	tso_gso_gro_conf
	assert_tso_gso_gro on
	ng_features "$NG_NS" ngt1 >"$BATS_TEST_TMPDIR/ngt1.before"

	run ng_nicguard -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0 tso off: changed (was on) [$NG_CONF:2]"* ]]
	[[ $output == *"ngt0 gso off: changed (was on) [$NG_CONF:2]"* ]]
	[[ $output == *"ngt0 gro off: changed (was on) [$NG_CONF:2]"* ]]
	[ "${#lines[@]}" -eq 3 ]

	assert_tso_gso_gro off
	ng_features "$NG_NS" ngt1 | diff "$BATS_TEST_TMPDIR/ngt1.before" -
}

@test "a second apply reports every setting as already and exits 0" {
	tso_gso_gro_conf
	run ng_nicguard -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]

	run ng_nicguard -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	for line in "${lines[@]}"; do
		[[ $line == "ngt0 "*" off: already [$NG_CONF:2]" ]]
	done
	assert_tso_gso_gro off
}

@test "status --json parses with jq, shows the facts and no drift after apply" {
	tso_gso_gro_conf
	run ng_nicguard -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]

	run ng_nicguard -c "$NG_CONF" status --json ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq -r '.interfaces | length' <<<"$output")" = 1 ]
	[ "$(jq -r '.interfaces[0].name' <<<"$output")" = ngt0 ]
	[ "$(jq -r '.interfaces[0].driver' <<<"$output")" = veth ]
	[ "$(jq -r '.interfaces[0].kind' <<<"$output")" = veth ]
	[ "$(jq -r '.interfaces[0].pci' <<<"$output")" = null ]
	[ "$(jq -r '.interfaces[0].ifindex | type' <<<"$output")" = number ]
	[ "$(jq -r '[.interfaces[0].settings[].setting] | sort | join(",")' <<<"$output")" = \
		gro,gso,tso ]
	[ "$(jq '[.interfaces[].settings[] | select(.drift)] | length' <<<"$output")" = 0 ]
	[ "$(jq '[.interfaces[].settings[] | select(.actual != .want)] | length' \
		<<<"$output")" = 0 ]
	[ "$(jq -r '.interfaces[0].settings[0].origin' <<<"$output")" = "$NG_CONF:2" ]
}

@test "status shows drift when a feature comes back on behind nicguard's back" {
	tso_gso_gro_conf
	run ng_nicguard -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]
	ng_ns_exec "$ETHTOOL" -K ngt0 gso on

	run ng_nicguard -c "$NG_CONF" status --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.interfaces[] | select(.drift) | .name] | join(",")' <<<"$output")" = ngt0 ]
	[ "$(jq -r '.interfaces[] | select(.name == "ngt0") | .settings[] | select(.drift) |
		"\(.setting) \(.want) \(.actual)"' <<<"$output")" = "gso off on" ]

	run ng_nicguard -c "$NG_CONF" status ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "ngt0: ifindex "*", kind veth, driver veth, "* ]]
	[[ $output == *"gso off"*"actual on"*"DRIFT [$NG_CONF:2]"* ]]
	[[ $output == *"tso off"*"actual off"*"ok [$NG_CONF:2]"* ]]
	# status only compares: gso is still on.
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = on ]
}

@test "link settings on veth are unsupported, exit 1, and change nothing else" {
	ng_conf <<-EOF
		[interface ngt0]
		link = speed 100 duplex full autoneg off
	EOF
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/ngt0.before"
	ng_features "$NG_NS" ngt1 >"$BATS_TEST_TMPDIR/ngt1.before"

	run ng_nicguard -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0 speed 100: unsupported: "*"Operation not supported"*"[$NG_CONF:2]"* ]]
	# veth reads as full duplex with autoneg off: those may be `already`, never changed.
	[ "${#lines[@]}" -eq 3 ]
	for line in "${lines[@]}"; do
		[[ $line == *": unsupported: "* || $line == *": already ["* ]]
	done

	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/ngt0.before" -
	ng_features "$NG_NS" ngt1 | diff "$BATS_TEST_TMPDIR/ngt1.before" -
}

# The rps_cpus masks of ngq0's rx queues as numbers, space-separated.
rps_queues() {
	local q m out=""
	for q in 0 1 2 3; do
		m=$(ng_ns_exec cat "/sys/class/net/ngq0/queues/rx-$q/rps_cpus")
		out+="$((16#${m//,/})) "
	done
	echo "${out% }"
}

@test "rps with one value per rx queue sets each queue's own mask; a wrong count sets none" {
	ip -n "$NG_NS" link add name ngq0 numrxqueues 4 type veth peer name ngq1 numrxqueues 4
	ng_conf <<-EOF
		[interface ngq0]
		rps = 1 2 0-1 none
	EOF
	run ng_nicguard -c "$NG_CONF" apply ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngq0 rps 1 2 3 0: changed (was 0) [$NG_CONF:2]"* ]]
	[ "$(rps_queues)" = "1 2 3 0" ]

	run ng_nicguard -c "$NG_CONF" apply ngq0
	echo "$output"
	[[ $output == *"ngq0 rps 1 2 3 0: already [$NG_CONF:2]"* ]]

	# Two masks for four queues: refused as a whole, nothing written.
	ng_conf <<-EOF
		[interface ngq0]
		rps = 3 3
	EOF
	run ng_nicguard -c "$NG_CONF" apply ngq0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngq0 rps 3 3: failed: Invalid argument (2 masks for 4 rx queues) [$NG_CONF:2]"* ]]
	[ "$(rps_queues)" = "1 2 3 0" ]
}

@test "a config with a typo exits 2 with FILE:LINE messages and changes no interface" {
	# The first section is valid: it must not be applied either.
	ng_conf <<-EOF
		[interface ngt0]
		offload = tso off gso off gro off

		[interface ngt1]
		offload = tos off
		oflload = gso off
	EOF
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/ngt0.before"
	ng_features "$NG_NS" ngt1 >"$BATS_TEST_TMPDIR/ngt1.before"

	for cmd in "apply" "apply ngt0" "apply --dry-run" "status" "check" "explain ngt0"; do
		# shellcheck disable=SC2086 # word splitting of cmd is meant
		run ng_nicguard -c "$NG_CONF" $cmd
		echo "$cmd: $output"
		[ "$status" -eq 2 ]
		[[ $output == *"$NG_CONF:5: "*tos* ]]
		[[ $output == *"$NG_CONF:6: "*oflload* ]]
		[[ $output != *"changed"* ]]
	done

	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/ngt0.before" -
	ng_features "$NG_NS" ngt1 | diff "$BATS_TEST_TMPDIR/ngt1.before" -
}

@test "apply --dry-run prints what would change and changes nothing" {
	tso_gso_gro_conf
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/ngt0.before"

	run ng_nicguard -c "$NG_CONF" apply --dry-run ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0 tso off: would change (now on) [$NG_CONF:2]"* ]]
	[[ $output == *"ngt0 gro off: would change (now on) [$NG_CONF:2]"* ]]
	[[ $output != *"changed"* ]]

	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/ngt0.before" -
	assert_tso_gso_gro on
}

@test "apply without names works on every interface the policy matches, and only those" {
	ng_conf <<-EOF
		[interface ngt1]
		offload = gro off
	EOF
	run ng_nicguard -c "$NG_CONF" apply
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "ngt1 gro off: changed (was on) [$NG_CONF:2]" ]
	[ "$(ng_feature "$NG_NS" ngt1 rx-gro)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]

	ng_conf <<-EOF
		[interface ngt*]
		offload = gro off
	EOF
	run ng_nicguard -c "$NG_CONF" apply
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ngt0 gro off: changed (was on) [$NG_CONF:2]" ]
	[ "${lines[1]}" = "ngt1 gro off: already [$NG_CONF:2]" ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
}

@test "skip = yes keeps an interface out of apply" {
	ng_conf <<-EOF
		[interface ngt*]
		offload = gro off

		[interface ngt1]
		skip = yes
	EOF
	run ng_nicguard -c "$NG_CONF" apply
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "ngt0 gro off: changed (was on) [$NG_CONF:2]" ]
	[ "$(ng_feature "$NG_NS" ngt1 rx-gro)" = on ]
}

@test "explain shows the matching sections and where each resolved value comes from" {
	ng_conf <<-EOF
		[interface ngt*]
		offload = tso off gso off

		[interface ngt0]
		offload = tso on
		backup-offload = sg off
	EOF
	run ng_nicguard -c "$NG_CONF" explain ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "ngt0: ifindex "*", kind veth, driver veth, "* ]]
	[[ $output == *"[interface ngt*]"*"$NG_CONF:1"* ]]
	[[ $output == *"[interface ngt0]"*"$NG_CONF:4"* ]]
	# The more specific exact name wins for tso; gso comes from the glob section.
	[[ $output == *"offload = tso on"*"$NG_CONF:5"* ]]
	[[ $output == *"offload = gso off"*"$NG_CONF:2"* ]]
	[[ $output != *"offload = tso off"* ]]
	[[ $output == *"backup settings:"*"backup-offload = sg off"*"$NG_CONF:6"* ]]
	[[ $output == *"watch settings: none"* ]]

	run ng_nicguard -c "$NG_CONF" explain ngt1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"[interface ngt*]"*"$NG_CONF:1"* ]]
	[[ $output != *"[interface ngt0]"* ]]
	[[ $output == *"offload = tso off"*"$NG_CONF:2"* ]]
	[[ $output == *"backup settings: none"* ]]
}

@test "bad interface names are usage errors (exit 2); a missing interface fails (exit 1)" {
	tso_gso_gro_conf
	# shellcheck disable=SC2016 # '$(id)' is a literal name that must never run
	for name in 'eth0;reboot' '../x' 'a/b' '' 'abcdefghijklmnop' 'x y' '$(id)'; do
		for cmd in apply "apply --dry-run" status explain; do
			# shellcheck disable=SC2086 # word splitting of cmd is meant
			run ng_nicguard -c "$NG_CONF" $cmd "$name"
			echo "$cmd '$name': $output"
			[ "$status" -eq 2 ]
			[[ $output == *"invalid interface name"* ]]
		done
	done
	assert_tso_gso_gro on

	run ng_nicguard -c "$NG_CONF" apply nosuch0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"nosuch0: no such interface"* ]]

	# The interfaces that exist are still worked on.
	run ng_nicguard -c "$NG_CONF" apply nosuch0 ngt0
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0 tso off: changed"* ]]

	run ng_nicguard -c "$NG_CONF" explain nosuch0
	[ "$status" -eq 1 ]
}

@test "check prints one OK line for a valid policy" {
	tso_gso_gro_conf
	run "$NICGUARD" -c "$NG_CONF" check
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "OK: 1 sections from $NG_CONF" ]
}

@test "usage errors exit 2; --help and --version exit 0" {
	run "$NICGUARD"
	[ "$status" -eq 2 ]
	run "$NICGUARD" frobnicate
	[ "$status" -eq 2 ]
	[[ $output == *'unknown command "frobnicate"'* ]]
	run "$NICGUARD" --bogus check
	[ "$status" -eq 2 ]
	run "$NICGUARD" check --bogus
	[ "$status" -eq 2 ]
	run "$NICGUARD" check extra
	[ "$status" -eq 2 ]
	run "$NICGUARD" explain
	[ "$status" -eq 2 ]
	run "$NICGUARD" -c "$BATS_TEST_TMPDIR/missing.conf" check
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"missing.conf"* ]]

	run "$NICGUARD" --version
	[ "$status" -eq 0 ]
	[[ $output == "nicguard "* ]]
	run "$NICGUARD" --help
	[ "$status" -eq 0 ]
	for cmd in apply status check explain; do
		[[ $output == *"  $cmd "* ]]
		run "$NICGUARD" "$cmd" --help
		[ "$status" -eq 0 ]
		for part in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do
			[[ $output == *"$part"* ]]
		done
		run "$NICGUARD" --help
	done
}

# A root for --root whose sys is the namespace's own (inside `ip netns exec`); the policy
# comes from stdin. Prints the root.
live_root() {
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/etc/nicguard" "$root/run/nicguard"
	ln -sfn /sys "$root/sys"
	cat >"$root/etc/nicguard/nicguard.conf"
	echo "$root"
}

@test "status shows the layers in force and nicguard-watch's recent events for the interface" {
	root=$(live_root <<-'EOF'
	[interface ngt0]
	offload = tso off
	backup-offload = gso off
	EOF
	)
	marker="# Written by nicguard. Changes here are overwritten; edit the policy instead."
	printf '%s\nngt0 offload tx-generic-segmentation on\n' "$marker" \
		>"$root/run/nicguard/backup-state"
	printf '%s\n1763900000\te1000e-hang\tngt0\tbounce\tlink bounced\n%s\n' "$marker" \
		"1763900001	virtio-not-a-head	ngt1	log	logged" >"$root/run/nicguard/watch-events"
	run ng_ns_exec "$NICGUARD" --root "$root" status ngt0
	[ "$status" -eq 0 ]
	[[ $output == *"backup window open: backup-* settings in force until job-end"* ]]
	# Drift is measured against what the window holds: gso off is wanted now.
	[[ $output == *"gso off"*"DRIFT"* ]]
	[[ $output == *"watch "*" e1000e-hang: bounce: link bounced"* ]]
	[[ $output != *"virtio-not-a-head"* ]]
	run ng_ns_exec "$NICGUARD" --root "$root" status --json ngt0
	[ "$status" -eq 0 ]
	[ "$(jq -r '.interfaces[0].backup_window' <<<"$output")" = true ]
	[ "$(jq -r '.interfaces[0].escalated' <<<"$output")" = false ]
	[ "$(jq -r '.interfaces[0].watch_events[0].signature' <<<"$output")" = e1000e-hang ]
	[ "$(jq -r '.interfaces[0].watch_events | length' <<<"$output")" = 1 ]
}

@test "apply during an open backup window keeps the uplink's backup settings, not only the policy" {
	root=$(live_root <<-'EOF'
	[interface ngt0]
	offload = tso off
	backup-offload = gso off
	EOF
	)
	printf '%s\nngt0 offload tx-generic-segmentation on\n' \
		"# Written by nicguard. Changes here are overwritten; edit the policy instead." \
		>"$root/run/nicguard/backup-state"
	run ng_ns_exec "$NICGUARD" --root "$root" apply ngt0
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0: backup window open"* ]]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = off ]
}

# The facts come from one rtnetlink dump: they must say what iproute2 and ethtool say.
@test "status --json facts match ip -d -j link and ethtool -i: bridge, veth, tap, vlan" {
	ip -n "$NG_NS" link add name ngbr0 type bridge
	ip -n "$NG_NS" link add name ngv0 type veth peer name ngv1
	ip -n "$NG_NS" link set ngv0 master ngbr0
	ng_ns_exec ip tuntap add name ngtap0 mode tap
	ip -n "$NG_NS" link set ngtap0 master ngbr0
	# 8021q is a module not every kernel has: the vlan joins in when the kernel makes one.
	kinds=bridge,tap,veth
	if ip -n "$NG_NS" link add link ngt1 name ngt1.5 type vlan id 5; then
		kinds=$kinds,vlan
	fi
	ng_conf </dev/null

	run ng_nicguard -c "$NG_CONF" status --json
	echo "$output"
	[ "$status" -eq 0 ]
	ours=$(jq -cS '[.interfaces[] | {name, ifindex, kind, driver, master, mac}] |
		sort_by(.name)' <<<"$output")

	links=$(ip -n "$NG_NS" -d -j link show)
	drivers='{}'
	for ifname in $(jq -r '.[].ifname | select(. != "lo")' <<<"$links"); do
		driver=$(ng_ns_exec "$ETHTOOL" -i "$ifname" | sed -n 's/^driver: //p')
		drivers=$(jq -c --arg i "$ifname" --arg d "$driver" '. + {($i): $d}' <<<"$drivers")
	done
	theirs=$(jq -cS --argjson drv "$drivers" '[.[] | select(.ifname != "lo") | {
		name: .ifname, ifindex, mac: (.address // null), master: (.master // null),
		driver: $drv[.ifname],
		kind: (.linkinfo.info_kind as $k |
		       if $k == "tun" then .linkinfo.info_data.type else $k end)
		}] | sort_by(.name)' <<<"$links")
	echo "nicguard: $ours"
	echo "iproute2: $theirs"
	[ "$ours" = "$theirs" ]
	# Every kind asked for is there, the ports name their bridge.
	[ "$(jq -r '[.[] | .kind] | unique | join(",")' <<<"$ours")" = "$kinds" ]
	[ "$(jq -r '[.[] | select(.master == "ngbr0") | .name] | join(",")' <<<"$ours")" = \
		ngtap0,ngv0 ]
	[ "$(jq 'length' <<<"$ours")" -ge 6 ]
}
