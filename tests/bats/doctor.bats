#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `nicguard doctor`: every trap found in prepared fixtures, each with a fix, and no false
# alarm on a clean one. Drift needs a live interface: a veth in the test's namespace.

load ../wiring

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ng_ns_setup
}

teardown() {
	ng_ns_teardown
}

# The finding lines of CHECK: "CHECK WHERE: what" followed by "    fix: ...".
finding() {
	grep -A1 "^$1 " <<<"$output"
}

@test "a clean machine: no finding, exit 0" {
	root=$(copy_fixture doctor-clean)
	# The initramfs was rebuilt after the options were written. Both times are set: the
	# checkout's own times say nothing (a checkout older than 2 hours made this fail).
	touch -d '2 hours ago' "$root/etc/modprobe.d/e1000e.conf"
	touch "$root"/boot/initrd.img-*
	run ng_nicguard --root "$root" doctor --interval 200
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "no known trap found" ]
}

@test "offload-* keys under ifupdown2 (through source), and addon keys on a bridge" {
	root=$(copy_fixture doctor-traps)
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	[ "$status" -eq 1 ]
	finding ifupdown2-ethtool-keys | grep -q \
		"^ifupdown2-ethtool-keys /etc/network/interfaces.d/uplink:3: \`offload-tso off\` on iface eno1"
	finding ifupdown2-ethtool-keys | grep -q "fix: write \`nicguard-offload tso off\` instead"
	finding ifupdown2-ethtool-keys | grep -q "uplink:4: \`offload-gso off\`"
	finding ifupdown2-bridge-keys | grep -q "uplink:10: \`gso-offload off\` on iface vmbr0"
}

@test "under classic ifupdown the Debian hook reads offload-* keys: no finding" {
	root=$(copy_fixture doctor-traps)
	rm -r "$root/usr/share/ifupdown2"
	run ng_nicguard --root "$root" doctor --interval 0
	! grep -q "^ifupdown2-" <<<"$output"
}

# ifupdown2's own settings: with addon_scripts_support other than 1 no if-up.d script runs.
# ifupdown2 reads the file with Python's RawConfigParser: keys case-blind, blanks trimmed, no
# comment after a value ("1 # x" is not "1").
# Sets lines[] to the finding's two lines (none when there is no such finding).
conf_finding() {
	run ng_nicguard --root "$1" doctor --interval 0
	echo "$output"
	mapfile -t lines < <(finding ifupdown2-no-scripts)
	output=$(printf '%s\n' "${lines[@]}")
}

@test "ifupdown2 with addon_scripts_support=0 and nicguard-* keys: the file, line and first key" {
	root=$(copy_fixture doctor-clean)
	conf=$root/etc/network/ifupdown2/ifupdown2.conf
	sed -i 's/^addon_scripts_support=1$/addon_scripts_support=0/' "$conf"
	conf_finding "$root"
	[ "${lines[0]}" = "ifupdown2-no-scripts /etc/network/ifupdown2/ifupdown2.conf:12: addon_scripts_support=0: ifupdown2 runs no /etc/network/if-up.d script, so none of the 2 nicguard-* stanza keys ever takes effect (the first: \`nicguard-offload tso off gso off gro off\` on iface eno1, /etc/network/interfaces:6)" ]
	[ "${lines[1]}" = "    fix: set \`addon_scripts_support=1\` in /etc/network/ifupdown2/ifupdown2.conf (Debian's and Proxmox VE's default), then run \`ifreload -a\`" ]
}

@test "addon_scripts_support as ifupdown2 reads it: case, blanks, a comment after the value" {
	root=$(copy_fixture doctor-clean)
	conf=$root/etc/network/ifupdown2/ifupdown2.conf
	sed -i 's/^addon_scripts_support=1$/  # off for now\nAddon_Scripts_Support : 1/' "$conf"
	conf_finding "$root"
	[ ${#lines[@]} -eq 0 ]
	sed -i 's/^Addon_Scripts_Support : 1$/addon_scripts_support = 1 # on/' "$conf"
	conf_finding "$root"
	[[ ${lines[0]} == "ifupdown2-no-scripts /etc/network/ifupdown2/ifupdown2.conf:13: addon_scripts_support=1 # on: ifupdown2 runs no"* ]]
	sed -i 's/^addon_scripts_support = 1 # on$/addon_scripts_support=1\n  2/' "$conf"
	conf_finding "$root"
	[[ ${lines[0]} == *":13: addon_scripts_support=(a value continued on the next line): "* ]]
}

@test "addon_scripts_support not set, or no ifupdown2.conf at all: ifupdown2's default 0" {
	root=$(copy_fixture doctor-clean)
	conf=$root/etc/network/ifupdown2/ifupdown2.conf
	sed -i '/^addon_scripts_support/d' "$conf"
	conf_finding "$root"
	[[ ${lines[0]} == "ifupdown2-no-scripts /etc/network/ifupdown2/ifupdown2.conf: addon_scripts_support is not set (ifupdown2's own default is 0): "* ]]
	rm "$conf"
	conf_finding "$root"
	[[ ${lines[0]} == "ifupdown2-no-scripts /etc/network/ifupdown2/ifupdown2.conf: there is no such file (ifupdown2's own default is addon_scripts_support=0): "* ]]
}

@test "addon_scripts_support=0 says nothing without nicguard-* keys, or under classic ifupdown" {
	root=$(copy_fixture doctor-clean)
	sed -i 's/^addon_scripts_support=1$/addon_scripts_support=0/' \
		"$root/etc/network/ifupdown2/ifupdown2.conf"
	sed -i '/nicguard-/d' "$root/etc/network/interfaces"
	conf_finding "$root"
	[ ${#lines[@]} -eq 0 ]
	root=$(copy_fixture doctor-clean)
	sed -i 's/^addon_scripts_support=1$/addon_scripts_support=0/' \
		"$root/etc/network/ifupdown2/ifupdown2.conf"
	rm -r "$root/usr/share/ifupdown2"
	conf_finding "$root"
	[ ${#lines[@]} -eq 0 ]
}

@test "the shipped sysctl file overriding an admin's higher value, and not once put back" {
	root=$(copy_fixture sysctl)
	printf 'net.core.rmem_max = 67108864\n' >"$root/etc/sysctl.d/50-tuning.conf"
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	[ "$status" -eq 1 ]
	finding sysctl-lowered | grep -q "^sysctl-lowered /etc/sysctl.d/50-tuning.conf:1: net.core.rmem_max = 67108864 here is overridden by nicguard's shipped /usr/lib/sysctl.d/60-nicguard.conf:[0-9]*, which sorts later: 16777216 is in effect"
	finding sysctl-lowered | grep -q "fix: run \`nicguard sysctl --write\`"
	# Once the value is back in effect, nothing to say.
	echo 67108864 >"$root/proc/sys/net/core/rmem_max"
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	! grep -q "^sysctl-lowered" <<<"$output"
}

@test "InterruptThrottleRate=3 set explicitly, with fewer values than ports" {
	root=$(copy_fixture doctor-traps)
	run ng_nicguard --root "$root" doctor --interval 0
	finding itr-default | grep -q "^itr-default /etc/modprobe.d/e1000e.conf:2: InterruptThrottleRate=3 is the driver's default"
	finding itr-default | grep -q "fix: remove the option"
	finding itr-too-few | grep -q "^itr-too-few /etc/modprobe.d/e1000e.conf:2: InterruptThrottleRate has 1 value for 2 e1000e ports: port 0000:00:1f.6"
	finding itr-too-few | grep -q "fix: run \`nicguard modprobe --write\`"
}

@test "e1000e in the initramfs with a stale option" {
	root=$(copy_fixture doctor-traps)
	touch -d '1 day ago' "$root"/boot/initrd.img-*
	run ng_nicguard --root "$root" doctor --interval 0
	finding initramfs-stale | grep -q "MODULES=most"
	finding initramfs-stale | grep -q "fix: run \`update-initramfs -u\`"
	# Rebuilt since: no finding.
	touch "$root"/boot/initrd.img-*
	run ng_nicguard --root "$root" doctor --interval 0
	! grep -q "^initramfs-stale" <<<"$output"
}

@test "hang signatures in the kernel ring buffer" {
	root=$(copy_fixture doctor-traps)
	run ng_nicguard --root "$root" doctor --interval 0
	finding kernel-log | grep -q "^kernel-log eno1: 2× e1000e-hw-hang (hang) in the kernel log, last 83.234567 s after boot: e1000e 0000:00:1f.6 eno1: Detected Hardware Unit Hang:"
	finding kernel-log | grep -q "fix: keep TSO/GSO/GRO off"
	# A FIFO as /dev/kmsg (a stream of records, read until EAGAIN) reads the same.
	rm "$root/dev/kmsg"
	mkfifo "$root/dev/kmsg"
	# A writer stays open (not fd 3: bats' own), so the reader gets EAGAIN at the end.
	exec {fifo}<>"$root/dev/kmsg"
	cat "$FIXTURES/doctor-traps/root/dev/kmsg" >&"$fifo"
	run ng_nicguard --root "$root" doctor --interval 0
	exec {fifo}>&-
	echo "$output"
	finding kernel-log | grep -q "e1000e-hw-hang"
}

@test "a NETDEV WATCHDOG record in a format the signature table does not know" {
	root=$(copy_fixture doctor-traps)
	# The kernel's (facility 0) with an invented tail; the same text written by a user
	# (facility 1) is no kernel record; a known format is a kernel-log finding instead.
	cat >>"$root/dev/kmsg" <<-'EOF'
	2,503,90000000,-;r8169 0000:02:00.0 eth0: NETDEV WATCHDOG: CPU: 1: transmit queue 0 timed out 5440 ms, stopped by BQL
	10,504,91000000,-;r8169 0000:02:00.0 eth9: NETDEV WATCHDOG: queue 0 stuck
	2,505,92000000,-;virtio_net virtio0 ens4: NETDEV WATCHDOG: CPU: 1: transmit queue 0 timed out 10928 ms
	EOF
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	[ "$status" -eq 1 ]
	finding kernel-log-unknown | grep -q "^kernel-log-unknown kernel log: 1× netdev-watchdog-unknown (hang) in the kernel log, last 90.000000 s after boot: r8169 0000:02:00.0 eth0: NETDEV WATCHDOG: CPU: 1: transmit queue 0 timed out 5440 ms, stopped by BQL$"
	finding kernel-log-unknown | grep -q "fix: nicguard-watch does not recognise this format"
	! grep -q "eth9" <<<"$output"
	finding kernel-log | grep -q "^kernel-log ens4: 1× netdev-watchdog (hang)"
}

@test "rising rx_dropped and softnet drops while doctor watches" {
	root=$(copy_fixture doctor-traps)
	stats=$root/sys/devices/pci0000:00/0000:00:1f.6/net/eno1/statistics/rx_dropped
	(sleep 0.3
	 echo 150 >"$stats"
	 sed -i '1s/^\(........\) 00000005 0000000a/\1 00000009 0000000c/' "$root/proc/net/softnet_stat"
	) &
	run ng_nicguard --root "$root" doctor --interval 1500
	wait
	echo "$output"
	finding rx-dropped | grep -q "^rx-dropped eno1: rx_dropped rose by 50 in 1.5 s (now 150)"
	finding rx-dropped | grep -q "fix: set \`rps = all\`"
	finding softnet-dropped | grep -q "softnet drops rose by 4 in 1.5 s"
	finding softnet-dropped | grep -q "netdev_max_backlog"
	finding softnet-squeeze | grep -q "time_squeeze rose by 2"
}

# Issue 12, bug 3: drift was defined twice, and doctor counted an `ethtool =` pass-through
# line (which cannot be read back) that status leaves out: drift and exit 1 forever.
@test "an ethtool = pass-through line is never drift, for doctor as for status" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = gso off
	ethtool = --set-eee {} eee off
	EOF
	)
	ng_ns_exec "$ETHTOOL" -K ngt0 gso off
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"no known trap found"* ]]
	[[ $output != *"drift"* ]]
	run ng_nicguard --root "$root" status --json ngt0
	echo "$output"
	[[ $output == *'"drift": false'* ]]
	[[ $output != *'"drift": true'* ]]
}

@test "policy drift on a live interface, gone once applied" {
	root=$(ng_live_root <<-'EOF'
	[interface ngt0]
	offload = gso off
	EOF
	)
	ng_ns_exec "$ETHTOOL" -K ngt0 gso on
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	[ "$status" -eq 1 ]
	finding drift | grep -q "^drift ngt0: gso is on, the policy wants off (.*nicguard.conf:2)"
	finding drift | grep -q "fix: run \`nicguard apply\`"
	run ng_nicguard --root "$root" apply ngt0
	run ng_nicguard --root "$root" doctor --interval 0
	echo "$output"
	[ "$status" -eq 0 ]
}
