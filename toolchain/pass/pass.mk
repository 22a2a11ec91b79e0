# hexo-instrument (toolchain/pass): the migration instrumentation hexocc runs
# on each ISA's linked module (docs/migration.md). C++17 against LLVM's C++
# API, linked with the shared libLLVM of llvm-config (LLVM 14 on Debian 12).

LLVM_CONFIG ?= llvm-config-14
HOST_CXX ?= clang++
HEXO_INSTRUMENT := $(BIN)/hexo-instrument
PASS_SRCS := $(wildcard toolchain/pass/*.cpp)
PASS_OBJS := $(PASS_SRCS:%.cpp=$(OBJ)/%.o)
# LLVM's headers as system headers (their warnings are not ours); its
# -std and -fno-exceptions come from llvm-config, ours win (-std=c++17).
PASS_CXXFLAGS := -isystem $(shell $(LLVM_CONFIG) --includedir) \
                 $(filter -D%,$(shell $(LLVM_CONFIG) --cxxflags)) \
                 -std=c++17 -fno-exceptions -fno-rtti -O2 -g -Wall -Wextra -Werror \
                 -Iinclude -MMD -MP

$(OBJ)/toolchain/pass/%.o: toolchain/pass/%.cpp
	@mkdir -p $(@D)
	$(HOST_CXX) $(PASS_CXXFLAGS) -c -o $@ $<

$(HEXO_INSTRUMENT): $(PASS_OBJS)
	@mkdir -p $(@D)
	$(HOST_CXX) -o $@ $^ $(shell $(LLVM_CONFIG) --ldflags) $(shell $(LLVM_CONFIG) --libs) \
		-Wl,-rpath,$(shell $(LLVM_CONFIG) --libdir)

hexo-tools: $(HEXO_INSTRUMENT)
# hexocc runs it for every link of C sources; tests/pass runs it.
test-hexocc: $(HEXO_INSTRUMENT)
