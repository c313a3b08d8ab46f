# SPDX-License-Identifier: GPL-2.0-or-later
# ng-port: the library's record and restore of a port's place as a small program, for
# tests/bats/restore.bats and bench/watch.sh, which simulate a rebind on veth devices.

PORT_TOOL := $(BUILD)/ng-port

$(PORT_TOOL): tests/port/ng-port.c $(LIB) src/lib/nicguard.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

check bats-check bench-watch: $(PORT_TOOL)
