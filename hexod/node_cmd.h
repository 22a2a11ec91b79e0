/* SPDX-License-Identifier: MIT */
/*
 * CLI entry points for the hexo command (monitor/main.c calls them):
 *   hexo node add NAME HOST:PORT --secret-file FILE [--no-check]
 *   hexo node list
 *   hexo node ping NAME
 *   hexo node rm NAME
 *   hexo run --on NODE [--dir DIR] [--mem SIZE] [--env N=V] [--stats] IMAGE [ARGS...]
 * argv[0] is the subcommand ("node", "run"). They return the process exit
 * status: 0 on success, 125 with one "hexo: " line on stderr on error, and
 * for run the job's own status.
 */
#ifndef HEXO_HEXOD_NODE_CMD_H
#define HEXO_HEXOD_NODE_CMD_H

int node_main(int argc, char **argv);

/* True when `hexo run` arguments ask for a remote node (--on before IMAGE). */
int remote_run_wanted(int argc, char **argv);
int remote_run_main(int argc, char **argv);

#endif
