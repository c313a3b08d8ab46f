# SPDX-License-Identifier: GPL-2.0-or-later
# helpers.bash: paths and network-namespace helpers shared by every bats file.
#
# Load it from tests/bats/*.bats with `load ../helpers`. Test files use the variables and
# functions below and never spell paths to binaries or fixtures themselves.
#
#   NG_TOP       the source tree
#   NG_BUILD     the build directory (default: $NG_TOP/build; `make check` sets it)
#   NICGUARD     the admin CLI
#   FIXTURES     tests/fixtures
#   NG_NS        the network namespace of the current test (set by ng_ns_setup)
#   NG_CONF      the policy file last written by ng_conf

NG_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NG_BUILD=${NG_BUILD:-$NG_TOP/build}
NICGUARD=$NG_BUILD/nicguard
FIXTURES=$NG_TOP/tests/fixtures
ETHTOOL=$(command -v ethtool || echo /usr/sbin/ethtool)
export NG_TOP NG_BUILD NICGUARD FIXTURES

# Create this test's namespace with a veth pair ngt0/ngt1 inside, both up. The name is
# unique per test and per bats process, so parallel runs never share a namespace.
ng_ns_setup() {
	NG_NS="ngt-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}-$$"
	ip netns add "$NG_NS"
	ip -n "$NG_NS" link set lo up
	ip -n "$NG_NS" link add name ngt0 type veth peer name ngt1
	ip -n "$NG_NS" link set ngt0 up
	ip -n "$NG_NS" link set ngt1 up
}

# Remove the namespace (and with it every interface the test made). Safe to call twice
# and when setup failed half-way: call it from teardown().
ng_ns_teardown() {
	if [ -n "${NG_NS:-}" ] && [ -e "/run/netns/$NG_NS" ]; then
		ip netns del "$NG_NS"
	fi
	NG_NS=
}

# Run a command inside the test's namespace.
ng_ns_exec() {
	ip netns exec "$NG_NS" "$@"
}

# Run the admin CLI inside the test's namespace: ng_nicguard -c "$NG_CONF" apply ngt0
ng_nicguard() {
	ip netns exec "$NG_NS" "$NICGUARD" "$@"
}

# Print on or off: kernel FEATURE (e.g. tx-tcp6-segmentation, rx-gro) of interface IF in
# namespace NS, read by the real ethtool. `ethtool -k` prints a feature that is alone in its
# legacy group under the group's name (rx-gro as generic-receive-offload): map those.
ng_feature() {
	local ns=$1 ifname=$2 feature=$3 shown
	case $feature in
	rx-checksum) shown=rx-checksumming ;;
	tx-udp-fragmentation) shown=udp-fragmentation-offload ;;
	tx-generic-segmentation) shown=generic-segmentation-offload ;;
	rx-gro) shown=generic-receive-offload ;;
	rx-lro) shown=large-receive-offload ;;
	rx-vlan-hw-parse) shown=rx-vlan-offload ;;
	tx-vlan-hw-insert) shown=tx-vlan-offload ;;
	rx-ntuple-filter) shown=ntuple-filters ;;
	rx-hashing) shown=receive-hashing ;;
	*) shown=$feature ;;
	esac
	ip netns exec "$ns" "$ETHTOOL" -k "$ifname" |
		awk -v f="$feature:" -v g="$shown:" '
			$1 == f || $1 == g { print $2; found = 1; exit }
			END { exit !found }'
}

# Every feature line of `ethtool -k IF` as "name: on|off[ [fixed]]", for before/after diffs.
ng_features() {
	ip netns exec "$1" "$ETHTOOL" -k "$2" | sed -n 's/^[[:space:]]*//; /: /p'
}

# Kernel feature names matching a glob, e.g. ng_feature_names NS IF 'tx-tcp*-segmentation'.
ng_feature_names() {
	local ns=$1 ifname=$2 glob=$3 name rest
	while read -r name rest; do
		name=${name%:}
		# shellcheck disable=SC2053 # the glob is meant to match
		[[ $name == $glob ]] && echo "$name"
	done < <(ip netns exec "$ns" "$ETHTOOL" -k "$ifname")
}

# Write stdin to a policy file in the test's temporary directory; NG_CONF names it.
ng_conf() {
	NG_CONF=$BATS_TEST_TMPDIR/${1:-nicguard.conf}
	cat >"$NG_CONF"
}

# Copy fixture CASE's root tree into the test's temporary directory and print its path.
copy_fixture() {
	local dst=$BATS_TEST_TMPDIR/$1
	mkdir -p "$dst"
	cp -a "$FIXTURES/$1/root" "$dst/"
	echo "$dst/root"
}

# ---- nicguard-watch in the test's namespace (watch.bats, probe.bats, reboot.bats)
#   WATCH  the daemon; ROOT its root; KMSG the FIFO it reads; LOG its log (--foreground);
#   WPID   its pid while it runs
WATCH=$NG_BUILD/nicguard-watch

# The daemon's root: its own /run; /sys and /proc are the real ones, which `ip netns exec`
# shows as the namespace's. The FIFO of kernel records and the log beside it.
ng_watch_root() {
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT/run"
	ln -s /sys "$ROOT/sys"
	ln -s /proc "$ROOT/proc"
	KMSG=$BATS_TEST_TMPDIR/kmsg
	mkfifo "$KMSG"
	LOG=$BATS_TEST_TMPDIR/watch.log
	WPID=
}

# Start the daemon in the namespace on the FIFO with policy $NG_CONF (and extra options);
# returns once it reads. `ip netns exec` execs the program itself, so WPID is the daemon's
# own pid.
ng_watch_start() {
	# Emptied here, not by the background job's redirection: ng_wait_log must not find the
	# last run's 'watching ' and signal a child that has not yet blocked SIGTERM.
	: >"$LOG"
	ip netns exec "$NG_NS" "$WATCH" --kmsg "$KMSG" --root "$ROOT" -c "$NG_CONF" --foreground \
		"$@" 2>"$LOG" &
	WPID=$!
	ng_wait_log 'watching '
}

# Stop it with SIGTERM: it must exit 0 and say so.
ng_watch_stop() {
	kill -TERM "$WPID"
	local rc=0
	wait "$WPID" || rc=$?
	WPID=
	[ "$rc" -eq 0 ] || { cat "$LOG"; return 1; }
	grep -q 'stopping: ' "$LOG"
}

# For teardown(): a daemon a failed test left running.
ng_watch_kill() {
	if [ -n "${WPID:-}" ]; then
		kill -TERM "$WPID" 2>/dev/null || true
		wait "$WPID" 2>/dev/null || true
	fi
	WPID=
}

ng_wait_log() { # PATTERN [SECONDS]
	local i
	for ((i = 0; i < ${2:-5} * 20; i++)); do
		grep -q -- "$1" "$LOG" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $1"
	cat "$LOG"
	return 1
}

# Write stdin to FIFO in one write(): records of up to PIPE_BUF bytes arrive whole, as a
# /dev/kmsg read hands them out (bash's printf would write each line on its own).
ng_kmsg_write() { # FIFO
	python3 -c 'import os, sys
data = sys.stdin.buffer.read()
assert len(data) <= 4096
fd = os.open(sys.argv[1], os.O_WRONLY)
assert os.write(fd, data) == len(data)' "$1"
}
