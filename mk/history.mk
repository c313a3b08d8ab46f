# SPDX-License-Identifier: GPL-2.0-or-later
# The event history's directory (/var/lib/nicguard): shipped by the package, so the first
# `nicguard apply` of postinst already records what it changed. nicguard never creates it.

install::
	install -d -m 0755 $(DESTDIR)/var/lib/nicguard

# The hourly publisher of the cluster summary (`nicguard report --publish`).
install:: all
	sed 's|/usr/sbin/nicguard|$(SBINDIR)/nicguard|g' systemd/nicguard-summary.service \
		>$(BUILD)/nicguard-summary.service
	install -D -m 0644 $(BUILD)/nicguard-summary.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/nicguard-summary.service
	install -D -m 0644 systemd/nicguard-summary.timer \
		$(DESTDIR)$(SYSTEMDUNITDIR)/nicguard-summary.timer
	# Enabled by the package itself (as systemd-tmpfiles-clean.timer is): the unit's
	# condition keeps it idle on a host without /etc/pve/nodes; `systemctl mask` stops it.
	install -d -m 0755 $(DESTDIR)$(SYSTEMDUNITDIR)/timers.target.wants
	ln -sf ../nicguard-summary.timer \
		$(DESTDIR)$(SYSTEMDUNITDIR)/timers.target.wants/nicguard-summary.timer
