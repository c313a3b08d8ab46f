# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer targets: every fuzz/fuzz-NAME.c is one target, seeded from fuzz/corpus/NAME/.
# `make fuzz FUZZ_SECONDS=N` runs each for N seconds (ASan + UBSan, leak checks on).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_BUILD ?= build-fuzz
FUZZ_FLAGS := -g -O1 -std=c11 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -D_GNU_SOURCE -Isrc/lib
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz-*.c))
FUZZ_TARGETS := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ := $(LIB_SRC:src/lib/%.c=$(FUZZ_BUILD)/lib/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libnicguard.a

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS)

$(FUZZ_BUILD)/lib/%.o: src/lib/%.c src/lib/nicguard.h src/lib/internal.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

# From an archive, so each target links only the objects its parser needs.
$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz-%: fuzz/fuzz-%.c fuzz/scratch.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB)

# New inputs go to a scratch corpus; the seed corpus in the tree is only read. Each target is
# one test case: the run ends with "N passed, N failed" like every other suite. A finding is
# repeated, with the input's bytes, just before that line: a CI log cut to its tail keeps it.
fuzz: $(FUZZ_TARGETS)
	@passed=0; failed=0; failures=; for t in $(FUZZ_TARGETS); do \
		name=$${t##*/fuzz-}; scratch=$(FUZZ_BUILD)/corpus/$$name; mkdir -p $$scratch; \
		echo "== fuzz $$name for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=$(FUZZ_BUILD)/$$name- \
			-print_final_stats=1 $$scratch fuzz/corpus/$$name >$(FUZZ_BUILD)/$$name.log 2>&1; \
		grep -E '^#[0-9]+.*DONE|^stat::number_of_executed_units' $(FUZZ_BUILD)/$$name.log; \
		if grep -qE '==[0-9]+==ERROR|^SUMMARY: |deadly signal' $(FUZZ_BUILD)/$$name.log; then \
			grep -E -A30 '==[0-9]+==ERROR|deadly signal' $(FUZZ_BUILD)/$$name.log | head -40; \
			echo "fuzz $$name: FAILED (log: $(FUZZ_BUILD)/$$name.log)"; failed=$$((failed + 1)); \
			failures="$$failures $$name"; \
		else echo "fuzz $$name: ok"; passed=$$((passed + 1)); fi; \
	done; \
	for name in $$failures; do \
		echo "== fuzz $$name failed: the finding, and the input that made it"; \
		grep -E '==[0-9]+== ?ERROR|^SUMMARY: |#[0-9]+ .*(src/(lib|bin)|/fuzz)/[^ /]+\.[ch]:[0-9]' \
			$(FUZZ_BUILD)/$$name.log | head -12; \
		for a in $(FUZZ_BUILD)/$$name-*; do [ -f "$$a" ] && echo "$$a:" && od -An -c "$$a" | head -8; done; \
	done; echo "$$passed passed, $$failed failed"; [ $$failed -eq 0 ]
