# SPDX-License-Identifier: GPL-2.0-or-later
# Static analysis and memcheck (see docs/fuzzing.md for the fuzzers):
#   make analyze         cppcheck (checks and suppressions with reasons in
#                        .cppcheck-suppressions) and clang-tidy (checks with reasons in
#                        .clang-tidy) over the whole tree; any finding fails
#   make valgrind-check  the CLI's main paths and the hooks' phases under valgrind memcheck
#                        (tests/valgrind/run; root, for its network namespace)
# Each ends with "N passed, N failed", as .ci/run counts suites. Debian: apt-get install
# cppcheck clang-tidy valgrind.

CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
ANALYZE_DEFS := -D_GNU_SOURCE -DNG_LIBEXECDIR=\"$(LIBEXECDIR)\" -DNG_SBINDIR=\"$(SBINDIR)\" \
	-Isrc/lib -Isrc/bin
# Every C file of the tree; unit tests only go through cppcheck (cmocka's macros expand to
# code clang-tidy's cert and bugprone checks were not written for).
ANALYZE_SRC := $(sort $(wildcard src/lib/*.c src/bin/*.c fuzz/*.c tests/fault/*.c))
ANALYZE_ALL := $(ANALYZE_SRC) $(sort $(wildcard tests/unit/*.c))
TIDY_LOGS := $(ANALYZE_SRC:%.c=$(BUILD)/tidy/%.log)

.PHONY: analyze cppcheck clang-tidy valgrind-check

analyze:
	@$(MAKE) --no-print-directory -k cppcheck clang-tidy; rc=$$?; \
	n=$$(( $(words $(ANALYZE_ALL)) + $(words $(ANALYZE_SRC)) )); \
	bad=$$(cat $(BUILD)/cppcheck.failed $(BUILD)/tidy.failed 2>/dev/null | wc -l); \
	if [ $$rc -ne 0 ] && [ $$bad -eq 0 ]; then bad=1; fi; \
	echo "$$((n - bad)) passed, $$bad failed"; [ $$rc -eq 0 ]

# One run over all files (cppcheck needs them together for its cross-file checks); the
# files with findings are counted as failed.
cppcheck:
	@mkdir -p $(BUILD)
	@$(CPPCHECK) --quiet --std=c11 --enable=warning,style,performance,portability \
		--inline-suppr --suppressions-list=.cppcheck-suppressions $(ANALYZE_DEFS) \
		--template='{file}:{line}: {severity}: {message} [{id}]' $(ANALYZE_ALL) \
		2>$(BUILD)/cppcheck.log; \
	cut -d: -f1 $(BUILD)/cppcheck.log | sort -u >$(BUILD)/cppcheck.failed; \
	if [ -s $(BUILD)/cppcheck.log ]; then cat $(BUILD)/cppcheck.log; exit 1; fi; \
	echo "cppcheck: $(words $(ANALYZE_ALL)) files, no findings"

# clang-tidy per file, so `make -j analyze` spreads it over the CPUs.
clang-tidy: $(TIDY_LOGS)
	@cat $(TIDY_LOGS) | grep -E '^[^ ].*: (warning|error): ' | cut -d: -f1 | sort -u \
		>$(BUILD)/tidy.failed; \
	if [ -s $(BUILD)/tidy.failed ]; then cat $(TIDY_LOGS); exit 1; fi; \
	echo "clang-tidy: $(words $(ANALYZE_SRC)) files, no findings"

# The log is kept (and the rule does not fail) so the summary can count every file; a
# clang-tidy that fails without a finding (a crash) becomes a finding of its own.
$(BUILD)/tidy/%.log: %.c .clang-tidy $(wildcard src/lib/*.h src/bin/*.h)
	@mkdir -p $(dir $@)
	@$(CLANG_TIDY) --quiet $< -- -std=c11 -Wall -Wextra $(ANALYZE_DEFS) >$@.out 2>$@.err; rc=$$?; \
	if [ $$rc -ne 0 ] && ! grep -q ': \(warning\|error\): ' $@.out; then \
		echo "$<:1:1: error: clang-tidy exited with $$rc: $$(tail -n 2 $@.err | \
			tr '\n' ' ') [clang-tidy]" >>$@.out; \
	fi; mv $@.out $@; rm -f $@.err

valgrind-check: all $(BUILD)/tests/test-histreport
	NG_BUILD=$(abspath $(BUILD)) bash tests/valgrind/run
