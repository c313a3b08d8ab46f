#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hook.sh: the vzdump hook's cost per phase, and the stale-lock sweep over many guest configs.
#
# Usage: bench/hook.sh [-r RUNS] [-g GUESTS]    (as root; default 200 runs, 10000 guests)
#   NG_BUILD  the build directory holding nicguard-vzdump-hook (default: build/)
#
# The hook runs as vzdump runs it (emptied environment, argv PHASE [MODE VMID]) from a copy
# installed in a fake tree (R/usr/libexec/nicguard/vzdump-hook works on R), inside a network
# namespace it creates and removes, whose veth port ngb0 is the backup uplink with
# `backup-offload = tso off gso off gro off`. Timed, each RUNS times, median and fastest:
#   job-start      save ngb0's settings to R/run/nicguard, apply the backup settings
#   backup-start   (with the state saved) nothing to do: the cost of every guest phase
#   job-end        restore ngb0, sweep this node's few guest configs for stale locks
#   ethtool -K     what admins do today instead of job-start: one ethtool process
# Then the sweep: job-end over GUESTS configs in R/etc/pve/local/{qemu-server,lxc} (none
# with lock: backup, so nothing is removed) minus job-end over none. Goals: a phase under
# 5 ms, the sweep of 10000 configs under 50 ms.
set -euo pipefail

runs=200
guests=10000
while getopts r:g:h opt; do
	case $opt in
	r) runs=$OPTARG ;;
	g) guests=$OPTARG ;;
	*) sed -n '3,5s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NG_BUILD:-$top/build}
ETHTOOL=$(command -v ethtool || echo /usr/sbin/ethtool)
[ -x "$build/nicguard-vzdump-hook" ] || { echo "hook.sh: $build not built (run make)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "hook.sh: needs root (network namespaces)" >&2; exit 2; }

# In a mount namespace of its own, the fake tree sits on a tmpfs: /run is one on every host,
# and /etc/pve (pmxcfs) serves configs from memory too.
if [ -z "${NG_BENCH_UNSHARED:-}" ]; then
	exec unshare -m --propagation private env NG_BENCH_UNSHARED=1 "$0" "$@"
fi

ns=ng-bench-hook-$$
tmp=$(mktemp -d)
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	umount "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
mount -t tmpfs -o mode=0700 none "$tmp"

root=$tmp/root
mkdir -p "$root/usr/libexec/nicguard" "$root/etc/nicguard" "$root/run" "$root/var"
cp "$build/nicguard-vzdump-hook" "$root/usr/libexec/nicguard/vzdump-hook"
cp -a "$top/tests/fixtures/pve/root/etc/pve" "$root/etc/"
ln -s /proc "$root/proc"
ln -s /sys "$root/sys"
ln -s ../run "$root/var/run"
# No stale locks: the timing is the sweep's, not the removals'.
sed -i '/^lock: backup$/d' "$root"/etc/pve/nodes/pve1/*/*.conf
printf '[interface ngb0]\nbackup-uplink = yes\nbackup-offload = tso off gso off gro off\n' \
	>"$root/etc/nicguard/nicguard.conf"
hook=$root/usr/libexec/nicguard/vzdump-hook

ip netns add "$ns"
ip -n "$ns" link add name ngb0 type veth peer name ngb1
ip -n "$ns" link set ngb0 up
ip -n "$ns" link set ngb1 up
ip netns exec "$ns" "$ETHTOOL" -K ngb0 gro on

# Runs inside the namespace: times RUNS calls of one phase (with a reset between calls
# where the phase changes state) and prints "median fastest" in microseconds.
cat >"$tmp/time.sh" <<'EOF'
set -eu
runs=$1 kind=$2 hook=$3 ethtool=$4
env=(STOREID=local DUMPDIR=/var/lib/vz/dump LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1)
call() { env -i "${env[@]}" "$hook" "$@" </dev/null >/dev/null; }
times=()
for ((i = 0; i < runs; i++)); do
	case $kind in
	job-start) call job-end ;;
	backup-start | job-end | sweep) call job-start ;;
	ethtool) "$ethtool" -K ngb0 tso on gso on gro on ;;
	esac
	t0=${EPOCHREALTIME/./}
	case $kind in
	job-start) call job-start ;;
	backup-start) call backup-start snapshot 100 ;;
	job-end | sweep) call job-end ;;
	ethtool) "$ethtool" -K ngb0 tso off gso off gro off ;;
	esac
	t1=${EPOCHREALTIME/./}
	times+=($((t1 - t0)))
	[ "$kind" != backup-start ] || call job-end
done
printf '%s\n' "${times[@]}" | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1] }'
EOF

measure() { # KIND
	ip netns exec "$ns" bash "$tmp/time.sh" "$runs" "$1" "$hook" "$ETHTOOL"
}

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

echo "vzdump hook, $runs runs each (median / fastest, ms), one backup uplink:"
declare -A med
for kind in job-start backup-start job-end ethtool; do
	read -r m f < <(measure "$kind")
	med[$kind]=$m
	label=$kind
	[ "$kind" != ethtool ] || label="ethtool -K (1 process)"
	printf '  %-24s %7s / %-7s %s\n' "$label" "$(ms "$m")" "$(ms "$f")" \
		"$([ "$kind" = ethtool ] || { [ "$m" -lt 5000 ] && echo "goal < 5 ms: met" ||
			echo "goal < 5 ms: MISSED"; })"
done
awk -v a="${med[job-start]}" -v b="${med[ethtool]}" 'BEGIN {
	printf "  job-start / one ethtool process: %.2fx", a / b
	print " (job-start also saves the state)" }'

# The sweep: GUESTS configs, half QEMU, half LXC, in the real format, with snapshot sections
# and other lock values, none of them `lock: backup` in the main section.
base=$(measure job-end | cut -d' ' -f1)
q=$root/etc/pve/nodes/pve1/qemu-server
l=$root/etc/pve/nodes/pve1/lxc
fixture=$top/tests/fixtures/pve/root/etc/pve/nodes/pve1
rm -f "$q"/*.conf "$l"/*.conf
base0=$(measure job-end | cut -d' ' -f1)
for ((i = 0; i < guests; i++)); do
	id=$((1000 + i))
	if ((i % 2)); then
		cp "$fixture/lxc/202.conf" "$l/$id.conf"
	else
		cp "$fixture/qemu-server/102.conf" "$q/$id.conf"
	fi
	((i % 10)) || echo "lock: snapshot" >>"$q/$id.conf"
done 2>/dev/null
runs=$((runs < 50 ? runs : 50))
read -r m f < <(measure sweep)
sweep=$((m - base0))
echo "stale-lock sweep at job-end, $runs runs (median / fastest job-end, ms):"
printf '  %-24s %7s / %-7s\n' "job-end, no guests" "$(ms "$base0")" ""
printf '  %-24s %7s / %-7s\n' "job-end, fixture guests" "$(ms "$base")" ""
printf '  %-24s %7s / %-7s\n' "job-end, $guests guests" "$(ms "$m")" "$(ms "$f")"
printf '  sweep of %d configs: %s ms (%s)\n' "$guests" "$(ms "$sweep")" \
	"$([ "$sweep" -lt 50000 ] && echo "goal < 50 ms: met" || echo "goal < 50 ms: MISSED")"
