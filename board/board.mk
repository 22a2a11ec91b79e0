# The emulated ARM64 board, `hexo board up|down|status` (docs/board.md).
#   $(BOARD_INIT)      build/aarch64/bin/hexo-init: the static aarch64 PID 1
#                      of a board's initramfs
#   $(LIBHEXOBOARD)    build/libhexoboard.a: the host side (board_main() in
#                      board/board.h); the hexo CLI links it with
#                        $(LIBHEXOBOARD) $(LIBHEXO) $(LIBHEXOBOARD_LDLIBS) $(LIBHEXO_LDLIBS)
# The sources: board.c (the commands), kernel*.c (the arm64 kernel: kernel.c
# the cache, kernel_apt.c apt, kernel_deb.c the .deb, kernel_modules.c the
# modules and their order), initramfs.c, qemu.c, ping.c, util.c; init.c is
# hexo-init. `make board` builds both, `make board-test` boots a board and
# checks it.

BOARD_AARCH64_BIN    := $(BUILD)/aarch64/bin
BOARD_AARCH64_CC     ?= $(HOST_CC) --target=aarch64-linux-gnu
BOARD_AARCH64_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
                        -static -fuse-ld=lld -s

BOARD_INIT   := $(BOARD_AARCH64_BIN)/hexo-init
BOARD_SRCS   := board/board.c board/kernel.c board/kernel_apt.c board/kernel_deb.c \
                board/kernel_modules.c board/initramfs.c board/qemu.c board/ping.c board/util.c
BOARD_OBJS   := $(BOARD_SRCS:%.c=$(OBJ)/%.o)
LIBHEXOBOARD := $(BUILD)/libhexoboard.a
# libarchive (with the xz, zstd and gzip codecs it uses, for a static link):
# the kernel .deb and the cpio initramfs; libelf: the modules' .modinfo.
LIBHEXOBOARD_LDLIBS := -larchive -llzma -lzstd -lelf -lz

$(BOARD_INIT): board/init.c
	@mkdir -p $(@D) $(OBJ)/board
	$(BOARD_AARCH64_CC) $(BOARD_AARCH64_CFLAGS) -MMD -MP -MF $(OBJ)/board/init.aarch64.d \
		-MT $@ -o $@ $<

$(LIBHEXOBOARD): $(BOARD_OBJS)

.PHONY: board board-test
board: $(BOARD_INIT) $(LIBHEXOBOARD)

board-test: board $(HEXOD_AARCH64) $(BIN)/hexo
	@tests/board/test_board.sh
