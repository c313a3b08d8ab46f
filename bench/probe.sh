#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# probe.sh: the cost of nicguard-watch's reachability probe, against a ping watchdog.
#
# Usage: bench/probe.sh [-p PORTS] [-d SECONDS]  (as root; default 20 ports, 60 s)
#   NG_BUILD  the build directory holding nicguard-watch (default: build/)
#
# In a "host" network namespace it creates, PORTS veth ports each reach a "gateway"
# namespace holding 198.51.100.1 (both removed at the end); the daemon reads a FIFO nobody
# writes to. For SECONDS each, the daemon runs
#   1. without probe (the default): the idle baseline;
#   2. with probe = 198.51.100.1 on every port, at the default probe-interval (10 s);
#   3. the same at probe-interval = 1s (more rounds: the cost of one round, measured).
# Each run: the daemon's wakeups (voluntary context switches, /proc/PID/status) per minute
# and its CPU time (/proc/PID/schedstat, nanoseconds) per minute and per round.
# 4. What admins run today: a ping watchdog, `ping -c 1 -W 1 -I PORT 198.51.100.1` once per
#    port per round from a script: the CPU of those processes (getrusage of the children)
#    per round, against the daemon's round; the ratio is printed.
set -euo pipefail

ports=20
secs=60
while getopts p:d:h opt; do
	case $opt in
	p) ports=$OPTARG ;;
	d) secs=$OPTARG ;;
	*) sed -n '3,5s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[ "$ports" -ge 1 ] && [ "$ports" -le 200 ] || { echo "probe.sh: 1 to 200 ports" >&2; exit 2; }

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WATCH=${NG_BUILD:-$top/build}/nicguard-watch
PING=$(command -v ping || echo /usr/bin/ping)
[ -x "$WATCH" ] || { echo "probe.sh: $WATCH not built (run make)" >&2; exit 2; }
[ -x "$PING" ] || { echo "probe.sh: needs ping (iputils-ping)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "probe.sh: needs root (network namespaces)" >&2; exit 2; }

ns=ng-pbench-$$
gw=ng-pbench-gw-$$
tmp=$(mktemp -d)
wpid=
cleanup() {
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip netns del "$gw" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns"
ip netns add "$gw"
for n in "$ns" "$gw"; do
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
for ((i = 0; i < ports; i++)); do
	ip -n "$ns" link add "pb$i" type veth peer name "pg$i" netns "$gw"
	ip -n "$ns" addr add "198.51.100.$((10 + i))/24" dev "pb$i"
	ip -n "$ns" link set "pb$i" up
	ip -n "$gw" link set "pg$i" up
done
# The gateway answers ARP for its address on every port (arp_ignore 0).
ip -n "$gw" addr add 198.51.100.1/24 dev pg0
mkdir -p "$tmp/root/run" "$tmp/root/var/lib/nicguard"
ln -s /sys "$tmp/root/sys"
ln -s /proc "$tmp/root/proc"
mkfifo "$tmp/kmsg"

# conf INTERVAL|none: the policy of a run.
conf() {
	printf '[watch]\nmetrics = none\n' >"$tmp/conf"
	[ "$1" = none ] && return
	printf 'probe-interval = %s\n' "$1" >>"$tmp/conf"
	for ((i = 0; i < ports; i++)); do
		printf 'interface.pb%d.probe = 198.51.100.1\n' "$i" >>"$tmp/conf"
	done
}

# run NAME INTERVAL: the daemon for secs seconds; prints "wakeups/min cpu_ms/min rounds".
run() {
	conf "$2"
	ip netns exec "$ns" "$WATCH" --kmsg "$tmp/kmsg" --root "$tmp/root" -c "$tmp/conf" \
		2>"$tmp/$1.log" &
	wpid=$!
	sleep 2	# start-up and the first round are not counted
	local v0 c0 v1 c1
	v0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$wpid/status")
	c0=$(cut -d' ' -f1 "/proc/$wpid/schedstat")
	sleep "$secs"
	v1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$wpid/status")
	c1=$(cut -d' ' -f1 "/proc/$wpid/schedstat")
	kill "$wpid"
	wait "$wpid" 2>/dev/null || true
	wpid=
	if grep -q 'detected' "$tmp/$1.log"; then
		echo "probe.sh: the daemon detected something in run $1:" >&2
		cat "$tmp/$1.log" >&2
		exit 1
	fi
	awk -v v=$((v1 - v0)) -v c=$((c1 - c0)) -v s="$secs" \
		'BEGIN { printf "%.1f %.3f\n", v * 60 / s, c / 1e6 * 60 / s }'
}

echo "reachability probe: $ports ports, $secs s per run ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
read -r base_w base_c < <(run idle none)
read -r def_w def_c < <(run default 10s)
read -r fast_w fast_c < <(run fast 1s)
printf '  %-34s %10s %14s\n' "" "wakeups/min" "CPU ms/min"
printf '  %-34s %10s %14s\n' "no probe (the default)" "$base_w" "$base_c"
printf '  %-34s %10s %14s\n' "probe, every 10 s (the default)" "$def_w" "$def_c"
printf '  %-34s %10s %14s\n' "probe, every 1 s" "$fast_w" "$fast_c"
# One round's CPU: the 1 s run's extra CPU over the baseline, per round (60 a minute).
round_ms=$(awk -v f="$fast_c" -v b="$base_c" 'BEGIN { printf "%.3f", (f - b) / 60 }')

# What admins run today: one ping per port per round, as a watchdog script does.
ping_ms=$(ip netns exec "$ns" python3 - "$PING" "$ports" <<'PY'
import resource, subprocess, sys
ping, ports = sys.argv[1], int(sys.argv[2])
rounds = 5
before = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(rounds):
    for i in range(ports):
        subprocess.run([ping, "-c", "1", "-W", "1", "-I", "pb%d" % i, "198.51.100.1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print("%.3f" % (cpu * 1000 / rounds))
PY
)
echo "  one round over $ports ports: nicguard-watch $round_ms ms of CPU;" \
	"a ping per port $ping_ms ms (the ping processes' own CPU; the script's forks not counted)"
awk -v n="$round_ms" -v p="$ping_ms" 'BEGIN { if (n > 0) printf "  ratio: the probe costs %.3fx the ping watchdog per round\n", n / p }'
