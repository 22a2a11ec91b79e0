/* SPDX-License-Identifier: MIT */
/*
 * hexod, the node agent: runs `hexo run` and `hexo resume` jobs for
 * authenticated clients, and passes migration requests on to them.
 *   main.c         options, listening, one process per connection, signals
 *   conn.c         one connection: the handshake, then its requests
 *   job.c, job_*.c one job (RUN): upload, run, output and stdin, results
 *                  (job.h); job_migrate.c: MIGRATE JOB
 *   conn_io.c      receiving a frame, refusing a request: what they all use
 *   log.c          one line per event
 */
#ifndef HEXO_HEXOD_H
#define HEXO_HEXOD_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define HEXOD_VERSION "0.1.0"

struct hexod_cfg {
	const char *listen;  /* ADDR:PORT */
	char hexo[PATH_MAX]; /* the hexo binary jobs run under */
	char work[PATH_MAX]; /* job temp dirs go here (its name, for messages) */
	int workfd;          /* ... held open from the start: job folders are made in it */
	uint8_t key[HEXO_PROTO_KEY];
	int timeout_ms; /* handshake and upload, per frame */
	int max_conns;  /* authenticated connections */
};

/* One connection, served by its own process. */
struct conn {
	int fd;
	unsigned id;
	char peer[80];
	const struct hexod_cfg *cfg;
	uint8_t *buf; /* HEXO_PROTO_MAX_FRAME bytes */
	char err[640];
	int jobs; /* jobs run on this connection: STDIN frames may trail one */
};

/*
 * main.c: set by SIGUSR1, which a connection process gets when another
 * connection asks for its job's migration (MIGRATE JOB); blocked but
 * inside the waits (hexo_io_waitmask), as SIGTERM is.
 */
extern volatile sig_atomic_t hexod_got_usr1;

/* log.c */
int hexod_log_open(const char *path);
void hexod_log_set_conn(const char *peer, unsigned id);
void hexod_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Connections still in the handshake: at most HEXOD_HANDSHAKES at once (the
 * oldest is dropped for a new one), each for HEXOD_HANDSHAKE_MS at most
 * (or --timeout when shorter); --max-conns counts authenticated ones only.
 */
#define HEXOD_HANDSHAKES   8
#define HEXOD_HANDSHAKE_MS 10000

/* conn.c: serves a connection to its end; fd is closed. Once the client is
 * authenticated, one byte goes to authfd (to the agent's main process). */
void conn_serve(const struct hexod_cfg *cfg, int fd, const char *peer, unsigned id, int authfd);

/* conn_io.c: refuses the current request: logs, sends ERROR and returns ret. */
int conn_refuse(struct conn *c, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* conn_io.c: receives the next frame within the upload timeout. */
int conn_recv(struct conn *c, struct hexo_frame_hdr *h);

/* job.c: runs a RUN request to its end (the RUN frame is decoded in m). */
int job_run(struct conn *c, const struct hexo_msg_run *m);
/* job_migrate.c: MIGRATE JOB from a client: the connection process running
 * that job gets SIGUSR1 and passes it on to the job's hexo. Answers OK or
 * ERROR. */
int job_migrate_request(struct conn *c, const char *job);

/* conn.c: this host's machine (uname -m); its ISA is hexo_isa_from_name() of it. */
const char *hexod_machine(void);
uint64_t hexod_job_memory(void); /* bytes for jobs, reported in PONG */

#endif
