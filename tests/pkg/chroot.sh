#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Provide a cached debootstrap'd chroot of one Debian release (NG_PKG_SUITE: bookworm, the
# default, or trixie) for the package test; prints its path.
#
# The cache is keyed by a hash of everything that decides its contents (suite, mirror, variant,
# package list, this script's recipe version), so a changed list builds a new chroot and an
# unchanged one is reused between runs. Building happens in a temporary directory that is
# renamed into place, under a lock, so an interrupted or concurrent run never leaves a half
# chroot behind as "cached".
set -euo pipefail

SUITE=${NG_PKG_SUITE:-bookworm}
MIRROR=${NG_PKG_MIRROR:-http://deb.debian.org/debian}
VARIANT=minbase
RECIPE=1
# What the package needs at run time (Depends and Recommends), so that installing it needs no
# network: ethtool (Depends), udev and procps (Recommends), iproute2 for `ip`; libudev1 came
# with udev when nicguard still linked it, and stays so the cached chroot stays valid.
PACKAGES=${NG_PKG_PACKAGES:-ethtool,libudev1,udev,procps,iproute2,kmod}
# Debian 13's chroot also holds Debian 13's lintian, so run.sh can look at the package from
# that release's point of view. It comes with apt after debootstrap: debootstrap's own
# --include configures lintian's hundred perl packages in an order that fails
# (libnet-ssleay-perl, seen with bookworm's debootstrap 1.0.128).
case $SUITE in
trixie) LATER=lintian ;;
*) LATER= ;;
esac
CACHE=${NG_PKG_CACHE:-/var/tmp/nicguard-pkgtest}

key=$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$VARIANT" "$PACKAGES" ${LATER:+"$LATER"} |
	sha256sum | cut -c1-16)
dir=$CACHE/chroot-$SUITE-$key

mkdir -p "$CACHE"
exec 9>"$CACHE/lock-$SUITE"
flock 9

if [ ! -e "$dir/.complete" ]; then
	tmp=$CACHE/tmp-$key.$$
	rm -rf "$tmp"
	echo "chroot: building $SUITE ($PACKAGES) in $dir" >&2
	if ! debootstrap --variant="$VARIANT" --include="$PACKAGES" "$SUITE" "$tmp" "$MIRROR" \
			>"$CACHE/debootstrap-$key.log" 2>&1; then
		echo "chroot: debootstrap failed, see $CACHE/debootstrap-$key.log" >&2
		tail -n 20 "$CACHE/debootstrap-$key.log" >&2
		rm -rf "$tmp"
		exit 1
	fi
	if [ -n "$LATER" ] && ! unshare --mount --fork -- sh -c 'mount -t proc proc "$1/proc" &&
			exec chroot "$1" env DEBIAN_FRONTEND=noninteractive sh -c \
			"apt-get update -qq && apt-get install -y -qq --no-install-recommends $2"' \
			sh "$tmp" "$LATER" >>"$CACHE/debootstrap-$key.log" 2>&1 </dev/null; then
		echo "chroot: apt-get install $LATER failed, see $CACHE/debootstrap-$key.log" >&2
		tail -n 20 "$CACHE/debootstrap-$key.log" >&2
		rm -rf "$tmp"
		exit 1
	fi
	chroot "$tmp" apt-get clean
	rm -rf "$tmp"/var/lib/apt/lists/*
	printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$VARIANT" "$PACKAGES" ${LATER:+"$LATER"} \
		>"$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
fi
echo "$dir"
