# The `hexo` command (monitor): build/bin/hexo.
# Arch-neutral sources in monitor/, the host's arch in monitor/arch/$(MONITOR_ARCH)/.
# Links the host library from lib/lib.mk ($(LIBHEXO) $(LIBHEXO_LDLIBS)).

MONITOR_ARCH ?= $(shell uname -m)

# Pure logic, no KVM: also linked into the unit tests (tests/unit/monitor.mk).
MONITOR_PURE_SRCS := monitor/guest_mem.c monitor/memmap.c monitor/options.c \
                     monitor/args.c monitor/fs_conv.c
MONITOR_ARCH_PURE_SRCS := $(wildcard monitor/arch/$(MONITOR_ARCH)/pagetable_*.c)

MONITOR_SRCS := $(MONITOR_PURE_SRCS) monitor/main.c monitor/run.c monitor/loader.c \
                monitor/kvm.c monitor/hypercall.c monitor/files.c monitor/crash.c \
                monitor/stats.c $(wildcard monitor/arch/$(MONITOR_ARCH)/*.c)
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(OBJ)/%.o)
MONITOR_PURE_OBJS := $(MONITOR_PURE_SRCS:%.c=$(OBJ)/%.o) \
                     $(MONITOR_ARCH_PURE_SRCS:%.c=$(OBJ)/%.o)

MONITOR_CFLAGS := -Imonitor -Imonitor/arch/$(MONITOR_ARCH) -Ihexod -Iboard

# Static by default: no dynamic loader at start-up (about 0.35 ms of a 1.5 ms
# run) and one self-contained binary to copy to a board.
# `make MONITOR_LDFLAGS=` links dynamically.
MONITOR_LDFLAGS ?= -static
MONITOR_LDLIBS := $(HEXOD_CLIENT) $(LIBHEXOBOARD) $(LIBHEXO) $(LIBHEXOBOARD_LDLIBS) \
                  $(LIBHEXO_LDLIBS) -lelf -lxxhash -lz

$(OBJ)/monitor/%.o: monitor/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(MONITOR_CFLAGS) -c -o $@ $<

$(BIN)/hexo: $(MONITOR_OBJS) $(LIBHEXO) $(HEXOD_CLIENT) $(LIBHEXOBOARD)
	@mkdir -p $(@D)
	$(HOST_CC) $(MONITOR_LDFLAGS) -o $@ $(MONITOR_OBJS) $(MONITOR_LDLIBS) $(HOST_LDLIBS)

.PHONY: monitor
monitor: $(BIN)/hexo
