# hexod tests. Included by tests/tests.mk (tests/unit/*.mk).
#   The agent's integration tests, tests/hexod/test_agent_*.sh, need hexod,
#   the real hexo (their client), a misbehaving client (probe) and a man in
#   the middle (tamper: test_agent_transport.sh).
#   `make test-hexod` builds them and runs those scripts on their own.
#   (The protocol and node registry unit tests are lib's: tests/unit/lib.mk.)

HEXOD_TEST_TOOLS := $(BUILD)/tests/hexod/probe $(BUILD)/tests/hexod/tamper

$(OBJ)/tests/hexod/%.o: tests/hexod/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(BUILD)/tests/hexod/probe: $(OBJ)/tests/hexod/probe.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS)

$(BUILD)/tests/hexod/tamper: $(OBJ)/tests/hexod/tamper.o
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $<

test-build: $(HEXOD_TEST_TOOLS) $(BIN)/hexod $(BIN)/hexo

.PHONY: test-hexod
test-hexod: $(HEXOD_TEST_TOOLS) $(BIN)/hexod $(BIN)/hexo
	@tests/run-tests.sh --only hexod
