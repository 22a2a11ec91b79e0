# Unit tests for lib/checkpoint.c (cmocka). Included by tests/tests.mk;
# `make test` runs everything in $(UNIT_TESTS).

TEST_CHECKPOINT := $(BUILD)/tests/unit/test_checkpoint

UNIT_TESTS += $(TEST_CHECKPOINT)

$(OBJ)/tests/unit/test_checkpoint.o: tests/unit/test_checkpoint.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(TEST_CHECKPOINT): $(OBJ)/tests/unit/test_checkpoint.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS) -lxxhash -lcmocka
