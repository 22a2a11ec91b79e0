/* SPDX-License-Identifier: MIT */
/*
 * The scheduler simulator (`hexo sched --simulate CONFIG [--json]`): the
 * placement policy (policy.h) run in a discrete-event simulation of one
 * server and its boards, to compare setups (e.g. a server alone, with one
 * or three boards, two servers) on one job set. docs/sched.md describes the
 * model and the config file; sim_config.c reads the file.
 *
 * The model, in short:
 *  - the queue is endless: it holds one job of each kind of the job set, in
 *    the set's order, and each job taken from it is replaced by the next
 *    one of the cycle, so it never empties (and R5's bring-back never runs);
 *  - a job's work is counted in server-seconds (its run time alone on a
 *    server); on a machine where its slowdown is s it progresses at 1/s;
 *  - a migration moves the checkpoint over the node's link: it takes
 *    checkpoint size / bandwidth, during which the job runs nowhere but
 *    keeps its progress (and holds its room on both machines, R1). Links do
 *    not share bandwidth; migration points are taken to come at once;
 *  - a machine's power is piecewise linear in its busy threads (one per
 *    core of a RUNNING job): idle_w with none, busy1_w with one, and from
 *    there busy4_w with four, the same watts per thread beyond four;
 *  - a run lasts duration_s; only jobs that end by then count.
 */
#ifndef HEXO_SCHED_SIM_H
#define HEXO_SCHED_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_NAME_MAX     32 /* names, with their NUL */
#define SIM_TEXT_MAX     200
#define SIM_MAX_TYPES    8  /* machine kinds in a config */
#define SIM_MAX_JOBS     16 /* jobs in a job set */
#define SIM_MAX_SETUPS   8
#define SIM_MAX_MACHINES 16 /* machines in a setup */

struct sim_power {
	double idle_w, busy1_w, busy4_w;
};

struct sim_machine_type {
	char name[SIM_NAME_MAX];
	bool server;
	unsigned cores; /* jobs it runs at once (one per core) */
	uint64_t mem_bytes;
	struct sim_power power;
};

struct sim_job_type {
	char name[SIM_NAME_MAX];
	double runtime_s;          /* alone on a server */
	uint64_t checkpoint_bytes; /* moved by a migration */
	uint64_t mem_bytes;
	unsigned cores;
	bool migratable;
	double slowdown[SIM_MAX_TYPES]; /* per machine type: run time there / runtime_s */
};

/* A paper's figure for a setup, relative to the baseline; NAN when unknown. */
struct sim_expected {
	double throughput_pct, efficiency_pct;
};

struct sim_setup {
	char name[SIM_NAME_MAX];
	size_t n_machines;
	size_t machine_type[SIM_MAX_MACHINES]; /* index in sim_config.types */
	struct sim_expected expected;
};

struct sim_config {
	char path[SIM_TEXT_MAX];
	char name[SIM_NAME_MAX];
	char description[SIM_TEXT_MAX];
	char expected_source[SIM_TEXT_MAX]; /* where the expected figures come from */
	double duration_s;
	double link_mbps; /* megabits (10^6 bits) per second, each node's link */
	size_t n_types, n_jobs, n_setups;
	size_t baseline; /* index in setups */
	struct sim_machine_type types[SIM_MAX_TYPES];
	struct sim_job_type jobs[SIM_MAX_JOBS];
	struct sim_setup setups[SIM_MAX_SETUPS];
};

struct sim_result {
	unsigned long completed;  /* jobs that ended within duration_s */
	unsigned long migrations; /* started within duration_s */
	double energy_j;          /* all machines of the setup, over duration_s */
	double work_s;            /* server-seconds of work done, ended jobs or not */
};

/*
 * Reads and checks the config file at path into cfg. On a bad file: -errno
 * and one line in err naming the file, the key and what is expected.
 */
int sim_config_load(const char *path, struct sim_config *cfg, char *err, size_t errlen);

/* A machine's power with `busy` busy threads (see the model above). */
double sim_power_w(const struct sim_power *p, unsigned busy);

/* Simulates setup number `setup` of cfg. 0, or -errno with one line in err. */
int sim_run(const struct sim_config *cfg, size_t setup, struct sim_result *res, char *err,
            size_t errlen);

/* Prints the results of every setup of cfg (res[i]: setup i): a table, or JSON. */
void sim_report(FILE *f, const struct sim_config *cfg, const struct sim_result *res, bool json);

/*
 * `hexo sched --simulate CONFIG [--json]` (argv[0] = "sched"): simulates
 * every setup of CONFIG and prints a table (or JSON). 0, or 125 with one
 * line on stderr.
 */
int sched_simulate_main(int argc, char **argv);

#endif
