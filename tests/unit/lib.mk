# Unit tests (cmocka) of the host library lib/: image files (test_image),
# checkpoint files (test_checkpoint), file-system helpers (test_fsutil),
# the node protocol and handshake (test_proto), the node registry
# (test_nodes), node calibrations and the counter model (test_calib);
# test_cli_output runs build/bin/hexo check/inspect on files
# written with the library.
# Included by tests/tests.mk; `make test` runs everything in $(UNIT_TESTS).

LIB_UNIT_TESTS := $(BUILD)/tests/unit/test_image $(BUILD)/tests/unit/test_checkpoint \
                  $(BUILD)/tests/unit/test_fsutil $(BUILD)/tests/unit/test_proto \
                  $(BUILD)/tests/unit/test_nodes $(BUILD)/tests/unit/test_cli_output \
                  $(BUILD)/tests/unit/test_calib

UNIT_TESTS += $(LIB_UNIT_TESTS)

$(LIB_UNIT_TESTS:$(BUILD)/tests/unit/%=$(OBJ)/tests/unit/%.o): $(OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(LIB_UNIT_TESTS): $(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS) -lxxhash -lcmocka

$(BUILD)/tests/unit/test_cli_output: | $(BIN)/hexo
