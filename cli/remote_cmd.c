// SPDX-License-Identifier: MIT
/*
 * hexo run --on NODE [--verbose] [hexo run options] IMAGE [ARGS...]
 * hexo resume --on NODE [--verbose] [hexo resume options] CHECKPOINT
 * The command line is read by the local run's own parser (monitor/options.c,
 * linked in), so a bad option or value is refused with the same message
 * and status as locally, before anything is sent.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "checkpoint.h"
#include "client.h"
#include "image_file.h"
#include "node_cmd.h"
#include "nodes.h"
#include "options.h"

static void usage(void)
{
	printf("usage: hexo run --on NODE [--verbose] [--dir DIR] [--mem SIZE] [--env "
	       "NAME[=VALUE]]...\n"
	       "                [--stats] [--checkpoint FILE] [--migrate-after SECONDS]\n"
	       "                [--checkpoint-every SECONDS] [--status FILE] IMAGE [ARGS...]\n"
	       "Runs IMAGE on NODE (see 'hexo node list') as 'hexo run' would run it here. DIR's\n"
	       "files, folders and symlinks are sent along (without --dir, the current\n"
	       "directory: at most %u of them and 1 GiB), stdin is forwarded, the job's\n"
	       "output comes back as it is produced, and the files it changed or created are\n"
	       "written back into DIR. Sockets, fifos and devices are not sent (--verbose\n"
	       "names them, and the job's id on the node). When the job stops at a migration\n"
	       "point (--migrate-after, SIGUSR1 to this process, 'hexo node migrate') or\n"
	       "writes periodic checkpoints, its checkpoint comes back to FILE (default:\n"
	       "IMAGE's name with .ckpt, here), for 'hexo resume [--on NODE] FILE'; of\n"
	       "periodic ones, the last, when the job ends. --status FILE gets the job's\n"
	       "status as a local run writes it, from the node every second or so while it\n"
	       "changes, and at the end. The exit status is the job's. See 'hexo run --help'.\n",
	       HEXO_REMOTE_DOT_MAX_FILES);
}

static void resume_usage(void)
{
	printf("usage: hexo resume --on NODE [--verbose] [--dir DIR] [--image IMAGE] [--mem SIZE]\n"
	       "                   [--stats] [--checkpoint FILE] [--migrate-after SECONDS]\n"
	       "                   [--checkpoint-every SECONDS] [--status FILE] CHECKPOINT\n"
	       "Continues the job CHECKPOINT holds on NODE (see 'hexo node list'), whatever\n"
	       "its ISA, as 'hexo resume' would here: the checkpoint, the image (--image,\n"
	       "else the one the checkpoint names, else its file name next to CHECKPOINT)\n"
	       "and DIR go there (as for 'hexo run --on'), stdio is forwarded, the files the\n"
	       "job changed come back, and if it stops again its new checkpoint comes back\n"
	       "to FILE (default: CHECKPOINT, replaced atomically); --status FILE as for\n"
	       "'hexo run --on'. See 'hexo resume --help'.\n");
}

int remote_run_wanted(int argc, char **argv)
{
	if (argc < 1 || (strcmp(argv[0], "run") && strcmp(argv[0], "resume")))
		return 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--") || a[0] != '-' || a[1] == '\0')
			return 0;
		if (!strcmp(a, "--on") || !strncmp(a, "--on=", 5))
			return 1;
		if (options__takes_value(a)) /* "--dir DIR": skip DIR */
			i++;
	}
	return 0;
}

/*
 * The text of option `name` as given ("--migrate-after 2.5" or
 * "--migrate-after=2.5"; the last one counts, as for the parser), so the
 * node's hexo reads exactly what ours did. NULL when not given.
 */
static const char *option_text(int argc, char **argv, const char *name)
{
	const char *val = NULL;
	size_t n = strlen(name);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--") || a[0] != '-' || a[1] == '\0')
			break;
		if (!strncmp(a, name, n) && a[n] == '=')
			val = a + n + 1;
		else if (!strcmp(a, name) && i + 1 < argc)
			val = argv[i + 1];
		if (options__takes_value(a))
			i++;
	}
	return val;
}

/* --- the image a checkpoint resumes with ---------------------------------- */

/*
 * Verifies the checkpoint and finds its image as a local `hexo resume`
 * does (hexo_ckpt_find_image(): --image, else the path the checkpoint has,
 * else its file name next to it). The image path goes to buf.
 */
static int resume_image(const char *ckpt_path, const char *image_override, char *buf, size_t len,
                        char *err, size_t errlen)
{
	struct hexo_image img;
	struct hexo_ckpt ck;
	int ret;

	ret = hexo_ckpt_open(ckpt_path, 0, &ck, err, errlen);
	if (ret)
		return ret;
	ret = hexo_ckpt_find_image(&ck, ckpt_path, image_override, &img, buf, len, err, errlen);
	if (!ret)
		hexo_image_close(&img);
	hexo_ckpt_close(&ck);
	return ret;
}

/* --- run and resume ------------------------------------------------------- */

static void remote_opts(int argc, char **argv, const struct run_opts *opts,
                        struct hexo_remote_opts *o)
{
	o->mem = opts->mem_arg; /* checked above; the node's hexo gets it as given */
	o->env = opts->env;
	o->n_env = opts->n_env;
	o->stats = opts->stats;
	o->verbose = opts->verbose;
	o->default_dir = !opts->dir_given;
	o->migrate_after = option_text(argc, argv, "--migrate-after");
	o->checkpoint_every = option_text(argc, argv, "--checkpoint-every");
	o->status = opts->status;
}

static int remote_job(int argc, char **argv, struct run_opts *opts)
{
	char err[1024], ckpt[PATH_MAX], image[PATH_MAX + 256];
	struct hexo_remote_opts o = {0};
	struct hexo_remote_result res;
	struct hexo_node n;
	int ret;

	if (!opts->on)
		return hexo_error(HEXO_EXIT_ERROR, "no node given: use --on NODE (see 'hexo node list')");
	if (hexo_node_load(opts->on, &n, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	remote_opts(argc, argv, opts, &o);
	if (opts->resume) {
		/* new checkpoints replace the one resumed, unless --checkpoint */
		o.checkpoint = opts->checkpoint ? opts->checkpoint : opts->image;
		if (resume_image(opts->image, opts->image_override, image, sizeof(image), err,
		                 sizeof(err)))
			return hexo_error(HEXO_EXIT_ERROR, "%s", err);
		ret = hexo_remote_resume(&n, opts->image, image, opts->dir, &o, &res, err,
		                         sizeof(err));
	} else {
		o.checkpoint = opts->checkpoint;
		if (!o.checkpoint) {
			if (options__default_checkpoint(opts->image, ckpt, sizeof(ckpt)))
				return hexo_error(HEXO_EXIT_ERROR, "%s: file name too long for its checkpoint",
				                opts->image);
			o.checkpoint = ckpt;
			o.checkpoint_default = 1;
		}
		ret = hexo_remote_run(&n, opts->image, opts->dir, opts->guest_argv, &o, &res, err,
		                      sizeof(err));
	}
	if (ret)
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (res.checkpoint && o.verbose)
		fprintf(stderr, "hexo: job %s on node '%s' left a checkpoint: %s\n", res.job,
		        n.name, o.checkpoint);
	return res.status;
}

/* argv[0] is "run" or "resume". */
int remote_run_main(int argc, char **argv)
{
	bool resume = !strcmp(argv[0], "resume");
	struct run_opts opts;
	char err[1024];
	int ret;

	if (options__parse(argc, argv, OPTIONS_REMOTE | (resume ? OPTIONS_RESUME : 0), &opts, err,
	                   sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	if (opts.help) {
		if (resume)
			resume_usage();
		else
			usage();
		options__free(&opts);
		return 0;
	}
	ret = remote_job(argc, argv, &opts);
	options__free(&opts);
	return ret;
}
