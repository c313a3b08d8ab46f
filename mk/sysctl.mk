# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped network sysctl defaults (seed 002); `nicguard sysctl` checks them per machine.

install:: all
	install -D -m 0644 sysctl.d/60-nicguard.conf $(DESTDIR)$(SYSCTLDIR)/60-nicguard.conf
