/* SPDX-License-Identifier: MIT */
/*
 * The monitor's face to the command line: the `hexo` subcommands it runs
 * (cli/main.c dispatches to them) and what `hexo --version` prints. Each
 * *__main() takes argv[0] = the subcommand's name and t_start = now_ns()
 * when main() was entered, and returns the process exit status (the
 * guest's own, or 125 after one "hexo: " line on stderr); *__help()
 * prints the subcommand's --help.
 */
#ifndef HEXO_MONITOR_COMMANDS_H
#define HEXO_MONITOR_COMMANDS_H

#include <stdint.h>

/* monitor.c */
uint64_t now_ns(void); /* CLOCK_MONOTONIC */
/* "hexo VERSION (ABI N, ARCH)" and a newline, on stdout. */
void monitor__version(void);

/* run.c: `hexo run` */
int run__main(int argc, char **argv, uint64_t t_start);
void run__help(void);

/* resume.c: `hexo resume` */
int resume__main(int argc, char **argv, uint64_t t_start);
void resume__help(void);

/* inspect.c: `hexo inspect` of images and checkpoints */
int inspect__main(int argc, char **argv, uint64_t t_start);
void inspect__help(void);

/* check.c: `hexo check` of images and checkpoints */
int check__main(int argc, char **argv, uint64_t t_start);
void check__help(void);

#endif
