# The `hexo` command: build/bin/hexo, and $(MONITOR_AARCH64) =
# build/aarch64/bin/hexo, the same command for the boards.
# cli/ is the command line: main.c dispatches the subcommands to the monitor
# (hexo run|resume|inspect|check: monitor/commands.h, monitor/monitor.mk),
# the boards (hexo board: board/board.h, board/board.mk) and its own
# node_cmd.c, calibrate.c (hexo node calibrate) and remote_cmd.c (hexo node, hexo run|resume --on), which talk
# to hexod through the client side of its protocol (client*.c, client.h).
# Include after lib/lib.mk, hexod/hexod.mk, board/board.mk and
# monitor/monitor.mk.

CLI_SRCS        := cli/main.c cli/node_cmd.c cli/calibrate.c cli/remote_cmd.c cli/client.c \
                   cli/client_upload.c cli/client_job.c cli/client_results.c cli/sched_cmd.c
CLI_OBJS        := $(CLI_SRCS:%.c=$(OBJ)/%.o)
# cli/ may include the headers of the parts it calls, they never include
# cli/'s: options.h and commands.h from monitor/, board.h from board/.
CLI_CFLAGS      := -Icli -Imonitor -Iboard -Isched

# Static by default: no dynamic loader at start-up (about 0.35 ms of a 1.5 ms
# run) and one self-contained binary to copy to a board.
# `make MONITOR_LDFLAGS=` links dynamically.
MONITOR_LDFLAGS ?= -static
CLI_LDLIBS := $(LIBHEXOSCHED) $(LIBHEXOBOARD) $(LIBHEXO) $(LIBHEXOBOARD_LDLIBS) $(LIBHEXO_LDLIBS) \
               $(MONITOR_LDLIBS) -lm

$(OBJ)/cli/%.o: PART_CFLAGS = $(CLI_CFLAGS)

$(BIN)/hexo: $(CLI_OBJS) $(MONITOR_OBJS) $(LIBHEXOSCHED) $(LIBHEXOBOARD) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) $(MONITOR_LDFLAGS) -o $@ $(CLI_OBJS) $(MONITOR_OBJS) $(CLI_LDLIBS) \
		$(HOST_LDLIBS)

# For the boards: cli/ compiled for aarch64 beside the monitor's aarch64
# objects (monitor/monitor.mk), stripped, to keep the initramfs small.
CLI_AARCH64_OBJS := $(CLI_SRCS:%.c=$(MONITOR_AARCH64_OBJDIR)/%.o)

$(MONITOR_AARCH64_OBJDIR)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	$(MONITOR_AARCH64_CC) $(HOST_CFLAGS) $(CLI_CFLAGS) -c -o $@ $<

$(MONITOR_AARCH64): $(CLI_AARCH64_OBJS) $(MONITOR_AARCH64_OBJS) $(MONITOR_AARCH64_LIBS)
	@mkdir -p $(@D)
	$(MONITOR_AARCH64_CC) -static -fuse-ld=lld -s -o $@ $(CLI_AARCH64_OBJS) \
		$(MONITOR_AARCH64_OBJS) $(MONITOR_AARCH64_LIBS) $(LIBHEXOBOARD_LDLIBS) \
		$(LIBHEXO_LDLIBS) $(MONITOR_LDLIBS) -lm
