#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `nicguard modprobe` against sysfs fixtures: two e1000e ports whose PCI order differs from
# their name order, and a machine without e1000e. Runs in a test namespace, where the
# fixture's interface names are not kernel devices.

bats_require_minimum_version 1.5.0

load ../wiring

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ng_ns_setup
}

teardown() {
	ng_ns_teardown
}

@test "--print: one value per e1000e port, in PCI probe order" {
	root=$(copy_fixture modprobe-2port)
	run --separate-stderr ng_nicguard --root "$root" modprobe --print
	echo "$output"
	[ "$status" -eq 0 ]
	# Notes go to stderr: stdout is the file.
	grep -q "^initramfs: e1000e is loaded from it" <<<"$stderr"
	# eno2 sits at 0000:00:19.0 and is probed before eno1 at 0000:00:1f.6.
	[ "$(grep '^options' <<<"$output")" = "options e1000e InterruptThrottleRate=8000,4" ]
	grep -q "^# port 0: 0000:00:19.0 (eno2) = 8000 .*nicguard.conf:6" <<<"$output"
	grep -q "^# port 1: 0000:00:1f.6 (eno1) = 4 .*nicguard.conf:3" <<<"$output"
	[ "$(head -1 <<<"$output")" = "# Written by nicguard. Changes here are overwritten; edit the policy instead." ]
	[ ! -e "$root/etc/modprobe.d/nicguard.conf" ]
}

@test "one driver-wide value covers every port" {
	root=$(copy_fixture modprobe-2port)
	printf '[driver e1000e]\ninterrupt-throttle-rate = 1\n' >"$root/etc/nicguard/nicguard.conf"
	run ng_nicguard --root "$root" modprobe --print
	[ "$(grep '^options' <<<"$output")" = "options e1000e InterruptThrottleRate=1,1" ]
}

@test "a port without a policy value gets the default 3 written out" {
	root=$(copy_fixture modprobe-2port)
	printf '[interface eno1]\ninterrupt-throttle-rate = 0\n' >"$root/etc/nicguard/nicguard.conf"
	run ng_nicguard --root "$root" modprobe --print
	[ "$(grep '^options' <<<"$output")" = "options e1000e InterruptThrottleRate=3,0" ]
	grep -q "^# port 0: 0000:00:19.0 (eno2) = 3 .*no policy value" <<<"$output"
}

@test "invalid values are refused with a message" {
	root=$(copy_fixture modprobe-2port)
	for v in 2 5 99 100001 -1 fast; do
		printf '[interface eno1]\ninterrupt-throttle-rate = %s\n' "$v" \
			>"$root/etc/nicguard/nicguard.conf"
		run ng_nicguard --root "$root" modprobe --print
		echo "$v: $output"
		[ "$status" -eq 2 ]
		grep -q "nicguard.conf:2: .*interrupt-throttle-rate" <<<"$output"
		! grep -q '^options' <<<"$output"
	done
}

@test "the default value 3 is written but warned about" {
	root=$(copy_fixture modprobe-2port)
	printf '[driver e1000e]\ninterrupt-throttle-rate = 3\n' >"$root/etc/nicguard/nicguard.conf"
	run ng_nicguard --root "$root" modprobe --print
	[ "$status" -eq 0 ]
	[ "$(grep '^options' <<<"$output")" = "options e1000e InterruptThrottleRate=3,3" ]
	grep -q "nicguard.conf:2: interrupt-throttle-rate 3 for eno2 is the driver's default" \
		<<<"$output"
}

@test "no e1000e port: the file still covers the first port, and says so" {
	root=$(copy_fixture modprobe-none)
	run ng_nicguard --root "$root" modprobe --print
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep '^options' <<<"$output")" = "options e1000e InterruptThrottleRate=1" ]
	grep -q "^# No e1000e port was found on this machine" <<<"$output"
}

@test "no value in the policy: a file without an options line" {
	root=$(copy_fixture modprobe-2port)
	: >"$root/etc/nicguard/nicguard.conf"
	run ng_nicguard --root "$root" modprobe --print
	[ "$status" -eq 0 ]
	! grep -q '^options' <<<"$output"
	grep -q "sets no interrupt-throttle-rate" <<<"$output"
}

@test "--write: atomic, marker first, initramfs note; never over a file it did not write" {
	root=$(copy_fixture modprobe-2port)
	run ng_nicguard --root "$root" modprobe --write
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^wrote /etc/modprobe.d/nicguard.conf" <<<"$output"
	grep -q "^initramfs: e1000e is loaded from it (initramfs-tools MODULES=most" <<<"$output"
	grep -qx "options e1000e InterruptThrottleRate=8000,4" "$root/etc/modprobe.d/nicguard.conf"
	[ "$(stat -c %a "$root/etc/modprobe.d/nicguard.conf")" = 644 ]
	[ -z "$(find "$root/etc/modprobe.d" -name '.nicguard.conf.*')" ]
	# Rewriting its own file is fine; an admin's file of the same name is left alone.
	run ng_nicguard --root "$root" modprobe --write
	[ "$status" -eq 0 ]
	echo "options e1000e InterruptThrottleRate=1" >"$root/etc/modprobe.d/nicguard.conf"
	run ng_nicguard --root "$root" modprobe --write
	[ "$status" -eq 1 ]
	grep -q "not written by nicguard" <<<"$output"
	[ "$(cat "$root/etc/modprobe.d/nicguard.conf")" = "options e1000e InterruptThrottleRate=1" ]
}

@test "--write says when the initramfs does not carry e1000e" {
	root=$(copy_fixture modprobe-2port)
	echo MODULES=dep >"$root/etc/initramfs-tools/initramfs.conf"
	run ng_nicguard --root "$root" modprobe --write
	[ "$status" -eq 0 ]
	grep -q "^initramfs: not needed (initramfs-tools MODULES=dep" <<<"$output"
	echo e1000e >"$root/etc/initramfs-tools/modules"
	run ng_nicguard --root "$root" modprobe --write
	grep -q "^initramfs: e1000e is loaded from it (e1000e is listed" <<<"$output"
}

# A stand-in update-initramfs under the fixture root (qm, pct and update-initramfs are looked
# up under --root): it records its argv and environment, prints what the real one prints,
# and exits with STATUS.
initramfs_stub() { # ROOT STATUS
	mkdir -p "$1/usr/sbin"
	cat >"$1/usr/sbin/update-initramfs" <<-EOF
		#!/bin/sh
		{ echo "argv: \$*"; env | grep -v '^PWD=' | sort; } >"$1/update-initramfs.called"
		echo "update-initramfs: Generating /boot/initrd.img-6.1.0-28-amd64"
		exit $2
	EOF
	chmod 755 "$1/usr/sbin/update-initramfs"
}

@test "--update-initramfs runs update-initramfs -u after the write, with a clean environment" {
	root=$(copy_fixture modprobe-2port)
	initramfs_stub "$root" 0
	export FOO=leak
	run ng_nicguard --root "$root" modprobe --write --update-initramfs
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^initramfs: e1000e is loaded from it (.*): rebuilding it" <<<"$output"
	grep -q "^update-initramfs: Generating /boot/initrd.img-6.1.0-28-amd64" <<<"$output"
	cat "$root/update-initramfs.called"
	[ "$(cat "$root/update-initramfs.called")" = "argv: -u
LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin" ]
	grep -q "InterruptThrottleRate=" "$root/etc/modprobe.d/nicguard.conf"
}

@test "--update-initramfs reports a failure of update-initramfs and exits 1" {
	root=$(copy_fixture modprobe-2port)
	initramfs_stub "$root" 3
	run ng_nicguard --root "$root" modprobe --write --update-initramfs
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "update-initramfs -u exited with status 3" <<<"$output"
	[ -e "$root/etc/modprobe.d/nicguard.conf" ]
	# Not there at all: said, exit 1, the modprobe.d file written all the same.
	rm "$root/usr/sbin/update-initramfs" "$root/etc/modprobe.d/nicguard.conf"
	run ng_nicguard --root "$root" modprobe --write --update-initramfs
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "^nicguard: update-initramfs: $root/usr/sbin/update-initramfs: No such file" \
		<<<"$output"
	[ -e "$root/etc/modprobe.d/nicguard.conf" ]
}
