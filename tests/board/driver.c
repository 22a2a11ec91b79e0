// SPDX-License-Identifier: MIT
/* build/board/hexo-board: `hexo board` alone, for tests/board/test_board.sh. */
#include "board.h"

int main(int argc, char **argv)
{
	return board_main(argc, argv);
}
