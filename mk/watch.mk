# SPDX-License-Identifier: GPL-2.0-or-later
# nicguard-watch: the daemon and its systemd unit; `make bench-watch` measures it.

install:: all
	install -D -m 0755 $(BUILD)/nicguard-watch $(DESTDIR)$(SBINDIR)/nicguard-watch
	sed 's|/usr/sbin/nicguard-watch|$(SBINDIR)/nicguard-watch|g' \
		systemd/nicguard-watch.service >$(BUILD)/nicguard-watch.service
	install -D -m 0644 $(BUILD)/nicguard-watch.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/nicguard-watch.service

.PHONY: bench-watch
bench-watch: $(BUILD)/nicguard-watch
	bench/watch.sh $(abspath $(BUILD))
