# SPDX-License-Identifier: GPL-2.0-or-later
# Proxmox VE: the vzdump hook and the guest hookscript, installed under their libexec names.
# A copy at ROOT$(LIBEXECDIR)/NAME works on the tree under ROOT: that is how tests run them.

install:: all
	install -D -m 0755 $(BUILD)/nicguard-vzdump-hook $(DESTDIR)$(LIBEXECDIR)/vzdump-hook
	install -D -m 0755 $(BUILD)/nicguard-guest-hook $(DESTDIR)$(LIBEXECDIR)/guest-hook
	sed 's|/usr/sbin/nicguard|$(SBINDIR)/nicguard|g' systemd/nicguard-unlock@.service \
		>$(BUILD)/nicguard-unlock@.service
	install -D -m 0644 $(BUILD)/nicguard-unlock@.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/nicguard-unlock@.service

$(BUILD)/bin/cmd-pve.o $(BUILD)/bin/cmd-pve-guest.o: src/bin/pvecmd.h
