# Scheduler tests. Included by tests/tests.mk (tests/unit/*.mk).
#   Unit tests (cmocka): the placement policy (test_sched_policy) and the
#   simulator with its config files (test_sched_sim), the daemon's metrics
#   and their HTTP server (test_sched_metrics: promtool, from the prometheus
#   package, checks the text when installed, else a SKIP), the daemon's
#   estimator and journal (test_sched_daemon).

SCHED_UNIT_TESTS := $(BUILD)/tests/unit/test_sched_policy $(BUILD)/tests/unit/test_sched_sim \
                    $(BUILD)/tests/unit/test_sched_metrics $(BUILD)/tests/unit/test_sched_daemon
UNIT_TESTS += $(SCHED_UNIT_TESTS)

$(SCHED_UNIT_TESTS:$(BUILD)/tests/unit/%=$(OBJ)/tests/unit/%.o): $(OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Isched -c -o $@ $<

$(SCHED_UNIT_TESTS): $(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(LIBHEXOSCHED) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXOSCHED) $(LIBHEXO) $(LIBHEXO_LDLIBS) -ljson-c -lcmocka -lm
