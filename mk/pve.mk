# SPDX-License-Identifier: GPL-2.0-or-later
# Proxmox VE: the vzdump hook and the guest hookscript, installed under their libexec names.
# A copy at ROOT$(LIBEXECDIR)/NAME works on the tree under ROOT: that is how tests run them.
# Their systemd units: the stale-lock removal the guest hook hands over, the follower that
# keeps the policy on guest devices QEMU resets, and the cluster policy's copy and re-apply.

PVE_UNITS := nicguard-unlock@.service nicguard-cluster.service nicguard-cluster.path \
	nicguard-cluster.timer nicguard-guests.service

install:: all
	install -D -m 0755 $(BUILD)/nicguard-vzdump-hook $(DESTDIR)$(LIBEXECDIR)/vzdump-hook
	install -D -m 0755 $(BUILD)/nicguard-guest-hook $(DESTDIR)$(LIBEXECDIR)/guest-hook
	@set -e; for u in $(PVE_UNITS); do \
		sed -e 's|/usr/sbin/nicguard|$(SBINDIR)/nicguard|g' \
			-e 's|/usr/libexec/nicguard|$(LIBEXECDIR)|g' systemd/$$u >$(BUILD)/$$u; \
		echo "install -D -m 0644 $(BUILD)/$$u $(DESTDIR)$(SYSTEMDUNITDIR)/$$u"; \
		install -D -m 0644 $(BUILD)/$$u $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; \
	done

$(BUILD)/bin/cmd-pve.o $(BUILD)/bin/cmd-pve-guest.o: src/bin/pvecmd.h
