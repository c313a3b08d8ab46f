# SPDX-License-Identifier: GPL-2.0-or-later
# nicguard: one static library, thin programs over it, cmocka unit tests, bats integration tests.

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wformat=2 -Wvla -Wwrite-strings
CPPFLAGS += -D_GNU_SOURCE -Isrc/lib -Isrc/bin

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/nicguard
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSCTLDIR ?= $(PREFIX)/lib/sysctl.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share

CPPFLAGS += -DNG_LIBEXECDIR=\"$(LIBEXECDIR)\" -DNG_SBINDIR=\"$(SBINDIR)\"

# `make SANITIZE=1` (or `make asan`) builds into build-asan with ASan and UBSan.
ifeq ($(SANITIZE),1)
BUILD ?= build-asan
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD ?= build
endif

LIB_SRC := $(sort $(wildcard src/lib/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libnicguard.a

# The admin CLI: nicguard.c plus one cmd-*.c per subcommand. Every other src/bin/nicguard-*.c
# is a program of its own. All of them share log.c and the library.
CLI_SRC := src/bin/nicguard.c $(sort $(wildcard src/bin/cmd-*.c src/bin/report-*.c \
	src/bin/status-*.c))
BIN_COMMON := $(BUILD)/bin/log.o $(BUILD)/bin/render.o
HELPER_SRC := $(sort $(wildcard src/bin/nicguard-*.c))
HELPERS := $(HELPER_SRC:src/bin/%.c=$(BUILD)/%)
PROGRAMS := $(BUILD)/nicguard $(HELPERS)

UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
UNIT_TESTS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit-check bats-check asan install clean
# Keep every object: make would delete the helpers' objects as intermediate files and
# print that after `make check`'s closing `N passed, N failed` line.
.SECONDARY:

all: $(PROGRAMS)

$(BUILD)/%.o: src/%.c src/lib/nicguard.h src/lib/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(CLI_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/bin/render.o: src/bin/cmd.h src/bin/render.h src/bin/report.h \
	src/bin/status.h

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/nicguard: $(CLI_SRC:src/%.c=$(BUILD)/%.o) $(BIN_COMMON) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/nicguard-%: $(BUILD)/bin/nicguard-%.o $(BIN_COMMON) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The daemon is nicguard-watch.c (options, main) plus its watch-*.c files (watch.h).
WATCH_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(sort $(wildcard src/bin/watch-*.c)))
$(BUILD)/bin/nicguard-watch.o $(WATCH_OBJ): src/bin/watch.h

$(BUILD)/nicguard-watch: $(BUILD)/bin/nicguard-watch.o $(WATCH_OBJ) $(BIN_COMMON) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test-%: tests/unit/test-%.c $(LIB) src/lib/nicguard.h src/lib/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(LIB) $(LDFLAGS) \
		-lcmocka $(LDLIBS)

# The pure layer: values, the feature vocabulary, names, planning, reports. It reads no file,
# opens no socket and runs no program, and two unit tests prove it by linking these objects
# instead of the library: test-plan the planner, test-pure the policy parser (with its [watch]
# and [pve] option tables) and printer too.
PURE_OBJ := $(patsubst %,$(BUILD)/lib/%.o,plan value features lex err strv rpsmask ifname report)
POLICY_OBJ := $(patsubst %,$(BUILD)/lib/%.o,policy watchopt pveopt)

$(BUILD)/tests/test-plan: tests/unit/test-plan.c $(PURE_OBJ) src/lib/nicguard.h src/lib/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(PURE_OBJ) $(LDFLAGS) \
		-lcmocka $(LDLIBS)

$(BUILD)/tests/test-pure: tests/unit/test-pure.c $(PURE_OBJ) $(POLICY_OBJ) src/lib/nicguard.h \
		src/lib/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(PURE_OBJ) $(POLICY_OBJ) \
		$(LDFLAGS) -lcmocka $(LDLIBS)

# tests/run-tests runs the unit tests, then bats, and ends with `N passed, N failed`.
# bats runs the programs from $(BUILD); it must run as root (network namespaces).
check: all $(UNIT_TESTS)
	NG_BUILD=$(abspath $(BUILD)) bash tests/run-tests

unit-check: $(UNIT_TESTS)
	NG_BUILD=$(abspath $(BUILD)) bash tests/run-tests --unit

bats-check: all
	NG_BUILD=$(abspath $(BUILD)) bash tests/run-tests --bats

asan:
	$(MAKE) SANITIZE=1 check

clean:
	rm -rf build build-asan

install:: all
	install -D -m 0755 $(BUILD)/nicguard $(DESTDIR)$(SBINDIR)/nicguard

-include $(sort $(wildcard mk/*.mk))
