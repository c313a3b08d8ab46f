#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# watch.bats: nicguard-watch fed recorded kernel log streams, acting on veth in a namespace.

load ../helpers

setup() {
	ng_ns_setup
	# A second pair that no record names: nothing may ever happen to it.
	ip -n "$NG_NS" link add name ngt2 type veth peer name ngt3
	ip -n "$NG_NS" link set ngt2 up
	ip -n "$NG_NS" link set ngt3 up
	# The daemon's root, with a metrics directory.
	ng_watch_root
	mkdir -p "$ROOT/var/lib/prometheus/node-exporter"
	watch_conf
}

teardown() {
	ng_watch_kill
	[ -z "${MPID:-}" ] || kill "$MPID" 2>/dev/null || true
	ng_ns_teardown
}

# The policy: no quiet period (the test host booted long ago anyway), plus the given lines.
watch_conf() {
	ng_conf < <(printf '[watch]\nquiet-after-boot = 0\n' && printf '%s\n' "$@")
}

carrier() {
	ng_ns_exec cat "/sys/class/net/$1/carrier_changes"
}

# One e1000e hang record for IF, as the driver logs it (escaped dump, dictionary lines).
hang_record() { # IF SEQ
	printf '3,%s,%s000,-;e1000e 0000:00:1f.6 %s: Detected Hardware Unit Hang:' "$2" "$2" "$1"
	printf '\\x0a  TDH                  <0>\\x0a  TDT                  <1>\n'
	printf ' SUBSYSTEM=pci\n DEVICE=+pci:0000:00:1f.6\n'
}

# Does $output (has) or the daemon's log (logged) hold the string its arguments make?
has() {
	local want
	printf -v want '%s' "$@"
	[[ $output == *"$want"* ]] || { echo "missing: $want"; return 1; }
}

logged() {
	local want
	printf -v want '%s' "$@"
	grep -qF -- "$want" "$LOG" || { echo "not logged: $want"; tail -3 "$LOG"; return 1; }
}

# A recorded stream with the seed's interface renamed to one that exists in the namespace.
fixture_as() { # FIXTURE IF
	sed "s/ eth0: / $2: /; s/(eth0)/($2)/" "$FIXTURES/kmsg/$1"
}

@test "usage: --help, unknown options" {
	run "$WATCH" --help
	[ "$status" -eq 0 ]
	[[ $output == *"--kmsg PATH"* ]]
	run "$WATCH" --frobnicate
	[ "$status" -eq 2 ]
	run "$WATCH" extra-argument
	[ "$status" -eq 2 ]
}

@test "recorded e1000e stream: one bounce of the named port, repeats debounced, reset logged" {
	fixture_as e1000e-hang.txt ngt0 >"$BATS_TEST_TMPDIR/stream"
	local b0 b2
	b0=$(carrier ngt0)
	b2=$(carrier ngt2)
	# A file is read whole; its end ends the run.
	run ng_ns_exec "$WATCH" --kmsg "$BATS_TEST_TMPDIR/stream" --root "$ROOT" -c "$NG_CONF" \
		--foreground
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'action bounce on ngt0 for e1000e-hw-hang: done' <<<"$output")" -eq 1 ]
	has "detected e1000e-reset (reset) on ngt0 (e1000e-hw-hang repeated 2 times before): " \
		"no action (log-only)"
	[[ $output == *"stopping: 7 records (0 lost, 0 skipped), 4 detections, 1 actions"* ]]
	[ "$(carrier ngt0)" -eq $((b0 + 2)) ]
	[ "$(carrier ngt2)" -eq "$b2" ]
	# Evidence for `nicguard status` and for Prometheus.
	grep -q $'\te1000e-hw-hang\tngt0\tbounce\tdone$' "$ROOT/run/nicguard/watch-events"
	grep -qx 'nicguard_watch_actions_total{interface="ngt0",action="bounce"} 1' \
		"$ROOT/var/lib/prometheus/node-exporter/nicguard.prom"
	grep -qx 'nicguard_watch_events_total{interface="ngt0",class="hang"} 3' \
		"$ROOT/var/lib/prometheus/node-exporter/nicguard.prom"
	[ "$(stat -c %a "$ROOT/var/lib/prometheus/node-exporter/nicguard.prom")" = 644 ]
}

@test "recorded mixed stream: every kind found, mapped or refused, overrun and oversize counted" {
	run ng_ns_exec "$WATCH" --kmsg "$FIXTURES/kmsg/mixed.txt" --root "$ROOT" -c "$NG_CONF" \
		--foreground --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	# virtio0 has no interface in this namespace: found, not acted on.
	has "detected virtio-not-a-head (hang) on no known interface " \
		"(no interface found for virtio0 +virtio:virtio0): no action (log-only)"
	[[ $output == *"detected soft-lockup (stall) on the host: no action (log-only)"* ]]
	[[ $output == *"detected rcu-stall (stall) on the host: no action (log-only)"* ]]
	# The old WARN_ONCE format names the interface inside the text.
	[[ $output == *"detected netdev-watchdog (hang) on ngt0: action bounce"* ]]
	[[ $output == *"action bounce on ngt0 for netdev-watchdog: dry run: would bounce"* ]]
	# The 6.8 format names it in the netdev prefix.
	[[ $output == *"detected netdev-watchdog (hang) on ngt1: action bounce"* ]]
	has "detected igb-tx-hang (hang) on no known interface " \
		"(no interface found for 0000:01:00.0 +pci:0000:01:00.0)"
	[[ $output == *"detected r8169-aspm-tx-timeout (reset) on ngt1: no action (log-only)"* ]]
	# A user-space write (facility user) and a daemon quoting the line: ignored.
	[[ $output != *"e1000e-hw-hang (hang) on ngt1"* ]]
	[[ $output == *"9 kernel log records lost before seq 526 (ring buffer overrun)"* ]]
	[[ $output == *"skipped a record over 16384 bytes"* ]]
	[[ $output == *"stopping: 22 records (9 lost, 3 skipped), 9 detections, 2 actions"* ]]
	# Dry run: no state written.
	[ ! -e "$ROOT/run/nicguard" ]
	[ -z "$(ls "$ROOT/var/lib/prometheus/node-exporter")" ]
}

@test "accept-user = yes: a user-space record counts (the VM check writes those)" {
	watch_conf "accept-user = yes"
	run ng_ns_exec "$WATCH" --kmsg "$FIXTURES/kmsg/mixed.txt" --root "$ROOT" -c "$NG_CONF" \
		--foreground --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"detected e1000e-hw-hang (hang) on ngt1: action bounce"* ]]
	# Facility daemon (a program quoting the kernel) never counts.
	[[ $output == *"10 detections"* ]]
}

@test "FIFO: a hang record for ngt0 bounces ngt0 and nothing else" {
	local b0 b2 b3
	b0=$(carrier ngt0)
	b2=$(carrier ngt2)
	b3=$(carrier ngt3)
	ip netns exec "$NG_NS" ip monitor link >"$BATS_TEST_TMPDIR/monitor" &
	MPID=$!
	ng_watch_start
	sleep 0.2
	hang_record ngt0 100 | ng_kmsg_write "$KMSG"
	ng_wait_log 'action bounce on ngt0'
	sleep 0.2
	ng_watch_stop
	kill "$MPID"
	cat "$LOG" "$BATS_TEST_TMPDIR/monitor"
	grep -q 'action bounce on ngt0 for e1000e-hw-hang: done' "$LOG"
	[ "$(carrier ngt0)" -eq $((b0 + 2)) ]
	[ "$(carrier ngt2)" -eq "$b2" ]
	[ "$(carrier ngt3)" -eq "$b3" ]
	# ip monitor saw ngt0 go down and up (and its peer's carrier), never ngt2 or ngt3.
	grep -q 'ngt0.*state DOWN' "$BATS_TEST_TMPDIR/monitor"
	grep -q 'ngt0.*state UP' "$BATS_TEST_TMPDIR/monitor"
	! grep -q 'ngt[23]' "$BATS_TEST_TMPDIR/monitor"
	ng_ns_exec ip -o link show ngt0 | grep -q 'state UP'
}

# IF: 10,000 hang records over about 2.5 s, in 500 writes of 20 whole records each.
flood() {
	local i
	for ((i = 0; i < 20; i++)); do
		hang_record "$1" $((1000 + i))
	done >"$BATS_TEST_TMPDIR/chunk"
	python3 -c 'import os, sys, time
data = open(sys.argv[2], "rb").read()
assert len(data) <= 4096
fd = os.open(sys.argv[1], os.O_WRONLY)
for i in range(500):
    assert os.write(fd, data) == len(data)
    if i % 10 == 9:
        time.sleep(0.05)' "$KMSG" "$BATS_TEST_TMPDIR/chunk"
}

flood_conf() {
	watch_conf "ladder = bounce" "min-interval = 300ms" "backoff-max = 1s" "max-per-hour = 3" \
		"debounce = 100ms" "settle = 0"
}

@test "flood of 10,000 hang lines: max-per-hour and backoff hold, the log stays short" {
	flood_conf
	local b0 gaps
	b0=$(carrier ngt0)
	ip netns exec "$NG_NS" ip -ts monitor link >"$BATS_TEST_TMPDIR/monitor" &
	MPID=$!
	ng_watch_start
	flood ngt0
	# Records are read in order: once this one is seen, the flood has been read whole.
	printf '0,1020,1,-;watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [x:1]\n' |
		ng_kmsg_write "$KMSG"
	ng_wait_log 'detected soft-lockup'
	ng_watch_stop
	kill "$MPID"
	# 3 bounces, then the hourly limit; the 2nd and 3rd were held and fired by the timer,
	# at least min-interval (300 ms) and then twice that (backoff) after the one before.
	[ "$(grep -c 'action bounce on ngt0 for e1000e-hw-hang: done' "$LOG")" -eq 3 ]
	[ "$(carrier ngt0)" -eq $((b0 + 6)) ]
	grep -q 'no action yet (waiting; rung 1 due in ' "$LOG"
	grep -q 'no action (max-per-hour reached' "$LOG"
	gaps=$(awk -F'[][T:]' '/ ngt0@.*state DOWN/ { t = $3 * 3600 + $4 * 60 + $5;
		if (n++) printf "%d ", (t - last) * 1000; last = t }' "$BATS_TEST_TMPDIR/monitor")
	echo "gaps between bounces (ms): $gaps"
	read -r g1 g2 rest <<<"$gaps"
	[ -z "$rest" ]
	[ "$g1" -ge 300 ] && [ "$g1" -lt 1000 ]
	[ "$g2" -ge 600 ] && [ "$g2" -lt 1300 ]
	logged "stopping: 10001 records (0 lost, 0 skipped), 10001 detections, 3 actions"
	# Debounced repeats are counted, not logged: a few dozen lines, not ten thousand.
	[ "$(wc -l <"$LOG")" -lt 100 ]
	grep -qx 'nicguard_watch_repeats_total{interface="ngt0"} [0-9]*' \
		"$ROOT/var/lib/prometheus/node-exporter/nicguard.prom"
}

@test "--dry-run changes nothing: no bounce, no state, no metrics" {
	flood_conf
	local b0
	b0=$(carrier ngt0)
	ng_watch_start --dry-run
	flood ngt0
	ng_watch_stop
	grep -q 'action bounce on ngt0 for e1000e-hw-hang: dry run: would bounce' "$LOG"
	[ "$(carrier ngt0)" -eq "$b0" ]
	[ ! -e "$ROOT/run/nicguard" ]
	[ -z "$(ls "$ROOT/var/lib/prometheus/node-exporter")" ]
}

@test "--scan: the backlog is logged and counted, never acted on" {
	fixture_as e1000e-hang.txt ngt0 >"$BATS_TEST_TMPDIR/stream"
	local b0
	b0=$(carrier ngt0)
	run ng_ns_exec "$WATCH" --kmsg "$BATS_TEST_TMPDIR/stream" --root "$ROOT" -c "$NG_CONF" \
		--foreground --scan
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"detected e1000e-hw-hang (hang) on ngt0: no action (log-only)"* ]]
	[[ $output == *"0 actions"* ]]
	[ "$(carrier ngt0)" -eq "$b0" ]
}

@test "backup window: an uplink is not bounced, it gets the stricter watch-offload instead" {
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on tso on
	ng_conf <<-EOF
		[watch]
		quiet-after-boot = 0
		[interface ngt0]
		backup-uplink = yes
		watch-offload = tso off gro off
	EOF
	mkdir -p "$ROOT/run/nicguard"
	echo "saved by the vzdump hook at job-start" >"$ROOT/run/nicguard/backup-state"
	local b0
	b0=$(carrier ngt0)
	ng_watch_start
	hang_record ngt0 7 | ng_kmsg_write "$KMSG"
	ng_wait_log 'action reapply on ngt0'
	ng_watch_stop
	cat "$LOG"
	grep -q 'backup window open: re-applying stricter settings, bounce/rebind held' "$LOG"
	logged "action reapply on ngt0 for e1000e-hw-hang " \
		"(backup window: instead of bounce/rebind)"
	[ "$(carrier ngt0)" -eq "$b0" ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	# Persisted for the udev helper: this port now runs with its watch settings.
	head -1 "$ROOT/run/nicguard/watch-escalated" | grep -q '^# Written by nicguard'
	grep -qx ngt0 "$ROOT/run/nicguard/watch-escalated"
}

@test "backup window, not an uplink: bounced as usual" {
	ng_conf <<-EOF
		[watch]
		quiet-after-boot = 0
		[interface ngt2]
		backup-uplink = yes
	EOF
	mkdir -p "$ROOT/run/nicguard"
	echo x >"$ROOT/run/nicguard/backup-state"
	local b0
	b0=$(carrier ngt0)
	ng_watch_start
	hang_record ngt0 7 | ng_kmsg_write "$KMSG"
	ng_wait_log 'action bounce on ngt0'
	ng_watch_stop
	[ "$(carrier ngt0)" -eq $((b0 + 2)) ]
}

# Issue 12, bug 1: explain showed a stanza's nicguard-watch-offload, the reapply rung never
# applied it (it merged the policy's watch-* settings only).
@test "reapply: a stanza's nicguard-watch-offload is applied and kept escalated" {
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on tso on
	watch_conf "ladder = reapply"
	mkdir -p "$ROOT/etc/network"
	printf 'iface ngt0 inet manual\n\tnicguard-watch-offload tso off gro off\n' \
		>"$ROOT/etc/network/interfaces"
	ng_watch_start
	hang_record ngt0 7 | ng_kmsg_write "$KMSG"
	ng_wait_log 'action reapply on ngt0'
	ng_watch_stop
	cat "$LOG"
	logged "action reapply on ngt0 for e1000e-hw-hang: 2 of 2 settings changed, 0 failed;" \
		" marked escalated"
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	grep -qx ngt0 "$ROOT/run/nicguard/watch-escalated"
}

# Issue 12, bug 2: the daemon read skip from the policy alone; nicguard-skip in the stanza
# means hands off just the same: logged, never bounced.
@test "a stanza's nicguard-skip: the hang is logged, the port left alone" {
	mkdir -p "$ROOT/etc/network"
	printf 'iface ngt0 inet manual\n\tnicguard-skip yes\n' >"$ROOT/etc/network/interfaces"
	local b0
	b0=$(carrier ngt0)
	ng_watch_start
	hang_record ngt0 7 | ng_kmsg_write "$KMSG"
	ng_wait_log 'detected e1000e-hw-hang'
	sleep 0.3
	ng_watch_stop
	cat "$LOG"
	logged "detected e1000e-hw-hang (hang) on ngt0: no action (log-only)"
	! grep -q 'action bounce on ngt0' "$LOG"
	[ "$(carrier ngt0)" -eq "$b0" ]
}

@test "sd_notify: READY=1, STATUS= and STOPPING=1 over a path and an abstract socket" {
	local sock
	for sock in "$BATS_TEST_TMPDIR/notify" "@ng-notify-$$-$BATS_TEST_NUMBER"; do
		# Abstract sockets belong to the network namespace: listen inside it.
		ip netns exec "$NG_NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a = sys.argv[1]
s.bind("\0" + a[1:] if a[0] == "@" else a)
open(sys.argv[2], "w").close()
s.settimeout(10)
with open(sys.argv[2], "a") as f:
    while True:
        m = s.recv(4096).decode()
        f.write(m + "\n"); f.flush()
        if m == "STOPPING=1":
            break
' "$sock" "$BATS_TEST_TMPDIR/got" &
		local lpid=$!
		while [ ! -e "$BATS_TEST_TMPDIR/got" ]; do sleep 0.02; done
		NOTIFY_SOCKET=$sock ng_watch_start
		ng_watch_stop
		wait "$lpid"
		cat "$BATS_TEST_TMPDIR/got"
		grep -qx 'READY=1' "$BATS_TEST_TMPDIR/got"
		grep -q '^STATUS=Watching .*kmsg: 0 records, 0 detections, 0 actions' \
			"$BATS_TEST_TMPDIR/got"
		grep -qx 'STOPPING=1' "$BATS_TEST_TMPDIR/got"
		rm -f "$BATS_TEST_TMPDIR/got"
	done
}

@test "SIGHUP reloads the policy; a bad [watch] key is a FILE:LINE diagnostic" {
	ng_watch_start
	printf '[watch]\nquiet-after-boot = 0\nmin-intervall = 5s\n' >"$NG_CONF"
	kill -HUP "$WPID"
	ng_wait_log 'min-intervall'
	ng_watch_stop
	grep -q "reloading the policy" "$LOG"
	logged "$NG_CONF:3: unknown [watch] key \"min-intervall\" " \
		"(did you mean \"min-interval\"?) (section ignored)"
}

@test "real /dev/kmsg: a user-space hang line for a port of this namespace bounces it" {
	# A name no other test's namespace has, since /dev/kmsg is shared by every namespace.
	local ifname=ngk$((RANDOM % 100000)) b0
	ip -n "$NG_NS" link add name "$ifname" type veth peer name "${ifname}p"
	ip -n "$NG_NS" link set "$ifname" up
	ip -n "$NG_NS" link set "${ifname}p" up
	watch_conf "accept-user = yes"
	b0=$(carrier "$ifname")
	ip netns exec "$NG_NS" "$WATCH" --root "$ROOT" -c "$NG_CONF" --kmsg /dev/kmsg \
		--foreground 2>"$LOG" &
	WPID=$!
	ng_wait_log 'watching /dev/kmsg'
	# Arrives as facility user (priority 11), one record per line: the first line alone
	# must be enough.
	printf '<3>e1000e 0000:00:02.0 %s: Detected Hardware Unit Hang:\n  TDH <8d>\n' "$ifname" \
		>/dev/kmsg
	ng_wait_log "action bounce on $ifname"
	ng_watch_stop
	[ "$(carrier "$ifname")" -eq $((b0 + 2)) ]
}

@test "a rung with nothing to do is no action: the log says so and names the next step" {
	watch_conf "ladder = bounce reapply rebind" "min-interval = 200ms" "debounce = 0" \
		"settle = 0" "max-per-hour = 2"
	ng_watch_start
	hang_record ngt0 1 | ng_kmsg_write "$KMSG"
	ng_wait_log 'action bounce on ngt0'
	sleep 0.3
	hang_record ngt0 2 | ng_kmsg_write "$KMSG"
	ng_wait_log 'rebind on ngt0'
	# A third record: the hourly limit (2) still has a slot, as neither empty rung took one.
	sleep 0.5
	hang_record ngt0 3 | ng_kmsg_write "$KMSG"
	ng_wait_log 'detected e1000e-hw-hang (hang) on ngt0: action rebind'
	ng_watch_stop
	logged "reapply on ngt0 for e1000e-hw-hang: nothing to re-apply (no watch-* settings): " \
		"next step rebind"
	logged "rebind on ngt0 for e1000e-hw-hang: nothing to rebind (no bus device): " \
		"no further step"
	run grep -c '^watch: action ' "$LOG"
	[ "$output" -eq 1 ]
	logged "stopping: 3 records (0 lost, 0 skipped), 3 detections, 1 actions"
}
