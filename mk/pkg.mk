# SPDX-License-Identifier: GPL-2.0-or-later
# `make pkg-check`: the package test (tests/pkg/run.sh): lintian (Debian 12's here, Debian 13's
# in its chroot), then install, upgrade, remove and purge the one built .deb in a cached Debian
# 12 chroot and a cached Debian 13 chroot. Needs root, debootstrap, lintian, and the Debian
# mirror the first time (the chroots are then cached under /var/tmp).
# `make doc-check`: the shipped policy file and the man pages' examples pass `nicguard check`;
# the man page and the bash completion name exactly the CLI's commands and options; every
# test that docs/bad-input.md names exists.

.PHONY: pkg-check doc-check
pkg-check: deb-build
	tests/pkg/run.sh $(DEB_DIR)

doc-check: all
	NG_BUILD=$(abspath $(BUILD)) tests/pkg/docs.sh
