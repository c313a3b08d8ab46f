# SPDX-License-Identifier: GPL-2.0-or-later
# `make pkg-check`: the package test (tests/pkg/run.sh): lintian, then install, upgrade,
# remove and purge the built .deb in a cached Debian 12 chroot. Needs root, debootstrap,
# lintian, and the Debian mirror the first time (the chroot is then cached under /var/tmp).
# `make doc-check`: the shipped policy file and the man pages' examples pass `nicguard check`;
# the man page and the bash completion name exactly the CLI's commands and options; every
# test that docs/bad-input.md names exists.

.PHONY: pkg-check doc-check
pkg-check: deb-build
	tests/pkg/run.sh $(DEB_DIR)

doc-check: all
	NG_BUILD=$(abspath $(BUILD)) tests/pkg/docs.sh
