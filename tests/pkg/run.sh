#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The package test: install, check, upgrade with a modified conffile, remove and purge the
# real .deb with dpkg and apt in a cached Debian 12 chroot and a cached Debian 13 chroot, each
# step a test case. The same .deb file goes into both (its sha256 is printed for each): one
# package serves both releases. lintian runs twice: this machine's (Debian 12's) here, and
# Debian 13's inside the trixie chroot, on the same files.
#
# Usage: tests/pkg/run.sh DEB_DIR [SUITE...]
#   DEB_DIR holds nicguard_*.deb and nicguard_*.dsc, as `make deb-build` leaves them.
#   SUITE: bookworm, trixie (default: both). The upgrade target (version +pkgtest1, with a
#   changed default policy file) is rebuilt here from that .dsc.
# Ends with one line per suite ("trixie: N passed, N failed") and "N passed, N failed".
#
# Every chroot command runs in fresh network and mount namespaces: the chroot sees only its
# own loopback and veth pair, never this machine's interfaces, and /proc/sys is read-only, so
# the maintainer scripts' `nicguard apply` and sysctl loading cannot change the host. The
# cached chroot is the read-only lower layer of an overlay; all changes go to a scratch
# upper layer that is deleted at the end.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
deb_dir=$(cd "${1:?usage: run.sh DEB_DIR [SUITE...]}" && pwd)
shift
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
work=$(mktemp -d /var/tmp/nicguard-pkgtest.XXXXXX)
cw=		# the work directory of the suite under test: its overlay and root
chroot=		# the cached chroot of that suite
passed=0
failed=0
n=0

cleanup() { rm -rf "$work"; }
trap cleanup EXIT

say() { printf '#   %s\n' "$@"; }
show() { sed 's/^/#   | /' "$@"; }
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

# Run a shell command line inside the chroot, in its own network and mount namespaces.
in_chroot() {
	unshare --net --mount --fork -- /bin/bash -euc '
		lower=$1 work=$2 pkg=$3; shift 3
		r=$work/root
		mount -t overlay overlay \
			-o lowerdir=$lower,upperdir=$work/upper,workdir=$work/ovl "$r"
		mount -t proc proc "$r/proc"
		mount --bind -o ro "$r/proc/sys" "$r/proc/sys"
		mount -o remount,bind,ro "$r/proc/sys"
		mount -t sysfs -o ro sysfs "$r/sys"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
		mkdir -p "$r/pkg"
		mount --bind -o ro "$pkg" "$r/pkg"
		ip link set lo up
		ip link add name ngpkg0 type veth peer name ngpkg1
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 /bin/bash -c "$1"
	' in_chroot "$chroot" "$cw" "$work/pkg" "$1"
}

echo "# nicguard package test"

# ---- the chroots, built in parallel (each suite has its own cache key and lock)
declare -A name=([bookworm]="Debian 12" [trixie]="Debian 13")
for s in "${suites[@]}"; do
	NG_PKG_SUITE=$s "$here/chroot.sh" >"$work/chroot-$s.path" 2>"$work/chroot-$s.log" &
	echo $! >"$work/chroot-$s.pid"
done
for s in "${suites[@]}"; do
	wait "$(cat "$work/chroot-$s.pid")"
	rc=$?
	show "$work/chroot-$s.log"
	say "chroot: $(cat "$work/chroot-$s.path")"
	result $rc "$s: a ${name[$s]:-$s} chroot is ready (cached under /var/tmp, keyed by its package list)"
done
if [ $failed != 0 ]; then
	echo "$passed passed, $failed failed"
	exit 1
fi
mkdir -p "$work/pkg"

deb=$(ls "$deb_dir"/nicguard_*.deb 2>/dev/null | head -n 1)
dsc=$(ls "$deb_dir"/nicguard_*.dsc 2>/dev/null | head -n 1)
if [ -z "$deb" ] || [ -z "$dsc" ]; then
	echo "Bail out! no nicguard_*.deb or *.dsc in $deb_dir (run make deb-build)"
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
fi
version=$(dpkg-deb -f "$deb" Version)
deb_sum=$(sha256sum <"$deb" | cut -d' ' -f1)
# Every file of the build (the .deb, the dbgsym .deb, the source package, the .changes), for
# the trixie chroot's lintian.
find "$deb_dir" -maxdepth 1 -type f -name 'nicguard*' -exec cp {} "$work/pkg/" \;
say "package: ${deb##*/} ($version), sha256 $deb_sum"
LINTIAN_ARGS="--fail-on error,warning --display-info"

# ---- lintian (this machine's, Debian 12's): nothing to say, down to info tags, but one with
# its reason: package-supports-alternative-init-but-no-init.d-script (info). nicguard-watch
# starts only through its systemd unit, on purpose (Type=notify, the unit's sandbox); without
# systemd the rest of nicguard still works. Debian 13's lintian has dropped that tag and calls
# an override of it an error (alien-tag), so the reason lives here, not in debian/.
# shellcheck disable=SC2086
lintian $LINTIAN_ARGS --suppress-tags package-supports-alternative-init-but-no-init.d-script \
	"$deb_dir"/nicguard_*.changes "$deb_dir"/nicguard_*.dsc >"$work/out" 2>&1
rc=$?
grep -v 'running with root privileges' "$work/out" | show
say "left out: package-supports-alternative-init-but-no-init.d-script (no init.d script, on purpose)"
say "lintian $(dpkg-query -W -f '${Version}' lintian) exit $rc"
result $rc "bookworm: lintian (this machine's) has nothing to say of the binary and source packages"

# ---- no .link file: Proxmox VE 9 pins NIC names with /usr/local/lib/systemd/network/50-pve-*.link
# files, and only the first .link file matching a device applies to it: one shipped by nicguard
# would take the admin's pinned name away.
links=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | grep -E '\.link$')
rc=0
[ -z "$links" ] || { say "shipped: ${links//$'\n'/ }"; rc=1; }
say "$(dpkg-deb -c "$deb" | grep -c -E '/lib/systemd/|/lib/udev/') files under */lib/systemd and" \
	"*/lib/udev, none of them a .link file"
result $rc "the package ships no systemd .link file (it would override pinned NIC names)"

# ---- the upgrade package, rebuilt from the source with a bumped version and a changed
# default policy file (so dpkg must choose between the admin's file and the new one)
new_version=$version+pkgtest1
(
	set -e
	cd "$work"
	dpkg-source -x "$dsc" src >/dev/null
	cd src
	{
		echo "nicguard ($new_version) unstable; urgency=medium"
		echo
		echo "  * Package test: upgrade target."
		echo
		echo " -- nicguard developers <dev@nicguard.invalid>  $(date -R)"
		echo
		cat debian/changelog
	} >debian/changelog.new
	mv debian/changelog.new debian/changelog
	echo "# Shipped by $new_version." >>etc/nicguard.conf
	DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b >"$work/rebuild.log" 2>&1
) 
rc=$?
deb2=$(ls "$work"/nicguard_"$new_version"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb2" ] || rc=1
if [ $rc = 0 ]; then cp "$deb2" "$work/pkg/"; else tail -n 20 "$work/rebuild.log" | show; fi
say "rebuilt: ${deb2##*/}"
result $rc "the upgrade package ($new_version) is rebuilt from the source package"

# removal_refused SETUP CLEANUP WANT TITLE: after SETUP, `apt-get remove nicguard` in the
# chroot must fail, leave nicguard installed and say WANT; CLEANUP runs before the status is read.
removal_refused() {
	local r1 st rc=0
	in_chroot "$1
		apt-get remove -y -o Dpkg::Use-Pty=0 nicguard" >"$work/out" 2>&1
	r1=$?
	grep 'nicguard' "$work/out" | show
	st=$(in_chroot "$2 dpkg-query -W -f '\${Status}' nicguard" 2>&1)
	say "exit $r1; dpkg-query: $st"
	[ $r1 != 0 ] && [ "$st" = "install ok installed" ] || rc=1
	grep -q -- "$3" "$work/out" || rc=1
	result $rc "$suite: $4"
}

# ---- every step below, once per suite, each in a fresh overlay over that suite's chroot
suite_tests() {
	local suite=$1 p0=$passed f0=$failed
	chroot=$(cat "$work/chroot-$suite.path")
	cw=$work/$suite
	mkdir -p "$cw/upper" "$cw/ovl" "$cw/root"
	echo "# ---- $suite (${name[$suite]:-$suite}): $chroot"

	# ---- the same file: its checksum inside the chroot is the one built here
	in_chroot "sha256sum /pkg/${deb##*/}" >"$work/out" 2>&1
	rc=$?
	show "$work/out"
	[ "$(cut -d' ' -f1 "$work/out")" = "$deb_sum" ] || rc=1
	result $rc "$suite: the package under test is the one .deb built here (sha256 ${deb_sum:0:16})"

	# ---- lintian of this release, where it differs from this machine's. One tag is left
	# out, with its reason: Debian 13's lintian calls Standards-Version 4.6.2 out of date
	# (info), while Debian 12's warns on any newer one (newer-standards-version) and calls an
	# override of it unused: one source for both releases cannot satisfy both. Nothing of
	# policy 4.7 concerns this package; the version moves when Debian 12 support ends.
	if in_chroot "command -v lintian" >/dev/null 2>&1; then
		say "left out: out-of-date-standards-version (one source for Debian 12 and 13)"
		in_chroot "cd /pkg && lintian $LINTIAN_ARGS \
			--suppress-tags out-of-date-standards-version nicguard_*.changes nicguard_*.dsc
			rc=\$?; echo lintian \$(dpkg-query -W -f '\${Version}' lintian) exit \$rc" \
			>"$work/out" 2>&1
		grep -v 'running with root privileges' "$work/out" | show
		rc=0
		grep -q '^lintian .* exit 0$' "$work/out" || rc=1
		result $rc "$suite: its own lintian has nothing to say of the binary and source packages"
	fi

	# ---- install with apt, offline, from the local file. An admin's conf.d file is there
	# first: configure must apply it to the interfaces present (tso off on ngpkg0, witnessed by
	# ethtool), and a setting the device refuses (veth has no link settings) must not fail it.
	# /etc/pve is laid out as pmxcfs shows it on node pkgnode of a two-node cluster (local a
	# link to nodes/pkgnode, the other node pve2), and the `local` storage's /var/lib/vz is
	# there as on every Proxmox VE node, so configure registers the node.
	in_chroot "set -e
		mkdir -p /etc/pve/nodes/pkgnode/qemu-server /etc/pve/nodes/pkgnode/lxc \
			/etc/pve/nodes/pve2/qemu-server /etc/pve/nodes/pve2/lxc \
			/var/lib/vz/dump /var/lib/vz/images /var/lib/vz/template
		ln -s nodes/pkgnode /etc/pve/local
		mkdir -p /etc/nicguard/conf.d
		printf '%s\n' '[interface ngpkg0]' 'offload = tso off' '[interface ngpkg1]' \
			'link = speed 100 duplex full autoneg off' >/etc/nicguard/conf.d/50-pkgtest.conf
		echo \"before: \$(ethtool -k ngpkg0 | grep '^tcp-segmentation-offload:')\"
		apt-get install -y -o Dpkg::Use-Pty=0 /pkg/${deb##*/}
		echo \"after: \$(ethtool -k ngpkg0 | grep '^tcp-segmentation-offload:')\"
		rm -r /etc/nicguard/conf.d" >"$work/out" 2>&1
	rc=$?
	grep -v '^before:\|^after:' "$work/out" | show | tail -n 12
	grep '^before:\|^after:' "$work/out" | show
	grep -q '^after: tcp-segmentation-offload: off' "$work/out" || rc=1
	st=$(in_chroot "dpkg-query -W -f '\${Status} \${Version}' nicguard" 2>&1)
	say "dpkg-query: $st"
	[ "$st" = "install ok installed $version" ] || rc=1
	result $rc "$suite: apt-get installs ${deb##*/}; configure applies the policy, tolerating a refusal"

	# ---- the hourly summary timer is enabled as debhelper would (a link in /etc that
	# `systemctl disable` removes); no systemd runs in the chroot, so nothing is started.
	in_chroot "readlink /etc/systemd/system/timers.target.wants/nicguard-summary.timer" \
		>"$work/out" 2>&1
	rc=$?
	show "$work/out"
	# Debian 12's deb-systemd-helper links to /lib/systemd/system (the same directory on a
	# merged /usr), Debian 13's to /usr/lib/systemd/system.
	grep -qxE '(/usr)?/lib/systemd/system/nicguard-summary.timer' "$work/out" || rc=1
	result $rc "$suite: postinst enables nicguard-summary.timer (deb-systemd-helper)"

	# ---- configure told the cluster nicguard is on this node, with its snippet on `local`
	in_chroot "stat -c '%a %n' /etc/pve/nodes/pkgnode/nicguard-node
		cat /etc/pve/nodes/pkgnode/nicguard-node
		readlink /var/lib/vz/snippets/nicguard-guest-hook" >"$work/out" 2>&1
	rc=$?
	show "$work/out"
	grep -qx '640 /etc/pve/nodes/pkgnode/nicguard-node' "$work/out" || rc=1
	grep -qx '# Written by nicguard.*' "$work/out" || rc=1
	grep -qx 'snippet local:snippets/nicguard-guest-hook' "$work/out" || rc=1
	grep -qx '/usr/libexec/nicguard/guest-hook' "$work/out" || rc=1
	result $rc "$suite: configure registers the node (/etc/pve/nodes/pkgnode/nicguard-node, 0640) and links the snippet"

	# ---- every file lands with the right mode and owner
	in_chroot "dpkg -L nicguard | while read -r p; do
			[ \"\$p\" = /. ] && continue
			if [ -e \"\$p\" ] || [ -L \"\$p\" ]; then stat -c '%A %a %U:%G %n' \"\$p\"
			else echo \"MISSING \$p\"; fi
		done" >"$work/files" 2>&1
	dpkg-deb -I "$deb" conffiles >"$work/conffiles" 2>/dev/null || : >"$work/conffiles"
	rc=0
	grep -v '^d' "$work/files" | show
	while read -r perm mode owner path; do
		[ "$perm" = MISSING ] && { say "missing: $mode"; rc=1; continue; }
		[ "$owner" = root:root ] || { say "owner $owner: $path"; rc=1; }
		case "$perm" in
		d*) want=755 ;;
		l*) continue ;;
		*)
			case "$path" in
			/usr/sbin/* | /usr/libexec/nicguard/* | /etc/network/if-*.d/*) want=755 ;;
			*) want=644 ;;
			esac
			;;
		esac
		[ "$mode" = "$want" ] || { say "mode $mode, want $want: $path"; rc=1; }
	done <"$work/files"
	while read -r mode path; do
		case "$mode" in '#'* | '') continue ;; esac
		got=$(awk -v p="$path" '$4 == p { print $2 }' "$work/files")
		[ "$got" = "$mode" ] || { say "expected $path mode $mode, got ${got:-nothing}"; rc=1; }
	done <"$here/expected-files"
	# Every file under /etc is a conffile, and nothing else is.
	etc=$(awk '$1 !~ /^d/ && $4 ~ /^\/etc\// { print $4 }' "$work/files" | sort)
	cf=$(sort "$work/conffiles")
	say "conffiles: ${cf//$'\n'/ }"
	[ "$etc" = "$cf" ] || { say "files in /etc: ${etc//$'\n'/ }"; rc=1; }
	result $rc "$suite: every file is in place, root-owned, 0755 for programs and 0644 otherwise"

	# ---- every program the package build made is shipped (a component without install rules
	# would otherwise go missing unnoticed): nicguard-X as /usr/sbin/nicguard-X or
	# /usr/libexec/nicguard/nicguard-X or /usr/libexec/nicguard/X
	rc=0
	built=0
	for prog in "$deb_dir"/nicguard/build/nicguard "$deb_dir"/nicguard/build/nicguard-*; do
		[ -f "$prog" ] && [ -x "$prog" ] || continue
		built=$((built + 1))
		name=${prog##*/}
		where=$(awk -v a="/usr/sbin/$name" -v b="/usr/libexec/nicguard/$name" \
			-v c="/usr/libexec/nicguard/${name#nicguard-}" \
			'$1 !~ /^d/ && ($4 == a || $4 == b || $4 == c) { print $4 }' "$work/files")
		if [ -n "$where" ]; then say "$name: $where"; else say "$name: not shipped"; rc=1; fi
	done
	[ $built -gt 0 ] || { say "no programs found in $deb_dir/nicguard/build"; rc=1; }
	result $rc "$suite: every program the build makes is in the package ($built)"

	# ---- the CLI runs inside
	in_chroot "nicguard --help" >"$work/out" 2>&1
	rc=$?
	show "$work/out" | head -n 8
	grep -q '^Usage: nicguard' "$work/out" || rc=1
	result $rc "$suite: nicguard --help runs inside the chroot"

	in_chroot "nicguard check" >"$work/out" 2>&1
	rc=$?
	show "$work/out"
	grep -q '^OK:' "$work/out" || rc=1
	result $rc "$suite: nicguard check accepts the shipped /etc/nicguard/nicguard.conf"

	# ---- the admin edits the policy; nicguard-generated files appear
	marker="# Written by nicguard. Changes here are overwritten; edit the policy instead."
	in_chroot "set -e
		printf '%s\n' '# admin: leave the test veth alone' '[interface ngpkg1]' 'skip = yes' \
			>>/etc/nicguard/nicguard.conf
		printf '%s\n' '$marker' 'options e1000e InterruptThrottleRate=4' >/etc/modprobe.d/nicguard.conf
		printf '%s\n' '$marker' 'net.core.netdev_max_backlog = 5000' \
			>/etc/sysctl.d/61-nicguard-local.conf
		printf '%s\n' 'options e1000e SmartPowerDownEnable=0' >/etc/modprobe.d/e1000e.conf
		printf '%s\n' 'net.core.somaxconn = 8192' >/etc/sysctl.d/99-admin.conf
		printf '%s\n' 'net.core.rmem_max = 1073741824' >/etc/sysctl.d/50-tuning.conf
		mkdir -p /run/nicguard /var/lib/nicguard /var/lib/prometheus/node-exporter
		printf '%s\n' '$marker' 'nicguard_watch_records_total 0' \
			>/var/lib/prometheus/node-exporter/nicguard.prom
		echo 'node_textfile_admin 1' >/var/lib/prometheus/node-exporter/admin.prom
		echo state >/run/nicguard/backup-window.state
		echo state >/var/lib/nicguard/watch.state
		nicguard check" >"$work/out" 2>&1
	rc=$?
	show "$work/out"
	result $rc "$suite: an admin change to the policy file is valid (nicguard check)"

	# ---- upgrade to the rebuilt package, keeping the admin's file
	if [ -n "$deb2" ]; then
		in_chroot "apt-get install -y -o Dpkg::Use-Pty=0 \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			/pkg/${deb2##*/}" >"$work/out" 2>&1
		rc=$?
		show "$work/out" | tail -n 12
		st=$(in_chroot "dpkg-query -W -f '\${Status} \${Version}' nicguard" 2>&1)
		say "dpkg-query: $st"
		[ "$st" = "install ok installed $new_version" ] || rc=1
		# 50-tuning.conf sorts before the shipped 60-nicguard.conf, which wins: postinst says so.
		if grep -q "60-nicguard.conf overrides a higher value of yours" "$work/out"; then
			say "postinst: the overridden rmem_max of 50-tuning.conf is pointed out"
		else
			say "postinst said nothing of the overridden rmem_max"; rc=1
		fi
		if in_chroot "grep -q '^\[interface ngpkg1\]' /etc/nicguard/nicguard.conf"; then
			say "admin's section still in /etc/nicguard/nicguard.conf"
		else
			say "admin's section lost"; rc=1
		fi
		if in_chroot "grep -q 'Shipped by $new_version' /etc/nicguard/nicguard.conf.dpkg-dist"; then
			say "the new default is beside it as nicguard.conf.dpkg-dist"
		else
			say "no nicguard.conf.dpkg-dist with the new default"; rc=1
		fi
		in_chroot "nicguard check" >"$work/out" 2>&1 || rc=1
		show "$work/out"
	else
		rc=1
		say "no upgrade package"
	fi
	result $rc "$suite: upgrade to $new_version keeps the admin's policy file (new default as .dpkg-dist)"

	# ---- removal is refused while vzdump would run nicguard's hook
	removal_refused "printf '%s\n' 'tmpdir: /var/tmp' \
			'script: /usr/libexec/nicguard/vzdump-hook' >/etc/vzdump.conf" "" \
		'nicguard pve disable-hook' \
		"removal is refused while /etc/vzdump.conf runs the hook, with the way out"

	# ---- removal is refused while a backup window's saved settings wait to be restored
	removal_refused "sed -i '/^script:/d' /etc/vzdump.conf
		echo 'saved' >/run/nicguard/backup-state" "rm /run/nicguard/backup-state;" \
		"run 'nicguard restore' first" \
		"removal is refused while /run/nicguard/backup-state waits for nicguard restore"

	# ---- removal is refused while a guest of any node uses nicguard's hookscript: HA or a
	# migration may send pve2's guest 300 here (prerm's `nicguard pve check-removal`). The
	# refused removal leaves the node registered.
	in_chroot "printf '%s\n' 'cores: 2' 'hookscript: local:snippets/nicguard-guest-hook' \
			'memory: 2048' >/etc/pve/local/qemu-server/101.conf
		printf '%s\n' 'hookscript: local:snippets/nicguard-guest-hook' 'memory: 512' \
			>/etc/pve/nodes/pve2/qemu-server/300.conf
		echo '#!/bin/sh' >/var/lib/vz/snippets/admin-hook.sh
		echo 'tmpdir: /var/tmp' >/etc/nicguard/vzdump.conf.orig
		apt-get remove -y -o Dpkg::Use-Pty=0 nicguard" >"$work/out" 2>&1
	r1=$?
	grep 'nicguard' "$work/out" | show
	st=$(in_chroot "dpkg-query -W -f '\${Status}' nicguard" 2>&1)
	say "exit $r1; dpkg-query: $st"
	rc=0
	[ $r1 != 0 ] && [ "$st" = "install ok installed" ] || rc=1
	for want in 'guest 101 (on pkgnode): local:snippets/nicguard-guest-hook; fix' \
		'guest 300 (on pve2): local:snippets/nicguard-guest-hook; fix' \
		'remove their hookscript first'; do
		grep -qF -- "$want" "$work/out" || { say "not said: $want"; rc=1; }
	done
	if in_chroot "test -f /etc/pve/nodes/pkgnode/nicguard-node"; then
		say "still registered: /etc/pve/nodes/pkgnode/nicguard-node"
	else
		say "the refused removal unregistered the node"; rc=1
	fi
	result $rc "$suite: removal is refused while guests of either node use nicguard's hookscript, naming them"

	# ---- remove (the admin took the hook and the hookscripts out); prerm unregisters
	in_chroot "sed -i '/^hookscript:/d' /etc/pve/local/qemu-server/101.conf \
			/etc/pve/nodes/pve2/qemu-server/300.conf
		apt-get remove -y -o Dpkg::Use-Pty=0 nicguard" >"$work/out" 2>&1
	rc=$?
	show "$work/out" | tail -n 12
	st=$(in_chroot "dpkg-query -W -f '\${Status}' nicguard" 2>&1)
	say "dpkg-query: $st"
	[ "$st" = "deinstall ok config-files" ] || rc=1
	grep -q 'ethtool -K IFACE' "$work/out" || { say "no restore hint printed"; rc=1; }
	if in_chroot "test -e /usr/sbin/nicguard"; then say "/usr/sbin/nicguard still there"; rc=1; fi
	if in_chroot "test -e /etc/pve/nodes/pkgnode/nicguard-node"; then
		say "kept: /etc/pve/nodes/pkgnode/nicguard-node (the cluster still counts on this node)"
		rc=1
	else
		say "gone: /etc/pve/nodes/pkgnode/nicguard-node (unregistered)"
	fi
	for f in /etc/nicguard/nicguard.conf /etc/modprobe.d/nicguard.conf \
		 /etc/sysctl.d/61-nicguard-local.conf /run/nicguard/backup-window.state; do
		if in_chroot "test -e $f"; then say "kept: $f"; else say "gone: $f"; rc=1; fi
	done
	result $rc "$suite: remove deletes the programs, keeps configuration and state, says how to restore"

	# ---- purge; this node's cluster summary (nicguard's marker) goes, another node's stays
	in_chroot "set -e
		node=\$(uname -n | cut -d. -f1)
		mkdir -p /etc/pve/nodes/\$node /etc/pve/nodes/pkgtest-other
		printf '%s\n' '$marker' 'nicguard-summary 1' | tee /etc/pve/nodes/\$node/nicguard-summary \
			>/etc/pve/nodes/pkgtest-other/nicguard-summary
		apt-get purge -y -o Dpkg::Use-Pty=0 nicguard" >"$work/out" 2>&1
	rc=$?
	show "$work/out" | tail -n 10
	st=$(in_chroot "dpkg-query -W -f '\${Status}' nicguard 2>&1 || true")
	say "dpkg-query: $st"
	case "$st" in *"not-installed"* | *"no packages found"*) ;; *) rc=1 ;; esac
	grep -q 'nicguard: removed /etc/pve/nodes/.*/nicguard-summary' "$work/out" || rc=1
	if in_chroot "test -f /etc/pve/nodes/pkgtest-other/nicguard-summary"; then
		say "another node's summary kept"
	else
		say "another node's summary lost"; rc=1
	fi
	left=$(in_chroot "find / -xdev \( -path /proc -o -path /sys -o -path /pkg \
		-o -path /etc/pve/nodes/pkgtest-other \) -prune -o -name '*nicguard*' -print" 2>&1)
	if [ -n "$left" ]; then
		say "left behind: ${left//$'\n'/ }"
		rc=1
	else
		say "no file or directory named *nicguard* left"
	fi
	for f in /etc/modprobe.d/e1000e.conf /etc/sysctl.d/99-admin.conf /etc/sysctl.d/50-tuning.conf \
		 /etc/vzdump.conf /var/lib/vz/snippets/admin-hook.sh /etc/pve/local/qemu-server/101.conf \
		 /etc/pve/nodes/pve2/qemu-server/300.conf \
		 /var/lib/prometheus/node-exporter/admin.prom; do
		if in_chroot "test -e $f"; then say "admin's file kept: $f"; else say "lost: $f"; rc=1; fi
	done
	result $rc "$suite: purge deletes every nicguard file (generated ones too) and nothing of the admin's"

	# ---- install again and purge without quorum (pmxcfs then refuses every change; here
	# the node's directory is read-only): the purge still succeeds and says why the summary
	# stays. Then once more with a summary nicguard did not write: it is the admin's.
	rc=0
	for quorum in no yes; do
		in_chroot "node=\$(uname -n | cut -d. -f1); d=/etc/pve/nodes/\$node
			apt-get install -y -o Dpkg::Use-Pty=0 /pkg/${deb##*/} >/dev/null 2>&1 || exit 9
			if [ $quorum = no ]; then
				printf '%s\n' '$marker' 'nicguard-summary 1' >\$d/nicguard-summary
				mount --bind \$d \$d && mount -o remount,bind,ro \$d
			else
				echo 'notes of the admin' >\$d/nicguard-summary
			fi
			apt-get purge -y -o Dpkg::Use-Pty=0 nicguard; echo \"purge exit \$?\"
			echo \"left: \$(head -n 1 \$d/nicguard-summary)\"
			umount \$d 2>/dev/null; rm -f \$d/nicguard-summary" >"$work/out" 2>&1
		grep 'nicguard-summary\|^purge exit\|^left:' "$work/out" | show
		grep -qx 'purge exit 0' "$work/out" || rc=1
		if [ $quorum = no ]; then
			grep -q 'nicguard-summary stays: /etc/pve is read-only' "$work/out" || rc=1
			grep -qx "left: $marker" "$work/out" || rc=1
		else
			grep -qx 'left: notes of the admin' "$work/out" || rc=1
		fi
	done
	result $rc "$suite: purge without quorum leaves this node's summary and says so; a summary without the marker is the admin's"

	echo "$suite: $((passed - p0)) passed, $((failed - f0)) failed"
}

for s in "${suites[@]}"; do
	suite_tests "$s"
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
