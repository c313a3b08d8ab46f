#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The udev rule and nicguard-udev: the real udevadm shows the rule firing on a veth in a test
# namespace, the helper run with that command line and udev's environment applies the
# policy, ethtool is the witness. RPS masks on veths and on a 40-CPU fixture.

load ../wiring

RULE=$NG_TOP/udev/60-nicguard.rules

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v udevadm >/dev/null || skip "udevadm missing: apt-get install udev"
	ng_ns_setup
	ng_ns_exec "$ETHTOOL" -K ngt0 tso on gso on gro on
	# udevadm test reads rules only from the standard directories: the test's copy goes to
	# /run/udev/rules.d under a unique name, with the helper path pointing at the build.
	TEST_RULE=/run/udev/rules.d/60-nicguard-test-$$-${BATS_TEST_NUMBER}.rules
	mkdir -p /run/udev/rules.d
	sed "s|/usr/libexec/nicguard/nicguard-udev|$NG_UDEV_HELPER|" "$RULE" >"$TEST_RULE"
	DB_BEFORE=$(ls /run/udev/data 2>/dev/null || true)
}

teardown() {
	[ -z "${LPID:-}" ] || kill "$LPID" 2>/dev/null || true
	rm -f "${TEST_RULE:-/nonexistent}"
	# udevadm test writes a database entry (n<ifindex>) for each device it simulates:
	# drop the new entries that name this test's devices. (Where udevd runs, the host's
	# own devices have their entries from boot.)
	for db in /run/udev/data/n*; do
		[ -e "$db" ] || continue
		grep -qx "${db##*/}" <<<"$DB_BEFORE" && continue
		# lo's entry is empty: no properties.
		if [ ! -s "$db" ] || grep -Eqx 'E:ID_NET_NAME=(ngt[0-9]+|ngren|veth100i0)' "$db"; then
			rm -f "$db"
		fi
	done
	ng_ns_teardown
}

# udevadm test on DEV with ACTION inside the namespace; prints the whole simulation.
udev_test() {
	ng_ns_exec udevadm test --action="$2" "/sys/class/net/$1" 2>&1
}

# The RUN line of our rule from udevadm test's output: "HELPER IFINDEX ACTION".
our_run() {
	sed -n "s|^run: '\\($NG_UDEV_HELPER [^']*\\)'\$|\\1|p"
}

@test "udevadm test: the rule runs the helper with the ifindex on add and move" {
	for action in add move; do
		run udev_test ngt0 "$action"
		[ "$status" -eq 0 ]
		run our_run <<<"$output"
		idx=$(ng_ns_exec cat /sys/class/net/ngt0/ifindex)
		[ "$output" = "$NG_UDEV_HELPER $idx $action" ]
	done
}

@test "udevadm test: the rule leaves lo and remove/change events alone" {
	run udev_test lo add
	[ -z "$(our_run <<<"$output")" ]
	for action in remove change; do
		run udev_test ngt0 "$action"
		[ -z "$(our_run <<<"$output")" ]
	done
}

@test "the helper, run as udev runs it, applies the policy (ethtool -k witness)" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt*]
	offload = tso off gso off gro off
	EOF
	)
	run udev_test ngt0 add
	cmd=$(our_run <<<"$output")
	[ -n "$cmd" ]
	# udev's environment for a RUN program: the event's properties.
	idx=$(ng_ns_exec cat /sys/class/net/ngt0/ifindex)
	start=$(date +%s%N)
	run ng_ns_exec env -i ACTION=add SUBSYSTEM=net INTERFACE=ngt0 IFINDEX="$idx" \
		DEVPATH=/devices/virtual/net/ngt0 NICGUARD_ROOT="$root" $cmd
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp6-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	# The peer was not named by the policy glob? It was (ngt*): but only ngt0's event ran.
	[ "$(ng_feature "$NG_NS" ngt1 tx-tcp-segmentation)" = on ]
	echo "took ${elapsed_ms} ms"
	[ "$elapsed_ms" -lt 1000 ]
}

@test "on add the name may be stale: the helper finds the device by ifindex" {
	root=$(ng_live_root <<-'EOF'
	[interface ngren]
	offload = gso off
	EOF
	)
	idx=$(ng_ns_exec cat /sys/class/net/ngt0/ifindex)
	# The kernel's first name was ngt0; the device is renamed before udev's RUN runs.
	ip -n "$NG_NS" link set ngt0 down
	ip -n "$NG_NS" link set ngt0 name ngren
	run ng_ns_exec env -i ACTION=add INTERFACE=ngt0 IFINDEX="$idx" NICGUARD_ROOT="$root" \
		"$NG_UDEV_HELPER" "$idx" add
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngren tx-generic-segmentation)" = off ]
}

@test "a driver reload (remove, then add under a new ifindex) gets the policy back" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = tso off
	EOF
	)
	# The veth stands in for e1000e: deleting and re-creating it is what a reload does to
	# the net device (new ifindex, every setting back to the driver's default).
	ip -n "$NG_NS" link del ngt0
	ip -n "$NG_NS" link add name ngt0 type veth peer name ngt1
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = on ]
	run udev_test ngt0 add
	cmd=$(our_run <<<"$output")
	run ng_ns_exec env -i NICGUARD_ROOT="$root" $cmd
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
}

@test "a container veth gets rps = all when it appears" {
	root=$(ng_live_root <<-'EOF'
	[interface veth* fwpr* vmbr* ngt*]
	rps = all
	EOF
	)
	ip -n "$NG_NS" link add name veth100i0 type veth peer name ngt9
	idx=$(ng_ns_exec cat /sys/class/net/veth100i0/ifindex)
	run ng_ns_exec env -i NICGUARD_ROOT="$root" "$NG_UDEV_HELPER" "$idx" add
	[ "$status" -eq 0 ]
	run ng_ns_exec cat /sys/class/net/veth100i0/queues/rx-0/rps_cpus
	[ "$(printf '%d' "0x${output//,/}")" -eq $(((1 << $(nproc --all)) - 1)) ]
}

@test "a container veth with 4 rx queues gets rfs when it appears (udevadm test, then udev's RUN)" {
	root=$(ng_live_root <<-'EOF'
	[interface veth* fwpr* vmbr*]
	rps = all
	rfs = 32768
	EOF
	)
	# The host's table, as a file of the test: the machine's stays as it is.
	mkdir -p "$root/proc/sys/net/core"
	echo 0 >"$root/proc/sys/net/core/rps_sock_flow_entries"
	# The policy is there first; then the container starts and its veth appears.
	ip -n "$NG_NS" link add name veth100i0 numrxqueues 4 type veth peer name ngt9
	run udev_test veth100i0 add
	cmd=$(our_run <<<"$output")
	idx=$(ng_ns_exec cat /sys/class/net/veth100i0/ifindex)
	[ "$cmd" = "$NG_UDEV_HELPER $idx add" ]
	run ng_ns_exec env -i ACTION=add SUBSYSTEM=net INTERFACE=veth100i0 IFINDEX="$idx" \
		NICGUARD_ROOT="$root" $cmd
	[ "$status" -eq 0 ]
	[ "$(cat "$root/proc/sys/net/core/rps_sock_flow_entries")" = 32768 ]
	for q in 0 1 2 3; do
		run ng_ns_exec cat /sys/class/net/veth100i0/queues/rx-$q/rps_flow_cnt
		[ "$output" = 8192 ]
	done
	# The peer, not named by the policy, keeps the kernel's 0.
	run ng_ns_exec cat /sys/class/net/ngt9/queues/rx-0/rps_flow_cnt
	[ "$output" = 0 ]
}

@test "more than 32 CPUs: the mask is written comma-grouped, as the kernel prints it" {
	root=$(copy_fixture rps-40cpu)
	run ng_ns_exec env -i NICGUARD_ROOT="$root" "$NG_UDEV_HELPER" 7 add
	[ "$status" -eq 0 ]
	for q in 0 1; do
		run cat "$root/sys/devices/virtual/net/veth100i0/queues/rx-$q/rps_cpus"
		[ "$output" = "ff,ffffffff" ]
	done
}

@test "the helper exits 0 and logs to syslog whatever goes wrong" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = tso bogus
	[interface ngt1]
	offload = gso off
	EOF
	)
	log=$BATS_TEST_TMPDIR/syslog
	idx=$(ng_ns_exec cat /sys/class/net/ngt1/ifindex)
	run ng_ns_exec env -i NICGUARD_ROOT="$root" /bin/bash -c \
		"$(declare -f ng_with_syslog); ng_with_syslog '$log' '$NG_UDEV_HELPER' $idx add"
	[ "$status" -eq 0 ]
	# The bad section is reported and skipped; the good one still applies.
	grep -q "nicguard.*udev: .*nicguard.conf:2: " "$log"
	[ "$(ng_feature "$NG_NS" ngt1 tx-generic-segmentation)" = off ]
	for args in "" "x add" "0 add" "999999 add" "1 2 3"; do
		run ng_ns_exec env -i NICGUARD_ROOT="$root" /bin/bash -c \
			"$(declare -f ng_with_syslog); ng_with_syslog '$log' '$NG_UDEV_HELPER' $args"
		[ "$status" -eq 0 ]
	done
	grep -q "udev: usage: nicguard-udev IFINDEX ACTION" "$log"
	grep -q 'udev: invalid ifindex "x"' "$log"
}

# The veth stands in for a NIC whose driver is reloaded: a new device, every setting reset.
recreate_ngt0() {
	ip -n "$NG_NS" link del ngt0
	ip -n "$NG_NS" link add name ngt0 type veth peer name ngt1
	ng_ns_exec "$ETHTOOL" -K ngt0 tso on gso on gro on
	ng_ns_exec cat /sys/class/net/ngt0/ifindex
}

@test "a driver reload keeps the interface's nicguard-* stanza keys, not only the policy" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = tso off
	EOF
	)
	mkdir -p "$root/etc/network"
	printf 'auto ngt0\niface ngt0 inet manual\n\tnicguard-offload gso off\n' \
		>"$root/etc/network/interfaces"
	idx=$(recreate_ngt0)
	run ng_ns_exec env -i NICGUARD_ROOT="$root" "$NG_UDEV_HELPER" "$idx" add
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
}

@test "a driver reload during a backup window keeps the uplink tightened until job-end" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = tso off
	backup-offload = gso off
	EOF
	)
	# What the vzdump hook saved at job-start: ngt0's originals.
	mkdir -p "$root/run/nicguard"
	printf '%s\nngt0 offload tx-generic-segmentation on\n' \
		"# Written by nicguard. Changes here are overwritten; edit the policy instead." \
		>"$root/run/nicguard/backup-state"
	idx=$(recreate_ngt0)
	run ng_ns_exec env -i NICGUARD_ROOT="$root" "$NG_UDEV_HELPER" "$idx" add
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = off ]
	# The window closed: the next reload gets the normal settings only.
	rm "$root/run/nicguard/backup-state"
	idx=$(recreate_ngt0)
	run ng_ns_exec env -i NICGUARD_ROOT="$root" "$NG_UDEV_HELPER" "$idx" add
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = on ]
}

@test "a port nicguard-watch is putting back: the helper keeps off, and applies once it is done" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = tso off
	EOF
	)
	mkdir -p "$root/run/nicguard"
	lock=$root/run/nicguard/port-ngt0.lock
	# The event a rebind's new device raises, as udev runs the rule for it.
	idx=$(recreate_ngt0)
	run udev_test ngt0 add
	cmd=$(our_run <<<"$output")
	[ "$cmd" = "$NG_UDEV_HELPER $idx add" ]
	# nicguard-watch holds flock(2) on port-KEY.lock (KEY: the bus device, or the name)
	# from before the step until the port is back; here a process of its own holds it, so
	# that killing it releases the lock, as the daemon's death would.
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
time.sleep(30)' "$lock" &
	LPID=$!
	for ((i = 0; i < 100; i++)); do
		flock -n "$lock" true || break
		sleep 0.05
	done
	run ng_ns_exec env -i NICGUARD_ROOT="$root" NICGUARD_STDERR=1 $cmd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"add ngt0: nicguard-watch is putting the port back in place and applies the policy then; left to it"* ]]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = on ]
	kill "$LPID"
	wait "$LPID" 2>/dev/null || true
	LPID=
	run ng_ns_exec env -i NICGUARD_ROOT="$root" $cmd
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
}
