# hexo-irsect (toolchain/irsect): one section per function and global of a
# linked LLVM module, for hexocc's IR pipeline (docs/layout.md). llvm-c,
# linked against the shared libLLVM of llvm-config (LLVM 14 on Debian 12).

LLVM_CONFIG ?= llvm-config-14
HEXO_IRSECT := $(BIN)/hexo-irsect

$(OBJ)/toolchain/irsect/%.o: PART_CFLAGS = $(shell $(LLVM_CONFIG) --cflags)

$(HEXO_IRSECT): $(OBJ)/toolchain/irsect/irsect.o
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ $(shell $(LLVM_CONFIG) --ldflags) $(shell $(LLVM_CONFIG) --libs core bitreader bitwriter) \
		-Wl,-rpath,$(shell $(LLVM_CONFIG) --libdir)

hexo-tools: $(HEXO_IRSECT)
# hexocc runs it for every link of C sources.
test-hexocc: $(HEXO_IRSECT)
