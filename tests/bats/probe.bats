#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# probe.bats: nicguard-watch's reachability probe, between a "host" namespace (the daemon, its
# port ngt0 holding 192.0.2.2/24 with the default route via 192.0.2.1) and a "gateway"
# namespace of the test's own holding 192.0.2.1 on the other end of the veth pair. The
# gateway answers, then stops answering while the link stays up.

load ../helpers

setup() {
	ng_ns_setup
	GW=${NG_NS}-gw
	ip netns add "$GW"
	ip -n "$GW" link set lo up
	ip -n "$NG_NS" link set ngt1 netns "$GW"
	ip -n "$GW" addr add 192.0.2.1/24 dev ngt1
	ip -n "$GW" link set ngt1 up
	ip -n "$NG_NS" addr add 192.0.2.2/24 dev ngt0
	ip -n "$NG_NS" route add default via 192.0.2.1
	# No IPv6 (router solicitations, DAD): the gateway's end counts the probe's frames only.
	ip netns exec "$NG_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$GW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	# A second port that nothing probes: nothing may ever happen to it.
	ip -n "$NG_NS" link add name ngt2 type veth peer name ngt3
	ip -n "$NG_NS" link set ngt2 up
	ip -n "$NG_NS" link set ngt3 up
	ng_watch_root
	mkdir -p "$ROOT/var/lib/nicguard"
}

teardown() {
	ng_watch_kill
	ng_ns_teardown
	if [ -n "${GW:-}" ] && [ -e "/run/netns/$GW" ]; then
		ip netns del "$GW"
	fi
}

# The policy: fast rounds for the test (a second, two misses), no quiet period, short gaps
# between actions; veth has no bus device, so the port is named.
probe_conf() {
	ng_conf < <(printf '%s\n' '[watch]' 'quiet-after-boot = 0' 'min-interval = 1s' \
		'settle = 1s' 'debounce = 0' 'probe-interval = 1s' 'probe-failures = 2' "$@")
}

count() { grep -c -- "$1" "$LOG" || true; }

carrier() { ip netns exec "$NG_NS" cat "/sys/class/net/$1/carrier_changes"; }

# ARP requests the gateway's end has received (its rx packets: nothing else is sent there).
gw_rx() { ip netns exec "$GW" cat /sys/class/net/ngt1/statistics/rx_packets; }

@test "probe: off by default: no socket, no frame sent, nothing said" {
	probe_conf
	local rx0
	rx0=$(gw_rx)
	ng_watch_start
	sleep 3
	ng_watch_stop
	[ "$(gw_rx)" -eq "$rx0" ]
	[ "$(count 'probe')" -eq 0 ]
}

@test "probe: a gateway that answers: one line says what is probed, nothing is detected" {
	probe_conf 'interface.ngt0.probe = gateway'
	local c0 rx0
	c0=$(carrier ngt0)
	rx0=$(gw_rx)
	ng_watch_start
	ng_wait_log 'probe on ngt0: ARP for 192.0.2.1, the default gateway through ngt0 every 1 s from 192.0.2.2, 2 unanswered in a row with the link up is a silent hang'
	sleep 4
	ng_watch_stop
	cat "$LOG"
	[ "$(count 'probe on ngt0: ARP')" -eq 1 ]
	[ "$(count 'detected')" -eq 0 ]
	[ "$(carrier ngt0)" -eq "$c0" ]
	# One request a second reached the gateway, out of ngt0.
	[ "$(($(gw_rx) - rx0))" -ge 3 ]
	# ngt2 serves no address and has no gateway: it is not named, so not probed at all.
	[ "$(count 'probe on ngt2')" -eq 0 ]
}

@test "probe: the gateway stops answering while the link stays up: a silent hang, that port bounced, in the events and the history" {
	probe_conf 'interface.ngt0.probe = gateway' 'ladder = bounce'
	local c0 c2
	ng_watch_start
	ng_wait_log 'probe on ngt0: ARP for 192.0.2.1'
	sleep 2
	[ "$(count 'detected')" -eq 0 ]
	c0=$(carrier ngt0)
	c2=$(carrier ngt2)
	# The gateway's end no longer answers ARP; its link, and ngt0's carrier, stay up.
	ip -n "$GW" link set ngt1 arp off
	ng_wait_log 'detected silent (hang) on ngt0 (2 ARP requests for 192.0.2.1 unanswered in a row, link up, carrier on): action bounce' 8
	ng_wait_log 'action bounce on ngt0 for silent: done'
	ng_watch_stop
	[ "$(ip netns exec "$NG_NS" cat /sys/class/net/ngt0/carrier)" -eq 1 ]
	[ "$(carrier ngt0)" -eq $((c0 + 2)) ]
	[ "$(carrier ngt2)" -eq "$c2" ]
	# The bounce put the default route back.
	run ip -n "$NG_NS" route show default
	[[ $output == "default via 192.0.2.1 dev ngt0"* ]]
	grep -q 'silent' "$ROOT/run/nicguard/watch-events"
	run "$NICGUARD" --root "$ROOT" report --json ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.interfaces | map(select(.name == "ngt0")) | .[0].hangs == 1' <<<"$output"
}

@test "probe: a far-side outage bounces a healthy port once per outage, never forever; the next outage gets the ladder again" {
	probe_conf 'interface.ngt0.probe = gateway' 'ladder = bounce'
	ng_watch_start
	ng_wait_log 'probe on ngt0: ARP for 192.0.2.1'
	# The gateway goes away for everyone (its address taken away): one bounce, then the
	# probe takes it as an outage beyond the port.
	ip -n "$GW" addr del 192.0.2.1/24 dev ngt1
	ng_wait_log 'action bounce on ngt0 for silent: done' 8
	ng_wait_log 'probe on ngt0: 192.0.2.1 still unanswered after every step of the ladder: taken as an outage beyond the port' 10
	# Many more unanswered rounds: no further detection, no further bounce.
	local c
	c=$(carrier ngt0)
	sleep 6
	[ "$(count 'action bounce on ngt0')" -eq 1 ]
	[ "$(count 'still unanswered after every step')" -eq 1 ]
	[ "$(carrier ngt0)" -eq "$c" ]
	# The gateway is back: said, and the ladder starts again from its first step.
	ip -n "$GW" addr add 192.0.2.1/24 dev ngt1
	ng_wait_log 'probe on ngt0: 192.0.2.1 answers again after ' 5
	grep -q 'answers again after .* (an outage beyond the port ended)' "$LOG"
	ip -n "$GW" addr del 192.0.2.1/24 dev ngt1
	ng_wait_log 'still unanswered after every step' 5
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(count 'action bounce on ngt0')" -eq 2 ] && break
		sleep 0.05
	done
	ng_watch_stop
	cat "$LOG"
	[ "$(count 'action bounce on ngt0')" -eq 2 ]
}

@test "probe: no carrier is not a silent hang: the kernel knows, nothing is done" {
	probe_conf 'interface.ngt0.probe = gateway'
	ng_watch_start
	ng_wait_log 'probe on ngt0: ARP for 192.0.2.1'
	# The far end goes down: ngt0 loses its carrier.
	ip -n "$GW" link set ngt1 down
	sleep 5
	ng_watch_stop
	[ "$(ip netns exec "$NG_NS" cat /sys/class/net/ngt0/carrier 2>/dev/null || echo 0)" = 0 ]
	[ "$(count 'detected')" -eq 0 ]
	cat "$LOG"
	[ "$(count 'watch: action')" -eq 0 ]
}

@test "probe = ADDRESS: the neighbour the policy names; a port with nothing to ask for says why" {
	ip -n "$GW" addr add 198.51.100.1/24 dev ngt1
	ip -n "$NG_NS" addr add 198.51.100.2/24 dev ngt0
	ip -n "$NG_NS" addr add 203.0.113.2/24 dev ngt2
	probe_conf 'interface.ngt0.probe = 198.51.100.1' 'interface.ngt2.probe = gateway'
	ng_watch_start
	ng_wait_log 'probe on ngt0: ARP for 198.51.100.1 every 1 s from 198.51.100.2'
	ng_wait_log 'probe on ngt2: nothing to probe (no default gateway through ngt2)'
	# 198.51.100.1 answers: nothing to say.
	sleep 3
	[ "$(count 'detected')" -eq 0 ]
	ip -n "$GW" link set ngt1 arp off
	ng_wait_log 'detected silent (hang) on ngt0 (2 ARP requests for 198.51.100.1 unanswered' 8
	ng_watch_stop
}

# IPv6 only on the host's side: ngt0 gives up its IPv4 address and route and holds
# 2001:db8::2/64 (RFC 3849's documentation prefix) with the default route via 2001:db8::1,
# the gateway's end. No duplicate address detection: the addresses are usable at once.
ipv6_only() {
	local ns
	for ns in "$NG_NS" "$GW"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.all.disable_ipv6=0
	done
	ip netns exec "$NG_NS" sysctl -qw net.ipv6.conf.ngt0.accept_dad=0 \
		net.ipv6.conf.ngt0.disable_ipv6=0
	ip netns exec "$GW" sysctl -qw net.ipv6.conf.ngt1.accept_dad=0 \
		net.ipv6.conf.ngt1.disable_ipv6=0
	ip -n "$NG_NS" addr flush dev ngt0
	ip -n "$NG_NS" link set ngt0 down
	ip -n "$NG_NS" link set ngt0 up
	ip -n "$GW" -6 addr add 2001:db8::1/64 dev ngt1 nodad
	ip -n "$NG_NS" -6 addr add 2001:db8::2/64 dev ngt0 nodad
	ip -n "$NG_NS" -6 route add default via 2001:db8::1 dev ngt0
	ip netns exec "$NG_NS" ping -6 -c 1 -W 2 2001:db8::1 >/dev/null
	run ip -n "$NG_NS" -4 addr show dev ngt0
	[ -z "$output" ]
}

@test "probe: an IPv6-only port: neighbour solicitations for its IPv6 default gateway; silent when it stops answering" {
	ipv6_only
	probe_conf 'interface.ngt0.probe = gateway' 'ladder = bounce'
	ng_watch_start
	ng_wait_log 'probe on ngt0: NDP for 2001:db8::1, the default gateway through ngt0 every 1 s from fe80::'
	sleep 3
	[ "$(count 'detected')" -eq 0 ]
	# The gateway's address is taken away: nothing answers for it; the link stays up.
	ip -n "$GW" -6 addr del 2001:db8::1/64 dev ngt1
	ng_wait_log 'detected silent (hang) on ngt0 (2 neighbour solicitations for 2001:db8::1 unanswered in a row, link up, carrier on): action bounce' 8
	ng_wait_log 'action bounce on ngt0 for silent: done'
	ng_wait_log 'probe on ngt0: 2001:db8::1 still unanswered after every step of the ladder' 10
	ip -n "$GW" -6 addr add 2001:db8::1/64 dev ngt1 nodad
	ng_wait_log 'probe on ngt0: 2001:db8::1 answers again after ' 8
	ng_watch_stop
	cat "$LOG"
	[ "$(count 'action bounce on ngt0')" -eq 1 ]
	run ip -n "$NG_NS" -6 route show default
	[[ $output == "default via 2001:db8::1 dev ngt0"* ]]
}
