# Unit tests for the monitor's pure logic (cmocka): guest address checks,
# options, layout and page tables, file-system conversions. They link the
# monitor objects that have no KVM in them ($(MONITOR_PURE_OBJS), from
# monitor/monitor.mk). Included by tests/tests.mk; `make test` runs
# everything in $(UNIT_TESTS).

MONITOR_UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,\
                        $(wildcard tests/unit/test_monitor_*.c))

UNIT_TESTS += $(MONITOR_UNIT_TESTS)

$(OBJ)/tests/unit/test_monitor_%.o: tests/unit/test_monitor_%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(MONITOR_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/test_monitor_%: $(OBJ)/tests/unit/test_monitor_%.o $(MONITOR_PURE_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ -lcmocka $(LDLIBS_EXTRA)
$(BUILD)/tests/unit/test_monitor_pagetable_aarch64: $(addprefix $(OBJ)/monitor/arch/aarch64/,pagetable_aarch64.o fault_aarch64.o)
# test_monitor_files: the guest's files (monitor/files.c), the guest-memory
# accessors stubbed in the test.
$(BUILD)/tests/unit/test_monitor_files: $(OBJ)/monitor/files.o $(LIBHEXO)
$(BUILD)/tests/unit/test_monitor_files: private LDLIBS_EXTRA := $(LIBHEXO_LDLIBS)
