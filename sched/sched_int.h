/* SPDX-License-Identifier: MIT */
/*
 * What the daemon's files share (daemon.c, exec.c, rpc.c, state.c,
 * estimate.c); not for use outside sched/.
 */
#ifndef HEXO_SCHED_INT_H
#define HEXO_SCHED_INT_H

#include <json-c/json.h>
#include <stdarg.h>

#include "daemon.h"

/* daemon.c */
__attribute__((format(printf, 2, 3))) void sd_log(const struct sd *d, const char *fmt, ...);
struct sd_job *sd_job_new(void);
void sd_job_free(struct sd_job *j);
void sd_job_add(struct sd *d, struct sd_job *j);
void sd_jobs_sort(struct sd *d);
struct sd_job *sd_job_find(const struct sd *d, uint64_t id);
size_t sd_queue_length(const struct sd *d);
/* Runs the policy and carries out its decisions. */
void sd_schedule(struct sd *d);
/* The job reached an end state: journal, waiters, estimator. */
void sd_job_ended(struct sd *d, struct sd_job *j);

/* exec.c */
int sd_segment_start(struct sd *d, struct sd_job *j, int machine);
void sd_segment_stop(struct sd *d, struct sd_job *j); /* SIGUSR1: stop at a point */
void sd_segment_kill(struct sd *d, struct sd_job *j); /* cancel */
void sd_child_reaped(struct sd *d, pid_t pid, int wstatus);
void sd_ping_start(struct sd *d, size_t m);
void sd_ping_read(struct sd *d, size_t m);
void sd_segment_poll_status(struct sd *d, struct sd_job *j);

/* state.c */
void sd_job_dir(const struct sd *d, uint64_t id, char *buf, size_t len);
struct json_object *sd_job_json(const struct sd *d, const struct sd_job *j);
int sd_state_save(const struct sd *d, const struct sd_job *j);
int sd_state_load(struct sd *d);
int sd_machine_index(const struct sd *d, const char *name);

/* estimate.c */
void sd_estimate(struct sd *d, struct sd_job *j);
void sd_estimate_learn(struct sd *d, struct sd_job *j);
int sd_history_load(struct sd *d);

/* rpc.c */
void sd_rpc_accept(struct sd *d, int listen_fd);
void sd_rpc_read(struct sd *d, size_t client);
void sd_rpc_job_ended(struct sd *d, struct sd_job *j);
void sd_rpc_close_all(struct sd *d);

#endif
