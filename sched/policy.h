/* SPDX-License-Identifier: MIT */
/*
 * The HEXO placement policy: which queued job starts where, and which
 * running job moves where. It is pure: no I/O, no clock, no allocation, no
 * hidden state; the same state always gives the same decisions. The daemon
 * (`hexo sched`) and the simulator (sched/sim.h) call sched_decide() after
 * every event (job submitted or ended, migration done, machine up or down,
 * timer tick), carry out what it returns, and call it again.
 *
 * Words: a *server* is a machine with is_server set (jobs start there); a
 * *node* is any other machine (a board). A job's *slowdown* on a machine,
 * est_slowdown[m], is its estimated run time there over its run time on a
 * server (1.0 on a server). Machines and jobs are named by their index in
 * the state's arrays; jobs are ordered by id (submission order).
 *
 * The rules:
 *
 * R1 Resources. A RUNNING job holds its cores and memory on its machine. A
 *    MIGRATING job holds them on its source (until it has resumed on the
 *    destination: the source keeps the job until then) and on its
 *    destination (reserved from the decision on). What a machine has in use
 *    is computed from the jobs, never given, so the two cannot disagree. A
 *    job *fits* on a machine that is up when its cores and its memory fit in
 *    what the machine's jobs leave free. So: at most one job per core.
 *
 * R2 Queue. QUEUED jobs are served in submission order (lowest id first)
 *    and start on servers only: on the fitting server where the job's
 *    slowdown is lowest (ties: lowest machine index). Strict FIFO: when the
 *    first queued job cannot start, no later one starts either (no job
 *    overtakes an earlier one). A job too big for every server that is up,
 *    even an empty one, is passed over so that it does not block the queue
 *    forever (the daemon should refuse it at submission).
 *
 * R3 Making room. When the first queued job J fits on no server:
 *    a. if J would fit on a server once the jobs already migrating away
 *       from it have left, J waits for exactly those cores: no further
 *       victim is chosen for it;
 *    b. else, for each server that is up, a *plan*: its victims (R4) taken
 *       one by one in victim order until J would fit there once they and
 *       the jobs already leaving have left. Of the servers with a plan, the
 *       one whose victims' slowdowns add up to the least wins (ties: lowest
 *       index); each of its victims gets MIGRATE(V, server, V's node) and J
 *       waits for their cores (then a.);
 *    c. no plan: J waits until a job ends.
 *
 * R4 Victims. A job can be a victim when it is RUNNING (never one already
 *    MIGRATING: a job is in one migration at most) on a server that is up,
 *    is migratable (its image has migration points; others are never
 *    offloaded), and fits on some node that is up, counting what the
 *    decisions before it reserve. It would go to the fitting node where its
 *    slowdown is lowest (ties: lowest index); that slowdown is its *key*.
 *    Victim order: lowest key first, ties to the *highest* id (see R8).
 *
 * R5 Bring-back. When no job is QUEUED, idle_s >= 0 and the queue has been
 *    empty since queue_empty_since for at least idle_s seconds, jobs
 *    RUNNING on nodes that are up come back to servers with free room, the
 *    highest slowdown (on the node it runs on) first, ties highest id: each
 *    to the fitting server where its slowdown is lowest (ties: lowest
 *    index), when it is faster there (lower slowdown than on its node) and
 *    migratable. One that does not fit is skipped; a later one may fit.
 *
 * R6 Machines that are down: nothing starts on them, and no job migrates
 *    to or from them (a job on a dead node cannot reach a migration point;
 *    recovering it from its last checkpoint is the daemon's business).
 *
 * R7 Decisions. They come in the order they are to be carried out, and each
 *    one already counts the ones before it (a START never takes room that a
 *    MIGRATE before it reserved). At most `max` are returned: the ones after
 *    are dropped, and the next call, made after carrying these out, gives
 *    them again.
 *
 * R8 Ties are broken deterministically: between queued jobs and between
 *    machines, the lowest id and the lowest index; between jobs to move (R4,
 *    R5), the most recently submitted, the highest id. Jobs start in id
 *    order, so the newest has likely done the least of its work: a move
 *    costs the same whatever is left (the checkpoint's transfer, during
 *    which the job and the room it leaves stand idle), and moving the job
 *    with the most work left buys the most. Moving the oldest instead moves
 *    jobs that are nearly done, and the simulator shows it losing throughput
 *    when checkpoints are large (docs/sched.md).
 */
#ifndef HEXO_SCHED_POLICY_H
#define HEXO_SCHED_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched_machine {
	const char *name;   /* for messages only */
	bool is_server;     /* jobs start here (R2) */
	bool up;            /* reachable and accepting jobs (R6) */
	unsigned cores;     /* cores for jobs: one job per core */
	uint64_t mem_bytes; /* memory for jobs */
};

enum sched_job_state {
	SCHED_QUEUED,    /* submitted, not started: machine = dest = -1 */
	SCHED_RUNNING,   /* on `machine` */
	SCHED_MIGRATING, /* from `machine` to `dest` (R1: holds room on both) */
	SCHED_DONE,      /* ended: holds nothing, ignored */
};

struct sched_job {
	uint64_t id; /* unique; submission order: lower = submitted earlier */
	enum sched_job_state state;
	int machine; /* RUNNING: where it runs; MIGRATING: the source; else -1 */
	int dest;    /* MIGRATING: the destination; else -1 */
	unsigned cores;
	uint64_t mem_bytes;
	bool migratable;            /* the image has migration points */
	const double *est_slowdown; /* [n_machines], each > 0; 1.0 on servers */
};

struct sched_state {
	const struct sched_machine *machines;
	size_t n_machines;
	const struct sched_job *jobs; /* any order */
	size_t n_jobs;
	double now;               /* seconds, any origin */
	double queue_empty_since; /* when the queue last became empty (R5) */
	double idle_s;            /* R5's delay; negative: never bring back */
};

enum sched_action {
	SCHED_START,   /* start queued `job` on machine `to` (from = -1) */
	SCHED_MIGRATE, /* move `job` from `from` to `to` at its next migration point */
};

struct sched_decision {
	enum sched_action action;
	size_t job; /* index in state->jobs */
	int from;
	int to;
};

/*
 * The decisions for this state (R1-R8), at most max of them, into out;
 * returns how many. The state must pass sched_check().
 */
size_t sched_decide(const struct sched_state *st, struct sched_decision *out, size_t max);

/*
 * 0 when st is well-formed: machine indexes in range, MIGRATING jobs with
 * a destination other than their source, at least one core per job,
 * slowdowns given, finite and > 0, ids unique. Else -1 and one line in err.
 */
int sched_check(const struct sched_state *st, char *err, size_t errlen);

/* What the jobs hold on machine m (R1): cores and memory in use. */
void sched_usage(const struct sched_state *st, size_t m, unsigned *cores, uint64_t *mem_bytes);

#endif
