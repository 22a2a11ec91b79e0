# Fuzzing (libFuzzer): harnesses for the parsers that read untrusted bytes.
# Included by tests/tests.mk (with tests/unit/*.mk).
#   tests/fuzz/fuzz_image.c       the .hexo image verifier (lib/image_file.c)
#   tests/fuzz/fuzz_checkpoint.c  the checkpoint parser and verifier (lib/checkpoint_read.c)
#   tests/fuzz/fuzz_proto.c       hexod's frame and message decoders (lib/proto.c),
#                                 the sealed stream's receiving side (lib/seal.c)
#   tests/fuzz/fuzz_elf.c         what the monitor reads from an image's ELF
#                                 (monitor/loader.c, memmap.c, image_elf.c)
# They link lib/ (and fuzz_elf those monitor files) compiled again with the
# sanitizers (build/fuzz/obj, not the normal objects). tests/fuzz/seeds.c
# writes their seed corpora with the library's writers and encoders into
# build/fuzz/corpus/<name>/; fuzz_elf's seeds are tests/fuzz/seed_elf.c
# linked for both ISAs with tests/fuzz/seed_elf.ld.
#   make fuzz            each harness for FUZZ_SECONDS (300) seconds, then a
#                        table of executions and findings (FUZZ_JSON=1: JSON)
#   make test            each one briefly (tests/fuzz/run.sh --brief, suite "fuzz")
# Needs clang's libFuzzer runtime (libclang-rt-14-dev): without it the
# harnesses are not built and the suite says SKIP.

FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_OBJ     := $(FUZZ_DIR)/obj
FUZZ_NAMES   := image checkpoint proto elf
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SEEDS   := $(BUILD)/tests/fuzz/seeds
FUZZ_CORPUS  := $(FUZZ_DIR)/corpus/.stamp
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
                -Iinclude -Ilib -MMD -MP $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB     := $(FUZZ_DIR)/libhexohost-fuzz.a
FUZZ_SECONDS ?= 300

# Whether this clang has the libFuzzer runtime (libclang-rt-14-dev).
FUZZ_RUNTIME := $(wildcard $(shell $(HOST_CC) -print-file-name=libclang_rt.fuzzer-$(shell uname -m).a 2>/dev/null))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(FUZZ_CFLAGS) $(FUZZ_PART_CFLAGS) -c -o $@ $<

# fuzz_elf: the monitor's ELF readers (no KVM in them).
FUZZ_MONITOR_OBJS := $(patsubst %.c,$(FUZZ_OBJ)/%.o,monitor/loader.c monitor/memmap.c \
                       monitor/guest_mem.c monitor/image_elf.c)
$(FUZZ_OBJ)/monitor/%.o $(FUZZ_OBJ)/tests/fuzz/fuzz_elf.o: FUZZ_PART_CFLAGS = $(MONITOR_CFLAGS)
$(FUZZ_DIR)/fuzz_elf: $(FUZZ_MONITOR_OBJS)
$(FUZZ_DIR)/fuzz_elf: FUZZ_LDLIBS = $(MONITOR_LDLIBS)

$(FUZZ_LIB): $(LIB_SRCS:%.c=$(FUZZ_OBJ)/%.o)

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(HOST_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(FUZZ_LIB) \
		$(LIBHEXO_LDLIBS) $(FUZZ_LDLIBS)

# The seed writer is an ordinary host program on the normal library.
$(OBJ)/tests/fuzz/seeds.o: tests/fuzz/seeds.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(FUZZ_SEEDS): $(OBJ)/tests/fuzz/seeds.o $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $< $(LIBHEXO) $(LIBHEXO_LDLIBS)

# fuzz_elf's seeds: a tiny program linked as a guest is, for both ISAs.
FUZZ_SEED_ELF_FLAGS := -O1 -g0 -ffreestanding -fno-pic -fno-pie -nostdlib -static -fuse-ld=lld \
                       -Wl,-T,tests/fuzz/seed_elf.ld -Wl,--no-pie -Wl,-z,max-page-size=4096

$(FUZZ_CORPUS): $(FUZZ_SEEDS) tests/fuzz/regressions tests/fuzz/seed_elf.c tests/fuzz/seed_elf.ld
	rm -rf $(FUZZ_DIR)/corpus
	$(FUZZ_SEEDS) $(FUZZ_DIR)/corpus
	mkdir -p $(FUZZ_DIR)/corpus/elf
	for isa in $(GUEST_ISAS); do \
		$(HOST_CC) --target=$$isa-linux-gnu $(FUZZ_SEED_ELF_FLAGS) \
			-o $(FUZZ_DIR)/corpus/elf/$$isa tests/fuzz/seed_elf.c || exit 1; \
	done
	for n in $(FUZZ_NAMES); do \
		if [ -d tests/fuzz/regressions/$$n ]; then \
			cp tests/fuzz/regressions/$$n/* $(FUZZ_DIR)/corpus/$$n/ 2>/dev/null || true; \
		fi; \
	done
	touch $@

.PHONY: fuzz fuzz-build
ifneq ($(FUZZ_RUNTIME),)
fuzz-build: $(FUZZ_BINS) $(FUZZ_CORPUS)
test-build: fuzz-build
else
fuzz-build:
	@echo "fuzz: no libFuzzer runtime for $(HOST_CC) (install libclang-rt-14-dev): harnesses not built"
endif

fuzz: fuzz-build
	@tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(if $(filter 1,$(FUZZ_JSON)),--json)

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)
