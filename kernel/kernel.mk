# The library OS, built for every guest ISA that has a port
# (kernel/arch/<isa>/crt0.S) into what hexocc links a guest against:
#   $(HEXO_LIB)/<isa>/crt0.o           the entry (_start), linked first
#   $(HEXO_LIB)/<isa>/libhexokernel.a  the arch-neutral core, the migration runtime, the arch code
#   $(HEXO_LIB)/<isa>/hexo.ld          the linker script (kernel/arch/<isa>/hexo.ld.S)
# Objects go to $(OBJ)/kernel/<isa>/{core,arch}/. The core (kernel/*.c and
# the migration runtime, kernel/runtime/*.c: core/runtime/) is compiled
# against newlib's headers; the arch code is freestanding.

KERNEL_ISAS := $(foreach i,$(GUEST_ISAS),$(if $(wildcard kernel/arch/$(i)/crt0.S),$(i)))
# The migration runtime (kernel/runtime/, docs/migration.md) is part of the
# core, so it is linked into the kernel region and never migrated.
KERNEL_CORE_SRCS := $(wildcard kernel/*.c kernel/runtime/*.c)

KERNEL_TARGET_x86_64 := x86_64-unknown-none-elf
KERNEL_TARGET_aarch64 := aarch64-unknown-none-elf
# Red zone kept on x86-64: no interrupts, and every exception switches to the
# IST1 stack, so nothing writes below a live RSP.
# No -mstrict-align on aarch64: the MMU is on and memory is Normal, so
# unaligned accesses are allowed, as on x86-64.

KERNEL_CLANG_INC := $(shell $(GUEST_CC) -print-resource-dir 2>/dev/null)/include
KERNEL_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
                 $(GUEST_COMMON_CFLAGS) -nostdinc -Iinclude -Ikernel -MMD -MP

.PHONY: kernel
guest-runtime: kernel

# $(1) = ISA
define KERNEL_RULES
KERNEL_CC_$(1) := $(GUEST_CC) --target=$(KERNEL_TARGET_$(1)) $(KERNEL_CFLAGS) \
                  $(GUEST_ISA_CFLAGS_$(1))
KERNEL_CORE_OBJS_$(1) := $(KERNEL_CORE_SRCS:kernel/%.c=$(OBJ)/kernel/$(1)/core/%.o)
KERNEL_ARCH_SRCS_$(1) := $(filter-out %/crt0.S %.ld.S,$(wildcard kernel/arch/$(1)/*.c kernel/arch/$(1)/*.S))
KERNEL_ARCH_OBJS_$(1) := $$(patsubst kernel/arch/$(1)/%,$(OBJ)/kernel/$(1)/arch/%.o, \
                         $$(basename $$(KERNEL_ARCH_SRCS_$(1))))
KERNEL_OUT_$(1) := $(HEXO_LIB)/$(1)/crt0.o $(HEXO_LIB)/$(1)/libhexokernel.a \
                   $(HEXO_LIB)/$(1)/hexo.ld $(HEXO_LIB)/$(1)/include/hexo/migrate.h

kernel: $$(KERNEL_OUT_$(1))

# newlib's folder as a normal prerequisite: its time stamp is that of the
# cache folder it names, so a new newlib rebuilds the core.
$(OBJ)/kernel/$(1)/core/%.o: kernel/%.c $(HEXO_LIB)/$(1)/newlib
	@mkdir -p $$(@D)
	$$(KERNEL_CC_$(1)) -isystem $(HEXO_LIB)/$(1)/newlib/include \
		-isystem $(KERNEL_CLANG_INC) -c -o $$@ $$<

$(OBJ)/kernel/$(1)/arch/%.o: kernel/arch/$(1)/%.c
	@mkdir -p $$(@D)
	$$(KERNEL_CC_$(1)) -ffreestanding -isystem $(KERNEL_CLANG_INC) -Ikernel/arch/$(1) \
		-c -o $$@ $$<

$(OBJ)/kernel/$(1)/arch/%.o: kernel/arch/$(1)/%.S
	@mkdir -p $$(@D)
	$$(KERNEL_CC_$(1)) -ffreestanding -Ikernel/arch/$(1) -c -o $$@ $$<

# The programs' own hexo header (hexocc adds <lib>/<isa>/include).
$(HEXO_LIB)/$(1)/include/hexo/migrate.h: include/hexo/migrate.h
	@mkdir -p $$(@D)
	cp $$< $$@

$(HEXO_LIB)/$(1)/crt0.o: $(OBJ)/kernel/$(1)/arch/crt0.o
	@mkdir -p $$(@D)
	cp $$< $$@

$(HEXO_LIB)/$(1)/libhexokernel.a: $$(KERNEL_CORE_OBJS_$(1)) $$(KERNEL_ARCH_OBJS_$(1))
	@mkdir -p $$(@D)
	rm -f $$@
	$(GUEST_AR) rcs $$@ $$^

$(HEXO_LIB)/$(1)/hexo.ld: kernel/arch/$(1)/hexo.ld.S kernel/arch/common.ld.h kernel/arch/segments.ld.h include/hexo/layout.h \
                          $(wildcard kernel/arch/$(1)/*.h)
	@mkdir -p $$(@D)
	$(GUEST_CC) -E -P -x c -undef -nostdinc -D__ASSEMBLER__ -Iinclude -Ikernel/arch/$(1) -Ikernel/arch \
		-o $$@ $$<
endef

$(foreach i,$(KERNEL_ISAS),$(eval $(call KERNEL_RULES,$(i))))
