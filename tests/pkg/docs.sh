#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The documentation test: the shipped policy file and every policy example in the man pages
# pass `nicguard check`, and the man page and the bash completion name exactly the commands
# and options the CLI has. Prints one line per case and ends with "N passed, N failed".
#
# Usage: NG_BUILD=DIR tests/pkg/docs.sh    (DIR holds the built nicguard; default build/)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ng=${NG_BUILD:-$top/build}/nicguard
man8=$top/man/nicguard.8.scd
man5=$top/man/nicguard.conf.5.scd
comp=$top/contrib/bash-completion/nicguard
conf=$top/etc/nicguard.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
n=0

say() { printf '#   %s\n' "$@"; }
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

# check FILE: nicguard check on FILE alone; prints what it said.
check() {
	"$ng" --root "$tmp/empty" -c "$1" check >"$tmp/out" 2>&1
	local rc=$?
	sed 's/^/#   | /' "$tmp/out"
	return $rc
}
mkdir -p "$tmp/empty"

if [ ! -x "$ng" ]; then
	echo "Bail out! no $ng (make all first)"
	echo "0 passed, 1 failed"
	exit 1
fi

# ---- the shipped policy file
check "$conf"
rc=$?
grep -q '^OK: 0 sections' "$tmp/out" || { say "the shipped file must set nothing"; rc=1; }
result $rc "etc/nicguard.conf is valid and sets nothing beyond the built-in defaults"

# ---- its commented-out examples, uncommented
sed -E 's/^#(\[|[a-z-]+ = )/\1/' "$conf" >"$tmp/uncommented.conf"
want=$(grep -cE '^#\[' "$conf")
check "$tmp/uncommented.conf"
rc=$?
grep -q "^OK: $want sections" "$tmp/out" || { say "expected $want sections"; rc=1; }
result $rc "every commented-out section of etc/nicguard.conf is valid once uncommented ($want)"

# ---- the policy examples of nicguard.conf(5): every literal block that holds a [section]
awk -v dir="$tmp" '
	/^```/ { if (inb) { close(f); inb = 0 } else { inb = 1; k++; f = dir "/ex" k ".conf" }
		 next }
	inb { print > f }' "$man5"
rc=0
count=0
for f in "$tmp"/ex*.conf; do
	grep -q '^\[' "$f" || continue
	count=$((count + 1))
	say "example $count: $(grep '^\[' "$f" | tr '\n' ' ')"
	check "$f" || rc=1
done
[ $count -ge 4 ] || { say "only $count examples found"; rc=1; }
result $rc "every policy example in nicguard.conf(5) passes nicguard check ($count)"

# ---- the commands: nicguard --help, nicguard(8) and the completion agree
"$ng" --help >"$tmp/help" 2>&1
cli=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NF && !/^Commands:/ { print $1 }' | sort)
doc=$(sed -n '/^# COMMANDS/,/^# /p' "$man8" | sed -nE 's/^\*([a-z-]+)[* ].*/\1/p' | sort -u)
compl=$(sed -nE 's/^[[:space:]]*local commands="([^"]*)"/\1/p' "$comp" | tr ' ' '\n' | sort)
say "nicguard --help: ${cli//$'\n'/ }" "nicguard(8):     ${doc//$'\n'/ }" \
	"completion:      ${compl//$'\n'/ }"
rc=0
[ -n "$cli" ] && [ "$cli" = "$doc" ] && [ "$cli" = "$compl" ] || rc=1
result $rc "nicguard(8) and the bash completion document exactly the commands --help lists"

# ---- every option each command's --help names is in nicguard(8) and the completion
rc=0
for c in $cli; do
	"$ng" "$c" --help >"$tmp/chelp" 2>&1 || { say "nicguard $c --help failed"; rc=1; }
	# The options are the first words of the OPTIONS block: "    -n, --dry-run  text".
	for o in $(sed -n '/^OPTIONS/,/^$/p' "$tmp/chelp" |
		   grep -oE -- '^[[:space:]]+(-[a-zA-Z], )?--[a-z][a-z-]+' |
		   grep -oE -- '--[a-z-]+' | sort -u); do
		[ "$o" = --help ] && continue
		grep -qF -- "*$o*" "$man8" || { say "$c $o: not in nicguard(8)"; rc=1; }
		grep -qF -- "$o" "$comp" || { say "$c $o: not in the completion"; rc=1; }
	done
done
for o in $(sed -n '/^Options/,/^$/p' "$tmp/help" | grep -oE -- '--[a-z-]+' | sort -u); do
	grep -qF -- "*$o*" "$man8" || { say "global $o: not in nicguard(8)"; rc=1; }
	grep -qF -- "$o" "$comp" || { say "global $o: not in the completion"; rc=1; }
done
result $rc "every option of every command's --help is in nicguard(8) and the completion"

# ---- nicguard-watch(8) names every option of nicguard-watch --help
man8w=$top/man/nicguard-watch.8.scd
rc=0
opts=0
if [ -x "${ng}-watch" ]; then
	"${ng}-watch" --help >"$tmp/whelp" 2>&1 || { say "nicguard-watch --help failed"; rc=1; }
	for o in $(grep -oE -- '^[[:space:]]+(-[a-zA-Z], )?--?[a-z][a-z-]*' "$tmp/whelp" |
		   grep -oE -- '-[-a-z]+$' | sort -u); do
		opts=$((opts + 1))
		grep -qF -- "*$o*" "$man8w" || { say "nicguard-watch $o: not in nicguard-watch(8)"; rc=1; }
	done
	[ $opts -gt 0 ] || { say "no options found in nicguard-watch --help"; rc=1; }
else
	say "no ${ng}-watch"
	rc=1
fi
result $rc "nicguard-watch(8) documents every option of nicguard-watch --help ($opts)"

# ---- the completion itself loads and completes the commands
if [ -r /usr/share/bash-completion/bash_completion ]; then
	got=$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"
		COMP_WORDS=(nicguard ""); COMP_CWORD=1; COMP_LINE="nicguard "; COMP_POINT=9
		_nicguard; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" | sort)
	say "completes: ${got//$'\n'/ }"
	rc=0
	[ "$got" = "$cli" ] || rc=1
else
	say "bash-completion is not installed"
	rc=1
fi
result $rc "the bash completion offers exactly the commands after 'nicguard '"

# ---- every test that docs/bad-input.md names exists, so no row points at nothing
rc=0
rows=0
while IFS= read -r ref; do
	rows=$((rows + 1))
	file=${ref%%: *}
	name=${ref#*: }
	case $file in
	*.bats)
		grep -qF -- "@test \"$name" "$top/tests/bats/$file" ||
			{ say "bad-input.md: no test \"$name\" in tests/bats/$file"; rc=1; }
		;;
	tests/unit/*.c)
		grep -qE -- "^static void ${name}\(" "$top/$file" ||
			{ say "bad-input.md: no $name in $file"; rc=1; }
		;;
	esac
done < <(grep -E '^\| [0-9]+ \|' "$top/docs/bad-input.md" | awk -F ' \\| ' '{print $NF}' |
	sed 's/ |$//' | tr ';' '\n' | sed -E 's/^ +//; s/ \(.*$//' |
	grep -E '^([a-z]+\.bats|tests/unit/[a-z-]+\.c): ')
[ $rows -ge 30 ] || { say "only $rows test references found in bad-input.md"; rc=1; }
result $rc "every test docs/bad-input.md names exists ($rows references)"

echo "$passed passed, $failed failed"
[ $failed = 0 ]
