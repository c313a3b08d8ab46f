#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# badinput.bats: every kind of bad input nicguard may meet, and what it does with each; the
# rows of docs/bad-input.md point here. Policy and argv cases need no devices; the apply
# cases run on a veth pair in a namespace of their own.

load ../helpers

teardown() {
	ng_ns_teardown
}

# policy TEXT...: write the lines as the policy file (mode 0644) into NG_CONF.
policy() {
	NG_CONF=$BATS_TEST_TMPDIR/nicguard.conf
	printf '%s\n' "$@" >"$NG_CONF"
	chmod 0644 "$NG_CONF"
}

# check: `nicguard check` on NG_CONF alone (no built-in defaults).
check() {
	run "$NICGUARD" --no-builtin -c "$NG_CONF" check
	echo "$output"
}

# ---------------------------------------------------------------- policy text

@test "policy: a line that is neither key = value nor a header" {
	policy '[interface eno1]' 'offload tso off'
	check
	[ "$status" -eq 2 ]
	want="$NG_CONF:2: expected \"key = value\" or a [section] header, got \"offload tso off\""
	[ "$output" = "$want" ]
}

@test "policy: an unknown key, with a suggestion" {
	policy '[interface eno1]' 'ofload = tso off'
	check
	[ "$status" -eq 2 ]
	[ "$output" = "$NG_CONF:2: unknown key \"ofload\" (did you mean \"offload\"?)" ]
}

@test "policy: an unknown section kind" {
	policy '[frob eno1]' 'offload = tso off'
	check
	[ "$status" -eq 2 ]
	[[ $output == "$NG_CONF:1: unknown section \"frob\""* ]]
}

@test "policy: a key before any section header" {
	policy 'offload = tso off'
	check
	[ "$status" -eq 2 ]
	[ "$output" = "$NG_CONF:1: \"offload\" before any section header" ]
}

@test "policy: an unknown offload name, with a suggestion" {
	policy '[interface eno1]' 'offload = tsoo off'
	check
	[ "$status" -eq 2 ]
	[ "$output" = "$NG_CONF:2: unknown offload \"tsoo\" (did you mean \"tso\"?)" ]
}

@test "policy: values of the wrong kind or out of range" {
	policy '[interface eno1]' 'offload = tso maybe' 'coalesce = rx-usecs -1' \
		'link = speed 100 duplex sideways' 'skip = perhaps' 'rps = xyz' \
		'[driver e1000e]' 'interrupt-throttle-rate = 50'
	check
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 6 ]
	[[ ${lines[0]} == "$NG_CONF:2: offload tso: \"maybe\" is not on or off" ]]
	[[ ${lines[1]} == "$NG_CONF:3: coalesce rx-usecs: \"-1\" is not a number"* ]]
	[[ ${lines[2]} == "$NG_CONF:4: link duplex \"sideways\" is not half or full" ]]
	[[ ${lines[3]} == "$NG_CONF:5: skip \"perhaps\" is not yes or no" ]]
	[[ ${lines[4]} == "$NG_CONF:6: rps \"xyz\" is not all, none,"* ]]
	[[ ${lines[5]} == "$NG_CONF:8: interrupt-throttle-rate \"50\" is not valid"* ]]
}

@test "policy: pause, eee, channels and rfs values of the wrong kind or out of range" {
	policy '[interface eno1]' 'pause = rx maybe' 'eee = advertise 0x28' \
		'channels = combined four' 'rfs = 32k' 'rfs = 536870913' 'pause = tx' \
		'channels = queues 4'
	check
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 7 ]
	[ "${lines[0]}" = "$NG_CONF:2: pause rx: \"maybe\" is not on or off" ]
	[ "${lines[1]}" = "$NG_CONF:3: unknown eee parameter \"advertise\": use eee, tx-lpi or tx-timer" ]
	[ "${lines[2]}" = "$NG_CONF:4: channels combined: \"four\" is not a number (0-4294967295)" ]
	[ "${lines[3]}" = "$NG_CONF:5: rfs \"32k\" is not a number of flow entries (0-536870912), e.g. 32768" ]
	[ "${lines[4]}" = "$NG_CONF:6: rfs \"536870913\" is not a number of flow entries (0-536870912), e.g. 32768" ]
	[ "${lines[5]}" = "$NG_CONF:7: pause tx needs a value" ]
	[ "${lines[6]}" = "$NG_CONF:8: unknown channels parameter \"queues\": use combined, other, rx or tx" ]
}

@test "policy: a backup- or watch- variant that does not exist says why, not just unknown" {
	policy '[interface eno1]' 'backup-eee = eee off' 'watch-rfs = 32768' 'backup-channels = rx 2'
	check
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "$NG_CONF:2: unknown key \"backup-eee\": eee has no backup-* variant (see nicguard.conf(5))" ]
	[ "${lines[1]}" = "$NG_CONF:3: unknown key \"watch-rfs\": rfs has no watch-* variant (see nicguard.conf(5))" ]
	[ "${lines[2]}" = "$NG_CONF:4: unknown key \"backup-channels\": channels has no backup-* variant (see nicguard.conf(5))" ]
}

@test "policy: unknown keys in option sections ([watch], [pve])" {
	policy '[watch]' 'frobnicate = 1' '[pve]' 'abort-on-error = maybe'
	check
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "$NG_CONF:2: unknown [watch] key \"frobnicate\"" ]
	[ "${lines[1]}" = "$NG_CONF:4: [pve] abort-on-error: \"maybe\" is not yes or no" ]
}

@test "policy: hostile and malformed section patterns" {
	policy '[interface eth0;reboot]' 'offload = gro off' \
		'[interface ../x]' 'offload = gro off' \
		'[interface ..]' 'offload = gro off' '[interface averyveryverylongname0]' \
		'offload = gro off' '[interface]' 'offload = gro off' '[mac zz:zz]' \
		'offload = gro off' '[pci 0000:zz]' 'offload = gro off' '[driver e1000e;x]' \
		'offload = gro off'
	check
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 8 ]
	[ "${lines[0]}" = "$NG_CONF:1: bad interface name or glob: \"eth0;reboot\"" ]
	[ "${lines[1]}" = "$NG_CONF:3: bad interface name or glob: \"../x\"" ]
	[ "${lines[2]}" = "$NG_CONF:5: bad interface name or glob: \"..\"" ]
	[ "${lines[3]}" = "$NG_CONF:7: bad interface name or glob: \"averyveryverylongname0\"" ]
	[[ ${lines[4]} == "$NG_CONF:9: empty section pattern"* ]]
	[[ ${lines[5]} == "$NG_CONF:11: bad MAC"*"\"zz:zz\"" ]]
	[[ ${lines[6]} == "$NG_CONF:13: bad PCI address pattern"*"\"0000:zz\"" ]]
	[[ ${lines[7]} == "$NG_CONF:15: bad driver name"*"\"e1000e;x\"" ]]
}

@test "policy: an ethtool pass-through line without {} or with shell syntax" {
	policy '[interface eno1]' 'ethtool = --set-eee eno1 eee off'
	check
	[ "$status" -eq 2 ]
	[[ $output == "$NG_CONF:2: ethtool line must name the interface as {}"* ]]
	policy '[interface eno1]' 'ethtool = --set-eee $(reboot) eee off'
	check
	[ "$status" -eq 2 ]
}

@test "policy: shell metacharacters in a pass-through line reach ethtool as plain words" {
	# No shell ever sees the line: ';' and 'touch' are arguments ethtool refuses.
	ng_ns_setup
	policy '[interface ngt0]' "ethtool = --show-eee {} ; touch $BATS_TEST_TMPDIR/pwned"
	run ng_nicguard --no-builtin -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt0 ethtool"*"failed"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
}

@test "policy: binary garbage is diagnosed line by line, never applied" {
	NG_CONF=$BATS_TEST_TMPDIR/nicguard.conf
	printf '[interface eno1]\n\001\002\377\376 = \000\033[2J\noffload = gro off\n' >"$NG_CONF"
	head -c 4096 /dev/urandom >>"$NG_CONF"
	chmod 0644 "$NG_CONF"
	check
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "$NG_CONF:2: control character in line"* ]]
	# Diagnostics never carry raw control bytes to the terminal.
	! grep -q $'\033' <<<"$output"
}

@test "policy: an over-long line (200 KB) is parsed, not cut" {
	NG_CONF=$BATS_TEST_TMPDIR/nicguard.conf
	{
		echo '[interface eno1]'
		printf 'offload ='
		for _ in $(seq 20000); do printf ' gro off'; done
		echo ' frob off'
	} >"$NG_CONF"
	chmod 0644 "$NG_CONF"
	check
	[ "$status" -eq 2 ]
	[[ $output == "$NG_CONF:2: unknown offload \"frob\""* ]]
}

@test "policy: a file over 1 MiB is refused whole" {
	NG_CONF=$BATS_TEST_TMPDIR/nicguard.conf
	{
		echo '[interface eno1]'
		head -c 1100000 /dev/zero | tr '\0' '#'
		echo
	} >"$NG_CONF"
	chmod 0644 "$NG_CONF"
	check
	[ "$status" -eq 2 ]
	[ "$output" = "nicguard: $NG_CONF: too large (over 1048576 bytes)" ]
}

@test "policy: CRLF line ends and a continuation at end of file are accepted" {
	NG_CONF=$BATS_TEST_TMPDIR/nicguard.conf
	printf '%s\r\n' '[interface eno1]' 'offload = tso off \' '  gro off' >"$NG_CONF"
	printf 'link = speed 100 duplex full autoneg off \\' >>"$NG_CONF"
	chmod 0644 "$NG_CONF"
	check
	[ "$status" -eq 0 ]
	[ "$output" = "OK: 1 sections from $NG_CONF" ]
}

@test "policy: the same key twice in a section: the later line wins" {
	ng_ns_setup
	policy '[interface ngt0]' 'offload = gro on' 'offload = gro off'
	run ng_nicguard --no-builtin -c "$NG_CONF" explain ngt0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"gro off"*"$NG_CONF:3"* ]]
	[[ $output != *"gro on"* ]]
}

@test "policy: a policy with any error applies nothing, not even its good lines" {
	ng_ns_setup
	ng_ns_exec "$ETHTOOL" -K ngt0 gro on
	policy '[interface ngt0]' 'offload = gro off' 'ofload = tso off'
	run ng_nicguard --no-builtin -c "$NG_CONF" apply ngt0
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"$NG_CONF:3: unknown key"* ]]
	[ "$(ng_feature "$NG_NS" ngt0 rx-gro)" = on ]
}

# ---------------------------------------------------------------- policy files

@test "policy file: writable by others or by its group is refused" {
	policy '[interface eno1]' 'offload = gro off'
	chmod 0666 "$NG_CONF"
	check
	[ "$status" -eq 2 ]
	[[ $output == "nicguard: refusing $NG_CONF: writable by others;"* ]]
	chmod 0664 "$NG_CONF"
	check
	[ "$status" -eq 2 ]
	[[ $output == "nicguard: refusing $NG_CONF: writable by its group;"* ]]
}

@test "policy file: owned by another user than root is refused" {
	policy '[interface eno1]' 'offload = gro off'
	chown nobody "$NG_CONF"
	check
	[ "$status" -eq 2 ]
	[[ $output == "nicguard: refusing $NG_CONF: owned by another user than root;"* ]]
}

@test "policy file: a symlink is followed (as /etc/pve needs), its target is what is checked" {
	policy '[interface eno1]' 'offload = gro off'
	ln -s "$NG_CONF" "$BATS_TEST_TMPDIR/link.conf"
	run "$NICGUARD" --no-builtin -c "$BATS_TEST_TMPDIR/link.conf" check
	[ "$status" -eq 0 ]
	chmod 0666 "$NG_CONF"
	run "$NICGUARD" --no-builtin -c "$BATS_TEST_TMPDIR/link.conf" check
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"writable by others"* ]]
}

@test "policy file: a directory, a FIFO or a device is refused at once" {
	mkdir "$BATS_TEST_TMPDIR/dir.conf"
	run "$NICGUARD" -c "$BATS_TEST_TMPDIR/dir.conf" check
	[ "$status" -eq 2 ]
	[[ $output == *"not a regular file"* ]]
	mkfifo "$BATS_TEST_TMPDIR/fifo.conf"
	# Without O_NONBLOCK the open would wait for a writer forever.
	run timeout 10 "$NICGUARD" -c "$BATS_TEST_TMPDIR/fifo.conf" check
	[ "$status" -eq 2 ]
	[[ $output == *"not a regular file"* ]]
	run "$NICGUARD" -c /dev/zero check
	[ "$status" -eq 2 ]
	[[ $output == *"not a regular file"* ]]
}

@test "policy file: a missing -c file is an error; a missing default file is not" {
	run "$NICGUARD" -c "$BATS_TEST_TMPDIR/none.conf" check
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"$BATS_TEST_TMPDIR/none.conf"* ]]
	mkdir -p "$BATS_TEST_TMPDIR/root/etc"
	run "$NICGUARD" --root "$BATS_TEST_TMPDIR/root" check
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "conf.d: only *.conf files are read (no .dpkg-old, backups or hidden files)" {
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/etc/nicguard/conf.d"
	for f in 10-x.conf.dpkg-old 20-y.conf~ .30-z.conf 40-w.disabled; do
		printf 'garbage\n' >"$root/etc/nicguard/conf.d/$f"
	done
	printf '[interface eno1]\noffload = gro off\n' >"$root/etc/nicguard/conf.d/50-ok.conf"
	run "$NICGUARD" --root "$root" --no-builtin check
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "OK: 1 sections from $root/etc/nicguard/conf.d/50-ok.conf" ]
}

# ---------------------------------------------------------------- argv

@test "argv: hostile or impossible interface names are refused before any use" {
	policy '[interface eno1]' 'offload = gro off'
	for name in 'eth0;reboot' '../x' 'eth0/x' '$(reboot)' 'a b' '.' '..' '' \
		'averyveryverylongname0' $'eth\e[2J0'; do
		for cmd in explain status "apply --dry-run" apply; do
			# shellcheck disable=SC2086 # cmd is two words for --dry-run
			run "$NICGUARD" -c "$NG_CONF" $cmd "$name"
			[ "$status" -eq 2 ] || {
				echo "$cmd '$name': exit $status"
				return 1
			}
			[[ $output == "nicguard: invalid interface name \""* ]]
			! grep -q $'\033' <<<"$output"
		done
	done
}

@test "argv: a valid but absent interface is a clear error, exit 1" {
	ng_ns_setup
	policy '[interface eno1]' 'offload = gro off'
	run ng_nicguard -c "$NG_CONF" apply ngt9
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"ngt9: no such interface"* ]]
}

@test "argv: missing or unknown commands, options and arguments exit 2" {
	run "$NICGUARD"
	[ "$status" -eq 2 ]
	run "$NICGUARD" frobnicate
	[ "$status" -eq 2 ]
	run "$NICGUARD" --frobnicate check
	[ "$status" -eq 2 ]
	run "$NICGUARD" -c
	[ "$status" -eq 2 ]
	run "$NICGUARD" explain
	[ "$status" -eq 2 ]
	run "$NICGUARD" apply --frob
	[ "$status" -eq 2 ]
	run "$NICGUARD" pve frobnicate
	[ "$status" -eq 2 ]
}

@test "udev helper: missing argv or a bad ifindex is one log line, exit 0" {
	run env NICGUARD_STDERR=1 "$NG_BUILD/nicguard-udev"
	[ "$status" -eq 0 ]
	[[ $output == *"usage: nicguard-udev IFINDEX ACTION"* ]]
	for bad in abc -1 0 99999999999 '1;reboot'; do
		run env NICGUARD_STDERR=1 "$NG_BUILD/nicguard-udev" "$bad" add
		[ "$status" -eq 0 ]
		[[ $output == *"invalid ifindex"* ]]
	done
}

@test "if-up.d helper: a hostile IFACE is refused, ifup is never failed" {
	for bad in 'eth0;reboot' '../x' 'averyveryverylongname0'; do
		run env VERBOSITY=1 IFACE="$bad" MODE=start PHASE=post-up \
			"$NG_BUILD/nicguard-ifupdown"
		[ "$status" -eq 0 ]
		[[ $output == *"IFACE \"$bad\" is not a valid interface name"* ]]
	done
}

@test "guest hook: missing, extra or malformed argv and unknown phases: exit 0" {
	local root=$BATS_TEST_TMPDIR/root ghook
	mkdir -p "$root/usr/libexec/nicguard"
	ghook=$root/usr/libexec/nicguard/guest-hook
	cp "$NG_BUILD/nicguard-guest-hook" "$ghook"
	for args in "" "100" "abc post-start" "-1 pre-start" "99999999999999 pre-start" \
		"100 post-start extra"; do
		# shellcheck disable=SC2086 # the words are the argv
		run env -i "$ghook" $args
		[ "$status" -eq 0 ]
		[[ $output == *"usage: "*"guest-hook VMID PHASE"* ]]
	done
	run env -i "$ghook" 100 post-frobnicate
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# ---------------------------------------------------------------- state and generated files

state_root() {
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT/run/nicguard" "$ROOT/sys/class/net"
	STATE=$ROOT/run/nicguard/backup-state
}

@test "backup state: hostile or malformed lines are ignored one by one, with their line" {
	state_root
	{
		echo '# Written by nicguard. Changes here are overwritten; edit the policy instead.'
		echo '../x offload rx-gro on'
		echo 'eth0;reboot offload tso on'
		echo 'averyveryverylongname0 offload gro on'
		echo 'eth0 frobnicate 1'
		printf '\001\002garbage\n'
	} >"$STATE"
	run "$NICGUARD" --root "$ROOT" restore
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"backup-state:2: bad line ignored: \"../x offload rx-gro on\""* ]]
	[[ $output == *"backup-state:3: bad line ignored: \"eth0;reboot offload tso on\""* ]]
	[[ $output == *"backup-state:4: bad line ignored"* ]]
	[[ $output == *"backup-state:5: bad line ignored: \"eth0 frobnicate 1\""* ]]
	[[ $output == *"backup-state:6: "* ]]
	! grep -q $'\001' <<<"$output"
}

@test "backup state: a symlink is never read or removed through" {
	state_root
	echo 'eth0 offload rx-gro on' >"$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$STATE"
	run "$NICGUARD" --root "$ROOT" restore
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot read $STATE: Too many levels of symbolic links"* ]]
	[ -L "$STATE" ]
	[ "$(cat "$BATS_TEST_TMPDIR/elsewhere")" = 'eth0 offload rx-gro on' ]
}

modprobe_fixture() {
	ROOT=$(copy_fixture modprobe-2port)
	TARGET=$ROOT/etc/modprobe.d/nicguard.conf
}

@test "generated file: a symlink in its place is refused, its target untouched" {
	modprobe_fixture
	echo secret >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$TARGET"
	run "$NICGUARD" --root "$ROOT" modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$TARGET: is a symbolic link; nicguard does not write through links"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = secret ]
	[ -L "$TARGET" ]
}

@test "generated file: an admin's file of the same name (no marker) is left alone" {
	modprobe_fixture
	echo 'options e1000e InterruptThrottleRate=1' >"$TARGET"
	run "$NICGUARD" --root "$ROOT" modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"was not written by nicguard (no marker line); left alone"* ]]
	[ "$(cat "$TARGET")" = 'options e1000e InterruptThrottleRate=1' ]
}

@test "generated file: owned by another user, or not a regular file: left alone" {
	modprobe_fixture
	run "$NICGUARD" --root "$ROOT" modprobe --write
	[ "$status" -eq 0 ]
	chown nobody "$TARGET"
	run "$NICGUARD" --root "$ROOT" modprobe --write
	[ "$status" -eq 1 ]
	[[ $output == *"exists and is not a regular file owned by uid 0; left alone"* ]]
	rm "$TARGET"
	mkfifo "$TARGET"
	run timeout 10 "$NICGUARD" --root "$ROOT" modprobe --write
	[ "$status" -eq 1 ]
	[[ $output == *"left alone"* ]]
	[ -p "$TARGET" ]
}

@test "generated file: a directory anyone may write to is refused; sticky is fine" {
	modprobe_fixture
	chmod 0777 "$ROOT/etc/modprobe.d"
	run "$NICGUARD" --root "$ROOT" modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"refusing to write into $ROOT/etc/modprobe.d: writable by anyone"* ]]
	[ ! -e "$TARGET" ]
	chmod 1777 "$ROOT/etc/modprobe.d"
	run "$NICGUARD" --root "$ROOT" modprobe --write
	[ "$status" -eq 0 ]
}

@test "generated file: its directory a link to a directory another user owns: refused" {
	modprobe_fixture
	mkdir "$BATS_TEST_TMPDIR/theirs"
	chown nobody "$BATS_TEST_TMPDIR/theirs"
	rm -rf "$ROOT/etc/modprobe.d"
	ln -s "$BATS_TEST_TMPDIR/theirs" "$ROOT/etc/modprobe.d"
	run "$NICGUARD" --root "$ROOT" modprobe --write
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"refusing to write into $ROOT/etc/modprobe.d: owned by uid "* ]]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/theirs")" ]
}

@test "pve enable-hook: a world-writable vzdump.conf is rewritten 0644, not copied 0666" {
	ROOT=$(copy_fixture pve)
	chmod 0666 "$ROOT/etc/vzdump.conf"
	run "$NICGUARD" --root "$ROOT" pve enable-hook
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$ROOT/etc/vzdump.conf")" = 644 ]
	[ "$(stat -c %a "$ROOT/etc/nicguard/vzdump.conf.orig")" = 644 ]
}

@test "generated files are created 0644 whatever the umask" {
	modprobe_fixture
	umask 000
	run "$NICGUARD" --root "$ROOT" modprobe --write
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$TARGET")" = 644 ]
	ROOT=$(copy_fixture sysctl)
	run "$NICGUARD" --root "$ROOT" sysctl --write
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$ROOT/etc/sysctl.d/61-nicguard-local.conf")" = 644 ]
}

@test "sysctl.d: garbage lines in other files are skipped, never fatal" {
	ROOT=$(copy_fixture sysctl)
	{
		printf 'net.core.netdev_max_backlog\n= 5\n\001\002\n'
		printf 'net.core.netdev_budget = not-a-number\n'
		head -c 2048 /dev/urandom
	} >"$ROOT/etc/sysctl.d/95-garbage.conf"
	run "$NICGUARD" --root "$ROOT" sysctl --check
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^net.core.netdev_max_backlog ' <<<"$output"
}
