# hexod tests. Included by tests/tests.mk (tests/unit/*.mk).
#   Unit tests (cmocka): the wire protocol and handshake (test_proto), the
#   node registry (test_nodes).
#   The agent's integration tests, tests/hexod/test_agent_*.sh, need hexod,
#   the real hexo (their client) and a misbehaving client (probe).
#   `make test-hexod` builds them and runs those scripts on their own.

HEXOD_UNIT_TESTS := $(BUILD)/tests/unit/test_proto $(BUILD)/tests/unit/test_nodes
UNIT_TESTS += $(HEXOD_UNIT_TESTS)

HEXOD_TEST_TOOLS := $(BUILD)/tests/hexod/probe

$(OBJ)/tests/unit/test_proto.o $(OBJ)/tests/unit/test_nodes.o: $(OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(HEXOD_UNIT_TESTS): $(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS) -lcmocka

$(OBJ)/tests/hexod/%.o: tests/hexod/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Ihexod -c -o $@ $<

$(BUILD)/tests/hexod/probe: $(OBJ)/tests/hexod/probe.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS)

test-build: $(HEXOD_TEST_TOOLS) $(BIN)/hexod $(BIN)/hexo

.PHONY: test-hexod
test-hexod: $(HEXOD_TEST_TOOLS) $(BIN)/hexod $(BIN)/hexo
	@tests/run-tests.sh --only hexod
