# hexod tests. Included by tests/tests.mk (tests/unit/*.mk).
#   Unit tests (cmocka): the wire protocol and handshake (test_proto), the
#   node registry (test_nodes).
#   Integration test tools for tests/hexod/test_agent.sh: a test-only CLI
#   (hexo-cli: 'hexo node' and 'hexo run --on') and a misbehaving client
#   (probe). `make test-hexod` builds and runs that script on its own.

HEXOD_UNIT_TESTS := $(BUILD)/tests/unit/test_proto $(BUILD)/tests/unit/test_nodes
UNIT_TESTS += $(HEXOD_UNIT_TESTS)

HEXOD_TEST_TOOLS := $(BUILD)/tests/hexod/hexo-cli $(BUILD)/tests/hexod/probe

$(OBJ)/tests/unit/test_proto.o $(OBJ)/tests/unit/test_nodes.o: $(OBJ)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(HEXOD_UNIT_TESTS): $(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS) -lcmocka

$(OBJ)/tests/hexod/%.o: tests/hexod/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Icli -c -o $@ $<

$(BUILD)/tests/hexod/hexo-cli: $(OBJ)/tests/hexod/hexo_cli.o $(CLI_REMOTE_OBJS) \
                               $(MONITOR_OPTIONS_OBJS) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(CLI_REMOTE_OBJS) $(MONITOR_OPTIONS_OBJS) $(LIBHEXO) $(LIBHEXO_LDLIBS)

$(BUILD)/tests/hexod/probe: $(OBJ)/tests/hexod/probe.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS)

test-build: $(HEXOD_TEST_TOOLS) $(BIN)/hexod

.PHONY: test-hexod
test-hexod: $(HEXOD_TEST_TOOLS) $(BIN)/hexod
	@tests/hexod/test_agent.sh
