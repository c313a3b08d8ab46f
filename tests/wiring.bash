# SPDX-License-Identifier: GPL-2.0-or-later
# wiring.bash: what the udev, ifupdown, modprobe, sysctl and doctor tests share, on top of
# helpers.bash: a root whose /sys is the test namespace's, a syslog catcher, and the real
# ifupdown and ifupdown2 packages extracted side by side (they conflict as packages).
#
#   NG_UDEV_HELPER, NG_IFUPDOWN_HELPER   the helpers under test
#   NG_PKG_CACHE                         where the extracted packages live

load ../helpers

NG_UDEV_HELPER=$NG_BUILD/nicguard-udev
NG_IFUPDOWN_HELPER=$NG_BUILD/nicguard-ifupdown
NG_PKG_CACHE=${NG_PKG_CACHE:-$NG_TOP/.cache/ifupdown-pkgs}

# A root for NICGUARD_ROOT/--root whose sys is the real /sys: inside `ip netns exec` that is
# the namespace's own sysfs, so the helpers see the test's veths and nothing of the host.
# The policy goes to ROOT/etc/nicguard/nicguard.conf (stdin). Prints the root.
ng_live_root() {
	local root=$BATS_TEST_TMPDIR/live-root
	mkdir -p "$root/etc/nicguard" "$root/run"
	ln -sfn /sys "$root/sys"
	cat >"$root/etc/nicguard/nicguard.conf"
	echo "$root"
}

# Run CMD in a private mount namespace whose /dev/log is a socket that appends every
# message to LOG (kept across calls). /dev is replaced there by a small tmpfs holding the usual nodes, so the
# host's /dev is left as it was. Must run inside the test's network namespace already.
ng_with_syslog() {
	local log=$1
	shift
	unshare -m --propagation private /bin/bash -c '
		set -e
		log=$1; shift
		old=$log.dev	# next to the log: the test directory cleans it up
		mkdir -p "$old"
		mount --rbind /dev "$old"
		mount -t tmpfs -o mode=0755 tmpfs /dev
		for n in null zero full random urandom tty; do
			[ -e "$old/$n" ] || continue
			touch "/dev/$n"
			mount --bind "$old/$n" "/dev/$n"
		done
		ln -s /proc/self/fd /dev/fd
		ln -s /proc/self/fd/0 /dev/stdin
		ln -s /proc/self/fd/1 /dev/stdout
		ln -s /proc/self/fd/2 /dev/stderr
		/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
with open(sys.argv[1], \"a\") as f:
    while True:
        f.write(s.recv(65536).decode(errors=\"replace\").rstrip(\"\\n\") + \"\\n\")
        f.flush()
" "$log" &
		catcher=$!
		for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.05; done
		set +e
		"$@"
		rc=$?
		sleep 0.2
		kill "$catcher"
		exit $rc
	' ng-syslog "$log" "$@"
}

# Extract Debian's ifupdown and ifupdown2 (once) into $NG_PKG_CACHE/{classic,v2}.
ng_ifupdown_pkgs() {
	[ -x "$NG_PKG_CACHE/classic/sbin/ifup" ] &&
		[ -f "$NG_PKG_CACHE/v2/usr/share/ifupdown2/__main__.py" ] && return 0
	mkdir -p "$NG_PKG_CACHE/debs"
	(cd "$NG_PKG_CACHE/debs" && apt-get download ifupdown ifupdown2 >/dev/null 2>&1) || {
		apt-get update -qq >/dev/null 2>&1 || true
		(cd "$NG_PKG_CACHE/debs" && apt-get download ifupdown ifupdown2 >/dev/null)
	}
	rm -rf "$NG_PKG_CACHE/classic" "$NG_PKG_CACHE/v2"
	dpkg-deb -x "$NG_PKG_CACHE"/debs/ifupdown_*.deb "$NG_PKG_CACHE/classic"
	dpkg-deb -x "$NG_PKG_CACHE"/debs/ifupdown2_*.deb "$NG_PKG_CACHE/v2"
}

# An /etc/network of the test's own: the if-*.d directories with nicguard's script, and
# ifupdown2's configuration as Debian ships it (state kept in the test's directory). The
# script is the shipped one with the helper's path replaced, plus NICGUARD_ROOT, which
# classic ifupdown would not pass through (it builds the environment from scratch).
ng_etc_network() {
	local dir=$BATS_TEST_TMPDIR/etc-network root=$1
	mkdir -p "$dir"/if-{pre-up,up,down,post-down}.d "$BATS_TEST_TMPDIR/state"
	sed "s|exec /usr/libexec/nicguard/nicguard-ifupdown|NICGUARD_ROOT=$root exec $NG_IFUPDOWN_HELPER|;
	     s|/usr/libexec/nicguard/nicguard-ifupdown|$NG_IFUPDOWN_HELPER|" \
		"$NG_TOP/ifupdown/nicguard" >"$dir/if-up.d/nicguard"
	chmod 0755 "$dir/if-up.d/nicguard"
	cp -r "$NG_PKG_CACHE/v2/etc/network/ifupdown2" "$dir/"
	sed -i "s|^state_dir=.*|state_dir=$BATS_TEST_TMPDIR/state/|" "$dir/ifupdown2/ifupdown2.conf"
	echo "$dir"
}

# Run classic ifupdown's ifup (extracted) in the test namespace with the test's
# /etc/network, interfaces file and state dir: ng_classic_ifup LOG IFUP-ARGS...
ng_classic_ifup() {
	local log=$1 etc=$BATS_TEST_TMPDIR/etc-network
	shift
	ip netns exec "$NG_NS" unshare -m --propagation private /bin/bash -c '
		mount --bind "$1" /etc/network && shift && exec "$@"' ng "$etc" \
		/bin/bash -c "$(declare -f ng_with_syslog); ng_with_syslog \"\$@\"" ng \
		"$log" "$NG_PKG_CACHE/classic/sbin/ifup" -i "$BATS_TEST_TMPDIR/interfaces" \
		--state-dir "$BATS_TEST_TMPDIR/state" "$@"
}

# The same with ifupdown2 (extracted, run by /usr/bin/python3 under the name ifup, which it
# checks). It keeps a lock in /run/network: a tmpfs over /run in the private mount
# namespace gives it one without touching the host's /run.
ng_ifupdown2_ifup() {
	local log=$1 etc=$BATS_TEST_TMPDIR/etc-network
	shift
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sfn "$NG_PKG_CACHE/v2/usr/share/ifupdown2/__main__.py" "$BATS_TEST_TMPDIR/bin/ifup"
	ip netns exec "$NG_NS" unshare -m --propagation private /bin/bash -c '
		mount --bind "$1" /etc/network && mount -t tmpfs tmpfs /run &&
		mkdir /run/network && cd / && shift && exec "$@"' ng "$etc" \
		/bin/bash -c "$(declare -f ng_with_syslog); ng_with_syslog \"\$@\"" ng \
		"$log" /usr/bin/python3 "$BATS_TEST_TMPDIR/bin/ifup" -i "$BATS_TEST_TMPDIR/interfaces" \
		"$@"
}
