# hexod, the node agent, and the client side of its protocol (docs/hexod.md).
# Include after lib/lib.mk and before monitor/monitor.mk:
#   $(BIN)/hexod               the agent for this host
#   $(HEXOD_AARCH64)           a static aarch64 agent for the boards' initramfs
#   $(HEXOD_CLIENT)            what the hexo CLI links for 'hexo node' and
#                              'hexo run --on' (hexod/node_cmd.h); link it
#                              before $(LIBHEXO) $(LIBHEXO_LDLIBS), with the
#                              local run's option parser
#                              ($(MONITOR_OPTIONS_OBJS), monitor/monitor.mk)
# The protocol itself (lib/proto*.c) and the node registry (lib/nodes.c) are
# in $(LIBHEXO); they need json-c and libsodium.

LIBHEXO_LDLIBS += -ljson-c -lsodium

HEXOD_SRCS        := hexod/main.c hexod/conn.c hexod/job.c hexod/log.c
HEXOD_OBJS        := $(HEXOD_SRCS:%.c=$(OBJ)/%.o)
HEXOD_CLIENT_SRCS := hexod/client.c hexod/node_cmd.c hexod/remote_cmd.c
HEXOD_CLIENT_OBJS := $(HEXOD_CLIENT_SRCS:%.c=$(OBJ)/%.o)
HEXOD_CLIENT      := $(BUILD)/libhexoclient.a
HEXOD_CFLAGS      := -Ihexod

# remote_cmd.c reads `hexo run` options with the monitor's parser (options.h).
$(HEXOD_CLIENT_OBJS): HEXOD_CFLAGS += -Imonitor

$(OBJ)/hexod/%.o: hexod/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HEXOD_CFLAGS) -c -o $@ $<

$(BIN)/hexod: $(HEXOD_OBJS) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $(HEXOD_OBJS) $(LIBHEXO) -lsodium

$(HEXOD_CLIENT): $(HEXOD_CLIENT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# Static aarch64 agent: clang for aarch64 with Debian's cross libc
# (gcc-aarch64-linux-gnu) and libsodium-dev:arm64 (multiarch). It needs only
# the protocol sources, not the rest of $(LIBHEXO).
HEXOD_AARCH64     := $(BUILD)/aarch64/bin/hexod
HEXOD_AARCH64_CC  ?= $(HOST_CC) --target=aarch64-linux-gnu
HEXOD_AARCH64_SRCS := $(HEXOD_SRCS) lib/err.c lib/fsutil.c lib/proto.c lib/proto_io.c lib/proto_fs.c \
                      lib/secret.c
HEXOD_AARCH64_OBJS := $(HEXOD_AARCH64_SRCS:%.c=$(OBJ)/aarch64/hexod/%.o)

$(OBJ)/aarch64/hexod/%.o: %.c
	@mkdir -p $(@D)
	$(HEXOD_AARCH64_CC) $(HOST_CFLAGS) $(HEXOD_CFLAGS) -c -o $@ $<

$(HEXOD_AARCH64): $(HEXOD_AARCH64_OBJS)
	@mkdir -p $(@D)
	$(HEXOD_AARCH64_CC) -static -o $@ $^ -lsodium

.PHONY: hexod
hexod: $(BIN)/hexod $(HEXOD_AARCH64) $(HEXOD_CLIENT)
hexo-tools: hexod
