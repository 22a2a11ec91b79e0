# hexod, the node agent (docs/hexod.md). Include after lib/lib.mk:
#   $(BIN)/hexod               the agent for this host
#   $(HEXOD_AARCH64)           a static aarch64 agent for the boards' initramfs
# The protocol itself (lib/proto*.c), its secret (lib/secret.c) and its
# sealed frames (lib/seal.c), the libsodium users, are in $(LIBHEXO). The client side of the protocol is the
# hexo CLI's (cli/client*.c, cli/cli.mk).

HEXOD_SRCS        := hexod/main.c hexod/conn.c hexod/conn_io.c hexod/job.c hexod/job_recv.c \
                     hexod/job_exec.c hexod/job_stream.c hexod/job_send.c \
                     hexod/job_migrate.c hexod/log.c
HEXOD_OBJS        := $(HEXOD_SRCS:%.c=$(OBJ)/%.o)
HEXOD_CFLAGS      := -Ihexod

$(OBJ)/hexod/%.o: PART_CFLAGS = $(HEXOD_CFLAGS)

$(BIN)/hexod: $(HEXOD_OBJS) $(LIBHEXO)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $(HEXOD_OBJS) $(LIBHEXO) -lsodium

# Static aarch64 agent: clang for aarch64 with Debian's cross libc
# (gcc-aarch64-linux-gnu) and libsodium-dev:arm64 (multiarch). It needs only
# the protocol sources and the small pure helpers (errors, files, ISA
# names), not the rest of $(LIBHEXO).
HEXOD_AARCH64     := $(BUILD)/aarch64/bin/hexod
HEXOD_AARCH64_CC  ?= $(HOST_CC) --target=aarch64-linux-gnu
HEXOD_AARCH64_SRCS := $(HEXOD_SRCS) lib/err.c lib/fsutil.c lib/isa.c lib/proto.c lib/proto_io.c \
                      lib/proto_fs.c lib/secret.c lib/seal.c
HEXOD_AARCH64_OBJS := $(HEXOD_AARCH64_SRCS:%.c=$(OBJ)/aarch64/hexod/%.o)

$(OBJ)/aarch64/hexod/%.o: %.c
	@mkdir -p $(@D)
	$(HEXOD_AARCH64_CC) $(HOST_CFLAGS) $(HEXOD_CFLAGS) -c -o $@ $<

$(HEXOD_AARCH64): $(HEXOD_AARCH64_OBJS)
	@mkdir -p $(@D)
	$(HEXOD_AARCH64_CC) -static -o $@ $^ -lsodium

.PHONY: hexod
hexod: $(BIN)/hexod $(HEXOD_AARCH64)
hexo-tools: hexod
