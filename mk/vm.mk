# SPDX-License-Identifier: GPL-2.0-or-later
# `make vm-check`: the system test on real NIC drivers (issue 6). Builds the .deb, installs it
# into a cached Debian 12 guest and boots that under QEMU with two e1000e ports and one
# virtio-net port (user-mode networking, restrict=on), then reports the checks run inside.
# Needs root; installs QEMU, debootstrap and the build dependencies with apt-get when missing.
# The package is built with nocheck: its unit tests are `make unit-check`'s job, not this one's.
# NG_VM_TCG=1 forces software emulation; VM_FLAGS=--keep keeps the run's disk and logs.

VM_FLAGS ?=

.PHONY: vm-check
vm-check:
	tests/vm/deps
ifneq ($(wildcard mk/deb.mk),)
	DEB_BUILD_OPTIONS="nocheck $$DEB_BUILD_OPTIONS" $(MAKE) deb-build
	tests/vm/run $(VM_FLAGS) --deb "$$(ls -t $(BUILD)/deb/nicguard_*.deb | head -n 1)"
else
	tests/vm/run $(VM_FLAGS) --no-deb
endif
