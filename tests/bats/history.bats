#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# history.bats: the event history (/var/lib/nicguard/history) as the programs write it, and
# `nicguard report` and `status` read it: rates worked out by hand, the SVG, the cluster
# view from a two-node tree, crashes and failed writes.

load ../helpers

WATCH=$NG_BUILD/nicguard-watch
FAULT_SO=$NG_BUILD/ng-fault.so
FAULT_ENV=(NG_FAULT_LOG=1 LD_PRELOAD="$FAULT_SO" ASAN_OPTIONS=verify_asan_link_order=0)
# The story of tests/unit/test-histreport.c ends here.
UNTIL=2026-12-07T10:00

setup() {
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT/var/lib/nicguard" "$ROOT/run"
	HIST=$ROOT/var/lib/nicguard/history
	NODE=$(uname -n)
	NODE=${NODE%%.*}
}

teardown() {
	if [ -n "${WPID:-}" ]; then
		kill -TERM "$WPID" 2>/dev/null || true
		wait "$WPID" 2>/dev/null || true
	fi
	ng_ns_teardown
}

# The recorded story: eno1 hangs 3.2 times a day until tso off, vmbr0 drops until rps and a
# sysctl (see tests/unit/test-histreport.c for every number).
story() {
	"$NG_BUILD/tests/test-histreport" --write-fixture "$HIST"
}

report() {
	"$NICGUARD" --root "$ROOT" report "$@"
}

# A root whose /sys and /proc are the namespace's, for programs that act on its veths.
live_root() {
	ng_ns_setup
	ln -s /sys "$ROOT/sys"
	ln -s /proc "$ROOT/proc"
	ng_conf <<-'EOF'
	[interface ngt0]
	offload = tso off gso off
	EOF
}

@test "report: hangs a day before and after tso off, and drops a second around rps and a sysctl, as worked out by hand" {
	story
	run report --until "$UNTIL"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "History from 2026-11-07 10:00 UTC to 2026-12-07 10:00 UTC (30 days); nicguard-watch watched 16.0 days of it." ]
	grep -qxF "eno1: 32 hangs, 32 resets in 16.0 days watched; the last hang 2026-12-01 04:30 UTC" <<<"$output"
	grep -qxF '  3.2 hangs/day in the 10.0 days before `tso off gso off gro off` took effect on 2026-12-01 10:00 UTC, 0 in the 6.0 days since' <<<"$output"
	grep -qxF '    (apply, /etc/nicguard/nicguard.conf:3; was tso on gso on gro on)' <<<"$output"
	grep -qxF '  2.98 rx drops/s in the 12.1 days before `rps all` took effect on 2026-12-03 12:00 UTC, 1/s in the 2.0 days after' <<<"$output"
	grep -qxF '  1 rx drops/s in the 2.0 days before `net.core.netdev_max_backlog 5000` took effect on 2026-12-05 12:00 UTC, 0.1/s in the 1.9 days since' <<<"$output"
	grep -qxF '  0.0028 softnet drops/s in the 14.1 days before `net.core.netdev_max_backlog 5000` took effect on 2026-12-05 12:00 UTC, 0/s in the 1.9 days since' <<<"$output"
	# The reboot's re-apply of tso off is no change of its own.
	[ "$(grep -c 'took effect' <<<"$output")" -eq 4 ]
}

@test "report --json: the same numbers for scripts" {
	story
	run report --json --until "$UNTIL"
	[ "$status" -eq 0 ]
	jq -e '.days == 30 and .host.watched_days == 16' <<<"$output"
	jq -e '.interfaces | map(.name) == ["eno1", "vmbr0"]' <<<"$output"
	jq -e '.interfaces[0] | .hangs == 32 and .resets == 32 and .hangs_since == 0 and
		.settings == "tso off gso off gro off" and .settings_since == 1796119200' <<<"$output"
	jq -e '.interfaces[0].changes[0].hangs | .before.hangs_per_day == 3.2 and
		.before.watched_days == 10 and .after.hangs_per_day == 0 and
		.after.watched_days == 6' <<<"$output"
	jq -e '.interfaces[1].changes | map(.drops.before.rx_dropped_per_second) == [2.98, 1]' \
		<<<"$output"
	jq -e '.interfaces[1].changes[1] | .host_sysctl and .source == "sysctl" and
		.drops.after.rx_dropped_per_second == 0.1' <<<"$output"
	# One entry per day, the last today: 2026-12-01 had the last two hangs.
	jq -e '.interfaces[0].days | length == 30 and .[-1].date == "2026-12-07" and
		(map(select(.date == "2026-12-01"))[0].hangs == 2) and
		(map(.hangs) | add == 32)' <<<"$output"
}

@test "report --svg: a well-formed picture, a panel per interface, every change marked; it renders" {
	story
	run report --until "$UNTIL" --svg "$BATS_TEST_TMPDIR/nics.svg"
	[ "$status" -eq 0 ]
	xmllint --noout "$BATS_TEST_TMPDIR/nics.svg"
	grep -q '>eno1: 32 hangs, 32 resets, 0 rx drops in 30 days<' "$BATS_TEST_TMPDIR/nics.svg"
	grep -q '>vmbr0: 0 hangs, 0 resets, 3300480 rx drops in 30 days<' "$BATS_TEST_TMPDIR/nics.svg"
	grep -q '>12-01 10:00 tso off gso off gro off<' "$BATS_TEST_TMPDIR/nics.svg"
	grep -q '>12-03 12:00 rps all<' "$BATS_TEST_TMPDIR/nics.svg"
	# Five days with 6 hangs, one with 2: six bars.
	[ "$(grep -c 'class="hangs"><title>' "$BATS_TEST_TMPDIR/nics.svg")" -eq 6 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/nics.svg")" = 644 ]
	rsvg-convert "$BATS_TEST_TMPDIR/nics.svg" >"$BATS_TEST_TMPDIR/nics.png"
	file "$BATS_TEST_TMPDIR/nics.png" | grep -q 'PNG image data, 960 x 760'
}

@test "report IFACE --days N: only those interfaces and days; the settings' age still shown" {
	story
	run report --until "$UNTIL" --days 5 eno1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[1]}" = "eno1: no hangs in 5.0 days watched; the last hang 2026-12-01 04:30 UTC" ]
	[ "${lines[2]}" = '  0 hangs since its settings took effect on 2026-12-01 10:00 UTC (`tso off gso off gro off`)' ]
}

@test "report: bad usage is exit 2; a file nicguard did not write is refused; no history is no error" {
	run report --days 0
	[ "$status" -eq 2 ]
	run report --days 63
	[ "$status" -eq 2 ]
	run report --until yesterday
	[ "$status" -eq 2 ]
	[[ "$output" == *'bad --until "yesterday"'* ]]
	run report 'eth0;reboot'
	[ "$status" -eq 2 ]
	run report --publish --json
	[ "$status" -eq 2 ]
	run report
	[ "$status" -eq 0 ]
	[[ "$output" == *"Nothing recorded yet"* ]]
	echo "my notes" >"$HIST"
	chmod 600 "$HIST"
	run report
	[ "$status" -eq 1 ]
	[[ "$output" == *"$HIST: not a history nicguard wrote; left alone"* ]]
	rm "$HIST"
	ln -s /etc/passwd "$HIST"
	run report
	[ "$status" -eq 1 ]
	[[ "$output" == *"a symbolic link"* ]]
}

@test "apply records each change that took effect once: the reboot's re-apply is no new change; status shows it" {
	live_root
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$HIST")" = 600 ]
	# A driver reload or reboot turns tso back on; udev (here: apply again) turns it off.
	ng_ns_exec "$ETHTOOL" -K ngt0 tso on
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	[[ "$output" == *"tso off: changed (was on)"* ]]
	run report --json ngt0
	echo "$output"
	jq -e '.interfaces[0] | .name == "ngt0" and (.changes | length) == 1 and
		.changes[0].settings == "tso off gso off" and .changes[0].source == "apply" and
		(.changes[0].origin | endswith("nicguard.conf:2"))' <<<"$output"
	# Nothing changed at all: nothing recorded.
	size=$(stat -c %s "$HIST")
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	[ "$(stat -c %s "$HIST")" -eq "$size" ]
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" status ngt0
	echo "$output"
	[[ "$output" == *'  history: 0 hangs since its settings took effect on '*' (`tso off gso off`) [nicguard report]'* ]]
	# Without /var/lib/nicguard (a build run from a checkout): no history, no complaint.
	rm -r "$ROOT/var/lib/nicguard"
	ng_ns_exec "$ETHTOOL" -K ngt0 tso on
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]
	[[ "$output" != *history* ]]
}

@test "udev records the change it made, as apply does: one place for every program's results" {
	live_root
	mkdir -p "$ROOT/etc/nicguard"
	cp "$NG_CONF" "$ROOT/etc/nicguard/nicguard.conf"
	idx=$(ng_ns_exec cat /sys/class/net/ngt0/ifindex)
	run ng_ns_exec env -i NICGUARD_ROOT="$ROOT" "$NG_BUILD/nicguard-udev" "$idx" add
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	run report --json ngt0
	echo "$output"
	jq -e '.interfaces[0] | .name == "ngt0" and (.changes | length) == 1 and
		.changes[0].settings == "tso off gso off" and .changes[0].source == "udev"' <<<"$output"
}

# One e1000e hang record for IF, as the driver logs it.
hang_record() { # IF SEQ
	printf '3,%s,%s000,-;e1000e 0000:00:1f.6 %s: Detected Hardware Unit Hang:\n' "$2" "$2" "$1"
	printf ' SUBSYSTEM=pci\n DEVICE=+pci:0000:00:1f.6\n'
}

# Run nicguard-watch over a file of records to its end, in the namespace.
watch_file() { # FILE [ARGS...]
	ng_conf <<-'EOF'
	[watch]
	quiet-after-boot = 0
	EOF
	ip netns exec "$NG_NS" "$WATCH" --kmsg "$1" --root "$ROOT" -c "$NG_CONF" --foreground \
		"${@:2}" 2>"$BATS_TEST_TMPDIR/watch.log"
}

@test "nicguard-watch records each detection and action; the --scan backlog is not counted again" {
	live_root
	hang_record ngt0 1 >"$BATS_TEST_TMPDIR/kmsg"
	run watch_file "$BATS_TEST_TMPDIR/kmsg"
	cat "$BATS_TEST_TMPDIR/watch.log"
	[ "$status" -eq 0 ]
	grep -q 'action bounce on ngt0' "$BATS_TEST_TMPDIR/watch.log"
	run report --json ngt0
	echo "$output"
	jq -e '.interfaces[0] | .hangs == 1 and .last_hang != null' <<<"$output"
	# The same record read as the ring buffer's backlog: logged, acted on never, counted
	# never (the run that saw it live counted it).
	run watch_file "$BATS_TEST_TMPDIR/kmsg" --scan
	run report --json ngt0
	jq -e '.interfaces[0].hangs == 1' <<<"$output"
}

@test "nicguard-watch's reapply step: its changes recorded (source watch), the report marks the escalation" {
	live_root
	ng_conf <<-'EOF'
	[interface ngt0]
	offload = tso off
	watch-offload = tso off gso off
	[watch]
	quiet-after-boot = 0
	ladder = reapply
	EOF
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]
	sleep 1
	hang_record ngt0 1 >"$BATS_TEST_TMPDIR/kmsg"
	ip netns exec "$NG_NS" "$WATCH" --kmsg "$BATS_TEST_TMPDIR/kmsg" --root "$ROOT" \
		-c "$NG_CONF" --foreground 2>"$BATS_TEST_TMPDIR/watch.log"
	cat "$BATS_TEST_TMPDIR/watch.log"
	grep -q 'action reapply on ngt0 for e1000e-hw-hang: 1 of 2 settings changed' \
		"$BATS_TEST_TMPDIR/watch.log"
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = off ]
	run report --json ngt0
	echo "$output"
	jq -e '.interfaces[0].changes | length == 2 and
		.[0].source == "apply" and .[0].escalation == false and
		.[1].source == "watch" and .[1].escalation == true and
		.[1].settings == "gso off" and (.[1].origin | endswith(":3"))' \
		<<<"$output"
	run report ngt0
	echo "$output"
	grep -qF '(nicguard-watch escalated: its reapply step put the watch-* settings in force, ' \
		<<<"$output"
}

@test "nicguard-watch's metrics carry the history's gauges: apply's change, this run's hang" {
	live_root
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]
	sleep 1		# the hang must come after the change, in whole seconds
	start=$(date +%s)
	hang_record ngt0 1 >"$BATS_TEST_TMPDIR/kmsg"
	mkdir -p "$ROOT/var/lib/prometheus/node-exporter"
	run watch_file "$BATS_TEST_TMPDIR/kmsg"
	[ "$status" -eq 0 ]
	prom=$ROOT/var/lib/prometheus/node-exporter/nicguard.prom
	grep nicguard_history_ "$prom"
	grep -qx 'nicguard_history_hangs_since_change{interface="ngt0"} 1' "$prom"
	last=$(sed -n 's/^nicguard_history_last_hang_timestamp_seconds{interface="ngt0"} //p' "$prom")
	changed=$(sed -n 's/^nicguard_history_settings_changed_timestamp_seconds{interface="ngt0"} //p' "$prom")
	[ "$last" -ge "$start" ]
	[ "$changed" -gt 0 ] && [ "$changed" -lt "$start" ]
}

@test "no node_exporter: not a word about its directory; metrics = PATH given and missing: said once" {
	live_root
	hang_record ngt0 1 >"$BATS_TEST_TMPDIR/kmsg"
	hang_record ngt0 2 >>"$BATS_TEST_TMPDIR/kmsg"
	run watch_file "$BATS_TEST_TMPDIR/kmsg"
	[ "$status" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/watch.log"
	echo "$output"
	[[ "$output" != *"cannot open directory"* ]]
	[[ "$output" != *"metrics"* ]]
	# The admin asked for metrics there: that it cannot be written is news.
	ng_conf <<-'EOF'
	[watch]
	quiet-after-boot = 0
	metrics = /var/lib/prometheus/node-exporter/nicguard.prom
	EOF
	ip netns exec "$NG_NS" "$WATCH" --kmsg "$BATS_TEST_TMPDIR/kmsg" --root "$ROOT" \
		-c "$NG_CONF" --foreground 2>"$BATS_TEST_TMPDIR/watch.log"
	cat "$BATS_TEST_TMPDIR/watch.log"
	[ "$(grep -c 'metrics: .*cannot open directory' "$BATS_TEST_TMPDIR/watch.log")" -eq 1 ]
}

@test "a crash in the middle of a history write loses that write only; later ones are read" {
	[ -f "$FAULT_SO" ]
	live_root
	hang_record ngt0 1 >"$BATS_TEST_TMPDIR/kmsg"
	run watch_file "$BATS_TEST_TMPDIR/kmsg"
	[ "$status" -eq 0 ]
	size=$(stat -c %s "$HIST")
	# The next run dies 30 bytes into its write (SIGKILL, as a crash would).
	ng_ns_exec env "${FAULT_ENV[@]}" NG_FAULT="cut=30@var/lib/nicguard/history" \
		"$WATCH" --kmsg "$BATS_TEST_TMPDIR/kmsg" --root "$ROOT" -c "$NG_CONF" \
		--foreground 2>"$BATS_TEST_TMPDIR/watch.log" || rc=$?
	cat "$BATS_TEST_TMPDIR/watch.log"
	[ "${rc:-0}" -eq 137 ]
	grep -q 'ng-fault: cut .*history' "$BATS_TEST_TMPDIR/watch.log"
	[ "$(stat -c %s "$HIST")" -eq $((size + 30)) ]
	# A third run after the "reboot" appends behind the torn record: its detection (the
	# same episode as the first, a few seconds apart) is the last hang now.
	sleep 1
	t3=$(date +%s)
	run watch_file "$BATS_TEST_TMPDIR/kmsg"
	[ "$status" -eq 0 ]
	run report --json ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"history: 30 damaged bytes skipped"* ]]
	jq -e --argjson t3 "$t3" '.interfaces[0] | .hangs == 1 and .last_hang >= $t3' \
		<<<"$(sed -n '/^{/,$p' <<<"$output")"
}

@test "the disk is full: apply still works and says why the history missed it; the file stays whole" {
	[ -f "$FAULT_SO" ]
	live_root
	run ng_nicguard --root "$ROOT" -c "$NG_CONF" apply ngt0
	[ "$status" -eq 0 ]
	cp "$HIST" "$BATS_TEST_TMPDIR/before"
	ng_ns_exec "$ETHTOOL" -K ngt0 tso on
	run ip netns exec "$NG_NS" env "${FAULT_ENV[@]}" NG_FAULT="write=ENOSPC@nicguard/history" \
		"$NICGUARD" --root "$ROOT" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tso off: changed (was on)"* ]]
	[[ "$output" == *"history: $HIST: cannot append: No space left on device"* ]]
	cmp "$BATS_TEST_TMPDIR/before" "$HIST"
	[ -z "$(find "$ROOT/var/lib/nicguard" -name '.*')" ]
}

@test "report --cluster: every node side by side; a stale summary marked; a node without one skipped" {
	ROOT=$(copy_fixture cluster)
	run "$NICGUARD" --root "$ROOT" report --cluster --until "$UNTIL"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[0]}" == "NODE "*"IFACE"*"30D"*"7D"*"LAST HANG"* ]]
	[[ "${lines[1]}" =~ ^pve1\ +eno1\ +94\ +21\ +2026-12-07\ 08:00\ +-\ +-$ ]]
	[[ "${lines[2]}" =~ ^pve1\ +eno2\ +0\ +0\ +-\ +\?\ -\>\ 0\ +2026-11-18\ \`tso\ off\ gso\ off\ gro\ off\`$ ]]
	[[ "${lines[3]}" =~ ^pve2\ +eno1\ +63\ +0\ +2026-11-24\ 06:00\ +3.2\ -\>\ 0\ +2026-11-24\ \`tso\ off ]]
	[[ "${lines[4]}" =~ ^pve2\ +vmbr0\ +0\ +0 ]]
	[ "${lines[5]}" = "pve2         (its summary is from 2026-12-04 10:26 UTC, 3.0 days old)" ]
	run "$NICGUARD" --root "$ROOT" report --cluster --json eno1
	[ "$status" -eq 0 ]
	jq -e '.nodes | map(.node) == ["pve1", "pve2"]' <<<"$output"
	jq -e '.nodes[1].interfaces | length == 1 and .[0].hangs_30d == 63 and
		.[0].hangs_per_day_before == 3.2 and .[0].hangs_per_day_since == 0 and
		(.[0].in_effect | map(.setting) == ["tso", "gso", "gro"])' <<<"$output"
}

@test "report --publish: this node's summary in /etc/pve/nodes/NODE, 0640 with its marker; --cluster reads it back" {
	story
	mkdir -p "$ROOT/etc/pve/nodes/$NODE"
	run report --publish --until "$UNTIL"
	echo "$output"
	[ "$status" -eq 0 ]
	S=$ROOT/etc/pve/nodes/$NODE/nicguard-summary
	[ "$(stat -c %a "$S")" = 640 ]
	[ "$(head -n 1 "$S")" = "# Written by nicguard. Changes here are overwritten; edit the policy instead." ]
	grep -qx "node $NODE" "$S"
	grep -qx 'since 1796119200 3.20 0.00 tso off gso off gro off' "$S"
	# What a cluster member may read anyway: no policy file names, no origins.
	! grep -q 'nicguard.conf\|sysctl.d' "$S"
	[ "$(stat -c %s "$S")" -lt 65536 ]
	run report --cluster --json --until "$UNTIL"
	jq -e --arg n "$NODE" '.nodes[0].node == $n and
		(.nodes[0].interfaces | map(.name) == ["eno1", "vmbr0"]) and
		.nodes[0].interfaces[0].hangs_30d == 32' <<<"$output"
}

@test "report --publish without quorum (pmxcfs refuses: EACCES), or on no Proxmox VE node: said, exit 0" {
	[ -f "$FAULT_SO" ]
	story
	run report --publish
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"not a Proxmox VE node (no /etc/pve/nodes/$NODE): nothing published"* ]]
	mkdir -p "$ROOT/etc/pve/nodes/$NODE"
	run env "${FAULT_ENV[@]}" NG_FAULT="open=EACCES@/etc/pve/nodes/$NODE/." \
		"$NICGUARD" --root "$ROOT" report --publish
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"summary not published (no quorum?)"*"Permission denied"* ]]
	[ -z "$(ls -A "$ROOT/etc/pve/nodes/$NODE")" ]
	# A file there that is not nicguard's (or read-only, as pmxcfs shows files without
	# quorum) is left alone, and that is no error either.
	echo "the admin's" >"$ROOT/etc/pve/nodes/$NODE/nicguard-summary"
	chmod 440 "$ROOT/etc/pve/nodes/$NODE/nicguard-summary"
	run report --publish
	[ "$status" -eq 0 ]
	[[ "$output" == *"summary not published"*"was not written by nicguard"* ]]
	[ "$(cat "$ROOT/etc/pve/nodes/$NODE/nicguard-summary")" = "the admin's" ]
}
