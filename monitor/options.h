/* SPDX-License-Identifier: MIT */
/*
 * Command-line parsing for `hexo run`, local and remote (`hexo run --on`,
 * cli/remote_cmd.c links this file, so both check options alike). Pure
 * logic: unit-tested.
 */
#ifndef HEXO_MONITOR_OPTIONS_H
#define HEXO_MONITOR_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run_opts {
	uint64_t mem_size; /* --mem, default HEXO_MEM_DEFAULT */
	const char *dir;   /* --dir, default "." */
	bool stats;        /* --stats */
	bool help;         /* -h / --help: nothing else was checked */
	const char **env;  /* --env values in order (NAME=VALUE or NAME) */
	size_t n_env;
	const char *image; /* IMAGE */
	char **guest_argv; /* IMAGE ARGS...: the guest's argv, argv[0] = IMAGE or argv0 */
	size_t guest_argc;
	const char *argv0;   /* --argv0 NAME: the guest's argv[0] instead of IMAGE */
	const char *mem_arg; /* --mem value as given, NULL without --mem */
	bool dir_given;      /* --dir was given (else dir is the default ".") */
	const char *on;      /* --on NODE (OPTIONS_REMOTE only) */
	bool verbose;        /* --verbose (OPTIONS_REMOTE only) */
	char **argv_copy;    /* allocated guest_argv when argv0 is set */
	/* Migration (docs/migration.md). */
	const char *checkpoint;      /* --checkpoint FILE, NULL: default name */
	double migrate_after;        /* --migrate-after SECONDS, < 0: not given */
	double checkpoint_every;     /* --checkpoint-every SECONDS, <= 0: not given */
	const char *status;          /* --status FILE, NULL: not given */
	bool resume;                 /* parsing `hexo resume`: `image` is the CHECKPOINT */
	const char *image_override;  /* hexo resume --image IMAGE (default: the path in the checkpoint) */
};

/* options__parse(): also accept --on NODE and --verbose (hexo run --on). */
#define OPTIONS_REMOTE 0x1u
/*
 * options__parse(): `hexo resume [OPTIONS] CHECKPOINT` (argv[0] is "resume"):
 * --image is accepted, --env and --argv0 are not (the job keeps its own),
 * `image` is the CHECKPOINT and nothing may follow it (guest_argv is NULL).
 */
#define OPTIONS_RESUME 0x2u

/*
 * Parses a memory size: decimal digits with an optional binary suffix
 * K, M, G or T (any case, optionally followed by "iB" or "B"), e.g. 512M,
 * 2G, 1073741824, 64MiB. Returns 0, -EINVAL (not a size) or -ERANGE
 * (overflows 64 bits).
 */
int options__parse_size(const char *s, uint64_t *bytes);

/*
 * Parses `hexo run` arguments (argv[0] is "run"). Options are read only up
 * to IMAGE (or "--"); the rest goes to the guest. On error returns -EINVAL
 * and writes one message line (no "hexo: " prefix) into err. opts->env is
 * allocated (argc entries); free it with options__free().
 */
int options__parse_run(int argc, char **argv, struct run_opts *opts, char *err, size_t errlen);
/* The same with OPTIONS_* flags; options__parse_run() passes none. */
int options__parse(int argc, char **argv, unsigned flags, struct run_opts *opts, char *err,
                   size_t errlen);
void options__free(struct run_opts *opts);

/*
 * Parses a duration in seconds: decimal digits with an optional fraction
 * ("10", "0", "2.5", "0.001"), at most 10^9. Returns 0 or -EINVAL.
 */
int options__parse_seconds(const char *s, double *seconds);

/*
 * The default checkpoint file of `hexo run IMAGE`: IMAGE's base name with
 * ".hexo" replaced by ".ckpt" (or ".ckpt" added), in the current folder.
 * Returns 0 or -ENAMETOOLONG.
 */
int options__default_checkpoint(const char *image, char *buf, size_t len);

/*
 * True when arg is an option of `hexo run`/`hexo resume` that takes a
 * separate value ("--mem" in "--mem 1G"), for scanners that must skip it.
 */
bool options__takes_value(const char *arg);

#endif
