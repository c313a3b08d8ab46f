# SPDX-License-Identifier: GPL-2.0-or-later
# The fault-injection shim for tests/bats/fault.bats: LD_PRELOAD=$(BUILD)/ng-fault.so with
# NG_FAULT set makes chosen calls fail (see tests/fault/ng-fault.c). Built without
# sanitizers: it is preloaded into sanitizer builds too.

FAULT_SO := $(BUILD)/ng-fault.so

$(FAULT_SO): tests/fault/ng-fault.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

check bats-check: $(FAULT_SO)
