#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# fault.bats: the kernel and the file system say no. The shim tests/fault/ng-fault.c
# (LD_PRELOAD, rules in NG_FAULT) fails chosen calls with chosen errnos; each test asserts a
# clear message, the exit status, no temp file left, the old file intact and no setting
# changed without being reported, with the real ethtool as witness.

load ../helpers

FAULT_SO=$NG_BUILD/ng-fault.so
FAULT_ENV=(NG_FAULT_LOG=1 LD_PRELOAD="$FAULT_SO" ASAN_OPTIONS=verify_asan_link_order=0)

setup() {
	[ -f "$FAULT_SO" ] || {
		echo "missing $FAULT_SO: build it with make (mk/fault.mk)"
		return 1
	}
}

teardown() {
	ng_ns_teardown
}

# faulty RULES CMD...: run CMD with the shim and NG_FAULT=RULES.
faulty() {
	env "${FAULT_ENV[@]}" NG_FAULT="$1" "${@:2}"
}

# The same inside the test's namespace.
ns_faulty() {
	ip netns exec "$NG_NS" env "${FAULT_ENV[@]}" NG_FAULT="$1" "${@:2}"
}

# No temp file of nicguard's atomic writes (".NAME.XXXXXXXXXXXX") is left in DIR.
no_temp() {
	local left
	left=$(find "$1" -maxdepth 1 -type f -name '.*.????????????')
	[ -z "$left" ] || {
		echo "temp files left: $left"
		return 1
	}
}

# A file written by nicguard earlier, to check it survives a failed rewrite.
modprobe_root() {
	ROOT=$(copy_fixture modprobe-2port)
	run "$NICGUARD" --root "$ROOT" modprobe --write
	[ "$status" -eq 0 ]
	OLD=$ROOT/etc/modprobe.d/nicguard.conf
	# Change the policy so a rewrite would give other text.
	sed -i 's/= 8000/= 12000/' "$ROOT/etc/nicguard/nicguard.conf"
	cp -p "$OLD" "$BATS_TEST_TMPDIR/old"
}

assert_old_intact() {
	cmp "$BATS_TEST_TMPDIR/old" "$OLD"
	no_temp "$(dirname "$OLD")"
}

@test "modprobe --write: ENOSPC while writing: exit 1, the old file intact, no temp file" {
	modprobe_root
	run faulty "write=ENOSPC@/etc/modprobe.d/" "$NICGUARD" --root "$ROOT" modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ng-fault: write "*"/etc/modprobe.d/.nicguard.conf."* ]]
	[[ $output == *"nicguard: $OLD: cannot write: No space left on device"* ]]
	[[ $output != *"wrote "* ]]
	assert_old_intact
}

@test "modprobe --write: a read-only /etc when creating the temp file: exit 1, old file intact" {
	modprobe_root
	run faulty "open=EROFS@/etc/modprobe.d/.nicguard.conf." "$NICGUARD" --root "$ROOT" \
		modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	want="cannot create a temporary file in $ROOT/etc/modprobe.d: Read-only file system"
	[[ $output == *"nicguard: $OLD: $want"* ]]
	assert_old_intact
}

@test "modprobe --write: fsync fails with EIO: exit 1, nothing renamed into place" {
	modprobe_root
	run faulty "fsync=EIO@/etc/modprobe.d/.nicguard.conf." "$NICGUARD" --root "$ROOT" \
		modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"nicguard: $OLD: cannot write: Input/output error"* ]]
	assert_old_intact
}

@test "modprobe --write: rename fails with EROFS: exit 1, the temp file removed" {
	modprobe_root
	run faulty "rename=EROFS@/etc/modprobe.d/nicguard.conf" "$NICGUARD" --root "$ROOT" \
		modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ng-fault: rename"* ]]
	[[ $output == *"nicguard: $OLD: cannot write: Read-only file system"* ]]
	assert_old_intact
}

@test "modprobe --write: EDQUOT at close-time sync of the first write: no file at all" {
	ROOT=$(copy_fixture modprobe-2port)
	run faulty "fsync=EDQUOT@/etc/modprobe.d/" "$NICGUARD" --root "$ROOT" modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot write: Disk quota exceeded"* ]]
	[ ! -e "$ROOT/etc/modprobe.d/nicguard.conf" ]
	no_temp "$ROOT/etc/modprobe.d"
}

sysctl_root() {
	ROOT=$(copy_fixture sysctl)
	OLD=$ROOT/etc/sysctl.d/61-nicguard-local.conf
	run "$NICGUARD" --root "$ROOT" sysctl --write
	[ "$status" -eq 0 ]
	[ -f "$OLD" ]
	# Raise a kernel value so that a rewrite would differ.
	echo 2000 >"$ROOT/proc/sys/net/core/netdev_max_backlog"
	cp -p "$OLD" "$BATS_TEST_TMPDIR/old"
}

@test "sysctl --write: ENOSPC: exit 1, the old sysctl.d file intact, no temp file" {
	sysctl_root
	run faulty "write=ENOSPC@/etc/sysctl.d/" "$NICGUARD" --root "$ROOT" sysctl --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"nicguard: $OLD: cannot write: No space left on device"* ]]
	assert_old_intact
}

@test "sysctl --write: read-only file system: exit 1, the old sysctl.d file intact" {
	sysctl_root
	run faulty "open=EROFS@/etc/sysctl.d/;rename=EROFS@/etc/sysctl.d/" "$NICGUARD" \
		--root "$ROOT" sysctl --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"nicguard: $OLD: "*"Read-only file system"* ]]
	assert_old_intact
}

@test "pve enable-hook: ENOSPC: exit 1, vzdump.conf byte for byte as before" {
	ROOT=$(copy_fixture pve)
	cp -p "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/vzdump.conf"
	run faulty "write=ENOSPC@/etc/" "$NICGUARD" --root "$ROOT" pve enable-hook
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot write: No space left on device"* ]]
	cmp "$BATS_TEST_TMPDIR/vzdump.conf" "$ROOT/etc/vzdump.conf"
	no_temp "$ROOT/etc"
	[ ! -e "$ROOT/etc/nicguard/vzdump.conf.orig" ]
	no_temp "$ROOT/etc/nicguard"
}

@test "pve enable-hook: rename of vzdump.conf fails: exit 1, vzdump.conf unchanged" {
	ROOT=$(copy_fixture pve)
	cp -p "$ROOT/etc/vzdump.conf" "$BATS_TEST_TMPDIR/vzdump.conf"
	run faulty "rename=EROFS@/etc/vzdump.conf" "$NICGUARD" --root "$ROOT" pve enable-hook
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"Read-only file system"* ]]
	cmp "$BATS_TEST_TMPDIR/vzdump.conf" "$ROOT/etc/vzdump.conf"
	no_temp "$ROOT/etc"
}

# ---------------------------------------------------------------- SIOCETHTOOL

apply_setup() {
	ng_ns_setup
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	ng_conf <<-EOF
		[interface ngt0]
		offload = tso off gso off gro off
		rps = 1
	EOF
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/before"
}

assert_features_unchanged() {
	ng_features "$NG_NS" ngt0 | diff "$BATS_TEST_TMPDIR/before" -
}

@test "apply: SFEATURES fails with EPERM: each offload failed, exit 1, features untouched" {
	apply_setup
	run ns_faulty "ioctl=EPERM@SFEATURES:ngt0" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	for f in tso gso gro; do
		[[ $output == *"ngt0 $f off: failed: Operation not permitted"*"[$NG_CONF:2]"* ]]
	done
	# The rps write is its own: done and reported.
	[[ $output == *"ngt0 rps 1: changed (was 0) [$NG_CONF:3]"* ]]
	assert_features_unchanged
}

@test "apply: SFEATURES fails with EOPNOTSUPP: reported unsupported, exit 1" {
	apply_setup
	run ns_faulty "ioctl=EOPNOTSUPP@SFEATURES:ngt0" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0 gro off: unsupported: Operation not supported"* ]]
	assert_features_unchanged
}

@test "apply: SFEATURES fails with EBUSY: failed with the reason, exit 1, untouched" {
	apply_setup
	run ns_faulty "ioctl=EBUSY@SFEATURES:ngt0" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0 tso off: failed: Device or resource busy"* ]]
	assert_features_unchanged
}

@test "apply: EPERM on ngt0 only: ngt1 in the same run is still set, and says so" {
	apply_setup
	ng_ns_exec "$ETHTOOL" -K ngt1 gro on
	ng_conf <<-EOF
		[interface ngt*]
		offload = gro off
	EOF
	run ns_faulty "ioctl=EPERM@SFEATURES:ngt0" "$NICGUARD" -c "$NG_CONF" apply ngt0 ngt1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0 gro off: failed: Operation not permitted"* ]]
	[[ $output == *"ngt1 gro off: changed (was on)"* ]]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
	[ "$(ng_feature "$NG_NS" ngt1 rx-gro)" = off ]
}

@test "apply: the interface vanishes after the write: every setting failed, exit 1" {
	apply_setup
	# GSSET_INFO, GSTRINGS, GFEATURES, SFEATURES pass; the read-back (GFEATURES: the feature
	# names are known by then) finds no device, as when the port is unplugged or its driver
	# unbound mid-apply.
	run ns_faulty "ioctl=ENODEV@*:ngt0#4" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0: vanished while it was being set; nothing can be read back"* ]]
	for f in tso gso gro; do
		[[ $output == *"ngt0 $f off: failed: No such device"* ]]
	done
	[[ $output != *"nothing to apply"* ]]
	[[ $output != *"changed"* ]]
}

@test "apply: the interface vanishes before its state is read: no such interface, exit 1" {
	apply_setup
	run ns_faulty "ioctl=ENODEV@*:ngt0" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0: no such interface"* ]]
	[[ $output != *"changed"* ]]
	assert_features_unchanged
}

@test "apply --dry-run under faults on every write call still writes nothing" {
	apply_setup
	local rules="ioctl=EPERM@SFEATURES:;ioctl=EPERM@SSET:;ioctl=EPERM@SLINKSETTINGS:"
	rules+=";ioctl=EPERM@SCOALESCE:;ioctl=EPERM@SRINGPARAM:;ioctl=EPERM@SIOCSIFFLAGS:"
	rules+=";write=EPERM@/sys/"
	run ns_faulty "$rules" "$NICGUARD" -c "$NG_CONF" apply --dry-run ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"ng-fault:"* ]]
	[[ $output == *"ngt0 gro off: would change (now on)"* ]]
	assert_features_unchanged
}

# A driver without get_link_ksettings (GLINKSETTINGS says EOPNOTSUPP) is read and written
# through the legacy GSET/SSET pair. veth reads 10000 full, autoneg off.
@test "link: GLINKSETTINGS unsupported: read through GSET, matching values are already" {
	ng_ns_setup
	ng_conf <<-EOF
		[interface ngt0]
		link = speed 10000 duplex full autoneg off
	EOF
	run ns_faulty "ioctl=EOPNOTSUPP@GLINKSETTINGS:ngt0" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ng-fault: ioctl GLINKSETTINGS:ngt0: Operation not supported"* ]]
	for s in "speed 10000" "duplex full" "autoneg off"; do
		[[ $output == *"ngt0 $s: already [$NG_CONF:2]"* ]]
	done
}

@test "link: GLINKSETTINGS unsupported: a change is written with SSET, never SLINKSETTINGS" {
	ng_ns_setup
	ng_conf <<-EOF
		[interface ngt0]
		link = speed 100 duplex full autoneg off
	EOF
	local rules="ioctl=EOPNOTSUPP@GLINKSETTINGS:ngt0;ioctl=EPERM@SSET:ngt0"
	rules+=";ioctl=EBUSY@SLINKSETTINGS:ngt0"
	run ns_faulty "$rules" "$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ng-fault: ioctl SSET:ngt0: Operation not permitted"* ]]
	[[ $output != *"SLINKSETTINGS"* ]]
	[[ $output == *"ngt0 speed 100: failed: Operation not permitted [$NG_CONF:2]"* ]]
	[ "$(ng_ns_exec "$ETHTOOL" ngt0 | sed -n 's/^[[:space:]]*Speed: //p')" = 10000Mb/s ]
}

@test "link: neither GLINKSETTINGS nor GSET: every link setting unsupported, exit 1" {
	ng_ns_setup
	ng_conf <<-EOF
		[interface ngt0]
		offload = gro off
		link = speed 10000 duplex full autoneg off
	EOF
	run ns_faulty "ioctl=EOPNOTSUPP@GLINKSETTINGS:ngt0;ioctl=EOPNOTSUPP@GSET:ngt0" \
		"$NICGUARD" -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	for s in "speed 10000" "duplex full" "autoneg off"; do
		[[ $output == *"ngt0 $s: unsupported: "*"[$NG_CONF:3]"* ]]
	done
	# The offload is its own call and still lands.
	[[ $output == *"ngt0 gro off: "@(changed|already)* ]]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
}

# ---------------------------------------------------------------- policy files

@test "a policy file replaced while it is read: the file opened is read whole, never the new one" {
	ng_conf <<-EOF
		[interface eno1]
		offload = gro off
	EOF
	# The replacement is world-writable and unparseable: nicguard must see neither.
	printf '[interface eno1]\nethtool = --frob {}\nbogus\n' >"$BATS_TEST_TMPDIR/evil.conf"
	chmod 0666 "$BATS_TEST_TMPDIR/evil.conf"
	run faulty "swap=$BATS_TEST_TMPDIR/evil.conf@$NG_CONF" "$NICGUARD" --no-builtin \
		-c "$NG_CONF" check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ng-fault: swap $NG_CONF"* ]]
	[[ $output == *"OK: 1 sections from $NG_CONF"* ]]
	# It really was swapped: the next read sees, and refuses, the new file.
	run "$NICGUARD" --no-builtin -c "$NG_CONF" check
	[ "$status" -eq 2 ]
	[[ $output == *"writable by others"* ]]
}

@test "a policy file that cannot be opened (EACCES): one clear line, exit 2" {
	ng_conf <<-EOF
		[interface eno1]
		offload = gro off
	EOF
	run faulty "open=EACCES@$NG_CONF" "$NICGUARD" -c "$NG_CONF" check
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"nicguard: $NG_CONF: cannot read: Permission denied"* ]]
}

# ---------------------------------------------------------------- /run/nicguard state

pve_setup() {
	ng_ns_setup
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	ROOT=$(copy_fixture pve)
	mkdir -p "$ROOT/usr/libexec/nicguard" "$ROOT/usr/sbin" "$ROOT/run" "$ROOT/etc/nicguard"
	cp "$NG_BUILD/nicguard-vzdump-hook" "$ROOT/usr/libexec/nicguard/vzdump-hook"
	cp "$NG_TOP"/tests/pve-stubs/* "$ROOT/usr/sbin/"
	ln -s /proc "$ROOT/proc"
	ln -s /sys "$ROOT/sys"
	HOOK=$ROOT/usr/libexec/nicguard/vzdump-hook
	STATE=$ROOT/run/nicguard/backup-state
	cat >"$ROOT/etc/nicguard/nicguard.conf" <<-EOF
		[interface ngt0]
		backup-uplink = yes
		backup-offload = tso off gso off gro off
	EOF
	ng_features "$NG_NS" ngt0 >"$BATS_TEST_TMPDIR/before"
}

# vzdump's call of a job phase: emptied environment, the shim added.
vzdump_faulty() { # RULES PHASE
	ip netns exec "$NG_NS" env -i STOREID=local LC_ALL=C "${FAULT_ENV[@]}" NG_FAULT="$1" \
		"$HOOK" "$2" </dev/null
}

@test "vzdump job-start: ENOSPC on /run/nicguard/backup-state: nothing tightened, exit 0" {
	pve_setup
	run vzdump_faulty "write=ENOSPC@/run/nicguard/" job-start
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"backup settings not applied: the current ones could not be saved"* ]]
	[[ $output == *"No space left on device"*"(the backup goes on)"* ]]
	[ ! -e "$STATE" ]
	no_temp "$ROOT/run/nicguard"
	assert_features_unchanged
}

@test "vzdump job-start: EROFS creating the state file: nothing tightened, exit 0" {
	pve_setup
	run vzdump_faulty "open=EROFS@/run/nicguard/.backup-state." job-start
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"could not be saved"*"Read-only file system"* ]]
	[ ! -e "$STATE" ]
	assert_features_unchanged
}

@test "vzdump job-start: EPERM from the kernel: reported, exit 0; job-end restores cleanly" {
	pve_setup
	run vzdump_faulty "ioctl=EPERM@SFEATURES:ngt0" job-start
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Operation not permitted"*"(the backup goes on)"* ]]
	assert_features_unchanged
	run vzdump_faulty "" job-end
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE" ]
	assert_features_unchanged
}

@test "vzdump job-end: the state file cannot be removed (EROFS): said, and kept for a retry" {
	pve_setup
	run vzdump_faulty "" job-start
	[ "$status" -eq 0 ]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = off ]
	# The saved originals are root's alone.
	[ "$(stat -c %a "$STATE")" = 600 ]
	run vzdump_faulty "unlink=EROFS@/run/nicguard/backup-state" job-end
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Read-only file system"*"(the backup goes on)"* ]]
	# The settings are back even though the file could not go; the file stays, so the
	# next job-start keeps these originals instead of saving tightened values.
	assert_features_unchanged
	[ -e "$STATE" ]
}
