/* SPDX-License-Identifier: MIT */
/*
 * Inside one job of the agent (job_run(), hexod.h): its state and what the
 * job*.c files call of each other, in the order a job goes:
 *   job.c          set-up, the steps in order, clean-up
 *   job_recv.c     the upload: image, checkpoint, job directory
 *   job_exec.c     starting the job's hexo, killing and reaping it
 *   job_stream.c   while it runs: output, stdin, migration requests
 *   job_send.c     what changed, the checkpoint and the exit status back
 * (job_migrate.c serves MIGRATE JOB from another connection.) Functions
 * that can fail refuse the request (conn_refuse()) and return -errno.
 */
#ifndef HEXO_HEXOD_JOB_H
#define HEXO_HEXOD_JOB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hexod.h"

#define HASH_LEN  32
#define JOB_STATUS "status.json" /* in the temp dir: the job's --status file */
#define OUT_CHUNK 65536

struct entry {
	char *path;
	uint64_t size;
	uint8_t hash[HASH_LEN];
	bool link; /* a symlink (the guest can remove it, not change it) */
	bool seen;
};

struct job {
	struct conn *c;
	const struct hexo_msg_run *m;
	char tmp[PATH_MAX + 16]; /* WORK/job-XXXXXX, for messages only */
	char id[16];             /* job-XXXXXX: the temp dir's name in the work folder */
	int tmpfd;               /* the temp dir, held from creation to removal */
	int dirfd, imgfd, ckptfd; /* its dir/, image/ and ckpt/ */
	unsigned migrate;   /* migration requests not yet passed on to the job */
	uint64_t ckpt_size; /* the checkpoint sent back */
	const char *image_name;
	struct entry *files; /* the files and symlinks uploaded, sorted by path */
	size_t n_files, n_dirs;
	char **changed;
	size_t n_changed, cap_changed, n_deleted;
	pid_t pid;
	int pidfd, out, err;
	int in;          /* the job's stdin (write end), -1 once closed */
	uint8_t *in_buf; /* STDIN bytes the pipe did not take yet */
	size_t in_len, in_off;
	bool in_eof; /* the client's stdin ended */
	uint64_t in_total;
	int status;
	int64_t t_start;
	/* RUN flag STATUS: the job's hexo writes --status into the temp dir (not
	 * dir/, which the guest reaches); what was last sent, when to look next */
	char status_sent[HEXO_PROTO_STATUS_MAX + 1];
	int64_t status_next;
};

/* job_recv.c */
int job_recv_request(struct job *j);             /* the whole upload, to END */
int job_entry_cmp(const void *a, const void *b); /* struct entry by path */

/* job_exec.c */
int job_spawn(struct job *j); /* starts it, tells the client (STARTED) */
void job_kill(struct job *j); /* kills its process group, reaps it */
int job_reap(struct job *j);  /* reaps it if it has ended: 1 when it has */

/* job_stream.c */
int job_stream(struct job *j); /* until it has ended and its pipes are drained */
void job_stdin_close(struct job *j);
/* RUN flag STATUS: the status file, sent (STATUS) when it changed since the
 * last one sent; 0 or -errno (the client went away) */
int job_status_send(struct job *j);

/* job_send.c */
int job_send_results(struct job *j);

#endif
