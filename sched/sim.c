// SPDX-License-Identifier: MIT
/*
 * The scheduler simulator (sched/sim.h has the model): a discrete-event
 * loop around sched_decide(), the report (table or JSON) and
 * sched_simulate_main().
 *
 * The loop keeps the policy's view of every job (struct sched_job) and,
 * beside it at the same index, what only the simulation knows (struct
 * sim_job: its kind, its work left, its next event). Time jumps from event
 * to event (a job ends, a migration arrives); between two events nothing
 * changes, so the energy of the interval is the machines' power times its
 * length. After each event the policy is asked what to do until it has
 * nothing more to say.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "policy.h"
#include "sim.h"

/* Events closer than this are simultaneous (float sums of run times). */
#define EPS_S 1e-9
/* sched_decide() rounds after one event before the policy is deemed stuck. */
#define MAX_ROUNDS 10000
#define MAX_DECISIONS 64

struct sim_job {
	size_t kind;     /* index in cfg->jobs */
	double left_s;   /* server-seconds of work left (as of the last stop) */
	double event_at; /* RUNNING: when it ends; MIGRATING: when it arrives */
};

struct world {
	const struct sim_config *cfg;
	const struct sim_setup *setup;
	struct sched_machine machines[SIM_MAX_MACHINES];
	double slowdown[SIM_MAX_JOBS][SIM_MAX_MACHINES]; /* per job kind, per machine */
	struct sched_job *pj; /* the policy's view */
	struct sim_job *sj;   /* the rest, same index */
	size_t n, cap;
	uint64_t next_id;
	size_t next_kind; /* the endless queue's cycle over the job set */
	double now;
	struct sim_result *res;
	char *err;
	size_t errlen;
};

double sim_power_w(const struct sim_power *p, unsigned busy)
{
	if (busy == 0)
		return p->idle_w;
	return p->busy1_w + (busy - 1) * (p->busy4_w - p->busy1_w) / 3.0;
}

static double slowdown(const struct world *w, size_t i, int machine)
{
	return w->slowdown[w->sj[i].kind][machine];
}

/* Appends the next job of the cycle to the queue. */
static int enqueue(struct world *w)
{
	const struct sim_job_type *t = &w->cfg->jobs[w->next_kind];
	size_t i = w->n;

	if (w->n == w->cap)
		return hexo_fail(w->err, w->errlen, -EOVERFLOW, "%s: setup %s: more jobs than cores",
		                 w->cfg->path, w->setup->name);
	w->pj[i] = (struct sched_job){w->next_id++, SCHED_QUEUED, -1,           -1,
	                              t->cores,     t->mem_bytes, t->migratable,
	                              w->slowdown[w->next_kind]};
	w->sj[i] = (struct sim_job){w->next_kind, t->runtime_s, INFINITY};
	w->next_kind = (w->next_kind + 1) % w->cfg->n_jobs;
	w->n++;
	return 0;
}

static void run_on(struct world *w, size_t i, int machine)
{
	w->pj[i].state = SCHED_RUNNING;
	w->pj[i].machine = machine;
	w->pj[i].dest = -1;
	w->sj[i].event_at = w->now + w->sj[i].left_s * slowdown(w, i, machine);
}

/* The job stops at once (at a migration point) and its checkpoint travels. */
static void migrate(struct world *w, size_t i, int to)
{
	const struct sim_job_type *t = &w->cfg->jobs[w->sj[i].kind];
	double bytes_per_s = w->cfg->link_mbps * 1e6 / 8;

	w->sj[i].left_s = fmax(0, (w->sj[i].event_at - w->now) / slowdown(w, i, w->pj[i].machine));
	w->sj[i].event_at = w->now + (double)t->checkpoint_bytes / bytes_per_s;
	w->pj[i].state = SCHED_MIGRATING;
	w->pj[i].dest = to;
	w->res->migrations++;
}

static int apply(struct world *w, const struct sched_decision *d)
{
	if (d->action == SCHED_START) {
		run_on(w, d->job, d->to);
		return enqueue(w); /* one taken, the next of the cycle comes in */
	}
	migrate(w, d->job, d->to);
	return 0;
}

static struct sched_state state_of(const struct world *w)
{
	return (struct sched_state){w->machines, w->setup->n_machines, w->pj, w->n, w->now,
	                            /* the queue never empties: no bring-back */
	                            0, -1};
}

/* Asks the policy and carries out its decisions until it has none. */
static int settle(struct world *w)
{
	struct sched_decision d[MAX_DECISIONS];
	int ret;

	for (int round = 0; round < MAX_ROUNDS; round++) {
		struct sched_state st = state_of(w);
		size_t n = sched_decide(&st, d, MAX_DECISIONS);

		if (n == 0)
			return 0;
		for (size_t k = 0; k < n; k++)
			if ((ret = apply(w, &d[k])))
				return ret;
	}
	return hexo_fail(w->err, w->errlen, -ELOOP, "%s: setup %s: the policy does not settle",
	                 w->cfg->path, w->setup->name);
}

static double next_event(const struct world *w)
{
	double t = INFINITY;

	for (size_t i = 0; i < w->n; i++)
		if (w->pj[i].state == SCHED_RUNNING || w->pj[i].state == SCHED_MIGRATING)
			t = fmin(t, w->sj[i].event_at);
	return t;
}

/* The machines' energy from now to `until`: nothing changes in between. */
static void add_energy(struct world *w, double until)
{
	unsigned busy[SIM_MAX_MACHINES] = {0};

	for (size_t i = 0; i < w->n; i++)
		if (w->pj[i].state == SCHED_RUNNING)
			busy[w->pj[i].machine] += w->pj[i].cores;
	for (size_t m = 0; m < w->setup->n_machines; m++) {
		const struct sim_machine_type *t = &w->cfg->types[w->setup->machine_type[m]];

		w->res->energy_j += sim_power_w(&t->power, busy[m]) * (until - w->now);
	}
	w->now = until;
}

static void forget(struct world *w, size_t i)
{
	w->n--;
	w->pj[i] = w->pj[w->n];
	w->sj[i] = w->sj[w->n];
}

/* Jobs end, migrations arrive: every event due now. */
static void handle_events(struct world *w)
{
	for (size_t i = 0; i < w->n;) {
		struct sched_job *j = &w->pj[i];

		if (j->state == SCHED_QUEUED || w->sj[i].event_at > w->now + EPS_S) {
			i++;
		} else if (j->state == SCHED_RUNNING) {
			w->res->completed++;
			w->res->work_s += w->cfg->jobs[w->sj[i].kind].runtime_s;
			forget(w, i);
		} else { /* the checkpoint has arrived: it resumes there */
			run_on(w, i, j->dest);
			i++;
		}
	}
}

/* Work done by the jobs that have not ended, at the end of the run. */
static void add_unfinished_work(struct world *w)
{
	for (size_t i = 0; i < w->n; i++) {
		double left = w->sj[i].left_s;

		if (w->pj[i].state == SCHED_QUEUED)
			continue;
		if (w->pj[i].state == SCHED_RUNNING)
			left = (w->sj[i].event_at - w->now) / slowdown(w, i, w->pj[i].machine);
		w->res->work_s += w->cfg->jobs[w->sj[i].kind].runtime_s - left;
	}
}

static int simulate(struct world *w)
{
	double end = w->cfg->duration_s, next;
	int ret;

	for (size_t k = 0; k < w->cfg->n_jobs; k++)
		if ((ret = enqueue(w)))
			return ret;
	if ((ret = settle(w)))
		return ret;
	while ((next = next_event(w)) <= end + EPS_S) {
		add_energy(w, fmin(next, end));
		w->now = next;
		handle_events(w);
		if ((ret = settle(w)))
			return ret;
	}
	add_energy(w, end);
	add_unfinished_work(w);
	return 0;
}

/* The policy's machines and every job kind's slowdown on each. */
static void build_machines(struct world *w)
{
	for (size_t m = 0; m < w->setup->n_machines; m++) {
		size_t k = w->setup->machine_type[m];
		const struct sim_machine_type *t = &w->cfg->types[k];

		w->machines[m] = (struct sched_machine){t->name, t->server, true, t->cores,
		                                        t->mem_bytes};
		for (size_t j = 0; j < w->cfg->n_jobs; j++)
			w->slowdown[j][m] = w->cfg->jobs[j].slowdown[k];
	}
}

int sim_run(const struct sim_config *cfg, size_t setup, struct sim_result *res, char *err,
            size_t errlen)
{
	struct world w = {.cfg = cfg, .setup = &cfg->setups[setup], .res = res,
	                  .err = err, .errlen = errlen};
	int ret;

	*res = (struct sim_result){0, 0, 0, 0};
	build_machines(&w);
	/* Each running or migrating job holds a core; the queue holds n_jobs. */
	w.cap = cfg->n_jobs;
	for (size_t m = 0; m < w.setup->n_machines; m++)
		w.cap += w.machines[m].cores;
	w.pj = calloc(w.cap, sizeof(*w.pj));
	w.sj = calloc(w.cap, sizeof(*w.sj));
	ret = w.pj && w.sj ? simulate(&w)
	                   : hexo_fail(err, errlen, -ENOMEM, "%s: out of memory", cfg->path);
	free(w.pj);
	free(w.sj);
	return ret;
}

/* "server + 3 board": the setup's machines, runs of one kind counted. */
static void describe_machines(const struct sim_config *cfg, const struct sim_setup *s, char *buf,
                              size_t len)
{
	size_t used = 0, run;

	buf[0] = 0;
	for (size_t m = 0; m < s->n_machines && used < len; m += run) {
		const char *name = cfg->types[s->machine_type[m]].name, *sep = m ? " + " : "";

		for (run = 1; m + run < s->n_machines; run++)
			if (s->machine_type[m + run] != s->machine_type[m])
				break;
		if (run > 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%zu %s", sep, run, name);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, name);
	}
}

/* The figures of one setup, relative to the baseline's. */
struct row {
	double jobs_per_kj, throughput_pct, efficiency_pct;
	double work_pct; /* throughput as work done, ended jobs or not */
};

static struct row row_of(const struct sim_result *r, const struct sim_result *base)
{
	struct row x;
	double base_jpk = base->energy_j > 0 ? base->completed / (base->energy_j / 1000) : NAN;

	x.jobs_per_kj = r->energy_j > 0 ? r->completed / (r->energy_j / 1000) : NAN;
	x.throughput_pct = base->completed ? 100.0 * r->completed / base->completed - 100 : NAN;
	x.work_pct = base->work_s > 0 ? 100.0 * r->work_s / base->work_s - 100 : NAN;
	x.efficiency_pct = base_jpk > 0 ? 100.0 * x.jobs_per_kj / base_jpk - 100 : NAN;
	return x;
}

static const char *pct(char *buf, size_t len, double v, const char *fmt)
{
	if (isnan(v))
		return "-";
	snprintf(buf, len, fmt, v);
	return buf;
}

static void print_table(FILE *f, const struct sim_config *cfg, const struct sim_result *res)
{
	char mach[SIM_MAX_SETUPS][160], a[16], b[16], c[16], d[16], e[16];
	int wn = 5, wm = 8;

	for (size_t i = 0; i < cfg->n_setups; i++) {
		describe_machines(cfg, &cfg->setups[i], mach[i], sizeof(mach[i]));
		wn = (int)fmax(wn, strlen(cfg->setups[i].name));
		wm = (int)fmax(wm, strlen(mach[i]));
	}
	fprintf(f, "%s%s%s (%s)\n", cfg->name, *cfg->description ? ": " : "", cfg->description,
	        cfg->path);
	fprintf(f, "%g s of an endless queue, %g Mb/s links; relative to %s%s%s\n\n",
	        cfg->duration_s, cfg->link_mbps, cfg->setups[cfg->baseline].name,
	        *cfg->expected_source ? "; paper: " : "", cfg->expected_source);
	fprintf(f, "%-*s  %-*s  %5s  %10s  %9s  %8s  %10s  %6s  %10s  %6s  %7s\n", wn, "setup",
	        wm, "machines", "jobs", "migrations", "energy_kJ", "jobs/kJ", "throughput", "paper",
	        "efficiency", "paper", "work");
	for (size_t i = 0; i < cfg->n_setups; i++) {
		const struct sim_setup *s = &cfg->setups[i];
		struct row x = row_of(&res[i], &res[cfg->baseline]);
		bool base = i == cfg->baseline;

		fprintf(f, "%-*s  %-*s  %5lu  %10lu  %9.1f  %8.4f  %10s  %6s  %10s  %6s  %7s\n", wn,
		        s->name, wm, mach[i], res[i].completed, res[i].migrations,
		        res[i].energy_j / 1000, x.jobs_per_kj,
		        base ? "base" : pct(a, sizeof(a), x.throughput_pct, "%+.1f%%"),
		        pct(b, sizeof(b), s->expected.throughput_pct, "%+.3g%%"),
		        base ? "base" : pct(c, sizeof(c), x.efficiency_pct, "%+.1f%%"),
		        pct(d, sizeof(d), s->expected.efficiency_pct, "%+.3g%%"),
		        base ? "base" : pct(e, sizeof(e), x.work_pct, "%+.1f%%"));
	}
}

/* A number rounded for people (fmt), or null when unknown. */
static json_object *jnum(double v, const char *fmt)
{
	char buf[32];

	if (!isfinite(v))
		return NULL;
	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

static json_object *setup_json(const struct sim_config *cfg, size_t i,
                               const struct sim_result *res)
{
	const struct sim_setup *s = &cfg->setups[i];
	struct row x = row_of(&res[i], &res[cfg->baseline]);
	json_object *o = json_object_new_object(), *m = json_object_new_array(), *e = NULL;

	for (size_t k = 0; k < s->n_machines; k++)
		json_object_array_add(m, json_object_new_string(cfg->types[s->machine_type[k]].name));
	if (!isnan(s->expected.throughput_pct) || !isnan(s->expected.efficiency_pct)) {
		e = json_object_new_object();
		json_object_object_add(e, "throughput_pct", jnum(s->expected.throughput_pct, "%g"));
		json_object_object_add(e, "efficiency_pct", jnum(s->expected.efficiency_pct, "%g"));
	}
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "machines", m);
	json_object_object_add(o, "jobs_completed", json_object_new_uint64(res[i].completed));
	json_object_object_add(o, "migrations", json_object_new_uint64(res[i].migrations));
	json_object_object_add(o, "energy_kj", jnum(res[i].energy_j / 1000, "%.3f"));
	json_object_object_add(o, "jobs_per_kj", jnum(x.jobs_per_kj, "%.5f"));
	json_object_object_add(o, "work_server_s", jnum(res[i].work_s, "%.1f"));
	json_object_object_add(o, "throughput_pct", jnum(x.throughput_pct, "%.2f"));
	json_object_object_add(o, "efficiency_pct", jnum(x.efficiency_pct, "%.2f"));
	json_object_object_add(o, "work_pct", jnum(x.work_pct, "%.2f"));
	json_object_object_add(o, "expected", e);
	return o;
}

static void print_json(FILE *f, const struct sim_config *cfg, const struct sim_result *res)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "config", json_object_new_string(cfg->path));
	json_object_object_add(o, "name", json_object_new_string(cfg->name));
	json_object_object_add(o, "description", json_object_new_string(cfg->description));
	json_object_object_add(o, "duration_s", jnum(cfg->duration_s, "%g"));
	json_object_object_add(o, "link_mbps", jnum(cfg->link_mbps, "%g"));
	json_object_object_add(o, "baseline", json_object_new_string(cfg->setups[cfg->baseline].name));
	json_object_object_add(o, "expected_source", *cfg->expected_source
	                                                 ? json_object_new_string(cfg->expected_source)
	                                                 : NULL);
	for (size_t i = 0; i < cfg->n_setups; i++)
		json_object_array_add(a, setup_json(cfg, i, res));
	json_object_object_add(o, "setups", a);
	fprintf(f, "%s\n",
	        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                              JSON_C_TO_STRING_SPACED |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void sim_report(FILE *f, const struct sim_config *cfg, const struct sim_result *res, bool json)
{
	if (json)
		print_json(f, cfg, res);
	else
		print_table(f, cfg, res);
}

static void usage(FILE *f)
{
	fputs("Usage: hexo sched --simulate CONFIG [--json]\n"
	      "\n"
	      "Simulates the scheduler's placement policy on every setup of CONFIG (a JSON\n"
	      "file: machines, a job set, setups; see docs/sched.md and sched/configs/) with\n"
	      "an endless queue, and prints per setup the jobs completed, the migrations,\n"
	      "the energy, jobs per kJ, and throughput and energy efficiency relative to\n"
	      "the baseline setup, beside the paper's figures when CONFIG has them.\n"
	      "\n"
	      "Options:\n"
	      "  --simulate CONFIG  the config file to simulate\n"
	      "  --json             print JSON instead of a table\n"
	      "  -h, --help         print this help\n"
	      "\n"
	      "Exit status: 0; 125 on an error (one line on stderr).\n",
	      f);
}

struct sim_opts {
	const char *config;
	bool json;
};

/* 0, 1 for --help (done), or an exit status. */
static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--simulate")) {
			if (i + 1 == argc)
				return hexo_error(HEXO_EXIT_ERROR,
				                  "sched: --simulate needs a CONFIG file: see "
				                  "'hexo sched --help'");
			o->config = argv[++i];
		} else if (!strncmp(a, "--simulate=", 11)) {
			o->config = a + 11;
		} else {
			return hexo_error(HEXO_EXIT_ERROR,
			                  "sched: unknown %s '%s': see 'hexo sched --help'",
			                  a[0] == '-' ? "option" : "argument", a);
		}
	}
	if (!o->config)
		return hexo_error(HEXO_EXIT_ERROR,
		                  "sched: --simulate needs a CONFIG file: see 'hexo sched --help'");
	return 0;
}

int sched_simulate_main(int argc, char **argv)
{
	struct sim_opts o = {NULL, false};
	struct sim_result res[SIM_MAX_SETUPS];
	static struct sim_config cfg;
	char err[512];
	int ret = parse_args(argc, argv, &o);

	if (ret)
		return ret == 1 ? 0 : ret;
	if (sim_config_load(o.config, &cfg, err, sizeof(err)))
		return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	for (size_t i = 0; i < cfg.n_setups; i++)
		if (sim_run(&cfg, i, &res[i], err, sizeof(err)))
			return hexo_error(HEXO_EXIT_ERROR, "%s", err);
	sim_report(stdout, &cfg, res, o.json);
	return fflush(stdout) ? hexo_error(HEXO_EXIT_ERROR, "sched: stdout: %s", strerror(errno))
	                      : 0;
}
