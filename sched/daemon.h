/* SPDX-License-Identifier: MIT */
/*
 * The scheduler daemon (`hexo sched`): a queue of jobs for a server and its
 * nodes. One process, one thread, one poll() loop (daemon.c). Clients talk
 * to it over an owner-only Unix socket, one JSON object per line each way
 * (rpc.c). Every job is carried out by child processes of the daemon, one
 * *segment* at a time: `hexo run` or `hexo resume` here, with `--on NODE`
 * on a node (exec.c). A migration asks the running segment to stop at its
 * next migration point (SIGUSR1), and when its checkpoint is on disk starts
 * the next segment from it on the destination. The placement decisions are
 * the pure policy's (policy.h); the slowdown estimates come from
 * estimate.c; everything the daemon knows about a job is journaled in the
 * state directory (state.c) so that a restarted daemon loses none.
 */
#ifndef HEXO_SCHED_DAEMON_H
#define HEXO_SCHED_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "counters.h"
#include "policy.h"

#define SD_MAX_MACHINES 32
#define SD_NAME_MAX     64
#define SD_MAX_ARGS     256

enum sd_job_state {
	SD_QUEUED,
	SD_RUNNING,
	SD_MIGRATING, /* its segment was asked to stop; the next starts on `dest` */
	SD_DONE,      /* the program ended (any status: exit_status says which) */
	SD_FAILED,    /* hexo could not run it (125) or it crashed (139) */
	SD_CANCELLED,
};

/* Where an estimate came from (docs/sched.md, "Slowdown estimates"). */
enum sd_est_source {
	SD_EST_SERVER,   /* 1.0: the machine is a server */
	SD_EST_HISTORY,  /* measured on this node for this image before */
	SD_EST_COUNTERS, /* hardware counters and the node's model */
	SD_EST_CALIB,    /* the node's calibration (`hexo node calibrate`) */
	SD_EST_DEFAULT,  /* nothing known: the default prior */
};

struct sd_machine {
	char name[SD_NAME_MAX]; /* "local" for this host, else the node's name */
	bool local;             /* jobs run by `hexo run` here, else `--on name` */
	bool is_server;
	bool up;
	unsigned cores;
	uint64_t mem_bytes;
	char isa[16];          /* "x86_64", "aarch64" */
	double last_seen;      /* daemon clock when a ping last answered */
	/* counters, for `hexo sched status` and the metrics */
	uint64_t migrations_in, migrations_out;
	/* the daemon's own bookkeeping (exec.c): its `hexo node ping` child */
	pid_t ping_pid;
	int ping_fd;        /* the child's stdout, -1 when none */
	char ping_out[512];
	size_t ping_len;
	unsigned ping_fails; /* in a row */
	double next_ping;
};

struct hexo_calib;

struct sd_job {
	uint64_t id;
	enum sd_job_state state;
	/* the request */
	char *image;   /* absolute path */
	char *dir;     /* absolute job directory */
	char *output;  /* absolute path of stdout's file */
	char *error;   /* absolute path of stderr's file (== output: one file) */
	char **argv;   /* argv[0..argc-1], NULL-terminated */
	int argc;
	unsigned cores;
	uint64_t mem_bytes;
	char mem_text[32]; /* --mem as given ("512M") */
	/* what the image is */
	char build_id[64];
	bool migratable;
	/* where it is */
	int machine; /* index in the daemon's machines, -1 when none */
	int dest;    /* SD_MIGRATING: the destination */
	pid_t pid;   /* the running segment's process, 0 when none */
	unsigned segment;    /* segments started so far */
	char *checkpoint;    /* the last checkpoint written (NULL: none yet) */
	/* times, daemon clock (seconds since the epoch) */
	double submitted, started, ended;
	double seg_started;     /* when the current segment started */
	double migrate_asked;   /* when the current migration was asked */
	double run_s[SD_MAX_MACHINES]; /* seconds run on each machine */
	uint64_t points;              /* migration points passed, last known */
	uint64_t points_on[SD_MAX_MACHINES]; /* points passed on each machine */
	unsigned migrations;
	uint64_t seg_points0;   /* points when the current segment started */
	double seg_run_s;       /* its guest's run time so far (status file), 0: unknown */
	uint64_t out_size;      /* output's size when the last checkpoint was taken */
	uint64_t err_size;      /* the same for the error file */
	unsigned retries;       /* segments lost to a machine's failure */
	bool cancel_asked;      /* `hexo cancel`: its segment was told to end */
	bool lost;              /* its node went down: its segment was told to end */
	char *next_checkpoint;  /* where the running segment writes its checkpoint */
	char *status_file;      /* where the running segment writes its progress */
	/* hardware counters of a segment on this host, when they work */
	struct hexo_counters ctr;
	bool ctr_open;
	double ctr_ginstr_s, ctr_mllcmiss_s; /* its rates so far (ctr_rates) */
	bool ctr_rates;
	int exit_status; /* SD_DONE / SD_FAILED: the job's status */
	char why[160];   /* SD_FAILED / SD_CANCELLED / not migratable: a reason */
	/* estimates, per machine */
	double est_used;  /* the estimate its (last) offload was decided on */
	int est_node;     /* ... for that node (-1: never offloaded) */
	double measured;  /* measured slowdown there, 0 when not known */
	double est[SD_MAX_MACHINES];
	enum sd_est_source est_src[SD_MAX_MACHINES];
};

/* A log2 histogram for the metrics: bucket i counts values <= bounds[i]. */
#define SD_HIST_BUCKETS 12
struct sd_hist {
	double bounds[SD_HIST_BUCKETS];
	uint64_t counts[SD_HIST_BUCKETS]; /* cumulative, as Prometheus wants */
	uint64_t count;
	double sum;
};

struct sd_metrics {
	uint64_t migrations_offload; /* server -> node */
	uint64_t migrations_back;    /* node -> server */
	struct sd_hist migration_s;  /* ask to resumed */
	struct sd_hist checkpoint_bytes;
	struct sd_hist est_error;    /* |estimated - measured| / measured, finished jobs */
};

struct sd_options {
	const char *socket;  /* the Unix socket's path */
	const char *state;   /* the state directory */
	const char *metrics; /* ADDR:PORT, or NULL */
	const char *hexo;    /* the hexo binary the segments run */
	unsigned cores;      /* this host's cores for jobs (0: runs none) */
	uint64_t mem_bytes;  /* this host's memory for jobs */
	double idle_s;       /* bring-back delay; negative: never */
	double tick_s;       /* how often nodes are pinged and the policy runs */
	double checkpoint_every; /* periodic checkpoints of every job (0: none) */
	const char *servers[SD_MAX_MACHINES]; /* nodes that act as servers too */
	size_t n_servers;
	const char *nodes[SD_MAX_MACHINES]; /* the nodes to use (none given: all registered) */
	size_t n_nodes;
	bool foreground_log; /* log to stderr */
};

struct sd {
	struct sd_options opt;
	struct sd_machine machines[SD_MAX_MACHINES];
	size_t n_machines;
	struct sd_job **jobs; /* submission order */
	size_t n_jobs, cap_jobs;
	uint64_t next_id;
	double started;
	double queue_empty_since;
	struct sd_metrics metrics;
	bool stopping;
	/* the daemon's own bookkeeping */
	struct sd_client *clients; /* rpc.c */
	size_t n_clients;
	void *history;             /* estimate.c: STATE/history.json's tree */
	double calib[SD_MAX_MACHINES]; /* the node's calibrated prior, 0: none */
	struct hexo_calib *calib_full[SD_MAX_MACHINES]; /* its calibration (model) */
	bool counters_ok; /* perf_event_open works here */
};

/* A client connection (rpc.c): one request line at a time. */
struct sd_client {
	int fd;
	char buf[65536];
	size_t len;
	uint64_t waiting_for; /* `wait`: the job, 0 when none */
};

/* Seconds since the epoch (CLOCK_REALTIME), as the journal keeps them. */
double sd_now(void);

/* `hexo sched` without --simulate: the daemon. Returns the exit status. */
int sd_main(const struct sd_options *opt);

const char *sd_job_state_name(enum sd_job_state s);
const char *sd_est_source_name(enum sd_est_source s);

/*
 * The Prometheus text exposition of the daemon's state (metrics.c): jobs by
 * state and machine, cores and memory in use and free per machine,
 * migrations by direction, the histograms. Returns a malloc'd string.
 */
char *sd_metrics_text(const struct sd *d);

/*
 * The metrics listener: sd_metrics_listen() binds ADDR:PORT (TCP) and
 * returns the listening fd, or -1 with one line in err; sd_metrics_serve()
 * accepts one connection on it and answers one HTTP GET /metrics (any
 * other path: 404) without blocking the daemon for more than a second.
 */
int sd_metrics_listen(const char *addr_port, char *err, size_t errlen);
void sd_metrics_serve(const struct sd *d, int listen_fd);

/*
 * Histograms: bounds[i] = first_bound * factor^i; sd_hist_add() counts v in
 * every bucket whose bound is >= v, and in count and sum (NaN: ignored).
 */
void sd_hist_init(struct sd_hist *h, double first_bound, double factor);
void sd_hist_add(struct sd_hist *h, double v);

/*
 * All zero, and the histograms' bounds: migration_s 0.5 s x2 (to 1024 s),
 * checkpoint_bytes 64 KiB x4 (to 256 GiB), est_error 0.05 x2 (to 102.4).
 * The daemon calls it once at start, before the journal adds to them.
 */
void sd_metrics_init(struct sd_metrics *m);

#endif
