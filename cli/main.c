// SPDX-License-Identifier: MIT
/*
 * The `hexo` command: its subcommands, --help and --version. Each
 * subcommand lives in its part of the tree: run, resume, inspect and check
 * in the monitor (monitor/commands.h), board in board/ (board.h), node and
 * run|resume --on in cli/ (node_cmd.h), sched and its clients in cli/
 * (sched_cmd.h, the daemon in sched/daemon.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"    /* board/: hexo board */
#include "commands.h" /* monitor/: hexo run, resume, inspect, check */
#include "err.h"
#include "node_cmd.h" /* hexo node, hexo run --on, hexo resume --on */
#include "sched_cmd.h" /* hexo sched, submit, jobs, wait, cancel */

/*
 * A subcommand: the monitor's take the time hexo started (for --stats) and
 * have their own help function; the others print their help when given
 * --help, and get argv from their own name on.
 */
struct command {
	const char *name;
	int (*monitor_main)(int argc, char **argv, uint64_t t_start);
	void (*monitor_help)(void);
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"run", run__main, run__help, NULL, "run a .hexo image as a virtual machine (--on NODE: remotely)"},
    {"resume", resume__main, resume__help, NULL,
     "continue a job from its checkpoint, on any ISA (--on NODE: remotely)"},
    {"inspect", inspect__main, inspect__help, NULL,
     "describe a .hexo image (ISAs, sizes, layout) or a checkpoint"},
    {"check", check__main, check__help, NULL, "verify an image's common address space, or a checkpoint"},
    {"board", NULL, NULL, board_main, "start, stop and list emulated ARM64 boards"},
    {"node", NULL, NULL, node_main, "add, list, ping, remove or calibrate nodes that run jobs (hexod)"},
    {"sched", NULL, NULL, sched_main,
     "the scheduler daemon for this server and its nodes (or --simulate CONFIG)"},
    {"submit", NULL, NULL, submit_main, "queue a job for the scheduler; prints its id"},
    {"jobs", NULL, NULL, jobs_main, "list the scheduler's jobs: state, where, progress, slowdown"},
    {"wait", NULL, NULL, wait_main, "wait for a scheduled job; exit with its status"},
    {"cancel", NULL, NULL, cancel_main, "cancel a scheduled job"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("Usage: hexo COMMAND [OPTIONS] [ARGS...]\n"
	      "\n"
	      "Runs C programs built by hexocc as tiny virtual machines.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     print this help ('hexo COMMAND --help' for a command's)\n"
	      "  --version      print the version\n"
	      "\n"
	      "Exit status: the program's own; 125 when hexo fails; 139 when the program\n"
	      "crashes.\n",
	      f);
}

static void command_help(const struct command *cmd)
{
	char *av[] = {(char *)cmd->name, "--help", NULL};

	if (cmd->monitor_help)
		cmd->monitor_help();
	else
		cmd->main(2, av);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t t_start = now_ns();
	const struct command *cmd;
	const char *arg;

	/* A guest writing to a closed pipe gets EPIPE, not a dead monitor. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		usage(stderr);
		return HEXO_EXIT_ERROR;
	}
	arg = argv[1];
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(arg, "--version")) {
		monitor__version();
		return 0;
	}
	if (!strcmp(arg, "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			hexo_die("unknown command '%s': see 'hexo --help'", argv[2]);
		command_help(cmd);
		return 0;
	}
	if (remote_run_wanted(argc - 1, argv + 1)) /* run --on, resume --on */
		return remote_run_main(argc - 1, argv + 1);
	cmd = find_command(arg);
	if (cmd && cmd->monitor_main)
		return cmd->monitor_main(argc - 1, argv + 1, t_start);
	if (cmd)
		return cmd->main(argc - 1, argv + 1);
	if (arg[0] == '-')
		hexo_die("unknown option '%s': see 'hexo --help'", arg);
	hexo_die("unknown command '%s': see 'hexo --help'", arg);
}
