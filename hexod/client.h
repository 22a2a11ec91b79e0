/* SPDX-License-Identifier: MIT */
/*
 * The client side of hexod, used by the hexo CLI: run a job on a node
 * (`hexo run --on NODE`) and ping a node. Functions return 0 or -errno and
 * write one line into err on failure (no "hexo: " prefix).
 */
#ifndef HEXO_HEXOD_CLIENT_H
#define HEXO_HEXOD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "nodes.h"

/* Limits for a job directory the user did not choose (no --dir: "."). */
#define HEXO_REMOTE_DOT_MAX_FILES 10000u
#define HEXO_REMOTE_DOT_MAX_BYTES (1ull << 30)

struct hexo_remote_opts {
	const char *mem;        /* --mem value as given (checked by the caller), NULL: default */
	const char *const *env; /* --env values: NAME=VALUE, or NAME for this process's value
	                           of NAME (left out when unset), as a local run does */
	size_t n_env;
	int stats;       /* --stats */
	int verbose;     /* warn about every file of the job directory not sent */
	int default_dir; /* dir is "." because no --dir was given: refuse more than
	                    HEXO_REMOTE_DOT_MAX_FILES entries or _BYTES bytes */
	int timeout_ms;  /* connect, handshake and upload stalls; 0: 30 s */
};

struct hexo_remote_info {
	uint32_t proto; /* protocol version */
	uint32_t isa;   /* enum hexo_isa */
	uint32_t cpus;
	char machine[64]; /* uname -m */
	char agent[64];   /* "hexod 0.1.0" */
};

/* Connects, authenticates and asks the agent who it is. */
int hexo_remote_ping(const struct hexo_node *n, struct hexo_remote_info *info, int timeout_ms,
                     char *err, size_t errlen);

/*
 * Runs `hexo run IMAGE ARGS...` on node n with job directory dir, as a
 * local run would: the image is checked here first (the same message as
 * locally), then dir's regular files and folders are uploaded (other
 * files are skipped, silently unless o->verbose), the job's stdout and
 * stderr are copied to ours as they come, our stdin is forwarded to the
 * job while it runs, the files it changed or created are written back into
 * dir (each atomically; new ones get our umask), the ones it deleted are
 * removed. argv is the guest's NULL-terminated argv, argv[0] its argv[0]
 * (NULL: just the image). Nothing connects before the image, dir and the
 * limits are checked. On success *status is the job's exit status (the
 * guest's status, 125 monitor error, 139 guest fault, 128+N signal).
 */
int hexo_remote_run(const struct hexo_node *n, const char *image, const char *dir,
                    char *const argv[], const struct hexo_remote_opts *o, int *status, char *err,
                    size_t errlen);

#endif
