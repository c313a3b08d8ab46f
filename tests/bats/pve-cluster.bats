#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pve-cluster.bats: nicguard's guest hookscript in a two-node cluster (tests/fixtures/
# pve-cluster: this node pve1 and pve2, both members in /etc/pve/.members, each node's guest
# configs visible to the other as pmxcfs shows them). A guest with a hookscript its node lacks
# does not start there (PVE::GuestHelpers exec_hookscript at pre-start): install-hookscript,
# doctor and the package's removal must never let that happen unnoticed. qm and pct are the
# stand-ins of tests/pve-stubs.

load ../helpers

MARKER="# Written by nicguard. Changes here are overwritten; edit the policy instead."

setup() {
	ROOT=$(copy_fixture pve-cluster)
	# As pmxcfs shows them: root:www-data, files 0640 (pve-cluster pmxcfs.c getattr).
	chgrp -R www-data "$ROOT/etc/pve"
	find "$ROOT/etc/pve" -type f -exec chmod 0640 {} +
	mkdir -p "$ROOT/usr/libexec/nicguard" "$ROOT/usr/sbin" "$ROOT/run/lock"
	ln -s ../run/lock "$ROOT/var/lock"
	cp "$NG_BUILD/nicguard-guest-hook" "$ROOT/usr/libexec/nicguard/guest-hook"
	cp "$NG_TOP"/tests/pve-stubs/* "$ROOT/usr/sbin/"
	NODES=$ROOT/etc/pve/nodes
	HOOK=$ROOT/usr/libexec/nicguard/guest-hook
	LOCAL_SNIP=$ROOT/var/lib/vz/snippets/nicguard-guest-hook
	NAS_SNIP=$ROOT/mnt/pve/nas/snippets/nicguard-guest-hook
}

ng() { "$NICGUARD" --root "$ROOT" "$@"; }

# What `nicguard pve register` on NODE leaves: nicguard there, holding these snippet volids.
node_has_nicguard() { # NODE [VOLID...]
	local node=$1
	shift
	{
		echo "$MARKER"
		echo "guest-hook /usr/libexec/nicguard/guest-hook"
		for v in "$@"; do echo "snippet $v"; done
	} >"$NODES/$node/nicguard-node"
	chmod 0640 "$NODES/$node/nicguard-node"
}

hookscript_of() { awk '/^\[/ { exit } $1 == "hookscript:" { print $2 }' "$1"; }

@test "install-hookscript refuses, naming the node that lacks nicguard; nothing changes" {
	cp -a "$ROOT/etc/pve" "$BATS_TEST_TMPDIR/pve-before"
	run ng pve install-hookscript 100
	echo "$output"
	[ "$status" -eq 1 ]
	want="refusing: a guest with hookscript local:snippets/nicguard-guest-hook would not"
	want+=" start on 1 node(s):"
	[[ $output == *"$want"* ]]
	[[ $output == *"  pve2: nicguard is not installed there"* ]]
	[[ $output != *"pve1:"* ]]
	[ -z "$(hookscript_of "$NODES/pve1/qemu-server/100.conf")" ]
	diff -r "$BATS_TEST_TMPDIR/pve-before" "$ROOT/etc/pve"
	[ ! -e "$LOCAL_SNIP" ]
	[ ! -e "$ROOT/stub-calls" ]
}

@test "install-hookscript names a node whose nicguard lacks the snippet; with it, goes ahead" {
	node_has_nicguard pve2
	run ng pve install-hookscript 100
	[ "$status" -eq 1 ]
	want="pve2: nicguard there has no local:snippets/nicguard-guest-hook"
	want+=" (run \`nicguard pve register --storage local\` there)"
	[[ $output == *"$want"* ]]
	node_has_nicguard pve2 local:snippets/nicguard-guest-hook
	run ng pve install-hookscript 100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(readlink "$LOCAL_SNIP")" = "$HOOK" ]
	[ "$(hookscript_of "$NODES/pve1/qemu-server/100.conf")" = \
		local:snippets/nicguard-guest-hook ]
	# This node now says so to the cluster, in the file pmxcfs lets it write.
	[ "$(stat -c %a "$NODES/pve1/nicguard-node")" = 640 ]
	[ "$(head -1 "$NODES/pve1/nicguard-node")" = "$MARKER" ]
	grep -qx 'snippet local:snippets/nicguard-guest-hook' "$NODES/pve1/nicguard-node"
	# A guest of another node is changed on that node only (qm set works on its own).
	run ng pve install-hookscript 300
	[ "$status" -eq 1 ]
	[[ $output == *"guest 300 is on node pve2: run \`nicguard pve install-hookscript 300\` there"* ]]
}

@test "a snippets storage every node shares: the shim starts guests on every node" {
	run ng pve install-hookscript --storage nas 100
	echo "$output"
	[ "$status" -eq 0 ]
	# No node needs nicguard for the guest to start: the shim runs the hook where it is.
	[ -x "$NAS_SNIP" ] && [ ! -L "$NAS_SNIP" ]
	[ "$(sed -n 2p "$NAS_SNIP")" = "$MARKER" ]
	[ "$(hookscript_of "$NODES/pve1/qemu-server/100.conf")" = nas:snippets/nicguard-guest-hook ]
	run env -i "$NAS_SNIP" 100 pre-start </dev/null
	[ "$status" -eq 0 ]
	mv "$HOOK" "$HOOK.gone"
	run env -i "$NAS_SNIP" 100 pre-start </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	mv "$HOOK.gone" "$HOOK"
	# `shared 1` but only on pve1: pve2 would not find it.
	run ng pve install-hookscript --storage pve1-only 200
	[ "$status" -eq 1 ]
	[[ $output == *"pve2: storage pve1-only is not available there (nodes pve1)"* ]]
	[ -z "$(hookscript_of "$NODES/pve1/lxc/200.conf")" ]
}

@test "doctor reports each guest that would not start on some node" {
	node_has_nicguard pve1 local:snippets/nicguard-guest-hook
	run ng doctor --interval 0
	echo "$output"
	[ "$status" -eq 1 ]
	want="hookscript-node guest 300 (on pve2): hookscript local:snippets/nicguard-guest-hook:"
	want+=" would not start on pve2: nicguard is not installed there"
	[[ $output == *"$want"* ]]
	[[ $output == *"guest 101 (on pve1): hookscript local:snippets/nicguard-guest-hook: would not start on pve2"* ]]
	# 301's snippet is on the shared nas: only a problem while the shim is not there.
	[[ $output == *"guest 301 (on pve2): hookscript nas:snippets/nicguard-guest-hook: would not start on pve1: the shared storage nas holds no nicguard-guest-hook"* ]]
	[[ $output != *"guest 302"* ]]
	[[ $output == *"fix: install nicguard on that node, or \`nicguard pve remove-hookscript 300\` on pve2"* ]]
	# pve2 gets nicguard; this node links the snippet into local and writes nas's shim.
	node_has_nicguard pve2 local:snippets/nicguard-guest-hook
	run ng pve register --storage nas
	[ "$status" -eq 0 ]
	[ -L "$LOCAL_SNIP" ] && [ -x "$NAS_SNIP" ]
	run ng doctor --interval 0
	echo "$output"
	[[ $output != *"hookscript-node"* ]]
}

@test "removal: check-removal and prerm refuse while a guest of any node needs this node's hook" {
	node_has_nicguard pve1 local:snippets/nicguard-guest-hook
	node_has_nicguard pve2 local:snippets/nicguard-guest-hook
	run ng pve register --storage nas
	[ "$status" -eq 0 ]
	run ng pve check-removal
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"guest 101 (on pve1): local:snippets/nicguard-guest-hook; fix: \`nicguard pve remove-hookscript 101\` on pve1"* ]]
	[[ $output == *"guest 300 (on pve2): local:snippets/nicguard-guest-hook; fix: \`nicguard pve remove-hookscript 300\` on pve2"* ]]
	# The shared storage's shim does not need nicguard here; 302's hookscript is not ours.
	[[ $output != *"guest 301"* ]] && [[ $output != *"guest 302"* ]]
	# The package's prerm runs the same check (nicguard is its own CLI on this tree).
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$NICGUARD" "$ROOT" \
		>"$BATS_TEST_TMPDIR/bin/nicguard"
	chmod +x "$BATS_TEST_TMPDIR/bin/nicguard"
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" sh "$NG_TOP/debian/prerm" remove
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"guest 300 (on pve2)"* ]]
	[ -e "$NODES/pve1/nicguard-node" ]
	# Fixed on each node: here 101; 300 is pve2's to change.
	run ng pve remove-hookscript 101 300
	[ "$status" -eq 1 ]
	[[ $output == *"guest 300 is on node pve2: run \`nicguard pve remove-hookscript 300\` there"* ]]
	run ng pve remove-hookscript 101
	[ "$status" -eq 0 ]
	[ -z "$(hookscript_of "$NODES/pve1/qemu-server/101.conf")" ]
	grep -qx 'qm set 101 --delete hookscript | env: PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C ' \
		"$ROOT/stub-calls"
	sed -i '/^hookscript:/d' "$NODES/pve2/qemu-server/300.conf"
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" sh "$NG_TOP/debian/prerm" remove
	echo "$output"
	[ "$status" -eq 0 ]
	# The cluster is told that this node no longer has nicguard.
	[ ! -e "$NODES/pve1/nicguard-node" ]
	[ -e "$NODES/pve2/nicguard-node" ]
}

@test "register and unregister: the node file; a foreign file stays; no quorum is said" {
	run ng pve register --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"would link $LOCAL_SNIP -> $HOOK"* ]]
	[ ! -e "$NODES/pve1/nicguard-node" ]
	run ng pve register
	[ "$status" -eq 0 ]
	[ "$(readlink "$LOCAL_SNIP")" = "$HOOK" ]
	cat >"$BATS_TEST_TMPDIR/want" <<-EOF
		$MARKER
		# nicguard is installed on this node; \`nicguard pve install-hookscript\` on any node reads
		# this file. Written by \`nicguard pve register\`, removed when the package is.
		guest-hook /usr/libexec/nicguard/guest-hook
		snippet local:snippets/nicguard-guest-hook
	EOF
	diff "$BATS_TEST_TMPDIR/want" "$NODES/pve1/nicguard-node"
	run ng pve register
	[[ $output == *"already up to date"* ]]
	# pmxcfs without quorum: every file read-only.
	run unshare -m sh -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' sh \
		"$NODES/pve1" "$NICGUARD" --root "$ROOT" pve unregister
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot remove: Read-only file system (no cluster quorum?)"* ]]
	run ng pve unregister
	[ "$status" -eq 0 ]
	[ ! -e "$NODES/pve1/nicguard-node" ]
	echo "an admin's note" >"$NODES/pve1/nicguard-node"
	run ng pve unregister
	[ "$status" -eq 1 ]
	[[ $output == *"is not nicguard's: left alone"* ]]
	[ -e "$NODES/pve1/nicguard-node" ]
}

@test "register: a snippet that cannot be made is said, and the node is registered without it" {
	# The `local` storage's directory is missing (a node being set up): no snippets directory
	# can be made there.
	rm -rf "$ROOT/var/lib/vz"
	run ng pve register
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"/var/lib/vz/snippets: cannot create: No such file or directory"* ]]
	# The cluster still learns that nicguard is here, with no snippet: install-hookscript
	# on any node then refuses guests this node may run, naming what it lacks.
	cat >"$BATS_TEST_TMPDIR/want" <<-EOF
		$MARKER
		# nicguard is installed on this node; \`nicguard pve install-hookscript\` on any node reads
		# this file. Written by \`nicguard pve register\`, removed when the package is.
		guest-hook /usr/libexec/nicguard/guest-hook
	EOF
	diff "$BATS_TEST_TMPDIR/want" "$NODES/pve1/nicguard-node"
}
