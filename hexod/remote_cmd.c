// SPDX-License-Identifier: MIT
/*
 * hexo run --on NODE [--verbose] [hexo run options] IMAGE [ARGS...]
 * The command line is read by the local run's own parser (monitor/options.c,
 * linked in), so a bad option or value is refused with the same message
 * and status as locally, before anything is sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "node_cmd.h"
#include "nodes.h"
#include "options.h"

#define EXIT_ERR 125

static int err_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int err_exit(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hexo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return EXIT_ERR;
}

static void usage(void)
{
	printf("usage: hexo run --on NODE [--verbose] [--dir DIR] [--mem SIZE] [--env "
	       "NAME[=VALUE]]...\n"
	       "                [--stats] IMAGE [ARGS...]\n"
	       "Runs IMAGE on NODE (see 'hexo node list') as 'hexo run' would run it here. DIR's\n"
	       "files, folders and symlinks are sent along (without --dir, the current\n"
	       "directory: at most %u of them and 1 GiB), stdin is forwarded, the job's\n"
	       "output comes back as it is produced, and the files it changed or created are\n"
	       "written back into DIR. Sockets, fifos and devices are not sent (--verbose\n"
	       "names them). The exit status is the job's. See 'hexo run --help'.\n",
	       HEXO_REMOTE_DOT_MAX_FILES);
}

int remote_run_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--") || a[0] != '-' || a[1] == '\0')
			return 0;
		if (!strcmp(a, "--on") || !strncmp(a, "--on=", 5))
			return 1;
		/* options taking a separate value: skip it */
		if (!strcmp(a, "--dir") || !strcmp(a, "--mem") || !strcmp(a, "--env") ||
		    !strcmp(a, "--argv0"))
			i++;
	}
	return 0;
}

int remote_run_main(int argc, char **argv)
{
	struct hexo_remote_opts o = {0};
	struct run_opts opts;
	struct hexo_node n;
	char err[1024];
	int ret, status = EXIT_ERR;

	if (options__parse(argc, argv, OPTIONS_REMOTE, &opts, err, sizeof(err)))
		return err_exit("%s", err);
	if (opts.help) {
		usage();
		options__free(&opts);
		return 0;
	}
	if (!opts.on) {
		ret = err_exit("no node given: use --on NODE (see 'hexo node list')");
		goto out;
	}
	if (hexo_node_load(opts.on, &n, err, sizeof(err))) {
		ret = err_exit("%s", err);
		goto out;
	}
	o.mem = opts.mem_arg; /* checked above; the node's hexo gets it as given */
	o.env = opts.env;
	o.n_env = opts.n_env;
	o.stats = opts.stats;
	o.verbose = opts.verbose;
	o.default_dir = !opts.dir_given;
	if (hexo_remote_run(&n, opts.image, opts.dir, opts.guest_argv, &o, &status, err,
	                    sizeof(err)))
		ret = err_exit("%s", err);
	else
		ret = status;
out:
	options__free(&opts);
	return ret;
}
