# SPDX-License-Identifier: GPL-2.0-or-later
# The udev rule and its helper: policy applied on add/bind/move of every net device but lo.

install:: all
	install -D -m 0755 $(BUILD)/nicguard-udev $(DESTDIR)$(LIBEXECDIR)/nicguard-udev
	sed 's|/usr/libexec/nicguard|$(LIBEXECDIR)|g' udev/60-nicguard.rules >$(BUILD)/60-nicguard.rules
	install -D -m 0644 $(BUILD)/60-nicguard.rules $(DESTDIR)$(UDEVRULESDIR)/60-nicguard.rules
