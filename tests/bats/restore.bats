#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# restore.bats: a bounce or a rebind puts the port back in place. Real bridges, bonds and
# veth ports in namespaces the test makes; `ip` and `bridge` are the witnesses; a ping
# between the namespaces proves the port carries traffic again. A veth cannot be rebound:
# the tests do to it what a rebind does (delete it, re-create it with its name and MAC:
# outside its bridge or bond, down, addresses and routes gone, default MTU, no altname).
# The udev helper's side of the restore (it keeps off a port under restore) is in
# udev.bats.

load ../wiring

WATCH=$NG_BUILD/nicguard-watch
PORT=$NG_BUILD/ng-port

setup() {
	ng_ns_setup
	PEER=$NG_NS-peer
	ip netns add "$PEER"
	ip -n "$PEER" link set lo up
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT/run"
	ln -s /sys "$ROOT/sys"
	ln -s /proc "$ROOT/proc"
	LOG=$BATS_TEST_TMPDIR/watch.log
	WPID=
	ng_conf < <(printf '[watch]\nquiet-after-boot = 0\nladder = bounce\nmetrics = none\n')
}

teardown() {
	if [ -n "${WPID:-}" ]; then
		kill -TERM "$WPID" 2>/dev/null || true
		wait "$WPID" 2>/dev/null || true
	fi
	[ -z "${LPID:-}" ] || kill "$LPID" 2>/dev/null || true
	[ -n "${PEER:-}" ] && ip netns del "$PEER" 2>/dev/null || true
	ng_ns_teardown
}

a() { ip -n "$NG_NS" "$@"; }
b() { ip -n "$PEER" "$@"; }

# The bridge ngbr0 holds the host's address; ngp0 is its only port, its far end ngp1 sits
# in the peer namespace. The port holds what an admin may have put on it.
bridge_layout() {
	a link add ngbr0 type bridge
	a addr add 203.0.113.1/24 dev ngbr0
	a link set ngbr0 up
	a link add ngp0 type veth peer name ngp1 netns "$PEER"
	MAC=$(ng_ns_exec cat /sys/class/net/ngp0/address)
	port_place
	b addr add 203.0.113.2/24 dev ngp1
	b link set ngp1 mtu 1400 up
}

port_place() {
	a link set ngp0 mtu 1400
	a link property add dev ngp0 altname ngp0-uplink
	a link set ngp0 master ngbr0
	ng_ns_exec bridge link set dev ngp0 learning off cost 50 hairpin on
	a link set ngp0 up
	a addr add 198.51.100.1/24 dev ngp0
	a addr add 2001:db8:5::1/64 dev ngp0 nodad
	a route add 192.0.2.0/24 via 198.51.100.254 dev ngp0
}

# What a rebind does to the port: a new device with the same name and MAC, nothing else.
rebind_ngp0() {
	a link del ngp0
	a link add ngp0 address "$MAC" type veth peer name ngp1 netns "$PEER"
	b addr add 203.0.113.2/24 dev ngp1
	b link set ngp1 mtu 1400 up
}

# Every fact of the port's place, as the real tools print it: one line each.
witness() {
	local d
	d=$(a -d link show ngp0)
	grep -o 'mtu [0-9]*' <<<"$d" | head -1
	grep -o 'master [a-z0-9]*' <<<"$d" || echo "master none"
	grep -o 'altname [a-z0-9-]*' <<<"$d" || echo "altname none"
	grep -q '<[^>]*[<,]UP[,>]' <<<"$d" && echo up || echo down
	ng_ns_exec bridge -d link show dev ngp0 | grep -o 'cost [0-9]*\|hairpin [a-z]*\|learning [a-z]*' |
		sort
	a -o addr show dev ngp0 | awk '$3 != "inet6" || $4 !~ /^fe80/ { print $3, $4 }'
	a route show dev ngp0 | grep via
}

expected_place() {
	cat <<-'EOF'
	mtu 1400
	master ngbr0
	altname ngp0-uplink
	up
	cost 50
	hairpin on
	learning off
	inet 198.51.100.1/24
	inet6 2001:db8:5::1/64
	192.0.2.0/24 via 198.51.100.254 
	EOF
}

# Traffic through the port: the peer reaches the bridge's address (two replies within 5 s;
# a neighbour entry that failed while the port was out needs a retry).
traffic() {
	ip netns exec "$PEER" ping -c 2 -i 0.2 -w 5 203.0.113.1 >/dev/null
}

# Run nicguard-watch over a file of records (none: only its start-up) to its end; its log
# in $output.
run_watch() { # [RECORDS...]
	: >"$BATS_TEST_TMPDIR/stream"
	[ $# -eq 0 ] || printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/stream"
	run timeout 30 ip netns exec "$NG_NS" "$WATCH" --kmsg "$BATS_TEST_TMPDIR/stream" \
		--root "$ROOT" -c "$NG_CONF" --foreground
	echo "$output"
	[ "$status" -eq 0 ]
}

hang_record() { # IF SEQ
	printf '3,%s,%s000,-;e1000e 0000:00:1f.6 %s: Detected Hardware Unit Hang:\n' "$2" "$2" "$1"
}

@test "bounce through nicguard-watch: the bridge port keeps its place, its route and IPv6 address" {
	bridge_layout
	traffic
	diff <(expected_place) <(witness)
	run_watch "$(hang_record ngp0 1)"
	[[ $output == *"action bounce on ngp0 for e1000e-hw-hang: done"* ]]
	# Going down flushed the route and the IPv6 address: both came back, and are named.
	[[ $output == *"bounce on ngp0: put back 1 address, 1 route (ngp0 ifindex "* ]]
	diff <(expected_place) <(witness)
	traffic
	# The place file is gone once the port is back; the lock file stays (never removed).
	[ ! -e "$ROOT/run/nicguard/port-ngp0" ]
}

@test "a rebind leaves the port outside its bridge; the library puts all of it back" {
	bridge_layout
	timeout 10 ip netns exec "$NG_NS" "$PORT" record ngp0 >"$BATS_TEST_TMPDIR/place"
	head -1 "$BATS_TEST_TMPDIR/place" | grep -q '^# Written by nicguard'
	rebind_ngp0
	# What main's rebind left: a port in no bridge, down, without its addresses.
	witness | grep -qx 'master none'
	witness | grep -qx down
	run traffic
	[ "$status" -ne 0 ]
	run timeout 10 ip netns exec "$NG_NS" "$PORT" restore "$BATS_TEST_TMPDIR/place"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "put back mtu 1400, altname ngp0-uplink, master ngbr0, bridge-port cost 50 hairpin 1 learning 0, up, 2 addresses, 1 route (ngp0 ifindex "* ]]
	diff <(expected_place) <(witness)
	traffic
	# A second restore finds everything in place and changes nothing.
	run timeout 10 ip netns exec "$NG_NS" "$PORT" restore "$BATS_TEST_TMPDIR/place"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "nothing to put back (ngp0 ifindex "* ]]
}

@test "each part of the place is put back alone: out of the bridge, down, flushed, MTU" {
	bridge_layout
	timeout 10 ip netns exec "$NG_NS" "$PORT" record ngp0 >"$BATS_TEST_TMPDIR/place"
	a link set ngp0 nomaster
	a link set ngp0 down
	a addr flush dev ngp0
	a link set ngp0 mtu 1500
	a link property del dev ngp0 altname ngp0-uplink
	run timeout 10 ip netns exec "$NG_NS" "$PORT" restore "$BATS_TEST_TMPDIR/place"
	echo "$output"
	[ "$status" -eq 0 ]
	diff <(expected_place) <(witness)
	traffic
}

@test "a crash between unbind and bind: the daemon's next start finishes the restore" {
	bridge_layout
	# What nicguard-watch writes before it unbinds: the place, under the port's key.
	mkdir -p "$ROOT/run/nicguard"
	timeout 10 ip netns exec "$NG_NS" "$PORT" record ngp0 >"$ROOT/run/nicguard/port-ngp0"
	rebind_ngp0
	witness | grep -qx 'master none'
	run_watch
	[[ $output == *"unfinished restore of port ngp0: put back mtu 1400, altname ngp0-uplink, master ngbr0, "* ]]
	diff <(expected_place) <(witness)
	traffic
	[ ! -e "$ROOT/run/nicguard/port-ngp0" ]
}

@test "a device stacked on the port (macvlan) survives a bounce; after a rebind it is named as lost" {
	# A routed port holding the host's address, with a macvlan on it (a bridge port can
	# have none: the bridge holds its receive handler).
	a link add ngp0 type veth peer name ngp1 netns "$PEER"
	MAC=$(ng_ns_exec cat /sys/class/net/ngp0/address)
	a addr add 203.0.113.1/24 dev ngp0
	a link set ngp0 up
	a link add link ngp0 name ngp0mv type macvlan mode bridge
	a link set ngp0mv up
	b addr add 203.0.113.2/24 dev ngp1
	b link set ngp1 up
	traffic
	run_watch "$(hang_record ngp0 1)"
	a link show ngp0mv | grep -q 'ngp0mv@ngp0'
	timeout 10 ip netns exec "$NG_NS" "$PORT" record ngp0 >"$BATS_TEST_TMPDIR/place"
	grep -qx 'upper ngp0mv macvlan' "$BATS_TEST_TMPDIR/place"
	a link del ngp0
	a link add ngp0 address "$MAC" type veth peer name ngp1 netns "$PEER"
	b addr add 203.0.113.2/24 dev ngp1
	b link set ngp1 up
	run timeout 10 ip netns exec "$NG_NS" "$PORT" restore "$BATS_TEST_TMPDIR/place"
	echo "$output"
	# The rest is back; the restore fails loudly on what it could not bring back.
	[ "$status" -eq 1 ]
	[[ $output == *"put back up, failed: upper ngp0mv (macvlan) (deleted with the port and not re-created by nicguard: ifreload -a (or ifup) brings it back), 1 address (ngp0 ifindex "* ]]
	traffic
}

@test "a place file not written by nicguard is refused and left alone" {
	bridge_layout
	mkdir -p "$ROOT/run/nicguard"
	printf 'port ngp0 9 - %s - 9000 1\nmaster ngbr0 bridge ngbr0 0 0\n' "$MAC" \
		>"$ROOT/run/nicguard/port-ngp0"
	run_watch
	[[ $output == *"not written by nicguard (no marker line)"* ]]
	[ -e "$ROOT/run/nicguard/port-ngp0" ]
	a link show ngp0 | grep -q 'mtu 1400'
}

# Features the kernel under test may lack (this CI machine's has neither): the test says so.
need_vlan_filtering() {
	a link add ngprobe type bridge vlan_filtering 1 2>/dev/null ||
		skip "this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)"
	a link del ngprobe
}

need_bonding() {
	a link add ngprobe type bond mode active-backup 2>/dev/null ||
		skip "this kernel has no bonding (CONFIG_BONDING)"
	a link del ngprobe
}

@test "VLAN-aware bridge: the port's VLANs (PVID, untagged) come back after a rebind and a bounce" {
	need_vlan_filtering
	a link add ngbr0 type bridge vlan_filtering 1
	a addr add 203.0.113.1/24 dev ngbr0
	a link set ngbr0 up
	a link add ngp0 type veth peer name ngp1 netns "$PEER"
	MAC=$(ng_ns_exec cat /sys/class/net/ngp0/address)
	a link set ngp0 master ngbr0
	a link set ngp0 up
	ng_ns_exec bridge vlan add dev ngp0 vid 10 pvid untagged
	ng_ns_exec bridge vlan del dev ngp0 vid 1
	ng_ns_exec bridge vlan add dev ngp0 vid 20-30
	ng_ns_exec bridge vlan add dev ngbr0 vid 10 pvid untagged self
	ng_ns_exec bridge vlan del dev ngbr0 vid 1 self
	b addr add 203.0.113.2/24 dev ngp1
	b link set ngp1 up
	traffic
	vlans() { ng_ns_exec bridge -j vlan show dev ngp0 | jq -c '.[0].vlans'; }
	want=$(vlans)
	timeout 10 ip netns exec "$NG_NS" "$PORT" record ngp0 >"$BATS_TEST_TMPDIR/place"
	a link del ngp0
	a link add ngp0 address "$MAC" type veth peer name ngp1 netns "$PEER"
	b addr add 203.0.113.2/24 dev ngp1
	b link set ngp1 up
	run timeout 10 ip netns exec "$NG_NS" "$PORT" restore "$BATS_TEST_TMPDIR/place"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"vlans 10 pvid untagged 20-30: restored"* ]]
	[ "$(vlans)" = "$want" ]
	traffic
	# A bounce through the daemon keeps them too.
	run_watch "$(hang_record ngp0 1)"
	[ "$(vlans)" = "$want" ]
	traffic
}

@test "active-backup bond under a bridge: the port comes back into the bond, primary again" {
	need_bonding
	a link add ngbr0 type bridge
	a addr add 203.0.113.1/24 dev ngbr0
	a link add ngbond0 type bond mode active-backup miimon 100
	a link add ngp0 type veth peer name ngp1 netns "$PEER"
	a link add ngp2 type veth peer name ngp3 netns "$PEER"
	MAC=$(ng_ns_exec cat /sys/class/net/ngp0/address)
	a link set ngp0 master ngbond0
	a link set ngp2 master ngbond0
	ip netns exec "$NG_NS" sh -c 'echo ngp0 >/sys/class/net/ngbond0/bonding/primary'
	a link set ngbond0 master ngbr0
	a link set ngbond0 up
	a link set ngbr0 up
	# The peer side: both far ends in a bridge of their own with the peer's address.
	b link add ngpbr type bridge
	b link set ngp1 master ngpbr
	b link set ngp3 master ngpbr
	b addr add 203.0.113.2/24 dev ngpbr
	b link set ngp1 up
	b link set ngp3 up
	b link set ngpbr up
	sleep 0.5
	traffic
	ng_ns_exec grep -qx 'Currently Active Slave: ngp0' /proc/net/bonding/ngbond0
	timeout 10 ip netns exec "$NG_NS" "$PORT" record ngp0 >"$BATS_TEST_TMPDIR/place"
	grep -q '^bond 1 1 1$' "$BATS_TEST_TMPDIR/place"
	# The rebind: ngp0 leaves the bond (ngp2 takes over), and comes back as a new device.
	a link del ngp0
	a link add ngp0 address "$MAC" type veth peer name ngp1 netns "$PEER"
	b link set ngp1 master ngpbr
	b link set ngp1 up
	[ -z "$(a link show ngp0 | grep -o 'master [a-z0-9]*')" ]
	run timeout 10 ip netns exec "$NG_NS" "$PORT" restore "$BATS_TEST_TMPDIR/place"
	echo "$output"
	[ "$status" -eq 0 ]
	a link show ngp0 | grep -q 'master ngbond0'
	a link show ngbond0 | grep -q 'master ngbr0'
	sleep 0.5
	ng_ns_exec grep -qx 'Primary Slave: ngp0 (primary_reselect always)' /proc/net/bonding/ngbond0
	ng_ns_exec grep -qx 'Currently Active Slave: ngp0' /proc/net/bonding/ngbond0
	traffic
}
