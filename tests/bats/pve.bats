#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pve.bats: the vzdump hook and the guest hookscript called exactly as vzdump and qm call them
# (argv, emptied environment, phase order) on a Proxmox config tree, with real veth devices
# in a namespace and the real ethtool as witness; qm and pct are stand-ins (tests/pve-stubs).
#
# How the hooks find the fake tree: a hook binary installed as R/usr/libexec/nicguard/NAME
# works on the tree under R (Proxmox configs, policy, /run, and R/usr/sbin/{qm,pct}), so the
# environment stays exactly what vzdump gives: nothing is passed besides its variables.

load ../helpers

setup() {
	ng_ns_setup
	# veth starts with GRO off: on, so that the backup window has something to turn off
	# and the restore something to turn back on.
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	ROOT=$(copy_fixture pve)
	mkdir -p "$ROOT/usr/libexec/nicguard" "$ROOT/usr/sbin" "$ROOT/run" "$ROOT/etc/nicguard" \
		"$ROOT/var/lib/vz"
	cp "$NG_BUILD/nicguard-vzdump-hook" "$ROOT/usr/libexec/nicguard/vzdump-hook"
	cp "$NG_BUILD/nicguard-guest-hook" "$ROOT/usr/libexec/nicguard/guest-hook"
	cp "$NG_TOP"/tests/pve-stubs/* "$ROOT/usr/sbin/"
	# The kernel's views: inside `ip netns exec`, /sys shows the test's namespace.
	ln -s /proc "$ROOT/proc"
	ln -s /sys "$ROOT/sys"
	HOOK=$ROOT/usr/libexec/nicguard/vzdump-hook
	GHOOK=$ROOT/usr/libexec/nicguard/guest-hook
	QEMU=$ROOT/etc/pve/nodes/pve1/qemu-server
	LXC=$ROOT/etc/pve/nodes/pve1/lxc
	STATE=$ROOT/run/nicguard/backup-state
	# The whole environment nicguard gives qm and pct.
	TOOL_ENV="PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C"
	GOES_ON="(the backup goes on)"
	policy <<-EOF
		[interface ngt0]
		backup-uplink = yes
		backup-offload = tso off gso off gro off
		backup-coalesce = rx-usecs 3
	EOF
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/before"
}

teardown() {
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	ng_ns_teardown
}

policy() {
	cat >"$ROOT/etc/nicguard/nicguard.conf"
}

# Hold vzdump's node lock from another process, as a running job does, until release_lock.
hold_lock() {
	# One process holds it, so killing that process releases it.
	(exec 9>>"$ROOT/run/vzdump.lock" && flock 9 && exec sleep 60) &
	HOLDER=$!
	for _ in $(seq 50); do
		[ -e "$ROOT/run/vzdump.lock" ] &&
			grep -q " FLOCK .*:$(stat -c %i "$ROOT/run/vzdump.lock") " /proc/locks &&
			return
		sleep 0.1
	done
	return 1
}

release_lock() {
	kill "$HOLDER"
	wait "$HOLDER" || true
	HOLDER=
}

# vzdump's call: `HOOK PHASE` for job phases, `HOOK PHASE MODE VMID` for guest phases, an
# emptied environment with only what run_hook_script sets, stdin an empty pipe.
#   vzdump PHASE                        job phase
#   vzdump PHASE MODE VMID TYPE NAME    guest phase
vzdump() {
	local env=(STOREID=local DUMPDIR=/var/lib/vz/dump LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1)
	local args=("$1") base
	if [ $# -gt 1 ]; then
		base=/var/lib/vz/dump/vzdump-$4-$3-2025_10_05-02_00_00
		env+=(VMTYPE="$4" HOSTNAME="$5" TARGET="$base.vma.zst" LOGFILE="$base.log")
		args+=("$2" "$3")
	fi
	ip netns exec "$NG_NS" env -i "${env[@]}" "$HOOK" "${args[@]}" </dev/null
}

# What vzdump itself does around a guest: `lock: backup` before backup-start, removed after
# backup-end (PVE::VZDump lock_vm / unlock_vm).
vz_lock() { sed -i '1i lock: backup' "$1"; }
vz_unlock() { sed -i '0,/^lock: backup$/{/^lock: backup$/d}' "$1"; }

# One guest's phases in snapshot (qemu) or suspend (lxc) mode, as exec_backup_task runs them.
# While they run the guest holds lock: backup, and no phase may touch it.
guest_backup() { # VMID TYPE NAME MODE CONF
	vz_lock "$5"
	for phase in backup-start pre-stop pre-restart post-restart backup-end; do
		run vzdump "$phase" "$4" "$1" "$2" "$3"
		[ "$status" -eq 0 ]
		[[ $output != *"goes on"* ]]
		[ "$(lock_of "$5")" = backup ]
	done
	vz_unlock "$5"
	run vzdump log-end "$4" "$1" "$2" "$3"
	[ "$status" -eq 0 ]
}

assert_tight() {
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
}

assert_original() {
	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/before" -
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
}

# The lock value of a guest config's main section.
lock_of() { awk '/^\[/ { exit } $1 == "lock:" { print $2 }' "$1"; }

assert_only_stale_unlocked() {
	[ -z "$(lock_of "$QEMU/103.conf")" ]
	[ -z "$(lock_of "$LXC/200.conf")" ]
	[ "$(lock_of "$QEMU/104.conf")" = migrate ]
	[ "$(lock_of "$QEMU/105.conf")" = snapshot ]
	[ "$(lock_of "$QEMU/106.conf")" = suspended ]
	[ "$(lock_of "$LXC/201.conf")" = mounted ]
	# The snapshot section's and the cloud-init section's locks are not the guest's.
	grep -qx 'lock: backup' "$QEMU/102.conf"
	grep -qx 'lock: backup' "$QEMU/107.conf"
	# Another node's guests are never ours.
	grep -qx 'lock: backup' "$ROOT/etc/pve/nodes/pve2/qemu-server/300.conf"
	grep -qx 'lock: backup' "$ROOT/etc/pve/nodes/pve2/lxc/301.conf"
	# Exactly the two unlocks, with their own small environment.
	[ "$(wc -l <"$ROOT/stub-calls")" -eq 2 ]
	grep -qx "qm unlock 103 | env: $TOOL_ENV " "$ROOT/stub-calls"
	grep -qx "pct unlock 200 | env: $TOOL_ENV " "$ROOT/stub-calls"
}

@test "a two-guest job: tightened from job-start to job-end, then exactly restored" {
	run vzdump job-init
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e "$STATE" ]
	run vzdump job-start
	[ "$status" -eq 0 ]
	[[ $output == *"nicguard: backup settings: ngt0: tso off (was on): changed"* ]]
	[[ $output == *"ngt0: gro off (was on): changed"* ]]
	# veth has no interrupt coalescing (ethtool -c fails): the report says so.
	[[ $output == *"ngt0: rx-usecs 3 (was ?): unsupported"* ]]
	run ng_ns_exec "$ETHTOOL" -c ngt0
	[ "$status" -ne 0 ]
	assert_tight
	[ "$(stat -c %a "$STATE")" = 600 ]
	head -1 "$STATE" | grep -q '^# Written by nicguard'
	grep -q '^ngt0 offload .*rx-gro on' "$STATE"
	cp "$STATE" "$BATS_TEST_TMPDIR/state"

	guest_backup 100 qemu web snapshot "$QEMU/100.conf"
	guest_backup 202 lxc nebula-sync suspend "$LXC/202.conf"
	assert_tight
	cmp "$STATE" "$BATS_TEST_TMPDIR/state"
	[ ! -e "$ROOT/stub-calls" ]

	run vzdump job-end
	[ "$status" -eq 0 ]
	[[ $output == *"restored: ngt0: rx-gro on (was off): changed"* ]]
	[[ $output == *"guest 103: removed a stale lock: backup (qm unlock 103)"* ]]
	[[ $output == *"guest 200: removed a stale lock: backup (pct unlock 200)"* ]]
	[ "$(grep -c 'stale lock' <<<"$output")" -eq 2 ]
	assert_original
	[ ! -e "$STATE" ]
	assert_only_stale_unlocked
	[ -z "$(lock_of "$QEMU/100.conf")" ]
	[ -z "$(lock_of "$LXC/202.conf")" ]
}

@test "a job that aborts half-way: job-abort restores and unlocks" {
	run vzdump job-start
	[ "$status" -eq 0 ]
	assert_tight
	vz_lock "$QEMU/100.conf"
	run vzdump backup-start stop 100 qemu web
	[ "$status" -eq 0 ]
	run vzdump pre-stop stop 100 qemu web
	[ "$status" -eq 0 ]
	# The guest's backup fails: vzdump unlocks it, runs backup-abort, log-end, job-abort.
	vz_unlock "$QEMU/100.conf"
	run vzdump backup-abort stop 100 qemu web
	[ "$status" -eq 0 ]
	run vzdump log-end stop 100 qemu web
	[ "$status" -eq 0 ]
	assert_tight
	run vzdump job-abort
	[ "$status" -eq 0 ]
	assert_original
	[ ! -e "$STATE" ]
	assert_only_stale_unlocked
}

@test "a job after a crashed one restores the true originals, not the tightened values" {
	run vzdump job-start
	[ "$status" -eq 0 ]
	vz_lock "$QEMU/100.conf"
	run vzdump backup-start snapshot 100 qemu web
	[ "$status" -eq 0 ]
	# vzdump is killed here: no job-end, no unlock. The NIC stays tight.
	cp "$STATE" "$BATS_TEST_TMPDIR/state"
	assert_tight
	run vzdump job-init
	[ "$status" -eq 0 ]
	run vzdump job-start
	[ "$status" -eq 0 ]
	[[ $output == *"kept the saved settings of an earlier job"* ]]
	cmp "$STATE" "$BATS_TEST_TMPDIR/state"
	guest_backup 102 qemu dns snapshot "$QEMU/102.conf"
	run vzdump job-end
	[ "$status" -eq 0 ]
	assert_original
	[ ! -e "$STATE" ]
	# The crashed job's guest is unlocked along with the old stale ones.
	[ -z "$(lock_of "$QEMU/100.conf")" ]
	grep -qx "qm unlock 100 | env: $TOOL_ENV " "$ROOT/stub-calls"
}

@test "backup-start tightens when no job-start was seen; later guests keep the state" {
	run vzdump backup-start snapshot 100 qemu web
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0: tso off (was on): changed"* ]]
	assert_tight
	cp "$STATE" "$BATS_TEST_TMPDIR/state"
	run vzdump backup-start snapshot 102 qemu dns
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	cmp "$STATE" "$BATS_TEST_TMPDIR/state"
	run vzdump job-end
	[ "$status" -eq 0 ]
	assert_original
}

@test "unknown phases are ignored; a bad call is one line; both exit 0" {
	run vzdump job-frobnicate
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run vzdump post-frobnicate snapshot 100 qemu web
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ip netns exec "$NG_NS" env -i "$HOOK" backup-start snapshot </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "nicguard: backup-start: called with 2 arguments, expected PHASE MODE"* ]]
	run ip netns exec "$NG_NS" env -i "$HOOK" </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_original
}

@test "failure: an interface saved at job-start is gone at job-end" {
	run vzdump job-start
	[ "$status" -eq 0 ]
	# A crashed job's state naming a port that has since disappeared.
	echo "ngt9 offload rx-gro on" >>"$STATE"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	[[ $output == *"nicguard: job-end: ngt9: gone, its saved settings are dropped $GOES_ON"* ]]
	assert_original
	[ ! -e "$STATE" ]
}

@test "failure: an unreadable guest config is one line; the others are still unlocked" {
	mkdir "$QEMU/108.conf"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	[[ $output == *"job-end: guest 108: cannot read its config: Is a directory $GOES_ON"* ]]
	assert_only_stale_unlocked
}

@test "failure: an unreadable policy is one line; job-end still restores" {
	run vzdump job-start
	[ "$status" -eq 0 ]
	rm "$ROOT/etc/nicguard/nicguard.conf"
	mkdir "$ROOT/etc/nicguard/nicguard.conf"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	[[ $output == *"nicguard: job-end: policy: "*"nicguard.conf"* ]]
	assert_original
	run vzdump job-start
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	want="no backup settings are applied; restoring and unlocking need none $GOES_ON"
	[[ $output == *"job-start: policy: "*": $want"* ]]
	assert_original
}

@test "failure: read-only /run: nothing is tightened that could not be restored" {
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
	run ip netns exec "$NG_NS" unshare -m --propagation private sh -c '
		mount -t tmpfs -o ro none "$1/run" && shift &&
		exec env -i STOREID=local LC_ALL=C "$@" </dev/null' sh "$ROOT" "$HOOK" job-start
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	want="job-start: backup settings not applied: the current ones could not be saved"
	want+=" for the restore: cannot create $ROOT/run/nicguard: Read-only file system"
	[[ $output == *"$want $GOES_ON"* ]]
	assert_original
}

@test "failure: a failing qm is one line per guest and the lock stays" {
	touch "$ROOT/stub-fail"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 2 ]
	want="job-end: guest 103: stale lock: backup not removed: qm unlock 103 exited with 2:"
	want+=" ipcc_send_rec[1] failed: Connection refused"
	[[ $output == *"$want $GOES_ON"* ]]
	[ "$(lock_of "$QEMU/103.conf")" = backup ]
}

@test "abort-on-error = yes: a nicguard failure fails the phase" {
	policy <<-EOF
		[pve]
		abort-on-error = yes
		[interface ngt0]
		backup-uplink = yes
		backup-offload = gro off
	EOF
	touch "$ROOT/stub-fail"
	run vzdump job-end
	[ "$status" -eq 1 ]
	rm "$ROOT/stub-fail"
	run vzdump job-start
	[ "$status" -eq 0 ]
	run vzdump job-end
	[ "$status" -eq 0 ]
}

@test "a policy with a typo still tightens (one line); unlock-stale = no keeps the locks" {
	policy <<-EOF
		[pve]
		unlock-stale = no
		[interface ngt0]
		backup-uplink = yes
		backup-offload = tso off gso off gro off
		[interface ngt1]
		backup-offload = tso of
	EOF
	run vzdump job-start
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	[[ $output == *"job-start: policy: $ROOT/etc/nicguard/nicguard.conf:7: "* ]]
	assert_tight
	run vzdump backup-start snapshot 100 qemu web
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ -z "$(grep 'goes on' <<<"$output")" ]
	assert_original
	[ "$(lock_of "$QEMU/103.conf")" = backup ]
	[ ! -e "$ROOT/stub-calls" ]
}

@test "chaining: the admin's hook runs with the same argv and environment, its status passed on" {
	mkdir -p "$ROOT/usr/local/bin"
	cat >"$ROOT/usr/local/bin/old-hook" <<-'EOF'
		#!/bin/sh
		# An admin's hook: vzdump gives it no PATH.
		echo "old-hook $*" >>"${0%/usr/local/bin/old-hook}/old-hook.log"
		/usr/bin/tr '\0' '\n' </proc/$$/environ | /usr/bin/sort \
			>>"${0%/usr/local/bin/old-hook}/old-hook.log"
		echo "old hook says hello"
		[ "$1" != job-end ] || exit 3
	EOF
	chmod +x "$ROOT/usr/local/bin/old-hook"
	echo "script: /usr/local/bin/old-hook" >>"$ROOT/etc/vzdump.conf"
	run "$NICGUARD" --root "$ROOT" pve enable-hook
	[ "$status" -eq 0 ]
	[[ $output == *"chained hook: /usr/local/bin/old-hook"* ]]
	grep -qx 'script: /usr/libexec/nicguard/vzdump-hook' "$ROOT/etc/vzdump.conf"
	run vzdump backup-start snapshot 100 qemu web
	[ "$status" -eq 0 ]
	[[ $output == *"old hook says hello"* ]]
	run vzdump job-end
	[ "$status" -eq 3 ]
	assert_original
	cat >"$BATS_TEST_TMPDIR/want" <<-EOF
		old-hook backup-start snapshot 100
		DUMPDIR=/var/lib/vz/dump
		HOSTNAME=web
		LC_ALL=C
		LOGFILE=/var/lib/vz/dump/vzdump-qemu-100-2025_10_05-02_00_00.log
		LVM_SUPPRESS_FD_WARNINGS=1
		STOREID=local
		TARGET=/var/lib/vz/dump/vzdump-qemu-100-2025_10_05-02_00_00.vma.zst
		VMTYPE=qemu
		old-hook job-end
		DUMPDIR=/var/lib/vz/dump
		LC_ALL=C
		LVM_SUPPRESS_FD_WARNINGS=1
		STOREID=local
	EOF
	diff "$BATS_TEST_TMPDIR/want" "$ROOT/old-hook.log"
}

@test "enable-hook and disable-hook: a byte-identical round trip" {
	cp "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/orig"
	run "$NICGUARD" --root "$ROOT" pve enable-hook --dry-run
	[ "$status" -eq 0 ]
	[ "$output" = \
		"would change $ROOT/etc/vzdump.conf: script: /usr/libexec/nicguard/vzdump-hook" ]
	cmp "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/orig"
	run "$NICGUARD" --root "$ROOT" pve enable-hook
	[ "$status" -eq 0 ]
	[ "$(tail -1 "$ROOT/etc/vzdump.conf")" = "script: /usr/libexec/nicguard/vzdump-hook" ]
	cmp "$ROOT/etc/nicguard/vzdump.conf.orig" "$BATS_TEST_TMPDIR/orig"
	run "$NICGUARD" --root "$ROOT" pve enable-hook
	[ "$status" -eq 0 ]
	[[ $output == *"already calls"* ]]
	run "$NICGUARD" --root "$ROOT" pve disable-hook
	[ "$status" -eq 0 ]
	[[ $output == *"(the original, byte for byte)"* ]]
	cmp "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/orig"
	[ ! -e "$ROOT/etc/nicguard/vzdump.conf.orig" ]
	run "$NICGUARD" --root "$ROOT" pve disable-hook
	[ "$status" -eq 0 ]
	[[ $output == *"does not call"* ]]
	run "$NICGUARD" --root "$ROOT" pve frobnicate
	[ "$status" -eq 2 ]
}

@test "unlock-stale refuses while a backup is alive, then unlocks only stale backup locks" {
	# vzdump holds its lock for the whole job.
	hold_lock
	run "$NICGUARD" --root "$ROOT" pve unlock-stale
	[ "$status" -eq 1 ]
	[[ $output == *"refusing: a backup is running: $ROOT/var/run/vzdump.lock is locked"* ]]
	[ ! -e "$ROOT/stub-calls" ]
	release_lock
	# Or its UPID names a live process (the lock file gone, say).
	sleep 60 &
	HOLDER=$!
	pstart=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$HOLDER/stat")
	printf 'UPID:pve1:%08X:%08X:6720F3A1:vzdump::root@pam:\n' "$HOLDER" "$pstart" \
		>"$ROOT/run/vzdump.pid"
	run "$NICGUARD" --root "$ROOT" pve unlock-stale
	[ "$status" -eq 1 ]
	[[ $output == *"refusing: a backup is running: task UPID:pve1:"*"is alive"* ]]
	release_lock
	run "$NICGUARD" --root "$ROOT" pve unlock-stale --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"guest 103: lock: backup is stale: would run qm unlock 103"* ]]
	[ ! -e "$ROOT/stub-calls" ]
	run "$NICGUARD" --root "$ROOT" pve unlock-stale
	[ "$status" -eq 0 ]
	assert_only_stale_unlocked
}

@test "guest hookscript: post-start applies the policy to that guest's devices only" {
	policy <<-EOF
		[interface tap* veth* fwpr* fwln*]
		offload = tso off gro off
	EOF
	ng_ns_exec ip tuntap add name tap103i0 mode tap
	ng_ns_exec ip link add name fwpr103p0 type veth peer name fwln103i0
	ng_ns_exec ip link add name veth200i0 type veth peer name ct200eth0
	ng_ns_exec ip link add name tap1030i0 type veth peer name other0
	for i in tap103i0 fwpr103p0 fwln103i0 veth200i0 tap1030i0; do
		ng_ns_exec ip link set "$i" up
		ng_ns_exec "$ETHTOOL" -K "$i" gro on
	done
	run ip netns exec "$NG_NS" env LC_ALL=C "$GHOOK" 103 pre-start </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(ng_feature "$NG_NS" tap103i0 rx-gro)" = on ]
	run ip netns exec "$NG_NS" env LC_ALL=C "$GHOOK" 103 post-start </dev/null
	[ "$status" -eq 0 ]
	for i in tap103i0 fwpr103p0 fwln103i0; do
		[ "$(ng_feature "$NG_NS" "$i" rx-gro)" = off ]
		[ "$(ng_feature "$NG_NS" "$i" tx-tcp-segmentation)" = off ]
		[[ $output == *"guest 103: $i: gro off: changed"* ]]
	done
	# Another guest's devices, and 1030's lookalike, are not 103's.
	[ "$(ng_feature "$NG_NS" veth200i0 rx-gro)" = on ]
	[ "$(ng_feature "$NG_NS" tap1030i0 rx-gro)" = on ]
	# post-start never calls qm: the config lock is held while it runs.
	[ ! -e "$ROOT/stub-calls" ]
	run ip netns exec "$NG_NS" env LC_ALL=C "$GHOOK" 200 post-start </dev/null
	[ "$(ng_feature "$NG_NS" veth200i0 rx-gro)" = off ]
}

@test "guest hookscript: post-stop clears its own stale lock only when no backup runs" {
	hold_lock
	run env -i LC_ALL=C "$GHOOK" 103 post-stop </dev/null
	[ "$status" -eq 0 ]
	[[ $output == *"guest 103: lock: backup kept: a backup is running"* ]]
	[ "$(lock_of "$QEMU/103.conf")" = backup ]
	release_lock
	run env -i LC_ALL=C "$GHOOK" 104 post-stop </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run env -i LC_ALL=C "$GHOOK" 103 post-stop </dev/null
	[ "$status" -eq 0 ]
	[[ $output == *"guest 103: removed a stale lock: backup (qm unlock 103)"* ]]
	[ -z "$(lock_of "$QEMU/103.conf")" ]
	[ "$(wc -l <"$ROOT/stub-calls")" -eq 1 ]
	# pre-start never fails a start, whatever is wrong.
	rm "$ROOT/etc/nicguard/nicguard.conf"
	mkdir "$ROOT/etc/nicguard/nicguard.conf"
	run env -i "$GHOOK" 103 pre-start </dev/null
	[ "$status" -eq 0 ]
	run env -i "$GHOOK" nonsense </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "install-hookscript links the snippet and sets it on guests without one of their own" {
	sed -i '1i hookscript: local:snippets/admin.pl' "$QEMU/104.conf"
	run "$NICGUARD" --root "$ROOT" pve install-hookscript --dry-run --all
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/stub-calls" ]
	[ ! -L "$ROOT/var/lib/vz/snippets/nicguard-guest-hook" ]
	run "$NICGUARD" --root "$ROOT" pve install-hookscript 100 202
	[ "$status" -eq 0 ]
	[ "$(readlink "$ROOT/var/lib/vz/snippets/nicguard-guest-hook")" = \
		"$ROOT/usr/libexec/nicguard/guest-hook" ]
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$QEMU/100.conf"
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$LXC/202.conf"
	grep -q '^qm set 100 --hookscript local:snippets/nicguard-guest-hook | env: ' \
		"$ROOT/stub-calls"
	grep -q '^pct set 202 --hookscript local:snippets/nicguard-guest-hook | env: ' \
		"$ROOT/stub-calls"
	# --all: 104 keeps its own; locked guests refuse (as qm set does), the rest get it.
	run "$NICGUARD" --root "$ROOT" pve install-hookscript --all
	[ "$status" -eq 1 ]
	[[ $output == *"guest 104 has its own hookscript local:snippets/admin.pl: left alone"* ]]
	[[ $output == *"guest 100: hookscript already local:snippets/nicguard-guest-hook"* ]]
	[[ $output == *"guest 103: qm set 103 exited with 2: VM 103 is locked (backup)"* ]]
	grep -qx 'hookscript: local:snippets/admin.pl' "$QEMU/104.conf"
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$QEMU/102.conf"
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$QEMU/107.conf"
	# 100, 202, then 102 103 105 106 107 200 201.
	[ "$(grep -c ' set ' "$ROOT/stub-calls")" -eq 9 ]
	run "$NICGUARD" --root "$ROOT" pve install-hookscript 102 999
	[ "$status" -eq 1 ]
	[[ $output == *"guest 999: no such guest on this node"* ]]
	[ "$(grep -c ' set ' "$ROOT/stub-calls")" -eq 9 ]
}

@test "cluster-wide /etc/pve/nicguard.conf is read first; the node's files override it" {
	cat >"$ROOT/etc/pve/nicguard.conf" <<-EOF
		[interface ngt0]
		backup-uplink = yes
		backup-offload = tso off gro off
	EOF
	policy <<-EOF
		[interface ngt0]
		backup-offload = gro on
	EOF
	run "$NICGUARD" --root "$ROOT" check
	[ "$status" -eq 0 ]
	[[ $output == *"$ROOT/etc/pve/nicguard.conf, $ROOT/etc/nicguard/nicguard.conf"* ]]
	run vzdump job-start
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
	run vzdump job-end
	[ "$status" -eq 0 ]
	assert_original
}

@test "nicguard restore: by hand after a crash; refuses while a backup runs" {
	run vzdump job-start
	[ "$status" -eq 0 ]
	assert_tight
	hold_lock
	run ip netns exec "$NG_NS" "$NICGUARD" --root "$ROOT" restore
	[ "$status" -eq 1 ]
	[[ $output == *"refusing: a backup is running"* ]]
	assert_tight
	release_lock
	run ip netns exec "$NG_NS" "$NICGUARD" --root "$ROOT" restore
	[ "$status" -eq 0 ]
	[[ $output == *"ngt0 rx-gro on (was off): changed"* ]]
	assert_original
	[ ! -e "$STATE" ]
	run ip netns exec "$NG_NS" "$NICGUARD" --root "$ROOT" restore
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to restore"* ]]
}

@test "an uplink nicguard-watch escalated during the job keeps its watch-* settings at job-end" {
	policy <<-EOF
		[interface ngt0]
		backup-uplink = yes
		backup-offload = tso off gso off gro off
		watch-offload = gro off
	EOF
	run vzdump job-start
	[ "$status" -eq 0 ]
	assert_tight
	# What the daemon's reapply rung leaves behind: the mark (its settings already hold).
	printf '%s\nngt0\n' \
		"# Written by nicguard. Changes here are overwritten; edit the policy instead." \
		>"$ROOT/run/nicguard/watch-escalated"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[[ $output == *"kept escalated: ngt0: gro off"* ]]
	# The backup-only settings went back; the escalation's did not.
	[ "$(ng_feature "$NG_NS" ngt0 tx-tcp-segmentation)" = on ]
	[ "$(ng_feature "$NG_NS" ngt0 tx-generic-segmentation)" = on ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	[ ! -e "$STATE" ]
}

# Issue 12, bug 2: explain showed a stanza's nicguard-backup-uplink as in force, the hook chose
# the uplinks from the policy alone and tightened the port the policy named instead.
@test "a stanza's nicguard-backup-uplink picks the uplink the hook tightens, over the policy's" {
	ng_ns_exec "$ETHTOOL" -K ngt1 gro on
	policy <<-EOF
		[interface ngt*]
		backup-offload = gro off
		[interface ngt0]
		backup-uplink = yes
	EOF
	mkdir -p "$ROOT/etc/network"
	printf 'iface ngt%s inet manual\n\tnicguard-backup-uplink %s\n' 0 no 1 yes \
		>"$ROOT/etc/network/interfaces"
	run vzdump job-start
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"backup settings: ngt1: gro off (was on): changed"* ]]
	[ "$(ng_feature "$NG_NS" ngt1 rx-gro)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
	grep -q '^ngt1 offload rx-gro on$' "$STATE"
	! grep -q '^ngt0 ' "$STATE"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt1 rx-gro)" = on ]
	[ ! -e "$STATE" ]
}

@test "a stanza's nicguard-backup-offload is tightened at job-start and restored at job-end" {
	mkdir -p "$ROOT/etc/network"
	printf 'iface ngt0 inet manual\n\tnicguard-backup-offload sg off\n' \
		>"$ROOT/etc/network/interfaces"
	[ "$(ng_feature "$NG_NS" ngt0 tx-scatter-gather)" = on ]
	run vzdump job-start
	[ "$status" -eq 0 ]
	assert_tight
	[ "$(ng_feature "$NG_NS" ngt0 tx-scatter-gather)" = off ]
	grep -q "tx-scatter-gather on" "$STATE"
	run vzdump job-end
	[ "$status" -eq 0 ]
	assert_original
}
