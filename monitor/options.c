// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hexo/layout.h>

#include "guest_mem.h"
#include "options.h"

int options__parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	switch (*p) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		p++;
		if (*p && strcasecmp(p, "iB") && strcasecmp(p, "B"))
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*bytes = v;
	return 0;
}

/* "--mem=1G" -> value "1G"; "--mem 1G" -> the next argument. */
static const char *option_value(int argc, char **argv, int *i, const char *name, const char *cmd,
                                char *err, size_t errlen)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (arg[len] == '=')
		return arg + len + 1;
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "option '%s' needs a value: see 'hexo %s --help'", name, cmd);
		return NULL;
	}
	return argv[++*i];
}

/* Matches "--name" and "--name=...". */
static bool is_option(const char *arg, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(arg, name, len) && (arg[len] == '\0' || arg[len] == '=');
}

static int parse_mem(const char *val, uint64_t *mem, char *err, size_t errlen)
{
	char lo[32], hi[32];
	int ret = options__parse_size(val, mem);

	if (ret) {
		snprintf(err, errlen,
		         "--mem '%s': not a size (examples: 512M, 2G, 1073741824): see "
		         "'hexo run --help'",
		         val);
		return -EINVAL;
	}
	if (*mem < HEXO_MEM_MIN || *mem > HEXO_MEM_MAX) {
		snprintf(err, errlen, "--mem '%s': must be between %s and %s", val,
		         guest_mem__size_str(HEXO_MEM_MIN, lo, sizeof(lo)),
		         guest_mem__size_str(HEXO_MEM_MAX, hi, sizeof(hi)));
		return -EINVAL;
	}
	if (*mem % HEXO_PAGE_SIZE) {
		snprintf(err, errlen, "--mem '%s': must be a multiple of 4 KiB", val);
		return -EINVAL;
	}
	return 0;
}

static int parse_env(const char *val, char *err, size_t errlen)
{
	const char *eq = strchr(val, '=');

	if (eq == val || *val == '\0') {
		snprintf(err, errlen, "--env '%s': expected NAME=VALUE or NAME", val);
		return -EINVAL;
	}
	return 0;
}

/* --argv0: the guest's argv is a copy with argv[0] replaced. */
static int set_argv0(struct run_opts *opts, char *err, size_t errlen)
{
	opts->argv_copy = calloc(opts->guest_argc + 1, sizeof(opts->argv_copy[0]));
	if (!opts->argv_copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	opts->argv_copy[0] = (char *)opts->argv0;
	for (size_t k = 1; k < opts->guest_argc; k++)
		opts->argv_copy[k] = opts->guest_argv[k];
	opts->guest_argv = opts->argv_copy;
	return 0;
}

#define SECONDS_MAX 1e9

int options__parse_seconds(const char *s, double *seconds)
{
	double v = 0, scale = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > SECONDS_MAX)
			return -EINVAL;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	if (*p || v > SECONDS_MAX)
		return -EINVAL;
	*seconds = v;
	return 0;
}

int options__default_checkpoint(const char *image, char *buf, size_t len)
{
	const char *base = strrchr(image, '/');
	size_t n;

	base = base ? base + 1 : image;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".hexo"))
		n -= 5;
	if (n == 0 || (n == 1 && base[0] == '.') || (n == 2 && !strncmp(base, "..", 2))) {
		base = "job";
		n = 3;
	}
	if (n + sizeof(".ckpt") > len)
		return -ENAMETOOLONG;
	memcpy(buf, base, n);
	memcpy(buf + n, ".ckpt", sizeof(".ckpt"));
	return 0;
}

static const char *const value_options[] = {
    "--mem",  "--dir",        "--env",           "--argv0",
    "--on",   "--checkpoint", "--migrate-after", "--checkpoint-every",
    "--image", "--status"};

bool options__takes_value(const char *arg)
{
	for (size_t i = 0; i < sizeof(value_options) / sizeof(value_options[0]); i++)
		if (!strcmp(arg, value_options[i]))
			return true;
	return false;
}

static int parse_seconds(const char *name, const char *val, bool zero_ok, double *out,
                         const char *cmd, char *err, size_t errlen)
{
	if (options__parse_seconds(val, out)) {
		snprintf(
		    err, errlen,
		    "%s '%s': not a number of seconds (examples: 60, 0.5): see 'hexo %s --help'",
		    name, val, cmd);
		return -EINVAL;
	}
	if (!zero_ok && *out <= 0) {
		snprintf(err, errlen, "%s '%s': must be more than 0 seconds", name, val);
		return -EINVAL;
	}
	return 0;
}

/* What follows the options: IMAGE [ARGS...] or CHECKPOINT. */
static int parse_operands(int argc, char **argv, int i, struct run_opts *opts, char *err,
                          size_t errlen)
{
	if (opts->resume) {
		if (i >= argc) {
			snprintf(err, errlen, "no checkpoint given: see 'hexo resume --help'");
			return -EINVAL;
		}
		if (i + 1 < argc) {
			snprintf(
			    err, errlen,
			    "'hexo resume' takes one CHECKPOINT, the program's arguments are in "
			    "it: unexpected '%s'",
			    argv[i + 1]);
			return -EINVAL;
		}
		opts->image = argv[i];
		return 0;
	}
	if (i >= argc) {
		snprintf(err, errlen, "no image given: see 'hexo run --help'");
		return -EINVAL;
	}
	opts->image = argv[i];
	opts->guest_argv = &argv[i];
	opts->guest_argc = (size_t)(argc - i);
	if (opts->argv0 && set_argv0(opts, err, errlen))
		return -ENOMEM;
	return 0;
}

int options__parse(int argc, char **argv, unsigned flags, struct run_opts *opts, char *err,
                   size_t errlen)
{
	bool remote = flags & OPTIONS_REMOTE, resume = flags & OPTIONS_RESUME;
	const char *cmd = resume ? "resume" : "run";
	int i;

	*opts = (struct run_opts){
	    .mem_size = HEXO_MEM_DEFAULT, .dir = ".", .migrate_after = -1, .resume = resume};
	opts->env = calloc((size_t)argc + 1, sizeof(opts->env[0]));
	if (!opts->env) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val;

		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			opts->help = true;
			return 0;
		} else if (!strcmp(arg, "--stats")) {
			opts->stats = true;
		} else if (is_option(arg, "--mem")) {
			val = option_value(argc, argv, &i, "--mem", cmd, err, errlen);
			if (!val || parse_mem(val, &opts->mem_size, err, errlen))
				goto out_free;
			opts->mem_arg = val;
		} else if (is_option(arg, "--dir")) {
			val = option_value(argc, argv, &i, "--dir", cmd, err, errlen);
			if (!val)
				goto out_free;
			opts->dir = val;
			opts->dir_given = true;
		} else if (!resume && is_option(arg, "--env")) {
			val = option_value(argc, argv, &i, "--env", cmd, err, errlen);
			if (!val || parse_env(val, err, errlen))
				goto out_free;
			opts->env[opts->n_env++] = val;
		} else if (!resume && is_option(arg, "--argv0")) {
			val = option_value(argc, argv, &i, "--argv0", cmd, err, errlen);
			if (!val)
				goto out_free;
			opts->argv0 = val;
		} else if (resume && is_option(arg, "--image")) {
			val = option_value(argc, argv, &i, "--image", cmd, err, errlen);
			if (!val)
				goto out_free;
			opts->image_override = val;
		} else if (is_option(arg, "--checkpoint")) {
			val = option_value(argc, argv, &i, "--checkpoint", cmd, err, errlen);
			if (!val)
				goto out_free;
			if (!*val) {
				snprintf(err, errlen, "--checkpoint: empty file name");
				goto out_free;
			}
			opts->checkpoint = val;
		} else if (is_option(arg, "--status")) {
			val = option_value(argc, argv, &i, "--status", cmd, err, errlen);
			if (!val)
				goto out_free;
			if (!*val) {
				snprintf(err, errlen, "--status: empty file name");
				goto out_free;
			}
			opts->status = val;
		} else if (is_option(arg, "--migrate-after")) {
			val = option_value(argc, argv, &i, "--migrate-after", cmd, err, errlen);
			if (!val || parse_seconds("--migrate-after", val, true,
			                          &opts->migrate_after, cmd, err, errlen))
				goto out_free;
		} else if (is_option(arg, "--checkpoint-every")) {
			val = option_value(argc, argv, &i, "--checkpoint-every", cmd, err, errlen);
			if (!val || parse_seconds("--checkpoint-every", val, false,
			                          &opts->checkpoint_every, cmd, err, errlen))
				goto out_free;
		} else if (remote && is_option(arg, "--on")) {
			val = option_value(argc, argv, &i, "--on", cmd, err, errlen);
			if (!val)
				goto out_free;
			opts->on = val;
		} else if (remote && !strcmp(arg, "--verbose")) {
			opts->verbose = true;
		} else if (resume && (is_option(arg, "--env") || is_option(arg, "--argv0"))) {
			snprintf(
			    err, errlen,
			    "option '%.*s' is not for 'hexo resume': the job keeps the arguments "
			    "and environment it had",
			    (int)strcspn(arg, "="), arg);
			goto out_free;
		} else {
			snprintf(err, errlen, "unknown option '%s': see 'hexo %s --help'", arg,
			         cmd);
			goto out_free;
		}
	}
	if (parse_operands(argc, argv, i, opts, err, errlen))
		goto out_free;
	return 0;

out_free:
	options__free(opts);
	return -EINVAL;
}

int options__parse_run(int argc, char **argv, struct run_opts *opts, char *err, size_t errlen)
{
	return options__parse(argc, argv, 0, opts, err, errlen);
}

void options__free(struct run_opts *opts)
{
	free(opts->env);
	free(opts->argv_copy);
	opts->env = NULL;
	opts->n_env = 0;
	opts->argv_copy = NULL;
}
