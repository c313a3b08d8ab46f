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
	# As pmxcfs shows them: root:www-data, files 0640 (pve-cluster pmxcfs.c getattr).
	chgrp -R www-data "$ROOT/etc/pve"
	find "$ROOT/etc/pve" -type f -exec chmod 0640 {} +
	mkdir -p "$ROOT/usr/libexec/nicguard" "$ROOT/usr/sbin" "$ROOT/run/lock" "$ROOT/etc/nicguard" \
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
	QLOCK=$ROOT/var/lock/qemu-server
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
	[ -z "${NETNS_ETC:-}" ] || rm -rf "$NETNS_ETC"
	[ -z "${QEMU_PID:-}" ] || kill "$QEMU_PID" 2>/dev/null || true
	# A follower this test's hook started (its binary is this test's copy).
	for pid in $(followers); do kill "$pid" 2>/dev/null || true; done
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	[ -z "${GHOLDER:-}" ] || kill "$GHOLDER" 2>/dev/null || true
	ng_ns_teardown
}

policy() {
	cat >"$ROOT/etc/nicguard/nicguard.conf"
}

# The pids of guest-hook followers started from this test's tree.
followers() {
	local exe
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" = "${GHOOK:-/nonexistent}" ] || continue
		exe=${exe#/proc/}
		echo "${exe%/exe}"
	done
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

# Hold a guest's config flock (FILE: its lock file) as a Proxmox task holds it in
# lock_config, until release_guest.
hold_guest() {
	mkdir -p "$(dirname "$1")"
	(exec 9>>"$1" && flock 9 && exec sleep 60) &
	GHOLDER=$!
	for _ in $(seq 50); do
		grep -q " FLOCK .*:$(stat -c %i "$1" 2>/dev/null) " /proc/locks && return
		sleep 0.1
	done
	return 1
}

release_guest() {
	kill "$GHOLDER"
	wait "$GHOLDER" || true
	GHOLDER=
}

# Wait until a process other than the holder has FILE open: someone waits for its flock.
wait_opened() {
	for _ in $(seq 100); do
		find /proc/[0-9]*/fd -lname "$(readlink -f "$1")" 2>/dev/null |
			grep -qv "^/proc/$GHOLDER/" && return
		sleep 0.1
	done
	return 1
}

# Rewrite a guest config as Proxmox does (PVE::File file_set_contents): NAME.tmp.PID, rename.
pve_write() { # CONF SED-SCRIPT
	sed "$2" "$1" >"$1.tmp.$$" && chmod 0640 "$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}

# vzdump's call: `HOOK PHASE` for job phases, `HOOK PHASE MODE VMID` for guest phases, an
# emptied environment with only what run_hook_script sets, stdin an empty pipe.
#   vzdump PHASE                        job phase
#   vzdump PHASE MODE VMID TYPE NAME    guest phase
# PVE/VZDump.pm (pve-manager 9b193c4): new() makes the job's storage `local` unless one or a
# dumpdir is given (get_storage_param, lines 73-78, applied at 660-661) before it runs job-init
# (680); the storage's dumpdir is read after it (696); run_hook_script sets STOREID and
# DUMPDIR from them in every phase (830-831). So STOREID in every phase, DUMPDIR in all but
# job-init; a --dumpdir job (DUMPDIR_JOB=DIR) has DUMPDIR in every phase and no STOREID.
vzdump() {
	local env=(LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1) dir=/var/lib/vz/dump
	local args=("$1") base
	if [ -n "${DUMPDIR_JOB:-}" ]; then
		dir=$DUMPDIR_JOB
		env+=(DUMPDIR="$dir")
	else
		env+=(STOREID="${STORE:-local}")
		[ "$1" = job-init ] || env+=(DUMPDIR="$dir")
	fi
	if [ $# -gt 1 ]; then
		base=$dir/vzdump-$4-$3-2025_10_05-02_00_00
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
	# Removed as PVE::AbstractConfig remove_lock does it, not with qm/pct unlock (which
	# remove any value).
	[ ! -e "$ROOT/stub-calls" ]
	# Written as Proxmox writes a config: no temp file left, the mode pmxcfs shows.
	[ -z "$(find "$ROOT/etc/pve" -name '*.tmp.*')" ]
	[ "$(stat -c %a "$QEMU/103.conf")" = 640 ]
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
	[[ $output == *"guest 103: removed a stale lock: backup"* ]]
	[[ $output == *"guest 200: removed a stale lock: backup"* ]]
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
	[[ $output == *"guest 100: removed a stale lock: backup"* ]]
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

@test "failure: a guest config locked by a Proxmox task for 10 s is one line; the lock stays" {
	hold_guest "$QLOCK/lock-103.conf"
	run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(grep -c 'goes on' <<<"$output")" -eq 1 ]
	want="job-end: guest 103: stale lock: backup not removed yet: its config is locked:"
	want+=" can't lock file '$QLOCK/lock-103.conf' - got timeout"
	[[ $output == *"$want $GOES_ON"* ]]
	[ "$(lock_of "$QEMU/103.conf")" = backup ]
	[ -z "$(lock_of "$LXC/200.conf")" ]
}

abort_on_error_policy() {
	policy <<-EOF
		[pve]
		abort-on-error = yes
		[interface ngt0]
		backup-uplink = yes
		backup-offload = gro off
	EOF
}

@test "abort-on-error = yes: a nicguard failure fails the phase" {
	abort_on_error_policy
	mkdir "$QEMU/108.conf"
	run vzdump job-end
	[ "$status" -eq 1 ]
	rmdir "$QEMU/108.conf"
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

# An admin's hook that logs each call to ROOT/NAME.log (vzdump gives it no PATH).
admin_hook() { # NAME
	mkdir -p "$ROOT/usr/local/bin"
	cat >"$ROOT/usr/local/bin/$1" <<-EOF
		#!/bin/sh
		echo "$1 \$*" >>"$ROOT/$1.log"
	EOF
	chmod +x "$ROOT/usr/local/bin/$1"
}

@test "enable-hook chains the script: line vzdump uses: indented, a tab, the later one" {
	admin_hook first
	admin_hook old
	# PVE::JSONSchema::parse_config trims each line and the last script: wins.
	printf 'script: /usr/local/bin/first\n  script:\t/usr/local/bin/old  \n' \
		>>"$ROOT/etc/vzdump.conf"
	cp "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/orig"
	run "$NICGUARD" --root "$ROOT" pve enable-hook
	[ "$status" -eq 0 ]
	[[ $output == *"chained hook: /usr/local/bin/old"* ]]
	# What vzdump reads now is nicguard's hook alone.
	[ "$(grep -c 'script:' "$ROOT/etc/vzdump.conf")" -eq 3 ]
	[ "$(grep -c '^script: /usr/libexec/nicguard/vzdump-hook$' "$ROOT/etc/vzdump.conf")" -eq 2 ]
	run vzdump job-init
	[ "$status" -eq 0 ]
	run vzdump job-start
	[ "$status" -eq 0 ]
	[ "$(cat "$ROOT/old.log")" = "old job-init
old job-start" ]
	[ ! -e "$ROOT/first.log" ]
	run vzdump job-end
	[ "$status" -eq 0 ]
	run "$NICGUARD" --root "$ROOT" pve disable-hook
	[ "$status" -eq 0 ]
	[[ $output == *"(the original, byte for byte)"* ]]
	cmp "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/orig"
}

@test "a chained hook that is gone fails job-init as vzdump would; never pre/post-restart" {
	admin_hook old
	echo "script: /usr/local/bin/old" >>"$ROOT/etc/vzdump.conf"
	run "$NICGUARD" --root "$ROOT" pve enable-hook
	[ "$status" -eq 0 ]
	chmod -x "$ROOT/usr/local/bin/old"
	run vzdump job-init
	echo "$output"
	[ "$status" -ne 0 ]
	want="nicguard: job-init: Error: The hook script '/usr/local/bin/old' is not executable."
	[[ $output == "$want"*"this phase fails: nothing is backed up, the job fails)" ]]
	rm "$ROOT/usr/local/bin/old"
	run vzdump job-init
	[ "$status" -ne 0 ]
	[[ $output == *"Error: The hook script '/usr/local/bin/old' does not exist."* ]]
	run vzdump backup-start stop 100 qemu web
	[ "$status" -ne 0 ]
	[[ $output == *"this phase fails: this guest's backup fails)" ]]
	# In stop mode vzdump runs these after the unlock, to start the guest again.
	for phase in pre-restart post-restart; do
		run vzdump "$phase" stop 100 qemu web
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *"does not exist. (the hook enable-hook chained; not run:"* ]]
		[[ $output == *"the guest comes back all the same)" ]]
	done
}

@test "abort-on-error: each failure says what it does; stop-mode pre/post-restart never fail" {
	abort_on_error_policy
	# nicguard's own work fails in every phase: the chained hook's record cannot be read.
	mkdir -p "$ROOT/etc/nicguard/vzdump.conf.orig"
	run vzdump job-start
	[ "$status" -eq 1 ]
	want="job-start: cannot read the chained hook's record: the admin's hook was not run"
	want+=" ([pve] abort-on-error = yes: this phase fails: nothing is backed up, the job fails)"
	[[ $output == *"$want" ]]
	[[ $output != *"goes on"* ]]
	# A stop-mode backup of 100 as vzdump runs it: lock, backup-start, pre-stop (the guest
	# stops), the archive, backup-end, unlock, then pre-restart and post-restart to start
	# it again, log-end.
	vz_lock "$QEMU/100.conf"
	run vzdump backup-start stop 100 qemu web
	[ "$status" -eq 1 ]
	[[ $output == *"this phase fails: this guest's backup fails)" ]]
	vz_unlock "$QEMU/100.conf"
	for phase in pre-restart post-restart; do
		run vzdump "$phase" stop 100 qemu web
		echo "$output"
		[ "$status" -eq 0 ]
		want="$phase: cannot read the chained hook's record: the admin's hook was not run"
		want+=" (nicguard never fails this phase: the guest comes back all the same)"
		[[ $output == *"$want" ]]
	done
	run vzdump log-end stop 100 qemu web
	[ "$status" -eq 1 ]
	[[ $output == *"this phase fails: vzdump only warns)" ]]
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
	[[ $output == *"guest 103: lock: backup is stale: would remove it"* ]]
	[ ! -e "$ROOT/stub-calls" ]
	run "$NICGUARD" --root "$ROOT" pve unlock-stale
	[ "$status" -eq 0 ]
	assert_only_stale_unlocked
}

@test "unlock-stale: a lock that turns into migrate between the check and the removal stays" {
	# A Proxmox task holds 103's config flock; nicguard has seen `lock: backup` and waits.
	hold_guest "$QLOCK/lock-103.conf"
	"$NICGUARD" --root "$ROOT" pve unlock-stale >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_opened "$QLOCK/lock-103.conf"
	# Under its flock the task ends the backup lock and takes the guest for a migration.
	pve_write "$QEMU/103.conf" 's/^lock: backup$/lock: migrate/'
	release_guest
	status=0
	wait "$pid" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(lock_of "$QEMU/103.conf")" = migrate ]
	want="guest 103: lock: backup is gone by now: left alone:"
	want+=" found lock 'migrate' trying to remove 'backup' lock"
	[[ $output == *"$want"* ]]
	[ -z "$(lock_of "$LXC/200.conf")" ]
	[ ! -e "$ROOT/stub-calls" ]
}

@test "QEMU post-stop under qm cleanup's flock: the stop does not wait; the stale lock goes after" {
	# 103 has nicguard's hookscript; its backup hung and left lock: backup behind.
	mkdir -p "$ROOT/var/lib/vz/snippets"
	ln -s "$GHOOK" "$ROOT/var/lib/vz/snippets/nicguard-guest-hook"
	pve_write "$QEMU/103.conf" '1i hookscript: local:snippets/nicguard-guest-hook'
	# qmeventd's `qm cleanup`: lock_config_full, then post-stop while holding the flock.
	run env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$ROOT/usr/sbin/qm" cleanup 103 1 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Finished cleanup for 103"* ]]
	[[ $output != *"got timeout"* ]]
	[[ $output != *"hookscript error"* ]]
	[[ $output == *"guest 103: lock: backup is stale; its config is locked by the stop:"* ]]
	# Once the stop has let go of the flock, the stale lock goes; nothing else does.
	for _ in $(seq 100); do
		[ -n "$(lock_of "$QEMU/103.conf")" ] || break
		sleep 0.1
	done
	[ -z "$(lock_of "$QEMU/103.conf")" ]
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$QEMU/103.conf"
	[ "$(lock_of "$QEMU/104.conf")" = migrate ]
	[ "$(lock_of "$LXC/200.conf")" = backup ]
	[ "$(cut -d' ' -f1-2 "$ROOT/stub-calls")" = "qm cleanup" ]
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
	# The firewall's internal port when vmbr1 is an Open vSwitch bridge.
	ng_ns_exec ip link add name fwln103o1 type veth peer name ovs103
	for i in tap103i0 fwpr103p0 fwln103i0 fwln103o1 veth200i0 tap1030i0; do
		ng_ns_exec ip link set "$i" up
		ng_ns_exec "$ETHTOOL" -K "$i" gro on
	done
	run ip netns exec "$NG_NS" env LC_ALL=C "$GHOOK" 103 pre-start </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(ng_feature "$NG_NS" tap103i0 rx-gro)" = on ]
	run ip netns exec "$NG_NS" env LC_ALL=C "$GHOOK" 103 post-start </dev/null
	[ "$status" -eq 0 ]
	for i in tap103i0 fwpr103p0 fwln103i0 fwln103o1; do
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

@test "QEMU resets a tap's offloads after post-start: the follower puts the policy back" {
	policy <<-EOF
		[interface tap*]
		offload = tso off
	EOF
	# The ioctls QEMU makes on a virtio-net tap (net/tap-linux.c): TUNSETIFF with a vnet
	# header, TUNSETOFFLOAD(0) when it opens it, TUNSETOFFLOAD(csum|tso4|tso6) once the
	# guest's driver has negotiated them (virtio_net_set_features), after post-start.
	cat >"$BATS_TEST_TMPDIR/qemu-tap.py" <<-'EOF'
		import fcntl, os, struct, sys, time
		d = sys.argv[1]
		fd = os.open("/dev/net/tun", os.O_RDWR)
		fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tap103i0", 0x0002 | 0x1000 | 0x4000))
		fcntl.ioctl(fd, 0x400454d0, 0)
		open(d + "/opened", "w").close()
		while not os.path.exists(d + "/negotiate"):
		    time.sleep(0.05)
		fcntl.ioctl(fd, 0x400454d0, 0x01 | 0x02 | 0x04)
		open(d + "/negotiated", "w").close()
		while not os.path.exists(d + "/stop"):
		    time.sleep(0.05)
	EOF
	ip netns exec "$NG_NS" python3 "$BATS_TEST_TMPDIR/qemu-tap.py" "$BATS_TEST_TMPDIR" &
	QEMU_PID=$!
	for _ in $(seq 50); do [ -e "$BATS_TEST_TMPDIR/opened" ] && break; sleep 0.1; done
	ng_ns_exec ip link set tap103i0 up
	run ip netns exec "$NG_NS" env LC_ALL=C "$GHOOK" 103 post-start </dev/null
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" tap103i0 tx-tcp-segmentation)" = off ]
	touch "$BATS_TEST_TMPDIR/negotiate"
	for _ in $(seq 50); do [ -e "$BATS_TEST_TMPDIR/negotiated" ] && break; sleep 0.1; done
	for _ in $(seq 50); do
		[ "$(ng_feature "$NG_NS" tap103i0 tx-tcp-segmentation)" = off ] && break
		sleep 0.1
	done
	[ "$(ng_feature "$NG_NS" tap103i0 tx-tcp-segmentation)" = off ]
	[ -n "$(followers)" ]
	# The guest stops: QEMU closes its tap, and the follower ends by itself.
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$QEMU_PID"
	QEMU_PID=
	for _ in $(seq 150); do [ -z "$(followers)" ] && break; sleep 0.1; done
	[ -z "$(followers)" ]
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
	[[ $output == *"guest 103: removed a stale lock: backup"* ]]
	[ -z "$(lock_of "$QEMU/103.conf")" ]
	[ ! -e "$ROOT/stub-calls" ]
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
	# pve2, the other node, has nicguard and the snippet on its own `local`.
	printf '%s\n' "# Written by nicguard. Changes here are overwritten; edit the policy instead." \
		"guest-hook /usr/libexec/nicguard/guest-hook" \
		"snippet local:snippets/nicguard-guest-hook" >"$ROOT/etc/pve/nodes/pve2/nicguard-node"
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
	[[ $output == *"guest 103: qm set 103 exited with 255: VM 103 is locked (backup)"* ]]
	grep -qx 'hookscript: local:snippets/admin.pl' "$QEMU/104.conf"
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$QEMU/102.conf"
	grep -qx 'hookscript: local:snippets/nicguard-guest-hook' "$QEMU/107.conf"
	# 100, 202, then 102 103 105 106 107 200 201.
	[ "$(grep -c ' set ' "$ROOT/stub-calls")" -eq 9 ]
	run "$NICGUARD" --root "$ROOT" pve install-hookscript 102 999
	[ "$status" -eq 1 ]
	[[ $output == *"guest 999: no such guest in the cluster"* ]]
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

@test "cluster policy at boot: the last-known copy applies before /etc/pve is mounted" {
	policy </dev/null
	cat >"$ROOT/etc/pve/nicguard.conf" <<-EOF
		[interface ngt0]
		offload = gro off
	EOF
	chmod 0640 "$ROOT/etc/pve/nicguard.conf"
	COPY=$ROOT/var/lib/nicguard/cluster.conf
	# nicguard-cluster.service: the copy follows the cluster file; apply only on a change.
	run "$NICGUARD" --root "$ROOT" pve cluster-sync --if-changed
	[ "$status" -eq 0 ]
	[[ $output == *"copied to $COPY from /etc/pve/nicguard.conf"* ]]
	[ "$(head -1 "$COPY")" = "# Written by nicguard. Changes here are overwritten; edit the policy instead." ]
	tail -n +3 "$COPY" | cmp - "$ROOT/etc/pve/nicguard.conf"
	run "$NICGUARD" --root "$ROOT" pve cluster-sync --if-changed
	[ "$status" -eq 1 ]
	run ng_nicguard --root "$ROOT" status ngt0
	[[ $output == *"cluster policy: $ROOT/etc/pve/nicguard.conf" ]]
	# The next boot: udev and ifupdown run before pve-cluster.service mounts /etc/pve,
	# which is an empty directory until then.
	mv "$ROOT/etc/pve" "$ROOT/etc/pve.mounted"
	mkdir "$ROOT/etc/pve"
	run ng_nicguard --root "$ROOT" apply ngt0
	echo "$output"
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	[[ $output == *"[$COPY:4]"* ]]
	run ng_nicguard --root "$ROOT" status ngt0
	echo "$output"
	[[ $output == *"cluster policy: the last-known copy $COPY of "*" (/etc/pve is not mounted)" ]]
	run ng_nicguard --root "$ROOT" status --json ngt0
	[ "$(jq -r '.cluster_policy | .source + " " + .path' <<<"$output")" = "copy $COPY" ]
	[ "$(jq -r '.cluster_policy.copied' <<<"$output")" = "$(stat -c %Y "$COPY")" ]
	# Nothing to copy while it is not mounted: the copy stays.
	run "$NICGUARD" --root "$ROOT" pve cluster-sync --if-changed
	[ "$status" -eq 1 ]
	[ -e "$COPY" ]
	rmdir "$ROOT/etc/pve"
	mv "$ROOT/etc/pve.mounted" "$ROOT/etc/pve"
	# Changed on another node: the next run copies it; removed: the copy goes too.
	echo "rps = all" >>"$ROOT/etc/pve/nicguard.conf"
	run "$NICGUARD" --root "$ROOT" pve cluster-sync --if-changed
	[ "$status" -eq 0 ]
	[ "$(tail -1 "$COPY")" = "rps = all" ]
	rm "$ROOT/etc/pve/nicguard.conf"
	run "$NICGUARD" --root "$ROOT" pve cluster-sync --if-changed
	[ "$status" -eq 0 ]
	[ ! -e "$COPY" ]
	run ng_nicguard --root "$ROOT" status ngt0
	[[ $output == *"cluster policy: none" ]]
}

@test "the systemd units verify, ordered after pve-cluster and its mount" {
	for u in nicguard-cluster.service nicguard-cluster.path nicguard-cluster.timer \
		nicguard-unlock@.service nicguard-guests.service; do
		sed -e "s|/usr/sbin/nicguard|$NICGUARD|g" -e "s|/usr/libexec/nicguard/guest-hook|$GHOOK|" \
			"$NG_TOP/systemd/$u" >"$BATS_TEST_TMPDIR/$u"
	done
	run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/nicguard-cluster.service" \
		"$BATS_TEST_TMPDIR/nicguard-cluster.path" "$BATS_TEST_TMPDIR/nicguard-cluster.timer" \
		"$BATS_TEST_TMPDIR/nicguard-unlock@103.service" \
		"$BATS_TEST_TMPDIR/nicguard-guests.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *nicguard* ]]
	grep -qx 'After=pve-cluster.service network.target' "$NG_TOP/systemd/nicguard-cluster.service"
	grep -qx 'ExecCondition=/usr/sbin/nicguard pve cluster-sync --if-changed' \
		"$NG_TOP/systemd/nicguard-cluster.service"
	grep -qx 'ExecStart=/usr/sbin/nicguard pve unlock-stale --wait 120 %i' \
		"$NG_TOP/systemd/nicguard-unlock@.service"
}

# A storage network: ngs0 with an address and no bridge, the storage server behind it; ngt0
# is a port of the bridge vmbr0, as the guests' uplink is.
storage_net() {
	ng_ns_exec ip link add vmbr0 type bridge
	ng_ns_exec ip link set ngt0 master vmbr0
	ng_ns_exec ip link set vmbr0 up
	ng_ns_exec ip link add ngs0 type veth peer name ngs1
	ng_ns_exec ip addr add 198.51.100.1/24 dev ngs0
	ng_ns_exec ip link set ngs0 up
	ng_ns_exec ip link set ngs1 up
	ng_ns_exec "$ETHTOOL" -K ngs0 gro on
	cat >>"$ROOT/etc/pve/storage.cfg" <<-EOF

		nfs: backupnfs
		${TAB}export /export/backup
		${TAB}path /mnt/pve/backupnfs
		${TAB}server 198.51.100.2
		${TAB}content backup

		pbs: pbs
		${TAB}datastore main
		${TAB}server pbs.example.test
		${TAB}username backup@pbs
	EOF
	policy <<-EOF
		[interface ngt0 ngs0]
		backup-offload = gro off
	EOF
}

@test "backups over a storage NIC: the port STOREID's server is reached by is tightened" {
	TAB=$'\t'
	storage_net
	STORE=backupnfs run vzdump job-start
	echo "$output"
	[ "$status" -eq 0 ]
	want="job-start: backup uplinks: ngs0 (storage backupnfs (nfs): 198.51.100.2 via ngs0)"
	[[ $output == *"$want"* ]]
	[ "$(ng_feature "$NG_NS" ngs0 rx-gro)" = off ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
	STORE=backupnfs run vzdump job-end
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngs0 rx-gro)" = on ]
	# A host name, resolved in process (here from the namespace's /etc/hosts).
	NETNS_ETC=/etc/netns/$NG_NS
	mkdir -p "$NETNS_ETC"
	echo "198.51.100.2 pbs.example.test" >"$NETNS_ETC/hosts"
	STORE=pbs run vzdump job-start
	echo "$output"
	want="backup uplinks: ngs0 (storage pbs (pbs): pbs.example.test (198.51.100.2) via ngs0)"
	[[ $output == *"$want"* ]]
	STORE=pbs run vzdump job-end
	# A storage with no server of its own: the physical ports under bridges, as before
	# (vmbr0's port here is a veth: none).
	run vzdump job-start
	want="backup uplinks: none (storage local (dir): no network server: no port of this"
	want+=" host found for it, so the physical ports under bridges)"
	[[ $output == *"$want"* ]]
	[ "$(ng_feature "$NG_NS" ngs0 rx-gro)" = on ]
	run vzdump job-end
	# explain says it for each backup storage.
	run ng_nicguard --root "$ROOT" explain ngs0
	echo "$output"
	[[ $output == *"  backupnfs: yes (storage backupnfs (nfs): 198.51.100.2 via ngs0)"* ]]
	[[ $output == *"  local: no (storage local (dir): no network server"* ]]
	# A port the policy names wins over the storage's.
	policy <<-EOF
		[interface ngt0 ngs0]
		backup-offload = gro off
		[interface ngt0]
		backup-uplink = yes
	EOF
	STORE=backupnfs run vzdump job-start
	[[ $output == *"backup uplinks: ngt0 (named by the policy (backup-uplink = yes))"* ]]
	[ "$(ng_feature "$NG_NS" ngs0 rx-gro)" = on ]
	run vzdump job-end
	# So does a port a stanza names (issue 12's bug 2): the choice is made from the one
	# resolution, stanza keys included.
	policy <<-EOF
		[interface ngt0 ngs0]
		backup-offload = gro off
	EOF
	mkdir -p "$ROOT/etc/network"
	printf 'iface ngt0 inet manual\n\tnicguard-backup-uplink yes\n' \
		>"$ROOT/etc/network/interfaces"
	STORE=backupnfs run vzdump job-start
	echo "$output"
	want="backup uplinks: ngt0 (named by a stanza (nicguard-backup-uplink yes))"
	[[ $output == *"$want"* ]]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	[ "$(ng_feature "$NG_NS" ngs0 rx-gro)" = on ]
	run vzdump job-end
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
	run ng_nicguard --root "$ROOT" explain ngs0
	[[ $output == *"  backupnfs: no (named by a stanza (nicguard-backup-uplink yes))"* ]]
	rm "$ROOT/etc/network/interfaces"
	# A --dumpdir job names no storage (no STOREID in any phase): the bridge ports.
	mkdir -p "$ROOT/srv/dump"
	DUMPDIR_JOB=/srv/dump run vzdump job-init
	[ "$status" -eq 0 ]
	DUMPDIR_JOB=/srv/dump run vzdump job-start
	echo "$output"
	want="backup uplinks: none (no backup storage given, so the physical ports under bridges)"
	[[ $output == *"$want"* ]]
	DUMPDIR_JOB=/srv/dump run vzdump job-end
	[ "$status" -eq 0 ]
}

@test "backups over a VLAN on a bond under a bridge: the bond's ports are tightened" {
	if ! ng_ns_exec ip link add bond0 type bond 2>/dev/null ||
		! ng_ns_exec ip link add link ngt0 name probe.9 type vlan id 9 2>/dev/null; then
		skip "this kernel has no bonding or 802.1q (the unit test covers the walk)"
	fi
	TAB=$'\t'
	ng_ns_exec ip link add ngb0 type veth peer name ngb1
	ng_ns_exec ip link add ngb2 type veth peer name ngb3
	ng_ns_exec ip link set ngb0 master bond0
	ng_ns_exec ip link set ngb2 master bond0
	ng_ns_exec ip link add vmbr1 type bridge
	ng_ns_exec ip link set bond0 master vmbr1
	ng_ns_exec ip tuntap add name tap101i0 mode tap
	ng_ns_exec ip link set tap101i0 master vmbr1
	ng_ns_exec ip link add link vmbr1 name vmbr1.50 type vlan id 50
	ng_ns_exec ip addr add 203.0.113.1/24 dev vmbr1.50
	for i in ngb0 ngb2 bond0 vmbr1 vmbr1.50; do ng_ns_exec ip link set "$i" up; done
	printf '\ncifs: share\n\tserver 203.0.113.5\n\tshare backup\n\tpath /mnt/pve/share\n' \
		>>"$ROOT/etc/pve/storage.cfg"
	policy <<-EOF
		[interface ngb0 ngb2 tap101i0]
		backup-offload = tso off
	EOF
	STORE=share run vzdump job-start
	echo "$output"
	want="backup uplinks: ngb0 ngb2 (storage share (cifs): 203.0.113.5 via vmbr1.50 -> ngb0 ngb2)"
	[[ $output == *"$want"* ]]
	[ "$(ng_feature "$NG_NS" ngb0 tx-tcp-segmentation)" = off ]
	run vzdump job-end
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
