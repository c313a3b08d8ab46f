# SPDX-License-Identifier: GPL-2.0-or-later
# The event history's directory (/var/lib/nicguard): shipped by the package, so the first
# `nicguard apply` of postinst already records what it changed. nicguard never creates it.

install::
	install -d -m 0755 $(DESTDIR)/var/lib/nicguard
