# SPDX-License-Identifier: GPL-2.0-or-later
# Man pages: man/NAME.SECTION.scd -> $(BUILD)/man/NAME.SECTION with scdoc, built by `make all`.

SCDOC ?= scdoc
MAN_SRC := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(MAN_SRC:man/%.scd=$(BUILD)/man/%)

.PHONY: man
all: man
man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(SCDOC) <$< >$@.tmp
	mv $@.tmp $@

# The section is the page name's last suffix: nicguard.conf.5 -> man5.
install:: $(MAN_PAGES)
	@set -e; for p in $(MAN_PAGES); do \
		s=$${p##*.}; \
		echo "install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}"; \
		install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; \
	done
