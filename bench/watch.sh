#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# watch.sh: nicguard-watch's reaction time, idle cost, memory and parse throughput.
#
# Usage: bench/watch.sh [-n EVENTS] [-i SECONDS] [-m RECORDS]  (as root; default 100, 60, 1000000)
#   NG_BUILD  the build directory holding nicguard-watch (default: build/)
#
# 1. Latency. In a network namespace it creates (and removes), two veth pairs; the daemon
#    reads a FIFO. A helper writes one e1000e hang record per event to the FIFO, alternating
#    between the two ports, and listens on rtnetlink (RTMGRP_LINK) for that port to go down
#    and come up again: time from the write to each. The policy acts on every record
#    (ladder bounce, no debounce, interval or settle time; 60 actions per port and hour).
# 2. Idle. The daemon on a FIFO nobody writes to, for SECONDS: its context switches
#    (/proc/PID/status, voluntary and involuntary) and, with strace, its system calls.
# 3. Memory: VmRSS and VmHWM of the daemon after the latency run.
# 4. Throughput. RECORDS records read from a file by the daemon (dry run): a stream of
#    ordinary kernel lines with 1% e1000e hang lines, and a flood of hang lines only (a
#    console flood as in seed 004). Records per second of wall-clock and of CPU time.
# 5. Rebind to fully restored port, simulated on a veth (a veth cannot be rebound): a port
#    in a bridge holding an address, with an altname, MTU 1400, bridge port options, an
#    address and a route of its own, is recorded once; each round deletes it and re-creates
#    it with its name and MAC (what a rebind leaves: out of the bridge, down, bare), then
#    the library's restore (ng-port) puts it back; timed from the re-creation to the end of
#    the restore, against the same repair done by hand with ip and bridge commands.
#    (The latency of 1. includes recording the port's place and writing it to the daemon's
#    /run before each bounce; here that /run is under mktemp's directory, so the write's
#    fsync reaches the disk, which it does not on the tmpfs /run of a host.)
# 6. On a real kernel transmit hang, in the QEMU guests of `make vm-check` (checks 10-12 of
#    tests/vm/guest-checks, virtio-net under software emulation): from the kernel's first
#    hang record to the daemon's decision and to the end of its first action (journald's
#    receipt of both, one clock; and from the kernel's own stamp of the record); from the
#    daemon's decision to rebind to the kernel's record of the port forwarding in its bridge
#    again (reachable) and to the daemon's "done" (fully restored: unbind and bind, udev's
#    naming, the place put back with Proxmox's bridge-vids 2-4094, the policy applied), with
#    its parts; against what an admin does today once at the console: ifreload -a after the
#    rebind (timed in the same guest, same layout); and the end of quiet-after-boot to the
#    held step. Read from the last run's results (NG_VM_CACHE, default /var/tmp/nicguard-vm,
#    last-RELEASE/results.txt): this script boots no guest; `make vm-check` first.
set -euo pipefail

events=100
idle=60
records=1000000
while getopts n:i:m:h opt; do
	case $opt in
	n) events=$OPTARG ;;
	i) idle=$OPTARG ;;
	m) records=$OPTARG ;;
	*) sed -n '3,5s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WATCH=${NG_BUILD:-$top/build}/nicguard-watch
PORT=${NG_BUILD:-$top/build}/ng-port
[ -x "$WATCH" ] || { echo "watch.sh: $WATCH not built (run make)" >&2; exit 2; }
[ -x "$PORT" ] || { echo "watch.sh: $PORT not built (run make bench-watch)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "watch.sh: needs root (network namespaces)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "watch.sh: needs python3" >&2; exit 2; }

ns=ng-wbench-$$
tmp=$(mktemp -d)
wpid=
cleanup() {
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns"
for p in 0 2; do
	ip -n "$ns" link add name "ngb$p" type veth peer name "ngb$((p + 1))"
	ip -n "$ns" link set "ngb$p" up
	ip -n "$ns" link set "ngb$((p + 1))" up
done
# The daemon's root: its own /run and metrics directory, the namespace's /sys and /proc.
mkdir -p "$tmp/root/run" "$tmp/root/metrics"
ln -s /sys "$tmp/root/sys"
ln -s /proc "$tmp/root/proc"
cat >"$tmp/watch.conf" <<EOF
[watch]
quiet-after-boot = 0
ladder = bounce
debounce = 0
settle = 0
min-interval = 0
max-per-hour = 60
metrics = /metrics/nicguard.prom
EOF

start_watch() { # FIFO
	mkfifo "$1"
	ip netns exec "$ns" "$WATCH" --kmsg "$1" --root "$tmp/root" -c "$tmp/watch.conf" \
		2>/dev/null &
	wpid=$!
	sleep 0.5
	kill -0 "$wpid"
}

stop_watch() {
	kill -TERM "$wpid"
	wait "$wpid" || { echo "watch.sh: the daemon did not exit cleanly" >&2; exit 1; }
	wpid=
}

status_field() { # PID FIELD
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ------------------------------------------------------------------ latency
cat >"$tmp/latency.py" <<'EOF'
import os, socket, struct, sys, time
fifo, n, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
index = {m: int(open("/sys/class/net/%s/ifindex" % m).read()) for m in names}
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
nl.bind((0, 1))                     # RTMGRP_LINK
nl.settimeout(5)
fd = os.open(fifo, os.O_WRONLY)
RTM_NEWLINK, IFF_UP = 16, 1
for i in range(n):
    name = names[i % len(names)]
    rec = ("3,%d,%d,-;e1000e 0000:00:1f.6 %s: Detected Hardware Unit Hang:\\x0a  TDH"
           "                  <0>\\x0a  TDT                  <1>\n SUBSYSTEM=pci\n"
           " DEVICE=+pci:0000:00:1f.6\n" % (i + 1, (i + 1) * 1000, name)).encode()
    t0 = time.perf_counter_ns()
    os.write(fd, rec)
    down = up = None
    while up is None:
        data = nl.recv(65536)
        t = time.perf_counter_ns()
        off = 0
        while off + 32 <= len(data):
            length, kind = struct.unpack_from("IH", data, off)
            if kind == RTM_NEWLINK:
                _, _, _, idx, flags, _ = struct.unpack_from("BBHiII", data, off + 16)
                if idx == index[name]:
                    if down is None and not flags & IFF_UP:
                        down = t - t0
                    elif down is not None and flags & IFF_UP:
                        up = t - t0
            off += (length + 3) & ~3
    print("%d %d" % (down // 1000, up // 1000))
    time.sleep(0.02)
EOF

start_watch "$tmp/kmsg"
ip netns exec "$ns" python3 "$tmp/latency.py" "$tmp/kmsg" "$events" ngb0 ngb2 >"$tmp/lat"
rss=$(status_field "$wpid" VmRSS)
hwm=$(status_field "$wpid" VmHWM)
anon=$(status_field "$wpid" RssAnon)
stop_watch
acted=$(awk '/^nicguard_watch_actions_total\{.*action="bounce"\}/ { n += $2 } END { print n + 0 }' \
	"$tmp/root/metrics/nicguard.prom")
measured=$(wc -l <"$tmp/lat")

# Median, 90th percentile and maximum of microsecond values (column $1 of stdin), in ms.
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.9 + 0.5)]
		printf "%.2f ms median, %.2f ms p90, %.2f ms max", m / 1000, p / 1000,
			v[NR] / 1000 }'
}

# ---------------------------------------------------------------------- idle
start_watch "$tmp/idle"
sleep 1
v0=$(status_field "$wpid" voluntary_ctxt_switches)
n0=$(status_field "$wpid" nonvoluntary_ctxt_switches)
sleep "$idle"
v1=$(status_field "$wpid" voluntary_ctxt_switches)
n1=$(status_field "$wpid" nonvoluntary_ctxt_switches)
idle_rss=$(status_field "$wpid" VmRSS)
# A second witness, after: strace's own attach and detach would count as switches above.
strace_s=$((idle < 10 ? idle : 10))
if command -v strace >/dev/null; then
	timeout -s INT "$strace_s" strace -c -p "$wpid" -o "$tmp/strace" 2>/dev/null || true
	# strace -c lists nothing at all when the process made no system call.
	calls=$(awk '$NF == "total" { print $(NF - 2) }' "$tmp/strace")
	syscalls="${calls:-0} system calls in a further ${strace_s} s (strace -c)"
else
	syscalls="strace not installed"
fi
stop_watch

# ---------------------------------------------------------------- throughput
cat >"$tmp/gen.py" <<'EOF'
import random, sys
name, n, frac = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
random.seed(1)
plain = [
    "6,%d,%d,-;e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: "
    "Rx/Tx\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:1f.6\n",
    "6,%d,%d,-;vmbr0: port 1(eno1) entered forwarding state\n",
    "4,%d,%d,-;clocksource: Long readout interval, skipping watchdog check\n",
    "6,%d,%d,-;audit: type=1400 audit(1700000000.123:45): apparmor=\"STATUS\" "
    "operation=\"profile_load\" profile=\"unconfined\" name=\"lxc-container-default\"\n",
    "6,%d,%d,-;fwbr103i0: port 2(tap103i0) entered blocking state\n",
    "4,%d,%d,-;Modules linked in: nf_tables\\x0aCPU: 1 PID: 4242 Comm: sshd Not tainted\n",
]
hang = ("3,%d,%d,-;e1000e 0000:00:1f.6 ngb0: Detected Hardware Unit Hang:\\x0a  TDH"
        "                  <0>\\x0a  TDT                  <1>\\x0a  next_to_use          <1>"
        "\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:1f.6\n")
with open(name, "w") as f:
    for i in range(n):
        f.write((hang if random.random() < frac else random.choice(plain)) %
                (i + 1, 1000000 + i * 1000))
EOF

# Throughput runs with the default debounce, as a host would: a flood is counted, and
# logged once per debounce window.
printf '[watch]\nquiet-after-boot = 0\nmetrics = none\n' >"$tmp/through.conf"

# Prints "WALL USER SYS" seconds of one dry run over FILE, and checks every record was read.
through() { # FILE
	local TIMEFORMAT='%R %U %S' out
	{ time ip netns exec "$ns" "$WATCH" --kmsg "$1" --dry-run --root "$tmp/root" \
		-c "$tmp/through.conf" --foreground 2>"$tmp/through.log"; } 2>"$tmp/time"
	grep -q "stopping: $records records (0 lost, 0 skipped)" "$tmp/through.log" || {
		echo "watch.sh: not every record was read:" >&2
		tail -1 "$tmp/through.log" >&2
		exit 1
	}
	cat "$tmp/time"
}

rate() { # WALL USER SYS
	awk -v n="$records" -v w="$1" -v u="$2" -v s="$3" 'BEGIN {
		printf "%.2f M records/s (wall, %.2f s), %.2f M records/s of CPU time (%.2f s)",
			n / w / 1e6, w, n / (u + s) / 1e6, u + s }'
}

python3 "$tmp/gen.py" "$tmp/mixed.txt" "$records" 0.01
read -r mw mu ms < <(through "$tmp/mixed.txt")
rm -f "$tmp/mixed.txt"
python3 "$tmp/gen.py" "$tmp/flood.txt" "$records" 1
read -r fw fu fs < <(through "$tmp/flood.txt")
rm -f "$tmp/flood.txt"

# ---------------------------------------------------------- rebind restore
rounds=$((events < 50 ? events : 50))
n() { ip -n "$ns" "$@"; }
n link add ngbr type bridge
n addr add 203.0.113.1/24 dev ngbr
n link set ngbr up
place_port() {
	n link set ngr0 mtu 1400
	n link property add dev ngr0 altname ngr0-uplink
	n link set ngr0 master ngbr
	ip netns exec "$ns" bridge link set dev ngr0 learning off cost 50
	n link set ngr0 up
	n addr add 198.51.100.1/24 dev ngr0
	n route add 192.0.2.0/24 via 198.51.100.254 dev ngr0
}
recreate() {
	n link del ngr0 2>/dev/null || true
	n link add ngr0 address 02:00:00:00:00:10 type veth peer name ngr1
	n link set ngr1 up
}
recreate
place_port
ip netns exec "$ns" "$PORT" record ngr0 >"$tmp/place"
: >"$tmp/restore"
: >"$tmp/byhand"
for ((i = 0; i < rounds; i++)); do
	recreate
	t0=$(date +%s%N)
	ip netns exec "$ns" "$PORT" restore "$tmp/place" >"$tmp/restore.out" ||
		{ echo "watch.sh: restore failed:" >&2; cat "$tmp/restore.out" >&2; exit 1; }
	echo $((($(date +%s%N) - t0) / 1000)) >>"$tmp/restore"
	grep -q 'master ngbr' "$tmp/restore.out" || { cat "$tmp/restore.out" >&2; exit 1; }
	recreate
	t0=$(date +%s%N)
	place_port
	echo $((($(date +%s%N) - t0) / 1000)) >>"$tmp/byhand"
done
median() {
	sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
rm_med=$(median <"$tmp/restore")
hand_med=$(median <"$tmp/byhand")

echo "nicguard-watch benchmark: kernel $(uname -r), $(nproc) CPUs"
echo "  latency over $measured events ($acted bounces counted by the daemon), from a hang"
echo "  record written to the FIFO to"
printf '    port down:     %s\n' "$(awk '{ print $1 }' "$tmp/lat" | stats)"
printf '    port up again: %s   (goal: median under 100 ms)\n' \
	"$(awk '{ print $2 }' "$tmp/lat" | stats)"
echo "  idle ${idle} s: $((v1 - v0)) voluntary + $((n1 - n0)) involuntary context switches;"
echo "    $syscalls"
echo "  memory: VmRSS $rss kB after the events (peak VmHWM $hwm kB; of it private, RssAnon:"
echo "    $anon kB; the rest is shared libc pages), $idle_rss kB idle (goal: under 2048 kB)"
echo "  parse throughput, $records records from a file (dry run):"
echo "    1% hang lines: $(rate "$mw" "$mu" "$ms")"
echo "    hang flood:    $(rate "$fw" "$fu" "$fs")   (goal: over 1 M records/s)"
echo "  rebind to fully restored port ($rounds rounds on a veth, simulated rebind; master,"
echo "  MTU, altname, bridge port options, up, address, route; includes starting ng-port):"
printf '    library restore: %s   (goal: under 1 s)\n' "$(stats <"$tmp/restore")"
printf '    the same by hand, 7 ip/bridge commands: %.2f ms median; restore is %.1fx faster\n' \
	"$(awk -v v="$hand_med" 'BEGIN { print v / 1000 }')" \
	"$(awk -v a="$hand_med" -v b="$rm_med" 'BEGIN { print a / b }')"

# ---------------------------------------------------------- the real hang, in the guests
vm=${NG_VM_CACHE:-/var/tmp/nicguard-vm}
echo "  on a real transmit hang (QEMU guests of make vm-check, virtio-net, software emulation):"
for rel in bookworm trixie; do
	res=$vm/last-$rel/results.txt
	if ! grep -q '^NGINFO 1[0-2] .*figure ' "$res" 2>/dev/null; then
		echo "    $rel: no figures (run make vm-check first)"
		continue
	fi
	echo "    $rel ($(grep -m1 -o 'kernel [0-9][^ ,;]*' "$res" || echo 'kernel ?'), run of" \
		"$(date -r "$res" '+%Y-%m-%d %H:%M')):"
	awk '
		BEGIN {
			say["record_to_decision_ms"] = "kernel record to decision"
			say["record_to_action_done_ms"] = "kernel record to first action done"
			say["kernel_stamp_to_action_done_ms"] = "  (from the kernel'"'"'s own stamp)"
			say["rebind_to_reachable_ms"] = "rebind to port forwarding again (reachable)"
			say["rebind_to_restored_ms"] = "rebind to fully restored port"
			say["unbind_and_bind_ms"] = "  of which unbind and bind (kernel, driver)"
			say["udev_naming_ms"] = "  of which udev naming the new device"
			say["put_back_ms"] = "  of which the place put back"
			say["ifreload_after_rebind_ms"] = "today: ifreload -a after the rebind"
			say["quiet_end_to_action_done_ms"] = "end of quiet-after-boot to the held step"
			name[10] = "bridge"; name[11] = "bond under bridge"; name[12] = "quiet-after-boot"
		}
		/^NGINFO 1[0-2] .*figure / {
			for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[2] ~ /^[0-9.]+$/) {
				v[$2, kv[1]] = kv[2]
				printf "      %-29s %-44s %8.1f ms\n", "check " $2 " (" name[$2] "),",
					(kv[1] in say ? say[kv[1]] : kv[1]) ":", kv[2]
			}
		}
		END {
			fix = v[10, "rebind_to_restored_ms"] - v[10, "unbind_and_bind_ms"]
			if (v[10, "ifreload_after_rebind_ms"] && fix > 0)
				printf "      the repair after the rebind: nicguard %.0f ms, ifreload -a %.0f ms" \
					" (%.1fx), and no one at the console\n", fix,
					v[10, "ifreload_after_rebind_ms"], v[10, "ifreload_after_rebind_ms"] / fix
		}' "$res"
done
echo "    (goal: record to first action and rebind to restored port under 1 s each)"
