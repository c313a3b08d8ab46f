# SPDX-License-Identifier: GPL-2.0-or-later
# install:: for what no component owns: the default policy file and the bash completion.
# Each component's own mk/*.mk installs its files; the Debian package ships whatever
# `make install DESTDIR=...` puts there.

BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions

# Into a staging DESTDIR the policy file always goes; on a live system an existing one is
# the admin's and is left alone.
install::
	@if [ -z "$(DESTDIR)" ] && [ -e $(SYSCONFDIR)/nicguard/nicguard.conf ]; then \
		echo "keeping existing $(SYSCONFDIR)/nicguard/nicguard.conf"; \
	else \
		echo "install -D -m 0644 etc/nicguard.conf $(DESTDIR)$(SYSCONFDIR)/nicguard/nicguard.conf"; \
		install -D -m 0644 etc/nicguard.conf $(DESTDIR)$(SYSCONFDIR)/nicguard/nicguard.conf; \
	fi
	install -D -m 0644 contrib/bash-completion/nicguard $(DESTDIR)$(BASHCOMPDIR)/nicguard
