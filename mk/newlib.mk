# newlib for every guest ISA, built once per machine into a cache
# (toolchain/newlib/build.sh, docs/newlib.md), and linked into
# $(HEXO_LIB)/<isa>/ with the compiler runtime builtins:
#   $(HEXO_LIB)/<isa>/newlib -> $(NEWLIB_CACHE)/<isa>  (include/, lib/libc.a, lib/libm.a)
#   $(HEXO_LIB)/<isa>/libbuiltins.a

NEWLIB_ISAS   := x86_64 aarch64
NEWLIB_SCRIPT := toolchain/newlib/build.sh
NEWLIB_CFLAGS := $(GUEST_COMMON_CFLAGS) -O2 -g0
NEWLIB_ENV    := NEWLIB_CC='$(GUEST_CC)' NEWLIB_AR='$(GUEST_AR)' \
                 NEWLIB_CFLAGS='$(NEWLIB_CFLAGS)' \
                 NEWLIB_CFLAGS_x86_64='$(GUEST_ISA_CFLAGS_x86_64)' \
                 NEWLIB_CFLAGS_aarch64='$(GUEST_ISA_CFLAGS_aarch64)'
# The cache folder for the current tarball, tools, flags and build script.
# When it cannot be named (no tarball or compiler yet: `make deps` must still
# work), a placeholder stands in and the build step says what is missing.
NEWLIB_CACHE  := $(shell $(NEWLIB_ENV) $(NEWLIB_SCRIPT) dir 2>/dev/null)
NEWLIB_CACHE  := $(or $(NEWLIB_CACHE),$(abspath $(BUILD))/newlib-cache-unavailable)

# Compiler runtime builtins (__udivti3, long double helpers, ...) per ISA:
# GCC's libgcc on both, which has the IEEE quad soft-float routines that
# long double needs on both ISAs (-mlong-double-128 on x86-64; Debian's
# compiler-rt lacks them); see docs/newlib.md.
NEWLIB_BUILTINS_x86_64  := /usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a
NEWLIB_BUILTINS_aarch64 := /usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a
NEWLIB_PKG_x86_64       := libgcc-12-dev
NEWLIB_PKG_aarch64      := libgcc-12-dev-arm64-cross

NEWLIB_LIBC     := $(foreach i,$(NEWLIB_ISAS),$(NEWLIB_CACHE)/$(i)/lib/libc.a)
NEWLIB_LINKS    := $(foreach i,$(NEWLIB_ISAS),$(HEXO_LIB)/$(i)/newlib)
NEWLIB_BUILTINS := $(foreach i,$(NEWLIB_ISAS),$(HEXO_LIB)/$(i)/libbuiltins.a)

.PHONY: newlib newlib-FORCE
# The cache is never make's to delete (not an intermediate file).
.PRECIOUS: $(NEWLIB_LIBC)
newlib: $(NEWLIB_LIBC) $(NEWLIB_LINKS) $(NEWLIB_BUILTINS)
guest-runtime: newlib

# The build is one script run per ISA; `+` hands it make's jobserver.
$(NEWLIB_CACHE)/%/lib/libc.a:
	+@$(NEWLIB_ENV) $(NEWLIB_SCRIPT) build $*

# Re-pointed only when the cache folder changed, so the link's time stamp
# (that of the folder it names) stays put for whatever depends on it.
$(HEXO_LIB)/%/newlib: $(NEWLIB_CACHE)/%/lib/libc.a newlib-FORCE
	@mkdir -p $(@D)
	@if [ "$$(readlink $@ 2>/dev/null)" != "$(NEWLIB_CACHE)/$*" ]; then \
		ln -sfn "$(NEWLIB_CACHE)/$*" $@ && echo "LN      $@"; fi

# Copied again when the package updates the source file or this file changes.
define NEWLIB_BUILTINS_RULE
$(HEXO_LIB)/$(1)/libbuiltins.a: $(wildcard $(NEWLIB_BUILTINS_$(1))) mk/newlib.mk
	@[ -f '$(NEWLIB_BUILTINS_$(1))' ] || { echo "newlib: compiler runtime \
	$(NEWLIB_BUILTINS_$(1)) for $(1) not found: install $(NEWLIB_PKG_$(1)) (make deps)" >&2; \
		exit 1; }
	@mkdir -p $$(@D)
	cp '$(NEWLIB_BUILTINS_$(1))' $$@
endef
$(foreach i,$(NEWLIB_ISAS),$(eval $(call NEWLIB_BUILTINS_RULE,$(i))))
