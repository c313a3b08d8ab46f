#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# install.sh: on a fresh Debian 12 or Proxmox VE host, install the build dependencies, build
# the nicguard Debian package from this tree, install it with apt, and show `nicguard status`.
set -eu

cd "$(dirname "$0")"
if [ "$(id -u)" != 0 ]; then
	echo "install.sh: must run as root (sudo ./install.sh)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# A Proxmox VE host without a subscription fails to update its enterprise repository; the
# Debian repositories are enough here, so a failed update is only a warning.
apt-get update || echo "install.sh: apt-get update reported errors; going on" >&2
apt-get install -y --no-install-recommends build-essential dpkg-dev
build_deps=$(perl -MDpkg::Control::Info -e \
	'print Dpkg::Control::Info->new("debian/control")->get_source->{"Build-Depends"}')
apt-get satisfy -y --no-install-recommends "$build_deps"

make install-deb
echo
nicguard status
