/* SPDX-License-Identifier: MIT */
/*
 * The client side of hexod, used by the hexo CLI: run a job on a node
 * (`hexo run --on NODE`) and ping a node. Functions return 0 or -errno and
 * write one line into err on failure (no "hexo: " prefix).
 */
#ifndef HEXO_CLI_CLIENT_H
#define HEXO_CLI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "nodes.h"

/* Limits for a job directory the user did not choose (no --dir: "."). */
#define HEXO_REMOTE_DOT_MAX_FILES 10000u
#define HEXO_REMOTE_DOT_MAX_BYTES (1ull << 30)
#define HEXO_REMOTE_JOB_MAX       64u /* job ids, NUL included (HEXO_PROTO_JOB_MAX) */

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
	/* Migration (docs/migration.md): */
	const char *checkpoint;       /* where a checkpoint the job writes on the node comes
	                                 back to (atomically); NULL: it is not asked for */
	int checkpoint_default;       /* checkpoint is the default name, not --checkpoint: it
	                                 never replaces a file that is not a checkpoint */
	const char *migrate_after;    /* --migrate-after SECONDS as text, NULL: not given */
	const char *checkpoint_every; /* --checkpoint-every SECONDS as text, NULL: not given */
	const char *status;           /* --status FILE: the job's status (JSON, as a local run
	                                 writes it) replaced atomically as the node sends it;
	                                 NULL: not asked for */
};

struct hexo_remote_info {
	uint32_t proto; /* protocol version */
	uint32_t isa;   /* enum hexo_isa */
	uint32_t cpus;
	uint64_t mem_bytes; /* memory for jobs; 0: the agent did not say */
	char machine[64]; /* uname -m */
	char agent[64];   /* "hexod 0.1.0" */
};

/* What a job run on a node left (hexo_remote_run(), hexo_remote_resume()). */
struct hexo_remote_result {
	int status;                    /* the job's exit status */
	int checkpoint;                /* a checkpoint came back to o->checkpoint */
	char job[HEXO_REMOTE_JOB_MAX]; /* the job's id on the node */
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
 * limits are checked. On success res->status is the job's exit status (the
 * guest's status, 125 monitor error, 139 guest fault, 128+N signal).
 *
 * Migration: the node's hexo gets o->migrate_after and o->checkpoint_every
 * and writes its checkpoint in the job's temp dir; when it wrote one (the
 * job stopped at a migration point, or periodic checkpoints), it comes back
 * to o->checkpoint, written atomically; else no local file is touched.
 * SIGUSR1 to this process while the job runs asks the node's hexo to stop
 * at the next migration point (it gets SIGUSR1), as `kill -USR1` does to a
 * local run. The handler is ours from the call to its return.
 */
int hexo_remote_run(const struct hexo_node *n, const char *image, const char *dir,
                    char *const argv[], const struct hexo_remote_opts *o,
                    struct hexo_remote_result *res, char *err, size_t errlen);

/*
 * `hexo resume --image IMAGE CHECKPOINT` on node n: the checkpoint, the
 * image and dir go there, then as hexo_remote_run() (o->env is not used:
 * the environment is in the checkpoint). The checkpoint the job writes if
 * it stops again comes back to o->checkpoint.
 */
int hexo_remote_resume(const struct hexo_node *n, const char *checkpoint, const char *image,
                       const char *dir, const struct hexo_remote_opts *o,
                       struct hexo_remote_result *res, char *err, size_t errlen);

/*
 * Asks node n to migrate its job `job` (the id STARTED gave; `hexo run
 * --on --verbose` prints it): the node's hexo for that job gets SIGUSR1.
 * The job then stops at its next migration point and its client gets the
 * checkpoint back.
 */
int hexo_remote_migrate(const struct hexo_node *n, const char *job, int timeout_ms, char *err,
                        size_t errlen);

#endif
