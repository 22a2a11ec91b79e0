// SPDX-License-Identifier: MIT
/*
 * hexo node add|list|ping|rm: the node registry (lib/nodes.h) from the
 * command line; hexo node migrate: a migration request to a node's job;
 * hexo node calibrate: in calibrate.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib.h"
#include "err.h"
#include "client.h"
#include "isa.h"
#include "node_cmd.h"
#include "nodes.h"
#include "proto.h"
#include "secret.h"

static void node_usage(FILE *f)
{
	fprintf(f, "usage: hexo node add NAME HOST:PORT --secret-file FILE [--no-check]\n"
	           "       hexo node list\n"
	           "       hexo node ping NAME\n"
	           "       hexo node rm NAME\n"
	           "       hexo node migrate NAME JOB\n"
	           "       hexo node calibrate NAME [--against NODE2] [--quick] [--reps N] [--json]\n"
	           "Nodes are machines running hexod that 'hexo run --on NAME' can use.\n"
	           "Boards started by 'hexo board up' are registered by it. 'migrate' asks\n"
	           "job JOB on the node ('hexo run --on NAME --verbose' names it) to stop at\n"
	           "its next migration point: its checkpoint goes back to its client.\n"
	           "'calibrate' measures how much slower NAME runs the calibration kernels\n"
	           "than this machine (or NODE2), kept as the scheduler's prior slowdown for\n"
	           "images never run there ('hexo node calibrate --help').\n");
}

/* The ISA column: "-" for a node added unchecked (or an ISA unknown here). */
static const char *isa_str(uint32_t isa)
{
	return isa == HEXO_ISA_X86_64 || isa == HEXO_ISA_AARCH64 ? hexo_isa_name(isa) : "-";
}

/* HOST:PORT or [IPv6]:PORT. */
static int parse_hostport(const char *s, struct hexo_node *n)
{
	const char *colon = strrchr(s, ':');
	size_t hl;
	char *end;
	long port;

	if (!colon || colon == s)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			return -EINVAL;
		s++;
		hl -= 2;
	} else if (memchr(s, ':', hl)) {
		return -EINVAL; /* a bare IPv6 address needs brackets */
	}
	if (hl >= sizeof(n->host))
		return -EINVAL;
	memcpy(n->host, s, hl);
	n->host[hl] = '\0';
	n->port = (uint16_t)port;
	return 0;
}

static int node_add(int argc, char **argv)
{
	const char *name = NULL, *addr = NULL, *secret_file = NULL;
	uint8_t key[HEXO_PROTO_KEY];
	struct hexo_remote_info info;
	struct hexo_node n = {0}, old;
	char err[1024];
	int check = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--secret-file") && i + 1 < argc)
			secret_file = argv[++i];
		else if (!strncmp(argv[i], "--secret-file=", 14))
			secret_file = argv[i] + 14;
		else if (!strcmp(argv[i], "--no-check"))
			check = 0;
		else if (argv[i][0] == '-')
			return hexo_error(HEXO_EXIT_ERROR, "node add: unknown option '%s': see 'hexo node --help'",
			                argv[i]);
		else if (!name)
			name = argv[i];
		else if (!addr)
			addr = argv[i];
		else
			return hexo_error(HEXO_EXIT_ERROR, "node add: unexpected argument '%s'", argv[i]);
	}
	if (!name || !addr || !secret_file)
		return hexo_error(HEXO_EXIT_ERROR, "usage: hexo node add NAME HOST:PORT --secret-file FILE");
	if (!hexo_node_name_valid(name))
		return hexo_error(HEXO_EXIT_ERROR, "node name '%s' is not valid: use letters, digits, '_', '.' or "
		                "'-' (at most %d), not starting with '.' or '-'",
		                name, HEXO_NODE_NAME_MAX - 1);
	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.kind, sizeof(n.kind), "remote");
	if (parse_hostport(addr, &n))
		return hexo_error(HEXO_EXIT_ERROR, "node add: '%s' is not HOST:PORT (e.g. board1.lan:7470, "
		                "[fe80::1]:7470)",
		                addr);
	if (hexo_secret_read(secret_file, key, n.secret, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (!hexo_node_load(name, &old, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "node '%s' exists: remove it first with 'hexo node rm %s'", name,
		                name);
	if (check) {
		if (hexo_remote_ping(&n, &info, 10000, err, sizeof(err)))
			return hexo_error(HEXO_EXIT_ERROR, "%s (or add it unchecked with --no-check)", err);
		n.isa = info.isa;
	}
	if (hexo_node_save(&n, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (check)
		printf("added node '%s' (%s:%u): %s, %s, %u CPUs\n", n.name, n.host, n.port,
		       info.agent, info.machine, info.cpus);
	else
		printf("added node '%s' (%s:%u), not checked\n", n.name, n.host, n.port);
	return 0;
}

static int print_node(const struct hexo_node *n, void *arg)
{
	char addr[300];
	int *count = arg;

	if (strchr(n->host, ':'))
		snprintf(addr, sizeof(addr), "[%s]:%u", n->host, n->port);
	else
		snprintf(addr, sizeof(addr), "%s:%u", n->host, n->port);
	if (!(*count)++)
		printf("%-20s %-7s %-28s %s\n", "NAME", "KIND", "ADDRESS", "ISA");
	printf("%-20s %-7s %-28s %s\n", n->name, n->kind, addr, isa_str(n->isa));
	return 0;
}

static int node_list(int argc, char **argv)
{
	char err[1024];
	int count = 0;

	(void)argv;
	if (argc > 1)
		return hexo_error(HEXO_EXIT_ERROR, "usage: hexo node list");
	if (hexo_node_foreach(print_node, &count, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (!count)
		printf("no nodes: add one with 'hexo node add NAME HOST:PORT --secret-file FILE' "
		       "or start a board with 'hexo board up'\n");
	return 0;
}

/*
 * `hexo node CMD NAME ...` with argc arguments (CMD too) or the usage line
 * `usage`: node NAME loaded into *n. 0, or the exit status after the error.
 */
static int node_arg(int argc, char **argv, int want, const char *usage, struct hexo_node *n)
{
	char err[1024];

	if (argc != want)
		return hexo_error(HEXO_EXIT_ERROR, "usage: %s", usage);
	if (hexo_node_load(argv[1], n, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	return 0;
}

static int node_ping(int argc, char **argv)
{
	struct hexo_remote_info info;
	struct hexo_node n;
	char err[1024];
	int64_t t0;
	int ret;

	ret = node_arg(argc, argv, 2, "hexo node ping NAME", &n);
	if (ret)
		return ret;
	t0 = hexo_now_ms();
	if (hexo_remote_ping(&n, &info, 10000, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	printf("%s: %s, %s, %u CPUs, ", n.name, info.agent, info.machine, info.cpus);
	if (info.mem_bytes)
		printf("%llu MiB, ", (unsigned long long)(info.mem_bytes >> 20));
	printf("protocol %u, %lld ms\n", info.proto, (long long)(hexo_now_ms() - t0));
	return 0;
}

static int node_rm(int argc, char **argv)
{
	struct hexo_node n;
	char err[1024], path[4096];

	if (argc != 2)
		return hexo_error(HEXO_EXIT_ERROR, "usage: hexo node rm NAME");
	if (!hexo_node_load(argv[1], &n, err, sizeof(err)) && !strcmp(n.kind, "board") &&
	    n.pid > 0 && kill(n.pid, 0) == 0)
		return hexo_error(HEXO_EXIT_ERROR, "node '%s' is a running board: stop it with 'hexo board down %s'",
		                n.name, n.name);
	if (hexo_node_remove(argv[1], err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	/* Its calibration describes that machine: a later node of the name starts afresh. */
	if (!hexo_calib_path(argv[1], path, sizeof(path), err, sizeof(err)) && unlink(path) == 0)
		printf("removed its calibration %s\n", path);
	printf("removed node '%s'\n", argv[1]);
	return 0;
}

static int node_migrate(int argc, char **argv)
{
	struct hexo_node n;
	char err[1024];
	int ret;

	ret = node_arg(argc, argv, 3, "hexo node migrate NAME JOB", &n);
	if (ret)
		return ret;
	if (hexo_remote_migrate(&n, argv[2], 10000, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	printf("%s: migration of %s requested\n", n.name, argv[2]);
	return 0;
}

int node_main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		node_usage(cmd ? stdout : stderr);
		return cmd ? 0 : HEXO_EXIT_ERROR;
	}
	if (!strcmp(cmd, "add"))
		return node_add(argc - 1, argv + 1);
	if (!strcmp(cmd, "list") || !strcmp(cmd, "ls"))
		return node_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "ping"))
		return node_ping(argc - 1, argv + 1);
	if (!strcmp(cmd, "rm") || !strcmp(cmd, "remove"))
		return node_rm(argc - 1, argv + 1);
	if (!strcmp(cmd, "migrate"))
		return node_migrate(argc - 1, argv + 1);
	if (!strcmp(cmd, "calibrate"))
		return node_calibrate_main(argc - 1, argv + 1);
	return hexo_error(HEXO_EXIT_ERROR, "node: unknown command '%s': see 'hexo node --help'", cmd);
}
