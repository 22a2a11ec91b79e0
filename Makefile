# hexo top-level Makefile (non-recursive). Each part owns one fragment:
#   mk/newlib.mk              newlib for every guest ISA (cached)
#   kernel/kernel.mk          library OS (per ISA)
#   lib/lib.mk                host library shared by hexo and hexocc
#   sched/sched.mk            the scheduler: placement policy, simulator
#   hexod/hexod.mk            hexod, the node agent
#   board/board.mk            the emulated ARM64 boards (host side, board init)
#   monitor/monitor.mk        the KVM monitor (hexo run|resume|inspect|check)
#   cli/cli.mk                the `hexo` command: dispatch, hexo node, run --on
#   sched/calib/calib.mk      the calibration kernels of `hexo node calibrate`
#   toolchain/hexocc/hexocc.mk  the `hexocc` compiler driver (with toolchain/align)
#   toolchain/irsect/irsect.mk  hexo-irsect, the IR section tool hexocc runs
#   toolchain/pass/pass.mk      hexo-instrument, the migration instrumentation hexocc runs
#   tests/tests.mk            make test
#   bench/bench.mk            make bench
# User-facing programs go to build/bin/, guest runtime files that hexocc
# links against to build/lib/hexo/<isa>/.

BUILD      := build
BIN        := $(BUILD)/bin
OBJ        := $(BUILD)/obj
HEXO_LIB   := $(BUILD)/lib/hexo

# Host tools (monitor, hexocc, unit tests).
HOST_CC     ?= clang
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
               -Iinclude -Ilib -MMD -MP
HOST_LDLIBS :=

# Guest toolchain.
GUEST_CC    ?= clang
GUEST_AR    ?= llvm-ar
GUEST_LD    ?= ld.lld
# Flags every guest object gets, on every ISA (kernel, runtime, newlib, app).
# -fsigned-char: char is signed on x86-64 but unsigned on aarch64 by default.
GUEST_COMMON_CFLAGS := -ffunction-sections -fdata-sections -ffp-contract=off \
                       -fno-pic -fno-pie -fno-stack-protector -fsigned-char
# ... and per ISA. long double is IEEE quad on both (x86-64's default is the
# 80-bit x87 format), so its values and their bytes in memory are the same.
# No outline atomics on aarch64: they call libgcc helpers that need Linux's
# getauxval.
GUEST_ISA_CFLAGS_x86_64  := -mcmodel=small -mlong-double-128
GUEST_ISA_CFLAGS_aarch64 := -mno-outline-atomics

GUEST_ISAS := x86_64 aarch64

# Host C objects of every part: build/obj/PART/x.o from PART/x.c, with the
# part's own flags (its fragment sets `$(OBJ)/PART/%.o: PART_CFLAGS = ...`).
# Guest, aarch64 and test objects have rules of their own.
$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(PART_CFLAGS) -c -o $@ $<

# Static archives: the objects each is given as prerequisites.
%.a:
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

.PHONY: all deps test bench demo clean distclean format
all: hexo-tools

deps:
	@./scripts/deps.sh

include mk/newlib.mk
include kernel/kernel.mk
include lib/lib.mk
include sched/sched.mk
include hexod/hexod.mk
include board/board.mk
include monitor/monitor.mk
include cli/cli.mk
include sched/calib/calib.mk
include toolchain/hexocc/hexocc.mk
include toolchain/irsect/irsect.mk
include toolchain/pass/pass.mk
include tests/tests.mk
include bench/bench.mk

hexo-tools: $(BIN)/hexo $(BIN)/hexocc $(BIN)/hexod guest-runtime $(BOARD_INIT) $(HEXOD_AARCH64) $(MONITOR_AARCH64) \
            calib-kernels
.PHONY: hexo-tools guest-runtime

demo: deps
	@$(MAKE) --no-print-directory all
	@./scripts/demo.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

# Also drops the newlib cache (rebuilt on the next make).
distclean: clean
	rm -rf "$(NEWLIB_CACHE)"

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
