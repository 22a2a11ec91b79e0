// SPDX-License-Identifier: MIT
/*
 * Test-only stand-in for the hexo CLI's remote commands, until they are
 * wired into monitor/main.c:
 *   hexo-cli node add|list|ping|rm ...
 *   hexo-cli run --on NODE [--dir DIR] [--mem SIZE] [--env X] IMAGE ARGS...
 *   hexo-cli resume --on NODE [--dir DIR] [--image IMAGE] ... CHECKPOINT
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "node_cmd.h"

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* as monitor/main.c: a closed stdout is EPIPE */
	if (argc > 1 && !strcmp(argv[1], "node"))
		return node_main(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "resume"))) {
		if (!remote_run_wanted(argc - 1, argv + 1)) {
			fprintf(stderr,
			        "hexo-cli: only 'run|resume --on NODE' is supported here\n");
			return 125;
		}
		return remote_run_main(argc - 1, argv + 1);
	}
	fprintf(stderr, "usage: hexo-cli node ...|run --on NODE ...|resume --on NODE ...\n");
	return 125;
}
