#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# reboot.bats: nicguard-watch's opt-in reboot rung. The daemon runs on a test root whose
# /usr/bin/systemctl is a stand-in: it records its arguments, and copies the daemon's log,
# the history and the reboot record as they were at the moment it was called (rebooting
# this machine is no option). Hangs are e1000e records written to a FIFO, for a veth port in
# a namespace the test creates.

load ../helpers

setup() {
	ng_ns_setup
	# No IPv6: nothing leaves the port after a bounce, so the daemon has no traffic to
	# judge by and the next record takes the next rung.
	ip netns exec "$NG_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ng_watch_root
	REC=$BATS_TEST_TMPDIR/called
	mkdir -p "$ROOT/var/lib/nicguard" "$ROOT/usr/bin" "$REC"
	cat >"$ROOT/usr/bin/systemctl" <<-STANDIN
	#!/bin/sh
	# systemctl, as far as the reboot rung uses it: \`systemctl reboot\` prints nothing and
	# exits 0 once systemd took the job. What the daemon had written by then is kept.
	printf '%s\n' "\$@" >"$REC/argv"
	cp "$LOG" "$REC/log"
	cp "$ROOT/var/lib/nicguard/history" "$REC/history" 2>/dev/null
	cp "$ROOT/var/lib/nicguard/reboot-last" "$REC/record" 2>/dev/null
	cp "$ROOT/run/nicguard/watch-events" "$REC/events" 2>/dev/null
	exit 0
	STANDIN
	chmod 0755 "$ROOT/usr/bin/systemctl"
	# The machine has been up long enough for reboot-min-uptime = 1m.
	[ "$(cut -d. -f1 /proc/uptime)" -gt 120 ] || skip "up for less than 2 minutes"
}

teardown() {
	ng_watch_kill
	ng_ns_teardown
}

reboot_conf() {
	ng_conf < <(printf '%s\n' '[watch]' 'quiet-after-boot = 0' 'ladder = bounce reboot' \
		'min-interval = 1s' 'settle = 1s' 'debounce = 0' 'reboot-min-uptime = 1m' "$@")
}

# One e1000e hang record for ngt0, written whole to the FIFO.
hang() { # SEQ
	printf '3,%s,%s000,-;e1000e 0000:00:1f.6 ngt0: Detected Hardware Unit Hang:\n' "$1" "$1" |
		ng_kmsg_write "$KMSG"
}

# The first hang bounces the port; the second, after settle, takes the next rung.
two_hangs() {
	hang 1
	ng_wait_log 'action bounce on ngt0 for e1000e-hw-hang: done'
	sleep 1.5
	hang 2
}

@test "reboot: the last rung, after the bounce failed: logged and the history written before systemctl reboot is called" {
	reboot_conf
	ng_watch_start
	two_hangs
	ng_wait_log 'action reboot on ngt0 for e1000e-hw-hang: done: .*/usr/bin/systemctl reboot accepted'
	ng_watch_stop
	cat "$LOG"
	# Called once, by its absolute path under the root, with one argument.
	[ "$(cat "$REC/argv")" = reboot ]
	# When it was called, the log already said why, and the result line was not yet there.
	grep -q "reboot on ngt0 for e1000e-hw-hang: every step before it was taken; asking systemd to reboot the host ($ROOT/usr/bin/systemctl reboot)" "$REC/log"
	! grep -q 'action reboot' "$REC/log"
	# The history on disk held both detections and the reboot; the events file too.
	grep -aq 'asking systemd to reboot the host' "$REC/history"
	grep -aq 'e1000e-hw-hang' "$REC/history"
	grep -q 'reboot' "$REC/events"
	# The record that the next boot reads (reboot-period) was there, synced.
	grep -qx 'time=[0-9]*' "$REC/record"
	grep -qx 'interface=ngt0' "$REC/record"
	grep -qx 'signature=e1000e-hw-hang' "$REC/record"
	[ "$(head -n 1 "$REC/record")" = "# Written by nicguard. Changes here are overwritten; edit the policy instead." ]
}

@test "reboot: at most once per reboot-period: a recent record (kept across the reboot) means not now, and systemctl is not called" {
	printf '%s\n' "# Written by nicguard. Changes here are overwritten; edit the policy instead." \
		"time=$(($(date +%s) - 7200))" >"$ROOT/var/lib/nicguard/reboot-last"
	reboot_conf
	ng_watch_start
	two_hangs
	ng_wait_log 'reboot on ngt0 for e1000e-hw-hang: not now: the last reboot for a hang was 120 min ago (reboot-period 1440 min): no further step'
	ng_watch_stop
	[ ! -e "$REC/argv" ]
	# A shorter period that has run out: the reboot goes ahead.
	reboot_conf 'reboot-period = 1h'
	ng_watch_start
	two_hangs
	ng_wait_log 'action reboot on ngt0 for e1000e-hw-hang: done'
	ng_watch_stop
	[ "$(cat "$REC/argv")" = reboot ]
}

@test "reboot: never within reboot-min-uptime of boot: held, and systemctl is not called" {
	reboot_conf 'reboot-min-uptime = 168h'
	[ "$(cut -d. -f1 /proc/uptime)" -lt $((168 * 3600)) ] || skip "up for more than a week"
	ng_watch_start
	two_hangs
	ng_wait_log 'detected e1000e-hw-hang (hang) on ngt0: no action yet (reboot-min-uptime; rung 2 due in '
	sleep 1
	ng_watch_stop
	[ ! -e "$REC/argv" ]
	! grep -q 'action reboot' "$LOG"
}

@test "reboot: not recorded, not rebooted: no /var/lib/nicguard, a record nicguard did not write; a dry run only says so" {
	rmdir "$ROOT/var/lib/nicguard"
	reboot_conf
	ng_watch_start
	two_hangs
	ng_wait_log 'action reboot on ngt0 for e1000e-hw-hang: failed: not rebooting: '
	ng_watch_stop
	[ ! -e "$REC/argv" ]
	mkdir "$ROOT/var/lib/nicguard"
	echo 'time=1' >"$ROOT/var/lib/nicguard/reboot-last"
	ng_watch_start
	two_hangs
	ng_wait_log 'action reboot on ngt0 for e1000e-hw-hang: failed: not rebooting: .*not written by nicguard; not rebooting'
	ng_watch_stop
	[ ! -e "$REC/argv" ]
	[ "$(cat "$ROOT/var/lib/nicguard/reboot-last")" = 'time=1' ]
	rm "$ROOT/var/lib/nicguard/reboot-last"
	ng_watch_start --dry-run
	hang 1
	ng_wait_log 'action bounce on ngt0 for e1000e-hw-hang: dry run: would bounce'
	sleep 1.5
	hang 2
	ng_wait_log 'action reboot on ngt0 for e1000e-hw-hang: dry run: would reboot'
	ng_watch_stop
	[ ! -e "$REC/argv" ]
	[ ! -e "$ROOT/var/lib/nicguard/reboot-last" ]
}

@test "reboot: a reboot-watchdog that is not there is said at start, and the reboot is still asked of systemd" {
	# The device is looked up under the test root: no watchdog of this machine is touched.
	reboot_conf 'reboot-watchdog = /dev/watchdog0' 'reboot-watchdog-timeout = 2m'
	ng_watch_start
	ng_wait_log "reboot-watchdog $ROOT/dev/watchdog0: no such watchdog device (its driver not loaded?)"
	two_hangs
	ng_wait_log 'action reboot on ngt0 for e1000e-hw-hang: done: .*/usr/bin/systemctl reboot accepted'
	ng_watch_stop
	cat "$LOG"
	[ "$(cat "$REC/argv")" = reboot ]
	# Tried first, refused, said; then systemd was asked all the same.
	grep -q "reboot-watchdog not armed: $ROOT/dev/watchdog0: No such file or directory; the reboot is up to systemd alone" "$REC/log"
	! grep -q 'armed: it resets the host' "$LOG"
}
