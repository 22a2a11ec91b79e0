/* SPDX-License-Identifier: MIT */
/*
 * `hexo sched` (daemon, status, --simulate) and the scheduler's clients:
 * `hexo submit`, `jobs`, `wait`, `cancel` (cli/sched_cmd.c). Each takes argv
 * from its own name on and returns the exit status.
 */
#ifndef HEXO_CLI_SCHED_CMD_H
#define HEXO_CLI_SCHED_CMD_H

int sched_main(int argc, char **argv);
int submit_main(int argc, char **argv);
int jobs_main(int argc, char **argv);
int wait_main(int argc, char **argv);
int cancel_main(int argc, char **argv);

#endif
