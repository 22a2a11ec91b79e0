/* SPDX-License-Identifier: MIT */
/*
 * Inside the client side of hexod (client.h): the state of one connection
 * to a node and what the client*.c files call of each other.
 *   client.c          connecting, authenticating, receiving, errors; PING
 *                     and MIGRATE JOB
 *   client_upload.c   a job's local checks and its upload
 *   client_job.c      the job while it runs, to EXIT; hexo_remote_run(),
 *                     hexo_remote_resume()
 *   client_results.c  the files and the checkpoint coming back
 * Functions that can fail return 0 or -errno with one line in c->err.
 */
#ifndef HEXO_CLI_CLIENT_INT_H
#define HEXO_CLI_CLIENT_INT_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"
#include "fsutil.h"
#include "proto.h"

struct upfile {
	char *path;
	unsigned kind; /* enum hexo_file_kind */
	unsigned mode; /* folders */
};

struct client {
	const struct hexo_node *n;
	int fd;
	int timeout_ms;
	uint8_t key[HEXO_PROTO_KEY];
	uint8_t *buf; /* HEXO_PROTO_MAX_FRAME */
	char *err;
	size_t errlen;
	/* upload */
	struct upfile *files;
	size_t n_files, cap_files;
	uint64_t bytes;
	const char *dir;
	const struct hexo_remote_opts *o;
	/* download */
	int dirfd;
	struct hexo_newfile out; /* the result file being written: out.fd >= 0 */
	char cur[HEXO_PROTO_PATH_MAX];
	uint64_t left;
	mode_t umask;
	/* while the job runs: our stdin forwarded, CLOSED when our output is */
	uint32_t closed_fds; /* HEXO_RUN_F_NO_*: fds we were started without */
	bool in_open, in_tty;
	bool out_closed[3];
	uint8_t *q; /* frames being sent (non-blocking): a STDIN, CLOSED and MIGRATE ones */
	size_t q_len, q_off;
	bool q_dead;              /* sending failed: nothing more is sent */
	unsigned migrate_pending; /* SIGUSR1s not yet sent on as MIGRATE */
	sigset_t waitmask;        /* our mask with SIGUSR1 open: for the waits of results() */
	/* the job on the node, and the checkpoint coming back */
	char job[HEXO_REMOTE_JOB_MAX];
	struct hexo_newfile ck; /* the checkpoint being written: ck.fd >= 0 */
	int ckdir;              /* the folder it goes into */
	uint64_t ck_left;
	bool ck_back;
	bool status_told; /* the warning of a --status FILE not written was printed */
};

/* What a RUN asks for: an image to run, or a checkpoint to resume. */
struct request {
	uint32_t kind; /* enum hexo_run_kind */
	const char *image;
	const char *ckpt; /* RESUME: the checkpoint to send */
	const char *const *argv;
	uint32_t argc;
};

/* client.c */
/* "node 'NAME' (HOST:PORT): " + message into c->err; returns ret (-EPROTO if ret >= 0). */
int client_fail(struct client *c, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A client for node n, not yet connected; err is cleared (errlen > 0). */
int client_init(struct client *c, const struct hexo_node *n, int timeout_ms, char *err,
                size_t errlen);
int client_auth(struct client *c); /* connect, handshake */
/* client_init(), then client_auth(); client_close() in any case. */
int client_open(struct client *c, const struct hexo_node *n, int timeout_ms, char *err,
                size_t errlen);
void client_close(struct client *c);
/* Receives a frame; an ERROR frame becomes the error. */
int client_recv(struct client *c, struct hexo_frame_hdr *h, int64_t deadline);

/* client_upload.c */
int client_check_image(struct client *c, const char *image);
int client_check_dir(struct client *c); /* and lists it for client_upload() */
int client_upload(struct client *c, const struct request *r, const struct hexo_remote_opts *o);

/* client_results.c: each returns 0 or -errno; file_begin and file_data 1 when
 * the file is whole (then client_file_end()) */
int client_file_begin(struct client *c, const struct hexo_frame_hdr *h);
int client_file_data(struct client *c, const struct hexo_frame_hdr *h);
int client_file_end(struct client *c);
int client_file_delete(struct client *c, const struct hexo_frame_hdr *h);
int client_ckpt_begin(struct client *c, const struct hexo_frame_hdr *h);
int client_ckpt_data(struct client *c, const struct hexo_frame_hdr *h);

#endif
