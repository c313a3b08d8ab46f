# SPDX-License-Identifier: GPL-2.0-or-later
# The event history's directory (/var/lib/nicguard): shipped by the package, so the first
# `nicguard apply` of postinst already records what it changed. nicguard never creates it.

install::
	install -d -m 0755 $(DESTDIR)/var/lib/nicguard

# The hourly publisher of the cluster summary (`nicguard report --publish`). The package's
# postinst enables and starts the timer (deb-systemd-helper: `systemctl disable` holds).
install:: all
	sed 's|/usr/sbin/nicguard|$(SBINDIR)/nicguard|g' systemd/nicguard-summary.service \
		>$(BUILD)/nicguard-summary.service
	install -D -m 0644 $(BUILD)/nicguard-summary.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/nicguard-summary.service
	install -D -m 0644 systemd/nicguard-summary.timer \
		$(DESTDIR)$(SYSTEMDUNITDIR)/nicguard-summary.timer
