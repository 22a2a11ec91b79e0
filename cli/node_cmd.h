/* SPDX-License-Identifier: MIT */
/*
 * CLI entry points for the hexo command (cli/main.c calls them):
 *   hexo node add NAME HOST:PORT --secret-file FILE [--no-check]
 *   hexo node list
 *   hexo node ping NAME
 *   hexo node rm NAME
 *   hexo node migrate NAME JOB
 *   hexo node calibrate NAME [--against NODE2] [--quick] [--reps N] [--json]
 *   hexo run --on NODE [--dir DIR] [--mem SIZE] [--env N=V] [--stats]
 *            [--checkpoint F] [--migrate-after S] [--checkpoint-every S] IMAGE [ARGS...]
 *   hexo resume --on NODE [--dir DIR] [--image IMAGE] [--checkpoint F] ... CHECKPOINT
 * argv[0] is the subcommand ("node", "run", "resume"). They return the
 * process exit status: 0 on success, 125 with one "hexo: " line on stderr
 * on error, and for run and resume the job's own status.
 */
#ifndef HEXO_CLI_NODE_CMD_H
#define HEXO_CLI_NODE_CMD_H

int node_main(int argc, char **argv);
/* hexo node calibrate ... (argv[0] "calibrate"): cli/calibrate.c. */
int node_calibrate_main(int argc, char **argv);

/* True when argv is `run ...` or `resume ...` asking for a remote node
 * (--on before IMAGE or CHECKPOINT). */
int remote_run_wanted(int argc, char **argv);
/* hexo run --on ... (argv[0] "run") or hexo resume --on ... ("resume"). */
int remote_run_main(int argc, char **argv);

#endif
