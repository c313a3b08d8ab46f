#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# apply.sh: time `nicguard apply` on many veth interfaces against ethtool loops doing the same.
#
# Usage: bench/apply.sh [-n PAIRS] [-r RUNS]      (as root; default 200 pairs, 5 runs)
#   NG_BUILD  the build directory holding nicguard (default: build/)
#
# In a network namespace it creates (and removes), PAIRS veth pairs benchN/peerN; the policy
# `[interface bench*]` / `offload = tso off gso off gro off` covers the PAIRS bench ends.
# Four ways of doing that work are timed, each run starting from every feature on again:
#   nicguard     one `nicguard apply` for all interfaces (in process, one SFEATURES each)
#   floor        bench/floor.c: the least a program can do, per interface ETHTOOL_GSSET_INFO,
#                GSTRINGS, GFEATURES, SFEATURES, GFEATURES (the yardstick; goal: nicguard
#                within 2x of it)
#   per-iface    one `ethtool -K IF tso off gso off gro off` per interface
#   per-setting  one ethtool process per interface and setting, as Debian's if-up.d hook
#                and ifupdown2's ethtool addon do
# Every run is checked with `ethtool -k` afterwards. Prints the median wall-clock and CPU
# times (user + system, started processes included) and the ratios of the medians.
# Then, with strace(1): the ioctls of one nicguard apply wanting only offloads must stay 4 per
# interface (no pause, eee, channels, link, coalesce, ring read: only the parts the policy
# names are read), shown next to the same apply with `eee = eee off` added (one GEEE more).
# CC (default cc) builds bench/floor.c into a scratch directory: it is not in the package.
set -euo pipefail

pairs=200
runs=5
while getopts n:r:h opt; do
	case $opt in
	n) pairs=$OPTARG ;;
	r) runs=$OPTARG ;;
	*) sed -n '3,6s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NICGUARD=${NG_BUILD:-$top/build}/nicguard
ETHTOOL=$(command -v ethtool || echo /usr/sbin/ethtool)
[ -x "$NICGUARD" ] || { echo "apply.sh: $NICGUARD not built (run make)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "apply.sh: needs root (network namespaces)" >&2; exit 2; }

ns=ng-bench-$$
tmp=$(mktemp -d)
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

in_ns() {
	ip netns exec "$ns" "$@"
}

ip netns add "$ns"
for ((i = 0; i < pairs; i++)); do
	echo "link add name bench$i type veth peer name peer$i"
	echo "link set bench$i up"
	echo "link set peer$i up"
done >"$tmp/links"
ip -n "$ns" -batch "$tmp/links"

${CC:-cc} -O2 -o "$tmp/floor" "$top/bench/floor.c"
printf '[interface bench*]\noffload = tso off gso off gro off\n' >"$tmp/off.conf"
printf '[interface bench*]\noffload = tso on gso on gro on\n' >"$tmp/on.conf"

# The timed part runs inside the namespace, so `ip netns exec` costs nothing to anyone.
cat >"$tmp/run.sh" <<'EOF'
set -eu
variant=$1 pairs=$2 nicguard=$3 ethtool=$4 conf=$5 floor=$6
work() {
	case $variant in
	nicguard)
		"$nicguard" -c "$conf" apply >/dev/null
		;;
	floor)
		"$floor" bench
		;;
	per-iface)
		for ((i = 0; i < pairs; i++)); do
			"$ethtool" -K "bench$i" tso off gso off gro off
		done
		;;
	per-setting)
		for ((i = 0; i < pairs; i++)); do
			for f in tso gso gro; do
				"$ethtool" -K "bench$i" "$f" off
			done
		done
		;;
	esac
}
# Wall-clock and CPU time (user + system, children included), in milliseconds.
TIMEFORMAT='%3R %3U %3S'
{ time work; } 2>&1 | awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }'
EOF

# Each feature of a sample of interfaces (first, middle, last) must read STATE.
check_state() {
	local state=$1 i f
	for i in 0 $((pairs / 2)) $((pairs - 1)); do
		for f in tcp-segmentation-offload generic-segmentation-offload \
			generic-receive-offload tx-tcp6-segmentation; do
			if ! in_ns "$ETHTOOL" -k "bench$i" | grep -q "^[[:space:]]*$f: $state"; then
				echo "apply.sh: bench$i $f is not $state" >&2
				exit 1
			fi
		done
	done
}

reset_on() {
	in_ns "$NICGUARD" -c "$tmp/on.conf" apply >/dev/null
	check_state on
}

variants=(nicguard floor per-iface per-setting)
declare -A wall cpu
for ((r = 0; r < runs; r++)); do
	for v in "${variants[@]}"; do
		reset_on
		read -r w c < <(in_ns bash "$tmp/run.sh" "$v" "$pairs" "$NICGUARD" "$ETHTOOL" \
			"$tmp/off.conf" "$tmp/floor")
		check_state off
		wall[$v]+="$w "
		cpu[$v]+="$c "
	done
done

# The median of a list of numbers.
median() {
	tr ' ' '\n' <<<"$1" | grep . | sort -n |
		awk '{ v[NR] = $1 }
		     END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "apply benchmark: $pairs veth interfaces x 3 settings (tso gso gro), $runs runs each, medians"
echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"$("$ETHTOOL" --version | head -n 1)"
printf '  %-46s %8s %8s\n' "" "wall ms" "CPU ms"
for v in "${variants[@]}"; do
	case $v in
	nicguard) label="nicguard apply (1 process)" ;;
	floor) label="floor: 5 ioctls per interface (bench/floor.c)" ;;
	per-iface) label="ethtool -K per interface ($pairs processes)" ;;
	per-setting) label="ethtool -K per setting ($((pairs * 3)) processes)" ;;
	esac
	printf '  %-46s %8s %8s\n' "$label" "$(median "${wall[$v]}")" "$(median "${cpu[$v]}")"
done
awk -v nw="$(median "${wall[nicguard]}")" -v nc="$(median "${cpu[nicguard]}")" \
	-v fw="$(median "${wall[floor]}")" -v fc="$(median "${cpu[floor]}")" \
	-v iw="$(median "${wall[per-iface]}")" -v ic="$(median "${cpu[per-iface]}")" \
	-v sw="$(median "${wall[per-setting]}")" -v sc="$(median "${cpu[per-setting]}")" 'BEGIN {
	printf "  ratio per-interface loop / nicguard: %5.1fx wall %5.1fx CPU\n", iw / nw, ic / nc
	printf "  ratio per-setting loop / nicguard:   %5.1fx wall %5.1fx CPU (goal: 20x)\n",
		sw / nw, sc / nc
	# A floor under a millisecond reads as 0: say so rather than divide by it.
	if (fw > 0 && fc > 0)
		printf "  ratio nicguard / floor:              %5.1fx wall %5.1fx CPU (goal: 2x)\n",
			nw / fw, nc / fc
	else
		printf "  ratio nicguard / floor: the floor took under 1 ms\n"
}'

# The ioctls of one `nicguard apply` with the policy file $1, counted by strace -c.
count_ioctls() {
	reset_on
	in_ns strace -f -c -e trace=ioctl -o "$tmp/strace" "$NICGUARD" -c "$1" apply >/dev/null ||
		true
	awk '$NF == "ioctl" { print $4 }' "$tmp/strace"
}

if command -v strace >/dev/null; then
	printf '[interface bench*]\noffload = tso off gso off gro off\neee = eee off\n' \
		>"$tmp/eee.conf"
	only=$(count_ioctls "$tmp/off.conf")
	with_eee=$(count_ioctls "$tmp/eee.conf")
	echo "  ioctls of one apply: offloads only $only ($((only / pairs)) per interface)," \
		"with eee = eee off $with_eee ($((with_eee / pairs)) per interface)"
	# 4 per interface (GSSET_INFO, GFEATURES, SFEATURES, GFEATURES) and the feature names once.
	if [ "$only" -gt $((4 * pairs + 4)) ]; then
		echo "apply.sh: $only ioctls for offloads alone: a part the policy does not name" \
			"was read" >&2
		exit 1
	fi
fi