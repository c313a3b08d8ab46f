# SPDX-License-Identifier: GPL-2.0-or-later
# The if-up.d script (classic ifupdown and ifupdown2) and the helper it runs.

install:: all
	install -D -m 0755 $(BUILD)/nicguard-ifupdown $(DESTDIR)$(LIBEXECDIR)/nicguard-ifupdown
	sed 's|/usr/libexec/nicguard|$(LIBEXECDIR)|g' ifupdown/nicguard >$(BUILD)/ifupdown-nicguard
	install -D -m 0755 $(BUILD)/ifupdown-nicguard $(DESTDIR)$(SYSCONFDIR)/network/if-up.d/nicguard
