# hexocc, the compiler driver: build/bin/hexocc (docs/hexocc.md).
# The guest flags every object gets come from GUEST_COMMON_CFLAGS in the top
# Makefile, baked into a generated header so there is one definition.

# toolchain/align (the common layout) is linked into hexocc: one run per link.
HEXOCC_SRCS := $(wildcard toolchain/hexocc/*.c) $(wildcard toolchain/align/*.c)
HEXOCC_OBJS := $(HEXOCC_SRCS:%.c=$(OBJ)/%.o)
HEXOCC_GEN  := $(OBJ)/toolchain/hexocc/gen/guest_flags.h

$(HEXOCC_GEN): Makefile toolchain/hexocc/hexocc.mk
	@mkdir -p $(@D)
	@printf '%s\n' '/* Generated from GUEST_COMMON_CFLAGS and GUEST_ISA_CFLAGS_* in the top Makefile. */' \
		'#define HEXOCC_GUEST_COMMON_CFLAGS $(foreach f,$(GUEST_COMMON_CFLAGS),"$(f)",)' \
		'#define HEXOCC_GUEST_CFLAGS_x86_64 $(foreach f,$(GUEST_ISA_CFLAGS_x86_64),"$(f)",)' \
		'#define HEXOCC_GUEST_CFLAGS_aarch64 $(foreach f,$(GUEST_ISA_CFLAGS_aarch64),"$(f)",)' \
		> $@.tmp && mv $@.tmp $@

$(OBJ)/toolchain/hexocc/target.o: $(HEXOCC_GEN)

$(OBJ)/toolchain/hexocc/%.o: PART_CFLAGS = -Itoolchain/align -I$(dir $(HEXOCC_GEN))

$(BIN)/hexocc: $(HEXOCC_OBJS) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $(HEXOCC_OBJS) $(LIBHEXO) $(LIBHEXO_LDLIBS)

# The driver's behaviour tests (no KVM needed except to run the images).
.PHONY: test-hexocc
test-hexocc: $(BIN)/hexocc
	tests/hexocc/test_driver.sh
