// SPDX-License-Identifier: MIT
/*
 * hexo run --on NODE [--dir DIR] [--mem SIZE] [--env NAME=VALUE] [--stats]
 *          IMAGE [ARGS...]
 * Options are read up to IMAGE (or "--"), as for a local `hexo run`; the
 * values of --mem and --env are checked by the hexo on the node.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "node_cmd.h"
#include "nodes.h"

#define EXIT_ERR 125

struct remote_args {
	const char *node, *dir, *image;
	struct hexo_remote_opts o;
	const char **env;
	char **guest_argv;
	int help;
};

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
	printf("usage: hexo run --on NODE [--dir DIR] [--mem SIZE] [--env NAME=VALUE]... "
	       "[--stats] IMAGE [ARGS...]\n"
	       "Runs IMAGE on NODE (see 'hexo node list'): DIR's files are sent along, the\n"
	       "job's output comes back as it is produced, and the files it changed or\n"
	       "created are written back into DIR. The exit status is the job's.\n");
}

/* "--name=value" or "--name value": the value, or NULL when missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *is)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	*is = !strncmp(a, name, len) && (a[len] == '\0' || a[len] == '=');
	if (!*is)
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int parse_one(struct remote_args *r, int argc, char **argv, int *i)
{
	static const char *const names[] = {"--on", "--dir", "--mem", "--env"};
	const char *v;
	int is;

	if (!strcmp(argv[*i], "-h") || !strcmp(argv[*i], "--help")) {
		r->help = 1;
		return 0;
	}
	if (!strcmp(argv[*i], "--stats")) {
		r->o.stats = 1;
		return 0;
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		v = opt_value(argc, argv, i, names[k], &is);
		if (!is)
			continue;
		if (!v || !*v)
			return err_exit("option '%s' needs a value: see 'hexo run --help'",
			                names[k]);
		if (k == 0)
			r->node = v;
		else if (k == 1)
			r->dir = v;
		else if (k == 2)
			r->o.mem = v;
		else
			r->env[r->o.n_env++] = v;
		return 0;
	}
	return err_exit("unknown option '%s': see 'hexo run --help'", argv[*i]);
}

static int parse(struct remote_args *r, int argc, char **argv)
{
	int i, ret;

	r->env = calloc((size_t)argc + 1, sizeof(*r->env));
	if (!r->env)
		return err_exit("out of memory");
	r->o.env = r->env;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		ret = parse_one(r, argc, argv, &i);
		if (ret || r->help)
			return ret;
	}
	if (!r->node)
		return err_exit("no node given: use --on NODE (see 'hexo node list')");
	if (i >= argc)
		return err_exit("no image given: see 'hexo run --help'");
	r->image = argv[i];
	r->guest_argv = &argv[i];
	return 0;
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
		if (!strcmp(a, "--dir") || !strcmp(a, "--mem") || !strcmp(a, "--env"))
			i++;
	}
	return 0;
}

int remote_run_main(int argc, char **argv)
{
	struct remote_args r = {.dir = "."};
	struct hexo_node n;
	char err[1024];
	int ret, status = EXIT_ERR;

	ret = parse(&r, argc, argv);
	if (ret || r.help) {
		if (r.help)
			usage();
		goto out;
	}
	if (hexo_node_load(r.node, &n, err, sizeof(err))) {
		ret = err_exit("%s", err);
		goto out;
	}
	if (hexo_remote_run(&n, r.image, r.dir, r.guest_argv, &r.o, &status, err, sizeof(err)))
		ret = err_exit("%s", err);
	else
		ret = status;
out:
	free(r.env);
	return ret;
}
