# The KVM monitor: `hexo run`, `hexo resume`, `hexo inspect`, `hexo check`
# (monitor/commands.h). Arch-neutral sources in monitor/, the host's arch in
# monitor/arch/$(MONITOR_ARCH)/. It has no main(): the `hexo` program
# (cli/cli.mk) links
#   $(MONITOR_OBJS)          the monitor for this host, and
#   $(MONITOR_AARCH64_OBJS)  the monitor compiled for aarch64 (with the
#                            aarch64 copies of board/ and lib/ in
#                            $(MONITOR_AARCH64_LIBS)), for $(MONITOR_AARCH64),
# followed by $(LIBHEXO) $(LIBHEXO_LDLIBS) $(MONITOR_LDLIBS).

MONITOR_ARCH ?= $(shell uname -m)

# Pure logic, no KVM: also linked into the unit tests (tests/unit/monitor.mk).
MONITOR_PURE_SRCS := monitor/guest_mem.c monitor/memmap.c monitor/pagetable.c monitor/options.c \
                     monitor/args.c monitor/fs_conv.c
MONITOR_ARCH_PURE_SRCS := $(wildcard monitor/arch/$(MONITOR_ARCH)/pagetable_*.c)

MONITOR_CORE_SRCS := $(MONITOR_PURE_SRCS) monitor/monitor.c monitor/run.c monitor/loader.c \
                     monitor/kvm.c monitor/hypercall.c monitor/files.c monitor/crash.c \
                     monitor/stats.c monitor/image_elf.c monitor/check.c monitor/inspect.c \
                     monitor/inspect_ckpt.c monitor/json_out.c monitor/checkpoint.c monitor/migrate.c \
                     monitor/resume.c monitor/status.c
MONITOR_SRCS := $(MONITOR_CORE_SRCS) $(wildcard monitor/arch/$(MONITOR_ARCH)/*.c)
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(OBJ)/%.o)
MONITOR_PURE_OBJS := $(MONITOR_PURE_SRCS:%.c=$(OBJ)/%.o) \
                     $(MONITOR_ARCH_PURE_SRCS:%.c=$(OBJ)/%.o)

MONITOR_CFLAGS := -Imonitor -Imonitor/arch/$(MONITOR_ARCH)
# What the monitor's objects need besides $(LIBHEXO) $(LIBHEXO_LDLIBS).
MONITOR_LDLIBS := -lelf -lxxhash -lz

$(OBJ)/monitor/%.o: PART_CFLAGS = $(MONITOR_CFLAGS)

# The monitor is not a program of its own: these build the `hexo` program.
.PHONY: monitor monitor-aarch64
monitor: $(BIN)/hexo
monitor-aarch64: $(MONITOR_AARCH64)

# The aarch64 monitor for the boards: what $(MONITOR_AARCH64) =
# build/aarch64/bin/hexo (cli/cli.mk), a static aarch64 Linux binary
# (clang --target=aarch64-linux-gnu against Debian's arm64 multiarch -dev
# packages, see scripts/deps.sh) that the board initramfs carries as
# /bin/hexo (board/board.mk), links besides cli/. Everything it links is
# compiled again for aarch64 under $(OBJ)/aarch64/monitor/: the monitor
# with monitor/arch/aarch64/, lib/*.c and the board host side.
MONITOR_AARCH64        := $(BUILD)/aarch64/bin/hexo
MONITOR_AARCH64_CC     ?= $(HOST_CC) --target=aarch64-linux-gnu
MONITOR_AARCH64_OBJDIR := $(OBJ)/aarch64/monitor
MONITOR_AARCH64_CFLAGS := -Imonitor -Imonitor/arch/aarch64
MONITOR_AARCH64_SRCS   := $(MONITOR_CORE_SRCS) $(wildcard monitor/arch/aarch64/*.c)
MONITOR_AARCH64_OBJS   := $(MONITOR_AARCH64_SRCS:%.c=$(MONITOR_AARCH64_OBJDIR)/%.o)
MONITOR_AARCH64_LIBS   := $(MONITOR_AARCH64_OBJDIR)/libhexosched.a \
                          $(MONITOR_AARCH64_OBJDIR)/libhexoboard.a \
                          $(MONITOR_AARCH64_OBJDIR)/libhexohost.a

$(MONITOR_AARCH64_OBJDIR)/%.o: %.c
	@mkdir -p $(@D)
	$(MONITOR_AARCH64_CC) $(HOST_CFLAGS) $(MONITOR_AARCH64_CFLAGS) -c -o $@ $<

$(MONITOR_AARCH64_OBJDIR)/libhexosched.a: $(SCHED_SRCS:%.c=$(MONITOR_AARCH64_OBJDIR)/%.o)
$(MONITOR_AARCH64_OBJDIR)/libhexoboard.a: $(BOARD_SRCS:%.c=$(MONITOR_AARCH64_OBJDIR)/%.o)
$(MONITOR_AARCH64_OBJDIR)/libhexohost.a: $(LIB_SRCS:%.c=$(MONITOR_AARCH64_OBJDIR)/%.o)

# Every tests/guest program on an emulated board, under this monitor
# (tests/board/test_guests_on_board.sh: one board boot, ~1 minute).
.PHONY: board-guest-test
board-guest-test: hexo-tools
	@tests/board/test_guests_on_board.sh
