# SPDX-License-Identifier: GPL-2.0-or-later
# `make vm-check`: the system test on real NIC drivers (issues 6, 13, 15). Builds the .deb,
# installs that one file into a cached Debian 12 guest and a cached Debian 13 guest and boots
# both under QEMU (two e1000e ports, two virtio-net ports: user-mode networking with
# restrict=on, and a hang port on tests/vm/peer.py), then reports the checks run inside each
# and one sum. Needs root; installs QEMU, debootstrap and the build dependencies when missing.
# The package is built with nocheck: its unit tests are `make unit-check`'s job, not this one's.
# NG_VM_TCG=1 forces software emulation; VM_FLAGS=--keep keeps the runs' disks and logs,
# VM_FLAGS="--release trixie" runs one release, VM_FLAGS=--parallel boots both at once.

VM_FLAGS ?=

.PHONY: vm-check
vm-check:
	tests/vm/deps
ifneq ($(wildcard mk/deb.mk),)
	DEB_BUILD_OPTIONS="nocheck $$DEB_BUILD_OPTIONS" $(MAKE) deb-build
	$(MAKE) $(BUILD)/ng-port
	tests/vm/run $(VM_FLAGS) --deb "$$(ls -t $(BUILD)/deb/nicguard_*.deb | head -n 1)"
else
	tests/vm/run $(VM_FLAGS) --no-deb
endif
