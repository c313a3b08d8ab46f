#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pause, eee, channels and rfs on real veth devices in a test namespace, with ethtool and
# sysfs as witnesses. veth has channels (rx and tx, up to the queues it was made with) and no
# pause or EEE operations: those are the `unsupported` path. The root's sys is the kernel's
# (inside `ip netns exec`: the namespace's); its proc/sys/net/core/rps_sock_flow_entries is a
# file of the test (only the host's namespace has the real one, and the machine's stays as
# it is), its /var/lib is the test's.

bats_require_minimum_version 1.5.0

load ../helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ng_ns_setup
	# ngq0/ngq1: 4 rx and 4 tx queues each, as a multi-queue port has them.
	ip -n "$NG_NS" link add name ngq0 numrxqueues 4 numtxqueues 4 type veth \
		peer name ngq1 numrxqueues 4 numtxqueues 4
	ip -n "$NG_NS" link set ngq0 up
	ip -n "$NG_NS" link set ngq1 up
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT/etc/nicguard" "$ROOT/var/lib" "$ROOT/run" "$ROOT/proc/sys/net/core"
	ln -s /sys "$ROOT/sys"
	GLOBAL=$ROOT/proc/sys/net/core/rps_sock_flow_entries
	echo 0 >"$GLOBAL"
	CONF=$ROOT/etc/nicguard/nicguard.conf
}

teardown() {
	ng_ns_teardown
}

ng() {
	ng_nicguard --root "$ROOT" "$@"
}

# Current channel count of IF for WHAT (RX, TX, Combined), as `ethtool -l` prints it.
channels() {
	ng_ns_exec "$ETHTOOL" -l "$1" |
		awk -v k="$2:" '/^Current hardware settings/ { cur = 1 } cur && $1 == k { print $2 }'
}

# rps_flow_cnt of every rx queue of IF, in queue order.
flow_cnt() {
	local q out=""
	for q in $(ng_ns_exec ls -v "/sys/class/net/$1/queues" | grep '^rx-'); do
		out+="$(ng_ns_exec cat "/sys/class/net/$1/queues/$q/rps_flow_cnt") "
	done
	echo "${out% }"
}

@test "channels: a 4-queue veth set to 2 rx and 2 tx (ethtool -l witness), then already" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		channels = rx 2 tx 2
	EOF
	[ "$(channels ngq0 RX)" = 4 ]
	run ng apply --dry-run ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngq0 channels rx 2: would change (now 4) [$CONF:2]"* ]]
	[ "$(channels ngq0 RX)" = 4 ]

	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngq0 channels rx 2: changed (was 4) [$CONF:2]"* ]]
	[[ $output == *"ngq0 channels tx 2: changed (was 4) [$CONF:2]"* ]]
	[ "$(channels ngq0 RX)" = 2 ]
	[ "$(channels ngq0 TX)" = 2 ]
	[ "$(channels ngq1 RX)" = 4 ]
	[ "$(ng_ns_exec ls /sys/class/net/ngq0/queues | grep -c '^rx-')" -eq 2 ]

	run ng apply ngq0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == *"channels rx 2: already"* && ${lines[1]} == *"channels tx 2: already"* ]]
}

@test "channels changed behind nicguard's back: drift in status; apply puts it back" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		channels = rx 2 tx 2
	EOF
	run ng apply ngq0
	[ "$status" -eq 0 ]
	ng_ns_exec "$ETHTOOL" -L ngq0 rx 3
	run ng status ngq0
	echo "$output"
	[[ $output == *"channels rx 2"*"actual 3"*"DRIFT"* ]]
	run ng status --json ngq0
	[ "$(jq -r '.interfaces[0].settings[] | select(.key == "channels" and .setting == "rx") |
		"\(.actual) \(.drift)"' <<<"$output")" = "3 true" ]
	run ng apply ngq0
	[ "$status" -eq 0 ]
	[ "$(channels ngq0 RX)" = 2 ]
}

@test "channels beyond the device's maximum: failed with the kernel's reason, nothing changed" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		channels = rx 8
	EOF
	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngq0 channels rx 8: failed: Invalid argument"*"[$CONF:2]"* ]]
	[ "$(channels ngq0 RX)" = 4 ]
}

@test "pause and eee on veth: unsupported (ethtool -a and --show-eee agree), exit 1, nothing else touched" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		pause = autoneg off rx off tx off
		eee = eee off
		offload = gro off
	EOF
	ng_ns_exec "$ETHTOOL" -K ngq0 gro on
	# The witness: ethtool itself gets EOPNOTSUPP on this device.
	run ng_ns_exec "$ETHTOOL" -a ngq0
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not supported"* ]]
	run ng_ns_exec "$ETHTOOL" --show-eee ngq0
	[ "$status" -ne 0 ]
	[[ $output == *"Operation not supported"* ]]

	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngq0 pause autoneg off: unsupported: Operation not supported [$CONF:2]"* ]]
	[[ $output == *"ngq0 pause rx off: unsupported: "* ]]
	[[ $output == *"ngq0 pause tx off: unsupported: "* ]]
	[[ $output == *"ngq0 eee off: unsupported: Operation not supported [$CONF:3]"* ]]
	[[ $output == *"ngq0 gro off: changed"* ]]
	[ "$(ng_feature "$NG_NS" ngq0 rx-gro)" = off ]
	# Unsupported is no drift: status says it and exits as usual.
	run ng status --json ngq0
	[ "$(jq '[.interfaces[0].settings[] | select(.drift)] | length' <<<"$output")" -eq 0 ]
	[ "$(jq -r '.interfaces[0].settings[] | select(.key == "pause" and .setting == "autoneg") | .outcome' <<<"$output")" = unsupported ]
	# Nothing recorded for revert of what was not changed.
	! grep -q '^pause\|^eee' "$ROOT/var/lib/nicguard/revert/name-ngq0"
}

@test "rfs on a 4-queue veth: the global table raised, each queue entries / 4 (sysfs witness)" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		rfs = 32768
	EOF
	[ "$(flow_cnt ngq0)" = "0 0 0 0" ]
	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngq0 rfs 32768: changed (was 0, rps_flow_cnt 0) [$CONF:2]"* ]]
	[ "$(cat "$GLOBAL")" = 32768 ]
	[ "$(flow_cnt ngq0)" = "8192 8192 8192 8192" ]
	[ "$(flow_cnt ngq1)" = "0 0 0 0" ]
	run ng apply ngq0
	[ "$status" -eq 0 ]
	[[ $output == *"ngq0 rfs 32768: already"* ]]
	run ng status ngq0
	[[ $output == *"rfs 32768"*"actual 32768, rps_flow_cnt 8192 ok"* ]]
}

@test "rfs never lowers an admin's larger rps_sock_flow_entries, and raises a smaller one" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		rfs = 32768
	EOF
	echo 131072 >"$GLOBAL"
	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$GLOBAL")" = 131072 ]
	[ "$(flow_cnt ngq0)" = "8192 8192 8192 8192" ]
	run ng apply --dry-run ngq0
	[[ $output == *"ngq0 rfs 32768: already"* ]]
	run ng explain ngq0
	echo "$output"

	echo 4096 >"$GLOBAL"
	run ng apply --dry-run ngq0
	[[ $output == *"ngq0 rfs 32768: would change (now 4096, rps_flow_cnt 8192)"* ]]
	run ng apply ngq0
	[ "$status" -eq 0 ]
	[ "$(cat "$GLOBAL")" = 32768 ]
}

@test "rfs outside the host's network namespace: failed, and said why" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		rfs = 32768
	EOF
	# No root: the real /proc, where this test's namespace has no rps_sock_flow_entries.
	run ng_nicguard -c "$CONF" apply ngq0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngq0 rfs 32768: failed: No such file or directory (no net.core.rps_sock_flow_entries here: only the host's network namespace has it)"* ]]
	[ "$(flow_cnt ngq0)" = "0 0 0 0" ]
}

@test "channels, rps and rfs in one policy: one apply gives the new queues their masks and counts" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		rps = 1
		rfs = 32768
		channels = rx 2 tx 2
	EOF
	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(channels ngq0 RX)" = 2 ]
	[ "$(flow_cnt ngq0)" = "16384 16384" ]
	for q in 0 1; do
		[ "$(ng_ns_exec cat /sys/class/net/ngq0/queues/rx-$q/rps_cpus)" = 1 ]
	done
	# More channels: the new queues get theirs in the same run.
	sed -i 's/rx 2 tx 2/rx 4 tx 4/' "$CONF"
	run ng apply ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ngq0 rps 1: changed"* && $output == *"ngq0 rfs 32768: changed"* ]]
	[ "$(flow_cnt ngq0)" = "8192 8192 8192 8192" ]
	for q in 0 1 2 3; do
		[ "$(ng_ns_exec cat /sys/class/net/ngq0/queues/rx-$q/rps_cpus)" = 1 ]
	done
	run ng apply ngq0
	[ "$status" -eq 0 ]
	[ "$(grep -c ': already \[' <<<"$output")" -eq 4 ]
}

@test "revert puts channels, each queue's rps_cpus and rps_flow_cnt back; the shared rps_sock_flow_entries stays" {
	cat >"$CONF" <<-EOF
		[interface ngq0]
		channels = rx 2 tx 2
		rps = 1
		rfs = 4096
	EOF
	ng_ns_exec sh -c 'echo 2 >/sys/class/net/ngq0/queues/rx-3/rps_cpus'
	run ng apply ngq0
	[ "$status" -eq 0 ]
	record=$ROOT/var/lib/nicguard/revert/name-ngq0
	cat "$record"
	grep -qx 'channels rx 4 tx 4' "$record"
	grep -qx 'rps 0 0 0 2' "$record"
	grep -qx 'rfs 0' "$record"
	[ "$(flow_cnt ngq0)" = "2048 2048" ]

	# Four masks, planned while the port has two queues: they fit the channels put back first.
	run ng revert ngq0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(channels ngq0 RX)" = 4 ]
	[ "$(channels ngq0 TX)" = 4 ]
	[ "$(flow_cnt ngq0)" = "0 0 0 0" ]
	for q in 0 1 2; do
		[ "$(ng_ns_exec cat /sys/class/net/ngq0/queues/rx-$q/rps_cpus)" = 0 ]
	done
	[ "$(ng_ns_exec cat /sys/class/net/ngq0/queues/rx-3/rps_cpus)" = 2 ]
	[ "$(cat "$GLOBAL")" = 4096 ]
	[ ! -e "$record" ]
}
