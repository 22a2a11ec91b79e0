# Host library shared by the monitor (hexo), hexocc, hexod and the host-side
# tools: every lib/*.c (image files: image_file.h; checkpoint files:
# checkpoint.h, written by checkpoint_write.c, read by checkpoint_read.c;
# node list: nodes.h; nodes' calibrations: calib.h; hardware counters:
# counters.h; the node protocol: proto.h, proto_fs.h; its shared secret and
# proofs: secret.h). Others link it with
#   $(LIBHEXO) $(LIBHEXO_LDLIBS)
# It is a static archive, so a program only gets (and only needs the
# libraries of) the members it uses.

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)

LIBHEXO        := $(BUILD)/libhexohost.a
# xxhash: image checksums; elf: ELF reading; json-c: nodes.c, calib.c; sodium: secret.c,
# seal.c; m: calib.c (the geometric mean).
# --as-needed: a program records only the libraries its members use.
LIBHEXO_LDLIBS := -Wl,--as-needed -lxxhash -lelf -ljson-c -lsodium -lm

$(LIBHEXO): $(LIB_OBJS)

.PHONY: libhexo
libhexo: $(LIBHEXO)
