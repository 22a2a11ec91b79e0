# Scheduler tests. Included by tests/tests.mk (tests/unit/*.mk).
#   Unit tests (cmocka): the placement policy (test_sched_policy) and the
#   simulator with its config files (test_sched_sim).
#   build/tests/sched-sim: runs the simulator (`sched-sim --simulate CONFIG
#   [--json]`, what `hexo sched --simulate` will run) until the hexo
#   command dispatches to it.

SCHED_UNIT_TESTS := $(BUILD)/tests/unit/test_sched_policy $(BUILD)/tests/unit/test_sched_sim
UNIT_TESTS += $(SCHED_UNIT_TESTS)

SCHED_SIM_DRIVER := $(BUILD)/tests/sched-sim

$(SCHED_UNIT_TESTS:$(BUILD)/tests/unit/%=$(OBJ)/tests/unit/%.o) $(OBJ)/tests/unit/sched_sim_main.o: \
		$(OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Isched -c -o $@ $<

$(SCHED_UNIT_TESTS): $(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(LIBHEXOSCHED) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXOSCHED) $(LIBHEXO) $(LIBHEXO_LDLIBS) -ljson-c -lcmocka -lm

$(SCHED_SIM_DRIVER): $(OBJ)/tests/unit/sched_sim_main.o $(LIBHEXOSCHED) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXOSCHED) $(LIBHEXO) $(LIBHEXO_LDLIBS) -ljson-c -lm

test-build: $(SCHED_SIM_DRIVER)
