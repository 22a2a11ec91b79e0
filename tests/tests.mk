# make test: installs what is missing (deps), builds everything (all), then
# runs, through tests/run-tests.sh,
#   - the unit tests in $(UNIT_TESTS) (cmocka binaries; each tests/unit/*.mk
#     fragment adds its own),
#   - tests/hexocc/test_driver.sh, when present,
#   - the guest tests (tests/run-guest-tests.sh: tests/guest/<name>/),
# and ends with one line "N passed, N failed, N skipped" for all of them.
# Exits non-zero when anything failed, a build step included: a failed build
# is reported in the summary (and the tests that can still run are run).
# See docs/testing.md.

UNIT_TESTS :=
-include $(wildcard tests/unit/*.mk)

TEST_OUT := $(BUILD)/tests

.PHONY: test test-build test-unit test-guest test-run

test: deps
	@build_ok=1; \
	$(MAKE) --no-print-directory -k all test-build || build_ok=0; \
	HEXO_TEST_BUILD_OK=$$build_ok tests/run-tests.sh $(UNIT_TESTS)

# Everything the tests need built (unit-test binaries, hexo-instrument for
# tests/pass; the guest test programs are built by the runner with hexocc).
test-build: $(UNIT_TESTS) $(HEXO_INSTRUMENT)

# Partial runs, for development (no deps step, no overall build).
test-run: test-build
	@tests/run-tests.sh $(UNIT_TESTS)

test-unit: test-build
	@tests/run-tests.sh --only unit $(UNIT_TESTS)

test-guest: hexo-tools
	@tests/run-guest-tests.sh $(GUEST_TESTS)

# The fuzzing harnesses (libFuzzer) and `make fuzz`; adds them to test-build.
include tests/fuzz/fuzz.mk
