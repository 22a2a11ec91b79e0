/* SPDX-License-Identifier: MIT */
/*
 * `hexo board up|down|status`: emulated ARM64 boards (see docs/board.md).
 *
 * The CLI calls board_main() with argv[0] = "board" and the sub-command in
 * argv[1], e.g. { "board", "up", "--name", "b1", NULL }. It prints its own
 * messages and returns the process exit status: 0 done, 1 failed (one line
 * on stderr), 2 usage error, 3 `status --name` of a board that is dead.
 */
#ifndef HEXO_BOARD_H
#define HEXO_BOARD_H

int board_main(int argc, char **argv);

#endif
